//! The HTTP log behind `-v`: one `debug` event per attempt, token fetches included, under the
//! `roster_genesys::http` target, with org, method, path, status or error, time and attempt
//! number, and never a secret or a token.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use parking_lot::Mutex;
use roster_genesys::TOKEN_ENDPOINT;
use roster_model::ReadNeeds;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::support::{ORG, SEED, client, sandbox, snapshot};

/// One captured event: its level, its message and its other fields, as text.
#[derive(Debug, Clone)]
struct Captured {
    level: Level,
    fields: BTreeMap<String, String>,
}

impl Captured {
    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// A subscriber that keeps the events of the HTTP target.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

thread_local! {
    /// The capture of the test running on this thread, if it installed one.
    static CURRENT: std::cell::RefCell<Option<Capture>> = const { std::cell::RefCell::new(None) };
}

/// Until dropped, this thread's events go to a capture.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        CURRENT.with(|current| current.borrow_mut().take());
    }
}

impl Capture {
    /// Sends this thread's HTTP events here until the guard drops. (The test's runtime runs on
    /// its thread only, so it sees every task.) One global subscriber forwards to the capture
    /// of the thread an event happens on: a subscriber scoped to the thread would miss events
    /// whose callsite another test, running in parallel under no subscriber, reached first
    /// and cached as unheard.
    fn install(&self) -> Installed {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            tracing::subscriber::set_global_default(Forward)
                .expect("no other global subscriber in this test binary");
        });
        CURRENT.with(|current| *current.borrow_mut() = Some(self.clone()));
        Installed
    }

    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() != "roster_genesys::http" {
            return;
        }
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().push(Captured {
            level: *event.metadata().level(),
            fields,
        });
    }
}

/// The global subscriber: every event to the capture of its thread, if any.
struct Forward;

impl Subscriber for Forward {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        CURRENT.with(|current| {
            if let Some(capture) = current.borrow().as_ref() {
                capture.event(event);
            }
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn every_attempt_is_one_debug_event_without_secrets() {
    let sandbox = sandbox(SEED).await;
    let capture = Capture::default();
    let _guard = capture.install();
    let session = client(&sandbox).session();
    snapshot(&session, &ReadNeeds::default()).await;

    let events = capture.0.lock().clone();
    let attempts: Vec<&Captured> = events
        .iter()
        .filter(|e| e.get("message") == "response")
        .collect();
    assert_eq!(attempts.len() as u64, session.total_requests());
    for event in &attempts {
        assert_eq!(event.level, Level::DEBUG);
        assert_eq!(event.get("org"), ORG);
        assert_eq!(event.get("status"), "200");
        assert_eq!(event.get("attempt"), "1");
        for field in ["method", "path", "elapsed_ms"] {
            assert!(!event.get(field).is_empty(), "{field} missing: {event:?}");
        }
    }
    let tokens = attempts
        .iter()
        .filter(|e| e.get("path").ends_with("/oauth/token"))
        .count();
    assert_eq!(tokens as u64, session.request_counts()[TOKEN_ENDPOINT]);
    assert!(
        attempts
            .iter()
            .any(|e| e.get("method") == "GET" && e.get("path").starts_with("/api/v2/users?"))
    );
    // Only these fields: no header, no body, so neither the secret nor a token.
    let allowed = [
        "message",
        "org",
        "method",
        "path",
        "status",
        "elapsed_ms",
        "attempt",
        "correlation_id",
    ];
    for event in &attempts {
        assert!(
            event.fields.keys().all(|k| allowed.contains(&k.as_str())),
            "{event:?}"
        );
    }
    let text = format!("{events:?}");
    assert!(!text.contains("acme-secret"), "{text}");
    assert!(!text.to_ascii_lowercase().contains("bearer"), "{text}");
}

#[tokio::test]
async fn an_attempt_without_a_response_logs_the_os_error_and_its_retry() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut connection = roster_genesys::OrgConnection::new(
        ORG,
        url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        "acme-id",
        secrecy::SecretString::from("acme-secret".to_owned()),
    );
    connection.options = roster_genesys::ClientOptions {
        max_retries: 1,
        ..crate::support::fast_options()
    };
    let capture = Capture::default();
    let _guard = capture.install();
    let session = roster_genesys::GenesysClient::new(connection)
        .unwrap()
        .session();
    let request = roster_genesys::ApiRequest::get(
        roster_genesys::endpoint::SKILLS,
        roster_genesys::endpoint::SKILLS,
    );
    session.send(&request).await.unwrap_err();

    let events = capture.0.lock().clone();
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {} attempt={} {}",
                e.level,
                e.get("message"),
                e.get("attempt"),
                e.get("path"),
            )
        })
        .collect();
    let token_url = format!("http://127.0.0.1:{port}/oauth/token");
    assert_eq!(
        lines,
        [
            format!("DEBUG no response attempt=1 {token_url}"),
            "INFO the token endpoint failed; retrying attempt= ".to_owned(),
            format!("DEBUG no response attempt=2 {token_url}"),
        ]
    );
    for failed in [&events[0], &events[2]] {
        let error = failed.get("error");
        assert!(
            error.starts_with("cannot connect: ") && error.contains("Connection refused"),
            "{error}"
        );
    }
    assert_eq!(events[1].get("retry"), "1");
}
