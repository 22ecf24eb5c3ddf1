//! Tokens: the client-credentials grant, 401 bodies, expiry, revocation, org isolation.

use std::time::Duration;

use roster_sandbox::{FaultUpdate, Sandbox};
use serde_json::json;

use crate::common::{Api, id, setup, token_request, unlimited};

#[tokio::test]
async fn token_grant_answers_the_oauth_shape() {
    let sandbox = Sandbox::start().await;
    let http = reqwest::Client::new();
    let token = token_request(&http, &sandbox.base_url(), "sandbox", "sandbox").await;
    let body = token.expect(200);
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|token| token.len() > 20)
    );
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    assert!(
        token.correlation.is_some(),
        "every response has ININ-Correlation-Id"
    );
    assert_eq!(
        sandbox
            .stats("sandbox")
            .expect("org")
            .route("POST /oauth/token"),
        1
    );
}

#[tokio::test]
async fn bad_client_credentials_get_the_auth_error_body() {
    let sandbox = Sandbox::start().await;
    let http = reqwest::Client::new();
    let bad = token_request(&http, &sandbox.base_url(), "sandbox", "wrong").await;
    assert_eq!(bad.status, 401);
    let keys: Vec<&String> = bad.body.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["error", "description", "error_description"]);
    let form = http
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth("sandbox", Some("sandbox"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), 400);
}

#[tokio::test]
async fn missing_and_unknown_tokens_get_401_error_bodies() {
    let (_sandbox, api) = setup().await;
    let response = api
        .http
        .get(format!("{}/api/v2/users", api.base))
        .send()
        .await
        .expect("sent");
    crate::common::read(response)
        .await
        .expect_error(401, "authentication.required");
    api.with_token("not-a-token")
        .get("/users")
        .await
        .expect_error(401, "bad.credentials");
}

#[tokio::test]
async fn tokens_expire_after_the_org_lifetime() {
    let sandbox = Sandbox::start().await;
    sandbox
        .set_faults(
            "sandbox",
            &FaultUpdate {
                token_lifetime_seconds: Some(60),
                requests_per_minute: Some(0),
                ..Default::default()
            },
        )
        .expect("org");
    let http = reqwest::Client::new();
    let token = token_request(&http, &sandbox.base_url(), "sandbox", "sandbox").await;
    assert_eq!(token.body["expires_in"], 60);
    let api = Api::login(&sandbox, "sandbox", "sandbox").await;
    api.get("/users").await.expect(200);
    sandbox
        .advance_clock(Duration::from_secs(59))
        .expect("a short advance");
    api.get("/users").await.expect(200);
    sandbox
        .advance_clock(Duration::from_secs(2))
        .expect("a short advance");
    api.get("/users").await.expect_error(401, "bad.credentials");
    // A refreshed token works again.
    Api::login(&sandbox, "sandbox", "sandbox")
        .await
        .get("/users")
        .await
        .expect(200);
}

#[tokio::test]
async fn revoked_tokens_stop_working() {
    let (_sandbox, api) = setup().await;
    let me = api.get("/tokens/me").await;
    assert_eq!(me.expect(200)["organization"]["name"], "sandbox");
    assert_eq!(api.delete("/tokens/me").await.status, 204);
    api.get("/tokens/me")
        .await
        .expect_error(401, "bad.credentials");
}

#[tokio::test]
async fn a_token_sees_only_its_own_org() {
    let (sandbox, a) = setup().await;
    sandbox
        .create_org("other", "other-id", "other-secret")
        .expect("new org");
    unlimited(&sandbox, "other");
    let b = Api::login(&sandbox, "other-id", "other-secret").await;
    let created = b
        .post(
            "/users",
            &json!({ "name": "Bee", "email": "bee@b.example" }),
        )
        .await;
    let bee = id(created.expect(200));
    // Org A neither lists nor reads org B's user, and its ids differ.
    assert_eq!(a.get("/users").await.expect(200)["total"], 0);
    a.get(&format!("/users/{bee}"))
        .await
        .expect_error(404, "not.found");
    assert_eq!(b.get("/users").await.expect(200)["total"], 1);
    let home_a = id(a.get("/authorization/divisions/home").await.expect(200));
    let home_b = id(b.get("/authorization/divisions/home").await.expect(200));
    assert_ne!(home_a, home_b);
    assert_ne!(
        a.get("/tokens/me").await.body["organization"]["id"],
        b.get("/tokens/me").await.body["organization"]["id"]
    );
    // Stats are per org.
    assert_eq!(
        sandbox
            .stats("other")
            .expect("org")
            .route("POST /api/v2/users"),
        1
    );
    assert_eq!(
        sandbox
            .stats("sandbox")
            .expect("org")
            .route("POST /api/v2/users"),
        0
    );
}
