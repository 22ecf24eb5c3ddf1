//! Groups: created by seeds (the API's group writes are not emulated). Their members
//! inherit their role grants and the queues they are a member group of.

use std::collections::HashSet;

use uuid::Uuid;

use super::{ObjectKind, OrgError, Stamp, ensure_name_free, ensure_new_id, required_name};
use crate::store::{Grant, Group, OrgState};

/// A group to create.
#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    /// The id.
    pub id: Uuid,
    /// The name (trimmed; unique).
    pub name: String,
    /// Member users (listed once each).
    pub members: Vec<Uuid>,
    /// Role grants every member inherits.
    pub grants: Vec<Grant>,
}

/// Creates a group of existing users.
pub fn create(state: &mut OrgState, at: &Stamp, new: &NewGroup) -> Result<(), OrgError> {
    let name = required_name(&new.name)?;
    ensure_new_id(&state.groups, ObjectKind::Group, new.id)?;
    ensure_name_free(&state.groups, ObjectKind::Group, &name, None)?;
    let mut members = Vec::with_capacity(new.members.len());
    let mut seen = HashSet::with_capacity(new.members.len());
    for &user_id in &new.members {
        if state.users.get(user_id).is_none() {
            return Err(OrgError::UnknownReference {
                field: "members",
                kind: ObjectKind::User,
                id: user_id,
            });
        }
        if seen.insert(user_id) {
            members.push(user_id);
        }
    }
    let mut grants = Vec::with_capacity(new.grants.len());
    for grant in &new.grants {
        super::grants::check_grant(state, grant)?;
        if !grants.contains(grant) {
            grants.push(*grant);
        }
    }
    state.groups.insert(Group {
        id: new.id,
        name,
        description: None,
        members,
        grants,
        date_modified: at.timestamp.clone(),
    });
    Ok(())
}
