//! Exit codes (DESIGN §6) and the one place that writes a command's main output.

use std::io::Write;
use std::process::ExitCode;

/// How a command ended. The numbers are part of roster's contract with CI scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success, or nothing to change.
    Success,
    /// An error, or failed operations.
    Failure,
    /// Changes present (only with `--detailed-exitcode`).
    Changes,
    /// Blocked by the safety policy.
    Blocked,
    /// A saved plan no longer matches the org.
    StalePlan,
    /// The command line was wrong.
    Usage,
}

impl ExitStatus {
    /// The process exit code (DESIGN §6).
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::Blocked => 3,
            ExitStatus::StalePlan => 4,
            ExitStatus::Usage => 64,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// Writes `text` to stdout. A closed pipe (`roster schema | head`) is not an error.
pub fn print_stdout(text: &str) -> ExitStatus {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitStatus::Success,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(err) => {
            eprintln!("error: cannot write to stdout: {err}");
            ExitStatus::Failure
        }
    }
}
