//! `roster serve` as a process against the sandbox over HTTP: signed HR terminations are
//! acknowledged, stored and processed exactly once through the offboarding workflow, git
//! follows on a branch pushed to a local bare repository, refused deliveries store nothing,
//! a crash between acknowledging and processing loses nothing, a future-dated event waits,
//! and a burst of 1,000 events is processed with none lost or doubled.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::drift::applied_example;
use crate::support::{External, Workspace};

/// The hook's secret (Standard Webhooks: `whsec_` and base64).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The bearer token of `/events`.
const TOKEN: &str = "e2e-serve-token";
/// Every wait is bounded by this.
const WAIT: Duration = Duration::from_mins(1);

const SERVE: &str = r#"
serve:
  token: { env: E2E_SERVE_TOKEN }
  hooks:
    hr:
      org: remote
      verify: standard-webhooks
      secret: { env: E2E_HOOK_SECRET }
      event: { id: /id, kind: /type, email: /data/email, effective: /data/effective }
      kinds: { user.terminated: terminate, user.suspended: suspend, user.rehired: rehire }
  git: { branch: "roster/hr/{event}", push: true, remote: origin }
"#;

/// A running server, and an HTTP client for it.
struct Server {
    child: Child,
    base: String,
    /// Everything it wrote to stderr so far.
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The example applied to a sandbox, with a `serve:` section, committed, and a bare
/// repository as its `origin`.
fn served_example() -> (External, Workspace, tempfile::TempDir) {
    let (sandbox, workspace) = applied_example();
    let roster = workspace.read("roster.yaml");
    workspace.write("roster.yaml", &format!("{roster}{SERVE}"));
    git(workspace.root(), &["add", "--all"]);
    git(workspace.root(), &["commit", "--quiet", "-m", "serve"]);
    let origin = tempfile::tempdir().unwrap();
    git(origin.path(), &["init", "--quiet", "--bare", "origin.git"]);
    let bare = origin.path().join("origin.git");
    git(
        workspace.root(),
        &["remote", "add", "origin", &bare.display().to_string()],
    );
    (sandbox, workspace, origin)
}

fn start(workspace: &Workspace, crash_before_processing: bool) -> Server {
    let mut command = workspace.process("serve", &["--listen", "127.0.0.1:0"]);
    command
        .env("E2E_SERVE_TOKEN", TOKEN)
        .env("E2E_HOOK_SECRET", SECRET)
        .env_remove("ROSTER_TESTING_SERVE_CRASH_BEFORE_PROCESSING")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if crash_before_processing {
        command.env("ROSTER_TESTING_SERVE_CRASH_BEFORE_PROCESSING", "1");
    }
    let mut child = command.spawn().expect("roster serve starts");
    let stderr = child.stderr.take().expect("piped");
    let (send, address) = std::sync::mpsc::channel();
    let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = logs.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if let Some(address) = line.strip_prefix("roster serve: listening on ") {
                let _ = send.send(address.to_owned());
            }
            eprintln!("[serve] {line}");
            kept.lock().unwrap().push(line);
        }
    });
    let base = address
        .recv_timeout(WAIT)
        .expect("the server says where it listens");
    Server {
        child,
        base,
        logs,
        http: reqwest::Client::new(),
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    }
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// A Standard Webhooks signature of `body` for delivery `id` at `timestamp`.
fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

impl Server {
    /// Delivers `body` as the HR system would, signed with `secret` at `timestamp`.
    fn deliver_signed(&self, body: &str, secret: &str, timestamp: i64) -> (u16, Value) {
        let id = format!("msg_{}", body.len());
        let request = self
            .http
            .post(format!("{}/hooks/hr", self.base))
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sign(secret, &id, timestamp, body))
            .header("content-type", "application/json")
            .body(body.to_owned());
        self.runtime.block_on(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        })
    }

    /// Starts a delivery announcing a 2 MiB body and answers the status the server gives
    /// before the body is sent (a plain socket: an HTTP client would fail writing the body
    /// the server refused).
    fn oversize(&self) -> u16 {
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://");
        let mut socket = std::net::TcpStream::connect(address).unwrap();
        socket.set_read_timeout(Some(WAIT)).unwrap();
        let head = format!(
            "POST /hooks/hr HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{{\"id\":",
            2 * 1024 * 1024
        );
        socket.write_all(head.as_bytes()).unwrap();
        let mut answer = [0u8; 64];
        let read = socket.read(&mut answer).unwrap();
        let line = String::from_utf8_lossy(&answer[..read]);
        line.split(' ').nth(1).unwrap().parse().unwrap()
    }

    fn metrics(&self) -> String {
        let request = self.http.get(format!("{}/metrics", self.base));
        self.runtime
            .block_on(async move { request.send().await.unwrap().text().await.unwrap() })
    }

    fn deliver(&self, body: &Value) -> (u16, Value) {
        self.deliver_signed(&body.to_string(), SECRET, now_seconds())
    }

    fn get(&self, path: &str) -> Value {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        self.runtime
            .block_on(async move { request.send().await.unwrap().json().await.unwrap() })
    }

    /// Waits until event `id` is finished; answers it.
    fn finished(&self, id: &Value) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let event = self.get(&format!("/events/{id}"));
            if ["done", "dead"].contains(&event["status"].as_str().unwrap_or("")) {
                return event;
            }
            assert!(
                Instant::now() < deadline,
                "event {id} never finished: {event:#}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn termination(id: &str, email: &str) -> Value {
    json!({ "id": id, "type": "user.terminated", "data": { "email": email } })
}

