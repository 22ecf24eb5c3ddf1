//! What a drift check found, as data: the JSON `roster drift --format json` prints follows
//! these types, and `schemas/drift.schema.json` is generated from them.

use roster_model::{Kind, Source};
use roster_plan::Action;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::baseline::LastApply;
use super::{DEFAULT_WINDOW, DriftCheck};

/// The version of the drift JSON format; it changes only when a field changes meaning or
/// goes away.
pub const DRIFT_FORMAT: u32 = 1;

/// The drift of every org checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriftSet {
    /// [`DRIFT_FORMAT`].
    pub format: u32,
    /// One report per org, in the order checked.
    pub orgs: Vec<DriftReport>,
}

/// The drift of one org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriftReport {
    /// The org's name in `roster.yaml`.
    pub org: String,
    /// When the check ran (RFC 3339, UTC, milliseconds).
    pub checked_at: String,
    /// What the org was last made to match, from which pending changes are told apart.
    pub baseline: Baseline,
    /// The time the attribution looked over.
    pub window: Window,
    /// Whether the Audit API could attribute the drift.
    pub audit: AuditAccess,
    /// Objects the org changed away from what roster applied, with who changed them.
    pub drift: Vec<DriftedObject>,
    /// Objects whose manifests changed since the last apply: the next apply's work, not drift.
    pub pending: Vec<DriftedObject>,
    /// Requests the check made.
    pub requests: u64,
}

impl DriftReport {
    /// Whether the org drifted.
    pub fn drifted(&self) -> bool {
        !self.drift.is_empty()
    }
}

/// The manifests the org was last made to match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Baseline {
    /// The manifests of the last complete apply, at its journaled commit.
    Applied {
        /// The git commit.
        commit: String,
        /// When the apply finished (RFC 3339, UTC).
        applied_at: String,
        /// The apply's `runFinished` line in the journal.
        journal_line: u64,
    },
    /// Not known: every difference is counted as drift.
    Unknown {
        /// Why.
        reason: String,
    },
}

/// The attribution window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// Start (RFC 3339, UTC).
    pub since: String,
    /// End: when the check ran.
    pub until: String,
    /// Where the start comes from.
    pub start: WindowStart,
}

/// Where an attribution window starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum WindowStart {
    /// `--since`.
    Asked,
    /// The last complete apply in the org's journal.
    LastApply,
    /// Seven days ago: the journal holds no complete apply.
    Default,
}

impl Window {
    /// The window of `check`: from `--since`, else the last complete apply, else
    /// [`DEFAULT_WINDOW`] before now.
    pub fn new(check: DriftCheck, last: Option<&LastApply>) -> Self {
        let (since, start) = match (check.since, last) {
            (Some(since), _) => (since, WindowStart::Asked),
            (None, Some(last)) => (last.finished, WindowStart::LastApply),
            (None, None) => (check.now - DEFAULT_WINDOW, WindowStart::Default),
        };
        Window {
            since: timestamp(since),
            until: timestamp(check.now),
            start,
        }
    }

    /// The window's bounds as times.
    pub fn bounds(&self) -> (OffsetDateTime, OffsetDateTime) {
        let parse = |text: &str| {
            OffsetDateTime::parse(text, &Rfc3339).expect("a window holds RFC 3339 times it wrote")
        };
        (parse(&self.since), parse(&self.until))
    }
}

/// Whether drift could be attributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AuditAccess {
    /// The Audit API answered for the whole window.
    Read {
        /// Audit records read (every service, every actor).
        records: usize,
    },
    /// Nothing drifted, so nothing was asked.
    NotNeeded,
    /// The org's OAuth client may not read audits.
    NotPermitted {
        /// The permission to grant the client's role.
        permission: String,
    },
    /// The Audit API failed; the drift stands without attribution.
    Failed {
        /// What failed.
        reason: String,
    },
}

/// One object that differs, with the fields that do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriftedObject {
    /// The object's kind.
    pub kind: Kind,
    /// Its name, or email for users.
    pub key: String,
    /// Its id in the org, when it exists there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What an apply would do to it (`update`; `create` when it is gone from the org).
    pub action: Action,
    /// Where the manifests declare it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Field by field, the org's value and git's (empty for a whole object).
    pub fields: Vec<FieldDrift>,
    /// The audit records of other actors that touched it in the window, oldest first.
    pub changes: Vec<AuditChange>,
    /// Why it has no audit record, when it has none and audits were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unattributed: Option<String>,
}

/// One field, in the org and in git. Collections are listed item by item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldDrift {
    /// The field (`title`, `skills`, `members`).
    pub field: String,
    /// The item of a collection (a skill, a member's email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The org's value; `None` when absent there.
    pub org: Option<String>,
    /// The manifests' value; `None` when they leave it out.
    pub git: Option<String>,
}

/// One audit record that touched a drifted object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditChange {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// Who.
    pub by: Actor,
    /// The Genesys service that recorded it (`Directory`, `Routing`).
    pub service: String,
    /// The audited entity type (`User`, `Queue`, `AgentRoutingInfo`).
    pub entity_type: String,
    /// The audited action (`Update`, `MemberAdd`).
    pub action: String,
    /// The properties it changed, old → new, as the audit states them.
    pub properties: Vec<PropertyValues>,
}

/// Who made a change: a user, through an OAuth client, or a client alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The user's name, when a user acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user's email, when the audit gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The OAuth client's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The OAuth client's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// One property of an audit record, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PropertyValues {
    /// The property, as the audit names it.
    pub property: String,
    /// Its values before.
    pub old: Vec<String>,
    /// Its values after.
    pub new: Vec<String>,
}

/// `time` in RFC 3339, UTC, to the millisecond (as the Audit API's intervals): a window
/// rounded to seconds would miss what happened in its last second.
pub fn timestamp(time: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time.to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("a UTC time formats")
}

/// The JSON Schema of `roster drift --format json`.
pub fn drift_schema() -> schemars::Schema {
    schemars::schema_for!(DriftSet)
}

/// [`drift_schema`] as the pretty JSON committed under `schemas/drift.schema.json`.
pub fn drift_schema_json() -> String {
    let mut json = serde_json::to_string_pretty(&drift_schema()).expect("a schema is plain JSON");
    json.push('\n');
    json
}
