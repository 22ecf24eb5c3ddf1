//! Licences: definitions, the licences each role carries, and what a user holds.
//!
//! Rules (facts: PY269 `LicenseApi`; resource center "Manage licenses": "Each role has an
//! associated license", automatic licence assignment is the default):
//! - a licence id is unique; the licences a role carries are defined licences;
//! - `POST /license/infer` answers the union of the licences of the roles given; an unknown
//!   role is refused (UNCONFIRMED what the real API does; harsher);
//! - a user holds the licences of every role they hold, directly or through a group.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{ObjectKind, OrgError};
use crate::store::{LicenceDefinition, OrgState, User};

/// Defines a licence (seeds).
pub fn define(state: &mut OrgState, definition: LicenceDefinition) -> Result<(), OrgError> {
    if definition.id.trim().is_empty() {
        return Err(OrgError::Required { field: "id" });
    }
    if state
        .licences
        .definitions
        .iter()
        .any(|other| other.id == definition.id)
    {
        return Err(OrgError::LicenceTaken { id: definition.id });
    }
    state.licences.definitions.push(definition);
    Ok(())
}

/// Gives a role a defined licence (seeds).
pub fn give_to_role(state: &mut OrgState, role_id: Uuid, licence: &str) -> Result<(), OrgError> {
    if state.roles.get(role_id).is_none() {
        return Err(OrgError::NotFound {
            kind: ObjectKind::Role,
            id: role_id,
        });
    }
    if definition(state, licence).is_none() {
        return Err(OrgError::UnknownLicence {
            id: licence.to_owned(),
        });
    }
    let licences = state.licences.role_licences.entry(role_id).or_default();
    if !licences.iter().any(|held| held == licence) {
        licences.push(licence.to_owned());
    }
    Ok(())
}

/// The definition with this id.
pub fn definition<'a>(state: &'a OrgState, id: &str) -> Option<&'a LicenceDefinition> {
    state
        .licences
        .definitions
        .iter()
        .find(|definition| definition.id == id)
}

/// The licences the roles carry, sorted, each once. Every role must exist.
pub fn infer(state: &OrgState, role_ids: &[Uuid]) -> Result<BTreeSet<String>, OrgError> {
    let mut licences = BTreeSet::new();
    for &role_id in role_ids {
        if state.roles.get(role_id).is_none() {
            return Err(OrgError::UnknownReference {
                field: "roleIds",
                kind: ObjectKind::Role,
                id: role_id,
            });
        }
        if let Some(held) = state.licences.role_licences.get(&role_id) {
            licences.extend(held.iter().cloned());
        }
    }
    Ok(licences)
}

/// The licences a user holds: those of their roles, direct and through groups.
pub fn of_user(state: &OrgState, user: &User) -> BTreeSet<String> {
    state
        .grants_of(user)
        .filter_map(|(_, grant)| state.licences.role_licences.get(&grant.role_id))
        .flatten()
        .cloned()
        .collect()
}
