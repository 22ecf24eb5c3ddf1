//! Roles: list (filters `name`, `id` ≤ 100, `defaultRoleId`), get, the role's users
//! (`GET .../users`, `PUT .../users/add`, `PUT .../users/remove`) and its subject grants
//! (`GET .../subjectgrants`: every user and group holding the role, with the divisions).
//!
//! UNCONFIRMED: which division `users/add` grants in. The sandbox grants the role in the
//! home division; `users/remove` removes the role's grants in every division (see
//! [`crate::org::grants`]).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::{Body, Ctx, list_by_name, parse_id, parse_ids, wildcard_match};
use crate::error::ApiError;
use crate::org::grants;
use crate::paging::{Envelope, MAX_PAGE_SIZE, PageRequest, json, render_page};
use crate::render;
use crate::store::{EntityState, Grant, OrgState};

/// Most ids one `id` filter may name (`400 max.role.ids` beyond).
const MAX_ROLE_IDS: usize = 100;

fn user_count(state: &OrgState, role_id: Uuid) -> usize {
    state
        .users
        .iter()
        .filter(|user| {
            user.state != EntityState::Deleted
                && user.grants.iter().any(|grant| grant.role_id == role_id)
        })
        .count()
}

/// `GET /api/v2/authorization/roles`.
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let ids = ctx.query.list("id");
    if ids.len() > MAX_ROLE_IDS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "max.role.ids",
            format!("Only {MAX_ROLE_IDS} role ids may be requested at once."),
        ));
    }
    let ids = parse_ids(&ids, "id")?;
    let default_ids = ctx.query.list("defaultRoleId");
    let name = ctx.query.get("name").map(str::to_owned);
    let with_count = ctx.query.bool("userCount")?.unwrap_or(true);
    let state = ctx.read();
    let items = state
        .roles
        .iter()
        .filter(|role| ids.is_empty() || ids.contains(&role.id))
        .filter(|role| {
            name.as_deref()
                .is_none_or(|name| wildcard_match(name, &role.name))
        })
        .filter(|role| {
            default_ids.is_empty()
                || role
                    .default_role_id
                    .as_ref()
                    .is_some_and(|id| default_ids.contains(id))
        })
        .collect();
    list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |role| (role.name.clone(), role.id),
        |role| render::role(role, with_count.then(|| user_count(&state, role.id))),
    )
}

/// `GET /api/v2/authorization/roles/{roleId}`.
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let role_id = parse_id(&id, "role")?;
    let with_count = ctx.query.bool("userCount")?.unwrap_or(true);
    let state = ctx.read();
    let role = state
        .roles
        .get(role_id)
        .ok_or_else(|| ApiError::not_found("role", &id))?;
    Ok(json(&render::role(
        role,
        with_count.then(|| user_count(&state, role_id)),
    )))
}

/// `GET /api/v2/authorization/roles/{roleId}/users` (`UserReferenceEntityListing`: no links).
pub async fn users(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let role_id = parse_id(&id, "role")?;
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let state = ctx.read();
    if state.roles.get(role_id).is_none() {
        return Err(ApiError::not_found("role", &id));
    }
    let holders: Vec<Uuid> = state
        .users
        .iter()
        .filter(|user| {
            user.state != EntityState::Deleted
                && user.grants.iter().any(|grant| grant.role_id == role_id)
        })
        .map(|user| user.id)
        .collect();
    let entities: Vec<String> = holders[page.range(holders.len())]
        .iter()
        .map(|id| render::user_ref(*id).to_string())
        .collect();
    Ok(render_page(
        &ctx.path,
        &ctx.query,
        page,
        holders.len(),
        Envelope::Bare,
        &entities,
    ))
}

/// `GET /api/v2/authorization/roles/{roleId}/subjectgrants` (`SubjectDivisionGrantsEntityListing`).
///
/// Each entity is one subject holding the role, with every division it holds it in; users
/// (`PC_USER`, in creation order) come before groups (`PC_GROUP`, by name). UNCONFIRMED: the
/// live order, and the subject's `selfUri` (the sandbox uses the subject route).
pub async fn subject_grants(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let role_id = parse_id(&id, "role")?;
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let state = ctx.read();
    if state.roles.get(role_id).is_none() {
        return Err(ApiError::not_found("role", &id));
    }
    let divisions_of = |grants: &[Grant]| -> Vec<Uuid> {
        let mut divisions: Vec<Uuid> = grants
            .iter()
            .filter(|grant| grant.role_id == role_id)
            .map(|grant| grant.division_id)
            .collect();
        divisions.sort_unstable();
        divisions.dedup();
        divisions
    };
    let users = state
        .users
        .iter()
        .filter(|user| user.state != EntityState::Deleted)
        .map(|user| {
            (
                user.id,
                user.name.as_str(),
                divisions_of(&user.grants),
                "PC_USER",
            )
        });
    let mut groups: Vec<_> = state
        .groups
        .iter()
        .map(|group| {
            (
                group.id,
                group.name.as_str(),
                divisions_of(&group.grants),
                "PC_GROUP",
            )
        })
        .collect();
    groups.sort_by(|a, b| a.1.cmp(b.1));
    let subjects: Vec<_> = users
        .chain(groups)
        .filter(|(_, _, divisions, _)| !divisions.is_empty())
        .collect();
    let entities: Vec<String> = subjects[page.range(subjects.len())]
        .iter()
        .map(|(subject_id, name, divisions, kind)| {
            serde_json::json!({
                "id": subject_id,
                "name": name,
                "divisions": divisions
                    .iter()
                    .map(|division| render::division_ref(&state, *division))
                    .collect::<Vec<_>>(),
                "type": kind,
                "selfUri": format!("/api/v2/authorization/subjects/{subject_id}"),
            })
            .to_string()
        })
        .collect();
    Ok(render_page(
        &ctx.path,
        &ctx.query,
        page,
        subjects.len(),
        Envelope::Full,
        &entities,
    ))
}

/// `PUT /api/v2/authorization/roles/{roleId}/users/add`: list of user ids in and out.
pub async fn add_users(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<String>>,
) -> Result<Response, ApiError> {
    let role_id = parse_id(&id, "role")?;
    let ids = parse_ids(&body, "body")?;
    grants::grant_role(&mut ctx.write(), role_id, &ids)?;
    Ok(json(&body))
}

/// `PUT /api/v2/authorization/roles/{roleId}/users/remove`.
pub async fn remove_users(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<String>>,
) -> Result<Response, ApiError> {
    let role_id = parse_id(&id, "role")?;
    let ids = parse_ids(&body, "body")?;
    grants::revoke_role(&mut ctx.write(), role_id, &ids)?;
    Ok(json(&body))
}
