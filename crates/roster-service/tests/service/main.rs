//! Integration tests of roster's workflows, driven through `roster-service` alone (as the
//! server will), against the embedded sandbox.

mod offboard;
mod sessions;
mod support;
