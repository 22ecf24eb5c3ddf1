//! Licence routes: definitions, inference from roles, and the users' licences.

use axum::extract::Path;
use axum::response::Response;
use serde_json::Value;

use super::{Body, Ctx, parse_id, parse_ids};
use crate::error::ApiError;
use crate::org::{SoftDeleted, licences, users};
use crate::paging::{Envelope, MAX_PAGE_SIZE, PageRequest, json, render_page};
use crate::render_entitlements as render;

/// `GET /api/v2/license/definitions`: a bare array of `LicenseDefinition`.
pub async fn definitions(ctx: Ctx) -> Response {
    let state = ctx.read();
    let definitions: Vec<Value> = state
        .licences
        .definitions
        .iter()
        .map(render::licence_definition)
        .collect();
    json(&definitions)
}

/// `POST /api/v2/license/infer`: role ids in, licence ids out (sorted).
pub async fn infer(ctx: Ctx, Body(role_ids): Body<Vec<String>>) -> Result<Response, ApiError> {
    let role_ids = parse_ids(&role_ids, "roleIds")?;
    let inferred = licences::infer(&ctx.read(), &role_ids)?;
    Ok(json(&inferred))
}

/// `GET /api/v2/license/users` (`UserLicensesEntityListing`: entities, pageSize,
/// pageNumber, total, pageCount): every user that is not deleted, in store order, with the
/// licences of their roles. The maximum page size is UNCONFIRMED; the sandbox takes that of
/// the other page-number lists.
pub async fn users(ctx: Ctx) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let state = ctx.read();
    let live: Vec<_> = state.users.iter().filter(|user| user.is_live()).collect();
    let total = live.len();
    let entities: Vec<String> = live[page.range(total)]
        .iter()
        .map(|user| render::user_licences(user.id, &licences::of_user(&state, user)).to_string())
        .collect();
    Ok(render_page(
        &ctx.path,
        &ctx.query,
        page,
        total,
        Envelope::Bare,
        &entities,
    ))
}

/// `GET /api/v2/license/users/{userId}` (`LicenseUser`).
pub async fn user(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let state = ctx.read();
    let user = users::live_user(&state, user_id)?;
    let held = licences::of_user(&state, user);
    Ok(json(&render::licence_user(&state, user_id, &held)))
}
