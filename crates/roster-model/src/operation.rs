//! The write vocabulary: each [`Operation`] is one idempotent unit of work against an org,
//! small enough to map to one API call or one bulk call.
//!
//! Operations name objects by natural key, never by id: objects created earlier in the same
//! apply have no id when the plan is made. The [`crate::Tenant`] translates keys to the org's
//! ids (DESIGN §2.1), learning new ids as it creates objects.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::entitlements::PhoneNumber;
use crate::values::{Email, Kind, Proficiency, RoleGrant, UserState, Utilization};

/// One write to an org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Operation {
    /// Create a skill.
    CreateSkill {
        /// Skill name.
        name: String,
    },
    /// Delete (soft) a skill.
    DeleteSkill {
        /// Skill name.
        name: String,
    },
    /// Create a language.
    CreateLanguage {
        /// Language name.
        name: String,
    },
    /// Delete (soft) a language.
    DeleteLanguage {
        /// Language name.
        name: String,
    },
    /// Create a wrap-up code.
    CreateWrapupCode {
        /// Code name.
        name: String,
    },
    /// Delete a wrap-up code.
    DeleteWrapupCode {
        /// Code name.
        name: String,
    },
    /// Create a queue.
    CreateQueue {
        /// Queue name.
        name: String,
        /// Division name; `None` is the home division.
        division: Option<String>,
        /// Description.
        description: Option<String>,
    },
    /// Change a queue's division or description (a full PUT of the queue under the hood).
    UpdateQueue {
        /// Queue name.
        name: String,
        /// New division, when it changes.
        division: Option<String>,
        /// New description, when it changes (`Some("")` clears it).
        description: Option<String>,
    },
    /// Delete a queue.
    DeleteQueue {
        /// Queue name.
        name: String,
    },
    /// Add wrap-up codes to a queue (at most 100).
    AddQueueWrapupCodes {
        /// Queue name.
        queue: String,
        /// Code names.
        codes: BTreeSet<String>,
    },
    /// Remove one wrap-up code from a queue.
    RemoveQueueWrapupCode {
        /// Queue name.
        queue: String,
        /// Code name.
        code: String,
    },
    /// Add direct members to a queue (at most 100).
    AddQueueMembers {
        /// Queue name.
        queue: String,
        /// Users.
        users: BTreeSet<Email>,
    },
    /// Remove direct members from a queue (at most 100).
    RemoveQueueMembers {
        /// Queue name.
        queue: String,
        /// Users.
        users: BTreeSet<Email>,
    },
    /// Create a team.
    CreateTeam {
        /// Team name.
        name: String,
        /// Division name; `None` is the home division.
        division: Option<String>,
        /// Description.
        description: Option<String>,
    },
    /// Change a team's division or description.
    UpdateTeam {
        /// Team name.
        name: String,
        /// New division, when it changes.
        division: Option<String>,
        /// New description, when it changes (`Some("")` clears it).
        description: Option<String>,
    },
    /// Delete a team.
    DeleteTeam {
        /// Team name.
        name: String,
    },
    /// Put users in a team (a user is in at most one team, so this moves them).
    AddTeamMembers {
        /// Team name.
        team: String,
        /// Users.
        users: BTreeSet<Email>,
    },
    /// Take users out of a team.
    RemoveTeamMembers {
        /// Team name.
        team: String,
        /// Users.
        users: BTreeSet<Email>,
    },
    /// Create a user (active). Fields that creation cannot set follow as an update.
    CreateUser {
        /// Email.
        email: Email,
        /// Display name.
        name: String,
        /// Division name; `None` is the home division.
        division: Option<String>,
        /// Title.
        title: Option<String>,
        /// Department.
        department: Option<String>,
    },
    /// Change a user's profile fields (one versioned PATCH).
    UpdateUser {
        /// Email.
        email: Email,
        /// The fields to change; the others are left alone.
        patch: UserPatch,
    },
    /// Move a user to another division.
    MoveUserDivision {
        /// Email.
        email: Email,
        /// Division name.
        division: String,
    },
    /// Add or update skills (one bulk PATCH of at most 50).
    SetUserSkills {
        /// Email.
        email: Email,
        /// Skill name → proficiency.
        skills: BTreeMap<String, Proficiency>,
    },
    /// Remove skills.
    RemoveUserSkills {
        /// Email.
        email: Email,
        /// Skill names.
        skills: BTreeSet<String>,
    },
    /// Add or update languages (one bulk PATCH of at most 50).
    SetUserLanguages {
        /// Email.
        email: Email,
        /// Language name → proficiency.
        languages: BTreeMap<String, Proficiency>,
    },
    /// Remove languages.
    RemoveUserLanguages {
        /// Email.
        email: Email,
        /// Language names.
        languages: BTreeSet<String>,
    },
    /// Grant roles (one bulk add).
    GrantRoles {
        /// Email.
        email: Email,
        /// Grants; a `None` division is the home division.
        grants: BTreeSet<RoleGrant>,
    },
    /// Revoke direct role grants.
    RevokeRoles {
        /// Email.
        email: Email,
        /// Grants; a `None` division is the home division.
        grants: BTreeSet<RoleGrant>,
    },
    /// Set a user's own utilization; an empty map reverts to the org's defaults.
    SetUtilization {
        /// Email.
        email: Email,
        /// Capacity per media type.
        utilization: Utilization,
    },
    /// Activate or deactivate a user (a state change is always sent alone).
    SetUserState {
        /// Email.
        email: Email,
        /// New state.
        state: UserState,
    },
    /// Set a user's WORK phone to exactly this number and extension (both `None` frees
    /// them): one versioned PATCH of `addresses` that keeps the user's other addresses.
    SetUserPhone {
        /// Email.
        email: Email,
        /// The direct number, E.164.
        number: Option<PhoneNumber>,
        /// The extension.
        extension: Option<String>,
    },
    /// Move users into a management unit, or out of theirs (`unit: None`): one bulk move
    /// (`POST /api/v2/workforcemanagement/agents`) whose per-user results are checked.
    MoveToManagementUnit {
        /// The destination unit's name; `None` takes the users out of WFM.
        unit: Option<String>,
        /// Users.
        users: BTreeSet<Email>,
    },
    /// Take a user's station away (`DELETE /api/v2/users/{id}/station/associatedstation`).
    DisassociateStation {
        /// Email.
        email: Email,
    },
    /// Revoke every OAuth token of a user (`DELETE /api/v2/tokens/{userId}`), which ends its
    /// sessions.
    RevokeTokens {
        /// Email.
        email: Email,
    },
}

