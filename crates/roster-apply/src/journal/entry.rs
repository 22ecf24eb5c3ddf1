//! The journal's line shapes, typed: a common header (sequence, time, who, which org, which
//! plan) and a body per kind of record.
//!
//! A line looks like (one line in the file, wrapped here):
//!
//! ```json
//! {"seq":3,"time":"2026-05-01T10:00:00.123Z","kind":"operation","org":"prod-us",
//!  "principal":"client-id","gitCommit":"9fceb02","planDigest":"sha256:…","run":1,
//!  "step":0,"target":{"kind":"skill","key":"Billing"},"operation":{"op":"createSkill",…},
//!  "before":null,"after":{},"outcome":{"status":"succeeded"},"correlationId":"…",
//!  "requests":1,"durationMs":84,"prev":"…","hash":"…"}
//! ```

use std::fmt;

use roster_model::{Email, Kind, Operation, StepId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::summary::StopReason;

/// The `kind` of the line that opens a run.
pub const RUN_STARTED: &str = "runStarted";
/// The `kind` of a line about one step.
pub const OPERATION: &str = "operation";
/// The `kind` of the line that closes a run.
pub const RUN_FINISHED: &str = "runFinished";
/// The `kind` roster writes when it discards a half-written last line (a crash mid-write).
pub const TORN_WRITE: &str = "tornWrite";
/// The `kind` of the line written before a step's operation starts: what is about to be
/// written, to which object. Its outcome follows in an [`OPERATION`] line of the same run and
/// step; an intent without one is in doubt.
pub const INTENT: &str = "intent";
/// The `kind` of the last line of a run: the `seq` and `hash` of its `runFinished` line, the
/// values the apply prints, to be kept somewhere else.
pub const CHECKPOINT: &str = "checkpoint";
/// The `kind` of the record that lists the intents an earlier run left without an outcome,
/// written by the next [`crate::Journal::open`].
pub const IN_DOUBT: &str = "inDoubt";

/// Kinds that [`crate::Journal::record`] refuses, because roster writes them itself.
pub const RESERVED_KINDS: [&str; 7] = [
    RUN_STARTED,
    OPERATION,
    RUN_FINISHED,
    TORN_WRITE,
    INTENT,
    CHECKPOINT,
    IN_DOUBT,
];

/// Kinds after which no earlier intent is waiting for its outcome: a run closes only once
/// every operation it started is journaled, and an in-doubt record reports the rest.
pub(crate) const SETTLING_KINDS: [&str; 3] = [RUN_FINISHED, CHECKPOINT, IN_DOUBT];

/// One journal line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Position in the journal, from 1, without gaps.
    pub seq: u64,
    /// When the line was written (UTC).
    pub time: OffsetDateTime,
    /// The org written to.
    pub org: String,
    /// The OAuth client id the writes were made as (never a secret).
    pub principal: Option<String>,
    /// The git commit of the manifests, when known.
    pub git_commit: Option<String>,
    /// The digest of the plan being applied, when there is one.
    pub plan_digest: Option<String>,
    /// The `seq` of the [`RunStarted`] line of the run this line belongs to.
    pub run: Option<u64>,
    /// What the line records.
    pub body: EntryBody,
    /// The previous line's hash.
    pub prev: String,
    /// This line's hash.
    pub hash: String,
}

/// What a journal line records.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryBody {
    /// An apply started.
    RunStarted(RunStarted),
    /// A step's operation is about to start.
    Intent(Box<IntentRecord>),
    /// A step reached an outcome.
    Operation(Box<OperationRecord>),
    /// An apply ended.
    RunFinished(RunFinished),
    /// Anything else a caller recorded with [`crate::Journal::record`] (an offboarding's
    /// assignment snapshot, a reason, an event id), or that roster noted about the journal
    /// itself ([`TORN_WRITE`]).
    Record {
        /// The record's kind.
        kind: String,
        /// Its content.
        data: Value,
    },
}

/// The first line of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStarted {
    /// Steps in the plan.
    pub steps: usize,
    /// Operations allowed in flight at once.
    pub concurrency: usize,
    /// The early stop requested, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_after: Option<usize>,
}

/// What a step is about to write, recorded before its first request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentRecord {
    /// The step's id in the plan.
    pub step: StepId,
    /// The object about to be written to.
    pub target: Target,
    /// The operation as JSON, as in [`OperationRecord::operation`].
    pub operation: Value,
}

