//! `roster check`: readiness findings a plan cannot express (WFM coverage, numbers,
//! licences), per org; exit 2 when there are any.

use std::path::PathBuf;

use roster_service::check::{self, CHECK_FORMAT, CheckSet};

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::reports::{ReportFormat, each_org, json_text};
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
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// Runs the command.
pub async fn run(args: &CheckArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let orgs = roster_service::select(&workspace, &args.orgs)?;
    let progress = ui.progress_sink();
    let reports = each_org(&orgs, |spec| check::check_org(&workspace, spec, &progress)).await?;
    let set = CheckSet {
        format: CHECK_FORMAT,
        orgs: reports,
    };
    let rendered = match args.format {
        ReportFormat::Text => check::render_text(&set),
        ReportFormat::Markdown => check::render_markdown(&set),
        ReportFormat::Json => json_text(&set),
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
