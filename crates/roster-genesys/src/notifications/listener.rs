//! [`Listener`]: events of a list of topics, over as many channels as they need, kept
//! connected.
//!
//! # Flow
//!
//! [`Session::listen`] splits the topics into batches of at most 1,000, and for each batch
//! creates a channel, subscribes it, connects its WebSocket and hands it to a task of its
//! own. It returns once every socket is open, so an event of a change made after it returns
//! is delivered. Each task reads its socket and forwards events as
//! [`ChannelEvent::Notification`]; heartbeats and pongs only prove the socket alive. After
//! [`ListenerSettings::ping_after`] of silence it sends `{"message":"ping"}`; after
//! [`ListenerSettings::silence_limit`] it gives the socket up. When the socket is lost (the
//! server closed it, a network error, silence, `v2.system.socket_closing` or another system
//! message, channel expiry), the task waits a jittered backoff, creates a new channel,
//! subscribes it, connects, and emits [`ChannelEvent::Reconnected`]. It renews the channel's
//! subscription [`ListenerSettings::renew_before`] its expiry, which extends it 24 hours.
//!
//! # Guarantees
//!
//! - Each rejected topic is reported once ([`ChannelEvent::TopicRejected`]) and never asked
//!   for again: not retried in a loop, not re-subscribed after a reconnect.
//! - A reconnect is always announced by a `Reconnected`, after the new socket is open: events
//!   between the loss and that moment may be missed (the service queues nothing), so the
//!   consumer re-reads what it watches.
//! - Reconnects back off (full jitter, [`ListenerSettings::backoff`]), and the backoff only
//!   starts again from its base after a connection lasted [`ListenerSettings::stable_after`],
//!   so a server that drops every socket at once is not hammered.
//! - [`Listener::shutdown`] (or dropping the listener) ends every task; `shutdown` closes the
//!   sockets politely and waits for the tasks.
//!
//! # Assumptions
//!
//! - A channel's id is all a WebSocket needs (no token), as the API's `connectUri` says.
//! - The consumer reads events: they queue without bound until it does (a slow consumer must
//!   not make the socket look dead).
//!
//! # Caveats
//!
//! - A lost channel is replaced, never reused: an expired or evicted one cannot be, and one
//!   more `POST` per reconnect is cheap. The old channel expires on its own; the service
//!   evicts unconnected channels first when the client holds 20.
//! - Reconnection never gives up; a consumer that wants a bound watches the time since the
//!   last `Reconnected` or event.
//!
//! # Errors
//!
//! [`Session::listen`] fails when the first setup fails (a request, the WebSocket, or more
//! topics than 20 channels hold). Failures after that are logged (`warn`, target
//! `roster_genesys::notifications`) and retried.

use std::collections::HashSet;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::channel::{self, OpenChannel, Rejection};
use super::liveness::{Check, Liveness};
use super::topics::{MAX_CHANNELS, MAX_TOPICS_PER_CHANNEL};
use crate::error::GenesysError;
use crate::retry::Backoff;
use crate::session::Session;

/// The log target of the listener.
const LOG: &str = "roster_genesys::notifications";

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a [`Listener`] delivers.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelEvent {
    /// An event of a subscribed topic.
    Notification {
        /// The topic (`v2.routing.queues.{id}.users`).
        topic: String,
        /// The event's `eventBody`.
        body: Value,
    },
    /// A channel was lost and is listening again: events may have been missed meanwhile.
    Reconnected {
        /// Why the channel was lost.
        reason: String,
    },
    /// The API refused a topic; it is not listened to (reported once).
    TopicRejected {
        /// The topic.
        topic: String,
        /// The API's reason.
        reason: String,
    },
}

/// How a [`Listener`] keeps its sockets alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerSettings {
    /// Silence after which the client pings (heartbeats come about every 30 s).
    pub ping_after: Duration,
    /// Silence after which the socket is given up and replaced.
    pub silence_limit: Duration,
    /// Waits before reconnecting.
    pub backoff: Backoff,
    /// How long a connection must have lasted for the backoff to start again from its base.
    pub stable_after: Duration,
    /// How long opening a WebSocket may take.
    pub connect_timeout: Duration,
    /// How long before a channel's expiry its subscription is renewed.
    pub renew_before: Duration,
}

