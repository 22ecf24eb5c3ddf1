//! The WebSocket of a notification channel, served by the sandbox's own listener at
//! `ws://{host}/channels/{channelId}` (the `connectUri` of the channel; the real service
//! serves `wss://streaming.<domain>/channels/<id>` on another host). Like the real one it
//! needs no token: the channel id is the secret.
//!
//! Each socket is one task that ends when the client closes, the channel is evicted or
//! expires, a second connection takes the channel over, or a control route drops it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::Outgoing;
use crate::error::ApiError;
use crate::hub::Hub;

/// The socket route.
pub fn router() -> Router<Arc<Hub>> {
    Router::new().route("/channels/{channelId}", get(connect))
}

async fn connect(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !hub.notifications.alive(hub.clock.now_ms(), None, &id) {
        return ApiError::not_found("channel", &id).into_response();
    }
    if hub.notifications.refused(hub.clock.now_ms(), &id) {
        return ApiError::injected(axum::http::StatusCode::SERVICE_UNAVAILABLE).into_response();
    }
    upgrade.on_upgrade(move |socket| serve(hub, id, socket))
}

fn is_ping(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|value| {
            value
                .get("message")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .is_some_and(|message| message.eq_ignore_ascii_case("ping"))
}

async fn serve(hub: Arc<Hub>, id: String, mut socket: WebSocket) {
    let Some((generation, mut outgoing)) = hub.notifications.connect(hub.clock.now_ms(), &id)
    else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    let period = Duration::from_millis(hub.notifications.heartbeat_ms());
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            message = outgoing.recv() => match message {
                Some(Outgoing::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close) | None => {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) if is_ping(text.as_str()) => {
                    let pong = json!({ "topicName": "channel.metadata", "eventBody": { "message": "pong" } });
                    if socket.send(Message::Text(pong.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = heartbeat.tick() => {
                if !hub.notifications.alive(hub.clock.now_ms(), None, &id) {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                if socket.send(Message::Text(super::heartbeat().into())).await.is_err() {
                    break;
                }
            }
        }
    }
    hub.notifications.disconnect(&id, generation);
}
