//! The safety verdict (DESIGN §2.6, issue #12): whether a plan deletes, deactivates or takes
//! away more routing than `policy.limits` allows, alone or together with what succeeded in
//! the org in the last 24 hours.
//!
//! The verdict is a function of the plan's steps, the live org and the limits, never of a
//! plan's `blocked` field, so `apply --plan` derives it again from a saved plan's steps, the
//! policy `roster.yaml` holds now and the org as it reads it. Routing loss is measured per
//! user on the effect of the steps on what the org holds, which is where a routing profile's
//! change lands: the planner compiles profiles into each user's own skills and queues.
//!
//! Decisions:
//! - A renamed skill's deletion is not a delete (its holders get the new name first).
//! - Routing loss counts users who stay active: a deactivated user is counted once, as a
//!   deactivation, not again for the queues and skills offboarding takes away.
//! - Queues are those whose members were read (the manifests' queues); a user in no queue
//!   read counts as in none.
//! - A team move (`addTeamMembers` to another team) is not a membership removed.
//! - Journal history counts every deletion, renames included: it cannot tell them apart.

use std::collections::{BTreeMap, BTreeSet};

use crate::licences::LicenceImpact;
use roster_model::{Email, Kind, Limits, LiveOrg, Operation, Step, UserState, over_limit};

use crate::types::{
    Action, Blocked, Change, DayMeasure, OverDayLimit, OverLicenceLimit, OverLimit,
    OverRoutingLimit, RecentChanges, RoutingLoss,
};

/// Why the plan made of `steps` (and its `changes`, which name renames) is blocked under
/// `limits` against `live`, counting `recent` for the `perDay` limits; `None` when it is not.
pub fn verdict(
    steps: &[Step],
    changes: &[Change],
    live: &LiveOrg,
    limits: &Limits,
    recent: &RecentChanges,
    licences: Option<&LicenceImpact>,
) -> Option<Blocked> {
    let destroyed = destroyed(steps, changes);
    let deactivated: BTreeSet<Email> = destroyed
        .get(&Kind::User)
        .into_iter()
        .flatten()
        .filter_map(|key| Email::parse(key).ok())
        .collect();
    let routing = routing_loss(steps, live, &deactivated);

    let kinds: Vec<OverLimit> = destroyed
        .iter()
        .filter_map(|(kind, names)| {
            let of = live_count(live, *kind);
            limits.exceeded(names.len(), of).then(|| OverLimit {
                kind: *kind,
                count: names.len(),
                live: of,
                names: names.iter().cloned().collect(),
            })
        })
        .collect();

    let measures = [
        (
            RoutingLoss::UsersLosingAllQueues,
            &routing.losing_all_queues,
            routing.in_a_queue,
            limits.max_users_losing_all_queues,
            limits.max_users_losing_all_queues_percent,
        ),
        (
            RoutingLoss::UsersLosingAllSkills,
            &routing.losing_all_skills,
            routing.with_a_skill,
            limits.max_users_losing_all_skills,
            limits.max_users_losing_all_skills_percent,
        ),
        (
            RoutingLoss::MembershipsRemoved,
            &routing.memberships_removed,
            routing.memberships,
            limits.max_memberships_removed,
            limits.max_memberships_removed_percent,
        ),
    ];
    let routing_over: Vec<OverRoutingLimit> = measures
        .into_iter()
        .filter(|(_, names, of, max, percent)| {
            over_limit(names.len(), *of, Some(*max), Some(*percent))
        })
        .map(|(loss, names, of, max, max_percent)| OverRoutingLimit {
            loss,
            count: names.len(),
            of,
            max,
            max_percent,
            names: names.clone(),
        })
        .collect();

    let per_day = per_day(&destroyed, &routing, live, limits, recent);
    let licences = match (licences, limits.licence_increase) {
        (Some(impact), Some(max)) if impact.increase > max => Some(OverLicenceLimit {
            added: impact.increase,
            max,
        }),
        _ => None,
    };

    let blocked =
        !kinds.is_empty() || !routing_over.is_empty() || !per_day.is_empty() || licences.is_some();
    blocked.then_some(Blocked {
        kinds,
        max_deletes: limits.max_deletes,
        max_delete_percent: limits.max_delete_percent,
        routing: routing_over,
        licences,
        per_day,
    })
}

