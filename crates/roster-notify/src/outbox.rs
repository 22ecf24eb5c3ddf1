//! The durable outbox: one row per (message, recipient, channel), so a re-run or a crash never
//! sends a message twice (issue #16; DESIGN §2.9).
//!
//! The outbox lives in the same `SQLite` file as `roster serve`'s HR queue
//! (`.roster/serve.db` by default), in tables prefixed `notice_` so the two never collide.
//!
//! # Flow
//! 1. [`Outbox::enqueue`] stores notices as `pending`; a notice whose key is already stored is
//!    left as it is (a re-run adds nothing).
//! 2. The dispatcher reads the rows [`Outbox::due`] on a channel, [`Outbox::claim`]s one
//!    (`sending`, committed before the send starts), sends it, and ends the claim with
//!    [`Outbox::mark_sent`], [`Outbox::record_failure`] (back to `pending` with a later
//!    attempt time), [`Outbox::dead_letter`] or [`Outbox::mark_undeliverable`].
//! 3. An operator lists rows with [`Outbox::status`] and puts dead or in-doubt rows back with
//!    [`Outbox::retry`].
//! 4. `roster serve` records acknowledgements with [`Outbox::acknowledge`]; rows past their
//!    deadline come back from [`Outbox::overdue_acknowledgements`] until
//!    [`Outbox::mark_escalated`].
//!
//! # Guarantees
//! - Durable: every write is a committed transaction on a WAL database with
//!   `synchronous=FULL`.
//! - One row per key: the key is the primary key and enqueueing is `INSERT OR IGNORE`, not a
//!   read-then-write.
//! - At most once: a row is `sending` from just before its send until the outcome is stored.
//!   A crash in between leaves it `sending`; such a row is *in doubt* (it may or may not have
//!   reached the recipient), is never claimed again by itself, and waits for an operator.
//! - Never dropped: a row without a usable address ends `undeliverable`, and stays listed.
//!
//! # Assumptions
//! - Times come from the caller (`now`), so tests choose the clock.
//! - The file may be shared with `roster serve`'s queue, which owns `PRAGMA user_version`;
//!   the outbox keeps its own schema version in `notice_schema` instead.
//!
//! # Caveats
//! - Sent rows are kept (the acknowledgement needs them); nothing prunes them yet.
//!
//! # Errors
//! Every operation answers [`OutboxError`], naming the database file or the row's key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, TransactionBehavior, params};

use crate::notice::{Notice, Recipient, Tier};

/// How long a write waits for another connection's lock (`roster serve`'s queue shares the
/// file) before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The outbox's schema, one entry per version: entry `n` moves the outbox from version `n` to
/// `n + 1`. `notice_schema` records the version; add a migration at the end, never edit one
/// that has shipped.
const MIGRATIONS: &[&str] = &[
    // Version 1.
    // Times are Unix milliseconds, UTC. `next_attempt` is when a `pending` row may be claimed:
    // `not_before` at first, later the retry time or a window's next opening.
    // `acknowledge_by` is set when the row is sent and acknowledgement was asked for.
    // `delivery_window` because `window` is an SQL keyword.
    "CREATE TABLE notice_outbox (
        key                     TEXT    PRIMARY KEY,
        message                 TEXT    NOT NULL,
        channel                 TEXT    NOT NULL,
        tier                    TEXT    NOT NULL
                                CHECK (tier IN ('agents', 'supervisors', 'admins')),
        recipient_email         TEXT    NOT NULL,
        recipient_name          TEXT    NOT NULL,
        timezone                TEXT    NOT NULL,
        subject                 TEXT    NOT NULL,
        body                    TEXT    NOT NULL,
        delivery_window         TEXT,
        state                   TEXT    NOT NULL CHECK (state IN
                                ('pending', 'sending', 'sent', 'dead', 'undeliverable')),
        attempts                INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        not_before              INTEGER NOT NULL,
        next_attempt            INTEGER NOT NULL,
        last_error              TEXT,
        enqueued_at             INTEGER NOT NULL,
        updated_at              INTEGER NOT NULL,
        sent_at                 INTEGER,
        acknowledge_within_secs INTEGER CHECK (acknowledge_within_secs >= 0),
        acknowledge_by          INTEGER,
        acknowledged_at         INTEGER,
        escalated               INTEGER NOT NULL DEFAULT 0 CHECK (escalated IN (0, 1)),
        org                     TEXT    NOT NULL
    );
    CREATE INDEX notice_outbox_due ON notice_outbox (channel, state, next_attempt);
    CREATE INDEX notice_outbox_acknowledge ON notice_outbox (state, acknowledge_by);",
];

/// The columns of a row, in the order [`stored_from_row`] reads them.
const COLUMNS: &str = "key, message, channel, tier, recipient_email, recipient_name, timezone, \
                       subject, body, delivery_window, state, attempts, not_before, \
                       next_attempt, last_error, enqueued_at, sent_at, \
                       acknowledge_within_secs, acknowledge_by, acknowledged_at, escalated, org";

/// Where a row is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Waiting for its time (`next_attempt`), its window, or its channel.
    Pending,
    /// Claimed for a send. Left so by a crash, the row is in doubt: it waits for an operator.
    Sending,
    /// Delivered (the channel accepted it).
    Sent,
    /// Dead-lettered: a permanent failure, or the attempts ran out. Waits for an operator.
    Dead,
    /// The recipient has no usable address for the channel.
    Undeliverable,
}

impl State {
    /// Every state, in declaration order.
    pub const ALL: [State; 5] = [
        State::Pending,
        State::Sending,
        State::Sent,
        State::Dead,
        State::Undeliverable,
    ];

