//! WFM routes: business units and their planning groups, management units and their
//! members, and moving agents.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Body, Ctx, body_id, parse_id};
use crate::audit::AuditedWrite;
use crate::clients::{WFM_AGENT_EDIT, WFM_PLANNING_GROUPS_VIEW, WFM_UNIT_MEMBERS_VIEW};
use crate::error::ApiError;
use crate::org::wfm;
use crate::paging::json;
use crate::render_entitlements as render;

/// `GET /api/v2/workforcemanagement/businessunits` (`BusinessUnitListing`, not paged; no
/// permission needed).
pub async fn business_units(ctx: Ctx) -> Result<Response, ApiError> {
    let state = ctx.read();
    let entities: Vec<Value> = state
        .wfm
        .business_units
        .iter()
        .map(render::business_unit)
        .collect();
    Ok(json(&json!({ "entities": entities })))
}

/// `GET /api/v2/workforcemanagement/businessunits/{businessUnitId}/planninggroups`
/// (`PlanningGroupList`); 403 for a client holding none of [`WFM_PLANNING_GROUPS_VIEW`].
pub async fn planning_groups(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    ctx.hub
        .clients
        .require_any(&ctx.token.client_id, WFM_PLANNING_GROUPS_VIEW)?;
    let unit_id = parse_id(&id, "business unit")?;
    let state = ctx.read();
    let unit = wfm::business_unit(&state, unit_id)?;
    let entities: Vec<Value> = unit
        .planning_groups
        .iter()
        .map(|group| render::planning_group(unit, group))
        .collect();
    Ok(json(&json!({ "entities": entities })))
}

/// `GET /api/v2/workforcemanagement/managementunits` (`ManagementUnitListing`; its paging
/// is deprecated: every unit in one answer).
pub async fn management_units(ctx: Ctx) -> Response {
    let state = ctx.read();
    let entities: Vec<Value> = state
        .wfm
        .management_units
        .iter()
        .map(|unit| render::management_unit(&state, unit))
        .collect();
    json(&json!({ "entities": entities }))
}

/// `GET /api/v2/workforcemanagement/managementunits/{managementUnitId}/users`
/// (`WfmUserEntityListing`: every member in one answer); 403 for a client holding none of
/// [`WFM_UNIT_MEMBERS_VIEW`].
pub async fn members(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    ctx.hub
        .clients
        .require_any(&ctx.token.client_id, WFM_UNIT_MEMBERS_VIEW)?;
    let unit_id = parse_id(&id, "management unit")?;
    let state = ctx.read();
    let unit = wfm::management_unit(&state, unit_id)?;
    let entities: Vec<Value> = unit
        .members
        .iter()
        .map(|&user| render::user_reference(user))
        .collect();
    Ok(json(&json!({ "entities": entities })))
}

/// `MoveAgentsRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveAgents {
    #[serde(default)]
    user_ids: Option<Vec<String>>,
    #[serde(default)]
    destination_management_unit_id: Option<String>,
}

/// `POST /api/v2/workforcemanagement/agents` (`MoveAgentsResponse`): one result per user,
/// partial success inside a 200. A client-credentials token has no user, so
/// `requestingUser` is left out. 403 without [`WFM_AGENT_EDIT`].
pub async fn move_agents(ctx: Ctx, Body(body): Body<MoveAgents>) -> Result<Response, ApiError> {
    ctx.hub
        .clients
        .require(&ctx.token.client_id, WFM_AGENT_EDIT)?;
    let user_ids = body
        .user_ids
        .ok_or_else(|| ApiError::missing_field("userIds"))?
        .iter()
        .map(|id| body_id(id, "userIds"))
        .collect::<Result<Vec<_>, _>>()?;
    // "To remove users from their management unit this should be set to null": an empty
    // string is refused rather than read as null (UNCONFIRMED what the real API does; harsher).
    let destination = match body.destination_management_unit_id.as_deref() {
        None => None,
        Some("") => {
            return Err(ApiError::invalid_value(
                "destinationManagementUnitId",
                "Value [] is not a valid id: to remove users from their management unit, send null.",
            ));
        }
        Some(id) => Some(body_id(id, "destinationManagementUnitId")?),
    };
    let mut out = serde_json::Map::new();
    if let Some(destination) = destination {
        out.insert(
            "destinationManagementUnit".into(),
            json!({ "id": destination, "selfUri": format!("/api/v2/workforcemanagement/managementunits/{destination}") }),
        );
    }
    let delay = ctx.faults().agent_move_delay_ms;
    if delay > 0 {
        // Accepted now, made later (`FaultSettings::agent_move_delay_ms`): the per-user
        // results are nowhere but in the units' members.
        wfm::check_move(&ctx.read(), &user_ids)?;
        let (hub, org) = (Arc::clone(&ctx.hub), Arc::clone(&ctx.org));
        let client = ctx.token.client_id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let moved = wfm::move_agents(
                &mut AuditedWrite::new(&hub, &org, &client),
                &user_ids,
                destination,
            );
            // A change made outside a request: the state file must learn of it too.
            hub.mark_dirty();
            if let Err(error) = moved {
                tracing::warn!(%error, "a delayed agent move failed");
            }
        });
        return Ok((StatusCode::ACCEPTED, axum::Json(Value::Object(out))).into_response());
    }
    let results = wfm::move_agents(&mut ctx.write(), &user_ids, destination)?;
    let results: Vec<Value> = results
        .iter()
        .map(|(user, result)| json!({ "user": render::user_reference(*user), "result": result.as_str() }))
        .collect();
    out.insert("results".into(), Value::Array(results));
    Ok(json(&Value::Object(out)))
}
