//! The HTTP server: the router, the request pipeline every API request goes through, and
//! the `serve` entry point.
//!
//! Pipeline of an `/api/v2` request, in order:
//! 1. a fresh correlation id (`ININ-Correlation-Id` on every response, `contextId` in errors);
//! 2. the bearer token selects the org (401 if missing, unknown, revoked or expired);
//! 3. the request is counted in the org's stats under its route template;
//! 4. the token's rate window (429 + `Retry-After` past `requestsPerMinute`);
//! 5. latency, then the seeded fault generator (injected 5xx, or a hang then 504); a
//!    faulted request is not executed;
//! 6. the handler.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::error::{ApiError, CORRELATION_ID, SandboxError};
use crate::faults::Fault;
use crate::hub::{Hub, Org, TokenEntry};
use crate::stats::RequestRecord;
use crate::{auth, control, persist, routes};

/// Name, client id and secret of one org, as `--org NAME:CLIENT_ID:SECRET` gives them.
#[derive(Clone, PartialEq, Eq)]
pub struct OrgCredentials {
    /// Org name.
    pub name: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for OrgCredentials {
    /// Without the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgCredentials")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl OrgCredentials {
    /// The default org of `roster sandbox serve`: `sandbox` / `sandbox` / `sandbox`.
    pub fn default_org() -> Self {
        Self {
            name: "sandbox".into(),
            client_id: "sandbox".into(),
            client_secret: "sandbox".into(),
        }
    }

    /// Parses `NAME:CLIENT_ID:SECRET` (the secret may contain `:`).
    pub fn parse(spec: &str) -> Result<Self, SandboxError> {
        let mut parts = spec.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(name), Some(id), Some(secret))
                if !name.is_empty() && !id.is_empty() && !secret.is_empty() =>
            {
                Ok(Self {
                    name: name.into(),
                    client_id: id.into(),
                    client_secret: secret.into(),
                })
            }
            _ => Err(SandboxError::OrgSpec(spec.to_owned())),
        }
    }
}

/// How long a client may take to send a request head, by default: hyper's own default.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Orgs to create at start (those already in the state file are kept as loaded). Empty
    /// means the default org `sandbox`/`sandbox`/`sandbox` when the state file has none.
    pub orgs: Vec<OrgCredentials>,
    /// Load at start, save on change (checked every second) and at shutdown.
    pub state_file: Option<PathBuf>,
    /// A connection that has not sent a whole request head this long after it opened (or
    /// after its last response) is closed ([`DEFAULT_HEADER_READ_TIMEOUT`]).
    pub header_read_timeout: Duration,
    /// When set, every control route (`/__sandbox/...`) needs
    /// `Authorization: Bearer <control token>` and answers 401 without it.
    pub control_token: Option<ControlToken>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            orgs: Vec::new(),
            state_file: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            control_token: None,
        }
    }
}

/// The token the control routes require; shown by `Debug` as `ControlToken(..)`.
#[derive(Clone, PartialEq, Eq)]
pub struct ControlToken(String);

impl ControlToken {
    /// A control token; `None` for an empty one, which would protect nothing.
    pub fn new(token: impl Into<String>) -> Option<Self> {
        let token = token.into();
        (!token.is_empty()).then_some(Self(token))
    }
}

impl std::fmt::Debug for ControlToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ControlToken(..)")
    }
}

/// Creates the hub described by the options: state file first, then the listed orgs.
pub fn build_hub(options: &ServeOptions) -> Result<Arc<Hub>, SandboxError> {
    let control_token = options.control_token.as_ref().map(|token| token.0.as_str());
    let hub = Arc::new(Hub::new(control_token));
    if let Some(path) = &options.state_file {
        persist::load(&hub, path)?;
    }
    let mut orgs = options.orgs.clone();
    if orgs.is_empty() && hub.orgs().is_empty() {
        orgs.push(OrgCredentials::default_org());
    }
    for org in orgs {
        if hub.org(&org.name).is_err() {
            hub.create_org(&org.name, &org.client_id, &org.client_secret)?;
        }
    }
    Ok(hub)
}