    /// The lower-case name used in the database and in output.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Dead => "dead",
            State::Undeliverable => "undeliverable",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = OutboxError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == value)
            .ok_or_else(|| OutboxError::UnknownState {
                value: value.to_owned(),
            })
    }
}

impl ToSql for State {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for State {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}

/// A stored row. Times are UTC with millisecond precision (the stored precision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    /// The idempotency key ([`Notice::key`]).
    pub key: String,
    /// The org whose change or announcement it is (its journal records the delivery).
    pub org: String,
    /// What the message is about (`apply:<run id>`, `announcement:<name>`, …).
    pub message: String,
    /// The channel's name under `notify.channels`.
    pub channel: String,
    /// Why the recipient gets it.
    pub tier: Tier,
    /// Who it goes to.
    pub recipient: Recipient,
    /// Subject line or title.
    pub subject: String,
    /// The rendered body.
    pub body: String,
    /// The recipient's working hours (`"09:00-17:00"`), if the message keeps to them.
    pub window: Option<String>,
    /// Where the row is in its life.
    pub state: State,
    /// How many sends failed (transient or permanent).
    pub attempts: u32,
    /// Not sent before this instant.
    pub not_before: Timestamp,
    /// For a `pending` row, the earliest instant it may be claimed.
    pub next_attempt: Timestamp,
    /// Why the last send failed, or why the row is undeliverable (kept after a retry).
    pub last_error: Option<String>,
    /// When the row was first enqueued.
    pub enqueued_at: Timestamp,
    /// When the channel accepted it.
    pub sent_at: Option<Timestamp>,
    /// How long the recipient has to acknowledge once it is sent, in seconds.
    pub acknowledge_within_secs: Option<i64>,
    /// When the acknowledgement is due (set once sent).
    pub acknowledge_by: Option<Timestamp>,
    /// When the recipient acknowledged.
    pub acknowledged_at: Option<Timestamp>,
    /// Whether the supervisors were told about a missing acknowledgement.
    pub escalated: bool,
}

/// The answer to [`Outbox::enqueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Enqueued {
    /// Notices stored now.
    pub added: u64,
    /// Notices whose key was stored before, left as they were.
    pub already: u64,
}

/// Which rows [`Outbox::retry`] puts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetrySelection {
    /// Every dead row (in-doubt rows only by key).
    All,
    /// The row with this key, which must be dead or in doubt.
    Key(String),
}

/// The answer to [`Outbox::acknowledge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledged {
    /// Recorded now, at this instant.
    Now(Timestamp),
    /// Acknowledged before, at this instant (a second click changes nothing).
    Before(Timestamp),
}

/// What [`Outbox::status`] lists: the counts per state and the rows that need a look.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxStatus {
    /// How many rows are in each state (every state is present, zero included).
    pub counts: BTreeMap<State, u64>,
    /// Rows waiting to be sent, by next attempt.
    pub pending: Vec<StoredNotice>,
    /// Rows left `sending` (in doubt), by key.
    pub in_doubt: Vec<StoredNotice>,
    /// Dead-lettered rows, by key.
    pub dead: Vec<StoredNotice>,
    /// Rows whose recipient has no usable address, by key.
    pub undeliverable: Vec<StoredNotice>,
    /// Sent rows that asked for an acknowledgement and have none yet, by deadline.
    pub unacknowledged: Vec<StoredNotice>,
}

/// What can go wrong with the outbox.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The database's directory could not be created.
    #[error("cannot create the directory of the notice outbox `{}`", path.display())]
    CreateDirectory {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened, configured or migrated.
    #[error("cannot open the notice outbox `{}`", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The file system does not support write-ahead logging, which durability relies on.
    #[error(
        "the notice outbox `{}` cannot use write-ahead logging (journal mode is `{mode}`); \
         put it on a local file system",
        path.display()
    )]
    NoWriteAheadLog {
        /// The database file.
        path: PathBuf,
        /// The journal mode `SQLite` fell back to.
        mode: String,
    },
    /// The outbox was written by a newer roster.
    #[error(
        "the notice outbox `{}` has schema version {found}, newer than the {supported} this \
         roster knows; upgrade roster",
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
    #[error("notice outbox: cannot {operation}")]
    Database {
        /// What was being done, as a verb phrase.
        operation: &'static str,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// No row has this key.
    #[error("no notice with key `{key}` in the outbox; `roster notify status` lists them")]
    NotFound {
        /// The key asked for.
        key: String,
    },
    /// The operation does not apply to a row in this state.
    #[error("notice `{key}` is `{state}`, but only {allowed} notices can be {operation}")]
    WrongState {
        /// The row's key.
        key: String,
        /// Its state.
        state: State,
        /// The states the operation applies to.
        allowed: &'static str,
        /// The operation, as a past participle.
        operation: &'static str,
    },
    /// A state name that is not one of roster's.
    #[error(
        "unknown notice state `{value}`; expected pending, sending, sent, dead or undeliverable"
    )]
    UnknownState {
        /// The name given.
        value: String,
    },
}

/// The durable outbox, on one `SQLite` database file.
#[derive(Debug)]
pub struct Outbox {
    connection: Connection,
}

