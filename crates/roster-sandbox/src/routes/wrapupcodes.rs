//! Wrap-up codes: list, get, create, PUT, hard delete; duplicate names answer
//! `400 duplicate.name` (case-insensitive comparison: UNCONFIRMED).

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{Body, Ctx, list_by_name, parse_id, parse_ids, same_name, void, wildcard_match};
use crate::error::ApiError;
use crate::paging::{MAX_PAGE_SIZE, json};
use crate::render;
use crate::store::{OrgState, WrapupCode};

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

/// Resolves an optional `{id}` division reference, defaulting to home.
pub fn resolve_division(
    state: &OrgState,
    division: Option<&DivisionRef>,
) -> Result<Uuid, ApiError> {
    match division.and_then(|division| division.id.clone()) {
        Some(id) => {
            let id = parse_ids(&[id], "division.id")?[0];
            state
                .divisions
                .get(id)
                .map(|division| division.id)
                .ok_or_else(|| ApiError::invalid_value("division.id", "Unknown division"))
        }
        None => Ok(state.home_division().id),
    }
}

fn duplicate(state: &OrgState, name: &str, except: Option<Uuid>) -> Result<(), ApiError> {
    if state
        .wrapup_codes
        .iter()
        .any(|code| Some(code.id) != except && same_name(&code.name, name))
    {
        return Err(ApiError::duplicate_name(
            "A wrapup code with this name already exists.",
        ));
    }
    Ok(())
}

fn required_name(name: Option<String>) -> Result<String, ApiError> {
    match name.map(|name| name.trim().to_owned()) {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(ApiError::missing_field("name")),
    }
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
    let name = required_name(body.name)?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    duplicate(&state, &name, None)?;
    let division_id = resolve_division(&state, body.division.as_ref())?;
    let code = WrapupCode {
        id: Uuid::new_v4(),
        name,
        division_id,
        description: body.description,
        date_created: timestamp.clone(),
        date_modified: timestamp,
    };
    let response = json(&render::wrapup_code(&state, &code));
    state.wrapup_codes.insert(code);
    Ok(response)
}

/// `PUT /api/v2/routing/wrapupcodes/{codeId}`: full replacement.
pub async fn update(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<WrapupCodeRequest>,
) -> Result<Response, ApiError> {
    let code_id = parse_id(&id, "wrapup code")?;
    let name = required_name(body.name)?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    if state.wrapup_codes.get(code_id).is_none() {
        return Err(ApiError::not_found("wrapup code", &id));
    }
    duplicate(&state, &name, Some(code_id))?;
    let division_id = resolve_division(&state, body.division.as_ref())?;
    let code = state
        .wrapup_codes
        .get_mut(code_id)
        .expect("checked above under the same lock");
    code.name = name;
    code.division_id = division_id;
    code.description = body.description;
    code.date_modified = timestamp;
    let code = state
        .wrapup_codes
        .get(code_id)
        .expect("checked above under the same lock");
    Ok(json(&render::wrapup_code(&state, code)))
}

/// `DELETE /api/v2/routing/wrapupcodes/{codeId}`: hard delete, also off every queue.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let code_id = parse_id(&id, "wrapup code")?;
    let mut state = ctx.write();
    state
        .wrapup_codes
        .remove(code_id)
        .ok_or_else(|| ApiError::not_found("wrapup code", &id))?;
    for queue in &mut state.queues {
        queue.wrapup_codes.retain(|code| *code != code_id);
    }
    Ok(void())
}
