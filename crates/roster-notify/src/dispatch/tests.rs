//! Dispatcher tests with a scripted channel: windows in three time zones, retries, dead
//! letters, the breaker, concurrency and the rate. Tokio's clock is paused, so waits for
//! tokens and slow sends take no real time and are measured exactly.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use tokio::time::Instant;

use super::*;
use crate::notice::{Notice, Recipient, Tier};
use crate::outbox::{Outbox, State};

fn at(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp in the test")
}

fn notice(email: &str, timezone: &str, window: Option<&str>) -> Notice {
    Notice {
        org: "demo".to_owned(),
        message: "apply:run-1".to_owned(),
        recipient: Recipient {
            email: email.to_owned(),
            name: email.to_owned(),
            timezone: timezone.to_owned(),
        },
        tier: Tier::Agents,
        channel: "email".to_owned(),
        subject: "Your routing changed".to_owned(),
        body: "You now take the Billing queue.".to_owned(),
        not_before: at("2026-03-02T00:00:00Z"),
        window: window.map(str::to_owned),
        acknowledge_within_secs: None,
    }
}

/// A channel that answers from a script: per recipient, a queue of outcomes, then `Sent`;
/// while `down`, every send fails transiently. It records every call.
#[derive(Clone, Default)]
struct Scripted {
    inner: Arc<Mutex<ScriptState>>,
}

#[derive(Default)]
struct ScriptState {
    outcomes: HashMap<String, VecDeque<Delivery>>,
    down: bool,
    send_time: Duration,
    calls: Vec<Call>,
    in_flight: usize,
    most_in_flight: usize,
}

#[derive(Debug, Clone)]
struct Call {
    email: String,
    body: String,
    at: Instant,
    outcome: Delivery,
}

impl Scripted {
    fn script(&self, email: &str, outcomes: impl IntoIterator<Item = Delivery>) {
        self.lock()
            .outcomes
            .insert(email.to_owned(), outcomes.into_iter().collect());
    }

    fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    fn delivered(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|call| call.outcome == Delivery::Sent)
            .map(|call| call.email)
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ScriptState> {
        self.inner.lock().expect("the script's lock")
    }
}

impl Deliver for Scripted {
    async fn deliver(&self, envelope: &Envelope) -> Delivery {
        let send_time = {
            let mut state = self.lock();
            state.in_flight += 1;
            state.most_in_flight = state.most_in_flight.max(state.in_flight);
            state.send_time
        };
        let started = Instant::now();
        tokio::time::sleep(send_time).await;
        let mut state = self.lock();
        state.in_flight -= 1;
        let outcome = if state.down {
            Delivery::Transient {
                reason: "421 service not available".to_owned(),
                retry_after: None,
            }
        } else {
            state
                .outcomes
                .get_mut(&envelope.recipient.email)
                .and_then(VecDeque::pop_front)
                .unwrap_or(Delivery::Sent)
        };
        state.calls.push(Call {
            email: envelope.recipient.email.clone(),
            body: envelope.body.clone(),
            at: started,
            outcome: outcome.clone(),
        });
        outcome
    }
}

struct Setup {
    _directory: tempfile::TempDir,
    outbox: Outbox,
    clock: Arc<ManualClock>,
    channel: Scripted,
    dispatcher: Dispatcher,
    log: Vec<DeliveryEvent>,
}

fn setup(now: &str, retry: RetryPolicy, settings: ChannelSettings) -> Setup {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let outbox = Outbox::open(&directory.path().join("serve.db")).expect("the outbox opens");
    let clock = Arc::new(ManualClock::new(at(now)));
    let channel = Scripted::default();
    let mut dispatcher = Dispatcher::new(clock.clone(), retry);
    dispatcher
        .add_channel("email", channel.clone(), settings)
        .expect("valid settings");
    Setup {
        _directory: directory,
        outbox,
        clock,
        channel,
        dispatcher,
        log: Vec::new(),
    }
}

