//! Progress of long workflows: one type for reads and applies, sent to whoever shows it (the
//! CLI's progress bars, a server's log). The service never draws anything itself.

use std::sync::Arc;

pub use roster_genesys::Stage;

/// Where a workflow stands in one org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A read advanced: `done` of `total` units of `stage` (pages, queues, roles or users).
    Reading {
        /// The org read.
        org: String,
        /// Which part of the read.
        stage: Stage,
        /// Units finished.
        done: u64,
        /// Units known so far (grows as page counts are learned).
        total: u64,
    },
    /// A read ended, well or not.
    ReadDone {
        /// The org read.
        org: String,
    },
    /// An apply advanced: `finished` of `total` steps reached an outcome.
    Applying {
        /// The org written to.
        org: String,
        /// Steps that succeeded, failed or were skipped so far.
        finished: usize,
        /// Steps in the plan.
        total: usize,
    },
    /// An apply ended, well or not.
    ApplyDone {
        /// The org written to.
        org: String,
    },
}

/// Receives [`Progress`] from any task; must be quick.
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// A sink that drops everything (tests, servers that log instead).
pub fn silent() -> ProgressSink {
    Arc::new(|_| {})
}
