//! The API's JSON shapes, as far as roster reads them. Unknown fields are ignored; fields the
//! API may omit are optional. Names are put in Unicode NFC as they are decoded, as the manifest
//! side does, so one name typed two ways is one name (issue #12).

use std::collections::BTreeMap;

use roster_model::UserState;
use serde::Deserialize;

/// `{id, name}` reference (divisions, teams, groups, managers).
#[derive(Debug, Clone, Deserialize)]
pub struct Ref {
    /// Id.
    pub id: String,
    /// Name, when the API includes it.
    #[serde(default, deserialize_with = "roster_model::deserialize_optional_name")]
    pub name: Option<String>,
}

/// `AuthzDivision`.
#[allow(clippy::struct_field_names, reason = "the API's field name")]
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Division {
    /// Id.
    pub id: String,
    /// Name, in NFC like every name roster compares (`roster_model::normalize_name`).
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
    /// Whether it is the home division.
    #[serde(default)]
    pub home_division: bool,
}

/// Skills, languages, wrap-up codes and roles: an id, a name, maybe a state.
#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    /// Id.
    pub id: String,
    /// Name, in NFC like every name roster compares (`roster_model::normalize_name`).
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
    /// `active`, `inactive` or `deleted` (skills and languages).
    #[serde(default)]
    pub state: Option<String>,
}

impl Named {
    /// Whether the object is usable (no state means active).
    pub fn is_active(&self) -> bool {
        self.state.as_deref().is_none_or(|s| s == "active")
    }
}

/// `Queue` (the fields roster manages).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    /// Id.
    pub id: String,
    /// Name, in NFC like every name roster compares (`roster_model::normalize_name`).
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
    /// Division.
    #[serde(default)]
    pub division: Option<Ref>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Groups, teams and skill groups whose members are members of the queue.
    #[serde(default)]
    pub member_groups: Vec<MemberGroup>,
    /// Media type (`call`, `chat`, …) → its settings: the keys are the media types the queue
    /// takes; the settings themselves are not read.
    #[serde(default)]
    pub media_settings: BTreeMap<String, serde_json::Value>,
}

/// `MemberGroup`: what makes users members of a queue through something else.
#[derive(Debug, Clone, Deserialize)]
pub struct MemberGroup {
    /// Id of the group, team or skill group.
    pub id: String,
    /// Its name, when the API includes it.
    #[serde(default, deserialize_with = "roster_model::deserialize_optional_name")]
    pub name: Option<String>,
    /// `GROUP`, `TEAM` or `SKILLGROUP`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl MemberGroup {
    /// Whether `user` is among its members, as far as the user's own listing tells: groups
    /// and team are expanded on users; skill-group membership is not read, so it is never
    /// claimed.
    pub fn holds(&self, user: &User) -> bool {
        match self.kind.as_deref() {
            Some("TEAM") => user.team.as_ref().is_some_and(|t| t.id == self.id),
            Some("SKILLGROUP") => false,
            _ => user.groups.iter().any(|g| g.id == self.id),
        }
    }
}

/// `Team`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Id.
    pub id: String,
    /// Name, in NFC like every name roster compares (`roster_model::normalize_name`).
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
    /// Division.
    #[serde(default)]
    pub division: Option<Ref>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// `UserRoutingSkill` / `UserRoutingLanguage`.
#[derive(Debug, Clone, Deserialize)]
pub struct Assignment {
    /// Skill or language id.
    pub id: String,
    /// Proficiency 0–5.
    #[serde(default)]
    pub proficiency: f64,
}

/// `User` with `expand=skills,languages,team,groups`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Division.
    #[serde(default)]
    pub division: Option<Ref>,
    /// Manager (a user reference).
    #[serde(default)]
    pub manager: Option<Ref>,
    /// `active`, `inactive` or `deleted`.
    #[serde(default)]
    pub state: Option<String>,
    /// Version, echoed by PATCH.
    #[serde(default)]
    pub version: u64,
    /// Team.
    #[serde(default)]
    pub team: Option<Ref>,
    /// Skills.
    #[serde(default)]
    pub skills: Vec<Assignment>,
    /// Languages.
    #[serde(default)]
    pub languages: Vec<Assignment>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<Ref>,
    /// Auto-answer.
    #[serde(default)]
    pub acd_auto_answer: bool,
    /// Contact entries (`Contact`), kept as the API wrote them: roster reads its WORK phone
    /// from them (`crate::addresses`) and writes them back whole.
    #[serde(default)]
    pub addresses: Vec<serde_json::Value>,
    /// Stations (`expand=station`).
    #[serde(default)]
    pub station: Option<UserStations>,
}

/// `UserStations` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserStations {
    /// The station the user is associated with, when there is one.
    #[serde(default)]
    pub associated_station: Option<Ref>,
}

impl User {
    /// The user's state; `None` for a deleted user, which roster never sees as a user.
    pub fn user_state(&self) -> Option<UserState> {
        match self.state.as_deref() {
            Some("inactive") => Some(UserState::Inactive),
            Some("deleted") => None,
            _ => Some(UserState::Active),
        }
    }
}

/// `QueueMember`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueMember {
    /// The user id.
    pub id: String,
    /// `user` or `group`.
    #[serde(default)]
    pub member_by: Option<String>,
}

