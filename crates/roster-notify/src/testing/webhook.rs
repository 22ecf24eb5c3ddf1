//! A webhook receiver for tests: an axum server on `127.0.0.1` that records every request
//! (path, headers, body) and answers from a script, then `200 OK` once the script is used up.
//!
//! Lifetime: dropping the [`WebhookReceiver`] tells the server to shut down gracefully (idle
//! connections close, requests in flight finish); it stops accepting as soon as its task runs
//! next. [`WebhookReceiver::stop`] does the same and waits until the port is closed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// One answer of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedResponse {
    /// The HTTP status.
    pub status: u16,
    /// Extra headers (`Retry-After`, …).
    pub headers: Vec<(String, String)>,
    /// The body, sent as text.
    pub body: String,
}

impl ScriptedResponse {
    /// An answer with this status, no extra header and an empty body.
    pub fn status(status: u16) -> Self {
        ScriptedResponse {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// `200 OK`.
    pub fn ok() -> Self {
        ScriptedResponse::status(200)
    }

    /// The same answer with one more header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same answer with this body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }
}

/// One request the receiver got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The HTTP method.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The headers, names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl ReceivedRequest {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_str(&self.body)
    }
}

/// What the handler and the test share.
#[derive(Default)]
struct Shared {
    script: VecDeque<ScriptedResponse>,
    received: Vec<ReceivedRequest>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An HTTP server on `127.0.0.1` answering from a script; stops on drop.
pub struct WebhookReceiver {
    url: String,
    shared: Arc<Mutex<Shared>>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// How long [`WebhookReceiver::stop`] waits for the server to finish.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

impl WebhookReceiver {
    /// Binds `127.0.0.1` on a free port and serves every path, answering the requests in
    /// order with `script`, then `200 OK`. Must be called inside a Tokio runtime.
    pub async fn start(script: Vec<ScriptedResponse>) -> std::io::Result<WebhookReceiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let shared = Arc::new(Mutex::new(Shared {
            script: script.into(),
            received: Vec::new(),
        }));
        let router = Router::new()
            .fallback(record_and_answer)
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serving = axum::serve(listener, router).with_graceful_shutdown(async {
                // A dropped sender counts as the signal too.
                let _ = stopped.await;
            });
            if let Err(error) = serving.await {
                tracing::warn!("the test webhook receiver stopped: {error}");
            }
        });
        Ok(WebhookReceiver {
            url,
            shared,
            shutdown: Some(shutdown),
            server: Some(server),
        })
    }

    /// The URL to post to (`http://127.0.0.1:<port>/hook`; any path is served).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared).received.clone()
    }

    /// Shuts the server down and waits (at most ten seconds) until it no longer accepts
    /// connections.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            // A server that does not finish in time is left to the runtime; the test goes on.
            let _ = tokio::time::timeout(STOP_TIMEOUT, server).await;
        }
    }

    /// Appends answers to the script.
    pub fn push_script(&self, responses: impl IntoIterator<Item = ScriptedResponse>) {
        lock(&self.shared).script.extend(responses);
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may already be gone; then there is nothing to stop.
            let _ = shutdown.send(());
        }
    }
}

async fn record_and_answer(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = {
        let mut shared = lock(&shared);
        shared.received.push(ReceivedRequest {
            method: method.to_string(),
            path: uri.to_string(),
            headers: headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        shared
            .script
            .pop_front()
            .unwrap_or_else(ScriptedResponse::ok)
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body).into_response();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
