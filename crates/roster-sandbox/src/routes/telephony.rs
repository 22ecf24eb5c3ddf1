//! Telephony routes: DID pools, their numbers, extension pools, and a user's station.

use axum::extract::Path;
use axum::response::Response;
use uuid::Uuid;

use super::{Ctx, parse_id, parse_ids};
use crate::error::ApiError;
use crate::org::telephony;
use crate::paging::{Envelope, MAX_PAGE_SIZE, PageRequest, render_page};
use crate::render_entitlements as render;

/// Pages a whole list of rendered entities with the full `EntityListing` envelope.
fn page_of(ctx: &Ctx, entities: &[serde_json::Value]) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let total = entities.len();
    let entities: Vec<String> = entities[page.range(total)]
        .iter()
        .map(serde_json::Value::to_string)
        .collect();
    Ok(render_page(
        &ctx.path,
        &ctx.query,
        page,
        total,
        Envelope::Full,
        &entities,
    ))
}

/// `GET /api/v2/telephony/providers/edges/didpools` (`DIDPoolEntityListing`), in creation
/// order; `id` filters by pool ids.
pub async fn did_pools(ctx: Ctx) -> Result<Response, ApiError> {
    let wanted = parse_ids(&ctx.query.list("id"), "id")?;
    let entities: Vec<serde_json::Value> = {
        let state = ctx.read();
        state
            .telephony
            .did_pools
            .iter()
            .filter(|pool| wanted.is_empty() || wanted.contains(&pool.id))
            .map(render::did_pool)
            .collect()
    };
    page_of(&ctx, &entities)
}

/// `DIDNumber` listing types the sandbox serves (`type` is required; its values are
/// UNCONFIRMED in the facts: the sandbox takes these two and refuses others).
const DID_LIST_TYPES: &[&str] = &["UNASSIGNED", "ASSIGNED_AND_UNASSIGNED"];

/// `GET /api/v2/telephony/providers/edges/didpools/dids?type=...` (`DIDNumberEntityListing`):
/// the pools' numbers in ascending order, the held ones with their owner. Numbers held by
/// users are derived from their addresses.
pub async fn dids(ctx: Ctx) -> Result<Response, ApiError> {
    let kind = ctx
        .query
        .get("type")
        .ok_or_else(|| ApiError::missing_field("type"))?;
    if !DID_LIST_TYPES.contains(&kind) {
        return Err(ApiError::invalid_value(
            "type",
            format!(
                "Value [{kind}] is not valid. Allowable values are: {}",
                DID_LIST_TYPES.join(", ")
            ),
        ));
    }
    let assigned_too = kind == "ASSIGNED_AND_UNASSIGNED";
    let pool_ids: Vec<Uuid> = parse_ids(&ctx.query.list("id"), "id")?;
    let entities: Vec<serde_json::Value> = {
        let state = ctx.read();
        telephony::dids(&state, &pool_ids, assigned_too)
            .iter()
            .map(render::did_number)
            .collect()
    };
    page_of(&ctx, &entities)
}

/// `GET /api/v2/telephony/providers/edges/extensionpools` (`ExtensionPoolEntityListing`).
pub async fn extension_pools(ctx: Ctx) -> Result<Response, ApiError> {
    let entities: Vec<serde_json::Value> = {
        let state = ctx.read();
        state
            .telephony
            .extension_pools
            .iter()
            .map(render::extension_pool)
            .collect()
    };
    page_of(&ctx, &entities)
}

/// `DELETE /api/v2/users/{userId}/station/associatedstation`: `204` (as the `voidAnswer`
/// knob says); `404` when the user
/// has no associated station (UNCONFIRMED; harsher).
pub async fn disassociate_station(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    telephony::disassociate_station(&mut ctx.write(), user_id)?;
    Ok(ctx.void())
}
