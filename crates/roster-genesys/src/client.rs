//! The HTTP transport of one org: tokens, rate limit, in-flight cap, retries.
//!
//! Every request goes through one loop ([`GenesysClient::send`], reached through a
//! [`Session`]): it waits for a turn of the org's rate limiter (which also picks the token),
//! attaches that token, sends, and applies the retry table of [`crate::retry`]. Every attempt,
//! retries and token fetches included, is counted per endpoint template (`GET /api/v2/users`)
//! in the counts of the session that sent it, so a run can report exactly what it cost and
//! two runs on one org never mix their counts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::Mutex;
use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::auth::{self, AccessToken, TokenErrorBody, TokenResponse, TokenSlot};
use crate::connection::{ClientOptions, OrgConnection};
use crate::error::{ApiFailure, AuthFailure, GenesysError, RequestTrace, TokenEndpointFailure};
use crate::limiter::RateLimiter;
use crate::retry::{self, Decision, Outcome};
use crate::session::Session;

/// The counting key of token requests.
pub const TOKEN_ENDPOINT: &str = "POST /oauth/token";

/// One request to make.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// The path template it is counted under (`/api/v2/routing/queues/{queueId}/members`).
    pub template: &'static str,
    /// The concrete path and query (`/api/v2/routing/queues/abc/members?pageSize=100`).
    pub path: String,
    /// JSON body.
    pub body: Option<serde_json::Value>,
    /// Whether repeating the request is harmless. GET, PUT, PATCH and DELETE are; a POST only
    /// when it adds to a set (members, grants) rather than creating an object.
    pub idempotent: bool,
}

impl ApiRequest {
    /// A GET.
    pub fn get(template: &'static str, path: impl Into<String>) -> Self {
        Self::new(Method::GET, template, path, None)
    }

    /// A request of any method; idempotent unless it is a POST.
    pub fn new(
        method: Method,
        template: &'static str,
        path: impl Into<String>,
        body: Option<serde_json::Value>,
    ) -> Self {
        let idempotent = method != Method::POST;
        ApiRequest {
            method,
            template,
            path: path.into(),
            body,
            idempotent,
        }
    }

    /// Marks a POST whose repetition is harmless (adding members, granting roles, searching).
    #[must_use]
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// The body, possibly empty.
    pub body: Vec<u8>,
    /// `ININ-Correlation-Id`.
    pub correlation_id: Option<String>,
    /// The request, for messages.
    pub trace: RequestTrace,
}

/// What one operation did, for its receipt: requests, the last correlation id, and whether a
/// create adopted an existing object.
#[derive(Debug, Default)]
pub struct OpTrace {
    requests: AtomicU64,
    correlation_id: Mutex<Option<String>>,
    adopted: AtomicBool,
}

impl OpTrace {
    /// Whether the operation was a create that found its object already there and adopted it.
    pub fn adopted(&self) -> bool {
        self.adopted.load(Ordering::Relaxed)
    }

    /// Records that the operation adopted an existing object instead of creating one.
    pub(crate) fn adopt(&self) {
        self.adopted.store(true, Ordering::Relaxed);
    }

    /// Requests made so far, retries included.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The correlation id of the last response.
    pub fn correlation_id(&self) -> Option<String> {
        self.correlation_id.lock().clone()
    }

    fn record(&self, correlation_id: Option<&String>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(id) = correlation_id {
            *self.correlation_id.lock() = Some(id.clone());
        }
    }
}

/// The 429 answers of each org since the process started, for a server's metrics: a
/// process-wide count, as every run opens its own client.
pub mod throttled {
    use std::collections::BTreeMap;

    use parking_lot::Mutex;

    static BY_ORG: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

    pub(crate) fn count(org: &str) {
        *BY_ORG.lock().entry(org.to_owned()).or_default() += 1;
    }

    /// 429 answers per org since the process started.
    pub fn by_org() -> BTreeMap<String, u64> {
        BY_ORG.lock().clone()
    }
}

/// The requests counted by one session, per endpoint template.
#[derive(Debug, Default)]
pub(crate) struct RequestCounts(Mutex<BTreeMap<String, u64>>);

impl RequestCounts {
    /// Counts one attempt under `key`.
    fn add(&self, key: &str) {
        let mut counts = self.0.lock();
        match counts.get_mut(key) {
            Some(count) => *count += 1,
            None => {
                counts.insert(key.to_owned(), 1);
            }
        }
    }

