//! The durable queue of HR events that `roster serve` accepts and processes (issue #15, item 3;
//! DESIGN §2.8).
//!
//! An HR webhook is answered only after its event is committed here, so a crash after the
//! answer cannot lose it; a worker then takes events one at a time and records how each ended.
//!
//! # Flow
//! 1. [`Queue::accept`] stores a verified event as `pending`, or answers
//!    [`Accepted::Duplicate`] with the stored event when the same `(source, source_id)` arrives
//!    again (HR systems redeliver).
//! 2. [`Queue::next_due`] claims the next event that is due and marks it `processing`.
//! 3. The worker ends the claim with [`Queue::complete`] (`done`, with an outcome) or
//!    [`Queue::fail`] (`failed` and retried later, or `dead` with the reason).
//! 4. An operator may put a `failed` or `dead` event back with [`Queue::retry`].
//!
//! # Guarantees
//! - Durable: every write is a committed transaction on a WAL database with
//!   `synchronous=FULL`, so a returned `Ok` survives a crash or power loss.
//! - Exactly one row per `(source, source_id)`: a unique constraint, not a read-then-write.
//! - In order per user: an event is not claimed while an older event of the same user
//!   (same org, same email ignoring case) is `pending`, `processing` or `failed`; events of
//!   other users are not held up. A `dead` event no longer holds up its user: it waits for an
//!   operator, and the user's later events go on.
//! - Not before it is due: an event is claimed only once its effective date (`due_at`) and,
//!   after a failure, its retry time have passed.
//! - A claim is atomic: the choice and the mark happen in one `IMMEDIATE` transaction, so two
//!   connections to the same file never claim the same event.
//!
//! # Assumptions
//! - One server per database file. [`Queue::open`] treats every `processing` event as left by
//!   a crash and puts it back to `pending`; a second server opening the same file would take
//!   over the first one's claims.
//!
//! # Caveats
//! - After a crash the interrupted event runs again, so processing must be idempotent (the
//!   offboarding workflow is: an inactive user is a success with nothing written).
//! - An event that crashes the process every time is retried at every start; `attempts` counts
//!   only failures the worker reported.
//! - Finished events are kept; nothing prunes them yet.
//!
//! # Errors
//! Every operation answers [`QueueError`]; the messages name the database file or the event id
//! and say what to do.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How many times the worker may fail an event before it goes to the dead letters.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long a write waits for another connection's lock before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one entry per version: entry `n` moves the database from version `n` to
/// `n + 1`. `PRAGMA user_version` records the version a database has; add a migration at the
/// end, never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    // Version 1.
    // `AUTOINCREMENT` so an id is never reused, even once finished events are pruned: the id
    // is what the HR system and the journal quote back.
    // `user_key` is the lower-cased email (Unicode, done in Rust, because SQLite's `lower()`
    // folds ASCII only); with `org` it names the user for the per-user order.
    // `ready_at` is the earliest time the worker may claim the event: `due_at` at first, the
    // retry time after a failure, the time of an operator's retry.
    "CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        source      TEXT    NOT NULL,
        source_id   TEXT    NOT NULL,
        org         TEXT    NOT NULL,
        action      TEXT    NOT NULL CHECK (action IN ('terminate', 'suspend', 'rehire')),
        email       TEXT    NOT NULL,
        user_key    TEXT    NOT NULL,
        status      TEXT    NOT NULL
                    CHECK (status IN ('pending', 'processing', 'done', 'failed', 'dead')),
        attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        due_at      INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        ready_at    INTEGER NOT NULL,
        outcome     TEXT,
        reason      TEXT,
        updated_at  INTEGER NOT NULL,
        UNIQUE (source, source_id)
    );
    CREATE INDEX events_by_status_ready ON events (status, ready_at);
    CREATE INDEX events_by_user ON events (org, user_key, id);
    CREATE TABLE liveness (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at INTEGER NOT NULL
    );",
];

/// The columns of an event, in the order [`event_from_row`] reads them.
const EVENT_COLUMNS: &str = "id, source, source_id, org, action, email, status, attempts, \
                             due_at, received_at, ready_at, outcome, reason, updated_at";

/// The SQL condition "event `e` may be claimed, time aside": it waits for the worker and no
/// older event of its user is unfinished. The unfinished statuses are those of
/// [`Status::is_unfinished`] (a unit test holds the two together).
macro_rules! claimable {
    () => {
        "e.status IN ('pending', 'failed') AND NOT EXISTS (
            SELECT 1 FROM events o
            WHERE o.org = e.org AND o.user_key = e.user_key AND o.id < e.id
              AND o.status IN ('pending', 'processing', 'failed'))"
    };
}

/// The unfinished statuses as an SQL list; agrees with [`Status::is_unfinished`].
const UNFINISHED_SQL: &str = "('pending', 'processing', 'failed')";

/// What an HR event asks roster to do to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Offboard: strip routing and roles, deactivate.
    Terminate,
    /// Strip routing without deactivating.
    Suspend,
    /// Record that an explicit reactivation is pending; never reactivates by itself.
    Rehire,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 3] = [Action::Terminate, Action::Suspend, Action::Rehire];

    /// The lower-case name used in the database, in JSON and in configuration.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Terminate => "terminate",
            Action::Suspend => "suspend",
            Action::Rehire => "rehire",
        }
    }
}

/// Where an event is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Accepted, waiting to be due and claimed.
    Pending,
    /// Claimed by the worker.
    Processing,
    /// Processed; `outcome` says how.
    Done,
    /// The last attempt failed; retried at `ready_at`.
    Failed,
    /// Given up after a permanent failure or too many attempts; waits for an operator.
    Dead,
}

impl Status {
    /// Every status, in declaration order.
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Processing,
        Status::Done,
        Status::Failed,
        Status::Dead,
    ];

    /// The lower-case name used in the database, in JSON and in query parameters.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Processing => "processing",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Dead => "dead",
        }
    }

    /// Whether the event still has work ahead without an operator: it counts in the queue
    /// depth and holds up its user's later events.
    #[must_use]
    pub fn is_unfinished(self) -> bool {
        matches!(self, Status::Pending | Status::Processing | Status::Failed)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = QueueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == value)
            .ok_or_else(|| QueueError::UnknownAction {
                value: value.to_owned(),
            })
    }
}

