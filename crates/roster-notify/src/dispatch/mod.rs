//! The dispatcher: sends what the outbox holds, through each channel, at the channel's rate,
//! inside each recipient's working hours, at most once (issue #16; DESIGN §2.9).
//!
//! # Flow
//! [`Dispatcher::send_due`] reads the rows due now on every configured channel and, per
//! channel, up to [`ChannelSettings::concurrency`] at a time:
//! 1. a row whose recipient's local time is outside its window is not sent but rescheduled
//!    to the window's next opening ([`DeliveryEvent::Deferred`]);
//! 2. it waits for a token of the channel's [`TokenBucket`] (sleeping with tokio);
//! 3. it asks the channel's [`Breaker`]: an open breaker stops the channel for this run, and
//!    its remaining rows stay `pending`;
//! 4. it claims the row (committed: `sending`), hands the [`Envelope`] to the channel's
//!    [`Deliver`], and stores the outcome: sent; a transient failure retried later (after the
//!    channel's `Retry-After`, else a jittered backoff) or dead-lettered once
//!    [`RetryPolicy::max_attempts`] failures are counted; a permanent failure dead-lettered;
//!    no usable address marked undeliverable;
//! 5. it tells the [`DeliveryLog`] (the caller's journal) each outcome, after the outbox
//!    has committed it.
//!
//! # Guarantees
//! - At most once: a row is claimed before its send, and a send whose outcome is lost (the
//!   process dies, or the channel panics) leaves the row in doubt, never sent again by itself.
//! - Nothing is sent outside the recipient's window, nor before its `not_before`.
//! - A channel's sends start no faster than its rate (after a burst of
//!   [`ChannelSettings::burst`]).
//!
//! # Assumptions
//! - One dispatcher per outbox at a time; a second one would find rows already claimed and
//!   skip them (a claim is atomic), not send them twice.
//! - The dispatcher is kept between runs by a long-lived caller (`roster serve`), so the
//!   buckets and breakers carry over; a one-shot command starts with closed breakers.
//!
//! # Caveats
//! - A transient failure is retried by a later run, not by this one: `send_due` sends what is
//!   due when it starts and returns.
//!
//! # Errors
//! [`DispatchError`]: an outbox that cannot be read or written stops the run; rows claimed
//! and not yet settled then stay in doubt.

pub mod backoff;
pub mod breaker;
pub mod bucket;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;

use crate::ack::AckSigner;
use crate::notice::Envelope;
use crate::outbox::{Outbox, OutboxError, StoredNotice};

pub use backoff::Backoff;
pub use breaker::{Admission, Breaker, BreakerSettings, Transition};
pub use bucket::TokenBucket;

use crate::window::Window;

/// A channel: delivers one envelope and says how it went. Implemented by the email, webhook
/// and file channels.
pub trait Deliver: Send + Sync {
    /// Delivers `envelope` once; never retries by itself (the dispatcher decides).
    fn deliver(&self, envelope: &Envelope) -> impl Future<Output = Delivery> + Send;
}

