//! `roster serve`: the long-running process of a deployment (DESIGN §2.8). It takes HR
//! events through signed webhooks into a durable queue and processes each exactly once
//! through the same workflows as the CLI, lets git follow on a branch, runs drift checks on a
//! schedule, and says how it is doing (`/healthz`, `/readyz`, `/metrics`, `/events`).

pub mod follow;
pub mod hooks;
pub mod metrics;
pub mod queue;
