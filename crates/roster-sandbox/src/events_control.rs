//! Control routes for the audit trail and notifications (outside `/api/v2`, no token, not
//! counted in stats), next to those of `control`:
//!
//! | route | does |
//! |---|---|
//! | `POST /__sandbox/orgs/{name}/clients` `{name, clientId, clientSecret}` | add a named OAuth client to the org: 201, or 200 if the same client exists, 409 if the id is taken |
//! | `GET /__sandbox/orgs/{name}/clients` | `[{name, clientId}]`, the org's own client first |
//! | `PUT /__sandbox/orgs/{name}/clients/{clientId}/permissions` `{denied: [permission]}` | the permissions the client lacks (e.g. `audits:audit:view`: the Audit API answers 403) |
//! | `PUT /__sandbox/notifications` `{heartbeatMs}` | heartbeat period of sockets opened from now on (default 30,000) |
//! | `POST /__sandbox/orgs/{name}/notifications/drop` `{refuseMs?}` | close every open socket of the org's channels, and answer 503 to opening one for `refuseMs` (default 0): an outage, events lost meanwhile: `{dropped}` |
//! | `POST /__sandbox/orgs/{name}/notifications/socket-closing` `{closeAfterMs?}` | send `v2.system.socket_closing` on every open socket, close them `closeAfterMs` later (default 60,000): `{notified}` |

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{post, put};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::hub::Hub;
use crate::paging::json;

fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    let body = if body.trim().is_empty() { "{}" } else { body };
    serde_json::from_str(body).map_err(|error| {
        ApiError::bad_request(format!("Unable to parse the request body: {error}"))
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewClient {
    name: String,
    client_id: String,
    client_secret: String,
}

async fn add_client(
    State(hub): State<Arc<Hub>>,
    Path(org): Path<String>,
    body: String,
) -> Result<Response, ApiError> {
    let client: NewClient = parse(&body)?;
    let created = hub.add_client(&org, &client.name, &client.client_id, &client.client_secret)?;
    Ok(crate::control::created_or_found(
        created,
        json!({ "name": client.name, "clientId": client.client_id }),
    ))
}

async fn list_clients(
    State(hub): State<Arc<Hub>>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let own = hub.org(&org)?;
    let mut clients = vec![json!({ "name": own.client_id, "clientId": own.client_id })];
    clients.extend(
        hub.clients
            .of_org(&org)
            .into_iter()
            .map(|(name, id)| json!({ "name": name, "clientId": id })),
    );
    Ok(json(&clients))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Permissions {
    denied: BTreeSet<String>,
}

async fn set_permissions(
    State(hub): State<Arc<Hub>>,
    Path((org, client_id)): Path<(String, String)>,
    body: String,
) -> Result<Response, ApiError> {
    let own = hub.org(&org)?;
    let known = own.client_id == client_id
        || hub
            .clients
            .of_org(&org)
            .iter()
            .any(|(_, id)| *id == client_id);
    if !known {
        return Err(ApiError::not_found("client", &client_id));
    }
    let permissions: Permissions = parse(&body)?;
    hub.clients
        .set_denied(&client_id, permissions.denied.clone());
    Ok(json(
        &json!({ "clientId": client_id, "denied": permissions.denied }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NotificationKnobs {
    heartbeat_ms: u64,
}

async fn notification_knobs(
    State(hub): State<Arc<Hub>>,
    body: String,
) -> Result<Response, ApiError> {
    let knobs: NotificationKnobs = parse(&body)?;
    hub.notifications.set_heartbeat_ms(knobs.heartbeat_ms);
    Ok(json(
        &json!({ "heartbeatMs": hub.notifications.heartbeat_ms() }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Outage {
    refuse_ms: Option<u64>,
}

async fn drop_sockets(
    State(hub): State<Arc<Hub>>,
    Path(org): Path<String>,
    body: String,
) -> Result<Response, ApiError> {
    hub.org(&org)?;
    let outage: Outage = if body.trim().is_empty() {
        Outage::default()
    } else {
        parse(&body)?
    };
    let until = hub.clock.now_ms() + outage.refuse_ms.unwrap_or(0);
    Ok(json(
        &json!({ "dropped": hub.notifications.drop_sockets(&org, until) }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Closing {
    close_after_ms: Option<u64>,
}

async fn socket_closing(
    State(hub): State<Arc<Hub>>,
    Path(org): Path<String>,
    body: String,
) -> Result<Response, ApiError> {
    hub.org(&org)?;
    let closing: Closing = parse(&body)?;
    let told = hub.notifications.announce_closing(&org);
    let notified = told.len();
    let delay = Duration::from_millis(closing.close_after_ms.unwrap_or(60_000));
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        hub.notifications.close_sockets(&told);
    });
    Ok(json(&json!({ "notified": notified })))
}

/// The control routes of this module.
pub fn router() -> Router<Arc<Hub>> {
    Router::new()
        .route(
            "/__sandbox/orgs/{name}/clients",
            post(add_client).get(list_clients),
        )
        .route(
            "/__sandbox/orgs/{name}/clients/{clientId}/permissions",
            put(set_permissions),
        )
        .route("/__sandbox/notifications", put(notification_knobs))
        .route(
            "/__sandbox/orgs/{name}/notifications/drop",
            post(drop_sockets),
        )
        .route(
            "/__sandbox/orgs/{name}/notifications/socket-closing",
            post(socket_closing),
        )
}
