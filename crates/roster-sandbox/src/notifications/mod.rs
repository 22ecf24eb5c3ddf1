//! Notification channels (REFERENCE §6.17, REFERENCE-events-entitlements §1.5): channels an
//! OAuth client creates, their topic subscriptions, and the WebSocket each one is read from
//! ([`socket`]).
//!
//! Facts followed: a channel is `{connectUri, id, expires}` and lives 24 hours (sandbox
//! clock); subscribing again (POST or PUT) extends it by 24 hours from then; a channel holds
//! at most 1,000 topics (more → `400 notification.subscription.too.many.subscriptions`,
//! nothing changes); there are at most 20 channels per user and app (here: per OAuth client,
//! the sandbox's tokens have no user) and "creating a 21st channel will remove the channel
//! with oldest last used date. Channels without an active connection will be removed
//! first" (PY269) — the 21st is created, never refused; one WebSocket per channel, a second
//! connection kicks the first; no durability: an event for a channel with no open socket is
//! lost; no wildcards; the message envelope `{topicName, version: "2", eventBody,
//! metadata: {CorrelationId}}`; heartbeats `{"topicName": "channel.metadata", "eventBody":
//! {"message": "WebSocket Heartbeat"}}` every 30 s ([`DEFAULT_HEARTBEAT_MS`], a knob so
//! tests are fast); `v2.system.socket_closing` before the server closes a socket.
//!
//! UNCONFIRMED, modelled the harsher way and written down here:
//! - a topic that no topic of the SDK's catalogue (`topics.txt`) matches makes the whole
//!   subscribe request fail with `400 notification.invalid.topic`;
//! - an audit topic needs `audits:audit:view` (the Audit API's permission): a client without it
//!   gets `403 missing.permissions`, or with `ignoreErrors=true` the topic comes back
//!   `Rejected` with `missingPermissions` and is not subscribed;
//! - the `{entityType}` segment of an audit topic is matched exactly: `USER` is accepted but
//!   never delivers, only `User` does (the facts show `PascalCase` in real events);
//! - "last used" is the last create, subscription change or socket connection;
//! - an evicted or expired channel's socket is closed; the heartbeat tick is where a socket
//!   notices its channel expired;
//! - `{"message": "ping"}` from the client is answered with a `channel.metadata` event whose
//!   message is `pong` (the exact pong payload is UNCONFIRMED);
//! - `v2.system.socket_closing`'s body is `SystemMessageSystemMessage`-shaped
//!   (`{channelId, systemTopicType, reason, message}`), and the socket closes after a delay the
//!   control route gives (about a minute in the real service);
//! - a queue-membership removal is sent on `v2.routing.queues.{id}.users` with
//!   `joined: false`, like an unjoin: a consumer must re-read the queue to tell them apart;
//! - topic ids are not checked against the org (an unknown queue's topic is permitted and
//!   silent).

pub mod socket;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::clients::AUDIT_VIEW;
use crate::error::ApiError;
use crate::hub::{Hub, TokenEntry};

/// A channel's life without a new subscription: 24 hours.
pub const CHANNEL_LIFETIME_MS: u64 = 24 * 3_600_000;
/// Topics one channel may hold.
pub const MAX_TOPICS: usize = 1_000;
/// Channels one OAuth client may hold; creating one more evicts one.
pub const MAX_CHANNELS: usize = 20;
/// The real service's heartbeat period (about 30 s, C-HB).
pub const DEFAULT_HEARTBEAT_MS: u64 = 30_000;
/// How many messages wait for a slow socket before further ones are dropped (the real service
/// queues nothing for a reader that is not there, §1.5).
const SOCKET_BUFFER: usize = 1_024;

/// What a socket's task is told to do.
#[derive(Debug)]
pub enum Outgoing {
    /// Send this text frame.
    Text(String),
    /// Close the socket.
    Close,
}

#[derive(Debug)]
struct Socket {
    generation: u64,
    sender: mpsc::Sender<Outgoing>,
}

#[derive(Debug)]
struct Channel {
    org: String,
    client_id: String,
    token_id: uuid::Uuid,
    connect_uri: String,
    expires_ms: u64,
    expires: String,
    last_used_ms: u64,
    created: u64,
    topics: Vec<String>,
    socket: Option<Socket>,
}

impl Channel {
    fn json(&self, id: &str) -> Value {
        json!({ "connectUri": self.connect_uri, "id": id, "expires": self.expires })
    }

    fn close(&mut self) {
        if let Some(socket) = self.socket.take() {
            let _ = socket.sender.try_send(Outgoing::Close);
        }
    }
}

