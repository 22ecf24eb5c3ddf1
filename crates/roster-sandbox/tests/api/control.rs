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
        ..ServeOptions::default()
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
    let text = std::fs::read_to_string(&state).expect("state file written");
    let saved: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(saved["orgs"][0]["name"], "acme");
    // No secret in it: a salted hash instead, and only its owner may read it.
    assert!(!text.contains("se:cret"), "{text}");
    assert!(saved["orgs"][0].get("clientSecret").is_none());
    assert!(
        saved["orgs"][0]["clientSecretHash"]
            .as_str()
            .is_some_and(|hash| hash.starts_with("sha256:")),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&state)
            .expect("state file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    // A new sandbox on the same file has the skill.
    let sandbox = Sandbox::start_with(options).await.expect("starts");
    let names: Vec<Value> = sandbox.dump("acme").expect("org")["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .map(|skill| skill["name"].clone())
        .collect();
    assert_eq!(names, [json!("Persisted")]);
    // The hash checks the secret: the right one logs in, another does not.
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let right = crate::common::token_request(&http, &base, "acme-id", "se:cret").await;
    assert_eq!(right.status, 200, "{}", right.raw);
    let wrong = crate::common::token_request(&http, &base, "acme-id", "se:cre").await;
    assert_eq!(wrong.status, 401, "{}", wrong.raw);
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_state_file_with_plaintext_secrets_loads_and_is_rewritten_without_them() {
    let dir = std::env::temp_dir().join(format!("roster-sandbox-legacy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let state = dir.join("state.json");
    // The shape written before issue #12: the secret in plaintext.
    let empty = Sandbox::start().await.dump("sandbox").expect("org");
    let legacy = json!({ "orgs": [{
        "name": "acme",
        "clientId": "acme-id",
        "clientSecret": "old-s3cret",
        "faults": serde_json::to_value(roster_sandbox::FaultSettings::default()).expect("json"),
        "state": empty,
    }] });
    std::fs::write(&state, legacy.to_string()).expect("legacy file");
    let options = ServeOptions {
        state_file: Some(state.clone()),
        ..ServeOptions::default()
    };
    let sandbox = Sandbox::start_with(options.clone()).await.expect("loads");
    let http = reqwest::Client::new();
    let login =
        crate::common::token_request(&http, &sandbox.base_url(), "acme-id", "old-s3cret").await;
    assert_eq!(login.status, 200, "{}", login.raw);
    sandbox.save().expect("saves");
    let text = std::fs::read_to_string(&state).expect("rewritten");
    assert!(!text.contains("old-s3cret"), "{text}");
    assert!(text.contains("clientSecretHash"), "{text}");
    drop(sandbox);
    // A file with neither is refused, naming the org.
    let mut broken = legacy;
    broken["orgs"][0]
        .as_object_mut()
        .expect("org")
        .remove("clientSecret");
    std::fs::write(&state, broken.to_string()).expect("broken file");
    let error = Sandbox::start_with(options).await.expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("org `acme` has no `clientSecretHash`"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_control_token_guards_every_control_route_and_nothing_else() {
    let options = ServeOptions {
        control_token: roster_sandbox::ControlToken::new("c0ntrol"),
        ..ServeOptions::default()
    };
    let sandbox = Sandbox::start_with(options).await.expect("starts");
    let http = reqwest::Client::new();
    let base = sandbox.base_url();
    let send = |method: reqwest::Method, path: &str, token: Option<&str>| {
        let mut request = http.request(method, format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = request.body(json!({ "advanceMs": 1 }).to_string());
        async move { read(request.send().await.expect("sent")).await }
    };
    for (method, path) in [
        (reqwest::Method::GET, "/__sandbox/orgs"),
        (reqwest::Method::GET, "/__sandbox/orgs/sandbox/faults"),
        (reqwest::Method::GET, "/__sandbox/orgs/sandbox/dump"),
        (reqwest::Method::POST, "/__sandbox/clock"),
    ] {
        send(method.clone(), path, None)
            .await
            .expect_error(401, "authentication.required");
        send(method.clone(), path, Some("guess"))
            .await
            .expect_error(401, "bad.credentials");
        let allowed = send(method, path, Some("c0ntrol")).await;
        assert_eq!(allowed.status, 200, "{path}: {}", allowed.raw);
    }
    // An API token is not a control token; the API itself needs no control token.
    let api = crate::common::Api::login(&sandbox, "sandbox", "sandbox").await;
    api.get("/__sandbox/orgs")
        .await
        .expect_error(401, "bad.credentials");
    assert_eq!(api.get("/routing/skills").await.status, 200);
    assert_eq!(
        format!("{:?}", roster_sandbox::ControlToken::new("c0ntrol")),
        "Some(ControlToken(..))"
    );
    assert_eq!(roster_sandbox::ControlToken::new(""), None);
}
