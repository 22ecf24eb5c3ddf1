//! What an apply did, step by step, and its rendering for people.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use roster_model::StepId;
use serde::{Deserialize, Serialize};

use crate::journal::{Checkpoint, InDoubt};

/// How many skipped or not-run steps the rendering names before summing up the rest.
const LISTED: usize = 20;

/// What became of every step of one apply. Each step of the plan is in exactly one list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplySummary {
    /// Steps whose operation succeeded, in completion order; adopted creates are in
    /// [`ApplySummary::adopted`] instead.
    pub succeeded: Vec<StepId>,
    /// Creates that found their object already in the org and adopted it (a concurrent run,
    /// or an earlier attempt whose answer was lost, had made it), in completion order. They
    /// count as successes: their dependents ran.
    #[serde(default)]
    pub adopted: Vec<StepId>,
    /// Steps whose operation failed, with the error (its whole chain of causes), in
    /// completion order.
    pub failed: Vec<(StepId, String)>,
    /// Steps not run because something they depend on failed, with the reason naming the
    /// failed step, in plan order per failure.
    pub skipped: Vec<(StepId, String)>,
    /// Steps never started because the run stopped early ([`ApplySummary::stopped`]), in plan
    /// order. Re-planning picks them up.
    pub not_run: Vec<StepId>,
    /// Steps whose operation was abandoned in flight by an interrupt: whether it took effect
    /// is unknown until the next plan.
    pub interrupted: Vec<StepId>,
    /// API requests made by the operations that succeeded (a failed operation's requests are
    /// not reported by the tenant).
    pub requests: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Why the run stopped before running everything it could, if it did.
    pub stopped: Option<StopReason>,
    /// How each adopted, failed, skipped, interrupted or not-run step's operation reads
    /// (``createSkill skill `Billing` ``), for rendering.
    pub operations: BTreeMap<StepId, String>,
    /// Writes an earlier run journaled an intent for but no outcome (it crashed or was
    /// killed): they may or may not have reached the org. This run's plan was made from the
    /// live org, so it already redoes whichever did not take effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_doubt: Vec<InDoubt>,
    /// The journal's checkpoint closing this run: its `runFinished` line's `seq` and hash, to
    /// keep somewhere else. `None` when the run could not be closed in the journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<Checkpoint>,
}

/// Why a run stopped starting operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "reason",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum StopReason {
    /// [`crate::ApplyOptions::abort_after`] operations had been started.
    AbortAfter {
        /// The limit.
        operations: usize,
    },
    /// [`crate::CancelToken::cancel`] was called.
    Cancelled,
    /// [`crate::CancelToken::interrupt`] was called.
    Interrupted,
    /// The journal could not be written.
    JournalFailed,
}

impl ApplySummary {
    /// Whether every step succeeded (adopting counts).
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
            && self.skipped.is_empty()
            && self.not_run.is_empty()
            && self.interrupted.is_empty()
    }

    /// How many steps the summary accounts for.
    pub fn total(&self) -> usize {
        self.succeeded.len()
            + self.adopted.len()
            + self.failed.len()
            + self.skipped.len()
            + self.not_run.len()
            + self.interrupted.len()
    }

    /// Lists steps, the first [`LISTED`] of them: the rest of a long list of adopted, skipped
    /// or not-run steps adds nothing a person can act on.
    fn list(&self, f: &mut fmt::Formatter<'_>, indent: &str, steps: &[StepId]) -> fmt::Result {
        for step in steps.iter().take(LISTED) {
            writeln!(f, "{indent}{}", self.label(*step))?;
        }
        if steps.len() > LISTED {
            writeln!(f, "{indent}… and {} more", steps.len() - LISTED)?;
        }
        Ok(())
    }

    fn label(&self, step: StepId) -> String {
        match self.operations.get(&step) {
            Some(operation) => format!("{step} {operation}"),
            None => step.to_string(),
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::AbortAfter { operations } => {
                write!(f, "stopped after starting {operations} operations")
            }
            StopReason::Cancelled => f.write_str("cancelled"),
            StopReason::Interrupted => f.write_str("interrupted"),
            StopReason::JournalFailed => f.write_str("the journal could not be written"),
        }
    }
}

