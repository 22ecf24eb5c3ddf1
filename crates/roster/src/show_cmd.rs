//! `roster show`: render a plan saved by `roster plan --out`, without reading any org, the
//! way `terraform show` renders a saved plan. The plan's digests are checked first, so what
//! is shown is what `roster apply --plan` would apply.

use std::path::PathBuf;

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::plan_cmd::{Format, render};
use crate::ui::Ui;

/// Arguments of `roster show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The saved plan (`roster plan --out FILE`).
    #[arg(value_name = "FILE")]
    pub plan: PathBuf,
    /// How to show the plan, as for `roster plan`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the command.
pub fn run(args: &Args, ui: Ui) -> Result<ExitStatus, Failure> {
    let set = roster_service::load_saved_plan(&args.plan)?;
    Ok(print_stdout(&render(&set, args.format, ui)))
}
