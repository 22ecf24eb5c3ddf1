//! Reading a journal back as typed entries, for `roster journal show`.

use std::path::{Path, PathBuf};

use roster_model::Email;
use serde_json::Value;

use super::entry::Entry;
use super::error::JournalError;
use super::lines::Lines;

/// Every entry of the journal at `path`, in order. Does not verify the chain ([`crate::verify`]
/// does); blank lines and a half-written last line (a crash mid-write) are left out. For a
/// large journal, [`entries`] streams instead.
///
/// # Errors
///
/// When the file cannot be read, or a complete line is not a journal entry.
pub fn read_entries(path: impl AsRef<Path>) -> Result<Vec<Entry>, JournalError> {
    entries(path)?.collect()
}

/// The entries of the journal at `path`, read one at a time, with the same rules as
/// [`read_entries`].
///
/// # Errors
///
/// When the file cannot be opened; each item is an error when its line cannot be read or is
/// not a journal entry.
pub fn entries(path: impl AsRef<Path>) -> Result<Entries, JournalError> {
    let path = path.as_ref().to_owned();
    match Lines::open(&path) {
        Ok(lines) => Ok(Entries { path, lines }),
        Err(source) => Err(JournalError::Io {
            action: "read",
            path,
            source,
        }),
    }
}

/// The entries of a journal, streamed; made by [`entries`].
pub struct Entries {
    path: PathBuf,
    lines: Lines,
}

impl Iterator for Entries {
    type Item = Result<Entry, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(source) => {
                    return Some(Err(JournalError::Io {
                        action: "read",
                        path: self.path.clone(),
                        source,
                    }));
                }
            };
            if line.bytes.trim_ascii().is_empty() {
                continue;
            }
            let malformed = |reason: String| JournalError::Malformed {
                path: self.path.clone(),
                line: line.number,
                reason,
            };
            let parsed = match serde_json::from_slice::<Value>(line.bytes) {
                Ok(Value::Object(fields)) => Entry::from_line(&fields).map_err(malformed),
                Ok(_) => Err(malformed("not a JSON object".to_owned())),
                Err(error) => Err(malformed(error.to_string())),
            };
            return match parsed {
                // What follows the last newline is a torn write, not a line.
                Err(_) if !line.terminated => None,
                other => Some(other),
            };
        }
    }
}

/// The entries about `user` ([`Entry::concerns_user`]), in journal order.
pub fn entries_for_user<'a>(
    entries: &'a [Entry],
    user: &'a Email,
) -> impl Iterator<Item = &'a Entry> + 'a {
    entries
        .iter()
        .filter(move |entry| entry.concerns_user(user))
}
