//! Queues: list, get, create, PUT (full replacement), hard delete; members (list without
//! totals, add/remove up to 100, join/unjoin) and queue wrap-up codes.
//!
//! Decisions on UNCONFIRMED points:
//! - a duplicate name answers `400 duplicate.name` on create as on PUT;
//! - PUT replaces the whole definition, `memberGroups` included (absent = none); the user
//!   members are a separate resource and stay;
//! - new direct members start joined ([`NEW_MEMBER_JOINED`]);
//! - `memberGroups` entries must be of type `GROUP` (the sandbox has no team or skill-group
//!   membership of queues).

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::wrapupcodes::{DivisionRef, resolve_division};
use super::{Body, Ctx, descending, parse_id, parse_ids, same_name, void, wildcard_match};
use crate::error::ApiError;
use crate::paging::{
    Envelope, MAX_PAGE_SIZE, MAX_QUEUE_MEMBER_PAGE_SIZE, PageRequest, json, render_page,
};
use crate::query::Query;
use crate::render::{self, Expand};
use crate::store::{EntityState, OrgState, Queue, QueueMember};

/// Joined state of a member added by `POST .../members`.
pub const NEW_MEMBER_JOINED: bool = true;
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

/// Enumerated settings and their allowed values.
const ENUMS: &[(&str, &[&str])] = &[
    ("scoringMethod", &["TimestampAndPriority", "PriorityOnly"]),
    (
        "lastAgentRoutingMode",
        &["Disabled", "QueueMembersOnly", "AnyAgent"],
    ),
    ("skillEvaluationMethod", &["NONE", "BEST", "ALL"]),
];

/// Settings a queue gets when the request does not give them.
fn default_settings() -> Map<String, Value> {
    let mut settings = Map::new();
    settings.insert("acwSettings".into(), json!({ "wrapupPrompt": "OPTIONAL" }));
    settings.insert("skillEvaluationMethod".into(), json!("BEST"));
    settings.insert("scoringMethod".into(), json!("TimestampAndPriority"));
    settings
}

/// What a create or PUT body says.
struct QueueDefinition {
    name: String,
    division: Option<DivisionRef>,
    description: Option<String>,
    member_groups: Vec<Uuid>,
    settings: Map<String, Value>,
}

