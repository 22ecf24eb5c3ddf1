//! Queues: list, get, create, PUT (full replacement), hard delete; members (list without
//! totals, add/remove up to 100, join/unjoin) and queue wrap-up codes.
//!
//! Decisions on UNCONFIRMED points (the rules themselves are in [`crate::org::queues`]):
//! - a duplicate name answers `400 duplicate.name` on create as on PUT;
//! - `memberGroups` entries must be of type `GROUP` (the sandbox has no team or skill-group
//!   membership of queues).

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    Body, Ctx, body_id, descending, name_sent, optional_id, parse_id, parse_ids, wildcard_match,
};
use crate::error::ApiError;
use crate::org::queues::{self, Membership, QueueDefinition};
use crate::paging::{
    Envelope, MAX_PAGE_SIZE, MAX_QUEUE_MEMBER_PAGE_SIZE, PageRequest, json, render_page,
};
use crate::query::Query;
use crate::render::{self, Expand};
use crate::store::{OrgState, Queue};

/// Most members one `POST`/`PATCH .../members` call may name.
pub const MAX_MEMBERS_PER_CALL: usize = 100;
/// Most wrap-up codes one `POST .../wrapupcodes` call may name.
pub const MAX_WRAPUP_CODES_PER_CALL: usize = 100;

/// `Queue` fields kept verbatim (besides those the sandbox interprets).
const SETTINGS: &[&str] = &[
    "mediaSettings",
    "routingRules",
    "conditionalGroupRouting",
    "conditionalGroupActivation",
    "bullseye",
    "scoringMethod",
    "lastAgentRoutingMode",
    "acwSettings",
    "skillEvaluationMethod",
    "queueFlow",
    "emailInQueueFlow",
    "messageInQueueFlow",
    "whisperPrompt",
    "onHoldPrompt",
    "defaultMediaLanguage",
    "autoAnswerOnly",
    "cannedResponseLibraries",
    "enableTranscription",
    "enableAudioMonitoring",
    "enableManualAssignment",
    "agentOwnedRouting",
    "directRouting",
    "callingPartyName",
    "callingPartyNumber",
    "defaultScripts",
    "outboundMessagingAddresses",
    "outboundEmailAddress",
    "peerId",
    "suppressInQueueCallRecording",
];

/// Decodes a create or PUT body.
fn definition(body: Map<String, Value>) -> Result<QueueDefinition, ApiError> {
    let name = name_sent(body.get("name").and_then(Value::as_str).map(str::to_owned))?;
    let division = body
        .get("division")
        .and_then(|division| division.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut member_groups = Vec::new();
    if let Some(groups) = body.get("memberGroups").and_then(Value::as_array) {
        for group in groups {
            let kind = group.get("type").and_then(Value::as_str).unwrap_or("GROUP");
            if kind != "GROUP" {
                return Err(ApiError::invalid_value(
                    "memberGroups.type",
                    format!(
                        "Value [{kind}] is not supported by the sandbox. Allowable values are: GROUP"
                    ),
                ));
            }
            let id = group.get("id").and_then(Value::as_str).unwrap_or_default();
            member_groups.push(body_id(id, "memberGroups.id")?);
        }
    }
    let mut settings = Map::new();
    for (key, value) in body {
        if SETTINGS.contains(&key.as_str()) && !value.is_null() {
            settings.insert(key, value);
        }
    }
    Ok(QueueDefinition {
        name,
        division_id: optional_id(division.as_deref(), "division.id")?,
        description,
        member_groups,
        settings,
    })
}

fn queue_json(state: &OrgState, queue: &Queue) -> Value {
    Value::Object(render::queue(state, queue))
}

/// `GET /api/v2/routing/queues` (`name` with `*` wildcards, `id`, `divisionId`; sorted by name).
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let ids = parse_ids(&ctx.query.list("id"), "id")?;
    let divisions = parse_ids(&ctx.query.list("divisionId"), "divisionId")?;
    let name = ctx.query.get("name").map(str::to_owned);
    let now = ctx.now_ms();
    let state = ctx.read();
    let items = state
        .queues
        .iter()
        .filter(|queue| queue.listed_from_ms <= now)
        .filter(|queue| ids.is_empty() || ids.contains(&queue.id))
        .filter(|queue| divisions.is_empty() || divisions.contains(&queue.division_id))
        .filter(|queue| {
            name.as_deref()
                .is_none_or(|name| wildcard_match(name, &queue.name))
        })
        .collect();
    super::list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |queue| (queue.name.clone(), queue.id),
        |queue| queue_json(&state, queue),
    )
}

/// `GET /api/v2/routing/queues/{queueId}`.
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let queue_id = parse_id(&id, "queue")?;
    let state = ctx.read();
    let queue = state
        .queues
        .get(queue_id)
        .ok_or_else(|| ApiError::not_found("queue", &id))?;
    Ok(json(&queue_json(&state, queue)))
}

