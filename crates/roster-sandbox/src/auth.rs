//! `POST /oauth/token`: the client-credentials grant of the real login host.
//!
//! Basic auth with the org's client id and secret, form `grant_type=client_credentials`.
//! Errors use the login service's own shape (GOSDK `AuthErrorResponse`):
//! `{error, description, error_description}`. The `error` values (`invalid_client`,
//! `unsupported_grant_type`, `invalid_request`) are UNCONFIRMED, chosen from OAuth 2.0.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use crate::hub::Hub;

fn auth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(
            json!({ "error": error, "description": description, "error_description": description }),
        ),
    )
        .into_response()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The token route.
pub async fn token(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: String) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    // Form credentials are accepted too (RFC 6749 allows them); the SDKs use Basic.
    let credentials = basic_credentials(&headers)
        .or_else(|| Some((field("client_id")?, field("client_secret")?)));
    let Some((client_id, secret)) = credentials else {
        return auth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client credentials are required (HTTP Basic)",
        );
    };
    let Some(org) = hub.authenticate_client(&client_id, &secret) else {
        return auth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client not found or bad client secret",
        );
    };
    org.stats.lock().count("POST /oauth/token".to_owned());
    match field("grant_type").as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return auth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            );
        }
        None => {
            return auth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let ((access_token, expires_in), entry) = hub.issue_token_for(&org, &client_id);
    crate::audit::record_token(&hub, &entry, "Create");
    axum::Json(
        json!({ "access_token": access_token, "token_type": "bearer", "expires_in": expires_in }),
    )
    .into_response()
}
