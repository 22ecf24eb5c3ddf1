//! A [`Tenant`] for tests and benchmarks of code that applies plans (feature `testing`):
//! it writes nothing anywhere, answers after a set latency on tokio's clock (so tests run with
//! paused time and stay deterministic), fails or adopts the operations it is told to, and
//! records what ran, in what order and how much overlapped.
//!
//! ```
//! use roster_apply::testing::FakeTenant;
//!
//! let tenant = FakeTenant::new()
//!     .failing("createSkill skill `Billing`")
//!     .adopting("createSkill skill `Sales`")
//!     .delay("createSkill skill `Support`", 50);
//! ```
//!
//! Operations are named the way they render (``createSkill skill `Billing` ``); to tell apart
//! operations that render alike, [`FakeTenant::failing_exactly`] compares them as JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use roster_model::{Kind, Operation, Receipt, Tenant, TenantError};

/// The principal every [`FakeTenant`] writes as.
pub const PRINCIPAL: &str = "client-0a1b";

/// The correlation id of every failure of a [`FakeTenant`].
pub const FAILED_CORRELATION_ID: &str = "corr-failed";

/// The error of an operation a [`FakeTenant`] was told to fail.
#[derive(Debug, thiserror::Error)]
#[error("the org refused `{operation}`")]
pub struct FakeError {
    operation: String,
    #[source]
    cause: FakeCause,
}

/// The cause under every [`FakeError`], so that error chains are exercised.
#[derive(Debug, thiserror::Error)]
#[error("HTTP 400 bad.request")]
pub struct FakeCause;

impl TenantError for FakeError {
    fn correlation_id(&self) -> Option<&str> {
        Some(FAILED_CORRELATION_ID)
    }
}

/// What a [`FakeTenant`] saw.
#[derive(Default)]
struct Record {
    /// `start …` and `end …` lines, in the order they happened.
    log: Vec<String>,
    running: usize,
    max_running: usize,
    running_targets: BTreeMap<(Kind, String), usize>,
    /// Targets that ever had two operations in flight.
    overlaps: Vec<(Kind, String)>,
    /// Operations that succeeded (adopted ones included), in completion order.
    applied: Vec<Operation>,
    /// `(started, operation JSON)` for every start and end, in order.
    events: Vec<(bool, String)>,
}

/// An in-memory org that accepts every operation unless told otherwise.
///
/// By default every operation takes 10 ms of tokio time, succeeds with the correlation id
/// `corr-<verb>` and [`Operation::estimated_requests`] requests, and is recorded. Knobs:
/// [`latency`](Self::latency) and [`delay`](Self::delay) for timing,
/// [`failing`](Self::failing) and [`failing_exactly`](Self::failing_exactly) for failures,
/// [`adopting`](Self::adopting) for creates that find their object already there, and
/// [`unrecorded`](Self::unrecorded) for benchmarks.
pub struct FakeTenant {
    record: Mutex<Record>,
    recording: bool,
    latency: Duration,
    delays: BTreeMap<String, Duration>,
    /// Renderings and JSON texts of the operations that fail.
    failing: BTreeSet<String>,
    /// Renderings of the operations answered as adopted.
    adopting: BTreeSet<String>,
}

impl Default for FakeTenant {
    fn default() -> Self {
        FakeTenant {
            record: Mutex::default(),
            recording: true,
            latency: Duration::from_millis(10),
            delays: BTreeMap::new(),
            failing: BTreeSet::new(),
            adopting: BTreeSet::new(),
        }
    }
}

impl FakeTenant {
    /// A tenant where every operation takes 10 ms and succeeds.
    pub fn new() -> Self {
        FakeTenant::default()
    }

    /// Makes every operation without a [`delay`](Self::delay) of its own take `latency`.
    /// With zero, an operation answers after one trip through the scheduler, as a network
    /// call that returns at once would.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Makes the operation that renders as `operation` take `ms` milliseconds.
    #[must_use]
    pub fn delay(mut self, operation: &str, ms: u64) -> Self {
        self.delays
            .insert(operation.to_owned(), Duration::from_millis(ms));
        self
    }

