//! Readiness: what a plan cannot express but stops agents from working as intended
//! (DESIGN §2.10, issue #17): queues an agent serves that no planning group of their
//! business unit covers, agents on queues in no management unit, numbers outside every pool
//! or held twice, and role grants implying another licence than the routing profile expects.
//!
//! [`check_org`] reads the org as `plan` does, plus planning groups, management units, pools
//! and licence definitions; asks Genesys which licences each distinct role set implies (only
//! for users whose profile expects one); then [`findings`] — a pure function — compares.
//! Nothing is written.

mod findings;
mod render;
mod report;

use roster_manifest::{OrgSpec, Workspace};
use roster_model::ReadNeeds;

pub use findings::{findings, not_checked, role_sets_after_apply};
pub use render::{render_markdown, render_text};
pub use report::{
    CHECK_FORMAT, CheckReport, CheckSet, Finding, PhoneField, Problem, check_schema,
    check_schema_json,
};

use crate::licences::{LicenceError, lookup_licences};
use crate::orgs::{Access, read_org};
use crate::progress::ProgressSink;
use crate::session::ReadError;

/// Why an org could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Reading the org failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Asking Genesys which licences a set of roles implies failed.
    #[error(transparent)]
    Licences(#[from] LicenceError),
}

/// What a check of `spec`'s manifests reads: what their plan reads, plus planning groups,
/// management units, pools and licence definitions.
pub fn check_needs(spec: &OrgSpec) -> ReadNeeds {
    let mut needs = ReadNeeds::for_desired(&spec.desired);
    needs.planning_groups = true;
    needs.wfm = true;
    needs.telephony = true;
    needs.licences = true;
    // Licences follow roles, those through groups too; every managed queue's members are
    // read already (`for_desired`).
    needs.grants = true;
    needs
}

/// Checks one org's readiness: reads it (see [`check_needs`]), infers the licences of each
/// distinct role set that a `licence:` expectation needs, and reports [`findings`].
///
/// # Errors
///
/// When the org cannot be read, or a licence inference fails.
pub async fn check_org(
    workspace: &Workspace,
    spec: &OrgSpec,
    progress: &ProgressSink,
) -> Result<CheckReport, CheckError> {
    let org = read_org(workspace, spec, &check_needs(spec), Access::Read, progress).await?;
    let live = &org.snapshot.live;
    let sets = role_sets_after_apply(&spec.desired, live);
    let session = org.session.genesys();
    let lookup = lookup_licences(live, sets, |ids: Vec<String>| async move {
        session.infer_licences(&ids).await
    })
    .await?;
    Ok(CheckReport {
        org: spec.name.clone(),
        findings: findings(&spec.desired, live, &lookup),
        not_checked: not_checked(live),
        requests: org.session.requests(),
    })
}
