//! `roster offboard` (being written).

use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::ui::Ui;

/// Arguments of `roster offboard`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
#[allow(clippy::unused_async)]
pub async fn run(_args: &Args, _ui: Ui) -> Result<ExitStatus, Failure> {
    Err(Failure::error("not available yet"))
}
