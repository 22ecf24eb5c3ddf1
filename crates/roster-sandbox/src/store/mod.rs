//! The store: the state of one org as plain tables and the indexes lookups need. No API
//! rules live here: what may change and how is decided by the domain layer (`crate::org`),
//! which is the only writer besides loading a dump.
//!
//! This is also the dump format (`GET /__sandbox/orgs/{name}/dump`): serializing an
//! [`OrgState`] and loading it back yields the same JSON. Derived data (indexes, the user
//! JSON cache, a user's team, read-after-create visibility) is rebuilt on load, never stored.

mod capture;
mod entitlements;
mod records;
mod table;
mod users;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::SandboxError;

pub use entitlements::{
    BusinessUnit, DidPool, ExtensionPool, HeldNumber, LicenceDefinition, LicenceState,
    ManagementUnit, PlanningGroup, Revocation, RoutePath, Station, TelephonyState, WfmState,
};
pub use records::{
    Assignment, Division, EntityState, Grant, Group, Language, MediaUtilization, Queue,
    QueueMember, Role, Skill, Team, TeamMember, User, WrapupCode,
};
pub use table::{Embedded, Entity, Members, Pieces, Table, UuidHasher, UuidMap};
pub use users::UserStore;

/// Everything one org holds. Serialized, this is the org dump.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgState {
    /// The organization's id (shown by `GET /tokens/me`).
    pub org_id: Uuid,
    /// Divisions; exactly one is home.
    pub divisions: Table<Division>,
    /// Roles.
    pub roles: Table<Role>,
    /// Routing skills.
    pub skills: Table<Skill>,
    /// Routing languages.
    pub languages: Table<Language>,
    /// Wrap-up codes.
    pub wrapup_codes: Table<WrapupCode>,
    /// Queues.
    pub queues: Table<Queue>,
    /// Teams.
    pub teams: Table<Team>,
    /// Groups.
    pub groups: Table<Group>,
    /// Users.
    pub users: UserStore,
    /// Org-wide utilization defaults.
    pub org_utilization: BTreeMap<String, MediaUtilization>,
    /// Next value of the org-wide sequence used for cursors.
    pub next_seq: u64,
    /// DID and extension pools, non-user number holders, stations.
    #[serde(default)]
    pub telephony: TelephonyState,
    /// Business units, planning groups, management units and their members.
    #[serde(default)]
    pub wfm: WfmState,
    /// Licence definitions and the licences roles carry.
    #[serde(default)]
    pub licences: LicenceState,
    /// Token revocations (`DELETE /api/v2/tokens/{userId}`), oldest first.
    #[serde(default)]
    pub revocations: Vec<Revocation>,
}

impl OrgState {
    /// The home division.
    pub fn home_division(&self) -> &Division {
        self.divisions
            .iter()
            .find(|division| division.home)
            .expect("an org always has a home division: checked on creation and on load")
    }

