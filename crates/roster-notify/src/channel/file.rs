//! The file channel (`outbox: { file: .roster/outbox }`): one JSON file per message in a
//! folder, for dry runs and audits.
//!
//! The file is named after the envelope's idempotency key, so a message that already has a file
//! was already delivered and is not written again. Each file is written to a temporary name in
//! the same folder, flushed to disk and renamed into place, so a reader (or a crash) never sees
//! half a message.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Delivery;
use crate::notice::{Envelope, Recipient};

/// Delivers each message as `<dir>/<key>.json`.
#[derive(Debug, Clone)]
pub struct FileChannel {
    dir: PathBuf,
}

/// What a message file holds.
#[derive(Serialize)]
struct MessageFile<'a> {
    key: &'a str,
    recipient: &'a Recipient,
    subject: &'a str,
    body: &'a str,
}

impl FileChannel {
    /// A channel writing into `dir` (created on the first delivery when missing).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileChannel { dir: dir.into() }
    }

    /// The folder messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the message with this key is (or will be) written.
    pub fn path_for(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// Writes the envelope's file unless it exists already.
    ///
    /// A key that is not a plain file name (the outbox's keys are hex) is refused as
    /// [`Delivery::Permanent`]; a failure to write is [`Delivery::Transient`] (a full disk or
    /// a missing permission may be fixed before the next attempt).
    pub async fn deliver(&self, envelope: &Envelope) -> Delivery {
        if !is_plain_file_name(&envelope.key) {
            return Delivery::permanent(format!(
                "the key `{}` cannot name a file: only letters, digits, `-` and `_` can",
                envelope.key
            ));
        }
        let channel = self.clone();
        let envelope = envelope.clone();
        // Small synchronous writes; kept off the async workers all the same.
        match tokio::task::spawn_blocking(move || channel.write(&envelope)).await {
            Ok(delivery) => delivery,
            Err(join) => Delivery::transient(format!("writing the message file failed: {join}")),
        }
    }

    fn write(&self, envelope: &Envelope) -> Delivery {
        let path = self.path_for(&envelope.key);
        if path.exists() {
            return Delivery::Sent;
        }
        let content = MessageFile {
            key: &envelope.key,
            recipient: &envelope.recipient,
            subject: &envelope.subject,
            body: &envelope.body,
        };
        let mut json = match serde_json::to_vec_pretty(&content) {
            Ok(json) => json,
            Err(error) => {
                return Delivery::permanent(format!("cannot encode the message: {error}"));
            }
        };
        json.push(b'\n');
        match self.write_atomically(&path, &json) {
            Ok(()) => Delivery::Sent,
            Err(error) => {
                Delivery::transient(format!("cannot write `{}`: {error}", path.display()))
            }
        }
    }

    /// Writes `bytes` to a temporary file in the same folder, syncs it and renames it to
    /// `path`, so `path` either does not exist or holds the whole message.
    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A random suffix keeps two writers of the same key (two dispatchers) apart; the
        // second rename then replaces an identical file.
        let temporary = self
            .dir
            .join(format!(".{file_name}.{:016x}.tmp", rand::random::<u64>()));
        let result = (|| {
            let mut file = std::fs::File::create_new(&temporary)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        })();
        if result.is_err() {
            // Best effort: the file may not exist; the original error is what matters.
            let _ = std::fs::remove_file(&temporary);
        }
        result
    }
}

/// Whether `key` is a non-empty name of letters, digits, `-` and `_` only, so it can neither
/// leave the folder nor hide as a dot file.
fn is_plain_file_name(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_file_names() {
        assert!(is_plain_file_name("0a1b2c"));
        assert!(is_plain_file_name("apply-1_x"));
        assert!(!is_plain_file_name(""));
        assert!(!is_plain_file_name("../etc"));
        assert!(!is_plain_file_name("a/b"));
        assert!(!is_plain_file_name(".hidden"));
    }
}