/// `POST /api/v2/routing/queues` (`CreateQueueRequest`).
pub async fn create(ctx: Ctx, Body(body): Body<Map<String, Value>>) -> Result<Response, ApiError> {
    let definition = definition(body)?;
    let at = ctx.stamp();
    let id = Uuid::new_v4();
    let mut state = ctx.write();
    queues::create(&mut state, &at, id, &definition)?;
    let queue = state
        .queues
        .get(id)
        .expect("created above under the same lock");
    Ok(json(&queue_json(&state, queue)))
}

/// `PUT /api/v2/routing/queues/{queueId}` (`QueueRequest`): full replacement.
pub async fn update(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let queue_id = parse_id(&id, "queue")?;
    let definition = definition(body)?;
    let at = ctx.stamp();
    let mut state = ctx.write();
    queues::replace(&mut state, &at, queue_id, &definition)?;
    let queue = state
        .queues
        .get(queue_id)
        .expect("replaced above under the same lock");
    Ok(json(&queue_json(&state, queue)))
}

/// `DELETE /api/v2/routing/queues/{queueId}`: hard delete.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let queue_id = parse_id(&id, "queue")?;
    queues::delete(&mut ctx.write(), queue_id)?;
    Ok(ctx.void())
}

fn member_json(state: &OrgState, membership: &Membership, expand: Expand) -> Option<String> {
    let user = state.users.get(membership.user_id)?;
    let user_json = render::user(state, user, expand);
    let head = json!({
        "id": user.id,
        "name": user.name,
        "ringNumber": membership.ring_number,
        "joined": membership.joined,
        "memberBy": if membership.by_group { "group" } else { "user" },
    })
    .to_string();
    // `{"id":..,...}` + `,"user":{...}}`
    Some(format!(
        "{},\"user\":{user_json}}}",
        &head[..head.len() - 1]
    ))
}

fn queue_or_404<'a>(state: &'a OrgState, id: &str) -> Result<&'a Queue, ApiError> {
    Ok(queues::existing(state, parse_id(id, "queue")?)?)
}

/// `GET /api/v2/routing/queues/{queueId}/members` (`QueueMemberEntityListing`: no total).
pub async fn members(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_QUEUE_MEMBER_PAGE_SIZE)?;
    let member_by = ctx.query.get("memberBy").map(str::to_owned);
    if let Some(value) = member_by.as_deref()
        && value != "user"
        && value != "group"
    {
        return Err(ApiError::invalid_value(
            "memberBy",
            format!("Value [{value}] is not valid. Allowable values are: user, group"),
        ));
    }
    let joined = ctx.query.bool("joined")?;
    let name = ctx.query.get("name").map(str::to_lowercase);
    let expand = Expand::parse(&ctx.query.list("expand"));
    let state = ctx.read();
    let queue = queue_or_404(&state, &id)?;
    let mut listed: Vec<(String, Membership)> = queues::memberships(&state, queue)
        .into_iter()
        .filter(|member| {
            member_by
                .as_deref()
                .is_none_or(|by| (by == "group") == member.by_group)
        })
        .filter(|member| joined.is_none_or(|joined| joined == member.joined))
        .filter_map(|member| {
            state
                .users
                .get(member.user_id)
                .map(|user| (user.name.to_lowercase(), member))
        })
        .filter(|(user_name, _)| name.as_deref().is_none_or(|name| user_name.contains(name)))
        .collect();
    listed.sort_by(|(a, left), (b, right)| a.cmp(b).then(left.user_id.cmp(&right.user_id)));
    if descending(&ctx.query) {
        listed.reverse();
    }
    let total = listed.len();
    let entities: Vec<String> = listed[page.range(total)]
        .iter()
        .filter_map(|(_, member)| member_json(&state, member, expand))
        .collect();
    Ok(render_page(
        &ctx.path,
        &ctx.query,
        page,
        total,
        Envelope::QueueMembers,
        &entities,
    ))
}

/// `WritableEntity` / `QueueMember` as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberWrite {
    id: Option<String>,
    joined: Option<bool>,
    ring_number: Option<u32>,
}

fn member_ids(body: &[MemberWrite]) -> Result<Vec<Uuid>, ApiError> {
    if body.len() > MAX_MEMBERS_PER_CALL {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_MEMBERS_PER_CALL} members may be changed per request; got {}.",
            body.len()
        )));
    }
    let ids: Vec<String> = body
        .iter()
        .map(|member| member.id.clone().unwrap_or_default())
        .collect();
    parse_ids(&ids, "id")
}