    /// The counts so far.
    pub(crate) fn get(&self) -> BTreeMap<String, u64> {
        self.0.lock().clone()
    }

    /// Their sum.
    pub(crate) fn total(&self) -> u64 {
        self.0.lock().values().sum()
    }
}

/// The transport of one org: HTTP client, OAuth tokens, the per-token rate limiter, the cap on
/// requests in flight and the remembered failure of the token endpoint (refused credentials, a
/// wrong host), which retrying cannot cure.
///
/// Cheap to clone; clones share all of that, which is per org by nature (Genesys limits per
/// token). It counts nothing and reports no progress: a run is a [`Session`]
/// ([`GenesysClient::session`]), which owns its request counts, so two runs on one org in one
/// process (a server reading while an apply writes) share the rate budget and nothing else.
#[derive(Clone)]
pub struct GenesysClient {
    inner: Arc<Inner>,
}

struct Inner {
    org: String,
    api_base: Url,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    http: reqwest::Client,
    limiter: RateLimiter,
    slots: Vec<TokenSlot>,
    /// Serializes token fetches: the token endpoint punishes bursts.
    token_gate: tokio::sync::Mutex<()>,
    in_flight: Semaphore,
    /// Set when the token endpoint failed in a way retrying cannot cure.
    refusal: Mutex<Option<TokenRefusal>>,
    options: ClientOptions,
    rng: Mutex<StdRng>,
}

impl std::fmt::Debug for GenesysClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenesysClient")
            .field("org", &self.inner.org)
            .field("api_base", &self.inner.api_base.as_str())
            .field("client_id", &self.inner.client_id)
            .finish_non_exhaustive()
    }
}

impl GenesysClient {
    /// A client for the org; no request is made until the first call.
    ///
    /// # Errors
    ///
    /// [`GenesysError::Config`] when the API base is not a base URL or the HTTP client cannot
    /// be built.
    pub fn new(connection: OrgConnection) -> Result<Self, GenesysError> {
        let config_error = |message: String| GenesysError::Config {
            org: connection.org_name.clone(),
            message,
        };
        if connection.api_base.cannot_be_a_base() || connection.api_base.host_str().is_none() {
            return Err(config_error(format!(
                "`{}` is not an API base URL",
                connection.api_base
            )));
        }
        let mut api_base = connection.api_base.clone();
        let path = api_base.path().trim_end_matches('/').to_owned();
        let path = path.strip_suffix("/api/v2").unwrap_or(&path).to_owned();
        api_base.set_path(&path);
        api_base.set_query(None);
        api_base.set_fragment(None);
        let token_url = crate::region::login_base(&connection.api_base)
            .join("oauth/token")
            .map_err(|e| config_error(format!("cannot derive the token URL: {e}")))?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .timeout(connection.options.request_timeout)
            .build()
            .map_err(|e| config_error(format!("cannot build the HTTP client: {e}")))?;
        let tokens = connection.tokens.max(1);
        let inner = Inner {
            org: connection.org_name,
            api_base,
            token_url,
            client_id: connection.client_id,
            client_secret: connection.client_secret,
            http,
            limiter: RateLimiter::new(connection.requests_per_minute, tokens),
            slots: (0..tokens).map(|_| TokenSlot::default()).collect(),
            token_gate: tokio::sync::Mutex::new(()),
            in_flight: Semaphore::new(connection.options.max_in_flight.max(1)),
            refusal: Mutex::new(None),
            options: connection.options,
            rng: Mutex::new(StdRng::from_os_rng()),
        };
        Ok(GenesysClient {
            inner: Arc::new(inner),
        })
    }

    /// The org's name.
    pub fn org(&self) -> &str {
        &self.inner.org
    }

    /// Who requests are made as, for the audit journal: `oauth-client:<clientId>` (never the
    /// secret).
    pub fn principal(&self) -> String {
        format!("oauth-client:{}", self.inner.client_id)
    }

