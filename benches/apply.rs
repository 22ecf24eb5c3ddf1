//! Apply benchmark: plans and applies 2,000 user changes against the in-process sandbox and
//! prints how well the apply keeps the org's request budget busy (DESIGN §8: wall time within
//! 15% of requests ÷ rate).
//!
//! `cargo bench --bench apply`. Binds 127.0.0.1 only and ends by itself.

use std::collections::BTreeMap;
use std::time::Instant;

use roster_apply::{ApplyOptions, Journal, JournalContext, apply};
use roster_genesys::{GenesysClient, OrgConnection, Snapshot};
use roster_model::{
    DesiredLanguage, DesiredOrg, DesiredSkill, DesiredUser, Proficiency, ReadNeeds, UserState,
};
use roster_plan::{PlanOptions, plan};
use roster_sandbox::{FaultUpdate, OrgCredentials, Sandbox, SeedOrg, ServeOptions};

const ORG: &str = "bench";
const USERS: usize = 2_000;
/// Requests per minute, for the sandbox and the client alike: fast, so the bench is short,
/// but low enough that the writes span more than one minute's budget.
const RATE: u32 = 1_200;

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::start_with(ServeOptions {
        orgs: vec![OrgCredentials {
            name: ORG.into(),
            client_id: "bench".into(),
            client_secret: "bench".into(),
        }],
        state_file: None,
        ..ServeOptions::default()
    })
    .await
    .expect("sandbox starts on 127.0.0.1");
    sandbox
        .seed(ORG, &SeedOrg::generated(USERS, 100, 20, 100, 10, 7))
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
    let url = url::Url::parse(&sandbox.base_url()).expect("sandbox URL");
    let mut connection = OrgConnection::new(ORG, url, "bench", "bench".to_owned().into());
    connection.requests_per_minute = RATE;
    let client = GenesysClient::new(connection).expect("client");

    let session = client.session();
    let Snapshot { live, ids } = session
        .snapshot(&ReadNeeds::default(), &|_| {})
        .await
        .expect("snapshot");
    let reads = session.total_requests();
    let desired = every_skill_one_higher(&live);
    let started = Instant::now();
    let options = PlanOptions {
        requests_per_minute: RATE,
        reads,
        ..PlanOptions::default()
    };
    let planned = plan(&desired, &live, &options).expect("plan");
    let plan_time = started.elapsed();

    let journal_dir = tempfile::tempdir().expect("temp dir");
    let mut journal = Journal::open(
        journal_dir.path().join("bench.jsonl"),
        JournalContext {
            org: ORG.into(),
            ..JournalContext::default()
        },
    )
    .expect("journal");
    // The writes are a run of their own: their session counts them alone.
    let writer = client.session().writer(ids);
    let started = Instant::now();
    let summary = apply(
        &writer,
        &planned.steps,
        &ApplyOptions::default(),
        &mut journal,
    )
    .await
    .expect("apply");
    let wall = started.elapsed().as_secs_f64();
    let write_requests = writer.session().total_requests();
    let ideal = write_requests as f64 / f64::from(RATE) * 60.0;

    println!("apply benchmark: {USERS} users changed at {RATE} requests/minute");
    println!(
        "  plan:   {} steps in {:.0} ms",
        planned.steps.len(),
        plan_time.as_secs_f64() * 1e3
    );
    println!(
        "  apply:  {} succeeded, {} failed, {write_requests} requests in {wall:.1} s",
        summary.succeeded.len(),
        summary.failed.len()
    );
    println!(
        "  requests ÷ rate = {ideal:.1} s; wall ÷ (requests ÷ rate) = {:.3} (target ≤ 1.15)",
        wall / ideal
    );
    println!("  (a token may send a whole minute's budget at once, so a run shorter than its");
    println!("   budget in minutes finishes faster than requests ÷ rate: a ratio under 1)");

    let after = client
        .session()
        .snapshot(&ReadNeeds::default(), &|_| {})
        .await
        .expect("re-read")
        .live;
    let replan = plan(&desired, &after, &options).expect("re-plan");
    println!(
        "  re-plan after apply: {} steps (must be 0)",
        replan.steps.len()
    );
    assert!(replan.steps.is_empty(), "the apply did not converge");
}

/// Every active user manages its skills, each one point higher (capped at 5, else one lower),
/// and its languages as they are: one bulk skills PATCH per user.
fn every_skill_one_higher(live: &roster_model::LiveOrg) -> DesiredOrg {
    let mut desired = DesiredOrg {
        name: ORG.into(),
        ..DesiredOrg::default()
    };
    for name in live.skills.keys() {
        desired.skills.insert(
            name.clone(),
            DesiredSkill {
                name: name.clone(),
                former_names: Vec::new(),
                source: None,
            },
        );
    }
    for name in live.languages.keys() {
        desired.languages.insert(
            name.clone(),
            DesiredLanguage {
                name: name.clone(),
                source: None,
            },
        );
    }
    for user in live.users.values().filter(|u| u.state == UserState::Active) {
        let skills: BTreeMap<String, Proficiency> = user
            .skills
            .iter()
            .map(|(name, level)| {
                let value = level.as_f64();
                let next = if value < 5.0 {
                    value + 1.0
                } else {
                    value - 1.0
                };
                (name.clone(), Proficiency::new(next).expect("0..=5"))
            })
            .collect();
        let mut wanted = DesiredUser::new(user.email.clone(), user.name.clone());
        wanted.skills = Some(skills);
        wanted.languages = Some(user.languages.clone());
        desired.users.insert(user.email.clone(), wanted);
    }
    desired
}
