//! The committed check schema must match the Rust types `roster check --format json` prints.

use std::path::PathBuf;

#[test]
fn committed_check_schema_is_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/check.schema.json");
    let fresh = roster_service::check::check_schema_json();
    if std::env::var_os("ROSTER_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "schemas/check.schema.json is stale; regenerate it with:\n  \
         ROSTER_UPDATE_SCHEMA=1 cargo test -p roster-service --test service -- check_schema"
    );
}
