//! Why an apply could not run, or could not be recorded.
//!
//! Failed operations are not errors of the apply: they are outcomes, listed in the
//! [`ApplySummary`]. An [`ApplyError`] means the engine itself refused or had to stop.

use std::fmt;

use roster_model::StepId;

use crate::journal::JournalError;
use crate::summary::ApplySummary;

/// Why [`crate::apply`] refused a plan or stopped recording it.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Two steps share one id, so `depends_on` would be ambiguous.
    #[error("step {step} appears twice in the plan")]
    DuplicateStep {
        /// The repeated id.
        step: StepId,
    },
    /// A step depends on an id that no step has.
    #[error("step {step} depends on {dependency}, which is not in the plan")]
    UnknownDependency {
        /// The step with the dangling edge.
        step: StepId,
        /// The missing id.
        dependency: StepId,
    },
    /// The steps do not form a DAG; nothing ran.
    #[error("the plan's steps form a cycle: {}", Cycle(steps))]
    Cycle {
        /// The steps on one cycle, each depending on the one before it.
        steps: Vec<StepId>,
    },
    /// The journal could not be written. Writes are never made unrecorded, so no new operation
    /// was started after this; `summary` says what had happened by then.
    #[error("the journal could not be written, so apply stopped")]
    Journal {
        /// What had run when the journal failed.
        summary: Box<ApplySummary>,
        /// The journal's error.
        #[source]
        source: JournalError,
    },
}

/// Renders a cycle as `#1 → #2 → #1`.
struct Cycle<'a>(&'a [StepId]);

impl fmt::Display for Cycle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in self.0 {
            write!(f, "{step} → ")?;
        }
        match self.0.first() {
            Some(first) => write!(f, "{first}"),
            None => Ok(()),
        }
    }
}
