//! Desired state: what the manifests declare for one org, routing profiles already compiled.
//!
//! A field that is `None` is not managed: the plan leaves its live value alone. A field that is
//! `Some`, even an empty collection, is authoritative (DESIGN §2.2).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::entitlements::{DesiredPhone, DesiredWfm, ExpectedLicence};
use crate::policy::Policy;
use crate::values::{Email, Proficiency, RoleGrant, UserState, Utilization};

/// Where an object was declared, for messages that point back at the manifests.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct Source {
    /// Path of the manifest file, relative to the workspace root, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Everything the manifests declare for one org.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredOrg {
    /// The org's name in `roster.yaml`.
    pub name: String,
    /// Skills by name.
    pub skills: BTreeMap<String, DesiredSkill>,
    /// Languages by name.
    pub languages: BTreeMap<String, DesiredLanguage>,
    /// Wrap-up codes by name.
    pub wrapup_codes: BTreeMap<String, DesiredWrapupCode>,
    /// Queues by name.
    pub queues: BTreeMap<String, DesiredQueue>,
    /// Teams by name.
    pub teams: BTreeMap<String, DesiredTeam>,
    /// Users by email.
    pub users: BTreeMap<Email, DesiredUser>,
    /// The org's resolved policy.
    pub policy: Policy,
    /// Where the manifests write the names of roles and divisions.
    #[serde(default, skip_serializing_if = "LookupSources::is_empty")]
    pub lookups: LookupSources,
}

/// Where the manifests write each role and division name. Roles and divisions exist only in
/// the org (roster looks them up, never creates them), so a missing one is reported at the
/// lines that write its name: a routing profile's line once, not the line of every user the
/// profile compiles into (issue #13).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupSources {
    /// Role name → the places that write it, in manifest order.
    pub roles: BTreeMap<String, Vec<Source>>,
    /// Division name → the places that write it, in manifest order.
    pub divisions: BTreeMap<String, Vec<Source>>,
}

impl LookupSources {
    /// Whether no place is recorded.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.divisions.is_empty()
    }
}

impl DesiredOrg {
    /// Leaves every user's utilization unmanaged. Genesys has no bulk read of users'
    /// utilization, so managing it costs one request per user on every read; a run (`plan
    /// --skip utilization`) or an org (`read: { skip: [utilization] }` in `roster.yaml`) that
    /// must not pay for it plans none.
    pub fn without_utilization(&mut self) {
        for user in self.users.values_mut() {
            user.utilization = None;
        }
    }
}

/// A routing skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredSkill {
    /// The skill's name.
    pub name: String,
    /// Names this skill had before; a live skill under one of them is renamed, not deleted.
    pub former_names: Vec<String>,
    /// Where it was declared.
    pub source: Option<Source>,
}

/// A routing language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredLanguage {
    /// The language's name.
    pub name: String,
    /// Where it was declared.
    pub source: Option<Source>,
}

/// A wrap-up code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredWrapupCode {
    /// The code's name.
    pub name: String,
    /// Where it was declared.
    pub source: Option<Source>,
}

/// How a managed queue treats members that roster does not manage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MemberPolicy {
    /// Managed users are added and removed; anyone else is left alone.
    #[default]
    Additive,
    /// The queue's direct members are exactly the managed users who list it.
    Exclusive,
}

/// A routing queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredQueue {
    /// The queue's name.
    pub name: String,
    /// Division name; `None` leaves it alone (new queues go to the home division).
    pub division: Option<String>,
    /// Description; `None` leaves it alone.
    pub description: Option<String>,
    /// Wrap-up codes by name; `None` leaves them alone.
    pub wrapup_codes: Option<BTreeSet<String>>,
    /// Whether unmanaged direct members are removed.
    pub members: MemberPolicy,
    /// Where it was declared.
    pub source: Option<Source>,
}

/// A work team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredTeam {
    /// The team's name.
    pub name: String,
    /// Division name; `None` leaves it alone (new teams go to the home division).
    pub division: Option<String>,
    /// Description; `None` leaves it alone.
    pub description: Option<String>,
    /// The IANA time zone its members' working hours are in, for notices (DESIGN §2.9),
    /// when a member declares none of their own. Not a Genesys field: plans ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Where it was declared.
    pub source: Option<Source>,
}

/// A user, with its routing profile compiled into its own assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredUser {
    /// The natural key.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Division name.
    pub division: Option<String>,
    /// Manager's email.
    pub manager: Option<Email>,
    /// Team name.
    pub team: Option<String>,
    /// Skill name → proficiency (profile's, then the user's own on top).
    pub skills: Option<BTreeMap<String, Proficiency>>,
    /// Language name → proficiency (whole numbers).
    pub languages: Option<BTreeMap<String, Proficiency>>,
    /// Queues the user is a direct member of.
    pub queues: Option<BTreeSet<String>>,
    /// Direct role grants.
    pub roles: Option<BTreeSet<RoleGrant>>,
    /// Own utilization; `Some(empty)` means "the org's defaults".
    pub utilization: Option<Utilization>,
    /// Whether ACD interactions are answered automatically.
    pub acd_auto_answer: Option<bool>,
    /// Direct number and extension (DESIGN §2.10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<DesiredPhone>,
    /// WFM management unit (DESIGN §2.10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wfm: Option<DesiredWfm>,
    /// The licence the user's routing profile expects its roles to imply; only `roster
    /// check` reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<ExpectedLicence>,
    /// Active, or offboarded.
    pub state: UserState,
    /// Whether an inactive live user may be reactivated (DESIGN §2.5).
    pub reactivate: bool,
    /// The routing profile the assignments came from, if any.
    pub routing_profile: Option<String>,
    /// The IANA time zone the user's working hours are in, for notices (DESIGN §2.9). It
    /// comes first: then the team's, then the org's (`orgs.<name>.timezone`). Not a Genesys
    /// field: plans ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Where it was declared.
    pub source: Option<Source>,
}

impl DesiredUser {
    /// A user with only the required fields set and nothing else managed.
    pub fn new(email: Email, name: impl Into<String>) -> Self {
        DesiredUser {
            email,
            name: name.into(),
            title: None,
            department: None,
            division: None,
            manager: None,
            team: None,
            skills: None,
            languages: None,
            queues: None,
            roles: None,
            utilization: None,
            acd_auto_answer: None,
            phone: None,
            wfm: None,
            licence: None,
            state: UserState::Active,
            reactivate: false,
            routing_profile: None,
            timezone: None,
            source: None,
        }
    }
}
