//! What the engine itself costs per step (scheduling, journaling, hashing) at the size of a
//! large org: 50 skills, 10,000 users with five operations each, against a tenant that
//! answers at once. The tenant's rate limit, not this, is what bounds a real apply; this
//! checks the engine stays far below it.
//!
//! Run with `cargo bench -p roster-apply`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use roster_apply::testing::FakeTenant;
use roster_apply::{ApplyOptions, Journal, JournalContext, apply, verify};
use roster_model::{Email, Operation, Proficiency, Step, StepId};

fn plan(users: u32) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut next = 0;
    let mut push = |operation, depends_on: Vec<StepId>| {
        steps.push(Step {
            id: StepId(next),
            operation,
            depends_on,
            before: None,
        });
        next += 1;
        StepId(next - 1)
    };
    let skills: Vec<StepId> = (0..50)
        .map(|i| {
            push(
                Operation::CreateSkill {
                    name: format!("Skill {i}"),
                },
                vec![],
            )
        })
        .collect();
    for u in 0..users {
        let email = Email::parse(&format!("user{u}@acme.example")).expect("valid email");
        let created = push(
            Operation::CreateUser {
                email: email.clone(),
                name: format!("User {u}"),
                division: None,
                title: Some("Agent".to_owned()),
                department: None,
            },
            vec![],
        );
        let skill = skills[u as usize % skills.len()];
        let with_skills = push(
            Operation::SetUserSkills {
                email: email.clone(),
                skills: BTreeMap::from([(format!("Skill {}", skill.0), Proficiency::whole(3))]),
            },
            vec![created, skill],
        );
        for state in [false, true] {
            push(
                Operation::SetUserState {
                    email: email.clone(),
                    state: if state {
                        roster_model::UserState::Active
                    } else {
                        roster_model::UserState::Inactive
                    },
                },
                vec![with_skills],
            );
        }
        push(
            Operation::GrantRoles {
                email,
                grants: std::collections::BTreeSet::new(),
            },
            vec![created],
        );
    }
    steps
}

fn main() {
    let steps = plan(10_000);
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("journal.jsonl");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let context = JournalContext {
        org: "bench".to_owned(),
        ..JournalContext::default()
    };
    let mut journal = Journal::open(&path, context).expect("journal");
    // Answers at once, after one trip through the scheduler as a network call would make, and
    // records nothing: what is measured is the engine.
    let tenant = FakeTenant::new().latency(Duration::ZERO).unrecorded();
    let started = Instant::now();
    let summary = runtime
        .block_on(apply(
            &tenant,
            &steps,
            &ApplyOptions::default(),
            &mut journal,
        ))
        .expect("apply");
    let elapsed = started.elapsed();
    assert!(summary.is_success());
    let bytes = std::fs::metadata(&path).expect("journal size").len();
    let verify_started = Instant::now();
    let report = verify(&path).expect("verify");
    let verify_elapsed = verify_started.elapsed();
    assert!(report.is_intact());
    println!(
        "apply: {} steps in {:.2?} ({:.1} µs/step); journal {:.1} MiB ({} B/line); verify {:.2?}",
        steps.len(),
        elapsed,
        elapsed.as_secs_f64() * 1e6 / steps.len() as f64,
        bytes as f64 / f64::from(1 << 20),
        bytes / report.entries as u64,
        verify_elapsed
    );
}
