//! Routing skills and languages: list, get, create, soft delete; skills also move division
//! by PATCH (they cannot be renamed; languages cannot be updated at all).
//!
//! Decisions on UNCONFIRMED points:
//! - the default lists leave deleted skills and languages out ([`LIST_DELETED`]);
//! - names are unique among non-deleted entries, case-insensitively; a deleted skill's name
//!   can be reused; a duplicate answers `409 general.conflict` (languages too);
//! - deleting a skill or language also removes it from every user, so users never show a
//!   deleted assignment.

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    Body, Ctx, list_by_name, parse_id, parse_ids, prefix_match, same_name, void, wildcard_match,
};
use crate::error::ApiError;
use crate::paging::{MAX_PAGE_SIZE, json};
use crate::render;
use crate::store::{EntityState, Language, Skill};

/// Whether the default skill and language lists include deleted entries.
pub const LIST_DELETED: bool = false;

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

fn required_name(name: Option<String>) -> Result<String, ApiError> {
    match name.map(|name| name.trim().to_owned()) {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(ApiError::missing_field("name")),
    }
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
    let name = required_name(body.name)?;
    let (timestamp, listed_from) = (ctx.timestamp(), ctx.listed_from());
    let mut state = ctx.write();
    let division_id = match body.division_id {
        Some(id) => {
            let id = parse_ids(&[id], "divisionId")?[0];
            state
                .divisions
                .get(id)
                .ok_or_else(|| ApiError::invalid_value("divisionId", "Unknown division"))?
                .id
        }
        None => state.home_division().id,
    };
    if state
        .skills
        .iter()
        .any(|skill| skill.state != EntityState::Deleted && same_name(&skill.name, &name))
    {
        return Err(ApiError::conflict(format!(
            "A skill with the name [{name}] already exists."
        )));
    }
    let skill = Skill {
        id: Uuid::new_v4(),
        name,
        division_id,
        state: EntityState::Active,
        version: 1,
        date_modified: timestamp,
        listed_from_ms: listed_from,
    };
    let response = json(&render::skill(&state, &skill));
    state.skills.insert(skill);
    Ok(response)
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
    let division_id = parse_ids(&[division], "divisionId")?[0];
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    if state.divisions.get(division_id).is_none() {
        return Err(ApiError::invalid_value("divisionId", "Unknown division"));
    }
    let skill = state
        .skills
        .get_mut(skill_id)
        .filter(|skill| skill.state != EntityState::Deleted)
        .ok_or_else(|| ApiError::not_found("skill", &id))?;
    skill.division_id = division_id;
    skill.version += 1;
    skill.date_modified = timestamp;
    let skill = state
        .skills
        .get(skill_id)
        .expect("updated above under the same lock");
    Ok(json(&render::skill(&state, skill)))
}

/// `DELETE /api/v2/routing/skills/{skillId}`: soft delete.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let skill_id = parse_id(&id, "skill")?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    let skill = state
        .skills
        .get_mut(skill_id)
        .filter(|skill| skill.state != EntityState::Deleted)
        .ok_or_else(|| ApiError::not_found("skill", &id))?;
    skill.state = EntityState::Deleted;
    skill.version += 1;
    skill.date_modified = timestamp;
    let holders: Vec<Uuid> = state
        .users
        .iter()
        .filter(|user| {
            user.skills
                .iter()
                .any(|assignment| assignment.id == skill_id)
        })
        .map(|user| user.id)
        .collect();
    for user_id in holders {
        if let Some(user) = state.users.get_mut(user_id) {
            user.skills.retain(|assignment| assignment.id != skill_id);
        }
    }
    Ok(void())
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
    let name = required_name(body.name)?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    if state
        .languages
        .iter()
        .any(|language| language.state != EntityState::Deleted && same_name(&language.name, &name))
    {
        return Err(ApiError::conflict(format!(
            "A language with the name [{name}] already exists."
        )));
    }
    let language = Language {
        id: Uuid::new_v4(),
        name,
        state: EntityState::Active,
        version: 1,
        date_modified: timestamp,
    };
    let response = json(&render::language(&language));
    state.languages.insert(language);
    Ok(response)
}

/// `DELETE /api/v2/routing/languages/{languageId}`: soft delete.
pub async fn delete_language(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let language_id = parse_id(&id, "language")?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    let language = state
        .languages
        .get_mut(language_id)
        .filter(|language| language.state != EntityState::Deleted)
        .ok_or_else(|| ApiError::not_found("language", &id))?;
    language.state = EntityState::Deleted;
    language.version += 1;
    language.date_modified = timestamp;
    let holders: Vec<Uuid> = state
        .users
        .iter()
        .filter(|user| {
            user.languages
                .iter()
                .any(|assignment| assignment.id == language_id)
        })
        .map(|user| user.id)
        .collect();
    for user_id in holders {
        if let Some(user) = state.users.get_mut(user_id) {
            user.languages
                .retain(|assignment| assignment.id != language_id);
        }
    }
    Ok(void())
}
