//! Teams: cursor-paged list, get, create, PATCH, hard delete; members (cursor paged, add
//! with partial success in a 200, remove by `?id=a,b`).
//!
//! Decisions on UNCONFIRMED points:
//! - a user belongs to at most one team: adding a user to team B moves them out of team A
//!   (the add succeeds; no `UserGroupLimitExceeded` failure);
//! - team names are unique case-insensitively: a duplicate answers `409 general.conflict`;
//! - at most [`MAX_MEMBERS_PER_CALL`] ids per add;
//! - the cursor inside `nextUri` (`after=...`) is an opaque base64 token.

use axum::extract::Path;
use axum::response::Response;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::wrapupcodes::{DivisionRef, resolve_division};
use super::{Body, Ctx, parse_id, parse_ids, prefix_match, same_name, void};
use crate::error::ApiError;
use crate::paging::{DEFAULT_PAGE_SIZE, MAX_CURSOR_PAGE_SIZE, json, render_cursor_page};
use crate::query::Query;
use crate::render;
use crate::store::{EntityState, OrgState, Team, TeamMember};

/// Most ids one `POST /teams/{id}/members` may name.
pub const MAX_MEMBERS_PER_CALL: usize = 100;

/// `Team` as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamWrite {
    name: Option<String>,
    division: Option<DivisionRef>,
    description: Option<String>,
}

/// `TeamMembers`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMembers {
    member_ids: Option<Vec<String>>,
}

fn encode_cursor(seq: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seq.to_string())
}

fn decode_cursor(text: &str) -> Result<u64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| ApiError::bad_request(format!("The cursor [{text}] is not valid.")))
}

/// Cuts one cursor page out of `seqs` (ascending): the indexes to show, and the cursors of
/// the next and previous pages.
fn cursor_window(query: &Query, seqs: &[u64]) -> Result<(std::ops::Range<usize>, usize), ApiError> {
    let size = query
        .int("pageSize")?
        .map_or(DEFAULT_PAGE_SIZE, |size| size as usize);
    if !(1..=MAX_CURSOR_PAGE_SIZE).contains(&size) {
        return Err(ApiError::bad_request(format!(
            "The pageSize [{size}] is not valid: it must be between 1 and {MAX_CURSOR_PAGE_SIZE}."
        )));
    }
    let range = if let Some(after) = query.get("after") {
        let after = decode_cursor(after)?;
        let start = seqs.partition_point(|&seq| seq <= after);
        start..(start + size).min(seqs.len())
    } else if let Some(before) = query.get("before") {
        let before = decode_cursor(before)?;
        let end = seqs.partition_point(|&seq| seq < before);
        end.saturating_sub(size)..end
    } else {
        0..size.min(seqs.len())
    };
    Ok((range, size))
}

fn cursor_links(seqs: &[u64], range: &std::ops::Range<usize>) -> (Option<String>, Option<String>) {
    let next =
        (range.end < seqs.len() && range.end > 0).then(|| encode_cursor(seqs[range.end - 1]));
    let previous =
        (range.start > 0 && range.start < seqs.len()).then(|| encode_cursor(seqs[range.start]));
    (next, previous)
}

fn team_json(state: &OrgState, team: &Team, expand_division: bool) -> Value {
    let mut value = render::team(state, team);
    if !expand_division
        && let Some(division) = value.get_mut("division").and_then(Value::as_object_mut)
    {
        // Without `expand=entities.division` the division is a bare reference.
        division.remove("name");
    }
    value
}

fn check_name(state: &OrgState, name: &str, except: Option<Uuid>) -> Result<(), ApiError> {
    if state
        .teams
        .iter()
        .any(|team| Some(team.id) != except && same_name(&team.name, name))
    {
        return Err(ApiError::conflict(format!(
            "A team with the name [{name}] already exists."
        )));
    }
    Ok(())
}

fn required_name(name: Option<String>) -> Result<String, ApiError> {
    match name.map(|name| name.trim().to_owned()) {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(ApiError::missing_field("name")),
    }
}

/// `GET /api/v2/teams` (cursor paged; `name` = starts with; `expand=entities.division`).
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let name = ctx.query.get("name").map(str::to_owned);
    let expand = ctx
        .query
        .list("expand")
        .iter()
        .any(|value| value == "entities.division");
    let state = ctx.read();
    let teams: Vec<&Team> = state
        .teams
        .iter()
        .filter(|team| {
            name.as_deref()
                .is_none_or(|name| prefix_match(name, &team.name))
        })
        .collect();
    let seqs: Vec<u64> = teams.iter().map(|team| team.seq).collect();
    let (range, size) = cursor_window(&ctx.query, &seqs)?;
    let (next, previous) = cursor_links(&seqs, &range);
    let entities: Vec<String> = teams[range]
        .iter()
        .map(|team| team_json(&state, team, expand).to_string())
        .collect();
    Ok(render_cursor_page(
        &ctx.path,
        &ctx.query,
        size,
        &entities,
        next.as_deref(),
        previous.as_deref(),
    ))
}

/// `GET /api/v2/teams/{teamId}`.
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    let expand = ctx.query.get("expand").is_some();
    let state = ctx.read();
    let team = state
        .teams
        .get(team_id)
        .ok_or_else(|| ApiError::not_found("team", &id))?;
    Ok(json(&team_json(&state, team, expand)))
}

