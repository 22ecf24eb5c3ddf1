//! Notify send benchmark (issue #16): "sends 5,000 messages at a configured rate to the local
//! SMTP server and prints wall time ÷ (messages ÷ rate) (target within 5%) and peak memory".
//!
//! The test SMTP server (`roster_notify::testing::SmtpServer`) runs in this process on
//! 127.0.0.1. A durable outbox (`SQLite` WAL, `synchronous=FULL`, as `roster serve` opens it)
//! in a temporary folder is given the messages, one recipient each, due now and without a
//! window; a [`Dispatcher`] on the system clock sends them through an [`EmailChannel`] at the
//! configured rate, calling `send_due` until every row is sent (bounded in runs and time).
//! Each delivery is timed by a thin wrapper around the channel, so the printout also shows
//! how evenly the sends started and how long each took.
//!
//! Afterwards it checks what the server received: exactly the number of messages, each
//! recipient once. Then it prints the messages, the rate, the wall time of the sending, the
//! expected time (messages ÷ rate), their ratio and whether it is within 5%, the sends per
//! second achieved, and the peak memory (`VmHWM` of `/proc/self/status`: the whole process,
//! the SMTP server's copy of every message included). Last, to tell the outbox's cost apart
//! from the network's, it times the outbox alone (claim and mark sent, two fsync'd commits
//! per row) on a second database.
//!
//! Settings, from the environment:
//! - `ROSTER_BENCH_MESSAGES`: how many messages (default 5,000);
//! - `ROSTER_BENCH_RATE`: the channel's `ratePerSecond` (default 500, so a run takes ~10 s);
//! - `ROSTER_BENCH_BURST`: the token bucket's burst (default: `ChannelSettings::new`'s, what
//!   `roster notify send` uses).
//!
//! Nothing is asserted about speed; a wrong count of received messages panics. Every wait is
//! bounded and the bench ends by itself. The numbers are of a shared 2-core machine where the
//! dispatcher, the SMTP server and the disk's fsyncs compete: compare runs on one machine.
//!
//! `cargo bench -p roster-notify --bench send`

use roster_notify::smtp::parse_smtp_url;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use roster_notify::channel::{EmailChannel, EmailConfig};
use roster_notify::dispatch::{
    ChannelSettings, Deliver, Delivery, DeliveryEvent, DeliveryLog, Dispatcher, RetryPolicy,
    SystemClock,
};
use roster_notify::outbox::{Outbox, State};
use roster_notify::testing::{SmtpOptions, SmtpServer};
use roster_notify::{Envelope, Notice, Recipient, Tier};

const DEFAULT_MESSAGES: usize = 5_000;
const DEFAULT_RATE: f64 = 500.0;
/// How long one send is assumed to take, to size the concurrency: ~44 ms on loopback with
/// lettre 0.11.23, which leaves Nagle's algorithm on, so the 5-byte end of `DATA` waits for
/// the server's delayed ACK (40 ms on Linux); lettre/lettre#1159 sets `TCP_NODELAY`.
const ASSUMED_SEND_TIME: Duration = Duration::from_millis(50);
/// The fewest sends in flight, whatever the rate.
const MIN_CONCURRENCY: usize = 4;
/// Server sessions beyond the client's pool, so no connection waits for the server.
const SPARE_SESSIONS: u32 = 8;
/// How far the wall time may be from the expected time (issue #16: within 5%).
const TOLERANCE: f64 = 0.05;
/// The channel's name under `notify.channels`.
const CHANNEL: &str = "email";
/// Most `send_due` runs before the bench gives up (one is enough when nothing fails).
const MAX_RUNS: u32 = 20;
/// Pause between two runs when rows are still pending (a transient failure's retry).
const PAUSE_BETWEEN_RUNS: Duration = Duration::from_millis(200);
/// Rows of the outbox-alone measurement.
const OUTBOX_ROWS: usize = 500;

fn main() {
    let settings = Settings::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(settings));
    runtime.shutdown_timeout(Duration::from_secs(1));
}

/// What the environment asked for.
#[derive(Debug, Clone, Copy)]
struct Settings {
    messages: usize,
    rate: f64,
    burst: u32,
    /// Sends in flight at once, and SMTP connections they share (the pool's size).
    concurrency: usize,
}

