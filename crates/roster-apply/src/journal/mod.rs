//! The audit journal: an intent line before each step's operation and an outcome line after
//! it, plus run boundaries, a checkpoint closing every run, and caller records; chained so that
//! editing, deleting, inserting or reordering a line is detectable by [`verify`] (see [`chain`]
//! for the plain hash chain and the keyed one).
//!
//! A journal is a JSON Lines file, by default `.roster/journal/<org>.jsonl`
//! ([`Journal::default_path`]); the caller decides. Opening appends: a journal that already
//! has lines continues the chain from its last one, so one file holds every run against an
//! org. Secrets never reach it: operations name objects by natural key and the principal is
//! the OAuth client id.

pub mod chain;
mod checkpoint;
mod entry;
mod error;
mod lines;
mod read;
mod tail;
mod verify;

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use chain::Mode;

pub use chain::JournalKey;
pub use checkpoint::Checkpoint;
pub use entry::{
    CHECKPOINT, Entry, EntryBody, IN_DOUBT, INTENT, InDoubt, IntentRecord, OPERATION,
    OperationRecord, Outcome, RESERVED_KINDS, RUN_FINISHED, RUN_STARTED, RunFinished, RunStarted,
    TORN_WRITE, Target,
};
pub use error::JournalError;
pub use read::{Entries, entries, entries_for_user, read_entries};
pub use verify::{
    AnchorCheck, Break, BrokenLine, Verdict, VerifyOptions, VerifyReport, verify, verify_with,
};

use entry::Draft;
use tail::EndError;

/// Who and what a journal's lines are about; repeated on every line so each stands alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalContext {
    /// The org's name in `roster.yaml`.
    pub org: String,
    /// The OAuth client id writes are made as; when `None`, [`crate::apply`] fills it from
    /// `Tenant::principal`.
    pub principal: Option<String>,
    /// The manifests' git commit, when known.
    pub git_commit: Option<String>,
    /// The digest of the plan being applied, when there is one.
    pub plan_digest: Option<String>,
}

/// An open journal file, appending chained lines: keyed (HMAC-SHA256) when opened with a
/// [`JournalKey`], plain (SHA-256) otherwise.
///
/// Each line is written with one `write` call on a file opened for appending and holding an
/// exclusive lock, so lines never interleave and a crash leaves at most a torn last line,
/// which the next [`Journal::open`] discards and notes in a [`TORN_WRITE`] record. Lines are
/// not flushed to disk one by one (that would cost a disk sync per operation): the end of a
/// run and every [`Journal::record`] sync, so a power loss may lose the lines of the run in
/// progress, while a killed process loses nothing it wrote.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    pub(crate) context: JournalContext,
    next_seq: u64,
    head: String,
    run: Option<u64>,
    poisoned: bool,
    key: Option<JournalKey>,
    in_doubt: Vec<InDoubt>,
    /// Makes writes fail once `next_seq` passes this, to test what apply does then.
    #[cfg(test)]
    pub(crate) fail_after: Option<u64>,
}

impl Journal {
    /// Where an org's journal lives by default: `<root>/.roster/journal/<org>.jsonl`, with
    /// characters that do not belong in a file name replaced by `_`.
    pub fn default_path(root: &Path, org: &str) -> PathBuf {
        let file = roster_model::file_stem(org);
        root.join(".roster")
            .join("journal")
            .join(format!("{file}.jsonl"))
    }

    /// Opens (creating it and its folders if needed) the journal at `path` for appending plain
    /// (SHA-256) lines, and locks it against other writers. Only the end of the file is read:
    /// the last line's hash and `seq`, and the lines of a run that ended without closing
    /// (whose intents without an outcome are reported [`Journal::in_doubt`] and recorded in an
    /// [`IN_DOUBT`] line).
    ///
    /// # Errors
    ///
    /// [`JournalError::Locked`] while another process has it open, [`JournalError::Corrupt`]
    /// when its last complete line is not a journal line (nothing can be chained to it),
    /// [`JournalError::KeyRequired`] when the journal is keyed, and [`JournalError::Io`].
    pub fn open(
        path: impl Into<PathBuf>,
        context: JournalContext,
    ) -> Result<Journal, JournalError> {
        Journal::open_with(path.into(), context, None)
    }

    /// Opens the journal at `path` like [`Journal::open`], appending lines keyed with `key`
    /// (a plain journal continues keyed from here on: its first keyed line vouches for every
    /// line before it).
    ///
    /// # Errors
    ///
    /// As [`Journal::open`], and [`JournalError::OtherKey`] when the journal is keyed with
    /// another key.
    pub fn open_keyed(
        path: impl Into<PathBuf>,
        context: JournalContext,
        key: JournalKey,
    ) -> Result<Journal, JournalError> {
        Journal::open_with(path.into(), context, Some(key))
    }

