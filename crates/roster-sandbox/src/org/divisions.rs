//! Divisions: created by seeds (beside the home division every org has), and the objects
//! that move between them.

use uuid::Uuid;

use super::{
    ObjectKind, OrgError, Rows, Stamp, Touch, ensure_name_free, ensure_new_id, required_name,
};
use crate::store::{Division, OrgState};

/// Creates a division that is not the home division (seeds; the API's division writes are
/// not emulated).
pub fn create(state: &mut OrgState, id: Uuid, name: &str) -> Result<(), OrgError> {
    let name = required_name(name)?;
    ensure_new_id(&state.divisions, ObjectKind::Division, id)?;
    ensure_name_free(&state.divisions, ObjectKind::Division, &name, None)?;
    state.divisions.insert(Division {
        id,
        name,
        description: None,
        home: false,
    });
    Ok(())
}

/// The kinds of objects that move between divisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movable {
    /// Users (moving one is a write to the user record).
    User,
    /// Queues.
    Queue,
    /// Teams.
    Team,
}

/// Moves objects of one kind into a division; all of them exist, or nothing moves.
pub fn move_objects(
    state: &mut OrgState,
    at: &Stamp,
    division_id: Uuid,
    kind: Movable,
    ids: &[Uuid],
) -> Result<(), OrgError> {
    if state.divisions.get(division_id).is_none() {
        return Err(OrgError::NotFound {
            kind: ObjectKind::Division,
            id: division_id,
        });
    }
    let (object, known): (ObjectKind, &dyn Fn(Uuid) -> bool) = match kind {
        Movable::User => (ObjectKind::User, &|id| state.users.get(id).is_some()),
        Movable::Queue => (ObjectKind::Queue, &|id| state.queues.get(id).is_some()),
        Movable::Team => (ObjectKind::Team, &|id| state.teams.get(id).is_some()),
    };
    if let Some(&unknown) = ids.iter().find(|&&id| !known(id)) {
        return Err(OrgError::UnknownReference {
            field: "body",
            kind: object,
            id: unknown,
        });
    }
    for &id in ids {
        match kind {
            Movable::User => state.users.change(id, |user| {
                user.division_id = division_id;
                user.touch(at);
            }),
            Movable::Queue => state.queues.change(id, |queue| {
                queue.division_id = division_id;
                queue.touch(at);
            }),
            Movable::Team => state.teams.change(id, |team| {
                team.division_id = division_id;
                team.touch(at);
            }),
        };
    }
    Ok(())
}
