//! `roster apply`: make each org match the manifests, in dependency order, inside the org's
//! rate limit, with an audit journal.
//!
//! Without `--plan` it plans, shows the plan and asks (on a terminal) or requires `--yes`.
//! With `--plan FILE` it applies exactly that saved plan, after re-reading the org and
//! refusing (exit 4) if anything the plan touches changed since it was made.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use futures::future::join_all;
use roster_apply::{ApplyOptions, ApplySummary, CancelToken, Journal, JournalContext, apply};
use roster_model::{Email, Kind, ReadNeeds, Tenant};
use roster_plan::{Action, Plan, PlanSet, render_text, stale_objects};

use crate::assignments;
use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::planning::{ReadOrg, parse_reactivate, plan_org, read_orgs};
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Apply only this org (repeat for several); default: every org in `roster.yaml`, or
    /// every org in the `--plan` file.
    #[arg(long = "org", value_name = "NAME")]
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
    /// Most operations in flight per org (the org's rate limit is the real throttle).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Test hook: stop starting operations after this many finished, as a crash would.
    #[arg(long, hide = true)]
    pub abort_after: Option<usize>,
}

/// Runs the command.
pub async fn run(args: &ApplyArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let reactivate = parse_reactivate(&args.reactivate)?;
    let workspace = workspace::load(&args.dir)?;
    let saved = args.plan.as_deref().map(load_saved_plan).transpose()?;
    let org_names: Vec<String> = match (&saved, args.orgs.is_empty()) {
        (Some(saved), true) => saved.orgs.iter().map(|p| p.org.clone()).collect(),
        _ => args.orgs.clone(),
    };
    let orgs = workspace::select(&workspace, &org_names)?;
    let read = read_orgs(&workspace.root, &orgs, ui).await?;

    let plans = match &saved {
        Some(saved) => check_saved_plans(saved, &read)?,
        None => read
            .iter()
            .map(|org| plan_org(org, &reactivate))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let set = PlanSet::new(plans);
    let printed = print_stdout(&render_text(&set, ui.color));
    if printed != ExitStatus::Success {
        return Ok(printed);
    }
    if set.is_empty() {
        return Ok(ExitStatus::Success);
    }
    check_acknowledged(&set, &args.allow_destructive)?;
    if saved.is_none() && !args.yes {
        if !ui.interactive {
            return Err(Failure::usage("`roster apply` needs `--yes` when not run on a terminal")
                .with_hint("review the plan with `roster plan`, then run `roster apply --yes`, or save it with `roster plan --out plan.json` and apply that with `roster apply --plan plan.json`"));
        }
        if !ui.confirm("Apply these changes?") {
            eprintln!("nothing applied");
            return Ok(ExitStatus::Success);
        }
    }

    let git_commit = git_commit(&workspace.root);
    let cancel = CancelToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: finishing the operations in flight, starting no more");
            on_interrupt.cancel();
        }
    });
    let runs = read.iter().zip(&set.orgs).map(|(org, plan)| {
        apply_org(
            &workspace.root,
            org,
            plan,
            args,
            ui,
            git_commit.clone(),
            cancel.clone(),
        )
    });
    let mut status = ExitStatus::Success;
    for (org, outcome) in read.iter().zip(join_all(runs).await) {
        org.connected.save()?;
        match outcome {
            Ok(summary) => {
                eprintln!("{}: {summary}", org.spec.name);
                if !summary.is_success() {
                    status = ExitStatus::Failure;
                }
            }
            Err(failure) => {
                eprintln!("{failure}");
                status = ExitStatus::Failure;
            }
        }
    }
    Ok(status)
}

async fn apply_org(
    root: &Path,
    org: &ReadOrg<'_>,
    plan: &Plan,
    args: &ApplyArgs,
    ui: Ui,
    git_commit: Option<String>,
    cancel: CancelToken,
) -> Result<ApplySummary, Failure> {
    let path = Journal::default_path(root, &org.spec.name);
    let context = JournalContext {
        org: org.spec.name.clone(),
        principal: Some(org.connected.tenant.principal()),
        git_commit,
        plan_digest: Some(plan.digest.clone()),
    };
    let mut journal = Journal::open(&path, context).map_err(|err| {
        Failure::error(format!(
            "org `{}`: cannot open the journal `{}`: {err}",
            org.spec.name,
            path.display()
        ))
    })?;
    record_assignment_snapshots(org, plan, &mut journal)?;
    let bar = ui.bar(
        plan.steps.len() as u64,
        format!("applying {}", org.spec.name),
    );
    let progress_bar = bar.clone();
    let options = ApplyOptions {
        concurrency: usize::from(args.concurrency),
        abort_after: args.abort_after,
        progress: Some(Arc::new(move |progress| {
            progress_bar.set_position(progress.finished as u64);
        })),
        cancel: Some(cancel),
    };
    let summary = apply(&org.connected.tenant, &plan.steps, &options, &mut journal)
        .await
        .map_err(|err| Failure::error(format!("org `{}`: {err}", org.spec.name)))?;
    bar.finish_and_clear();
    Ok(summary)
}

