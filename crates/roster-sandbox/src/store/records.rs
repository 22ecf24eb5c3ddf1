//! The records the store keeps: one plain struct per kind, as the dump spells it. No API
//! rules here (see `crate::org`); only the derived fields the store rebuilds itself.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::table::{Entity, Members};

/// Lifecycle state of users, skills and languages (`active`, `inactive`, `deleted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EntityState {
    /// Usable.
    #[default]
    Active,
    /// Users only: deactivated, kept with all assignments.
    Inactive,
    /// Soft-deleted: still readable by id.
    Deleted,
}

impl EntityState {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Deleted => "deleted",
        }
    }

    /// Parses the API spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            Self::Active => 0,
            Self::Inactive => 1,
            Self::Deleted => 2,
        }
    }
}

macro_rules! entity {
    ($($ty:ty),*) => {$(impl Entity for $ty { fn id(&self) -> Uuid { self.id } })*};
}
entity!(
    Division, Role, Skill, Language, WrapupCode, Queue, Team, Group, User
);

/// An authorization division.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Division {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the org.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether this is the org's home division (exactly one is).
    #[serde(default)]
    pub home: bool,
}

/// An authorization role (built-in or custom).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the org.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Set on built-in roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role_id: Option<String>,
    /// Permission strings.
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A routing skill. Soft-deleted: `state` becomes `deleted`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Skill {
    /// Id.
    pub id: Uuid,
    /// Name, unique among non-deleted skills (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// `active` or `deleted`.
    pub state: EntityState,
    /// Version, bumped on every write (the API shows it as a string).
    pub version: u64,
    /// Last write.
    pub date_modified: String,
    /// Sandbox clock ms from which list results show it (read-after-create delay).
    #[serde(skip)]
    pub listed_from_ms: u64,
}

/// A routing language. Soft-deleted like skills.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Language {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `active` or `deleted`.
    pub state: EntityState,
    /// Version.
    pub version: u64,
    /// Last write.
    pub date_modified: String,
}

/// A wrap-up code. Hard-deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WrapupCode {
    /// Id.
    pub id: Uuid,
    /// Name, unique (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    pub date_created: String,
    /// Last write.
    pub date_modified: String,
}

/// A direct (user) member of a queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueMember {
    /// The user.
    pub user_id: Uuid,
    /// Joined (on queue) or not.
    pub joined: bool,
    /// Bullseye ring.
    pub ring_number: u32,
}

/// A queue. Hard-deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Queue {
    /// Id.
    pub id: Uuid,
    /// Name, unique (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    pub date_created: String,
    /// Last write.
    pub date_modified: String,
    /// Direct members in insertion order.
    #[serde(default)]
    pub members: Vec<QueueMember>,
    /// Groups whose members are members of this queue (`memberBy: group`).
    #[serde(default)]
    pub member_groups: Vec<Uuid>,
    /// Joined state of group-derived members that differs from the default (joined).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_member_joined: BTreeMap<Uuid, bool>,
    /// Wrap-up codes assigned to the queue.
    #[serde(default)]
    pub wrapup_codes: Vec<Uuid>,
    /// Other `Queue` fields kept verbatim from create/PUT (mediaSettings, acwSettings, ...).
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Index of `members` by user id.
    #[serde(skip)]
    pub member_index: HashMap<Uuid, usize>,
    /// Sandbox clock ms from which list results show it.
    #[serde(skip)]
    pub listed_from_ms: u64,
}

impl Queue {
    /// Rebuilds `member_index` after `members` changed shape.
    pub fn reindex_members(&mut self) {
        self.member_index = self
            .members
            .iter()
            .enumerate()
            .map(|(index, member)| (member.user_id, index))
            .collect();
    }
}

/// A team member with its position in the cursor order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamMember {
    /// The user.
    pub user_id: Uuid,
    /// Cursor position (org-wide increasing sequence).
    pub seq: u64,
}

/// A team. Hard-deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Team {
    /// Id.
    pub id: Uuid,
    /// Name, unique (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    pub date_created: String,
    /// Last write.
    pub date_modified: String,
    /// Cursor position of the team in the team list.
    pub seq: u64,
    /// Members in cursor order.
    #[serde(default)]
    pub members: Vec<TeamMember>,
}

/// A role grant: a role in a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Grant {
    /// The role.
    pub role_id: Uuid,
    /// The division.
    pub division_id: Uuid,
}

/// A group: created by seed or load; users inherit its role grants and queue memberships.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Member users.
    #[serde(default)]
    pub members: Vec<Uuid>,
    /// Role grants every member inherits.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Last write.
    pub date_modified: String,
}

impl Members for Group {
    fn member_ids(&self) -> &[Uuid] {
        &self.members
    }
}

/// Per-media capacity (`MediaUtilization`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MediaUtilization {
    /// 0..=25.
    pub maximum_capacity: u32,
    /// Media types that may interrupt this one (note the API's spelling).
    #[serde(default)]
    pub interruptable_media_types: Vec<String>,
    /// Whether non-ACD interactions count.
    #[serde(default)]
    pub include_non_acd: bool,
}

/// A routing skill or language assigned to a user.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Assignment {
    /// Skill or language id.
    pub id: Uuid,
    /// 0.0..=5.0.
    pub proficiency: f64,
}

/// A user. Soft-deleted: `state` becomes `deleted`, email stays taken.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Email, unique case-insensitively across all users including deleted ones.
    pub email: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Preferred name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
    /// Division.
    pub division_id: Uuid,
    /// Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<Uuid>,
    /// State.
    pub state: EntityState,
    /// Version, bumped on every write to the user record.
    pub version: u64,
    /// ACD auto-answer.
    #[serde(default)]
    pub acd_auto_answer: bool,
    /// `addresses` (Contact objects) kept verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<serde_json::Value>,
    /// `locations` (Location objects) kept verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<serde_json::Value>,
    /// Routing skills.
    #[serde(default)]
    pub skills: Vec<Assignment>,
    /// Routing languages.
    #[serde(default)]
    pub languages: Vec<Assignment>,
    /// Direct role grants.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Own utilization settings (`None` = organization level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<BTreeMap<String, MediaUtilization>>,
    /// The user's team (derived from teams on load).
    #[serde(skip)]
    pub team_id: Option<Uuid>,
    /// Sandbox clock ms from which list results show it.
    #[serde(skip)]
    pub listed_from_ms: u64,
    /// Cached JSON of the un-expanded user; reset on every write.
    #[serde(skip)]
    pub cache: OnceLock<Box<str>>,
}
