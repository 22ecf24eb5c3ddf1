//! Choosing, reading and planning orgs: `--org` selection, and reading several orgs
//! concurrently, each inside its own rate limit, reporting every org's failure rather than
//! the first.

use std::collections::BTreeSet;

use futures::future::join_all;
use roster_manifest::{OrgSpec, Workspace};
use roster_model::{Email, ReadNeeds};
use roster_plan::{ObjectRef, Plan};

use crate::connect::{ConnectError, missing_credentials};
use crate::lock::OrgLock;
use crate::progress::ProgressSink;
use crate::session::{OrgSession, PlanError, ReadError, Snapshot};

/// An org named on the command line that `roster.yaml` does not declare.
#[derive(Debug, thiserror::Error)]
#[error("no org `{name}` in `roster.yaml`")]
pub struct UnknownOrg {
    /// The name asked for.
    pub name: String,
    /// The orgs `roster.yaml` declares.
    pub known: Vec<String>,
}

/// A workflow's failure in one org, naming the org once.
#[derive(Debug, thiserror::Error)]
#[error("org `{org}`")]
pub struct OrgFailure<E: std::error::Error + 'static> {
    /// The org's name in `roster.yaml`.
    pub org: String,
    /// What went wrong there.
    #[source]
    pub error: E,
}

/// Every org a workflow failed in (at least one), each with its own error.
#[derive(Debug, thiserror::Error)]
#[error("{} orgs failed", .0.len())]
pub struct OrgFailures<E: std::error::Error + 'static>(pub Vec<OrgFailure<E>>);

/// One org, read and planned.
#[derive(Debug)]
pub struct Planned<'a> {
    /// The org and what was read.
    pub org: ReadOrg<'a>,
    /// Its plan.
    pub plan: Plan,
}

/// What a plan does with an org whose credential environment variables are not set or are
/// empty (a fork's pull request gets no secrets; a laptop may hold one org's credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingCredentials {
    /// The org fails like any org that cannot be connected to: a misspelt secret never passes
    /// for "no changes".
    #[default]
    Fail,
    /// The org is left out and reported in [`PlannedOrgs::skipped`]; the others are planned.
    Skip,
}

/// An org left out of a plan because its credentials are not in the environment.
#[derive(Debug)]
pub struct SkippedOrg {
    /// The org's name in `roster.yaml`.
    pub org: String,
    /// The variable missing or empty ([`ConnectError::MissingVariable`] or
    /// [`ConnectError::EmptyVariable`]).
    pub reason: ConnectError,
}

/// The outcome of [`plan_orgs_with`]: the orgs planned, in the order asked, and those skipped.
#[derive(Debug)]
pub struct PlannedOrgs<'a> {
    /// Every org read and planned.
    pub planned: Vec<Planned<'a>>,
    /// Orgs left out under [`MissingCredentials::Skip`], in the order asked.
    pub skipped: Vec<SkippedOrg>,
}

/// One org, connected and read.
#[derive(Debug)]
pub struct ReadOrg<'a> {
    /// The run against it.
    pub session: OrgSession<'a>,
    /// What was read.
    pub snapshot: Snapshot,
}

/// The orgs named by `names`, or every org when none is named.
pub fn select<'a>(
    workspace: &'a Workspace,
    names: &[String],
) -> Result<Vec<&'a OrgSpec>, UnknownOrg> {
    if names.is_empty() {
        return Ok(workspace.orgs.values().collect());
    }
    names
        .iter()
        .map(|name| {
            workspace.orgs.get(name).ok_or_else(|| UnknownOrg {
                name: name.clone(),
                known: workspace.orgs.keys().cloned().collect(),
            })
        })
        .collect()
}

/// What a run will do with the orgs it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only read (plan, export, drift).
    Read,
    /// Write after reading (apply, offboard): the org lock is taken before the read and held
    /// by the session, so a second apply cannot plan from the same picture.
    Write,
}

/// Connects to and reads every org in `orgs` concurrently, each with what its manifests
/// need. Fails with every org's error when any fails, so one broken credential does not
/// hide another.
pub async fn read_orgs<'a>(
    workspace: &'a Workspace,
    orgs: &[&'a OrgSpec],
    access: Access,
    progress: &ProgressSink,
) -> Result<Vec<ReadOrg<'a>>, OrgFailures<ReadError>> {
    let reads = orgs.iter().map(|spec| async move {
        read_org(
            workspace,
            spec,
            &ReadNeeds::for_desired(&spec.desired),
            access,
            progress,
        )
        .await
        .map_err(|error| OrgFailure {
            org: spec.name.clone(),
            error,
        })
    });
    let mut read = Vec::new();
    let mut failures = Vec::new();
    for result in join_all(reads).await {
        match result {
            Ok(org) => read.push(org),
            Err(failure) => failures.push(failure),
        }
    }
    if failures.is_empty() {
        Ok(read)
    } else {
        Err(OrgFailures(failures))
    }
}

