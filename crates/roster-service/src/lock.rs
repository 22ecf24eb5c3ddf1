//! One apply per org at a time within a workspace: the org lock, taken before an apply reads
//! the org (so two applies cannot plan from the same picture) and held until its last write.
//!
//! The lock is an exclusive advisory lock on `.roster/locks/<org>.lock`, released when the
//! [`OrgLock`] is dropped or the process dies (a killed apply leaves no stale lock). The file
//! holds who took it, for the message another process shows. It cannot span two machines:
//! CI runners serialize applies per org with concurrency groups (README).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The held lock of one org; dropping it releases it.
#[derive(Debug)]
pub struct OrgLock {
    path: PathBuf,
    _file: File,
}

/// Why the org lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another apply (in this process or another) holds it.
    #[error("another roster run is applying to org `{org}`{}", holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Held {
        /// The org.
        org: String,
        /// The lock file.
        path: PathBuf,
        /// What the holder wrote: its process id and start time.
        holder: Option<String>,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock `{}`", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The file system's answer.
        #[source]
        source: std::io::Error,
    },
}

impl OrgLock {
    /// Where the lock of `org` lives: `<root>/.roster/locks/<org>.lock`.
    pub fn path(root: &Path, org: &str) -> PathBuf {
        let file = roster_model::file_stem(org);
        root.join(".roster")
            .join("locks")
            .join(format!("{file}.lock"))
    }

    /// Takes the lock of `org` in the workspace at `root`, without waiting.
    ///
    /// # Errors
    ///
    /// [`LockError::Held`] while another apply holds it, [`LockError::Io`] when the file
    /// cannot be created.
    pub fn acquire(root: &Path, org: &str) -> Result<OrgLock, LockError> {
        let path = Self::path(root, org);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match try_lock_briefly(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let holder = file
                    .read_to_string(&mut holder)
                    .ok()
                    .map(|_| holder.trim().to_owned())
                    .filter(|h| !h.is_empty());
                return Err(LockError::Held {
                    org: org.to_owned(),
                    path,
                    holder,
                });
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        let started = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let note = format!("pid {}, since {started}\n", std::process::id());
        // Who holds it is a courtesy for the message of the next process; the lock holds
        // whether or not this is written.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(note.as_bytes()));
        Ok(OrgLock { path, _file: file })
    }

    /// The lock file.
    pub fn file(&self) -> &Path {
        &self.path
    }
}

/// Tries the lock a few times over ~200 ms before reporting it held. A lock this process
/// just released can still be held for a moment by a child another thread is spawning (a
/// forked child holds every descriptor until its `exec` closes them); a real holder (another
/// apply) holds it for far longer.
fn try_lock_briefly(file: &File) -> Result<(), TryLockError> {
    const ATTEMPTS: u32 = 10;
    for _ in 1..ATTEMPTS {
        match file.try_lock() {
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
    file.try_lock()
}
