//! `roster apply`: make each org match the manifests, in dependency order, inside the org's
//! rate limit, with an audit journal.
//!
//! Without `--plan` it plans, shows the plan and asks (on a terminal) or requires `--yes`.
//! With `--plan FILE` it applies exactly that saved plan, after re-reading the org and
//! refusing (exit 4) if anything the plan touches changed since it was made.

use std::path::PathBuf;

use futures::future::join_all;
use roster_apply::ApplySummary;
use roster_apply::CancelToken;
use roster_plan::{PlanSet, render_text};
use roster_service::notify;
use roster_service::{Access, ApplyRun, ReadOrg};

use crate::errors::saved_plan_failure;
use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::notify_cmd;
use crate::plan_cmd::{check_reactivations, check_targets, parse_reactivate, parse_targets};
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Apply only this org (repeat for several); default: every org in `roster.yaml`, or
    /// every org in the `--plan` file.
    #[arg(long = "org", value_name = "NAME", env = "ROSTER_ORG")]
    pub orgs: Vec<String>,
    /// Apply this saved plan (`roster plan --out FILE`) instead of planning now. The org is
    /// re-read first; if anything the plan touches changed, nothing is applied (exit 4).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Apply a plan blocked by `policy.limits`: pass the digest the plan prints, which binds
    /// the acknowledgement to that exact plan (repeat for several orgs).
    #[arg(long, value_name = "DIGEST")]
    pub allow_destructive: Vec<String>,
    /// Reactivate this inactive user even if its manifest lacks `reactivate: true`
    /// (repeatable).
    #[arg(long, value_name = "EMAIL")]
    pub reactivate: Vec<String>,
    /// Plan and apply only this object and what it depends on (repeatable), as `roster plan
    /// --target KIND:KEY`; a saved plan (`--plan`) carries its own targets.
    #[arg(long = "target", value_name = "KIND:KEY", conflicts_with = "plan")]
    pub targets: Vec<String>,
    /// Most operations in flight per org (the org's rate limit is the real throttle).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64), env = "ROSTER_CONCURRENCY")]
    pub concurrency: u16,
    /// Test hook: stop starting operations after this many finished, as a crash would.
    #[arg(long, hide = true)]
    pub abort_after: Option<usize>,
    /// Write each org's journal checkpoint (its org, line and hash, one JSON line per org) to
    /// this file, to keep somewhere the journal's writers cannot rewrite and pass to
    /// `roster journal verify --checkpoint` later.
    #[arg(long, value_name = "FILE")]
    pub checkpoint_out: Option<PathBuf>,
    /// After a successful apply, queue change notices for the people it affected (their
    /// managers and the admins too, per `notify:` in roster.yaml) and send what is due; exit 1
    /// if a notice failed.
    #[arg(long)]
    pub notify: bool,
    /// `text` shows the plan and the outcome for people; `json` prints one JSON document on
    /// stdout instead: per org its plan's digest and the outcome of every step (or the error).
    #[arg(long, value_enum, default_value_t = ApplyFormat::Text)]
    pub format: ApplyFormat,
}

/// Output formats of `roster apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApplyFormat {
    /// The plan and the outcome, for people.
    Text,
    /// One JSON document with each org's outcome, for tools.
    Json,
}

