//! `roster serve` intake benchmark (issue #15): how fast signed HR deliveries are accepted
//! when each is committed to the `SQLite` queue (WAL, `synchronous=FULL`, see `queue.rs`)
//! before the answer, and how fast the worker then drains stored `rehire` events.
//!
//! The server runs in this process on its own thread and runtime (2 worker threads), on
//! 127.0.0.1, serving a temporary workspace: one embedded sandbox org (`sandbox: {}`, no
//! network) and a Standard Webhooks hook `hr` mapping `user.rehired` to `rehire`, its secret
//! read from a file. Processing a rehire only appends a `reactivationPending` journal record.
//! The clients (reqwest, HTTP/1.1 keep-alive) run on another runtime; every delivery is
//! signed before its clock starts, and its latency runs from sending to the answer's body.
//!
//! 1. sequential intake: 2,000 new deliveries one after the other (p50, p99, max, events/s);
//! 2. concurrent intake: 8 clients × 500 new deliveries (events/s over the wall time,
//!    p50/p99/max of every delivery);
//! 3. redeliveries: the 2,000 events of (1) delivered again, answered 200 from the stored
//!    event without a write (p50/p99/max);
//! 4. drain: a second server on a fresh workspace is sent 2,000 rehire events all effective
//!    at one instant a few seconds ahead, so they are stored before any is due; from that
//!    instant `/metrics` is polled until `roster_hr_queue_depth 0` (events/s processed).
//!
//! Events of (1)–(3) are effective in 2099: they are stored as every delivery is, but the
//! worker has nothing due, so intake is measured alone. The queue depth after (3) and the
//! journal records after (4) are printed to show nothing was lost or doubled.
//!
//! No target is asserted; every wait is bounded and the bench ends by itself. The numbers are
//! of a shared 2-core machine where client and server compete for the same cores and the
//! disk's fsync cost dominates: compare runs on one machine, not across machines.
//!
//! `cargo bench -p roster-serve --bench intake`

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use roster_manifest::{Workspace, load_workspace};
use serde_json::json;
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The hook's secret (Standard Webhooks: `whsec_` and base64), written to a file.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The org of the temporary workspace.
const ORG: &str = "demo";
const ROSTER_YAML: &str = "\
orgs:
  demo:
    sandbox: {}
serve:
  database: .roster/serve.db
  hooks:
    hr:
      org: demo
      verify: standard-webhooks
      secret: { file: hook-secret }
      event: { id: /id, kind: /type, email: /data/email, effective: /data/effective }
      kinds: { user.rehired: rehire }
";
/// Effective date of the intake events: stored, never due during the bench.
const NOT_DUE: &str = "2099-01-01";
/// Deliveries before anything is measured (connection set-up, page cache).
const WARM_UP: usize = 20;
const SEQUENTIAL: usize = 2_000;
const CLIENTS: usize = 8;
const PER_CLIENT: usize = 500;
/// Rehire events the worker drains.
const DRAINED: usize = 2_000;
/// The shortest and longest wait between the drain events' storage and their due time.
const DUE_MARGIN: (Duration, Duration) = (Duration::from_secs(3), Duration::from_secs(25));
/// Longest wait for a server to listen or to stop.
const SERVER_WAIT: Duration = Duration::from_secs(30);
/// Longest wait for the worker to drain the queue.
const DRAIN_WAIT: Duration = Duration::from_mins(5);
/// Pause between two `/metrics` reads while draining.
const POLL: Duration = Duration::from_millis(20);
/// Longest wait for one HTTP answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime for the clients");
    runtime.block_on(run());
    runtime.shutdown_timeout(Duration::from_secs(1));
}

