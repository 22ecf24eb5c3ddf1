//! Control routes over HTTP, dump/load round trips, seeding, and `serve` with a state file.

use roster_sandbox::{OrgCredentials, Sandbox, SeedOrg, ServeOptions};
use serde_json::{Value, json};

use crate::common::{Api, read, setup, unlimited, user_id};

async fn control(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<String>,
) -> crate::common::Resp {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.body(body);
    }
    read(request.send().await.expect("sent")).await
}

#[tokio::test]
async fn control_routes_manage_orgs_stats_faults_dump_and_load() {
    let sandbox = Sandbox::start().await;
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let org =
        json!({ "name": "acme", "clientId": "acme-id", "clientSecret": "s3cret" }).to_string();
    let created = control(
        &http,
        reqwest::Method::POST,
        format!("{base}/__sandbox/orgs"),
        Some(org.clone()),
    )
    .await;
    assert_eq!(created.status, 201);
    assert!(created.correlation.is_some());
    assert_eq!(
        control(
            &http,
            reqwest::Method::POST,
            format!("{base}/__sandbox/orgs"),
            Some(org)
        )
        .await
        .status,
        200
    );
    let clash =
        json!({ "name": "acme", "clientId": "acme-id", "clientSecret": "other" }).to_string();
    assert_eq!(
        control(
            &http,
            reqwest::Method::POST,
            format!("{base}/__sandbox/orgs"),
            Some(clash)
        )
        .await
        .status,
        409
    );
    let faults =
        json!({ "requestsPerMinute": 0, "errorRate": 0.0, "latencyMs": 0, "seed": 3 }).to_string();
    let set = control(
        &http,
        reqwest::Method::PUT,
        format!("{base}/__sandbox/orgs/acme/faults"),
        Some(faults),
    )
    .await;
    assert_eq!(set.expect(200)["seed"], 3);
    assert_eq!(set.body["tokenLifetimeSeconds"], 86_400);
    let bogus = control(
        &http,
        reqwest::Method::PUT,
        format!("{base}/__sandbox/orgs/acme/faults"),
        Some(r#"{"errorRat":1}"#.into()),
    )
    .await;
    assert_eq!(bogus.status, 400, "unknown knobs are rejected");
    let seed = "skills: [Billing]\nusers: [{ email: jane@acme.example, name: Jane, skills: { Billing: 3 } }]";
    let seeded = control(
        &http,
        reqwest::Method::POST,
        format!("{base}/__sandbox/orgs/acme/seed"),
        Some(seed.into()),
    )
    .await;
    assert_eq!(seeded.status, 204, "{}", seeded.raw);
    let api = Api::login(&sandbox, "acme-id", "s3cret").await;
    api.get("/users").await.expect(200);
    let stats = control(
        &http,
        reqwest::Method::GET,
        format!("{base}/__sandbox/orgs/acme/stats"),
        None,
    )
    .await;
    let body = stats.expect(200);
    assert_eq!(body["requests"], 2);
    assert_eq!(body["byRoute"]["GET /api/v2/users"], 1);
    assert_eq!(body["byRoute"]["POST /oauth/token"], 1);
    assert_eq!(body["throttled"], 0);
    assert_eq!(body["faultsInjected"], 0);
    assert_eq!(
        control(
            &http,
            reqwest::Method::DELETE,
            format!("{base}/__sandbox/orgs/acme/stats"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(sandbox.stats("acme").expect("org").requests, 0);
    let dump = control(
        &http,
        reqwest::Method::GET,
        format!("{base}/__sandbox/orgs/acme/dump"),
        None,
    )
    .await;
    let dumped = dump.expect(200).clone();
    let loaded = control(
        &http,
        reqwest::Method::POST,
        format!("{base}/__sandbox/orgs/acme/load"),
        Some(dumped.to_string()),
    )
    .await;
    assert_eq!(loaded.status, 204, "{}", loaded.raw);
    assert_eq!(
        sandbox.dump("acme").expect("org"),
        dumped,
        "dump → load → dump is exact"
    );
    let missing = control(
        &http,
        reqwest::Method::GET,
        format!("{base}/__sandbox/orgs/nope/stats"),
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn dumps_round_trip_after_api_writes() {
    let (sandbox, api) = setup().await;
    sandbox
        .seed("sandbox", &roster_sandbox::parse_seed("skills: [Billing]\ngroups: [{ name: G, members: [jane@acme.example] }]\nusers: [{ email: jane@acme.example, name: Jane }]").expect("seed"))
        .expect("seeds");
    let jane = user_id(&api, "jane@acme.example").await;
    let team = api.post("/teams", &json!({ "name": "T" })).await;
    api.post(
        &format!("/teams/{}/members", team.body["id"].as_str().expect("id")),
        &json!({ "memberIds": [jane] }),
    )
    .await
    .expect(200);
    let queue = api
        .post(
            "/routing/queues",
            &json!({ "name": "Q", "mediaSettings": { "call": { "alertingTimeoutSeconds": 8 } } }),
        )
        .await;
    api.post(
        &format!(
            "/routing/queues/{}/members",
            queue.body["id"].as_str().expect("id")
        ),
        &json!([{ "id": jane }]),
    )
    .await;
    api.put(
        &format!("/routing/users/{jane}/utilization"),
        &json!({ "utilization": { "call": { "maximumCapacity": 2 } } }),
    )
    .await
    .expect(200);
    let dump = sandbox.dump("sandbox").expect("org");
    sandbox.create_org("copy", "copy", "copy").expect("org");
    sandbox.load("copy", &dump).expect("loads");
    assert_eq!(sandbox.dump("copy").expect("org"), dump);
    unlimited(&sandbox, "copy");
    let copy = Api::login(&sandbox, "copy", "copy").await;
    let user = copy.get(&format!("/users/{jane}?expand=team,groups")).await;
    assert_eq!(
        user.expect(200)["team"]["name"],
        "T",
        "derived team membership is rebuilt on load"
    );
    assert_eq!(user.body["groups"][0]["name"], "G");
    let broken = json!({ "orgId": "x" });
    assert!(sandbox.load("copy", &broken).is_err());
    // Seeding is deterministic: the same seed gives the same dump.
    let seed = SeedOrg::generated(50, 3, 2, 10, 2, 11);
    sandbox.seed("copy", &seed).expect("seeds");
    let first = sandbox.dump("copy").expect("org");
    sandbox.seed("copy", &seed).expect("seeds");
    assert_eq!(sandbox.dump("copy").expect("org"), first);
}

#[tokio::test]
async fn serve_loads_and_saves_its_state_file() {
    let dir = std::env::temp_dir().join(format!("roster-sandbox-test-{}", std::process::id()));
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let options = ServeOptions {
        orgs: vec![OrgCredentials::parse("acme:acme-id:se:cret").expect("spec")],
        state_file: Some(state.clone()),
    };
    assert_eq!(options.orgs[0].client_secret, "se:cret");
    assert!(OrgCredentials::parse("acme:only-two").is_err());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(roster_sandbox::serve(
        listener,
        options.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    let http = reqwest::Client::new();
    let token = crate::common::token_request(&http, &base, "acme-id", "se:cret").await;
    let api = Api {
        http: http.clone(),
        base: base.clone(),
        token: token.body["access_token"]
            .as_str()
            .expect("token")
            .to_owned(),
    };
    api.post("/routing/skills", &json!({ "name": "Persisted" }))
        .await
        .expect(200);
    drop(api);
    drop(http);
    let _ = stop.send(());
    server.await.expect("joined").expect("served");
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&state).expect("state file written")).expect("json");
    assert_eq!(saved["orgs"][0]["name"], "acme");
    // A new sandbox on the same file has the skill.
    let sandbox = Sandbox::start_with(options).await.expect("starts");
    let names: Vec<Value> = sandbox.dump("acme").expect("org")["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .map(|skill| skill["name"].clone())
        .collect();
    assert_eq!(names, [json!("Persisted")]);
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}
