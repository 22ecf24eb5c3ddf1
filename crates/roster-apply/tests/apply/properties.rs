//! The scheduler's guarantees on arbitrary plans: for any DAG, any set of failing operations
//! and any concurrency, the outcome of every step is what the dependency rules dictate, no
//! step starts before its dependencies ended, and the bounds hold.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use roster_apply::{ApplyOptions, Journal, apply, verify};
use roster_model::{Email, Operation, Proficiency, Step, StepId};

use crate::fake::{FakeTenant, context};

/// A plan of `n` steps, each on one of a few shared targets (so the per-target rule bites),
/// depending on some earlier steps, listed in a shuffled order with sparse ids (so neither
/// position nor id order can stand in for dependency order).
fn plans() -> impl Strategy<Value = (Vec<Step>, BTreeSet<u32>, usize)> {
    (1usize..28)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec((0u8..5, proptest::bits::u32::masked(0x3f)), n),
                proptest::collection::btree_set(0..n as u32, 0..=n / 3),
                1usize..6,
                Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
            )
        })
        .prop_map(|(shapes, failing, concurrency, order)| {
            let steps: Vec<Step> = shapes
                .iter()
                .enumerate()
                .map(|(i, &(target, mask))| {
                    // Up to six dependencies among the six steps before this one.
                    let depends_on = (0..6)
                        .filter(|bit| mask & (1 << bit) != 0 && *bit < i)
                        .map(|bit| StepId(((i - 1 - bit) * 3) as u32))
                        .collect();
                    Step {
                        id: StepId((i * 3) as u32),
                        operation: operation(i, target),
                        depends_on,
                        before: None,
                    }
                })
                .collect();
            let shuffled = order.iter().map(|&i| steps[i].clone()).collect();
            let failing = failing.into_iter().map(|i| i * 3).collect();
            (shuffled, failing, concurrency)
        })
}

/// An operation unique to step `i`, written to one of five targets.
fn operation(i: usize, target: u8) -> Operation {
    let email = Email::parse(&format!("user{target}@acme.example")).unwrap();
    Operation::SetUserSkills {
        email,
        skills: BTreeMap::from([(format!("S{i}"), Proficiency::whole(1))]),
    }
}

/// What each step must end as: failed if it is told to fail, skipped if anything it depends
/// on did not succeed, succeeded otherwise.
fn oracle(steps: &[Step], failing: &BTreeSet<u32>) -> BTreeMap<StepId, &'static str> {
    let by_id: BTreeMap<StepId, &Step> = steps.iter().map(|s| (s.id, s)).collect();
    let mut outcome = BTreeMap::new();
    // Ids grow along dependencies by construction, so id order is a topological order.
    for (id, step) in &by_id {
        let blocked = step.depends_on.iter().any(|d| outcome[d] != "succeeded");
        let result = if blocked {
            "skipped"
        } else if failing.contains(&id.0) {
            "failed"
        } else {
            "succeeded"
        };
        outcome.insert(*id, result);
    }
    outcome
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_step_ends_as_the_rules_dictate((steps, failing, concurrency) in plans()) {
        let mut tenant = FakeTenant::new();
        for step in &steps {
            if failing.contains(&step.id.0) {
                tenant = tenant.failing_exactly(&step.operation);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let options = ApplyOptions { concurrency, ..ApplyOptions::default() };
        let summary = runtime.block_on(async {
            let mut journal = Journal::open(&path, context()).unwrap();
            apply(&tenant, &steps, &options, &mut journal).await.unwrap()
        });

        // Every step in exactly one list, and the right one.
        let mut actual = BTreeMap::new();
        for id in &summary.succeeded {
            prop_assert!(actual.insert(*id, "succeeded").is_none());
        }
        for (id, _) in &summary.failed {
            prop_assert!(actual.insert(*id, "failed").is_none());
        }
        for (id, _) in &summary.skipped {
            prop_assert!(actual.insert(*id, "skipped").is_none());
        }
        prop_assert!(summary.not_run.is_empty() && summary.interrupted.is_empty());
        prop_assert_eq!(&actual, &oracle(&steps, &failing));

        // A skip names a failed step that the skipped step depends on, directly or not.
        let by_id: BTreeMap<StepId, &Step> = steps.iter().map(|s| (s.id, s)).collect();
        let ancestors = |id: StepId| {
            let mut seen = BTreeSet::new();
            let mut stack = by_id[&id].depends_on.clone();
            while let Some(d) = stack.pop() {
                if seen.insert(d) {
                    stack.extend(by_id[&d].depends_on.iter().copied());
                }
            }
            seen
        };
        for (id, reason) in &summary.skipped {
            let named: u32 = reason
                .strip_prefix("depends on #")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap();
            prop_assert_eq!(actual[&StepId(named)], "failed");
            prop_assert!(ancestors(*id).contains(&StepId(named)));
        }

        // Nothing started before its dependencies ended; the bounds held.
        let events = tenant.events();
        let json = |s: &Step| serde_json::to_string(&s.operation).unwrap();
        let position = |started: bool, s: &Step| {
            events.iter().position(|(st, op)| *st == started && *op == json(s))
        };
        for step in &steps {
            if let Some(start) = position(true, step) {
                for d in &step.depends_on {
                    let end = position(false, by_id[d]).unwrap();
                    prop_assert!(end < start, "{} started before {} ended", step.id, d);
                }
            }
        }
        prop_assert!(tenant.overlaps().is_empty());
        prop_assert!(tenant.max_running() <= concurrency);
        prop_assert!(verify(&path).unwrap().is_intact());
    }
}
