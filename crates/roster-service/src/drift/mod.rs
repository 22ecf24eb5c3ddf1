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

use std::collections::BTreeSet;

use roster_manifest::{OrgSpec, Workspace};
use roster_model::ReadNeeds;
use time::{Duration, OffsetDateTime};

pub use classify::classify;
pub use render::{render_markdown, render_text};
pub use report::{
    Actor, AuditAccess, AuditChange, Baseline, DRIFT_FORMAT, DriftReport, DriftSet, DriftedObject,
    FieldDrift, PropertyValues, Window, WindowStart, drift_schema, drift_schema_json,
};

use crate::history::HistoryError;
use crate::orgs::{Access, read_org};
use crate::progress::ProgressSink;
use crate::session::ReadError;

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
    /// Reading the org failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The manifests and the org cannot be reconciled (a missing role, a cycle).
    #[error(transparent)]
    Plan(#[from] roster_plan::PlanError),
    /// The org's journal could not be read.
    #[error(transparent)]
    History(#[from] HistoryError),
}

impl From<crate::session::PlanError> for DriftError {
    fn from(error: crate::session::PlanError) -> Self {
        match error {
            crate::session::PlanError::Read(error) => DriftError::Read(error),
            crate::session::PlanError::Plan(error) => DriftError::Plan(error),
            crate::session::PlanError::History(error) => DriftError::History(error),
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
    let last = baseline::last_apply(&workspace.root, &spec.name)?;
    let applied = baseline::last_applied(&workspace.root, &spec.name, last.as_ref());
    let mut needs = ReadNeeds::for_desired(&spec.desired);
    if let Ok(applied) = &applied {
        needs = needs.union(ReadNeeds::for_desired(&applied.desired));
    }
    let org = read_org(workspace, spec, &needs, Access::Read, progress).await?;
    let none = BTreeSet::new();
    let now = org.session.plan(&org.snapshot, &none)?;
    let then = match &applied {
        Ok(applied) => Some(
            org.session
                .plan_desired(&applied.desired, &org.snapshot, &none)?
                .changes,
        ),
        Err(_) => None,
    };
    let (mut drift, pending) = classify(&now.changes, then.as_deref());

    let window = Window::new(check, last.as_ref());
    let audit = if drift.is_empty() {
        AuditAccess::NotNeeded
    } else {
        attribution::attribute(&org.session, &window, &mut drift).await
    };
    Ok(DriftReport {
        org: spec.name.clone(),
        checked_at: report::timestamp(check.now),
        baseline: match &applied {
            Ok(applied) => Baseline::Applied {
                commit: applied.apply.commit.clone().unwrap_or_default(),
                applied_at: report::timestamp(applied.apply.finished),
                journal_line: applied.apply.seq,
            },
            Err(reason) => Baseline::Unknown {
                reason: reason.to_string(),
            },
        },
        window,
        audit,
        drift,
        pending,
        requests: org.session.requests(),
    })
}