/// How one delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The channel accepted the message.
    Sent,
    /// It may work later (SMTP 4xx, HTTP 429/5xx, a refused connection).
    Transient {
        /// What the channel said.
        reason: String,
        /// How long the channel asked to wait (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// It will not work for this message (SMTP 5xx, HTTP 4xx other than 429).
    Permanent {
        /// What the channel said.
        reason: String,
    },
    /// The recipient has no usable address on this channel.
    Undeliverable {
        /// What is missing or wrong.
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

/// The dispatcher's wall clock, for due times and windows.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that says what it is told: for tests and for dry runs "as of" an instant.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock standing at `now`.
    pub fn new(now: Timestamp) -> ManualClock {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: Timestamp) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How a channel is driven.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelSettings {
    /// Sends per second (`ratePerSecond`; 30 for email unless configured).
    pub rate_per_second: f64,
    /// How many sends may start at once after a pause.
    pub burst: u32,
    /// How many sends may be in flight at once.
    pub concurrency: usize,
}

impl ChannelSettings {
    /// `rate_per_second`, one send at a time, and a burst of 20 ms worth of sends (at least
    /// one): the timer wakes late by up to a millisecond or more, and with a burst of one the
    /// time lost on every late wake is never made up (measured by `benches/send.rs`: 500/s
    /// ran at 0.6 of its rate with a burst of one, at 1.0 with this one), while 20 ms of
    /// sends is no flood to any receiver.
    pub fn new(rate_per_second: f64) -> ChannelSettings {
        // A float-to-integer `as` saturates; the bucket refuses a non-positive rate anyway.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let burst = (rate_per_second * 0.020).ceil().max(1.0) as u32;
        ChannelSettings {
            rate_per_second,
            burst,
            concurrency: 1,
        }
    }
}

/// When a failed send is tried again and when it is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Failures after which a row is dead-lettered (the first send counts).
    pub max_attempts: u32,
    /// The wait before the next attempt when the channel did not say.
    pub backoff: Backoff,
}

impl Default for RetryPolicy {
    /// Five attempts with the default backoff (the fifth failure comes after about half an
    /// hour to an hour of retries).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            backoff: Backoff::default(),
        }
    }
}

/// Something the journal records; given to [`DeliveryLog::record`] after the outbox
/// committed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryEvent {
    /// The channel accepted the message.
    Sent {
        /// The org whose journal records it.
        org: String,
        /// The channel's name.
        channel: String,
        /// The row's idempotency key.
        key: String,
        /// The recipient's email.
        recipient: String,
        /// What the message is about.
        message: String,
    },
    /// A transient failure; the row is tried again at `next_attempt`.
    Failed {
        /// The org whose journal records it.
        org: String,
        /// The channel's name.
        channel: String,
        /// The row's idempotency key.
        key: String,
        /// The recipient's email.
        recipient: String,
        /// What the channel said.
        reason: String,
        /// Failures counted so far.
        attempts: u32,
        /// When it is tried again.
        next_attempt: Timestamp,
    },
    /// The row went to the dead letters.
    DeadLettered {
        /// The org whose journal records it.
        org: String,
        /// The channel's name.
        channel: String,
        /// The row's idempotency key.
        key: String,
        /// The recipient's email.
        recipient: String,
        /// Why.
        reason: String,
        /// Failures counted.
        attempts: u32,
    },
    /// The recipient has no usable address on the channel.
    Undeliverable {
        /// The org whose journal records it.
        org: String,
        /// The channel's name.
        channel: String,
        /// The row's idempotency key.
        key: String,
        /// The recipient's email.
        recipient: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// The send's outcome was lost (the channel panicked); the row is in doubt.
    InDoubt {
        /// The org whose journal records it.
        org: String,
        /// The channel's name.
        channel: String,
        /// The row's idempotency key.
        key: String,
        /// What happened.
        reason: String,
    },
    /// Outside the recipient's window: not sent, rescheduled.
    Deferred {
        /// The org whose journal records it.
        org: String,
        /// The channel's name.
        channel: String,
        /// The row's idempotency key.
        key: String,
        /// When the window opens.
        until: Timestamp,
    },
    /// The channel's breaker opened: it sends nothing until a probe succeeds.
    BreakerOpened {
        /// The channel's name.
        channel: String,
    },
    /// A probe succeeded and the channel's breaker closed.
    BreakerClosed {
        /// The channel's name.
        channel: String,
    },
}

/// Where the dispatcher reports each outcome; the caller journals them.
pub trait DeliveryLog {
    /// Records one event.
    fn record(&mut self, event: &DeliveryEvent);
}

/// Keeps the events in memory (tests, and callers that journal after the run).
impl DeliveryLog for Vec<DeliveryEvent> {
    fn record(&mut self, event: &DeliveryEvent) {
        self.push(event.clone());
    }
}

