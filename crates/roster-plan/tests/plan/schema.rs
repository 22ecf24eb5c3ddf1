//! The committed plan schema must match the Rust types.

use std::path::PathBuf;

#[test]
fn committed_schema_is_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/plan.schema.json");
    let fresh = roster_plan::plan_schema_json();
    if std::env::var_os("ROSTER_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "schemas/plan.schema.json is stale; regenerate it with:\n  \
         ROSTER_UPDATE_SCHEMA=1 cargo test -p roster-plan --test plan -- schema"
    );
}

#[test]
fn the_example_plan_validates_against_the_schema_shape() {
    // The schema names every top-level field a plan serializes.
    let schema = serde_json::to_value(roster_plan::plan_schema()).unwrap();
    let plan = &schema["$defs"]["Plan"]["properties"];
    for field in [
        "org",
        "digest",
        "changes",
        "steps",
        "warnings",
        "blocked",
        "fingerprints",
        "cost",
    ] {
        assert!(plan.get(field).is_some(), "schema lacks `{field}`");
    }
}
