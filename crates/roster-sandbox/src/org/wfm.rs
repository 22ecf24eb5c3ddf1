//! WFM: business units with planning groups, management units with their members, and
//! moving agents between management units.
//!
//! Rules (facts: PY269 `WorkforceManagementApi`, `MoveAgentsRequest`, `MoveAgentResponse`):
//! - a user is a member of at most one management unit;
//! - a move answers one result per user inside a 200, partial success included. The
//!   results the sandbox gives: `MoveSuccessful`; `AlreadyMoved` when the user is already
//!   in the destination and `NothingToDo` when a user in no unit is moved out (which of the
//!   two the real API gives in each case is UNCONFIRMED; both are success);
//!   `DestinationManagementUnitDoesNotExist` for an unknown destination;
//!   `DestinationManagementUnitAgentLimitExceeded` once the destination holds its seeded
//!   `agentLimit` (a sandbox knob: the real limits are licence-bound);
//! - at most [`MAX_MOVE_USERS`] users per move (UNCONFIRMED; harsher), each a live user
//!   (an unknown user refuses the whole call: UNCONFIRMED, harsher);
//! - the move is applied before the answer, or, with the `agentMoveDelayMs` knob, answered
//!   202 without results and applied later (whether the real call completes asynchronously
//!   is UNCONFIRMED: its documented body carries results, yet its completion has a topic);
//! - route-path media types are `Voice`, `Chat`, `Email`, `Callback`, `Message`,
//!   `Workitem` (`RoutePathResponse.mediaType`).

use uuid::Uuid;

use super::{ObjectKind, OrgError, ensure_new_id_in, required_name, same_name};
use crate::store::{BusinessUnit, ManagementUnit, OrgState, PlanningGroup};

/// The most users one move takes (UNCONFIRMED; the sandbox refuses more).
pub const MAX_MOVE_USERS: usize = 100;

/// `RoutePathResponse.mediaType` values.
pub const ROUTE_PATH_MEDIA_TYPES: &[&str] =
    &["Voice", "Chat", "Email", "Callback", "Message", "Workitem"];

/// Creates a business unit without planning groups (seeds).
pub fn create_business_unit(state: &mut OrgState, unit: &BusinessUnit) -> Result<(), OrgError> {
    let name = required_name(&unit.name)?;
    let units = &state.wfm.business_units;
    ensure_new_id_in(
        units.iter().map(|unit| unit.id),
        ObjectKind::BusinessUnit,
        unit.id,
    )?;
    if units.iter().any(|other| same_name(&other.name, &name)) {
        return Err(OrgError::NameTaken {
            kind: ObjectKind::BusinessUnit,
            name,
        });
    }
    if state.divisions.get(unit.division_id).is_none() {
        return Err(OrgError::UnknownReference {
            field: "division.id",
            kind: ObjectKind::Division,
            id: unit.division_id,
        });
    }
    state.wfm.business_units.push(BusinessUnit {
        id: unit.id,
        name,
        division_id: unit.division_id,
        planning_groups: Vec::new(),
    });
    Ok(())
}

/// Adds a planning group to a business unit (seeds): its route paths name existing
/// queues, languages and skills, and allowed media types.
pub fn add_planning_group(
    state: &mut OrgState,
    business_unit_id: Uuid,
    group: PlanningGroup,
) -> Result<(), OrgError> {
    let name = required_name(&group.name)?;
    for path in &group.route_paths {
        if state.queues.get(path.queue_id).is_none() {
            return Err(OrgError::UnknownReference {
                field: "routePaths.queue.id",
                kind: ObjectKind::Queue,
                id: path.queue_id,
            });
        }
        if !ROUTE_PATH_MEDIA_TYPES.contains(&path.media_type.as_str()) {
            return Err(OrgError::NotAllowed {
                field: "routePaths.mediaType",
                value: serde_json::Value::String(path.media_type.clone()),
                allowed: ROUTE_PATH_MEDIA_TYPES,
            });
        }
        if let Some(language) = path.language_id
            && state.languages.get(language).is_none()
        {
            return Err(OrgError::UnknownReference {
                field: "routePaths.language.id",
                kind: ObjectKind::Language,
                id: language,
            });
        }
        if let Some(&skill) = path
            .skill_ids
            .iter()
            .find(|skill| state.skills.get(**skill).is_none())
        {
            return Err(OrgError::UnknownReference {
                field: "routePaths.skills.id",
                kind: ObjectKind::Skill,
                id: skill,
            });
        }
    }
    let unit = business_unit_mut(state, business_unit_id)?;
    ensure_new_id_in(
        unit.planning_groups.iter().map(|group| group.id),
        ObjectKind::PlanningGroup,
        group.id,
    )?;
    if unit
        .planning_groups
        .iter()
        .any(|other| same_name(&other.name, &name))
    {
        return Err(OrgError::NameTaken {
            kind: ObjectKind::PlanningGroup,
            name,
        });
    }
    unit.planning_groups.push(PlanningGroup { name, ..group });
    Ok(())
}

fn business_unit_mut(state: &mut OrgState, id: Uuid) -> Result<&mut BusinessUnit, OrgError> {
    state
        .wfm
        .business_units
        .iter_mut()
        .find(|unit| unit.id == id)
        .ok_or(OrgError::NotFound {
            kind: ObjectKind::BusinessUnit,
            id,
        })
}

