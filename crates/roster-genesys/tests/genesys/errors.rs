//! What a caller gets when the org cannot be reached: the token endpoint answering 404 or
//! 5xx (not a refusal of the credentials), and no answer at all (a closed port), whose error
//! names the URL it tried and keeps the operating system's reason in its source chain.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use roster_genesys::{
    ApiRequest, ClientOptions, GenesysClient, GenesysError, OrgConnection, Session, TOKEN_ENDPOINT,
    endpoint,
};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use crate::support::{ORG, fast_options};

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers every request with what `answer` says for
/// its request line (`POST /oauth/token HTTP/1.1`), closes each connection, and counts them.
struct Tiny {
    address: SocketAddr,
    requests: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Tiny {
    async fn start(answer: fn(&str) -> (u16, &'static str)) -> Tiny {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                // Read the whole request (head and body) before answering, so closing the
                // connection never resets it under the client.
                let mut received = Vec::new();
                let mut chunk = [0u8; 4096];
                let mut head_end = None;
                let mut wanted = usize::MAX;
                while received.len() < wanted {
                    let read = stream.read(&mut chunk).await.unwrap_or(0);
                    if read == 0 {
                        break;
                    }
                    received.extend_from_slice(&chunk[..read]);
                    if head_end.is_none()
                        && let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n")
                    {
                        let head = String::from_utf8_lossy(&received[..at]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .map_or(0, |value| value.trim().parse().unwrap());
                        head_end = Some(at + 4);
                        wanted = at + 4 + length;
                    }
                }
                let head = String::from_utf8_lossy(&received);
                let (status, body) = answer(head.lines().next().unwrap_or_default());
                let reason = reqwest::StatusCode::from_u16(status)
                    .unwrap()
                    .canonical_reason()
                    .unwrap_or("");
                let response = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        Tiny {
            address,
            requests,
            task,
        }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Stops listening: later connections are refused.
    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// A session of a new client for an org served at `address`, with at most `retries` retries.
fn session(address: SocketAddr, retries: u32) -> Session {
    let mut connection = OrgConnection::new(
        ORG,
        Url::parse(&format!("http://{address}")).unwrap(),
        "acme-id",
        SecretString::from("acme-secret".to_owned()),
    );
    connection.requests_per_minute = 60_000;
    connection.options = ClientOptions {
        max_retries: retries,
        ..fast_options()
    };
    GenesysClient::new(connection).unwrap().session()
}

fn list_skills() -> ApiRequest {
    ApiRequest::get(endpoint::SKILLS, endpoint::SKILLS)
}

/// The message with its timing (`in 0.2s`) made stable.
fn message(error: &GenesysError) -> String {
    let text = error.to_string();
    match text.split_once(" in ") {
        Some((before, after)) => {
            let rest = after.split_once('s').map_or("", |(_, rest)| rest);
            format!("{before} in [elapsed]s{rest}")
        }
        None => text,
    }
}

/// Every error below `error`, outermost first.
fn causes(error: &GenesysError) -> Vec<&(dyn std::error::Error + 'static)> {
    let mut out = Vec::new();
    let mut next = std::error::Error::source(error);
    while let Some(cause) = next {
        out.push(cause);
        next = cause.source();
    }
    out
}

#[tokio::test]
async fn a_token_endpoint_answering_404_is_a_wrong_address_not_refused_credentials() {
    let server = Tiny::start(|_| (404, r#"{"message":"no such route"}"#)).await;
    let session = session(server.address, 3);
    let error = session.send(&list_skills()).await.unwrap_err();
    assert!(matches!(error, GenesysError::TokenEndpoint(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "the token endpoint `http://{}/oauth/token` answered 404 Not Found; check the \
             org's region or `apiBase`",
            server.address
        )
    );
    assert_eq!((error.status(), error.org()), (Some(404), ORG));
    // Not retried, and remembered: the next request fails the same way without asking.
    let again = session.send(&list_skills()).await.unwrap_err();
    assert_eq!(again.to_string(), error.to_string());
    assert_eq!(server.requests(), 1);
    assert_eq!(session.request_counts()[TOKEN_ENDPOINT], 1);
}

#[tokio::test]
async fn a_token_endpoint_answering_500_is_retried_as_the_table_says_then_reported() {
    let server = Tiny::start(|_| (500, r#"{"message":"boom"}"#)).await;
    let session = session(server.address, 2);
    let error = session.send(&list_skills()).await.unwrap_err();
    assert!(matches!(error, GenesysError::TokenEndpoint(_)), "{error:?}");
    assert_eq!(
        message(&error),
        format!(
            "the token endpoint `http://{}/oauth/token` answered 500 Internal Server Error \
             (after 2 retries in [elapsed]s)",
            server.address
        )
    );
    assert_eq!(server.requests(), 3);
    assert_eq!(session.request_counts()[TOKEN_ENDPOINT], 3);
    // A 5xx may pass: it is not remembered, the next request asks again.
    session.send(&list_skills()).await.unwrap_err();
    assert_eq!(server.requests(), 6);
}

#[tokio::test]
async fn a_closed_port_names_the_token_url_and_keeps_the_os_error_as_the_cause() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let session = session(address, 1);
    let error = session.send(&list_skills()).await.unwrap_err();
    assert_eq!(
        message(&error),
        format!(
            "`POST http://127.0.0.1:{port}/oauth/token` got no response (after 1 retry in \
             [elapsed]s)"
        )
    );
    assert_refused_underneath(&error, port);
    assert_eq!(session.request_counts()[TOKEN_ENDPOINT], 2);
}

#[tokio::test]
async fn an_api_that_stops_answering_names_the_api_url_and_keeps_the_os_error_as_the_cause() {
    let server = Tiny::start(|line| {
        if line.starts_with("POST /oauth/token") {
            (200, r#"{"access_token":"t","expires_in":86400}"#)
        } else {
            (200, r#"{"entities":[]}"#)
        }
    })
    .await;
    let address = server.address;
    let session = session(address, 1);
    session.send(&list_skills()).await.unwrap();
    server.stop().await;
    // The token is cached: only the API request meets the closed port.
    let error = session.send(&list_skills()).await.unwrap_err();
    assert_eq!(
        message(&error),
        format!(
            "`GET http://{address}/api/v2/routing/skills` got no response (after 1 retry in \
             [elapsed]s)"
        )
    );
    assert_refused_underneath(&error, address.port());
    assert!(!error.is_ambiguous(), "a refused connection sent nothing");
}

/// The chain under `error` reaches the operating system's "connection refused", and no cause
/// repeats the URL the message already names.
fn assert_refused_underneath(error: &GenesysError, port: u16) {
    let causes = causes(error);
    let refused = causes
        .iter()
        .find_map(|cause| cause.downcast_ref::<std::io::Error>());
    assert_eq!(
        refused.map(std::io::Error::kind),
        Some(std::io::ErrorKind::ConnectionRefused),
        "{causes:?}"
    );
    for cause in &causes {
        assert!(!cause.to_string().contains(&port.to_string()), "{cause}");
    }
}