impl Default for ListenerSettings {
    fn default() -> Self {
        ListenerSettings {
            ping_after: Duration::from_secs(45),
            silence_limit: Duration::from_secs(90),
            backoff: Backoff {
                base: Duration::from_secs(1),
                cap: Duration::from_mins(1),
            },
            stable_after: Duration::from_mins(1),
            connect_timeout: Duration::from_secs(10),
            renew_before: Duration::from_hours(1),
        }
    }
}

/// Events of a set of topics, kept connected by background tasks (see the module docs).
#[derive(Debug)]
pub struct Listener {
    events: mpsc::UnboundedReceiver<ChannelEvent>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    channels: usize,
}

impl Listener {
    /// The next event; `None` once no channel is left (every topic was rejected) and every
    /// event was read.
    pub async fn next(&mut self) -> Option<ChannelEvent> {
        self.events.recv().await
    }

    /// How many channels were opened for the topics.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Stops every task, closing its socket, and waits for them to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

impl Session {
    /// Listens to `topics` (duplicates ignored) on channels of at most 1,000 topics each; see
    /// [`Listener`]'s module docs for the flow and guarantees. Its requests count in this
    /// session.
    ///
    /// # Errors
    ///
    /// [`GenesysError::TooManyTopics`] beyond 20 channels' worth; the first failed request;
    /// [`GenesysError::WebSocket`] when a socket cannot be opened.
    pub async fn listen(
        &self,
        topics: Vec<String>,
        settings: ListenerSettings,
    ) -> Result<Listener, GenesysError> {
        let mut seen = HashSet::new();
        let topics: Vec<String> = topics
            .into_iter()
            .filter(|topic| seen.insert(topic.clone()))
            .collect();
        let max = MAX_TOPICS_PER_CHANNEL * MAX_CHANNELS;
        if topics.len() > max {
            return Err(GenesysError::TooManyTopics {
                org: self.client().org().to_owned(),
                topics: topics.len(),
                max,
            });
        }
        let (events, receiver) = mpsc::unbounded_channel();
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut channels = 0;
        for batch in topics.chunks(MAX_TOPICS_PER_CHANNEL) {
            let mut task = ChannelTask {
                session: self.clone(),
                topics: batch.to_vec(),
                settings,
                events: events.clone(),
                stop: stopped.clone(),
            };
            channels += 1;
            if let Some(connection) = task.open().await? {
                tasks.spawn(task.run(connection));
            }
        }
        Ok(Listener {
            events: receiver,
            stop,
            tasks,
            channels,
        })
    }
}

/// An open channel and its socket.
struct Connection {
    channel: OpenChannel,
    socket: Socket,
    renew_at: Option<Instant>,
}

/// Why a socket was left.
enum Ended {
    /// The listener stopped.
    Stopped,
    /// The socket was lost.
    Lost(String),
}

/// One channel's task: its topics (rejected ones removed) and where events go.
struct ChannelTask {
    session: Session,
    topics: Vec<String>,
    settings: ListenerSettings,
    events: mpsc::UnboundedSender<ChannelEvent>,
    stop: watch::Receiver<bool>,
}

/// How long until `at`, from the wall clock, as a tokio instant.
fn instant_of(at: OffsetDateTime) -> Instant {
    let left = at - OffsetDateTime::now_utc();
    Instant::now() + Duration::try_from(left).unwrap_or(Duration::ZERO)
}

/// Scheme, host and port of a URI, for messages (the path is the channel id).
fn host_of(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(url) => format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port()
                .map(|port| format!(":{port}"))
                .unwrap_or_default()
        ),
        Err(_) => "an unreadable connectUri".to_owned(),
    }
}

impl ChannelTask {
    fn org(&self) -> &str {
        self.session.client().org()
    }

