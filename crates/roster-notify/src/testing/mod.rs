//! Servers for tests (feature `testing`): an SMTP server ([`SmtpServer`]) and a webhook
//! receiver ([`WebhookReceiver`]), both on `127.0.0.1` with a port of their own, recording
//! everything they accept so a test can assert what a channel really sent, and scriptable to
//! refuse or throttle.
//!
//! This crate's tests enable the feature through a dev-dependency on the crate itself (as
//! `roster-apply` does for its fake tenant); other crates' tests, the binary's end-to-end
//! tests among them, add `roster-notify = { workspace = true, features = ["testing"] }` to
//! their dev-dependencies. Release builds never carry these servers or their dependencies.

mod smtp;
mod webhook;

pub use smtp::{ReceivedMail, Refusal, SmtpOptions, SmtpServer};
pub use webhook::{ReceivedRequest, ScriptedResponse, WebhookReceiver};
