//! Routing skills and languages: created with a unique name, never renamed (a skill only
//! moves division; a language never changes), soft-deleted.
//!
//! UNCONFIRMED in the real API: deleting a skill or language also takes it off every user,
//! so that users never show a deleted assignment.

use uuid::Uuid;

use super::{
    ObjectKind, OrgError, Rows, Stamp, division_or_home, ensure_name_free, ensure_new_id,
    existing_division, live, required_name, soft_delete,
};
use crate::store::{EntityState, Language, OrgState, Skill};

/// A skill to create.
#[derive(Debug, Clone)]
pub struct NewSkill {
    /// Its id (random from the API, derived from the name in seeds).
    pub id: Uuid,
    /// Its name (trimmed; unique among live skills).
    pub name: String,
    /// Its division (home when `None`).
    pub division_id: Option<Uuid>,
}

/// Creates a skill.
pub fn create_skill(state: &mut OrgState, at: &Stamp, new: &NewSkill) -> Result<Uuid, OrgError> {
    let name = required_name(&new.name)?;
    let division_id = division_or_home(state, "divisionId", new.division_id)?;
    ensure_new_id(&state.skills, ObjectKind::Skill, new.id)?;
    ensure_name_free(&state.skills, ObjectKind::Skill, &name, None)?;
    state.skills.insert(Skill {
        id: new.id,
        name,
        division_id,
        state: EntityState::Active,
        version: 1,
        date_modified: at.timestamp.clone(),
        listed_from_ms: at.listed_from_ms,
    });
    Ok(new.id)
}

/// Moves a live skill to another division (the only change a skill takes).
pub fn move_skill(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    division_id: Uuid,
) -> Result<(), OrgError> {
    let division_id = existing_division(state, "divisionId", division_id)?;
    live(&state.skills, ObjectKind::Skill, id)?;
    state.skills.change(id, |skill| {
        skill.division_id = division_id;
        super::Touch::touch(skill, at);
    });
    Ok(())
}

/// Soft-deletes a skill and takes it off every user.
pub fn delete_skill(state: &mut OrgState, at: &Stamp, id: Uuid) -> Result<(), OrgError> {
    soft_delete(&mut state.skills, ObjectKind::Skill, id, at)?;
    let holders: Vec<Uuid> = state
        .users
        .iter()
        .filter(|user| user.skills.iter().any(|assignment| assignment.id == id))
        .map(|user| user.id)
        .collect();
    for user_id in holders {
        state.users.update(user_id, |user| {
            user.skills.retain(|assignment| assignment.id != id);
        });
    }
    Ok(())
}

/// A language to create.
#[derive(Debug, Clone)]
pub struct NewLanguage {
    /// Its id.
    pub id: Uuid,
    /// Its name (trimmed; unique among live languages).
    pub name: String,
}

/// Creates a language.
pub fn create_language(
    state: &mut OrgState,
    at: &Stamp,
    new: &NewLanguage,
) -> Result<Uuid, OrgError> {
    let name = required_name(&new.name)?;
    ensure_new_id(&state.languages, ObjectKind::Language, new.id)?;
    ensure_name_free(&state.languages, ObjectKind::Language, &name, None)?;
    state.languages.insert(Language {
        id: new.id,
        name,
        state: EntityState::Active,
        version: 1,
        date_modified: at.timestamp.clone(),
    });
    Ok(new.id)
}

/// Soft-deletes a language and takes it off every user.
pub fn delete_language(state: &mut OrgState, at: &Stamp, id: Uuid) -> Result<(), OrgError> {
    soft_delete(&mut state.languages, ObjectKind::Language, id, at)?;
    let holders: Vec<Uuid> = state
        .users
        .iter()
        .filter(|user| user.languages.iter().any(|assignment| assignment.id == id))
        .map(|user| user.id)
        .collect();
    for user_id in holders {
        state.users.update(user_id, |user| {
            user.languages.retain(|assignment| assignment.id != id);
        });
    }
    Ok(())
}