impl Outbox {
    /// Opens the outbox in the database at `path`, creating the file, its directory and the
    /// `notice_` tables as needed and migrating an older outbox schema. Rows left `sending`
    /// stay so: they are in doubt, and only an operator decides to send them again.
    ///
    /// # Errors
    /// [`OutboxError::CreateDirectory`], [`OutboxError::Open`] when `SQLite` cannot open,
    /// configure or migrate the file, [`OutboxError::NoWriteAheadLog`], and
    /// [`OutboxError::SchemaTooNew`] for an outbox of a newer roster.
    pub fn open(path: &Path) -> Result<Outbox, OutboxError> {
        if let Some(directory) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(directory).map_err(|source| OutboxError::CreateDirectory {
                path: path.to_owned(),
                source,
            })?;
        }
        let mut connection = Connection::open(path).map_err(open_error(path))?;
        configure(&connection, path)?;
        migrate(&mut connection, path)?;
        Ok(Outbox { connection })
    }

    /// Stores each notice as `pending`, due at its `not_before`, unless its key is stored
    /// already. All or nothing: one transaction.
    ///
    /// # Errors
    /// [`OutboxError::Database`] when the write fails (nothing is stored then).
    pub fn enqueue(&mut self, notices: &[Notice], now: Timestamp) -> Result<Enqueued, OutboxError> {
        let operation = "enqueue notices";
        let transaction = begin_immediate(&mut self.connection, operation)?;
        let mut enqueued = Enqueued::default();
        {
            let mut insert = transaction
                .prepare(
                    "INSERT OR IGNORE INTO notice_outbox (key, message, channel, tier, \
                     recipient_email, recipient_name, timezone, subject, body, delivery_window, \
                     state, not_before, next_attempt, enqueued_at, updated_at, \
                     acknowledge_within_secs, org) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11, ?11, ?12, \
                     ?12, ?13, ?14)",
                )
                .map_err(database(operation))?;
            for notice in notices {
                let inserted = insert
                    .execute(params![
                        notice.key(),
                        notice.message,
                        notice.channel,
                        notice.tier.as_str(),
                        notice.recipient.email,
                        notice.recipient.name,
                        notice.recipient.timezone,
                        notice.subject,
                        notice.body,
                        notice.window,
                        notice.not_before.as_millisecond(),
                        now.as_millisecond(),
                        notice.acknowledge_within_secs,
                        notice.org,
                    ])
                    .map_err(database(operation))?;
                if inserted == 0 {
                    enqueued.already += 1;
                } else {
                    enqueued.added += 1;
                }
            }
        }
        transaction.commit().map_err(database(operation))?;
        Ok(enqueued)
    }

    /// The `pending` rows on `channel` whose next attempt is at or before `now`, earliest
    /// first (then by key, so the order is deterministic).
    ///
    /// # Errors
    /// [`OutboxError::Database`].
    pub fn due(&self, channel: &str, now: Timestamp) -> Result<Vec<StoredNotice>, OutboxError> {
        self.select(
            "read the due notices",
            "state = 'pending' AND channel = ?1 AND next_attempt <= ?2 \
             ORDER BY next_attempt, key",
            params![channel, now.as_millisecond()],
        )
    }

    /// How many `pending` rows are due at `now` on each channel, for channels the caller does
    /// not know about (a channel removed from `roster.yaml` while rows still wait on it).
    ///
    /// # Errors
    /// [`OutboxError::Database`].
    pub fn due_per_channel(&self, now: Timestamp) -> Result<BTreeMap<String, u64>, OutboxError> {
        let operation = "count the due notices";
        let mut statement = self
            .connection
            .prepare(
                "SELECT channel, count(*) FROM notice_outbox \
                 WHERE state = 'pending' AND next_attempt <= ?1 GROUP BY channel",
            )
            .map_err(database(operation))?;
        let rows = statement
            .query_map(params![now.as_millisecond()], |row| {
                Ok((row.get::<_, String>(0)?, count(row.get(1)?)))
            })
            .map_err(database(operation))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(database(operation))
    }

    /// One row by key, whatever its state.
    ///
    /// # Errors
    /// [`OutboxError::Database`].
    pub fn get(&self, key: &str) -> Result<Option<StoredNotice>, OutboxError> {
        Ok(self
            .select("read a notice", "key = ?1", params![key])?
            .into_iter()
            .next())
    }

    /// Claims a `pending` row for a send: it becomes `sending`, committed before this
    /// returns, so a crash during the send leaves it in doubt rather than sending it again.
    /// Answers `false` when the row is no longer `pending` (another process took it).
    ///
    /// # Errors
    /// [`OutboxError::Database`].
    pub fn claim(&mut self, key: &str, now: Timestamp) -> Result<bool, OutboxError> {
        let changed = self
            .connection
            .execute(
                "UPDATE notice_outbox SET state = 'sending', updated_at = ?2 \
                 WHERE key = ?1 AND state = 'pending' AND next_attempt <= ?2",
                params![key, now.as_millisecond()],
            )
            .map_err(database("claim a notice"))?;
        Ok(changed == 1)
    }

    /// Records that the channel accepted a claimed row; starts its acknowledgement deadline
    /// when it asked for one.
    ///
    /// # Errors
    /// [`OutboxError::WrongState`] unless the row is `sending`; [`OutboxError::NotFound`],
    /// [`OutboxError::Database`].
    pub fn mark_sent(&mut self, key: &str, now: Timestamp) -> Result<(), OutboxError> {
        let at = now.as_millisecond();
        self.transition(
            key,
            &[State::Sending],
            "sending",
            "marked sent",
            "UPDATE notice_outbox SET state = 'sent', sent_at = ?2, updated_at = ?2, \
             acknowledge_by = CASE WHEN acknowledge_within_secs IS NULL THEN NULL \
                              ELSE ?2 + acknowledge_within_secs * 1000 END \
             WHERE key = ?1",
            params![key, at],
        )
    }

    /// Records a transient failure of a claimed row: one more attempt counted, the reason
    /// kept, and the row `pending` again from `next_attempt`.
    ///
    /// # Errors
    /// [`OutboxError::WrongState`] unless the row is `sending`; [`OutboxError::NotFound`],
    /// [`OutboxError::Database`].
    pub fn record_failure(
        &mut self,
        key: &str,
        reason: &str,
        next_attempt: Timestamp,
        now: Timestamp,
    ) -> Result<(), OutboxError> {
        self.transition(
            key,
            &[State::Sending],
            "sending",
            "marked failed",
            "UPDATE notice_outbox SET state = 'pending', attempts = attempts + 1, \
             last_error = ?2, next_attempt = ?3, updated_at = ?4 WHERE key = ?1",
            params![
                key,
                reason,
                next_attempt.as_millisecond(),
                now.as_millisecond()
            ],
        )
    }

    /// Dead-letters a claimed row after a failed send (permanent, or the last attempt): one
    /// more attempt counted and the reason kept.
    ///
    /// # Errors
    /// [`OutboxError::WrongState`] unless the row is `sending`; [`OutboxError::NotFound`],
    /// [`OutboxError::Database`].
    pub fn dead_letter(
        &mut self,
        key: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), OutboxError> {
        self.transition(
            key,
            &[State::Sending],
            "sending",
            "dead-lettered",
            "UPDATE notice_outbox SET state = 'dead', attempts = attempts + 1, \
             last_error = ?2, updated_at = ?3 WHERE key = ?1",
            params![key, reason, now.as_millisecond()],
        )
    }

    /// Dead-letters a row that cannot be attempted at all (its window or time zone does not
    /// parse), without counting an attempt.
    ///
    /// # Errors
    /// [`OutboxError::WrongState`] unless the row is `pending`; [`OutboxError::NotFound`],
    /// [`OutboxError::Database`].
    pub fn reject(&mut self, key: &str, reason: &str, now: Timestamp) -> Result<(), OutboxError> {
        self.transition(
            key,
            &[State::Pending],
            "pending",
            "rejected",
            "UPDATE notice_outbox SET state = 'dead', last_error = ?2, updated_at = ?3 \
             WHERE key = ?1",
            params![key, reason, now.as_millisecond()],
        )
    }

    /// Records that the recipient has no usable address for the row's channel.
    ///
    /// # Errors
    /// [`OutboxError::WrongState`] unless the row is `pending` or `sending`;
    /// [`OutboxError::NotFound`], [`OutboxError::Database`].
    pub fn mark_undeliverable(
        &mut self,
        key: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), OutboxError> {
        self.transition(
            key,
            &[State::Pending, State::Sending],
            "pending or sending",
            "marked undeliverable",
            "UPDATE notice_outbox SET state = 'undeliverable', last_error = ?2, \
             updated_at = ?3 WHERE key = ?1",
            params![key, reason, now.as_millisecond()],
        )
    }

    /// Moves a `pending` row's next attempt to `at` without counting an attempt (the
    /// recipient's window is closed until then).
    ///
    /// # Errors
    /// [`OutboxError::WrongState`] unless the row is `pending`; [`OutboxError::NotFound`],
    /// [`OutboxError::Database`].
    pub fn reschedule(
        &mut self,
        key: &str,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), OutboxError> {
        self.transition(
            key,
            &[State::Pending],
            "pending",
            "rescheduled",
            "UPDATE notice_outbox SET next_attempt = ?2, updated_at = ?3 WHERE key = ?1",
            params![key, at.as_millisecond(), now.as_millisecond()],
        )
    }

    /// Puts rows back to `pending`, due at `now`, with their attempts reset (the last error is
    /// kept): every dead row for [`RetrySelection::All`]; the one row, dead or in doubt
    /// (`sending`), for [`RetrySelection::Key`]. In-doubt rows are never swept up by `All`: a
    /// `sending` row may be one another sender is sending right now, or one that went out
    /// before a crash, and only an operator who checked can say. Answers how many rows were
    /// put back.
    ///
    /// # Errors
    /// For one key: [`OutboxError::NotFound`], [`OutboxError::WrongState`] when the row is
    /// neither dead nor in doubt. [`OutboxError::Database`].
    pub fn retry(
        &mut self,
        selection: &RetrySelection,
        now: Timestamp,
    ) -> Result<u64, OutboxError> {
        let at = now.as_millisecond();
        let set = "UPDATE notice_outbox SET state = 'pending', attempts = 0, next_attempt = ?1, \
                   updated_at = ?1 WHERE state IN ('dead', 'sending')";
        match selection {
            RetrySelection::All => {
                let changed = self
                    .connection
                    .execute(
                        "UPDATE notice_outbox SET state = 'pending', attempts = 0, \
                         next_attempt = ?1, updated_at = ?1 WHERE state = 'dead'",
                        params![at],
                    )
                    .map_err(database("retry notices"))?;
                Ok(changed as u64)
            }
            RetrySelection::Key(key) => {
                self.transition(
                    key,
                    &[State::Dead, State::Sending],
                    "dead or in-doubt (sending)",
                    "retried",
                    &format!("{set} AND key = ?2"),
                    params![at, key],
                )?;
                Ok(1)
            }
        }
    }

    /// Records the recipient's acknowledgement of a sent row; a second acknowledgement keeps
    /// the first time.
    ///
    /// # Errors
    /// [`OutboxError::NotFound`]; [`OutboxError::WrongState`] unless the row is `sent`;
    /// [`OutboxError::Database`].
    pub fn acknowledge(&mut self, key: &str, now: Timestamp) -> Result<Acknowledged, OutboxError> {
        let operation = "record an acknowledgement";
        let transaction = begin_immediate(&mut self.connection, operation)?;
        let found: Option<(State, Option<i64>)> = transaction
            .query_row(
                "SELECT state, acknowledged_at FROM notice_outbox WHERE key = ?1",
                params![key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(database(operation))?;
        let (state, acknowledged_at) = found.ok_or_else(|| OutboxError::NotFound {
            key: key.to_owned(),
        })?;
        if state != State::Sent {
            return Err(OutboxError::WrongState {
                key: key.to_owned(),
                state,
                allowed: "sent",
                operation: "acknowledged",
            });
        }
        if let Some(before) = acknowledged_at {
            let before = from_millis(before).map_err(database(operation))?;
            return Ok(Acknowledged::Before(before));
        }
        transaction
            .execute(
                "UPDATE notice_outbox SET acknowledged_at = ?2, updated_at = ?2 WHERE key = ?1",
                params![key, now.as_millisecond()],
            )
            .map_err(database(operation))?;
        transaction.commit().map_err(database(operation))?;
        Ok(Acknowledged::Now(truncate_to_millis(now)))
    }

    /// Sent rows whose acknowledgement deadline is at or before `now`, not acknowledged and
    /// not yet escalated, by deadline.
    ///
    /// # Errors
    /// [`OutboxError::Database`].
    pub fn overdue_acknowledgements(
        &self,
        now: Timestamp,
    ) -> Result<Vec<StoredNotice>, OutboxError> {
        self.select(
            "read the overdue acknowledgements",
            "state = 'sent' AND acknowledge_by <= ?1 AND acknowledged_at IS NULL \
             AND escalated = 0 ORDER BY acknowledge_by, key",
            params![now.as_millisecond()],
        )
    }

    /// Records that a row's missing acknowledgement was escalated, so it is not escalated
    /// again.
    ///
    /// # Errors
    /// [`OutboxError::WrongState`] unless the row is `sent`; [`OutboxError::NotFound`],
    /// [`OutboxError::Database`].
    pub fn mark_escalated(&mut self, key: &str, now: Timestamp) -> Result<(), OutboxError> {
        self.transition(
            key,
            &[State::Sent],
            "sent",
            "escalated",
            "UPDATE notice_outbox SET escalated = 1, updated_at = ?2 WHERE key = ?1",
            params![key, now.as_millisecond()],
        )
    }

    /// The counts per state and the rows that are not plainly sent.
    ///
    /// # Errors
    /// [`OutboxError::Database`].
    pub fn status(&self) -> Result<OutboxStatus, OutboxError> {
        let operation = "count the notices";
        let mut counts: BTreeMap<State, u64> =
            State::ALL.into_iter().map(|state| (state, 0)).collect();
        let mut statement = self
            .connection
            .prepare("SELECT state, count(*) FROM notice_outbox GROUP BY state")
            .map_err(database(operation))?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, State>(0)?, count(row.get(1)?))))
            .map_err(database(operation))?;
        for row in rows {
            let (state, count) = row.map_err(database(operation))?;
            counts.insert(state, count);
        }
        let list = |condition: &str| self.select("list the notices", condition, []);
        Ok(OutboxStatus {
            counts,
            pending: list("state = 'pending' ORDER BY next_attempt, key")?,
            in_doubt: list("state = 'sending' ORDER BY key")?,
            dead: list("state = 'dead' ORDER BY key")?,
            undeliverable: list("state = 'undeliverable' ORDER BY key")?,
            unacknowledged: list(
                "state = 'sent' AND acknowledge_by IS NOT NULL AND acknowledged_at IS NULL \
                 ORDER BY acknowledge_by, key",
            )?,
        })
    }

    /// Runs `update` on the row `key` if its state is one of `allowed`, in one transaction.
    fn transition(
        &mut self,
        key: &str,
        allowed: &[State],
        allowed_text: &'static str,
        operation: &'static str,
        update: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<(), OutboxError> {
        let transaction = begin_immediate(&mut self.connection, operation)?;
        let state: State = transaction
            .query_row(
                "SELECT state FROM notice_outbox WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()
            .map_err(database(operation))?
            .ok_or_else(|| OutboxError::NotFound {
                key: key.to_owned(),
            })?;
        if !allowed.contains(&state) {
            return Err(OutboxError::WrongState {
                key: key.to_owned(),
                state,
                allowed: allowed_text,
                operation,
            });
        }
        transaction
            .execute(update, parameters)
            .map_err(database(operation))?;
        transaction.commit().map_err(database(operation))
    }

    fn select(
        &self,
        operation: &'static str,
        condition: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<Vec<StoredNotice>, OutboxError> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {COLUMNS} FROM notice_outbox WHERE {condition}"
            ))
            .map_err(database(operation))?;
        let rows = statement
            .query_map(parameters, stored_from_row)
            .map_err(database(operation))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(database(operation))
    }
}