/// Every channel of the sandbox, by id.
#[derive(Debug)]
pub struct Channels {
    open: Mutex<BTreeMap<String, Channel>>,
    heartbeat_ms: AtomicU64,
    sequence: AtomicU64,
    /// Per org, the clock time until which its sockets cannot be opened (an outage).
    outages: Mutex<BTreeMap<String, u64>>,
}

impl Default for Channels {
    fn default() -> Self {
        Self {
            open: Mutex::new(BTreeMap::new()),
            heartbeat_ms: AtomicU64::new(DEFAULT_HEARTBEAT_MS),
            sequence: AtomicU64::new(0),
            outages: Mutex::new(BTreeMap::new()),
        }
    }
}

/// The message envelope of an event.
pub fn envelope(topic: &str, body: &Value) -> String {
    json!({
        "topicName": topic,
        "version": "2",
        "eventBody": body,
        "metadata": { "CorrelationId": uuid::Uuid::new_v4() },
    })
    .to_string()
}

/// A heartbeat frame.
pub fn heartbeat() -> String {
    json!({ "topicName": "channel.metadata", "eventBody": { "message": "WebSocket Heartbeat" } })
        .to_string()
}

/// The topic patterns of the catalogue, split at dots.
fn patterns() -> &'static [Vec<&'static str>] {
    static PATTERNS: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        include_str!("topics.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| line.split('.').collect())
            .collect()
    })
}

/// Whether a topic is one the service serves (`{id}` matches one non-empty segment).
pub fn is_known_topic(topic: &str) -> bool {
    let segments: Vec<&str> = topic.split('.').collect();
    patterns().iter().any(|pattern| {
        pattern.len() == segments.len()
            && pattern.iter().zip(&segments).all(|(want, got)| {
                if *want == "{id}" {
                    !got.is_empty()
                        && got
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                } else {
                    want == got
                }
            })
    })
}

/// The permission a topic needs beyond a valid token, if any.
fn permission_of(topic: &str) -> Option<&'static str> {
    topic.starts_with("v2.audits.").then_some(AUDIT_VIEW)
}

