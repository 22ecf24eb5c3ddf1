//! `policy.ownedElsewhere` (issue #15 item 7): user fields an identity provider provisions
//! through SCIM are taken out of the desired state before planning, so no step can write
//! them; where the manifest and the org differ on one, the plan says so in a warning.
//!
//! Decisions:
//! - A user roster creates still gets its `name` (Genesys needs one to create a user); the
//!   other owned fields are left for the identity provider to fill in.
//! - `state` owned elsewhere: a manifest's `state` neither offboards nor reactivates; the
//!   user keeps the org's state (an explicit `roster offboard` still deactivates, see
//!   `roster-service`'s offboarding).

use std::borrow::Cow;

use roster_model::{DesiredOrg, Kind, LiveOrg, UserField};

use crate::types::Warning;

/// `desired` without the fields `policy.ownedElsewhere` lists, each difference with the org
/// reported in `warnings`. Borrowed when nothing is owned elsewhere.
pub(crate) fn without_owned_fields<'d>(
    desired: &'d DesiredOrg,
    live: &LiveOrg,
    warnings: &mut Vec<Warning>,
) -> Cow<'d, DesiredOrg> {
    let owned = &desired.policy.owned_elsewhere;
    if owned.is_empty() {
        return Cow::Borrowed(desired);
    }
    let mut kept = desired.clone();
    for user in kept.users.values_mut() {
        let held = live.users.get(&user.email);
        let mut differences: Vec<String> = Vec::new();
        let mut differ = |field: UserField, org: Option<String>, manifest: Option<String>| {
            if let (Some(org), Some(manifest)) = (org, manifest)
                && org != manifest
            {
                differences.push(format!(
                    "`{}` is `{org}` in the org, `{manifest}` in the manifests",
                    field.as_str()
                ));
            }
        };
        for field in owned {
            match field {
                UserField::Name => {
                    if let Some(held) = held {
                        differ(*field, Some(held.name.clone()), Some(user.name.clone()));
                        user.name.clone_from(&held.name);
                    }
                }
                UserField::Title => {
                    let title = user.title.take();
                    differ(
                        *field,
                        held.map(|h| h.title.clone().unwrap_or_default()),
                        title,
                    );
                }
                UserField::Department => {
                    let department = user.department.take();
                    differ(
                        *field,
                        held.map(|h| h.department.clone().unwrap_or_default()),
                        department,
                    );
                }
                UserField::Manager => {
                    let manager = user.manager.take().map(|m| m.to_string());
                    differ(
                        *field,
                        held.map(|h| {
                            h.manager
                                .as_ref()
                                .map(ToString::to_string)
                                .unwrap_or_default()
                        }),
                        manager,
                    );
                }
                UserField::Division => {
                    let division = user.division.take();
                    differ(*field, held.map(|h| h.division.clone()), division);
                }
                UserField::State => {
                    if let Some(held) = held {
                        differ(
                            *field,
                            Some(held.state.to_string()),
                            Some(user.state.to_string()),
                        );
                        user.state = held.state;
                        user.reactivate = false;
                    }
                }
            }
        }
        if !differences.is_empty() {
            warnings.push(Warning {
                kind: Kind::User,
                key: user.email.to_string(),
                message: format!(
                    "owned elsewhere (`policy.ownedElsewhere`), so not written: {}",
                    differences.join("; ")
                ),
            });
        }
    }
    Cow::Owned(kept)
}
