//! The boundary between roster and an org: read a snapshot, execute operations.
//!
//! Implemented by the Genesys client (`roster-genesys`); the apply engine and the CLI only see
//! this trait, so they can be tested against anything that keeps its promises.

use std::collections::BTreeSet;
use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::desired::DesiredOrg;
use crate::entitlements::{NumberChoice, PhoneNumber};
use crate::operation::Operation;
use crate::policy::UnmanagedPolicy;
use crate::values::{Email, UserState};

/// What a snapshot must read beyond the org-wide lists, so reads cost what the manifests
/// manage and no more (DESIGN §4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadNeeds {
    /// Queues whose member lists are read.
    pub queue_members: Selection<String>,
    /// Queues whose wrap-up codes are read.
    pub queue_wrapup_codes: Selection<String>,
    /// Users whose own utilization is read: the only per-user reads of a snapshot.
    pub utilization: UserSelection,
    /// Whether role grants are read (any user manages `roles`, or someone may be offboarded).
    pub grants: bool,
    /// Whether DID and extension pools are read (any user manages `phone`). Users' numbers
    /// come with the user list at no cost.
    #[serde(default)]
    pub telephony: bool,
    /// DID pools whose numbers are listed, to allocate from them (`phone: { pool }`).
    #[serde(default)]
    pub pool_numbers: BTreeSet<String>,
    /// Numbers the manifests declare: the pools holding them have their unassigned numbers
    /// listed too, so a number something other than a user holds (a phone, an IVR) is an
    /// error when planning, not a failed write.
    #[serde(default)]
    pub numbers: BTreeSet<PhoneNumber>,
    /// Whether management units and their members are read (any user manages `wfm`, or
    /// someone may be offboarded and must leave its unit).
    #[serde(default)]
    pub wfm: bool,
    /// Whether business units' planning groups are read (`roster check` only).
    #[serde(default)]
    pub planning_groups: bool,
    /// Whether the org's licence definitions are read, so the plan shows its licence impact:
    /// any user manages `roles`, or `policy.limits.licenceIncrease` is set (creations and
    /// reactivations change licences too).
    #[serde(default)]
    pub licences: bool,
}

impl ReadNeeds {
    /// Everything the plan of `desired` depends on.
    ///
    /// When the manifests may offboard someone (a user declared inactive, or unmanaged users
    /// pruned), every queue's members and every grant are read, so the offboarding sequence
    /// sees all of a leaver's direct memberships and grants, not only the managed ones
    /// (Genesys may refuse to deactivate a user who is still a queue member).
    pub fn for_desired(desired: &DesiredOrg) -> Self {
        let may_offboard = desired
            .users
            .values()
            .any(|u| u.state == UserState::Inactive)
            || desired.policy.unmanaged.users == UnmanagedPolicy::Prune;
        ReadNeeds {
            queue_members: if may_offboard {
                Selection::All
            } else {
                desired.queues.keys().cloned().collect()
            },
            queue_wrapup_codes: desired
                .queues
                .values()
                .filter(|q| q.wrapup_codes.is_some())
                .map(|q| q.name.clone())
                .collect(),
            utilization: UserSelection::Named(
                desired
                    .users
                    .values()
                    .filter(|u| u.utilization.is_some())
                    .map(|u| u.email.clone())
                    .collect(),
            ),
            grants: may_offboard || desired.users.values().any(|u| u.roles.is_some()),
            telephony: desired.users.values().any(|u| u.phone.is_some()),
            pool_numbers: desired
                .users
                .values()
                .filter_map(|u| match u.phone.as_ref()?.number.as_ref()? {
                    NumberChoice::Pool(pool) => Some(pool.clone()),
                    NumberChoice::Number(_) => None,
                })
                .collect(),
            numbers: desired
                .users
                .values()
                .filter_map(|u| match u.phone.as_ref()?.number.as_ref()? {
                    NumberChoice::Number(number) => Some(number.clone()),
                    NumberChoice::Pool(_) => None,
                })
                .collect(),
            wfm: may_offboard || desired.users.values().any(|u| u.wfm.is_some()),
            planning_groups: false,
            licences: desired.users.values().any(|u| u.roles.is_some())
                || desired.policy.limits.licence_increase.is_some(),
        }
    }

    /// What reading for both `self` and `other` needs: each part's wider selection.
    #[must_use]
    pub fn union(self, other: ReadNeeds) -> ReadNeeds {
        ReadNeeds {
            queue_members: self.queue_members.union(other.queue_members),
            queue_wrapup_codes: self.queue_wrapup_codes.union(other.queue_wrapup_codes),
            utilization: self.utilization.union(other.utilization),
            grants: self.grants || other.grants,
            telephony: self.telephony || other.telephony,
            pool_numbers: self
                .pool_numbers
                .union(&other.pool_numbers)
                .cloned()
                .collect(),
            numbers: self.numbers.union(&other.numbers).cloned().collect(),
            wfm: self.wfm || other.wfm,
            planning_groups: self.planning_groups || other.planning_groups,
            licences: self.licences || other.licences,
        }
    }

