//! Users: paged list, get, create, PATCH (with `version`), soft delete, and search. The
//! rules of writes are in [`crate::org::users`].
//!
//! Decisions on UNCONFIRMED points:
//! - the list is in creation order (stable across pages); `sortOrder=descending` reverses;
//! - `GET /users/{id}` finds active and inactive users by default and deleted users only
//!   with `state=deleted` (404 otherwise);
//! - the `state=inactive` list refuses pages starting at or beyond result 10,000 with 400;
//! - the search matches active and inactive users unless a criterion names `state`.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Body, Ctx, descending, optional_id, parse_id, parse_ids};
use crate::error::ApiError;
use crate::org::users::{self, FieldChange, NewUser, UserChange, UserUpdate};
use crate::paging::{
    Envelope, MAX_PAGE_SIZE, MAX_SEARCH_PAGE_SIZE, PageRequest, finish_page, json, json_text,
    start_page,
};
use crate::render::{self, Expand};
use crate::store::{EntityState, OrgState, User};

/// Most ids one `id` filter may name (`400 max.user.ids` beyond).
pub const MAX_USER_IDS: usize = 100;
/// Deep paging of `state=inactive` stops at this many results.
pub const INACTIVE_RESULT_CAP: usize = 10_000;

/// Which users a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateFilter {
    One(EntityState),
    Any,
}

fn state_filter(ctx: &Ctx) -> Result<StateFilter, ApiError> {
    match ctx.query.get("state").unwrap_or("active") {
        "any" => Ok(StateFilter::Any),
        other => EntityState::parse(other).map(StateFilter::One).ok_or_else(|| {
            ApiError::invalid_value(
                "state",
                format!("Value [{other}] is not valid for field type [state]. Allowable values are: active, inactive, deleted, any"),
            )
        }),
    }
}

/// `GET /api/v2/users`.
pub async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, MAX_PAGE_SIZE)?;
    let filter = state_filter(&ctx)?;
    let raw_ids = ctx.query.list("id");
    if raw_ids.len() > MAX_USER_IDS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "max.user.ids",
            format!("Only {MAX_USER_IDS} user ids may be requested at once."),
        ));
    }
    if filter == StateFilter::One(EntityState::Inactive)
        && (page.number - 1) * page.size >= INACTIVE_RESULT_CAP
    {
        return Err(ApiError::bad_request(format!(
            "Paging past {INACTIVE_RESULT_CAP} results is not supported for inactive users; use the search API."
        )));
    }
    let ids = parse_ids(&raw_ids, "id")?;
    let expand = Expand::parse(&ctx.query.list("expand"));
    let reverse = descending(&ctx.query);
    let now = ctx.now_ms();
    let state = ctx.read();
    let users = &state.users;
    let matches = |user: &User| match filter {
        StateFilter::Any => true,
        StateFilter::One(wanted) => user.state == wanted,
    };
    // Slots of the listed users; built only when something must be filtered out. The common
    // case (no id filter, nothing hidden by a read-after-create delay) pages by index.
    let slow: Option<Vec<u32>> = if !ids.is_empty() {
        let mut slots: Vec<u32> = ids
            .iter()
            .filter_map(|id| users.slot_of(*id))
            .filter(|&slot| matches(users.at(slot)) && users.at(slot).listed_from_ms <= now)
            .collect();
        slots.sort_unstable();
        slots.dedup();
        Some(slots)
    } else if users.max_listed_from_ms() > now {
        let all: Box<dyn Iterator<Item = u32>> = match filter {
            StateFilter::Any => Box::new(0..users.len() as u32),
            StateFilter::One(wanted) => Box::new(users.slots(wanted).iter().copied()),
        };
        Some(
            all.filter(|&slot| users.at(slot).listed_from_ms <= now)
                .collect(),
        )
    } else {
        None
    };
    let total = match (&slow, filter) {
        (Some(slots), _) => slots.len(),
        (None, StateFilter::Any) => users.len(),
        (None, StateFilter::One(wanted)) => users.slots(wanted).len(),
    };
    let slot_at = |index: usize| -> u32 {
        let index = if reverse { total - 1 - index } else { index };
        match (&slow, filter) {
            (Some(slots), _) => slots[index],
            (None, StateFilter::Any) => index as u32,
            (None, StateFilter::One(wanted)) => users.slots(wanted)[index],
        }
    };
    let range = page.range(total);
    let per_user = if expand.is_empty() { 700 } else { 1800 };
    let mut out = start_page(range.len() * per_user);
    for (position, index) in range.enumerate() {
        if position > 0 {
            out.push(b',');
        }
        render::write_user(&mut out, &state, users.at(slot_at(index)), expand);
    }
    Ok(finish_page(
        out,
        &ctx.path,
        &ctx.query,
        page,
        total,
        Envelope::Full,
    ))
}

