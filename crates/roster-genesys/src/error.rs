//! The client's error type: what failed, where, and what the server said.
//!
//! Every error keeps the org it is about as a field ([`GenesysError::org`]), but messages leave
//! it out: the caller names the org once (`error: org `demo`: …`). Errors from the API keep the
//! server's `message`, `code`, status and correlation id (the `ININ-Correlation-Id` header,
//! else the body's `contextId`), the request's method and path, how many retries ran and how
//! long the request took in total. A request that got no response names the full URL it tried
//! (the host is what failed) and keeps the transport error as its source, so a renderer walking
//! [`std::error::Error::source`] reaches the operating system's reason (`Connection refused`).
//! No error holds a request's headers or body, so none holds a token or a secret.

use std::fmt;
use std::time::Duration;

use roster_model::Kind;

/// Where a failed request went and how hard the client tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTrace {
    /// HTTP method.
    pub method: String,
    /// Path and query, without the host (`/api/v2/users?pageSize=500`); for the token
    /// endpoint, which has a host of its own, its full URL.
    pub path: String,
    /// Retries made after the first attempt.
    pub retries: u32,
    /// Time from the first attempt to the failure, waits included.
    pub elapsed: Duration,
}

impl fmt::Display for RequestTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{} {}`", self.method, self.path)
    }
}

/// The attempts part of a message: ` after 2 retries in 1.3s`.
struct Attempts<'a>(&'a RequestTrace);

impl fmt::Display for Attempts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let retries = self.0.retries;
        let plural = if retries == 1 { "retry" } else { "retries" };
        write!(
            f,
            "after {retries} {plural} in {:.1}s",
            self.0.elapsed.as_secs_f64()
        )
    }
}

/// An error response of the Platform API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// The org the request was for.
    pub org: String,
    /// The request.
    pub request: RequestTrace,
    /// HTTP status.
    pub status: u16,
    /// The body's `code` (`general.conflict`), when it had one.
    pub code: Option<String>,
    /// The body's `message`, or the raw body when it was not an `ErrorBody`.
    pub message: String,
    /// `ININ-Correlation-Id`, else the body's `contextId`.
    pub correlation_id: Option<String>,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered {}", self.request, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " `{code}`")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message.trim_end_matches('.'))?;
        }
        write!(f, " ({}", Attempts(&self.request))?;
        if let Some(id) = &self.correlation_id {
            write!(f, ", correlation id {id}")?;
        }
        f.write_str(")")
    }
}

/// The token endpoint refused the org's client credentials: a 400 or 401 with an OAuth error
/// (`invalid_client`, `unauthorized_client`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// The org.
    pub org: String,
    /// HTTP status of the token endpoint.
    pub status: u16,
    /// OAuth `error` (`invalid_client`), when given.
    pub error: Option<String>,
    /// OAuth `error_description` or `description`, when given.
    pub description: Option<String>,
    /// `ININ-Correlation-Id`, when given.
    pub correlation_id: Option<String>,
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the token endpoint refused the client credentials ({}",
            self.status
        )?;
        if let Some(error) = &self.error {
            write!(f, " `{error}`")?;
        }
        if let Some(description) = &self.description {
            write!(f, ": {}", description.trim_end_matches('.'))?;
        }
        f.write_str("); check the org's `clientId` and `clientSecret` and its region")
    }
}

/// The token endpoint failed without refusing the credentials: a status that is not a refusal
/// (404 from a wrong host, 5xx after the retries that apply), or an error body that is not
/// OAuth's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEndpointFailure {
    /// The org.
    pub org: String,
    /// The request: its `path` is the token endpoint's full URL.
    pub request: RequestTrace,
    /// HTTP status.
    pub status: u16,
    /// What the body said (OAuth `error_description`, `description` or `error`), when it was
    /// an OAuth error body.
    pub message: Option<String>,
    /// `ININ-Correlation-Id`, when given.
    pub correlation_id: Option<String>,
}

impl fmt::Display for TokenEndpointFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the token endpoint `{}` answered {}",
            self.request.path, self.status
        )?;
        if let Some(reason) = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
        {
            write!(f, " {reason}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", message.trim_end_matches('.'))?;
        }
        if self.request.retries > 0 {
            write!(f, " ({})", Attempts(&self.request))?;
        }
        if self.status < 500 {
            f.write_str("; check the org's region or `apiBase`")?;
        }
        Ok(())
    }
}

/// Errors of the Genesys client, its sessions and writers.
///
/// Messages do not name the org (the caller does, once); [`GenesysError::org`] tells it.
#[derive(Debug, thiserror::Error)]
pub enum GenesysError {
    /// The API answered with an error status, after any retries that applied.
    #[error("{0}")]
    Api(Box<ApiFailure>),
    /// The token endpoint refused the org's credentials (a 400 or 401 with an OAuth error).
    /// Remembered: every later request of the client fails the same way without asking again.
    #[error("{0}")]
    Auth(Box<AuthFailure>),
    /// The token endpoint failed otherwise (404, 5xx, a body that is not OAuth's), after any
    /// retries that applied. A failure that retrying cannot cure (any 4xx) is remembered like
    /// [`GenesysError::Auth`].
    #[error("{0}")]
    TokenEndpoint(Box<TokenEndpointFailure>),
    /// No response: connection refused, DNS failure, reset, or timed out, after any retries
    /// that applied. The source is the transport error (without the URL, which this message
    /// names), whose own sources go down to the operating system's error.
    #[error("`{} {url}` got no response ({})", request.method, Attempts(request))]
    Transport {
        /// The org.
        org: String,
        /// The full URL tried (API or token endpoint).
        url: String,
        /// The request.
        request: Box<RequestTrace>,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A response body did not have the expected shape.
    #[error("cannot read the response of {request}")]
    Decode {
        /// The org.
        org: String,
        /// The request.
        request: Box<RequestTrace>,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// An operation names an object the org does not have.
    #[error("the org has no {kind} `{key}`")]
    Unknown {
        /// The org.
        org: String,
        /// The kind of object.
        kind: Kind,
        /// Its natural key.
        key: String,
    },
    /// The API accepted a request but reported per-item failures in its 200 body.
    #[error("{request} failed for {}", failures.join(", "))]
    Partial {
        /// The org.
        org: String,
        /// The request.
        request: Box<RequestTrace>,
        /// One `item: reason` per failed item.
        failures: Vec<String>,
        /// Correlation id of the response.
        correlation_id: Option<String>,
    },
    /// A management-unit move left some users where they were: the API answered 200 with a
    /// result per user, and these results were not a move (the others' moves stand).
    #[error("{}", MoveFailures { unit, failed, moved: *moved })]
    MoveIncomplete {
        /// The org.
        org: String,
        /// The destination unit's name (`(none)`: out of WFM).
        unit: String,
        /// `(user, reason)`: each user not moved, by email, with the server's result.
        failed: Vec<(String, String)>,
        /// How many users were moved (or were there already).
        moved: usize,
    },
    /// A user record could not be updated because its `version` kept moving.
    #[error("user `{email}` kept changing under the update ({attempts} attempts)")]
    VersionConflict {
        /// The org.
        org: String,
        /// The user.
        email: String,
        /// Attempts made.
        attempts: u32,
        /// Correlation id of the last conflict.
        correlation_id: Option<String>,
    },
    /// The connection settings are unusable.
    #[error("{message}")]
    Config {
        /// The org.
        org: String,
        /// What is wrong.
        message: String,
    },
    /// An audit query gave no results: it ended `Failed` or `Cancelled`, or was still
    /// running when the client stopped polling (boxed: the error stays small).
    #[error(transparent)]
    AuditQuery(Box<AuditQueryFailure>),
    /// More topics were asked for than the notification channels of one client can hold.
    #[error(
        "{topics} notification topics asked for; one client holds at most {max} (20 channels of 1,000 topics): watch fewer objects"
    )]
    TooManyTopics {
        /// The org.
        org: String,
        /// Topics asked for.
        topics: usize,
        /// The most there can be.
        max: usize,
    },
    /// A notification channel's WebSocket could not be opened.
    #[error("cannot open the notification WebSocket at `{host}`")]
    WebSocket {
        /// The org.
        org: String,
        /// Scheme, host and port of the channel's `connectUri` (its path, the channel id, is
        /// all a listener needs, so it is left out).
        host: String,
        /// The WebSocket error.
        #[source]
        source: Box<tokio_tungstenite::tungstenite::Error>,
    },
}

/// The message of [`GenesysError::MoveIncomplete`].
struct MoveFailures<'a> {
    unit: &'a str,
    failed: &'a [(String, String)],
    moved: usize,
}

impl fmt::Display for MoveFailures<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.failed.len();
        let users = if count == 1 { "user" } else { "users" };
        write!(
            f,
            "{count} {users} not moved to management unit `{}`: ",
            self.unit
        )?;
        for (index, (user, reason)) in self.failed.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{user}` ({reason})")?;
        }
        write!(
            f,
            "; {} moved (those moves stand); apply again once the reasons are fixed",
            self.moved
        )
    }
}

