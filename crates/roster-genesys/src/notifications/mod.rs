//! Notification channels, client side (REFERENCE §6.17, REFERENCE-events-entitlements §1.5):
//! hear about changes within seconds instead of re-reading the org.
//!
//! - [`Session::listen`]`(topics, `[`ListenerSettings`]`) -> `[`Listener`]: channels of at
//!   most 1,000 topics (at most 20), subscribed, connected and kept so; [`Listener::next`]
//!   yields [`ChannelEvent`]s; [`Listener::shutdown`] (or drop) stops it.
//! - [`queue_members_topic`] and [`audit_topic`] build the two topic names drift watches;
//!   [`QueueMemberEvent::from_event`] and [`crate::AuditRecord::from_topic_event`] read their
//!   events.
//!
//! The service keeps nothing for a socket that is not there: after a
//! [`ChannelEvent::Reconnected`] the consumer re-reads what it watches.
//!
//! [`Session::listen`]: crate::Session::listen

mod channel;
mod listener;
mod liveness;
mod topics;

pub use listener::{ChannelEvent, Listener, ListenerSettings};
pub use topics::{
    MAX_CHANNELS, MAX_TOPICS_PER_CHANNEL, QueueMemberEvent, QueueMemberUser, Topic, audit_topic,
    queue_members_topic,
};
