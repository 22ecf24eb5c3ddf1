//! How output looks: colors on a terminal (never under `NO_COLOR` or a pipe), progress bars on
//! a terminal only, and the confirmation prompt of `apply`.

use std::io::{BufRead, IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

/// Decisions about presentation, made once per run from the environment.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Whether stdout gets ANSI colors.
    pub color: bool,
    /// Whether stderr may draw progress bars.
    pub progress: bool,
    /// Whether stdin can answer a prompt.
    pub interactive: bool,
}

impl Ui {
    /// Reads the terminal and `NO_COLOR` (<https://no-color.org>).
    pub fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ui {
            color: !no_color && std::io::stdout().is_terminal(),
            progress: std::io::stderr().is_terminal(),
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    /// A progress bar of `len` steps, hidden when not on a terminal.
    pub fn bar(self, len: u64, message: impl Into<String>) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        let style = ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
            .map_or_else(
                |_| ProgressStyle::default_bar(),
                |style| style.progress_chars("=> "),
            );
        bar.set_style(style);
        bar.set_message(message.into());
        bar
    }

    /// A spinner for work of unknown length, hidden when not on a terminal.
    pub fn spinner(self, message: impl Into<String>) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let spinner = ProgressBar::new_spinner();
        spinner.set_message(message.into());
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        spinner
    }

    /// Asks a yes/no question on the terminal; anything but `yes`/`y` is no, and so is having
    /// no terminal to ask on.
    pub fn confirm(self, question: &str) -> bool {
        if !self.interactive {
            return false;
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
    }
}

/// `1 warning`, `3 warnings`: a count and its noun, for summaries.
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