async fn run() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let intake_root = folder.path().join("intake");
    let server = Server::start(&intake_root);
    println!(
        "roster serve at {}; queue {} on {} (SQLite WAL, synchronous=FULL: each 202 follows \
         an fsync'd commit); 2-core shared machine, client and server in one process",
        server.base,
        intake_root.join(".roster/serve.db").display(),
        filesystem_of(folder.path())
    );
    let key = BASE64
        .decode(SECRET.trim_start_matches("whsec_"))
        .expect("the secret is base64");
    let http = client();

    for index in 0..WARM_UP {
        let delivery = Delivery::rehire(&format!("warm-{index}"), index, NOT_DUE);
        delivery.send(&http, &server.base, &key).await;
    }

    // 1. Sequential intake.
    let sequential: Vec<Delivery> = (0..SEQUENTIAL)
        .map(|index| Delivery::rehire(&format!("seq-{index}"), index, NOT_DUE))
        .collect();
    let started = Instant::now();
    let mut answers = Vec::with_capacity(SEQUENTIAL);
    for delivery in &sequential {
        answers.push(delivery.send(&http, &server.base, &key).await);
    }
    let sequential_rate = Timings::new(answers, started.elapsed()).print(&format!(
        "1. sequential intake, {SEQUENTIAL} new deliveries"
    ));

    // 2. Concurrent intake.
    let (answers, wall) = concurrent(&server.base, &key, "conc", NOT_DUE).await;
    let concurrent_rate = Timings::new(answers, wall).print(&format!(
        "2. concurrent intake, {CLIENTS} clients × {PER_CLIENT} new deliveries"
    ));

    // 3. Redeliveries of (1).
    let started = Instant::now();
    let mut answers = Vec::with_capacity(SEQUENTIAL);
    for delivery in &sequential {
        answers.push(delivery.send(&http, &server.base, &key).await);
    }
    Timings::new(answers, started.elapsed()).print(&format!(
        "3. redeliveries of the {SEQUENTIAL} events of (1), sequential"
    ));
    let stored = WARM_UP + SEQUENTIAL + CLIENTS * PER_CLIENT;
    println!(
        "   queue depth after (1)–(3): {} ({stored} new events delivered, none due)",
        describe(queue_depth(&http, &server.base).await)
    );
    server.stop();
    println!(
        "   intake rates: sequential {sequential_rate:.0} events/s, concurrent \
         {concurrent_rate:.0} events/s"
    );

    // 4. Drain.
    drain(&folder.path().join("drain"), &key, concurrent_rate).await;
}

