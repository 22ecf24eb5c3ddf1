//! The JSON Schema of manifest files, generated from the manifest types.

use schemars::JsonSchema;
use serde::Serialize;

use crate::manifest::{ResourceFile, RosterFile};

/// Either kind of manifest file: the schema's root accepts `roster.yaml` or a resource file.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(
    title = "roster manifest",
    description = "A roster manifest: `roster.yaml` (orgs and policy) or a resource file (skills, languages, wrapupCodes, queues, teams, routingProfiles, users)."
)]
#[allow(dead_code)] // only its schema is used
#[allow(clippy::large_enum_variant)] // never built: only its schema is used
enum ManifestFile {
    /// `roster.yaml`.
    Roster(RosterFile),
    /// A resource file.
    Resources(ResourceFile),
}

/// The JSON Schema for `roster.yaml` and resource files, pretty-printed with a trailing
/// newline: what `roster schema` prints and `schemas/roster.schema.json` holds.
pub fn json_schema_string() -> String {
    let schema = schemars::schema_for!(ManifestFile);
    let mut value = schema.to_value();
    drop_null(&mut value);
    let mut text = serde_json::to_string_pretty(&value)
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// Removes the `null` schemars offers for `Option` fields: the decoder rejects `key: ~`
/// (omit the key instead), so editors must not suggest it.
fn drop_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(options)) = map.get_mut("anyOf") {
                options.retain(|o| o.get("type").is_none_or(|t| t != "null"));
                if options.len() == 1 {
                    let only = options.remove(0);
                    map.remove("anyOf");
                    if let Value::Object(inner) = only {
                        for (key, value) in inner {
                            map.entry(key).or_insert(value);
                        }
                    }
                }
            }
            map.values_mut().for_each(drop_null);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::json_schema_string;
    use crate::decode::KEY_SETS;

    /// The decoder lists the keys it accepts by hand; they must be exactly the schema's.
    #[test]
    fn decoder_accepts_exactly_the_schema_keys() {
        let schema: serde_json::Value = serde_json::from_str(&json_schema_string()).unwrap();
        for (name, keys) in KEY_SETS {
            let properties = schema["$defs"][name]["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("no properties for {name}"));
            let in_schema: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
            let in_decoder: BTreeSet<&str> = keys.iter().copied().collect();
            assert_eq!(in_schema, in_decoder, "keys of {name}");
        }
    }

    /// `schemas/roster.schema.json` is generated; this fails when it is stale.
    #[test]
    fn committed_schema_is_fresh() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/roster.schema.json"
        );
        let fresh = json_schema_string();
        if std::env::var_os("ROSTER_BLESS").is_some() {
            std::fs::write(path, &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == fresh,
            "schemas/roster.schema.json is stale; regenerate it with\n\n    cargo run -- schema > schemas/roster.schema.json\n\nor `ROSTER_BLESS=1 cargo test -p roster-manifest`"
        );
    }
}
