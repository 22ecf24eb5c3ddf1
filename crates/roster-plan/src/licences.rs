//! The licence impact of a plan (DESIGN §2.10). Genesys licenses users by their roles
//! (auto-licensing), so roster never assigns a licence: it shows what its role grants imply.
//!
//! Two pure halves around one lookup the caller makes: [`role_changes`] lists each user whose
//! set of roles the plan changes (before and after, by role name); the caller asks the org
//! which licences each distinct role set implies (`POST /api/v2/license/infer`, one request
//! per set); [`licence_impact`] counts, per licence, the users who gain it and the users who
//! lose it. A user's roles before are every role it holds (direct and through groups) when
//! active, none when inactive or new; after, what the steps leave (none once deactivated).

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Email, GrantOrigin, LicenceDefinition, LiveOrg, Operation, UserState};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A set of role names.
pub type RoleSet = BTreeSet<String>;

/// One user whose roles the plan changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleChange {
    /// The user.
    pub email: Email,
    /// Its roles before the plan.
    pub before: RoleSet,
    /// Its roles after the plan.
    pub after: RoleSet,
}

/// What a plan's role grants and removals imply for licences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenceImpact {
    /// Licence (as people know it: its description, else its id) → users who gain it.
    pub adds: BTreeMap<String, u32>,
    /// Licence → users who lose it.
    pub frees: BTreeMap<String, u32>,
    /// Licences users gain that none of the licences they held includes: what raises cost,
    /// and what `policy.limits.licenceIncrease` limits. A user going from CX 3 to CX 2 gains
    /// CX 2, which CX 3 includes: no increase.
    #[serde(default)]
    pub increase: u32,
    /// Each user whose licences change.
    pub users: Vec<UserLicences>,
}

/// One user's licences before and after the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserLicences {
    /// The user.
    pub email: Email,
    /// Licences before.
    pub before: BTreeSet<String>,
    /// Licences after.
    pub after: BTreeSet<String>,
}

impl LicenceImpact {
    /// Whether no licence changes.
    pub fn is_empty(&self) -> bool {
        self.adds.is_empty() && self.frees.is_empty()
    }

