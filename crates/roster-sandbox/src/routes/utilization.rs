//! Utilization: the org-wide defaults (`/routing/utilization`) and per-agent settings
//! (`/routing/users/{userId}/utilization`). An agent without own settings reads the org's
//! values with `level: "Organization"`; after a PUT, `level: "Agent"`, and media types the
//! PUT left out read as the org default.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Body, Ctx, parse_id, void};
use crate::builtins::{MAX_CAPACITY, MEDIA_TYPES, default_org_utilization};
use crate::error::ApiError;
use crate::paging::json;
use crate::store::{EntityState, MediaUtilization};

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

fn validate(request: UtilizationRequest) -> Result<BTreeMap<String, MediaUtilization>, ApiError> {
    let mut out = BTreeMap::new();
    for (media, write) in request.utilization {
        if !MEDIA_TYPES.contains(&media.as_str()) {
            return Err(ApiError::invalid_value(
                "utilization",
                format!(
                    "Value [{media}] is not a valid media type. Allowable values are: {}",
                    MEDIA_TYPES.join(", ")
                ),
            ));
        }
        let capacity = write
            .maximum_capacity
            .ok_or_else(|| ApiError::missing_field("maximumCapacity"))?;
        if !(0..=i64::from(MAX_CAPACITY)).contains(&capacity) {
            return Err(ApiError::invalid_value(
                "maximumCapacity",
                format!(
                    "Value [{capacity}] is not valid: maximumCapacity must be between 0 and {MAX_CAPACITY}."
                ),
            ));
        }
        if let Some(bad) = write
            .interruptable_media_types
            .iter()
            .find(|media| !MEDIA_TYPES.contains(&media.as_str()))
        {
            return Err(ApiError::invalid_value(
                "interruptableMediaTypes",
                format!("Value [{bad}] is not a valid media type."),
            ));
        }
        out.insert(
            media,
            MediaUtilization {
                maximum_capacity: capacity as u32,
                interruptable_media_types: write.interruptable_media_types,
                include_non_acd: write.include_non_acd,
            },
        );
    }
    Ok(out)
}

/// `GET /api/v2/routing/utilization` (`UtilizationResponse`).
pub async fn get_org(ctx: Ctx) -> Response {
    json(&json!({ "utilization": ctx.read().org_utilization }))
}

/// `PUT /api/v2/routing/utilization`: media types left out keep their value.
pub async fn put_org(ctx: Ctx, Body(body): Body<UtilizationRequest>) -> Result<Response, ApiError> {
    let update = validate(body)?;
    let mut state = ctx.write();
    state.org_utilization.extend(update);
    Ok(json(&json!({ "utilization": state.org_utilization })))
}

/// `DELETE /api/v2/routing/utilization`: back to the defaults of a new org.
pub async fn delete_org(ctx: Ctx) -> Response {
    ctx.write().org_utilization = default_org_utilization();
    void()
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
    let user = state
        .users
        .get(user_id)
        .filter(|user| user.state != EntityState::Deleted)
        .ok_or_else(|| ApiError::not_found("user", &id))?;
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
    let own = validate(body)?;
    let mut state = ctx.write();
    let user = state
        .users
        .get_mut(user_id)
        .filter(|user| user.state != EntityState::Deleted)
        .ok_or_else(|| ApiError::not_found("user", &id))?;
    user.utilization = Some(own);
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
    let mut state = ctx.write();
    let user = state
        .users
        .get_mut(user_id)
        .filter(|user| user.state != EntityState::Deleted)
        .ok_or_else(|| ApiError::not_found("user", &id))?;
    user.utilization = None;
    Ok(void())
}
