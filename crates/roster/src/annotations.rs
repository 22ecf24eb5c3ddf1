//! GitHub Actions annotations: workflow commands (`::warning file=…,line=…::…`) that put a
//! problem on its line of a pull request. Written when `GITHUB_ACTIONS=true`: by `validate`
//! to stdout, by the other commands to stderr so a plan on stdout stays clean (the runner
//! reads workflow commands from both).

use std::path::{Component, Path, PathBuf};

use roster_manifest::{Diagnostic, Location, Workspace};
use roster_model::Email;
use roster_plan::Plan;

/// Whether this runs in GitHub Actions.
pub fn enabled() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true")
}

/// Prints `diagnostics` as annotations on stderr, when in GitHub Actions.
pub fn warn(dir: &Path, diagnostics: &[Diagnostic]) {
    if enabled() && !diagnostics.is_empty() {
        eprint!(
            "{}",
            roster_manifest::github_annotations(&from_checkout_root(dir, diagnostics))
        );
    }
}

/// GitHub resolves annotation paths from the checkout root (`GITHUB_WORKSPACE`, else the
/// working directory), while diagnostics name files relative to `roster.yaml`: each path is
/// prefixed with where `dir` is in the checkout.
pub fn from_checkout_root(dir: &Path, diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut diagnostics = diagnostics.to_vec();
    let Some(prefix) = checkout_prefix(dir) else {
        return diagnostics;
    };
    for diagnostic in &mut diagnostics {
        for location in diagnostic
            .primary
            .iter_mut()
            .chain(diagnostic.related.iter_mut().map(|(at, _)| at))
        {
            location.file = format!("{prefix}/{}", location.file);
        }
    }
    diagnostics
}

/// `dir` relative to the checkout root, with `/`; `None` when it is the root itself or lies
/// outside it.
fn checkout_prefix(dir: &Path) -> Option<String> {
    let root = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())?;
    let dir = std::path::absolute(dir).ok()?;
    let root = std::path::absolute(root).ok()?;
    let relative = dir.strip_prefix(&root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .filter_map(|part| match part {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A plan's warnings as diagnostics, at the manifest line of the user they are about when
/// the manifests declare it.
pub fn plan_warnings<'p>(
    workspace: &Workspace,
    plans: impl IntoIterator<Item = &'p Plan>,
) -> Vec<Diagnostic> {
    plans
        .into_iter()
        .flat_map(|plan| {
            plan.warnings.iter().map(move |warning| {
                let source = Email::parse(&warning.key).ok().and_then(|email| {
                    workspace
                        .orgs
                        .get(&plan.org)?
                        .desired
                        .users
                        .get(&email)?
                        .source
                        .clone()
                });
                let mut diagnostic = Diagnostic::warning(
                    "plan-warning",
                    format!(
                        "org `{}`: {} `{}`: {}",
                        plan.org, warning.kind, warning.key, warning.message
                    ),
                );
                if let Some(source) = source {
                    diagnostic = diagnostic.at(
                        Location {
                            file: source.file,
                            line: source.line,
                            column: source.column,
                            span: 0..0,
                        },
                        "",
                    );
                }
                diagnostic
            })
        })
        .collect()
}