    /// The next value of the org-wide sequence.
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// A role by exact name.
    pub fn role_by_name(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|role| role.name == name)
    }

    /// A division by name (case-insensitive).
    pub fn division_by_name(&self, name: &str) -> Option<&Division> {
        self.divisions
            .iter()
            .find(|division| division.name.eq_ignore_ascii_case(name))
    }

    /// Groups a user belongs to, in table order.
    pub fn groups_of(&self, user_id: Uuid) -> impl Iterator<Item = &Group> {
        self.groups.having_member(user_id)
    }

    /// The role grants a user holds, each with the id of its subject (the user for its own,
    /// a group for the group's): its own, then its groups' in table order. An inactive user
    /// holds none: "all roles assigned to the user are removed" when it is set inactive, and
    /// on reactivation "only roles assigned to the user through groups are automatically
    /// applied again" (Genesys resource center, "Set a user as inactive or active"). Its own
    /// grants are dropped when it goes inactive (`org::users`); its groups' apply again
    /// through this function.
    pub fn grants_of<'a>(&'a self, user: &'a User) -> impl Iterator<Item = (Uuid, &'a Grant)> {
        let active = user.state == EntityState::Active;
        let own = user.grants.iter().map(|grant| (user.id, grant));
        let groups = self
            .groups_of(user.id)
            .flat_map(|group| group.grants.iter().map(|grant| (group.id, grant)));
        own.chain(groups).filter(move |_| active)
    }

    /// Rebuilds derived data after a load and checks references.
    pub fn finish_load(&mut self) -> Result<(), SandboxError> {
        let homes = self
            .divisions
            .iter()
            .filter(|division| division.home)
            .count();
        if homes != 1 {
            return Err(SandboxError::InvalidDump(format!(
                "expected exactly one home division, found {homes}"
            )));
        }
        let mut teams_of: HashMap<Uuid, Uuid> = HashMap::new();
        for team in &self.teams {
            for member in &team.members {
                if teams_of.insert(member.user_id, team.id).is_some() {
                    return Err(SandboxError::InvalidDump(format!(
                        "user {} is in two teams",
                        member.user_id
                    )));
                }
            }
        }
        for queue in &mut self.queues {
            queue.reindex_members();
        }
        let division_ids: HashSet<Uuid> =
            self.divisions.iter().map(|division| division.id).collect();
        for user in &mut self.users {
            user.team_id = teams_of.get(&user.id).copied();
            if !division_ids.contains(&user.division_id) {
                return Err(SandboxError::InvalidDump(format!(
                    "user {} is in an unknown division",
                    user.id
                )));
            }
        }
        for user in &self.users {
            if let Some(manager) = user.manager_id
                && self.users.get(manager).is_none()
            {
                return Err(SandboxError::InvalidDump(format!(
                    "user {} has an unknown manager",
                    user.id
                )));
            }
        }
        Ok(())
    }
}

/// What one write changed: every item it touched, as it was before (`None`: created by the
/// write), per table, in the order first touched. The items as they are now are in the
/// [`OrgState`] the write left.
#[derive(Debug, Default)]
pub struct Captured {
    /// Divisions touched.
    pub divisions: Vec<(Uuid, Option<Division>)>,
    /// Roles touched.
    pub roles: Vec<(Uuid, Option<Role>)>,
    /// Skills touched.
    pub skills: Vec<(Uuid, Option<Skill>)>,
    /// Languages touched.
    pub languages: Vec<(Uuid, Option<Language>)>,
    /// Wrap-up codes touched.
    pub wrapup_codes: Vec<(Uuid, Option<WrapupCode>)>,
    /// Queues touched.
    pub queues: Vec<(Uuid, Option<Queue>)>,
    /// Teams touched.
    pub teams: Vec<(Uuid, Option<Team>)>,
    /// Groups touched.
    pub groups: Vec<(Uuid, Option<Group>)>,
    /// Users touched.
    pub users: Vec<(Uuid, Option<User>)>,
}

impl OrgState {
    /// Starts keeping, in every table, the before-image of each item a change touches (see
    /// `capture`); [`Self::take_capture`] hands them over.
    pub fn start_capture(&mut self) {
        self.divisions.start_capture();
        self.roles.start_capture();
        self.skills.start_capture();
        self.languages.start_capture();
        self.wrapup_codes.start_capture();
        self.queues.start_capture();
        self.teams.start_capture();
        self.groups.start_capture();
        self.users.start_capture();
    }

    /// Stops capturing and answers what changed since [`Self::start_capture`].
    pub fn take_capture(&mut self) -> Captured {
        Captured {
            divisions: self.divisions.take_capture(),
            roles: self.roles.take_capture(),
            skills: self.skills.take_capture(),
            languages: self.languages.take_capture(),
            wrapup_codes: self.wrapup_codes.take_capture(),
            queues: self.queues.take_capture(),
            teams: self.teams.take_capture(),
            groups: self.groups.take_capture(),
            users: self.users.take_capture(),
        }
    }
}

impl OrgState {
    /// Parses a dump (`GET /__sandbox/orgs/{name}/dump`).
    pub fn deserialize_dump(dump: &serde_json::Value) -> Result<Self, SandboxError> {
        <Self as serde::Deserialize>::deserialize(dump).map_err(|error| SandboxError::Parse {
            what: "org dump".into(),
            message: error.to_string(),
        })
    }
}
