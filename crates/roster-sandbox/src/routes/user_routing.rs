//! A user's routing skills and languages, and the queues a user is a member of.
//!
//! Proficiency is 0..=5 (skills keep decimals; languages are rounded to whole numbers, as
//! the backend does). Assigning a skill or language that does not exist or is deleted
//! answers 404. Removing one the user does not have answers 404. Bulk PATCH takes at most
//! [`MAX_BULK`] entries (official for languages; Terraform's chunk size for skills).

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Body, Ctx, descending, parse_id, parse_ids, single_page, void};
use crate::error::ApiError;
use crate::org::queues;
use crate::paging::{Envelope, MAX_PAGE_SIZE, PageRequest, json, render_page};
use crate::render;
use crate::store::{Assignment, EntityState, OrgState};

/// Most entries of one bulk PATCH.
pub const MAX_BULK: usize = 50;

/// `UserRoutingSkillPost` / `UserRoutingLanguagePost` / `UserRoutingSkill` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentWrite {
    id: Option<String>,
    proficiency: Option<f64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Skill,
    Language,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Skill => "skill",
            Self::Language => "language",
        }
    }

    fn exists(self, state: &OrgState, id: Uuid) -> bool {
        match self {
            Self::Skill => state
                .skills
                .get(id)
                .is_some_and(|skill| skill.state != EntityState::Deleted),
            Self::Language => state
                .languages
                .get(id)
                .is_some_and(|language| language.state != EntityState::Deleted),
        }
    }

    fn name_of(self, state: &OrgState, id: Uuid) -> String {
        match self {
            Self::Skill => state.skills.get(id).map(|skill| skill.name.to_lowercase()),
            Self::Language => state
                .languages
                .get(id)
                .map(|language| language.name.to_lowercase()),
        }
        .unwrap_or_default()
    }

    fn render(self, state: &OrgState, user_id: Uuid, assignment: &Assignment) -> Value {
        match self {
            Self::Skill => render::user_skill(state, user_id, assignment),
            Self::Language => render::user_language(state, user_id, assignment),
        }
    }

    fn list(self, state: &mut OrgState, user_id: Uuid) -> &mut Vec<Assignment> {
        let user = state
            .users
            .get_mut(user_id)
            .expect("the caller checked the user under the same lock");
        match self {
            Self::Skill => &mut user.skills,
            Self::Language => &mut user.languages,
        }
    }
}

fn live_user(state: &OrgState, id: &str) -> Result<Uuid, ApiError> {
    let user_id = parse_id(id, "user")?;
    state
        .users
        .get(user_id)
        .filter(|user| user.state != EntityState::Deleted)
        .map(|user| user.id)
        .ok_or_else(|| ApiError::not_found("user", id))
}

fn parse_assignment(
    state: &OrgState,
    kind: Kind,
    write: &AssignmentWrite,
    id: Option<&str>,
) -> Result<Assignment, ApiError> {
    let raw = id
        .map(str::to_owned)
        .or_else(|| write.id.clone())
        .ok_or_else(|| ApiError::missing_field("id"))?;
    let id = parse_ids(std::slice::from_ref(&raw), "id")?[0];
    if !kind.exists(state, id) {
        return Err(ApiError::not_found(kind.name(), &raw));
    }
    let proficiency = write
        .proficiency
        .ok_or_else(|| ApiError::missing_field("proficiency"))?;
    if !(0.0..=5.0).contains(&proficiency) {
        return Err(ApiError::invalid_value(
            "proficiency",
            format!("Value [{proficiency}] is not valid: proficiency is 0 to 5."),
        ));
    }
    let proficiency = if kind == Kind::Language {
        proficiency.round()
    } else {
        proficiency
    };
    Ok(Assignment { id, proficiency })
}

fn upsert(list: &mut Vec<Assignment>, assignment: Assignment) {
    match list
        .iter_mut()
        .find(|existing| existing.id == assignment.id)
    {
        Some(existing) => existing.proficiency = assignment.proficiency,
        None => list.push(assignment),
    }
}

