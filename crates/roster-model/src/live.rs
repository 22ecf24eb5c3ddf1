//! Live state: what one org holds, read by the Genesys client, keyed by natural keys like the
//! desired side, with the ids and versions needed to write back.
//!
//! References are translated to natural keys at read time (a user's skills by skill name, its
//! manager by email), so the planner compares like with like and never sees a raw UUID unless
//! it needs one for a write.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::entitlements::{LicenceDefinition, LivePhone, Telephony, Wfm};
use crate::values::{Email, MediaType, Proficiency, UserState, Utilization};

/// Everything roster read from one org.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveOrg {
    /// Divisions by name.
    pub divisions: BTreeMap<String, LiveDivision>,
    /// Roles by name.
    pub roles: BTreeMap<String, LiveNamed>,
    /// Active skills by name.
    pub skills: BTreeMap<String, LiveNamed>,
    /// Active languages by name.
    pub languages: BTreeMap<String, LiveNamed>,
    /// Wrap-up codes by name.
    pub wrapup_codes: BTreeMap<String, LiveNamed>,
    /// Queues by name.
    pub queues: BTreeMap<String, LiveQueue>,
    /// Teams by name.
    pub teams: BTreeMap<String, LiveTeam>,
    /// Active and inactive users by email (deleted users are not listed).
    pub users: BTreeMap<Email, LiveUser>,
    /// The org's utilization defaults (empty when not read). A user's own utilization lists
    /// only the media types that differ from these, because the API reads a media type the
    /// user never set as the org's value: the two cannot be told apart.
    #[serde(default)]
    pub default_utilization: Utilization,
    /// Users the org listed that roster cannot key (no usable email): left out of `users`,
    /// so they are never planned, and reported so nobody wonders where they went.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted_users: Vec<UnlistedUser>,
    /// DID and extension pools; `None` when not read (no manifest manages a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephony: Option<Telephony>,
    /// Business and management units; `None` when not read (no manifest manages one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wfm: Option<Wfm>,
    /// The licences the org defines; empty when not read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<LicenceDefinition>,
}

/// A live user left out of [`LiveOrg::users`] because it cannot be identified by email.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnlistedUser {
    /// The user's Genesys id.
    pub id: String,
    /// Its name, as the org has it.
    pub name: String,
    /// The email the org holds, if any (unparseable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The role Genesys grants, in the home division, to every user it creates (the org's default
/// role). A created user therefore starts with this grant, and a plan that declares roles
/// without it must revoke it. UNCONFIRMED: whether an org can configure another default role.
pub const NEW_USER_ROLE: &str = "Employee";

impl LiveOrg {
    /// The home division, which every org has exactly one of.
    pub fn home_division(&self) -> Option<&LiveDivision> {
        self.divisions.values().find(|d| d.home)
    }

    /// Each user's queue memberships, queue name → how it is a member, from the queues whose
    /// members were read: one pass over the queues, for whoever asks about many users.
    pub fn queue_memberships(&self) -> HashMap<&Email, BTreeMap<&str, &MemberOrigin>> {
        let mut map: HashMap<&Email, BTreeMap<&str, &MemberOrigin>> = HashMap::new();
        for queue in self.queues.values() {
            for (email, member) in queue.members.iter().flatten() {
                map.entry(email)
                    .or_default()
                    .insert(queue.name.as_str(), &member.origin);
            }
        }
        map
    }

    /// The grants a user has right after Genesys creates it: [`NEW_USER_ROLE`] in the home
    /// division, when the org has both.
    pub fn new_user_grants(&self) -> BTreeSet<LiveGrant> {
        match self.home_division() {
            Some(home) if self.roles.contains_key(NEW_USER_ROLE) => BTreeSet::from([LiveGrant {
                role: NEW_USER_ROLE.to_owned(),
                division: home.name.clone(),
                origin: GrantOrigin::Direct,
            }]),
            _ => BTreeSet::new(),
        }
    }
}

/// A division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveDivision {
    /// Genesys id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether this is the org's home division.
    pub home: bool,
}

/// An object that is only a name and an id: a role, skill, language or wrap-up code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveNamed {
    /// Genesys id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveQueue {
    /// Genesys id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Division name.
    pub division: String,
    /// Description (`None` when empty).
    pub description: Option<String>,
    /// Wrap-up code names; `None` when not read (the queue's codes are not managed).
    pub wrapup_codes: Option<BTreeSet<String>>,
    /// Members by email; `None` when not read (the queue is not managed).
    pub members: Option<BTreeMap<Email, LiveQueueMember>>,
    /// The media types the queue takes (the keys of its `mediaSettings`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub media_types: BTreeSet<MediaType>,
}

/// How a user came to be in a queue or hold a grant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MemberOrigin {
    /// Added to the queue directly: roster may remove it.
    Direct,
    /// Through one of the queue's member groups (a group, or a team), named when the org
    /// says which: never written by roster.
    Group(Option<String>),
}

impl MemberOrigin {
    /// Whether the membership comes through a group (and so is never written).
    pub fn is_group(&self) -> bool {
        matches!(self, MemberOrigin::Group(_))
    }
}

/// One queue member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveQueueMember {
    /// The user's Genesys id.
    pub user_id: String,
    /// Direct or through a group.
    pub origin: MemberOrigin,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveTeam {
    /// Genesys id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Division name.
    pub division: String,
    /// Description (`None` when empty).
    pub description: Option<String>,
}

/// Where a grant comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GrantOrigin {
    /// Granted to the user itself: roster may remove it.
    Direct,
    /// Inherited from the named group: shown, never written.
    Group(String),
}

/// One role grant held by a user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveGrant {
    /// Role name.
    pub role: String,
    /// Division name.
    pub division: String,
    /// Direct or inherited.
    pub origin: GrantOrigin,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveUser {
    /// Genesys id.
    pub id: String,
    /// The user's `version`, required by PATCH.
    pub version: u64,
    /// Email (the natural key).
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Title (`None` when empty).
    pub title: Option<String>,
    /// Department (`None` when empty).
    pub department: Option<String>,
    /// Division name.
    pub division: String,
    /// Manager's email.
    pub manager: Option<Email>,
    /// Active or inactive.
    pub state: UserState,
    /// Team name.
    pub team: Option<String>,
    /// Skill name → proficiency.
    pub skills: BTreeMap<String, Proficiency>,
    /// Language name → proficiency.
    pub languages: BTreeMap<String, Proficiency>,
    /// Role grants, direct and inherited. An inactive user holds none in Genesys: its direct
    /// grants went when it was set inactive, and the inherited ones listed here are those its
    /// groups give back when it is reactivated.
    pub grants: BTreeSet<LiveGrant>,
    /// Own utilization (empty = org defaults); `None` when not read.
    pub utilization: Option<Utilization>,
    /// Whether ACD interactions are answered automatically.
    pub acd_auto_answer: bool,
    /// The WORK phone of `addresses` (read with the user list).
    #[serde(default, skip_serializing_if = "LivePhone::is_empty")]
    pub phone: LivePhone,
    /// The id of the station the user is associated with, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// The management unit the user is an agent of, by name; `None` when in none, or when
    /// management units were not read ([`LiveOrg::wfm`] is `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_unit: Option<String>,
}
