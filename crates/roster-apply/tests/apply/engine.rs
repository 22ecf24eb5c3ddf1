//! The scheduler's guarantees: dependency order, one operation per target, the concurrency
//! bound, failure isolation, early stops and input validation.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use roster_apply::{
    ApplyError, ApplyOptions, ApplyProgress, CancelToken, Journal, StepEvent, StopReason, apply,
};
use roster_model::{Step, StepId};

use crate::fake::{FakeTenant, context, ids, run, skill, step, user_skill};

fn options(concurrency: usize) -> ApplyOptions {
    ApplyOptions {
        concurrency,
        ..ApplyOptions::default()
    }
}

/// Position of `event` in `log`.
fn at(log: &[String], event: &str) -> usize {
    log.iter()
        .position(|line| line == event)
        .unwrap_or_else(|| panic!("`{event}` not in {log:#?}"))
}

#[tokio::test(start_paused = true)]
async fn an_operation_starts_only_after_its_dependencies_ended() {
    // Skills first, users after the skills they need; delays make completion order differ
    // from plan order, so only the dependency edges can keep the order right.
    let steps = vec![
        step(0, skill("Billing"), &[]),
        step(1, skill("Sales"), &[]),
        step(2, user_skill("a@acme.example", "Billing"), &[0]),
        step(3, user_skill("b@acme.example", "Sales"), &[1]),
        step(4, user_skill("c@acme.example", "Sales"), &[0, 1]),
        step(5, skill("Escalations"), &[2, 3, 4]),
    ];
    let tenant = FakeTenant::new()
        .delay("createSkill skill `Billing`", 50)
        .delay("createSkill skill `Sales`", 5)
        .delay("setUserSkills user `b@acme.example`", 100);
    let (summary, _dir) = run(&tenant, &steps, &options(8)).await;
    assert!(summary.is_success(), "{summary}");

    let log = tenant.log();
    for s in &steps {
        for dependency in &s.depends_on {
            let before = &steps[dependency.0 as usize].operation;
            assert!(
                at(&log, &format!("end {before}")) < at(&log, &format!("start {}", s.operation)),
                "{} started before {before} ended: {log:#?}",
                s.operation
            );
        }
    }
    insta::assert_snapshot!("execution_order", log.join("\n"));
    assert_eq!(summary.succeeded, ids(&[1, 0, 2, 4, 3, 5]));
}

