//! Why a plan could not be made.

use std::fmt;

use roster_model::{Kind, Source};
use serde::{Deserialize, Serialize};

/// A plan that cannot be made: every problem is collected before failing. Messages do not
/// name the org (it is a field): whoever shows them names it once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The manifests refer to objects that neither exist in the org nor are created by the
    /// plan (a role, a division, a manager, an undeclared skill).
    #[error("{} unresolved reference{}", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    Unresolved {
        /// The org planned.
        org: String,
        /// Every problem found, in manifest order.
        problems: Vec<Problem>,
    },
    /// The steps depend on each other in a circle.
    #[error("the plan has a dependency cycle through {}", objects.join(", "))]
    Cycle {
        /// The org planned.
        org: String,
        /// The objects in the cycle, each as its kind and key (skill `Billing`).
        objects: Vec<String>,
    },
}

/// One unresolved reference, pointing back at the manifest that made it. For a role or
/// division the org lacks, `kind` and `key` name that role or division and `source` is a
/// place its name is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Where the referring object is declared.
    pub source: Option<Source>,
    /// The referring object's kind (or `role`, `division`).
    pub kind: Kind,
    /// The referring object's name or email (or the role's or division's name).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            write!(f, "{source}: ")?;
        }
        write!(f, "{} `{}`: {}", self.kind, self.key, self.message)
    }
}