/// The business unit with this id.
pub fn business_unit(state: &OrgState, id: Uuid) -> Result<&BusinessUnit, OrgError> {
    state
        .wfm
        .business_units
        .iter()
        .find(|unit| unit.id == id)
        .ok_or(OrgError::NotFound {
            kind: ObjectKind::BusinessUnit,
            id,
        })
}

/// Creates a management unit without members in an existing business unit (seeds).
pub fn create_management_unit(state: &mut OrgState, unit: &ManagementUnit) -> Result<(), OrgError> {
    let name = required_name(&unit.name)?;
    business_unit(state, unit.business_unit_id)?;
    let units = &state.wfm.management_units;
    ensure_new_id_in(
        units.iter().map(|unit| unit.id),
        ObjectKind::ManagementUnit,
        unit.id,
    )?;
    if units.iter().any(|other| same_name(&other.name, &name)) {
        return Err(OrgError::NameTaken {
            kind: ObjectKind::ManagementUnit,
            name,
        });
    }
    state.wfm.management_units.push(ManagementUnit {
        id: unit.id,
        name,
        business_unit_id: unit.business_unit_id,
        agent_limit: unit.agent_limit,
        members: Vec::new(),
    });
    Ok(())
}

/// The management unit with this id.
pub fn management_unit(state: &OrgState, id: Uuid) -> Result<&ManagementUnit, OrgError> {
    state
        .wfm
        .management_units
        .iter()
        .find(|unit| unit.id == id)
        .ok_or(OrgError::NotFound {
            kind: ObjectKind::ManagementUnit,
            id,
        })
}

/// The management unit a user is a member of.
pub fn unit_of(state: &OrgState, user_id: Uuid) -> Option<Uuid> {
    state
        .wfm
        .management_units
        .iter()
        .find(|unit| unit.members.contains(&user_id))
        .map(|unit| unit.id)
}

/// `MoveAgentResponse.result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveResult {
    /// Moved (or taken out of WFM).
    MoveSuccessful,
    /// Already a member of the destination.
    AlreadyMoved,
    /// Taken out of WFM while in no management unit.
    NothingToDo,
    /// The destination does not exist.
    DestinationManagementUnitDoesNotExist,
    /// The destination holds its agent limit.
    DestinationManagementUnitAgentLimitExceeded,
}

impl MoveResult {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MoveSuccessful => "MoveSuccessful",
            Self::AlreadyMoved => "AlreadyMoved",
            Self::NothingToDo => "NothingToDo",
            Self::DestinationManagementUnitDoesNotExist => "DestinationManagementUnitDoesNotExist",
            Self::DestinationManagementUnitAgentLimitExceeded => {
                "DestinationManagementUnitAgentLimitExceeded"
            }
        }
    }
}

/// Refuses a whole move call, before anything moves: more than [`MAX_MOVE_USERS`] users, or
/// a user who is not live.
pub fn check_move(state: &OrgState, user_ids: &[Uuid]) -> Result<(), OrgError> {
    if user_ids.len() > MAX_MOVE_USERS {
        return Err(OrgError::TooMany {
            field: "userIds",
            count: user_ids.len(),
            max: MAX_MOVE_USERS,
        });
    }
    for &user_id in user_ids {
        if super::users::live_user(state, user_id).is_err() {
            return Err(OrgError::UnknownReference {
                field: "userIds",
                kind: ObjectKind::User,
                id: user_id,
            });
        }
    }
    Ok(())
}

/// Moves users to a management unit (`None`: out of WFM), in the order given; answers one
/// result per user. Refuses the whole call as [`check_move`] does.
pub fn move_agents(
    state: &mut OrgState,
    user_ids: &[Uuid],
    destination: Option<Uuid>,
) -> Result<Vec<(Uuid, MoveResult)>, OrgError> {
    check_move(state, user_ids)?;
    let destination_index = match destination {
        None => None,
        Some(id) => {
            let units = &state.wfm.management_units;
            let Some(index) = units.iter().position(|unit| unit.id == id) else {
                let result = MoveResult::DestinationManagementUnitDoesNotExist;
                return Ok(user_ids.iter().map(|&user| (user, result)).collect());
            };
            Some(index)
        }
    };
    let mut results = Vec::with_capacity(user_ids.len());
    for &user_id in user_ids {
        let source = unit_of(state, user_id);
        let units = &mut state.wfm.management_units;
        let result = match destination_index {
            None if source.is_none() => MoveResult::NothingToDo,
            Some(index) if source == Some(units[index].id) => MoveResult::AlreadyMoved,
            Some(index)
                if units[index]
                    .agent_limit
                    .is_some_and(|limit| units[index].members.len() >= limit) =>
            {
                MoveResult::DestinationManagementUnitAgentLimitExceeded
            }
            _ => {
                for unit in units.iter_mut() {
                    unit.members.retain(|member| *member != user_id);
                }
                if let Some(index) = destination_index {
                    units[index].members.push(user_id);
                }
                MoveResult::MoveSuccessful
            }
        };
        results.push((user_id, result));
    }
    Ok(results)
}