/// Sets what durability relies on: write-ahead logging, a sync at every commit, and waiting
/// for another connection's lock instead of failing at once.
fn configure(connection: &Connection, path: &Path) -> Result<(), OutboxError> {
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(open_error(path))?;
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(open_error(path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(OutboxError::NoWriteAheadLog {
            path: path.to_owned(),
            mode,
        });
    }
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(open_error(path))
}

/// Brings the outbox schema to the newest version in one transaction. The version lives in
/// `notice_schema`, not `PRAGMA user_version`, which belongs to `roster serve`'s queue.
fn migrate(connection: &mut Connection, path: &Path) -> Result<(), OutboxError> {
    let supported = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(open_error(path))?;
    transaction
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS notice_schema (
                id      INTEGER PRIMARY KEY CHECK (id = 1),
                version INTEGER NOT NULL
            );
            INSERT OR IGNORE INTO notice_schema (id, version) VALUES (1, 0);",
        )
        .map_err(open_error(path))?;
    let found: i64 = transaction
        .query_row("SELECT version FROM notice_schema", [], |row| row.get(0))
        .map_err(open_error(path))?;
    if found > supported {
        return Err(OutboxError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    for (version, migration) in (1..).zip(MIGRATIONS).skip_while(|(v, _)| *v <= found) {
        transaction
            .execute_batch(migration)
            .map_err(open_error(path))?;
        transaction
            .execute("UPDATE notice_schema SET version = ?1", params![version])
            .map_err(open_error(path))?;
    }
    transaction.commit().map_err(open_error(path))
}

fn open_error(path: &Path) -> impl Fn(rusqlite::Error) -> OutboxError + '_ {
    move |source| OutboxError::Open {
        path: path.to_owned(),
        source,
    }
}

/// Starts a transaction that takes the write lock at once, so what it reads cannot change
/// before it writes.
fn begin_immediate<'c>(
    connection: &'c mut Connection,
    operation: &'static str,
) -> Result<rusqlite::Transaction<'c>, OutboxError> {
    connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(database(operation))
}

