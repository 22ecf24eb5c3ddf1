//! The scheduler: runs a validated step DAG through a [`Tenant`], journaling an intent before
//! every operation and its outcome after.
//!
//! Everything happens on the caller's task: operations in flight are futures in one
//! `FuturesUnordered`, so the tenant is only borrowed and its rate limiter, not a thread pool,
//! decides how fast requests go. Bookkeeping between awaits is synchronous, so each intent is
//! journaled before its operation's first request, and each outcome before the next operation
//! starts.

use std::collections::{BTreeSet, HashMap};
use std::error::Error;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use roster_model::{Kind, Operation, Receipt, Step, Tenant, TenantError};
use serde_json::Value;
use tokio::time::Instant;

use crate::error::ApplyError;
use crate::graph::StepGraph;
use crate::journal::{
    IntentRecord, Journal, JournalError, OperationRecord, Outcome, RunFinished, RunStarted, Target,
};
use crate::options::{ApplyOptions, ApplyProgress, StepEvent};
use crate::summary::{ApplySummary, StopReason};

/// Executes `steps` against `tenant`, recording every outcome in `journal`.
///
/// See the crate documentation for the contract (flow, guarantees, assumptions, caveats).
///
/// # Errors
///
/// Before anything runs: [`ApplyError::DuplicateStep`], [`ApplyError::UnknownDependency`] or
/// [`ApplyError::Cycle`] when `steps` is not a DAG over its own ids. During the run:
/// [`ApplyError::Journal`] when a journal line cannot be written; no operation starts after
/// that, and the error carries the summary of what had happened. Failed operations are not
/// errors: they are in the summary.
pub async fn apply<T: Tenant>(
    tenant: &T,
    steps: &[Step],
    options: &ApplyOptions,
    journal: &mut Journal,
) -> Result<ApplySummary, ApplyError> {
    let graph = StepGraph::new(steps)?;
    if journal.context.principal.is_none() {
        journal.context.principal = Some(tenant.principal());
    }
    let clock = Instant::now();
    let concurrency = options.concurrency.max(1);
    let mut run = Run::new(steps, &graph, options);
    run.summary.in_doubt = journal.take_in_doubt();
    if let Err(source) = journal.begin_run(RunStarted {
        steps: steps.len(),
        concurrency,
        abort_after: options.abort_after,
    }) {
        run.stopped = Some(StopReason::JournalFailed);
        return Err(ApplyError::Journal {
            summary: Box::new(run.into_summary(clock.elapsed())),
            source,
        });
    }

    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < concurrency && run.stopped.is_none() {
            let Some(&next) = run.runnable.first() else {
                break;
            };
            if let Some(token) = &options.cancel {
                if token.is_interrupted() {
                    run.stopped = Some(StopReason::Interrupted);
                    break;
                }
                if token.is_cancelled() {
                    run.stopped = Some(StopReason::Cancelled);
                    break;
                }
            }
            if let Some(limit) = options.abort_after
                && run.started >= limit
            {
                run.stopped = Some(StopReason::AbortAfter { operations: limit });
                break;
            }
            // No write without its intent on record: if the line cannot be written, the
            // operation does not start.
            if let Err(error) = intent(&steps[next]).and_then(|record| journal.intent(record)) {
                run.journal_error = Some(error);
                run.stopped = Some(StopReason::JournalFailed);
                break;
            }
            run.start(next);
            in_flight.push(execute(tenant, next, &steps[next].operation));
        }
        if in_flight.is_empty() {
            break;
        }
        let done = match &options.cancel {
            Some(token) => tokio::select! {
                biased;
                () = token.interrupted() => None,
                done = in_flight.next() => done,
            },
            None => in_flight.next().await,
        };
        if let Some(done) = done {
            run.finish(done, journal);
        } else {
            // Dropping the futures abandons the operations at their current await point,
            // which the Tenant contract allows.
            drop(in_flight);
            run.interrupt_running(journal);
            break;
        }
    }

    let elapsed = clock.elapsed();
    let journal_error = run.journal_error.take();
    let summary = run.into_summary(elapsed);
    let finished = RunFinished {
        succeeded: summary.succeeded.len(),
        adopted: summary.adopted.len(),
        failed: summary.failed.len(),
        skipped: summary.skipped.len(),
        not_run: summary.not_run.len(),
        interrupted: summary.interrupted.len(),
        requests: summary.requests,
        elapsed_ms: millis(elapsed),
        stopped: summary.stopped,
    };
    let closed = journal.end_run(finished);
    match journal_error.map_or(closed.map(Some), Err) {
        Ok(checkpoint) => Ok(ApplySummary {
            checkpoint,
            ..summary
        }),
        Err(source) => Err(ApplyError::Journal {
            summary: Box::new(summary),
            source,
        }),
    }
}

