//! How to reach one org: API base, client credentials (as secrets), rate limit, tuning.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::retry::Backoff;

/// Everything needed to talk to one org.
///
/// `Debug` never shows the client secret (`SecretString` prints `[REDACTED]`).
#[derive(Debug, Clone)]
pub struct OrgConnection {
    /// The org's name in `roster.yaml`; every error and log line names it.
    pub org_name: String,
    /// API base (`https://api.mypurecloud.com`, or the sandbox's address). A trailing `/api/v2`
    /// is accepted and ignored. The token endpoint is derived from it (`api.` → `login.`).
    pub api_base: Url,
    /// OAuth client id (not a secret, but the audit journal names it as the principal).
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: SecretString,
    /// Requests per minute per token (`rateLimit.requestsPerMinute`, default 300).
    pub requests_per_minute: u32,
    /// How many tokens to spread load over (`rateLimit.tokens`, default 1); Genesys limits per
    /// token, so `N` tokens give `N ×` the rate.
    pub tokens: u32,
    /// Timeouts, retries and concurrency.
    pub options: ClientOptions,
}

impl OrgConnection {
    /// A connection with the default rate limit (300 a minute, one token) and options.
    pub fn new(
        org_name: impl Into<String>,
        api_base: Url,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        OrgConnection {
            org_name: org_name.into(),
            api_base,
            client_id: client_id.into(),
            client_secret,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            tokens: 1,
            options: ClientOptions::default(),
        }
    }
}

/// Genesys's default limit per client-credentials token.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 300;

/// Timeouts, retries and concurrency of a client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// How long one attempt may take before it counts as a timeout.
    pub request_timeout: Duration,
    /// How long one request may take in total, retries and waits included.
    pub deadline: Duration,
    /// The most retries of one request after 5xx, timeouts and connection errors (429s are
    /// bounded by the deadline only).
    pub max_retries: u32,
    /// Backoff between retries of 5xx, timeouts and connection errors.
    pub backoff: Backoff,
    /// The most requests in flight at once, over all tokens. Enough to keep the rate limit busy
    /// at the service's latency; the limiter, not this, sets the pace.
    pub max_in_flight: usize,
    /// How many pages of one listing, or queues, are read at once.
    pub read_concurrency: usize,
    /// The most times a user update is retried after a version conflict.
    pub version_retries: u32,
    /// How long a WFM agent move the org only accepted (202) is given to show in the units'
    /// members before its users count as not moved (see `ops::wfm`).
    pub move_confirm_wait: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            request_timeout: Duration::from_mins(1),
            deadline: Duration::from_mins(5),
            max_retries: 10,
            backoff: Backoff::default(),
            max_in_flight: 32,
            read_concurrency: 16,
            version_retries: 5,
            move_confirm_wait: Duration::from_secs(15),
        }
    }
}
