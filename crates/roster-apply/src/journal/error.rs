//! Why a journal could not be opened, written or read.

use std::io;
use std::path::PathBuf;

/// A journal failure. A broken hash chain is not one of these: [`crate::verify`] reports it in
/// its [`crate::VerifyReport`].
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading, writing or creating the file (or its folder) failed.
    #[error("could not {action} the journal `{}`", path.display())]
    Io {
        /// What was being done (`open`, `read`, `write`).
        action: &'static str,
        /// The journal file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Another process holds the journal open for writing; two writers would fork the chain.
    #[error("the journal `{}` is in use by another roster process; wait for it to finish", path.display())]
    Locked {
        /// The journal file.
        path: PathBuf,
    },
    /// The journal's last line cannot be continued from (it is not a journal line).
    #[error(
        "cannot continue the journal `{}`: line {line} is not a journal line ({reason}); run `roster journal verify` on it",
        path.display()
    )]
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// The offending line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A line could not be read as a journal entry.
    #[error("the journal `{}` line {line} is not a journal entry: {reason}", path.display())]
    Malformed {
        /// The journal file.
        path: PathBuf,
        /// The offending line, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// [`crate::Journal::record`] was asked to write a kind roster writes itself.
    #[error("`{kind}` is a journal record kind roster writes itself; use another kind")]
    ReservedKind {
        /// The kind asked for.
        kind: String,
    },
    /// An earlier write failed part-way, so the file may end in half a line; opening the
    /// journal again repairs that.
    #[error("the journal `{}` failed an earlier write; open it again to continue", path.display())]
    Poisoned {
        /// The journal file.
        path: PathBuf,
    },
    /// The journal is keyed and no key was given: lines appended without it would break the
    /// chain for anyone who verifies with the key.
    #[error(
        "the journal `{}` is keyed (HMAC-SHA256, key id {key_id}); configure its key (`journal: {{ key: {{ env: VAR }} }}` in `roster.yaml`) to append to it",
        path.display()
    )]
    KeyRequired {
        /// The journal file.
        path: PathBuf,
        /// The id of the key its last line is keyed with.
        key_id: String,
    },
    /// The journal is keyed with another key than the one given.
    #[error(
        "the journal `{}` is keyed with key id {journal}, not with the configured key (id {given})",
        path.display()
    )]
    OtherKey {
        /// The journal file.
        path: PathBuf,
        /// The id of the key its last line is keyed with.
        journal: String,
        /// The id of the key given.
        given: String,
    },
    /// A journal key is too short to be safe.
    #[error(
        "the journal key has {bytes} bytes; use at least 32 (for example the output of `openssl rand -hex 32`)"
    )]
    KeyTooShort {
        /// Its length.
        bytes: usize,
    },
    /// A record could not be encoded as JSON.
    #[error("could not encode a journal record")]
    Encode(#[source] serde_json::Error),
}
