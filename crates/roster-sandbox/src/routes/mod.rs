//! The Platform API v2 routes (under `/api/v2`) and what handlers share: the request
//! context, JSON bodies, id parsing and list helpers.
//!
//! Route templates use the real API's parameter names, so the stats keys read like the API
//! reference (`POST /api/v2/routing/queues/{queueId}/members`). One exception: matchit needs
//! one parameter name per position, so `/users/{subjectId}/roles` is served as
//! `/users/{userId}/roles`.
//!
//! Void operations answer `204 No Content` by default (UNCONFIRMED in the real API whether
//! 200 or 204; the `voidAnswer` knob, [`crate::faults::VoidAnswer`], makes them answer 200
//! with or without a body); `DELETE /users/{userId}` answers `200 {}` as the swagger declares
//! an object.

mod audits;
mod divisions;
mod groups;
mod licences;
mod notifications;
mod queues;
mod roles;
mod skills;
mod subjects;
mod teams;
mod telephony;
mod tokens;
mod user_routing;
mod users;
mod utilization;
mod wfm;
mod wrapupcodes;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use parking_lot::RwLockReadGuard;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::audit::AuditedWrite;
use crate::error::ApiError;
use crate::faults::{FaultSettings, VoidAnswer};
use crate::hub::{Hub, Org, TokenEntry};
use crate::org::Stamp;
use crate::paging::{Envelope, PageRequest, render_page};
use crate::query::Query;
use crate::store::OrgState;

/// What every API handler gets: the org selected by the token, the hub and the query.
pub struct Ctx {
    /// The token's org.
    pub org: Arc<Org>,
    /// The token itself.
    pub token: Arc<TokenEntry>,
    /// The whole sandbox.
    pub hub: Arc<Hub>,
    /// The parsed query string.
    pub query: Query,
    /// The request path (for `*Uri` links).
    pub path: String,
}

impl Ctx {
    /// The org state for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, OrgState> {
        self.org.state.read()
    }

    /// The org state for writing: every change made through it is audited (and published)
    /// under the token's OAuth client when the guard is dropped (see `crate::audit`).
    pub fn write(&self) -> AuditedWrite<'_> {
        AuditedWrite::new(&self.hub, &self.org, &self.token.client_id)
    }

    /// Sandbox clock.
    pub fn now_ms(&self) -> u64 {
        self.hub.clock.now_ms()
    }

    /// A timestamp for `dateCreated`/`dateModified`.
    pub fn timestamp(&self) -> String {
        self.hub.clock.timestamp()
    }

    /// Current knobs.
    pub fn faults(&self) -> FaultSettings {
        self.org.faults.lock().settings.clone()
    }

    /// From when a newly created object shows in lists.
    pub fn listed_from(&self) -> u64 {
        self.now_ms()
            .saturating_add(self.faults().read_after_create_delay_ms)
    }

    /// The answer of a void operation, as the org's `voidAnswer` knob says.
    pub fn void(&self) -> Response {
        match self.faults().void_answer {
            VoidAnswer::NoContent => StatusCode::NO_CONTENT.into_response(),
            VoidAnswer::OkEmpty => StatusCode::OK.into_response(),
            VoidAnswer::OkBody => {
                (StatusCode::OK, axum::Json(serde_json::json!({}))).into_response()
            }
        }
    }

    /// When a write happens, for the domain operation doing it.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            timestamp: self.timestamp(),
            listed_from_ms: self.listed_from(),
        }
    }
}

impl FromRequestParts<Arc<Hub>> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        hub: &Arc<Hub>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .extensions
            .get::<Arc<TokenEntry>>()
            .cloned()
            .ok_or_else(ApiError::authentication_required)?;
        Ok(Self {
            org: Arc::clone(&token.org),
            token,
            hub: Arc::clone(hub),
            query: Query::parse(parts.uri.query())?,
            // Inside the `/api/v2` nest the URI is stripped of its prefix; links need the
            // full path.
            path: parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| parts.uri.path().to_owned(), |uri| uri.path().to_owned()),
        })
    }
}

/// A JSON request body; parse failures answer `400 bad.request`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = bytes::Bytes::from_request(request, state)
            .await
            .map_err(|error| {
                ApiError::bad_request(format!("Unable to read the request body: {error}"))
            })?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request.entity.too.large",
                format!("The request body exceeds {MAX_BODY_BYTES} bytes."),
            ));
        }
        serde_json::from_slice(&bytes).map(Body).map_err(|error| {
            ApiError::bad_request(format!("Unable to parse the request body: {error}"))
        })
    }
}

/// `request.bytes.max` of the real service.
pub const MAX_BODY_BYTES: usize = 512_000;

/// Parses a path id; a malformed id is as unknown as a missing one (404).
pub fn parse_id(text: &str, kind: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::not_found(kind, text))
}

/// Parses ids from a body or query; malformed ones are `400 invalid.value`.
pub fn parse_ids(values: &[String], field: &str) -> Result<Vec<Uuid>, ApiError> {
    values.iter().map(|value| body_id(value, field)).collect()
}

