//! Safety checks before anything is written: a blocked plan needs its exact digest
//! acknowledged, and a saved plan applies only if it is intact and nothing it touches changed
//! in the org since it was made (DESIGN §2.6, §6).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use roster_plan::{Plan, PlanSet, StaleObject, stale_objects};

use crate::orgs::ReadOrg;

/// Plans over `policy.limits` whose digest was not acknowledged; nothing was applied.
#[derive(Debug, thiserror::Error)]
#[error(
    "the plan of {} deletes or deactivates more than `policy.limits` allows; nothing was applied",
    orgs(.plans)
)]
pub struct Blocked {
    /// Each blocked org and the digest that would acknowledge its plan.
    pub plans: Vec<BlockedPlan>,
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

/// Refuses blocked plans unless `acknowledged` holds their digests.
pub fn check_acknowledged<'p>(
    plans: impl IntoIterator<Item = &'p Plan>,
    acknowledged: &[String],
) -> Result<(), Blocked> {
    let acknowledged: BTreeSet<&str> = acknowledged.iter().map(String::as_str).collect();
    let blocked: Vec<BlockedPlan> = plans
        .into_iter()
        .filter(|plan| plan.blocked.is_some() && !acknowledged.contains(plan.digest.as_str()))
        .map(|plan| BlockedPlan {
            org: plan.org.clone(),
            digest: plan.digest.clone(),
        })
        .collect();
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(Blocked { plans: blocked })
    }
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
    /// A plan's digest does not match its steps.
    #[error("the plan of org `{org}` in `{}` was edited after it was made: its digest does not match its steps", path.display())]
    Edited {
        /// The file.
        path: PathBuf,
        /// The org whose plan was edited.
        org: String,
    },
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

/// Reads a plan saved by `roster plan --out`, refusing one whose digest does not match.
pub fn load_saved_plan(path: &Path) -> Result<PlanSet, SavedPlanError> {
    let text = std::fs::read_to_string(path).map_err(|source| SavedPlanError::Read {
        path: path.to_owned(),
        source,
    })?;
    let set: PlanSet = serde_json::from_str(&text).map_err(|source| SavedPlanError::Parse {
        path: path.to_owned(),
        source,
    })?;
    if let Some(plan) = set.orgs.iter().find(|plan| !plan.digest_is_valid()) {
        return Err(SavedPlanError::Edited {
            path: path.to_owned(),
            org: plan.org.clone(),
        });
    }
    Ok(set)
}

/// The saved plans of `read`, in its order, if nothing they touch changed since they were
/// made.
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
        stale.extend(
            stale_objects(plan, &org.snapshot.live)
                .into_iter()
                .map(|object| (plan.org.clone(), object)),
        );
        plans.push(plan.clone());
    }
    if stale.is_empty() {
        Ok(plans)
    } else {
        Err(SavedPlanError::Stale { objects: stale })
    }
}