/// What one channel did in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelSummary {
    /// Accepted by the channel.
    pub sent: u64,
    /// Failed transiently and rescheduled.
    pub failed: u64,
    /// Dead-lettered (permanent failure, attempts exhausted, or an unusable window).
    pub dead_lettered: u64,
    /// No usable address.
    pub undeliverable: u64,
    /// Outcome lost; in doubt.
    pub in_doubt: u64,
    /// Outside the recipient's window; rescheduled to its opening.
    pub deferred: u64,
    /// Due but not attempted because the breaker was open; still `pending`.
    pub held: u64,
    /// Whether the channel's breaker is open at the end of the run.
    pub breaker_open: bool,
}

/// What a run did, per channel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Per configured channel that had rows due.
    pub channels: BTreeMap<String, ChannelSummary>,
    /// Rows due on channels the dispatcher was not given (removed from `roster.yaml`?), per
    /// channel name; they stay `pending`.
    pub unconfigured: BTreeMap<String, u64>,
}

impl Summary {
    /// Whether anything went wrong: a failure, a dead letter, an undeliverable or in-doubt
    /// row, an open breaker, or rows on an unknown channel. The CLI exits 1 then.
    pub fn has_failures(&self) -> bool {
        !self.unconfigured.is_empty()
            || self.channels.values().any(|channel| {
                channel.failed + channel.dead_lettered + channel.undeliverable + channel.in_doubt
                    > 0
                    || channel.breaker_open
            })
    }
}

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// A channel's settings cannot work.
    #[error("channel `{channel}` under `notify.channels`: {problem}")]
    InvalidChannel {
        /// The channel's name.
        channel: String,
        /// What is wrong and what to set.
        problem: &'static str,
    },
    /// The outbox could not be read or written.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

/// [`Deliver`] behind a pointer, so one dispatcher drives channels of different types.
trait ErasedDeliver: Send + Sync {
    fn deliver_boxed<'a>(
        &'a self,
        envelope: &'a Envelope,
    ) -> Pin<Box<dyn Future<Output = Delivery> + Send + 'a>>;
}

impl<T: Deliver> ErasedDeliver for T {
    fn deliver_boxed<'a>(
        &'a self,
        envelope: &'a Envelope,
    ) -> Pin<Box<dyn Future<Output = Delivery> + Send + 'a>> {
        Box::pin(self.deliver(envelope))
    }
}

/// A configured channel and the state that carries over between runs.
struct Channel {
    deliverer: Arc<dyn ErasedDeliver>,
    settings: ChannelSettings,
    bucket: TokenBucket,
    breaker: Breaker,
}

/// One channel's progress within a run.
#[derive(Default)]
struct ChannelRun {
    due: VecDeque<StoredNotice>,
    in_flight: usize,
    probe_in_flight: bool,
    stopped: bool,
}

/// A send in flight.
struct InFlight {
    channel: String,
    row: StoredNotice,
    probe: bool,
}

/// Where the recipient's window puts a row now.
enum WindowCheck {
    Open,
    ClosedUntil(Timestamp),
    Unusable(String),
}

/// Sends the outbox's due rows through the configured channels.
pub struct Dispatcher {
    channels: BTreeMap<String, Channel>,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    breaker: BreakerSettings,
    acknowledgement: Option<(AckSigner, String)>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("channels", &self.channels.keys().collect::<Vec<_>>())
            .field("retry", &self.retry)
            .field("breaker", &self.breaker)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher without channels, with the default breaker settings.
    pub fn new(clock: Arc<dyn Clock>, retry: RetryPolicy) -> Dispatcher {
        Dispatcher {
            channels: BTreeMap::new(),
            clock,
            retry,
            breaker: BreakerSettings::default(),
            acknowledgement: None,
        }
    }

    /// Uses `settings` for the breakers of channels added afterwards.
    #[must_use]
    pub fn with_breaker(mut self, settings: BreakerSettings) -> Dispatcher {
        self.breaker = settings;
        self
    }

    /// Appends an acknowledgement link (`{base_url}/ack/{token}`) to the body of every row
    /// that asks for an acknowledgement. Without it such rows go out without a link.
    #[must_use]
    pub fn with_acknowledgement_links(mut self, signer: AckSigner, base_url: String) -> Dispatcher {
        self.acknowledgement = Some((signer, base_url));
        self
    }