/// `GET /api/v2/users/{userId}` (`state` = active (default) or deleted; `expand`).
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let want_deleted = match ctx.query.get("state") {
        None | Some("active") => false,
        Some("deleted") => true,
        Some(other) => {
            return Err(ApiError::invalid_value(
                "state",
                format!("Value [{other}] is not valid. Allowable values are: active, deleted"),
            ));
        }
    };
    let expand = Expand::parse(&ctx.query.list("expand"));
    let state = ctx.read();
    let user = users::find(&state, user_id, want_deleted)?;
    Ok(json_text(
        StatusCode::OK,
        render::user(&state, user, expand),
    ))
}

/// `CreateUser`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    name: Option<String>,
    email: Option<String>,
    department: Option<String>,
    title: Option<String>,
    division_id: Option<String>,
    state: Option<String>,
    #[serde(default)]
    addresses: Vec<Value>,
}

/// `POST /api/v2/users`.
pub async fn create(ctx: Ctx, Body(body): Body<CreateUser>) -> Result<Response, ApiError> {
    let name = body.name.ok_or_else(|| ApiError::missing_field("name"))?;
    let email = body.email.ok_or_else(|| ApiError::missing_field("email"))?;
    let inactive = match body.state.as_deref() {
        None => false,
        Some(text) => match EntityState::parse(text) {
            Some(EntityState::Active) => false,
            Some(EntityState::Inactive) => true,
            _ => {
                return Err(ApiError::invalid_value(
                    "state",
                    format!("Value [{text}] is not valid. Allowable values are: active, inactive"),
                ));
            }
        },
    };
    let new = NewUser {
        id: Uuid::new_v4(),
        name,
        email,
        title: body.title,
        department: body.department,
        division_id: optional_id(body.division_id.as_deref(), "divisionId")?,
        inactive,
        addresses: body.addresses,
        ..NewUser::default()
    };
    let at = ctx.stamp();
    let mut state = ctx.write();
    let id = users::create(&mut state, &at, new)?;
    let user = state
        .users
        .get(id)
        .expect("created above under the same lock");
    Ok(json_text(
        StatusCode::OK,
        render::user(&state, user, Expand::default()),
    ))
}

/// Fields that may accompany a `state` change whatever their value.
const STATE_ONLY_EXEMPT: &[&str] = &["version", "id", "selfUri", "state"];

fn optional_text(value: &Value, field: &str) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.is_empty() => Ok(None),
        Value::String(text) => Ok(Some(text.clone())),
        _ => Err(ApiError::invalid_value(
            field,
            format!("The field '{field}' must be a string."),
        )),
    }
}

/// `PATCH /api/v2/users/{userId}` (`UpdateUser`): needs the current `version`; a `state`
/// change must come alone.
pub async fn patch(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let version = match body.get("version") {
        None | Some(Value::Null) => return Err(ApiError::missing_field("version")),
        Some(value) => value
            .as_u64()
            .ok_or_else(|| ApiError::invalid_value("version", "The version must be an integer."))?,
    };
    let new_state = match body.get("state") {
        None => None,
        Some(value) => {
            let text = value.as_str().unwrap_or_default();
            Some(EntityState::parse(text).ok_or_else(|| {
                ApiError::invalid_value(
                    "state",
                    format!(
                        "Value [{text}] is not valid. Allowable values are: active, inactive, deleted"
                    ),
                )
            })?)
        }
    };
    let update = match new_state {
        None => Some(decode_update(&body)?),
        Some(_) => None,
    };
    let strict_deactivation = ctx.faults().strict_deactivation;
    let at = ctx.stamp();
    let mut state = ctx.write();
    let change = match (new_state, update) {
        (Some(new_state), _) => UserChange::State {
            state: new_state,
            also_changed: state
                .users
                .get(user_id)
                .and_then(|user| changed_besides_state(&state, user, &body)),
            strict_deactivation,
        },
        (None, update) => UserChange::Fields(update.unwrap_or_default()),
    };
    users::patch(&mut state, &at, user_id, version, change)?;
    let user = state
        .users
        .get(user_id)
        .expect("changed above under the same lock");
    Ok(json_text(
        StatusCode::OK,
        render::user(&state, user, Expand::default()),
    ))
}

