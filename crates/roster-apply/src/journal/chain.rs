//! The hash chain: how a journal line's hash is computed from its content.
//!
//! A line's `hash` is the SHA-256 (lower-case hex) of the line's canonical form without its
//! `hash` field: object keys sorted, no insignificant whitespace, strings and numbers as
//! `serde_json` writes them. Hashing the parsed value rather than the raw bytes means a tool
//! that re-indents or reorders keys does not break the chain, while any change of a value does.
//! The line carries `prev`, the hash of the line before it (or [`GENESIS`] for the first), so
//! deleting, inserting or reordering lines is detectable too.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev` of a journal's first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of `line`, ignoring any `hash` field it has.
pub(crate) fn hash_of(line: &Map<String, Value>) -> String {
    let mut canonical = Vec::with_capacity(512);
    write_object(&mut canonical, line, Some("hash"));
    hex::encode(Sha256::digest(&canonical))
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
}
