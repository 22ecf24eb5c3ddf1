//! `roster check`: readiness findings a plan cannot express (WFM coverage, numbers,
//! licences), per org; exit 2 when there are any.

use std::path::PathBuf;

use futures::future::join_all;
use roster_service::check::{self, CHECK_FORMAT, CheckSet};

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Check only this org (repeat for several); default: every org in `roster.yaml`.
    #[arg(long = "org", value_name = "NAME", env = "ROSTER_ORG")]
    pub orgs: Vec<String>,
    /// How to show the findings: `markdown` fits a pull-request comment, `json` follows
    /// `schemas/check.schema.json`.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// Output formats of check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// For people and logs.
    Text,
    /// For a pull-request comment.
    Markdown,
    /// For tools.
    Json,
}

/// Runs the command.
pub async fn run(args: &CheckArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let orgs = roster_service::select(&workspace, &args.orgs)?;
    let progress = ui.progress_sink();
    let checks = orgs
        .iter()
        .map(|spec| check::check_org(&workspace, spec, &progress));
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for (spec, outcome) in orgs.iter().zip(join_all(checks).await) {
        match outcome {
            Ok(report) => reports.push(report),
            Err(error) => failures.push(Failure::from(error).in_org(&spec.name)),
        }
    }
    if !failures.is_empty() {
        return Err(Failure::all(failures));
    }
    let set = CheckSet {
        format: CHECK_FORMAT,
        orgs: reports,
    };
    let rendered = match args.format {
        CheckFormat::Text => check::render_text(&set),
        CheckFormat::Markdown => check::render_markdown(&set),
        CheckFormat::Json => {
            let mut json = serde_json::to_string_pretty(&set).expect("a check report is JSON");
            json.push('\n');
            json
        }
    };
    let printed = print_stdout(&rendered);
    if printed != ExitStatus::Success {
        return Ok(printed);
    }
    Ok(if set.finding_count() > 0 {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