/// The first field of a state-changing PATCH other than the state that changes the user.
/// Other fields may ride along only if they repeat the current values (a client that sends
/// back the whole user it read, with a new state).
fn changed_besides_state(
    state: &OrgState,
    user: &User,
    body: &Map<String, Value>,
) -> Option<String> {
    let current: Value = serde_json::from_str(render::user_base(state, user)).unwrap_or_default();
    let unchanged = |key: &str, value: &Value| match key {
        "manager" => {
            let sent = value.get("id").unwrap_or(value);
            current
                .get("manager")
                .map_or(&Value::Null, |manager| &manager["id"])
                == sent
        }
        _ => current.get(key).unwrap_or(&Value::Null) == value,
    };
    body.iter()
        .find(|(key, value)| !STATE_ONLY_EXEMPT.contains(&key.as_str()) && !unchanged(key, value))
        .map(|(key, _)| key.clone())
}

/// Decodes the fields of a PATCH that does not change the state.
fn decode_update(body: &Map<String, Value>) -> Result<UserUpdate, ApiError> {
    let mut update = UserUpdate::default();
    if let Some(value) = body.get("manager") {
        let id = match value {
            Value::Object(object) => object
                .get("id")
                .map_or(Ok(None), |id| optional_text(id, "manager"))?,
            other => optional_text(other, "manager")?,
        };
        update.manager_id = FieldChange::Set(optional_id(id.as_deref(), "manager")?);
    }
    if let Some(value) = body.get("email") {
        update.email = Some(optional_text(value, "email")?.unwrap_or_default());
    }
    if let Some(value) = body.get("name") {
        update.name = Some(optional_text(value, "name")?.unwrap_or_default());
    }
    let text = |field: &str| match body.get(field) {
        None => Ok(FieldChange::Keep),
        Some(value) => optional_text(value, field).map(FieldChange::Set),
    };
    update.title = text("title")?;
    update.department = text("department")?;
    update.preferred_name = text("preferredName")?;
    update.acd_auto_answer = match body.get("acdAutoAnswer") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(flag)) => Some(*flag),
        Some(_) => {
            return Err(ApiError::invalid_value(
                "acdAutoAnswer",
                "acdAutoAnswer must be a boolean.",
            ));
        }
    };
    let array = |field: &str| -> Result<Option<Vec<Value>>, ApiError> {
        match body.get(field) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(Vec::new())),
            Some(Value::Array(items)) => Ok(Some(items.clone())),
            Some(_) => Err(ApiError::invalid_value(
                field,
                format!("{field} must be an array."),
            )),
        }
    };
    update.addresses = array("addresses")?;
    update.locations = array("locations")?;
    Ok(update)
}

/// `DELETE /api/v2/users/{userId}`: soft delete; answers `200 {}`.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let at = ctx.stamp();
    users::delete(&mut ctx.write(), &at, user_id)?;
    Ok(json(&json!({})))
}

/// `UserSearchRequest` (the fields the sandbox reads).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_size: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_number: Option<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    expand: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    query: Vec<Criterion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sort_order: Option<String>,
}

/// `UserSearchCriteria`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Criterion {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operator: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    group: Vec<Criterion>,
}

fn field_value(state: &OrgState, user: &User, field: &str) -> Option<String> {
    Some(match field {
        "email" | "username" => user.email.clone(),
        "name" => user.name.clone(),
        "state" => user.state.as_str().to_owned(),
        "id" => user.id.to_string(),
        "title" => user.title.clone()?,
        "department" => user.department.clone()?,
        "division.id" | "divisionId" => user.division_id.to_string(),
        "manager.id" => user.manager_id?.to_string(),
        "team.id" => user.team_id?.to_string(),
        "team.name" => state.teams.get(user.team_id?)?.name.clone(),
        _ => return None,
    })
}

fn check_criteria(criteria: &[Criterion]) -> Result<(), ApiError> {
    for criterion in criteria {
        match criterion.kind.as_str() {
            "EXACT" | "TERM" | "TERMS" | "STARTS_WITH" | "CONTAINS" | "MATCH_ALL" => {}
            "" if !criterion.group.is_empty() => {}
            other => {
                return Err(ApiError::invalid_value(
                    "query.type",
                    format!(
                        "Value [{other}] is not supported by the sandbox. Allowable values are: EXACT, TERM, TERMS, STARTS_WITH, CONTAINS, MATCH_ALL"
                    ),
                ));
            }
        }
        check_criteria(&criterion.group)?;
    }
    Ok(())
}