    fn open_with(
        path: PathBuf,
        context: JournalContext,
        key: Option<JournalKey>,
    ) -> Result<Journal, JournalError> {
        let io = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source| JournalError::Io {
                action,
                path,
                source,
            }
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io("create the folder of", &path))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io("open", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(JournalError::Locked { path }),
            Err(TryLockError::Error(source)) => return Err(io("lock", &path)(source)),
        }
        let end = match tail::find_end(&mut file) {
            Ok(end) => end,
            Err(EndError::Io(source)) => return Err(io("read", &path)(source)),
            Err(EndError::Corrupt { offset, reason }) => {
                let line = tail::line_at(&mut file, offset).map_err(io("read", &path))?;
                return Err(JournalError::Corrupt {
                    path,
                    line,
                    reason: reason.to_owned(),
                });
            }
        };
        match (&end.last_mode, &key) {
            (Mode::Keyed { key_id }, None) => {
                return Err(JournalError::KeyRequired {
                    path,
                    key_id: key_id.clone(),
                });
            }
            (Mode::Keyed { key_id }, Some(key)) if key_id != key.id() => {
                return Err(JournalError::OtherKey {
                    path,
                    journal: key_id.clone(),
                    given: key.id().to_owned(),
                });
            }
            _ => {}
        }
        let (mut head, mut last_seq) = (end.head, end.last_seq);
        let mut complete_len = end.complete_len;
        let mut discarded = None;
        if !end.torn.is_empty() {
            match tail::parse_object(&end.torn) {
                // A last line that is whole but for its newline (a crash between the two) is
                // kept: it chains, so it was written by roster.
                Some(line) if chains(&line, &head, last_seq, key.as_ref()) => {
                    file.write_all(b"\n").map_err(io("write", &path))?;
                    (head, last_seq) = tail::link_of(&line).unwrap_or((head, last_seq));
                    complete_len += end.torn.len() as u64 + 1;
                }
                _ => {
                    let line =
                        tail::line_at(&mut file, end.complete_len).map_err(io("read", &path))?;
                    file.set_len(end.complete_len)
                        .map_err(io("repair", &path))?;
                    discarded = Some(serde_json::json!({
                        "line": line,
                        "discardedBytes": end.torn.len(),
                        "discardedSha256": hex::encode(Sha256::digest(&end.torn)),
                    }));
                }
            }
        }
        let unsettled = tail::unsettled(&mut file, complete_len).map_err(io("read", &path))?;
        let mut journal = Journal {
            path,
            file,
            context,
            next_seq: last_seq + 1,
            head,
            run: None,
            poisoned: false,
            key,
            in_doubt: in_doubt(&unsettled),
            #[cfg(test)]
            fail_after: None,
        };
        if let Some(data) = discarded {
            journal.append(&EntryBody::Record {
                kind: TORN_WRITE.to_owned(),
                data,
            })?;
        }
        if !journal.in_doubt.is_empty() {
            let data = serde_json::json!({ "intents": &journal.in_doubt });
            journal.append(&EntryBody::Record {
                kind: IN_DOUBT.to_owned(),
                data,
            })?;
            journal.sync()?;
        }
        Ok(journal)
    }

    /// The intents an earlier run journaled without an outcome, found when the journal was
    /// opened (and recorded in an [`IN_DOUBT`] line then): each write may or may not have
    /// reached the org. Planning from the live org settles them; [`crate::apply`] reports them
    /// in its summary.
    pub fn in_doubt(&self) -> &[InDoubt] {
        &self.in_doubt
    }

    /// Hands the in-doubt intents to the first run that reports them.
    pub(crate) fn take_in_doubt(&mut self) -> Vec<InDoubt> {
        std::mem::take(&mut self.in_doubt)
    }

    /// The journal's current end as a checkpoint: the last line's `seq` and hash (0 and
    /// [`chain::GENESIS`] for an empty journal).
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            org: self.context.org.clone(),
            seq: self.next_seq - 1,
            head: self.head.clone(),
        }
    }

    /// The id of the key lines are keyed with, if any.
    pub fn key_id(&self) -> Option<&str> {
        self.key.as_ref().map(JournalKey::id)
    }

    /// Appends a record of the caller's own kind: an offboarding's assignment snapshot, the
    /// reason and event id of a termination, and the like. Returns its `seq`. Written to disk
    /// before returning, since such records are often the only copy of what they hold.
    ///
    /// A record carries no secret unless the caller puts one in `data`: don't.
    ///
    /// # Errors
    ///
    /// [`JournalError::ReservedKind`] for the kinds roster writes itself ([`RESERVED_KINDS`]),
    /// and write failures.
    pub fn record(&mut self, kind: &str, data: Value) -> Result<u64, JournalError> {
        if RESERVED_KINDS.contains(&kind) {
            return Err(JournalError::ReservedKind {
                kind: kind.to_owned(),
            });
        }
        let seq = self.append(&EntryBody::Record {
            kind: kind.to_owned(),
            data,
        })?;
        self.sync()?;
        Ok(seq)
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who and what the lines are about.
    pub fn context(&self) -> &JournalContext {
        &self.context
    }

    /// The hash of the last line ([`chain::GENESIS`] for an empty journal). Keeping it
    /// somewhere else (a CI log, a commit status) anchors the chain against truncation.
    pub fn head(&self) -> &str {
        &self.head
    }

    /// The `seq` the next line will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Flushes the written lines to disk.
    ///
    /// # Errors
    ///
    /// When the operating system reports the sync failed.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        self.file.sync_data().map_err(|source| JournalError::Io {
            action: "sync",
            path: self.path.clone(),
            source,
        })
    }

    /// Opens a run: its lines, this one included, carry this line's `seq` as `run` until
    /// [`Journal::end_run`] (whose line is the last to carry it).
    pub(crate) fn begin_run(&mut self, started: RunStarted) -> Result<u64, JournalError> {
        // The opening line names its own run, so every line of a run carries `run`.
        self.run = Some(self.next_seq);
        let written = self.append(&EntryBody::RunStarted(started));
        if written.is_err() {
            self.run = None;
        }
        written
    }

    /// Records what a step is about to write, before its first request.
    pub(crate) fn intent(&mut self, record: IntentRecord) -> Result<u64, JournalError> {
        self.append(&EntryBody::Intent(Box::new(record)))
    }

    /// Records what became of one step.
    pub(crate) fn operation(&mut self, record: OperationRecord) -> Result<u64, JournalError> {
        self.append(&EntryBody::Operation(Box::new(record)))
    }

    /// Closes the run with its `runFinished` line and a [`CHECKPOINT`] line naming that
    /// line's `seq` and hash, syncs the file, and returns that checkpoint.
    pub(crate) fn end_run(&mut self, finished: RunFinished) -> Result<Checkpoint, JournalError> {
        self.append(&EntryBody::RunFinished(finished))?;
        let checkpoint = self.checkpoint();
        let data = serde_json::json!({ "seq": checkpoint.seq, "head": checkpoint.head });
        self.append(&EntryBody::Record {
            kind: CHECKPOINT.to_owned(),
            data,
        })?;
        self.run = None;
        self.sync()?;
        Ok(checkpoint)
    }

    fn append(&mut self, body: &EntryBody) -> Result<u64, JournalError> {
        if self.poisoned {
            return Err(JournalError::Poisoned {
                path: self.path.clone(),
            });
        }
        let now = OffsetDateTime::now_utc();
        // Milliseconds are precise enough for people and keep lines short.
        let time = now.replace_millisecond(now.millisecond()).unwrap_or(now);
        let draft = Draft {
            seq: self.next_seq,
            time,
            org: &self.context.org,
            principal: self.context.principal.as_deref(),
            git_commit: self.context.git_commit.as_deref(),
            plan_digest: self.context.plan_digest.as_deref(),
            run: self.run,
            body,
        };
        let mut fields = draft.to_fields().map_err(JournalError::Encode)?;
        fields.insert("prev".to_owned(), Value::String(self.head.clone()));
        let hash = match &self.key {
            Some(key) => chain::seal(&mut fields, key),
            None => chain::hash_of(&fields),
        };
        fields.insert("hash".to_owned(), Value::String(hash.clone()));
        let mut line = serde_json::to_vec(&Value::Object(fields)).map_err(JournalError::Encode)?;
        line.push(b'\n');
        #[cfg(test)]
        if self.fail_after.is_some_and(|last| self.next_seq > last) {
            self.poisoned = true;
            return Err(JournalError::Io {
                action: "write",
                path: self.path.clone(),
                source: std::io::Error::other("disk full"),
            });
        }
        if let Err(source) = self.file.write_all(&line) {
            // Part of the line may be on disk; nothing may be chained after it.
            self.poisoned = true;
            return Err(JournalError::Io {
                action: "write",
                path: self.path.clone(),
                source,
            });
        }
        self.head = hash;
        let seq = self.next_seq;
        self.next_seq += 1;
        Ok(seq)
    }
}

