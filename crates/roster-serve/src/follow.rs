//! Git follows the server: after an HR event offboards users, their manifests are edited to
//! `state: inactive` on a branch of their own, committed with the source, the event id and the
//! reason, and pushed when configured, so the change reaches `main` through review.
//!
//! The server's own working copy is never touched: the branch is made in a temporary
//! `git worktree` at the working copy's `HEAD`, where the manifests declare the users at the
//! same lines as in the workspace the server loaded (it loads from `HEAD`'s tree: a working
//! copy with local edits would put the edits at the wrong lines, so it is refused).

use std::path::{Path, PathBuf};
use std::process::Command;

use roster_manifest::OrgSpec;
use roster_model::Email;
use roster_service::offboard::{ManifestEdit, edit_manifests};
use sha2::Digest as _;

/// Where and how the branch goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    /// The branch name, with `{event}` standing for the event id.
    pub branch: String,
    /// Whether to push the branch.
    pub push: bool,
    /// The remote to push to.
    pub remote: String,
}

/// A branch made for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The branch.
    pub branch: String,
    /// Its commit; `None` when no manifest needed an edit (nothing committed).
    pub commit: Option<String>,
    /// Whether it was pushed.
    pub pushed: bool,
}

/// Why git could not follow.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// A git command failed.
    #[error("`git {command}` failed: {message}")]
    Git {
        /// The command, without `git`.
        command: String,
        /// What git said.
        message: String,
    },
    /// The working copy has uncommitted changes under the workspace.
    #[error("the working copy at `{}` has uncommitted changes; the branch is made from HEAD, where the manifests may say something else", .0.display())]
    Dirty(PathBuf),
    /// The manifests could not be edited.
    #[error(transparent)]
    Edit(#[from] roster_service::offboard::EditError),
}

impl Follow {
    /// The branch for `event`: the template with `{event}` replaced by the id, every
    /// character but ASCII letters, digits, `-` and `_` turned into `-` (a ref name cannot
    /// hold `..`, spaces or `~^:?*[\\`), followed by a short hash of the id when a character
    /// was replaced.
    pub fn branch_for(&self, event: &str) -> String {
        let safe: String = event
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        if safe == event {
            return self.branch.replace("{event}", &safe);
        }
        // Two ids that differ only in the characters replaced must not share a branch.
        let digest = sha2::Sha256::digest(event.as_bytes());
        let short = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
        self.branch
            .replace("{event}", &format!("{safe}-{short:08x}"))
    }

    /// Edits the manifests of `emails` in `spec` to `state: inactive` on the event's branch,
    /// commits, and pushes when configured.
    ///
    /// # Errors
    ///
    /// A working copy with local changes under `root`, a failed git command, or an edit that
    /// cannot be made; the temporary worktree is removed either way.
    pub fn offboarded(
        &self,
        root: &Path,
        spec: &OrgSpec,
        emails: &[Email],
        message: &str,
        event: &str,
    ) -> Result<Followed, FollowError> {
        let status = git(
            root,
            &["status", "--porcelain", "--", ".", ":(exclude).roster"],
        )?;
        if !status.trim().is_empty() {
            return Err(FollowError::Dirty(root.to_owned()));
        }
        let top = PathBuf::from(git(root, &["rev-parse", "--show-toplevel"])?.trim());
        let inside = root
            .canonicalize()
            .ok()
            .and_then(|root| Some(root.strip_prefix(top.canonicalize().ok()?).ok()?.to_owned()))
            .unwrap_or_default();
        let branch = self.branch_for(event);
        let scratch = tempfile::tempdir().map_err(|error| FollowError::Git {
            command: "worktree add".to_owned(),
            message: error.to_string(),
        })?;
        let tree = scratch.path().join("tree");
        let tree_arg = tree.display().to_string();
        git(
            &top,
            &[
                "worktree", "add", "--quiet", "-B", &branch, &tree_arg, "HEAD",
            ],
        )?;
        let outcome = self.commit_in(&tree, &tree.join(&inside), spec, emails, message, &branch);
        let _ = git(&top, &["worktree", "remove", "--force", &tree_arg]);
        outcome
    }

    fn commit_in(
        &self,
        tree: &Path,
        root: &Path,
        spec: &OrgSpec,
        emails: &[Email],
        message: &str,
        branch: &str,
    ) -> Result<Followed, FollowError> {
        let edits = edit_manifests(root, spec, emails)?;
        if !edits
            .iter()
            .any(|edit| matches!(edit, ManifestEdit::Edited { .. }))
        {
            return Ok(Followed {
                branch: branch.to_owned(),
                commit: None,
                pushed: false,
            });
        }
        git(tree, &["add", "--all"])?;
        git(
            tree,
            &[
                "-c",
                "user.name=roster",
                "-c",
                "user.email=roster@localhost",
                "commit",
                "--quiet",
                "--message",
                message,
            ],
        )?;
        let commit = git(tree, &["rev-parse", "HEAD"])?.trim().to_owned();
        if self.push {
            git(
                tree,
                &[
                    "push",
                    "--quiet",
                    &self.remote,
                    &format!("{branch}:{branch}"),
                ],
            )?;
        }
        Ok(Followed {
            branch: branch.to_owned(),
            commit: Some(commit),
            pushed: self.push,
        })
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, FollowError> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|error| FollowError::Git {
            command: args.join(" "),
            message: error.to_string(),
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(FollowError::Git {
            command: args.join(" "),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_names_the_event_safely() {
        let follow = Follow {
            branch: "roster/hr/{event}".to_owned(),
            push: false,
            remote: "origin".to_owned(),
        };
        assert_eq!(follow.branch_for("evt_123"), "roster/hr/evt_123");
        let odd = follow.branch_for("a b/../c");
        assert!(odd.starts_with("roster/hr/a-b----c-"), "{odd}");
        assert_ne!(
            follow.branch_for("evt.1"),
            follow.branch_for("evt-1"),
            "ids that differ only in replaced characters get their own branches"
        );
    }
}
