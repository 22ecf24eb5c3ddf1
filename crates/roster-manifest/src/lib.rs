//! roster-manifest: the manifest language (placeholder until the loader lands).

/// The JSON Schema of manifest files.
pub fn json_schema_string() -> String {
    String::new()
}