impl Setup {
    async fn run(&mut self) -> Summary {
        self.dispatcher
            .send_due(&mut self.outbox, &mut self.log)
            .await
            .expect("the run reads and writes the outbox")
    }

    fn enqueue(&mut self, notices: &[Notice]) {
        let now = self.clock.now();
        self.outbox.enqueue(notices, now).expect("enqueue");
    }

    fn row(&self, email: &str) -> StoredNotice {
        let key = notice(email, "UTC", None).key();
        self.outbox
            .get(&key)
            .expect("read")
            .expect("the row exists")
    }
}

fn fast() -> ChannelSettings {
    ChannelSettings {
        rate_per_second: 1000.0,
        burst: 1000,
        concurrency: 1,
    }
}

#[tokio::test(start_paused = true)]
async fn each_recipient_hears_inside_their_own_window_in_three_time_zones() {
    // Monday 12:00 UTC: 07:00 in New York, 13:00 in Berlin, 17:30 in Kolkata.
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), fast());
    setup.enqueue(&[
        notice("ny@example.com", "America/New_York", Some("09:00-17:00")),
        notice("berlin@example.com", "Europe/Berlin", Some("09:00-17:00")),
        notice("kolkata@example.com", "Asia/Kolkata", Some("09:00-17:00")),
    ]);

    let summary = setup.run().await;
    assert_eq!(setup.channel.delivered(), ["berlin@example.com"]);
    let email = summary.channels["email"];
    assert_eq!((email.sent, email.deferred), (1, 2));
    assert!(!summary.has_failures());
    // New York opens at 09:00 EST = 14:00 UTC; Kolkata at 09:00 IST the next day.
    assert_eq!(
        setup.row("ny@example.com").next_attempt,
        at("2026-03-02T14:00:00Z")
    );
    assert_eq!(
        setup.row("kolkata@example.com").next_attempt,
        at("2026-03-03T03:30:00Z")
    );

    setup.clock.set(at("2026-03-02T13:59:59Z"));
    setup.run().await;
    assert_eq!(
        setup.channel.delivered().len(),
        1,
        "nothing before the opening"
    );

    setup.clock.set(at("2026-03-02T14:00:00Z"));
    setup.run().await;
    setup.clock.set(at("2026-03-03T03:30:00Z"));
    setup.run().await;
    setup.clock.set(at("2026-03-03T04:00:00Z"));
    setup.run().await;
    assert_eq!(
        setup.channel.delivered(),
        [
            "berlin@example.com",
            "ny@example.com",
            "kolkata@example.com"
        ],
        "each once, in their own hours"
    );
    let mut deferred: Vec<_> = setup
        .log
        .iter()
        .filter_map(|event| match event {
            DeliveryEvent::Deferred { until, .. } => Some(*until),
            _ => None,
        })
        .collect();
    // Due rows come in key order, so sort before comparing.
    deferred.sort();
    assert_eq!(
        deferred,
        [at("2026-03-02T14:00:00Z"), at("2026-03-03T03:30:00Z")]
    );
}

#[tokio::test(start_paused = true)]
async fn a_transient_failure_waits_for_retry_after_then_succeeds() {
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), fast());
    setup.enqueue(&[notice("ana@example.com", "UTC", None)]);
    setup.channel.script(
        "ana@example.com",
        [Delivery::Transient {
            reason: "451 greylisted".to_owned(),
            retry_after: Some(Duration::from_mins(2)),
        }],
    );

    let first = setup.run().await;
    assert_eq!(first.channels["email"].failed, 1);
    assert!(first.has_failures());
    let row = setup.row("ana@example.com");
    assert_eq!(
        (row.state, row.attempts, row.next_attempt),
        (State::Pending, 1, at("2026-03-02T12:02:00Z"))
    );
    assert_eq!(row.last_error.as_deref(), Some("451 greylisted"));

    setup.clock.set(at("2026-03-02T12:01:59Z"));
    assert_eq!(setup.run().await, Summary::default(), "not due yet");

    setup.clock.set(at("2026-03-02T12:02:00Z"));
    let second = setup.run().await;
    assert_eq!(second.channels["email"].sent, 1);
    assert!(!second.has_failures());
    assert_eq!(setup.row("ana@example.com").state, State::Sent);
    assert_eq!(setup.channel.calls().len(), 2);
    assert!(matches!(
        setup.log.as_slice(),
        [
            DeliveryEvent::Failed { attempts: 1, .. },
            DeliveryEvent::Sent { .. }
        ]
    ));
}

