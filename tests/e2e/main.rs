//! End-to-end tests: the real `roster` binary against fixtures and the in-process sandbox.

mod ci_recipes;
mod cli_surface;
mod command_lines;
mod convergence;
mod drift;
mod drift_watch;
mod entitlements;
mod errors;
mod example;
mod export;
mod missing_credentials;
mod notify;
mod offboard;
mod plan_apply;
mod properties;
mod readme;
mod safety;
mod sandbox_serve;
mod saved_plans;
mod serve;
mod support;
mod targets;
mod trust;
mod validate;
