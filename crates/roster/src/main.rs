//! The `roster` command-line tool: contact-center configuration as code for Genesys Cloud.
//!
//! Each subcommand lives in its own module; this file parses arguments, dispatches, and turns
//! every outcome into one rendering and one exit code (DESIGN §6).

mod exit;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::ExitStatus;

/// Contact-center configuration as code for Genesys Cloud.
///
/// roster reads YAML manifests (skills, languages, wrap-up codes, queues, teams, routing
/// profiles and users) from a git repository, compares them with each live org, shows a plan,
/// and applies it in dependency order inside the org's rate limit.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about, long_about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the manifests without contacting any org.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of manifest files (for editors: `yaml-language-server`).
    Schema,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout with success; real usage errors exit 64.
            let usage_error = err.use_stderr();
            let _ = err.print();
            return if usage_error {
                ExitStatus::Usage.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    let status = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Schema => exit::print_stdout(&roster_manifest::json_schema_string()),
    };
    status.into()
}
