//! Groups, read-only on the API side (groups are created by seed or load): they exist so
//! that users can inherit role grants and queue memberships.

use axum::extract::Path;
use axum::response::Response;

use super::{Ctx, list_by_name, parse_id};
use crate::error::ApiError;
use crate::paging::{MAX_PAGE_SIZE, json};
use crate::render;

/// `GET /api/v2/groups`.
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let state = ctx.read();
    let items = state.groups.iter().collect();
    list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |group| (group.name.clone(), group.id),
        render::group,
    )
}

/// `GET /api/v2/groups/{groupId}`.
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let group_id = parse_id(&id, "group")?;
    let state = ctx.read();
    let group = state
        .groups
        .get(group_id)
        .ok_or_else(|| ApiError::not_found("group", &id))?;
    Ok(json(&render::group(group)))
}
