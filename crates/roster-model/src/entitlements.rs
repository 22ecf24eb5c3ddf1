//! Entitlements (DESIGN §2.10): a user's direct number and extension, its WFM management
//! unit, and the licences its roles imply, on both sides of a plan.
//!
//! Genesys facts these types follow (REFERENCE-events-entitlements §3–§5):
//! - A user's numbers are `User.addresses` entries (`mediaType: PHONE`), each holding an
//!   E.164 `address` or an `extension`, not both. roster's direct number is the `address` of
//!   the `WORK` entry, its extension the `extension` of the `WORK2` entry (the convention
//!   lives in `roster-genesys`'s `addresses` module). A number must lie in a DID pool
//!   (`startPhoneNumber`..=`endPhoneNumber`), an extension in an extension pool
//!   (`startNumber`..=`endNumber`).
//! - Business unit → management units → agents; planning groups belong to the business unit and
//!   their route paths name (queue, media type) pairs.
//! - Licences follow roles (auto-licensing): `POST /api/v2/license/infer` turns role ids into
//!   licence ids. roster never assigns a licence; it shows what role grants imply.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::desired::Source;
use crate::values::MediaType;

/// A phone number in E.164: `+`, then a country code that does not start with 0, 15 digits
/// at most in all (ITU-T E.164 §6.2.1). No spaces, dashes or brackets: the API stores numbers
/// in this form and compares them as strings.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a string is not an E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an E.164 number: write `+`, the country code and the number, digits only \
     (`+13175550100`), 8 to 15 digits"
)]
pub struct PhoneNumberError(pub String);

/// The fewest digits of a number roster accepts: a country code and a short subscriber
/// number. Shorter strings are almost always a typo (a missing area code).
const MIN_DIGITS: usize = 8;
/// The most digits E.164 allows.
const MAX_DIGITS: usize = 15;

impl PhoneNumber {
    /// Parses a number written in E.164.
    pub fn parse(raw: &str) -> Result<Self, PhoneNumberError> {
        let digits = raw
            .strip_prefix('+')
            .ok_or_else(|| PhoneNumberError(raw.to_owned()))?;
        let valid = (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(PhoneNumber(raw.to_owned()))
        } else {
            Err(PhoneNumberError(raw.to_owned()))
        }
    }

    /// The number as written (`+13175550100`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number's value, for ranges: its digits as an integer (15 digits fit in a `u64`).
    pub fn value(&self) -> u64 {
        self.0[1..].parse().unwrap_or(0)
    }

    /// Whether the number lies in the range `start..=end` (as a DID pool's): same length,
    /// between the ends.
    pub fn in_range(&self, start: &PhoneNumber, end: &PhoneNumber) -> bool {
        self.0.len() == start.0.len() && (start.value()..=end.value()).contains(&self.value())
    }

    /// The number `offset` after this one, when it is still a valid number of the same length.
    pub fn offset(&self, offset: u64) -> Option<PhoneNumber> {
        let next = self.value().checked_add(offset)?;
        let digits = next.to_string();
        (digits.len() == self.0.len() - 1).then(|| PhoneNumber(format!("+{digits}")))
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&raw)
    }
}

impl From<PhoneNumber> for String {
    fn from(number: PhoneNumber) -> Self {
        number.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `extension` is a valid extension: 2 to 10 digits (an extension pool's numbers
/// are digit strings; RC "Extension pools").
pub fn is_extension(extension: &str) -> bool {
    (2..=10).contains(&extension.len()) && extension.bytes().all(|b| b.is_ascii_digit())
}

/// Where a user's direct number comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NumberChoice {
    /// This number.
    Number(PhoneNumber),
    /// The lowest free number of the DID pool with this name, chosen at plan time; a user
    /// whose live number is already in the pool keeps it.
    Pool(String),
}

/// A user's managed direct number and extension. Both `None` means "no direct number and no
/// extension" (authoritative, like an empty list); an omitted `phone:` is `None` on
/// [`crate::DesiredUser`] and leaves the live ones alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredPhone {
    /// The direct number, when the user has one.
    pub number: Option<NumberChoice>,
    /// The extension, when the user has one.
    pub extension: Option<String>,
    /// Where `phone:` was written (the user's, or its routing profile's).
    pub source: Option<Source>,
}

/// A user's managed WFM management unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DesiredWfm {
    /// The management unit's name.
    pub management_unit: String,
    /// Where `wfm:` was written (the user's, or its routing profile's).
    pub source: Option<Source>,
}

