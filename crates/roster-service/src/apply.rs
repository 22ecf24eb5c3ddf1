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
use crate::connect::SaveError;
use crate::orgs::ReadOrg;
use crate::progress::{Progress, ProgressSink};

/// How a run goes, beyond the plan.
#[derive(Debug, Clone, Default)]
pub struct ApplyRun {
    /// Operations in flight at once per org (the org's rate limit is the real throttle).
    pub concurrency: usize,
    /// Stop starting operations after this many finished, as a crash would (tests).
    pub abort_after: Option<usize>,
    /// Stops the run early (Ctrl-C, SIGTERM).
    pub cancel: Option<CancelToken>,
    /// The manifests' git commit, for the journal.
    pub git_commit: Option<String>,
}

/// Why a plan could not be applied or recorded. Failed operations are not errors: they are
/// outcomes in the [`ApplySummary`].
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The journal could not be opened; nothing was written to the org.
    #[error("cannot open the journal `{}`", path.display())]
    OpenJournal {
        /// The journal file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: JournalError,
    },
    /// `journal.key` names an environment variable that is not set.
    #[error("the journal key variable `{env}` is not set")]
    MissingJournalKey {
        /// The variable.
        env: String,
    },
    /// The journal key is unusable (too short).
    #[error("the journal key in `{env}` cannot be used")]
    JournalKey {
        /// The variable.
        env: String,
        /// Why.
        #[source]
        source: JournalError,
    },
    /// A record could not be added to the journal; nothing was written to the org.
    #[error("cannot write the journal")]
    Journal(#[source] JournalError),
    /// The engine refused the plan or stopped recording it.
    #[error("the apply stopped")]
    Engine(#[source] roster_apply::ApplyError),
    /// The sandbox state could not be saved after the run.
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// Opens the org's journal for a run of `plan`.
pub(crate) fn open_journal(
    org: &ReadOrg<'_>,
    plan: &Plan,
    git_commit: Option<String>,
) -> Result<Journal, ApplyError> {
    let path = Journal::default_path(org.session.root(), org.session.org());
    let context = JournalContext {
        org: org.session.org().to_owned(),
        principal: Some(org.session.principal()),
        git_commit,
        plan_digest: Some(plan.digest.clone()),
    };
    let opened = match journal_key(org.session.spec())? {
        Some(key) => Journal::open_keyed(&path, context, key),
        None => Journal::open(&path, context),
    };
    opened.map_err(|source| ApplyError::OpenJournal { path, source })
}

/// The journal key `roster.yaml` points to, read from its environment variable.
///
/// # Errors
///
/// When the variable is not set or holds a key too short to use.
pub fn journal_key(spec: &roster_manifest::OrgSpec) -> Result<Option<JournalKey>, ApplyError> {
    let Some(reference) = &spec.journal_key else {
        return Ok(None);
    };
    let env = reference.env.clone();
    let Some(value) = std::env::var_os(&env) else {
        return Err(ApplyError::MissingJournalKey { env });
    };
    JournalKey::new(value.into_encoded_bytes())
        .map(Some)
        .map_err(|source| ApplyError::JournalKey { env, source })
}

/// Applies `plan` (made from `org.snapshot`, or a saved plan checked against it) to the org.
pub async fn apply(
    org: &ReadOrg<'_>,
    plan: &Plan,
    run: &ApplyRun,
    progress: &ProgressSink,
) -> Result<ApplySummary, ApplyError> {
    let mut journal = open_journal(org, plan, run.git_commit.clone())?;
    record_deactivated_pictures(org, plan, &mut journal)?;
    execute(org, plan, run, progress, &mut journal).await
}

/// Runs the steps of `plan` into `journal`, then saves a sandbox org.
pub(crate) async fn execute(
    org: &ReadOrg<'_>,
    plan: &Plan,
    run: &ApplyRun,
    progress: &ProgressSink,
    journal: &mut Journal,
) -> Result<ApplySummary, ApplyError> {
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
    org.session.save()?;
    let summary = outcome.map_err(ApplyError::Engine)?;
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