    /// The OAuth client id (never the secret): what audit records name as this client.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The client's options.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// A new run against the org, with its own request counts (all zero).
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// Sends a request with rate limiting, token handling and retries, counting every attempt
    /// (and token fetch) in `counts` and `op`.
    pub(crate) async fn send(
        &self,
        request: &ApiRequest,
        counts: &RequestCounts,
        op: &OpTrace,
    ) -> Result<ApiResponse, GenesysError> {
        let inner = &self.inner;
        let url = self.url(&request.path)?;
        let start = Instant::now();
        let mut retries = 0u32;
        let mut attempts = 0u32;
        let mut refreshed = false;
        let trace = |retries| RequestTrace {
            method: request.method.to_string(),
            path: request.path.clone(),
            retries,
            elapsed: start.elapsed(),
        };
        loop {
            let permit = inner
                .in_flight
                .acquire()
                .await
                .expect("the in-flight semaphore is never closed");
            let slot = inner.limiter.acquire().await;
            let token = self.token(slot, counts).await?;
            counts.add(&format!("{} {}", request.method, request.template));
            let mut builder = inner
                .http
                .request(request.method.clone(), url.clone())
                .bearer_auth(token.value.expose_secret())
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(body) = &request.body {
                builder = builder.json(body);
            }
            attempts += 1;
            let sent = Instant::now();
            let attempt = async {
                let response = builder.send().await?;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, headers, body))
            }
            .await;
            drop(permit);
            log_attempt(
                &inner.org,
                &request.method,
                &request.path,
                attempt.as_ref().map(|(status, headers, _)| {
                    let correlation_id = headers.get("inin-correlation-id");
                    (*status, correlation_id.and_then(|id| id.to_str().ok()))
                }),
                sent,
                attempts,
            );
            let (outcome, retry_after, response, transport) = match attempt {
                Ok((status, headers, body)) => {
                    let retry_after = headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(retry::parse_retry_after);
                    let correlation = headers
                        .get("inin-correlation-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    op.record(correlation.as_ref());
                    (
                        Outcome::Status(status),
                        retry_after,
                        Some((status, body.to_vec(), correlation)),
                        None,
                    )
                }
                Err(error) => {
                    op.record(None);
                    (transport_outcome(&error), None, None, Some(error))
                }
            };
            let decision = retry::classify(outcome, request.idempotent, refreshed, retry_after);
            let fail = |retries| match (&response, transport) {
                (Some((status, body, correlation)), _) => {
                    self.api_failure(trace(retries), *status, body, correlation.clone())
                }
                (None, Some(source)) => GenesysError::Transport {
                    org: inner.org.clone(),
                    url: url.to_string(),
                    request: Box::new(trace(retries)),
                    // The message names the URL; the source keeps only the cause.
                    source: source.without_url(),
                },
                (None, None) => unreachable!("an attempt yields a response or an error"),
            };
            match decision {
                Decision::Done => {
                    let (status, body, correlation_id) =
                        response.expect("only a response is classified as done");
                    return Ok(ApiResponse {
                        status,
                        body,
                        correlation_id,
                        trace: trace(retries),
                    });
                }
                Decision::Fail => return Err(fail(retries)),
                Decision::RefreshToken => {
                    refreshed = true;
                    inner.slots[slot].invalidate(token.generation).await;
                    tracing::debug!(target: HTTP, org = %inner.org, path = %request.path, "401: refreshing the token");
                }
                Decision::Throttled(wait) => {
                    // A 429 was not processed: only the deadline bounds how long we wait.
                    if start.elapsed() + wait > inner.options.deadline {
                        return Err(fail(retries));
                    }
                    throttled::count(&inner.org);
                    // Debug, not info: a 429 is the org's limiter pacing us, not trouble.
                    tracing::debug!(target: HTTP, org = %inner.org, ?wait, path = %request.path, "429: pausing the token");
                    inner.limiter.pause(slot, wait);
                    retries += 1;
                }
                Decision::Backoff => {
                    let wait = inner.options.backoff.delay(retries, &mut *inner.rng.lock());
                    if retries >= inner.options.max_retries
                        || start.elapsed() + wait > inner.options.deadline
                    {
                        return Err(fail(retries));
                    }
                    tracing::info!(target: HTTP, org = %inner.org, ?wait, ?outcome, method = %request.method, path = %request.path, retry = retries + 1, "retrying");
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn url(&self, path: &str) -> Result<Url, GenesysError> {
        let base = self.inner.api_base.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}")).map_err(|e| GenesysError::Config {
            org: self.inner.org.clone(),
            message: format!("cannot build a URL for `{path}`: {e}"),
        })
    }