/// Runs the command.
pub async fn run(args: &ApplyArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let reactivate = parse_reactivate(&args.reactivate)?;
    let targets = parse_targets(&args.targets)?;
    // Refused before anything is read: nobody is there to confirm the plan.
    if args.plan.is_none() && !args.yes && !ui.interactive {
        let same = same_selection(args);
        return Err(
            Failure::usage("`roster apply` needs `--yes` when not run on a terminal").with_hint(
                format!(
                    "review the plan with `roster plan{same}`, then run `roster apply{same} --yes`, or save it with `roster plan{same} --out plan.json` and apply that with `roster apply{same} --plan plan.json`"
                ),
            ),
        );
    }
    let workspace = workspace::load(&args.dir, ui)?;
    // Set up before anything is applied (the channels, their secrets, the outbox): a notice
    // that cannot be queued after the apply can never be queued again, its plan being done.
    let mut sender = if args.notify {
        let config = notify::config(&workspace)?;
        if config.notices.is_none() {
            return Err(notify::NotifyError::NoNoticeSettings.into());
        }
        notify::outbox(config)?;
        Some(notify::Sender::new(&workspace)?)
    } else {
        None
    };
    let saved = args
        .plan
        .as_deref()
        .map(roster_service::load_saved_plan)
        .transpose()
        .map_err(|error| saved_plan_failure(&error, &replan_command(args, &args.orgs)))?;
    let org_names: Vec<String> = match (&saved, args.orgs.is_empty()) {
        (Some(saved), true) => saved.orgs.iter().map(|p| p.org.clone()).collect(),
        _ => args.orgs.clone(),
    };
    let orgs = roster_service::select(&workspace, &org_names)?;
    let progress = ui.progress_sink();
    let (read, plans): (Vec<ReadOrg<'_>>, Vec<_>) = if let Some(saved) = &saved {
        let read = roster_service::read_orgs(&workspace, &orgs, Access::Write, &progress).await?;
        let plans = roster_service::check_saved_plans(saved, &read)
            .map_err(|error| saved_plan_failure(&error, &replan_command(args, &org_names)))?;
        (read, plans)
    } else {
        let planned = roster_service::plan_orgs(
            &workspace,
            &orgs,
            &reactivate,
            &targets,
            Access::Write,
            &progress,
        )
        .await?;
        check_targets(&targets, &planned)?;
        planned
            .into_iter()
            .map(|planned| (planned.org, planned.plan))
            .unzip()
    };
    if saved.is_none() {
        check_reactivations(&plans, &reactivate)?;
    }
    let set = PlanSet::new(plans);
    let json = args.format == ApplyFormat::Json;
    if !json {
        let printed = print_stdout(&render_text(&set, ui.color));
        if printed != ExitStatus::Success {
            return Ok(printed);
        }
    }
    if set.is_empty() {
        for (org, plan) in read.iter().zip(&set.orgs) {
            let in_doubt = roster_service::settle_in_doubt(org, plan)
                .map_err(|error| Failure::from(error).in_org(org.session.org()))?;
            if !in_doubt.is_empty() {
                eprintln!(
                    "{}: in doubt (an earlier run stopped after starting these writes and before journaling their outcome; the org already matches the manifests, so each took effect or is no longer needed):",
                    org.session.org()
                );
                for intent in &in_doubt {
                    eprintln!("  {intent}");
                }
            }
        }
        if json {
            let orgs = set
                .orgs
                .iter()
                .map(|plan| outcome_json(&plan.org, &plan.digest, Ok(&ApplySummary::default())))
                .collect::<Vec<_>>();
            return Ok(print_stdout(&document(&orgs)));
        }
        return Ok(ExitStatus::Success);
    }
    roster_service::check_acknowledged(&set.orgs, &args.allow_destructive)?;
    if saved.is_none() && !args.yes && !ui.confirm("Apply these changes?") {
        eprintln!("nothing applied");
        return Ok(ExitStatus::Success);
    }

    let run = ApplyRun {
        concurrency: usize::from(args.concurrency),
        acknowledged: args.allow_destructive.clone(),
        abort_after: args.abort_after,
        cancel: Some(stop_on_signals()),
        git_commit: None,
    };
    let runs = read
        .iter()
        .zip(&set.orgs)
        .map(|(org, plan)| roster_service::apply(org, plan, &run, &progress));
    let mut status = ExitStatus::Success;
    let mut checkpoints = String::new();
    let mut outcomes = Vec::new();
    let mut notices = Vec::new();
    for ((org, plan), outcome) in read.iter().zip(&set.orgs).zip(join_all(runs).await) {
        let name = org.session.org();
        match outcome {
            Ok(summary) => {
                eprintln!("{name}: {summary}");
                if let Some(checkpoint) = &summary.checkpoint {
                    // Kept in a CI log, this anchors the journal against truncation.
                    eprintln!(
                        "{name}: journal head: line {}, hash {}",
                        checkpoint.seq, checkpoint.head
                    );
                    checkpoints.push_str(&checkpoint.to_line());
                    checkpoints.push('\n');
                }
                if !summary.is_success() {
                    status = ExitStatus::Failure;
                } else if args.notify {
                    notices.push((org, plan));
                }
                outcomes.push(outcome_json(name, &plan.digest, Ok(&summary)));
            }
            Err(error) => {
                let failure = Failure::from(error).in_org(name);
                outcomes.push(outcome_json(name, &plan.digest, Err(&failure)));
                failure.report();
                status = ExitStatus::Failure;
            }
        }
    }
    if let Some(sender) = &mut sender {
        // The apply's outcome is still printed and its checkpoint written when notices fail.
        match send_notices(&workspace, sender, &notices).await {
            Ok(ExitStatus::Success) => {}
            Ok(_) => status = ExitStatus::Failure,
            Err(failure) => {
                failure.report();
                status = ExitStatus::Failure;
            }
        }
    }
    if json {
        let printed = print_stdout(&document(&outcomes));
        if printed != ExitStatus::Success {
            status = printed;
        }
    }
    if let Some(path) = &args.checkpoint_out {
        std::fs::write(path, checkpoints).map_err(|err| {
            let commands: Vec<String> = orgs
                .iter()
                .map(|spec| checkpoint_command(&workspace.root, spec))
                .collect();
            Failure::caused(&err).with_hint(format!(
                "the apply ran; {} prints the checkpoint again (could not write `{}`)",
                commands.join(", "),
                path.display()
            ))
        })?;
    }
    Ok(status)
}