/// Whether `line` is intact and follows a line with hash `prev` and sequence `prev_seq`.
fn chains(line: &Map<String, Value>, prev: &str, prev_seq: u64, key: Option<&JournalKey>) -> bool {
    line.get("prev").and_then(Value::as_str) == Some(prev)
        && line.get("seq").and_then(Value::as_u64) == Some(prev_seq + 1)
        && chain::hash_matches(line, key) == Some(true)
}

/// The intents among `lines` (a journal's unsettled end) without an outcome line of the same
/// run and step after them.
fn in_doubt(lines: &[Map<String, Value>]) -> Vec<InDoubt> {
    let mut open: Vec<InDoubt> = Vec::new();
    for line in lines {
        let kind = line.get("kind").and_then(Value::as_str);
        let run = line.get("run").and_then(Value::as_u64);
        let Ok(entry) = Entry::from_line(line) else {
            continue;
        };
        match (kind, entry.body) {
            (Some(INTENT), EntryBody::Intent(intent)) => open.push(InDoubt {
                seq: entry.seq,
                run,
                step: intent.step,
                target: intent.target,
                operation: intent.operation,
            }),
            (Some(OPERATION), EntryBody::Operation(outcome)) => {
                open.retain(|intent| !(intent.run == run && intent.step == outcome.step));
            }
            _ => {}
        }
    }
    open
}
