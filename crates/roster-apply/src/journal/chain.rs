//! The chain: how a journal line's `hash` is computed from its content, in either mode.
//!
//! A line's canonical form is the line without its `hash` field, object keys sorted, no
//! insignificant whitespace, strings and numbers as `serde_json` writes them. Hashing the
//! parsed value rather than the raw bytes means a tool that re-indents or reorders keys does
//! not break the chain, while any change of a value does. The line carries `prev`, the hash of
//! the line before it (or [`GENESIS`] for the first), so deleting, inserting or reordering lines
//! is detectable too.
//!
//! - **Plain** lines (no `chain` field, as every version of roster wrote before keys existed):
//!   `hash` is the SHA-256 (lower-case hex) of the canonical form. Anyone can recompute it, so
//!   the chain catches accidents and careless edits, not a forger who recomputes every hash
//!   after the line they changed.
//! - **Keyed** lines (`"chain": "hmac-sha256"` and the `keyId` of the [`JournalKey`]): `hash` is
//!   the HMAC-SHA256 of the canonical form under the journal key. Without the key nobody can
//!   compute a line that verifies, so an edit, insertion or re-chaining by anyone who lacks it
//!   is detected. Since a keyed line's MAC covers its `prev`, it also vouches for every line
//!   before it, plain ones included. Once a journal has a keyed line, a plain line after it is
//!   a break (a downgrade): roster never writes one.
//!
//! Neither mode shows lines cut from the end: that takes a [`crate::journal::Checkpoint`] kept
//! somewhere else.

use std::fmt;

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::error::JournalError;

/// The `prev` of a journal's first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The `chain` value of a keyed line.
pub const KEYED: &str = "hmac-sha256";

/// The fewest bytes a journal key may have: HMAC-SHA256 keys shorter than the hash add risk.
pub const MIN_KEY_BYTES: usize = 32;

/// The secret that keys a journal's MACs. Its bytes are never printed, logged or written; its
/// [`JournalKey::id`] (a MAC of a fixed text, which reveals nothing of the key) is written on
/// every keyed line so a verifier can tell "wrong key" from "forged line".
#[derive(Clone)]
pub struct JournalKey {
    secret: Vec<u8>,
    id: String,
}

impl JournalKey {
    /// A key from its bytes (for a key in an environment variable, the variable's value).
    ///
    /// # Errors
    ///
    /// [`JournalError::KeyTooShort`] with fewer than [`MIN_KEY_BYTES`] bytes.
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<JournalKey, JournalError> {
        let secret = secret.into();
        if secret.len() < MIN_KEY_BYTES {
            return Err(JournalError::KeyTooShort {
                bytes: secret.len(),
            });
        }
        let mut mac = keyed(&secret);
        mac.update(b"roster journal key id");
        let id = hex::encode(&mac.finalize().into_bytes()[..8]);
        Ok(JournalKey { secret, id })
    }

    /// The key's public identifier: 16 hex digits.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for JournalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JournalKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl PartialEq for JournalKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for JournalKey {}

fn keyed(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; `new_from_slice` only fails for fixed-size MACs.
    <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length")
}

/// How a line says it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// SHA-256 of the canonical form.
    Plain,
    /// HMAC-SHA256 under the key with this id.
    Keyed {
        /// The line's `keyId`.
        key_id: String,
    },
}

/// The mode a line declares; `Err` with the offending `chain` value when roster does not know
/// it (or a keyed line lacks its `keyId`).
pub(crate) fn mode_of(line: &Map<String, Value>) -> Result<Mode, String> {
    match line.get("chain") {
        None => Ok(Mode::Plain),
        Some(Value::String(chain)) if chain == KEYED => match line.get("keyId") {
            Some(Value::String(id)) => Ok(Mode::Keyed { key_id: id.clone() }),
            _ => Err(format!("{KEYED} without `keyId`")),
        },
        Some(other) => Err(other.to_string()),
    }
}

/// Marks `fields` (a line without `hash`) as keyed with `key`, and returns its MAC.
pub(crate) fn seal(fields: &mut Map<String, Value>, key: &JournalKey) -> String {
    fields.insert("chain".to_owned(), Value::String(KEYED.to_owned()));
    fields.insert("keyId".to_owned(), Value::String(key.id.clone()));
    mac_of(fields, key)
}

/// The hash of `line`, ignoring any `hash` field it has.
pub fn hash_of(line: &Map<String, Value>) -> String {
    hex::encode(Sha256::digest(canonical(line)))
}

