//! Progress reports of long reads, for the CLI's progress bars: what
//! [`crate::Session::snapshot`] tells its callback.

/// The parts of a snapshot, in the order they start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Divisions, roles, skills, languages, wrap-up codes, queues, teams.
    Lists,
    /// The active and inactive user listings.
    Users,
    /// Members and wrap-up codes of managed queues.
    Queues,
    /// Role grants (one listing per role).
    Grants,
    /// Per-user utilization.
    Utilization,
    /// Members of management units (one listing per unit).
    ManagementUnits,
}

impl std::fmt::Display for Stage {
    /// What the stage counts, for a progress line (`user pages 3/21`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Lists => "lists",
            Stage::Users => "user pages",
            Stage::Queues => "queues",
            Stage::Grants => "roles' grants",
            Stage::Utilization => "users' utilization",
            Stage::ManagementUnits => "management units' members",
        })
    }
}

/// One step of progress: `done` of `total` units of a stage (pages, queues, roles or users).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressEvent {
    /// Which part of the read.
    pub stage: Stage,
    /// Units finished.
    pub done: u64,
    /// Units known so far (grows as page counts are learned).
    pub total: u64,
}
