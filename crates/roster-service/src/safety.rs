//! Safety checks before anything is written: a blocked plan needs its exact digest
//! acknowledged, and a saved plan applies only if it is intact, was made under the policy
//! `roster.yaml` holds now, and nothing it touches changed in the org since it was made
//! (DESIGN §2.6, §6).
//!
//! Safety is derived, never read (issue #12): a saved plan's `blocked` field is ignored, and
//! its verdict is derived again from its steps, the policy in `roster.yaml`, the org as read
//! now and the org's journal of the last 24 hours.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use roster_plan::{PLAN_FORMAT, Plan, PlanSet, StaleObject, stale_objects};

use crate::history::HistoryError;
use crate::orgs::ReadOrg;

/// Plans over `policy.limits` whose digest was not acknowledged; nothing was applied.
#[derive(Debug, thiserror::Error)]
#[error(
    "the plan of {} goes over `policy.limits` (deletes and deactivations, routing taken away, or licences added); nothing was applied{}",
    orgs(.plans),
    wrong(.unmatched)
)]
pub struct Blocked {
    /// Each blocked org and the digest that would acknowledge its plan.
    pub plans: Vec<BlockedPlan>,
    /// Digests given to acknowledge that belong to none of the plans (a stale or mistyped
    /// `--allow-destructive`).
    pub unmatched: Vec<String>,
}

fn wrong(unmatched: &[String]) -> String {
    match unmatched {
        [] => String::new(),
        [one] => format!(
            " (the digest given, `{one}`, is not this plan's: the plan changed, or it was mistyped)"
        ),
        many => format!(
            " (the digests given, {}, are not these plans')",
            many.iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// One blocked plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedPlan {
    /// The org.
    pub org: String,
    /// The digest `--allow-destructive` must repeat.
    pub digest: String,
}

fn orgs(plans: &[BlockedPlan]) -> String {
    plans
        .iter()
        .map(|plan| format!("`{}`", plan.org))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses blocked plans unless `acknowledged` holds their digests; a digest given that is
/// no plan's is named in the refusal.
pub fn check_acknowledged<'p>(
    plans: impl IntoIterator<Item = &'p Plan>,
    acknowledged: &[String],
) -> Result<(), Blocked> {
    let plans: Vec<&Plan> = plans.into_iter().collect();
    let given: BTreeSet<&str> = acknowledged.iter().map(String::as_str).collect();
    let blocked: Vec<BlockedPlan> = plans
        .iter()
        .filter(|plan| plan.blocked.is_some() && !given.contains(plan.digest.as_str()))
        .map(|plan| BlockedPlan {
            org: plan.org.clone(),
            digest: plan.digest.clone(),
        })
        .collect();
    if blocked.is_empty() {
        return Ok(());
    }
    let unmatched = given
        .into_iter()
        .filter(|digest| !plans.iter().any(|plan| plan.digest == *digest))
        .map(str::to_owned)
        .collect();
    Err(Blocked {
        plans: blocked,
        unmatched,
    })
}

/// Why a saved plan cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    /// The file could not be read.
    #[error("cannot read the plan `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The file system's answer.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a plan roster wrote.
    #[error("`{}` is not a roster plan", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's answer.
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a roster with another plan format.
    #[error(
        "`{}` is a plan of format {found}, but this roster applies format {PLAN_FORMAT}",
        path.display()
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// The format the file says.
        found: u32,
    },
    /// A plan's digest does not match its content.
    #[error("the plan of org `{org}` in `{}` was edited after it was made: its digest does not match its content; nothing was applied", path.display())]
    Edited {
        /// The file.
        path: PathBuf,
        /// The org whose plan was edited.
        org: String,
    },
    /// The org's policy in `roster.yaml` is not the one the plan was made under.
    #[error(
        "the policy of org `{org}` in `roster.yaml` changed since the plan was made (the plan was checked against other limits); nothing was applied"
    )]
    PolicyChanged {
        /// The org.
        org: String,
        /// The top-level policy keys that differ (`limits`, `protect`, ...).
        keys: Vec<&'static str>,
    },
    /// The org's journal could not be read for the `perDay` limits.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// An org selected for apply is not in the saved plan.
    #[error("the saved plan has no org `{org}`")]
    MissingOrg {
        /// The org.
        org: String,
    },
    /// Objects the plan touches changed in the org since it was made.
    #[error("the org changed since the plan was made; nothing was applied")]
    Stale {
        /// What changed, per org.
        objects: Vec<(String, StaleObject)>,
    },
}

/// Reads a plan saved by `roster plan --out`, refusing one of another format or whose digest
/// does not match its content.
pub fn load_saved_plan(path: &Path) -> Result<PlanSet, SavedPlanError> {
    let text = std::fs::read_to_string(path).map_err(|source| SavedPlanError::Read {
        path: path.to_owned(),
        source,
    })?;
    let set: PlanSet = serde_json::from_str(&text).map_err(|source| SavedPlanError::Parse {
        path: path.to_owned(),
        source,
    })?;
    if set.format != PLAN_FORMAT {
        return Err(SavedPlanError::Format {
            path: path.to_owned(),
            found: set.format,
        });
    }
    if let Some(plan) = set.orgs.iter().find(|plan| !plan.digest_is_valid()) {
        return Err(SavedPlanError::Edited {
            path: path.to_owned(),
            org: plan.org.clone(),
        });
    }
    Ok(set)
}

/// The saved plans of `read`, in its order, if each was made under the policy its org has
/// in `roster.yaml` now and nothing they touch changed since they were made; each with its
/// safety verdict derived again (its `blocked` field as saved is never used).
pub fn check_saved_plans(
    saved: &PlanSet,
    read: &[ReadOrg<'_>],
) -> Result<Vec<Plan>, SavedPlanError> {
    let mut plans = Vec::new();
    let mut stale = Vec::new();
    for org in read {
        let plan = saved
            .orgs
            .iter()
            .find(|plan| plan.org == org.session.org())
            .ok_or_else(|| SavedPlanError::MissingOrg {
                org: org.session.org().to_owned(),
            })?;
        let policy = &org.session.spec().desired.policy;
        if plan.policy != *policy {
            return Err(SavedPlanError::PolicyChanged {
                org: plan.org.clone(),
                keys: changed_keys(&plan.policy, policy),
            });
        }
        stale.extend(
            stale_objects(plan, &org.snapshot.live)
                .into_iter()
                .map(|object| (plan.org.clone(), object)),
        );
        let mut plan = plan.clone();
        plan.blocked = org.session.verdict(&org.snapshot, &plan)?;
        plans.push(plan);
    }
    if stale.is_empty() {
        Ok(plans)
    } else {
        Err(SavedPlanError::Stale { objects: stale })
    }
}

/// The keys of `policy` that differ between two policies.
fn changed_keys(then: &roster_model::Policy, now: &roster_model::Policy) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if then.unmanaged != now.unmanaged {
        keys.push("unmanaged");
    }
    if then.scope != now.scope {
        keys.push("scope");
    }
    if then.limits != now.limits {
        keys.push("limits");
    }
    if then.protect != now.protect {
        keys.push("protect");
    }
    keys
}
