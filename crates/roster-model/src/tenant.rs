//! The boundary between roster and an org: read a snapshot, execute operations.
//!
//! Implemented by the Genesys client (`roster-genesys`); the apply engine and the CLI only see
//! this trait, so they can be tested against anything that keeps its promises.

use std::collections::BTreeSet;
use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::desired::DesiredOrg;
use crate::live::LiveOrg;
use crate::operation::Operation;
use crate::policy::UnmanagedPolicy;
use crate::values::{Email, UserState};

/// What a snapshot must read beyond the org-wide lists, so reads cost what the manifests
/// manage and no more (DESIGN §4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadNeeds {
    /// Queues whose member lists are read (the managed queues).
    pub queue_members: BTreeSet<String>,
    /// Whether every queue's members are read, managed or not: offboarding must remove a
    /// leaver's direct memberships wherever they are (Genesys may refuse to deactivate a
    /// user who is still a queue member).
    #[serde(default)]
    pub all_queue_members: bool,
    /// Queues whose wrap-up codes are read.
    pub queue_wrapup_codes: BTreeSet<String>,
    /// Users whose own utilization is read.
    pub utilization: BTreeSet<Email>,
    /// Whether role grants are read (any user manages `roles`).
    pub grants: bool,
}

impl ReadNeeds {
    /// Everything the plan of `desired` depends on.
    ///
    /// When the manifests may offboard someone (a user declared inactive, or unmanaged users
    /// pruned), every queue's members and every grant are read, so the offboarding sequence
    /// sees all of a leaver's direct memberships and grants, not only the managed ones.
    pub fn for_desired(desired: &DesiredOrg) -> Self {
        let may_offboard = desired
            .users
            .values()
            .any(|u| u.state == UserState::Inactive)
            || desired.policy.unmanaged.users == UnmanagedPolicy::Prune;
        ReadNeeds {
            all_queue_members: may_offboard,
            queue_members: desired.queues.keys().cloned().collect(),
            queue_wrapup_codes: desired
                .queues
                .values()
                .filter(|q| q.wrapup_codes.is_some())
                .map(|q| q.name.clone())
                .collect(),
            utilization: desired
                .users
                .values()
                .filter(|u| u.utilization.is_some())
                .map(|u| u.email.clone())
                .collect(),
            grants: may_offboard || desired.users.values().any(|u| u.roles.is_some()),
        }
    }
}

/// What the org said when an operation succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// `ININ-Correlation-Id` of the last request the operation made.
    pub correlation_id: Option<String>,
    /// How many requests it took, retries included.
    pub requests: usize,
}

/// A failed operation, as the journal and the summary need it.
pub trait TenantError: std::error::Error + Send + Sync + 'static {
    /// The server's correlation id, when a response was received.
    fn correlation_id(&self) -> Option<&str>;
}

/// A Genesys Cloud org, or anything that behaves like one.
///
/// Guarantees an implementation must give: `execute` is idempotent (running an operation whose
/// effect is already in place succeeds without changing anything), it is safe to cancel at
/// any await point, and a create that may have happened is never blindly repeated: the
/// implementation re-reads by natural key and adopts what exists.
pub trait Tenant: Send + Sync {
    /// The error type of reads and writes.
    type Error: TenantError;

    /// Reads the org, at the cost `needs` implies. Also refreshes the tenant's translation
    /// from natural keys to ids.
    fn snapshot(
        &self,
        needs: &ReadNeeds,
    ) -> impl Future<Output = Result<LiveOrg, Self::Error>> + Send;

    /// Executes one operation.
    fn execute(
        &self,
        operation: &Operation,
    ) -> impl Future<Output = Result<Receipt, Self::Error>> + Send;

    /// The OAuth client (never the secret) that writes are made as, for the journal.
    fn principal(&self) -> String;
}
