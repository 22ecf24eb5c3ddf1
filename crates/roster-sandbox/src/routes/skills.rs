//! Routing skills and languages: list, get, create, soft delete; skills also move division
//! by PATCH (they cannot be renamed; languages cannot be updated at all).
//!
//! Decisions on UNCONFIRMED points:
//! - the lists include deleted skills and languages, with `state: deleted`
//!   ([`LIST_DELETED`]);
//! - names are unique among non-deleted entries, case-insensitively; a deleted skill's name
//!   can be reused; a duplicate answers `409 general.conflict` (languages too);
//! - deleting a skill or language also removes it from every user, so users never show a
//!   deleted assignment.

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Body, Ctx, body_id, list_by_name, name_sent, optional_id, parse_id, parse_ids, prefix_match,
    wildcard_match,
};
use crate::error::ApiError;
use crate::org::skills::{self, NewLanguage, NewSkill};
use crate::paging::{MAX_PAGE_SIZE, json};
use crate::render;
use crate::store::EntityState;

/// Whether the skill and language lists include deleted entries. UNCONFIRMED in the real
/// API; the Terraform exporter drops list entries whose `state` is `deleted`, so they can
/// appear. The sandbox models the harsher answer (issue #12): a client that takes every
/// listed name as live would plan around skills that no longer exist.
pub const LIST_DELETED: bool = true;

/// `CreateRoutingSkill`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSkill {
    name: Option<String>,
    division_id: Option<String>,
}

/// `UpdateSkillDivisionRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSkillDivision {
    division_id: Option<String>,
}

/// `Language` (create body).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateLanguage {
    name: Option<String>,
}

/// `GET /api/v2/routing/skills` (`name` = starts with; `id` list).
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let ids = parse_ids(&ctx.query.list("id"), "id")?;
    let name = ctx.query.get("name").map(str::to_owned);
    let now = ctx.now_ms();
    let state = ctx.read();
    let items = state
        .skills
        .iter()
        .filter(|skill| LIST_DELETED || skill.state != EntityState::Deleted)
        .filter(|skill| skill.listed_from_ms <= now)
        .filter(|skill| ids.is_empty() || ids.contains(&skill.id))
        .filter(|skill| {
            name.as_deref()
                .is_none_or(|name| prefix_match(name, &skill.name))
        })
        .collect();
    list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |skill| (skill.name.clone(), skill.id),
        |skill| render::skill(&state, skill),
    )
}

/// `GET /api/v2/routing/skills/{skillId}`: deleted skills answer 200 with `state: deleted`.
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let skill_id = parse_id(&id, "skill")?;
    let state = ctx.read();
    let skill = state
        .skills
        .get(skill_id)
        .ok_or_else(|| ApiError::not_found("skill", &id))?;
    Ok(json(&render::skill(&state, skill)))
}

/// `POST /api/v2/routing/skills`.
pub async fn create(ctx: Ctx, Body(body): Body<CreateSkill>) -> Result<Response, ApiError> {
    let name = name_sent(body.name)?;
    let division_id = optional_id(body.division_id.as_deref(), "divisionId")?;
    let at = ctx.stamp();
    let mut state = ctx.write();
    let new = NewSkill {
        id: Uuid::new_v4(),
        name,
        division_id,
    };
    let id = skills::create_skill(&mut state, &at, &new)?;
    let skill = state
        .skills
        .get(id)
        .expect("created above under the same lock");
    Ok(json(&render::skill(&state, skill)))
}

/// `PATCH /api/v2/routing/skills/{skillId}`: only moves the skill to another division.
pub async fn patch(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<UpdateSkillDivision>,
) -> Result<Response, ApiError> {
    let skill_id = parse_id(&id, "skill")?;
    let division = body
        .division_id
        .ok_or_else(|| ApiError::missing_field("divisionId"))?;
    let division_id = body_id(&division, "divisionId")?;
    let at = ctx.stamp();
    let mut state = ctx.write();
    skills::move_skill(&mut state, &at, skill_id, division_id)?;
    let skill = state
        .skills
        .get(skill_id)
        .expect("moved above under the same lock");
    Ok(json(&render::skill(&state, skill)))
}

/// `DELETE /api/v2/routing/skills/{skillId}`: soft delete.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let skill_id = parse_id(&id, "skill")?;
    let at = ctx.stamp();
    skills::delete_skill(&mut ctx.write(), &at, skill_id)?;
    Ok(ctx.void())
}

/// `GET /api/v2/routing/languages` (`name` exact with `*` wildcards; `id` list).
pub async fn list_languages(ctx: Ctx) -> Result<Response, ApiError> {
    let ids = parse_ids(&ctx.query.list("id"), "id")?;
    let name = ctx.query.get("name").map(str::to_owned);
    let state = ctx.read();
    let items = state
        .languages
        .iter()
        .filter(|language| LIST_DELETED || language.state != EntityState::Deleted)
        .filter(|language| ids.is_empty() || ids.contains(&language.id))
        .filter(|language| {
            name.as_deref()
                .is_none_or(|name| wildcard_match(name, &language.name))
        })
        .collect();
    list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |language| (language.name.clone(), language.id),
        render::language,
    )
}

/// `GET /api/v2/routing/languages/{languageId}`.
pub async fn get_language(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let language_id = parse_id(&id, "language")?;
    let state = ctx.read();
    let language = state
        .languages
        .get(language_id)
        .ok_or_else(|| ApiError::not_found("language", &id))?;
    Ok(json(&render::language(language)))
}

/// `POST /api/v2/routing/languages`.
pub async fn create_language(
    ctx: Ctx,
    Body(body): Body<CreateLanguage>,
) -> Result<Response, ApiError> {
    let new = NewLanguage {
        id: Uuid::new_v4(),
        name: name_sent(body.name)?,
    };
    let at = ctx.stamp();
    let mut state = ctx.write();
    let id = skills::create_language(&mut state, &at, &new)?;
    let language = state
        .languages
        .get(id)
        .expect("created above under the same lock");
    Ok(json(&render::language(language)))
}

/// `DELETE /api/v2/routing/languages/{languageId}`: soft delete.
pub async fn delete_language(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let language_id = parse_id(&id, "language")?;
    let at = ctx.stamp();
    skills::delete_language(&mut ctx.write(), &at, language_id)?;
    Ok(ctx.void())
}
