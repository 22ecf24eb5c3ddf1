//! `GET`/`DELETE /api/v2/tokens/me`: who the token belongs to, and revocation.

use axum::response::Response;
use serde_json::json;

use super::Ctx;
use crate::paging::json;

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
