//! Integration tests of roster's workflows, driven through `roster-service` alone (as the
//! server will), against the embedded sandbox.

mod apply;
mod check_schema;
mod drift_schema;
mod offboard;
mod sessions;
mod support;