impl FromStr for Status {
    type Err = QueueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| QueueError::UnknownStatus {
                value: value.to_owned(),
            })
    }
}

impl ToSql for Action {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Action {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}

impl ToSql for Status {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Status {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}

/// A verified HR event, as the webhook handler hands it to [`Queue::accept`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The configured source it came through (`workday` for `POST /hooks/workday`).
    pub source: String,
    /// The source's own id of the event; with `source`, what makes a delivery a duplicate.
    pub source_id: String,
    /// The org the source is configured for.
    pub org: String,
    /// What to do.
    pub action: Action,
    /// The user's email as the HR system sent it.
    pub email: String,
    /// When the event takes effect: its effective date, or the time of receipt.
    pub due_at: OffsetDateTime,
    /// When the server received it.
    pub received_at: OffsetDateTime,
}

/// A stored event. Times are UTC with millisecond precision (the stored precision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Roster's id of the event, quoted in answers, the journal and `/events/{id}`.
    pub id: i64,
    /// The configured source it came through.
    pub source: String,
    /// The source's own id of the event.
    pub source_id: String,
    /// The org the event applies to.
    pub org: String,
    /// What to do.
    pub action: Action,
    /// The user's email as the HR system sent it.
    pub email: String,
    /// Where the event is in its life.
    pub status: Status,
    /// How many attempts the worker reported as failed.
    pub attempts: u32,
    /// When the event takes effect.
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// When the server received it.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// For `pending` and `failed` events, the earliest time the worker may claim it.
    #[serde(with = "time::serde::rfc3339")]
    pub ready_at: OffsetDateTime,
    /// How processing ended, once `done`.
    pub outcome: Option<String>,
    /// Why the last attempt failed, for `failed` and `dead` events (kept after a retry).
    pub reason: Option<String>,
    /// When the row last changed (wall clock).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The answer to [`Queue::accept`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// First delivery: the event is stored as `pending`.
    New(Event),
    /// The same `(source, source_id)` was accepted before: the stored event, unchanged.
    Duplicate(Event),
}

impl Accepted {
    /// The stored event, whichever the answer.
    #[must_use]
    pub fn event(&self) -> &Event {
        match self {
            Accepted::New(event) | Accepted::Duplicate(event) => event,
        }
    }
}

/// What can go wrong with the event queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The database's directory could not be created.
    #[error("cannot create the directory of the event database `{}`", path.display())]
    CreateDirectory {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened, configured or migrated.
    #[error("cannot open the event database `{}`", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The file system does not support write-ahead logging, which durability relies on.
    #[error(
        "the event database `{}` cannot use write-ahead logging (journal mode is `{mode}`); \
         put it on a local file system",
        path.display()
    )]
    NoWriteAheadLog {
        /// The database file.
        path: PathBuf,
        /// The journal mode `SQLite` fell back to.
        mode: String,
    },
    /// The database was written by a newer roster.
    #[error(
        "the event database `{}` has schema version {found}, newer than the {supported} this \
         roster knows; upgrade roster or point `serve` at another database",
        path.display()
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A read or write failed (disk full, read-only file system, corruption…).
    #[error("event database: cannot {operation}")]
    Database {
        /// What was being done, as a verb phrase.
        operation: &'static str,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// No event has this id.
    #[error("no event {id}; `GET /events` lists the stored events")]
    NotFound {
        /// The id asked for.
        id: i64,
    },
    /// The operation does not apply to an event in this status.
    #[error("event {id} is `{status}`, but only {allowed} events can be {operation}")]
    WrongStatus {
        /// The event.
        id: i64,
        /// Its status.
        status: Status,
        /// The statuses the operation applies to.
        allowed: &'static str,
        /// The operation, as a past participle.
        operation: &'static str,
    },
    /// A status name that is not one of roster's.
    #[error("unknown event status `{value}`; expected pending, processing, done, failed or dead")]
    UnknownStatus {
        /// The name given.
        value: String,
    },
    /// An action name that is not one of roster's.
    #[error("unknown event action `{value}`; expected terminate, suspend or rehire")]
    UnknownAction {
        /// The name given.
        value: String,
    },
}

/// The durable queue of HR events, one `SQLite` database file. Shared between the webhook
/// handlers and the worker (it is `Sync`); operations are serialised on one connection.
#[derive(Debug)]
pub struct Queue {
    connection: Mutex<Connection>,
    max_attempts: u32,
    recovered_on_open: u64,
}