fn parse_definition(
    state: &OrgState,
    body: Map<String, Value>,
) -> Result<QueueDefinition, ApiError> {
    let name = match body.get("name").and_then(Value::as_str).map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => return Err(ApiError::missing_field("name")),
    };
    let division = match body.get("division") {
        None | Some(Value::Null) => None,
        Some(value) => Some(DivisionRef {
            id: value.get("id").and_then(Value::as_str).map(str::to_owned),
        }),
    };
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
            let id = group
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = parse_ids(&[id], "memberGroups.id")?[0];
            if state.groups.get(id).is_none() {
                return Err(ApiError::invalid_value(
                    "memberGroups.id",
                    format!("Unable to find a group with id {id}"),
                ));
            }
            if !member_groups.contains(&id) {
                member_groups.push(id);
            }
        }
    }
    let mut settings = default_settings();
    for (key, value) in body {
        if SETTINGS.contains(&key.as_str()) && !value.is_null() {
            settings.insert(key, value);
        }
    }
    for (field, allowed) in ENUMS {
        if let Some(value) = settings.get(*field)
            && !value.as_str().is_some_and(|value| allowed.contains(&value))
        {
            return Err(ApiError::invalid_value(
                field,
                format!(
                    "Value [{value}] is not valid for field [{field}]. Allowable values are: {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(QueueDefinition {
        name,
        division,
        description,
        member_groups,
        settings,
    })
}

fn check_duplicate(state: &OrgState, name: &str, except: Option<Uuid>) -> Result<(), ApiError> {
    if state
        .queues
        .iter()
        .any(|queue| Some(queue.id) != except && same_name(&queue.name, name))
    {
        return Err(ApiError::duplicate_name(
            "A queue with that name already exists.",
        ));
    }
    Ok(())
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
    let (timestamp, listed_from) = (ctx.timestamp(), ctx.listed_from());
    let mut state = ctx.write();
    let definition = parse_definition(&state, body)?;
    check_duplicate(&state, &definition.name, None)?;
    let division_id = resolve_division(&state, definition.division.as_ref())?;
    let queue = Queue {
        id: Uuid::new_v4(),
        name: definition.name,
        division_id,
        description: definition.description,
        date_created: timestamp.clone(),
        date_modified: timestamp,
        members: Vec::new(),
        member_groups: definition.member_groups,
        group_member_joined: std::collections::BTreeMap::new(),
        wrapup_codes: Vec::new(),
        settings: definition.settings,
        member_index: std::collections::HashMap::new(),
        listed_from_ms: listed_from,
    };
    let response = json(&queue_json(&state, &queue));
    state.queues.insert(queue);
    Ok(response)
}

/// `PUT /api/v2/routing/queues/{queueId}` (`QueueRequest`): full replacement.
pub async fn update(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let queue_id = parse_id(&id, "queue")?;
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    if state.queues.get(queue_id).is_none() {
        return Err(ApiError::not_found("queue", &id));
    }
    let definition = parse_definition(&state, body)?;
    check_duplicate(&state, &definition.name, Some(queue_id))?;
    let division_id = resolve_division(&state, definition.division.as_ref())?;
    let queue = state
        .queues
        .get_mut(queue_id)
        .expect("checked above under the same lock");
    queue.name = definition.name;
    queue.division_id = division_id;
    queue.description = definition.description;
    queue.member_groups = definition.member_groups;
    queue.settings = definition.settings;
    queue.date_modified = timestamp;
    let queue = state
        .queues
        .get(queue_id)
        .expect("checked above under the same lock");
    Ok(json(&queue_json(&state, queue)))
}

/// `DELETE /api/v2/routing/queues/{queueId}`: hard delete.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let queue_id = parse_id(&id, "queue")?;
    ctx.write()
        .queues
        .remove(queue_id)
        .ok_or_else(|| ApiError::not_found("queue", &id))?;
    Ok(void())
}

/// One member as listed: the user, how they are a member and whether joined.
pub struct Membership {
    /// The user.
    pub user_id: Uuid,
    /// `user` or `group`.
    pub by_group: bool,
    /// Joined.
    pub joined: bool,
    /// Ring.
    pub ring_number: u32,
}

/// Every member of a queue: direct members, then group-derived ones not also direct.
pub fn memberships(state: &OrgState, queue: &Queue) -> Vec<Membership> {
    let mut out: Vec<Membership> = queue
        .members
        .iter()
        .map(|member| Membership {
            user_id: member.user_id,
            by_group: false,
            joined: member.joined,
            ring_number: member.ring_number,
        })
        .collect();
    let mut seen: std::collections::HashSet<Uuid> = queue.member_index.keys().copied().collect();
    for group_id in &queue.member_groups {
        let Some(group) = state.groups.get(*group_id) else {
            continue;
        };
        for user_id in &group.members {
            let listed = state
                .users
                .get(*user_id)
                .is_some_and(|user| user.state != EntityState::Deleted);
            if listed && seen.insert(*user_id) {
                out.push(Membership {
                    user_id: *user_id,
                    by_group: true,
                    joined: queue
                        .group_member_joined
                        .get(user_id)
                        .copied()
                        .unwrap_or(true),
                    ring_number: 1,
                });
            }
        }
    }
    out
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
    let queue_id = parse_id(id, "queue")?;
    state
        .queues
        .get(queue_id)
        .ok_or_else(|| ApiError::not_found("queue", id))
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
    let mut listed: Vec<(String, Membership)> = memberships(&state, queue)
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
    let timestamp = ctx.timestamp();
    let mut state = ctx.write();
    let queue_id = queue_or_404(&state, &id)?.id;
    if !remove
        && let Some(unknown) = ids.iter().find(|&&user| {
            state
                .users
                .get(user)
                .is_none_or(|user| user.state == EntityState::Deleted)
        })
    {
        let mut error =
            ApiError::invalid_value("id", format!("Unable to find a user with id {unknown}"));
        error.details[0].entity_id = Some(unknown.to_string());
        return Err(error);
    }
    let queue = state
        .queues
        .get_mut(queue_id)
        .expect("checked above under the same lock");
    if remove {
        queue
            .members
            .retain(|member| !ids.contains(&member.user_id));
    } else {
        for user_id in ids {
            if !queue.member_index.contains_key(&user_id) {
                queue.member_index.insert(user_id, queue.members.len());
                queue.members.push(QueueMember {
                    user_id,
                    joined: NEW_MEMBER_JOINED,
                    ring_number: 1,
                });
            }
        }
    }
    queue.reindex_members();
    queue.date_modified = timestamp;
    Ok(void())
}

/// Users who are members of a queue through its groups.
fn group_members(state: &OrgState, queue: &Queue) -> std::collections::HashSet<Uuid> {
    queue
        .member_groups
        .iter()
        .filter_map(|group| state.groups.get(*group))
        .flat_map(|group| group.members.iter().copied())
        .collect()
}

/// Sets the joined state of a member; `false` if the user is not a member.
fn set_joined(
    queue: &mut Queue,
    by_group: &std::collections::HashSet<Uuid>,
    user_id: Uuid,
    joined: bool,
) -> bool {
    if let Some(&index) = queue.member_index.get(&user_id) {
        queue.members[index].joined = joined;
        return true;
    }
    if by_group.contains(&user_id) {
        queue.group_member_joined.insert(user_id, joined);
        return true;
    }
    false
}

/// `PATCH /api/v2/routing/queues/{queueId}/members`: join/unjoin up to 100 members;
/// non-members are ignored. Answers the changed members.
pub async fn join_members(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<MemberWrite>>,
) -> Result<Response, ApiError> {
    let ids = member_ids(&body)?;
    let mut state = ctx.write();
    let queue = queue_or_404(&state, &id)?;
    let (queue_id, by_group) = (queue.id, group_members(&state, queue));
    let queue = state
        .queues
        .get_mut(queue_id)
        .expect("checked above under the same lock");
    let mut changed = Vec::new();
    for (user_id, write) in ids.iter().zip(&body) {
        if let Some(joined) = write.joined
            && set_joined(queue, &by_group, *user_id, joined)
        {
            changed.push(*user_id);
        }
    }
    let queue = state
        .queues
        .get(queue_id)
        .expect("checked above under the same lock");
    let entities: Vec<String> = memberships(&state, queue)
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
    let mut state = ctx.write();
    let queue = queue_or_404(&state, &id)?;
    let (queue_id, by_group) = (queue.id, group_members(&state, queue));
    let queue = state
        .queues
        .get_mut(queue_id)
        .expect("checked above under the same lock");
    let direct = queue.member_index.get(&user_id).copied();
    if direct.is_none() && !by_group.contains(&user_id) {
        return Err(ApiError::not_found("queue member", &member));
    }
    if let Some(joined) = body.joined {
        set_joined(queue, &by_group, user_id, joined);
    }
    if let (Some(ring), Some(index)) = (body.ring_number, direct) {
        queue.members[index].ring_number = ring;
    }
    Ok(void())
}

/// `DELETE /api/v2/routing/queues/{queueId}/members/{memberId}`: removes a direct member.
pub async fn delete_member(
    ctx: Ctx,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user_id = parse_id(&member, "queue member")?;
    let mut state = ctx.write();
    let queue_id = queue_or_404(&state, &id)?.id;
    let queue = state
        .queues
        .get_mut(queue_id)
        .expect("checked above under the same lock");
    if !queue.member_index.contains_key(&user_id) {
        return Err(ApiError::not_found("queue member", &member));
    }
    queue.members.retain(|existing| existing.user_id != user_id);
    queue.reindex_members();
    Ok(void())
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
    let mut state = ctx.write();
    let queue_id = queue_or_404(&state, &id)?.id;
    if let Some(unknown) = ids
        .iter()
        .find(|&&code| state.wrapup_codes.get(code).is_none())
    {
        return Err(ApiError::invalid_value(
            "id",
            format!("Unable to find a wrapup code with id {unknown}"),
        ));
    }
    let queue = state
        .queues
        .get_mut(queue_id)
        .expect("checked above under the same lock");
    for code in &ids {
        if !queue.wrapup_codes.contains(code) {
            queue.wrapup_codes.push(*code);
        }
    }
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
    let mut state = ctx.write();
    let queue_id = queue_or_404(&state, &id)?.id;
    let queue = state
        .queues
        .get_mut(queue_id)
        .expect("checked above under the same lock");
    if !queue.wrapup_codes.contains(&code_id) {
        return Err(ApiError::not_found("wrapup code", &code));
    }
    queue.wrapup_codes.retain(|existing| *existing != code_id);
    Ok(void())
}