    /// Reports rejected topics and forgets them.
    fn reject(&mut self, rejected: Vec<Rejection>) {
        for rejection in rejected {
            self.topics.retain(|topic| *topic != rejection.topic);
            let _ = self.events.send(ChannelEvent::TopicRejected {
                topic: rejection.topic,
                reason: rejection.reason,
            });
        }
    }

    /// Creates a channel for the task's topics, subscribes and connects it; `None` when no
    /// topic is left to listen to.
    async fn open(&mut self) -> Result<Option<Connection>, GenesysError> {
        if self.topics.is_empty() {
            return Ok(None);
        }
        let channel = channel::create(&self.session).await?;
        let subscribed = channel::subscribe(&self.session, &channel.id, &self.topics).await?;
        self.reject(subscribed.rejected);
        if self.topics.is_empty() {
            return Ok(None);
        }
        let connected = tokio::time::timeout(
            self.settings.connect_timeout,
            tokio_tungstenite::connect_async(channel.connect_uri.as_str()),
        )
        .await
        .unwrap_or_else(|_| {
            Err(tokio_tungstenite::tungstenite::Error::Io(
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the WebSocket handshake timed out",
                ),
            ))
        });
        let socket = match connected {
            Ok((socket, _)) => socket,
            Err(source) => {
                return Err(GenesysError::WebSocket {
                    org: self.org().to_owned(),
                    host: host_of(&channel.connect_uri),
                    source: Box::new(source),
                });
            }
        };
        let renew_at = channel
            .expires
            .map(|expires| instant_of(expires - self.settings.renew_before));
        Ok(Some(Connection {
            channel,
            socket,
            renew_at,
        }))
    }

    /// Serves the socket, and reconnects whenever it is lost, until the listener stops.
    async fn run(mut self, mut connection: Connection) {
        let mut rng = StdRng::from_os_rng();
        let mut attempt = 0u32;
        loop {
            let connected_at = Instant::now();
            let reason = match self.serve(&mut connection).await {
                Ended::Stopped => {
                    let _ = connection.socket.close(None).await;
                    return;
                }
                Ended::Lost(reason) => reason,
            };
            let _ = connection.socket.close(None).await;
            tracing::info!(target: LOG, org = %self.org(), %reason, "notification socket lost; reconnecting");
            if connected_at.elapsed() >= self.settings.stable_after {
                attempt = 0;
            }
            connection = loop {
                let wait = self.settings.backoff.delay(attempt, &mut rng);
                attempt = attempt.saturating_add(1);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = self.stop.changed() => return,
                }
                match self.open().await {
                    Ok(Some(connection)) => break connection,
                    Ok(None) => return,
                    Err(error) => {
                        tracing::warn!(target: LOG, org = %self.org(), error = %error, "cannot reconnect the notification channel; retrying");
                    }
                }
            };
            if self
                .events
                .send(ChannelEvent::Reconnected { reason })
                .is_err()
            {
                return;
            }
        }
    }

    /// Reads the socket until it is lost or the listener stops.
    async fn serve(&mut self, connection: &mut Connection) -> Ended {
        let settings = self.settings;
        let mut liveness =
            Liveness::new(Instant::now(), settings.ping_after, settings.silence_limit);
        loop {
            let renew_at = connection.renew_at;
            tokio::select! {
                _ = self.stop.changed() => return Ended::Stopped,
                frame = connection.socket.next() => {
                    liveness.heard(Instant::now());
                    match frame {
                        Some(Ok(Message::Text(text))) => match read_frame(text.as_str()) {
                            Frame::Metadata => {}
                            Frame::System(topic) => {
                                return Ended::Lost(format!("the server sent `{topic}`"));
                            }
                            Frame::Event { topic, body } => {
                                if self.events.send(ChannelEvent::Notification { topic, body }).is_err() {
                                    return Ended::Stopped;
                                }
                            }
                            Frame::Unreadable => {
                                tracing::warn!(target: LOG, org = %self.org(), "a notification frame is not JSON with a `topicName`; ignored");
                            }
                        },
                        Some(Ok(Message::Close(_))) | None => {
                            return Ended::Lost(lost_reason(connection, "the server closed the socket"));
                        }
                        Some(Ok(_)) => {}
                        Some(Err(error)) => {
                            return Ended::Lost(lost_reason(connection, &format!("network error: {error}")));
                        }
                    }
                }
                () = tokio::time::sleep_until(liveness.next_check()) => match liveness.check(Instant::now()) {
                    Check::Wait => {}
                    Check::Ping => {
                        let ping = Message::Text(r#"{"message":"ping"}"#.into());
                        if let Err(error) = connection.socket.send(ping).await {
                            return Ended::Lost(format!("network error: {error}"));
                        }
                    }
                    Check::GiveUp => {
                        return Ended::Lost(format!(
                            "no heartbeat or pong for {:.1}s",
                            settings.silence_limit.as_secs_f64()
                        ));
                    }
                },
                () = sleep_until_some(renew_at) => {
                    connection.renew_at = self.renew(connection).await;
                }
            }
        }
    }

    /// Renews the channel's subscription (which extends it 24 hours): when to do it next, or
    /// `None` when it failed (the channel then expires and is replaced).
    async fn renew(&mut self, connection: &Connection) -> Option<Instant> {
        match channel::subscribe(&self.session, &connection.channel.id, &self.topics).await {
            Ok(subscribed) => {
                self.reject(subscribed.rejected);
                Some(
                    Instant::now()
                        + Duration::from_hours(24).saturating_sub(self.settings.renew_before),
                )
            }
            Err(error) => {
                tracing::warn!(target: LOG, org = %self.org(), error = %error, "cannot renew the notification channel; it will be replaced when it expires");
                None
            }
        }
    }
}