/// The licence a routing profile expects its users' roles to imply (`licence:` on a
/// profile), checked by `roster check`, never written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectedLicence {
    /// The licence, by id or by its definition's description, as the manifest writes it.
    pub licence: String,
    /// The profile that expects it.
    pub profile: String,
    /// Where `licence:` was written.
    pub source: Option<Source>,
}

/// A user's direct number (`WORK` entry) and extension (`WORK2` entry) as the org holds them
/// (`addresses`), raw: a live number need not be E.164, which `roster check` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LivePhone {
    /// The WORK phone's number, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The WORK phone's extension, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
}

impl LivePhone {
    /// Whether the user has neither a number nor an extension.
    pub fn is_empty(&self) -> bool {
        self.number.is_none() && self.extension.is_none()
    }
}

/// A DID pool: a range of numbers the org owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveDidPool {
    /// Genesys id.
    pub id: String,
    /// Name.
    pub name: String,
    /// First number of the range.
    pub start: PhoneNumber,
    /// Last number of the range.
    pub end: PhoneNumber,
    /// The pool's numbers nothing holds (`GET …/didpools/dids?type=UNASSIGNED&id=<pool>`),
    /// to allocate from; `None` when not read (no manifest allocates from this pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unassigned: Option<BTreeSet<PhoneNumber>>,
}

impl LiveDidPool {
    /// Whether `number` lies in the pool's range.
    pub fn contains(&self, number: &PhoneNumber) -> bool {
        number.in_range(&self.start, &self.end)
    }
}

/// An extension pool: a range of extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveExtensionPool {
    /// Genesys id.
    pub id: String,
    /// First extension of the range.
    pub start: String,
    /// Last extension of the range.
    pub end: String,
}

impl LiveExtensionPool {
    /// Whether `extension` lies in the pool's range (same number of digits, between the
    /// ends).
    pub fn contains(&self, extension: &str) -> bool {
        let value = |s: &str| s.parse::<u64>().ok();
        extension.len() == self.start.len()
            && matches!(
                (value(&self.start), value(&self.end), value(extension)),
                (Some(start), Some(end), Some(v)) if (start..=end).contains(&v)
            )
    }
}

/// The org's telephony estate that user numbers are checked against: read-only for roster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Telephony {
    /// DID pools by name.
    pub did_pools: BTreeMap<String, LiveDidPool>,
    /// Extension pools.
    pub extension_pools: Vec<LiveExtensionPool>,
}

impl Telephony {
    /// The pool a number lies in.
    pub fn pool_of(&self, number: &PhoneNumber) -> Option<&LiveDidPool> {
        self.did_pools.values().find(|pool| pool.contains(number))
    }

    /// Whether some extension pool holds `extension`.
    pub fn extension_in_pool(&self, extension: &str) -> bool {
        self.extension_pools.iter().any(|p| p.contains(extension))
    }
}

/// A management unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveManagementUnit {
    /// Genesys id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its business unit's name.
    pub business_unit: String,
}

/// One route path of a planning group: demand for a queue on one media type.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct RoutePath {
    /// The queue's name.
    pub queue: String,
    /// The media type (the API's `Voice` is [`MediaType::Call`]).
    pub media_type: MediaType,
}

