//! `roster notify`: who hears about a change or an announcement, and sending it.

use std::fmt::Write as _;
use std::path::PathBuf;

use roster_manifest::{OrgSpec, Workspace};
use roster_notify::outbox::{OutboxStatus, State, StoredNotice};
use roster_notify::{Notice, Window, time_zone};
use roster_service::notify::{self, NoticeBatch, SendReport};
use roster_service::{Access, ReadOrg};
use serde_json::json;

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::ui::Ui;
use crate::workspace;

/// `roster notify` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum NotifyCommand {
    /// Show who would get what, when (in their own time) and through which channel; send
    /// nothing.
    Plan(PlanArgs),
    /// Queue the announcements' audiences as the org is now, escalate overdue
    /// acknowledgements, send every message that is due, and exit (1 if anything failed).
    Send(SendArgs),
    /// List the outbox: counts, and the pending, in-doubt, dead-lettered, undeliverable and
    /// unacknowledged messages.
    Status(StatusArgs),
    /// Put dead-lettered messages back in the queue (all, or one by key; an in-doubt message
    /// only by key, once you know it did not arrive); the next `roster notify send` sends them.
    Retry(RetryArgs),
}

/// Arguments of `roster notify plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Only this org (repeat for several); default: every org.
    #[arg(long = "org", value_name = "NAME", env = "ROSTER_ORG")]
    pub orgs: Vec<String>,
    /// The change notices of this saved plan (`roster plan --out FILE`).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "announcement",
        conflicts_with = "announcement"
    )]
    pub plan: Option<PathBuf>,
    /// The messages of this announcement (its `name:` in the manifests).
    #[arg(long, value_name = "NAME")]
    pub announcement: Option<String>,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `roster notify send`.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
}

/// Arguments of `roster notify status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `roster notify retry`.
#[derive(Debug, clap::Args)]
pub struct RetryArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Only the message with this key (as `roster notify status` lists it), dead-lettered or
    /// in doubt; default: every dead-lettered message.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For tools.
    Json,
}

/// Runs a `roster notify` subcommand.
pub async fn run(command: &NotifyCommand, ui: Ui) -> Result<ExitStatus, Failure> {
    match command {
        NotifyCommand::Plan(args) => plan(args, ui).await,
        NotifyCommand::Send(args) => send(args, ui).await,
        NotifyCommand::Status(args) => status(args, ui),
        NotifyCommand::Retry(args) => retry(args, ui),
    }
}

async fn plan(args: &PlanArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let config = notify::config(&workspace)?;
    let saved = args
        .plan
        .as_deref()
        .map(roster_service::load_saved_plan)
        .transpose()
        .map_err(|error| Failure::caused(&error))?;
    let names = match (&saved, args.orgs.is_empty()) {
        (Some(saved), true) => saved.orgs.iter().map(|plan| plan.org.clone()).collect(),
        _ => args.orgs.clone(),
    };
    let orgs = roster_service::select(&workspace, &names)?;
    let read =
        roster_service::read_orgs(&workspace, &orgs, Access::Read, &ui.progress_sink()).await?;
    let now = notify::now();
    let mut batches = Vec::new();
    for org in &read {
        let spec = org.session.spec();
        let batch = match (&saved, &args.announcement) {
            (Some(saved), _) => {
                let Some(plan) = saved.orgs.iter().find(|plan| plan.org == spec.name) else {
                    continue;
                };
                notify::change_notices(config, spec, &org.snapshot.live, plan, now)
            }
            (None, Some(name)) => {
                if !spec
                    .announcements
                    .iter()
                    .any(|a| &a.announcement.name == name)
                    && orgs.len() > 1
                {
                    continue;
                }
                notify::announcement_notices(spec, config, &org.snapshot.live, name)
            }
            (None, None) => unreachable!("clap requires --plan or --announcement"),
        };
        batches.push(batch.map_err(|error| Failure::from(error).in_org(spec.name.clone()))?);
    }
    if let (Some(name), true) = (&args.announcement, batches.is_empty()) {
        return Err(
            Failure::usage(format!("no org declares an announcement called `{name}`"))
                .with_hint("`announcements:` in the org's manifest files names them"),
        );
    }
    let text = match args.format {
        Format::Text => plan_text(&batches, now),
        Format::Json => plan_json(&batches, now),
    };
    Ok(print_stdout(&text))
}

