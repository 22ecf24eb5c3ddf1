//! Rate limits, injected errors, token expiry, bad credentials and org isolation.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use roster_genesys::{GenesysClient, ProgressEvent, Stage, TOKEN_ENDPOINT};
use roster_model::{ReadNeeds, UserSelection};
use roster_sandbox::{FaultUpdate, parse_seed};

use crate::support::{
    ORG, SEED, client, connection, email, full_needs, quiet, sandbox, sandbox_counts, snapshot,
};

/// [`SEED`] plus `extra` plain users, so a run makes enough requests to hit limits.
fn bigger_seed(extra: usize) -> String {
    let mut seed = SEED.to_owned();
    for index in 0..extra {
        let _ = writeln!(
            seed,
            "  - {{ email: agent{index:03}@acme.example, name: Agent {index} }}"
        );
    }
    seed
}

#[tokio::test]
async fn a_run_survives_a_429_storm_and_injected_errors_with_the_same_snapshot() {
    let seed = bigger_seed(60);
    let sandbox = Arc::new(sandbox(&seed).await);
    let mut needs = full_needs();
    let UserSelection::Named(utilization) = &mut needs.utilization else {
        unreachable!("full_needs names its users")
    };
    utilization.extend((0..60).map(|i| email(&format!("agent{i:03}@acme.example"))));
    let clean = snapshot(&client(&sandbox).session(), &needs).await.live;

    // The sandbox allows 20 requests per one-second window (a minute's limit squeezed into a
    // second, so Retry-After waits are one second, not sixty); the client believes it has
    // 1,320 a minute, so it bursts past the window and must honour every 429. 10% of the
    // requests that get through fail with an injected 5xx.
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                requests_per_minute: Some(20),
                rate_window_ms: Some(1_000),
                error_rate: Some(0.1),
                seed: Some(11),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    sandbox.reset_stats(ORG).unwrap();
    let throttled = || {
        roster_genesys::throttled::by_org()
            .get(ORG)
            .copied()
            .unwrap_or(0)
    };
    let throttled_before = throttled();
    let stormy = GenesysClient::new(connection(&sandbox, ORG, "acme-id", "acme-secret", 1_320))
        .unwrap()
        .session();
    let result = stormy.snapshot(&needs, &quiet).await;
    let stats = sandbox.stats(ORG).unwrap();
    assert_eq!(result.unwrap().live, clean);
    assert!(stats.throttled > 0, "no 429 was provoked: {stats:?}");
    // The process-wide count a server's metrics read saw every one (other tests of the
    // same org may add theirs).
    assert!(throttled() - throttled_before >= stats.throttled);
    assert!(stats.faults_injected > 0, "no 5xx was injected: {stats:?}");
    // Every attempt the client made reached the org, retries included.
    assert_eq!(stormy.total_requests(), stats.requests);
}

#[tokio::test]
async fn a_token_expiring_mid_run_is_refreshed_once() {
    let sandbox = Arc::new(sandbox(SEED).await);
    let clean = snapshot(&client(&sandbox).session(), &full_needs())
        .await
        .live;
    let session = client(&sandbox).session();
    let expired = AtomicBool::new(false);
    let progress = |event: ProgressEvent| {
        // Mid-run: once the first list is in, every token issued so far expires.
        if event.stage == Stage::Lists && !expired.swap(true, Ordering::SeqCst) {
            sandbox
                .advance_clock(Duration::from_hours(48))
                .expect("a short advance");
        }
    };
    let live = session
        .snapshot(&full_needs(), &progress)
        .await
        .unwrap()
        .live;
    assert!(expired.load(Ordering::SeqCst));
    assert_eq!(live, clean);
    assert_eq!(session.request_counts()[TOKEN_ENDPOINT], 2);
}

#[tokio::test]
async fn bad_credentials_give_one_clear_error_for_the_org() {
    let sandbox = sandbox(SEED).await;
    let session = GenesysClient::new(connection(&sandbox, ORG, "acme-id", "wrong-secret", 60_000))
        .unwrap()
        .session();
    let error = session.snapshot(&full_needs(), &quiet).await.unwrap_err();
    // The message leaves the org to the caller, who names it once; the error keeps it.
    insta::assert_snapshot!(error.to_string());
    assert_eq!(error.org(), ORG);
    assert_eq!(session.request_counts()[TOKEN_ENDPOINT], 1);
    assert_eq!(session.total_requests(), 1);
    // The secret never shows in the error or in the connection's debug output.
    assert!(!format!("{error:?}").contains("wrong-secret"));
    let debug = format!(
        "{:?}",
        connection(&sandbox, ORG, "acme-id", "wrong-secret", 1)
    );
    assert!(!debug.contains("wrong-secret"), "{debug}");
}

#[tokio::test]
async fn one_orgs_token_is_never_sent_to_another() {
    let sandbox = sandbox(SEED).await;
    sandbox
        .create_org("globex", "globex-id", "globex-secret")
        .unwrap();
    sandbox
        .seed(
            "globex",
            &parse_seed("skills: [Widgets]\nusers: [{ email: hank@globex.example, name: Hank }]")
                .unwrap(),
        )
        .unwrap();
    sandbox
        .set_faults(
            "globex",
            &FaultUpdate {
                requests_per_minute: Some(0),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    let acme = client(&sandbox).session();
    let globex = GenesysClient::new(connection(
        &sandbox,
        "globex",
        "globex-id",
        "globex-secret",
        60_000,
    ))
    .unwrap()
    .session();
    let (acme_needs, globex_needs) = (full_needs(), ReadNeeds::default());
    let (acme_live, globex_live) = futures::join!(
        acme.snapshot(&acme_needs, &quiet),
        globex.snapshot(&globex_needs, &quiet)
    );
    let (acme_live, globex_live) = (acme_live.unwrap().live, globex_live.unwrap().live);
    assert!(acme_live.skills.contains_key("Billing") && !acme_live.skills.contains_key("Widgets"));
    assert!(
        globex_live.skills.contains_key("Widgets") && !globex_live.skills.contains_key("Billing")
    );
    // The sandbox files each request under the org of its token: each org saw exactly the
    // requests of its own client.
    assert_eq!(sandbox_counts(&sandbox, ORG), acme.request_counts());
    assert_eq!(sandbox_counts(&sandbox, "globex"), globex.request_counts());
}
