//! The server's HTTP surface.
//!
//! | route | answers |
//! |---|---|
//! | `POST /hooks/{source}` | 202 `{id, status}` for a new event, 200 with the stored event for a redelivery, 200 `{ignored}` for a kind the source does not map; 401 (bad signature, stale timestamp, wrong credentials), 404 (unknown source), 400 (not JSON, a mapped field missing: named), 413 (over 1 MiB), 503 (the database cannot be written: the HR system retries) |
//! | `GET /healthz` | 200 while the process runs |
//! | `GET /readyz` | 200 when the database is writable and every org answers; 503 naming what is not |
//! | `GET /metrics` | the Prometheus text format |
//! | `GET /events?status=&limit=` | the newest events (bearer token) |
//! | `GET /events/{id}` | one event (bearer token) |
//! | `POST /events/{id}/retry` | a failed or dead event made due again (bearer token) |
//! | `GET /drift` | the last drift checks per org (bearer token) |
//! | `GET /ack/{token}` | a page with a button; records nothing ([`crate::acknowledge`]) |
//! | `POST /ack/{token}` | records the acknowledgement; 404 for a link roster did not sign |
//!
//! Nothing is stored before a delivery's signature checks, and neither secrets, tokens nor
//! payloads are logged.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::app::App;
use crate::hooks::extract::{Extracted, extract};
use crate::hooks::verify::{same_secret, verify};
use crate::queue::{Accepted, NewEvent, Queue, QueueError, Status};

/// The largest body a hook accepts.
pub const MAX_BODY: usize = 1024 * 1024;

/// The server's routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/hooks/{source}",
            post(hook)
                .layer(DefaultBodyLimit::max(MAX_BODY))
                .layer(middleware::from_fn(refuse_announced_oversize)),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/events", get(events))
        .route("/events/{id}", get(event))
        .route("/events/{id}/retry", post(retry))
        .route("/drift", get(drift))
        .route(
            "/ack/{token}",
            get(crate::acknowledge::show).post(crate::acknowledge::record),
        )
        .with_state(app)
}

/// Answers 413 at once to a request whose `Content-Length` is over [`MAX_BODY`], without
/// waiting for a body it will not read (the body limit itself covers chunked bodies).
async fn refuse_announced_oversize(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if announced.is_some_and(|length| length > MAX_BODY) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a delivery is at most {MAX_BODY} bytes"),
        );
    }
    next.run(request).await
}

fn answer(status: StatusCode, body: &Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    answer(status, &json!({ "error": message.into() }))
}

async fn hook(
    State(app): State<Arc<App>>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(hook) = app.hooks.get(&source) else {
        return refuse(StatusCode::NOT_FOUND, format!("no hook `{source}`"));
    };
    app.metrics.received(&source);
    let now = OffsetDateTime::now_utc();
    if let Err(refusal) = verify(&hook.verifier, &headers, &body, now) {
        app.metrics.rejected(&source, refusal.reason());
        tracing::info!(source, reason = refusal.reason(), "refused a delivery");
        return refuse(StatusCode::UNAUTHORIZED, refusal.to_string());
    }
    let event = match extract(&hook.mapping, &body) {
        Ok(Extracted::Event(event)) => event,
        Ok(Extracted::Ignored { kind }) => {
            return answer(StatusCode::OK, &json!({ "ignored": kind }));
        }
        Err(error) => {
            app.metrics.rejected(&source, "malformed");
            return refuse(StatusCode::BAD_REQUEST, error.to_string());
        }
    };
    let new = NewEvent {
        source: source.clone(),
        source_id: event.id,
        org: hook.org.clone(),
        action: event.action,
        email: event.email,
        due_at: event.effective.unwrap_or(now),
        received_at: now,
    };
    match app.queue(move |queue| queue.accept(&new)).await {
        Ok(Accepted::New(stored)) => {
            app.metrics.accepted(&source);
            app.wake.notify_one();
            answer(
                StatusCode::ACCEPTED,
                &json!({ "id": stored.id, "status": stored.status }),
            )
        }
        Ok(Accepted::Duplicate(stored)) => answer(StatusCode::OK, &json!(stored)),
        Err(error) => {
            app.metrics.rejected(&source, "unavailable");
            tracing::error!(source, error = %error, "cannot store an HR event");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the event could not be stored; deliver it again later",
            )
        }
    }
}