fn criterion_matches(state: &OrgState, user: &User, criterion: &Criterion) -> bool {
    if !criterion.group.is_empty() {
        return criteria_match(state, user, &criterion.group);
    }
    if criterion.kind == "MATCH_ALL" {
        return true;
    }
    let wanted: Vec<String> = criterion
        .value
        .iter()
        .chain(criterion.values.iter())
        .map(|value| value.to_lowercase())
        .collect();
    criterion.fields.iter().any(|field| {
        let Some(actual) = field_value(state, user, field).map(|value| value.to_lowercase()) else {
            return false;
        };
        wanted.iter().any(|wanted| match criterion.kind.as_str() {
            "STARTS_WITH" => actual.starts_with(wanted.as_str()),
            "CONTAINS" => actual.contains(wanted.as_str()),
            _ => actual == *wanted,
        })
    })
}

/// AND criteria must all match, at least one OR criterion (if any) must, no NOT may.
fn criteria_match(state: &OrgState, user: &User, criteria: &[Criterion]) -> bool {
    let mut any_or = false;
    let mut or_matched = false;
    for criterion in criteria {
        let matched = criterion_matches(state, user, criterion);
        match criterion.operator.as_deref().unwrap_or("AND") {
            "OR" => {
                any_or = true;
                or_matched |= matched;
            }
            "NOT" if matched => return false,
            "NOT" => {}
            _ if !matched => return false,
            _ => {}
        }
    }
    !any_or || or_matched
}

fn names_state(criteria: &[Criterion]) -> bool {
    criteria.iter().any(|criterion| {
        criterion.fields.iter().any(|field| field == "state") || names_state(&criterion.group)
    })
}

fn run_search(ctx: &Ctx, request: &SearchRequest) -> Result<Response, ApiError> {
    check_criteria(&request.query)?;
    let page = PageRequest::checked(
        request
            .page_size
            .unwrap_or(crate::paging::DEFAULT_PAGE_SIZE),
        request.page_number.unwrap_or(1),
        MAX_SEARCH_PAGE_SIZE,
    )?;
    let expand = Expand::parse(&request.expand);
    let default_states = !names_state(&request.query);
    let now = ctx.now_ms();
    let state = ctx.read();
    let mut found: Vec<&User> = state
        .users
        .iter()
        .filter(|user| user.listed_from_ms <= now)
        .filter(|user| !default_states || user.state != EntityState::Deleted)
        .filter(|user| criteria_match(&state, user, &request.query))
        .collect();
    if request
        .sort_order
        .as_deref()
        .is_some_and(|order| order.eq_ignore_ascii_case("DESC"))
    {
        found.reverse();
    }
    let total = found.len();
    let page_count = page.page_count(total);
    let results: Vec<Value> = found[page.range(total)]
        .iter()
        .filter_map(|user| serde_json::from_str(&render::user(&state, user, expand)).ok())
        .collect();
    let token = |number: usize| {
        let mut request = request.clone();
        request.page_size = Some(page.size);
        request.page_number = Some(number);
        let text = serde_json::to_string(&request).unwrap_or_default();
        base64::engine::general_purpose::STANDARD.encode(text)
    };
    let mut out = Map::new();
    out.insert("total".into(), json!(total));
    out.insert("pageCount".into(), json!(page_count));
    out.insert("pageSize".into(), json!(page.size));
    out.insert("pageNumber".into(), json!(page.number));
    if page.number > 1 {
        out.insert("previousPage".into(), json!(token(page.number - 1)));
    }
    out.insert("currentPage".into(), json!(token(page.number)));
    if page.number < page_count {
        out.insert("nextPage".into(), json!(token(page.number + 1)));
    }
    out.insert("types".into(), json!(["users"]));
    out.insert("results".into(), Value::Array(results));
    Ok(json(&Value::Object(out)))
}

/// `POST /api/v2/users/search` (`UserSearchRequest` → `UsersSearchResponse`).
pub async fn search(ctx: Ctx, Body(request): Body<SearchRequest>) -> Result<Response, ApiError> {
    run_search(&ctx, &request)
}

/// `GET /api/v2/users/search?q64=...`: replays a page token of a previous search.
pub async fn search_q64(ctx: Ctx) -> Result<Response, ApiError> {
    let token = ctx
        .query
        .get("q64")
        .ok_or_else(|| ApiError::missing_field("q64"))?;
    let request: SearchRequest = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::invalid_value("q64", "The q64 value is not a valid search token.")
        })?;
    let mut request = request;
    let expand = ctx.query.list("expand");
    if !expand.is_empty() {
        request.expand = expand;
    }
    run_search(&ctx, &request)
}