/// Queues the change notices of each applied plan (computed from the org as read before the
/// apply and the plan: who it changed) and sends what is due.
async fn send_notices(
    workspace: &roster_manifest::Workspace,
    sender: &mut notify::Sender,
    applied: &[(&ReadOrg<'_>, &roster_plan::Plan)],
) -> Result<ExitStatus, Failure> {
    let config = notify::config(workspace)?;
    let now = notify::now();
    let mut batches = Vec::new();
    for (org, plan) in applied {
        let spec = org.session.spec();
        let batch = notify::change_notices(config, spec, &org.snapshot.live, plan, now)
            .map_err(|error| Failure::from(error).in_org(spec.name.clone()))?;
        notify_cmd::report_undeliverable(&batch);
        batches.push(batch);
    }
    let queued = notify::queue(config, &batches)?;
    eprintln!("notices: {} queued", queued.added);
    let report = sender.send_due(workspace).await?;
    eprint!("{}", notify_cmd::send_summary(&report));
    Ok(if report.summary.has_failures() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// The folder and orgs of this run as arguments to repeat in a hint (the folder only when it
/// is not the current one).
/// `roster journal checkpoint FILE [--key-env VAR]` for the journal of the org `spec`.
fn checkpoint_command(root: &std::path::Path, spec: &roster_manifest::OrgSpec) -> String {
    let journal = roster_apply::Journal::default_path(root, &spec.name);
    let key = spec
        .journal_key
        .as_ref()
        .and_then(roster_manifest::SecretRef::env)
        .map_or_else(String::new, |var| format!(" --key-env {var}"));
    format!("`roster journal checkpoint {}{key}`", journal.display())
}

/// The command that makes a new plan of `orgs` for `roster apply --plan FILE` to apply, in
/// the same folder, into the same file.
fn replan_command(args: &ApplyArgs, orgs: &[String]) -> String {
    let out = args
        .plan
        .as_ref()
        .map_or_else(|| "FILE".to_owned(), |plan| plan.display().to_string());
    format!(
        "roster plan{} --out {out}",
        crate::hints::selection(&args.dir, orgs.iter().map(String::as_str))
    )
}

fn same_selection(args: &ApplyArgs) -> String {
    let mut words = crate::hints::selection(&args.dir, args.orgs.iter().map(String::as_str));
    for target in &args.targets {
        words.push_str(&crate::hints::flag("--target", target));
    }
    words
}

/// One org's outcome for `--format json`: the digest of the plan applied, and the summary
/// of every step or the failure.
fn outcome_json(
    org: &str,
    digest: &str,
    outcome: Result<&ApplySummary, &Failure>,
) -> serde_json::Value {
    match outcome {
        Ok(summary) => serde_json::json!({
            "org": org,
            "planDigest": digest,
            "success": summary.is_success(),
            "summary": summary,
        }),
        Err(failure) => serde_json::json!({
            "org": org,
            "planDigest": digest,
            "success": false,
            "error": failure.to_json(),
        }),
    }
}

/// The `--format json` document.
fn document(orgs: &[serde_json::Value]) -> String {
    let mut text = serde_json::json!({ "orgs": orgs }).to_string();
    text.push('\n');
    text
}

/// A cancel token that Ctrl-C or SIGTERM (what CI sends when a job is cancelled) trips: the
/// first lets the operations in flight finish and starts no more, a second abandons them.
fn stop_on_signals() -> CancelToken {
    let cancel = CancelToken::new();
    let Some(mut signals) = crate::signals::Signals::listen() else {
        return cancel;
    };
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        for _ in 0..2 {
            signals.next().await;
            if on_signal.is_cancelled() {
                eprintln!("\ninterrupted again: abandoning the operations in flight");
                on_signal.interrupt();
            } else {
                eprintln!("\ninterrupted: finishing the operations in flight, starting no more");
                on_signal.cancel();
            }
        }
    });
    cancel
}
