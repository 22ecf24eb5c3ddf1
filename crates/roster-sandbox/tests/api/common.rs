//! Helpers: an HTTP client bound to one org's token, and responses with parsed JSON.

use base64::Engine as _;
use reqwest::Method;
use roster_sandbox::{FaultUpdate, Sandbox, SeedOrg, parse_seed};
use serde_json::Value;

/// A response: status, correlation id and parsed body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub correlation: Option<String>,
    pub retry_after: Option<String>,
    pub body: Value,
    pub raw: String,
}

impl Resp {
    /// Asserts the status, showing the body otherwise.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.raw);
        &self.body
    }

    /// Asserts an error response: status, code, and `contextId` = the correlation header.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.raw);
        assert_eq!(self.body["code"], code, "body: {}", self.raw);
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["message"]
                .as_str()
                .is_some_and(|message| !message.is_empty())
        );
        let correlation = self
            .correlation
            .as_deref()
            .expect("ININ-Correlation-Id on errors");
        assert_eq!(self.body["contextId"], correlation);
        assert!(self.body["details"].is_array() && self.body["errors"].is_array());
    }
}

/// A client of one org.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    /// Logs in through `/oauth/token` with client credentials.
    pub async fn login(sandbox: &Sandbox, client_id: &str, secret: &str) -> Self {
        let http = reqwest::Client::new();
        let base = sandbox.base_url();
        let token = token_request(&http, &base, client_id, secret).await;
        assert_eq!(token.status, 200, "{}", token.raw);
        let token = token.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned();
        Self { http, base, token }
    }

    /// The same client with another token.
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            http: self.http.clone(),
            base: self.base.clone(),
            token: token.to_owned(),
        }
    }

    /// Sends a request to an `/api/v2` path (or any absolute path starting with `/`).
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        let path = if path.starts_with("/api/v2") || path.starts_with("/__") {
            path.to_owned()
        } else {
            format!("/api/v2{path}")
        };
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        read(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None).await
    }

    /// Sends `HEAD` and asserts the status (a `HEAD` answer has no body).
    pub async fn head_ok(&self, path: &str, status: u16) {
        let answer = self.send(Method::HEAD, path, None).await;
        assert_eq!(answer.status, status, "HEAD {path}");
        assert!(answer.raw.is_empty());
    }

    /// Follows `nextUri` from `first` and returns every entity, checking page envelopes.
    pub async fn walk(&self, first: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next = Some(first.to_owned());
        let mut pages = 0;
        while let Some(path) = next {
            let page = self.get(&path).await;
            let body = page.expect(200);
            out.extend(
                body["entities"]
                    .as_array()
                    .expect("entities")
                    .iter()
                    .cloned(),
            );
            next = body
                .get("nextUri")
                .and_then(Value::as_str)
                .map(str::to_owned);
            pages += 1;
            assert!(pages < 10_000, "runaway paging");
        }
        out
    }
}

/// Reads a response.
pub async fn read(response: reqwest::Response) -> Resp {
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let correlation = header("inin-correlation-id");
    let retry_after = header("retry-after");
    let raw = response.text().await.expect("body");
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&raw).unwrap_or(Value::Null)
    };
    Resp {
        status,
        correlation,
        retry_after,
        body,
        raw,
    }
}

/// `POST /oauth/token` with Basic credentials.
pub async fn token_request(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    secret: &str,
) -> Resp {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    let response = http
        .post(format!("{base}/oauth/token"))
        .header("Authorization", format!("Basic {basic}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("token request sent");
    read(response).await
}

/// A sandbox whose default org has no rate limit, and a client of it.
pub async fn setup() -> (Sandbox, Api) {
    let sandbox = Sandbox::start().await;
    unlimited(&sandbox, "sandbox");
    let api = Api::login(&sandbox, "sandbox", "sandbox").await;
    (sandbox, api)
}

/// A sandbox seeded from YAML, unlimited, and a client.
pub async fn seeded(yaml: &str) -> (Sandbox, Api) {
    let (sandbox, api) = setup().await;
    let seed: SeedOrg = parse_seed(yaml).expect("valid seed");
    sandbox.seed("sandbox", &seed).expect("seeds");
    (sandbox, api)
}

/// Lifts the rate limit of an org.
pub fn unlimited(sandbox: &Sandbox, org: &str) {
    sandbox
        .set_faults(
            org,
            &FaultUpdate {
                requests_per_minute: Some(0),
                ..FaultUpdate::default()
            },
        )
        .expect("org exists");
}

/// The id field of a JSON object.
pub fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// Looks a user up by email through the search API.
pub async fn user_id(api: &Api, email: &str) -> String {
    let found = api
        .post("/users/search", &serde_json::json!({ "query": [{ "type": "EXACT", "fields": ["email"], "value": email }] }))
        .await;
    let body = found.expect(200);
    assert_eq!(body["total"], 1, "user {email}: {}", found.raw);
    id(&body["results"][0])
}

/// Looks an entity up by name in a list route.
pub async fn named(api: &Api, list: &str, name: &str) -> Value {
    let all = api.walk(&format!("{list}?pageSize=500")).await;
    all.into_iter()
        .find(|entity| entity["name"] == name)
        .unwrap_or_else(|| panic!("no `{name}` in {list}"))
}
