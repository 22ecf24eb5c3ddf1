//! The records of an org's telephony estate, WFM structure, licences and token revocations,
//! as the dump spells them. No API rules here (see `crate::org::telephony`,
//! `crate::org::wfm`, `crate::org::licences`).
//!
//! Numbers held by users are never stored here: they are the users' `addresses` (the DID
//! listing derives them), so a user's number lives in one place.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The org's telephony estate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TelephonyState {
    /// DID pools, in creation order.
    #[serde(default)]
    pub did_pools: Vec<DidPool>,
    /// Extension pools, in creation order.
    #[serde(default)]
    pub extension_pools: Vec<ExtensionPool>,
    /// Pool numbers held by something other than a user (a phone, an IVR, a group).
    #[serde(default)]
    pub held_numbers: Vec<HeldNumber>,
    /// Stations, each associated with one user.
    #[serde(default)]
    pub stations: Vec<Station>,
}

/// A DID pool: a range of E.164 numbers the org owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DidPool {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// First number (E.164).
    pub start_phone_number: String,
    /// Last number (E.164, same length as the first).
    pub end_phone_number: String,
}

/// An extension pool: a range of digit strings of one length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtensionPool {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// First extension.
    pub start_number: String,
    /// Last extension.
    pub end_number: String,
}

/// A pool number held by a phone, an IVR configuration or a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeldNumber {
    /// The number (E.164).
    pub number: String,
    /// The holder's id.
    pub owner_id: Uuid,
    /// The holder's name.
    pub owner_name: String,
    /// `PHONE`, `IVR_CONFIG` or `GROUP` (`DIDNumber.ownerType`).
    pub owner_type: String,
}

/// A station associated with a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Station {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `UserStation.type` (`inin_webrtc_softphone`, `inin_remote`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The associated user.
    pub user_id: Uuid,
}

/// The org's WFM structure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WfmState {
    /// Business units with their planning groups.
    #[serde(default)]
    pub business_units: Vec<BusinessUnit>,
    /// Management units with their members.
    #[serde(default)]
    pub management_units: Vec<ManagementUnit>,
}

/// A WFM business unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BusinessUnit {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// Planning groups.
    #[serde(default)]
    pub planning_groups: Vec<PlanningGroup>,
}

/// A planning group of a business unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanningGroup {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `metadata.version`.
    pub version: u64,
    /// Route paths: the demand the group plans for.
    #[serde(default)]
    pub route_paths: Vec<RoutePath>,
}

/// One route path: a queue on one media type, with an optional language and skills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoutePath {
    /// The queue.
    pub queue_id: Uuid,
    /// `Voice`, `Chat`, `Email`, `Callback`, `Message` or `Workitem`.
    pub media_type: String,
    /// The language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_id: Option<Uuid>,
    /// The skills.
    #[serde(default)]
    pub skill_ids: Vec<Uuid>,
}

/// A WFM management unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManagementUnit {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Its business unit.
    pub business_unit_id: Uuid,
    /// The most members it takes (a sandbox knob for `DestinationManagementUnitAgentLimitExceeded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_limit: Option<usize>,
    /// Members (user ids), in the order they joined.
    #[serde(default)]
    pub members: Vec<Uuid>,
}

/// The org's licences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenceState {
    /// Licence definitions.
    #[serde(default)]
    pub definitions: Vec<LicenceDefinition>,
    /// Role id → the licences the role carries (auto-licensing).
    #[serde(default)]
    pub role_licences: BTreeMap<Uuid, Vec<String>>,
}

/// A licence definition (`LicenseDefinition`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenceDefinition {
    /// The licence id (a string, not a UUID).
    pub id: String,
    /// Description.
    pub description: String,
    /// Permissions the licence allows.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// The ids of the licences this one includes (a CX 3 includes a CX 2).
    #[serde(default)]
    pub comprises: Vec<String>,
}

/// One `DELETE /api/v2/tokens/{userId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Revocation {
    /// The user whose tokens were revoked.
    pub user_id: Uuid,
    /// When (sandbox clock timestamp).
    pub at: String,
}