impl Settings {
    fn from_env() -> Settings {
        let rate = from_env("ROSTER_BENCH_RATE", DEFAULT_RATE);
        let settings = Settings {
            messages: from_env("ROSTER_BENCH_MESSAGES", DEFAULT_MESSAGES),
            rate,
            burst: from_env("ROSTER_BENCH_BURST", ChannelSettings::new(rate).burst),
            concurrency: 0,
        };
        assert!(
            settings.messages > 0,
            "ROSTER_BENCH_MESSAGES must be at least 1"
        );
        assert!(
            settings.rate.is_finite() && settings.rate > 0.0,
            "ROSTER_BENCH_RATE must be a positive number of messages per second"
        );
        assert!(settings.burst > 0, "ROSTER_BENCH_BURST must be at least 1");
        // Twice the sends the rate keeps in flight, so the channel is never what limits.
        let in_flight = settings.rate * ASSUMED_SEND_TIME.as_secs_f64() * 2.0;
        Settings {
            concurrency: (in_flight.ceil() as usize).max(MIN_CONCURRENCY),
            ..settings
        }
    }

    /// messages ÷ rate.
    fn expected(&self) -> Duration {
        Duration::from_secs_f64(self.messages as f64 / self.rate)
    }
}

/// One SMTP connection per send in flight.
fn pool_size(settings: Settings) -> u32 {
    u32::try_from(settings.concurrency).expect("the concurrency fits a u32")
}

/// The variable `name` parsed, or `default` when it is not set.
fn from_env<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value.trim().parse().unwrap_or_else(|_| {
            panic!("{name}=`{value}` is not a number; unset it or give a number")
        }),
        Err(_) => default,
    }
}

async fn run(settings: Settings) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let database = folder.path().join(".roster/serve.db");
    let server = SmtpServer::start(SmtpOptions {
        refusal: None,
        sessions: pool_size(settings) + SPARE_SESSIONS,
    })
    .expect("the test SMTP server starts");
    let mut outbox = Outbox::open(&database).expect("the outbox opens");
    let notices = notices(settings.messages, "bench:send", Timestamp::now());
    let enqueue_started = Instant::now();
    let enqueued = outbox
        .enqueue(&notices, Timestamp::now())
        .expect("the notices are stored");
    assert_eq!(enqueued.added as usize, settings.messages, "{enqueued:?}");
    let enqueue_took = enqueue_started.elapsed();
    drop(notices);

    let mut config = EmailConfig::new(
        parse_smtp_url(&server.url()).unwrap(),
        "Roster <roster@acme.example>",
    );
    config.pool_size = pool_size(settings);
    let timings = Timings::default();
    let channel = Timed {
        inner: EmailChannel::new(&config).expect("a valid email configuration"),
        timings: timings.clone(),
    };
    let mut dispatcher = Dispatcher::new(Arc::new(SystemClock), RetryPolicy::default());
    dispatcher
        .add_channel(
            CHANNEL,
            channel,
            ChannelSettings {
                rate_per_second: settings.rate,
                burst: settings.burst,
                concurrency: settings.concurrency,
            },
        )
        .expect("valid channel settings");

    println!(
        "roster notify send: {} messages at {} per second (burst {}, concurrency and SMTP \
         pool {}) to the test SMTP server at {}",
        settings.messages,
        settings.rate,
        settings.burst,
        settings.concurrency,
        server.url()
    );
    println!(
        "outbox {} on {} (SQLite WAL, synchronous=FULL); {} rows enqueued in {:.0} ms",
        database.display(),
        filesystem_of(folder.path()),
        enqueued.added,
        millis(enqueue_took)
    );

    let mut log = Tally::default();
    let deadline = settings.expected() * 3 + Duration::from_mins(1);
    let started = Instant::now();
    let mut runs = 0;
    let mut left = settings.messages as u64;
    while runs < MAX_RUNS && started.elapsed() < deadline {
        runs += 1;
        let summary = dispatcher
            .send_due(&mut outbox, &mut log)
            .await
            .expect("the outbox is read and written");
        if summary
            .channels
            .values()
            .any(|channel| channel.breaker_open)
        {
            println!("   the channel's breaker opened in run {runs}");
        }
        left = unsent(&outbox);
        if left == 0 {
            break;
        }
        tokio::time::sleep(PAUSE_BETWEEN_RUNS).await;
    }
    let wall = started.elapsed();

    let counts = outbox.status().expect("the outbox status").counts;
    let received = server.messages();
    let mut per_recipient: BTreeMap<String, usize> = BTreeMap::new();
    for mail in &received {
        for recipient in &mail.recipients {
            *per_recipient.entry(recipient.to_lowercase()).or_default() += 1;
        }
    }
    let expected_recipients: Vec<String> = (0..settings.messages).map(address).collect();
    let twice: Vec<&String> = per_recipient
        .iter()
        .filter(|(_, count)| **count > 1)
        .map(|(recipient, _)| recipient)
        .collect();
    let missing = expected_recipients
        .iter()
        .filter(|recipient| !per_recipient.contains_key(*recipient))
        .count();

    println!(
        "\nsent in {runs} run(s): outbox {}; events: {}",
        describe_counts(&counts),
        log.describe()
    );
    println!(
        "server received {} messages over {} SMTP sessions: {} recipients, {} twice, {} \
         missing",
        received.len(),
        server.sessions(),
        per_recipient.len(),
        twice.len(),
        missing
    );

    let expected = settings.expected();
    let ratio = wall.as_secs_f64() / expected.as_secs_f64();
    println!("\nmessages:        {}", settings.messages);
    println!("rate:            {} per second", settings.rate);
    println!("wall time:       {:.3} s", wall.as_secs_f64());
    println!(
        "expected time:   {:.3} s (messages ÷ rate)",
        expected.as_secs_f64()
    );
    println!(
        "wall ÷ expected: {ratio:.4} ({})",
        if (ratio - 1.0).abs() <= TOLERANCE {
            "within 5%".to_owned()
        } else {
            format!("OFF by {:+.1}%, target within 5%", (ratio - 1.0) * 100.0)
        }
    );
    println!(
        "achieved:        {:.1} sends per second",
        received.len() as f64 / wall.as_secs_f64()
    );
    println!("peak memory:     {}", peak_memory());
    timings.print();

    assert_eq!(left, 0, "rows left unsent after {runs} runs in {wall:?}");
    assert_eq!(
        received.len(),
        settings.messages,
        "the server received a different number of messages than were sent"
    );
    assert!(
        twice.is_empty() && missing == 0,
        "each recipient once: {} twice (first: {:?}), {missing} missing",
        twice.len(),
        twice.first()
    );

    outbox_alone(&folder.path().join("outbox-alone.db"));
}

