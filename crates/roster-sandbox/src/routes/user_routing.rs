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

use super::{Body, Ctx, body_id, descending, parse_id, parse_ids, single_page};
use crate::error::ApiError;
use crate::org::queues;
use crate::org::users::{self, AssignmentKind};
use crate::paging::{Envelope, MAX_PAGE_SIZE, PageRequest, json, render_page};
use crate::render;
use crate::store::{Assignment, OrgState};

/// Most entries of one bulk PATCH.
pub const MAX_BULK: usize = 50;

/// `UserRoutingSkillPost` / `UserRoutingLanguagePost` / `UserRoutingSkill` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentWrite {
    id: Option<String>,
    proficiency: Option<f64>,
}

/// The API's word for a kind of assignment (`At most 50 skills ...`).
fn noun(kind: AssignmentKind) -> &'static str {
    kind.object().as_str()
}

fn render_assignment(
    state: &OrgState,
    kind: AssignmentKind,
    user_id: Uuid,
    assignment: &Assignment,
) -> Value {
    match kind {
        AssignmentKind::Skill => render::user_skill(state, user_id, assignment),
        AssignmentKind::Language => render::user_language(state, user_id, assignment),
    }
}

/// The lowercase name of an assigned skill or language (the sort key of lists).
fn name_of(state: &OrgState, kind: AssignmentKind, id: Uuid) -> String {
    match kind {
        AssignmentKind::Skill => state.skills.get(id).map(|skill| skill.name.to_lowercase()),
        AssignmentKind::Language => state
            .languages
            .get(id)
            .map(|language| language.name.to_lowercase()),
    }
    .unwrap_or_default()
}

/// Decodes `{id, proficiency}`; the id may come from the path instead.
fn decode_assignment(write: &AssignmentWrite, id: Option<&str>) -> Result<(Uuid, f64), ApiError> {
    let raw = id
        .or(write.id.as_deref())
        .ok_or_else(|| ApiError::missing_field("id"))?;
    let id = body_id(raw, "id")?;
    let proficiency = write
        .proficiency
        .ok_or_else(|| ApiError::missing_field("proficiency"))?;
    Ok((id, proficiency))
}

fn sorted(
    state: &OrgState,
    kind: AssignmentKind,
    user_id: Uuid,
    list: &[Assignment],
    reverse: bool,
) -> Vec<Value> {
    let mut list: Vec<&Assignment> = list.iter().collect();
    list.sort_by_cached_key(|assignment| (name_of(state, kind, assignment.id), assignment.id));
    if reverse {
        list.reverse();
    }
    list.into_iter()
        .map(|assignment| render_assignment(state, kind, user_id, assignment))
        .collect()
}

fn list_of(ctx: &Ctx, kind: AssignmentKind, id: &str) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let user_id = parse_id(id, "user")?;
    let state = ctx.read();
    let user = users::live_user(&state, user_id)?;
    let all = sorted(&state, kind, user_id, kind.of(user), descending(&ctx.query));
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
    kind: AssignmentKind,
    id: &str,
    body: &[AssignmentWrite],
    replace: bool,
) -> Result<Response, ApiError> {
    if !replace && body.len() > MAX_BULK {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_BULK} {}s may be sent per request.",
            noun(kind)
        )));
    }
    let user_id = parse_id(id, "user")?;
    let wanted = body
        .iter()
        .map(|write| decode_assignment(write, None))
        .collect::<Result<Vec<_>, _>>()?;
    let mut state = ctx.write();
    let list = users::assign(&mut state, user_id, kind, &wanted, replace)?;
    Ok(single_page(
        &ctx.path,
        &sorted(&state, kind, user_id, &list, false),
    ))
}

