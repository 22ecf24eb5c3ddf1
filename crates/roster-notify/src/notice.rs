//! The values every part of the crate passes around: a recipient, a notice on its way to the
//! outbox, and the envelope a channel delivers.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The group a recipient belongs to in an audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Tier {
    /// Users whose routing changes (or who match an announcement's selector).
    Agents,
    /// The managers of those users: one digest each, listing their people.
    Supervisors,
    /// Holders of the roles `notify.admins` names.
    Admins,
}

impl Tier {
    /// The name manifests and output use.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Agents => "agents",
            Tier::Supervisors => "supervisors",
            Tier::Admins => "admins",
        }
    }
}

/// One person a message goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    /// The user's email: their identity in roster and, for the email channel, their address.
    pub email: String,
    /// The user's display name.
    pub name: String,
    /// The IANA time zone their working hours are in (user, else team, else org).
    pub timezone: String,
}

/// A message for one recipient through one channel, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// The org whose change or announcement it is: its journal records the delivery.
    pub org: String,
    /// What the message is about, the same on every run that means the same message:
    /// `apply:<run id>` for change notices, `announcement:<name>` for announcements,
    /// `escalation:<original key>` for acknowledgement escalations. Part of the
    /// idempotency key.
    pub message: String,
    /// Who it goes to.
    pub recipient: Recipient,
    /// Why they get it.
    pub tier: Tier,
    /// The channel's name under `notify.channels`.
    pub channel: String,
    /// Subject line (email) or title (chat).
    pub subject: String,
    /// The rendered body (plain text with light Markdown).
    pub body: String,
    /// Not sent before this instant (an announcement's `deliver.after`, or the apply's time).
    pub not_before: Timestamp,
    /// Only sent while the recipient's local time is inside this window (`"09:00-17:00"`);
    /// `None` sends at any hour.
    pub window: Option<String>,
    /// With `acknowledge`: how long the recipient has to acknowledge, in seconds, before
    /// their supervisors are told.
    pub acknowledge_within_secs: Option<i64>,
}

impl Notice {
    /// The key that makes this (message, recipient, channel) unique in the outbox.
    pub fn key(&self) -> String {
        idempotency_key(&self.message, &self.recipient.email, &self.channel)
    }
}

/// The idempotency key of one (message, recipient, channel): a SHA-256 over the three,
/// hex-encoded. The recipient's email is compared case-insensitively.
pub fn idempotency_key(message: &str, recipient: &str, channel: &str) -> String {
    let mut hash = Sha256::new();
    for part in [message, &recipient.to_lowercase(), channel] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

/// What a channel is handed to deliver one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// The outbox row's idempotency key (a webhook sends it as `Idempotency-Key`, the file
    /// channel names the file after it, email puts it in `Message-ID`).
    pub key: String,
    /// Who it goes to.
    pub recipient: Recipient,
    /// Subject line or title.
    pub subject: String,
    /// The body (the dispatcher appends the acknowledgement link when one is asked for).
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_differs_per_message_recipient_and_channel_and_ignores_email_case() {
        let key = idempotency_key("apply:1", "ana@example.com", "email");
        assert_eq!(key, idempotency_key("apply:1", "Ana@Example.com", "email"));
        assert_ne!(key, idempotency_key("apply:2", "ana@example.com", "email"));
        assert_ne!(key, idempotency_key("apply:1", "bo@example.com", "email"));
        assert_ne!(key, idempotency_key("apply:1", "ana@example.com", "outbox"));
        // The separator keeps "a"+"bc" and "ab"+"c" apart.
        assert_ne!(
            idempotency_key("a", "bc", "email"),
            idempotency_key("ab", "c", "email")
        );
    }
}