/// Totals of this plan and the last 24 hours over a `perDay` limit. Only what the plan adds
/// to can block it: a plan that deletes nothing is not blocked by the day's deletions.
fn per_day(
    destroyed: &BTreeMap<Kind, BTreeSet<String>>,
    routing: &Routing,
    live: &LiveOrg,
    limits: &Limits,
    recent: &RecentChanges,
) -> Vec<OverDayLimit> {
    let day = limits.per_day;
    let mut over = Vec::new();
    if day.max_deletes.is_some() || day.max_delete_percent.is_some() {
        for (kind, names) in destroyed {
            let earlier = recent.deletes.get(kind).copied().unwrap_or(0);
            let planned = names.len();
            // The objects there were before the day's deletions.
            let of = live_count(live, *kind) + earlier;
            if over_limit(
                earlier + planned,
                of,
                day.max_deletes,
                day.max_delete_percent,
            ) {
                over.push(OverDayLimit {
                    measure: DayMeasure::Deletes,
                    kind: Some(*kind),
                    earlier,
                    planned,
                    of,
                    max: day.max_deletes,
                    max_percent: day.max_delete_percent,
                });
            }
        }
    }
    let planned = routing.memberships_removed.len();
    if planned > 0
        && (day.max_memberships_removed.is_some() || day.max_memberships_removed_percent.is_some())
    {
        let earlier = recent.memberships_removed;
        let of = routing.memberships + earlier;
        if over_limit(
            earlier + planned,
            of,
            day.max_memberships_removed,
            day.max_memberships_removed_percent,
        ) {
            over.push(OverDayLimit {
                measure: DayMeasure::MembershipsRemoved,
                kind: None,
                earlier,
                planned,
                of,
                max: day.max_memberships_removed,
                max_percent: day.max_memberships_removed_percent,
            });
        }
    }
    over
}

/// What `operations` (that succeeded in the org, oldest first) deleted, deactivated and
/// removed, counted as a plan's are for `policy.limits.perDay`.
pub fn tally<'a>(operations: impl IntoIterator<Item = &'a Operation>) -> RecentChanges {
    let mut deletes: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
    let mut removed: BTreeSet<(&Email, Kind, &str)> = BTreeSet::new();
    for operation in operations {
        if let Some((kind, key)) = destruction(operation) {
            deletes.entry(kind).or_default().insert(key);
        }
        match operation {
            Operation::RemoveQueueMembers { queue, users } => {
                removed.extend(users.iter().map(|u| (u, Kind::Queue, queue.as_str())));
            }
            Operation::RemoveTeamMembers { team, users } => {
                removed.extend(users.iter().map(|u| (u, Kind::Team, team.as_str())));
            }
            _ => {}
        }
    }
    let deactivated = deletes.get(&Kind::User);
    let memberships_removed = removed
        .iter()
        .filter(|(user, _, _)| !deactivated.is_some_and(|d| d.contains(user.as_str())))
        .count();
    RecentChanges {
        deletes: deletes
            .into_iter()
            .map(|(kind, keys)| (kind, keys.len()))
            .collect(),
        memberships_removed,
    }
}

/// The object `operation` deletes or deactivates, if it does.
fn destruction(operation: &Operation) -> Option<(Kind, String)> {
    Some(match operation {
        Operation::DeleteSkill { name } => (Kind::Skill, name.clone()),
        Operation::DeleteLanguage { name } => (Kind::Language, name.clone()),
        Operation::DeleteWrapupCode { name } => (Kind::WrapupCode, name.clone()),
        Operation::DeleteQueue { name } => (Kind::Queue, name.clone()),
        Operation::DeleteTeam { name } => (Kind::Team, name.clone()),
        Operation::SetUserState {
            email,
            state: UserState::Inactive,
        } => (Kind::User, email.to_string()),
        _ => return None,
    })
}

/// The objects the steps delete or deactivate, per kind, but a renamed skill's old name.
fn destroyed(steps: &[Step], changes: &[Change]) -> BTreeMap<Kind, BTreeSet<String>> {
    let renamed: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.kind == Kind::Skill)
        .filter_map(|c| match &c.action {
            Action::Rename { from } => Some(from),
            _ => None,
        })
        .flatten()
        .map(String::as_str)
        .collect();
    let mut destroyed: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
    for step in steps {
        if let Some((kind, key)) = destruction(&step.operation) {
            if kind == Kind::Skill && renamed.contains(key.as_str()) {
                continue;
            }
            destroyed.entry(kind).or_default().insert(key);
        }
    }
    destroyed
}

/// The routing the steps take away from users who stay active, and what there was.
#[derive(Debug, Default)]
struct Routing {
    /// Users in at least one queue read, then in none.
    losing_all_queues: Vec<String>,
    /// Active users in at least one queue read.
    in_a_queue: usize,
    /// Users with at least one skill, then none.
    losing_all_skills: Vec<String>,
    /// Active users with at least one skill.
    with_a_skill: usize,
    /// Memberships removed, as `email: queue Name` / `email: team Name`.
    memberships_removed: Vec<String>,
    /// Active users' memberships of queues read, and of teams.
    memberships: usize,
}

