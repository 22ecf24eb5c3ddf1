//! What roster last applied to an org, per its journal: the last run of the whole manifests
//! (not an offboarding, not a `--target` plan) that finished with every step succeeded, and
//! the git commit of the manifests it applied. Loading the manifests of
//! that commit gives the desired state the org was last made to match, which is how drift
//! (the org moved away from it) is told apart from a pending change (the manifests moved
//! away from it).
//!
//! A run records its commit only when the manifests were committed: an apply from a tree with
//! uncommitted changes records `<commit>-dirty` ([`crate::git::applied_commit`]), which
//! cannot be loaded, and says so.

use std::path::{Path, PathBuf};
use std::process::Command;

use roster_apply::{EntryBody, Journal};
use roster_manifest::load_workspace;
use roster_model::DesiredOrg;
use time::OffsetDateTime;

use crate::git::DIRTY_SUFFIX;
use crate::history::HistoryError;

/// The last successful apply of an org, from its journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastApply {
    /// When the run finished.
    pub finished: OffsetDateTime,
    /// The `seq` of its `runFinished` line.
    pub seq: u64,
    /// The commit of the manifests it applied, as journaled.
    pub commit: Option<String>,
}

/// The last run in `org`'s default journal under `root` that finished with every step
/// succeeded; `None` without a journal or such a run.
///
/// # Errors
///
/// When the journal exists but cannot be read.
pub fn last_apply(root: &Path, org: &str) -> Result<Option<LastApply>, HistoryError> {
    let path = Journal::default_path(root, org);
    if !path.exists() {
        return Ok(None);
    }
    let error = |source| HistoryError {
        path: path.clone(),
        source,
    };
    let mut last = None;
    // A run preceded by an offboarding's or a targeted plan's record applied part of the
    // manifests only: it is no baseline.
    let mut partial_next = false;
    let mut partial_runs = std::collections::BTreeSet::new();
    for entry in roster_apply::entries(&path).map_err(error)? {
        let entry = entry.map_err(error)?;
        let finished = match &entry.body {
            EntryBody::Record { kind, .. }
                if kind == crate::assignments::OFFBOARDING_STARTED
                    || kind == crate::apply::PARTIAL_PLAN =>
            {
                partial_next = true;
                continue;
            }
            EntryBody::RunStarted(_) => {
                if std::mem::take(&mut partial_next) {
                    partial_runs.insert(entry.seq);
                }
                continue;
            }
            EntryBody::RunFinished(finished)
                if !entry.run.is_some_and(|run| partial_runs.contains(&run)) =>
            {
                finished
            }
            _ => continue,
        };
        let complete = finished.failed == 0
            && finished.skipped == 0
            && finished.not_run == 0
            && finished.interrupted == 0
            && finished.stopped.is_none();
        if entry.org == org && complete {
            last = Some(LastApply {
                finished: entry.time,
                seq: entry.seq,
                commit: entry.git_commit.clone(),
            });
        }
    }
    Ok(last)
}

/// Why the manifests of the last apply could not be loaded; drift then cannot tell pending
/// changes from drift and counts every difference as drift.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoBaseline {
    /// The journal holds no complete apply of the org.
    #[error("the journal holds no complete apply of this org")]
    NeverApplied,
    /// The last apply journaled no commit (the workspace was not a git repository).
    #[error("the last apply (journal line {seq}) recorded no git commit")]
    NoCommit {
        /// Its `runFinished` line.
        seq: u64,
    },
    /// The last apply was made from uncommitted manifests.
    #[error("the last apply (journal line {seq}) was made from uncommitted manifests ({commit})")]
    Uncommitted {
        /// Its `runFinished` line.
        seq: u64,
        /// The commit journaled, with its `-dirty` suffix.
        commit: String,
    },
    /// The commit is not in this clone, or git failed.
    #[error("cannot read the manifests of commit {commit}: {reason}")]
    Unreadable {
        /// The commit.
        commit: String,
        /// What git or the loader said.
        reason: String,
    },
}

/// The desired state of `org` in the manifests of `commit`, in the git repository holding the
/// workspace at `root`: the repository's tree at that commit is extracted into a temporary
/// folder (through a private index, `git read-tree` and `git checkout-index`), and the workspace at the same place within it is loaded.
///
/// # Errors
///
/// [`NoBaseline::Unreadable`] when git cannot produce the tree (a shallow clone without the
/// commit), or its manifests do not load, or do not declare `org`.
pub fn desired_at(root: &Path, org: &str, commit: &str) -> Result<DesiredOrg, NoBaseline> {
    let unreadable = |reason: String| NoBaseline::Unreadable {
        commit: commit.to_owned(),
        reason,
    };
    let top = git(root, &["rev-parse", "--show-toplevel"]).map_err(&unreadable)?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let inside = root
        .canonicalize()
        .ok()
        .and_then(|root| Some(root.strip_prefix(top.canonicalize().ok()?).ok()?.to_owned()))
        .ok_or_else(|| unreadable("the workspace is not inside its git repository".to_owned()))?;
    let folder = tempfile::tempdir().map_err(|error| unreadable(error.to_string()))?;
    let index = folder.path().join("index");
    let tree = folder.path().join("tree");
    // A private index: the repository's own index and work tree are never touched.
    git_with_index(&top, &index, &["read-tree", commit]).map_err(&unreadable)?;
    let prefix = format!("--prefix={}/", tree.display());
    git_with_index(&top, &index, &["checkout-index", "--all", &prefix]).map_err(&unreadable)?;
    let loaded = load_workspace(&tree.join(inside));
    let errors = loaded.error_count();
    let mut workspace = loaded
        .workspace
        .filter(|_| errors == 0)
        .ok_or_else(|| unreadable(format!("its manifests have {errors} error(s)")))?;
    workspace
        .orgs
        .remove(org)
        .map(|spec| spec.desired)
        .ok_or_else(|| unreadable(format!("its `roster.yaml` has no org `{org}`")))
}

/// The manifests of the last complete apply, loaded.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The org's desired state in them.
    pub desired: DesiredOrg,
    /// The apply.
    pub apply: LastApply,
}

/// The desired state roster last applied to `org`, or why it is not known.
pub fn last_applied(
    root: &Path,
    org: &str,
    last: Option<&LastApply>,
) -> Result<Applied, NoBaseline> {
    let last = last.ok_or(NoBaseline::NeverApplied)?;
    let commit = last
        .commit
        .as_deref()
        .ok_or(NoBaseline::NoCommit { seq: last.seq })?;
    if commit.ends_with(DIRTY_SUFFIX) {
        return Err(NoBaseline::Uncommitted {
            seq: last.seq,
            commit: commit.to_owned(),
        });
    }
    Ok(Applied {
        desired: desired_at(root, org, commit)?,
        apply: last.clone(),
    })
}

/// Runs git in `dir`; its stdout, or its stderr's first line.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    run(Command::new("git").args(args).current_dir(dir))
}

/// Runs git in `dir` with `index` as its index file.
fn git_with_index(dir: &Path, index: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    run(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_INDEX_FILE", index))
}

fn run(command: &mut Command) -> Result<Vec<u8>, String> {
    let output = command
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr.lines().next().unwrap_or("git failed").to_owned())
    }
}
