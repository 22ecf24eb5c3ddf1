//! Wrap-up codes: created and replaced whole with a unique name, hard-deleted (and then
//! taken off every queue).

use uuid::Uuid;

use super::{
    ObjectKind, OrgError, Rows, Stamp, Touch, division_or_home, ensure_name_free, ensure_new_id,
    required_name,
};
use crate::store::{OrgState, WrapupCode};

/// What a create or a replacement says (`WrapupCodeRequest`).
#[derive(Debug, Clone)]
pub struct WrapupCodeDefinition {
    /// The name (trimmed; unique).
    pub name: String,
    /// The division (home when `None`).
    pub division_id: Option<Uuid>,
    /// The description.
    pub description: Option<String>,
}

/// Creates a wrap-up code with this id.
pub fn create(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    definition: &WrapupCodeDefinition,
) -> Result<(), OrgError> {
    let name = required_name(&definition.name)?;
    ensure_new_id(&state.wrapup_codes, ObjectKind::WrapupCode, id)?;
    ensure_name_free(&state.wrapup_codes, ObjectKind::WrapupCode, &name, None)?;
    let division_id = division_or_home(state, "division.id", definition.division_id)?;
    state.wrapup_codes.insert(WrapupCode {
        id,
        name,
        division_id,
        description: definition.description.clone(),
        date_created: at.timestamp.clone(),
        date_modified: at.timestamp.clone(),
    });
    Ok(())
}

/// Replaces a wrap-up code's definition (a division left out means home).
pub fn replace(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    definition: &WrapupCodeDefinition,
) -> Result<(), OrgError> {
    let name = required_name(&definition.name)?;
    if state.wrapup_codes.get(id).is_none() {
        return Err(OrgError::NotFound {
            kind: ObjectKind::WrapupCode,
            id,
        });
    }
    ensure_name_free(&state.wrapup_codes, ObjectKind::WrapupCode, &name, Some(id))?;
    let division_id = division_or_home(state, "division.id", definition.division_id)?;
    state.wrapup_codes.change(id, |code| {
        code.name = name;
        code.division_id = division_id;
        code.description.clone_from(&definition.description);
        code.touch(at);
    });
    Ok(())
}

/// Deletes a wrap-up code and takes it off every queue.
pub fn delete(state: &mut OrgState, id: Uuid) -> Result<(), OrgError> {
    state.wrapup_codes.remove(id).ok_or(OrgError::NotFound {
        kind: ObjectKind::WrapupCode,
        id,
    })?;
    for queue in &mut state.queues {
        queue.wrapup_codes.retain(|code| *code != id);
    }
    Ok(())
}
