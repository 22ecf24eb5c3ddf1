//! Benchmark: `roster export` of an org of 10,000 users end to end, the read included: the
//! in-process sandbox (127.0.0.1 only) holds 10,000 users (about 1,000 inactive), 300 skills,
//! 200 queues × 150 members and 50 teams; the client reads it with the export's needs in one
//! snapshot and the manifests are written in memory. Prints requests and times, with and
//! without `--no-utilization`, and what the read would take at Genesys Cloud's 300 requests
//! a minute per token.
//!
//! `cargo bench -p roster-export --bench read_and_export`

use std::time::Instant;

use roster_export::{Connection, ExportOptions, export};
use roster_genesys::{GenesysClient, OrgConnection};
use roster_model::{ReadNeeds, UserSelection, UserState};
use roster_sandbox::{FaultUpdate, Sandbox, SeedOrg};
use secrecy::SecretString;

const ORG: &str = "bench";
const USERS: usize = 10_000;
/// Requests per minute, for the sandbox and the client: high, so the bench measures roster
/// and not the wait for the budget.
const RATE: u32 = 60_000;
/// Genesys Cloud's documented limit per client-credentials token.
const GENESYS_RATE: f64 = 300.0;

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::start().await;
    sandbox
        .create_org(ORG, "bench-id", "bench-secret")
        .expect("org");
    sandbox
        .seed(ORG, &SeedOrg::generated(USERS, 300, 200, 150, 50, 42))
        .expect("seed");
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                requests_per_minute: Some(RATE),
                ..FaultUpdate::default()
            },
        )
        .expect("faults");
    let base = url::Url::parse(&sandbox.base_url()).expect("sandbox URL");

    println!("export of {USERS} users (one snapshot, then the manifests in memory)");
    for utilization in [true, false] {
        let mut connection = OrgConnection::new(
            ORG,
            base.clone(),
            "bench-id",
            SecretString::from("bench-secret".to_owned()),
        );
        connection.requests_per_minute = RATE;
        let session = GenesysClient::new(connection).expect("client").session();
        let mut needs = ReadNeeds::everything(Some(UserState::Active));
        if !utilization {
            needs.utilization = UserSelection::default();
        }

        let start = Instant::now();
        let live = session
            .snapshot(&needs, &|_| {})
            .await
            .expect("snapshot")
            .live;
        let read = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let options = ExportOptions::new(ORG, Connection::Region("us-east-1".into()));
        let files = export(&live, &options).expect("export");
        let write = start.elapsed().as_secs_f64();
        let requests = session.total_requests();

        println!(
            "  {}: {requests} requests, read {read:.2} s + write {:.0} ms = {:.2} s, {} files",
            if utilization {
                "default         "
            } else {
                "--no-utilization"
            },
            write * 1e3,
            read + write,
            files.len(),
        );
        println!(
            "    at {GENESYS_RATE:.0} requests/min (one token) the read takes at least {:.1} min",
            requests as f64 / GENESYS_RATE
        );
    }
}
