//! `roster completions SHELL`: the shell completion script, generated from the same clap
//! definition that parses the command line, so it never lists a flag that does not exist.

use clap_complete::Shell;

use crate::exit::{ExitStatus, print_stdout};

/// Arguments of `roster completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the script for `args.shell` completing `command` (the whole CLI).
pub fn run(args: &Args, mut command: clap::Command) -> ExitStatus {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "roster", &mut script);
    print_stdout(&String::from_utf8_lossy(&script))
}