fn expires_text(hub: &Hub, lifetime_ms: u64) -> String {
    let now = OffsetDateTime::parse(
        &hub.clock.timestamp(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or_else(|_| OffsetDateTime::now_utc());
    crate::clock::format_timestamp(now + std::time::Duration::from_millis(lifetime_ms))
}

impl Channels {
    /// The heartbeat period of sockets opened from now on.
    pub fn heartbeat_ms(&self) -> u64 {
        self.heartbeat_ms.load(Ordering::Relaxed)
    }

    /// Changes the heartbeat period of sockets opened from now on.
    pub fn set_heartbeat_ms(&self, period: u64) {
        self.heartbeat_ms.store(period.max(1), Ordering::Relaxed);
    }

    /// Forgets expired channels, closing their sockets.
    fn purge(channels: &mut BTreeMap<String, Channel>, now_ms: u64) {
        channels.retain(|_, channel| {
            let alive = channel.expires_ms > now_ms;
            if !alive {
                channel.close();
            }
            alive
        });
    }

    /// `POST /api/v2/notifications/channels`: a new channel for the token's client, whose
    /// socket is served at `ws://{host}/channels/{id}`.
    pub fn create(&self, hub: &Hub, token: &TokenEntry, host: &str) -> Value {
        let now = hub.clock.now_ms();
        let mut channels = self.open.lock();
        Self::purge(&mut channels, now);
        loop {
            let owned: Vec<(&String, &Channel)> = channels
                .iter()
                .filter(|(_, channel)| {
                    channel.org == token.org.name && channel.client_id == token.client_id
                })
                .collect();
            if owned.len() < MAX_CHANNELS {
                break;
            }
            let victim = owned
                .iter()
                .min_by_key(|(_, channel)| {
                    (
                        channel.socket.is_some(),
                        channel.last_used_ms,
                        channel.created,
                    )
                })
                .map(|(id, _)| (*id).clone());
            if let Some(mut evicted) = victim.and_then(|id| channels.remove(&id)) {
                evicted.close();
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let channel = Channel {
            org: token.org.name.clone(),
            client_id: token.client_id.clone(),
            token_id: token.id,
            connect_uri: format!("ws://{host}/channels/{id}"),
            expires_ms: now + CHANNEL_LIFETIME_MS,
            expires: expires_text(hub, CHANNEL_LIFETIME_MS),
            last_used_ms: now,
            created: self.sequence.fetch_add(1, Ordering::Relaxed),
            topics: Vec::new(),
            socket: None,
        };
        let answer = channel.json(&id);
        channels.insert(id, channel);
        answer
    }

    /// `GET /api/v2/notifications/channels`: the token's channels (`token`), or all of its
    /// client's, other tokens' shown without their id (`oauthclient`).
    pub fn list(&self, hub: &Hub, token: &TokenEntry, all_of_client: bool) -> Vec<Value> {
        let mut channels = self.open.lock();
        Self::purge(&mut channels, hub.clock.now_ms());
        channels
            .iter()
            .filter(|(_, channel)| {
                channel.org == token.org.name && channel.client_id == token.client_id
            })
            .filter(|(_, channel)| all_of_client || channel.token_id == token.id)
            .map(|(id, channel)| {
                if channel.token_id == token.id {
                    channel.json(id)
                } else {
                    json!({ "expires": channel.expires })
                }
            })
            .collect()
    }

    /// Whether a channel of the org exists and has not expired.
    pub fn alive(&self, now_ms: u64, org: Option<&str>, id: &str) -> bool {
        let mut channels = self.open.lock();
        Self::purge(&mut channels, now_ms);
        channels
            .get(id)
            .is_some_and(|channel| org.is_none_or(|org| channel.org == org))
    }

    fn with_channel<R>(
        &self,
        now_ms: u64,
        org: &str,
        id: &str,
        f: impl FnOnce(&mut Channel) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let mut channels = self.open.lock();
        Self::purge(&mut channels, now_ms);
        match channels.get_mut(id).filter(|channel| channel.org == org) {
            Some(channel) => f(channel),
            None => Err(ApiError::not_found("channel", id)),
        }
    }

    /// `GET …/subscriptions`.
    pub fn subscriptions(&self, now_ms: u64, org: &str, id: &str) -> Result<Vec<Value>, ApiError> {
        self.with_channel(now_ms, org, id, |channel| {
            Ok(channel
                .topics
                .iter()
                .map(|topic| permitted(topic))
                .collect())
        })
    }

    /// `POST` (append) or `PUT` (replace) `…/subscriptions`: the channel's topics after the
    /// change, then the topics refused with `ignoreErrors`.
    pub fn subscribe(
        &self,
        hub: &Hub,
        token: &TokenEntry,
        id: &str,
        topics: &[String],
        replace: bool,
        ignore_errors: bool,
    ) -> Result<Vec<Value>, ApiError> {
        let mut accepted = Vec::new();
        let mut rejected = Vec::new();
        for topic in topics {
            if !is_known_topic(topic) {
                let mut error = ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "notification.invalid.topic",
                    format!("Invalid topic: {topic}"),
                );
                error.details.push(crate::error::Detail {
                    error_code: Some("notification.invalid.topic".into()),
                    field_name: Some("id".into()),
                    entity_id: Some(topic.clone()),
                });
                return Err(error);
            }
            match permission_of(topic) {
                Some(permission) if !hub.clients.permits(&token.client_id, permission) => {
                    if !ignore_errors {
                        return Err(ApiError::missing_permissions(&[permission]));
                    }
                    rejected.push(json!({
                        "id": topic,
                        "state": "Rejected",
                        "rejectionReason": "Missing permissions",
                        "missingPermissions": [permission],
                    }));
                }
                _ => accepted.push(topic.clone()),
            }
        }
        let now = hub.clock.now_ms();
        let expires = expires_text(hub, CHANNEL_LIFETIME_MS);
        self.with_channel(now, &token.org.name, id, |channel| {
            let mut next = if replace {
                Vec::new()
            } else {
                channel.topics.clone()
            };
            for topic in accepted {
                if !next.contains(&topic) {
                    next.push(topic);
                }
            }
            if next.len() > MAX_TOPICS {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "notification.subscription.too.many.subscriptions",
                    format!(
                        "A channel may have at most {MAX_TOPICS} subscriptions; this request would leave {}.",
                        next.len()
                    ),
                ));
            }
            channel.topics = next;
            channel.expires_ms = now + CHANNEL_LIFETIME_MS;
            channel.expires = expires;
            channel.last_used_ms = now;
            let mut listed: Vec<Value> = channel.topics.iter().map(|topic| permitted(topic)).collect();
            listed.extend(rejected);
            Ok(listed)
        })
    }

    /// `DELETE …/subscriptions`.
    pub fn unsubscribe_all(&self, now_ms: u64, org: &str, id: &str) -> Result<(), ApiError> {
        self.with_channel(now_ms, org, id, |channel| {
            channel.topics.clear();
            channel.last_used_ms = now_ms;
            Ok(())
        })
    }

    /// Whether the socket of channel `id` may not be opened now: its org is in an outage
    /// ([`Channels::drop_sockets`]).
    pub fn refused(&self, now_ms: u64, id: &str) -> bool {
        let Some(org) = self.open.lock().get(id).map(|channel| channel.org.clone()) else {
            return false;
        };
        self.outages
            .lock()
            .get(&org)
            .is_some_and(|until| now_ms < *until)
    }

    /// Opens the channel's socket (kicking the one open before): its generation and where its
    /// messages arrive. `None` if the channel is gone.
    pub fn connect(&self, now_ms: u64, id: &str) -> Option<(u64, mpsc::Receiver<Outgoing>)> {
        let mut channels = self.open.lock();
        Self::purge(&mut channels, now_ms);
        let channel = channels.get_mut(id)?;
        channel.close();
        let (sender, receiver) = mpsc::channel(SOCKET_BUFFER);
        let generation = self.sequence.fetch_add(1, Ordering::Relaxed);
        channel.socket = Some(Socket { generation, sender });
        channel.last_used_ms = now_ms;
        Some((generation, receiver))
    }

    /// Forgets a socket that ended (unless a newer one replaced it).
    pub fn disconnect(&self, id: &str, generation: u64) {
        if let Some(channel) = self.open.lock().get_mut(id)
            && channel
                .socket
                .as_ref()
                .is_some_and(|socket| socket.generation == generation)
        {
            channel.socket = None;
        }
    }

    /// Sends an event to every open socket of the org's channels subscribed to `topic`.
    pub fn publish(&self, now_ms: u64, org: &str, topic: &str, body: &Value) {
        let mut channels = self.open.lock();
        Self::purge(&mut channels, now_ms);
        let mut text = None;
        for channel in channels.values() {
            if channel.org != org || !channel.topics.iter().any(|subscribed| subscribed == topic) {
                continue;
            }
            if let Some(socket) = &channel.socket {
                let text = text.get_or_insert_with(|| envelope(topic, body));
                let _ = socket.sender.try_send(Outgoing::Text(text.clone()));
            }
        }
    }

    /// Closes every open socket of the org's channels (the channels stay), and refuses to
    /// open the org's sockets until the clock reads `refuse_until_ms` (an outage, during
    /// which events are lost): how many were closed.
    pub fn drop_sockets(&self, org: &str, refuse_until_ms: u64) -> usize {
        self.outages.lock().insert(org.to_owned(), refuse_until_ms);
        let mut channels = self.open.lock();
        let mut dropped = 0;
        for channel in channels.values_mut().filter(|channel| channel.org == org) {
            if channel.socket.is_some() {
                channel.close();
                dropped += 1;
            }
        }
        dropped
    }

    /// Sends `v2.system.socket_closing` on every open socket of the org's channels; answers
    /// the channels and socket generations told, for closing them later.
    pub fn announce_closing(&self, org: &str) -> Vec<(String, u64)> {
        let channels = self.open.lock();
        let mut told = Vec::new();
        for (id, channel) in channels.iter().filter(|(_, channel)| channel.org == org) {
            if let Some(socket) = &channel.socket {
                let body = json!({
                    "channelId": id,
                    "systemTopicType": "socket_closing",
                    "reason": "maintenance",
                    "message": "The WebSocket is closing; reconnect with a new connection.",
                });
                let _ = socket
                    .sender
                    .try_send(Outgoing::Text(envelope("v2.system.socket_closing", &body)));
                told.push((id.clone(), socket.generation));
            }
        }
        told
    }

    /// Closes these sockets if they are still the open ones.
    pub fn close_sockets(&self, sockets: &[(String, u64)]) {
        let mut channels = self.open.lock();
        for (id, generation) in sockets {
            if let Some(channel) = channels.get_mut(id)
                && channel
                    .socket
                    .as_ref()
                    .is_some_and(|socket| socket.generation == *generation)
            {
                channel.close();
            }
        }
    }
}

fn permitted(topic: &str) -> Value {
    json!({ "id": topic, "state": "Permitted" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_match_the_catalogue_segment_by_segment() {
        let queue = "v2.routing.queues.5f0ba1a6-3c4e-4f8a-9d7e-2b1c0a9e8d7f.users";
        assert!(is_known_topic(queue));
        assert!(is_known_topic("v2.audits.entitytype.User.entityid.42"));
        assert!(!is_known_topic("v2.routing.queues.*.users"));
        assert!(!is_known_topic("v2.routing.queues..users"));
        assert!(!is_known_topic("v2.users.updates"));
    }
}
