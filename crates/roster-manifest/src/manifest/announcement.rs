//! `announcements:` in a resource file, as written: decoded and checked by
//! `crate::decode`, turned into [`roster_notify::Announcement`] values by the loader.

use roster_model::Email;
use schemars::JsonSchema;
use serde::Serialize;

use super::At;

/// One announcement: who hears it, what they read, when, and whether they must acknowledge.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnnouncementSpec {
    /// Its name, unique in the org: it identifies the message, so renaming it sends it again.
    pub name: At<String>,
    /// Who hears it.
    pub audience: AudienceSpec,
    /// The message's template file, relative to the workspace root (`notices/ivr.md`).
    pub template: At<String>,
    /// When and through which channels.
    pub deliver: DeliverSpec,
    /// Recipients must acknowledge it within a time, or the people `escalate` names are told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge: Option<AcknowledgeSpec>,
}

/// An announcement's audience: the users any list matches, widened to `tiers`. Queues,
/// teams, routing profiles and users must be declared in the org's manifests; roles and
/// divisions are looked up in the org when it is sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AudienceSpec {
    /// Members of these queues.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<At<String>>,
    /// Members of these teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<At<String>>,
    /// Users in these divisions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub divisions: Vec<At<String>>,
    /// Holders of these roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<At<String>>,
    /// Users on these routing profiles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_profiles: Vec<At<String>>,
    /// These users, by email.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<At<Email>>,
    /// Who hears it: `agents` (the matching users), `supervisors` (their managers, one
    /// digest each), `admins` (holders of `notify.admins` roles). Default `[agents]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<TierName>")]
    pub tiers: Vec<roster_notify::Tier>,
}

/// `deliver:` of an announcement.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeliverSpec {
    /// Not before this date (`2026-12-10`), in each recipient's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub after: Option<At<String>>,
    /// Only between these local hours of each recipient (`"09:45-11:45"`, 24-hour clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$"))]
    pub window: Option<At<String>>,
    /// The channels it goes through: names under `notify.channels`.
    #[schemars(length(min = 1))]
    pub channels: Vec<At<String>>,
}

/// `acknowledge:` of an announcement.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcknowledgeSpec {
    /// How long recipients have: a whole number and `m`, `h` or `d` (`72h`, `3d`).
    #[schemars(regex(pattern = r"^[0-9]+[smhd]$"))]
    pub within: At<String>,
    /// Who is told about those who did not: `supervisors` (default) or `admins`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<TierName>")]
    pub escalate: Option<roster_notify::Tier>,
}

/// A tier as manifests write it (the schema of [`roster_notify::Tier`]).
#[derive(JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // only its schema is used
enum TierName {
    /// The matching users themselves.
    Agents,
    /// Their managers.
    Supervisors,
    /// Holders of the `notify.admins` roles.
    Admins,
}
