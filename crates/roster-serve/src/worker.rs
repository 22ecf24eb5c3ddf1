//! The worker: takes due events from the queue one at a time, in order per user, and runs
//! each through the same workflows as the CLI.
//!
//! - `terminate` is `roster offboard` (reason, source and event id journaled), then git
//!   follows on the event's branch.
//! - `suspend` is the same sequence without the deactivation.
//! - `rehire` never reactivates: it journals that an explicit reactivation is pending.
//!
//! An unknown email, a protected user or a plan over `policy.limits` is final: the event is
//! dead with that reason (no retry loop, nothing forced). A failure reaching Genesys is retried
//! with backoff until `serve.maxAttempts`. The worker stops between events: an event in flight
//! finishes; what is queued waits for the next start.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use roster_model::Email;
use roster_service::offboard::{self, OffboardError, OffboardRequest};
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::app::App;
use crate::queue::{Action, Event, Queue, Status};
use roster_service::error_chain;

/// The longest the worker sleeps without looking at the queue.
const IDLE: Duration = Duration::from_secs(30);
/// The first retry's delay; each later one doubles, up to [`RETRY_CAP`].
const RETRY_BASE: Duration = Duration::from_secs(5);
/// The longest delay between retries.
const RETRY_CAP: Duration = Duration::from_mins(30);

/// How many times the worker tries to record an outcome before it leaves the event to the
/// next start (which runs it again: every workflow it runs is idempotent).
const RECORD_TRIES: u32 = 30;
/// The pause between those tries.
const RECORD_PAUSE: Duration = Duration::from_secs(2);

/// How an event ended.
enum Outcome {
    /// Done, with what happened.
    Done(String),
    /// Worth trying again later.
    Retry(String),
    /// Final: it will not succeed by waiting.
    Dead(String),
}

