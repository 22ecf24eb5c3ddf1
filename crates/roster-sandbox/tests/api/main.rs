//! Endpoint tests of the sandbox: real HTTP (reqwest) against `Sandbox::start()`.

mod auth;
mod authz;
mod common;
mod control;
mod fidelity;
mod queues;
mod realism;
mod rendering;
mod robustness;
mod routing;
mod teams;
mod users;
