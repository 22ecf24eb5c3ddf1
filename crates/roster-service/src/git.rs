//! The workspace's git commit, recorded in the journal so every write names the manifests it
//! came from.

use std::path::Path;
use std::process::Command;

/// The commit checked out at `root`; `None` outside a git checkout or without `git`.
pub fn head_commit(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|commit| !commit.is_empty())
}