/// Stores [`DRAINED`] rehire events due at one instant on a fresh server, then times the
/// worker from that instant until the queue is empty.
async fn drain(root: &Path, key: &[u8], intake_rate: f64) {
    let server = Server::start(root);
    let http = client();
    // Twice the expected intake time, within [`DUE_MARGIN`], in whole seconds.
    let expected = Duration::from_secs_f64(DRAINED as f64 / intake_rate.max(1.0));
    let margin = (expected * 2 + Duration::from_secs(1)).clamp(DUE_MARGIN.0, DUE_MARGIN.1);
    let due = (OffsetDateTime::now_utc() + margin)
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid");
    let due_at =
        Instant::now() + Duration::try_from(due - OffsetDateTime::now_utc()).unwrap_or_default();
    let effective = due.format(&Rfc3339).expect("a formattable time");

    let started = Instant::now();
    let (answers, _) = concurrent_count(&server.base, key, "drain", &effective, DRAINED).await;
    let stored_in = started.elapsed();
    let accepted = answers.iter().filter(|(status, _)| *status == 202).count();
    let early = Instant::now() > due_at;
    println!(
        "\n4. drain: {accepted} of {DRAINED} rehire events accepted (202) in {:.2}s, all \
         effective at {effective}{}",
        stored_in.as_secs_f64(),
        if early {
            "; WARNING: storing ended after that instant, the worker started early"
        } else {
            ""
        }
    );
    tokio::time::sleep_until(due_at.into()).await;

    let deadline = due_at + DRAIN_WAIT;
    let mut drained = None;
    let mut last = None;
    let mut reads = 0_u32;
    let mut slowest = Duration::ZERO;
    while Instant::now() < deadline {
        let asked = Instant::now();
        last = queue_depth(&http, &server.base).await;
        reads += 1;
        slowest = slowest.max(asked.elapsed());
        if last == Some(0) {
            drained = Some(due_at.elapsed());
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    match drained {
        Some(took) => println!(
            "   drained in {:.2}s after the due instant: {:.0} events/s processed",
            took.as_secs_f64(),
            DRAINED as f64 / took.as_secs_f64()
        ),
        None => println!(
            "   not drained within {DRAIN_WAIT:?}: queue depth {}",
            describe(last)
        ),
    }
    println!(
        "   /metrics read {reads} times while draining (a pause of {POLL:?} between reads); \
         slowest answer {:.0} ms",
        millis(slowest)
    );
    if slowest > Duration::from_secs(1) {
        println!(
            "   NOTE: /metrics did not answer while the worker ran, so the drain time is when \
             the queue was next seen empty: an upper bound"
        );
    }
    server.stop();
    let journal = root.join(".roster/journal").join(format!("{ORG}.jsonl"));
    let records = std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains("\"reactivationPending\""))
        .count();
    println!(
        "   journal {}: {records} reactivationPending records ({accepted} expected)",
        journal.display()
    );
}

/// [`CLIENTS`] clients delivering [`PER_CLIENT`] new events each at once.
async fn concurrent(
    base: &str,
    key: &[u8],
    prefix: &str,
    effective: &str,
) -> (Vec<(u16, Duration)>, Duration) {
    concurrent_count(base, key, prefix, effective, CLIENTS * PER_CLIENT).await
}

/// [`CLIENTS`] clients, each on its own connection, delivering `total` new events between
/// them; answers every (status, latency) and the wall time.
async fn concurrent_count(
    base: &str,
    key: &[u8],
    prefix: &str,
    effective: &str,
    total: usize,
) -> (Vec<(u16, Duration)>, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(CLIENTS);
    for client_index in 0..CLIENTS {
        let deliveries: Vec<Delivery> = (client_index..total)
            .step_by(CLIENTS)
            .map(|index| Delivery::rehire(&format!("{prefix}-{index}"), index, effective))
            .collect();
        let base = base.to_owned();
        let key = key.to_vec();
        tasks.push(tokio::spawn(async move {
            let http = client();
            let mut answers = Vec::with_capacity(deliveries.len());
            for delivery in &deliveries {
                answers.push(delivery.send(&http, &base, &key).await);
            }
            answers
        }));
    }
    let mut answers = Vec::with_capacity(total);
    for task in tasks {
        answers.extend(task.await.expect("a client task finishes"));
    }
    (answers, started.elapsed())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("an HTTP client")
}

/// One HR event as the HR system would post it.
struct Delivery {
    id: String,
    body: String,
}

impl Delivery {
    /// A `user.rehired` event `id` of a user numbered `user`, effective at `effective`.
    fn rehire(id: &str, user: usize, effective: &str) -> Delivery {
        let body = json!({
            "id": id,
            "type": "user.rehired",
            "data": { "email": format!("user{user}@bench.example"), "effective": effective },
        });
        Delivery {
            id: id.to_owned(),
            body: body.to_string(),
        }
    }

    /// Signs and posts it; answers the status and the time from sending to the whole answer.
    /// A failed request counts as status 0.
    async fn send(&self, http: &reqwest::Client, base: &str, key: &[u8]) -> (u16, Duration) {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs();
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(format!("{}.{timestamp}.{}", self.id, self.body).as_bytes());
        let signature = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
        let request = http
            .post(format!("{base}/hooks/hr"))
            .header("webhook-id", &self.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header("content-type", "application/json")
            .body(self.body.clone());
        let started = Instant::now();
        let status = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(_) => status,
                    Err(_) => 0,
                }
            }
            Err(_) => 0,
        };
        (status, started.elapsed())
    }
}

