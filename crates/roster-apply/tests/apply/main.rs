//! Integration tests of roster-apply: the scheduler's guarantees against an in-memory tenant,
//! and the journal's shape, chain and tamper detection.

mod engine;
mod fake;
mod journal;
mod properties;
mod trust;