/// Renders the counts line, then the adopted creates, every failure, the skips grouped by their cause, and what
/// did not run (long lists of the last two shortened). Ends with a newline.
impl fmt::Display for ApplySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} succeeded", self.succeeded.len())?;
        // Written first among the lists: people must see that an earlier run left writes
        // unaccounted for, and that this run's plan took them into account.
        if !self.adopted.is_empty() {
            write!(f, ", {} adopted", self.adopted.len())?;
        }
        write!(
            f,
            ", {} failed, {} skipped",
            self.failed.len(),
            self.skipped.len()
        )?;
        if !self.not_run.is_empty() {
            write!(f, ", {} not run", self.not_run.len())?;
        }
        if !self.interrupted.is_empty() {
            write!(f, ", {} interrupted", self.interrupted.len())?;
        }
        writeln!(
            f,
            " ({} {}, {})",
            self.requests,
            if self.requests == 1 {
                "request"
            } else {
                "requests"
            },
            Elapsed(self.elapsed)
        )?;
        if !self.in_doubt.is_empty() {
            writeln!(
                f,
                "\nin doubt (an earlier run stopped after starting these writes and before \
                 journaling their outcome; this run's plan was made from the live org, so it \
                 redid whichever did not take effect):"
            )?;
            for intent in self.in_doubt.iter().take(LISTED) {
                writeln!(f, "  {intent}")?;
            }
            if self.in_doubt.len() > LISTED {
                writeln!(f, "  … and {} more", self.in_doubt.len() - LISTED)?;
            }
        }
        if !self.adopted.is_empty() {
            writeln!(
                f,
                "\nadopted (already in the org, taken over instead of created):"
            )?;
            self.list(f, "  ", &self.adopted)?;
        }
        if !self.failed.is_empty() {
            writeln!(f, "\nfailed:")?;
            for (step, error) in &self.failed {
                writeln!(f, "  {}\n    {error}", self.label(*step))?;
            }
        }
        if !self.skipped.is_empty() {
            writeln!(f, "\nskipped:")?;
            // One failure usually takes many dependents with it: group them under the reason.
            let mut by_reason: Vec<(&str, Vec<StepId>)> = Vec::new();
            for (step, reason) in &self.skipped {
                match by_reason.iter_mut().find(|(r, _)| *r == reason.as_str()) {
                    Some((_, steps)) => steps.push(*step),
                    None => by_reason.push((reason, vec![*step])),
                }
            }
            for (reason, steps) in by_reason {
                writeln!(f, "  {reason}:")?;
                self.list(f, "    ", &steps)?;
            }
        }
        if !self.interrupted.is_empty() {
            writeln!(f, "\ninterrupted (outcome unknown until the next plan):")?;
            for step in &self.interrupted {
                writeln!(f, "  {}", self.label(*step))?;
            }
        }
        if !self.not_run.is_empty() {
            let why = self
                .stopped
                .map_or_else(|| "stopped early".to_owned(), |reason| reason.to_string());
            writeln!(f, "\nnot run ({why}; plan again to continue):")?;
            self.list(f, "  ", &self.not_run)?;
        }
        Ok(())
    }
}

/// A duration the way a person reads it: `850ms`, `12.3s`, `4m05s`.
struct Elapsed(Duration);

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis < 1_000 {
            write!(f, "{millis}ms")
        } else if millis < 60_000 {
            write!(f, "{}.{}s", millis / 1_000, millis % 1_000 / 100)
        } else {
            let seconds = millis / 1_000;
            write!(f, "{}m{:02}s", seconds / 60, seconds % 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_reads_naturally() {
        let render = |ms| Elapsed(Duration::from_millis(ms)).to_string();
        assert_eq!(
            [render(0), render(850), render(12_345), render(245_000)],
            ["0ms", "850ms", "12.3s", "4m05s"]
        );
    }

    #[test]
    fn long_lists_of_steps_are_shortened() {
        let summary = ApplySummary {
            not_run: (0..25).map(StepId).collect(),
            stopped: Some(StopReason::Cancelled),
            ..ApplySummary::default()
        };
        let text = summary.to_string();
        assert_eq!(text.lines().count(), 1 + 2 + LISTED + 1);
        assert!(text.ends_with("  #19\n  … and 5 more\n"), "{text}");
    }

    #[test]
    fn success_needs_every_step_to_succeed() {
        let mut summary = ApplySummary {
            succeeded: vec![StepId(0)],
            ..ApplySummary::default()
        };
        assert!(summary.is_success());
        summary.not_run.push(StepId(1));
        assert!(!summary.is_success());
        assert_eq!(summary.total(), 2);
    }
}