/// The answers of one measurement.
struct Timings {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    wall: Duration,
}

impl Timings {
    fn new(answers: Vec<(u16, Duration)>, wall: Duration) -> Timings {
        let mut statuses = BTreeMap::new();
        let mut latencies = Vec::with_capacity(answers.len());
        for (status, latency) in answers {
            *statuses.entry(status).or_insert(0) += 1;
            latencies.push(latency);
        }
        latencies.sort();
        Timings {
            latencies,
            statuses,
            wall,
        }
    }

    /// Prints the measurement under `title`; answers its events per second.
    fn print(&self, title: &str) -> f64 {
        let rate = self.latencies.len() as f64 / self.wall.as_secs_f64();
        let answers: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, count)| format!("{status} × {count}"))
            .collect();
        println!("\n{title}");
        println!(
            "   answers: {} (0 = no answer); {:.2}s, {rate:.0} events/s",
            answers.join(", "),
            self.wall.as_secs_f64()
        );
        if !self.latencies.is_empty() {
            println!(
                "   latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                millis(percentile(&self.latencies, 0.50)),
                millis(percentile(&self.latencies, 0.99)),
                millis(self.latencies[self.latencies.len() - 1])
            );
        }
        rate
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

/// `roster_hr_queue_depth` from `/metrics`; `None` when it cannot be read.
async fn queue_depth(http: &reqwest::Client, base: &str) -> Option<u64> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("roster_hr_queue_depth "))
        .and_then(|value| value.trim().parse().ok())
}

fn describe(depth: Option<u64>) -> String {
    depth.map_or_else(|| "unreadable".to_owned(), |depth| depth.to_string())
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

/// A `roster serve` on its own thread and runtime.
struct Server {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    /// How the server ended: its error's message, if any.
    thread: std::thread::JoinHandle<Result<(), String>>,
}

impl Server {
    /// Writes the workspace at `root` and serves it on a free loopback port.
    fn start(root: &Path) -> Server {
        std::fs::create_dir_all(root).expect("a workspace folder");
        std::fs::write(root.join("roster.yaml"), ROSTER_YAML).expect("roster.yaml");
        std::fs::write(root.join("hook-secret"), SECRET).expect("the secret file");
        let workspace = load(root);
        let (listening, address) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime for the server");
            let served = runtime.block_on(roster_serve::serve(
                workspace,
                Some(SocketAddr::from(([127, 0, 0, 1], 0))),
                move |bound| {
                    let _ = listening.send(bound);
                },
                async move {
                    let _ = stopped.await;
                },
            ));
            served.map_err(|error| error.to_string())
        });
        match address.recv_timeout(SERVER_WAIT) {
            Ok(bound) => Server {
                base: format!("http://{bound}"),
                stop,
                thread,
            },
            Err(waited) if thread.is_finished() => {
                panic!("the server did not start ({waited}): {:?}", thread.join())
            }
            Err(waited) => panic!("the server did not listen within {SERVER_WAIT:?}: {waited}"),
        }
    }

    /// Asks the server to stop and waits for it, bounded; prints how it ended.
    fn stop(self) {
        let _ = self.stop.send(());
        let asked = Instant::now();
        while !self.thread.is_finished() && asked.elapsed() < SERVER_WAIT {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !self.thread.is_finished() {
            println!("   the server did not stop within {SERVER_WAIT:?}");
            return;
        }
        match self.thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => println!("   the server ended with an error: {error}"),
            Err(_) => println!("   the server panicked"),
        }
    }
}

/// The workspace at `root`; panics with the loader's diagnostics.
fn load(root: &Path) -> Workspace {
    let loaded = load_workspace(root);
    let Some(workspace) = loaded.workspace else {
        panic!("{}: {:#?}", root.display(), loaded.diagnostics)
    };
    workspace
}
