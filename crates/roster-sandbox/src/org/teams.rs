//! Teams: unique names, hard-deleted; a user belongs to at most one team.
//!
//! Decisions on UNCONFIRMED points:
//! - adding a user who is in team A to team B fails for that user with
//!   `UserGroupLimitExceeded` by default (the harsher reading: `User.team` is singular and the
//!   API names that failure); with the `moveBetweenTeams` knob the add moves them out of A
//!   ([`TeamMoves`]);
//! - team names are unique like other names ([`super::same_name`]).

use uuid::Uuid;

use super::{
    ObjectKind, OrgError, Rows, SoftDeleted, Stamp, Touch, division_or_home, ensure_name_free,
    ensure_new_id, existing_division, required_name,
};
use crate::store::{OrgState, Team, TeamMember};

/// What a create says (`Team`).
#[derive(Debug, Clone)]
pub struct TeamDefinition {
    /// The name (trimmed; unique).
    pub name: String,
    /// The division (home when `None`).
    pub division_id: Option<Uuid>,
    /// The description.
    pub description: Option<String>,
}

/// Creates a team with this id and no members; it goes last in the team cursor order.
pub fn create(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    definition: &TeamDefinition,
) -> Result<(), OrgError> {
    let name = required_name(&definition.name)?;
    ensure_new_id(&state.teams, ObjectKind::Team, id)?;
    ensure_name_free(&state.teams, ObjectKind::Team, &name, None)?;
    let division_id = division_or_home(state, "division.id", definition.division_id)?;
    let seq = state.next_seq();
    state.teams.insert(Team {
        id,
        name,
        division_id,
        description: definition.description.clone(),
        date_created: at.timestamp.clone(),
        date_modified: at.timestamp.clone(),
        seq,
        members: Vec::new(),
    });
    Ok(())
}

/// Renames a team and changes what the update names: its division and description stay
/// when left out.
pub fn update(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    definition: &TeamDefinition,
) -> Result<(), OrgError> {
    let name = required_name(&definition.name)?;
    existing(state, id)?;
    ensure_name_free(&state.teams, ObjectKind::Team, &name, Some(id))?;
    let division_id = match definition.division_id {
        Some(division) => Some(existing_division(state, "division.id", division)?),
        None => None,
    };
    state.teams.change(id, |team| {
        team.name = name;
        if let Some(division_id) = division_id {
            team.division_id = division_id;
        }
        if definition.description.is_some() {
            team.description.clone_from(&definition.description);
        }
        team.touch(at);
    });
    Ok(())
}

/// Deletes a team; its members are left without one.
pub fn delete(state: &mut OrgState, id: Uuid) -> Result<(), OrgError> {
    let team = state.teams.remove(id).ok_or(OrgError::NotFound {
        kind: ObjectKind::Team,
        id,
    })?;
    for member in team.members {
        state
            .users
            .update(member.user_id, |user| user.team_id = None);
    }
    Ok(())
}

/// The team with this id.
pub fn existing(state: &OrgState, id: Uuid) -> Result<&Team, OrgError> {
    state.teams.get(id).ok_or(OrgError::NotFound {
        kind: ObjectKind::Team,
        id,
    })
}

/// What adding a user who is in another team does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamMoves {
    /// The user leaves the old team and joins the new one.
    Move,
    /// The user stays where they are; the add fails for them with
    /// [`MemberFailure::UserGroupLimitExceeded`].
    Refuse,
}

/// Why one user of a bulk add was not added (`TeamAddMemberFailure.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberFailure {
    /// No live user has that id.
    UserNotFound,
    /// The user is in another team, and [`TeamMoves::Refuse`] holds.
    UserGroupLimitExceeded,
}

impl MemberFailure {
    /// The API's name of the reason.
    pub fn reason(self) -> &'static str {
        match self {
            Self::UserNotFound => "UserNotFound",
            Self::UserGroupLimitExceeded => "UserGroupLimitExceeded",
        }
    }
}

/// Adds users to a team; each that is missing or deleted, or (under [`TeamMoves::Refuse`]) in
/// another team, fails alone. Answers the users that failed, and why.
pub fn add_members(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    users: &[Uuid],
    moves: TeamMoves,
) -> Result<Vec<(Uuid, MemberFailure)>, OrgError> {
    existing(state, id)?;
    let mut failed = Vec::new();
    for &user_id in users {
        let Some(user) = state.users.get(user_id).filter(|user| user.is_live()) else {
            failed.push((user_id, MemberFailure::UserNotFound));
            continue;
        };
        let previous = user.team_id;
        if previous == Some(id) {
            continue;
        }
        if previous.is_some() && moves == TeamMoves::Refuse {
            failed.push((user_id, MemberFailure::UserGroupLimitExceeded));
            continue;
        }
        if let Some(old) = previous {
            state.teams.change(old, |old| {
                old.members.retain(|member| member.user_id != user_id);
                old.touch(at);
            });
        }
        let seq = state.next_seq();
        state
            .teams
            .change(id, |team| team.members.push(TeamMember { user_id, seq }));
        state.users.update(user_id, |user| user.team_id = Some(id));
    }
    state.teams.change(id, |team| team.touch(at));
    Ok(failed)
}

/// Removes users from a team (users who are not members are ignored).
pub fn remove_members(state: &mut OrgState, id: Uuid, users: &[Uuid]) -> Result<(), OrgError> {
    existing(state, id)?;
    state.teams.change(id, |team| {
        team.members
            .retain(|member| !users.contains(&member.user_id));
    });
    for &user_id in users {
        state.users.update(user_id, |user| {
            if user.team_id == Some(id) {
                user.team_id = None;
            }
        });
    }
    Ok(())
}