/// `SubjectDivisionGrants`: one subject's grants of a role.
#[derive(Debug, Clone, Deserialize)]
pub struct SubjectGrants {
    /// Subject id (user or group).
    pub id: String,
    /// Subject name.
    #[serde(default, deserialize_with = "roster_model::deserialize_optional_name")]
    pub name: Option<String>,
    /// Divisions the role is granted in.
    #[serde(default)]
    pub divisions: Vec<Ref>,
    /// `PC_USER` or `PC_GROUP` (others ignored).
    #[serde(rename = "type", default)]
    pub subject_type: Option<String>,
}

/// `AuthzSubject`: one subject's grants, as `GET /authorization/subjects/{subjectId}` answers.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthzSubject {
    /// Grants held, directly or through a group ([`AuthzGrant::subject_id`] tells which).
    #[serde(default)]
    pub grants: Vec<AuthzGrant>,
}

/// `AuthzGrant`: one role in one division, held by `subject_id`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthzGrant {
    /// Who holds the grant: the subject itself or a group it belongs to.
    pub subject_id: String,
    /// The division.
    pub division: Ref,
    /// The role.
    pub role: Ref,
}

/// `AgentMaxUtilizationResponse`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentUtilization {
    /// Media type → settings.
    #[serde(default)]
    pub utilization: BTreeMap<String, MediaUtilization>,
    /// `Agent` or `Organization`.
    #[serde(default)]
    pub level: Option<String>,
}

/// `UtilizationResponse` (the org-wide defaults).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgUtilization {
    /// Media type → settings.
    #[serde(default)]
    pub utilization: BTreeMap<String, MediaUtilization>,
}

/// `MediaUtilization`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaUtilization {
    /// Capacity.
    #[serde(default)]
    pub maximum_capacity: u8,
    /// Media types that may interrupt (the API's spelling).
    #[serde(default)]
    pub interruptable_media_types: Vec<String>,
    /// Whether non-ACD work counts.
    #[serde(default)]
    pub include_non_acd: bool,
}

/// `TeamMemberAddListingResponse`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TeamMemberAdd {
    /// Per-user failures.
    #[serde(default)]
    pub failures: Vec<TeamMemberFailure>,
}

/// `TeamAddMemberFailure`.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamMemberFailure {
    /// User id.
    pub id: String,
    /// Reason (`UserGroupLimitExceeded`...).
    #[serde(default)]
    pub reason: Option<String>,
}

/// `UsersSearchResponse` (the part roster reads).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserSearch {
    /// Matching users.
    #[serde(default)]
    pub results: Vec<User>,
}

/// `{id}`: a member of a management unit (`WfmUserEntityListing` entries), a licence id
/// holder, any object read for its id alone.
#[derive(Debug, Clone, Deserialize)]
pub struct IdOnly {
    /// Id.
    pub id: String,
}

/// `DIDPool` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DidPool {
    /// Id.
    pub id: String,
    /// Name, in NFC like every name roster compares.
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
    /// First number (E.164).
    #[serde(default)]
    pub start_phone_number: Option<String>,
    /// Last number (E.164).
    #[serde(default)]
    pub end_phone_number: Option<String>,
}

/// `DIDNumber` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
pub struct DidNumber {
    /// The number; E.164 on a healthy org.
    pub number: String,
}

/// `ExtensionPool` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionPool {
    /// Id.
    pub id: String,
    /// First extension.
    pub start_number: String,
    /// Last extension.
    pub end_number: String,
}

/// `BusinessUnitListItem`.
#[derive(Debug, Clone, Deserialize)]
pub struct BusinessUnit {
    /// Id.
    pub id: String,
    /// Name, in NFC like every name roster compares.
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
}

/// `ManagementUnit` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagementUnit {
    /// Id.
    pub id: String,
    /// Name, in NFC like every name roster compares.
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
    /// Its business unit.
    #[serde(default)]
    pub business_unit: Option<IdOnly>,
}

/// `{entities: [...]}`: the WFM listings, which are not paged.
#[derive(Debug, Clone, Deserialize)]
pub struct Entities<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub entities: Vec<T>,
}

/// `PlanningGroup` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanningGroup {
    /// Name, in NFC like every name roster compares.
    #[serde(deserialize_with = "roster_model::deserialize_name")]
    pub name: String,
    /// Its route paths.
    #[serde(default)]
    pub route_paths: Vec<RoutePath>,
}

/// `RoutePathResponse` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutePath {
    /// The queue.
    pub queue: IdOnly,
    /// `Voice`, `Chat`, `Email`, `Callback`, `Message` or `Workitem`.
    pub media_type: String,
}

/// `LicenseDefinition` (the part roster reads).
#[derive(Debug, Clone, Deserialize)]
pub struct LicenceDefinition {
    /// The licence id.
    pub id: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The licences it includes.
    #[serde(default)]
    pub comprises: Vec<IdOnly>,
}

/// `MoveAgentsResponse` (the part roster reads).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MoveAgents {
    /// One result per user asked for (a user missing here was not moved); absent when the
    /// move was only accepted (a 202: see `ops::wfm`).
    #[serde(default)]
    pub results: Option<Vec<MoveAgentResult>>,
}

/// `MoveAgentResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct MoveAgentResult {
    /// The user.
    pub user: IdOnly,
    /// `MoveSuccessful`, `AlreadyMoved`, `NothingToDo`, or why the user was not moved.
    pub result: String,
}
