//! roster's workflows as a library: the one API the `roster` CLI and the long-running server
//! call, so neither copies a rule or skips a step.
//!
//! Every workflow runs over an [`OrgSession`]: one run against one org, owning its request
//! counts and the [`Snapshot`]s it reads (the live org and its ids). Writers are built from a
//! snapshot explicitly, so two sessions on one org in one process share no mutable state.
//!
//! | workflow | entry point |
//! |---|---|
//! | choose orgs | [`select`] |
//! | read at the cost the manifests imply, stated before reading | [`read_cost`], [`read_orgs`], [`read_org`], [`OrgSession::read`] |
//! | plan | [`plan_orgs`], [`plan_orgs_with`] (skipping orgs without credentials), [`OrgSession::plan`]; `--target`: [`parse_target`], [`unknown_targets`] |
//! | check safety | [`check_acknowledged`], [`load_saved_plan`], [`check_saved_plans`] |
//! | apply with the journal (assignment pictures of deactivated users first), one apply per org at a time | [`apply()`], [`OrgLock`] |
//! | offboard now | [`offboard::prepare`] then [`offboard::Offboarding::run`], or [`offboard::offboard`]; [`offboard::edit_manifests`] |
//! | export | [`export::export`] |
//! | drift, attributed from the Audit API, pending changes apart | [`drift::drift_org`] |
//! | readiness: WFM coverage, numbers, licences | [`check::check_org`], [`check::findings`] |
//!
//! Each operation has its own error type ([`ConnectError`], [`ReadError`], [`PlanError`],
//! [`ApplyError`], [`SavedPlanError`], [`Blocked`], [`offboard::OffboardError`],
//! [`export::ExportError`], [`drift::DriftError`], [`check::CheckError`]), with causes as `source()` so a caller can show the whole chain.
//! Nothing here prints: progress goes to a [`ProgressSink`], logs to `tracing`.

mod apply;
pub mod assignments;
pub mod check;
mod connect;
mod cost;
pub mod drift;
pub mod export;
mod git;
pub mod history;
pub mod licences;
mod lock;
pub mod notify;
pub mod offboard;
mod orgs;
mod progress;
mod safety;
mod session;
mod targets;

pub use apply::{ApplyError, ApplyRun, apply, journal_key, settle_in_doubt};
pub use connect::{
    ConnectError, Connection, SANDBOX_FAULTS_ENV, SaveError, missing_credentials,
    sandbox_state_file, secret,
};
pub use cost::{ReadCost, read_cost};
pub use git::{applied_commit, head_commit};
pub use lock::{LockError, OrgLock};
pub use orgs::{
    Access, MissingCredentials, OrgFailure, OrgFailures, Planned, PlannedOrgs, ReadOrg, SkippedOrg,
    UnknownOrg, not_reactivated, plan_orgs, plan_orgs_with, read_org, read_orgs, select,
    without_utilization,
};
pub use progress::{Progress, ProgressSink, Stage, silent};
/// An error and its causes on one line (for a status page or a stored outcome).
pub use roster_apply::error_chain;
pub use safety::{
    Blocked, BlockedPlan, SavedPlanError, check_acknowledged, check_saved_plans, load_saved_plan,
};
pub use session::{OrgSession, PlanError, ReadError, Snapshot};
pub use targets::{TargetError, parse_target, unknown_targets};
