//! Errors: the API's `ErrorBody` responses, the one mapping from the domain's refusals
//! ([`OrgError`]) and the library's errors to them, and the library's own error type.
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

use crate::builtins::{MAX_CAPACITY, MEDIA_TYPES};
use crate::org::{ObjectKind, OrgError};

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

    /// 403 `missing.permissions` (REFERENCE §5.1: "…missing the following permission(s): %s");
    /// the words before the template's are the sandbox's.
    pub fn missing_permissions(permissions: &[&str]) -> Self {
        let list = permissions.join(", ");
        let mut error = Self::new(
            StatusCode::FORBIDDEN,
            "missing.permissions",
            format!(
                "Unable to perform the requested action. You are missing the following permission(s): [{list}]"
            ),
        );
        error.params = Some(Box::new((
            "Unable to perform the requested action. You are missing the following permission(s): {permissions}".into(),
            BTreeMap::from([("permissions".to_owned(), format!("[{list}]"))]),
        )));
        error
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

/// How the API answers each rule an operation would break. Statuses and codes are the real
/// API's where it is known (duplicate skills and user emails answer 409 `general.conflict`,
/// duplicate wrap-up codes and queues 400 `duplicate.name`); messages are the sandbox's own
/// wording.
impl From<OrgError> for ApiError {
    fn from(error: OrgError) -> Self {
        match error {
            OrgError::NotFound { kind, id } | OrgError::NotAssigned { kind, id } => {
                Self::not_found(kind.as_str(), &id.to_string())
            }
            OrgError::IdTaken { kind, id } => {
                Self::conflict(format!("A {kind} with the id [{id}] already exists."))
            }
            OrgError::NameTaken {
                kind: ObjectKind::WrapupCode,
                ..
            } => Self::duplicate_name("A wrapup code with this name already exists."),
            OrgError::NameTaken {
                kind: ObjectKind::Queue,
                ..
            } => Self::duplicate_name("A queue with that name already exists."),
            OrgError::NameTaken { kind, name } => {
                Self::conflict(format!("A {kind} with the name [{name}] already exists."))
            }
            OrgError::EmailTaken { email } | OrgError::EmailBlocked { email, .. } => {
                Self::conflict(format!("A user with the email [{email}] already exists."))
            }
            OrgError::VersionMismatch { kind, .. } => Self::conflict(format!(
                "The version supplied does not match the current version of the {kind}"
            )),
            OrgError::Required { field } => Self::missing_field(field),
            OrgError::Empty { field } => {
                Self::invalid_value(field, format!("The {field} cannot be empty."))
            }
            OrgError::InvalidEmail { email } => Self::invalid_value(
                "email",
                format!("Value [{email}] is not a valid email address."),
            ),
            OrgError::Proficiency { value } => Self::invalid_value(
                "proficiency",
                format!("Value [{value}] is not valid: proficiency is 0 to 5."),
            ),
            OrgError::UnknownReference {
                field,
                kind: ObjectKind::Division,
                ..
            } => Self::invalid_value(field, "Unknown division"),
            OrgError::UnknownReference { field, kind, id } => {
                let mut error =
                    Self::invalid_value(field, format!("Unable to find a {kind} with id {id}"));
                if kind == ObjectKind::User && field == "id" {
                    error.details[0].entity_id = Some(id.to_string());
                }
                error
            }
            OrgError::InvalidManager { id } => {
                Self::invalid_value("manager", format!("Value [{id}] is not a valid manager."))
            }
            OrgError::MediaType {
                field: "utilization",
                media,
            } => Self::invalid_value(
                "utilization",
                format!(
                    "Value [{media}] is not a valid media type. Allowable values are: {}",
                    MEDIA_TYPES.join(", ")
                ),
            ),
            OrgError::MediaType { field, media } => {
                Self::invalid_value(field, format!("Value [{media}] is not a valid media type."))
            }
            OrgError::Capacity { value } => Self::invalid_value(
                "maximumCapacity",
                format!(
                    "Value [{value}] is not valid: maximumCapacity must be between 0 and {MAX_CAPACITY}."
                ),
            ),
            OrgError::NotAllowed {
                field,
                value,
                allowed,
            } => Self::invalid_value(
                field,
                format!(
                    "Value [{value}] is not valid for field [{field}]. Allowable values are: {}",
                    allowed.join(", ")
                ),
            ),
            OrgError::StateNotAlone { field } => Self::bad_request(format!(
                "When updating the state of a user, state must be the only field changed; found [{field}]."
            )),
            OrgError::StillQueueMember { queues } => Self::bad_request(format!(
                "The user cannot be deactivated while a direct member of queues: {}. Remove the queue memberships first.",
                queues.join(", ")
            )),
            OrgError::AddressAndExtension { .. }
            | OrgError::ContactValue { .. }
            | OrgError::PrimaryChanged { .. }
            | OrgError::DuplicateContact { .. }
            | OrgError::NotE164 { .. }
            | OrgError::NumberOutsidePools { .. }
            | OrgError::NumberHeld { .. }
            | OrgError::ExtensionOutsidePools { .. }
            | OrgError::ExtensionHeld { .. }
            | OrgError::InvalidPool { .. }
            | OrgError::TooMany { .. }
            | OrgError::LicenceTaken { .. }
            | OrgError::GrantToInactive { .. }
            | OrgError::UnknownLicence { .. } => Self::bad_request(sentence(&error)),
            OrgError::GrantNotHeld { role, division } => {
                Self::not_found("grant", &format!("{division}/{role}"))
            }
        }
    }
}

/// Errors of the control routes: an unknown org is 404, an org conflict 409, anything else
/// (a bad seed, dump or knob) 400 with the whole cause chain as the message.
/// An [`OrgError`]'s message as a sentence: capitalised, with a full stop.
fn sentence(error: &OrgError) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    let first = chars
        .next()
        .map(|first| first.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

impl From<SandboxError> for ApiError {
    fn from(error: SandboxError) -> Self {
        match error {
            SandboxError::UnknownOrg(_) => {
                Self::new(StatusCode::NOT_FOUND, "not.found", error.to_string())
            }
            SandboxError::OrgConflict(_) => Self::conflict(error.to_string()),
            _ => Self::bad_request(with_causes(&error)),
        }
    }
}

/// An error's message followed by its causes', `: `-separated.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        message.push_str(": ");
        message.push_str(&error.to_string());
        cause = error.source();
    }
    message
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
    /// A seed describes an org the API's rules do not allow (a duplicate name, an email
    /// twice, a proficiency out of range, ...): the object it was creating, and the rule.
    #[error("invalid seed for org `{org}`: cannot create {object}")]
    SeedBreaksRule {
        /// The org being seeded.
        org: String,
        /// The object being created (``skill `Billing` ``).
        object: String,
        /// The rule it breaks.
        #[source]
        source: Box<OrgError>,
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
    /// A realism knob outside its range (a rate outside 0..=1, a latency over a minute, ...).
    #[error("invalid sandbox setting: {0}")]
    InvalidKnob(String),
    /// The sandbox clock refused to move.
    #[error("cannot move the sandbox clock")]
    Clock(#[from] crate::clock::ClockError),
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

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn each_refusal_answers_the_api_status_and_code() {
        let id = Uuid::from_u128(7);
        let rows = [
            (
                OrgError::NotFound {
                    kind: ObjectKind::Queue,
                    id,
                },
                404,
                "not.found",
            ),
            (
                OrgError::NameTaken {
                    kind: ObjectKind::Skill,
                    name: "A".into(),
                },
                409,
                "general.conflict",
            ),
            (
                OrgError::NameTaken {
                    kind: ObjectKind::Team,
                    name: "A".into(),
                },
                409,
                "general.conflict",
            ),
            (
                OrgError::NameTaken {
                    kind: ObjectKind::Queue,
                    name: "A".into(),
                },
                400,
                "duplicate.name",
            ),
            (
                OrgError::NameTaken {
                    kind: ObjectKind::WrapupCode,
                    name: "A".into(),
                },
                400,
                "duplicate.name",
            ),
            (
                OrgError::EmailTaken {
                    email: "a@x.example".into(),
                },
                409,
                "general.conflict",
            ),
            (
                OrgError::EmailBlocked {
                    email: "a@x.example".into(),
                    user: id,
                },
                409,
                "general.conflict",
            ),
            (
                OrgError::VersionMismatch {
                    kind: ObjectKind::User,
                    id,
                    sent: 1,
                    current: 2,
                },
                409,
                "general.conflict",
            ),
            (
                OrgError::Required { field: "name" },
                400,
                "required.field.missing",
            ),
            (OrgError::Empty { field: "email" }, 400, "invalid.value"),
            (
                OrgError::UnknownReference {
                    field: "division.id",
                    kind: ObjectKind::Division,
                    id,
                },
                400,
                "invalid.value",
            ),
            (OrgError::Proficiency { value: 6.0 }, 400, "invalid.value"),
            (
                OrgError::StateNotAlone {
                    field: "title".into(),
                },
                400,
                "bad.request",
            ),
            (
                OrgError::NotAssigned {
                    kind: ObjectKind::Skill,
                    id,
                },
                404,
                "not.found",
            ),
            (
                OrgError::GrantNotHeld {
                    role: id,
                    division: id,
                },
                404,
                "not.found",
            ),
            (OrgError::GrantToInactive { id }, 400, "bad.request"),
        ];
        for (error, status, code) in rows {
            let shown = error.to_string();
            let answer = ApiError::from(error);
            assert_eq!(
                (answer.status.as_u16(), answer.code),
                (status, code),
                "{shown}"
            );
        }
    }
}