async fn ready(State(app): State<Arc<App>>) -> Response {
    let mut problems = Vec::new();
    if let Err(error) = app.queue(Queue::writable).await {
        problems.push(format!("database: {error}"));
    }
    for spec in app.workspace.orgs.values() {
        if let Err(error) = crate::reach::reach(&app.workspace, spec).await {
            problems.push(format!("org `{}`: {error}", spec.name));
        }
    }
    if problems.is_empty() {
        answer(StatusCode::OK, &json!({ "ready": true }))
    } else {
        answer(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "ready": false, "problems": problems }),
        )
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    if let Ok(depth) = app.queue(Queue::depth).await {
        app.metrics.depth(depth);
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

/// Whether the request carries the configured bearer token (compared in constant time);
/// the refusal otherwise.
fn authorized(app: &App, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let Some(token) = &app.token else {
        return Err(Box::new(refuse(
            StatusCode::FORBIDDEN,
            "set `serve.token` in roster.yaml to open /events",
        )));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(same_secret(
        given.as_bytes(),
        token.expose_secret().as_bytes(),
    )) {
        Ok(())
    } else {
        Err(Box::new(refuse(
            StatusCode::UNAUTHORIZED,
            "a bearer token is required",
        )))
    }
}

#[derive(Debug, serde::Deserialize)]
struct Listing {
    status: Option<String>,
    limit: Option<usize>,
}

async fn events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(listing): Query<Listing>,
) -> Response {
    if let Err(refused) = authorized(&app, &headers) {
        return *refused;
    }
    let status = match listing.status.as_deref().map(str::parse::<Status>) {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(_)) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "status is one of pending, processing, done, failed, dead",
            );
        }
    };
    match app
        .queue
        .list(status, listing.limit.unwrap_or(100).min(1000))
    {
        Ok(events) => answer(StatusCode::OK, &json!({ "events": events })),
        Err(error) => refuse(StatusCode::SERVICE_UNAVAILABLE, error.to_string()),
    }
}

async fn event(State(app): State<Arc<App>>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    if let Err(refused) = authorized(&app, &headers) {
        return *refused;
    }
    match app.queue(move |queue| queue.get(id)).await {
        Ok(Some(event)) => answer(StatusCode::OK, &json!(event)),
        Ok(None) => refuse(StatusCode::NOT_FOUND, format!("no event {id}")),
        Err(error) => refuse(StatusCode::SERVICE_UNAVAILABLE, error.to_string()),
    }
}

async fn retry(State(app): State<Arc<App>>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    if let Err(refused) = authorized(&app, &headers) {
        return *refused;
    }
    match app
        .queue(move |queue| queue.retry(id, OffsetDateTime::now_utc()))
        .await
    {
        Ok(Some(event)) => {
            app.wake.notify_one();
            answer(StatusCode::OK, &json!(event))
        }
        Ok(None) => refuse(StatusCode::NOT_FOUND, format!("no event {id}")),
        Err(error @ QueueError::WrongStatus { .. }) => {
            refuse(StatusCode::CONFLICT, error.to_string())
        }
        Err(error) => refuse(StatusCode::SERVICE_UNAVAILABLE, error.to_string()),
    }
}

async fn drift(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(refused) = authorized(&app, &headers) {
        return *refused;
    }
    let runs = app.drift.lock().clone();
    answer(StatusCode::OK, &json!({ "orgs": runs }))
}