/// How a move out of every management unit names its target: the unit key of
/// [`Operation::MoveToManagementUnit`] when `unit` is `None`.
pub const NO_MANAGEMENT_UNIT: &str = "(none)";

/// The position of a [`Step`] in a plan.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct StepId(pub u32);

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One operation of a plan, with the steps that must succeed before it may run.
///
/// Steps form a DAG (the planner proves it acyclic); the apply engine runs a step only after
/// all of `depends_on` succeeded and skips it when any of them failed or was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Position in the plan; `depends_on` refers to these.
    pub id: StepId,
    /// What to do.
    pub operation: Operation,
    /// Steps that must succeed first.
    pub depends_on: Vec<StepId>,
    /// The live value the step changes, as read when planning (for the journal); `None` for
    /// creations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
}

/// The profile fields of one user PATCH. `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPatch {
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Title; `Some("")` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department; `Some("")` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Manager's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<Email>,
    /// Whether ACD interactions are answered automatically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acd_auto_answer: Option<bool>,
}

impl UserPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == UserPatch::default()
    }
}

impl Operation {
    /// The object this operation writes to. Operations on one target never run concurrently.
    pub fn target(&self) -> (Kind, String) {
        use Operation as O;
        match self {
            O::CreateSkill { name } | O::DeleteSkill { name } => (Kind::Skill, name.clone()),
            O::CreateLanguage { name } | O::DeleteLanguage { name } => {
                (Kind::Language, name.clone())
            }
            O::CreateWrapupCode { name } | O::DeleteWrapupCode { name } => {
                (Kind::WrapupCode, name.clone())
            }
            O::CreateQueue { name, .. } | O::UpdateQueue { name, .. } | O::DeleteQueue { name } => {
                (Kind::Queue, name.clone())
            }
            O::AddQueueWrapupCodes { queue, .. }
            | O::RemoveQueueWrapupCode { queue, .. }
            | O::AddQueueMembers { queue, .. }
            | O::RemoveQueueMembers { queue, .. } => (Kind::Queue, queue.clone()),
            O::CreateTeam { name, .. } | O::UpdateTeam { name, .. } | O::DeleteTeam { name } => {
                (Kind::Team, name.clone())
            }
            O::AddTeamMembers { team, .. } | O::RemoveTeamMembers { team, .. } => {
                (Kind::Team, team.clone())
            }
            O::CreateUser { email, .. }
            | O::UpdateUser { email, .. }
            | O::MoveUserDivision { email, .. }
            | O::SetUserSkills { email, .. }
            | O::RemoveUserSkills { email, .. }
            | O::SetUserLanguages { email, .. }
            | O::RemoveUserLanguages { email, .. }
            | O::GrantRoles { email, .. }
            | O::RevokeRoles { email, .. }
            | O::SetUtilization { email, .. }
            | O::SetUserState { email, .. }
            | O::SetUserPhone { email, .. }
            | O::DisassociateStation { email }
            | O::RevokeTokens { email } => (Kind::User, email.to_string()),
            O::MoveToManagementUnit { unit, .. } => (
                Kind::ManagementUnit,
                unit.clone()
                    .unwrap_or_else(|| NO_MANAGEMENT_UNIT.to_owned()),
            ),
        }
    }

