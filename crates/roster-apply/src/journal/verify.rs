//! Re-computing a journal's hash chain, for `roster journal verify`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::chain::{self, GENESIS};
use super::entry::RUN_STARTED;
use super::error::JournalError;
use super::lines::Lines;

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The journal file.
    pub path: PathBuf,
    /// Lines that verified, from the first up to the break or the end.
    pub entries: usize,
    /// Runs (`runStarted` lines) among them.
    pub runs: usize,
    /// The hash of the last line that verified ([`GENESIS`] when none did): compare it with a
    /// copy kept elsewhere to detect lines cut from the end, which a chain alone cannot show.
    pub head: String,
    /// The first line that does not verify; `None` when the chain is intact.
    pub broken: Option<BrokenLine>,
}

/// The first line of a journal that does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLine {
    /// Its line number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub problem: Break,
}

/// How a line breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The line is not a JSON object: edited or damaged.
    Unreadable {
        /// The parser's complaint.
        reason: String,
    },
    /// The line lacks `hash`, `prev` or `seq`.
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// The content does not hash to the line's `hash`: the line was edited.
    Edited {
        /// The `hash` the line carries.
        recorded: String,
        /// The hash of its content.
        computed: String,
    },
    /// The line's `prev` is not the previous line's hash: a line was deleted, inserted or
    /// reordered here.
    Unlinked {
        /// The previous line's hash.
        expected: String,
        /// The line's `prev`.
        found: String,
    },
    /// The line's `seq` does not follow the previous line's.
    OutOfSequence {
        /// The `seq` that should follow.
        expected: u64,
        /// The line's `seq`.
        found: u64,
    },
    /// The file ends in half a line: a write was interrupted (opening the journal for the
    /// next apply repairs this and records that it did).
    Incomplete,
}

impl VerifyReport {
    /// Whether every line verified.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Re-computes the hash chain of the journal at `path`, stopping at the first line that does
/// not verify. Streams the file: memory stays at one line whatever the journal's size.
///
/// # Errors
///
/// Only when the file cannot be read; a broken chain is reported in the [`VerifyReport`].
pub fn verify(path: impl AsRef<Path>) -> Result<VerifyReport, JournalError> {
    let path = path.as_ref();
    let read_error = |source| JournalError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    };
    let mut lines = Lines::open(path).map_err(read_error)?;
    let mut report = VerifyReport {
        path: path.to_owned(),
        entries: 0,
        runs: 0,
        head: GENESIS.to_owned(),
        broken: None,
    };
    while let Some(line) = lines.next_line().map_err(read_error)? {
        match check(line.bytes, &report.head, report.entries as u64) {
            Ok((hash, content)) => {
                report.entries += 1;
                if content.get("kind").and_then(Value::as_str) == Some(RUN_STARTED) {
                    report.runs += 1;
                }
                report.head = hash;
            }
            Err(problem) => {
                let problem = match problem {
                    Break::Unreadable { .. } if !line.terminated => Break::Incomplete,
                    other => other,
                };
                report.broken = Some(BrokenLine {
                    line: line.number,
                    problem,
                });
                break;
            }
        }
    }
    Ok(report)
}

/// Checks one line against the chain so far; returns its hash and content.
fn check(piece: &[u8], prev: &str, prev_seq: u64) -> Result<(String, Map<String, Value>), Break> {
    let line = match serde_json::from_slice::<Value>(piece) {
        Ok(Value::Object(line)) => line,
        Ok(_) => {
            return Err(Break::Unreadable {
                reason: "not a JSON object".to_owned(),
            });
        }
        Err(error) if piece.trim_ascii().is_empty() => {
            let _ = error;
            return Err(Break::Unreadable {
                reason: "blank line".to_owned(),
            });
        }
        Err(error) => {
            return Err(Break::Unreadable {
                reason: error.to_string(),
            });
        }
    };
    let text = |field: &'static str| {
        line.get(field)
            .and_then(Value::as_str)
            .ok_or(Break::MissingField { field })
    };
    let recorded = text("hash")?;
    let found_prev = text("prev")?;
    let seq = line
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or(Break::MissingField { field: "seq" })?;
    // The hash covers `prev` and `seq` too, so an edit anywhere shows here first; only a line
    // that is intact in itself is then checked against its neighbours.
    let computed = chain::hash_of(&line);
    if computed != recorded {
        return Err(Break::Edited {
            recorded: recorded.to_owned(),
            computed,
        });
    }
    if found_prev != prev {
        return Err(Break::Unlinked {
            expected: prev.to_owned(),
            found: found_prev.to_owned(),
        });
    }
    if seq != prev_seq + 1 {
        return Err(Break::OutOfSequence {
            expected: prev_seq + 1,
            found: seq,
        });
    }
    Ok((computed, line))
}

/// A hash shortened for reading; the report keeps the full value.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Break::Unreadable { reason } => {
                write!(
                    f,
                    "it is not a journal line ({reason}): it was edited or damaged"
                )
            }
            Break::MissingField { field } => {
                write!(
                    f,
                    "it has no `{field}`: it was edited or not written by roster"
                )
            }
            Break::Edited { recorded, computed } => write!(
                f,
                "it was edited: its content hashes to {}…, not to its recorded `hash` {}…",
                short(computed),
                short(recorded)
            ),
            Break::Unlinked { expected, found } if expected == GENESIS => write!(
                f,
                "its `prev` ({}…) should be the start of the chain, as the first line's is: \
                 lines before it were deleted",
                short(found)
            ),
            Break::Unlinked { expected, found } => write!(
                f,
                "its `prev` ({}…) is not the hash of the line before it ({}…): a line was \
                 deleted, inserted or reordered here",
                short(found),
                short(expected)
            ),
            Break::OutOfSequence { expected, found } => write!(
                f,
                "its `seq` is {found} where {expected} should follow: lines were renumbered"
            ),
            Break::Incomplete => f.write_str(
                "it is incomplete: a write was interrupted mid-line (the next apply repairs this)",
            ),
        }
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let entries = plural(self.entries, "entry", "entries");
        match &self.broken {
            None => write!(
                f,
                "`{path}`: {entries} ({}) verified; the chain is intact\nhead: {}",
                plural(self.runs, "run", "runs"),
                self.head
            ),
            Some(broken) => write!(
                f,
                "`{path}`: the chain is broken at line {}: {}\n{entries} before it verified; \
                 nothing from line {} on can be trusted",
                broken.line, broken.problem, broken.line
            ),
        }
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
