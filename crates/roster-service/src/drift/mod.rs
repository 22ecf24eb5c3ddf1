//! Drift: what in an org no longer matches git, through no apply of roster's, and who changed
//! it (DESIGN §2.7).
//!
//! [`drift_org`] reads the org as `plan` does and plans today's manifests against it. Each
//! difference is then sorted ([`classify`]) into drift (the org moved away from what roster
//! last applied) and pending (the manifests moved: an edit not applied yet), by planning the
//! manifests of the last complete apply (its journaled git commit, [`baseline`]) against the
//! same read. Drifted objects are attributed from the org's Audit API ([`attribution`]):
//! the records that touched them in the window, by whom, when and through which client;
//! records of roster's own OAuth client are never drift. Without the permission to read
//! audits, or when the query fails, the drift is still reported, with the reason.

pub mod attribution;
pub mod baseline;
mod classify;
mod render;
mod report;
pub mod watch;

use std::collections::BTreeSet;

use roster_manifest::{OrgSpec, Workspace};
use roster_model::ReadNeeds;
use time::{Duration, OffsetDateTime};

pub use classify::classify;
pub use render::{render_event, render_markdown, render_text};
pub use report::{
    Actor, AuditAccess, AuditChange, Baseline, DRIFT_FORMAT, DriftReport, DriftSet, DriftedObject,
    FieldDrift, PropertyValues, Window, WindowStart, drift_schema, drift_schema_json, timestamp,
};

use crate::history::HistoryError;
use crate::orgs::{Access, read_org};
use crate::progress::ProgressSink;
use crate::session::{OrgSession, PlanError, ReadError, Snapshot};

/// How far back attribution looks when the journal holds no complete apply.
pub const DEFAULT_WINDOW: Duration = Duration::days(7);

/// What a drift check of one org is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftCheck {
    /// The start of the attribution window; `None`: the last complete apply, else
    /// [`DEFAULT_WINDOW`] ago.
    pub since: Option<OffsetDateTime>,
    /// Now: the end of the window.
    pub now: OffsetDateTime,
}

/// Why an org's drift could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// Reading or planning the org failed, or its journal could not be read: what `plan`
    /// fails with.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The org's notification channels could not be opened (`--watch`).
    #[error("cannot listen to the org's notifications")]
    Listen(#[source] roster_genesys::GenesysError),
}

impl From<ReadError> for DriftError {
    fn from(error: ReadError) -> Self {
        DriftError::Plan(PlanError::Read(error))
    }
}

impl From<HistoryError> for DriftError {
    fn from(error: HistoryError) -> Self {
        DriftError::Plan(PlanError::History(error))
    }
}

/// What a drift check of one org compares with: its manifests, and the manifests of its last
/// complete apply (when the journal and git can say), loaded once per check.
#[derive(Debug)]
pub struct Checker<'a> {
    spec: &'a OrgSpec,
    last: Option<baseline::LastApply>,
    applied: Result<baseline::Applied, baseline::NoBaseline>,
}

impl<'a> Checker<'a> {
    /// Reads the org's journal and loads the manifests of its last complete apply.
    ///
    /// # Errors
    ///
    /// When the journal exists but cannot be read.
    pub fn new(workspace: &Workspace, spec: &'a OrgSpec) -> Result<Self, DriftError> {
        let last = baseline::last_apply(&workspace.root, &spec.name)?;
        let applied = baseline::last_applied(&workspace.root, &spec.name, last.as_ref());
        Ok(Checker {
            spec,
            last,
            applied,
        })
    }

    /// What a read must cover for both sets of manifests.
    pub fn needs(&self) -> ReadNeeds {
        let needs = ReadNeeds::for_desired(&self.spec.desired);
        match &self.applied {
            Ok(applied) => needs.union(ReadNeeds::for_desired(&applied.desired)),
            Err(_) => needs,
        }
    }

    /// The differences between `snapshot` and the manifests, as (drift, pending).
    ///
    /// # Errors
    ///
    /// When the manifests and the org cannot be reconciled.
    pub fn sort(
        &self,
        session: &OrgSession<'_>,
        snapshot: &Snapshot,
    ) -> Result<(Vec<DriftedObject>, Vec<DriftedObject>), DriftError> {
        let none = BTreeSet::new();
        let now = session.plan(snapshot, &none)?;
        let then = match &self.applied {
            Ok(applied) => Some(
                session
                    .plan_desired(&applied.desired, snapshot, &none, &BTreeSet::new())?
                    .changes,
            ),
            Err(_) => None,
        };
        Ok(classify(&now.changes, then.as_deref()))
    }

    /// The attribution window of `check`.
    pub fn window(&self, check: DriftCheck) -> Window {
        Window::new(check, self.last.as_ref())
    }

    /// What the org was compared with.
    pub fn baseline(&self) -> Baseline {
        match &self.applied {
            Ok(applied) => Baseline::Applied {
                commit: applied.apply.commit.clone().unwrap_or_default(),
                applied_at: report::timestamp(applied.apply.finished),
                journal_line: applied.apply.seq,
            },
            Err(reason) => Baseline::Unknown {
                reason: reason.to_string(),
            },
        }
    }
}

/// Checks one org for drift: reads it, plans today's and the last applied manifests against
/// the read, sorts the differences, and attributes the drift from the Audit API.
///
/// # Errors
///
/// When the org cannot be read or planned, or its journal read; never for audits.
pub async fn drift_org(
    workspace: &Workspace,
    spec: &OrgSpec,
    check: DriftCheck,
    progress: &ProgressSink,
) -> Result<DriftReport, DriftError> {
    let checker = Checker::new(workspace, spec)?;
    let org = read_org(workspace, spec, &checker.needs(), Access::Read, progress).await?;
    let (mut drift, pending) = checker.sort(&org.session, &org.snapshot)?;
    let window = checker.window(check);
    let audit = if drift.is_empty() {
        AuditAccess::NotNeeded
    } else {
        attribution::attribute(&org.session, &window, &mut drift).await
    };
    Ok(DriftReport {
        org: spec.name.clone(),
        checked_at: report::timestamp(check.now),
        baseline: checker.baseline(),
        window,
        audit,
        drift,
        pending,
        requests: org.session.requests(),
    })
}