/// Parses one id from a body or query; a malformed one is `400 invalid.value`.
pub fn body_id(value: &str, field: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value)
        .map_err(|_| ApiError::invalid_value(field, format!("Value [{value}] is not a valid id.")))
}

/// Parses an optional id from a body.
pub fn optional_id(value: Option<&str>, field: &str) -> Result<Option<Uuid>, ApiError> {
    value.map(|value| body_id(value, field)).transpose()
}

/// A name a create or update must send (blank names are the domain's to refuse).
pub fn name_sent(name: Option<String>) -> Result<String, ApiError> {
    name.ok_or_else(|| ApiError::missing_field("name"))
}

/// Name filter that matches exactly (case-insensitive), with `*` wildcards at either end.
pub fn wildcard_match(filter: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    let filter = filter.to_lowercase();
    match (filter.strip_prefix('*'), filter.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => name.contains(rest.trim_end_matches('*')),
        (Some(rest), _) => name.ends_with(rest),
        (None, Some(rest)) => name.starts_with(rest),
        (None, None) => name == filter,
    }
}

/// Name filter "starts with" (case-insensitive).
pub fn prefix_match(filter: &str, name: &str) -> bool {
    name.to_lowercase().starts_with(&filter.to_lowercase())
}

/// Whether `sortOrder` asks for descending order.
pub fn descending(query: &Query) -> bool {
    query
        .get("sortOrder")
        .is_some_and(|order| order.to_lowercase().starts_with("desc"))
}

/// Sorts by name (then id), pages and renders a list of small-kind entities.
pub fn list_by_name<T>(
    ctx: &Ctx,
    max: usize,
    mut items: Vec<&T>,
    name: impl Fn(&T) -> (String, Uuid),
    render: impl Fn(&T) -> Value,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&ctx.query, max)?;
    items.sort_by_cached_key(|item| {
        let (name, id) = name(item);
        (name.to_lowercase(), id)
    });
    if descending(&ctx.query) {
        items.reverse();
    }
    let total = items.len();
    let entities: Vec<String> = items[page.range(total)]
        .iter()
        .map(|item| render(item).to_string())
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

/// A whole collection as a single page (the answer of bulk writes).
pub fn single_page(path: &str, entities: &[Value]) -> Response {
    let total = entities.len();
    let page = PageRequest {
        size: total.max(1),
        number: 1,
    };
    let entities: Vec<String> = entities.iter().map(Value::to_string).collect();
    render_page(
        path,
        &Query::default(),
        page,
        total,
        Envelope::Full,
        &entities,
    )
}