    /// `adds 3 × CX 3, frees 1 × CX 2`; `no change` when nothing changes.
    pub fn summary(&self) -> String {
        let part = |verb: &str, counts: &BTreeMap<String, u32>| {
            (!counts.is_empty()).then(|| {
                let items: Vec<String> = counts.iter().map(|(l, n)| format!("{n} × {l}")).collect();
                format!("{verb} {}", items.join(", "))
            })
        };
        let parts: Vec<String> = [part("adds", &self.adds), part("frees", &self.frees)]
            .into_iter()
            .flatten()
            .collect();
        if parts.is_empty() {
            "no change".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A user's grants as (role, division, whether direct).
type Grants = BTreeSet<(String, String, bool)>;

/// Each user whose set of role names `steps` change, in email order.
pub fn role_changes(steps: &[roster_model::Step], live: &LiveOrg) -> Vec<RoleChange> {
    let home = live
        .home_division()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    // Per user: (role, division, direct?) grants as the steps leave them.
    let mut touched: BTreeMap<&Email, Option<Grants>> = BTreeMap::new();
    let held = |email: &Email| -> Option<Grants> {
        let user = live.users.get(email)?;
        (user.state == UserState::Active).then(|| {
            user.grants
                .iter()
                .map(|g| {
                    (
                        g.role.clone(),
                        g.division.clone(),
                        g.origin == GrantOrigin::Direct,
                    )
                })
                .collect()
        })
    };
    for step in steps {
        match &step.operation {
            Operation::CreateUser { email, .. } => {
                let grants = live
                    .new_user_grants()
                    .into_iter()
                    .map(|g| (g.role, g.division, true))
                    .collect();
                touched.insert(email, Some(grants));
            }
            Operation::GrantRoles { email, grants } => {
                let entry = touched.entry(email).or_insert_with(|| held(email));
                let set = entry.get_or_insert_with(BTreeSet::new);
                for grant in grants {
                    let division = grant.division.clone().unwrap_or_else(|| home.clone());
                    set.insert((grant.role.clone(), division, true));
                }
            }
            Operation::RevokeRoles { email, grants } => {
                let entry = touched.entry(email).or_insert_with(|| held(email));
                if let Some(set) = entry {
                    for grant in grants {
                        let division = grant.division.clone().unwrap_or_else(|| home.clone());
                        set.remove(&(grant.role.clone(), division, true));
                    }
                }
            }
            Operation::SetUserState { email, state } => {
                let entry = touched.entry(email).or_insert_with(|| held(email));
                match state {
                    // Inactive users lose every role (REFERENCE-events-entitlements §3.4).
                    UserState::Inactive => *entry = None,
                    // A reactivated user gets back only what groups give.
                    UserState::Active => {
                        let groups = live.users.get(email).map(|u| {
                            u.grants
                                .iter()
                                .filter(|g| g.origin != GrantOrigin::Direct)
                                .map(|g| (g.role.clone(), g.division.clone(), false))
                                .collect()
                        });
                        *entry = groups;
                    }
                }
            }
            _ => {}
        }
    }
    let names = |grants: Option<&Grants>| -> RoleSet {
        grants
            .into_iter()
            .flatten()
            .map(|(role, _, _)| role.clone())
            .collect()
    };
    touched
        .into_iter()
        .filter_map(|(email, after)| {
            let before = names(held(email).as_ref());
            let after = names(after.as_ref());
            (before != after).then(|| RoleChange {
                email: email.clone(),
                before,
                after,
            })
        })
        .collect()
}

/// The distinct role sets whose licences [`licence_impact`] needs.
pub fn role_sets_before_and_after(changes: &[RoleChange]) -> BTreeSet<RoleSet> {
    changes
        .iter()
        .flat_map(|c| [c.before.clone(), c.after.clone()])
        .collect()
}

/// Counts, per licence, who gains and who loses it, and the gains that raise cost (a licence
/// none of the user's former licences includes, per the definitions' `comprises`).
/// `inferred` holds the licence ids of each role set of [`role_sets_before_and_after`] (a set it lacks counts
/// as no licence); licences are shown by their definitions' descriptions.
pub fn licence_impact(
    changes: &[RoleChange],
    inferred: &BTreeMap<RoleSet, BTreeSet<String>>,
    definitions: &[LicenceDefinition],
) -> LicenceImpact {
    let label = |id: &String| -> String {
        definitions
            .iter()
            .find(|d| d.id == *id)
            .map_or_else(|| id.clone(), |d| d.label().to_owned())
    };
    let ids =
        |roles: &RoleSet| -> BTreeSet<String> { inferred.get(roles).cloned().unwrap_or_default() };
    let includes = |held: &String, gained: &String| {
        definitions
            .iter()
            .find(|d| d.id == *held)
            .is_some_and(|d| d.includes(gained, definitions))
    };
    let mut impact = LicenceImpact::default();
    for change in changes {
        let before = ids(&change.before);
        let after = ids(&change.after);
        if before == after {
            continue;
        }
        for gained in after.difference(&before) {
            *impact.adds.entry(label(gained)).or_default() += 1;
            if !before.iter().any(|held| includes(held, gained)) {
                impact.increase += 1;
            }
        }
        for lost in before.difference(&after) {
            *impact.frees.entry(label(lost)).or_default() += 1;
        }
        impact.users.push(UserLicences {
            email: change.email.clone(),
            before: before.iter().map(label).collect(),
            after: after.iter().map(label).collect(),
        });
    }
    impact
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_gains_and_losses_per_licence() {
        let impact = LicenceImpact {
            adds: BTreeMap::from([("CX 3".to_owned(), 3)]),
            frees: BTreeMap::from([("CX 2".to_owned(), 1)]),
            increase: 3,
            users: Vec::new(),
        };
        assert_eq!(impact.summary(), "adds 3 × CX 3, frees 1 × CX 2");
        assert_eq!(LicenceImpact::default().summary(), "no change");
    }
}