/// When `notice` goes out: its first instant at or after `now` inside its window, in the
/// recipient's time zone, written in that zone.
fn due_local(notice: &Notice, now: jiff::Timestamp) -> String {
    let zone = time_zone(&notice.recipient.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let start = notice.not_before.max(now);
    let due = notice
        .window
        .as_deref()
        .and_then(|window| Window::parse(window).ok())
        .map_or(start, |window| window.next_opening(start, &zone));
    due.to_zoned_datetime(zone)
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn plan_text(batches: &[NoticeBatch], now: jiff::Timestamp) -> String {
    let mut out = String::new();
    for batch in batches {
        let people: std::collections::BTreeSet<&str> = batch
            .notices
            .iter()
            .map(|notice| notice.recipient.email.as_str())
            .collect();
        let _ = writeln!(
            out,
            "{}: {} message(s) to {} people",
            batch.org,
            batch.notices.len(),
            people.len()
        );
        for notice in &batch.notices {
            let _ = writeln!(
                out,
                "  {:<11} {:<32} {:<10} {}  \"{}\"",
                notice.tier.as_str(),
                notice.recipient.email,
                notice.channel,
                due_local(notice, now),
                notice.subject
            );
        }
        for person in &batch.undeliverable {
            let _ = writeln!(
                out,
                "  undeliverable: {} ({}): {}",
                person.email,
                person.tier.as_str(),
                person.reason
            );
        }
        for name in &batch.unmatched {
            let _ = writeln!(out, "  matches nothing in the org: {name}");
        }
    }
    if batches.iter().all(|batch| batch.notices.is_empty()) {
        out += "Nobody to tell.\n";
    }
    out
}

fn plan_json(batches: &[NoticeBatch], now: jiff::Timestamp) -> String {
    let orgs: Vec<_> = batches
        .iter()
        .map(|batch| {
            json!({
                "org": batch.org,
                "messages": batch.notices.iter().map(|notice| json!({
                    "key": notice.key(),
                    "tier": notice.tier.as_str(),
                    "recipient": notice.recipient.email,
                    "name": notice.recipient.name,
                    "timezone": notice.recipient.timezone,
                    "channel": notice.channel,
                    "due": due_local(notice, now),
                    "subject": notice.subject,
                    "body": notice.body,
                })).collect::<Vec<_>>(),
                "undeliverable": batch.undeliverable.iter().map(|person| json!({
                    "recipient": person.email,
                    "tier": person.tier.as_str(),
                    "reason": person.reason,
                })).collect::<Vec<_>>(),
                "unmatched": batch.unmatched,
            })
        })
        .collect();
    format!("{:#}\n", json!({ "orgs": orgs }))
}

async fn send(args: &SendArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    notify::config(&workspace)?;
    // An announcement that cannot be addressed now (an org that cannot be read) leaves what
    // is already queued to be sent all the same; the run then fails.
    let queued = match queue_announcements(&workspace, ui).await {
        Ok(()) => true,
        Err(failure) => {
            failure.report();
            false
        }
    };
    let report = notify::send_due(&workspace).await?;
    eprint!("{}", send_summary(&report));
    let failed = report.summary.has_failures() || !queued;
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Queues the audiences of the announcements open now, addressed as the orgs are now: reads
/// the orgs that have any.
async fn queue_announcements(workspace: &Workspace, ui: Ui) -> Result<(), Failure> {
    let config = notify::config(workspace)?;
    let now = notify::now();
    let open = |spec: &&OrgSpec| {
        spec.announcements
            .iter()
            .any(|declared| notify::is_open(&declared.announcement, now))
    };
    let names: Vec<String> = workspace
        .orgs
        .values()
        .filter(open)
        .map(|spec| spec.name.clone())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let orgs = roster_service::select(workspace, &names)?;
    let read: Vec<ReadOrg<'_>> =
        roster_service::read_orgs(workspace, &orgs, Access::Read, &ui.progress_sink()).await?;
    let mut batches = Vec::new();
    for org in &read {
        let spec = org.session.spec();
        for declared in &spec.announcements {
            if !notify::is_open(&declared.announcement, now) {
                continue;
            }
            let batch = notify::announcement_notices(
                spec,
                config,
                &org.snapshot.live,
                &declared.announcement.name,
            )
            .map_err(|error| Failure::from(error).in_org(spec.name.clone()))?;
            report_undeliverable(&batch);
            batches.push(batch);
        }
    }
    let queued = notify::queue(config, &batches)?;
    if queued.added > 0 {
        eprintln!("queued {} new announcement message(s)", queued.added);
    }
    Ok(())
}

/// Prints who could not be addressed (listed, never dropped silently; not a failure: the
/// manifests say why, e.g. a user this plan deactivates).
pub fn report_undeliverable(batch: &NoticeBatch) {
    for person in &batch.undeliverable {
        eprintln!(
            "{}: cannot tell {} ({}): {}",
            batch.org,
            person.email,
            person.tier.as_str(),
            person.reason
        );
    }
}

/// What a send did, one line per channel, and what to do about failures.
pub fn send_summary(report: &SendReport) -> String {
    let mut out = String::new();
    if report.escalations.added > 0 {
        let _ = writeln!(
            out,
            "escalated: {} digest(s) to supervisors about missing acknowledgements",
            report.escalations.added
        );
    }
    for person in &report.unescalated {
        let _ = writeln!(
            out,
            "not acknowledged, and nobody to escalate to: {person} (no manager in the manifests, or no admin)"
        );
    }
    for (name, channel) in &report.summary.channels {
        let _ = writeln!(
            out,
            "{name}: {} sent, {} failed (will retry), {} dead-lettered, {} undeliverable, {} in doubt, {} waiting for their window, {} held",
            channel.sent,
            channel.failed,
            channel.dead_lettered,
            channel.undeliverable,
            channel.in_doubt,
            channel.deferred,
            channel.held
        );
        if channel.breaker_open {
            let _ = writeln!(
                out,
                "{name}: halted: more than 5% of its sends failed in the last minute; the rest stay queued for the next `roster notify send`"
            );
        }
    }
    for (name, count) in &report.summary.unconfigured {
        let _ = writeln!(
            out,
            "{name}: {count} message(s) wait for a channel `roster.yaml` no longer configures"
        );
    }
    if report.summary.channels.is_empty() && report.summary.unconfigured.is_empty() {
        out += "nothing due\n";
    }
    if report.summary.has_failures() {
        out += "see `roster notify status` for the failed messages; `roster notify retry` queues dead-lettered ones again\n";
    }
    out
}

fn status(args: &StatusArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let config = notify::config(&workspace)?;
    let status = notify::status(config)?;
    let text = match args.format {
        Format::Text => status_text(&status),
        Format::Json => format!("{:#}\n", status_json(&status)),
    };
    Ok(print_stdout(&text))
}

fn status_text(status: &OutboxStatus) -> String {
    let count = |state| status.counts.get(&state).copied().unwrap_or(0);
    let mut out = format!(
        "{} pending, {} sent, {} dead-lettered, {} undeliverable, {} in doubt, {} unacknowledged\n",
        count(State::Pending),
        count(State::Sent),
        count(State::Dead),
        count(State::Undeliverable),
        count(State::Sending),
        status.unacknowledged.len()
    );
    for (title, rows) in [
        ("pending", &status.pending),
        (
            "in doubt (sent or not: check with the recipient, then `roster notify retry --key KEY`)",
            &status.in_doubt,
        ),
        (
            "dead-lettered (`roster notify retry` queues them again)",
            &status.dead,
        ),
        ("undeliverable", &status.undeliverable),
        ("unacknowledged", &status.unacknowledged),
    ] {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}:");
        for row in rows {
            let _ = writeln!(out, "  {}", row_line(row));
        }
    }
    out
}

fn row_line(row: &StoredNotice) -> String {
    let mut line = format!(
        "{} {} via {} \"{}\" [{}]",
        row.org, row.recipient.email, row.channel, row.subject, row.key
    );
    if let Some(error) = &row.last_error {
        let _ = write!(line, ": {error}");
    }
    if row.state == State::Pending {
        let _ = write!(line, " next {}", row.next_attempt);
    }
    if let Some(by) = row.acknowledge_by {
        let _ = write!(line, " acknowledge by {by}");
    }
    line
}

fn status_json(status: &OutboxStatus) -> serde_json::Value {
    let rows = |rows: &[StoredNotice]| {
        rows.iter()
            .map(|row| {
                json!({
                    "key": row.key,
                    "org": row.org,
                    "message": row.message,
                    "recipient": row.recipient.email,
                    "tier": row.tier.as_str(),
                    "channel": row.channel,
                    "subject": row.subject,
                    "state": row.state.as_str(),
                    "attempts": row.attempts,
                    "lastError": row.last_error,
                    "nextAttempt": row.next_attempt.to_string(),
                    "sentAt": row.sent_at.map(|at| at.to_string()),
                    "acknowledgeBy": row.acknowledge_by.map(|at| at.to_string()),
                })
            })
            .collect::<Vec<_>>()
    };
    json!({
        "counts": status.counts.iter().map(|(state, count)| (state.as_str().to_owned(), json!(count))).collect::<serde_json::Map<_, _>>(),
        "pending": rows(&status.pending),
        "inDoubt": rows(&status.in_doubt),
        "dead": rows(&status.dead),
        "undeliverable": rows(&status.undeliverable),
        "unacknowledged": rows(&status.unacknowledged),
    })
}

fn retry(args: &RetryArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let config = notify::config(&workspace)?;
    let count = notify::retry(config, args.key.as_deref())?;
    eprintln!("{count} message(s) queued again; `roster notify send` sends them");
    Ok(ExitStatus::Success)
}

/// A notify error as the CLI reports it, with what to do where that is known.
impl From<notify::NotifyError> for Failure {
    fn from(error: notify::NotifyError) -> Failure {
        let hint = match &error {
        notify::NotifyError::NotConfigured => Some(
            "add `notify: { channels: { outbox: { file: .roster/outbox } }, notices: { channels: [outbox] } }` to `roster.yaml` (README: \"Telling people\")".to_owned(),
        ),
        notify::NotifyError::NoNoticeSettings => Some(
            "add `notices: { channels: [email], window: \"09:00-17:00\" }` under `notify:` in `roster.yaml`".to_owned(),
        ),
        _ => None,
    };
        Failure::caused(&error).with_hint_opt(hint)
    }
}