/// One finished operation.
struct Done<E> {
    index: usize,
    result: Result<Receipt, E>,
    elapsed: Duration,
}

async fn execute<T: Tenant>(tenant: &T, index: usize, operation: &Operation) -> Done<T::Error> {
    let started = Instant::now();
    let result = tenant.execute(operation).await;
    Done {
        index,
        result,
        elapsed: started.elapsed(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Some dependency has not succeeded yet.
    Waiting,
    /// Every dependency succeeded; queued behind its target.
    Ready,
    Running,
    Succeeded,
    /// Succeeded by adopting what was already there.
    Adopted,
    Failed,
    Skipped,
    Interrupted,
}

/// The bookkeeping of one run. Positions index `steps`.
struct Run<'a> {
    steps: &'a [Step],
    graph: &'a StepGraph,
    options: &'a ApplyOptions,
    state: Vec<State>,
    /// Dependencies of each step that have not succeeded yet.
    unmet: Vec<usize>,
    /// Each step's target, interned.
    target: Vec<usize>,
    /// Whether a target has an operation in flight.
    busy: Vec<bool>,
    /// Ready steps per target, lowest position first.
    queued: Vec<BTreeSet<usize>>,
    /// The lowest ready step of every idle target: what may start now, in plan order.
    runnable: BTreeSet<usize>,
    started: usize,
    running: usize,
    outcomes: usize,
    stopped: Option<StopReason>,
    journal_error: Option<JournalError>,
    summary: ApplySummary,
    #[cfg(feature = "failpoints")]
    failpoint: crate::failpoint::AbortAfterWrites,
}

impl<'a> Run<'a> {
    fn new(steps: &'a [Step], graph: &'a StepGraph, options: &'a ApplyOptions) -> Self {
        let mut interned: HashMap<(Kind, String), usize> = HashMap::new();
        let target: Vec<usize> = steps
            .iter()
            .map(|step| {
                let next = interned.len();
                *interned.entry(step.operation.target()).or_insert(next)
            })
            .collect();
        let mut run = Run {
            steps,
            graph,
            options,
            state: vec![State::Waiting; steps.len()],
            unmet: graph.dependencies.iter().map(Vec::len).collect(),
            target,
            busy: vec![false; interned.len()],
            queued: vec![BTreeSet::new(); interned.len()],
            runnable: BTreeSet::new(),
            started: 0,
            running: 0,
            outcomes: 0,
            stopped: None,
            journal_error: None,
            summary: ApplySummary::default(),
            #[cfg(feature = "failpoints")]
            failpoint: crate::failpoint::AbortAfterWrites::from_env(),
        };
        for index in 0..steps.len() {
            if run.unmet[index] == 0 {
                run.make_ready(index);
            }
        }
        run
    }

    fn make_ready(&mut self, index: usize) {
        self.state[index] = State::Ready;
        let target = self.target[index];
        let head = self.queued[target].first().copied();
        self.queued[target].insert(index);
        if !self.busy[target] && head.is_none_or(|head| index < head) {
            if let Some(head) = head {
                self.runnable.remove(&head);
            }
            self.runnable.insert(index);
        }
    }

    fn start(&mut self, index: usize) {
        let target = self.target[index];
        self.runnable.remove(&index);
        self.queued[target].remove(&index);
        self.busy[target] = true;
        self.state[index] = State::Running;
        self.started += 1;
        self.running += 1;
        self.report(index, StepEvent::Started);
    }

    /// Frees the step's target for the next operation queued on it.
    fn release(&mut self, index: usize) {
        let target = self.target[index];
        self.busy[target] = false;
        self.running -= 1;
        if let Some(&head) = self.queued[target].first() {
            self.runnable.insert(head);
        }
    }

    fn finish<E: TenantError>(&mut self, done: Done<E>, journal: &mut Journal) {
        #[cfg(feature = "failpoints")]
        self.failpoint.after_write();
        let index = done.index;
        self.release(index);
        let steps = self.steps;
        let step = &steps[index];
        let duration_ms = Some(millis(done.elapsed));
        match done.result {
            Ok(receipt) => {
                let (state, outcome, event) = if receipt.adopted {
                    self.summary.adopted.push(step.id);
                    (State::Adopted, Outcome::Adopted, StepEvent::Adopted)
                } else {
                    self.summary.succeeded.push(step.id);
                    (State::Succeeded, Outcome::Succeeded, StepEvent::Succeeded)
                };
                self.state[index] = state;
                self.outcomes += 1;
                self.summary.requests += receipt.requests;
                self.journal(
                    journal,
                    index,
                    outcome,
                    receipt.correlation_id,
                    Some(receipt.requests),
                    duration_ms,
                );
                self.report(index, event);
                for &dependent in &self.graph.dependents[index] {
                    self.unmet[dependent] -= 1;
                    if self.unmet[dependent] == 0 && self.state[dependent] == State::Waiting {
                        self.make_ready(dependent);
                    }
                }
            }
            Err(error) => {
                self.state[index] = State::Failed;
                self.outcomes += 1;
                let text = error_chain(&error);
                self.summary.failed.push((step.id, text.clone()));
                self.journal(
                    journal,
                    index,
                    Outcome::Failed { error: text },
                    error.correlation_id().map(str::to_owned),
                    None,
                    duration_ms,
                );
                self.report(index, StepEvent::Failed);
                self.skip_dependents_of(index, journal);
            }
        }
    }

    /// Skips every step that depends, directly or not, on the failed step at `root`.
    fn skip_dependents_of(&mut self, root: usize, journal: &mut Journal) {
        let mut skipped = BTreeSet::new();
        let mut stack = self.graph.dependents[root].clone();
        while let Some(index) = stack.pop() {
            // A step skipped by an earlier failure already took its own dependents with it.
            if self.state[index] == State::Waiting && skipped.insert(index) {
                stack.extend(&self.graph.dependents[index]);
            }
        }
        let steps = self.steps;
        let failed = &steps[root];
        let reason = format!(
            "depends on {} ({}), which failed",
            failed.id, failed.operation
        );
        for index in skipped {
            self.state[index] = State::Skipped;
            self.outcomes += 1;
            self.summary
                .skipped
                .push((self.steps[index].id, reason.clone()));
            let outcome = Outcome::Skipped {
                because_of: failed.id,
                reason: reason.clone(),
            };
            self.journal(journal, index, outcome, None, None, None);
            self.report(index, StepEvent::Skipped);
        }
    }

    /// Records the operations that were in flight when the run was interrupted.
    fn interrupt_running(&mut self, journal: &mut Journal) {
        self.stopped = Some(StopReason::Interrupted);
        for index in 0..self.steps.len() {
            if self.state[index] == State::Running {
                self.state[index] = State::Interrupted;
                self.running -= 1;
                self.journal(journal, index, Outcome::Interrupted, None, None, None);
                self.report(index, StepEvent::Interrupted);
            }
        }
    }

    fn journal(
        &mut self,
        journal: &mut Journal,
        index: usize,
        outcome: Outcome,
        correlation_id: Option<String>,
        requests: Option<usize>,
        duration_ms: Option<u64>,
    ) {
        // After one failed write the journal refuses more; the first error is the one to
        // report, and no new operation may start unrecorded.
        if self.journal_error.is_some() {
            return;
        }
        let steps = self.steps;
        let step = &steps[index];
        let written = record(step, outcome, correlation_id, requests, duration_ms)
            .and_then(|record| journal.operation(record));
        if let Err(error) = written {
            self.journal_error = Some(error);
            self.stopped.get_or_insert(StopReason::JournalFailed);
        }
    }

    fn report(&self, index: usize, event: StepEvent) {
        if let Some(progress) = &self.options.progress {
            let step = &self.steps[index];
            progress(ApplyProgress {
                step: step.id,
                verb: step.operation.verb(),
                event,
                finished: self.outcomes,
                total: self.steps.len(),
                in_flight: self.running,
                requests: self.summary.requests,
            });
        }
    }

    fn into_summary(mut self, elapsed: Duration) -> ApplySummary {
        let mut summary = std::mem::take(&mut self.summary);
        for (index, state) in self.state.iter().enumerate() {
            let id = self.steps[index].id;
            match state {
                State::Waiting | State::Ready | State::Running => summary.not_run.push(id),
                State::Interrupted => summary.interrupted.push(id),
                State::Succeeded => continue,
                State::Adopted | State::Failed | State::Skipped => {}
            }
            summary
                .operations
                .insert(id, self.steps[index].operation.to_string());
        }
        summary.elapsed = elapsed;
        summary.stopped = self.stopped;
        summary
    }
}

/// The intent line for one step.
fn intent(step: &Step) -> Result<IntentRecord, JournalError> {
    let (kind, key) = step.operation.target();
    Ok(IntentRecord {
        step: step.id,
        target: Target { kind, key },
        operation: serde_json::to_value(&step.operation).map_err(JournalError::Encode)?,
    })
}

/// The outcome line for one step.
fn record(
    step: &Step,
    outcome: Outcome,
    correlation_id: Option<String>,
    requests: Option<usize>,
    duration_ms: Option<u64>,
) -> Result<OperationRecord, JournalError> {
    let (kind, key) = step.operation.target();
    let operation = serde_json::to_value(&step.operation).map_err(JournalError::Encode)?;
    let after = intended_state(&operation, &key);
    Ok(OperationRecord {
        step: step.id,
        target: Target { kind, key },
        operation,
        before: step.before.clone(),
        after,
        outcome,
        correlation_id,
        requests,
        duration_ms,
    })
}

/// The operation's fields without its tag and the target's key: what the object should hold
/// afterwards, as far as this operation says.
fn intended_state(operation: &Value, key: &str) -> Value {
    let Value::Object(fields) = operation else {
        return operation.clone();
    };
    let key_field = ["name", "email", "queue", "team"]
        .into_iter()
        .find(|field| fields.get(*field).and_then(Value::as_str) == Some(key));
    Value::Object(
        fields
            .iter()
            .filter(|(field, _)| field.as_str() != "op" && Some(field.as_str()) != key_field)
            .map(|(field, value)| (field.clone(), value.clone()))
            .collect(),
    )
}

/// An error and its causes on one line, `outer: inner: innermost`, each said once.
pub fn error_chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors already print their cause; saying it twice helps nobody.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use roster_model::{Email, StepId, UserPatch};
    use serde_json::json;

    use super::*;
    use crate::journal::JournalContext;
    use crate::testing::FakeTenant;

    #[tokio::test]
    async fn a_journal_failure_stops_new_operations_and_reports_what_ran() {
        let steps: Vec<Step> = (0..4)
            .map(|i| Step {
                id: StepId(i),
                operation: Operation::CreateSkill {
                    name: format!("S{i}"),
                },
                depends_on: vec![],
                before: None,
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let context = JournalContext {
            org: "org".to_owned(),
            ..JournalContext::default()
        };
        let mut journal = Journal::open(dir.path().join("j.jsonl"), context).unwrap();
        // The run's opening line, step 0's intent and outcome and step 1's intent are
        // written; step 1's outcome is not.
        journal.fail_after = Some(4);
        let options = ApplyOptions {
            concurrency: 1,
            ..ApplyOptions::default()
        };
        let tenant = FakeTenant::new().latency(Duration::ZERO);
        let error = apply(&tenant, &steps, &options, &mut journal)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the journal could not be written, so apply stopped"
        );
        let ApplyError::Journal { summary, source } = error else {
            panic!("expected a journal error");
        };
        assert!(matches!(source, JournalError::Io { .. }), "{source}");
        // Step 1 did run: the org changed even though its line is missing, and the summary
        // says so; nothing started after that.
        assert_eq!(summary.succeeded, vec![StepId(0), StepId(1)]);
        assert_eq!(summary.not_run, vec![StepId(2), StepId(3)]);
        assert_eq!(summary.stopped, Some(StopReason::JournalFailed));
    }

    #[test]
    fn intended_state_drops_the_tag_and_the_key_only() {
        let operation = Operation::UpdateUser {
            email: Email::parse("jane@acme.example").unwrap(),
            patch: UserPatch {
                name: Some("Jane".to_owned()),
                ..UserPatch::default()
            },
        };
        let value = serde_json::to_value(&operation).unwrap();
        assert_eq!(
            intended_state(&value, "jane@acme.example"),
            json!({"patch": {"name": "Jane"}})
        );
        let create = serde_json::to_value(Operation::CreateSkill {
            name: "Billing".to_owned(),
        })
        .unwrap();
        assert_eq!(intended_state(&create, "Billing"), json!({}));
    }

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner;

    #[test]
    fn error_chain_lists_causes_once() {
        assert_eq!(error_chain(&Outer(Inner)), "outer: inner");
    }
}