#[tokio::test(start_paused = true)]
async fn permanent_failures_and_exhausted_attempts_go_to_the_dead_letters() {
    let retry = RetryPolicy {
        max_attempts: 2,
        backoff: Backoff {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(10),
        },
    };
    let mut setup = setup("2026-03-02T12:00:00Z", retry, fast());
    setup.enqueue(&[
        notice("gone@example.com", "UTC", None),
        notice("flaky@example.com", "UTC", None),
        notice("nobody", "UTC", None),
    ]);
    setup.channel.script(
        "gone@example.com",
        [Delivery::Permanent {
            reason: "550 no such mailbox".to_owned(),
        }],
    );
    let transient = || Delivery::Transient {
        reason: "421 try later".to_owned(),
        retry_after: None,
    };
    setup
        .channel
        .script("flaky@example.com", [transient(), transient()]);
    setup.channel.script(
        "nobody",
        [Delivery::Undeliverable {
            reason: "`nobody` is not an email address".to_owned(),
        }],
    );

    let first = setup.run().await;
    assert_eq!(
        first.channels["email"],
        ChannelSummary {
            failed: 1,
            dead_lettered: 1,
            undeliverable: 1,
            ..ChannelSummary::default()
        }
    );
    let flaky = setup.row("flaky@example.com");
    assert!(
        flaky.next_attempt <= at("2026-03-02T12:00:10Z"),
        "jitter under the cap"
    );

    setup.clock.set(at("2026-03-02T12:00:10Z"));
    let second = setup.run().await;
    assert_eq!(second.channels["email"].dead_lettered, 1);

    let status = setup.outbox.status().expect("status");
    let dead: BTreeMap<_, _> = status
        .dead
        .iter()
        .map(|row| (row.recipient.email.as_str(), row.last_error.as_deref()))
        .collect();
    assert_eq!(
        dead,
        BTreeMap::from([
            (
                "flaky@example.com",
                Some("gave up after 2 attempts: 421 try later")
            ),
            ("gone@example.com", Some("550 no such mailbox")),
        ])
    );
    assert_eq!(status.undeliverable.len(), 1);
    assert_eq!(status.undeliverable[0].recipient.email, "nobody");
    assert!(setup.channel.delivered().is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_over_five_percent_failures_holds_the_rest_and_a_later_run_sends_each_once()
 {
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), fast());
    let emails: Vec<String> = (0..100)
        .map(|n| format!("agent{n:03}@example.com"))
        .collect();
    let notices: Vec<Notice> = emails
        .iter()
        .map(|email| notice(email, "UTC", None))
        .collect();
    setup.enqueue(&notices);
    setup.channel.set_down(true);

    let first = setup.run().await;
    let minimum = BreakerSettings::default().minimum_sends as u64;
    assert_eq!(
        first.channels["email"],
        ChannelSummary {
            failed: minimum,
            held: 100 - minimum,
            breaker_open: true,
            ..ChannelSummary::default()
        }
    );
    assert!(first.has_failures());
    assert_eq!(setup.channel.calls().len() as u64, minimum);
    let opened = |log: &[DeliveryEvent]| {
        log.iter()
            .filter(|event| matches!(event, DeliveryEvent::BreakerOpened { .. }))
            .count()
    };
    assert_eq!(opened(&setup.log), 1);
    let status = setup.outbox.status().expect("status");
    assert_eq!(
        status.counts[&State::Pending],
        100,
        "nothing is lost or sent"
    );

    // Still cooling down: nothing is attempted.
    let held = setup.run().await;
    assert_eq!(held.channels["email"].held, 100 - minimum);
    assert_eq!(setup.channel.calls().len() as u64, minimum);

    // The server is back, the cool-down is over and the retries are due.
    setup.channel.set_down(false);
    tokio::time::advance(BreakerSettings::default().cool_down).await;
    setup.clock.set(at("2026-03-02T13:00:00Z"));
    let second = setup.run().await;
    assert_eq!(
        second.channels["email"],
        ChannelSummary {
            sent: 100,
            ..ChannelSummary::default()
        }
    );
    assert!(
        setup
            .log
            .iter()
            .any(|event| matches!(event, DeliveryEvent::BreakerClosed { .. }))
    );
    let mut delivered = setup.channel.delivered();
    delivered.sort();
    assert_eq!(delivered, emails, "each row exactly once");
    assert_eq!(
        setup.outbox.status().expect("status").counts[&State::Sent],
        100
    );
    assert_eq!(
        setup.run().await,
        Summary::default(),
        "nothing left to send"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rate_of_ten_per_second_spaces_sends_a_tenth_of_a_second_apart() {
    let settings = ChannelSettings {
        rate_per_second: 10.0,
        burst: 1,
        concurrency: 4,
    };
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), settings);
    let notices: Vec<Notice> = (0..6)
        .map(|n| notice(&format!("agent{n}@example.com"), "UTC", None))
        .collect();
    setup.enqueue(&notices);
    let started = Instant::now();
    setup.run().await;
    let calls = setup.channel.calls();
    assert_eq!(calls.len(), 6);
    let offsets: Vec<u128> = calls
        .iter()
        .map(|call| call.at.duration_since(started).as_millis())
        .collect();
    assert_eq!(offsets, [0, 100, 200, 300, 400, 500]);
}