impl Queue {
    /// Opens the database at `path`, creating the file, its directory and the schema as
    /// needed, migrating an older schema, and putting events a crash left `processing` back
    /// to `pending` ([`Queue::recovered_on_open`] says how many).
    ///
    /// # Errors
    /// [`QueueError::CreateDirectory`], [`QueueError::Open`] when `SQLite` cannot open,
    /// configure or migrate the file, [`QueueError::NoWriteAheadLog`], and
    /// [`QueueError::SchemaTooNew`] for a database of a newer roster.
    pub fn open(path: &Path) -> Result<Queue, QueueError> {
        if let Some(directory) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(directory).map_err(|source| QueueError::CreateDirectory {
                path: path.to_owned(),
                source,
            })?;
        }
        let open_error = |source| QueueError::Open {
            path: path.to_owned(),
            source,
        };
        let mut connection = Connection::open(path).map_err(open_error)?;
        configure(&connection, path)?;
        migrate(&mut connection, path)?;
        let recovered_on_open = connection
            .execute(
                "UPDATE events SET status = 'pending', updated_at = ?1 \
                 WHERE status = 'processing'",
                params![to_millis(OffsetDateTime::now_utc())],
            )
            .map_err(open_error)?;
        Ok(Queue {
            connection: Mutex::new(connection),
            max_attempts: MAX_ATTEMPTS,
            recovered_on_open: u64::try_from(recovered_on_open).unwrap_or(u64::MAX),
        })
    }

    /// Sets how many failed attempts send an event to the dead letters (at least 1; the
    /// default is [`MAX_ATTEMPTS`]).
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Queue {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// How many failed attempts send an event to the dead letters.
    #[must_use]
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How many events [`Queue::open`] found `processing` (left by a crash) and put back to
    /// `pending`.
    #[must_use]
    pub fn recovered_on_open(&self) -> u64 {
        self.recovered_on_open
    }

    /// Stores a verified event as `pending`, committed before it returns, or answers the
    /// stored event when `(source, source_id)` was accepted before (its content is not
    /// compared: the source's id is authoritative).
    ///
    /// # Errors
    /// [`QueueError::Database`] when the write fails; the webhook should then answer 503 so
    /// the HR system delivers again.
    pub fn accept(&self, event: &NewEvent) -> Result<Accepted, QueueError> {
        let operation = "store an accepted event";
        let mut connection = self.connection();
        // Under the write lock, so no other connection can insert between the look-up and
        // the insert; the unique constraint stays as the last guard. Looking up first keeps a
        // redelivery free of writes: an `INSERT … ON CONFLICT DO NOTHING` would still rewrite
        // the `AUTOINCREMENT` counter and cost an fsync.
        let transaction = begin_immediate(&mut connection, operation)?;
        let select =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE source = ?1 AND source_id = ?2");
        let key = params![event.source, event.source_id];
        if let Some(stored) = transaction
            .query_row(&select, key, event_from_row)
            .optional()
            .map_err(database(operation))?
        {
            return Ok(Accepted::Duplicate(stored));
        }
        transaction
            .execute(
                "INSERT INTO events (source, source_id, org, action, email, user_key, status, \
                                     attempts, due_at, received_at, ready_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?7, ?9)",
                params![
                    event.source,
                    event.source_id,
                    event.org,
                    event.action,
                    event.email,
                    user_key(&event.email),
                    to_millis(event.due_at),
                    to_millis(event.received_at),
                    to_millis(OffsetDateTime::now_utc()),
                ],
            )
            .map_err(database(operation))?;
        let stored = transaction
            .query_row(&select, key, event_from_row)
            .map_err(database(operation))?;
        transaction.commit().map_err(database(operation))?;
        Ok(Accepted::New(stored))
    }

    /// Claims the next event to process at `now` and marks it `processing`: among the
    /// `pending` and `failed` events whose `ready_at` has passed and whose user has no older
    /// unfinished event, the one ready first (then the oldest). `None` when nothing is due.
    ///
    /// # Errors
    /// [`QueueError::Database`] when the claim cannot be read or written.
    pub fn next_due(&self, now: OffsetDateTime) -> Result<Option<Event>, QueueError> {
        let operation = "claim the next due event";
        let mut connection = self.connection();
        let transaction = begin_immediate(&mut connection, operation)?;
        let id: Option<i64> = transaction
            .query_row(
                concat!(
                    "SELECT e.id FROM events e WHERE ",
                    claimable!(),
                    " AND e.ready_at <= ?1 ORDER BY e.ready_at, e.id LIMIT 1"
                ),
                params![to_millis(now)],
                |row| row.get(0),
            )
            .optional()
            .map_err(database(operation))?;
        let Some(id) = id else {
            return Ok(None);
        };
        transaction
            .execute(
                "UPDATE events SET status = 'processing', updated_at = ?2 WHERE id = ?1",
                params![id, to_millis(OffsetDateTime::now_utc())],
            )
            .map_err(database(operation))?;
        let event = select_event(&transaction, id).map_err(database(operation))?;
        transaction.commit().map_err(database(operation))?;
        Ok(event)
    }

    /// Ends a claim: the event is `done` with `outcome` (what happened, for `/events` and the
    /// duplicate answer).
    ///
    /// # Errors
    /// [`QueueError::NotFound`], [`QueueError::WrongStatus`] unless the event is `processing`,
    /// and [`QueueError::Database`].
    pub fn complete(&self, id: i64, outcome: &str) -> Result<(), QueueError> {
        let operation = "record a processed event";
        let mut connection = self.connection();
        let transaction = begin_immediate(&mut connection, operation)?;
        let status = select_status(&transaction, id, operation)?;
        if status != Status::Processing {
            return Err(QueueError::WrongStatus {
                id,
                status,
                allowed: "`processing`",
                operation: "completed",
            });
        }
        transaction
            .execute(
                "UPDATE events SET status = 'done', outcome = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, outcome, to_millis(OffsetDateTime::now_utc())],
            )
            .map_err(database(operation))?;
        transaction.commit().map_err(database(operation))
    }

    /// Ends a claim with a failure: one more attempt counts, and the event becomes `failed`
    /// (claimable again at `retry_at`) when `retry_at` is given and fewer than
    /// [`Queue::max_attempts`] attempts have failed, else `dead`. Either way `reason` is kept.
    /// Answers the new status. Pass `None` for permanent failures (an unknown email).
    ///
    /// # Errors
    /// [`QueueError::NotFound`], [`QueueError::WrongStatus`] unless the event is `processing`,
    /// and [`QueueError::Database`].
    pub fn fail(
        &self,
        id: i64,
        reason: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<Status, QueueError> {
        let operation = "record a failed event";
        let mut connection = self.connection();
        let transaction = begin_immediate(&mut connection, operation)?;
        let (status, attempts): (Status, u32) = transaction
            .query_row(
                "SELECT status, attempts FROM events WHERE id = ?1",
                params![id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(database(operation))?
            .ok_or(QueueError::NotFound { id })?;
        if status != Status::Processing {
            return Err(QueueError::WrongStatus {
                id,
                status,
                allowed: "`processing`",
                operation: "failed",
            });
        }
        let attempts = attempts.saturating_add(1);
        let (next, ready_at) = match retry_at {
            Some(retry_at) if attempts < self.max_attempts => (Status::Failed, Some(retry_at)),
            _ => (Status::Dead, None),
        };
        transaction
            .execute(
                "UPDATE events SET status = ?2, attempts = ?3, reason = ?4, \
                                   ready_at = COALESCE(?5, ready_at), updated_at = ?6 \
                 WHERE id = ?1",
                params![
                    id,
                    next,
                    attempts,
                    reason,
                    ready_at.map(to_millis),
                    to_millis(OffsetDateTime::now_utc()),
                ],
            )
            .map_err(database(operation))?;
        transaction.commit().map_err(database(operation))?;
        Ok(next)
    }

    /// Puts a `dead` or `failed` event back to `pending`, ready at `now`, keeping its
    /// attempts (so a dead event gets one more attempt before it is dead again) and its last
    /// reason. `None` when no event has this id.
    ///
    /// # Errors
    /// [`QueueError::WrongStatus`] for events that are not `dead` or `failed`, and
    /// [`QueueError::Database`].
    pub fn retry(&self, id: i64, now: OffsetDateTime) -> Result<Option<Event>, QueueError> {
        let operation = "retry an event";
        let mut connection = self.connection();
        let transaction = begin_immediate(&mut connection, operation)?;
        let status = match select_status(&transaction, id, operation) {
            Ok(status) => status,
            Err(QueueError::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        if !matches!(status, Status::Dead | Status::Failed) {
            return Err(QueueError::WrongStatus {
                id,
                status,
                allowed: "`dead` or `failed`",
                operation: "retried",
            });
        }
        transaction
            .execute(
                "UPDATE events SET status = 'pending', ready_at = ?2, updated_at = ?3 \
                 WHERE id = ?1",
                params![id, to_millis(now), to_millis(OffsetDateTime::now_utc())],
            )
            .map_err(database(operation))?;
        let event = select_event(&transaction, id).map_err(database(operation))?;
        transaction.commit().map_err(database(operation))?;
        Ok(event)
    }

    /// The event with this id, if any.
    ///
    /// # Errors
    /// [`QueueError::Database`].
    pub fn get(&self, id: i64) -> Result<Option<Event>, QueueError> {
        select_event(&self.connection(), id).map_err(database("read an event"))
    }

    /// Up to `limit` events, newest first, only those in `status` when given.
    ///
    /// # Errors
    /// [`QueueError::Database`].
    pub fn list(&self, status: Option<Status>, limit: usize) -> Result<Vec<Event>, QueueError> {
        let operation = "list events";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let connection = self.connection();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE ?1 IS NULL OR status = ?1 \
                 ORDER BY id DESC LIMIT ?2"
            ))
            .map_err(database(operation))?;
        statement
            .query_map(params![status, limit], event_from_row)
            .map_err(database(operation))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(database(operation))
    }

    /// How many events have work ahead: `pending`, `processing` and `failed`.
    ///
    /// # Errors
    /// [`QueueError::Database`].
    pub fn depth(&self) -> Result<u64, QueueError> {
        let count: i64 = self
            .connection()
            .query_row(
                &format!("SELECT COUNT(*) FROM events WHERE status IN {UNFINISHED_SQL}"),
                [],
                |row| row.get(0),
            )
            .map_err(database("count the queued events"))?;
        // COUNT(*) is never negative.
        Ok(count.unsigned_abs())
    }

    /// How many events are in each status, every status present (zero included).
    ///
    /// # Errors
    /// [`QueueError::Database`].
    pub fn counts(&self) -> Result<BTreeMap<Status, u64>, QueueError> {
        let operation = "count events by status";
        let connection = self.connection();
        let mut statement = connection
            .prepare("SELECT status, COUNT(*) FROM events GROUP BY status")
            .map_err(database(operation))?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, Status>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(database(operation))?;
        let mut counts: BTreeMap<Status, u64> =
            Status::ALL.into_iter().map(|status| (status, 0)).collect();
        for row in rows {
            let (status, count) = row.map_err(database(operation))?;
            // COUNT(*) is never negative.
            counts.insert(status, count.unsigned_abs());
        }
        Ok(counts)
    }

    /// When the worker should look again: the earliest `ready_at` among the events it could
    /// claim once their time comes (in the past when one is due already). `None` when nothing
    /// is waiting for a time; events held up behind an older event of their user are left
    /// out, since finishing that event is what frees them.
    ///
    /// # Errors
    /// [`QueueError::Database`].
    pub fn next_due_time(&self) -> Result<Option<OffsetDateTime>, QueueError> {
        self.connection()
            .query_row(
                concat!("SELECT MIN(e.ready_at) FROM events e WHERE ", claimable!()),
                [],
                |row| row.get::<_, Option<i64>>(0),
            )
            .map_err(database("find the next due time"))?
            .map(|millis| from_millis(millis).map_err(database("find the next due time")))
            .transpose()
    }

    /// Proves the database takes writes (for `/readyz`): commits a write to a one-row table.
    ///
    /// # Errors
    /// [`QueueError::Database`] when the write fails (read-only file system, disk full,
    /// locked by another process for longer than the busy timeout).
    pub fn writable(&self) -> Result<(), QueueError> {
        let operation = "write to the database";
        let mut connection = self.connection();
        let transaction = begin_immediate(&mut connection, operation)?;
        transaction
            .execute(
                "INSERT INTO liveness (id, checked_at) VALUES (1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
                params![to_millis(OffsetDateTime::now_utc())],
            )
            .map_err(database(operation))?;
        transaction.commit().map_err(database(operation))
    }

    /// The connection. A panic while it was held leaves no half-done write behind (an open
    /// transaction rolls back when dropped), so a poisoned lock is safe to take over.
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Sets what durability relies on: write-ahead logging, a sync at every commit, and waiting
/// for another connection's lock instead of failing at once.
fn configure(connection: &Connection, path: &Path) -> Result<(), QueueError> {
    let open_error = |source| QueueError::Open {
        path: path.to_owned(),
        source,
    };
    connection.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(open_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(QueueError::NoWriteAheadLog {
            path: path.to_owned(),
            mode,
        });
    }
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(open_error)
}

/// Brings the schema to the newest version, each migration in its own transaction with the
/// version it reaches.
fn migrate(connection: &mut Connection, path: &Path) -> Result<(), QueueError> {
    let open_error = |source| QueueError::Open {
        path: path.to_owned(),
        source,
    };
    let supported = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let found: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(open_error)?;
    if found > supported {
        return Err(QueueError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    for (version, migration) in (1..)
        .zip(MIGRATIONS)
        .skip_while(|(version, _)| *version <= found)
    {
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(open_error)?;
        transaction.execute_batch(migration).map_err(open_error)?;
        transaction
            .pragma_update(None, "user_version", version)
            .map_err(open_error)?;
        transaction.commit().map_err(open_error)?;
    }
    Ok(())
}

/// Starts a transaction that takes the write lock at once, so what it reads cannot change
/// before it writes.
fn begin_immediate<'c>(
    connection: &'c mut Connection,
    operation: &'static str,
) -> Result<rusqlite::Transaction<'c>, QueueError> {
    connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(database(operation))
}

/// Wraps a `SQLite` error with what was being done.
fn database(operation: &'static str) -> impl Fn(rusqlite::Error) -> QueueError {
    move |source| QueueError::Database { operation, source }
}

fn select_event(connection: &Connection, id: i64) -> rusqlite::Result<Option<Event>> {
    connection
        .query_row(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ?1"),
            params![id],
            event_from_row,
        )
        .optional()
}

fn select_status(
    connection: &Connection,
    id: i64,
    operation: &'static str,
) -> Result<Status, QueueError> {
    connection
        .query_row(
            "SELECT status FROM events WHERE id = ?1",
            params![id],
            |row| row.get(0),
        )
        .optional()
        .map_err(database(operation))?
        .ok_or(QueueError::NotFound { id })
}

/// Reads a row selected with [`EVENT_COLUMNS`].
fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let time = |index: usize| -> rusqlite::Result<OffsetDateTime> {
        from_millis(row.get(index)?).map_err(|error| match error {
            rusqlite::Error::FromSqlConversionFailure(_, kind, cause) => {
                rusqlite::Error::FromSqlConversionFailure(index, kind, cause)
            }
            other => other,
        })
    };
    Ok(Event {
        id: row.get(0)?,
        source: row.get(1)?,
        source_id: row.get(2)?,
        org: row.get(3)?,
        action: row.get(4)?,
        email: row.get(5)?,
        status: row.get(6)?,
        attempts: row.get(7)?,
        due_at: time(8)?,
        received_at: time(9)?,
        ready_at: time(10)?,
        outcome: row.get(11)?,
        reason: row.get(12)?,
        updated_at: time(13)?,
    })
}

/// The key that names a user within an org: the email, lower-cased (HR systems and Genesys
/// do not agree on case).
fn user_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A time as stored: Unix milliseconds, UTC (sub-millisecond digits are dropped).
fn to_millis(time: OffsetDateTime) -> i64 {
    // `unix_timestamp` floors and `millisecond` counts up from there, so this is right for
    // times before 1970 too; no representable date comes near overflowing.
    time.unix_timestamp() * 1000 + i64::from(time.millisecond())
}

/// A stored time back: Unix milliseconds to a UTC time.
fn from_millis(millis: i64) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            Box::new(error),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use tempfile::TempDir;
    use time::Duration;
    use time::macros::datetime;

    use super::*;

    /// The clock of the tests: a fixed instant, far from the wall clock on purpose.
    const T0: OffsetDateTime = datetime!(2030-01-01 09:00 UTC);

    fn temp_queue() -> (TempDir, PathBuf, Queue) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("state").join("serve.db");
        let queue = Queue::open(&path).unwrap();
        (directory, path, queue)
    }

    fn event(source_id: &str, email: &str, action: Action, due_at: OffsetDateTime) -> NewEvent {
        NewEvent {
            source: "workday".to_owned(),
            source_id: source_id.to_owned(),
            org: "prod-us".to_owned(),
            action,
            email: email.to_owned(),
            due_at,
            received_at: T0,
        }
    }

    fn accept_new(queue: &Queue, new: &NewEvent) -> Event {
        match queue.accept(new).unwrap() {
            Accepted::New(event) => event,
            Accepted::Duplicate(event) => panic!("expected a new event, got duplicate {event:?}"),
        }
    }

    fn claim(queue: &Queue, now: OffsetDateTime) -> Option<i64> {
        queue.next_due(now).unwrap().map(|event| event.id)
    }

    #[test]
    fn open_creates_the_schema_with_durable_settings() {
        let (_directory, path, queue) = temp_queue();
        assert!(path.exists());
        let connection = queue.connection();
        let mode: String = connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        let synchronous: i64 = connection
            .pragma_query_value(None, "synchronous", |row| row.get(0))
            .unwrap();
        let version: i64 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(synchronous, 2, "synchronous=FULL");
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap());
        drop(connection);
        assert_eq!(queue.recovered_on_open(), 0);
        assert_eq!(queue.max_attempts(), MAX_ATTEMPTS);
    }

    #[test]
    fn open_refuses_a_database_from_a_newer_roster() {
        let (_directory, path, queue) = temp_queue();
        queue
            .connection()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        drop(queue);
        let error = Queue::open(&path).unwrap_err();
        assert!(
            matches!(
                error,
                QueueError::SchemaTooNew {
                    found: 99,
                    supported: 1,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("serve.db"), "{error}");
    }

    #[test]
    fn reopening_keeps_the_schema_and_the_events() {
        let (_directory, path, queue) = temp_queue();
        let stored = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        drop(queue);
        let reopened = Queue::open(&path).unwrap();
        assert_eq!(reopened.get(stored.id).unwrap(), Some(stored.clone()));
        assert_eq!(reopened.depth().unwrap(), 1);
        assert_eq!(claim(&reopened, T0), Some(stored.id));
    }

    #[test]
    fn accept_stores_the_event_as_pending() {
        let (_directory, _path, queue) = temp_queue();
        let new = event(
            "e-1",
            "Ann@Example.com",
            Action::Suspend,
            T0 + Duration::seconds(60),
        );
        let stored = accept_new(&queue, &new);
        assert_eq!(stored.source, "workday");
        assert_eq!(stored.source_id, "e-1");
        assert_eq!(stored.org, "prod-us");
        assert_eq!(stored.action, Action::Suspend);
        assert_eq!(stored.email, "Ann@Example.com", "the email is kept as sent");
        assert_eq!(stored.status, Status::Pending);
        assert_eq!(stored.attempts, 0);
        assert_eq!(stored.due_at, new.due_at);
        assert_eq!(stored.ready_at, new.due_at);
        assert_eq!(stored.received_at, T0);
        assert_eq!((stored.outcome, stored.reason), (None, None));
    }

    #[test]
    fn a_duplicate_delivery_is_one_row_and_answers_the_stored_event() {
        let (_directory, path, queue) = temp_queue();
        let first = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        let id = claim(&queue, T0).unwrap();
        queue.complete(id, "offboarded").unwrap();
        // A redelivery with other content still answers the first event, and writes nothing
        // (the write-ahead log does not grow).
        let again = event("e-1", "bob@example.com", Action::Rehire, T0);
        let wal = path.with_extension("db-wal");
        let wal_size = std::fs::metadata(&wal).unwrap().len();
        for _ in 0..3 {
            let Accepted::Duplicate(stored) = queue.accept(&again).unwrap() else {
                panic!("a redelivery must be a duplicate");
            };
            assert_eq!(stored.id, first.id);
            assert_eq!(stored.status, Status::Done);
            assert_eq!(stored.outcome.as_deref(), Some("offboarded"));
            assert_eq!(stored.email, "ann@example.com");
        }
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), wal_size);
        assert_eq!(queue.list(None, 100).unwrap().len(), 1);
        // The same source id from another source is another event.
        let other_source = NewEvent {
            source: "bamboohr".to_owned(),
            ..again
        };
        assert_ne!(accept_new(&queue, &other_source).id, first.id);
    }

    #[test]
    fn a_later_event_of_the_same_user_waits_while_an_earlier_one_is_unfinished() {
        let (_directory, _path, queue) = temp_queue();
        let suspend = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Suspend, T0),
        );
        let terminate = accept_new(
            &queue,
            &event("e-2", "ANN@example.com", Action::Terminate, T0),
        );
        let other = accept_new(
            &queue,
            &event("e-3", "bob@example.com", Action::Terminate, T0),
        );

        assert_eq!(claim(&queue, T0), Some(suspend.id));
        // Ann's terminate waits behind her suspend in flight; Bob is not held up.
        assert_eq!(claim(&queue, T0), Some(other.id));
        assert_eq!(claim(&queue, T0), None);

        // A failure with a retry still holds Ann's later event back.
        let later = T0 + Duration::seconds(30);
        assert_eq!(
            queue.fail(suspend.id, "429", Some(later)).unwrap(),
            Status::Failed
        );
        assert_eq!(claim(&queue, T0), None);
        assert_eq!(queue.next_due_time().unwrap(), Some(later));
        assert_eq!(claim(&queue, later), Some(suspend.id));
        queue.complete(suspend.id, "suspended").unwrap();
        assert_eq!(claim(&queue, later), Some(terminate.id));
    }

    #[test]
    fn the_same_email_in_another_org_is_another_user() {
        let (_directory, _path, queue) = temp_queue();
        let first = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        let other_org = NewEvent {
            org: "prod-eu".to_owned(),
            ..event("e-2", "ann@example.com", Action::Terminate, T0)
        };
        let second = accept_new(&queue, &other_org);
        assert_eq!(claim(&queue, T0), Some(first.id));
        assert_eq!(claim(&queue, T0), Some(second.id));
    }

    #[test]
    fn a_dead_event_no_longer_holds_up_its_user() {
        let (_directory, _path, queue) = temp_queue();
        let first = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Suspend, T0),
        );
        let second = accept_new(
            &queue,
            &event("e-2", "ann@example.com", Action::Terminate, T0),
        );
        assert_eq!(claim(&queue, T0), Some(first.id));
        assert_eq!(
            queue.fail(first.id, "unknown email", None).unwrap(),
            Status::Dead
        );
        assert_eq!(claim(&queue, T0), Some(second.id));
    }

    #[test]
    fn a_future_dated_event_is_not_due_before_its_time() {
        let (_directory, _path, queue) = temp_queue();
        let effective = T0 + Duration::seconds(24 * 3600);
        let stored = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, effective),
        );
        assert_eq!(queue.next_due_time().unwrap(), Some(effective));
        assert_eq!(claim(&queue, T0), None);
        assert_eq!(claim(&queue, effective - Duration::milliseconds(1)), None);
        assert_eq!(
            queue.get(stored.id).unwrap().unwrap().status,
            Status::Pending
        );
        assert_eq!(claim(&queue, effective), Some(stored.id));
        assert_eq!(queue.next_due_time().unwrap(), None);
    }

    #[test]
    fn the_event_ready_first_is_claimed_first() {
        let (_directory, _path, queue) = temp_queue();
        let late = accept_new(
            &queue,
            &event(
                "e-1",
                "ann@example.com",
                Action::Terminate,
                T0 + Duration::seconds(10),
            ),
        );
        let early = accept_new(
            &queue,
            &event("e-2", "bob@example.com", Action::Terminate, T0),
        );
        let now = T0 + Duration::seconds(20);
        assert_eq!(claim(&queue, now), Some(early.id));
        assert_eq!(claim(&queue, now), Some(late.id));
    }

    #[test]
    fn failures_retry_then_go_dead_after_max_attempts_with_the_reason() {
        let (_directory, _path, queue) = temp_queue();
        let queue = queue.with_max_attempts(3);
        let stored = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        let mut now = T0;
        for attempt in 1..=3u32 {
            assert_eq!(claim(&queue, now), Some(stored.id), "attempt {attempt}");
            let reason = format!("genesys answered 503 (attempt {attempt})");
            let retry_at = now + Duration::seconds(60);
            let status = queue.fail(stored.id, &reason, Some(retry_at)).unwrap();
            let current = queue.get(stored.id).unwrap().unwrap();
            assert_eq!(current.attempts, attempt);
            assert_eq!(current.reason.as_deref(), Some(reason.as_str()));
            if attempt < 3 {
                assert_eq!(status, Status::Failed);
                assert_eq!(current.ready_at, retry_at);
                // Not before the retry time.
                assert_eq!(claim(&queue, retry_at - Duration::seconds(1)), None);
                now = retry_at;
            } else {
                assert_eq!(status, Status::Dead);
                assert_eq!(current.status, Status::Dead);
            }
        }
        assert_eq!(claim(&queue, now + Duration::seconds(3600)), None);
        assert_eq!(queue.next_due_time().unwrap(), None);
        assert_eq!(queue.depth().unwrap(), 0);
    }

    #[test]
    fn a_failure_without_retry_time_is_dead_at_once() {
        let (_directory, _path, queue) = temp_queue();
        let stored = accept_new(
            &queue,
            &event("e-1", "nobody@example.com", Action::Terminate, T0),
        );
        claim(&queue, T0).unwrap();
        let status = queue.fail(stored.id, "no user with email `nobody@example.com`", None);
        assert_eq!(status.unwrap(), Status::Dead);
        let dead = queue.list(Some(Status::Dead), 10).unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].attempts, 1);
        assert_eq!(
            dead[0].reason.as_deref(),
            Some("no user with email `nobody@example.com`")
        );
    }

    #[test]
    fn a_crash_while_processing_puts_the_event_back_to_pending() {
        let (_directory, path, queue) = temp_queue();
        let stored = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        assert_eq!(claim(&queue, T0), Some(stored.id));
        // The process dies between the claim and the outcome.
        drop(queue);
        let reopened = Queue::open(&path).unwrap();
        assert_eq!(reopened.recovered_on_open(), 1);
        let recovered = reopened.get(stored.id).unwrap().unwrap();
        assert_eq!(recovered.status, Status::Pending);
        assert_eq!(recovered.attempts, 0, "a crash is not a reported failure");
        assert_eq!(claim(&reopened, T0), Some(stored.id));
        reopened.complete(stored.id, "offboarded").unwrap();
        drop(reopened);
        assert_eq!(Queue::open(&path).unwrap().recovered_on_open(), 0);
    }

    #[test]
    fn retry_of_a_dead_event_makes_it_due_now_keeping_its_attempts() {
        let (_directory, _path, queue) = temp_queue();
        let queue = queue.with_max_attempts(2);
        let stored = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        claim(&queue, T0).unwrap();
        queue.fail(stored.id, "unknown email", None).unwrap();

        let now = T0 + Duration::seconds(7200);
        let retried = queue.retry(stored.id, now).unwrap().unwrap();
        assert_eq!(retried.status, Status::Pending);
        assert_eq!(retried.attempts, 1);
        assert_eq!(retried.ready_at, now);
        assert_eq!(retried.reason.as_deref(), Some("unknown email"));
        assert_eq!(claim(&queue, now - Duration::seconds(1)), None);
        assert_eq!(claim(&queue, now), Some(stored.id));
        // One more attempt reaches the maximum of two.
        let status = queue.fail(stored.id, "503", Some(now + Duration::seconds(60)));
        assert_eq!(status.unwrap(), Status::Dead);
    }

    #[test]
    fn retry_of_a_failed_event_does_not_wait_for_its_retry_time() {
        let (_directory, _path, queue) = temp_queue();
        let stored = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        claim(&queue, T0).unwrap();
        queue
            .fail(stored.id, "503", Some(T0 + Duration::seconds(3600)))
            .unwrap();
        queue.retry(stored.id, T0).unwrap().unwrap();
        assert_eq!(claim(&queue, T0), Some(stored.id));
    }

    #[test]
    fn operations_refuse_events_in_the_wrong_status() {
        let (_directory, _path, queue) = temp_queue();
        let stored = accept_new(
            &queue,
            &event("e-1", "ann@example.com", Action::Terminate, T0),
        );
        let pending_complete = queue.complete(stored.id, "done").unwrap_err();
        assert!(
            matches!(
                pending_complete,
                QueueError::WrongStatus {
                    status: Status::Pending,
                    ..
                }
            ),
            "{pending_complete:?}"
        );
        assert!(matches!(
            queue.fail(stored.id, "x", None).unwrap_err(),
            QueueError::WrongStatus {
                status: Status::Pending,
                ..
            }
        ));
        let pending_retry = queue.retry(stored.id, T0).unwrap_err();
        assert_eq!(
            pending_retry.to_string(),
            format!(
                "event {} is `pending`, but only `dead` or `failed` events can be retried",
                stored.id
            )
        );
        claim(&queue, T0).unwrap();
        queue.complete(stored.id, "offboarded").unwrap();
        assert!(matches!(
            queue.complete(stored.id, "again").unwrap_err(),
            QueueError::WrongStatus {
                status: Status::Done,
                ..
            }
        ));
        assert!(matches!(
            queue.complete(404, "x").unwrap_err(),
            QueueError::NotFound { id: 404 }
        ));
        assert!(matches!(
            queue.fail(404, "x", None).unwrap_err(),
            QueueError::NotFound { id: 404 }
        ));
        assert_eq!(queue.retry(404, T0).unwrap(), None);
        assert_eq!(queue.get(404).unwrap(), None);
        // Nothing changed the processed event.
        let done = queue.get(stored.id).unwrap().unwrap();
        assert_eq!(done.status, Status::Done);
        assert_eq!(done.outcome.as_deref(), Some("offboarded"));
    }

    #[test]
    fn counts_depth_and_list_follow_the_statuses() {
        let (_directory, _path, queue) = temp_queue();
        let ids: Vec<i64> = (0..5)
            .map(|n| {
                let email = format!("user{n}@example.com");
                accept_new(
                    &queue,
                    &event(&format!("e-{n}"), &email, Action::Terminate, T0),
                )
                .id
            })
            .collect();
        // e-0 done, e-1 failed, e-2 dead, e-3 processing, e-4 pending.
        for _ in 0..4 {
            claim(&queue, T0).unwrap();
        }
        queue.complete(ids[0], "offboarded").unwrap();
        queue
            .fail(ids[1], "503", Some(T0 + Duration::seconds(60)))
            .unwrap();
        queue.fail(ids[2], "unknown email", None).unwrap();

        let counts = queue.counts().unwrap();
        let expected: BTreeMap<Status, u64> = Status::ALL.into_iter().map(|s| (s, 1)).collect();
        assert_eq!(counts, expected);
        assert_eq!(queue.depth().unwrap(), 3);

        let all: Vec<i64> = queue.list(None, 10).unwrap().iter().map(|e| e.id).collect();
        let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
        assert_eq!(all, newest_first);
        assert_eq!(queue.list(None, 2).unwrap().len(), 2);
        let failed = queue.list(Some(Status::Failed), 10).unwrap();
        assert_eq!(failed.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[1]]);
        assert!(queue.list(Some(Status::Pending), 0).unwrap().is_empty());
    }

    #[test]
    fn an_empty_queue_has_zero_counts_and_nothing_due() {
        let (_directory, _path, queue) = temp_queue();
        assert!(queue.counts().unwrap().values().all(|count| *count == 0));
        assert_eq!(queue.counts().unwrap().len(), Status::ALL.len());
        assert_eq!(queue.depth().unwrap(), 0);
        assert_eq!(queue.next_due_time().unwrap(), None);
        assert_eq!(queue.next_due(T0).unwrap(), None);
    }

    #[test]
    fn writable_commits_a_write() {
        let (_directory, _path, queue) = temp_queue();
        queue.writable().unwrap();
        queue.writable().unwrap();
        let rows: i64 = queue
            .connection()
            .query_row("SELECT COUNT(*) FROM liveness", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn writable_fails_on_a_read_only_database() {
        let (_directory, path, queue) = temp_queue();
        drop(queue);
        let queue = Queue::open(&path).unwrap();
        // The same file through a read-only connection: what a read-only mount looks like.
        let read_only =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        *queue.connection() = read_only;
        let error = queue.writable().unwrap_err();
        assert!(matches!(error, QueueError::Database { .. }), "{error:?}");
        assert!(error.to_string().contains("cannot write"), "{error}");
    }

    #[test]
    fn concurrent_accepts_from_8_threads_store_1000_events_once_each() {
        const THREADS: usize = 8;
        const PER_THREAD: usize = 125;
        let (_directory, path, queue) = temp_queue();
        let queue = Arc::new(queue);
        let handles: Vec<_> = (0..THREADS)
            .map(|thread| {
                let queue = Arc::clone(&queue);
                std::thread::spawn(move || {
                    let mut new_ids = Vec::new();
                    for n in 0..PER_THREAD {
                        let email = format!("user{}@example.com", n % 50);
                        let new = event(&format!("t{thread}-{n}"), &email, Action::Terminate, T0);
                        if let Accepted::New(stored) = queue.accept(&new).unwrap() {
                            new_ids.push(stored.id);
                        }
                        // Redeliver an event of the neighbouring thread, as HR systems do.
                        let neighbour = (thread + 1) % THREADS;
                        let redelivery =
                            event(&format!("t{neighbour}-{n}"), &email, Action::Terminate, T0);
                        if let Accepted::New(stored) = queue.accept(&redelivery).unwrap() {
                            new_ids.push(stored.id);
                        }
                    }
                    new_ids
                })
            })
            .collect();
        let mut ids = Vec::new();
        for handle in handles {
            ids.extend(handle.join().unwrap());
        }
        let unique: BTreeSet<i64> = ids.iter().copied().collect();
        assert_eq!(
            ids.len(),
            THREADS * PER_THREAD,
            "each event is new exactly once"
        );
        assert_eq!(unique.len(), ids.len());
        drop(queue);

        let reopened = Queue::open(&path).unwrap();
        let stored = reopened.list(None, usize::MAX).unwrap();
        assert_eq!(stored.len(), THREADS * PER_THREAD);
        let source_ids: BTreeSet<String> = stored.into_iter().map(|e| e.source_id).collect();
        let expected: BTreeSet<String> = (0..THREADS)
            .flat_map(|t| (0..PER_THREAD).map(move |n| format!("t{t}-{n}")))
            .collect();
        assert_eq!(source_ids, expected);
    }

    #[test]
    fn two_connections_draining_one_file_claim_each_event_once() {
        const EVENTS: usize = 200;
        let (_directory, path, queue) = temp_queue();
        for n in 0..EVENTS {
            let email = format!("user{}@example.com", n % 20);
            accept_new(
                &queue,
                &event(&format!("e-{n}"), &email, Action::Terminate, T0),
            );
        }
        let second = Queue::open(&path).unwrap();
        let workers: Vec<_> = [queue, second]
            .into_iter()
            .map(|queue| {
                std::thread::spawn(move || {
                    let mut claimed = Vec::new();
                    // Bounded: far more rounds than events, and each round claims or idles.
                    for _ in 0..EVENTS * 20 {
                        match queue.next_due(T0).unwrap() {
                            Some(event) => {
                                queue.complete(event.id, "offboarded").unwrap();
                                claimed.push(event.id);
                            }
                            None if queue.depth().unwrap() == 0 => break,
                            None => std::thread::yield_now(),
                        }
                    }
                    claimed
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for worker in workers {
            claimed.extend(worker.join().unwrap());
        }
        let unique: BTreeSet<i64> = claimed.iter().copied().collect();
        assert_eq!(claimed.len(), EVENTS, "every event processed once");
        assert_eq!(unique.len(), EVENTS);
        let reopened = Queue::open(&path).unwrap();
        assert_eq!(reopened.depth().unwrap(), 0);
        assert_eq!(reopened.counts().unwrap()[&Status::Done], EVENTS as u64);
    }

    #[test]
    fn statuses_and_actions_use_lower_case_names_everywhere() {
        for status in Status::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(status.as_str(), status.as_str().to_lowercase());
            assert_eq!(status.as_str().parse::<Status>().unwrap(), status);
            let back: Status = serde_json::from_str(&json).unwrap();
            assert_eq!(back, status);
        }
        for action in Action::ALL {
            assert_eq!(
                serde_json::to_string(&action).unwrap(),
                format!("\"{}\"", action.as_str())
            );
            assert_eq!(action.as_str().parse::<Action>().unwrap(), action);
        }
        assert!(matches!(
            "Dead".parse::<Status>().unwrap_err(),
            QueueError::UnknownStatus { .. }
        ));
        assert!("fire".parse::<Action>().is_err());
    }

    #[test]
    fn the_unfinished_statuses_agree_with_the_sql() {
        let unfinished: Vec<String> = Status::ALL
            .into_iter()
            .filter(|status| status.is_unfinished())
            .map(|status| format!("'{status}'"))
            .collect();
        assert_eq!(UNFINISHED_SQL, format!("({})", unfinished.join(", ")));
        assert!(claimable!().contains(UNFINISHED_SQL));
    }

    #[test]
    fn an_event_serializes_with_rfc3339_times() {
        let (_directory, _path, queue) = temp_queue();
        let stored = accept_new(&queue, &event("e-1", "ann@example.com", Action::Rehire, T0));
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(json["status"], "pending");
        assert_eq!(json["action"], "rehire");
        assert_eq!(json["dueAt"], "2030-01-01T09:00:00Z");
        assert_eq!(json["outcome"], serde_json::Value::Null);
    }

    #[test]
    fn times_round_trip_through_milliseconds() {
        let times = [
            datetime!(2030-01-01 09:00:00.123 UTC),
            datetime!(1969-12-31 23:59:59.500 UTC),
            datetime!(2030-01-01 10:00:00.123 +01:00),
        ];
        for time in times {
            assert_eq!(from_millis(to_millis(time)).unwrap(), time);
        }
        assert_eq!(to_millis(datetime!(1969-12-31 23:59:59.500 UTC)), -500);
        // Sub-millisecond digits are dropped, not rounded.
        let fine = datetime!(2030-01-01 09:00:00.123_999 UTC);
        assert_eq!(
            from_millis(to_millis(fine)).unwrap(),
            datetime!(2030-01-01 09:00:00.123 UTC)
        );
    }
}