    /// Everything an export of the users in `state` (both when `None`) writes: every queue's
    /// members and wrap-up codes, those users' utilization and every grant. Read in one pass,
    /// so an export costs what a snapshot costs.
    pub fn everything(state: Option<UserState>) -> Self {
        ReadNeeds {
            queue_members: Selection::All,
            queue_wrapup_codes: Selection::All,
            utilization: UserSelection::All(state),
            grants: true,
            telephony: false,
            pool_numbers: BTreeSet::new(),
            numbers: BTreeSet::new(),
            wfm: false,
            planning_groups: false,
            licences: false,
        }
    }
}

/// Which objects of one kind a snapshot reads in detail, by natural key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Selection<K: Ord> {
    /// These; none when the set is empty.
    Named(BTreeSet<K>),
    /// Every one the org has.
    All,
}

impl<K: Ord> Selection<K> {
    /// Whether the object keyed `key` is read.
    pub fn contains(&self, key: &K) -> bool {
        match self {
            Selection::Named(keys) => keys.contains(key),
            Selection::All => true,
        }
    }

    /// The objects either selection reads.
    #[must_use]
    pub fn union(self, other: Selection<K>) -> Selection<K> {
        match (self, other) {
            (Selection::Named(mut keys), Selection::Named(more)) => {
                keys.extend(more);
                Selection::Named(keys)
            }
            _ => Selection::All,
        }
    }
}

impl<K: Ord> Default for Selection<K> {
    fn default() -> Self {
        Selection::Named(BTreeSet::new())
    }
}

impl<K: Ord> FromIterator<K> for Selection<K> {
    fn from_iter<I: IntoIterator<Item = K>>(keys: I) -> Self {
        Selection::Named(keys.into_iter().collect())
    }
}

/// Which users a snapshot reads one by one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserSelection {
    /// These users; none when the set is empty.
    Named(BTreeSet<Email>),
    /// Every user in this state, or in either state when `None`.
    All(Option<UserState>),
}

impl UserSelection {
    /// Whether the user `email`, in `state`, is read.
    pub fn contains(&self, email: &Email, state: UserState) -> bool {
        match self {
            UserSelection::Named(emails) => emails.contains(email),
            UserSelection::All(wanted) => wanted.is_none_or(|wanted| wanted == state),
        }
    }

    /// Whether no user is read.
    pub fn is_empty(&self) -> bool {
        matches!(self, UserSelection::Named(emails) if emails.is_empty())
    }

    /// The users either selection reads.
    #[must_use]
    pub fn union(self, other: UserSelection) -> UserSelection {
        match (self, other) {
            (UserSelection::Named(mut emails), UserSelection::Named(more)) => {
                emails.extend(more);
                UserSelection::Named(emails)
            }
            (UserSelection::All(a), UserSelection::All(b)) if a == b => UserSelection::All(a),
            // Named users may be in either state, so only an empty name list keeps a state.
            (UserSelection::All(state), UserSelection::Named(emails))
            | (UserSelection::Named(emails), UserSelection::All(state))
                if emails.is_empty() =>
            {
                UserSelection::All(state)
            }
            _ => UserSelection::All(None),
        }
    }
}

impl Default for UserSelection {
    fn default() -> Self {
        UserSelection::Named(BTreeSet::new())
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
    /// Whether a create found the object already there (created by a concurrent run, or by an
    /// earlier attempt whose answer was lost) and adopted it instead of creating it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
}

/// A failed operation, as the journal and the summary need it.
pub trait TenantError: std::error::Error + Send + Sync + 'static {
    /// The server's correlation id, when a response was received.
    fn correlation_id(&self) -> Option<&str>;
}

/// The writing side of a Genesys Cloud org, or of anything that behaves like one: what the
/// apply engine needs. Reading is not part of it: a snapshot is data the caller owns, and a
/// writer is built from what the snapshot learned (the org's ids), so two runs on one org
/// never share mutable state.
///
/// Guarantees an implementation must give: `execute` is idempotent (running an operation whose
/// effect is already in place succeeds without changing anything), it is safe to cancel at
/// any await point, and a create that may have happened is never blindly repeated: the
/// implementation re-reads by natural key and adopts what exists.
pub trait Tenant: Send + Sync {
    /// The error type of writes.
    type Error: TenantError;

    /// Executes one operation.
    fn execute(
        &self,
        operation: &Operation,
    ) -> impl Future<Output = Result<Receipt, Self::Error>> + Send;

    /// The OAuth client (never the secret) that writes are made as, for the journal.
    fn principal(&self) -> String;
}
