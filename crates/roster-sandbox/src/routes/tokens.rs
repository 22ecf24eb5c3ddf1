//! `GET`/`DELETE /api/v2/tokens/me`: who the token belongs to, and revocation;
//! `DELETE /api/v2/tokens/{userId}`: revoking a user's tokens.

use axum::extract::Path;
use axum::response::Response;
use serde_json::json;

use super::{Ctx, parse_id};
use crate::error::ApiError;
use crate::org::users;
use crate::paging::json;
use crate::store::Revocation;

/// `GET /api/v2/tokens/me` (`TokenInfo`); `HEAD` answers the same without a body.
pub async fn me(ctx: Ctx) -> Response {
    let org_id = ctx.read().org_id;
    let organization = json!({ "id": org_id, "name": ctx.org.name });
    json(&json!({
        "organization": organization,
        "homeOrganization": organization,
        "authorizedScope": [],
        "OAuthClient": { "id": ctx.token.client_id, "name": ctx.hub.clients.name_of(&ctx.token.client_id), "organization": organization },
    }))
}

/// `DELETE /api/v2/tokens/me`: the token stops working.
pub async fn revoke(ctx: Ctx) -> Response {
    ctx.hub.revoke(&ctx.token);
    crate::audit::record_token(&ctx.hub, &ctx.token, "Delete");
    ctx.void()
}

/// `DELETE /api/v2/tokens/{userId}` ("Delete all auth tokens for the specified user"):
/// `204` (as the `voidAnswer` knob says). The sandbox issues no user tokens, so it records the revocation (user, time) for
/// tests to see in the dump and at `GET /__sandbox/orgs/{name}/revocations`. An unknown
/// or deleted user is `404`.
///
/// What the real API answers for a user who holds no tokens is UNCONFIRMED; the sandbox takes
/// the harsher answer, `404`, for a user whose tokens it already revoked (nobody signs in to
/// the sandbox, so none were issued since), so a client must treat it as done.
pub async fn revoke_user(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let at = ctx.timestamp();
    let mut state = ctx.write();
    users::live_user(&state, user_id)?;
    if state.revocations.iter().any(|r| r.user_id == user_id) {
        return Err(ApiError::not_found("token", &id));
    }
    state.revocations.push(Revocation { user_id, at });
    drop(state);
    crate::audit::record_user_tokens_revoked(&ctx.hub, &ctx.org, &ctx.token.client_id, user_id);
    Ok(ctx.void())
}
