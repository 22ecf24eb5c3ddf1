//! Applying a plan to an org: the journal opened with who and what, the assignment picture of
//! every user the plan deactivates recorded before the first write, the steps run through the
//! apply engine by a writer built from the snapshot, and a sandbox org's state saved.

use std::sync::Arc;

use roster_apply::{
    ApplyOptions, ApplySummary, CancelToken, Journal, JournalContext, JournalError, JournalKey,
};
use roster_model::{Email, Kind};
use roster_plan::{Action, Plan};

use crate::assignments::{ASSIGNMENT_SNAPSHOT, AssignmentSnapshot};
use crate::connect::{ConnectError, SaveError};
use crate::git::applied_commit;
use crate::history::HistoryError;
use crate::lock::LockError;
use crate::orgs::ReadOrg;
use crate::progress::{Progress, ProgressSink};
use crate::safety::{Blocked, BlockedPlan};

/// How a run goes, beyond the plan.
#[derive(Debug, Clone)]
pub struct ApplyRun {
    /// Operations in flight at once per org (the org's rate limit is the real throttle).
    pub concurrency: usize,
    /// Digests of plans over `policy.limits` that a person acknowledged
    /// (`--allow-destructive`); a blocked plan whose digest is not here is refused.
    pub acknowledged: Vec<String>,
    /// Stop starting operations after this many finished, as a crash would (tests).
    pub abort_after: Option<usize>,
    /// Stops the run early (Ctrl-C, SIGTERM).
    pub cancel: Option<CancelToken>,
    /// The manifests' git commit, for the journal; when `None`, the commit checked out at
    /// the workspace root, if it is a git repository.
    pub git_commit: Option<String>,
}

impl Default for ApplyRun {
    fn default() -> Self {
        ApplyRun {
            concurrency: roster_apply::DEFAULT_CONCURRENCY,
            acknowledged: Vec::new(),
            abort_after: None,
            cancel: None,
            git_commit: None,
        }
    }
}

