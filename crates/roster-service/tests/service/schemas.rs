//! The committed schemas must match the Rust types `roster check` and `roster drift` print
//! with `--format json`.

use std::path::PathBuf;

/// Compares `schemas/{file}` with `fresh`, or writes it when `ROSTER_UPDATE_SCHEMA` is set.
fn assert_fresh(file: &str, fresh: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas")
        .join(file);
    if std::env::var_os("ROSTER_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "schemas/{file} is stale; regenerate it with:\n  \
         ROSTER_UPDATE_SCHEMA=1 cargo test -p roster-service --test service -- schemas"
    );
}

#[test]
fn committed_check_schema_is_fresh() {
    assert_fresh(
        "check.schema.json",
        &roster_service::check::check_schema_json(),
    );
}

#[test]
fn committed_drift_schema_is_fresh() {
    assert_fresh(
        "drift.schema.json",
        &roster_service::drift::drift_schema_json(),
    );
}
