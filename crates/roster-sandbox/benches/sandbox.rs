//! Sandbox benchmark: an org of 100,000 users (half of them in one of 100 groups), paged user
//! listing at `pageSize=500` without expansions, with `expand=skills,languages,team` and with
//! `expand=skills,languages,team,groups` (what roster's snapshot reads), and the process's
//! memory (`VmRSS` / `VmHWM`).
//!
//! Each mode prints pages per second of wall time, per CPU-second of the whole process, and
//! per CPU-second of the sandbox's own threads: on a busy machine (see the load average it
//! prints) the CPU figures are the steadier ones, and the last is what the sandbox alone
//! costs.
//!
//! Run with `cargo bench -p roster-sandbox`. Binds 127.0.0.1 only; every loop is bounded by
//! a request count and a deadline, so it ends by itself. Targets: more than 5,000 page
//! requests per second on loopback; less than 1 GiB for 100,000 users.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use roster_sandbox::{FaultUpdate, Sandbox, SeedGroup, SeedOrg};

const USERS: usize = 100_000;
const PAGE_SIZE: usize = 500;
const CLIENTS: usize = 8;
const MAX_REQUESTS: usize = 60_000;
const MAX_TIME: Duration = Duration::from_secs(8);
/// Groups of the org; user `i` is a member of group `i % (2 * GROUPS)` when that exists.
const GROUPS: usize = 100;

/// The generated org plus groups, so that `expand=groups` has something to find.
fn seed() -> SeedOrg {
    let mut seed = SeedOrg::generated(USERS, 500, 200, 100, 1_000, 42);
    seed.groups = (0..GROUPS)
        .map(|group| SeedGroup {
            name: format!("Group {group:03}"),
            members: (group..USERS)
                .step_by(2 * GROUPS)
                .map(|index| format!("user{index:06}@example.test"))
                .collect(),
            ..SeedGroup::default()
        })
        .collect();
    seed
}

fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or_else(
                || "?".to_owned(),
                |kb| format!("{:.1} MiB", kb as f64 / 1024.0),
            )
    };
    format!("VmRSS {} VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

/// Name of the sandbox's runtime threads, so that their CPU time can be told from the
/// clients' (at most 15 bytes: the kernel's limit for thread names).
const SERVER_THREADS: &str = "sandbox-server";

/// CPU seconds used by this process so far (user + system; `USER_HZ` is 100 on Linux).
fn cpu_seconds() -> f64 {
    stat_cpu_seconds("/proc/self/stat")
}

/// CPU seconds used so far by the sandbox's own threads (see [`SERVER_THREADS`]).
fn server_cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.trim() == SERVER_THREADS)
        })
        .map(|task| stat_cpu_seconds(&task.path().join("stat").to_string_lossy()))
        .sum()
}

/// User + system CPU seconds of a `/proc/.../stat` file.
fn stat_cpu_seconds(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

async fn token(base: &str, http: &reqwest::Client) -> String {
    let response = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("sandbox", Some("sandbox"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    let body: serde_json::Value = response.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// How many pages the listing has (a filtered one has fewer than `USERS / PAGE_SIZE`, and
/// requests past its end would measure empty pages).
async fn page_count(base: &str, token: &str, query: &str) -> usize {
    let url = format!("{base}/api/v2/users?pageSize={PAGE_SIZE}&pageNumber=1{query}");
    let first: serde_json::Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("first page")
        .json()
        .await
        .expect("page json");
    let count = first["pageCount"].as_u64().expect("pageCount");
    usize::try_from(count).expect("a page count fits in usize")
}

/// What one walk measured.
struct Measured {
    /// Requests per second of wall time.
    rate: f64,
    /// Requests done.
    count: usize,
    /// Bytes of the last page read.
    bytes: usize,
    /// Requests per CPU-second of the whole process (clients included).
    per_cpu: f64,
    /// Requests per CPU-second of the sandbox's threads alone.
    per_server_cpu: f64,
}

/// Pages through the user list with `CLIENTS` concurrent clients.
async fn run(base: &str, token: &str, query: &str) -> Measured {
    let pages = page_count(base, token, query).await;
    let cpu_before = cpu_seconds();
    let server_cpu_before = server_cpu_seconds();
    let next = Arc::new(AtomicUsize::new(0));
    let bytes = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (next, bytes) = (Arc::clone(&next), Arc::clone(&bytes));
        let (base, token, query) = (base.to_owned(), token.to_owned(), query.to_owned());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= MAX_REQUESTS || started.elapsed() > MAX_TIME {
                    break;
                }
                let page = index % pages + 1;
                let url =
                    format!("{base}/api/v2/users?pageSize={PAGE_SIZE}&pageNumber={page}{query}");
                let response = http
                    .get(url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("page request");
                assert!(
                    response.status().is_success(),
                    "status {}",
                    response.status()
                );
                let body = response.bytes().await.expect("page body");
                bytes.store(body.len(), Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }
    let done = next.load(Ordering::Relaxed).min(MAX_REQUESTS);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let server_cpu = server_cpu_seconds() - server_cpu_before;
    Measured {
        rate: done as f64 / elapsed,
        count: done,
        bytes: bytes.load(Ordering::Relaxed),
        per_cpu: done as f64 / cpu.max(0.01),
        per_server_cpu: done as f64 / server_cpu.max(0.01),
    }
}

fn main() {
    // The sandbox serves from its own threads, so that its CPU time is measured apart from
    // the clients' (reading 800 KiB pages costs the clients about as much as writing them).
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name(SERVER_THREADS)
        .enable_all()
        .build()
        .expect("server runtime");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "roster-sandbox bench: {USERS} users, pageSize {PAGE_SIZE}, {CLIENTS} concurrent clients"
    );
    println!("memory at start:          {}", memory());
    let sandbox = server_runtime.block_on(Sandbox::start());
    runtime.block_on(async {
        let started = Instant::now();
        let seed = seed();
        sandbox.seed("sandbox", &seed).expect("seed");
        drop(seed);
        println!("seeded in {:.2} s;        {}", started.elapsed().as_secs_f64(), memory());
        sandbox
            .set_faults("sandbox", &FaultUpdate { requests_per_minute: Some(0), ..FaultUpdate::default() })
            .expect("org");
        let base = sandbox.base_url();
        let http = reqwest::Client::new();
        let token = token(&base, &http).await;
        // ROSTER_BENCH_ONLY=plain|expand runs one mode (for profiling).
        let only = std::env::var("ROSTER_BENCH_ONLY").unwrap_or_default();
        let modes = [
            ("plain", "state=any, no expand", "&state=any"),
            ("plain", "active, no expand", ""),
            ("expand", "expand=skills,languages,team", "&state=any&expand=skills,languages,team"),
            ("expand", "expand=...,groups (roster)", "&state=any&expand=skills,languages,team,groups"),
        ];
        for (mode, label, query) in modes {
            if !only.is_empty() && only != mode {
                continue;
            }
            // One warm-up walk fills the per-user JSON cache, as a long-running sandbox has.
            let _ = run(&base, &token, query).await;
            let measured = run(&base, &token, query).await;
            println!(
                "GET /api/v2/users {label:<31} {:>6.0} pages/s wall, {:>6.0} per CPU-second (server and clients), \
                 {:>6.0} per server CPU-second ({} requests, {:.0} KiB/page)",
                measured.rate,
                measured.per_cpu,
                measured.per_server_cpu,
                measured.count,
                measured.bytes as f64 / 1024.0,
            );
        }
        println!("memory at end:            {}", memory());
        println!(
            "load average during the run: {} (other processes share these {} cores)",
            std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" "),
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
        );
    });
}
