//! Role grants: a role in a division, held by a user or a group. Users inherit the grants
//! of their groups; writes change only a subject's own grants.

use super::{ObjectKind, OrgError};
use crate::store::{Grant, OrgState};

/// A grant's role and division exist.
pub fn check_grant(state: &OrgState, grant: &Grant) -> Result<(), OrgError> {
    if state.roles.get(grant.role_id).is_none() {
        return Err(OrgError::NotFound {
            kind: ObjectKind::Role,
            id: grant.role_id,
        });
    }
    if state.divisions.get(grant.division_id).is_none() {
        return Err(OrgError::NotFound {
            kind: ObjectKind::Division,
            id: grant.division_id,
        });
    }
    Ok(())
}
