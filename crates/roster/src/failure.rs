//! The one way a command fails: a message, an optional hint, and the exit status it maps to.
//! `main` renders it as `error: …` / `hint: …` on stderr.

use std::fmt;

use crate::exit::ExitStatus;

/// A command's failure, already worded for the user.
#[derive(Debug)]
pub struct Failure {
    /// The exit status (DESIGN §6).
    pub status: ExitStatus,
    /// What went wrong, one sentence, without a trailing period.
    pub message: String,
    /// What to do next.
    pub hint: Option<String>,
}

impl Failure {
    /// A general error (exit 1).
    pub fn error(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::Failure,
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error (exit 64).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::Usage,
            message: message.into(),
            hint: None,
        }
    }

    /// The same failure with a different exit status.
    pub fn with_status(mut self, status: ExitStatus) -> Self {
        self.status = status;
        self
    }

    /// The same failure with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Prints the failure to stderr and returns its status.
    pub fn report(self) -> ExitStatus {
        eprintln!("{self}");
        self.status
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}