    /// Adds the channel `name` (its name under `notify.channels`).
    ///
    /// # Errors
    /// [`DispatchError::InvalidChannel`] when the rate is not a positive number, or the
    /// burst or the concurrency is zero.
    pub fn add_channel(
        &mut self,
        name: impl Into<String>,
        deliverer: impl Deliver + 'static,
        settings: ChannelSettings,
    ) -> Result<(), DispatchError> {
        let channel = name.into();
        let invalid = |problem| DispatchError::InvalidChannel {
            channel: channel.clone(),
            problem,
        };
        if settings.concurrency == 0 {
            return Err(invalid("the concurrency must be at least 1"));
        }
        let bucket = TokenBucket::new(
            settings.rate_per_second,
            settings.burst,
            Instant::now().into_std(),
        )
        .ok_or_else(|| {
            invalid("`ratePerSecond` must be a positive number and the burst at least 1")
        })?;
        self.channels.insert(
            channel,
            Channel {
                deliverer: Arc::new(deliverer),
                settings,
                bucket,
                breaker: Breaker::new(self.breaker),
            },
        );
        Ok(())
    }

    /// Sends every row due now, as the module documentation describes, and answers what
    /// happened per channel.
    ///
    /// # Errors
    /// [`DispatchError::Outbox`] when the outbox cannot be read or written; sends in flight
    /// are abandoned and their rows stay in doubt.
    pub async fn send_due(
        &mut self,
        outbox: &mut Outbox,
        log: &mut dyn DeliveryLog,
    ) -> Result<Summary, DispatchError> {
        let start = self.clock.now();
        let mut summary = Summary::default();
        let mut runs: BTreeMap<String, ChannelRun> = BTreeMap::new();
        for channel in self.channels.values_mut() {
            // No send is in flight between runs; a probe of a run that stopped on an outbox
            // error is not coming back.
            channel.breaker.release_probe();
        }
        for (channel, count) in outbox.due_per_channel(start)? {
            if self.channels.contains_key(&channel) {
                let due = outbox.due(&channel, start)?.into();
                summary
                    .channels
                    .insert(channel.clone(), ChannelSummary::default());
                runs.insert(
                    channel,
                    ChannelRun {
                        due,
                        ..ChannelRun::default()
                    },
                );
            } else {
                summary.unconfigured.insert(channel, count);
            }
        }
        let mut tasks: JoinSet<Delivery> = JoinSet::new();
        let mut in_flight: HashMap<Id, InFlight> = HashMap::new();
        loop {
            let mut wake: Option<Instant> = None;
            for (name, run) in &mut runs {
                let channel_wake = self.start_sends(
                    name,
                    run,
                    outbox,
                    log,
                    &mut summary,
                    &mut tasks,
                    &mut in_flight,
                )?;
                wake = match (wake, channel_wake) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            if tasks.is_empty() && wake.is_none() {
                break;
            }
            tokio::select! {
                Some(joined) = tasks.join_next_with_id() => {
                    let (id, delivery) = match joined {
                        Ok((id, delivery)) => (id, Ok(delivery)),
                        Err(error) => (error.id(), Err(error.to_string())),
                    };
                    if let Some(sent) = in_flight.remove(&id)
                        && let Some(run) = runs.get_mut(&sent.channel)
                    {
                        self.settle(sent, run, delivery, outbox, log, &mut summary)?;
                    }
                }
                () = sleep_until(wake), if wake.is_some() => {}
            }
        }
        for (name, run) in &runs {
            let channel_summary = summary.channels.entry(name.clone()).or_default();
            channel_summary.held = run.due.len() as u64;
            channel_summary.breaker_open = self
                .channels
                .get(name)
                .is_some_and(|channel| channel.breaker.is_open());
        }
        Ok(summary)
    }

    /// Starts as many of `run`'s rows as the channel allows now; answers when to look again
    /// if it is waiting for a token.
    #[allow(clippy::too_many_arguments)]
    fn start_sends(
        &mut self,
        name: &str,
        run: &mut ChannelRun,
        outbox: &mut Outbox,
        log: &mut dyn DeliveryLog,
        summary: &mut Summary,
        tasks: &mut JoinSet<Delivery>,
        in_flight: &mut HashMap<Id, InFlight>,
    ) -> Result<Option<Instant>, DispatchError> {
        let Some(channel) = self.channels.get_mut(name) else {
            return Ok(None);
        };
        let counts = summary.channels.entry(name.to_owned()).or_default();
        while !run.stopped && !run.probe_in_flight && run.in_flight < channel.settings.concurrency {
            let Some(row) = run.due.front() else {
                break;
            };
            let now = self.clock.now();
            match window_check(row, now) {
                WindowCheck::Open => {}
                WindowCheck::ClosedUntil(until) => {
                    outbox.reschedule(&row.key, until, now)?;
                    log.record(&DeliveryEvent::Deferred {
                        channel: name.to_owned(),
                        org: row.org.clone(),
                        key: row.key.clone(),
                        until,
                    });
                    counts.deferred += 1;
                    run.due.pop_front();
                    continue;
                }
                WindowCheck::Unusable(reason) => {
                    outbox.reject(&row.key, &reason, now)?;
                    log.record(&DeliveryEvent::DeadLettered {
                        channel: name.to_owned(),
                        org: row.org.clone(),
                        key: row.key.clone(),
                        recipient: row.recipient.email.clone(),
                        reason,
                        attempts: row.attempts,
                    });
                    counts.dead_lettered += 1;
                    run.due.pop_front();
                    continue;
                }
            }
            let instant = Instant::now();
            let probe = match channel.breaker.admit(instant.into_std()) {
                Admission::Send => false,
                Admission::Probe => true,
                Admission::Wait => break,
                Admission::Refuse => {
                    run.stopped = true;
                    break;
                }
            };
            if let Err(wait) = channel.bucket.take(instant.into_std()) {
                if probe {
                    // Not sent after all: the probe slot must be free for the next look.
                    channel.breaker.release_probe();
                }
                return Ok(Some(instant + wait));
            }
            let Some(row) = run.due.pop_front() else {
                break;
            };
            if !outbox.claim(&row.key, now)? {
                // Another process claimed it between the read and now.
                continue;
            }
            let envelope = envelope(&row, self.acknowledgement.as_ref());
            let deliverer = Arc::clone(&channel.deliverer);
            let handle = tasks.spawn(async move { deliverer.deliver_boxed(&envelope).await });
            in_flight.insert(
                handle.id(),
                InFlight {
                    channel: name.to_owned(),
                    row,
                    probe,
                },
            );
            run.in_flight += 1;
            run.probe_in_flight = probe;
        }
        Ok(None)
    }

    /// Stores the outcome of one send, tells the log and the breaker.
    fn settle(
        &mut self,
        sent: InFlight,
        run: &mut ChannelRun,
        delivery: Result<Delivery, String>,
        outbox: &mut Outbox,
        log: &mut dyn DeliveryLog,
        summary: &mut Summary,
    ) -> Result<(), DispatchError> {
        let InFlight {
            channel: name,
            row,
            probe,
        } = sent;
        run.in_flight -= 1;
        if probe {
            run.probe_in_flight = false;
        }
        let now = self.clock.now();
        let counts = summary.channels.entry(name.clone()).or_default();
        let failed = match delivery {
            Ok(Delivery::Sent) => {
                outbox.mark_sent(&row.key, now)?;
                log.record(&DeliveryEvent::Sent {
                    channel: name.clone(),
                    org: row.org.clone(),
                    key: row.key,
                    recipient: row.recipient.email,
                    message: row.message,
                });
                counts.sent += 1;
                Some(false)
            }
            Ok(Delivery::Transient {
                reason,
                retry_after,
            }) => {
                let attempts = row.attempts + 1;
                if attempts >= self.retry.max_attempts {
                    let reason = format!("gave up after {attempts} attempts: {reason}");
                    outbox.dead_letter(&row.key, &reason, now)?;
                    log.record(&DeliveryEvent::DeadLettered {
                        channel: name.clone(),
                        org: row.org.clone(),
                        key: row.key,
                        recipient: row.recipient.email,
                        reason,
                        attempts,
                    });
                    counts.dead_lettered += 1;
                } else {
                    let wait = retry_after
                        .unwrap_or_else(|| self.retry.backoff.delay(attempts, &mut rand::rng()));
                    let next_attempt = now.saturating_add(wait).unwrap_or(now);
                    outbox.record_failure(&row.key, &reason, next_attempt, now)?;
                    log.record(&DeliveryEvent::Failed {
                        channel: name.clone(),
                        org: row.org.clone(),
                        key: row.key,
                        recipient: row.recipient.email,
                        reason,
                        attempts,
                        next_attempt,
                    });
                    counts.failed += 1;
                }
                Some(true)
            }
            Ok(Delivery::Permanent { reason }) => {
                outbox.dead_letter(&row.key, &reason, now)?;
                log.record(&DeliveryEvent::DeadLettered {
                    channel: name.clone(),
                    org: row.org.clone(),
                    key: row.key,
                    recipient: row.recipient.email,
                    reason,
                    attempts: row.attempts + 1,
                });
                counts.dead_lettered += 1;
                Some(true)
            }
            Ok(Delivery::Undeliverable { reason }) => {
                outbox.mark_undeliverable(&row.key, &reason, now)?;
                log.record(&DeliveryEvent::Undeliverable {
                    channel: name.clone(),
                    org: row.org.clone(),
                    key: row.key,
                    recipient: row.recipient.email,
                    reason,
                });
                counts.undeliverable += 1;
                // The recipient's data, not the channel's health.
                None
            }
            Err(panic) => {
                // The row stays `sending`: whether it went out is unknown.
                log.record(&DeliveryEvent::InDoubt {
                    channel: name.clone(),
                    org: row.org.clone(),
                    key: row.key,
                    reason: format!("the channel stopped during the send: {panic}"),
                });
                counts.in_doubt += 1;
                Some(true)
            }
        };
        if let Some(failed) = failed
            && let Some(channel) = self.channels.get_mut(&name)
            && let Some(transition) = channel.breaker.record(Instant::now().into_std(), failed)
        {
            log.record(&match transition {
                Transition::Opened => DeliveryEvent::BreakerOpened { channel: name },
                Transition::Closed => DeliveryEvent::BreakerClosed { channel: name },
            });
        }
        Ok(())
    }
}

/// What the channel is handed for `row`, with the acknowledgement link when one is asked for
/// and the dispatcher knows how to sign it.
fn envelope(row: &StoredNotice, acknowledgement: Option<&(AckSigner, String)>) -> Envelope {
    let mut body = row.body.clone();
    if row.acknowledge_within_secs.is_some()
        && let Some((signer, base_url)) = acknowledgement
    {
        body.push_str("\n\nPlease acknowledge: ");
        body.push_str(&signer.link(base_url, &row.key));
        body.push('\n');
    }
    Envelope {
        key: row.key.clone(),
        recipient: row.recipient.clone(),
        subject: row.subject.clone(),
        body,
    }
}

/// Whether `row` may be sent at `now` in its recipient's time zone.
fn window_check(row: &StoredNotice, now: Timestamp) -> WindowCheck {
    let Some(window) = &row.window else {
        return WindowCheck::Open;
    };
    let window = match Window::parse(window) {
        Ok(window) => window,
        Err(error) => return WindowCheck::Unusable(error.to_string()),
    };
    let Ok(zone) = TimeZone::get(&row.recipient.timezone) else {
        return WindowCheck::Unusable(format!(
            "time zone `{}` of {} is not an IANA time zone",
            row.recipient.timezone, row.recipient.email
        ));
    };
    if window.contains(now, &zone) {
        WindowCheck::Open
    } else {
        WindowCheck::ClosedUntil(window.next_opening(now, &zone))
    }
}

/// Sleeps until `wake` (never called without one: the `select!` branch is disabled then).
async fn sleep_until(wake: Option<Instant>) {
    if let Some(wake) = wake {
        tokio::time::sleep_until(wake).await;
    }
}

#[cfg(test)]
mod tests;
