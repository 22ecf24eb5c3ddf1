//! What already happened to an org recently, from its journal: the operations that
//! succeeded in the last 24 hours, counted for `policy.limits.perDay` (issue #12), so that
//! many small applies cannot add up to a mass change unnoticed.
//!
//! Only operation lines are read, through the journal's public reading API; lines of any
//! other kind (runs, records, kinds a newer roster writes) are skipped.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use roster_apply::{EntryBody, Journal, JournalError, Outcome};
use roster_plan::RecentChanges;

/// The window `perDay` limits look back over, in seconds.
pub const DAY_SECONDS: i64 = 24 * 60 * 60;

/// The org's journal could not be read, so the `perDay` limits cannot be checked.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot read the journal `{}` to check `policy.limits.perDay`",
    path.display()
)]
pub struct HistoryError {
    /// The journal.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: JournalError,
}

/// What succeeded in `org` (whose workspace is `root`) in the 24 hours before `now` (Unix
/// seconds), per its default journal; nothing when it has no journal yet.
pub fn recent_changes(root: &Path, org: &str, now: i64) -> Result<RecentChanges, HistoryError> {
    let path = Journal::default_path(root, org);
    if !path.exists() {
        return Ok(RecentChanges::default());
    }
    recent_in(&path, org, now)
}

/// [`recent_changes`] of the journal at `path`.
pub fn recent_in(path: &Path, org: &str, now: i64) -> Result<RecentChanges, HistoryError> {
    let error = |source| HistoryError {
        path: path.to_owned(),
        source,
    };
    let since = now - DAY_SECONDS;
    let mut operations = Vec::new();
    for entry in roster_apply::entries(path).map_err(error)? {
        let entry = entry.map_err(error)?;
        if entry.org != org || entry.time.unix_timestamp() <= since {
            continue;
        }
        let EntryBody::Operation(record) = &entry.body else {
            continue;
        };
        if record.outcome != Outcome::Succeeded {
            continue;
        }
        // An operation this version does not know cannot be counted; it is not one of the
        // destructive ones it knows.
        if let Some(operation) = record.parsed_operation() {
            operations.push(operation);
        }
    }
    Ok(roster_plan::tally(&operations))
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
