//! roster's apply engine and audit journal: executes a plan's steps through any
//! [`Tenant`](roster_model::Tenant), in dependency order and within a concurrency bound,
//! isolating failures, and records every outcome in a hash-chained journal (DESIGN §7).
//!
//! ```no_run
//! # async fn example(tenant: &impl roster_model::Tenant, steps: &[roster_model::Step])
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use roster_apply::{ApplyOptions, Journal, JournalContext, apply};
//!
//! let context = JournalContext { org: "prod-us".into(), ..JournalContext::default() };
//! let mut journal = Journal::open(Journal::default_path(".".as_ref(), "prod-us"), context)?;
//! let summary = apply(tenant, steps, &ApplyOptions::default(), &mut journal).await?;
//! print!("{summary}");
//! # Ok(()) }
//! ```
//!
//! # The journal
//!
//! [`Journal`] appends an `intent` line before each step's operation and one outcome line after
//! it (its operation, the `before` value the plan read, the intended `after`, the outcome,
//! correlation id, requests and duration), plus `runStarted`/`runFinished` lines, a
//! `checkpoint` line closing every run, and any [`Journal::record`] a caller adds, each
//! carrying the org, the principal, the git commit and the plan digest. Lines are chained
//! ([`journal::chain`]): by SHA-256, or by HMAC-SHA256 under a [`JournalKey`]; [`verify`] /
//! [`verify_with`] find the first line that was edited, forged, deleted, inserted or moved,
//! and check a [`Checkpoint`] kept elsewhere against truncation. [`read_entries`] /
//! [`entries`] / [`entries_for_user`] read it back for `roster journal show`. Opening a
//! journal reports the intents an earlier run left without an outcome ([`Journal::in_doubt`]).
//!
//! # The apply contract
//!
//! ## Flow
//!
//! 1. The steps are validated: every id unique, every `depends_on` naming a step of the plan,
//!    no cycle. Anything else is an [`ApplyError`] before anything runs or is journaled.
//! 2. A `runStarted` line opens the run in the journal; intents an earlier run left without
//!    an outcome go into the summary as [`ApplySummary::in_doubt`].
//! 3. Steps whose dependencies have all succeeded become ready. Ready steps start in plan
//!    order, at most [`ApplyOptions::concurrency`] at once and one per target object
//!    ([`Operation::target`](roster_model::Operation::target)). Each starts only once its
//!    `intent` line is written.
//! 4. When an operation ends, its outcome is journaled; a success releases its dependents, a
//!    failure skips its transitive dependents (each journaled as skipped, naming the failed
//!    step). A create whose [`Receipt`](roster_model::Receipt) says it adopted an object
//!    already in the org is a success, journaled and summarized as `adopted`.
//! 5. When nothing is running and nothing more may start, a `runFinished` line with the
//!    counts and a `checkpoint` line close the run, the journal is synced to disk and the
//!    [`ApplySummary`] returned, with that [`ApplySummary::checkpoint`].
//!
//! ## Guarantees
//!
//! - An operation runs only after every step it depends on succeeded (or adopted).
//! - No two operations on the same target object are in flight at once; operations in flight
//!   never exceed the concurrency bound.
//! - A failure skips exactly the failed step's transitive dependents; independent branches go
//!   on.
//! - Every step ends in exactly one list of the summary: succeeded, adopted, failed (with the
//!   error and its causes), skipped (with the failed step), not run (the run stopped first)
//!   or interrupted.
//! - No operation starts before its intent is journaled; every outcome is journaled before
//!   the next operation starts, and no operation starts after a journal write failed. So a
//!   crash leaves at most the operations in flight journaled as intents without an outcome,
//!   which the next [`Journal::open`] reports as in doubt.
//! - Stopping early ([`ApplyOptions::abort_after`], [`CancelToken::cancel`]) lets the
//!   operations in flight finish and journals them; only [`CancelToken::interrupt`] abandons
//!   them.
//!
//! ## Assumptions
//!
//! - Each operation is idempotent and safe to cancel at any await point, and a create that
//!   may have happened is never blindly repeated (the [`Tenant`](roster_model::Tenant)
//!   contract). That is what makes a stopped or crashed run safe to continue by planning
//!   again: the next plan contains exactly what did not take effect.
//! - The tenant does its own rate limiting and retries; the engine never retries.
//!
//! ## Caveats
//!
//! - Within the bounds, the order in which independent operations start and finish depends on
//!   the tenant's latency; only dependency order and the per-target rule are guaranteed.
//! - An interrupted operation may or may not have taken effect; the summary says which steps
//!   those were and the next plan shows the truth.
//! - Requests counted are those of successful operations ([`Receipt`](roster_model::Receipt));
//!   the tenant's error type does not report how many requests a failure made.
//! - The plain chain detects edits, deletions, insertions and reordering by anyone who does
//!   not recompute the hashes; the keyed chain by anyone without the key. Neither shows lines
//!   cut from the end: keep the [`Checkpoint`] somewhere else to detect that. Lines are
//!   synced to disk at the end of each run, not one by one.
//!
//! ## Errors
//!
//! - [`ApplyError::DuplicateStep`], [`ApplyError::UnknownDependency`], [`ApplyError::Cycle`]:
//!   the steps are not a DAG; nothing ran.
//! - [`ApplyError::Journal`]: the journal could not be written; no operation started after
//!   that and the error carries the summary of what had happened.
//! - A failed operation is not an error of `apply`: check [`ApplySummary::is_success`].

mod engine;
mod error;
#[cfg(feature = "failpoints")]
mod failpoint;
mod graph;
pub mod journal;
mod options;
mod summary;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use engine::{apply, error_chain};
pub use error::ApplyError;
pub use journal::{
    Checkpoint, Entry, EntryBody, InDoubt, Journal, JournalContext, JournalError, JournalKey,
    Outcome, Verdict, VerifyOptions, VerifyReport, entries, entries_for_user, read_entries, verify,
    verify_with,
};
pub use options::{
    ApplyOptions, ApplyProgress, CancelToken, DEFAULT_CONCURRENCY, ProgressFn, StepEvent,
};
pub use summary::{ApplySummary, StopReason};
