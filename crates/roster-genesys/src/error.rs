//! The client's error type: what failed, where, and what the server said.
//!
//! Every error names the org. Errors from the API keep the server's `message`, `code`, status
//! and correlation id (the `ININ-Correlation-Id` header, else the body's `contextId`), the
//! request's method and path (never its host, headers or body, so never a token or secret),
//! how many retries ran and how long the request took in total.

use std::fmt;
use std::time::Duration;

use roster_model::Kind;

/// Where a failed request went and how hard the client tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTrace {
    /// HTTP method.
    pub method: String,
    /// Path and query, without the host (`/api/v2/users?pageSize=500`).
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
        write!(
            f,
            "org `{}`: {} answered {}",
            self.org, self.request, self.status
        )?;
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

/// The token endpoint refused the org's client credentials (or kept failing).
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
            "org `{}`: the token endpoint refused the client credentials ({}",
            self.org, self.status
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

/// Errors of the Genesys client and tenant.
#[derive(Debug, thiserror::Error)]
pub enum GenesysError {
    /// The API answered with an error status, after any retries that applied.
    #[error("{0}")]
    Api(Box<ApiFailure>),
    /// The org's credentials were refused.
    #[error("{0}")]
    Auth(Box<AuthFailure>),
    /// No response: connection refused, reset, or timed out, after any retries that applied.
    #[error("org `{org}`: {request} got no response ({})", Attempts(request))]
    Transport {
        /// The org.
        org: String,
        /// The request.
        request: Box<RequestTrace>,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A response body did not have the expected shape.
    #[error("org `{org}`: cannot read the response of {request}")]
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
    #[error("org `{org}` has no {kind} `{key}`")]
    Unknown {
        /// The org.
        org: String,
        /// The kind of object.
        kind: Kind,
        /// Its natural key.
        key: String,
    },
    /// The API accepted a request but reported per-item failures in its 200 body.
    #[error("org `{org}`: {request} failed for {}", failures.join(", "))]
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
    /// A user record could not be updated because its `version` kept moving.
    #[error("org `{org}`: user `{email}` kept changing under the update ({attempts} attempts)")]
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
    #[error("org `{org}`: {message}")]
    Config {
        /// The org.
        org: String,
        /// What is wrong.
        message: String,
    },
}

impl GenesysError {
    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            GenesysError::Api(failure) => Some(failure.status),
            GenesysError::Auth(failure) => Some(failure.status),
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
        insta::assert_snapshot!(error.to_string(), @"org `prod-us`: `POST /api/v2/routing/skills` answered 409 `general.conflict`: A skill with that name already exists (after 2 retries in 1.2s, correlation id c0ffee)");
        assert_eq!(
            roster_model::TenantError::correlation_id(&error),
            Some("c0ffee")
        );
    }

    #[test]
    fn auth_errors_name_the_org_and_say_what_to_check() {
        let error = GenesysError::Auth(Box::new(AuthFailure {
            org: "prod-eu".into(),
            status: 401,
            error: Some("invalid_client".into()),
            description: Some("client authentication failed".into()),
            correlation_id: None,
        }));
        insta::assert_snapshot!(error.to_string(), @"org `prod-eu`: the token endpoint refused the client credentials (401 `invalid_client`: client authentication failed); check the org's `clientId` and `clientSecret` and its region");
    }
}
