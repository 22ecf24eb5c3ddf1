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

use super::{Body, Ctx, parse_id, parse_ids, void};
use crate::error::ApiError;
use crate::paging::json;
use crate::render;
use crate::store::{EntityState, Grant, OrgState};

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

/// A subject's own grants, as a user or a group.
enum Subject {
    User(Uuid),
    Group(Uuid),
}

fn find_subject(state: &OrgState, id: &str) -> Result<Subject, ApiError> {
    let subject_id = parse_id(id, "subject")?;
    if state
        .users
        .get(subject_id)
        .is_some_and(|user| user.state != EntityState::Deleted)
    {
        return Ok(Subject::User(subject_id));
    }
    if state.groups.get(subject_id).is_some() {
        return Ok(Subject::Group(subject_id));
    }
    Err(ApiError::not_found("subject", id))
}

fn grants_mut<'a>(state: &'a mut OrgState, subject: &Subject) -> &'a mut Vec<Grant> {
    let found = match subject {
        Subject::User(id) => state.users.get_mut(*id).map(|user| &mut user.grants),
        Subject::Group(id) => state.groups.get_mut(*id).map(|group| &mut group.grants),
    };
    found.expect("the subject was looked up under the same write lock")
}

fn parse_grants(state: &OrgState, body: &RoleDivisionGrants) -> Result<Vec<Grant>, ApiError> {
    body.grants
        .iter()
        .map(|pair| parse_grant(state, &pair.role_id, &pair.division_id))
        .collect()
}

/// One role in one division, both existing.
fn parse_grant(state: &OrgState, role: &str, division: &str) -> Result<Grant, ApiError> {
    let role_id = parse_ids(&[role.to_owned()], "roleId")?[0];
    let division_id = parse_ids(&[division.to_owned()], "divisionId")?[0];
    if state.roles.get(role_id).is_none() {
        return Err(ApiError::not_found("role", role));
    }
    if state.divisions.get(division_id).is_none() {
        return Err(ApiError::not_found("division", division));
    }
    Ok(Grant {
        role_id,
        division_id,
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
    let state = ctx.read();
    let (subject_id, name, mut sources) = match find_subject(&state, &id)? {
        Subject::User(user_id) => {
            let user = state
                .users
                .get(user_id)
                .expect("found above under the same lock");
            let mut sources: Vec<(Uuid, &Grant)> =
                user.grants.iter().map(|grant| (user_id, grant)).collect();
            for group in state.groups_of(user_id) {
                sources.extend(group.grants.iter().map(|grant| (group.id, grant)));
            }
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
    let mut state = ctx.write();
    let subject = find_subject(&state, &id)?;
    let grants = parse_grants(&state, &body)?;
    let own = grants_mut(&mut state, &subject);
    for grant in grants {
        if !own.contains(&grant) {
            own.push(grant);
        }
    }
    Ok(void())
}

/// `POST /api/v2/authorization/subjects/{subjectId}/bulkremove`.
pub async fn bulk_remove(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<RoleDivisionGrants>,
) -> Result<Response, ApiError> {
    let mut state = ctx.write();
    let subject = find_subject(&state, &id)?;
    let grants = parse_grants(&state, &body)?;
    grants_mut(&mut state, &subject).retain(|grant| !grants.contains(grant));
    Ok(void())
}

/// `POST /api/v2/authorization/subjects/{subjectId}/bulkreplace`: the subject's own grants
/// become exactly the list; inherited grants are untouched.
pub async fn bulk_replace(
    ctx: Ctx,
    Path(id): Path<String>,
    Body(body): Body<RoleDivisionGrants>,
) -> Result<Response, ApiError> {
    let mut state = ctx.write();
    let subject = find_subject(&state, &id)?;
    let mut grants = parse_grants(&state, &body)?;
    let mut seen = std::collections::HashSet::new();
    grants.retain(|grant| seen.insert(*grant));
    *grants_mut(&mut state, &subject) = grants;
    Ok(void())
}

/// `POST /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}`.
pub async fn grant_one(
    ctx: Ctx,
    Path((id, division, role)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let mut state = ctx.write();
    let subject = find_subject(&state, &id)?;
    let grant = parse_grant(&state, &role, &division)?;
    let own = grants_mut(&mut state, &subject);
    if !own.contains(&grant) {
        own.push(grant);
    }
    Ok(void())
}

/// `DELETE /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}`.
pub async fn revoke_one(
    ctx: Ctx,
    Path((id, division, role)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let mut state = ctx.write();
    let subject = find_subject(&state, &id)?;
    let grant = parse_grant(&state, &role, &division)?;
    let own = grants_mut(&mut state, &subject);
    let before = own.len();
    own.retain(|existing| *existing != grant);
    if own.len() == before {
        return Err(ApiError::not_found(
            "grant",
            &format!("{}/{}", grant.division_id, grant.role_id),
        ));
    }
    Ok(void())
}

/// `GET /api/v2/users/{subjectId}/roles` (`UserAuthorization`).
pub async fn user_roles(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let user_id = parse_id(&id, "user")?;
    let state = ctx.read();
    let user = state
        .users
        .get(user_id)
        .filter(|user| user.state != EntityState::Deleted)
        .ok_or_else(|| ApiError::not_found("user", &id))?;
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
    if state
        .users
        .get(user_id)
        .is_none_or(|user| user.state == EntityState::Deleted)
    {
        return Err(ApiError::not_found("user", &id));
    }
    if let Some(unknown) = role_ids
        .iter()
        .find(|&&role| state.roles.get(role).is_none())
    {
        return Err(ApiError::not_found("role", &unknown.to_string()));
    }
    let home = state.home_division().id;
    let user = state
        .users
        .get_mut(user_id)
        .expect("checked above under the same lock");
    user.grants
        .retain(|grant| role_ids.contains(&grant.role_id));
    for role_id in role_ids {
        if !user.grants.iter().any(|grant| grant.role_id == role_id) {
            user.grants.push(Grant {
                role_id,
                division_id: home,
            });
        }
    }
    let user = state
        .users
        .get(user_id)
        .expect("checked above under the same lock");
    Ok(json(&render::user_authorization(&state, user)))
}
