//! What a readiness check found, as data: the JSON `roster check --format json` prints follows
//! these types, and `schemas/check.schema.json` is generated from them.

use roster_model::{Email, MediaType, Source};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the check JSON format; it changes only when a field changes meaning or
/// goes away.
pub const CHECK_FORMAT: u32 = 1;

/// The findings of every org checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckSet {
    /// [`CHECK_FORMAT`].
    pub format: u32,
    /// One report per org, in the order checked.
    pub orgs: Vec<CheckReport>,
}

impl CheckSet {
    /// How many findings all orgs have together.
    pub fn finding_count(&self) -> usize {
        self.orgs.iter().map(|org| org.findings.len()).sum()
    }
}

/// The findings of one org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// The org's name in `roster.yaml`.
    pub org: String,
    /// What is not ready, ordered by user, then kind, then the kind's details.
    pub findings: Vec<Finding>,
    /// What could not be checked, and why (a part of the org that was not read): an empty
    /// list means every check ran.
    pub not_checked: Vec<String>,
    /// Requests the check made.
    pub requests: u64,
}

/// One readiness problem of one user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The user it concerns.
    pub user: Email,
    /// What kind of problem, with its details.
    #[serde(flatten)]
    pub problem: Problem,
    /// The object at fault, for people: `queue Billing (call)`, `number +13175550100`.
    pub object: String,
    /// The manifest line to look at: the `wfm:`, `phone:` or `licence:` line that applies
    /// (the user's or its routing profile's), else the user's own.
    pub source: Option<Source>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// The kinds of readiness problem, each with what identifies it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Problem {
    /// The user serves a queue on a media type that no planning group of their management
    /// unit's business unit has a route path for: WFM forecasts and schedules no demand for
    /// that work.
    UncoveredQueue {
        /// The queue's name.
        queue: String,
        /// The media type (`call` is WFM's `Voice`); `null` for a queue the org does not
        /// have yet, which no route path can name.
        media_type: Option<MediaType>,
        /// The business unit whose planning groups were searched.
        business_unit: String,
        /// The user's management unit.
        management_unit: String,
    },
    /// The user serves queues but is an agent of no management unit: WFM does not schedule
    /// them.
    NoManagementUnit {
        /// The queues the user serves.
        queues: Vec<String>,
    },
    /// The user's direct number lies in no DID pool (or is not E.164), or its extension in
    /// no extension pool: Genesys refuses to assign it, or the number does not route.
    NumberOutsidePools {
        /// The number or extension.
        value: String,
        /// Which of the two it is.
        field: PhoneField,
    },
    /// Another user holds the same direct number or extension.
    SharedNumber {
        /// The number or extension.
        value: String,
        /// Which of the two it is.
        field: PhoneField,
        /// The other users holding it.
        others: Vec<Email>,
    },
    /// The user's role grants imply other licences than its routing profile expects
    /// (`licence:` on the profile): exactly the expected licence, nothing else.
    LicenceMismatch {
        /// The routing profile that states the expectation.
        profile: String,
        /// The licence expected, as the manifest writes it.
        expected: String,
        /// The licences the user's roles imply, by id.
        implied: Vec<String>,
    },
}

impl Problem {
    /// The kind's name, as the JSON's `kind` writes it.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::UncoveredQueue { .. } => "uncoveredQueue",
            Problem::NoManagementUnit { .. } => "noManagementUnit",
            Problem::NumberOutsidePools { .. } => "numberOutsidePools",
            Problem::SharedNumber { .. } => "sharedNumber",
            Problem::LicenceMismatch { .. } => "licenceMismatch",
        }
    }
}

/// A user's direct number, or its extension.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum PhoneField {
    /// The direct number (E.164), checked against DID pools.
    Number,
    /// The extension, checked against extension pools.
    Extension,
}

impl PhoneField {
    /// `number` or `extension`.
    pub fn noun(self) -> &'static str {
        match self {
            PhoneField::Number => "number",
            PhoneField::Extension => "extension",
        }
    }
}

/// The JSON Schema of `roster check --format json`.
pub fn check_schema() -> schemars::Schema {
    schemars::schema_for!(CheckSet)
}

/// [`check_schema`] as the pretty JSON committed under `schemas/check.schema.json`.
pub fn check_schema_json() -> String {
    let mut json = serde_json::to_string_pretty(&check_schema()).expect("a schema is plain JSON");
    json.push('\n');
    json
}