/// Runs until `stop` turns true, then returns after the event in flight.
pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match app
            .queue(|queue| queue.next_due(OffsetDateTime::now_utc()))
            .await
        {
            Ok(Some(event)) => {
                crate::failpoint::before_processing();
                process(&app, event).await;
                // Between events, let the requests waiting for this thread run.
                tokio::task::yield_now().await;
                continue;
            }
            Ok(None) => {}
            Err(error) => tracing::error!(error = %error, "cannot read the HR event queue"),
        }
        let wait = match app.queue(Queue::next_due_time).await {
            Ok(Some(due)) => {
                let until = due - OffsetDateTime::now_utc();
                Duration::try_from(until)
                    .unwrap_or(Duration::ZERO)
                    .min(IDLE)
            }
            _ => IDLE,
        };
        tokio::select! {
            () = app.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn process(app: &Arc<App>, event: Event) {
    let outcome = outcome(app, &event).await;
    let seconds = (OffsetDateTime::now_utc() - event.received_at).as_seconds_f64();
    let id = event.id;
    let retry_at = OffsetDateTime::now_utc() + backoff(event.attempts);
    let outcome = Arc::new(outcome);
    // Until the outcome is recorded the event stays `processing` and holds up its user's
    // later events: keep trying (a full disk, a lock held too long), a few seconds apart.
    let mut tries = 0u32;
    let result = loop {
        let outcome = Arc::clone(&outcome);
        let recorded = app
            .queue(move |queue| match outcome.as_ref() {
                Outcome::Done(what) => queue.complete(id, what).map(|()| Status::Done),
                Outcome::Retry(why) => queue.fail(id, why, Some(retry_at)),
                Outcome::Dead(why) => queue.fail(id, why, None),
            })
            .await;
        tries += 1;
        match recorded {
            Err(error) if tries < RECORD_TRIES => {
                tracing::warn!(event = id, error = %error, "cannot record an HR event's outcome; trying again");
                tokio::time::sleep(RECORD_PAUSE).await;
            }
            other => break other,
        }
    };
    match result {
        Ok(status) => {
            tracing::info!(
                event = event.id,
                source = %event.source,
                action = event.action.as_str(),
                status = status.as_str(),
                "processed an HR event"
            );
            if status != Status::Failed {
                app.metrics
                    .processed(event.action.as_str(), status.as_str(), seconds);
            }
        }
        Err(error) => {
            tracing::error!(event = event.id, error = %error, "cannot record an HR event's outcome");
        }
    }
}

/// The delay before retry number `attempts + 1`: doubling from [`RETRY_BASE`], capped, with
/// jitter.
fn backoff(attempts: u32) -> time::Duration {
    let ceiling = RETRY_BASE
        .saturating_mul(1 << attempts.min(16))
        .min(RETRY_CAP);
    let jittered = rand::rng().random_range(ceiling / 2..=ceiling);
    time::Duration::try_from(jittered).unwrap_or(time::Duration::minutes(30))
}

async fn outcome(app: &Arc<App>, event: &Event) -> Outcome {
    let Some(spec) = app.workspace.orgs.get(&event.org) else {
        return Outcome::Dead(format!("org `{}` is not in roster.yaml", event.org));
    };
    let email = match Email::parse(&event.email) {
        Ok(email) => email,
        Err(error) => return Outcome::Dead(format!("`{}`: {error}", event.email)),
    };
    let source_event = format!("{}:{}", event.source, event.source_id);
    if event.action == Action::Rehire {
        // A journal write (an fsync) and a git process: off the async threads.
        let (app, org) = (Arc::clone(app), event.org.clone());
        let recorded = tokio::task::spawn_blocking(move || {
            let spec = &app.workspace.orgs[&org];
            offboard::record_rehire(&app.workspace.root, spec, &email, &source_event)
                .map_err(|error| error_chain(&error))
        })
        .await
        .unwrap_or_else(|error| Err(error.to_string()));
        return match recorded {
            Ok(line) => Outcome::Done(format!(
                "reactivation pending (journal line {line}): add `reactivate: true` to the user's manifest"
            )),
            Err(error) => Outcome::Retry(error),
        };
    }
    let suspend = event.action == Action::Suspend;
    let root = app.workspace.root.clone();
    let git_commit = tokio::task::spawn_blocking(move || roster_service::head_commit(&root))
        .await
        .ok()
        .flatten();
    let request = OffboardRequest {
        emails: vec![email.clone()],
        reason: format!(
            "HR {} from `{}`, event {}",
            event.action, event.source, event.source_id
        ),
        event_id: Some(source_event),
        allow_destructive: None,
        git_commit,
        suspend,
    };
    let silent = roster_service::silent();
    let report = match offboard::offboard(&app.workspace, spec, request, false, &silent).await {
        Ok((report, _)) => report,
        Err(
            error @ (OffboardError::UnknownUsers { .. }
            | OffboardError::Protected { .. }
            | OffboardError::Blocked { .. }
            | OffboardError::NoReason
            | OffboardError::NoUsers
            | OffboardError::Unfocused { .. }),
        ) => return Outcome::Dead(error_chain(&error)),
        Err(error) => return Outcome::Retry(error_chain(&error)),
    };
    if let Some(summary) = &report.summary {
        app.metrics.requests(&spec.name, summary.requests as u64);
    }
    if !report.is_success() {
        return Outcome::Retry("some steps failed; the next attempt plans what is left".to_owned());
    }
    let mut done = if !report.already_inactive.is_empty() {
        // Git still follows: a crash after the deactivation and before the branch leaves the
        // user inactive with the manifests saying otherwise (the follow is idempotent).
        format!("{email} was already inactive; nothing to do in the org")
    } else if suspend {
        format!("{email} suspended: routing and roles stripped, still active")
    } else {
        format!("{email} offboarded")
    };
    if let (Some(follow), false) = (&app.follow, suspend) {
        let message = format!(
            "roster: {email} offboarded (HR termination)\n\nSource: {}\nEvent: {}\n",
            event.source, event.source_id
        );
        let follow = follow.clone();
        let root = app.workspace.root.clone();
        let spec = spec.clone();
        let id = event.source_id.clone();
        let followed = tokio::task::spawn_blocking(move || {
            follow.offboarded(&root, &spec, std::slice::from_ref(&email), &message, &id)
        })
        .await;
        match followed {
            Ok(Ok(followed)) => {
                let pushed = if followed.pushed { ", pushed" } else { "" };
                match followed.commit {
                    Some(commit) => {
                        let _ = write!(done, "; branch `{}` at {commit}{pushed}", followed.branch);
                    }
                    None => done.push_str("; the manifests needed no edit"),
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "git could not follow an offboarding");
                let _ = write!(done, "; git did not follow: {}", error_chain(&error));
            }
            Err(error) => {
                let _ = write!(done, "; git did not follow: {error}");
            }
        }
    }
    Outcome::Done(done)
}
