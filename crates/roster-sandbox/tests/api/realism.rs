//! Realism knobs: rate limit, injected faults (reproducible by seed), timeouts, latency,
//! read-after-create delay, strict deactivation; and per-route stats.

use std::time::{Duration, Instant};

use roster_sandbox::{FaultUpdate, Sandbox};
use serde_json::json;

use crate::common::{Api, id, seeded, setup, user_id};

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_per_token() {
    let sandbox = Sandbox::start().await;
    sandbox
        .set_faults(
            "sandbox",
            &FaultUpdate {
                requests_per_minute: Some(5),
                ..Default::default()
            },
        )
        .expect("org");
    let api = Api::login(&sandbox, "sandbox", "sandbox").await;
    for _ in 0..5 {
        api.get("/users").await.expect(200);
    }
    let throttled = api.get("/users").await;
    throttled.expect_error(429, "too.many.requests.retry.after");
    let retry_after: u64 = throttled
        .retry_after
        .as_deref()
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((1..=60).contains(&retry_after));
    // Another token of the same client has its own budget.
    let other = Api::login(&sandbox, "sandbox", "sandbox").await;
    other.get("/users").await.expect(200);
    sandbox
        .advance_clock(Duration::from_secs(61))
        .expect("a short advance");
    api.get("/users").await.expect(200);
    let stats = sandbox.stats("sandbox").expect("org");
    assert_eq!(stats.throttled, 1);
    assert_eq!(
        stats.route("GET /api/v2/users"),
        8,
        "throttled requests are counted too"
    );
}

async fn statuses(api: &Api, count: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(api.get("/routing/skills").await.status);
    }
    out
}

#[tokio::test]
async fn injected_faults_are_reproducible_by_seed() {
    let (sandbox, api) = setup().await;
    let faults = FaultUpdate {
        error_rate: Some(0.4),
        seed: Some(42),
        ..Default::default()
    };
    sandbox.set_faults("sandbox", &faults).expect("org");
    let first = statuses(&api, 60).await;
    sandbox.set_faults("sandbox", &faults).expect("org");
    let second = statuses(&api, 60).await;
    assert_eq!(first, second, "same seed, same requests, same faults");
    let failed = first.iter().filter(|status| **status >= 500).count();
    assert!((10..=40).contains(&failed), "about 40% fail, got {failed}");
    assert!(
        first
            .iter()
            .all(|status| [200, 500, 502, 503].contains(status))
    );
    sandbox
        .set_faults(
            "sandbox",
            &FaultUpdate {
                seed: Some(7),
                ..Default::default()
            },
        )
        .expect("org");
    assert_ne!(
        statuses(&api, 60).await,
        first,
        "another seed, another sequence"
    );
    let stats = sandbox.stats("sandbox").expect("org");
    assert!(stats.faults_injected >= 2 * failed as u64);
    assert!(stats.route("GET /api/v2/routing/skills") >= 180);
    let error = {
        sandbox
            .set_faults(
                "sandbox",
                &FaultUpdate {
                    error_rate: Some(1.0),
                    ..Default::default()
                },
            )
            .expect("org");
        api.get("/routing/skills").await
    };
    assert!(error.status >= 500);
    assert!(
        error.body["code"].is_string()
            && error.body["contextId"] == error.correlation.clone().expect("correlation").as_str()
    );
}

#[tokio::test]
async fn injected_timeouts_hang_then_answer_504() {
    let (sandbox, api) = setup().await;
    sandbox
        .set_faults(
            "sandbox",
            &FaultUpdate {
                timeout_rate: Some(1.0),
                timeout_ms: Some(300),
                ..Default::default()
            },
        )
        .expect("org");
    let started = Instant::now();
    let hung = api.get("/users").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    hung.expect_error(504, "request.timeout");
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let result = impatient
        .get(format!("{}/api/v2/users", api.base))
        .bearer_auth(&api.token)
        .send()
        .await;
    assert!(
        result.is_err_and(|error| error.is_timeout()),
        "a client timeout trips"
    );
    sandbox
        .set_faults(
            "sandbox",
            &FaultUpdate {
                timeout_rate: Some(0.0),
                latency_ms: Some(150),
                ..Default::default()
            },
        )
        .expect("org");
    let started = Instant::now();
    api.get("/users").await.expect(200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "latency is added"
    );
}