/// An intent an earlier run journaled without its outcome (a crash, a kill, a lost disk
/// write): the write may or may not have reached the org. The plan the next run makes from
/// the live org settles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InDoubt {
    /// The intent line's `seq`.
    pub seq: u64,
    /// The run it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<u64>,
    /// The step of that run's plan.
    pub step: StepId,
    /// The object it was writing to.
    pub target: Target,
    /// The operation as JSON.
    pub operation: Value,
}

impl fmt::Display for InDoubt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Ok(operation) = serde_json::from_value::<Operation>(self.operation.clone()) {
            write!(f, "{operation}")?;
        } else {
            let verb = self.operation.get("op").and_then(Value::as_str);
            write!(
                f,
                "{} {} `{}`",
                verb.unwrap_or("operation"),
                self.target.kind,
                self.target.key
            )?;
        }
        write!(f, " (journal line {}", self.seq)?;
        if let Some(run) = self.run {
            write!(f, ", run {run}")?;
        }
        write!(f, ", step {})", self.step)
    }
}

/// What became of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRecord {
    /// The step's id in the plan.
    pub step: StepId,
    /// The object written to.
    pub target: Target,
    /// The operation as JSON. Kept untyped so journals written by older versions stay
    /// readable when the vocabulary grows; see [`OperationRecord::parsed_operation`].
    pub operation: Value,
    /// The live value as the plan read it; `null` for creations.
    pub before: Option<Value>,
    /// The intended state: the operation's fields other than the target's key.
    pub after: Value,
    /// The outcome.
    pub outcome: Outcome,
    /// The server's correlation id of the last request, when there was a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Requests made, when known (the tenant reports them for successes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<usize>,
    /// How long the operation ran, for operations that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

impl OperationRecord {
    /// The operation, typed, if this version of roster knows it.
    pub fn parsed_operation(&self) -> Option<Operation> {
        serde_json::from_value(self.operation.clone()).ok()
    }
}

/// The object an operation writes to (`Operation::target`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Its kind.
    pub kind: Kind,
    /// Its natural key.
    pub key: String,
}

/// What happened to a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Outcome {
    /// The operation succeeded.
    Succeeded,
    /// The operation, a create, found its object already in the org (made by a concurrent
    /// run, or by an earlier attempt whose answer was lost) and adopted it instead of creating
    /// it. A success for everything that depends on it. Journals written before roster could
    /// tell have no such outcome.
    Adopted,
    /// The operation failed.
    Failed {
        /// The error with its causes.
        error: String,
    },
    /// The step did not run because a step it depends on failed.
    Skipped {
        /// The failed step.
        because_of: StepId,
        /// The reason, naming that step.
        reason: String,
    },
    /// The operation was abandoned in flight; whether it took effect is unknown.
    Interrupted,
}

/// The last line of a run, with the summary's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunFinished {
    /// Steps that succeeded (adopted ones not included).
    pub succeeded: usize,
    /// Creates that adopted an object already in the org; absent from the line when none
    /// did, as in journals written before roster could tell.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub adopted: usize,
    /// Steps that failed.
    pub failed: usize,
    /// Steps skipped because of a failure.
    pub skipped: usize,
    /// Steps never started.
    pub not_run: usize,
    /// Steps abandoned in flight.
    pub interrupted: usize,
    /// Requests made by the operations that succeeded.
    pub requests: usize,
    /// Wall time of the run.
    pub elapsed_ms: u64,
    /// Why the run stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<StopReason>,
}

// serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// The header fields every line has, in the order they are written.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    seq: u64,
    #[serde(with = "fixed_time")]
    time: OffsetDateTime,
    kind: String,
    org: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    git_commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plan_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run: Option<u64>,
}

/// The parts of a line that the writer fills in, before `prev` and `hash`.
pub(crate) struct Draft<'a> {
    pub(crate) seq: u64,
    pub(crate) time: OffsetDateTime,
    pub(crate) org: &'a str,
    pub(crate) principal: Option<&'a str>,
    pub(crate) git_commit: Option<&'a str>,
    pub(crate) plan_digest: Option<&'a str>,
    pub(crate) run: Option<u64>,
    pub(crate) body: &'a EntryBody,
}

impl EntryBody {
    /// The line's `kind`.
    pub fn kind(&self) -> &str {
        match self {
            EntryBody::RunStarted(_) => RUN_STARTED,
            EntryBody::Intent(_) => INTENT,
            EntryBody::Operation(_) => OPERATION,
            EntryBody::RunFinished(_) => RUN_FINISHED,
            EntryBody::Record { kind, .. } => kind,
        }
    }

