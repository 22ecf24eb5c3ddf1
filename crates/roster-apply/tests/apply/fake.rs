//! An in-memory [`Tenant`] that records what ran, in what order and how much overlapped, and
//! fails the operations it is told to. Delays use tokio's clock, so tests run with paused time
//! and stay deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use roster_apply::{ApplyOptions, ApplySummary, Journal, JournalContext, apply};
use roster_model::{
    Email, Kind, LiveOrg, Operation, Proficiency, ReadNeeds, Receipt, Step, StepId, Tenant,
    TenantError,
};

/// What a fake operation failure looks like.
#[derive(Debug, thiserror::Error)]
#[error("the org refused `{operation}`")]
pub struct FakeError {
    operation: String,
    #[source]
    cause: FakeCause,
}

/// A cause, so the summary's error chain is exercised.
#[derive(Debug, thiserror::Error)]
#[error("HTTP 400 bad.request")]
pub struct FakeCause;

impl TenantError for FakeError {
    fn correlation_id(&self) -> Option<&str> {
        Some("corr-failed")
    }
}

#[derive(Default)]
struct Record {
    /// `start …` and `end …` lines, in the order they happened.
    log: Vec<String>,
    running: usize,
    max_running: usize,
    running_targets: BTreeMap<(Kind, String), usize>,
    /// Targets that ever had two operations in flight.
    overlaps: Vec<(Kind, String)>,
    /// Operations that succeeded, in completion order.
    applied: Vec<Operation>,
    /// `(started, operation JSON)` for every start and end, in order: unlike `log`, tells
    /// apart operations that render alike.
    events: Vec<(bool, String)>,
}

/// The fake org.
#[derive(Default)]
pub struct FakeTenant {
    record: Mutex<Record>,
    failing: BTreeSet<String>,
    delays: BTreeMap<String, u64>,
}

impl FakeTenant {
    /// A tenant where every operation takes 10 ms and succeeds.
    pub fn new() -> Self {
        FakeTenant::default()
    }

    /// Makes the operation that renders as `operation` fail.
    pub fn failing(mut self, operation: &str) -> Self {
        self.failing.insert(operation.to_owned());
        self
    }

    /// Makes exactly `operation` fail (compared as JSON, so alike-rendering ones don't).
    pub fn failing_exactly(mut self, operation: &Operation) -> Self {
        self.failing
            .insert(serde_json::to_string(operation).unwrap());
        self
    }

    /// Makes the operation that renders as `operation` take `ms` milliseconds.
    pub fn delay(mut self, operation: &str, ms: u64) -> Self {
        self.delays.insert(operation.to_owned(), ms);
        self
    }

    /// The start and end events, in order.
    pub fn log(&self) -> Vec<String> {
        self.record.lock().unwrap().log.clone()
    }

    /// The most operations ever in flight at once.
    pub fn max_running(&self) -> usize {
        self.record.lock().unwrap().max_running
    }

    /// Targets that ever had two operations in flight.
    pub fn overlaps(&self) -> Vec<(Kind, String)> {
        self.record.lock().unwrap().overlaps.clone()
    }

    /// The operations that succeeded, in completion order.
    pub fn applied(&self) -> Vec<Operation> {
        self.record.lock().unwrap().applied.clone()
    }

    /// `(started, operation JSON)` for every start and end, in order.
    pub fn events(&self) -> Vec<(bool, String)> {
        self.record.lock().unwrap().events.clone()
    }
}

impl Tenant for FakeTenant {
    type Error = FakeError;

    async fn snapshot(&self, _needs: &ReadNeeds) -> Result<LiveOrg, FakeError> {
        Ok(LiveOrg::default())
    }

    async fn execute(&self, operation: &Operation) -> Result<Receipt, FakeError> {
        let name = operation.to_string();
        let json = serde_json::to_string(operation).unwrap();
        let target = operation.target();
        {
            let mut record = self.record.lock().unwrap();
            record.log.push(format!("start {name}"));
            record.events.push((true, json.clone()));
            record.running += 1;
            record.max_running = record.max_running.max(record.running);
            let on_target = record.running_targets.entry(target.clone()).or_default();
            *on_target += 1;
            if *on_target > 1 {
                record.overlaps.push(target.clone());
            }
        }
        let ms = self.delays.get(&name).copied().unwrap_or(10);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        let mut record = self.record.lock().unwrap();
        record.log.push(format!("end {name}"));
        record.events.push((false, json.clone()));
        record.running -= 1;
        *record.running_targets.get_mut(&target).unwrap() -= 1;
        if self.failing.contains(&name) || self.failing.contains(&json) {
            return Err(FakeError {
                operation: name,
                cause: FakeCause,
            });
        }
        record.applied.push(operation.clone());
        Ok(Receipt {
            correlation_id: Some(format!("corr-{}", operation.verb())),
            requests: operation.estimated_requests(),
        })
    }

    fn principal(&self) -> String {
        "client-0a1b".to_owned()
    }
}

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
