//! Endpoint tests of the sandbox: real HTTP (reqwest) against `Sandbox::start()`.

mod audits;
mod auth;
mod authz;
mod common;
mod control;
mod entitlements;
mod fidelity;
mod notifications;
mod queues;
mod realism;
mod rendering;
mod robustness;
mod routing;
mod teams;
mod users;