/// Wraps a `SQLite` error with what was being done.
fn database(operation: &'static str) -> impl Fn(rusqlite::Error) -> OutboxError {
    move |source| OutboxError::Database { operation, source }
}

/// Reads a row selected with [`COLUMNS`].
fn stored_from_row(row: &Row<'_>) -> rusqlite::Result<StoredNotice> {
    let time = |index: usize| -> rusqlite::Result<Timestamp> {
        from_millis(row.get(index)?).map_err(|error| match error {
            rusqlite::Error::FromSqlConversionFailure(_, kind, cause) => {
                rusqlite::Error::FromSqlConversionFailure(index, kind, cause)
            }
            other => other,
        })
    };
    let optional_time = |index: usize| -> rusqlite::Result<Option<Timestamp>> {
        match row.get::<_, Option<i64>>(index)? {
            Some(_) => time(index).map(Some),
            None => Ok(None),
        }
    };
    let tier: String = row.get(3)?;
    let tier = [Tier::Agents, Tier::Supervisors, Tier::Admins]
        .into_iter()
        .find(|known| known.as_str() == tier)
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("unknown tier `{tier}`").into(),
            )
        })?;
    Ok(StoredNotice {
        key: row.get(0)?,
        message: row.get(1)?,
        channel: row.get(2)?,
        tier,
        recipient: Recipient {
            email: row.get(4)?,
            name: row.get(5)?,
            timezone: row.get(6)?,
        },
        subject: row.get(7)?,
        body: row.get(8)?,
        window: row.get(9)?,
        state: row.get(10)?,
        attempts: row.get(11)?,
        not_before: time(12)?,
        next_attempt: time(13)?,
        last_error: row.get(14)?,
        enqueued_at: time(15)?,
        sent_at: optional_time(16)?,
        acknowledge_within_secs: row.get(17)?,
        acknowledge_by: optional_time(18)?,
        acknowledged_at: optional_time(19)?,
        escalated: row.get(20)?,
        org: row.get(21)?,
    })
}