#[tokio::test(start_paused = true)]
async fn sends_run_up_to_the_concurrency_at_once() {
    let settings = ChannelSettings {
        rate_per_second: 1000.0,
        burst: 100,
        concurrency: 3,
    };
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), settings);
    setup.channel.lock().send_time = Duration::from_secs(1);
    let notices: Vec<Notice> = (0..7)
        .map(|n| notice(&format!("agent{n}@example.com"), "UTC", None))
        .collect();
    setup.enqueue(&notices);
    let started = Instant::now();
    let summary = setup.run().await;
    assert_eq!(summary.channels["email"].sent, 7);
    assert_eq!(setup.channel.lock().most_in_flight, 3);
    // Three rounds of one-second sends (3 + 3 + 1).
    assert_eq!(started.elapsed().as_secs(), 3);
}

/// A channel that panics mid-send: the outcome is lost.
struct Panicking;

impl Deliver for Panicking {
    async fn deliver(&self, _envelope: &Envelope) -> Delivery {
        panic!("the channel crashed mid-send")
    }
}

#[tokio::test]
async fn a_send_whose_outcome_is_lost_stays_in_doubt_and_is_not_sent_again() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let mut outbox = Outbox::open(&directory.path().join("serve.db")).expect("open");
    let now = at("2026-03-02T12:00:00Z");
    let row = notice("ana@example.com", "UTC", None);
    outbox
        .enqueue(std::slice::from_ref(&row), now)
        .expect("enqueue");
    let clock = Arc::new(ManualClock::new(now));
    let mut dispatcher = Dispatcher::new(clock, RetryPolicy::default());
    dispatcher
        .add_channel("email", Panicking, fast())
        .expect("valid settings");
    let mut log = Vec::new();
    let summary = dispatcher
        .send_due(&mut outbox, &mut log)
        .await
        .expect("run");
    assert_eq!(summary.channels["email"].in_doubt, 1);
    assert!(summary.has_failures());
    assert!(matches!(log.as_slice(), [DeliveryEvent::InDoubt { .. }]));
    assert_eq!(
        outbox.get(&row.key()).expect("read").expect("row").state,
        State::Sending
    );
    let again = dispatcher
        .send_due(&mut outbox, &mut log)
        .await
        .expect("run");
    assert_eq!(
        again,
        Summary::default(),
        "an in-doubt row waits for an operator"
    );
}

