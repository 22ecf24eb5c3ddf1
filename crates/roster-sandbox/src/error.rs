//! Errors: the API's `ErrorBody` responses, and the library's own error type.
//!
//! Every API error renders as the real service's `ErrorBody`
//! (`{message, code, status, messageWithParams?, messageParams?, contextId, details, errors}`)
//! with `contextId` equal to the response's `ININ-Correlation-Id`. `details` and `errors` are
//! always present (possibly empty) as in the published 429 sample; other absent fields are
//! omitted.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

tokio::task_local! {
    /// The correlation id of the request being served; set by the request pipeline so that
    /// error bodies can carry it as `contextId`.
    pub static CORRELATION_ID: String;
}

/// The current request's correlation id, or a fresh one outside a request.
pub fn correlation_id() -> String {
    CORRELATION_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// One entry of `ErrorBody.details`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    /// Machine-readable code of this detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The request field the detail is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// The entity the detail is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
}

/// An API error, rendered as the real service's `ErrorBody`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `code`, e.g. `bad.request`, `general.conflict`.
    pub code: &'static str,
    /// Human-readable `message`.
    pub message: String,
    /// `messageWithParams` and `messageParams`, when the message has parameters.
    pub params: Option<Box<(String, BTreeMap<String, String>)>>,
    /// `details`.
    pub details: Vec<Detail>,
    /// Extra response headers (e.g. `Retry-After`).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    message: &'a str,
    code: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_with_params: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_params: Option<&'a BTreeMap<String, String>>,
    context_id: String,
    details: &'a [Detail],
    errors: [(); 0],
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            params: None,
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// 400 `bad.request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    /// 400 `invalid.value` naming the field.
    pub fn invalid_value(field: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::BAD_REQUEST, "invalid.value", message);
        error.details.push(Detail {
            error_code: Some("invalid.value".into()),
            field_name: Some(field.into()),
            entity_id: None,
        });
        error
    }

    /// 400 `required.field.missing`.
    pub fn missing_field(field: &str) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "required.field.missing",
            format!("The field '{field}' is required."),
        );
        error.params = Some(Box::new((
            "The field '{field}' is required.".into(),
            BTreeMap::from([("field".to_owned(), field.to_owned())]),
        )));
        error
    }

    /// 404 `not.found` for an entity kind (`"user"`, `"queue"`, ...).
    pub fn not_found(kind: &str, id: &str) -> Self {
        let mut error = Self::new(
            StatusCode::NOT_FOUND,
            "not.found",
            format!("Unable to find a {kind} with that id: {id}"),
        );
        error.details.push(Detail {
            error_code: None,
            field_name: None,
            entity_id: Some(id.into()),
        });
        error
    }

    /// 404 for a path the sandbox does not serve.
    pub fn no_route(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not.found",
            format!("The requested resource [{path}] was not found."),
        )
    }

    /// 409 `general.conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "general.conflict", message)
    }

    /// 400 `duplicate.name` (wrap-up codes, queues).
    pub fn duplicate_name(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "duplicate.name", message)
    }

    /// 401 `authentication.required` (no bearer token).
    pub fn authentication_required() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        )
    }

    /// 401 `bad.credentials` (unknown, expired or foreign token).
    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "Invalid login credentials.",
        )
    }

    /// 429 `too.many.requests.retry.after` with its `Retry-After` seconds.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let retry_after = retry_after.max(1);
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests.retry.after",
            format!(
                "Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
            ),
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// An injected server error (500, 502, 503 or the 504 of a timeout).
    pub fn injected(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::SERVICE_UNAVAILABLE => ("service.unavailable", "Service Unavailable"),
            StatusCode::BAD_GATEWAY => ("bad.gateway", "Bad Gateway"),
            StatusCode::GATEWAY_TIMEOUT => ("request.timeout", "The request timed out."),
            _ => (
                "internal.server.error",
                "The server encountered an unexpected condition.",
            ),
        };
        Self::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            message: &self.message,
            code: self.code,
            status: self.status.as_u16(),
            message_with_params: self.params.as_ref().map(|params| params.0.as_str()),
            message_params: self.params.as_ref().map(|params| &params.1),
            context_id: correlation_id(),
            details: &self.details,
            errors: [],
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Errors of the sandbox library API (seeding, state files, org management).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// No org has that name.
    #[error("unknown sandbox org `{0}`")]
    UnknownOrg(String),
    /// An org with that name or client id exists already with other credentials.
    #[error("sandbox org conflict: {0}")]
    OrgConflict(String),
    /// A seed refers to something it does not declare, or declares a thing twice.
    #[error("invalid seed for org `{org}`: {message}")]
    InvalidSeed {
        /// The org being seeded.
        org: String,
        /// What is wrong.
        message: String,
    },
    /// A seed, dump or state file could not be parsed.
    #[error("cannot parse {what}: {message}")]
    Parse {
        /// What was being parsed.
        what: String,
        /// The parser's message.
        message: String,
    },
    /// A dump to load is inconsistent (dangling references, duplicate ids).
    #[error("invalid org dump: {0}")]
    InvalidDump(String),
    /// An `--org NAME:CLIENT_ID:SECRET` value is malformed.
    #[error("invalid org spec `{0}`: expected NAME:CLIENT_ID:SECRET")]
    OrgSpec(String),
    /// Reading or writing a file or socket failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