    fn api_failure(
        &self,
        request: RequestTrace,
        status: u16,
        body: &[u8],
        correlation_id: Option<String>,
    ) -> GenesysError {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct ErrorBody {
            message: Option<String>,
            code: Option<String>,
            context_id: Option<String>,
        }
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let (message, code, context_id) = match parsed {
            Some(body) => (body.message, body.code, body.context_id),
            None => (None, None, None),
        };
        let message = message.unwrap_or_else(|| {
            String::from_utf8_lossy(body)
                .chars()
                .take(300)
                .collect::<String>()
        });
        GenesysError::Api(Box::new(ApiFailure {
            org: self.inner.org.clone(),
            request,
            status,
            code,
            message,
            correlation_id: correlation_id.or(context_id),
        }))
    }

    /// The token of a limiter slot, fetched if needed.
    async fn token(
        &self,
        slot: usize,
        counts: &RequestCounts,
    ) -> Result<AccessToken, GenesysError> {
        if let Some(refusal) = self.inner.refusal.lock().as_ref() {
            return Err(refusal.error());
        }
        self.inner.slots[slot]
            .get(|generation| self.fetch_token(generation, counts))
            .await
    }

    /// Fetches a token. A token request creates nothing, so it is retried as the retry table
    /// says for a request that is safe to repeat: 408, 5xx (but 501), timeouts and connection
    /// failures back off, a 429 waits for its `Retry-After`; so does a 400 that says "rate limit",
    /// the token endpoint's answer to a burst. Any other status is final (a 401 included: the
    /// credentials are wrong), and remembered (see [`TokenRefusal`]).
    async fn fetch_token(
        &self,
        generation: u64,
        counts: &RequestCounts,
    ) -> Result<AccessToken, GenesysError> {
        let inner = &self.inner;
        let _gate = inner.token_gate.lock().await;
        if let Some(refusal) = inner.refusal.lock().as_ref() {
            return Err(refusal.error());
        }
        let start = Instant::now();
        let mut retries = 0u32;
        let trace = |retries| RequestTrace {
            method: Method::POST.to_string(),
            path: inner.token_url.to_string(),
            retries,
            elapsed: start.elapsed(),
        };
        loop {
            counts.add(TOKEN_ENDPOINT);
            let sent = Instant::now();
            let attempt = async {
                let response = inner
                    .http
                    .post(inner.token_url.clone())
                    .basic_auth(&inner.client_id, Some(auth::expose(&inner.client_secret)))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await?;
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>(TokenAnswer {
                    status,
                    retry_after: headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(retry::parse_retry_after),
                    correlation_id: headers
                        .get("inin-correlation-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                    body: body.to_vec(),
                })
            }
            .await;
            // The token endpoint has a host of its own: its full URL is logged (never the
            // request's body or headers, which hold the secret, nor the answer, the token).
            log_attempt(
                &inner.org,
                &Method::POST,
                inner.token_url.as_str(),
                attempt
                    .as_ref()
                    .map(|answer| (answer.status, answer.correlation_id.as_deref())),
                sent,
                retries + 1,
            );
            let decision = match &attempt {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    let token: TokenResponse =
                        serde_json::from_slice(&answer.body).map_err(|source| {
                            GenesysError::Decode {
                                org: inner.org.clone(),
                                request: Box::new(trace(retries)),
                                source,
                            }
                        })?;
                    return Ok(auth::token_from(token, Instant::now(), generation));
                }
                Ok(answer) if answer.is_rate_limited() => Decision::Backoff,
                // `refreshed: true`: a 401 of the token endpoint is final.
                Ok(answer) => retry::classify(
                    Outcome::Status(answer.status),
                    true,
                    true,
                    answer.retry_after,
                ),
                Err(error) => retry::classify(transport_outcome(error), true, true, None),
            };
            let wait = match decision {
                Decision::Backoff if retries < inner.options.max_retries => Some(
                    inner
                        .options
                        .backoff
                        .delay(retries + 1, &mut *inner.rng.lock()),
                ),
                Decision::Throttled(wait) => Some(wait),
                _ => None,
            }
            .filter(|wait| start.elapsed() + *wait <= inner.options.deadline);
            let Some(wait) = wait else {
                return Err(match attempt {
                    Ok(answer) => {
                        let refusal = answer.refusal(&inner.org, trace(retries));
                        let error = refusal.error();
                        if decision == Decision::Fail {
                            *inner.refusal.lock() = Some(refusal);
                        }
                        error
                    }
                    Err(source) => GenesysError::Transport {
                        org: inner.org.clone(),
                        url: inner.token_url.to_string(),
                        request: Box::new(trace(retries)),
                        source: source.without_url(),
                    },
                });
            };
            tracing::info!(target: HTTP, org = %inner.org, ?wait, retry = retries + 1, "the token endpoint failed; retrying");
            retries += 1;
            tokio::time::sleep(wait).await;
        }
    }
}