fn state_of(sandbox: &External, email: &str) -> String {
    let state = sandbox.state();
    crate::support::live(&state, "users")
        .find(|user| user["email"] == email)
        .map_or_else(
            || panic!("no user {email}"),
            |user| user["state"].as_str().unwrap().to_owned(),
        )
}

/// The journal's `offboardingStarted` records of `email`.
fn offboardings(workspace: &Workspace, email: &str) -> Vec<Value> {
    std::fs::read_to_string(workspace.journal("remote"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line["kind"] == "offboardingStarted" && line["data"]["user"] == email)
        .collect()
}

#[test]
fn a_signed_termination_offboards_once_and_git_follows() {
    let (sandbox, workspace, origin) = served_example();
    let server = start(&workspace, false);
    let email = "kwame.asante@acme.example";

    let sent = Instant::now();
    let (status, answer) = server.deliver(&termination("evt-1", email));
    assert_eq!(status, 202, "{answer}");
    let event = server.finished(&answer["id"]);
    eprintln!("termination processed {:?} after delivery", sent.elapsed());
    assert_eq!(event["status"], "done", "{event:#}");
    assert_eq!(state_of(&sandbox, email), "inactive");
    let records = offboardings(&workspace, email);
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["data"]["eventId"], "hr:evt-1");

    // Another event for the user, already inactive: a success, nothing written twice.
    let (status, other) = server.deliver(&termination("evt-1b", email));
    assert_eq!(status, 202, "{other}");
    let later = server.finished(&other["id"]);
    assert_eq!(later["status"], "done", "{later:#}");
    assert!(
        later["outcome"]
            .as_str()
            .unwrap()
            .contains("already inactive"),
        "{later:#}"
    );

    // Three redeliveries: the stored event, nothing done again.
    for _ in 0..3 {
        let (status, again) = server.deliver(&termination("evt-1", email));
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["id"], answer["id"]);
        assert_eq!(again["status"], "done");
    }
    assert_eq!(offboardings(&workspace, email).len(), 1);

    // Refused deliveries store nothing.
    let body = termination("evt-2", "aisha.bello@acme.example").to_string();
    let (status, _) = server.deliver_signed(
        &body,
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        now_seconds(),
    );
    assert_eq!(status, 401, "a wrong secret");
    let (status, _) = server.deliver_signed(&body, SECRET, now_seconds() - 3_600);
    assert_eq!(status, 401, "a stale timestamp");
    assert_eq!(server.oversize(), 413, "over 1 MiB");
    let (status, missing) =
        server.deliver(&json!({ "id": "evt-4", "type": "user.terminated", "data": {} }));
    assert_eq!(status, 400);
    assert!(
        missing["error"].as_str().unwrap().contains("/data/email"),
        "{missing}"
    );
    assert_eq!(
        server.get("/events")["events"].as_array().unwrap().len(),
        2,
        "evt-1 and evt-1b only"
    );
    assert_eq!(state_of(&sandbox, "aisha.bello@acme.example"), "active");

    // Git followed: the branch, pushed, marks the user inactive.
    let bare = origin.path().join("origin.git");
    let file = git(
        &bare,
        &["show", "roster/hr/evt-1:orgs/demo/users/billing.yaml"],
    );
    let declaration = file
        .split("- email: ")
        .find(|user| user.starts_with(email))
        .expect("the user is declared");
    assert!(declaration.contains("state: inactive"), "{declaration}");
    let message = git(&bare, &["log", "-1", "--format=%B", "roster/hr/evt-1"]);
    assert!(
        message.contains("Event: evt-1") && message.contains("Source: hr"),
        "{message}"
    );

    // Metrics in the Prometheus text format.
    let metrics = server.metrics();
    check_prometheus_text(&metrics);
    assert!(
        metrics.contains("roster_hr_events_accepted_total{source=\"hr\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("roster_hr_queue_depth 0"), "{metrics}");
    assert!(
        metrics
            .contains("roster_hr_events_rejected_total{source=\"hr\",reason=\"bad_signature\"} 1"),
        "{metrics}"
    );
    let ready = server.get("/readyz");
    assert_eq!(ready["ready"], true, "{ready:#}");

    // Logs are JSON lines, and hold no secret, token or payload.
    let logs = server.logs.lock().unwrap().clone();
    assert!(
        logs.iter()
            .any(|line| line.contains("processed an HR event")),
        "{logs:#?}"
    );
    for line in logs
        .iter()
        .filter(|line| !line.starts_with("roster serve: "))
    {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(
            entry["level"].is_string() && entry["timestamp"].is_string(),
            "{line}"
        );
        for secret in [SECRET, TOKEN, "user.terminated"] {
            assert!(
                !line.contains(secret),
                "a log line holds `{secret}`: {line}"
            );
        }
    }
}

#[test]
fn an_event_acknowledged_before_a_crash_is_processed_once_after_restart() {
    let (sandbox, workspace, _origin) = served_example();
    let email = "tomas.ferreira@acme.example";
    let mut crashing = start(&workspace, true);
    let (status, answer) = crashing.deliver(&termination("evt-crash", email));
    assert_eq!(status, 202, "{answer}");
    let deadline = Instant::now() + WAIT;
    while crashing.child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "the fail point did not abort the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        state_of(&sandbox, email),
        "active",
        "nothing ran before the crash"
    );

    let server = start(&workspace, false);
    let event = server.finished(&answer["id"]);
    assert_eq!(event["status"], "done", "{event:#}");
    assert_eq!(state_of(&sandbox, email), "inactive");
    assert_eq!(offboardings(&workspace, email).len(), 1);
}

