//! Decodes entitlements (issue #17, DESIGN §2.10): `phone:` and `wfm:` on users and routing
//! profiles, and a profile's `licence:`. Numbers and extensions are checked here, at their
//! line; pool and management unit names are looked up in the org by the planner, and two
//! users claiming one number by the compiler.

use roster_model::{PhoneNumber, is_extension};

use super::{Decoder, Fields};
use crate::diagnostic::Diagnostic;
use crate::manifest::{At, PhoneSpec, ProfilePhoneSpec, WfmSpec};
use crate::yaml::{Node, Value};

pub(super) const PHONE_KEYS: &[&str] = &["number", "pool", "extension"];
/// What `phone:` on a routing profile accepts.
pub(super) const PROFILE_PHONE_KEYS: &[&str] = &["pool"];
/// Keys of a user's `phone:` that belong to one person: on a profile they are recognised
/// only to say so.
const PERSONAL_PHONE_KEYS: [&str; 2] = ["number", "extension"];
pub(super) const WFM_KEYS: &[&str] = &["managementUnit"];

impl Decoder<'_> {
    /// A user's `phone:`, positioned at its key: `number` or `pool` (not both) and an
    /// optional `extension`; `{}` is "no number, no extension". `None` when absent or wrong.
    pub(super) fn user_phone(&mut self, fields: &Fields<'_>) -> Option<At<PhoneSpec>> {
        let (key, node) = fields.entry("phone")?;
        let inner = self.fields(node, "phone", PHONE_KEYS)?;
        let number_node = inner.get("number");
        let pool_node = inner.get("pool");
        let extension_node = inner.get("extension");
        let number = number_node.map(|n| self.phone_number(n));
        let pool = pool_node.map(|n| self.name(n, "pool"));
        let extension = extension_node.map(|n| self.extension(n));
        if let (Some(number), Some(pool)) = (number_node, pool_node) {
            self.push(
                Diagnostic::error(
                    "number-and-pool",
                    "`phone` has both `number` and `pool`",
                )
                .at(self.location(pool.pos), "a pool here")
                .related(self.location(number.pos), "and a number here")
                .hint(
                    "keep `number` to give this user that number, or `pool` to take the lowest free number of the pool",
                ),
            );
            return None;
        }
        // A part that failed was reported; leaving it `None` would claim "no number".
        let failed = [
            number.as_ref().map(Option::is_none),
            pool.as_ref().map(Option::is_none),
            extension.as_ref().map(Option::is_none),
        ]
        .contains(&Some(true));
        if failed {
            return None;
        }
        let spec = PhoneSpec {
            number: number.flatten(),
            pool: pool.flatten(),
            extension: extension.flatten(),
        };
        Some(At::with_loc(spec, self.loc(key.pos)))
    }

    /// A routing profile's `phone:`, positioned at its key: `{ pool: NAME }` only.
    pub(super) fn profile_phone(&mut self, fields: &Fields<'_>) -> Option<At<ProfilePhoneSpec>> {
        let (key, node) = fields.entry("phone")?;
        let recognised: Vec<&str> = PROFILE_PHONE_KEYS
            .iter()
            .chain(&PERSONAL_PHONE_KEYS)
            .copied()
            .collect();
        let inner = self.fields(node, "phone", &recognised)?;
        let mut personal = false;
        for field in PERSONAL_PHONE_KEYS {
            if let Some(value) = inner.get(field) {
                personal = true;
                self.push(
                    Diagnostic::error(
                        "phone-on-profile",
                        format!("`{field}` on a routing profile: it belongs to one user"),
                    )
                    .at(self.location(value.pos), "one user's, not a profile's")
                    .hint(format!(
                        "move `{field}` to each user's own `phone:`; on a profile, `phone: {{ pool: NAME }}` gives every user a number from a DID pool"
                    )),
                );
            }
        }
        let pool = match inner.get("pool") {
            Some(pool) => self.name(pool, "pool"),
            None if personal => None,
            None => {
                self.missing(&inner, "phone", "pool", "Indianapolis");
                None
            }
        };
        if personal {
            return None;
        }
        Some(At::with_loc(
            ProfilePhoneSpec { pool: pool? },
            self.loc(key.pos),
        ))
    }

    /// `wfm: { managementUnit: NAME }`, positioned at its key.
    pub(super) fn wfm(&mut self, fields: &Fields<'_>) -> Option<At<WfmSpec>> {
        let (key, node) = fields.entry("wfm")?;
        let inner = self.fields(node, "wfm", WFM_KEYS)?;
        let management_unit = self.required_name(&inner, "wfm", "managementUnit", "Billing MU")?;
        Some(At::with_loc(WfmSpec { management_unit }, self.loc(key.pos)))
    }

    /// A direct number in E.164, written as a string (unquoted, YAML reads `+13175550100`
    /// as an integer and drops the `+`).
    fn phone_number(&mut self, node: &Node) -> Option<At<PhoneNumber>> {
        let Value::Str(text) = &node.value else {
            let digits = node.scalar_text().unwrap_or_default();
            let digits = digits.trim_start_matches('+');
            self.push(
                Diagnostic::error(
                    "invalid-phone-number",
                    format!(
                        "`number` must be a quoted E.164 number, found {}",
                        node.value.describe()
                    ),
                )
                .at(
                    self.location(node.pos),
                    "expected a string such as \"+13175550100\"",
                )
                .hint(format!(
                    "write the number in quotes with its `+` and country code: `number: \"+{}\"`",
                    if digits.is_empty() {
                        "13175550100"
                    } else {
                        digits
                    }
                )),
            );
            return None;
        };
        match PhoneNumber::parse(text) {
            Ok(number) => Some(At::with_loc(number, self.loc(node.pos))),
            Err(err) => {
                self.push(
                    Diagnostic::error("invalid-phone-number", err.to_string())
                        .at(self.location(node.pos), "not an E.164 number")
                        .hint(e164_hint(text)),
                );
                None
            }
        }
    }

    /// An extension: 2 to 10 digits, written as a string so leading zeros stay.
    fn extension(&mut self, node: &Node) -> Option<At<String>> {
        let text = match &node.value {
            Value::Str(text) => text.clone(),
            Value::Int(_) => {
                let digits = node.scalar_text().unwrap_or_default();
                self.push(
                    Diagnostic::error(
                        "invalid-extension",
                        "`extension` must be a quoted string of digits, found a number",
                    )
                    .at(self.location(node.pos), "expected a string")
                    .hint(format!(
                        "write it in quotes, `extension: \"{digits}\"`, so leading zeros are kept"
                    )),
                );
                return None;
            }
            _ => {
                self.wrong_type(node, "extension", "a string of 2 to 10 digits");
                return None;
            }
        };
        if is_extension(&text) {
            return Some(At::with_loc(text, self.loc(node.pos)));
        }
        self.push(
            Diagnostic::error("invalid-extension", format!("`{text}` is not an extension"))
                .at(self.location(node.pos), "not 2 to 10 digits")
                .hint("write 2 to 10 digits and nothing else, e.g. `extension: \"4100\"`"),
        );
        None
    }
}

/// What to write instead of a number that is not E.164: the same digits in E.164 when that
/// is all it takes (spaces, dashes, brackets), and a reminder of the country code when the
/// `+` is missing (roster cannot know which country a local number is in).
fn e164_hint(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let only_punctuation = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if only_punctuation && let Ok(number) = PhoneNumber::parse(&format!("+{digits}")) {
        return if text.trim_start().starts_with('+') {
            format!("write it in E.164, digits only after `+`: `number: \"{number}\"`")
        } else {
            format!(
                "start with `+` and the country code: `number: \"{number}\"` if `{digits}` begins with it, else add it (`+1` for North America: `number: \"+1{digits}\"`)"
            )
        };
    }
    "write `+`, the country code and the number, 8 to 15 digits in all and no spaces, dashes or brackets, e.g. `number: \"+13175550100\"`".to_owned()
}
