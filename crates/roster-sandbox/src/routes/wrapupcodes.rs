//! Wrap-up codes: list, get, create, PUT, hard delete; duplicate names answer
//! `400 duplicate.name` (case-insensitive comparison: UNCONFIRMED).

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{Body, Ctx, list_by_name, name_sent, optional_id, parse_id, parse_ids, wildcard_match};
use crate::error::ApiError;
use crate::org::wrapup_codes::{self, WrapupCodeDefinition};
use crate::paging::{MAX_PAGE_SIZE, json};
use crate::render;

/// `WrapupCodeRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WrapupCodeRequest {
    name: Option<String>,
    division: Option<DivisionRef>,
    description: Option<String>,
}

/// `{id}` of a writable division.
#[derive(Debug, Deserialize)]
pub struct DivisionRef {
    /// The division id.
    pub id: Option<String>,
}

impl DivisionRef {
    /// The division's id, if the reference names one.
    pub fn id(division: Option<&Self>) -> Result<Option<Uuid>, ApiError> {
        optional_id(
            division.and_then(|division| division.id.as_deref()),
            "division.id",
        )
    }
}

fn definition(body: WrapupCodeRequest) -> Result<WrapupCodeDefinition, ApiError> {
    Ok(WrapupCodeDefinition {
        name: name_sent(body.name)?,
        division_id: DivisionRef::id(body.division.as_ref())?,
        description: body.description,
    })
}

/// `GET /api/v2/routing/wrapupcodes` (`name`, `id`, `divisionId`, `sortBy` name|id).
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let ids = parse_ids(&ctx.query.list("id"), "id")?;
    let divisions = parse_ids(&ctx.query.list("divisionId"), "divisionId")?;
    let name = ctx.query.get("name").map(str::to_owned);
    let by_id = ctx.query.get("sortBy") == Some("id");
    let state = ctx.read();
    let items = state
        .wrapup_codes
        .iter()
        .filter(|code| ids.is_empty() || ids.contains(&code.id))
        .filter(|code| divisions.is_empty() || divisions.contains(&code.division_id))
        .filter(|code| {
            name.as_deref()
                .is_none_or(|name| wildcard_match(name, &code.name))
        })
        .collect();
    list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |code| {
            if by_id {
                (String::new(), code.id)
            } else {
                (code.name.clone(), code.id)
            }
        },
        |code| render::wrapup_code(&state, code),
    )
}

/// `GET /api/v2/routing/wrapupcodes/{codeId}`.
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let code_id = parse_id(&id, "wrapup code")?;
    let state = ctx.read();
    let code = state
        .wrapup_codes
        .get(code_id)
        .ok_or_else(|| ApiError::not_found("wrapup code", &id))?;
    Ok(json(&render::wrapup_code(&state, code)))
}

/// `POST /api/v2/routing/wrapupcodes`.
pub async fn create(ctx: Ctx, Body(body): Body<WrapupCodeRequest>) -> Result<Response, ApiError> {
    let definition = definition(body)?;
    let at = ctx.stamp();
    let id = Uuid::new_v4();
    let mut state = ctx.write();
    wrapup_codes::create(&mut state, &at, id, &definition)?;
    let code = state
        .wrapup_codes
        .get(id)
        .expect("created above under the same lock");
    Ok(json(&render::wrapup_code(&state, code)))
}

/// `PUT /api/v2/routing/wrapupcodes/{codeId}`: full replacement.
pub async fn update(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<WrapupCodeRequest>,
) -> Result<Response, ApiError> {
    let code_id = parse_id(&id, "wrapup code")?;
    let definition = definition(body)?;
    let at = ctx.stamp();
    let mut state = ctx.write();
    wrapup_codes::replace(&mut state, &at, code_id, &definition)?;
    let code = state
        .wrapup_codes
        .get(code_id)
        .expect("replaced above under the same lock");
    Ok(json(&render::wrapup_code(&state, code)))
}

/// `DELETE /api/v2/routing/wrapupcodes/{codeId}`: hard delete, also off every queue.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let code_id = parse_id(&id, "wrapup code")?;
    wrapup_codes::delete(&mut ctx.write(), code_id)?;
    Ok(ctx.void())
}
