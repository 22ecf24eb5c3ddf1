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

/// What [`applied_commit`] appends to the commit of a workspace with uncommitted changes.
pub const DIRTY_SUFFIX: &str = "-dirty";

/// The commit an apply from `root` records: [`head_commit`], suffixed with [`DIRTY_SUFFIX`]
/// when files under `root` differ from it (roster's own `.roster/` folder aside), since the
/// commit alone would then not say what was applied.
pub fn applied_commit(root: &Path) -> Option<String> {
    let commit = head_commit(root)?;
    let status = Command::new("git")
        .args(["status", "--porcelain", "--", ".", ":(exclude).roster"])
        .current_dir(root)
        .output()
        .ok()?;
    let clean = status.status.success() && status.stdout.trim_ascii().is_empty();
    Some(if clean {
        commit
    } else {
        format!("{commit}{DIRTY_SUFFIX}")
    })
}
