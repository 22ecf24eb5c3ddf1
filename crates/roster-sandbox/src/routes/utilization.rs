//! Utilization: the org-wide defaults (`/routing/utilization`) and per-agent settings
//! (`/routing/users/{userId}/utilization`). An agent without own settings reads the org's
//! values with `level: "Organization"`; after a PUT, `level: "Agent"`, and media types the
//! PUT left out read as the org default.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Body, Ctx, parse_id};
use crate::error::ApiError;
use crate::org::users;
use crate::org::utilization::{self, MediaSetting};
use crate::paging::json;
use crate::store::MediaUtilization;

/// `UtilizationRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UtilizationRequest {
    #[serde(default)]
    utilization: BTreeMap<String, MediaWrite>,
}

/// `MediaUtilization` as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaWrite {
    maximum_capacity: Option<i64>,
    #[serde(default)]
    interruptable_media_types: Vec<String>,
    #[serde(default)]
    include_non_acd: bool,
}

/// Decodes the settings of a PUT (a media type without `maximumCapacity` is refused).
fn decode(request: UtilizationRequest) -> Result<BTreeMap<String, MediaSetting>, ApiError> {
    request
        .utilization
        .into_iter()
        .map(|(media, write)| {
            let maximum_capacity = write
                .maximum_capacity
                .ok_or_else(|| ApiError::missing_field("maximumCapacity"))?;
            let setting = MediaSetting {
                maximum_capacity,
                interruptable_media_types: write.interruptable_media_types,
                include_non_acd: write.include_non_acd,
            };
            Ok((media, setting))
        })
        .collect()
}

/// `GET /api/v2/routing/utilization` (`UtilizationResponse`).
pub async fn get_org(ctx: Ctx) -> Response {
    json(&json!({ "utilization": ctx.read().org_utilization }))
}

/// `PUT /api/v2/routing/utilization`: media types left out keep their value.
pub async fn put_org(ctx: Ctx, Body(body): Body<UtilizationRequest>) -> Result<Response, ApiError> {
    let settings = decode(body)?;
    let mut state = ctx.write();
    utilization::update_org(&mut state, settings)?;
    Ok(json(&json!({ "utilization": state.org_utilization })))
}

/// `DELETE /api/v2/routing/utilization`: back to the defaults of a new org.
pub async fn delete_org(ctx: Ctx) -> Response {
    utilization::reset_org(&mut ctx.write());
    ctx.void()
}

fn user_response(
    org: &BTreeMap<String, MediaUtilization>,
    own: Option<&BTreeMap<String, MediaUtilization>>,
) -> serde_json::Value {
    match own {
        None => json!({ "utilization": org, "level": "Organization" }),
        Some(own) => {
            let mut merged = org.clone();
            merged.extend(
                own.iter()
                    .map(|(media, value)| (media.clone(), value.clone())),
            );
            json!({ "utilization": merged, "level": "Agent" })
        }
    }
}

/// `GET /api/v2/routing/users/{userId}/utilization` (`AgentMaxUtilizationResponse`).
pub async fn get_user(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let state = ctx.read();
    let user = users::live_user(&state, user_id)?;
    Ok(json(&user_response(
        &state.org_utilization,
        user.utilization.as_ref(),
    )))
}

/// `PUT /api/v2/routing/users/{userId}/utilization`: the agent's own settings.
pub async fn put_user(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<UtilizationRequest>,
) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let settings = decode(body)?;
    let mut state = ctx.write();
    utilization::set_user(&mut state, user_id, settings)?;
    let user = state
        .users
        .get(user_id)
        .expect("updated above under the same lock");
    Ok(json(&user_response(
        &state.org_utilization,
        user.utilization.as_ref(),
    )))
}

/// `DELETE /api/v2/routing/users/{userId}/utilization`: back to the org level.
pub async fn delete_user(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    utilization::clear_user(&mut ctx.write(), user_id)?;
    Ok(ctx.void())
}
