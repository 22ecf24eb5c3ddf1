//! `roster drift`: what in each org no longer matches git, and who changed it.

use std::io::Write as _;
use std::path::PathBuf;

use roster_service::drift::watch::{WatchEvent, WatchSettings};
use roster_service::drift::{self, DRIFT_FORMAT, DriftCheck, DriftSet};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::reports::{ReportFormat, each_org, json_text};
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
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Keep running: listen to the org's notifications, read again only what an event names,
    /// and print each drift as it is found (JSON lines with `--format json`). Ctrl-C or
    /// SIGTERM stops it.
    #[arg(long)]
    pub watch: bool,
    /// With `--watch`, check the whole org every DURATION (`30m`, `1h`; up to 10% jitter),
    /// besides after every reconnect.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, default_value = "1h", requires = "watch")]
    pub interval: std::time::Duration,
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
    duration(text).map(Since::Ago).ok_or_else(|| expected(text))
}

/// Parses `--interval`.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    duration(text)
        .filter(|duration| duration.is_positive())
        .and_then(|duration| duration.try_into().ok())
        .ok_or_else(|| format!("`{text}` is not a duration: give one like 90s, 30m, 1h or 1d"))
}

/// `90s`, `30m`, `24h`, `7d`, `2w`.
fn duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let count: i64 = number.parse().ok()?;
    let unit: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    // At most 1,000 years: beyond that no date is meant, and the arithmetic would overflow.
    count
        .checked_mul(unit)
        .filter(|seconds| *seconds <= 1_000 * 366 * 86_400)
        .map(Duration::seconds)
}

fn expected(text: &str) -> String {
    format!(
        "`{text}` is not a time: give an RFC 3339 time (2026-12-01T09:00:00Z), a date \
         (2026-12-01) or a duration ago (90s, 90m, 24h, 7d, 2w)"
    )
}

/// Runs the command.
pub async fn run(args: &DriftArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let orgs = roster_service::select(&workspace, &args.orgs)?;
    if args.watch {
        return watch(args, &workspace, &orgs, ui).await;
    }
    let now = OffsetDateTime::now_utc();
    let check = DriftCheck {
        since: args.since.map(|since| since.resolve(now)),
        now,
    };
    let progress = ui.progress_sink();
    let reports = each_org(&orgs, |spec| {
        drift::drift_org(&workspace, spec, check, &progress)
    })
    .await?;
    let set = DriftSet {
        format: DRIFT_FORMAT,
        orgs: reports,
    };
    let rendered = match args.format {
        ReportFormat::Text => drift::render_text(&set),
        ReportFormat::Markdown => drift::render_markdown(&set),
        ReportFormat::Json => json_text(&set),
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

/// `--watch`: every org watched at once until Ctrl-C or SIGTERM; each event printed as it
/// comes, a line of text or of JSON.
async fn watch(
    args: &DriftArgs,
    workspace: &roster_manifest::Workspace,
    orgs: &[&roster_manifest::OrgSpec],
    ui: Ui,
) -> Result<ExitStatus, Failure> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = std::sync::Arc::new(stop);
    if let Some(mut signals) = crate::signals::Signals::listen() {
        let on_signal = stop.clone();
        tokio::spawn(async move {
            signals.next().await;
            eprintln!("\nstopping the watch");
            let _ = on_signal.send(true);
        });
    }
    let settings = WatchSettings {
        interval: args.interval,
        ..WatchSettings::default()
    };
    let json = args.format == ReportFormat::Json;
    let print = move |event: WatchEvent| {
        let line = if json {
            let mut line = serde_json::to_string(&event).expect("a watch event is JSON");
            line.push('\n');
            line
        } else {
            drift::render_event(&event)
        };
        // A closed pipe (`roster drift --watch | head -5`) ends the watch.
        let mut stdout = std::io::stdout().lock();
        let written = stdout
            .write_all(line.as_bytes())
            .and_then(|()| stdout.flush());
        if written.is_err() {
            let _ = stop.send(true);
        }
    };
    let progress = ui.progress_sink();
    each_org(orgs, |spec| {
        let mut stopped = stopped.clone();
        let stop = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        drift::watch::watch(workspace, spec, settings, &progress, &print, stop)
    })
    .await?;
    Ok(ExitStatus::Success)
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
        assert_eq!(parse_since("90s"), Ok(Since::Ago(Duration::seconds(90))));
        assert!(
            parse_since("600000w").is_err(),
            "no panic on an absurd duration"
        );
        assert!(parse_since("99999999999999999999s").is_err());
        for wrong in ["", "d", "7", "7y", "yesterday", "2026-13-01"] {
            let error = parse_since(wrong).unwrap_err();
            assert!(error.contains("RFC 3339"), "{wrong}: {error}");
        }
    }

    #[test]
    fn an_interval_is_a_positive_duration() {
        assert_eq!(
            parse_interval("30m"),
            Ok(std::time::Duration::from_mins(30))
        );
        for wrong in ["0s", "1", "1y", "-1h", ""] {
            assert!(parse_interval(wrong).is_err(), "{wrong}");
        }
    }
}