    fn to_fields(&self) -> Result<Map<String, Value>, serde_json::Error> {
        let value = match self {
            EntryBody::RunStarted(started) => serde_json::to_value(started)?,
            EntryBody::Intent(record) => serde_json::to_value(record)?,
            EntryBody::Operation(record) => serde_json::to_value(record)?,
            EntryBody::RunFinished(finished) => serde_json::to_value(finished)?,
            EntryBody::Record { data, .. } => {
                Value::Object(Map::from_iter([("data".to_owned(), data.clone())]))
            }
        };
        match value {
            Value::Object(map) => Ok(map),
            // Every body above serializes as a struct, hence an object.
            other => Ok(Map::from_iter([("data".to_owned(), other)])),
        }
    }

    fn from_fields(kind: &str, line: &Map<String, Value>) -> Result<Self, serde_json::Error> {
        let object = || Value::Object(line.clone());
        Ok(match kind {
            RUN_STARTED => EntryBody::RunStarted(serde_json::from_value(object())?),
            INTENT => EntryBody::Intent(Box::new(serde_json::from_value(object())?)),
            OPERATION => EntryBody::Operation(Box::new(serde_json::from_value(object())?)),
            RUN_FINISHED => EntryBody::RunFinished(serde_json::from_value(object())?),
            other => EntryBody::Record {
                kind: other.to_owned(),
                data: line.get("data").cloned().unwrap_or(Value::Null),
            },
        })
    }
}

impl Draft<'_> {
    /// The line's fields without `prev` and `hash`, in writing order.
    pub(crate) fn to_fields(&self) -> Result<Map<String, Value>, serde_json::Error> {
        let header = Header {
            seq: self.seq,
            time: self.time,
            kind: self.body.kind().to_owned(),
            org: self.org.to_owned(),
            principal: self.principal.map(str::to_owned),
            git_commit: self.git_commit.map(str::to_owned),
            plan_digest: self.plan_digest.map(str::to_owned),
            run: self.run,
        };
        let Value::Object(mut fields) = serde_json::to_value(header)? else {
            unreachable!("a struct serializes as an object")
        };
        fields.extend(self.body.to_fields()?);
        Ok(fields)
    }
}

impl Entry {
    /// Reads a parsed line. Does not check the hash: that is [`crate::verify`]'s job.
    pub fn from_line(line: &Map<String, Value>) -> Result<Entry, String> {
        let header: Header = serde_json::from_value(Value::Object(line.clone()))
            .map_err(|error| format!("not a journal line: {error}"))?;
        let text = |field: &str| match line.get(field) {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => Err(format!("not a journal line: no `{field}`")),
        };
        let body = EntryBody::from_fields(&header.kind, line)
            .map_err(|error| format!("not a `{}` line: {error}", header.kind))?;
        Ok(Entry {
            seq: header.seq,
            time: header.time,
            org: header.org,
            principal: header.principal,
            git_commit: header.git_commit,
            plan_digest: header.plan_digest,
            run: header.run,
            body,
            prev: text("prev")?,
            hash: text("hash")?,
        })
    }

    /// The line as it is written.
    pub fn to_line(&self) -> Result<Map<String, Value>, serde_json::Error> {
        let mut fields = Draft {
            seq: self.seq,
            time: self.time,
            org: &self.org,
            principal: self.principal.as_deref(),
            git_commit: self.git_commit.as_deref(),
            plan_digest: self.plan_digest.as_deref(),
            run: self.run,
            body: &self.body,
        }
        .to_fields()?;
        fields.insert("prev".to_owned(), Value::String(self.prev.clone()));
        fields.insert("hash".to_owned(), Value::String(self.hash.clone()));
        Ok(fields)
    }

    /// Whether the line is about `user`: an operation on the user, a queue or team
    /// membership change that includes them, or a record whose data names them in a `user`
    /// or `email` field.
    pub fn concerns_user(&self, user: &Email) -> bool {
        let named = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .is_some_and(|text| text.eq_ignore_ascii_case(user.as_str()))
        };
        let about = |target: &Target, operation: &Value| {
            (target.kind == Kind::User && target.key == user.as_str())
                || operation
                    .get("users")
                    .and_then(Value::as_array)
                    .is_some_and(|users| users.iter().any(|u| named(Some(u))))
        };
        match &self.body {
            EntryBody::Operation(record) => about(&record.target, &record.operation),
            EntryBody::Intent(record) => about(&record.target, &record.operation),
            EntryBody::Record { data, .. } => named(data.get("user")) || named(data.get("email")),
            EntryBody::RunStarted(_) | EntryBody::RunFinished(_) => false,
        }
    }
}