/// The HMAC-SHA256 of `line` under `key`, ignoring any `hash` field it has.
pub fn mac_of(line: &Map<String, Value>, key: &JournalKey) -> String {
    let mut mac = keyed(&key.secret);
    mac.update(&canonical(line));
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `line`'s `hash` is right for its mode: `None` for a keyed line when `key` is not the
/// line's key (nothing can be said).
pub(crate) fn hash_matches(line: &Map<String, Value>, key: Option<&JournalKey>) -> Option<bool> {
    let recorded = line.get("hash").and_then(Value::as_str)?;
    let computed = match mode_of(line).ok()? {
        Mode::Plain => hash_of(line),
        Mode::Keyed { key_id } => {
            let key = key.filter(|key| key.id == key_id)?;
            mac_of(line, key)
        }
    };
    // Comparing MACs in constant time keeps a verifier from being a timing oracle.
    Some(constant_time_eq(recorded.as_bytes(), computed.as_bytes()))
}

/// Byte equality whose time does not depend on where the first difference is.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn canonical(line: &Map<String, Value>) -> Vec<u8> {
    let mut canonical = Vec::with_capacity(512);
    write_object(&mut canonical, line, Some("hash"));
    canonical
}

fn write_canonical(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Object(map) => write_object(out, map, None),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(out, item);
            }
            out.push(b']');
        }
        scalar => write_scalar(out, scalar),
    }
}

fn write_object(out: &mut Vec<u8>, map: &Map<String, Value>, skip: Option<&str>) {
    let mut entries: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(key, _)| Some(key.as_str()) != skip)
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (index, (key, value)) in entries.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        // Writing a string into a Vec cannot fail.
        serde_json::to_writer(&mut *out, key).expect("a JSON string always serializes");
        out.push(b':');
        write_canonical(out, value);
    }
    out.push(b'}');
}

fn write_scalar(out: &mut Vec<u8>, scalar: &Value) {
    // Writing a scalar `Value` into a Vec cannot fail: no I/O, no non-string map keys.
    serde_json::to_writer(out, scalar).expect("a JSON scalar always serializes");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("tests pass objects"),
        }
    }

    #[test]
    fn key_order_and_the_hash_field_do_not_matter() {
        let a = object(json!({"seq": 1, "nested": {"b": [1, "x"], "a": null}, "prev": GENESIS}));
        let b = object(
            json!({"prev": GENESIS, "nested": {"a": null, "b": [1, "x"]}, "seq": 1, "hash": "f"}),
        );
        assert_eq!(hash_of(&a), hash_of(&b));
        assert_eq!(hash_of(&a).len(), 64);
    }

    #[test]
    fn any_value_change_changes_the_hash() {
        let a = object(json!({"seq": 1, "text": "é\n"}));
        let b = object(json!({"seq": 1, "text": "è\n"}));
        let c = object(json!({"seq": 2, "text": "é\n"}));
        assert_ne!(hash_of(&a), hash_of(&b));
        assert_ne!(hash_of(&a), hash_of(&c));
    }

    #[test]
    fn canonical_form_is_sorted_and_compact() {
        let mut out = Vec::new();
        write_canonical(
            &mut out,
            &json!({"b": 1, "a": {"d": [true, 1.5], "c": "\"q\""}}),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":{"c":"\"q\"","d":[true,1.5]},"b":1}"#
        );
    }

    fn key(byte: u8) -> JournalKey {
        JournalKey::new(vec![byte; MIN_KEY_BYTES]).unwrap()
    }

    #[test]
    fn a_keyed_line_needs_its_key_and_the_plain_hash_does_not_pass_for_a_mac() {
        let mut line = object(json!({"seq": 1, "prev": GENESIS}));
        let mac = seal(&mut line, &key(1));
        assert_eq!(line["chain"], KEYED);
        assert_eq!(line["keyId"], key(1).id());
        assert_ne!(mac, hash_of(&line));
        line.insert("hash".to_owned(), Value::String(mac));
        assert_eq!(hash_matches(&line, Some(&key(1))), Some(true));
        // Another key, or none, cannot say anything about it.
        assert_eq!(hash_matches(&line, Some(&key(2))), None);
        assert_eq!(hash_matches(&line, None), None);
        // A forger without the key who writes the plain hash is caught.
        line.insert("hash".to_owned(), Value::String(hash_of(&line)));
        assert_eq!(hash_matches(&line, Some(&key(1))), Some(false));
    }

    #[test]
    fn keys_are_long_enough_and_never_printed() {
        assert!(matches!(
            JournalKey::new(b"short".to_vec()),
            Err(JournalError::KeyTooShort { bytes: 5 })
        ));
        let key = key(7);
        assert_eq!(key.id().len(), 16);
        assert_ne!(key.id(), self::key(8).id());
        let debug = format!("{key:?}");
        assert!(
            debug.contains(key.id()) && !debug.contains("7, 7"),
            "{debug}"
        );
    }

    #[test]
    fn unknown_modes_are_refused() {
        assert_eq!(mode_of(&object(json!({}))), Ok(Mode::Plain));
        assert!(mode_of(&object(json!({"chain": "md5"}))).is_err());
        assert!(mode_of(&object(json!({"chain": KEYED}))).is_err());
    }
}
