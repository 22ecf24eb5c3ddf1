//! Fixture workspaces copied into temporary folders, loaded like the CLI loads them.

use std::path::{Path, PathBuf};

use roster_manifest::{Workspace, load_workspace};
use serde_json::Value;
use tempfile::TempDir;

/// A fixture of the repository's `tests/fixtures`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative)
}

/// A copy of a fixture workspace, loaded.
pub struct Copy {
    /// Keeps the folder alive.
    pub dir: TempDir,
    /// The loaded manifests.
    pub workspace: Workspace,
}

impl Copy {
    /// Copies `tests/fixtures/<relative>` and loads it; panics on manifest errors.
    pub fn of(relative: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(relative), dir.path());
        let workspace = load(dir.path());
        Copy { dir, workspace }
    }

    /// Loads the manifests again (after an edit).
    pub fn reload(&mut self) {
        self.workspace = load(self.dir.path());
    }

    /// The journal lines of `org`, as JSON.
    pub fn journal(&self, org: &str) -> Vec<Value> {
        let path = self.dir.path().join(format!(".roster/journal/{org}.jsonl"));
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// A file of the workspace.
    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(relative)).unwrap()
    }
}

fn load(root: &Path) -> Workspace {
    let loaded = load_workspace(root);
    assert_eq!(loaded.error_count(), 0, "{:?}", loaded.diagnostics);
    loaded.workspace.unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != ".roster" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Each journal line as `kind` plus, for operations, `op target: status`.
pub fn journal_lines(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        // The intent before each operation and the run's checkpoint are roster-apply's to test.
        .filter(|line| line["kind"] != "intent" && line["kind"] != "checkpoint")
        .map(|line| {
            let kind = line["kind"].as_str().unwrap();
            match kind {
                "operation" => format!(
                    "{} {} `{}`: {}",
                    line["operation"]["op"].as_str().unwrap(),
                    line["target"]["kind"].as_str().unwrap(),
                    line["target"]["key"].as_str().unwrap(),
                    line["outcome"]["status"].as_str().unwrap()
                ),
                "assignmentSnapshot" | "offboardingStarted" => {
                    format!("{kind} {}", line["data"]["user"].as_str().unwrap())
                }
                other => other.to_owned(),
            }
        })
        .collect()
}
