//! Bounded knobs and a server that sheds slow clients (issue #12): an out-of-range clock
//! advance or fault knob is refused with a 400 naming its limit and changes nothing.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::{Api, setup};

#[tokio::test]
async fn a_huge_clock_advance_is_refused_and_writes_keep_working() {
    let (sandbox, api) = setup().await;
    let refused = api
        .post("/__sandbox/clock", &json!({ "advanceMs": u64::MAX }))
        .await;
    refused.expect_error(400, "bad.request");
    let message = refused.body["message"].as_str().expect("message");
    assert!(
        message.contains("advanceMs must be at most 316224000000 (ten years)"),
        "{message}"
    );
    // Ten years is allowed, and writes after it still get timestamps.
    let moved = api
        .post(
            "/__sandbox/clock",
            &json!({ "advanceMs": 316_224_000_000_u64 }),
        )
        .await;
    assert!(moved.expect(200)["nowMs"].as_u64() >= Some(316_224_000_000));
    // The old token expired ten years ago; a new one is issued without overflowing.
    assert_eq!(api.get("/routing/skills").await.status, 401);
    let api = Api::login(&sandbox, "sandbox", "sandbox").await;
    let skill = api
        .post("/routing/skills", &json!({ "name": "After The Jump" }))
        .await;
    let year: i32 = skill.expect(200)["dateModified"]
        .as_str()
        .expect("a timestamp")[..4]
        .parse()
        .expect("a year");
    assert!(year >= 2034, "{}", skill.raw);
}

#[tokio::test]
async fn knobs_out_of_range_are_refused_and_leave_the_org_alone() {
    let (sandbox, api) = setup().await;
    let before = sandbox.faults("sandbox").expect("org");
    for (body, says) in [
        (
            json!({ "latencyMs": u64::MAX }),
            "latencyMs must be between 0 and 60000 (one minute)",
        ),
        (
            json!({ "errorRate": 2.0 }),
            "errorRate must be between 0 and 1",
        ),
        (
            json!({ "timeoutMs": 3_600_000 }),
            "timeoutMs must be between 0 and 300000 (five minutes)",
        ),
        (
            json!({ "latencyMs": 10, "rateWindowMs": 0 }),
            "rateWindowMs must be between 1 and 3600000 (one hour)",
        ),
    ] {
        let refused = api.put("/__sandbox/orgs/sandbox/faults", &body).await;
        refused.expect_error(400, "bad.request");
        let message = refused.body["message"].as_str().expect("message");
        assert!(message.contains(says), "{body}: {message}");
    }
    // Nothing of a refused update was applied: the org answers at once.
    assert_eq!(sandbox.faults("sandbox").expect("org"), before);
    let answered = tokio::time::timeout(Duration::from_secs(30), api.get("/routing/skills"))
        .await
        .expect("no added latency");
    assert_eq!(answered.status, 200);
    // The library API refuses the same way.
    let update = roster_sandbox::FaultUpdate {
        latency_ms: Some(60_001),
        ..roster_sandbox::FaultUpdate::default()
    };
    let error = sandbox.set_faults("sandbox", &update).expect_err("refused");
    assert!(error.to_string().contains("latencyMs"), "{error}");
}

#[tokio::test]
async fn a_client_that_sends_half_a_header_is_disconnected() {
    let options = roster_sandbox::ServeOptions {
        header_read_timeout: Duration::from_millis(200),
        ..roster_sandbox::ServeOptions::default()
    };
    let sandbox = roster_sandbox::Sandbox::start_with(options)
        .await
        .expect("starts");
    let mut slow = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .expect("connects");
    slow.write_all(b"GET /api/v2/routing/skills HTTP/1.1\r\nHost: sandbox\r\nAccept: applic")
        .await
        .expect("half a head sent");
    // The server closes the connection: reading reaches its end. The
    // bound is far above the 200 ms timeout, only so a regression fails instead of hanging.
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut answer))
        .await
        .expect("disconnected well before the bound");
    // hyper closes without answering; a reset would do as well, but never a response.
    if let Ok(read) = closed {
        assert_eq!(read, 0, "{}", String::from_utf8_lossy(&answer));
    }
    // Meanwhile whole requests are served as usual.
    let served = reqwest::get(format!("{}/__sandbox/orgs", sandbox.base_url()))
        .await
        .expect("answered");
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn void_operations_answer_as_the_void_answer_knob_says() {
    let (_sandbox, api) = setup().await;
    for (answer, status, body) in [
        ("noContent", 204, ""),
        ("okEmpty", 200, ""),
        ("okBody", 200, "{}"),
    ] {
        api.put(
            "/__sandbox/orgs/sandbox/faults",
            &json!({ "voidAnswer": answer }),
        )
        .await
        .expect(200);
        let team = api
            .post("/teams", &json!({ "name": format!("Team {answer}") }))
            .await;
        let deleted = api
            .delete(&format!(
                "/teams/{}",
                team.expect(200)["id"].as_str().expect("id")
            ))
            .await;
        assert_eq!(
            (deleted.status, deleted.raw.as_str()),
            (status, body),
            "{answer}"
        );
    }
    api.put(
        "/__sandbox/orgs/sandbox/faults",
        &json!({ "voidAnswer": "ok" }),
    )
    .await
    .expect_error(400, "bad.request");
}