/// Sleeps until `at`, or forever.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Why a socket that ended was lost: its channel's expiry if that has passed.
fn lost_reason(connection: &Connection, otherwise: &str) -> String {
    match connection.channel.expires {
        Some(expires) if expires <= OffsetDateTime::now_utc() => "the channel expired".to_owned(),
        _ => otherwise.to_owned(),
    }
}

/// A text frame, read.
#[derive(Debug, PartialEq)]
enum Frame {
    /// `channel.metadata`: a heartbeat or a pong.
    Metadata,
    /// `v2.system.…`: the channel is closing, revoked or replaced.
    System(String),
    /// An event.
    Event { topic: String, body: Value },
    /// Not JSON, or no `topicName`.
    Unreadable,
}

fn read_frame(text: &str) -> Frame {
    let Ok(mut value) = serde_json::from_str::<Value>(text) else {
        return Frame::Unreadable;
    };
    let Some(topic) = value
        .get("topicName")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Frame::Unreadable;
    };
    if topic == "channel.metadata" {
        Frame::Metadata
    } else if topic.starts_with("v2.system.") {
        Frame::System(topic)
    } else {
        let body = value.get_mut("eventBody").map_or(Value::Null, Value::take);
        Frame::Event { topic, body }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn frames_are_told_apart_by_topic() {
        assert_eq!(
            read_frame(
                r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#
            ),
            Frame::Metadata
        );
        assert_eq!(
            read_frame(r#"{"topicName":"v2.system.socket_closing","eventBody":{}}"#),
            Frame::System("v2.system.socket_closing".into())
        );
        assert_eq!(
            read_frame(
                r#"{"topicName":"v2.routing.queues.q.users","version":"2","eventBody":{"joined":true},"metadata":{}}"#
            ),
            Frame::Event {
                topic: "v2.routing.queues.q.users".into(),
                body: json!({ "joined": true })
            }
        );
        assert_eq!(read_frame("pong"), Frame::Unreadable);
        assert_eq!(read_frame(r#"{"message":"x"}"#), Frame::Unreadable);
    }

    #[test]
    fn messages_name_only_the_host_of_a_connect_uri() {
        assert_eq!(
            host_of("ws://127.0.0.1:8080/channels/secret"),
            "ws://127.0.0.1:8080"
        );
        assert_eq!(
            host_of("wss://streaming.mypurecloud.com/channels/secret"),
            "wss://streaming.mypurecloud.com"
        );
    }
}