/// A business unit with its planning groups' route paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveBusinessUnit {
    /// Genesys id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Planning group name → its route paths; `None` when not read (only `roster check`
    /// reads them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planning_groups: Option<BTreeMap<String, BTreeSet<RoutePath>>>,
}

/// The org's WFM structure. Members are on the users ([`crate::LiveUser::management_unit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wfm {
    /// Business units by name.
    pub business_units: BTreeMap<String, LiveBusinessUnit>,
    /// Management units by name.
    pub management_units: BTreeMap<String, LiveManagementUnit>,
}

/// A licence the org knows (`GET /api/v2/license/definitions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenceDefinition {
    /// The licence id (what the API returns from inference).
    pub id: String,
    /// Its description, when the org gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The ids of the licences it includes (`comprises`): a CX 3 includes a CX 2, so a user
    /// going from CX 3 to CX 2 does not raise cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comprises: Vec<String>,
}

impl LicenceDefinition {
    /// The name people know the licence by: its description, else its id.
    pub fn label(&self) -> &str {
        self.description.as_deref().unwrap_or(&self.id)
    }

    /// Whether `other` (an id) is this licence or one it includes, directly or through the
    /// licences it includes, per `definitions`.
    pub fn includes(&self, other: &str, definitions: &[LicenceDefinition]) -> bool {
        let mut seen = BTreeSet::new();
        let mut pending = vec![self.id.as_str()];
        while let Some(id) = pending.pop() {
            if id == other {
                return true;
            }
            if seen.insert(id)
                && let Some(definition) = definitions.iter().find(|d| d.id == id)
            {
                pending.extend(definition.comprises.iter().map(String::as_str));
            }
        }
        false
    }

    /// Whether a manifest's `licence:` names this licence (its id or description, in any
    /// case).
    pub fn is_named(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self
                .description
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers_parse_and_others_do_not() {
        assert!(PhoneNumber::parse("+13175550100").is_ok());
        assert!(PhoneNumber::parse("+4930123456").is_ok());
        for bad in [
            "13175550100",
            "+1 317 555 0100",
            "+1-317-555-0100",
            "+0317555010",
            "+1234567",
            "+1234567890123456",
            "",
            "+",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn wfm_names_media_types_its_own_way_and_reads_back() {
        assert_eq!(MediaType::Call.wfm_name(), "Voice");
        for media in MediaType::ALL {
            assert_eq!(MediaType::from_wfm_name(media.wfm_name()), Some(media));
        }
        assert_eq!(MediaType::from_wfm_name("Workitem"), None);
        assert_eq!(MediaType::from_wfm_name("call"), None);
    }

    #[test]
    fn pools_contain_their_range_and_nothing_else() {
        let pool = LiveDidPool {
            id: "p".into(),
            name: "Indianapolis".into(),
            start: PhoneNumber::parse("+13175550100").unwrap(),
            end: PhoneNumber::parse("+13175550199").unwrap(),
            unassigned: None,
        };
        assert!(pool.contains(&PhoneNumber::parse("+13175550100").unwrap()));
        assert!(pool.contains(&PhoneNumber::parse("+13175550199").unwrap()));
        assert!(!pool.contains(&PhoneNumber::parse("+13175550200").unwrap()));
        assert!(!pool.contains(&PhoneNumber::parse("+131755501000").unwrap()));
        assert_eq!(
            pool.start.offset(5).unwrap().as_str(),
            "+13175550105",
            "offsets stay in the number's length"
        );
        let extensions = LiveExtensionPool {
            id: "e".into(),
            start: "4000".into(),
            end: "4999".into(),
        };
        assert!(extensions.contains("4100"));
        assert!(!extensions.contains("5000"));
        assert!(!extensions.contains("410"));
        assert!(!extensions.contains("41a0"));
        assert!(is_extension("4100"));
        assert!(!is_extension("4"));
        assert!(!is_extension("41-00"));
    }
}
