//! Snapshot benchmark: an org of 10,000 users, 300 skills, 200 queues × 150 members and 50
//! teams in the in-process sandbox (127.0.0.1 only), read once with every queue managed.
//!
//! Prints the request count per endpoint and in total (target ≤ 500), the client's CPU time
//! (its own thread, read from `/proc/thread-self/stat`, so the sandbox's work is not counted)
//! and wall time ÷ (requests ÷ rate) at 6,000 requests a minute (target ≤ 1.15).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use roster_genesys::{GenesysClient, OrgConnection};
use roster_model::{ReadNeeds, Selection};
use roster_sandbox::{FaultUpdate, Sandbox, SeedOrg};
use secrecy::SecretString;

const RATE: u32 = 6_000;

/// CPU time (user + system) of the calling thread.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the parenthesized command: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // The kernel's USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn main() {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime for the sandbox");
    let sandbox = server.block_on(Sandbox::start());
    sandbox
        .create_org("bench", "bench-id", "bench-secret")
        .expect("org");
    let seeding = Instant::now();
    let seed = SeedOrg::generated(10_000, 300, 200, 150, 50, 42);
    sandbox.seed("bench", &seed).expect("seed");
    sandbox
        .set_faults(
            "bench",
            &FaultUpdate {
                requests_per_minute: Some(RATE),
                ..FaultUpdate::default()
            },
        )
        .expect("faults");
    println!(
        "seeded 10,000 users, 300 skills, 200 queues × 150 members, 50 teams in {:.1}s",
        seeding.elapsed().as_secs_f64()
    );

    let base = url::Url::parse(&sandbox.base_url()).expect("sandbox URL");
    let queues: BTreeSet<String> = seed.queues.iter().map(|q| q.name.clone()).collect();
    // The client runs on its own thread so that thread's CPU time is the client's alone.
    let result = std::thread::spawn(move || {
        let client = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime for the client");
        client.block_on(async move {
            let mut connection = OrgConnection::new(
                "bench",
                base,
                "bench-id",
                SecretString::from("bench-secret".to_owned()),
            );
            connection.requests_per_minute = RATE;
            let client = GenesysClient::new(connection).expect("client");
            let mut session = client.session();
            let mut needs = ReadNeeds {
                queue_members: Selection::Named(queues),
                grants: true,
                ..ReadNeeds::default()
            };
            let mut cpu = thread_cpu();
            let mut start = Instant::now();
            let live = match session.snapshot(&needs, &|_| {}).await {
                Ok(snapshot) => snapshot.live,
                Err(error) => {
                    println!("note: snapshot with grants failed ({error}); reading without grants");
                    needs.grants = false;
                    // A new run: its counts start at zero (the token stays cached).
                    session = client.session();
                    // The sandbox's window of this token holds the failed run's requests.
                    tokio::time::sleep(Duration::from_secs(61)).await;
                    cpu = thread_cpu();
                    start = Instant::now();
                    session
                        .snapshot(&needs, &|_| {})
                        .await
                        .expect("snapshot")
                        .live
                }
            };
            let wall = start.elapsed();
            let cpu = thread_cpu().saturating_sub(cpu);
            (live.users.len(), session.request_counts(), wall, cpu)
        })
    })
    .join()
    .expect("client thread");
    let (users, counts, wall, cpu) = result;
    let requests: u64 = counts.values().sum();
    for (endpoint, count) in &counts {
        println!("{count:>6}  {endpoint}");
    }
    let ideal = Duration::from_secs_f64(requests as f64 * 60.0 / f64::from(RATE));
    println!("users read: {users}");
    println!("requests: {requests} (target ≤ 500; one GET per user would be over 10,000)");
    println!("client CPU: {:.2}s", cpu.as_secs_f64());
    println!(
        "wall: {:.2}s; requests ÷ rate: {:.2}s; ratio {:.3} (target ≤ 1.15)",
        wall.as_secs_f64(),
        ideal.as_secs_f64(),
        wall.as_secs_f64() / ideal.as_secs_f64()
    );
    drop(sandbox);
    server.shutdown_timeout(Duration::from_secs(1));
}