fn sorted(
    state: &OrgState,
    kind: Kind,
    user_id: Uuid,
    list: &[Assignment],
    reverse: bool,
) -> Vec<Value> {
    let mut list: Vec<&Assignment> = list.iter().collect();
    list.sort_by_cached_key(|assignment| (kind.name_of(state, assignment.id), assignment.id));
    if reverse {
        list.reverse();
    }
    list.into_iter()
        .map(|assignment| kind.render(state, user_id, assignment))
        .collect()
}

fn list_of(ctx: &Ctx, kind: Kind, id: &str) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let state = ctx.read();
    let user_id = live_user(&state, id)?;
    let user = state
        .users
        .get(user_id)
        .expect("checked above under the same lock");
    let list = if kind == Kind::Skill {
        &user.skills
    } else {
        &user.languages
    };
    let all = sorted(&state, kind, user_id, list, descending(&ctx.query));
    let entities: Vec<String> = all[page.range(all.len())]
        .iter()
        .map(Value::to_string)
        .collect();
    Ok(render_page(
        &ctx.path,
        &ctx.query,
        page,
        all.len(),
        Envelope::Full,
        &entities,
    ))
}

fn bulk(
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    body: &[AssignmentWrite],
    replace: bool,
) -> Result<Response, ApiError> {
    if !replace && body.len() > MAX_BULK {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_BULK} {}s may be sent per request.",
            kind.name()
        )));
    }
    let mut state = ctx.write();
    let user_id = live_user(&state, id)?;
    let assignments = body
        .iter()
        .map(|write| parse_assignment(&state, kind, write, None))
        .collect::<Result<Vec<_>, _>>()?;
    let list = kind.list(&mut state, user_id);
    if replace {
        list.clear();
    }
    for assignment in assignments {
        upsert(list, assignment);
    }
    let list = list.clone();
    Ok(single_page(
        &ctx.path,
        &sorted(&state, kind, user_id, &list, false),
    ))
}

fn add_one(
    ctx: &Ctx,
    kind: Kind,
    id: &str,
    write: &AssignmentWrite,
    path_id: Option<&str>,
) -> Result<Response, ApiError> {
    let mut state = ctx.write();
    let user_id = live_user(&state, id)?;
    let assignment = parse_assignment(&state, kind, write, path_id)?;
    upsert(kind.list(&mut state, user_id), assignment);
    Ok(json(&kind.render(&state, user_id, &assignment)))
}

fn remove_one(ctx: &Ctx, kind: Kind, id: &str, item: &str) -> Result<Response, ApiError> {
    let item_id = parse_id(item, kind.name())?;
    let mut state = ctx.write();
    let user_id = live_user(&state, id)?;
    let list = kind.list(&mut state, user_id);
    let before = list.len();
    list.retain(|assignment| assignment.id != item_id);
    if list.len() == before {
        return Err(ApiError::not_found(kind.name(), item));
    }
    Ok(void())
}

/// `GET /api/v2/users/{userId}/routingskills`.
pub async fn skills(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    list_of(&ctx, Kind::Skill, &id)
}

/// `POST /api/v2/users/{userId}/routingskills`: add or update one.
pub async fn add_skill(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, Kind::Skill, &id, &body, None)
}

/// `PATCH /api/v2/users/{userId}/routingskills/bulk`: add or update, keep the others.
pub async fn patch_skills(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<AssignmentWrite>>,
) -> Result<Response, ApiError> {
    bulk(&ctx, Kind::Skill, &id, &body, false)
}

/// `PUT /api/v2/users/{userId}/routingskills/bulk`: replace the whole set.
pub async fn replace_skills(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<AssignmentWrite>>,
) -> Result<Response, ApiError> {
    bulk(&ctx, Kind::Skill, &id, &body, true)
}

/// `PUT /api/v2/users/{userId}/routingskills/{skillId}`: set one proficiency.
pub async fn put_skill(
    ctx: Ctx,
    Path((id, skill)): Path<(String, String)>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, Kind::Skill, &id, &body, Some(&skill))
}