fn add_one(
    ctx: &Ctx,
    kind: AssignmentKind,
    id: &str,
    write: &AssignmentWrite,
    path_id: Option<&str>,
) -> Result<Response, ApiError> {
    let user_id = parse_id(id, "user")?;
    let wanted = decode_assignment(write, path_id)?;
    let mut state = ctx.write();
    let list = users::assign(&mut state, user_id, kind, &[wanted], false)?;
    let assignment = list
        .iter()
        .find(|assignment| assignment.id == wanted.0)
        .expect("assigned above under the same lock");
    Ok(json(&render_assignment(&state, kind, user_id, assignment)))
}

fn remove_one(ctx: &Ctx, kind: AssignmentKind, id: &str, item: &str) -> Result<Response, ApiError> {
    let item_id = parse_id(item, noun(kind))?;
    let user_id = parse_id(id, "user")?;
    users::unassign(&mut ctx.write(), user_id, kind, item_id)?;
    Ok(ctx.void())
}

/// `GET /api/v2/users/{userId}/routingskills`.
pub async fn skills(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    list_of(&ctx, AssignmentKind::Skill, &id)
}

/// `POST /api/v2/users/{userId}/routingskills`: add or update one.
pub async fn add_skill(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, AssignmentKind::Skill, &id, &body, None)
}

/// `PATCH /api/v2/users/{userId}/routingskills/bulk`: add or update, keep the others.
pub async fn patch_skills(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<AssignmentWrite>>,
) -> Result<Response, ApiError> {
    bulk(&ctx, AssignmentKind::Skill, &id, &body, false)
}

/// `PUT /api/v2/users/{userId}/routingskills/bulk`: replace the whole set.
pub async fn replace_skills(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<AssignmentWrite>>,
) -> Result<Response, ApiError> {
    bulk(&ctx, AssignmentKind::Skill, &id, &body, true)
}

/// `PUT /api/v2/users/{userId}/routingskills/{skillId}`: set one proficiency.
pub async fn put_skill(
    ctx: Ctx,
    Path((id, skill)): Path<(String, String)>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, AssignmentKind::Skill, &id, &body, Some(&skill))
}

/// `DELETE /api/v2/users/{userId}/routingskills/{skillId}`.
pub async fn delete_skill(
    ctx: Ctx,
    Path((id, skill)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    remove_one(&ctx, AssignmentKind::Skill, &id, &skill)
}

/// `GET /api/v2/users/{userId}/routinglanguages`.
pub async fn languages(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    list_of(&ctx, AssignmentKind::Language, &id)
}

/// `POST /api/v2/users/{userId}/routinglanguages`.
pub async fn add_language(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, AssignmentKind::Language, &id, &body, None)
}

/// `PATCH /api/v2/users/{userId}/routinglanguages/bulk` (at most 50).
pub async fn patch_languages(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<AssignmentWrite>>,
) -> Result<Response, ApiError> {
    bulk(&ctx, AssignmentKind::Language, &id, &body, false)
}

/// `PATCH /api/v2/users/{userId}/routinglanguages/{languageId}`.
pub async fn patch_language(
    ctx: Ctx,
    Path((id, language)): Path<(String, String)>,
    Body(body): Body<AssignmentWrite>,
) -> Result<Response, ApiError> {
    add_one(&ctx, AssignmentKind::Language, &id, &body, Some(&language))
}

/// `DELETE /api/v2/users/{userId}/routinglanguages/{languageId}`.
pub async fn delete_language(
    ctx: Ctx,
    Path((id, language)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    remove_one(&ctx, AssignmentKind::Language, &id, &language)
}

/// `GET /api/v2/users/{userId}/queues` (`joined` default true; `divisionId`).
pub async fn queues(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let joined = ctx.query.bool("joined")?.unwrap_or(true);
    let divisions = parse_ids(&ctx.query.list("divisionId"), "divisionId")?;
    let user_id = parse_id(&id, "user")?;
    let state = ctx.read();
    users::live_user(&state, user_id)?;
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
    let user_id = parse_id(&id, "user")?;
    let mut state = ctx.write();
    users::live_user(&state, user_id)?;
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