/// An audit query that gave no results.
#[derive(Debug, thiserror::Error)]
#[error(
    "the audit query `{transaction_id}` of service `{service_name}` {}",
    match waited {
        None => format!("ended `{state}`; try again, or query a shorter interval"),
        Some(waited) => format!(
            "was still `{state}` after {:.1}s; try again later, or query a shorter interval",
            waited.as_secs_f64()
        ),
    }
)]
pub struct AuditQueryFailure {
    /// The org.
    pub org: String,
    /// The query's transaction id.
    pub transaction_id: String,
    /// The service queried.
    pub service_name: String,
    /// `Failed` or `Cancelled`, or the last state seen while polling.
    pub state: String,
    /// How long the client polled, when it gave up waiting; `None` when the query ended.
    pub waited: Option<Duration>,
}

impl GenesysError {
    /// The org the error is about (messages leave it out).
    pub fn org(&self) -> &str {
        match self {
            GenesysError::Api(failure) => &failure.org,
            GenesysError::AuditQuery(failure) => &failure.org,
            GenesysError::Auth(failure) => &failure.org,
            GenesysError::TokenEndpoint(failure) => &failure.org,
            GenesysError::Transport { org, .. }
            | GenesysError::Decode { org, .. }
            | GenesysError::Unknown { org, .. }
            | GenesysError::Partial { org, .. }
            | GenesysError::MoveIncomplete { org, .. }
            | GenesysError::VersionConflict { org, .. }
            | GenesysError::Config { org, .. }
            | GenesysError::TooManyTopics { org, .. }
            | GenesysError::WebSocket { org, .. } => org,
        }
    }

