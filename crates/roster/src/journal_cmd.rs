//! `roster journal`: check a journal's hash chain, or show what happened to a user.

use std::path::PathBuf;

use roster_apply::{entries_for_user, read_entries, verify};
use roster_model::Email;

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;

/// Subcommands of `roster journal`.
#[derive(Debug, clap::Subcommand)]
pub enum JournalCommand {
    /// Check that no line of a journal was edited, removed, inserted or reordered.
    Verify {
        /// The journal file (`.roster/journal/<org>.jsonl`).
        file: PathBuf,
    },
    /// Print a journal's entries, or only those about one user.
    Show {
        /// The journal file (`.roster/journal/<org>.jsonl`).
        file: PathBuf,
        /// Only entries about this user.
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
    },
}

/// Runs the command.
pub fn run(command: &JournalCommand) -> Result<ExitStatus, Failure> {
    match command {
        JournalCommand::Verify { file } => {
            let report = verify(file).map_err(|err| Failure::caused(&err))?;
            let status = print_stdout(&format!("{report}\n"));
            Ok(if report.is_intact() {
                status
            } else {
                ExitStatus::Failure
            })
        }
        JournalCommand::Show { file, user } => {
            let entries = read_entries(file).map_err(|err| Failure::caused(&err))?;
            let mut text = String::new();
            let mut push = |entry: &roster_apply::Entry| {
                text.push_str(&entry.to_string());
                text.push('\n');
            };
            match user {
                Some(raw) => {
                    let email = Email::parse(raw).map_err(|err| Failure::usage(err.to_string()))?;
                    entries_for_user(&entries, &email).for_each(&mut push);
                }
                None => entries.iter().for_each(&mut push),
            }
            Ok(print_stdout(&text))
        }
    }
}