#[tokio::test(start_paused = true)]
async fn a_row_asking_for_acknowledgement_carries_a_signed_link() {
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), fast());
    let signer = AckSigner::new(b"test secret");
    setup.dispatcher = std::mem::replace(
        &mut setup.dispatcher,
        Dispatcher::new(setup.clock.clone(), RetryPolicy::default()),
    )
    .with_acknowledgement_links(signer.clone(), "https://roster.acme.example".to_owned());
    let mut asking = notice("ana@example.com", "UTC", None);
    asking.acknowledge_within_secs = Some(72 * 3600);
    setup.enqueue(&[asking.clone(), notice("bo@example.com", "UTC", None)]);
    setup.run().await;
    let calls = setup.channel.calls();
    let ana = calls
        .iter()
        .find(|call| call.email == "ana@example.com")
        .expect("ana got it");
    let token = ana
        .body
        .split("https://roster.acme.example/ack/")
        .nth(1)
        .expect("a link")
        .trim();
    assert_eq!(signer.verify(token), Ok(asking.key()));
    let bo = calls
        .iter()
        .find(|call| call.email == "bo@example.com")
        .expect("bo got it");
    assert_eq!(bo.body, "You now take the Billing queue.");
}

#[tokio::test]
async fn rows_on_a_channel_the_dispatcher_does_not_know_are_reported() {
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), fast());
    let mut chat = notice("ana@example.com", "UTC", None);
    chat.channel = "ops-chat".to_owned();
    setup.enqueue(&[chat]);
    let summary = setup.run().await;
    assert_eq!(
        summary.unconfigured,
        BTreeMap::from([("ops-chat".to_owned(), 1)])
    );
    assert!(summary.has_failures());
    assert!(setup.channel.calls().is_empty());
}

#[tokio::test]
async fn an_unusable_window_or_time_zone_is_dead_lettered_with_the_reason() {
    let mut setup = setup("2026-03-02T12:00:00Z", RetryPolicy::default(), fast());
    setup.enqueue(&[
        notice("ana@example.com", "Mars/Olympus", Some("09:00-17:00")),
        notice("bo@example.com", "UTC", Some("9-5")),
    ]);
    let summary = setup.run().await;
    assert_eq!(summary.channels["email"].dead_lettered, 2);
    assert_eq!(
        setup.row("ana@example.com").last_error.as_deref(),
        Some("time zone `Mars/Olympus` of ana@example.com is not an IANA time zone")
    );
    assert_eq!(
        setup.row("bo@example.com").last_error.as_deref(),
        Some(
            "window \"9-5\" has a start that is not HH:MM; write it as \"HH:MM-HH:MM\", e.g. \"09:00-17:00\""
        )
    );
    assert!(setup.channel.calls().is_empty());
}

#[test]
fn invalid_channel_settings_are_refused_with_the_channel_named() {
    let clock = Arc::new(ManualClock::new(at("2026-03-02T12:00:00Z")));
    let mut dispatcher = Dispatcher::new(clock, RetryPolicy::default());
    let error = dispatcher
        .add_channel("email", Scripted::default(), ChannelSettings::new(0.0))
        .expect_err("a zero rate");
    assert_eq!(
        error.to_string(),
        "channel `email` under `notify.channels`: `ratePerSecond` must be a positive number \
         and the burst at least 1"
    );
    let mut settings = ChannelSettings::new(30.0);
    settings.concurrency = 0;
    assert!(
        dispatcher
            .add_channel("email", Scripted::default(), settings)
            .is_err()
    );
}
