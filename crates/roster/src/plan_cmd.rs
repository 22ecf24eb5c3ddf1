//! `roster plan`: show what `apply` would change in each org, without changing anything.

use std::collections::BTreeSet;
use std::path::PathBuf;

use roster_model::Email;
use roster_plan::{PlanSet, render_json, render_markdown, render_text};

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Plan only this org (repeat for several); default: every org in `roster.yaml`.
    #[arg(long = "org", value_name = "NAME")]
    pub orgs: Vec<String>,
    /// Also save the plan as JSON, for `roster apply --plan FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How to show the plan: `markdown` fits a pull-request comment, `json` follows
    /// `schemas/plan.schema.json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 2 when there are changes (0 when there are none), for CI.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan the reactivation of this inactive user even if its manifest lacks
    /// `reactivate: true` (repeatable).
    #[arg(long, value_name = "EMAIL")]
    pub reactivate: Vec<String>,
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people; coloured on a terminal.
    Text,
    /// For a pull-request comment.
    Markdown,
    /// For tools.
    Json,
}

/// Runs the command.
pub async fn run(args: &PlanArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let reactivate = parse_reactivate(&args.reactivate)?;
    let workspace = workspace::load(&args.dir, ui)?;
    let orgs = roster_service::select(&workspace, &args.orgs)?;
    let planned = roster_service::plan_orgs(
        &workspace,
        &orgs,
        &reactivate,
        roster_service::Access::Read,
        &ui.progress_sink(),
    )
    .await?;
    let set = PlanSet::new(planned.into_iter().map(|planned| planned.plan).collect());
    if let Some(out) = &args.out {
        std::fs::write(out, render_json(&set)).map_err(|err| {
            Failure::because(
                format!("cannot write the plan to `{}`", out.display()),
                &err,
            )
        })?;
    }
    let rendered = match args.format {
        Format::Text => render_text(&set, ui.color),
        Format::Markdown => render_markdown(&set),
        Format::Json => render_json(&set),
    };
    let printed = print_stdout(&rendered);
    if printed != ExitStatus::Success {
        return Ok(printed);
    }
    if let Some(out) = &args.out {
        eprintln!(
            "saved the plan to `{}`; apply it with `roster apply --plan {}`",
            out.display(),
            out.display()
        );
    }
    Ok(if set.is_blocked() {
        ExitStatus::Blocked
    } else if args.detailed_exitcode && !set.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}

/// Parses `--reactivate` values.
pub fn parse_reactivate(values: &[String]) -> Result<BTreeSet<Email>, Failure> {
    values
        .iter()
        .map(|raw| Email::parse(raw).map_err(|err| Failure::usage(format!("--reactivate: {err}"))))
        .collect()
}