/// An operation's verb as journaled (`createSkill`), whatever version wrote it.
fn verb(operation: &Value) -> &str {
    operation
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or("operation")
}

/// One line for `roster journal show`: time, sequence number, and what happened.
impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = fixed_time::text(self.time).unwrap_or_else(|_| self.time.to_string());
        write!(f, "{time}  {:>6}  ", format!("#{}", self.seq))?;
        match &self.body {
            EntryBody::RunStarted(started) => {
                write!(
                    f,
                    "apply started on `{}`: {} steps",
                    self.org, started.steps
                )?;
                if let Some(principal) = &self.principal {
                    write!(f, " as `{principal}`")?;
                }
                if let Some(commit) = &self.git_commit {
                    write!(f, " at commit {commit}")?;
                }
                Ok(())
            }
            EntryBody::Intent(record) => {
                let verb = verb(&record.operation);
                write!(
                    f,
                    "step {} {verb} {} `{}`: starting",
                    record.step, record.target.kind, record.target.key
                )
            }
            EntryBody::Operation(record) => {
                let verb = verb(&record.operation);
                write!(
                    f,
                    "step {} {verb} {} `{}`: ",
                    record.step, record.target.kind, record.target.key
                )?;
                match &record.outcome {
                    Outcome::Succeeded => f.write_str("succeeded")?,
                    Outcome::Adopted => f.write_str("adopted: it was already in the org")?,
                    Outcome::Failed { error } => write!(f, "failed: {error}")?,
                    Outcome::Skipped { reason, .. } => write!(f, "skipped: {reason}")?,
                    Outcome::Interrupted => f.write_str("interrupted")?,
                }
                if let Some(id) = &record.correlation_id {
                    write!(f, " (correlation id {id})")?;
                }
                Ok(())
            }
            EntryBody::RunFinished(done) => {
                write!(
                    f,
                    "apply finished on `{}`: {} succeeded",
                    self.org, done.succeeded
                )?;
                if done.adopted > 0 {
                    write!(f, ", {} adopted", done.adopted)?;
                }
                write!(
                    f,
                    ", {} failed, {} skipped, {} not run",
                    done.failed, done.skipped, done.not_run
                )?;
                if let Some(reason) = done.stopped {
                    write!(f, " ({reason})")?;
                }
                Ok(())
            }
            EntryBody::Record { kind, data } if kind == CHECKPOINT => write!(
                f,
                "checkpoint: line {} has hash {}",
                data.get("seq").unwrap_or(&Value::Null),
                data.get("head").and_then(Value::as_str).unwrap_or("?")
            ),
            EntryBody::Record { kind, data } => write!(f, "{kind} {data}"),
        }
    }
}

/// Journal times in UTC with microseconds, always the same width
/// (`2026-12-02T09:30:00.120000Z`), so lines and `journal show` columns align and sort as
/// text; any RFC 3339 time is read back.
mod fixed_time {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::format_description::BorrowedFormatItem;
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{OffsetDateTime, UtcOffset};

    const FORMAT: &[BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

    pub(super) fn text(time: OffsetDateTime) -> Result<String, time::error::Format> {
        time.to_offset(UtcOffset::UTC).format(FORMAT)
    }

    pub(super) fn serialize<S: Serializer>(
        time: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&text(*time).map_err(serde::ser::Error::custom)?)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let written = std::borrow::Cow::<str>::deserialize(deserializer)?;
        OffsetDateTime::parse(&written, &Rfc3339).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::fixed_time;

    #[derive(serde::Deserialize)]
    struct At(#[serde(with = "fixed_time")] time::OffsetDateTime);

    #[test]
    fn journal_times_have_one_width_and_read_back() {
        let times = [
            datetime!(2026-12-02 09:30:00 UTC),
            datetime!(2026-12-02 09:30:00.1 UTC),
            datetime!(2026-12-02 09:30:00.123456789 UTC),
            datetime!(2026-12-02 10:30:00.5 +01:00),
        ];
        let texts: Vec<String> = times
            .iter()
            .map(|t| fixed_time::text(*t).unwrap())
            .collect();
        assert_eq!(
            texts,
            [
                "2026-12-02T09:30:00.000000Z",
                "2026-12-02T09:30:00.100000Z",
                "2026-12-02T09:30:00.123456Z",
                "2026-12-02T09:30:00.500000Z",
            ]
        );
        for text in &texts {
            let json = serde_json::Value::String(text.clone());
            let At(read) = serde_json::from_value(json).unwrap();
            assert_eq!(&fixed_time::text(read).unwrap(), text);
        }
    }
}
