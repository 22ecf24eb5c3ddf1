//! Utilization: how many interactions of each media type an agent takes at once, for the
//! whole org and per agent.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::{ObjectKind, OrgError, Rows, live};
use crate::builtins::{MAX_CAPACITY, MEDIA_TYPES, default_org_utilization};
use crate::store::{MediaUtilization, OrgState};

/// One media type's settings as a write sends them (`MediaUtilization`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaSetting {
    /// 0..=25.
    pub maximum_capacity: i64,
    /// Media types that may interrupt this one.
    pub interruptable_media_types: Vec<String>,
    /// Whether non-ACD interactions count.
    pub include_non_acd: bool,
}

/// Settings by media type, checked: known media types, capacities in 0..=25.
pub fn checked(
    settings: BTreeMap<String, MediaSetting>,
) -> Result<BTreeMap<String, MediaUtilization>, OrgError> {
    let mut out = BTreeMap::new();
    for (media, setting) in settings {
        if !MEDIA_TYPES.contains(&media.as_str()) {
            return Err(OrgError::MediaType {
                field: "utilization",
                media,
            });
        }
        let capacity = u32::try_from(setting.maximum_capacity)
            .ok()
            .filter(|capacity| *capacity <= MAX_CAPACITY)
            .ok_or(OrgError::Capacity {
                value: setting.maximum_capacity,
            })?;
        if let Some(unknown) = setting
            .interruptable_media_types
            .iter()
            .find(|media| !MEDIA_TYPES.contains(&media.as_str()))
        {
            return Err(OrgError::MediaType {
                field: "interruptableMediaTypes",
                media: unknown.clone(),
            });
        }
        out.insert(
            media,
            MediaUtilization {
                maximum_capacity: capacity,
                interruptable_media_types: setting.interruptable_media_types,
                include_non_acd: setting.include_non_acd,
            },
        );
    }
    Ok(out)
}

/// Changes the org-wide settings of the media types named; the others keep theirs.
pub fn update_org(
    state: &mut OrgState,
    settings: BTreeMap<String, MediaSetting>,
) -> Result<(), OrgError> {
    let update = checked(settings)?;
    state.org_utilization.extend(update);
    Ok(())
}

/// Puts the org-wide settings back to those of a new org.
pub fn reset_org(state: &mut OrgState) {
    state.org_utilization = default_org_utilization();
}

/// Gives a live user settings of their own (media types left out read as the org's).
pub fn set_user(
    state: &mut OrgState,
    user_id: Uuid,
    settings: BTreeMap<String, MediaSetting>,
) -> Result<(), OrgError> {
    let own = checked(settings)?;
    live(&state.users, ObjectKind::User, user_id)?;
    state
        .users
        .change(user_id, |user| user.utilization = Some(own));
    Ok(())
}

/// Puts a live user back on the org's settings.
pub fn clear_user(state: &mut OrgState, user_id: Uuid) -> Result<(), OrgError> {
    live(&state.users, ObjectKind::User, user_id)?;
    state.users.change(user_id, |user| user.utilization = None);
    Ok(())
}