/// `DELETE /api/v2/users/{userId}/routingskills/{skillId}`.
pub async fn delete_skill(
    ctx: Ctx,
    Path((id, skill)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    remove_one(&ctx, Kind::Skill, &id, &skill)
}

/// `GET /api/v2/users/{userId}/routinglanguages`.
pub async fn languages(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    list_of(&ctx, Kind::Language, &id)
}

/// `POST /api/v2/users/{userId}/routinglanguages`.
pub async fn add_language(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, Kind::Language, &id, &body, None)
}

/// `PATCH /api/v2/users/{userId}/routinglanguages/bulk` (at most 50).
pub async fn patch_languages(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<AssignmentWrite>>,
) -> Result<Response, ApiError> {
    bulk(&ctx, Kind::Language, &id, &body, false)
}

/// `PATCH /api/v2/users/{userId}/routinglanguages/{languageId}`.
pub async fn patch_language(
    ctx: Ctx,
    Path((id, language)): Path<(String, String)>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, Kind::Language, &id, &body, Some(&language))
}

/// `DELETE /api/v2/users/{userId}/routinglanguages/{languageId}`.
pub async fn delete_language(
    ctx: Ctx,
    Path((id, language)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    remove_one(&ctx, Kind::Language, &id, &language)
}

/// `GET /api/v2/users/{userId}/queues` (`joined` default true; `divisionId`).
pub async fn queues(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let joined = ctx.query.bool("joined")?.unwrap_or(true);
    let divisions = parse_ids(&ctx.query.list("divisionId"), "divisionId")?;
    let state = ctx.read();
    let user_id = live_user(&state, &id)?;
    let mut found: Vec<(String, Value)> = Vec::new();
    for queue in &state.queues {
        if !divisions.is_empty() && !divisions.contains(&queue.division_id) {
            continue;
        }
        let membership = queues::memberships(&state, queue)
            .into_iter()
            .find(|member| member.user_id == user_id);
        if let Some(membership) = membership
            && membership.joined == joined
        {
            let mut value = render::queue(&state, queue);
            value.insert("joined".into(), Value::Bool(membership.joined));
            found.push((queue.name.to_lowercase(), Value::Object(value)));
        }
    }
    found.sort_by(|(a, _), (b, _)| a.cmp(b));
    let total = found.len();
    let entities: Vec<String> = found[page.range(total)]
        .iter()
        .map(|(_, value)| value.to_string())
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

/// `UserQueue` as written: `{id, joined}`.
#[derive(Debug, Deserialize)]
pub struct UserQueueWrite {
    id: Option<String>,
    joined: Option<bool>,
}

/// `PATCH /api/v2/users/{userId}/queues`: join/unjoin existing memberships; non-member
/// pairs are ignored. Answers the changed queues.
pub async fn join_queues(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<UserQueueWrite>>,
) -> Result<Response, ApiError> {
    let mut state = ctx.write();
    let user_id = live_user(&state, &id)?;
    let mut changed = Vec::new();
    for write in &body {
        let (Some(queue_id), Some(joined)) = (write.id.as_deref(), write.joined) else {
            continue;
        };
        let Ok(queue_id) = Uuid::parse_str(queue_id) else {
            continue;
        };
        // Unknown queues are ignored like queues the user is not a member of.
        let set = queues::set_joined(&mut state, queue_id, &[(user_id, joined)]);
        if set.unwrap_or_default().is_empty() {
            continue;
        }
        changed.push(queue_id);
    }
    let entities: Vec<Value> = changed
        .iter()
        .filter_map(|queue_id| state.queues.get(*queue_id))
        .map(|queue| {
            let joined = queues::memberships(&state, queue)
                .into_iter()
                .find(|member| member.user_id == user_id)
                .is_some_and(|member| member.joined);
            let mut value = render::queue(&state, queue);
            value.insert("joined".into(), Value::Bool(joined));
            Value::Object(value)
        })
        .collect();
    Ok(single_page(&ctx.path, &entities))
}