/// `count` notices of `message`, one per recipient, due at `now`, without a window.
fn notices(count: usize, message: &str, now: Timestamp) -> Vec<Notice> {
    (0..count)
        .map(|index| Notice {
            org: "bench".to_owned(),
            message: message.to_owned(),
            recipient: Recipient {
                email: address(index),
                name: format!("Agent {index}"),
                timezone: "UTC".to_owned(),
            },
            tier: Tier::Agents,
            channel: CHANNEL.to_owned(),
            subject: "Your routing changes on Monday".to_owned(),
            body: format!(
                "Hello Agent {index},\n\nFrom Monday you take calls in the Billing queue \
                 (skill Billing, proficiency 3) in addition to Support.\n\nQuestions: your \
                 supervisor.\n"
            ),
            not_before: now,
            window: None,
            acknowledge_within_secs: None,
        })
        .collect()
}

fn address(index: usize) -> String {
    format!("agent{index}@bench.example")
}

/// Rows not yet `sent` (pending, or anything that went wrong).
fn unsent(outbox: &Outbox) -> u64 {
    let counts = outbox.status().expect("the outbox status").counts;
    counts
        .iter()
        .filter(|(state, _)| **state != State::Sent)
        .map(|(_, count)| count)
        .sum()
}

fn describe_counts(counts: &BTreeMap<State, u64>) -> String {
    counts
        .iter()
        .map(|(state, count)| format!("{state} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The email channel, timing each delivery: when it started and how long it took.
struct Timed {
    inner: EmailChannel,
    timings: Timings,
}

impl Deliver for Timed {
    async fn deliver(&self, envelope: &Envelope) -> Delivery {
        let started = Instant::now();
        let delivery = self.inner.deliver(envelope).await;
        self.timings.push(started, started.elapsed());
        delivery
    }
}

/// (start, duration) of every delivery, shared with the channel's tasks.
#[derive(Clone, Default)]
struct Timings(Arc<Mutex<Vec<(Instant, Duration)>>>);

impl Timings {
    fn push(&self, started: Instant, took: Duration) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((started, took));
    }

    /// The spacing of the starts and the delivery times, p50/p99/max.
    fn print(&self) {
        let mut timings = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if timings.len() < 2 {
            return;
        }
        timings.sort_by_key(|(started, _)| *started);
        let mut gaps: Vec<Duration> = timings
            .windows(2)
            .map(|pair| pair[1].0 - pair[0].0)
            .collect();
        let mut took: Vec<Duration> = timings.iter().map(|(_, took)| *took).collect();
        let span = timings[timings.len() - 1].0 - timings[0].0;
        let mean_gap = span / u32::try_from(gaps.len()).unwrap_or(u32::MAX);
        gaps.sort();
        took.sort();
        println!(
            "\nstarts: first to last {:.3} s, gap between starts mean {:.3} ms, p50 {:.3} ms, \
             p99 {:.3} ms, max {:.3} ms",
            span.as_secs_f64(),
            millis(mean_gap),
            millis(percentile(&gaps, 0.50)),
            millis(percentile(&gaps, 0.99)),
            millis(gaps[gaps.len() - 1])
        );
        println!(
            "delivery (SMTP send, pool wait included): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            millis(percentile(&took, 0.50)),
            millis(percentile(&took, 0.99)),
            millis(took[took.len() - 1])
        );
    }
}

/// Counts the dispatcher's events per kind (the journal's stand-in).
#[derive(Default)]
struct Tally {
    counts: BTreeMap<&'static str, u64>,
    first_problem: Option<String>,
}

impl DeliveryLog for Tally {
    fn record(&mut self, event: &DeliveryEvent) {
        let kind = match event {
            DeliveryEvent::Sent { .. } => "sent",
            DeliveryEvent::Failed { .. } => "failed",
            DeliveryEvent::DeadLettered { .. } => "dead-lettered",
            DeliveryEvent::Undeliverable { .. } => "undeliverable",
            DeliveryEvent::InDoubt { .. } => "in doubt",
            DeliveryEvent::Deferred { .. } => "deferred",
            DeliveryEvent::BreakerOpened { .. } => "breaker opened",
            DeliveryEvent::BreakerClosed { .. } => "breaker closed",
        };
        *self.counts.entry(kind).or_default() += 1;
        if kind != "sent" && self.first_problem.is_none() {
            self.first_problem = Some(format!("{event:?}"));
        }
    }
}

impl Tally {
    fn describe(&self) -> String {
        let mut text = self
            .counts
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(problem) = &self.first_problem {
            text.push_str("; first problem: ");
            text.push_str(problem);
        }
        text
    }
}

/// Times [`OUTBOX_ROWS`] claims and marks-sent on a fresh outbox at `database`, without any
/// send: the outbox's own ceiling (each is a committed, fsync'd transaction).
fn outbox_alone(database: &Path) {
    let mut outbox = Outbox::open(database).expect("the second outbox opens");
    let now = Timestamp::now();
    let notices = notices(OUTBOX_ROWS, "bench:outbox-alone", now);
    outbox
        .enqueue(&notices, now)
        .expect("the notices are stored");
    let started = Instant::now();
    for notice in &notices {
        let key = notice.key();
        assert!(outbox.claim(&key, now).expect("claim"), "a pending row");
        outbox.mark_sent(&key, now).expect("mark sent");
    }
    let took = started.elapsed();
    let per_row = took / u32::try_from(OUTBOX_ROWS).unwrap_or(u32::MAX);
    println!(
        "\noutbox alone: claim + mark sent of {OUTBOX_ROWS} rows in {:.3} s, {:.3} ms a row: \
         at most {:.0} rows per second on this disk",
        took.as_secs_f64(),
        millis(per_row),
        1.0 / per_row.as_secs_f64()
    );
}

/// The process's peak resident memory (`VmHWM`), in MiB.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        });
    match kib {
        Some(kib) => format!(
            "{:.1} MiB (VmHWM of the whole process, the in-process SMTP server's copy of \
             every message included)",
            kib as f64 / 1024.0
        ),
        None => "unavailable (no VmHWM in /proc/self/status on this system)".to_owned(),
    }
}

/// The nearest-rank percentile `q` of sorted, non-empty `sorted`.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The type of the filesystem holding `path` (from `/proc/mounts`): fsync on `tmpfs` costs
/// nothing, so its numbers would not be of durable storage.
fn filesystem_of(path: &Path) -> String {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let _device = fields.next()?;
            let mount = fields.next()?;
            let kind = fields.next()?;
            path.starts_with(mount)
                .then(|| (mount.len(), kind.to_owned()))
        })
        .max()
        .map_or_else(|| "an unknown filesystem".to_owned(), |(_, kind)| kind)
}
