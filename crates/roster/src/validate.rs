//! `roster validate`: check manifests without contacting any org.
//!
//! Text diagnostics and the summary go to stderr, like a compiler's; `--format json` and
//! GitHub Actions annotations (under `GITHUB_ACTIONS=true`) go to stdout for tools.

use std::io::Write;
use std::path::PathBuf;

use roster_manifest::{Loaded, github_annotations, load_workspace, render_json};

use crate::exit::{ExitStatus, print_stdout};
use crate::ui::{Ui, counted};

/// Arguments of `roster validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style snippets on stderr.
    Text,
    /// A JSON array on stdout.
    Json,
}

/// Runs the command: exit 0 when there is no error (warnings allowed), 1 otherwise.
pub fn run(args: &ValidateArgs, ui: Ui) -> ExitStatus {
    let loaded = load_workspace(&args.dir);
    let failed = loaded.error_count() > 0;
    let mut status = match args.format {
        Format::Json => {
            let mut json = render_json(&loaded.diagnostics);
            json.push('\n');
            print_stdout(&json)
        }
        Format::Text => {
            let color = ui.color_stderr;
            let mut text = String::new();
            for diagnostic in &loaded.diagnostics {
                text.push_str(&diagnostic.render(&loaded.sources, color));
                text.push_str("\n\n");
            }
            text.push_str(&summary(&loaded));
            text.push('\n');
            print_stderr(&text);
            ExitStatus::Success
        }
    };
    if crate::annotations::enabled() && status == ExitStatus::Success {
        status = print_stdout(&github_annotations(
            &crate::annotations::from_checkout_root(&args.dir, &loaded.diagnostics),
        ));
    }
    if failed { ExitStatus::Failure } else { status }
}

/// `validated 2 orgs, 61 users in 9 files: 0 errors, 1 warning`.
fn summary(loaded: &Loaded) -> String {
    let stats = loaded.stats;
    format!(
        "validated {}, {} in {}: {}, {}",
        counted(stats.orgs, "org"),
        counted(stats.users, "user"),
        counted(stats.files, "file"),
        counted(loaded.error_count(), "error"),
        counted(loaded.warning_count(), "warning"),
    )
}

/// Diagnostics are best effort: a closed stderr must not turn a clean run into a failure.
fn print_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}
