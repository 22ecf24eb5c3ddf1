//! Re-computing a journal's chain, for `roster journal verify`: what it proves and what it
//! cannot, in each mode (see [`super::chain`]).

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::chain::{self, GENESIS, JournalKey, Mode};
use super::checkpoint::Checkpoint;
use super::entry::RUN_STARTED;
use super::error::JournalError;
use super::lines::Lines;

/// What to verify a journal with, beyond its own lines.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The journal key, to check keyed lines' MACs. Without it a keyed line's links are
    /// checked but its authenticity cannot be.
    pub key: Option<JournalKey>,
    /// A line hash kept elsewhere (printed by an apply): some verified line must have it.
    pub head: Option<String>,
    /// Checkpoints kept elsewhere; those of the journal's org are checked (all of them when
    /// the journal is empty and names no org).
    pub checkpoints: Vec<Checkpoint>,
}

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
    /// The org named by the first line, if any.
    pub org: Option<String>,
    /// Plain lines among those that verified (their SHA-256 recomputed).
    pub plain: usize,
    /// Keyed lines whose MAC was recomputed with the key and matched.
    pub keyed: usize,
    /// Keyed lines whose links were checked but whose MAC could not be, for want of the key.
    pub unauthenticated: usize,
    /// The line number of the first keyed line, if any.
    pub first_keyed: Option<usize>,
    /// The key id written on the keyed lines.
    pub key_id: Option<String>,
    /// The id of the key given, if any.
    pub key_given: Option<String>,
    /// The head and checkpoints checked, in the order given.
    pub anchors: Vec<AnchorCheck>,
    /// The first line that does not verify; `None` when the chain is intact.
    pub broken: Option<BrokenLine>,
}

/// How a head or checkpoint kept elsewhere compares with the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorCheck {
    /// The line at `seq` has the recorded hash: nothing up to it was cut or rewritten.
    Held {
        /// The anchored line.
        seq: u64,
    },
    /// The journal verifies only up to line `verified`, before the anchored line: lines were
    /// cut from its end (or it was replaced).
    Truncated {
        /// The anchored line.
        seq: u64,
        /// Lines that verified.
        verified: usize,
    },
    /// The anchored line has another hash: the chain up to it was rewritten.
    Rewritten {
        /// The anchored line.
        seq: u64,
        /// The hash kept elsewhere.
        expected: String,
        /// The hash the line has.
        found: String,
    },
    /// No verified line has this head (given without its line number).
    HeadNotFound {
        /// The head given.
        head: String,
    },
    /// The checkpoint file holds no checkpoint of the journal's org.
    NoCheckpointForOrg {
        /// The journal's org.
        org: String,
    },
}

impl AnchorCheck {
    /// Whether the journal matches the anchor.
    pub fn held(&self) -> bool {
        matches!(self, AnchorCheck::Held { .. })
    }
}

/// The overall answer of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every line verified in its mode, and every anchor held.
    Intact,
    /// Nothing was found wrong, but authenticity cannot be proven: keyed lines without the
    /// key, or a key given for a journal with no keyed line.
    Unproven,
    /// A line does not verify, or an anchor does not hold.
    Broken,
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
    /// The line's `chain` is not one roster writes.
    UnknownChain {
        /// Its value.
        chain: String,
    },
    /// The content does not hash to the line's `hash`: the line was edited.
    Edited {
        /// The `hash` the line carries.
        recorded: String,
        /// The hash of its content.
        computed: String,
    },
    /// A keyed line whose MAC under the key does not match: edited or forged by someone
    /// without the key.
    Forged {
        /// The `hash` the line carries.
        recorded: String,
    },
    /// A keyed line keyed with another key than the one given.
    OtherKey {
        /// The line's `keyId`.
        line: String,
        /// The given key's id.
        given: String,
    },
    /// A plain line after a keyed one: roster never writes one, so someone without the key
    /// wrote it.
    Downgraded,
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
    /// The overall answer.
    pub fn verdict(&self) -> Verdict {
        if self.broken.is_some() || !self.anchors.iter().all(AnchorCheck::held) {
            Verdict::Broken
        } else if self.unauthenticated > 0
            || (self.key_given.is_some() && self.entries > 0 && self.keyed == 0)
        {
            Verdict::Unproven
        } else {
            Verdict::Intact
        }
    }

    /// Whether every line verified in its mode and every anchor held.
    pub fn is_intact(&self) -> bool {
        self.verdict() == Verdict::Intact
    }
}