/// Why a plan could not be applied or recorded. Failed operations are not errors: they are
/// outcomes in the [`ApplySummary`].
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The plan is over `policy.limits` and its digest was not acknowledged; nothing was
    /// written to the org.
    #[error(transparent)]
    Blocked(#[from] Blocked),
    /// The journal could not be opened (the error names the file); nothing was written to
    /// the org.
    #[error("cannot open the journal")]
    OpenJournal(#[source] JournalError),
    /// The journal key `journal.key` refers to cannot be read (a variable not set or empty,
    /// a file missing).
    #[error("cannot read the journal key")]
    MissingJournalKey(#[source] ConnectError),
    /// The journal key is unusable (too short).
    #[error("the journal key cannot be used")]
    JournalKey(#[source] JournalError),
    /// A record could not be added to the journal; nothing was written to the org.
    #[error("cannot write the journal")]
    Journal(#[source] JournalError),
    /// The org's journal could not be read for the `perDay` limits; nothing was written.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// Another apply holds the org; nothing was written.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The engine refused the plan or stopped recording it.
    #[error("the apply stopped")]
    Engine(#[source] roster_apply::ApplyError),
    /// The sandbox state could not be saved after the run.
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// The journal record before the run of a targeted plan (`--target`): a partial apply.
pub const PARTIAL_PLAN: &str = "partialPlan";

/// Opens the org's journal for a run of `plan`.
pub(crate) fn open_journal(
    org: &ReadOrg<'_>,
    plan: &Plan,
    git_commit: Option<String>,
) -> Result<Journal, ApplyError> {
    let root = org.session.root();
    let path = Journal::default_path(root, org.session.org());
    let context = JournalContext {
        org: org.session.org().to_owned(),
        principal: Some(org.session.principal()),
        git_commit: git_commit.or_else(|| applied_commit(root)),
        plan_digest: Some(plan.digest.clone()),
    };
    open_with_key(&path, org.session.spec(), context)
}

/// Opens the journal at `path` for `spec`'s org, keyed when `roster.yaml` gives it a key.
pub(crate) fn open_with_key(
    path: &std::path::Path,
    spec: &roster_manifest::OrgSpec,
    context: JournalContext,
) -> Result<Journal, ApplyError> {
    let opened = match journal_key(spec)? {
        Some(key) => Journal::open_keyed(path, context, key),
        None => Journal::open(path, context),
    };
    opened.map_err(ApplyError::OpenJournal)
}

/// The journal key `roster.yaml` points to, read from its environment variable.
///
/// # Errors
///
/// When the variable or file cannot be read or holds a key too short to use.
pub fn journal_key(spec: &roster_manifest::OrgSpec) -> Result<Option<JournalKey>, ApplyError> {
    let Some(reference) = &spec.journal_key else {
        return Ok(None);
    };
    let value = crate::connect::secret(reference).map_err(ApplyError::MissingJournalKey)?;
    JournalKey::new(value.into_bytes())
        .map(Some)
        .map_err(ApplyError::JournalKey)
}

/// Applies `plan` (made from `org.snapshot`, or a saved plan checked against it) to the org.
///
/// # Errors
///
/// [`ApplyError::Blocked`] when the plan is over `policy.limits` and `run.acknowledged`
/// lacks its digest, [`ApplyError::Lock`] when another apply holds the org, and the journal
/// errors before the first write: in those cases nothing was written to the org. Failed operations are not errors but outcomes in the summary.
pub async fn apply(
    org: &ReadOrg<'_>,
    plan: &Plan,
    run: &ApplyRun,
    progress: &ProgressSink,
) -> Result<ApplySummary, ApplyError> {
    check_verdict(org, plan, &run.acknowledged)?;
    let _lock = org.session.lock_for_writes()?;
    let mut journal = open_journal(org, plan, run.git_commit.clone())?;
    record_deactivated_pictures(org, plan, &mut journal)?;
    execute(org, plan, run, progress, &mut journal).await
}

/// The writes an earlier run started and did not journal the outcome of, when the plan is
/// empty and nothing else will open the journal: the org already matches the manifests, so
/// each took effect or is no longer needed. Opening the journal records them as settled (an
/// `inDoubt` line), so they are reported once.
///
/// # Errors
///
/// When the org's journal cannot be opened (in use, unreadable, a missing key).
pub fn settle_in_doubt(
    org: &ReadOrg<'_>,
    plan: &Plan,
) -> Result<Vec<roster_apply::InDoubt>, ApplyError> {
    let _lock = org.session.lock_for_writes()?;
    let journal_file = Journal::default_path(org.session.root(), org.session.org());
    if !journal_file.exists() {
        return Ok(Vec::new());
    }
    let journal = open_journal(org, plan, None)?;
    Ok(journal.in_doubt().to_vec())
}

/// Refuses `plan` when it is over `policy.limits` and its digest is not in `acknowledged`.
/// The verdict is derived here, from the plan's steps, the org as read, the policy in
/// `roster.yaml` and the journal's last 24 hours: the plan's own `blocked` field, which a
/// caller may have read from a file, is never trusted.
fn check_verdict(
    org: &ReadOrg<'_>,
    plan: &Plan,
    acknowledged: &[String],
) -> Result<(), ApplyError> {
    let blocked = org.session.verdict(&org.snapshot, plan)?;
    if blocked.is_some() && !acknowledged.contains(&plan.digest) {
        return Err(ApplyError::Blocked(Blocked {
            plans: vec![BlockedPlan {
                org: plan.org.clone(),
                digest: plan.digest.clone(),
            }],
            unmatched: acknowledged.to_vec(),
        }));
    }
    Ok(())
}

/// Runs the steps of `plan` into `journal`, then saves a sandbox org.
pub(crate) async fn execute(
    org: &ReadOrg<'_>,
    plan: &Plan,
    run: &ApplyRun,
    progress: &ProgressSink,
    journal: &mut Journal,
) -> Result<ApplySummary, ApplyError> {
    if plan.is_targeted() {
        // Drift's baseline is the last apply of the whole manifests: say this run was not.
        journal
            .record(PARTIAL_PLAN, serde_json::json!({ "targets": plan.targets }))
            .map_err(ApplyError::Journal)?;
    }
    let name = org.session.org().to_owned();
    let report = progress.clone();
    let options = ApplyOptions {
        concurrency: run.concurrency.max(1),
        abort_after: run.abort_after,
        progress: Some(Arc::new(move |step| {
            report(Progress::Applying {
                org: name.clone(),
                finished: step.finished,
                total: step.total,
            });
        })),
        cancel: run.cancel.clone(),
    };
    let writer = org.session.writer(&org.snapshot);
    let outcome = roster_apply::apply(&writer, &plan.steps, &options, journal).await;
    progress(Progress::ApplyDone {
        org: org.session.org().to_owned(),
    });
    let saved = org.session.save();
    let summary = match outcome {
        Ok(summary) => summary,
        Err(error) => {
            // The engine's error says what happened to the org; a failed save of the
            // sandbox's state is secondary and only logged.
            if let Err(save) = saved {
                tracing::warn!(org = %org.session.org(), error = %save, "cannot save the sandbox org");
            }
            return Err(ApplyError::Engine(error));
        }
    };
    saved?;
    tracing::info!(org = %org.session.org(), %summary, "applied");
    Ok(summary)
}

/// Journals the full assignment picture of every user the plan deactivates, before the run
/// starts, so a plan-driven offboarding can be audited and undone like `roster offboard`.
fn record_deactivated_pictures(
    org: &ReadOrg<'_>,
    plan: &Plan,
    journal: &mut Journal,
) -> Result<(), ApplyError> {
    for change in &plan.changes {
        if change.kind != Kind::User || change.action != Action::Deactivate {
            continue;
        }
        let Ok(email) = Email::parse(&change.key) else {
            continue;
        };
        let Some(picture) = AssignmentSnapshot::of(&org.snapshot.live, &org.snapshot.needs, &email)
        else {
            continue;
        };
        journal
            .record(ASSIGNMENT_SNAPSHOT, to_value(&picture))
            .map_err(ApplyError::Journal)?;
    }
    Ok(())
}

/// A journal record's data. Serializing these plain structs cannot fail.
pub(crate) fn to_value<T: serde::Serialize>(record: &T) -> serde_json::Value {
    serde_json::to_value(record).expect("journal records are plain data with string keys")
}