/// `POST /api/v2/teams`.
pub async fn create(ctx: Ctx, Body(body): Body<TeamWrite>) -> Result<Response, ApiError> {
    let name = required_name(body.name)?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    check_name(&state, &name, None)?;
    let division_id = resolve_division(&state, body.division.as_ref())?;
    let seq = state.next_seq();
    let team = Team {
        id: Uuid::new_v4(),
        name,
        division_id,
        description: body.description,
        date_created: timestamp.clone(),
        date_modified: timestamp,
        seq,
        members: Vec::new(),
    };
    let response = json(&team_json(&state, &team, true));
    state.teams.insert(team);
    Ok(response)
}

/// `PATCH /api/v2/teams/{teamId}` with a `Team` body (`name` required).
pub async fn patch(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<TeamWrite>,
) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    let name = required_name(body.name)?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    if state.teams.get(team_id).is_none() {
        return Err(ApiError::not_found("team", &id));
    }
    check_name(&state, &name, Some(team_id))?;
    let division_id = match body.division {
        Some(division) => Some(resolve_division(&state, Some(&division))?),
        None => None,
    };
    let team = state
        .teams
        .get_mut(team_id)
        .expect("checked above under the same lock");
    team.name = name;
    if let Some(division_id) = division_id {
        team.division_id = division_id;
    }
    if body.description.is_some() {
        team.description = body.description;
    }
    team.date_modified = timestamp;
    let team = state
        .teams
        .get(team_id)
        .expect("checked above under the same lock");
    Ok(json(&team_json(&state, team, true)))
}

/// `DELETE /api/v2/teams/{teamId}`: hard delete; members become team-less.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    let mut state = ctx.write();
    let team = state
        .teams
        .remove(team_id)
        .ok_or_else(|| ApiError::not_found("team", &id))?;
    for member in team.members {
        if let Some(user) = state.users.get_mut(member.user_id) {
            user.team_id = None;
        }
    }
    Ok(void())
}

/// `GET /api/v2/teams/{teamId}/members` (cursor paged; `expand=entities` adds names).
pub async fn members(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    let with_names = ctx
        .query
        .get("expand")
        .is_some_and(|expand| expand.split(',').any(|value| value == "entities"));
    let state = ctx.read();
    let team = state
        .teams
        .get(team_id)
        .ok_or_else(|| ApiError::not_found("team", &id))?;
    let seqs: Vec<u64> = team.members.iter().map(|member| member.seq).collect();
    let (range, size) = cursor_window(&ctx.query, &seqs)?;
    let (next, previous) = cursor_links(&seqs, &range);
    let entities: Vec<String> = team.members[range]
        .iter()
        .map(|member| {
            let mut value = render::user_ref(member.user_id);
            if with_names && let Some(user) = state.users.get(member.user_id) {
                value["name"] = json!(user.name);
            }
            value.to_string()
        })
        .collect();
    Ok(render_cursor_page(
        &ctx.path,
        &ctx.query,
        size,
        &entities,
        next.as_deref(),
        previous.as_deref(),
    ))
}

/// `POST /api/v2/teams/{teamId}/members` `{memberIds}` → 200 `{entities, failures}`.
pub async fn add_members(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<TeamMembers>,
) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    let ids = body
        .member_ids
        .ok_or_else(|| ApiError::missing_field("memberIds"))?;
    if ids.len() > MAX_MEMBERS_PER_CALL {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_MEMBERS_PER_CALL} member ids per request."
        )));
    }
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    if state.teams.get(team_id).is_none() {
        return Err(ApiError::not_found("team", &id));
    }
    let mut added = Vec::new();
    let mut failures = Vec::new();
    for raw in ids {
        let user_id = Uuid::parse_str(&raw).ok().filter(|id| {
            state
                .users
                .get(*id)
                .is_some_and(|user| user.state != EntityState::Deleted)
        });
        let Some(user_id) = user_id else {
            failures.push(json!({ "id": raw, "reason": "UserNotFound" }));
            continue;
        };
        let previous = state.users.get(user_id).and_then(|user| user.team_id);
        if previous != Some(team_id) {
            if let Some(old) = previous.and_then(|old| state.teams.get_mut(old)) {
                old.members.retain(|member| member.user_id != user_id);
                old.date_modified.clone_from(&timestamp);
            }
            let seq = state.next_seq();
            let team = state
                .teams
                .get_mut(team_id)
                .expect("checked above under the same lock");
            team.members.push(TeamMember { user_id, seq });
            if let Some(user) = state.users.get_mut(user_id) {
                user.team_id = Some(team_id);
            }
        }
        added.push(render::user_ref(user_id));
    }
    if let Some(team) = state.teams.get_mut(team_id) {
        team.date_modified = timestamp;
    }
    Ok(json(&json!({ "entities": added, "failures": failures })))
}

/// `DELETE /api/v2/teams/{teamId}/members?id=a,b`: ids that are not members are ignored.
pub async fn remove_members(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    let ids = parse_ids(&ctx.query.list("id"), "id")?;
    if ids.is_empty() {
        return Err(ApiError::missing_field("id"));
    }
    let mut state = ctx.write();
    let team = state
        .teams
        .get_mut(team_id)
        .ok_or_else(|| ApiError::not_found("team", &id))?;
    team.members.retain(|member| !ids.contains(&member.user_id));
    for user_id in ids {
        if let Some(user) = state.users.get_mut(user_id)
            && user.team_id == Some(team_id)
        {
            user.team_id = None;
        }
    }
    Ok(void())
}