/// Re-computes the plain hash chain of the journal at `path`, without a key or anchors; see
/// [`verify_with`].
///
/// # Errors
///
/// Only when the file cannot be read; a broken chain is reported in the [`VerifyReport`].
pub fn verify(path: impl AsRef<Path>) -> Result<VerifyReport, JournalError> {
    verify_with(path, &VerifyOptions::default())
}

/// Re-computes the chain of the journal at `path`, stopping at the first line that does not
/// verify, then checks the head and checkpoints of `options`. Streams the file: memory stays
/// at one line whatever the journal's size.
///
/// # Errors
///
/// Only when the file cannot be read; a broken chain is reported in the [`VerifyReport`].
pub fn verify_with(
    path: impl AsRef<Path>,
    options: &VerifyOptions,
) -> Result<VerifyReport, JournalError> {
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
        org: None,
        plain: 0,
        keyed: 0,
        unauthenticated: 0,
        first_keyed: None,
        key_id: None,
        key_given: options.key.as_ref().map(|key| key.id().to_owned()),
        anchors: Vec::new(),
        broken: None,
    };
    let mut head_found = None;
    // The hash of each line a checkpoint names, as the lines stream by.
    let mut at_checkpoints: Vec<Option<String>> = vec![None; options.checkpoints.len()];
    while let Some(line) = lines.next_line().map_err(read_error)? {
        let keyed_before = report.first_keyed.is_some();
        match check(
            line.bytes,
            &report.head,
            report.entries as u64,
            keyed_before,
            options.key.as_ref(),
        ) {
            Ok(checked) => {
                report.entries += 1;
                let content = &checked.content;
                if content.get("kind").and_then(Value::as_str) == Some(RUN_STARTED) {
                    report.runs += 1;
                }
                if report.org.is_none() {
                    report.org = content
                        .get("org")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                match checked.mode {
                    Mode::Plain => report.plain += 1,
                    Mode::Keyed { key_id } => {
                        report.first_keyed.get_or_insert(line.number);
                        report.key_id.get_or_insert(key_id);
                        if checked.authenticated {
                            report.keyed += 1;
                        } else {
                            report.unauthenticated += 1;
                        }
                    }
                }
                if options.head.as_deref() == Some(checked.hash.as_str()) {
                    head_found.get_or_insert(report.entries as u64);
                }
                for (index, checkpoint) in options.checkpoints.iter().enumerate() {
                    if checkpoint.seq == report.entries as u64 {
                        at_checkpoints[index] = Some(checked.hash.clone());
                    }
                }
                report.head = checked.hash;
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
    if let Some(head) = &options.head {
        report.anchors.push(match head_found {
            Some(seq) => AnchorCheck::Held { seq },
            None if head == GENESIS => AnchorCheck::Held { seq: 0 },
            None => AnchorCheck::HeadNotFound { head: head.clone() },
        });
    }
    if !options.checkpoints.is_empty() {
        let mut any = false;
        for (checkpoint, found) in options.checkpoints.iter().zip(at_checkpoints) {
            if report
                .org
                .as_ref()
                .is_some_and(|org| *org != checkpoint.org)
            {
                continue;
            }
            any = true;
            report
                .anchors
                .push(anchor_check(checkpoint, found, report.entries));
        }
        if !any {
            report.anchors.push(AnchorCheck::NoCheckpointForOrg {
                org: report.org.clone().unwrap_or_default(),
            });
        }
    }
    Ok(report)
}

fn anchor_check(checkpoint: &Checkpoint, found: Option<String>, verified: usize) -> AnchorCheck {
    let seq = checkpoint.seq;
    match found {
        None if seq == 0 && checkpoint.head == GENESIS => AnchorCheck::Held { seq },
        None => AnchorCheck::Truncated { seq, verified },
        Some(hash) if hash == checkpoint.head => AnchorCheck::Held { seq },
        Some(found) => AnchorCheck::Rewritten {
            seq,
            expected: checkpoint.head.clone(),
            found,
        },
    }
}

/// One line that fits the chain so far.
struct Checked {
    hash: String,
    mode: Mode,
    /// Whether its hash was recomputed (always for plain lines; with the key for keyed ones).
    authenticated: bool,
    content: Map<String, Value>,
}

/// Checks one line against the chain so far.
fn check(
    piece: &[u8],
    prev: &str,
    prev_seq: u64,
    keyed_before: bool,
    key: Option<&JournalKey>,
) -> Result<Checked, Break> {
    let line = match serde_json::from_slice::<Value>(piece) {
        Ok(Value::Object(line)) => line,
        Ok(_) => {
            return Err(Break::Unreadable {
                reason: "not a JSON object".to_owned(),
            });
        }
        Err(_) if piece.trim_ascii().is_empty() => {
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
    let mode = chain::mode_of(&line).map_err(|chain| Break::UnknownChain { chain })?;
    // The hash covers `prev` and `seq` too, so an edit anywhere shows here first; only a line
    // that is intact in itself is then checked against its neighbours.
    let authenticated = match (&mode, key) {
        (Mode::Plain, _) if keyed_before => return Err(Break::Downgraded),
        (Mode::Plain, _) => {
            let computed = chain::hash_of(&line);
            if computed != recorded {
                return Err(Break::Edited {
                    recorded: recorded.to_owned(),
                    computed,
                });
            }
            true
        }
        (Mode::Keyed { key_id }, Some(key)) if key_id != key.id() => {
            return Err(Break::OtherKey {
                line: key_id.clone(),
                given: key.id().to_owned(),
            });
        }
        (Mode::Keyed { .. }, Some(key)) => {
            if chain::hash_matches(&line, Some(key)) != Some(true) {
                return Err(Break::Forged {
                    recorded: recorded.to_owned(),
                });
            }
            true
        }
        (Mode::Keyed { .. }, None) => false,
    };
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
    Ok(Checked {
        hash: recorded.to_owned(),
        mode,
        authenticated,
        content: line,
    })
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
            Break::UnknownChain { chain } => write!(
                f,
                "its `chain` is {chain}, which roster does not write: it was edited or not written \
                 by roster"
            ),
            Break::Forged { recorded } => write!(
                f,
                "its MAC ({}…) is not the one the journal key gives its content: it was edited or \
                 forged by someone without the key",
                short(recorded)
            ),
            Break::OtherKey { line, given } => write!(
                f,
                "it is keyed with key id {line}, not with the given key (id {given}): the key is \
                 not this journal's, or the line was forged"
            ),
            Break::Downgraded => f.write_str(
                "it is a plain line after keyed ones, which roster never writes: it was written \
                 by someone without the key (a forged or re-chained line)",
            ),
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

impl fmt::Display for AnchorCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnchorCheck::Held { seq } => write!(
                f,
                "line {seq} has the hash kept elsewhere: no line up to it was cut or rewritten"
            ),
            AnchorCheck::Truncated { seq, verified } => write!(
                f,
                "the hash kept elsewhere is of line {seq}, but the journal verifies only up to \
                 line {verified}: lines were cut from its end, or it was replaced"
            ),
            AnchorCheck::Rewritten {
                seq,
                expected,
                found,
            } => write!(
                f,
                "line {seq} hashes to {}…, not to the {}… kept elsewhere: the journal up to it \
                 was rewritten",
                short(found),
                short(expected)
            ),
            AnchorCheck::HeadNotFound { head } => write!(
                f,
                "no line has the head {}… kept elsewhere: lines were cut from the end, or the \
                 journal was rewritten",
                short(head)
            ),
            AnchorCheck::NoCheckpointForOrg { org } => write!(
                f,
                "the checkpoint file has no checkpoint of org `{org}`: nothing to compare with"
            ),
        }
    }
}

/// The report for people: the verdict, which mode was checked, and exactly what that proves
/// and what it cannot.
impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let entries = plural(self.entries, "entry", "entries");
        if let Some(broken) = &self.broken {
            write!(
                f,
                "`{path}`: the chain is broken at line {}: {}\n{entries} before it verified; \
                 nothing from line {} on can be trusted",
                broken.line, broken.problem, broken.line
            )?;
            for anchor in self.anchors.iter().filter(|anchor| !anchor.held()) {
                write!(f, "\nalso: {anchor}")?;
            }
            return Ok(());
        }
        let verdict = match self.verdict() {
            Verdict::Intact => "intact",
            Verdict::Unproven => "cannot prove authenticity",
            Verdict::Broken => "broken",
        };
        writeln!(
            f,
            "`{path}`: {entries} ({}) verified; {verdict}",
            plural(self.runs, "run", "runs"),
        )?;
        for anchor in &self.anchors {
            writeln!(
                f,
                "{}: {anchor}",
                if anchor.held() { "checkpoint" } else { "error" }
            )?;
        }
        let anchored = self.anchors.iter().any(AnchorCheck::held);
        match (&self.first_keyed, &self.key_given) {
            (None, None) => {
                writeln!(f, "mode: plain hash chain (SHA-256), no journal key")?;
                writeln!(
                    f,
                    "proves: no line was edited, deleted, inserted or reordered, unless whoever did \
                     it recomputed every hash after it"
                )?;
                if anchored {
                    writeln!(
                        f,
                        "cannot prove: anything about lines after the anchored one against a \
                         forger who recomputes the chain"
                    )?;
                } else {
                    writeln!(
                        f,
                        "cannot prove: that nobody rewrote the journal and recomputed the chain, \
                         nor that no lines were cut from its end; check it against a head kept \
                         elsewhere (`--head`, `--checkpoint`), or configure a journal key"
                    )?;
                }
            }
            (None, Some(given)) => {
                writeln!(
                    f,
                    "mode: plain hash chain (SHA-256); no line is keyed, so the given key (id \
                     {given}) proves nothing here"
                )?;
                writeln!(
                    f,
                    "cannot prove: authenticity: anyone can write a plain chain, so this journal \
                     may have been rewritten whole"
                )?;
            }
            (Some(first), None) => {
                writeln!(
                    f,
                    "mode: keyed chain (HMAC-SHA256, key id {}) from line {first}; no key given, \
                     so only the links were checked",
                    self.key_id.as_deref().unwrap_or("?")
                )?;
                writeln!(
                    f,
                    "cannot prove: authenticity: without the key, anyone can forge lines whose \
                     links are consistent; pass the key (`--key-env VAR`) to check the MACs"
                )?;
            }
            (Some(first), Some(_)) => {
                write!(
                    f,
                    "mode: keyed chain (HMAC-SHA256, key id {}) from line {first}",
                    self.key_id.as_deref().unwrap_or("?")
                )?;
                if *first > 1 {
                    write!(
                        f,
                        "; lines 1 to {} are plain (written before the key), vouched for by the \
                         first keyed line",
                        first - 1
                    )?;
                }
                writeln!(f)?;
                writeln!(
                    f,
                    "proves: no line was edited, forged, deleted, inserted or reordered by anyone \
                     without the key"
                )?;
                if !anchored {
                    writeln!(
                        f,
                        "cannot prove: that no lines were cut from its end; check it against a \
                         checkpoint kept elsewhere (`--checkpoint`, `--head`)"
                    )?;
                }
            }
        }
        write!(f, "head: line {}, hash {}", self.entries, self.head)
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