#[tokio::test(start_paused = true)]
async fn operations_on_one_target_never_overlap() {
    // Twelve independent operations on three users: with room for eight at once, only the
    // per-target rule keeps each user's operations apart.
    let users = ["a@acme.example", "b@acme.example", "c@acme.example"];
    let steps: Vec<Step> = (0..12)
        .map(|i| step(i, user_skill(users[i as usize % 3], &format!("S{i}")), &[]))
        .collect();
    let tenant = FakeTenant::new();
    let (summary, _dir) = run(&tenant, &steps, &options(8)).await;
    assert!(summary.is_success(), "{summary}");
    assert_eq!(tenant.overlaps(), vec![]);
    // The three users did run side by side, so the check above had something to catch.
    assert_eq!(tenant.max_running(), 3);
    // Per target, plan order.
    let applied: Vec<String> = tenant
        .applied()
        .iter()
        .filter(|op| op.target().1 == "a@acme.example")
        .map(|op| serde_json::to_string(op).unwrap())
        .collect();
    insta::assert_snapshot!("per_target_order", applied.join("\n"));
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded_and_used() {
    let steps: Vec<Step> = (0..40)
        .map(|i| step(i, skill(&format!("Skill {i}")), &[]))
        .collect();
    for (concurrency, expected) in [(0, 1), (1, 1), (4, 4), (8, 8), (100, 40)] {
        let tenant = FakeTenant::new();
        let (summary, _dir) = run(&tenant, &steps, &options(concurrency)).await;
        assert_eq!(summary.succeeded.len(), 40);
        assert_eq!(
            tenant.max_running(),
            expected,
            "concurrency {concurrency} should keep exactly {expected} in flight"
        );
    }
}

/// Billing fails; everything below it is skipped; the Sales branch is untouched.
fn branching_plan() -> Vec<Step> {
    vec![
        step(0, skill("Billing"), &[]),
        step(1, skill("Sales"), &[]),
        step(2, user_skill("a@acme.example", "Billing"), &[0]),
        step(3, user_skill("a@acme.example", "Escalations"), &[2]),
        step(4, user_skill("b@acme.example", "Sales"), &[1]),
        step(5, user_skill("c@acme.example", "Both"), &[1, 3]),
        step(6, user_skill("d@acme.example", "Sales"), &[4]),
    ]
}

#[tokio::test(start_paused = true)]
async fn a_failure_skips_exactly_its_transitive_dependents() {
    let tenant = FakeTenant::new().failing("createSkill skill `Billing`");
    let (summary, _dir) = run(&tenant, &branching_plan(), &options(8)).await;
    assert!(!summary.is_success());
    assert_eq!(summary.succeeded, ids(&[1, 4, 6]));
    assert_eq!(
        summary.failed,
        vec![(
            StepId(0),
            "the org refused `createSkill skill `Billing``: HTTP 400 bad.request".to_owned()
        )]
    );
    let skipped: Vec<StepId> = summary.skipped.iter().map(|(id, _)| *id).collect();
    assert_eq!(skipped, ids(&[2, 3, 5]));
    assert_eq!(summary.not_run, vec![]);
    assert_eq!(summary.requests, 3);
    insta::assert_snapshot!("failure_summary", summary.to_string());
}

#[tokio::test(start_paused = true)]
async fn abort_after_stops_cleanly_and_the_rest_completes_on_a_second_run() {
    let steps = branching_plan();
    let tenant = FakeTenant::new();
    let stopped = ApplyOptions {
        concurrency: 2,
        abort_after: Some(3),
        ..ApplyOptions::default()
    };
    let (first, _dir) = run(&tenant, &steps, &stopped).await;
    // Two started at once (0, 1), then one more (2): exactly three ran, all finished.
    assert_eq!(first.succeeded, ids(&[0, 1, 2]));
    assert_eq!(first.not_run, ids(&[3, 4, 5, 6]));
    assert_eq!(
        first.stopped,
        Some(StopReason::AbortAfter { operations: 3 })
    );
    assert_eq!(first.total(), steps.len());
    insta::assert_snapshot!("abort_summary", first.to_string());

    // What the CLI does by planning again: the remaining steps, with edges to what already
    // happened dropped.
    let remaining: Vec<Step> = steps
        .iter()
        .filter(|s| first.not_run.contains(&s.id))
        .map(|s| Step {
            depends_on: s
                .depends_on
                .iter()
                .copied()
                .filter(|d| first.not_run.contains(d))
                .collect(),
            ..s.clone()
        })
        .collect();
    let (second, _dir) = run(&tenant, &remaining, &options(2)).await;
    assert!(second.is_success(), "{second}");
    assert_eq!(second.succeeded.len(), 4);
    let mut applied: Vec<String> = tenant.applied().iter().map(ToString::to_string).collect();
    applied.sort();
    let mut planned: Vec<String> = steps.iter().map(|s| s.operation.to_string()).collect();
    planned.sort();
    assert_eq!(applied, planned, "every operation ran exactly once");
}

#[tokio::test(start_paused = true)]
async fn cancel_lets_operations_in_flight_finish() {
    let token = CancelToken::new();
    let trigger = token.clone();
    let options = ApplyOptions {
        concurrency: 2,
        // Ctrl-C arrives while steps 0 and 1 are in flight.
        progress: Some(Arc::new(move |progress: ApplyProgress| {
            if progress.step == StepId(1) && progress.event == StepEvent::Started {
                trigger.cancel();
            }
        })),
        cancel: Some(token),
        ..ApplyOptions::default()
    };
    let tenant = FakeTenant::new();
    let (summary, _dir) = run(&tenant, &branching_plan(), &options).await;
    assert_eq!(summary.succeeded, ids(&[0, 1]));
    assert_eq!(summary.not_run, ids(&[2, 3, 4, 5, 6]));
    assert_eq!(summary.interrupted, vec![]);
    assert_eq!(summary.stopped, Some(StopReason::Cancelled));
}

#[tokio::test(start_paused = true)]
async fn interrupt_abandons_operations_in_flight() {
    let token = CancelToken::new();
    let trigger = token.clone();
    let options = ApplyOptions {
        concurrency: 2,
        // A second Ctrl-C while step 4 runs beside the slow step 2.
        progress: Some(Arc::new(move |progress: ApplyProgress| {
            if progress.step == StepId(4) && progress.event == StepEvent::Started {
                trigger.interrupt();
            }
        })),
        cancel: Some(token),
        ..ApplyOptions::default()
    };
    let tenant = FakeTenant::new().delay("setUserSkills user `a@acme.example`", 1_000);
    let (summary, dir) = run(&tenant, &branching_plan(), &options).await;
    assert_eq!(summary.succeeded, ids(&[0, 1]));
    assert_eq!(summary.interrupted, ids(&[2, 4]));
    assert_eq!(summary.not_run, ids(&[3, 5, 6]));
    assert_eq!(summary.stopped, Some(StopReason::Interrupted));
    assert_eq!(
        tenant.applied().len(),
        2,
        "nothing finished after the interrupt"
    );
    let report = roster_apply::verify(dir.path().join("journal.jsonl")).unwrap();
    assert!(report.is_intact(), "{report}");
}

#[tokio::test(start_paused = true)]
async fn progress_reports_every_event_in_order() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let options = ApplyOptions {
        concurrency: 1,
        progress: Some(Arc::new(move |p: ApplyProgress| {
            sink.lock().unwrap().push(format!(
                "{} {} {:?} {}/{} in flight {} requests {}",
                p.step, p.verb, p.event, p.finished, p.total, p.in_flight, p.requests
            ));
        })),
        ..ApplyOptions::default()
    };
    let steps = vec![
        step(0, skill("Billing"), &[]),
        step(1, user_skill("a@acme.example", "Billing"), &[0]),
        step(2, skill("Sales"), &[]),
    ];
    let tenant = FakeTenant::new().failing("createSkill skill `Billing`");
    let (_summary, _dir) = run(&tenant, &steps, &options).await;
    insta::assert_snapshot!("progress_events", events.lock().unwrap().join("\n"));
}

