//! The sandbox's own control routes, outside `/api/v2` (DESIGN §5):
//!
//! | route | does |
//! |---|---|
//! | `POST /__sandbox/orgs` `{name, clientId, clientSecret}` | create an org: 201, or 200 if it exists with the same credentials, 409 otherwise |
//! | `GET /__sandbox/orgs` | `[{name, clientId}]` |
//! | `GET /__sandbox/orgs/{name}/stats`, `DELETE` to reset | `{requests, byRoute, throttled, faultsInjected}` |
//! | `GET /__sandbox/orgs/{name}/requests` | the most recent API requests in order: `[{method, route, path, status}]` (cleared with the stats) |
//! | `GET`/`PUT /__sandbox/orgs/{name}/faults` | realism knobs (`PUT` takes any subset) |
//! | `GET /__sandbox/orgs/{name}/dump`, `POST .../load` | whole org state as JSON |
//! | `GET /__sandbox/orgs/{name}/revocations` | `{revocations: [{userId, at}]}`: the `DELETE /api/v2/tokens/{userId}` calls that found tokens, oldest first |
//! | `POST /__sandbox/orgs/{name}/seed` | replace the org's state by a seed (JSON or YAML body) |
//! | `POST /__sandbox/clock` `{advanceMs}` | move the sandbox clock forward |
//!
//! Control routes are not counted in stats. They need no API token; when the sandbox is
//! given a control token ([`crate::ServeOptions::control_token`], `roster sandbox serve
//! --control-token-env VAR`), every one of them needs `Authorization: Bearer <control token>`
//! and answers `401` without it (issue #12). One header, the standard one: `curl
//! --oauth2-bearer` and every HTTP client send it; an API access token is never a control
//! token.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::faults::FaultUpdate;
use crate::hub::Hub;
use crate::paging::json;
use crate::{ops, seed};

/// `POST /__sandbox/orgs` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewOrg {
    name: String,
    client_id: String,
    client_secret: String,
}

fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|error| {
        ApiError::bad_request(format!("Unable to parse the request body: {error}"))
    })
}

async fn create_org(State(hub): State<Arc<Hub>>, body: String) -> Result<Response, ApiError> {
    let org: NewOrg = parse(&body)?;
    let created = hub.create_org(&org.name, &org.client_id, &org.client_secret)?;
    Ok(created_or_found(
        created,
        json!({ "name": org.name, "clientId": org.client_id }),
    ))
}

/// 201 with `body` for something a control route created, 200 when it already existed.
pub(crate) fn created_or_found(created: bool, body: serde_json::Value) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, axum::Json(body)).into_response()
}

async fn list_orgs(State(hub): State<Arc<Hub>>) -> Response {
    let orgs: Vec<_> = hub
        .orgs()
        .iter()
        .map(|org| json!({ "name": org.name, "clientId": org.client_id }))
        .collect();
    json(&orgs)
}

async fn stats(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json(&ops::stats(&hub, &name)?))
}

async fn reset_stats(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    ops::reset_stats(&hub, &name)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn requests(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json(&ops::requests(&hub, &name)?))
}

async fn faults(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json(&hub.org(&name)?.faults.lock().settings))
}

async fn set_faults(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
    body: String,
) -> Result<Response, ApiError> {
    let update: FaultUpdate = parse(&body)?;
    Ok(json(&ops::set_faults(&hub, &name, &update)?))
}

async fn dump(State(hub): State<Arc<Hub>>, Path(name): Path<String>) -> Result<Response, ApiError> {
    Ok(json(&ops::dump(&hub, &name)?))
}

/// `GET /__sandbox/orgs/{name}/revocations`: `{revocations: [{userId, at}]}`, oldest
/// first (`DELETE /api/v2/tokens/{userId}` calls that found tokens).
async fn revocations(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let org = hub.org(&name)?;
    let state = org.state.read();
    Ok(json(&json!({ "revocations": state.revocations })))
}

async fn load(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
    body: String,
) -> Result<Response, ApiError> {
    let dump: serde_json::Value = parse(&body)?;
    ops::load(&hub, &name, &dump)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn seed_org(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
    body: String,
) -> Result<Response, ApiError> {
    let seed = seed::parse_seed(&body)?;
    ops::seed(&hub, &name, &seed)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Advance {
    advance_ms: u64,
}

async fn clock(State(hub): State<Arc<Hub>>, body: String) -> Result<Response, ApiError> {
    let advance: Advance = parse(&body)?;
    let now_ms = ops::advance_clock(&hub, std::time::Duration::from_millis(advance.advance_ms))?;
    Ok(json(&json!({ "nowMs": now_ms })))
}

/// Lets a control request through when the sandbox has no control token or the request
/// carries it; answers 401 otherwise.
pub async fn authorize(State(hub): State<Arc<Hub>>, request: Request, next: Next) -> Response {
    if !hub.control_token_required() {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim);
    if token.is_none() {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication.required",
            "The sandbox control routes need `Authorization: Bearer <control token>`.",
        )
        .into_response();
    }
    if !hub.control_allowed(token) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "The control token is not this sandbox's.",
        )
        .into_response();
    }
    next.run(request).await
}

/// The control routes.
pub fn router() -> Router<Arc<Hub>> {
    Router::new()
        .route("/__sandbox/orgs", post(create_org).get(list_orgs))
        .route(
            "/__sandbox/orgs/{name}/stats",
            get(stats).delete(reset_stats),
        )
        .route("/__sandbox/orgs/{name}/requests", get(requests))
        .route("/__sandbox/orgs/{name}/faults", get(faults).put(set_faults))
        .route("/__sandbox/orgs/{name}/dump", get(dump))
        .route("/__sandbox/orgs/{name}/revocations", get(revocations))
        .route("/__sandbox/orgs/{name}/load", post(load))
        .route("/__sandbox/orgs/{name}/seed", post(seed_org))
        .route("/__sandbox/clock", post(clock))
}
