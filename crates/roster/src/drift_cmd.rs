//! `roster drift`: what in each org no longer matches git, and who changed it.

use std::path::PathBuf;

use futures::future::join_all;
use roster_service::drift::{self, DRIFT_FORMAT, DriftCheck, DriftSet};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster drift`.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Check only this org (repeat for several); default: every org in `roster.yaml`.
    #[arg(long = "org", value_name = "NAME", env = "ROSTER_ORG")]
    pub orgs: Vec<String>,
    /// Look for who changed what since WHEN: an RFC 3339 time (`2026-12-01T09:00:00Z`), a
    /// date (`2026-12-01`, midnight UTC) or a duration ago (`90m`, `24h`, `7d`, `2w`).
    /// Default: the last complete apply in the org's journal, else 7 days ago.
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    pub since: Option<Since>,
    /// How to show the drift: `markdown` fits an issue or a chat message, `json` follows
    /// `schemas/drift.schema.json`.
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

/// Output formats of drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftFormat {
    /// For people and logs.
    Text,
    /// For an issue or a chat message.
    Markdown,
    /// For tools.
    Json,
}

/// `--since`: a time, or how long before now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This time.
    At(OffsetDateTime),
    /// This long before the check.
    Ago(Duration),
}

impl Since {
    fn resolve(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            Since::At(time) => time,
            Since::Ago(duration) => now - duration,
        }
    }
}

/// Parses `--since`.
fn parse_since(text: &str) -> Result<Since, String> {
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(Since::At(time));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = Date::parse(text, format) {
        return Ok(Since::At(date.with_time(Time::MIDNIGHT).assume_utc()));
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let count: i64 = number.parse().map_err(|_| expected(text))?;
    let duration = match unit {
        "m" => Duration::minutes(count),
        "h" => Duration::hours(count),
        "d" => Duration::days(count),
        "w" => Duration::weeks(count),
        _ => return Err(expected(text)),
    };
    Ok(Since::Ago(duration))
}

fn expected(text: &str) -> String {
    format!(
        "`{text}` is not a time: give an RFC 3339 time (2026-12-01T09:00:00Z), a date \
         (2026-12-01) or a duration ago (90m, 24h, 7d, 2w)"
    )
}

/// Runs the command.
pub async fn run(args: &DriftArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let orgs = roster_service::select(&workspace, &args.orgs)?;
    let now = OffsetDateTime::now_utc();
    let check = DriftCheck {
        since: args.since.map(|since| since.resolve(now)),
        now,
    };
    let progress = ui.progress_sink();
    let checks = orgs
        .iter()
        .map(|spec| drift::drift_org(&workspace, spec, check, &progress));
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for (spec, outcome) in orgs.iter().zip(join_all(checks).await) {
        match outcome {
            Ok(report) => reports.push(report),
            Err(error) => failures.push(Failure::from(error).in_org(&spec.name)),
        }
    }
    if !failures.is_empty() {
        return Err(Failure::all(failures));
    }
    let set = DriftSet {
        format: DRIFT_FORMAT,
        orgs: reports,
    };
    let rendered = match args.format {
        DriftFormat::Text => drift::render_text(&set),
        DriftFormat::Markdown => drift::render_markdown(&set),
        DriftFormat::Json => {
            let mut json = serde_json::to_string_pretty(&set).expect("a drift report is JSON");
            json.push('\n');
            json
        }
    };
    let printed = print_stdout(&rendered);
    if printed != ExitStatus::Success {
        return Ok(printed);
    }
    Ok(if set.orgs.iter().any(drift::DriftReport::drifted) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn since_takes_times_dates_and_durations_ago() {
        assert_eq!(
            parse_since("2026-12-01T09:00:00Z"),
            Ok(Since::At(datetime!(2026-12-01 09:00 UTC)))
        );
        assert_eq!(
            parse_since("2026-12-01"),
            Ok(Since::At(datetime!(2026-12-01 00:00 UTC)))
        );
        assert_eq!(parse_since("90m"), Ok(Since::Ago(Duration::minutes(90))));
        assert_eq!(parse_since("7d"), Ok(Since::Ago(Duration::days(7))));
        assert_eq!(parse_since("2w"), Ok(Since::Ago(Duration::weeks(2))));
        for wrong in ["", "d", "7", "7y", "yesterday", "2026-13-01"] {
            let error = parse_since(wrong).unwrap_err();
            assert!(error.contains("RFC 3339"), "{wrong}: {error}");
        }
    }
}
