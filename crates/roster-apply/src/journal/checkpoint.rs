//! Checkpoints: a journal line's `seq` and `hash`, kept somewhere the journal's writer cannot
//! rewrite (a CI log, a commit status, another machine), so that [`crate::verify`] can tell
//! when lines were cut from the end or the chain was rewritten, which no chain shows by itself.
//!
//! A checkpoint file holds one JSON object per line, one per org:
//! `{"org":"prod-us","seq":42,"head":"…"}`. `roster apply --checkpoint-out FILE` and
//! `roster journal checkpoint` write them.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::JournalError;

/// The state of an org's journal at one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The org the journal is about.
    pub org: String,
    /// The line's `seq` (its line number in an intact journal); 0 for an empty journal.
    pub seq: u64,
    /// The line's `hash` (a MAC in a keyed journal), [`super::chain::GENESIS`] for seq 0.
    pub head: String,
}

impl Checkpoint {
    /// The checkpoint as one line of a checkpoint file, without the newline.
    pub fn to_line(&self) -> String {
        // Three plain fields: serializing them cannot fail.
        serde_json::to_string(self).expect("a checkpoint serializes")
    }

    /// Reads a checkpoint file (blank lines ignored).
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or a line is not a checkpoint.
    pub fn read_file(path: &Path) -> Result<Vec<Checkpoint>, JournalError> {
        let text = std::fs::read_to_string(path).map_err(|source| JournalError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| {
                serde_json::from_str(line).map_err(|error| JournalError::Malformed {
                    path: path.to_owned(),
                    line: index + 1,
                    reason: format!("not a checkpoint: {error}"),
                })
            })
            .collect()
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, hash {}", self.seq, self.head)
    }
}
