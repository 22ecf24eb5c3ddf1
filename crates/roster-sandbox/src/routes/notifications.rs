//! Notification channels and subscriptions (REFERENCE §6.17); the rules live in
//! `crate::notifications`, the WebSocket in `crate::notifications::socket`.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{Body, Ctx};
use crate::error::ApiError;
use crate::paging::json;

/// `ChannelTopic` as a subscribe body sends it.
#[derive(Debug, Deserialize)]
pub struct ChannelTopic {
    id: Option<String>,
}

/// `POST /api/v2/notifications/channels`: `connectUri` names the host the request came to.
pub async fn create(ctx: Ctx, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    json(&ctx.hub.notifications.create(&ctx.hub, &ctx.token, &host))
}

/// `GET /api/v2/notifications/channels` (`includechannels` = `token` or `oauthclient`).
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let all = match ctx.query.get("includechannels") {
        None | Some("token") => false,
        Some("oauthclient") => true,
        Some(other) => {
            return Err(ApiError::invalid_value(
                "includechannels",
                format!("Value [{other}] is not valid. Allowable values are: token, oauthclient"),
            ));
        }
    };
    let entities = ctx.hub.notifications.list(&ctx.hub, &ctx.token, all);
    Ok(json(&json!({ "entities": entities })))
}

/// `HEAD /api/v2/notifications/channels/{channelId}`: 200 if alive, 404 otherwise.
pub async fn head(ctx: Ctx, Path(id): Path<String>) -> Response {
    if ctx
        .hub
        .notifications
        .alive(ctx.now_ms(), Some(&ctx.org.name), &id)
    {
        StatusCode::OK.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// `GET …/subscriptions`.
pub async fn subscriptions(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let entities = ctx
        .hub
        .notifications
        .subscriptions(ctx.now_ms(), &ctx.org.name, &id)?;
    Ok(json(&json!({ "entities": entities })))
}

fn topics(body: Vec<ChannelTopic>) -> Result<Vec<String>, ApiError> {
    body.into_iter()
        .map(|topic| {
            topic
                .id
                .filter(|id| !id.is_empty())
                .ok_or_else(|| ApiError::missing_field("id"))
        })
        .collect()
}

fn subscribe(
    ctx: &Ctx,
    id: &str,
    body: Vec<ChannelTopic>,
    replace: bool,
) -> Result<Response, ApiError> {
    let ignore_errors = ctx
        .query
        .get("ignoreErrors")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let topics = topics(body)?;
    let entities = ctx.hub.notifications.subscribe(
        &ctx.hub,
        &ctx.token,
        id,
        &topics,
        replace,
        ignore_errors,
    )?;
    Ok(json(&json!({ "entities": entities })))
}

/// `POST …/subscriptions`: adds topics.
pub async fn add(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<ChannelTopic>>,
) -> Result<Response, ApiError> {
    subscribe(&ctx, &id, body, false)
}

/// `PUT …/subscriptions`: replaces the topics.
pub async fn replace(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<ChannelTopic>>,
) -> Result<Response, ApiError> {
    subscribe(&ctx, &id, body, true)
}

/// `DELETE …/subscriptions`: removes every topic.
pub async fn remove_all(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    ctx.hub
        .notifications
        .unsubscribe_all(ctx.now_ms(), &ctx.org.name, &id)?;
    Ok(ctx.void())
}