#[tokio::test(start_paused = true)]
async fn invalid_plans_are_refused_before_anything_runs_or_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let tenant = FakeTenant::new();
    let cases = BTreeMap::from([
        (
            "cycle",
            vec![
                step(0, skill("A"), &[2]),
                step(1, skill("B"), &[0]),
                step(2, skill("C"), &[1]),
            ],
        ),
        ("unknown", vec![step(0, skill("A"), &[9])]),
        (
            "duplicate",
            vec![step(0, skill("A"), &[]), step(0, skill("B"), &[])],
        ),
    ]);
    let mut errors = Vec::new();
    for (name, steps) in cases {
        let mut journal = Journal::open(&path, context()).unwrap();
        let error = apply(&tenant, &steps, &ApplyOptions::default(), &mut journal)
            .await
            .unwrap_err();
        assert!(!matches!(error, ApplyError::Journal { .. }));
        errors.push(format!("{name}: {error}"));
    }
    insta::assert_snapshot!("invalid_plans", errors.join("\n"));
    assert_eq!(tenant.log(), Vec::<String>::new());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
}

#[tokio::test(start_paused = true)]
async fn an_empty_plan_succeeds() {
    let (summary, _dir) = run(&FakeTenant::new(), &[], &ApplyOptions::default()).await;
    assert!(summary.is_success());
    insta::assert_snapshot!("empty_summary", summary.to_string());
}

#[test]
fn apply_futures_can_be_spawned() {
    fn assert_send<F: Future + Send>(_: F) {}
    let tenant = FakeTenant::new();
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path().join("j.jsonl"), context()).unwrap();
    let options = ApplyOptions::default();
    assert_send(apply(&tenant, &[], &options, &mut journal));
}

#[tokio::test(start_paused = true)]
async fn an_adopted_create_is_its_own_outcome_and_releases_its_dependents() {
    // Billing was made by an earlier attempt whose answer was lost: the tenant adopts it.
    let steps = vec![
        step(0, skill("Billing"), &[]),
        step(1, skill("Sales"), &[]),
        step(2, user_skill("a@acme.example", "Billing"), &[0]),
        step(3, user_skill("b@acme.example", "Sales"), &[1]),
    ];
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let options = ApplyOptions {
        concurrency: 1,
        progress: Some(Arc::new(move |p: ApplyProgress| {
            sink.lock().unwrap().push((p.step, p.event));
        })),
        ..ApplyOptions::default()
    };
    let tenant = FakeTenant::new().adopting("createSkill skill `Billing`");
    let (summary, _dir) = run(&tenant, &steps, &options).await;
    assert!(summary.is_success(), "{summary}");
    assert_eq!(summary.adopted, ids(&[0]));
    assert_eq!(summary.succeeded, ids(&[1, 2, 3]));
    assert_eq!(summary.total(), steps.len());
    assert!(
        events
            .lock()
            .unwrap()
            .contains(&(StepId(0), StepEvent::Adopted))
    );
    insta::assert_snapshot!(summary.to_string(), @r"
    3 succeeded, 1 adopted, 0 failed, 0 skipped (4 requests, 40ms)

    adopted (already in the org, taken over instead of created):
      #0 createSkill skill `Billing`
    ");
}
