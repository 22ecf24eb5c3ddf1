//! The tests' tenant ([`FakeTenant`], shared with the benchmark and other crates through the
//! `testing` feature) and small builders of steps, journals and runs.

use std::collections::BTreeMap;

pub use roster_apply::testing::FakeTenant;
use roster_apply::{ApplyOptions, ApplySummary, Journal, JournalContext, apply};
use roster_model::{Email, Operation, Proficiency, Step, StepId};

/// A skill creation.
pub fn skill(name: &str) -> Operation {
    Operation::CreateSkill {
        name: name.to_owned(),
    }
}

/// Setting one skill of a user.
pub fn user_skill(email: &str, skill: &str) -> Operation {
    Operation::SetUserSkills {
        email: Email::parse(email).unwrap(),
        skills: BTreeMap::from([(skill.to_owned(), Proficiency::whole(3))]),
    }
}

/// A step.
pub fn step(id: u32, operation: Operation, depends_on: &[u32]) -> Step {
    Step {
        id: StepId(id),
        operation,
        depends_on: depends_on.iter().copied().map(StepId).collect(),
        before: None,
    }
}

/// Ids, for comparing with summaries.
pub fn ids(ids: &[u32]) -> Vec<StepId> {
    ids.iter().copied().map(StepId).collect()
}

/// A journal context as the CLI would pass it.
pub fn context() -> JournalContext {
    JournalContext {
        org: "prod-us".to_owned(),
        principal: None,
        git_commit: Some("9fceb02".to_owned()),
        plan_digest: Some("sha256:5d41402abc4b2a76".to_owned()),
    }
}

/// Runs `steps` with a fresh journal in a temporary folder; returns the summary and the
/// folder (kept alive for the journal).
pub async fn run(
    tenant: &FakeTenant,
    steps: &[Step],
    options: &ApplyOptions,
) -> (ApplySummary, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = Journal::open(dir.path().join("journal.jsonl"), context()).unwrap();
    let summary = apply(tenant, steps, options, &mut journal).await.unwrap();
    (summary, dir)
}
