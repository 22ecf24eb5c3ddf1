//! Grants of a subject (user or group): `GET /authorization/subjects/{id}`, bulk add, remove
//! and replace, single grants, and `GET`/`PUT /users/{id}/roles`.
//!
//! Grants a user inherits from a group show with `subjectId` = the group. Without
//! `includeDuplicates=true` a (role, division) pair shows once, the direct grant first;
//! `bulkreplace` replaces only the subject's own grants, never inherited ones.

use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Body, Ctx, body_id, parse_id, parse_ids};
use crate::error::ApiError;
use crate::org::grants::{self, Subject};
use crate::org::users;
use crate::paging::json;
use crate::render;
use crate::store::{Grant, OrgState};

/// `RoleDivisionGrants`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDivisionGrants {
    grants: Vec<RoleDivisionPair>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleDivisionPair {
    role_id: String,
    division_id: String,
}

fn decode_grants(body: &RoleDivisionGrants) -> Result<Vec<Grant>, ApiError> {
    body.grants
        .iter()
        .map(|pair| decode_grant(&pair.role_id, &pair.division_id))
        .collect()
}

/// One role in one division, by ids.
fn decode_grant(role: &str, division: &str) -> Result<Grant, ApiError> {
    Ok(Grant {
        role_id: body_id(role, "roleId")?,
        division_id: body_id(division, "divisionId")?,
    })
}

fn grant_json(state: &OrgState, subject_id: Uuid, grant: &Grant) -> Option<Value> {
    let role = state.roles.get(grant.role_id)?;
    let division = state.divisions.get(grant.division_id)?;
    let mut role_json = serde_json::Map::new();
    role_json.insert("id".into(), json!(role.id));
    role_json.insert("name".into(), json!(role.name));
    if let Some(description) = &role.description {
        role_json.insert("description".into(), json!(description));
    }
    role_json.insert("default".into(), json!(role.default_role_id.is_some()));
    role_json.insert(
        "selfUri".into(),
        json!(format!("/api/v2/authorization/roles/{}", role.id)),
    );
    Some(json!({
        "subjectId": subject_id,
        "division": render::authz_division(division),
        "role": Value::Object(role_json),
    }))
}

/// `GET /api/v2/authorization/subjects/{subjectId}` (`AuthzSubject`).
pub async fn get_one(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let include_duplicates = ctx.query.bool("includeDuplicates")?.unwrap_or(false);
    let subject_id = parse_id(&id, "subject")?;
    let state = ctx.read();
    let (subject_id, name, mut sources) = match grants::find_subject(&state, subject_id)? {
        Subject::User(user_id) => {
            let user = state
                .users
                .get(user_id)
                .expect("found above under the same lock");
            let sources: Vec<(Uuid, &Grant)> = state.grants_of(user).collect();
            (user_id, user.name.clone(), sources)
        }
        Subject::Group(group_id) => {
            let group = state
                .groups
                .get(group_id)
                .expect("found above under the same lock");
            (
                group_id,
                group.name.clone(),
                group.grants.iter().map(|grant| (group_id, grant)).collect(),
            )
        }
    };
    if !include_duplicates {
        let mut seen = std::collections::HashSet::new();
        sources.retain(|(_, grant)| seen.insert(**grant));
    }
    let grants: Vec<Value> = sources
        .iter()
        .filter_map(|(holder, grant)| grant_json(&state, *holder, grant))
        .collect();
    Ok(json(&json!({
        "id": subject_id,
        "name": name,
        "grants": grants,
        "version": 1,
        "selfUri": format!("/api/v2/authorization/subjects/{subject_id}"),
    })))
}

/// `POST /api/v2/authorization/subjects/{subjectId}/bulkadd`.
pub async fn bulk_add(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<RoleDivisionGrants>,
) -> Result<Response, ApiError> {
    let subject_id = parse_id(&id, "subject")?;
    let wanted = decode_grants(&body)?;
    grants::add(&mut ctx.write(), subject_id, &wanted)?;
    Ok(ctx.void())
}

/// `POST /api/v2/authorization/subjects/{subjectId}/bulkremove`.
pub async fn bulk_remove(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<RoleDivisionGrants>,
) -> Result<Response, ApiError> {
    let subject_id = parse_id(&id, "subject")?;
    let wanted = decode_grants(&body)?;
    grants::remove(&mut ctx.write(), subject_id, &wanted)?;
    Ok(ctx.void())
}

/// `POST /api/v2/authorization/subjects/{subjectId}/bulkreplace`: the subject's own grants
/// become exactly the list; inherited grants are untouched.
pub async fn bulk_replace(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<RoleDivisionGrants>,
) -> Result<Response, ApiError> {
    let subject_id = parse_id(&id, "subject")?;
    let wanted = decode_grants(&body)?;
    grants::replace(&mut ctx.write(), subject_id, &wanted)?;
    Ok(ctx.void())
}

/// `POST /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}`.
pub async fn grant_one(
    ctx: Ctx,
    Path((id, division, role)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let subject_id = parse_id(&id, "subject")?;
    let grant = decode_grant(&role, &division)?;
    grants::add(&mut ctx.write(), subject_id, &[grant])?;
    Ok(ctx.void())
}

/// `DELETE /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}`.
pub async fn revoke_one(
    ctx: Ctx,
    Path((id, division, role)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let subject_id = parse_id(&id, "subject")?;
    let grant = decode_grant(&role, &division)?;
    grants::revoke(&mut ctx.write(), subject_id, grant)?;
    Ok(ctx.void())
}

/// `GET /api/v2/users/{subjectId}/roles` (`UserAuthorization`).
pub async fn user_roles(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let state = ctx.read();
    let user = users::live_user(&state, user_id)?;
    Ok(json(&render::user_authorization(&state, user)))
}

/// `PUT /api/v2/users/{subjectId}/roles` with role ids: "sets the user's roles".
///
/// UNCONFIRMED how divisions are chosen. The sandbox keeps the user's existing grants of
/// listed roles (whatever their division), removes grants of roles not listed, and grants a
/// listed role the user lacks in the home division.
pub async fn set_user_roles(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<Vec<String>>,
) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let role_ids = parse_ids(&body, "body")?;
    let mut state = ctx.write();
    grants::set_user_roles(&mut state, user_id, &role_ids)?;
    let user = state
        .users
        .get(user_id)
        .expect("changed above under the same lock");
    Ok(json(&render::user_authorization(&state, user)))
}
