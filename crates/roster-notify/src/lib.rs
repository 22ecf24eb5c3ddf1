//! Telling people about changes (DESIGN §2.9): who hears about a plan or an announcement
//! ([`audience`]), what they read ([`template`]), when, in their own working hours
//! ([`window`]), and how it reaches them at most once ([`outbox`], [`dispatch`],
//! [`channel`]).
//!
//! The crate never talks to Genesys: audiences are computed from the models the service read
//! (the live org and the manifests), and everything it sends goes through the outbox, so a
//! re-run or a crash never sends a message twice.

#[cfg(feature = "delivery")]
pub mod ack;
pub mod announcement;
pub mod audience;
#[cfg(feature = "delivery")]
pub mod channel;
#[cfg(feature = "delivery")]
pub mod dispatch;
pub mod notice;
#[cfg(feature = "delivery")]
pub mod outbox;
pub mod smtp;
pub mod template;
#[cfg(feature = "testing")]
pub mod testing;
pub mod window;
pub mod zone;

pub use announcement::{Acknowledge, Announcement, Deliver, Selector};
pub use notice::{Envelope, Notice, Recipient, Tier, idempotency_key};
pub use window::{Window, WindowError};
pub use zone::{UnknownTimeZone, time_zone};
