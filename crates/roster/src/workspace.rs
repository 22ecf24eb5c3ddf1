//! Loading the manifests for commands that go on to talk to orgs: diagnostics are printed
//! (warnings too), errors stop the command.

use std::path::Path;

use roster_manifest::{Workspace, load_workspace};

use crate::failure::Failure;
use crate::ui::Ui;

/// Loads the workspace at `dir`, printing its diagnostics to stderr.
pub fn load(dir: &Path, ui: Ui) -> Result<Workspace, Failure> {
    let loaded = load_workspace(dir);
    for diagnostic in &loaded.diagnostics {
        eprintln!("{}\n", diagnostic.render(&loaded.sources, ui.color_stderr));
    }
    crate::annotations::warn(dir, &loaded.diagnostics);
    match loaded.workspace {
        Some(workspace) if loaded.error_count() == 0 => Ok(workspace),
        _ => Err(Failure::error(format!(
            "the manifests in `{}` have {} error(s)",
            dir.display(),
            loaded.error_count()
        ))
        .with_hint(format!(
            "fix them and run `roster validate {}` to check",
            dir.display()
        ))),
    }
}
