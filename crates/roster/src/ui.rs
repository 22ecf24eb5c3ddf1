//! How output looks, decided once per run: colours (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`,
//! `TERM=dumb`, a terminal or not), progress bars on a terminal only, the confirmation prompt
//! of `apply`, and the log subscriber behind `-v` / `-q` / `RUST_LOG`.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use parking_lot::Mutex;
use roster_service::{Progress, ProgressSink};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set or `TERM=dumb` (`CLICOLOR_FORCE`
    /// forces it).
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether a stream that `is_terminal` gets colours, given the environment `var`.
    fn colors(self, is_terminal: bool, var: impl Fn(&str) -> Option<String>) -> bool {
        let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("NO_COLOR") => false,
            ColorChoice::Auto
                if set("CLICOLOR_FORCE") && var("CLICOLOR_FORCE").as_deref() != Some("0") =>
            {
                true
            }
            ColorChoice::Auto => is_terminal && var("TERM").as_deref() != Some("dumb"),
        }
    }
}

/// Decisions about presentation, made once per run from the flags and the environment.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Whether stdout gets ANSI colours.
    pub color: bool,
    /// Whether stderr gets ANSI colours (diagnostics, logs).
    pub color_stderr: bool,
    /// Whether stderr may draw progress bars.
    pub progress: bool,
    /// Whether stderr gets a progress line now and then instead (off a terminal, not `-q`).
    pub progress_lines: bool,
    /// Whether stdin can answer a prompt.
    pub interactive: bool,
    /// `-q`: only errors on stderr (no notes such as the cost of a read).
    pub quiet: bool,
}

impl Ui {
    /// Reads the terminal and the environment. Progress bars are off while logs are on
    /// (`verbose`), so the two never garble each other.
    pub fn detect(choice: ColorChoice, verbose: bool) -> Self {
        let var = |name: &str| std::env::var(name).ok();
        let stderr_is_terminal = std::io::stderr().is_terminal();
        Ui {
            color: choice.colors(std::io::stdout().is_terminal(), var),
            color_stderr: choice.colors(stderr_is_terminal, var),
            progress: stderr_is_terminal && !verbose && var("TERM").as_deref() != Some("dumb"),
            progress_lines: !stderr_is_terminal,
            interactive: std::io::stdin().is_terminal() && stderr_is_terminal,
            quiet: false,
        }
    }

    /// A sink that draws one spinner per org being read and one bar per org being applied
    /// on a terminal, and off one prints a progress line at most every 10 s per org.
    pub fn progress_sink(self) -> ProgressSink {
        if !self.progress {
            if self.progress_lines {
                let lines = crate::progress_lines::Lines::default();
                return Arc::new(move |progress| lines.show(&progress));
            }
            return roster_service::silent();
        }
        let bars = Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            by_org: Mutex::new(HashMap::new()),
        };
        Arc::new(move |progress| bars.show(progress))
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

/// The progress bars of a run, one per org at a time.
struct Bars {
    multi: MultiProgress,
    by_org: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    fn show(&self, progress: Progress) {
        let mut by_org = self.by_org.lock();
        match progress {
            Progress::Reading {
                org,
                stage,
                done,
                total,
            } => {
                let spinner = by_org.entry(org.clone()).or_insert_with(|| {
                    let spinner = self.multi.add(ProgressBar::new_spinner());
                    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
                    spinner
                });
                spinner.set_message(format!("reading {org}: {stage} {done}/{total}"));
            }
            Progress::Applying {
                org,
                finished,
                total,
            } => {
                let bar = by_org.entry(org.clone()).or_insert_with(|| {
                    let bar = self.multi.add(ProgressBar::new(total as u64));
                    let style =
                        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
                            .map_or_else(
                                |_| ProgressStyle::default_bar(),
                                |style| style.progress_chars("=> "),
                            );
                    bar.set_style(style);
                    bar.set_message(format!("applying {org}"));
                    bar
                });
                bar.set_position(finished as u64);
            }
            Progress::ReadDone { org } | Progress::ApplyDone { org } => {
                if let Some(bar) = by_org.remove(&org) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
            }
        }
    }
}

/// Installs the log subscriber: to stderr, never stdout, at the level `-q` / `-v` / `-vv`
/// ask (`RUST_LOG` overrides). `-v` shows every request roster makes (method, path, status,
/// time), which the client logs without tokens or secrets.
pub fn init_logging(verbose: u8, quiet: bool, color: bool) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(verbose, quiet, "warn"))
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(verbose >= 2)
        .without_time()
        .try_init();
}

/// Logging of `roster serve`: one JSON object per line on stderr, with its time, level,
/// target and fields (a log collector's input), at `info` unless `-q`, `-v` or `RUST_LOG`
/// say otherwise. Events hold no secret, token or payload body.
pub fn init_server_logging(verbose: u8, quiet: bool) {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter(verbose, quiet, "info"))
        .with_writer(std::io::stderr)
        .with_current_span(false)
        .try_init();
}

/// `RUST_LOG`, else the level `-q` and `-v` ask for (`default` without either).
fn filter(verbose: u8, quiet: bool, default: &str) -> tracing_subscriber::EnvFilter {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => default,
        (false, 1) => "info,roster_genesys::http=debug",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level))
}

/// `1 warning`, `3 warnings`: a count and its noun, for summaries.
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn colour_is_decided_by_the_flag_then_the_environment_then_the_terminal() {
        let auto = ColorChoice::Auto;
        assert!(auto.colors(true, env(&[])));
        assert!(!auto.colors(false, env(&[])));
        assert!(!auto.colors(true, env(&[("NO_COLOR", "1")])));
        assert!(
            auto.colors(true, env(&[("NO_COLOR", "")])),
            "an empty NO_COLOR is unset"
        );
        assert!(auto.colors(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!auto.colors(false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!auto.colors(true, env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])));
        assert!(!auto.colors(true, env(&[("TERM", "dumb")])));
        assert!(ColorChoice::Always.colors(false, env(&[("NO_COLOR", "1")])));
        assert!(!ColorChoice::Never.colors(true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