fn routing_loss(steps: &[Step], live: &LiveOrg, deactivated: &BTreeSet<Email>) -> Routing {
    let staying: BTreeSet<&Email> = live
        .users
        .values()
        .filter(|u| u.state == UserState::Active && !deactivated.contains(&u.email))
        .map(|u| &u.email)
        .collect();
    let mut queues: BTreeMap<&Email, BTreeSet<&str>> = BTreeMap::new();
    for queue in live.queues.values() {
        for email in queue.members.iter().flat_map(BTreeMap::keys) {
            queues.entry(email).or_default().insert(&queue.name);
        }
    }
    let mut skills: BTreeMap<&Email, BTreeSet<&str>> = live
        .users
        .values()
        .map(|u| (&u.email, u.skills.keys().map(String::as_str).collect()))
        .collect();
    let before_queues = queues.clone();
    let before_skills = skills.clone();
    let mut removed: BTreeSet<(&Email, Kind, &str)> = BTreeSet::new();

    for step in steps {
        match &step.operation {
            Operation::AddQueueMembers { queue, users } => {
                for user in users {
                    queues.entry(user).or_default().insert(queue);
                }
            }
            Operation::RemoveQueueMembers { queue, users } => {
                for user in users {
                    if let Some(held) = queues.get_mut(user) {
                        held.remove(queue.as_str());
                    }
                    removed.insert((user, Kind::Queue, queue));
                }
            }
            Operation::DeleteQueue { name } => {
                for (user, held) in &mut queues {
                    if held.remove(name.as_str()) {
                        removed.insert((user, Kind::Queue, name));
                    }
                }
            }
            Operation::RemoveTeamMembers { team, users } => {
                removed.extend(users.iter().map(|u| (u, Kind::Team, team.as_str())));
            }
            Operation::DeleteTeam { name } => {
                removed.extend(
                    live.users
                        .values()
                        .filter(|u| u.team.as_deref() == Some(name))
                        .map(|u| (&u.email, Kind::Team, name.as_str())),
                );
            }
            Operation::SetUserSkills { email, skills: set } => {
                skills
                    .entry(email)
                    .or_default()
                    .extend(set.keys().map(String::as_str));
            }
            Operation::RemoveUserSkills {
                email,
                skills: gone,
            } => {
                if let Some(held) = skills.get_mut(email) {
                    held.retain(|skill| !gone.contains(*skill));
                }
            }
            Operation::DeleteSkill { name } => {
                for held in skills.values_mut() {
                    held.remove(name.as_str());
                }
            }
            _ => {}
        }
    }

    let lost = |before: &BTreeMap<&Email, BTreeSet<&str>>,
                after: &BTreeMap<&Email, BTreeSet<&str>>| {
        let holders: Vec<&&Email> = before
            .iter()
            .filter(|(user, held)| !held.is_empty() && staying.contains(*user))
            .map(|(user, _)| user)
            .collect();
        let losing: Vec<String> = holders
            .iter()
            .filter(|user| after.get(**user).is_none_or(BTreeSet::is_empty))
            .map(ToString::to_string)
            .collect();
        (losing, holders.len())
    };
    let (losing_all_queues, in_a_queue) = lost(&before_queues, &queues);
    let (losing_all_skills, with_a_skill) = lost(&before_skills, &skills);
    let memberships = before_queues
        .iter()
        .filter(|(user, _)| staying.contains(*user))
        .map(|(_, held)| held.len())
        .sum::<usize>()
        + live
            .users
            .values()
            .filter(|u| u.team.is_some() && staying.contains(&u.email))
            .count();
    let memberships_removed = removed
        .into_iter()
        .filter(|(user, _, _)| staying.contains(user))
        .map(|(user, kind, name)| format!("{user}: {kind} {name}"))
        .collect();
    Routing {
        losing_all_queues,
        in_a_queue,
        losing_all_skills,
        with_a_skill,
        memberships_removed,
        memberships,
    }
}

/// Live objects of `kind` (active users for users): what percentages are of.
pub(crate) fn live_count(live: &LiveOrg, kind: Kind) -> usize {
    match kind {
        Kind::Division => live.divisions.len(),
        Kind::Role => live.roles.len(),
        Kind::ManagementUnit => live.wfm.as_ref().map_or(0, |w| w.management_units.len()),
        Kind::Skill => live.skills.len(),
        Kind::Language => live.languages.len(),
        Kind::WrapupCode => live.wrapup_codes.len(),
        Kind::Queue => live.queues.len(),
        Kind::Team => live.teams.len(),
        Kind::User => live
            .users
            .values()
            .filter(|u| u.state == UserState::Active)
            .count(),
    }
}
