//! What the engine itself costs per step (scheduling, journaling, hashing) at the size of a
//! large org: 50 skills, 10,000 users with five operations each, against a tenant that
//! answers at once. The tenant's rate limit, not this, is what bounds a real apply; this
//! checks the engine stays far below it.
//!
//! Run with `cargo bench -p roster-apply`.

use std::collections::BTreeMap;
use std::time::Instant;

use roster_apply::{ApplyOptions, Journal, JournalContext, apply, verify};
use roster_model::{
    Email, LiveOrg, Operation, Proficiency, ReadNeeds, Receipt, Step, StepId, Tenant, TenantError,
};

struct Immediate;

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl TenantError for Never {
    fn correlation_id(&self) -> Option<&str> {
        None
    }
}

impl Tenant for Immediate {
    type Error = Never;

    async fn snapshot(&self, _: &ReadNeeds) -> Result<LiveOrg, Never> {
        Ok(LiveOrg::default())
    }

    async fn execute(&self, operation: &Operation) -> Result<Receipt, Never> {
        // One trip through the scheduler, as a network call would make.
        tokio::task::yield_now().await;
        Ok(Receipt {
            correlation_id: Some("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0".to_owned()),
            requests: operation.estimated_requests(),
        })
    }

    fn principal(&self) -> String {
        "client".to_owned()
    }
}

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
    let started = Instant::now();
    let summary = runtime
        .block_on(apply(
            &Immediate,
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