/// The whole application: token route, control routes and `/api/v2`.
pub fn router(hub: Arc<Hub>) -> Router {
    let api = routes::router()
        .fallback(|request: Request| async move {
            ApiError::no_route(request.uri().path()).into_response()
        })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&hub),
            api_pipeline,
        ));
    Router::new()
        .route("/oauth/token", post(auth::token))
        .merge(
            control::router()
                .merge(crate::events_control::router())
                .route_layer(middleware::from_fn_with_state(
                    Arc::clone(&hub),
                    control::authorize,
                )),
        )
        .merge(crate::notifications::socket::router())
        .nest("/api/v2", api)
        .fallback(|request: Request| async move {
            ApiError::no_route(request.uri().path()).into_response()
        })
        .layer(middleware::from_fn(correlation))
        .with_state(hub)
}

/// Gives every response an `ININ-Correlation-Id` and errors their `contextId`.
async fn correlation(request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let mut response = CORRELATION_ID.scope(id.clone(), next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("inin-correlation-id", value);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    response
}

/// Auth, stats, rate limit and faults for every `/api/v2` request.
async fn api_pipeline(State(hub): State<Arc<Hub>>, request: Request, next: Next) -> Response {
    // Inside the `/api/v2` nest the request URI lacks the prefix; the original has it.
    let uri = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().clone(), |original| original.0.clone());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| uri.path().to_owned(), |path| path.as_str().to_owned());
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let token = match hub.resolve_token(authorization) {
        Ok(token) => token,
        Err(error) => return error.into_response(),
    };
    let org = Arc::clone(&token.org);
    let method = request.method().to_string();
    org.stats.lock().count(format!("{method} {route}"));
    let response = admit_and_run(&hub, &org, token, request, next).await;
    org.log.lock().push(RequestRecord {
        method,
        route,
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), ToString::to_string),
        status: response.status().as_u16(),
    });
    response
}

/// Rate limit, latency and faults, then the handler.
async fn admit_and_run(
    hub: &Hub,
    org: &Org,
    token: Arc<TokenEntry>,
    mut request: Request,
    next: Next,
) -> Response {
    let (rate, window, latency) = {
        let faults = org.faults.lock();
        (
            faults.settings.requests_per_minute,
            faults.settings.rate_window_ms,
            faults.settings.latency_ms,
        )
    };
    if let Err(retry_after) = token.window.lock().admit(hub.clock.now_ms(), rate, window) {
        org.stats.lock().throttled += 1;
        return ApiError::too_many_requests(retry_after).into_response();
    }
    // Throttled requests draw nothing, so the fault sequence depends only on the requests
    // that get through.
    let fault = org.faults.lock().draw();
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match fault {
        Fault::None => {}
        Fault::Error(status) => {
            org.stats.lock().faults_injected += 1;
            return ApiError::injected(status).into_response();
        }
        Fault::Timeout(hang) => {
            org.stats.lock().faults_injected += 1;
            tokio::time::sleep(hang).await;
            return ApiError::injected(StatusCode::GATEWAY_TIMEOUT).into_response();
        }
    }
    let mutating = request.method() != Method::GET && request.method() != Method::HEAD;
    request.extensions_mut().insert(token);
    let response = next.run(request).await;
    if mutating && response.status().is_success() {
        hub.mark_dirty();
    }
    response
}

