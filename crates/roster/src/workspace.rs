//! Loading the manifests for commands that go on to talk to orgs: diagnostics are printed
//! (warnings too), errors stop the command, and `--org` selects orgs by name.

use std::io::IsTerminal;
use std::path::Path;

use roster_manifest::{OrgSpec, Workspace, load_workspace};

use crate::failure::Failure;

/// Loads the workspace at `dir`, printing its diagnostics to stderr.
pub fn load(dir: &Path) -> Result<Workspace, Failure> {
    let loaded = load_workspace(dir);
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for diagnostic in &loaded.diagnostics {
        eprintln!("{}\n", diagnostic.render(&loaded.sources, color));
    }
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

/// The orgs named by `--org`, or every org when none is named.
pub fn select<'a>(workspace: &'a Workspace, names: &[String]) -> Result<Vec<&'a OrgSpec>, Failure> {
    if names.is_empty() {
        return Ok(workspace.orgs.values().collect());
    }
    names
        .iter()
        .map(|name| {
            workspace.orgs.get(name).ok_or_else(|| {
                let known: Vec<&str> = workspace.orgs.keys().map(String::as_str).collect();
                Failure::usage(format!("no org `{name}` in `roster.yaml`"))
                    .with_hint(format!("known orgs: {}", known.join(", ")))
            })
        })
        .collect()
}
