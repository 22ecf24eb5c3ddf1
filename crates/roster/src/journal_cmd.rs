//! `roster journal`: check a journal's chain (against a head or checkpoint kept elsewhere),
//! print its checkpoint, or show what happened to a user.

use std::path::{Path, PathBuf};

use roster_apply::{
    Checkpoint, JournalKey, Verdict, VerifyOptions, entries_for_user, read_entries, verify_with,
};
use roster_model::Email;

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;

/// Subcommands of `roster journal`.
#[derive(Debug, clap::Subcommand)]
pub enum JournalCommand {
    /// Check that no line of a journal was edited, forged, removed, inserted or reordered, and
    /// say what that proves in the journal's mode (plain or keyed).
    Verify {
        /// The journal file (`.roster/journal/<org>.jsonl`).
        file: PathBuf,
        /// The environment variable holding the journal key (`journal.key` in `roster.yaml`):
        /// needed to prove a keyed journal authentic.
        #[arg(long, value_name = "VAR")]
        key_env: Option<String>,
        /// A line hash kept elsewhere (the `journal head` an apply prints): detects lines cut
        /// from the end and a rewritten chain.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
        /// A checkpoint file kept elsewhere (`roster apply --checkpoint-out`, `roster journal
        /// checkpoint`): detects lines cut from the end and a rewritten chain.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
    },
    /// Verify a journal and print its checkpoint (org, last line, its hash) as one JSON line,
    /// to keep somewhere else and pass to `verify --checkpoint` later.
    Checkpoint {
        /// The journal file (`.roster/journal/<org>.jsonl`).
        file: PathBuf,
        /// The environment variable holding the journal key; required for a keyed journal.
        #[arg(long, value_name = "VAR")]
        key_env: Option<String>,
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
        JournalCommand::Verify {
            file,
            key_env,
            head,
            checkpoint,
        } => {
            let options = VerifyOptions {
                key: key_from(key_env.as_deref())?,
                head: head.clone(),
                checkpoints: match checkpoint {
                    Some(path) => {
                        Checkpoint::read_file(path).map_err(|err| Failure::caused(&err))?
                    }
                    None => Vec::new(),
                },
            };
            let report = verify_with(file, &options).map_err(|err| Failure::caused(&err))?;
            let status = print_stdout(&format!("{report}\n"));
            Ok(if report.is_intact() {
                status
            } else {
                ExitStatus::Failure
            })
        }
        JournalCommand::Checkpoint { file, key_env } => checkpoint(file, key_env.as_deref()),
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

/// Prints the checkpoint of a journal that verifies; refuses one that does not, or that is
/// keyed and cannot be checked without its key (a checkpoint would anchor a forgery).
fn checkpoint(file: &Path, key_env: Option<&str>) -> Result<ExitStatus, Failure> {
    let options = VerifyOptions {
        key: key_from(key_env)?,
        ..VerifyOptions::default()
    };
    let report = verify_with(file, &options).map_err(|err| Failure::caused(&err))?;
    match report.verdict() {
        Verdict::Intact => {}
        Verdict::Unproven => {
            return Err(Failure::error(format!(
                "`{}` cannot be proven authentic, so no checkpoint was written",
                file.display()
            ))
            .with_hint("pass the journal key with `--key-env VAR`"));
        }
        Verdict::Broken => {
            return Err(Failure::error(format!(
                "`{}` does not verify, so no checkpoint was written",
                file.display()
            ))
            .with_hint(format!(
                "run `roster journal verify {}{}` to see where it breaks",
                file.display(),
                key_env.map_or_else(String::new, |var| format!(" --key-env {var}"))
            )));
        }
    }
    let checkpoint = Checkpoint {
        org: report.org.clone().unwrap_or_default(),
        seq: report.entries as u64,
        head: report.head.clone(),
    };
    Ok(print_stdout(&format!("{}\n", checkpoint.to_line())))
}

/// The journal key in the environment variable `env`, if one was named.
fn key_from(env: Option<&str>) -> Result<Option<JournalKey>, Failure> {
    let Some(env) = env else {
        return Ok(None);
    };
    let Some(value) = std::env::var_os(env) else {
        return Err(Failure::usage(format!(
            "the journal key variable `{env}` is not set"
        )));
    };
    JournalKey::new(value.into_encoded_bytes())
        .map(Some)
        .map_err(|err| Failure::caused(&err))
}
