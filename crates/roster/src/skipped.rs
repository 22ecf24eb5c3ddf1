//! Orgs `roster plan --skip-missing-credentials` left out: a warning per org on stderr, a
//! line under the plan for whoever reads it (a pull-request comment), and the failure when
//! nothing was left to plan.

use std::fmt::Write as _;

use roster_service::SkippedOrg;

use crate::failure::Failure;
use crate::plan_cmd::Format;

/// Warns on stderr about each skipped org, naming the variable.
pub fn warn(skipped: &[SkippedOrg]) {
    for org in skipped {
        eprintln!("warning: org `{}` skipped: {}", org.org, org.reason);
    }
    if !skipped.is_empty() {
        eprintln!(
            "hint: the skipped orgs were not planned; export their credentials to plan them\n"
        );
    }
}

/// The failure when every selected org was skipped: an empty plan would read as "no
/// changes".
pub fn all_skipped(skipped: &[SkippedOrg]) -> Failure {
    Failure::error("every org was skipped: none has its credentials in the environment")
        .with_details(
            skipped
                .iter()
                .map(|org| format!("org `{}`: {}", org.org, org.reason))
                .collect(),
        )
        .with_hint("export the credential variables `roster.yaml` names, or plan a sandbox org")
}

/// What a reader of the plan should know about the orgs left out, in `format`; nothing for
/// machine formats, whose output must stay a plan.
pub fn note(skipped: &[SkippedOrg], format: Format) -> String {
    let mut note = String::new();
    if skipped.is_empty() {
        return note;
    }
    match format {
        Format::Text => {
            note.push_str("\nnot planned (no credentials in the environment):\n");
            for org in skipped {
                let _ = writeln!(note, "  {}: {}", org.org, org.reason);
            }
        }
        Format::Markdown => {
            note.push_str("\n> [!WARNING]\n> Not planned (no credentials in the environment):\n");
            for org in skipped {
                let _ = writeln!(note, "> - `{}`: {}", org.org, org.reason);
            }
        }
        Format::Json | Format::Dot => {}
    }
    note
}
