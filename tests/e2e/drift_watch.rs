//! `roster drift --watch`: a running watch of the example applied to a sandbox over HTTP
//! reports another client's changes from notifications, reading only what each event names,
//! recovers from an outage of its sockets, and reports what changed meanwhile after checking
//! the whole org again.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::drift::{Ids, applied_example};
use crate::support::{External, REMOTE};

/// How long any one expected line may take: generous, the benchmark measures latency.
const WAIT: Duration = Duration::from_mins(1);

/// A running `roster drift --watch --format json`, its lines read by a thread.
struct Watching {
    child: Child,
    lines: Receiver<Value>,
    seen: Vec<Value>,
}

impl Watching {
    /// The next event whose `type` is `kind` and that `matches`, skipping others; panics
    /// after [`WAIT`].
    fn until(&mut self, kind: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(event) => {
                    self.seen.push(event.clone());
                    if event["type"] == kind && matches(&event) {
                        return event;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!("no `{kind}` event; saw {:#?}", self.seen)
                }
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(workspace: &crate::support::Workspace) -> Watching {
    let mut child = workspace
        .process(
            "drift",
            &["--watch", "--format", "json", "--interval", "1h"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("roster starts");
    let stdout = child.stdout.take().expect("piped");
    let (send, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let event: Value = serde_json::from_str(&line).expect("a JSON line");
            if send.send(event).is_err() {
                return;
            }
        }
    });
    Watching {
        child,
        lines,
        seen: Vec::new(),
    }
}

fn drifted(event: &Value, key: &str, field: &str) -> bool {
    event["object"]["key"] == key
        && event["object"]["fields"]
            .as_array()
            .is_some_and(|fields| fields.iter().any(|f| f["field"] == field))
}

/// Routes the watch read since `sandbox` was reset, by `METHOD /template`.
fn reads(sandbox: &External) -> Vec<String> {
    sandbox
        .counts()
        .into_iter()
        .filter(|(route, _)| route.starts_with("GET "))
        .map(|(route, count)| format!("{route} ×{count}"))
        .collect()
}

#[test]
fn the_watch_reports_changes_as_they_happen_and_recovers_from_an_outage() {
    let (sandbox, workspace) = applied_example();
    let mut watch = start(&workspace);
    watch.until("reconciled", |event| event["reason"] == "start");
    let watching = watch.until("watching", |_| true);
    assert!(watching["topics"].as_u64().unwrap() > 20, "{watching}");
    assert_eq!(watching["unwatched"], 0);

    let token = sandbox.other_client("HR sync script", "hr-sync", "hr-sync-secret");
    let ids = Ids {
        sandbox: &sandbox,
        token: &token,
    };
    let aisha = ids.user("aisha.bello@acme.example");
    let fraud = ids.named("/api/v2/routing/queues", "Fraud Review");
    let hannah = ids.user("hannah.schmidt@acme.example");
    let billing = ids.named("/api/v2/routing/skills", "Billing");

    // A member added to a managed queue: reported from its events, attributed, and only
    // that queue's members read again.
    sandbox.reset();
    let added = Instant::now();
    sandbox.api_as(
        &token,
        Method::POST,
        &format!("/api/v2/routing/queues/{fraud}/members"),
        Some(json!([{ "id": aisha["id"] }])),
    );
    let event = watch.until("drift", |event| drifted(event, "Fraud Review", "members"));
    eprintln!("queue member reported after {:?}", added.elapsed());
    assert_eq!(
        event["object"]["changes"][0]["by"]["client"], "HR sync script",
        "{event:#}"
    );
    assert_eq!(
        reads(&sandbox),
        ["GET /api/v2/routing/queues/{queueId}/members ×1"],
        "one change, one queue read again"
    );

    // A skill proficiency: only that user read again.
    sandbox.reset();
    let changed = Instant::now();
    sandbox.api_as(
        &token,
        Method::PUT,
        &format!(
            "/api/v2/users/{}/routingskills/{billing}",
            hannah["id"].as_str().unwrap()
        ),
        Some(json!({ "id": billing, "proficiency": 1 })),
    );
    let event = watch.until("drift", |event| {
        drifted(event, "hannah.schmidt@acme.example", "skills")
    });
    eprintln!("skill change reported after {:?}", changed.elapsed());
    assert_eq!(event["object"]["fields"][0]["org"], "1", "{event:#}");
    let read = reads(&sandbox);
    assert!(
        read.iter()
            .all(|route| !route.starts_with("GET /api/v2/users ")),
        "no user list read: {read:?}"
    );
    assert!(
        read.contains(&"GET /api/v2/users/{userId} ×1".to_owned()),
        "{read:?}"
    );

    // An outage: sockets closed and refused for 3 s; a title changed meanwhile is lost as an
    // event, and found by the full check after the reconnect.
    sandbox.api(
        Method::POST,
        &format!("/__sandbox/orgs/{REMOTE}/notifications/drop"),
        Some(json!({ "refuseMs": 3_000 })),
    );
    let kwame = ids.user("kwame.asante@acme.example");
    sandbox.api_as(
        &token,
        Method::PATCH,
        &format!("/api/v2/users/{}", kwame["id"].as_str().unwrap()),
        Some(json!({ "title": "Senior Billing Agent", "version": kwame["version"] })),
    );
    watch.until("reconnected", |_| true);
    watch.until("reconciled", |event| event["reason"] == "reconnect");
    let event = watch.until("drift", |event| {
        drifted(event, "kwame.asante@acme.example", "title")
    });
    assert_eq!(event["object"]["fields"][0]["org"], "Senior Billing Agent");
    // The full check reports only what is new: the earlier drift once each.
    for (key, field) in [
        ("Fraud Review", "members"),
        ("hannah.schmidt@acme.example", "skills"),
    ] {
        let times = watch
            .seen
            .iter()
            .filter(|event| event["type"] == "drift" && drifted(event, key, field))
            .count();
        assert_eq!(times, 1, "{key} {field} reported {times} times");
    }

    // SIGTERM (a cancelled CI job) ends the watch cleanly: exit 0, within the bound.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &watch.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + WAIT;
    let exit = loop {
        if let Some(exit) = watch.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the watch did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}