    /// The HTTP status of an API or token endpoint error.
    pub fn status(&self) -> Option<u16> {
        match self {
            GenesysError::Api(failure) => Some(failure.status),
            GenesysError::Auth(failure) => Some(failure.status),
            GenesysError::TokenEndpoint(failure) => Some(failure.status),
            _ => None,
        }
    }

    /// The server's `code` of an API error.
    pub fn code(&self) -> Option<&str> {
        match self {
            GenesysError::Api(failure) => failure.code.as_deref(),
            _ => None,
        }
    }

    /// Whether the API refused the request for want of a permission (403): for the Audit API,
    /// the client lacks `audits:audit:view`.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, GenesysError::Api(failure) if failure.status == 403)
    }

    /// Whether the request may have taken effect although it failed: a timeout or a 5xx.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            GenesysError::Api(failure) => failure.status >= 500 || failure.status == 408,
            GenesysError::Transport { source, .. } => !source.is_connect(),
            _ => false,
        }
    }
}

impl roster_model::TenantError for GenesysError {
    fn correlation_id(&self) -> Option<&str> {
        match self {
            GenesysError::Api(failure) => failure.correlation_id.as_deref(),
            GenesysError::Auth(failure) => failure.correlation_id.as_deref(),
            GenesysError::TokenEndpoint(failure) => failure.correlation_id.as_deref(),
            GenesysError::Partial { correlation_id, .. }
            | GenesysError::VersionConflict { correlation_id, .. } => correlation_id.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace() -> RequestTrace {
        RequestTrace {
            method: "POST".into(),
            path: "/api/v2/routing/skills".into(),
            retries: 2,
            elapsed: Duration::from_millis(1250),
        }
    }

    #[test]
    fn api_errors_keep_what_the_server_said() {
        let error = GenesysError::Api(Box::new(ApiFailure {
            org: "prod-us".into(),
            request: trace(),
            status: 409,
            code: Some("general.conflict".into()),
            message: "A skill with that name already exists.".into(),
            correlation_id: Some("c0ffee".into()),
        }));
        insta::assert_snapshot!(error.to_string(), @"`POST /api/v2/routing/skills` answered 409 `general.conflict`: A skill with that name already exists (after 2 retries in 1.2s, correlation id c0ffee)");
        assert_eq!(error.org(), "prod-us");
        assert_eq!(
            roster_model::TenantError::correlation_id(&error),
            Some("c0ffee")
        );
    }

    #[test]
    fn incomplete_moves_name_each_user_left_behind_and_count_the_moved() {
        let error = GenesysError::MoveIncomplete {
            org: "prod-us".into(),
            unit: "Indianapolis".into(),
            failed: vec![
                (
                    "ann@acme.example".into(),
                    "DestinationManagementUnitAgentLimitExceeded".into(),
                ),
                (
                    "bob@acme.example".into(),
                    "no result in the response".into(),
                ),
            ],
            moved: 3,
        };
        insta::assert_snapshot!(error.to_string(), @"2 users not moved to management unit `Indianapolis`: `ann@acme.example` (DestinationManagementUnitAgentLimitExceeded), `bob@acme.example` (no result in the response); 3 moved (those moves stand); apply again once the reasons are fixed");
        assert_eq!(error.org(), "prod-us");
    }

    #[test]
    fn auth_errors_say_what_to_check() {
        let error = GenesysError::Auth(Box::new(AuthFailure {
            org: "prod-eu".into(),
            status: 401,
            error: Some("invalid_client".into()),
            description: Some("client authentication failed".into()),
            correlation_id: None,
        }));
        insta::assert_snapshot!(error.to_string(), @"the token endpoint refused the client credentials (401 `invalid_client`: client authentication failed); check the org's `clientId` and `clientSecret` and its region");
        assert_eq!(error.org(), "prod-eu");
    }

    #[test]
    fn token_endpoint_failures_name_the_url_and_status() {
        let failure = |status, retries, message: Option<&str>| {
            GenesysError::TokenEndpoint(Box::new(TokenEndpointFailure {
                org: "prod-eu".into(),
                request: RequestTrace {
                    method: "POST".into(),
                    path: "https://login.mypurecloud.de/oauth/token".into(),
                    retries,
                    elapsed: Duration::from_millis(2400),
                },
                status,
                message: message.map(Into::into),
                correlation_id: None,
            }))
            .to_string()
        };
        insta::assert_snapshot!(failure(404, 0, None), @"the token endpoint `https://login.mypurecloud.de/oauth/token` answered 404 Not Found; check the org's region or `apiBase`");
        insta::assert_snapshot!(failure(503, 3, Some("Try again later.")), @"the token endpoint `https://login.mypurecloud.de/oauth/token` answered 503 Service Unavailable: Try again later (after 3 retries in 2.4s)");
    }
}