/// Connects to one org and reads what `needs` asks; for [`Access::Write`], takes the org lock
/// first.
///
/// # Errors
///
/// [`ReadError::Lock`] while another apply holds the org, and the connection's and the
/// read's errors.
pub async fn read_org<'a>(
    workspace: &'a Workspace,
    spec: &'a OrgSpec,
    needs: &ReadNeeds,
    access: Access,
    progress: &ProgressSink,
) -> Result<ReadOrg<'a>, ReadError> {
    let lock = match access {
        Access::Write => Some(OrgLock::acquire(&workspace.root, &spec.name)?),
        Access::Read => None,
    };
    let mut session = OrgSession::open(&workspace.root, spec).await?;
    if let Some(lock) = lock {
        session = session.holding(lock);
    }
    let snapshot = session.read(needs, progress).await?;
    Ok(ReadOrg { session, snapshot })
}

/// Reads every org in `orgs` (as [`read_orgs`]) and plans each with its manifests;
/// `reactivate` allows reactivating those inactive users, `targets` (when not empty) limits
/// each plan to those objects and what they depend on. Fails with every org's error.
pub async fn plan_orgs<'a>(
    workspace: &'a Workspace,
    orgs: &[&'a OrgSpec],
    reactivate: &BTreeSet<Email>,
    targets: &BTreeSet<ObjectRef>,
    access: Access,
    progress: &ProgressSink,
) -> Result<Vec<Planned<'a>>, OrgFailures<PlanError>> {
    let read = read_orgs(workspace, orgs, access, progress)
        .await
        .map_err(|failures| {
            OrgFailures(
                failures
                    .0
                    .into_iter()
                    .map(|failure| OrgFailure {
                        org: failure.org,
                        error: PlanError::Read(failure.error),
                    })
                    .collect(),
            )
        })?;
    let mut planned = Vec::new();
    let mut failures = Vec::new();
    for org in read {
        let plan = match org
            .session
            .plan_targeted(&org.snapshot, reactivate, targets)
        {
            Ok(plan) => org.session.with_licences(&org.snapshot, plan).await,
            Err(error) => Err(error),
        };
        match plan {
            Ok(plan) => planned.push(Planned { org, plan }),
            Err(error) => failures.push(OrgFailure {
                org: org.session.org().to_owned(),
                error,
            }),
        }
    }
    if failures.is_empty() {
        Ok(planned)
    } else {
        Err(OrgFailures(failures))
    }
}

/// [`plan_orgs`], deciding with `missing` what to do with an org whose credentials are not in
/// the environment. Under [`MissingCredentials::Skip`] such an org is not connected to (no
/// request, no lock) and is returned in [`PlannedOrgs::skipped`]; the others are read and
/// planned as [`plan_orgs`] does. Every org may be skipped: the caller decides whether an
/// empty plan is a failure.
pub async fn plan_orgs_with<'a>(
    workspace: &'a Workspace,
    orgs: &[&'a OrgSpec],
    reactivate: &BTreeSet<Email>,
    targets: &BTreeSet<ObjectRef>,
    access: Access,
    missing: MissingCredentials,
    progress: &ProgressSink,
) -> Result<PlannedOrgs<'a>, OrgFailures<PlanError>> {
    let mut ready = Vec::new();
    let mut skipped = Vec::new();
    for &spec in orgs {
        match (missing, missing_credentials(spec)) {
            (MissingCredentials::Skip, Some(reason)) => skipped.push(SkippedOrg {
                org: spec.name.clone(),
                reason,
            }),
            _ => ready.push(spec),
        }
    }
    let planned = if ready.is_empty() {
        Vec::new()
    } else {
        plan_orgs(workspace, &ready, reactivate, targets, access, progress).await?
    };
    Ok(PlannedOrgs { planned, skipped })
}

/// The emails of `reactivate` that no plan of `plans` reactivates: users active already, or
/// not in these orgs, or not declared. Asking to reactivate them is a mistake to report, not
/// to ignore.
pub fn not_reactivated<'p>(
    plans: impl IntoIterator<Item = &'p roster_plan::Plan>,
    reactivate: &BTreeSet<Email>,
) -> Vec<Email> {
    let reactivated: BTreeSet<&str> = plans
        .into_iter()
        .flat_map(|plan| &plan.changes)
        .filter(|change| change.action == roster_plan::Action::Reactivate)
        .map(|change| change.key.as_str())
        .collect();
    reactivate
        .iter()
        .filter(|email| !reactivated.contains(email.as_str()))
        .cloned()
        .collect()
}

/// `workspace` with every user's utilization unmanaged, for a run that must not pay for it:
/// Genesys has no bulk read of users' utilization, so managing it costs one request per
/// user on every read (`roster plan --skip utilization`).
pub fn without_utilization(mut workspace: Workspace) -> Workspace {
    for spec in workspace.orgs.values_mut() {
        spec.desired.without_utilization();
    }
    workspace
}