    /// Whether the operation destroys something (deletes, deactivations): such operations
    /// count toward `policy.limits` and are shown first.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Operation::DeleteSkill { .. }
                | Operation::DeleteLanguage { .. }
                | Operation::DeleteWrapupCode { .. }
                | Operation::DeleteQueue { .. }
                | Operation::DeleteTeam { .. }
                | Operation::SetUserState {
                    state: UserState::Inactive,
                    ..
                }
        )
    }

    /// How many API requests the operation costs when nothing goes wrong.
    ///
    /// Bulk endpoints cost one request per call; removals that Genesys only offers one at a
    /// time cost one per item; a user PATCH costs one (the version is known from the read).
    pub fn estimated_requests(&self) -> usize {
        use Operation as O;
        match self {
            O::RemoveUserSkills { skills, .. } => skills.len(),
            O::RemoveUserLanguages { languages, .. } => languages.len(),
            // PUT replaces the whole queue definition, and PATCH every address of a user:
            // the current ones are read first.
            O::UpdateQueue { .. } | O::SetUserPhone { .. } => 2,
            // One bulk move per 100 users.
            O::MoveToManagementUnit { users, .. } => users.len().div_ceil(100).max(1),
            // Manager, title and the like cannot be set on create: one follow-up PATCH may be
            // planned separately, so creation itself is one request.
            _ => 1,
        }
    }
}

impl Operation {
    /// The operation's name as it appears in plans and journals (`createSkill`).
    pub fn verb(&self) -> &'static str {
        use Operation as O;
        match self {
            O::CreateSkill { .. } => "createSkill",
            O::DeleteSkill { .. } => "deleteSkill",
            O::CreateLanguage { .. } => "createLanguage",
            O::DeleteLanguage { .. } => "deleteLanguage",
            O::CreateWrapupCode { .. } => "createWrapupCode",
            O::DeleteWrapupCode { .. } => "deleteWrapupCode",
            O::CreateQueue { .. } => "createQueue",
            O::UpdateQueue { .. } => "updateQueue",
            O::DeleteQueue { .. } => "deleteQueue",
            O::AddQueueWrapupCodes { .. } => "addQueueWrapupCodes",
            O::RemoveQueueWrapupCode { .. } => "removeQueueWrapupCode",
            O::AddQueueMembers { .. } => "addQueueMembers",
            O::RemoveQueueMembers { .. } => "removeQueueMembers",
            O::CreateTeam { .. } => "createTeam",
            O::UpdateTeam { .. } => "updateTeam",
            O::DeleteTeam { .. } => "deleteTeam",
            O::AddTeamMembers { .. } => "addTeamMembers",
            O::RemoveTeamMembers { .. } => "removeTeamMembers",
            O::CreateUser { .. } => "createUser",
            O::UpdateUser { .. } => "updateUser",
            O::MoveUserDivision { .. } => "moveUserDivision",
            O::SetUserSkills { .. } => "setUserSkills",
            O::RemoveUserSkills { .. } => "removeUserSkills",
            O::SetUserLanguages { .. } => "setUserLanguages",
            O::RemoveUserLanguages { .. } => "removeUserLanguages",
            O::GrantRoles { .. } => "grantRoles",
            O::RevokeRoles { .. } => "revokeRoles",
            O::SetUtilization { .. } => "setUtilization",
            O::SetUserState { .. } => "setUserState",
            O::SetUserPhone { .. } => "setUserPhone",
            O::MoveToManagementUnit { .. } => "moveToManagementUnit",
            O::DisassociateStation { .. } => "disassociateStation",
            O::RevokeTokens { .. } => "revokeTokens",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, key) = self.target();
        write!(f, "{} {kind} `{key}`", self.verb())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_serialize_with_a_tag_and_round_trip() {
        let op = Operation::SetUserSkills {
            email: Email::parse("jane@acme.example").unwrap(),
            skills: BTreeMap::from([("Billing".to_owned(), Proficiency::whole(4))]),
        };
        let json = serde_json::to_string(&op).unwrap();
        assert_eq!(
            json,
            r#"{"op":"setUserSkills","email":"jane@acme.example","skills":{"Billing":4}}"#
        );
        assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), op);
        assert_eq!(op.to_string(), "setUserSkills user `jane@acme.example`");
    }
}