#[tokio::test]
async fn read_after_create_delay_hides_new_objects_from_lists_only() {
    let (sandbox, api) = setup().await;
    sandbox
        .set_faults(
            "sandbox",
            &FaultUpdate {
                read_after_create_delay_ms: Some(5_000),
                ..Default::default()
            },
        )
        .expect("org");
    let skill = id(api
        .post("/routing/skills", &json!({ "name": "Billing" }))
        .await
        .expect(200));
    let queue = id(api
        .post("/routing/queues", &json!({ "name": "Billing" }))
        .await
        .expect(200));
    let user = id(api
        .post(
            "/users",
            &json!({ "name": "Jane", "email": "jane@acme.example" }),
        )
        .await
        .expect(200));
    api.get(&format!("/routing/skills/{skill}"))
        .await
        .expect(200);
    api.get(&format!("/routing/queues/{queue}"))
        .await
        .expect(200);
    api.get(&format!("/users/{user}")).await.expect(200);
    assert_eq!(api.get("/routing/skills").await.body["total"], 0);
    assert_eq!(api.get("/routing/queues").await.body["total"], 0);
    assert_eq!(api.get("/users").await.body["total"], 0);
    assert_eq!(api.get(&format!("/users?id={user}")).await.body["total"], 0);
    // Uniqueness is enforced at once, whatever the lists show.
    api.post("/routing/skills", &json!({ "name": "Billing" }))
        .await
        .expect_error(409, "general.conflict");
    sandbox
        .advance_clock(Duration::from_secs(6))
        .expect("a short advance");
    assert_eq!(api.get("/routing/skills").await.body["total"], 1);
    assert_eq!(api.get("/routing/queues").await.body["total"], 1);
    assert_eq!(api.get("/users").await.body["total"], 1);
}

#[tokio::test]
async fn strict_deactivation_refuses_direct_queue_members() {
    let (sandbox, api) = seeded("queues: [{ name: Billing, members: [jane@acme.example] }]\nusers: [{ email: jane@acme.example, name: Jane }]").await;
    let jane = user_id(&api, "jane@acme.example").await;
    sandbox
        .set_faults(
            "sandbox",
            &FaultUpdate {
                strict_deactivation: Some(true),
                ..Default::default()
            },
        )
        .expect("org");
    let refused = api
        .patch(
            &format!("/users/{jane}"),
            &json!({ "state": "inactive", "version": 1 }),
        )
        .await;
    refused.expect_error(400, "bad.request");
    assert!(
        refused.body["message"]
            .as_str()
            .expect("message")
            .contains("Billing")
    );
    let queue = id(&crate::common::named(&api, "/routing/queues", "Billing").await);
    api.post(
        &format!("/routing/queues/{queue}/members?delete=true"),
        &json!([{ "id": jane }]),
    )
    .await;
    api.patch(
        &format!("/users/{jane}"),
        &json!({ "state": "inactive", "version": 1 }),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn stats_count_every_request_by_route_template() {
    let (sandbox, api) = setup().await;
    sandbox.reset_stats("sandbox").expect("org");
    let queue = id(api
        .post("/routing/queues", &json!({ "name": "Q" }))
        .await
        .expect(200));
    api.get(&format!("/routing/queues/{queue}")).await;
    api.get(&format!("/routing/queues/{queue}/members")).await;
    api.post(&format!("/routing/queues/{queue}/members"), &json!([]))
        .await;
    api.get("/users/6d9a1a50-0000-4000-8000-000000000000").await;
    api.get("/no/such/route").await;
    let stats = sandbox.stats("sandbox").expect("org");
    assert_eq!(stats.requests, 6);
    assert_eq!(stats.route("POST /api/v2/routing/queues"), 1);
    assert_eq!(stats.route("GET /api/v2/routing/queues/{queueId}"), 1);
    assert_eq!(
        stats.route("GET /api/v2/routing/queues/{queueId}/members"),
        1
    );
    assert_eq!(
        stats.route("POST /api/v2/routing/queues/{queueId}/members"),
        1
    );
    assert_eq!(stats.route("GET /api/v2/users/{userId}"), 1);
    let log: Vec<(String, String, u16)> = sandbox
        .requests("sandbox")
        .expect("org")
        .into_iter()
        .map(|record| (record.method, record.route, record.status))
        .collect();
    assert_eq!(
        log,
        [
            ("POST".to_owned(), "/api/v2/routing/queues".to_owned(), 200),
            ("GET".into(), "/api/v2/routing/queues/{queueId}".into(), 200),
            (
                "GET".into(),
                "/api/v2/routing/queues/{queueId}/members".into(),
                200
            ),
            (
                "POST".into(),
                "/api/v2/routing/queues/{queueId}/members".into(),
                204
            ),
            ("GET".into(), "/api/v2/users/{userId}".into(), 404),
            ("GET".into(), "/api/v2/no/such/route".into(), 404),
        ],
        "the request log keeps order, templates and statuses"
    );
    assert_eq!(
        sandbox.requests("sandbox").expect("org")[1].path,
        format!("/api/v2/routing/queues/{queue}")
    );
    sandbox.reset_stats("sandbox").expect("org");
    assert_eq!(sandbox.stats("sandbox").expect("org").requests, 0);
    assert!(sandbox.requests("sandbox").expect("org").is_empty());
}
