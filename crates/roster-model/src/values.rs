//! Value types shared by desired and live state: keys, proficiencies, grants, utilization.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kinds of object roster knows, in dependency order (a kind only refers to kinds before it).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// Authorization division; looked up, never created.
    Division,
    /// Authorization role; looked up, never created.
    Role,
    /// WFM management unit; looked up, never created.
    ManagementUnit,
    /// Routing skill.
    Skill,
    /// Routing language.
    Language,
    /// Wrap-up code.
    WrapupCode,
    /// Routing queue.
    Queue,
    /// Work team.
    Team,
    /// User (agent, supervisor or admin).
    User,
}

impl Kind {
    /// Every kind, in dependency order.
    pub const ALL: [Kind; 9] = [
        Kind::Division,
        Kind::Role,
        Kind::ManagementUnit,
        Kind::Skill,
        Kind::Language,
        Kind::WrapupCode,
        Kind::Queue,
        Kind::Team,
        Kind::User,
    ];

    /// The word used for this kind in messages, singular (`wrap-up code`).
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Division => "division",
            Kind::Role => "role",
            Kind::ManagementUnit => "management unit",
            Kind::Skill => "skill",
            Kind::Language => "language",
            Kind::WrapupCode => "wrap-up code",
            Kind::Queue => "queue",
            Kind::Team => "team",
            Kind::User => "user",
        }
    }

    /// The kind as a plan's JSON and `roster plan --target KIND:KEY` spell it (`wrapupCode`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Division => "division",
            Kind::Role => "role",
            Kind::ManagementUnit => "managementUnit",
            Kind::Skill => "skill",
            Kind::Language => "language",
            Kind::WrapupCode => "wrapupCode",
            Kind::Queue => "queue",
            Kind::Team => "team",
            Kind::User => "user",
        }
    }

    /// The manifest key that lists objects of this kind (`wrapupCodes`).
    pub fn manifest_key(self) -> &'static str {
        match self {
            Kind::Division => "divisions",
            Kind::Role => "roles",
            Kind::ManagementUnit => "managementUnits",
            Kind::Skill => "skills",
            Kind::Language => "languages",
            Kind::WrapupCode => "wrapupCodes",
            Kind::Queue => "queues",
            Kind::Team => "teams",
            Kind::User => "users",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// A user's email address: the natural key of a user, compared case-insensitively.
///
/// Stored lower-cased, because Genesys treats emails (and so usernames) case-insensitively and
/// two spellings of one address must never become two users.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Email(String);

/// Why a string is not a usable email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// There is no `@`, or more than one.
    #[error("`{0}` is not an email address: it needs exactly one `@`")]
    At(String),
    /// The part before or after the `@` is empty, or the domain has no dot.
    #[error("`{0}` is not an email address: expected `name@domain.tld`")]
    Shape(String),
    /// Whitespace or control characters.
    #[error("`{0}` is not an email address: it contains spaces or control characters")]
    Whitespace(String),
    /// Longer than an address can be.
    #[error("the email address is {length} characters long, over the {max} an address may have")]
    TooLong {
        /// The address.
        address: String,
        /// Its length in characters.
        length: usize,
        /// [`crate::EMAIL_MAX_CHARS`].
        max: usize,
    },
}

impl Email {
    /// Parses and normalizes an address (trimmed, in NFC like every name, lower-cased).
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let normalized = crate::names::normalize_name(raw.trim());
        let trimmed = normalized.as_ref();
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace(raw.to_owned()));
        }
        let mut parts = trimmed.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::At(raw.to_owned()));
        };
        let domain_ok = domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-'))
            && domain.contains('.');
        if local.is_empty() || !domain_ok {
            return Err(EmailError::Shape(raw.to_owned()));
        }
        let length = crate::names::name_chars(trimmed);
        if length > crate::names::EMAIL_MAX_CHARS {
            return Err(EmailError::TooLong {
                address: raw.to_owned(),
                length,
                max: crate::names::EMAIL_MAX_CHARS,
            });
        }
        Ok(Email(trimmed.to_lowercase()))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Email::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A skill or language proficiency, 0 to 5, kept to two decimals.
///
/// Genesys stores skill proficiency as a float and rounds language proficiency to a whole
/// number. Fixed-point storage makes `3.5` read back from the API equal to `3.5` in a manifest,
/// with no float noise in diffs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Proficiency(u16);

/// Why a number is not a proficiency.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum ProficiencyError {
    /// Outside 0–5, or not a finite number.
    #[error("proficiency {0} is outside 0–5")]
    Range(f64),
}

impl Proficiency {
    /// The largest proficiency Genesys accepts.
    pub const MAX: Proficiency = Proficiency(500);

    /// Converts a number from a manifest or the API, rounding to two decimals.
    pub fn new(value: f64) -> Result<Self, ProficiencyError> {
        if !value.is_finite() || !(0.0..=5.0).contains(&value) {
            return Err(ProficiencyError::Range(value));
        }
        Ok(Proficiency((value * 100.0).round() as u16))
    }

    /// A whole-number proficiency (`0..=5`); larger values saturate at 5.
    pub fn whole(value: u8) -> Self {
        Proficiency(u16::from(value.min(5)) * 100)
    }

    /// The value as the API sends it.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// Whether this is a whole number, as language proficiencies must be.
    pub fn is_whole(self) -> bool {
        self.0.is_multiple_of(100)
    }
}

impl fmt::Display for Proficiency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_whole() {
            write!(f, "{}", self.0 / 100)
        } else {
            // Trailing zeros trimmed: 3.5, not 3.50.
            let text = format!("{:.2}", self.as_f64());
            f.write_str(text.trim_end_matches('0'))
        }
    }
}