/// Journals the full assignment picture of every user the plan deactivates, before the run
/// starts, so a plan-driven offboarding can be audited and undone like `roster offboard`.
fn record_assignment_snapshots(
    org: &ReadOrg<'_>,
    plan: &Plan,
    journal: &mut Journal,
) -> Result<(), Failure> {
    let needs = ReadNeeds::for_desired(&org.spec.desired);
    for change in &plan.changes {
        if change.kind != Kind::User || change.action != Action::Deactivate {
            continue;
        }
        let Ok(email) = Email::parse(&change.key) else {
            continue;
        };
        let Some(picture) = assignments::snapshot(&org.live, &needs, &email) else {
            continue;
        };
        journal
            .record(assignments::ASSIGNMENT_SNAPSHOT, picture)
            .map_err(|err| {
                Failure::error(format!(
                    "org `{}`: cannot write the journal: {err}",
                    org.spec.name
                ))
            })?;
    }
    Ok(())
}

fn load_saved_plan(path: &Path) -> Result<PlanSet, Failure> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        Failure::error(format!("cannot read the plan `{}`: {err}", path.display()))
    })?;
    let set: PlanSet = serde_json::from_str(&text).map_err(|err| {
        Failure::error(format!("`{}` is not a roster plan: {err}", path.display()))
            .with_hint("save a plan with `roster plan --out FILE`")
    })?;
    if let Some(plan) = set.orgs.iter().find(|plan| !plan.digest_is_valid()) {
        return Err(Failure::error(format!(
            "the plan of org `{}` in `{}` was edited after it was made: its digest does not match its steps",
            plan.org,
            path.display()
        ))
        .with_hint("make a new plan with `roster plan --out FILE`"));
    }
    Ok(set)
}

/// The saved plans, in the order of `read`, if nothing they touch changed (else exit 4).
fn check_saved_plans(saved: &PlanSet, read: &[ReadOrg<'_>]) -> Result<Vec<Plan>, Failure> {
    let mut plans = Vec::new();
    let mut stale_lines = Vec::new();
    for org in read {
        let plan = saved
            .orgs
            .iter()
            .find(|plan| plan.org == org.spec.name)
            .ok_or_else(|| {
                Failure::usage(format!("the saved plan has no org `{}`", org.spec.name))
            })?;
        for stale in stale_objects(plan, &org.live) {
            stale_lines.push(format!(
                "  {}: {} `{}`: {}",
                org.spec.name, stale.kind, stale.key, stale.reason
            ));
        }
        plans.push(plan.clone());
    }
    if stale_lines.is_empty() {
        Ok(plans)
    } else {
        Err(Failure::error(format!(
            "the org changed since the plan was made; nothing was applied:\n{}",
            stale_lines.join("\n")
        ))
        .with_status(ExitStatus::StalePlan)
        .with_hint("make a new plan with `roster plan --out FILE` and review it"))
    }
}

/// Refuses blocked plans unless `--allow-destructive` names their digests.
fn check_acknowledged(set: &PlanSet, allowed: &[String]) -> Result<(), Failure> {
    let allowed: BTreeSet<&str> = allowed.iter().map(String::as_str).collect();
    let unacknowledged: Vec<&Plan> = set
        .orgs
        .iter()
        .filter(|plan| plan.blocked.is_some() && !allowed.contains(plan.digest.as_str()))
        .collect();
    if unacknowledged.is_empty() {
        return Ok(());
    }
    let flags: Vec<String> = unacknowledged
        .iter()
        .map(|plan| format!("--allow-destructive {}", plan.digest))
        .collect();
    let orgs: Vec<&str> = unacknowledged
        .iter()
        .map(|plan| plan.org.as_str())
        .collect();
    Err(Failure::error(format!(
        "the plan of {} deletes or deactivates more than `policy.limits` allows; nothing was applied",
        orgs.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")
    ))
    .with_status(ExitStatus::Blocked)
    .with_hint(format!(
        "if this is intended, run again with {}",
        flags.join(" ")
    )))
}

/// The workspace's git commit, for the journal; `None` outside a git checkout.
fn git_commit(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|commit| !commit.is_empty())
}
