//! Sending notices from the server (DESIGN §2.9, issue #16): with `notify:` in `roster.yaml`,
//! the server sends what the outbox holds due, once at start and then every [`EVERY`].
//!
//! # Flow
//! Each run is `roster_service::notify::send_due`, the workflow of `roster notify send`:
//! overdue acknowledgements are escalated, then every row due now goes out through its
//! channel, each outcome journaled in its org's journal. The run's summary is logged as one
//! line and counted in `/metrics`.
//!
//! # Guarantees
//! - Runs never overlap: the next one starts [`EVERY`] after the previous one ended.
//! - A run is on a thread meant for blocking: the outbox and the journal write `SQLite` and
//!   files between sends, which must not hold up the threads that answer requests.
//! - At shutdown the run in flight is given [`GRACE`] to finish. Past that it is dropped:
//!   rows it had claimed and not settled stay in doubt (the outbox never sends them twice;
//!   `roster notify status` lists them and `roster notify retry` sends them again).
//!
//! # Assumptions
//! - `roster notify send` may run beside the server: the outbox's claims keep the two from
//!   sending a row twice.
//!
//! # Caveats
//! - A channel's token bucket and circuit breaker carry over from one run to the next (one
//!   `roster_service::notify::Sender` for the server's life), so an open breaker still holds
//!   its channel in the next run until a probe succeeds. A sender that cannot be set up (a
//!   secret missing) is tried again at the next run.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use roster_notify::dispatch::Summary;
use roster_service::notify::{NotifyError, SendReport, Sender};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::app::App;

/// Time between the end of one run and the start of the next.
pub const EVERY: Duration = Duration::from_mins(1);

/// How long a run in flight may go on after shutdown is asked for.
pub const GRACE: Duration = Duration::from_secs(20);

/// Runs until `stop` turns true; nothing when `roster.yaml` has no `notify:`.
pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    if app.workspace.notify.is_none() {
        return;
    }
    let mut sender = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let mut stopping = stop.clone();
        let stopped = async move {
            // A dropped sender means the server is gone: stop as well.
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        if send(&app, &mut sender, stopped).await.is_none() {
            tracing::warn!(
                grace_seconds = GRACE.as_secs(),
                "stopped while sending notices; rows being sent are in doubt (`roster notify status`)"
            );
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Sends what is due now, as one scheduled run does: logged and counted.
///
/// # Errors
/// As `roster_service::notify::send_due`: no `notify:`, a channel that cannot be set up, an
/// outbox or a journal that cannot be written.
pub async fn send_once(app: &Arc<App>) -> Result<SendReport, NotifyError> {
    send(app, &mut None, std::future::pending())
        .await
        .expect("a run without a stop signal is never abandoned")
}

/// One run on a blocking thread; `None` when `stopped` resolved and the run did not finish
/// within [`GRACE`] after.
async fn send(
    app: &Arc<App>,
    sender: &mut Option<Sender>,
    stopped: impl Future<Output = ()> + Send + 'static,
) -> Option<Result<SendReport, NotifyError>> {
    let runtime = tokio::runtime::Handle::current();
    let worker = Arc::clone(app);
    let kept = sender.take();
    let (kept, outcome) = tokio::task::spawn_blocking(move || {
        runtime.block_on(async move {
            let mut active = match kept.map_or_else(|| Sender::new(&worker.workspace), Ok) {
                Ok(active) => active,
                Err(error) => return Some((None, Err(error))),
            };
            let report = {
                let sending = active.send_due(&worker.workspace);
                tokio::pin!(sending);
                tokio::select! {
                    report = &mut sending => Some(report),
                    () = stopped => tokio::time::timeout(GRACE, sending).await.ok(),
                }
            };
            report.map(|report| (Some(active), report))
        })
    })
    .await
    .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))?;
    *sender = kept;
    match &outcome {
        Ok(report) => {
            for (channel, summary) in &report.summary.channels {
                app.metrics.notices(channel, summary);
            }
            let line = summary_json(report);
            if report.summary.has_failures() {
                tracing::warn!(summary = %line, "sent due notices, with failures");
            } else {
                tracing::info!(summary = %line, "sent due notices");
            }
        }
        Err(error) => tracing::warn!(
            error = %roster_service::error_chain(error),
            "cannot send due notices"
        ),
    }
    Some(outcome)
}

/// What a run did, as one JSON object: counts per channel, breakers open, rows on channels no
/// longer configured, escalations queued.
pub fn summary_json(report: &SendReport) -> Value {
    let Summary {
        channels,
        unconfigured,
    } = &report.summary;
    let channels: Map<String, Value> = channels
        .iter()
        .map(|(name, channel)| {
            let counts = json!({
                "sent": channel.sent,
                "failed": channel.failed,
                "deadLettered": channel.dead_lettered,
                "undeliverable": channel.undeliverable,
                "inDoubt": channel.in_doubt,
                "deferred": channel.deferred,
                "held": channel.held,
                "breakerOpen": channel.breaker_open,
            });
            (name.clone(), counts)
        })
        .collect();
    json!({
        "channels": channels,
        "unconfigured": unconfigured,
        "escalationsQueued": report.escalations.added,
        "unescalated": report.unescalated,
    })
}
