//! `roster validate`: check manifests without contacting any org.
//! (Placeholder: the manifest engineer replaces this file.)

use std::path::PathBuf;

use crate::exit::ExitStatus;

/// Arguments of `roster validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// Runs the command.
pub fn run(_args: &ValidateArgs) -> ExitStatus {
    ExitStatus::Failure
}