/// A stored time back: Unix milliseconds to a timestamp.
fn from_millis(millis: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_millisecond(millis).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, error.into())
    })
}

/// A `count(*)`, which `SQLite` answers as a signed integer that is never negative.
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A time at the stored precision.
fn truncate_to_millis(time: Timestamp) -> Timestamp {
    from_millis(time.as_millisecond()).unwrap_or(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a valid timestamp in the test")
    }

    fn notice(email: &str, message: &str) -> Notice {
        Notice {
            org: "demo".to_owned(),
            message: message.to_owned(),
            recipient: Recipient {
                email: email.to_owned(),
                name: email.split('@').next().unwrap_or(email).to_owned(),
                timezone: "Europe/Berlin".to_owned(),
            },
            tier: Tier::Agents,
            channel: "email".to_owned(),
            subject: "Your routing changed".to_owned(),
            body: "You now take the Billing queue.".to_owned(),
            not_before: at("2026-03-02T08:00:00Z"),
            window: Some("09:00-17:00".to_owned()),
            acknowledge_within_secs: None,
        }
    }

    fn open(directory: &tempfile::TempDir) -> Outbox {
        Outbox::open(&directory.path().join(".roster/serve.db")).expect("the outbox opens")
    }

    fn state(outbox: &Outbox, key: &str) -> State {
        outbox
            .get(key)
            .expect("the row reads")
            .expect("the row exists")
            .state
    }

    #[test]
    fn open_creates_prefixed_tables_with_durable_settings_and_leaves_user_version_alone() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let outbox = open(&directory);
        let connection = &outbox.connection;
        let mode: String = connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .expect("journal mode");
        assert_eq!(mode, "wal");
        let synchronous: i64 = connection
            .pragma_query_value(None, "synchronous", |row| row.get(0))
            .expect("synchronous");
        assert_eq!(synchronous, 2, "FULL");
        let user_version: i64 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("user version");
        assert_eq!(
            user_version, 0,
            "`PRAGMA user_version` belongs to the serve queue"
        );
        let mut statement = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("list tables");
        let tables: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .expect("tables")
            .collect::<rusqlite::Result<_>>()
            .expect("names");
        assert_eq!(tables, ["notice_outbox", "notice_schema"]);
    }

    #[test]
    fn reopening_keeps_rows_and_a_newer_schema_is_refused() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let now = at("2026-03-02T07:00:00Z");
        open(&directory)
            .enqueue(&[notice("ana@example.com", "apply:1")], now)
            .expect("enqueue");
        let outbox = open(&directory);
        assert_eq!(outbox.status().expect("status").counts[&State::Pending], 1);
        outbox
            .connection
            .execute("UPDATE notice_schema SET version = 99", [])
            .expect("bump the version");
        drop(outbox);
        let error = Outbox::open(&directory.path().join(".roster/serve.db"))
            .expect_err("a newer schema is refused");
        assert!(
            matches!(
                error,
                OutboxError::SchemaTooNew {
                    found: 99,
                    supported: 1,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn enqueueing_twice_adds_once() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut outbox = open(&directory);
        let now = at("2026-03-02T07:00:00Z");
        let notices = [
            notice("ana@example.com", "apply:1"),
            notice("bo@example.com", "apply:1"),
        ];
        let first = outbox.enqueue(&notices, now).expect("first enqueue");
        assert_eq!(
            first,
            Enqueued {
                added: 2,
                already: 0
            }
        );
        // The same message to the same person with a different case is the same row.
        let again = [
            notice("ANA@example.com", "apply:1"),
            notice("bo@example.com", "apply:1"),
            notice("cy@example.com", "apply:1"),
        ];
        let second = outbox.enqueue(&again, now).expect("second enqueue");
        assert_eq!(
            second,
            Enqueued {
                added: 1,
                already: 2
            }
        );
        assert_eq!(outbox.status().expect("status").counts[&State::Pending], 3);
    }

    #[test]
    fn a_row_is_due_from_not_before_and_round_trips_every_field() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut outbox = open(&directory);
        let mut stored = notice("ana@example.com", "apply:1");
        stored.tier = Tier::Supervisors;
        stored.acknowledge_within_secs = Some(3600);
        outbox
            .enqueue(std::slice::from_ref(&stored), at("2026-03-02T07:00:00Z"))
            .expect("enqueue");
        assert!(
            outbox
                .due("email", at("2026-03-02T07:59:59Z"))
                .expect("due")
                .is_empty()
        );
        assert!(
            outbox
                .due("outbox", at("2026-03-02T08:00:00Z"))
                .expect("due")
                .is_empty(),
            "another channel's rows are not due here"
        );
        let due = outbox
            .due("email", at("2026-03-02T08:00:00Z"))
            .expect("due");
        assert_eq!(
            due,
            [StoredNotice {
                key: stored.key(),
                org: "demo".to_owned(),
                message: "apply:1".to_owned(),
                channel: "email".to_owned(),
                tier: Tier::Supervisors,
                recipient: stored.recipient.clone(),
                subject: stored.subject.clone(),
                body: stored.body.clone(),
                window: Some("09:00-17:00".to_owned()),
                state: State::Pending,
                attempts: 0,
                not_before: at("2026-03-02T08:00:00Z"),
                next_attempt: at("2026-03-02T08:00:00Z"),
                last_error: None,
                enqueued_at: at("2026-03-02T07:00:00Z"),
                sent_at: None,
                acknowledge_within_secs: Some(3600),
                acknowledge_by: None,
                acknowledged_at: None,
                escalated: false,
            }]
        );
    }

    #[test]
    fn a_claim_left_by_a_crash_is_in_doubt_never_due_again_and_retryable() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let key = {
            let mut outbox = open(&directory);
            let row = notice("ana@example.com", "apply:1");
            outbox
                .enqueue(std::slice::from_ref(&row), at("2026-03-02T07:00:00Z"))
                .expect("enqueue");
            assert!(
                outbox
                    .claim(&row.key(), at("2026-03-02T09:00:00Z"))
                    .expect("claim")
            );
            // A second claim (another process) finds it taken.
            assert!(
                !outbox
                    .claim(&row.key(), at("2026-03-02T09:00:00Z"))
                    .expect("claim")
            );
            row.key()
            // The process "crashes" here: the outbox is dropped without an outcome.
        };
        let mut outbox = open(&directory);
        assert_eq!(state(&outbox, &key), State::Sending);
        assert!(
            outbox
                .due("email", at("2026-03-09T00:00:00Z"))
                .expect("due")
                .is_empty(),
            "an in-doubt row is never sent again by itself"
        );
        let status = outbox.status().expect("status");
        assert_eq!(status.counts[&State::Sending], 1);
        assert_eq!(
            status
                .in_doubt
                .iter()
                .map(|row| &row.key)
                .collect::<Vec<_>>(),
            [&key]
        );
        // Retrying everything leaves it: only an operator who checked may send it again.
        assert_eq!(
            outbox
                .retry(&RetrySelection::All, at("2026-03-03T10:00:00Z"))
                .expect("retry"),
            0
        );
        let retried = outbox
            .retry(
                &RetrySelection::Key(key.clone()),
                at("2026-03-03T10:00:00Z"),
            )
            .expect("retry");
        assert_eq!(retried, 1);
        let due = outbox
            .due("email", at("2026-03-03T10:00:00Z"))
            .expect("due");
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].next_attempt, at("2026-03-03T10:00:00Z"));
    }

    #[test]
    fn failures_count_attempts_then_dead_letter_and_retry_puts_back() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut outbox = open(&directory);
        let ana = notice("ana@example.com", "apply:1");
        let bo = notice("bo@example.com", "apply:1");
        let now = at("2026-03-02T09:00:00Z");
        outbox
            .enqueue(&[ana.clone(), bo.clone()], now)
            .expect("enqueue");

        outbox.claim(&ana.key(), now).expect("claim");
        outbox
            .record_failure(&ana.key(), "421 try later", at("2026-03-02T09:05:00Z"), now)
            .expect("failure");
        let row = outbox.get(&ana.key()).expect("read").expect("row");
        assert_eq!(
            (
                row.state,
                row.attempts,
                row.next_attempt,
                row.last_error.as_deref()
            ),
            (
                State::Pending,
                1,
                at("2026-03-02T09:05:00Z"),
                Some("421 try later")
            )
        );
        assert!(
            outbox
                .due("email", now)
                .expect("due")
                .iter()
                .all(|r| r.key != ana.key())
        );

        outbox
            .claim(&ana.key(), at("2026-03-02T09:05:00Z"))
            .expect("claim");
        outbox
            .dead_letter(
                &ana.key(),
                "550 no such mailbox",
                at("2026-03-02T09:05:00Z"),
            )
            .expect("dead letter");
        let error = outbox
            .dead_letter(&ana.key(), "again", now)
            .expect_err("only a sending row can be dead-lettered");
        assert!(
            matches!(
                error,
                OutboxError::WrongState {
                    state: State::Dead,
                    ..
                }
            ),
            "{error:?}"
        );
        let error = outbox
            .retry(&RetrySelection::Key(bo.key()), now)
            .expect_err("a pending row is not retried");
        assert!(matches!(error, OutboxError::WrongState { .. }), "{error:?}");
        let error = outbox
            .retry(&RetrySelection::Key("nope".to_owned()), now)
            .expect_err("an unknown key");
        assert!(matches!(error, OutboxError::NotFound { .. }), "{error:?}");

        let status = outbox.status().expect("status");
        assert_eq!(status.dead.len(), 1);
        assert_eq!(status.dead[0].attempts, 2);
        assert_eq!(
            status.dead[0].last_error.as_deref(),
            Some("550 no such mailbox")
        );

        let later = at("2026-03-03T09:00:00Z");
        assert_eq!(outbox.retry(&RetrySelection::All, later).expect("retry"), 1);
        let row = outbox.get(&ana.key()).expect("read").expect("row");
        assert_eq!((row.state, row.attempts), (State::Pending, 0));
        assert_eq!(outbox.status().expect("status").counts[&State::Dead], 0);
    }

    #[test]
    fn undeliverable_rows_stay_listed() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut outbox = open(&directory);
        let row = notice("", "apply:1");
        let now = at("2026-03-02T09:00:00Z");
        outbox
            .enqueue(std::slice::from_ref(&row), now)
            .expect("enqueue");
        outbox
            .mark_undeliverable(&row.key(), "no email address", now)
            .expect("undeliverable");
        let status = outbox.status().expect("status");
        assert_eq!(status.counts[&State::Undeliverable], 1);
        assert_eq!(
            status.undeliverable[0].last_error.as_deref(),
            Some("no email address")
        );
        assert_eq!(
            outbox.retry(&RetrySelection::All, now).expect("retry"),
            0,
            "an undeliverable row needs an address, not a retry"
        );
    }

    #[test]
    fn acknowledgement_deadline_overdue_and_escalation() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut outbox = open(&directory);
        let mut ana = notice("ana@example.com", "announcement:migration");
        ana.acknowledge_within_secs = Some(72 * 3600);
        let mut bo = notice("bo@example.com", "announcement:migration");
        bo.acknowledge_within_secs = Some(72 * 3600);
        let cy = notice("cy@example.com", "announcement:migration");
        let sent_at = at("2026-03-02T09:00:00Z");
        outbox
            .enqueue(&[ana.clone(), bo.clone(), cy.clone()], sent_at)
            .expect("enqueue");
        for row in [&ana, &bo, &cy] {
            outbox.claim(&row.key(), sent_at).expect("claim");
            outbox.mark_sent(&row.key(), sent_at).expect("sent");
        }
        let stored = outbox.get(&ana.key()).expect("read").expect("row");
        assert_eq!(stored.sent_at, Some(sent_at));
        assert_eq!(stored.acknowledge_by, Some(at("2026-03-05T09:00:00Z")));
        assert_eq!(
            outbox
                .get(&cy.key())
                .expect("read")
                .expect("row")
                .acknowledge_by,
            None
        );

        let clicked = at("2026-03-03T10:00:00.123Z");
        assert_eq!(
            outbox.acknowledge(&ana.key(), clicked).expect("ack"),
            Acknowledged::Now(clicked)
        );
        assert_eq!(
            outbox
                .acknowledge(&ana.key(), at("2026-03-04T10:00:00Z"))
                .expect("second ack"),
            Acknowledged::Before(clicked)
        );
        let status = outbox.status().expect("status");
        assert_eq!(
            status
                .unacknowledged
                .iter()
                .map(|r| &r.key)
                .collect::<Vec<_>>(),
            [&bo.key()]
        );

        assert!(
            outbox
                .overdue_acknowledgements(at("2026-03-05T08:59:59Z"))
                .expect("overdue")
                .is_empty()
        );
        let overdue = outbox
            .overdue_acknowledgements(at("2026-03-05T09:00:00Z"))
            .expect("overdue");
        assert_eq!(
            overdue.iter().map(|r| &r.key).collect::<Vec<_>>(),
            [&bo.key()]
        );
        outbox
            .mark_escalated(&bo.key(), at("2026-03-05T09:00:00Z"))
            .expect("escalated");
        assert!(
            outbox
                .overdue_acknowledgements(at("2026-03-06T09:00:00Z"))
                .expect("overdue")
                .is_empty(),
            "escalated once"
        );
    }

    #[test]
    fn only_a_sent_row_can_be_acknowledged() {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut outbox = open(&directory);
        let row = notice("ana@example.com", "apply:1");
        let now = at("2026-03-02T09:00:00Z");
        outbox
            .enqueue(std::slice::from_ref(&row), now)
            .expect("enqueue");
        let error = outbox.acknowledge(&row.key(), now).expect_err("pending");
        assert!(
            matches!(
                error,
                OutboxError::WrongState {
                    state: State::Pending,
                    ..
                }
            ),
            "{error:?}"
        );
        let error = outbox.acknowledge("missing", now).expect_err("unknown");
        assert!(matches!(error, OutboxError::NotFound { .. }), "{error:?}");
    }
}