/// Serves a sandbox until `shutdown` completes: the entry point of
/// `roster sandbox serve [--listen ADDR] [--org NAME:CLIENT_ID:SECRET]... [--state FILE]`.
///
/// The CLI binds the listener (`tokio::net::TcpListener::bind(addr)`, default
/// `127.0.0.1:8080` or whatever it chooses), builds [`ServeOptions`] from `--org` (parsed
/// with [`OrgCredentials::parse`]) and `--state`, and passes e.g. `tokio::signal::ctrl_c()`
/// (mapped to `()`) as `shutdown`. With a state file, state is loaded first, saved about
/// once a second after changes, and saved again on shutdown.
pub async fn serve(
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SandboxError> {
    Prepared::new(options)?.serve(listener, shutdown).await
}

/// A sandbox ready to serve: its state file loaded and its orgs created, so a caller can say
/// which orgs it serves and seed the new ones before the first request.
pub struct Prepared {
    hub: Arc<Hub>,
    options: ServeOptions,
    fresh: bool,
}

impl Prepared {
    /// Loads the state file (if any) and creates the listed orgs.
    ///
    /// # Errors
    ///
    /// A state file that cannot be read, or an org that cannot be created.
    pub fn new(options: ServeOptions) -> Result<Self, SandboxError> {
        let fresh = options
            .state_file
            .as_ref()
            .is_none_or(|path| !path.exists());
        let hub = build_hub(&options)?;
        Ok(Prepared {
            hub,
            options,
            fresh,
        })
    }

    /// The orgs it serves, by name.
    pub fn org_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.hub.orgs().iter().map(|org| org.name.clone()).collect();
        names.sort();
        names
    }

    /// Whether it starts without saved state (no state file, or none yet).
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// Seeds one of its orgs, through the API's rules.
    ///
    /// # Errors
    ///
    /// An unknown org, or a seed that breaks a rule.
    pub fn seed(&self, org: &str, seed: &crate::seed::SeedOrg) -> Result<(), SandboxError> {
        crate::ops::seed(&self.hub, org, seed)
    }

    /// Serves until `shutdown` resolves, then saves the state file.
    ///
    /// # Errors
    ///
    /// The state file cannot be saved at the end.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), SandboxError> {
        serve_hub(
            listener,
            self.hub,
            self.options.state_file,
            self.options.header_read_timeout,
            shutdown,
        )
        .await
    }
}

/// Serves an existing hub (used by [`serve`] and [`crate::Sandbox`]).
pub async fn serve_hub(
    listener: TcpListener,
    hub: Arc<Hub>,
    state_file: Option<PathBuf>,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SandboxError> {
    let saver = state_file.clone().map(|path| {
        let hub = Arc::clone(&hub);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if hub.take_dirty() {
                    let (hub, path) = (Arc::clone(&hub), path.clone());
                    let saved =
                        tokio::task::spawn_blocking(move || persist::save(&hub, &path)).await;
                    if let Ok(Err(error)) = saved {
                        tracing::warn!(%error, "cannot save sandbox state");
                    }
                }
            }
        })
    });
    accept(
        listener,
        router(Arc::clone(&hub)),
        header_read_timeout,
        shutdown,
    )
    .await;
    if let Some(saver) = saver {
        saver.abort();
    }
    if let Some(path) = state_file {
        persist::save(&hub, &path)?;
    }
    Ok(())
}

/// How long open connections may finish their requests once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// The pause after a failed `accept` (out of file descriptors, say), so the loop does not spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Accepts HTTP/1.1 connections until `shutdown`, then lets open ones finish for a moment.
///
/// Not `axum::serve`: it offers no header read timeout, so a client that opens a connection
/// and sends half a request head would hold it (and a task) for ever (issue #12). hyper's
/// own connection builder, with a timer, closes such a connection after
/// `header_read_timeout`; the same timeout closes a keep-alive connection idle that long.
/// HTTP/1.1 only: roster's client and `curl` speak it, and an HTTP/2 sniffing phase would
/// wait on a silent client without any timeout. Upgrades are served: notification channels
/// are web sockets.
async fn accept(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    // Each connection finishes the request in flight once `closing` turns true. (hyper-util's
    // `GracefulShutdown` cannot watch an HTTP/1 connection that serves upgrades.)
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        // Small request/response pairs: do not wait to fill a segment.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut closed = closing.subscribe();
        connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = async {
                    let _ = closed.wait_for(|closing| *closing).await;
                } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "sandbox connection closed");
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::debug!("sandbox connections still open after the shutdown grace");
    }
}