/// `POST /api/v2/routing/queues/{queueId}/members` with `[{id}]`; `?delete=true` removes.
pub async fn add_or_remove_members(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<MemberWrite>>,
) -> Result<Response, ApiError> {
    let remove = ctx.query.bool("delete")?.unwrap_or(false);
    let ids = member_ids(&body)?;
    let queue_id = parse_id(&id, "queue")?;
    let at = ctx.stamp();
    let mut state = ctx.write();
    if remove {
        queues::remove_members(&mut state, &at, queue_id, &ids)?;
    } else {
        queues::add_members(&mut state, &at, queue_id, &ids)?;
    }
    Ok(ctx.void())
}

/// `PATCH /api/v2/routing/queues/{queueId}/members`: join/unjoin up to 100 members;
/// non-members are ignored. Answers the changed members.
pub async fn join_members(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<MemberWrite>>,
) -> Result<Response, ApiError> {
    let ids = member_ids(&body)?;
    let queue_id = parse_id(&id, "queue")?;
    let wanted: Vec<(Uuid, bool)> = ids
        .iter()
        .zip(&body)
        .filter_map(|(user_id, write)| write.joined.map(|joined| (*user_id, joined)))
        .collect();
    let mut state = ctx.write();
    let changed = queues::set_joined(&mut state, queue_id, &wanted)?;
    let queue = state
        .queues
        .get(queue_id)
        .expect("changed above under the same lock");
    let entities: Vec<String> = queues::memberships(&state, queue)
        .iter()
        .filter(|member| changed.contains(&member.user_id))
        .filter_map(|member| member_json(&state, member, Expand::default()))
        .collect();
    let page = PageRequest {
        size: entities.len().max(1),
        number: 1,
    };
    Ok(render_page(
        &ctx.path,
        &Query::default(),
        page,
        entities.len(),
        Envelope::QueueMembers,
        &entities,
    ))
}

/// `PATCH /api/v2/routing/queues/{queueId}/members/{memberId}`: `joined` and/or `ringNumber`.
pub async fn patch_member(
    ctx: Ctx,
    Path((id, member)): Path<(String, String)>,
    Body(body): Body<MemberWrite>,
) -> Result<Response, ApiError> {
    let user_id = parse_id(&member, "queue member")?;
    let queue_id = parse_id(&id, "queue")?;
    queues::patch_member(
        &mut ctx.write(),
        queue_id,
        user_id,
        body.joined,
        body.ring_number,
    )?;
    Ok(ctx.void())
}

/// `DELETE /api/v2/routing/queues/{queueId}/members/{memberId}`: removes a direct member.
pub async fn delete_member(
    ctx: Ctx,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user_id = parse_id(&member, "queue member")?;
    let queue_id = parse_id(&id, "queue")?;
    queues::remove_member(&mut ctx.write(), queue_id, user_id)?;
    Ok(ctx.void())
}

/// `GET /api/v2/routing/queues/{queueId}/wrapupcodes`.
pub async fn wrapup_codes(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let name = ctx.query.get("name").map(str::to_owned);
    let state = ctx.read();
    let queue = queue_or_404(&state, &id)?;
    let items = queue
        .wrapup_codes
        .iter()
        .filter_map(|code| state.wrapup_codes.get(*code))
        .filter(|code| {
            name.as_deref()
                .is_none_or(|name| wildcard_match(name, &code.name))
        })
        .collect();
    super::list_by_name(
        &ctx,
        MAX_PAGE_SIZE,
        items,
        |code| (code.name.clone(), code.id),
        |code| render::wrapup_code(&state, code),
    )
}

/// `WrapUpCodeReference`.
#[derive(Debug, Deserialize)]
pub struct CodeRef {
    id: Option<String>,
}

/// `POST /api/v2/routing/queues/{queueId}/wrapupcodes` with up to 100 `{id}`; answers the
/// codes named.
pub async fn add_wrapup_codes(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<CodeRef>>,
) -> Result<Response, ApiError> {
    if body.len() > MAX_WRAPUP_CODES_PER_CALL {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_WRAPUP_CODES_PER_CALL} wrap-up codes per request."
        )));
    }
    let ids: Vec<String> = body
        .into_iter()
        .map(|code| code.id.unwrap_or_default())
        .collect();
    let ids = parse_ids(&ids, "id")?;
    let queue_id = parse_id(&id, "queue")?;
    let mut state = ctx.write();
    queues::add_wrapup_codes(&mut state, queue_id, &ids)?;
    let codes: Vec<Value> = ids
        .iter()
        .filter_map(|code| state.wrapup_codes.get(*code))
        .map(|code| render::wrapup_code(&state, code))
        .collect();
    Ok(json(&codes))
}

/// `DELETE /api/v2/routing/queues/{queueId}/wrapupcodes/{codeId}`.
pub async fn remove_wrapup_code(
    ctx: Ctx,
    Path((id, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let code_id = parse_id(&code, "wrapup code")?;
    let queue_id = parse_id(&id, "queue")?;
    queues::remove_wrapup_code(&mut ctx.write(), queue_id, code_id)?;
    Ok(ctx.void())
}
