//! Teams: cursor-paged list, get, create, PATCH, hard delete; members (cursor paged, add
//! with partial success in a 200, remove by `?id=a,b`).
//!
//! Decisions on UNCONFIRMED points (the rules themselves are in [`crate::org::teams`]):
//! - a duplicate name answers `409 general.conflict`;
//! - at most [`MAX_MEMBERS_PER_CALL`] ids per add;
//! - the cursor inside `nextUri` (`after=...`) is an opaque base64 token.

use axum::extract::Path;
use axum::response::Response;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::wrapupcodes::DivisionRef;
use super::{Body, Ctx, name_sent, parse_id, parse_ids, prefix_match};
use crate::error::ApiError;
use crate::org::teams::{self, MemberFailure, TeamDefinition, TeamMoves};
use crate::paging::{DEFAULT_PAGE_SIZE, MAX_CURSOR_PAGE_SIZE, json, render_cursor_page};
use crate::query::Query;
use crate::render;
use crate::store::{OrgState, Team};

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

fn definition(body: TeamWrite) -> Result<TeamDefinition, ApiError> {
    Ok(TeamDefinition {
        name: name_sent(body.name)?,
        division_id: DivisionRef::id(body.division.as_ref())?,
        description: body.description,
    })
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
    let definition = definition(body)?;
    let at = ctx.stamp();
    let id = Uuid::new_v4();
    let mut state = ctx.write();
    teams::create(&mut state, &at, id, &definition)?;
    let team = state
        .teams
        .get(id)
        .expect("created above under the same lock");
    Ok(json(&team_json(&state, team, true)))
}

/// `PATCH /api/v2/teams/{teamId}` with a `Team` body (`name` required).
pub async fn patch(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<TeamWrite>,
) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    let definition = definition(body)?;
    let at = ctx.stamp();
    let mut state = ctx.write();
    teams::update(&mut state, &at, team_id, &definition)?;
    let team = state
        .teams
        .get(team_id)
        .expect("updated above under the same lock");
    Ok(json(&team_json(&state, team, true)))
}

/// `DELETE /api/v2/teams/{teamId}`: hard delete; members become team-less.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let team_id = parse_id(&id, "team")?;
    teams::delete(&mut ctx.write(), team_id)?;
    Ok(ctx.void())
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
    let parsed: Vec<Option<Uuid>> = ids.iter().map(|raw| Uuid::parse_str(raw).ok()).collect();
    let valid: Vec<Uuid> = parsed.iter().flatten().copied().collect();
    let at = ctx.stamp();
    let moves = if ctx.faults().move_between_teams {
        TeamMoves::Move
    } else {
        TeamMoves::Refuse
    };
    let failed = teams::add_members(&mut ctx.write(), &at, team_id, &valid, moves)?;
    let mut added = Vec::new();
    let mut failures = Vec::new();
    for (raw, parsed) in ids.iter().zip(parsed) {
        let Some(user_id) = parsed else {
            failures.push(json!({ "id": raw, "reason": MemberFailure::UserNotFound.reason() }));
            continue;
        };
        match failed.iter().find(|(failed, _)| *failed == user_id) {
            Some((_, why)) => failures.push(json!({ "id": raw, "reason": why.reason() })),
            None => added.push(render::user_ref(user_id)),
        }
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
    teams::remove_members(&mut ctx.write(), team_id, &ids)?;
    Ok(ctx.void())
}
