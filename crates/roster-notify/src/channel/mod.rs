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

pub use email::{EmailChannel, EmailConfig, EmailConfigError, SmtpCredentials};
pub use file::FileChannel;
pub use webhook::{WebhookChannel, WebhookConfig, WebhookConfigError, WebhookFlavor};

use crate::Envelope;
use crate::dispatch::Deliver;
pub use crate::dispatch::Delivery;

impl Deliver for EmailChannel {
    async fn deliver(&self, envelope: &Envelope) -> Delivery {
        EmailChannel::deliver(self, envelope).await
    }
}

impl Deliver for WebhookChannel {
    async fn deliver(&self, envelope: &Envelope) -> Delivery {
        WebhookChannel::deliver(self, envelope).await
    }
}

impl Deliver for FileChannel {
    async fn deliver(&self, envelope: &Envelope) -> Delivery {
        FileChannel::deliver(self, envelope).await
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