    /// Makes the operation that renders as `operation` fail with a [`FakeError`].
    #[must_use]
    pub fn failing(mut self, operation: &str) -> Self {
        self.failing.insert(operation.to_owned());
        self
    }

    /// Makes exactly `operation` fail (compared as JSON, so operations that render alike
    /// don't).
    #[must_use]
    pub fn failing_exactly(mut self, operation: &Operation) -> Self {
        self.failing.insert(json(operation));
        self
    }

    /// Makes the operation that renders as `operation` succeed with
    /// [`Receipt::adopted`] set, as a create that found its object already there does.
    #[must_use]
    pub fn adopting(mut self, operation: &str) -> Self {
        self.adopting.insert(operation.to_owned());
        self
    }

    /// Records nothing, so a benchmark measures the engine rather than the fake.
    #[must_use]
    pub fn unrecorded(mut self) -> Self {
        self.recording = false;
        self
    }

    /// The `start …` and `end …` events, in order.
    pub fn log(&self) -> Vec<String> {
        self.record().log.clone()
    }

    /// The most operations ever in flight at once.
    pub fn max_running(&self) -> usize {
        self.record().max_running
    }

    /// Targets that ever had two operations in flight.
    pub fn overlaps(&self) -> Vec<(Kind, String)> {
        self.record().overlaps.clone()
    }

    /// The operations that succeeded (adopted ones included), in completion order.
    pub fn applied(&self) -> Vec<Operation> {
        self.record().applied.clone()
    }

    /// `(started, operation JSON)` for every start and end, in order: unlike
    /// [`log`](Self::log), tells apart operations that render alike.
    pub fn events(&self) -> Vec<(bool, String)> {
        self.record().events.clone()
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        // A test that panicked while holding the lock already failed; what it recorded is
        // still worth reading.
        self.record
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn started(&self, name: &str, json: &str, target: &(Kind, String)) {
        let mut record = self.record();
        record.log.push(format!("start {name}"));
        record.events.push((true, json.to_owned()));
        record.running += 1;
        record.max_running = record.max_running.max(record.running);
        let on_target = record.running_targets.entry(target.clone()).or_default();
        *on_target += 1;
        if *on_target > 1 {
            record.overlaps.push(target.clone());
        }
    }

    fn ended(
        &self,
        name: &str,
        json: String,
        target: &(Kind, String),
        applied: Option<&Operation>,
    ) {
        let mut record = self.record();
        record.log.push(format!("end {name}"));
        record.events.push((false, json));
        record.running -= 1;
        if let Some(on_target) = record.running_targets.get_mut(target) {
            *on_target -= 1;
        }
        if let Some(operation) = applied {
            record.applied.push(operation.clone());
        }
    }
}

impl Tenant for FakeTenant {
    type Error = FakeError;

    async fn execute(&self, operation: &Operation) -> Result<Receipt, FakeError> {
        // Rendering costs more than the engine's own bookkeeping: only when something uses it.
        let looked_up = self.recording
            || !self.delays.is_empty()
            || !self.failing.is_empty()
            || !self.adopting.is_empty();
        let (name, json) = if looked_up {
            (operation.to_string(), json(operation))
        } else {
            (String::new(), String::new())
        };
        let target = operation.target();
        if self.recording {
            self.started(&name, &json, &target);
        }
        let latency = self.delays.get(&name).copied().unwrap_or(self.latency);
        if latency.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(latency).await;
        }
        let fails = self.failing.contains(&name) || self.failing.contains(&json);
        if self.recording {
            self.ended(&name, json, &target, (!fails).then_some(operation));
        }
        if fails {
            return Err(FakeError {
                operation: name,
                cause: FakeCause,
            });
        }
        Ok(Receipt {
            correlation_id: Some(format!("corr-{}", operation.verb())),
            requests: operation.estimated_requests(),
            adopted: self.adopting.contains(&name),
        })
    }

    fn principal(&self) -> String {
        PRINCIPAL.to_owned()
    }
}

fn json(operation: &Operation) -> String {
    serde_json::to_string(operation).expect("an operation serializes: its fields are plain data")
}
