//! `roster serve`: the long-running process of a deployment (DESIGN §2.8).
//!
//! HR systems deliver events to `POST /hooks/{source}`; a delivery is verified
//! ([`hooks::verify`]), read ([`hooks::extract`]) and stored durably ([`queue`]) before it is
//! answered. A [`worker`] processes stored events one at a time, in order per user, exactly
//! once per (source, event id), through the same workflows as the CLI (a termination is
//! `roster offboard`), and lets git follow on a branch ([`follow`]). A [`schedule`] runs
//! drift checks. With `notify:` in `roster.yaml`, [`dispatch`] sends the notices the outbox
//! holds due, and recipients acknowledge them at `/ack/{token}` ([`acknowledge`]). [`routes`]
//! also say how it is doing: `/healthz`, `/readyz`, `/metrics` ([`metrics`]), `/events` and
//! `/drift`.
//!
//! Nothing here bypasses a plan, the safety limits or the journal: the server only calls
//! `roster-service`.
//!
//! # Stopping
//!
//! [`serve`] stops when its `shutdown` future resolves: the listener stops accepting, requests
//! in flight are answered, the event in flight finishes, a drift check in flight is abandoned
//! (it only reads, or applies through the journal), a notify run in flight gets
//! [`dispatch::GRACE`] to finish, and queued events and notices wait for the next start.

pub mod acknowledge;
pub mod app;
pub mod dispatch;
pub mod failpoint;
pub mod follow;
pub mod hooks;
pub mod metrics;
pub mod queue;
mod reach;
pub mod routes;
pub mod schedule;
pub mod worker;

use std::future::Future;
use std::net::SocketAddr;

use roster_manifest::Workspace;
use tokio::sync::watch;

pub use app::{App, StartError};

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// It could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The address could not be listened on.
    #[error("cannot listen on {address}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server failed.
    #[error("the HTTP server failed")]
    Http(#[source] std::io::Error),
}

/// Serves `workspace` until `shutdown` resolves; `listen` overrides `serve.listen`.
/// `listening` is told the address bound (port 0 picks a free one).
///
/// # Errors
///
/// When it cannot start or listen, or the HTTP server fails.
pub async fn serve(
    workspace: Workspace,
    listen: Option<SocketAddr>,
    listening: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let app = App::start(workspace)?;
    let address = listen.unwrap_or(app.config.listen);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Bind { address, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { address, source })?;
    listening(bound);
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(worker::run(app.clone(), stopped.clone()));
    let scheduler = tokio::spawn(schedule::run(app.clone(), stopped.clone()));
    let notices = tokio::spawn(dispatch::run(app.clone(), stopped));
    let served = axum::serve(listener, routes::router(app))
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
    let _ = worker.await;
    let _ = notices.await;
    scheduler.abort();
    served.map_err(ServeError::Http)
}