impl Serialize for Proficiency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_whole() {
            serializer.serialize_u64(u64::from(self.0 / 100))
        } else {
            serializer.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Proficiency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Proficiency::new(value).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Proficiency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Proficiency".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "minimum": 0,
            "maximum": 5,
            "description": "Proficiency from 0 to 5 (skills may use decimals, languages whole numbers)"
        })
    }
}

/// Whether a user may work.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum UserState {
    /// Can log in and take interactions.
    #[default]
    Active,
    /// Offboarded: cannot log in; kept for audit and possible reactivation.
    Inactive,
}

impl fmt::Display for UserState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UserState::Active => "active",
            UserState::Inactive => "inactive",
        })
    }
}

/// One role granted in one division.
///
/// `division: None` means the org's home division, which is what Genesys uses when a role is
/// granted without naming one.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub struct RoleGrant {
    /// Role name, as listed by the org.
    pub role: String,
    /// Division name; `None` is the home division.
    pub division: Option<String>,
}

impl fmt::Display for RoleGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.division {
            Some(division) => write!(f, "{} in {division}", self.role),
            None => write!(f, "{} in the home division", self.role),
        }
    }
}

/// A media type of agent utilization.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum MediaType {
    /// Voice calls.
    Call,
    /// Callbacks.
    Callback,
    /// Web chat.
    Chat,
    /// Email.
    Email,
    /// Messaging (SMS, social, web messaging).
    Message,
}

impl MediaType {
    /// Every media type Genesys documents for utilization.
    pub const ALL: [MediaType; 5] = [
        MediaType::Call,
        MediaType::Callback,
        MediaType::Chat,
        MediaType::Email,
        MediaType::Message,
    ];

    /// How WFM route paths spell it (`PlanningGroup.routePaths[].mediaType`): `Voice` is a
    /// call.
    pub fn wfm_name(self) -> &'static str {
        match self {
            MediaType::Call => "Voice",
            MediaType::Callback => "Callback",
            MediaType::Chat => "Chat",
            MediaType::Email => "Email",
            MediaType::Message => "Message",
        }
    }

    /// The media type a WFM route path names; `None` for `Workitem` and anything roster does
    /// not model.
    pub fn from_wfm_name(name: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|m| m.wfm_name() == name)
    }

    /// The API's spelling, which is also the manifest's.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Call => "call",
            MediaType::Callback => "callback",
            MediaType::Chat => "chat",
            MediaType::Email => "email",
            MediaType::Message => "message",
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Capacity for one media type.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct MediaUtilization {
    /// How many interactions of this type at once (0–25).
    pub capacity: u8,
    /// Media types that may interrupt this one.
    pub interruptible: BTreeSet<MediaType>,
    /// Whether non-ACD interactions count against the capacity.
    pub include_non_acd: bool,
}

/// A user's own utilization settings. Empty means "the org's defaults".
///
/// Genesys reverts omitted media types to the org default on PUT, so a managed utilization is
/// authoritative for every media type: a media type not listed here is at the org level.
pub type Utilization = BTreeMap<MediaType, MediaUtilization>;

/// `utilization` without the media types whose settings equal the org's `defaults`.
///
/// Genesys answers a media type the user never set with the org's value, so a user's settings
/// can only be compared with what was written once both drop what equals the defaults.
pub fn without_defaults(utilization: &Utilization, defaults: &Utilization) -> Utilization {
    utilization
        .iter()
        .filter(|(media, settings)| defaults.get(media) != Some(settings))
        .map(|(media, settings)| (*media, settings.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_case_insensitive_and_trimmed() {
        let a = Email::parse(" Jane.Doe@Acme.Example ").unwrap();
        assert_eq!(a.as_str(), "jane.doe@acme.example");
        assert_eq!(a, Email::parse("jane.doe@acme.example").unwrap());
    }

    #[test]
    fn emails_in_two_normalizations_are_one() {
        let nfd = Email::parse("rene\u{301}@acme.example").unwrap();
        let nfc = Email::parse("ren\u{e9}@acme.example").unwrap();
        assert_eq!(nfd, nfc);
        assert_eq!(nfd.as_str(), "ren\u{e9}@acme.example");
    }

    #[test]
    fn emails_longer_than_rfc_5321_allows_are_rejected() {
        let local = "a".repeat(64);
        let longest = format!("{local}@{}.example", "b".repeat(254 - 64 - 1 - 8));
        assert_eq!(longest.len(), 254);
        assert!(Email::parse(&longest).is_ok());
        let over = format!("a{longest}");
        assert_eq!(
            Email::parse(&over),
            Err(EmailError::TooLong {
                address: over.clone(),
                length: 255,
                max: 254
            })
        );
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "jane",
            "jane@",
            "@acme.example",
            "a@b@c.d",
            "jane@acme",
            "ja ne@acme.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn proficiency_is_fixed_point() {
        let p = Proficiency::new(3.499_999_9).unwrap();
        assert_eq!(p, Proficiency::new(3.5).unwrap());
        assert_eq!(p.to_string(), "3.5");
        assert_eq!(Proficiency::new(4.0).unwrap().to_string(), "4");
        assert_eq!(Proficiency::new(2.25).unwrap().to_string(), "2.25");
        assert!(Proficiency::new(5.01).is_err());
        assert!(Proficiency::new(-0.5).is_err());
        assert!(Proficiency::new(f64::NAN).is_err());
    }

    #[test]
    fn proficiency_serializes_whole_numbers_as_integers() {
        let json = serde_json::to_string(&[Proficiency::whole(4), Proficiency::new(2.5).unwrap()])
            .unwrap();
        assert_eq!(json, "[4,2.5]");
    }
}
