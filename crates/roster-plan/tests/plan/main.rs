//! roster-plan's integration tests: planning rules, renderings of a realistic example, the
//! committed schema, and the property that a clean apply re-plans to zero.

mod bench_like;
mod entitlements;
mod example;
mod fixtures;
mod inherited;
mod limits;
mod members;
mod output;
mod property;
mod rules;
mod schema;
mod targets;
