//! The JSON Schema of plans (`schemas/plan.schema.json`), generated from the Rust types so
//! it cannot drift from what `render_json` writes.

use crate::types::PlanSet;

/// The JSON Schema of a rendered (or saved) plan set.
pub fn plan_schema() -> schemars::Schema {
    schemars::schema_for!(PlanSet)
}

/// [`plan_schema`] as the pretty JSON committed under `schemas/plan.schema.json`.
pub fn plan_schema_json() -> String {
    let mut json = serde_json::to_string_pretty(&plan_schema()).expect("a schema is plain JSON");
    json.push('\n');
    json
}
