//! The channels a notice can travel through (`notify.channels` in `roster.yaml`): email over
//! SMTP ([`email`]), a chat or HTTP webhook ([`webhook`]) and a folder of files ([`file`]).
//!
//! Each channel delivers one [`Envelope`](crate::Envelope) and says what happened as a
//! [`Delivery`]; it never retries, waits or keeps state about earlier attempts: retries,
//! throttling, the circuit breaker and the journal belong to the dispatcher, which decides from
//! the [`Delivery`] alone.

pub mod email;
pub mod file;
pub mod webhook;

use std::time::Duration;

pub use email::{EmailChannel, EmailConfig, EmailConfigError, SmtpCredentials, SmtpUrl};
pub use file::FileChannel;
pub use webhook::{WebhookChannel, WebhookConfig, WebhookConfigError, WebhookFlavor};

/// What became of one attempt to deliver an envelope.
///
/// Defined here for now; it moves next to the dispatcher's `Deliver` trait when the two are
/// joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The channel accepted the message (or had already accepted it: the file channel).
    Sent,
    /// It failed for a reason that may pass: try again later, not before `retry_after` when
    /// the receiver said how long to wait.
    Transient {
        /// What went wrong, with the server's own code and text when it gave them.
        reason: String,
        /// The receiver's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The receiver refused the message for good: sending it again cannot help.
    Permanent {
        /// What went wrong, with the server's own code and text.
        reason: String,
    },
    /// The recipient has no address this channel can deliver to.
    Undeliverable {
        /// Why the address cannot be used.
        reason: String,
    },
}

impl Delivery {
    /// A transient failure without a hint of when to try again.
    pub fn transient(reason: impl Into<String>) -> Self {
        Delivery::Transient {
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// A permanent failure.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Delivery::Permanent {
            reason: reason.into(),
        }
    }
}

/// An error and its causes on one line (`outer: cause: root cause`), for a delivery's reason:
/// HTTP and SMTP libraries keep the useful part (connection refused, timed out) in the causes.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