/// Every `/api/v2` route.
pub fn router() -> Router<Arc<Hub>> {
    Router::new()
        .route("/audits/query", post(audits::create))
        .route("/audits/query/servicemapping", get(audits::service_mapping))
        .route("/audits/query/realtime", post(audits::realtime))
        .route(
            "/audits/query/realtime/servicemapping",
            get(audits::service_mapping),
        )
        .route("/audits/query/{transactionId}", get(audits::status))
        .route(
            "/audits/query/{transactionId}/results",
            get(audits::results),
        )
        .route(
            "/notifications/channels",
            get(notifications::list).post(notifications::create),
        )
        .route(
            "/notifications/channels/{channelId}",
            axum::routing::head(notifications::head),
        )
        .route(
            "/notifications/channels/{channelId}/subscriptions",
            get(notifications::subscriptions)
                .post(notifications::add)
                .put(notifications::replace)
                .delete(notifications::remove_all),
        )
        .route("/authorization/divisions", get(divisions::list))
        .route("/authorization/divisions/home", get(divisions::home))
        .route(
            "/authorization/divisions/{divisionId}",
            get(divisions::get_one),
        )
        .route(
            "/authorization/divisions/{divisionId}/objects/{objectType}",
            post(divisions::move_objects),
        )
        .route("/authorization/roles", get(roles::list))
        .route("/authorization/roles/{roleId}", get(roles::get_one))
        .route("/authorization/roles/{roleId}/users", get(roles::users))
        .route(
            "/authorization/roles/{roleId}/subjectgrants",
            get(roles::subject_grants),
        )
        .route(
            "/authorization/roles/{roleId}/users/add",
            put(roles::add_users),
        )
        .route(
            "/authorization/roles/{roleId}/users/remove",
            put(roles::remove_users),
        )
        .route(
            "/authorization/subjects/{subjectId}",
            get(subjects::get_one),
        )
        .route(
            "/authorization/subjects/{subjectId}/bulkadd",
            post(subjects::bulk_add),
        )
        .route(
            "/authorization/subjects/{subjectId}/bulkremove",
            post(subjects::bulk_remove),
        )
        .route(
            "/authorization/subjects/{subjectId}/bulkreplace",
            post(subjects::bulk_replace),
        )
        .route(
            "/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}",
            post(subjects::grant_one).delete(subjects::revoke_one),
        )
        .route("/groups", get(groups::list))
        .route("/groups/{groupId}", get(groups::get_one))
        .route("/routing/skills", get(skills::list).post(skills::create))
        .route(
            "/routing/skills/{skillId}",
            get(skills::get_one)
                .patch(skills::patch)
                .delete(skills::delete),
        )
        .route(
            "/routing/languages",
            get(skills::list_languages).post(skills::create_language),
        )
        .route(
            "/routing/languages/{languageId}",
            get(skills::get_language).delete(skills::delete_language),
        )
        .route(
            "/routing/wrapupcodes",
            get(wrapupcodes::list).post(wrapupcodes::create),
        )
        .route(
            "/routing/wrapupcodes/{codeId}",
            get(wrapupcodes::get_one)
                .put(wrapupcodes::update)
                .delete(wrapupcodes::delete),
        )
        .route("/routing/queues", get(queues::list).post(queues::create))
        .route(
            "/routing/queues/{queueId}",
            get(queues::get_one)
                .put(queues::update)
                .delete(queues::delete),
        )
        .route(
            "/routing/queues/{queueId}/members",
            get(queues::members)
                .post(queues::add_or_remove_members)
                .patch(queues::join_members),
        )
        .route(
            "/routing/queues/{queueId}/members/{memberId}",
            axum::routing::patch(queues::patch_member).delete(queues::delete_member),
        )
        .route(
            "/routing/queues/{queueId}/wrapupcodes",
            get(queues::wrapup_codes).post(queues::add_wrapup_codes),
        )
        .route(
            "/routing/queues/{queueId}/wrapupcodes/{codeId}",
            axum::routing::delete(queues::remove_wrapup_code),
        )
        .route(
            "/routing/utilization",
            get(utilization::get_org)
                .put(utilization::put_org)
                .delete(utilization::delete_org),
        )
        .route(
            "/routing/users/{userId}/utilization",
            get(utilization::get_user)
                .put(utilization::put_user)
                .delete(utilization::delete_user),
        )
        .route("/teams", get(teams::list).post(teams::create))
        .route(
            "/teams/{teamId}",
            get(teams::get_one)
                .patch(teams::patch)
                .delete(teams::delete),
        )
        .route(
            "/teams/{teamId}/members",
            get(teams::members)
                .post(teams::add_members)
                .delete(teams::remove_members),
        )
        .route("/tokens/me", get(tokens::me).delete(tokens::revoke))
        .route(
            "/tokens/{userId}",
            axum::routing::delete(tokens::revoke_user),
        )
        .route(
            "/users/{userId}/station/associatedstation",
            axum::routing::delete(telephony::disassociate_station),
        )
        .route(
            "/telephony/providers/edges/didpools",
            get(telephony::did_pools),
        )
        .route(
            "/telephony/providers/edges/didpools/dids",
            get(telephony::dids),
        )
        .route(
            "/telephony/providers/edges/extensionpools",
            get(telephony::extension_pools),
        )
        .route(
            "/workforcemanagement/businessunits",
            get(wfm::business_units),
        )
        .route(
            "/workforcemanagement/businessunits/{businessUnitId}/planninggroups",
            get(wfm::planning_groups),
        )
        .route(
            "/workforcemanagement/managementunits",
            get(wfm::management_units),
        )
        .route(
            "/workforcemanagement/managementunits/{managementUnitId}/users",
            get(wfm::members),
        )
        .route("/workforcemanagement/agents", post(wfm::move_agents))
        .route("/license/definitions", get(licences::definitions))
        .route("/license/infer", post(licences::infer))
        .route("/license/users", get(licences::users))
        .route("/license/users/{userId}", get(licences::user))
        .route("/users", get(users::list).post(users::create))
        .route("/users/search", get(users::search_q64).post(users::search))
        .route(
            "/users/{userId}",
            get(users::get_one)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route(
            "/users/{userId}/roles",
            get(subjects::user_roles).put(subjects::set_user_roles),
        )
        .route(
            "/users/{userId}/queues",
            get(user_routing::queues).patch(user_routing::join_queues),
        )
        .route(
            "/users/{userId}/routingskills",
            get(user_routing::skills).post(user_routing::add_skill),
        )
        .route(
            "/users/{userId}/routingskills/bulk",
            axum::routing::patch(user_routing::patch_skills).put(user_routing::replace_skills),
        )
        .route(
            "/users/{userId}/routingskills/{skillId}",
            put(user_routing::put_skill).delete(user_routing::delete_skill),
        )
        .route(
            "/users/{userId}/routinglanguages",
            get(user_routing::languages).post(user_routing::add_language),
        )
        .route(
            "/users/{userId}/routinglanguages/bulk",
            axum::routing::patch(user_routing::patch_languages),
        )
        .route(
            "/users/{userId}/routinglanguages/{languageId}",
            axum::routing::patch(user_routing::patch_language)
                .delete(user_routing::delete_language),
        )
}
