//! Notices from a running server: the dispatch at start sends what the outbox holds due
//! through a `file` channel, and the acknowledgement link in the message works as DESIGN §2.9
//! says: `GET` shows a button and records nothing, `POST` records once (outbox and journal),
//! and a link roster did not sign gets the same 404 as one naming no message. No log line
//! holds the token or the key.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use roster_manifest::load_workspace;
use roster_notify::ack::AckSigner;
use roster_notify::outbox::Outbox;
use roster_notify::{Notice, Recipient, Tier};
use serde_json::Value;

const ROSTER: &str = "
orgs:
  demo:
    sandbox: {}
serve:
  hooks: {}
notify:
  channels:
    outbox: { file: outbox }
  acknowledge: { url: \"https://roster.acme.example/\", secret: { file: ack-secret } }
";

/// The signing key. A `file:` reference, not `env:`: the workspace forbids `unsafe`, which
/// `std::env::set_var` needs in edition 2024, and the test binary's threads share one
/// environment.
const SECRET: &str = "ack-signing-secret-for-the-test-0123456789";

/// Every log line of the test binary, as the JSON the server writes.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Captured;

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    // As `roster serve -vv` logs, so a token logged at debug is caught too.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(|| Captured)
        .try_init();
}

fn notice() -> Notice {
    Notice {
        org: "demo".to_owned(),
        message: "announcement:demo:migration".to_owned(),
        recipient: Recipient {
            email: "ann@acme.example".to_owned(),
            name: "Ann".to_owned(),
            timezone: "UTC".to_owned(),
        },
        tier: Tier::Agents,
        channel: "outbox".to_owned(),
        subject: "The migration".to_owned(),
        body: "The queues move on Monday.".to_owned(),
        not_before: Timestamp::now() - SignedDuration::from_hours(1),
        window: None,
        acknowledge_within_secs: Some(72 * 3600),
    }
}

