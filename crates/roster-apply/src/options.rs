//! How an apply is run: concurrency, early stops, progress reports and cancellation.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use roster_model::StepId;
use tokio::sync::Notify;

/// The default number of operations in flight at once.
///
/// The client's rate limiter is the real throttle; concurrency only has to keep the request
/// budget busy while single operations wait on network round trips (DESIGN §8).
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Called for every step that starts or ends, so the CLI can draw a progress bar.
pub type ProgressFn = Arc<dyn Fn(ApplyProgress) + Send + Sync>;

/// How [`crate::apply`] runs.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Operations in flight at once; `0` is treated as `1`.
    pub concurrency: usize,
    /// Start at most this many operations, then let them finish and stop, reporting the rest
    /// as not run: simulates a crash part-way (tests) or a bounded batch.
    pub abort_after: Option<usize>,
    /// Progress reports.
    pub progress: Option<ProgressFn>,
    /// Stops the run early (Ctrl-C).
    pub cancel: Option<CancelToken>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            concurrency: DEFAULT_CONCURRENCY,
            abort_after: None,
            progress: None,
            cancel: None,
        }
    }
}

impl fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("concurrency", &self.concurrency)
            .field("abort_after", &self.abort_after)
            .field(
                "progress",
                &self.progress.as_ref().map(|_| "Fn(ApplyProgress)"),
            )
            .field("cancel", &self.cancel)
            .finish()
    }
}

/// What just happened to one step, and where the run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyProgress {
    /// The step concerned.
    pub step: StepId,
    /// The step's operation verb (`createSkill`).
    pub verb: &'static str,
    /// What happened to it.
    pub event: StepEvent,
    /// Steps that reached an outcome so far (succeeded, adopted, failed or skipped).
    pub finished: usize,
    /// Steps in the plan.
    pub total: usize,
    /// Operations running now.
    pub in_flight: usize,
    /// API requests the finished operations made.
    pub requests: usize,
}

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepEvent {
    /// Its operation was started.
    Started,
    /// Its operation succeeded.
    Succeeded,
    /// Its operation, a create, found the object already in the org and adopted it: a
    /// success for its dependents.
    Adopted,
    /// Its operation failed.
    Failed,
    /// It will not run because something it depends on failed.
    Skipped,
    /// Its operation was abandoned mid-flight by [`CancelToken::interrupt`].
    Interrupted,
}

/// A shared switch that stops a running apply, cloned into [`ApplyOptions::cancel`] and
/// triggered from elsewhere (a Ctrl-C handler).
///
/// [`cancel`](Self::cancel) is the graceful stop: no new operation starts, the ones in flight
/// finish and are journaled. [`interrupt`](Self::interrupt) (a second Ctrl-C) also abandons
/// the ones in flight, which operations allow at any await point; their outcome is unknown
/// and the next plan shows whatever they did.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelState>,
}

#[derive(Debug, Default)]
struct CancelState {
    level: AtomicU8,
    notify: Notify,
}

const CANCELLED: u8 = 1;
const INTERRUPTED: u8 = 2;

impl CancelToken {
    /// A token that has not fired.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Stops starting new operations; those in flight finish.
    pub fn cancel(&self) {
        self.raise(CANCELLED);
    }

    /// Stops starting new operations and abandons those in flight.
    pub fn interrupt(&self) {
        self.raise(INTERRUPTED);
    }

    /// Whether [`cancel`](Self::cancel) or [`interrupt`](Self::interrupt) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.level.load(Ordering::SeqCst) >= CANCELLED
    }

    /// Whether [`interrupt`](Self::interrupt) was called.
    pub fn is_interrupted(&self) -> bool {
        self.inner.level.load(Ordering::SeqCst) >= INTERRUPTED
    }

    fn raise(&self, level: u8) {
        self.inner.level.fetch_max(level, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Resolves once [`interrupt`](Self::interrupt) has been called.
    pub(crate) async fn interrupted(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            // Registering before checking closes the window where an interrupt lands between
            // the check and the wait and is never seen.
            notified.as_mut().enable();
            if self.is_interrupted() {
                return;
            }
            notified.await;
        }
    }
}
