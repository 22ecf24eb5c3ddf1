//! Roles and role grants: a role in a division, held by a user or a group. Users inherit
//! the grants of their groups; every write here changes only a subject's own grants.
//!
//! UNCONFIRMED: which division `PUT /authorization/roles/{roleId}/users/add` and
//! `PUT /users/{userId}/roles` grant in; the sandbox grants in the home division.

use uuid::Uuid;

use super::{ObjectKind, OrgError, Rows, ensure_name_free, ensure_new_id, live, required_name};
use crate::store::{EntityState, Grant, OrgState, Role};

/// Creates a custom role without permissions (seeds; the API's role writes are not
/// emulated).
pub fn create_role(state: &mut OrgState, id: Uuid, name: &str) -> Result<(), OrgError> {
    let name = required_name(name)?;
    ensure_new_id(&state.roles, ObjectKind::Role, id)?;
    ensure_name_free(&state.roles, ObjectKind::Role, &name, None)?;
    state.roles.insert(Role {
        id,
        name,
        description: None,
        default_role_id: None,
        permissions: Vec::new(),
    });
    Ok(())
}

/// A grant's role and division exist.
pub fn check_grant(state: &OrgState, grant: &Grant) -> Result<(), OrgError> {
    existing_role(state, grant.role_id)?;
    if state.divisions.get(grant.division_id).is_none() {
        return Err(OrgError::NotFound {
            kind: ObjectKind::Division,
            id: grant.division_id,
        });
    }
    Ok(())
}

fn existing_role(state: &OrgState, id: Uuid) -> Result<(), OrgError> {
    match state.roles.get(id) {
        Some(_) => Ok(()),
        None => Err(OrgError::NotFound {
            kind: ObjectKind::Role,
            id,
        }),
    }
}

/// Who holds grants of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A live user.
    User(Uuid),
    /// A group.
    Group(Uuid),
}

/// The subject with this id: a live user, or else a group.
pub fn find_subject(state: &OrgState, id: Uuid) -> Result<Subject, OrgError> {
    if live(&state.users, ObjectKind::User, id).is_ok() {
        return Ok(Subject::User(id));
    }
    if state.groups.get(id).is_some() {
        return Ok(Subject::Group(id));
    }
    Err(OrgError::NotFound {
        kind: ObjectKind::Subject,
        id,
    })
}

/// Refuses to give roles to an inactive user: an inactive user holds none, so its own
/// grants stay empty until it is active again (`OrgState::grants_of`).
fn check_may_gain(state: &OrgState, user_id: Uuid) -> Result<(), OrgError> {
    match state.users.get(user_id) {
        Some(user) if user.state == EntityState::Inactive => {
            Err(OrgError::GrantToInactive { id: user_id })
        }
        _ => Ok(()),
    }
}

/// Changes a subject's own grants after checking the grants named exist (and, when it gains
/// any, that the subject may hold roles).
fn change_grants<R>(
    state: &mut OrgState,
    subject_id: Uuid,
    grants: &[Grant],
    gains: bool,
    change: impl FnOnce(&mut Vec<Grant>) -> R,
) -> Result<R, OrgError> {
    let subject = find_subject(state, subject_id)?;
    if gains && !grants.is_empty() {
        check_may_gain(state, subject_id)?;
    }
    for grant in grants {
        check_grant(state, grant)?;
    }
    let changed = match subject {
        Subject::User(id) => state.users.change(id, |user| change(&mut user.grants)),
        Subject::Group(id) => state.groups.change(id, |group| change(&mut group.grants)),
    };
    Ok(changed.expect("the subject was found above under the same lock"))
}

/// Adds grants to a subject's own (those held already stay once).
pub fn add(state: &mut OrgState, subject_id: Uuid, grants: &[Grant]) -> Result<(), OrgError> {
    change_grants(state, subject_id, grants, true, |own| {
        for grant in grants {
            if !own.contains(grant) {
                own.push(*grant);
            }
        }
    })
}

/// Removes grants from a subject's own (those not held are ignored).
pub fn remove(state: &mut OrgState, subject_id: Uuid, grants: &[Grant]) -> Result<(), OrgError> {
    change_grants(state, subject_id, grants, false, |own| {
        own.retain(|grant| !grants.contains(grant));
    })
}

/// Makes a subject's own grants exactly these (inherited grants are untouched).
pub fn replace(state: &mut OrgState, subject_id: Uuid, grants: &[Grant]) -> Result<(), OrgError> {
    let mut unique: Vec<Grant> = Vec::with_capacity(grants.len());
    for grant in grants {
        if !unique.contains(grant) {
            unique.push(*grant);
        }
    }
    change_grants(state, subject_id, grants, true, |own| *own = unique)
}

/// Revokes one grant the subject holds itself.
pub fn revoke(state: &mut OrgState, subject_id: Uuid, grant: Grant) -> Result<(), OrgError> {
    let held = change_grants(state, subject_id, &[grant], false, |own| {
        let before = own.len();
        own.retain(|existing| *existing != grant);
        own.len() != before
    })?;
    if held {
        Ok(())
    } else {
        Err(OrgError::GrantNotHeld {
            role: grant.role_id,
            division: grant.division_id,
        })
    }
}

/// Checks that every user is live.
fn live_users(state: &OrgState, users: &[Uuid]) -> Result<(), OrgError> {
    for &id in users {
        live(&state.users, ObjectKind::User, id)?;
    }
    Ok(())
}

/// Grants a role to live users in the home division.
pub fn grant_role(state: &mut OrgState, role_id: Uuid, users: &[Uuid]) -> Result<(), OrgError> {
    existing_role(state, role_id)?;
    live_users(state, users)?;
    for &user_id in users {
        check_may_gain(state, user_id)?;
    }
    let grant = Grant {
        role_id,
        division_id: state.home_division().id,
    };
    for &user_id in users {
        state.users.change(user_id, |user| {
            if !user.grants.contains(&grant) {
                user.grants.push(grant);
            }
        });
    }
    Ok(())
}

/// Revokes a role from live users in every division.
pub fn revoke_role(state: &mut OrgState, role_id: Uuid, users: &[Uuid]) -> Result<(), OrgError> {
    existing_role(state, role_id)?;
    live_users(state, users)?;
    for &user_id in users {
        state.users.change(user_id, |user| {
            user.grants.retain(|grant| grant.role_id != role_id);
        });
    }
    Ok(())
}

/// Sets a live user's roles: grants of listed roles stay (whatever their division), grants
/// of other roles go, and a listed role the user lacks is granted in the home division.
pub fn set_user_roles(state: &mut OrgState, user_id: Uuid, roles: &[Uuid]) -> Result<(), OrgError> {
    live(&state.users, ObjectKind::User, user_id)?;
    for &role_id in roles {
        existing_role(state, role_id)?;
    }
    if !roles.is_empty() {
        check_may_gain(state, user_id)?;
    }
    let home = state.home_division().id;
    state.users.change(user_id, |user| {
        user.grants.retain(|grant| roles.contains(&grant.role_id));
        for &role_id in roles {
            if !user.grants.iter().any(|grant| grant.role_id == role_id) {
                user.grants.push(Grant {
                    role_id,
                    division_id: home,
                });
            }
        }
    });
    Ok(())
}
