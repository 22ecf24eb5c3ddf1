//! Integration tests of roster's workflows, driven through `roster-service` alone (as the
//! server will), against the embedded sandbox.

mod apply;
mod offboard;
mod schemas;
mod sessions;
mod support;
