//! A pure model of how Genesys Cloud applies operations, for tests (ours and other crates',
//! through the `testing` feature): `plan(desired, simulate(live, plan.steps))` must have no
//! changes.
//!
//! New objects get deterministic fake ids (`sim-skill-Billing`); user writes bump `version`;
//! deleting a skill, language or wrap-up code takes it away from its holders; deleting a team
//! empties it. It is not an emulator: see `roster-sandbox` for the API itself.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    GrantOrigin, LiveGrant, LiveNamed, LiveOrg, LivePhone, LiveQueue, LiveQueueMember, LiveTeam,
    LiveUser, MemberOrigin, Operation, Step, UserState, Utilization,
};

/// Applies `steps` to a copy of `live`, in order, the way the org would.
pub fn simulate(live: &LiveOrg, steps: &[Step]) -> LiveOrg {
    let mut org = live.clone();
    for step in steps {
        apply(&mut org, &step.operation);
    }
    org
}

fn home(org: &LiveOrg) -> String {
    org.home_division()
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

fn text(value: Option<&String>) -> Option<String> {
    value.filter(|v| !v.is_empty()).cloned()
}

fn user_id(org: &LiveOrg, email: &roster_model::Email) -> String {
    org.users
        .get(email)
        .map_or_else(|| format!("sim-user-{email}"), |u| u.id.clone())
}

fn apply(org: &mut LiveOrg, op: &Operation) {
    use Operation as O;
    match op {
        O::CreateSkill { name } => {
            org.skills.insert(
                name.clone(),
                LiveNamed {
                    id: format!("sim-skill-{name}"),
                    name: name.clone(),
                },
            );
        }
        O::DeleteSkill { name } => {
            org.skills.remove(name);
            for user in org.users.values_mut() {
                user.skills.remove(name);
            }
        }
        O::CreateLanguage { name } => {
            org.languages.insert(
                name.clone(),
                LiveNamed {
                    id: format!("sim-language-{name}"),
                    name: name.clone(),
                },
            );
        }
        O::DeleteLanguage { name } => {
            org.languages.remove(name);
            for user in org.users.values_mut() {
                user.languages.remove(name);
            }
        }
        O::CreateWrapupCode { name } => {
            org.wrapup_codes.insert(
                name.clone(),
                LiveNamed {
                    id: format!("sim-code-{name}"),
                    name: name.clone(),
                },
            );
        }
        O::DeleteWrapupCode { name } => {
            org.wrapup_codes.remove(name);
            for queue in org.queues.values_mut() {
                if let Some(codes) = &mut queue.wrapup_codes {
                    codes.remove(name);
                }
            }
        }
        O::CreateQueue {
            name,
            division,
            description,
        } => {
            let division = division.clone().unwrap_or_else(|| home(org));
            org.queues.insert(
                name.clone(),
                LiveQueue {
                    id: format!("sim-queue-{name}"),
                    name: name.clone(),
                    division,
                    description: text(description.as_ref()),
                    wrapup_codes: Some(BTreeSet::new()),
                    members: Some(BTreeMap::new()),
                    media_types: BTreeSet::new(),
                },
            );
        }
        O::UpdateQueue {
            name,
            division,
            description,
        } => {
            if let Some(queue) = org.queues.get_mut(name) {
                if let Some(division) = division {
                    queue.division.clone_from(division);
                }
                if description.is_some() {
                    queue.description = text(description.as_ref());
                }
            }
        }
        O::DeleteQueue { name } => {
            org.queues.remove(name);
        }
        O::AddQueueWrapupCodes { queue, codes } => {
            if let Some(queue) = org.queues.get_mut(queue) {
                queue
                    .wrapup_codes
                    .get_or_insert_with(BTreeSet::new)
                    .extend(codes.iter().cloned());
            }
        }
        O::RemoveQueueWrapupCode { queue, code } => {
            if let Some(codes) = org
                .queues
                .get_mut(queue)
                .and_then(|q| q.wrapup_codes.as_mut())
            {
                codes.remove(code);
            }
        }
        O::AddQueueMembers { queue, users } => {
            let ids: Vec<_> = users.iter().map(|e| (e.clone(), user_id(org, e))).collect();
            if let Some(queue) = org.queues.get_mut(queue) {
                let members = queue.members.get_or_insert_with(BTreeMap::new);
                for (email, id) in ids {
                    members.entry(email).or_insert(LiveQueueMember {
                        user_id: id,
                        origin: MemberOrigin::Direct,
                    });
                }
            }
        }
        O::RemoveQueueMembers { queue, users } => {
            if let Some(members) = org.queues.get_mut(queue).and_then(|q| q.members.as_mut()) {
                // Only direct memberships can be removed; group ones stay.
                members.retain(|email, m| {
                    !(users.contains(email) && m.origin == MemberOrigin::Direct)
                });
            }
        }
        O::CreateTeam {
            name,
            division,
            description,
        } => {
            let division = division.clone().unwrap_or_else(|| home(org));
            org.teams.insert(
                name.clone(),
                LiveTeam {
                    id: format!("sim-team-{name}"),
                    name: name.clone(),
                    division,
                    description: text(description.as_ref()),
                },
            );
        }
        O::UpdateTeam {
            name,
            division,
            description,
        } => {
            if let Some(team) = org.teams.get_mut(name) {
                if let Some(division) = division {
                    team.division.clone_from(division);
                }
                if description.is_some() {
                    team.description = text(description.as_ref());
                }
            }
        }
        O::DeleteTeam { name } => {
            org.teams.remove(name);
            for user in org.users.values_mut() {
                if user.team.as_ref() == Some(name) {
                    user.team = None;
                }
            }
        }
        O::AddTeamMembers { team, users } => {
            for email in users {
                if let Some(user) = org.users.get_mut(email) {
                    user.team = Some(team.clone());
                    user.version += 1;
                }
            }
        }
        O::RemoveTeamMembers { team, users } => {
            for email in users {
                if let Some(user) = org.users.get_mut(email)
                    && user.team.as_ref() == Some(team)
                {
                    user.team = None;
                    user.version += 1;
                }
            }
        }
        O::CreateUser {
            email,
            name,
            division,
            title,
            department,
        } => {
            let division = division.clone().unwrap_or_else(|| home(org));
            let grants = org.new_user_grants();
            org.users.insert(
                email.clone(),
                LiveUser {
                    id: format!("sim-user-{email}"),
                    version: 1,
                    email: email.clone(),
                    name: name.clone(),
                    title: text(title.as_ref()),
                    department: text(department.as_ref()),
                    division,
                    manager: None,
                    state: UserState::Active,
                    team: None,
                    skills: BTreeMap::new(),
                    languages: BTreeMap::new(),
                    grants,
                    utilization: Some(Utilization::new()),
                    acd_auto_answer: false,
                    phone: LivePhone::default(),
                    station: None,
                    management_unit: None,
                },
            );
        }
        O::UpdateUser { email, patch } => {
            with_user(org, email, |user| {
                if let Some(name) = &patch.name {
                    user.name.clone_from(name);
                }
                if patch.title.is_some() {
                    user.title = text(patch.title.as_ref());
                }
                if patch.department.is_some() {
                    user.department = text(patch.department.as_ref());
                }
                if let Some(manager) = &patch.manager {
                    user.manager = Some(manager.clone());
                }
                if let Some(auto) = patch.acd_auto_answer {
                    user.acd_auto_answer = auto;
                }
            });
        }
        O::MoveUserDivision { email, division } => {
            with_user(org, email, |user| user.division.clone_from(division));
        }
        O::SetUserSkills { email, skills } => {
            with_user(org, email, |user| {
                user.skills
                    .extend(skills.iter().map(|(k, v)| (k.clone(), *v)));
            });
        }
        O::RemoveUserSkills { email, skills } => {
            with_user(org, email, |user| {
                user.skills.retain(|name, _| !skills.contains(name));
            });
        }
        O::SetUserLanguages { email, languages } => {
            with_user(org, email, |user| {
                user.languages
                    .extend(languages.iter().map(|(k, v)| (k.clone(), *v)));
            });
        }
        O::RemoveUserLanguages { email, languages } => {
            with_user(org, email, |user| {
                user.languages.retain(|name, _| !languages.contains(name));
            });
        }
        O::GrantRoles { email, grants } => {
            let home = home(org);
            with_user(org, email, |user| {
                for grant in grants {
                    user.grants.insert(LiveGrant {
                        role: grant.role.clone(),
                        division: grant.division.clone().unwrap_or_else(|| home.clone()),
                        origin: GrantOrigin::Direct,
                    });
                }
            });
        }
        O::RevokeRoles { email, grants } => {
            let home = home(org);
            with_user(org, email, |user| {
                user.grants.retain(|held| {
                    held.origin != GrantOrigin::Direct
                        || !grants.iter().any(|g| {
                            g.role == held.role
                                && g.division.as_deref().unwrap_or(&home) == held.division
                        })
                });
            });
        }
        O::SetUtilization { email, utilization } => {
            // Read back as the API answers it: media types equal to the defaults look unset.
            let read_back = roster_model::without_defaults(utilization, &org.default_utilization);
            with_user(org, email, |user| {
                user.utilization = Some(read_back);
            });
        }
        O::SetUserState { email, state } => {
            with_user(org, email, |user| user.state = *state);
        }
        O::SetUserPhone {
            email,
            number,
            extension,
        } => {
            with_user(org, email, |user| {
                user.phone = LivePhone {
                    number: number.as_ref().map(|n| n.as_str().to_owned()),
                    extension: extension.clone(),
                };
            });
        }
        O::MoveToManagementUnit { unit, users } => {
            // A move changes WFM's records, not the user's `version`.
            for email in users {
                if let Some(user) = org.users.get_mut(email) {
                    user.management_unit.clone_from(unit);
                }
            }
        }
        O::DisassociateStation { email } => {
            if let Some(user) = org.users.get_mut(email) {
                user.station = None;
            }
        }
        O::RevokeTokens { .. } => {}
    }
}

fn with_user(org: &mut LiveOrg, email: &roster_model::Email, f: impl FnOnce(&mut LiveUser)) {
    if let Some(user) = org.users.get_mut(email) {
        f(user);
        user.version += 1;
    }
}
