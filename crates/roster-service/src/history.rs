//! What already happened to an org recently, from its journal: the operations that
//! succeeded in the last 24 hours, counted for `policy.limits.perDay` (issue #12), so that
//! many small applies cannot add up to a mass change unnoticed.
//!
//! Only operation lines are read, through the journal's public reading API; lines of any
//! other kind (runs, records, kinds a newer roster writes) are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use roster_apply::{EntryBody, Journal, JournalError, Outcome};
use roster_model::{Email, PhoneNumber};
use roster_plan::RecentChanges;

use crate::assignments::{ASSIGNMENT_SNAPSHOT, AssignmentSnapshot, OFFBOARDING_STARTED};

/// The window `perDay` limits look back over, in seconds.
pub const DAY_SECONDS: i64 = 24 * 60 * 60;

/// The org's journal could not be read: for the `perDay` limits, drift's last apply, or the
/// numbers reactivated users held.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the org's journal `{}`", path.display())]
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

/// The direct number each of `emails` held when last offboarded in `org`, from the
/// assignment snapshots of its default journal (DESIGN §2.5): what a reactivation gives back
/// when the user's `phone: { pool }` still has it free. Users without one are absent.
pub fn former_numbers(
    root: &Path,
    org: &str,
    emails: &BTreeSet<Email>,
) -> Result<BTreeMap<Email, PhoneNumber>, HistoryError> {
    let path = Journal::default_path(root, org);
    let mut numbers = BTreeMap::new();
    if emails.is_empty() || !path.exists() {
        return Ok(numbers);
    }
    let error = |source| HistoryError {
        path: path.clone(),
        source,
    };
    for entry in roster_apply::entries(&path).map_err(error)? {
        let entry = entry.map_err(error)?;
        let EntryBody::Record { kind, data } = &entry.body else {
            continue;
        };
        let snapshot = match kind.as_str() {
            ASSIGNMENT_SNAPSHOT => data,
            OFFBOARDING_STARTED => &data["assignments"],
            _ => continue,
        };
        let Ok(snapshot) = serde_json::from_value::<AssignmentSnapshot>(snapshot.clone()) else {
            continue;
        };
        if entry.org != org || !emails.contains(&snapshot.user) {
            continue;
        }
        // The latest offboarding wins; one without a number forgets an older one.
        match snapshot.number.and_then(|n| PhoneNumber::parse(&n).ok()) {
            Some(number) => numbers.insert(snapshot.user, number),
            None => numbers.remove(&snapshot.user),
        };
    }
    Ok(numbers)
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use roster_model::Kind;

    use super::*;

    /// 2026-05-02T00:00:00Z.
    const NOW: i64 = 1_777_680_000;

    fn operation(seq: u64, time: &str, org: &str, op: &str, status: &str) -> String {
        format!(
            r#"{{"seq":{seq},"time":"{time}","kind":"operation","org":"{org}","run":1,"step":0,"target":{{"kind":"user","key":"u{seq}@acme.example"}},"operation":{op},"before":null,"after":{{}},"outcome":{{"status":"{status}"}},"prev":"p","hash":"h"}}"#
        )
    }

    fn deactivate(seq: u64) -> String {
        format!(r#"{{"op":"setUserState","email":"u{seq}@acme.example","state":"inactive"}}"#)
    }

    #[test]
    fn only_the_orgs_succeeded_operations_of_the_last_24_hours_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.jsonl");
        let lines = [
            r#"{"seq":1,"time":"2026-05-01T08:00:00Z","kind":"runStarted","org":"demo","steps":9,"concurrency":1,"prev":"","hash":"a"}"#.to_owned(),
            // More than 24 hours ago.
            operation(2, "2026-04-30T23:59:59Z", "demo", &deactivate(2), "succeeded"),
            operation(3, "2026-05-01T08:00:01Z", "demo", &deactivate(3), "succeeded"),
            operation(4, "2026-05-01T09:00:00Z", "demo", &deactivate(4), "failed\",\"error\":\"500"),
            // A line kind this version does not know, written by a newer roster.
            r#"{"seq":5,"time":"2026-05-01T09:00:00Z","kind":"someFutureRecord","org":"demo","data":{"step":7},"prev":"a","hash":"b"}"#.to_owned(),
            // An operation this version does not know.
            operation(6, "2026-05-01T09:00:00Z", "demo", r#"{"op":"archiveRecordings","email":"x@acme.example"}"#, "succeeded"),
            operation(7, "2026-05-01T10:00:00Z", "other", &deactivate(7), "succeeded"),
            operation(
                8,
                "2026-05-01T23:00:00Z",
                "demo",
                r#"{"op":"removeQueueMembers","queue":"Billing","users":["a@acme.example","b@acme.example"]}"#,
                "succeeded",
            ),
            operation(9, "2026-05-01T23:30:00Z", "demo", &deactivate(9), "succeeded"),
        ];
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();

        let recent = recent_in(&path, "demo", NOW).unwrap();
        assert_eq!(
            recent,
            RecentChanges {
                deletes: BTreeMap::from([(Kind::User, 2)]),
                memberships_removed: 2,
            }
        );
    }

    #[test]
    fn an_org_without_a_journal_has_no_history() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            recent_changes(dir.path(), "demo", NOW).unwrap(),
            RecentChanges::default()
        );
    }
}