/// The `tracing` target of the HTTP log: one `debug` event per attempt, `info` per retry.
const HTTP: &str = "roster_genesys::http";

/// Logs one attempt (`-v`): org, method, path and query (never a header or a body, so never a
/// token or a secret), the status or the network error, how long the attempt took and its
/// number within the request.
fn log_attempt(
    org: &str,
    method: &Method,
    path: &str,
    answer: Result<(u16, Option<&str>), &reqwest::Error>,
    sent: Instant,
    attempt: u32,
) {
    let elapsed_ms = u64::try_from(sent.elapsed().as_millis()).unwrap_or(u64::MAX);
    match answer {
        Ok((status, correlation_id)) => tracing::debug!(
            target: HTTP,
            org,
            %method,
            path,
            status,
            elapsed_ms,
            attempt,
            correlation_id,
            "response"
        ),
        Err(error) => tracing::debug!(
            target: HTTP,
            org,
            %method,
            path,
            error = %Causes(error),
            elapsed_ms,
            attempt,
            "no response"
        ),
    }
}

/// An error and its sources on one line (`error sending request: … : Connection refused`),
/// for a log field. The URL is left out: the event has it.
struct Causes<'a>(&'a reqwest::Error);

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut next: Option<&dyn std::error::Error> = std::error::Error::source(self.0);
        f.write_str(match self.0 {
            e if e.is_timeout() => "timed out",
            e if e.is_connect() => "cannot connect",
            _ => "error sending request",
        })?;
        while let Some(cause) = next {
            write!(f, ": {cause}")?;
            next = cause.source();
        }
        Ok(())
    }
}

/// How an attempt without a response ended, for the retry table.
fn transport_outcome(error: &reqwest::Error) -> Outcome {
    if error.is_connect() {
        Outcome::Connect
    } else if error.is_timeout() {
        Outcome::Timeout
    } else {
        Outcome::Broken
    }
}

/// A response of the token endpoint.
struct TokenAnswer {
    status: u16,
    retry_after: Option<std::time::Duration>,
    correlation_id: Option<String>,
    body: Vec<u8>,
}

impl TokenAnswer {
    /// The body as an OAuth error, when it is one (it names an `error`).
    fn oauth_error(&self) -> Option<TokenErrorBody> {
        serde_json::from_slice::<TokenErrorBody>(&self.body)
            .ok()
            .filter(|body| body.error.is_some())
    }

    /// Whether the body says the token endpoint is rate limiting us.
    fn is_rate_limited(&self) -> bool {
        serde_json::from_slice::<TokenErrorBody>(&self.body)
            .is_ok_and(|body| body.is_rate_limited())
    }

    /// What this failed answer means: the credentials refused (a 400 or 401 with an OAuth
    /// error that is not about a rate limit) or the endpoint failing otherwise.
    fn refusal(self, org: &str, request: RequestTrace) -> TokenRefusal {
        let oauth = self.oauth_error();
        match oauth {
            Some(body) if matches!(self.status, 400 | 401) && !self.is_rate_limited() => {
                TokenRefusal::Credentials(AuthFailure {
                    org: org.to_owned(),
                    status: self.status,
                    error: body.error,
                    description: body.error_description.or(body.description),
                    correlation_id: self.correlation_id,
                })
            }
            oauth => TokenRefusal::Endpoint(TokenEndpointFailure {
                org: org.to_owned(),
                request,
                status: self.status,
                message: oauth.and_then(|b| b.error_description.or(b.description).or(b.error)),
                correlation_id: self.correlation_id,
            }),
        }
    }
}

/// A failure of the token endpoint. Kept by the client when retrying cannot cure it (refused
/// credentials, a 404 from a wrong host), so every later request fails the same way without
/// asking again: a bad secret gives one error and one token request.
#[derive(Debug, Clone)]
enum TokenRefusal {
    /// The credentials were refused.
    Credentials(AuthFailure),
    /// The endpoint failed otherwise.
    Endpoint(TokenEndpointFailure),
}

impl TokenRefusal {
    fn error(&self) -> GenesysError {
        match self {
            TokenRefusal::Credentials(failure) => GenesysError::Auth(Box::new(failure.clone())),
            TokenRefusal::Endpoint(failure) => {
                GenesysError::TokenEndpoint(Box::new(failure.clone()))
            }
        }
    }
}
