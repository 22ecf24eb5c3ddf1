//! End-to-end tests: the real `roster` binary against fixtures and the in-process sandbox.

mod convergence;
mod errors;
mod example;
mod export;
mod offboard;
mod plan_apply;
mod properties;
mod sandbox_serve;
mod support;
mod validate;
