//! The channels against real servers on 127.0.0.1: email through the `mailin` SMTP server,
//! webhooks through the axum receiver, files in a temporary folder.

mod email;
mod file;
mod webhook;

use roster_notify::{Envelope, Recipient, idempotency_key};

/// An envelope for `email`, keyed as the outbox would key it.
fn envelope(email: &str, name: &str) -> Envelope {
    Envelope {
        key: idempotency_key("apply:run-1", email, "test"),
        recipient: Recipient {
            email: email.to_owned(),
            name: name.to_owned(),
            timezone: "Europe/Madrid".to_owned(),
        },
        subject: "Your routing changes on Monday".to_owned(),
        body: "Hola Ana,\n\nFrom Monday you also answer the Billing queue (skill: billing).\n"
            .to_owned(),
    }
}