#[test]
fn a_future_dated_termination_waits_for_its_date() {
    let (sandbox, workspace, _origin) = served_example();
    let server = start(&workspace, false);
    let email = "hannah.schmidt@acme.example";
    let effective = time::OffsetDateTime::now_utc() + time::Duration::seconds(4);
    let effective = effective
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({ "id": "evt-later", "type": "user.terminated", "data": { "email": email, "effective": effective } });
    let (status, answer) = server.deliver(&body);
    assert_eq!(status, 202, "{answer}");
    std::thread::sleep(Duration::from_millis(1500));
    let waiting = server.get(&format!("/events/{}", answer["id"]));
    assert_eq!(waiting["status"], "pending", "{waiting:#}");
    assert_eq!(state_of(&sandbox, email), "active");
    let event = server.finished(&answer["id"]);
    assert_eq!(event["status"], "done", "{event:#}");
    let finished = time::OffsetDateTime::parse(
        event["updatedAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let due =
        time::OffsetDateTime::parse(&effective, &time::format_description::well_known::Rfc3339)
            .unwrap();
    assert!(finished >= due, "processed at {finished}, due {due}");
    assert_eq!(state_of(&sandbox, email), "inactive");
}

#[test]
fn a_burst_of_a_thousand_events_is_processed_with_none_lost_or_doubled() {
    let (_sandbox, workspace, _origin) = served_example();
    let server = start(&workspace, false);
    let emails = [
        "aisha.bello@acme.example",
        "tomas.ferreira@acme.example",
        "hannah.schmidt@acme.example",
        "kwame.asante@acme.example",
    ];
    let sent = Instant::now();
    for n in 0..1_000 {
        let body = json!({ "id": format!("rehire-{n}"), "type": "user.rehired", "data": { "email": emails[n % emails.len()] } });
        let (status, answer) = server.deliver(&body);
        assert_eq!(status, 202, "{n}: {answer}");
    }
    eprintln!("1,000 deliveries accepted in {:?}", sent.elapsed());
    let deadline = Instant::now() + Duration::from_mins(3);
    loop {
        let metrics = server.metrics();
        if metrics.contains("roster_hr_queue_depth 0") {
            break;
        }
        assert!(Instant::now() < deadline, "the queue did not drain");
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("1,000 events processed in {:?}", sent.elapsed());
    let done = server.get("/events?status=done&limit=1000")["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(done, 1_000);
    let journal = std::fs::read_to_string(workspace.journal("remote")).unwrap();
    let records = journal
        .lines()
        .filter(|line| line.contains("\"kind\":\"reactivationPending\""))
        .count();
    assert_eq!(records, 1_000, "one journal record per event");
}

/// Checks the Prometheus text format: `# HELP`/`# TYPE`/`# EOF` comments and
/// `name{labels} value` samples with a numeric value.
fn check_prometheus_text(text: &str) {
    assert!(text.ends_with("# EOF\n"), "{text}");
    let sample = regex::Regex::new(
        r#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? [-+]?([0-9.eE+-]+|NaN|\+Inf|-Inf)$"#,
    )
    .unwrap();
    for line in text.lines() {
        if line.starts_with("# ") {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE ") || line == "# EOF",
                "{line}"
            );
        } else {
            assert!(sample.is_match(line), "not a sample: {line}");
        }
    }
}

#[test]
fn suspend_keeps_the_user_active_rehire_waits_and_an_unknown_user_is_dead_at_once() {
    let (sandbox, workspace, _origin) = served_example();
    let server = start(&workspace, false);

    let email = "aisha.bello@acme.example";
    let suspension = json!({ "id": "evt-s", "type": "user.suspended", "data": { "email": email } });
    let (status, answer) = server.deliver(&suspension);
    assert_eq!(status, 202, "{answer}");
    let event = server.finished(&answer["id"]);
    assert_eq!(event["status"], "done", "{event:#}");
    assert!(
        event["outcome"].as_str().unwrap().contains("suspended"),
        "{event:#}"
    );
    assert_eq!(state_of(&sandbox, email), "active");
    let records = offboardings(&workspace, email);
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["data"]["suspended"], true);
    let journal = std::fs::read_to_string(workspace.journal("remote")).unwrap();
    let operations: Vec<Value> = journal
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line["kind"] == "operation" && line["target"]["key"] == email)
        .collect();
    assert!(!operations.is_empty(), "routing was stripped");
    assert!(
        operations
            .iter()
            .all(|line| line["operation"]["op"] != "setUserState"),
        "a suspension never deactivates: {operations:#?}"
    );

    let rehire = json!({ "id": "evt-r", "type": "user.rehired", "data": { "email": "kwame.asante@acme.example" } });
    let (status, answer) = server.deliver(&rehire);
    assert_eq!(status, 202, "{answer}");
    let event = server.finished(&answer["id"]);
    assert_eq!(event["status"], "done", "{event:#}");
    assert!(
        event["outcome"]
            .as_str()
            .unwrap()
            .contains("reactivation pending"),
        "{event:#}"
    );
    assert!(
        std::fs::read_to_string(workspace.journal("remote"))
            .unwrap()
            .contains("\"kind\":\"reactivationPending\"")
    );

    let (status, answer) = server.deliver(&termination("evt-u", "nobody@acme.example"));
    assert_eq!(status, 202, "{answer}");
    let event = server.finished(&answer["id"]);
    assert_eq!(event["status"], "dead", "{event:#}");
    assert_eq!(
        event["attempts"], 1,
        "an unknown user is not retried: {event:#}"
    );
    assert!(
        event["reason"].as_str().unwrap().contains("no user"),
        "{event:#}"
    );
}

#[test]
fn a_genesys_failure_is_retried_and_an_operator_can_retry_at_once() {
    let (sandbox, workspace, _origin) = served_example();
    let server = start(&workspace, false);
    let email = "aisha.bello@acme.example";
    // Every request fails (and is not retried within the attempt): the event fails, waits.
    sandbox.faults(&roster_sandbox::FaultUpdate {
        error_rate: Some(1.0),
        ..roster_sandbox::FaultUpdate::default()
    });
    let (status, answer) = server.deliver(&termination("evt-retry", email));
    assert_eq!(status, 202, "{answer}");
    let deadline = Instant::now() + WAIT;
    let failed = loop {
        let event = server.get(&format!("/events/{}", answer["id"]));
        if event["status"] == "failed" {
            break event;
        }
        assert_ne!(event["status"], "done", "{event:#}");
        assert!(Instant::now() < deadline, "never failed: {event:#}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(failed["attempts"], 1, "{failed:#}");
    assert!(failed["reason"].is_string(), "{failed:#}");
    assert_eq!(state_of(&sandbox, email), "active");

    sandbox.faults(&roster_sandbox::FaultUpdate {
        error_rate: Some(0.0),
        ..roster_sandbox::FaultUpdate::default()
    });
    let request = server
        .http
        .post(format!("{}/events/{}/retry", server.base, answer["id"]))
        .bearer_auth(TOKEN);
    let status = server
        .runtime
        .block_on(async move { request.send().await.unwrap().status().as_u16() });
    assert_eq!(status, 200);
    let event = server.finished(&answer["id"]);
    assert_eq!(event["status"], "done", "{event:#}");
    assert_eq!(state_of(&sandbox, email), "inactive");
    assert_eq!(offboardings(&workspace, email).len(), 1);
}
