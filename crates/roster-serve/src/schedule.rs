//! Scheduled drift: every `serve.drift.every` (moved by up to a tenth either way), each org
//! is checked with the same workflow as `roster drift`; the result is kept (`GET /drift`) and
//! counted (`/metrics`). With `remediate: apply`, a drifted org is then planned and applied
//! like `roster apply` would, under every policy limit: a blocked plan is reported, never
//! forced.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use roster_manifest::{OrgSpec, Remediate};
use roster_service::drift::{DriftCheck, drift_org};
use roster_service::{Access, ApplyRun, plan_orgs, silent};
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::app::{App, DriftRun};

/// Runs until `stop` turns true; nothing when `serve.drift` is not set.
pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let Some(schedule) = app.config.drift else {
        return;
    };
    loop {
        tokio::select! {
            () = tokio::time::sleep(jittered(schedule.every)) => {}
            _ = stop.changed() => return,
        }
        for spec in app.workspace.orgs.values() {
            if *stop.borrow() {
                return;
            }
            let run = check(&app, spec, schedule.remediate).await;
            app.keep_drift(&spec.name, run);
        }
    }
}

/// Checks `spec`'s org for drift now, as the schedule does, and remediates as configured.
pub async fn check(app: &App, spec: &OrgSpec, remediate: Remediate) -> DriftRun {
    let now = OffsetDateTime::now_utc();
    let check = DriftCheck { since: None, now };
    let at = roster_service::drift::timestamp(now);
    match drift_org(&app.workspace, spec, check, &silent()).await {
        Ok(report) => {
            app.metrics.reconciled(
                &spec.name,
                report.drift.len(),
                report.requests,
                now.unix_timestamp(),
            );
            let outcome = if report.drifted() && remediate == Remediate::Apply {
                apply(app, spec).await
            } else {
                "reported".to_owned()
            };
            DriftRun {
                at,
                drifted: Some(report.drift.len()),
                pending: Some(report.pending.len()),
                outcome,
            }
        }
        Err(error) => {
            tracing::warn!(org = %spec.name, error = %error, "a scheduled drift check failed");
            DriftRun {
                at,
                drifted: None,
                pending: None,
                outcome: format!("failed: {}", roster_service::error_chain(&error)),
            }
        }
    }
}

/// Plans and applies the org's manifests, as `roster apply --yes` would.
async fn apply(app: &App, spec: &OrgSpec) -> String {
    let none = BTreeSet::new();
    let planned = match plan_orgs(
        &app.workspace,
        &[spec],
        &BTreeSet::new(),
        &none,
        Access::Write,
        &silent(),
    )
    .await
    {
        Ok(mut planned) if !planned.is_empty() => planned.remove(0),
        Ok(_) => return "nothing planned".to_owned(),
        Err(error) => return format!("not applied: {}", roster_service::error_chain(&error)),
    };
    match roster_service::apply(&planned.org, &planned.plan, &ApplyRun::default(), &silent()).await
    {
        Ok(summary) => format!("applied: {summary}"),
        Err(roster_service::ApplyError::Blocked(_)) => format!(
            "blocked by policy.limits (plan {}); not applied",
            planned.plan.digest
        ),
        Err(error) => format!("not applied: {}", roster_service::error_chain(&error)),
    }
}

/// `every`, moved by up to a tenth either way.
fn jittered(every: Duration) -> Duration {
    let tenth = every.as_secs_f64() / 10.0;
    let offset = rand::rng().random_range(-tenth..=tenth);
    Duration::from_secs_f64((every.as_secs_f64() + offset).max(1.0))
}
