//! Names as natural keys: one Unicode normalization, and how long each may be.
//!
//! `Café` typed on a Mac (`Cafe` + combining acute, NFD) and on Windows (`Caf` + `é`, NFC)
//! looks the same to a person and must be one skill to roster: a manifest that declares both
//! declares a duplicate, and a live skill in one form is the manifest's skill in the other.
//! Every name that is a key (object names, the references to them, emails) is therefore put
//! in NFC where it is constructed: by the manifest decoder, and by the Genesys client as it
//! decodes the API's answers (issue #12). Comparisons downstream stay plain `==`.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::values::Kind;

/// A name as a file name (an org's journal, its lock): characters that do not belong in a
/// file name replaced by `_`.
pub fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `raw` in Unicode Normalization Form C; borrowed when it already is (nearly always).
pub fn normalize_name(raw: &str) -> Cow<'_, str> {
    match is_nfc_quick(raw.chars()) {
        IsNormalized::Yes => Cow::Borrowed(raw),
        IsNormalized::No | IsNormalized::Maybe => Cow::Owned(raw.nfc().collect()),
    }
}

/// `raw` in NFC, reusing its buffer when it already is.
pub fn normalize_name_owned(raw: String) -> String {
    match normalize_name(&raw) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(normalized) => normalized,
    }
}

/// Deserializes a name in NFC, for the API's `name` fields (`#[serde(deserialize_with)]`).
pub fn deserialize_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    String::deserialize(deserializer).map(normalize_name_owned)
}

/// Deserializes an optional name in NFC (`#[serde(default, deserialize_with)]`).
pub fn deserialize_optional_name<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|name| name.map(normalize_name_owned))
}

/// How long a name may be, in characters (Unicode scalar values, after NFC).
///
/// The Genesys facts roster works from (the API subset derived from the official SDK and the
/// 2018 swagger) give no length for the names of skills, languages, wrap-up codes, queues,
/// teams, divisions or roles, nor for a user's name, title or department: their models say
/// only `string`. The one name limit the swagger documents is `name.length.exceeded`, "The
/// name length exceeds the limit of 64 characters", and only on outbound objects (campaigns,
/// contact lists, DNC lists, rule sets), which roster does not manage.
///
/// So these caps are roster's choice, UNCONFIRMED against the live API: 255 characters, the
/// usual width of a name column. A tighter guess would be worse than none: it would reject a
/// name a live org already holds, and an export of that org would not validate. An email is
/// capped by RFC 5321 §4.5.3.1 instead (a path is at most 256 octets including the angle
/// brackets, so an address is at most 254 characters).
pub const NAME_MAX_CHARS: usize = 255;

/// The longest email address (RFC 5321 §4.5.3.1.3: 256 octets for the path, less `<` `>`).
pub const EMAIL_MAX_CHARS: usize = 254;

/// The longest user title and department (see [`NAME_MAX_CHARS`] for why this number).
pub const USER_TEXT_MAX_CHARS: usize = 255;

impl Kind {
    /// The longest name an object of this kind may have, in characters; for users, the
    /// longest email (their key).
    pub fn max_name_chars(self) -> usize {
        match self {
            Kind::User => EMAIL_MAX_CHARS,
            Kind::Division
            | Kind::Role
            | Kind::ManagementUnit
            | Kind::Skill
            | Kind::Language
            | Kind::WrapupCode
            | Kind::Queue
            | Kind::Team => NAME_MAX_CHARS,
        }
    }
}

/// The length of `name` as the caps above count it.
pub fn name_chars(name: &str) -> usize {
    name.chars().count()
}

/// The candidate closest to `input`, if one is close enough to be a likely typo (or the
/// same name in another case): "did you mean" in manifest diagnostics and in the planner's
/// messages about roles and divisions the org lacks.
pub fn closest<'c>(input: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lowered = input.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&lowered, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NFC: &str = "Caf\u{e9}";
    const NFD: &str = "Cafe\u{301}";

    #[test]
    fn two_spellings_of_one_name_normalize_to_one() {
        assert_ne!(NFC, NFD);
        assert_eq!(normalize_name(NFD), NFC);
        assert_eq!(normalize_name(NFC), NFC);
        assert_eq!(normalize_name_owned(NFD.to_owned()), NFC);
    }

    #[test]
    fn names_already_in_nfc_are_borrowed() {
        assert!(matches!(normalize_name("Billing"), Cow::Borrowed(_)));
        assert!(matches!(normalize_name(NFC), Cow::Borrowed(_)));
        assert!(matches!(normalize_name(NFD), Cow::Owned(_)));
    }

    #[test]
    fn api_names_are_decoded_in_nfc() {
        #[derive(Deserialize)]
        struct Named {
            #[serde(deserialize_with = "deserialize_name")]
            name: String,
            #[serde(default, deserialize_with = "deserialize_optional_name")]
            other: Option<String>,
        }
        let json = format!(r#"{{"name": "{NFD}", "other": "{NFD}"}}"#);
        let named: Named = serde_json::from_str(&json).unwrap();
        assert_eq!(named.name, NFC);
        assert_eq!(named.other.as_deref(), Some(NFC));
        let named: Named = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
        assert_eq!(named.other, None);
    }

    #[test]
    fn lengths_count_characters_after_normalization() {
        assert_eq!(name_chars(&normalize_name(NFD)), 4);
        assert_eq!(Kind::Skill.max_name_chars(), NAME_MAX_CHARS);
        assert_eq!(Kind::User.max_name_chars(), EMAIL_MAX_CHARS);
    }
}
