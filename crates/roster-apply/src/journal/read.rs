//! Reading a journal back as typed entries, for `roster journal show`.

use std::fs;
use std::path::Path;

use roster_model::Email;
use serde_json::Value;

use super::entry::Entry;
use super::error::JournalError;

/// Every entry of the journal at `path`, in order. Does not verify the chain ([`crate::verify`]
/// does); a half-written last line (a crash mid-write) is left out.
///
/// # Errors
///
/// When the file cannot be read, or a complete line is not a journal entry.
pub fn read_entries(path: impl AsRef<Path>) -> Result<Vec<Entry>, JournalError> {
    let path = path.as_ref();
    let content = fs::read(path).map_err(|source| JournalError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    let mut entries = Vec::new();
    let pieces: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
    let last = pieces.len().saturating_sub(1);
    for (index, piece) in pieces.into_iter().enumerate() {
        if piece.trim_ascii().is_empty() {
            continue;
        }
        let malformed = |reason: String| JournalError::Malformed {
            path: path.to_owned(),
            line: index + 1,
            reason,
        };
        let parsed = match serde_json::from_slice::<Value>(piece) {
            Ok(Value::Object(line)) => Entry::from_line(&line).map_err(malformed),
            Ok(_) => Err(malformed("not a JSON object".to_owned())),
            Err(error) => Err(malformed(error.to_string())),
        };
        match parsed {
            Ok(entry) => entries.push(entry),
            // The piece after the last newline is a torn write, not a line.
            Err(_) if index == last => {}
            Err(error) => return Err(error),
        }
    }
    Ok(entries)
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
