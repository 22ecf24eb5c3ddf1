//! Divisions: list, home, get, and moving users, queues and teams between divisions.

use super::{Body, Ctx, list_by_name, parse_id, parse_ids, wildcard_match};
use crate::error::ApiError;
use crate::org::divisions::{self, Movable};
use crate::paging::{MAX_PAGE_SIZE, json};
use crate::render;
use axum::extract::Path;
use axum::response::Response;

/// `GET /api/v2/authorization/divisions` (filters `id`, `name`).
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let ids = parse_ids(&ctx.query.list("id"), "id")?;
    let name = ctx.query.get("name").map(str::to_owned);
    let state = ctx.read();
    let items = state
        .divisions
        .iter()
        .filter(|division| ids.is_empty() || ids.contains(&division.id))
        .filter(|division| {
            name.as_deref()
                .is_none_or(|name| wildcard_match(name, &division.name))
        })
        .collect();
    list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |division| (division.name.clone(), division.id),
        render::authz_division,
    )
}

/// `GET /api/v2/authorization/divisions/home`.
pub async fn home(ctx: Ctx) -> Response {
    json(&render::authz_division(ctx.read().home_division()))
}

/// `GET /api/v2/authorization/divisions/{divisionId}`.
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let division_id = parse_id(&id, "division")?;
    let state = ctx.read();
    let division = state
        .divisions
        .get(division_id)
        .ok_or_else(|| ApiError::not_found("division", &id))?;
    Ok(json(&render::authz_division(division)))
}

/// `POST /api/v2/authorization/divisions/{divisionId}/objects/{objectType}` with a JSON array
/// of ids; `USER`, `QUEUE` and `TEAM` are supported.
pub async fn move_objects(
    ctx: Ctx,
    Path((id, object_type)): Path<(String, String)>,
    Body(ids): Body<Vec<String>>,
) -> Result<Response, ApiError> {
    let division_id = parse_id(&id, "division")?;
    let ids = parse_ids(&ids, "body")?;
    let kind = match object_type.to_uppercase().as_str() {
        "USER" => Movable::User,
        "QUEUE" => Movable::Queue,
        "TEAM" => Movable::Team,
        other => {
            return Err(ApiError::invalid_value(
                "objectType",
                format!(
                    "Value [{other}] is not supported by the sandbox. Allowable values are: USER, QUEUE, TEAM"
                ),
            ));
        }
    };
    let at = ctx.stamp();
    divisions::move_objects(&mut ctx.write(), &at, division_id, kind, &ids)?;
    Ok(ctx.void())
}
