//! Convergence (DESIGN §7): whatever interrupts an apply (injected 5xx and timeouts, a 429
//! storm, a crash part-way), running it again reaches exactly the org a clean apply reaches,
//! with no duplicates.

use roster_sandbox::FaultUpdate;

use crate::support::{External, REMOTE, Workspace, assert_no_duplicates, org_view, repo_path};

const EXAMPLE: &str = "examples/acme";
const FULL: &str = "tests/fixtures/workspaces/full";

/// The demo org after one clean apply, by natural keys.
fn clean_demo() -> serde_json::Value {
    let workspace = Workspace::copy(EXAMPLE);
    let apply = workspace.roster("apply", &["--org", "demo", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    org_view(&workspace.sandbox_state("demo"), &[])
}

/// Plans with `--detailed-exitcode` and checks the org is converged and intact.
fn assert_converged(workspace: &Workspace, org: &str) {
    let plan = workspace.roster("plan", &["--org", org, "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    let journal = workspace.journal(org);
    let verify = crate::support::run(
        crate::support::roster()
            .args(["journal", "verify"])
            .arg(&journal),
    );
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
}

#[test]
fn an_apply_killed_part_way_converges_on_rerun() {
    let clean = clean_demo();
    // Crash after the first create, in the middle of the user updates, during the
    // assignments, and just before the offboarding and the rename's delete.
    for abort_after in [1, 9, 25, 50, 57] {
        let workspace = Workspace::copy(EXAMPLE);
        let crashed = workspace.roster(
            "apply",
            &[
                "--org",
                "demo",
                "--yes",
                "--abort-after",
                &abort_after.to_string(),
            ],
        );
        assert_eq!(
            crashed.code, 1,
            "--abort-after {abort_after}: {}",
            crashed.stderr
        );
        assert!(
            crashed.stderr.starts_with(&format!(
                "demo: {abort_after} succeeded, 0 failed, 0 skipped"
            )),
            "{}",
            crashed.stderr
        );
        let rerun = workspace.roster("apply", &["--org", "demo", "--yes"]);
        assert_eq!(
            rerun.code, 0,
            "after --abort-after {abort_after}: {}",
            rerun.stderr
        );
        assert_converged(&workspace, "demo");
        let state = workspace.sandbox_state("demo");
        assert_no_duplicates(&state);
        assert_eq!(
            org_view(&state, &[]),
            clean,
            "after --abort-after {abort_after}"
        );
    }
}

#[test]
fn an_apply_crashing_every_few_operations_still_converges() {
    let clean = clean_demo();
    let workspace = Workspace::copy(EXAMPLE);
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(
            runs <= 12,
            "58 operations, 7 a run: converged in at most 9 runs"
        );
        let run = workspace.roster("apply", &["--org", "demo", "--yes", "--abort-after", "7"]);
        match run.code {
            0 => break,
            1 => assert!(run.stderr.contains("not run"), "{}", run.stderr),
            code => panic!("exit {code}: {}", run.stderr),
        }
    }
    assert!(runs > 2, "the crashes really interrupted the apply");
    assert_converged(&workspace, "demo");
    let state = workspace.sandbox_state("demo");
    assert_no_duplicates(&state);
    assert_eq!(org_view(&state, &[]), clean);
}

#[test]
fn an_apply_under_injected_errors_of_the_embedded_sandbox_converges() {
    let clean = clean_demo();
    let workspace = Workspace::copy(EXAMPLE);
    // 10% of requests fail with 500/502/503, 2% hang briefly and answer 504.
    let faults =
        r#"{"errorRate":0.1,"timeoutRate":0.02,"timeoutMs":20,"seed":7,"requestsPerMinute":0}"#;
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs <= 4, "converges within a few runs");
        let run = crate::support::run(
            workspace
                .command("apply", &["--org", "demo", "--yes"])
                .env("ROSTER_SANDBOX_FAULTS", faults),
        );
        if run.code == 0 {
            break;
        }
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    assert_converged(&workspace, "demo");
    let state = workspace.sandbox_state("demo");
    assert_no_duplicates(&state);
    assert_eq!(org_view(&state, &[]), clean);
}

fn full_seed() -> String {
    std::fs::read_to_string(repo_path(FULL).join("sandbox/seed.yaml")).unwrap()
}

/// The full fixture applied to the embedded sandbox without faults, by natural keys.
fn clean_full() -> serde_json::Value {
    let workspace = Workspace::copy(FULL);
    let apply = workspace.roster("apply", &["--org", "local", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    org_view(&workspace.sandbox_state("local"), &[])
}

/// Applies the remote org until an apply succeeds (at most `max` runs).
fn apply_until_clean(workspace: &Workspace, max: usize) -> usize {
    for runs in 1..=max {
        let run = workspace.roster("apply", &["--org", REMOTE, "--yes"]);
        if run.code == 0 {
            return runs;
        }
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    panic!("no clean apply in {max} runs");
}

#[test]
fn an_apply_under_injected_5xx_over_http_converges_without_duplicates() {
    let sandbox = External::start(&full_seed());
    let mut workspace = Workspace::copy(FULL);
    workspace.connect(&sandbox);
    sandbox.faults(&FaultUpdate {
        error_rate: Some(0.1),
        timeout_rate: Some(0.02),
        timeout_ms: Some(20),
        seed: Some(7),
        ..FaultUpdate::default()
    });
    apply_until_clean(&workspace, 4);
    let counters = sandbox.sandbox.stats(REMOTE).unwrap();
    assert!(counters.faults_injected > 0, "{counters:?}");

    sandbox.faults(&FaultUpdate {
        error_rate: Some(0.0),
        timeout_rate: Some(0.0),
        ..FaultUpdate::default()
    });
    assert_converged(&workspace, REMOTE);
    let state = sandbox.state();
    assert_no_duplicates(&state);
    assert_eq!(org_view(&state, &[]), clean_full());
}

#[test]
fn an_apply_in_a_429_storm_honours_retry_after_and_converges() {
    let sandbox = External::start(&full_seed());
    let mut workspace = Workspace::copy(FULL);
    workspace.connect(&sandbox);
    // The org allows 20 requests a second; the client was told 6,000 a minute, so it bursts
    // into 429s and must wait out each `Retry-After` (1 s) instead of failing.
    sandbox.faults(&FaultUpdate {
        requests_per_minute: Some(20),
        rate_window_ms: Some(1_000),
        ..FaultUpdate::default()
    });
    apply_until_clean(&workspace, 2);
    let counters = sandbox.sandbox.stats(REMOTE).unwrap();
    assert!(counters.throttled > 0, "the storm happened: {counters:?}");

    assert_converged(&workspace, REMOTE);
    let state = sandbox.state();
    assert_no_duplicates(&state);
    assert_eq!(org_view(&state, &[]), clean_full());
}

/// `(op, target)` of every create a journal records with `status`.
fn creates(workspace: &Workspace, status: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(workspace.journal(REMOTE)).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|line| line["kind"] == "operation" && line["outcome"]["status"] == status)
        .filter_map(|line| {
            let op = line["operation"]["op"].as_str()?.to_owned();
            op.starts_with("create").then(|| {
                (
                    op,
                    line["target"]["key"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn two_applies_racing_on_one_org_adopt_instead_of_creating_twice() {
    let sandbox = External::start(&full_seed());
    // Each request takes a little while, so the two runs' writes overlap.
    sandbox.faults(&FaultUpdate {
        latency_ms: Some(3),
        ..FaultUpdate::default()
    });
    let mut first = Workspace::copy(FULL);
    first.connect(&sandbox);
    let mut second = Workspace::copy(FULL);
    second.connect(&sandbox);
    std::thread::scope(|scope| {
        let runs: Vec<_> = [&first, &second]
            .into_iter()
            .map(|workspace| scope.spawn(|| workspace.roster("apply", &["--org", REMOTE, "--yes"])))
            .collect();
        for run in runs {
            let run = run.join().expect("the run's thread ends");
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
    });

    let created_first = creates(&first, "succeeded");
    let created_second = creates(&second, "succeeded");
    let adopted: Vec<_> = creates(&first, "adopted")
        .into_iter()
        .chain(creates(&second, "adopted"))
        .collect();
    assert!(!adopted.is_empty(), "the runs raced on some create");
    for create in &created_first {
        assert!(
            !created_second.contains(create),
            "{create:?} is journaled as created by both runs"
        );
    }
    for create in &adopted {
        assert!(
            created_first.contains(create) || created_second.contains(create),
            "{create:?} was adopted from the other run's create"
        );
    }
    let state = sandbox.state();
    assert_no_duplicates(&state);
    sandbox.faults(&FaultUpdate {
        latency_ms: Some(0),
        ..FaultUpdate::default()
    });
    assert_converged(&first, REMOTE);
    assert_eq!(org_view(&state, &[]), clean_full());
}

#[test]
fn an_apply_while_another_holds_the_org_stops_before_reading_it() {
    let workspace = Workspace::copy(EXAMPLE);
    let state = workspace.root().join(".roster/sandbox/demo.json");
    // Another apply of this workspace, mid-run: it holds the org lock.
    let held = roster_service::OrgLock::acquire(workspace.root(), "demo").unwrap();
    let refused = workspace.roster("apply", &["--org", "demo", "--yes"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stdout.is_empty(),
        "no plan was shown: {}",
        refused.stdout
    );
    let pid = std::process::id();
    assert!(
        refused.stderr.starts_with(&format!(
            "error: org `demo`: another roster run is applying to org `demo` (pid {pid}, since "
        )),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("hint: wait for it to finish"),
        "{}",
        refused.stderr
    );
    assert!(!state.exists(), "the org was not even connected to");
    assert!(!workspace.journal("demo").exists(), "nothing was journaled");

    // A plan only reads: it does not wait for the lock.
    let plan = workspace.roster("plan", &["--org", "demo"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);

    drop(held);
    let applied = workspace.roster("apply", &["--org", "demo", "--yes"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_converged(&workspace, "demo");
}