/// The message file the `file` channel wrote, waiting for it a bounded time.
async fn message_file(folder: &Path) -> Value {
    for _ in 0..150 {
        if let Some(entry) = std::fs::read_dir(folder).ok().and_then(|entries| {
            entries
                .flatten()
                .find(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
        }) {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            return serde_json::from_str(&text).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message file in `{}` after 15 s", folder.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_notice_is_acknowledged_by_post_once_and_never_by_get() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.yaml"), ROSTER).unwrap();
    std::fs::write(dir.path().join("ack-secret"), format!("{SECRET}\n")).unwrap();
    let loaded = load_workspace(dir.path());
    assert_eq!(loaded.error_count(), 0, "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.unwrap();
    let database = workspace.notify.as_ref().unwrap().database.clone();
    std::fs::create_dir_all(database.parent().unwrap()).unwrap();
    let key = notice().key();
    let enqueued = Outbox::open(&database)
        .unwrap()
        .enqueue(&[notice()], Timestamp::now())
        .unwrap();
    assert_eq!(enqueued.added, 1);

    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(roster_serve::serve(
        workspace,
        Some("127.0.0.1:0".parse().unwrap()),
        move |address| {
            let _ = bound_tx.send(address);
        },
        async move {
            let _ = stop_rx.await;
        },
    ));
    let address = tokio::time::timeout(Duration::from_secs(30), bound_rx)
        .await
        .expect("the server listens within 30 s")
        .unwrap();

    // The dispatch at start wrote the message, with its link.
    let message = message_file(&dir.path().join("outbox")).await;
    assert_eq!(message["key"], key.as_str());
    let body = message["body"].as_str().unwrap();
    let link = body
        .split_whitespace()
        .find(|word| word.starts_with("https://roster.acme.example/ack/"))
        .unwrap_or_else(|| panic!("no acknowledgement link in {body:?}"));
    let path = link.trim_start_matches("https://roster.acme.example");
    let token = path.trim_start_matches("/ack/");
    assert_eq!(
        AckSigner::new(SECRET.as_bytes()).verify(token),
        Ok(key.clone())
    );
    let url = format!("http://{address}{path}");
    let acknowledged_at = || {
        Outbox::open(&database)
            .unwrap()
            .get(&key)
            .unwrap()
            .expect("the row stays")
            .acknowledged_at
    };
    let journal = || {
        std::fs::read_to_string(dir.path().join(".roster/journal/demo.jsonl")).unwrap_or_default()
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // GET: the button, nothing recorded (a mail scanner's prefetch acknowledges nothing).
    let shown = client.get(&url).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["cache-control"], "no-store");
    assert_eq!(shown.headers()["referrer-policy"], "no-referrer");
    let page = shown.text().await.unwrap();
    assert!(page.contains("<form method=\"post\">"), "{page}");
    assert!(!page.contains(token), "the page repeats no token: {page}");
    assert_eq!(acknowledged_at(), None);
    assert!(!journal().contains("noticeAcknowledged"), "{}", journal());

    // POST: recorded, in the outbox and the org's journal.
    let recorded = client.post(&url).send().await.unwrap();
    assert_eq!(recorded.status(), 200);
    let page = recorded.text().await.unwrap();
    let at = acknowledged_at().expect("the POST recorded the acknowledgement");
    assert!(
        page.contains(&format!("your acknowledgement was recorded at {at}.")),
        "{page}"
    );
    let entries: Vec<Value> = journal()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|entry: &Value| entry.to_string().contains("noticeAcknowledged"))
        .collect();
    assert_eq!(entries.len(), 1, "{}", journal());
    assert!(entries[0].to_string().contains(&key), "{}", entries[0]);

    // A second POST keeps the first time and journals nothing more.
    let again = client.post(&url).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let page = again.text().await.unwrap();
    assert!(
        page.contains(&format!("already acknowledged at {at}.")),
        "{page}"
    );
    assert_eq!(acknowledged_at(), Some(at));
    assert_eq!(journal().matches("noticeAcknowledged").count(), 1);

    // A tampered token (GET or POST) and a well-signed token naming no message (POST; its
    // GET only checks the signature) get the same 404.
    let last = token.chars().last().unwrap();
    let tampered = format!(
        "{}{}",
        &token[..token.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let unknown = AckSigner::new(SECRET.as_bytes()).token(&"0".repeat(64));
    let tampered_url = format!("http://{address}/ack/{tampered}");
    let unknown_url = format!("http://{address}/ack/{unknown}");
    let mut refusals = Vec::new();
    for response in [
        client.get(&tampered_url).send().await.unwrap(),
        client.post(&tampered_url).send().await.unwrap(),
        client.post(&unknown_url).send().await.unwrap(),
    ] {
        assert_eq!(response.status(), 404, "{}", response.url());
        refusals.push(response.text().await.unwrap());
    }
    assert!(
        refusals[0].contains("This link is not valid"),
        "{}",
        refusals[0]
    );
    assert!(
        refusals.iter().all(|page| *page == refusals[0]),
        "a forged and an unknown link read the same: {refusals:#?}"
    );
    assert_eq!(acknowledged_at(), Some(at), "nothing else changed the row");

    let metrics = client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "roster_notices_sent_total{channel=\"outbox\"} 1",
        "roster_notices_failed_total{channel=\"outbox\"} 0",
        "roster_notify_breaker_open{channel=\"outbox\"} 0",
        "roster_notices_acknowledged_total 1",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }

    // Graceful shutdown ends the dispatch loop with the server.
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(40), server)
        .await
        .expect("the server stops within 40 s")
        .unwrap()
        .unwrap();

    let logs = String::from_utf8(LOGS.lock().unwrap().clone()).unwrap();
    let summary = logs
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|entry| entry["fields"]["message"] == "sent due notices")
        .unwrap_or_else(|| panic!("no summary line in\n{logs}"));
    let counts: Value =
        serde_json::from_str(summary["fields"]["summary"].as_str().unwrap()).unwrap();
    assert_eq!(counts["channels"]["outbox"]["sent"], 1, "{counts}");
    assert_eq!(
        counts["channels"]["outbox"]["breakerOpen"], false,
        "{counts}"
    );
    let (_, signature) = token.rsplit_once('.').unwrap();
    for secret in [token, signature, &tampered, SECRET] {
        assert!(
            !logs.contains(secret),
            "a log line holds `{secret}`:\n{logs}"
        );
    }
}
