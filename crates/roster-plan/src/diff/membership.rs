//! Queue and team membership, computed per queue and per team from managed users only
//! (DESIGN §2.2), written with the bulk endpoints.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{Email, Kind, LiveQueueMember, MemberOrigin, MemberPolicy, Operation};
use serde_json::json;

use super::builder::{Builder, Stage, chunks};
use super::context::{Context, Fate};
use crate::types::{Action, FieldChange, MEMBER};

/// Most users one `POST /routing/queues/{id}/members` takes.
const QUEUE_MEMBERS_PER_CALL: usize = 100;
/// Most users one team member request takes.
const TEAM_MEMBERS_PER_CALL: usize = 25;

/// Plans every queue's direct members; returns, per offboarded user, the removal steps that
/// take it out of its queues (the first link of its offboarding sequence).
pub(crate) fn plan_queue_members(ctx: &Context<'_>, b: &mut Builder) -> HashMap<Email, Vec<usize>> {
    // Queue → the managed users that end up active and list it.
    let mut wanted: HashMap<&str, BTreeSet<&Email>> = HashMap::new();
    for (email, user) in &ctx.desired.users {
        if !ctx.fate(email).ends_active() {
            continue;
        }
        for queue in user.queues.iter().flatten() {
            wanted.entry(queue.as_str()).or_default().insert(email);
        }
    }
    let mut offboard_removals: HashMap<Email, Vec<usize>> = HashMap::new();
    let no_one = BTreeSet::new();

    for queue in ctx.live.queues.values() {
        if ctx.desired.queues.contains_key(&queue.name) || ctx.is_deleted(Kind::Queue, &queue.name)
        {
            continue;
        }
        // An unmanaged queue: only offboarded users leave it.
        let leaving: BTreeSet<Email> = queue
            .members
            .iter()
            .flatten()
            .filter(|(email, m)| {
                m.origin == MemberOrigin::Direct && ctx.fate(email) == Fate::Offboard
            })
            .map(|(email, _)| email.clone())
            .collect();
        for chunk in chunks(&leaving, QUEUE_MEMBERS_PER_CALL) {
            let change = chunk
                .iter()
                .next()
                .and_then(|e| b.existing_change(Kind::User, e.as_str()));
            let node = b.push(
                Operation::RemoveQueueMembers {
                    queue: queue.name.clone(),
                    users: chunk.clone(),
                },
                Stage::Removals,
                Vec::new(),
                Some(json!(chunk)),
                change,
            );
            for email in chunk {
                offboard_removals.entry(email).or_default().push(node);
            }
        }
    }

    for queue in ctx.desired.queues.values() {
        let live = ctx.live.queues.get(&queue.name);
        let members = live.and_then(|q| q.members.as_ref());
        let wanted = wanted.get(queue.name.as_str()).unwrap_or(&no_one);
        let mut add = BTreeSet::new();
        for email in wanted {
            match members.and_then(|m| m.get(*email)) {
                None => {
                    add.insert((*email).clone());
                }
                Some(LiveQueueMember {
                    origin: MemberOrigin::Group(group),
                    ..
                }) => {
                    b.user_notes
                        .entry((*email).clone())
                        .or_default()
                        .insert(format!(
                            "member of queue `{}` through {}; not added directly",
                            queue.name,
                            through(group.as_deref())
                        ));
                }
                Some(_) => {}
            }
        }
        let mut remove = BTreeSet::new();
        // Why a removed member leaves, when it is not simply unlisted.
        let mut why: BTreeMap<Email, &str> = BTreeMap::new();
        let mut direct = 0usize;
        for (email, member) in members.into_iter().flatten() {
            if member.origin != MemberOrigin::Direct {
                continue;
            }
            direct += 1;
            let fate = ctx.fate(email);
            let declared = ctx.desired.users.get(email);
            let unlisted = declared.is_some_and(|u| {
                fate.ends_active() && u.queues.as_ref().is_some_and(|q| !q.contains(&queue.name))
            });
            let exclusive = queue.members == MemberPolicy::Exclusive && !wanted.contains(email);
            if fate == Fate::Offboard {
                remove.insert(email.clone());
                why.insert(email.clone(), "deactivated");
            } else if unlisted {
                remove.insert(email.clone());
            } else if exclusive {
                remove.insert(email.clone());
                if declared.is_none() {
                    why.insert(email.clone(), "unmanaged; the queue is exclusive");
                } else if !fate.ends_active() {
                    why.insert(email.clone(), "inactive; the queue is exclusive");
                }
            }
        }
        if add.is_empty() && remove.is_empty() {
            continue;
        }
        let change = b.change(
            Kind::Queue,
            &queue.name,
            Action::Update,
            queue.source.as_ref(),
            live.map(|q| q.id.as_str()),
        );
        b.field(
            change,
            FieldChange::scalar(
                "members",
                Some(format!("{direct} direct")),
                Some(format!("{} direct", direct + add.len() - remove.len())),
            ),
        );
        member_fields(b, change, &add, &remove, |email| {
            why.get(email).copied().unwrap_or(MEMBER).to_owned()
        });
        for email in &add {
            user_queue_field(ctx, b, email, &queue.name, true);
        }
        for email in &remove {
            if ctx.fate(email).ends_active() {
                user_queue_field(ctx, b, email, &queue.name, false);
            }
        }
        let created = b.created(Kind::Queue, &queue.name);
        for chunk in chunks(&add, QUEUE_MEMBERS_PER_CALL) {
            let mut deps: Vec<usize> = created.into_iter().collect();
            deps.extend(chunk.iter().filter_map(|e| b.user_ready.get(e).copied()));
            b.push(
                Operation::AddQueueMembers {
                    queue: queue.name.clone(),
                    users: chunk,
                },
                Stage::Assignments,
                deps,
                None,
                Some(change),
            );
        }
        for chunk in chunks(&remove, QUEUE_MEMBERS_PER_CALL) {
            let node = b.push(
                Operation::RemoveQueueMembers {
                    queue: queue.name.clone(),
                    users: chunk.clone(),
                },
                Stage::Removals,
                Vec::new(),
                Some(json!(chunk)),
                Some(change),
            );
            for email in chunk {
                if ctx.fate(&email) == Fate::Offboard {
                    offboard_removals.entry(email).or_default().push(node);
                }
            }
        }
    }
    offboard_removals
}

/// Records a declared user joining or leaving a queue on the user's own change.
fn user_queue_field(ctx: &Context<'_>, b: &mut Builder, email: &Email, queue: &str, joins: bool) {
    let Some(user) = ctx.desired.users.get(email) else {
        return;
    };
    let change = if let Some(change) = b.existing_change(Kind::User, email.as_str()) {
        change
    } else {
        let id = ctx.live.users.get(email).map(|u| u.id.as_str());
        let change = b.change(
            Kind::User,
            email.as_str(),
            Action::Update,
            user.source.as_ref(),
            id,
        );
        b.changes[change]
            .routing_profile
            .clone_from(&user.routing_profile);
        change
    };
    let member = Some(MEMBER.to_owned());
    let (old, new) = if joins {
        (None, member)
    } else {
        (member, None)
    };
    b.field(change, FieldChange::item("queues", queue, old, new));
}

/// Puts users in their declared teams (which moves them out of any other), and shows each
/// team's members before and after: joiners added, and users who move to another team or
/// are offboarded subtracted.
pub(crate) fn plan_team_members(ctx: &Context<'_>, b: &mut Builder) {
    let adds: BTreeMap<String, BTreeSet<Email>> = std::mem::take(&mut b.team_adds);
    let leaving = team_leavers(ctx, &adds);
    let mut held: HashMap<&str, usize> = HashMap::new();
    for user in ctx.live.users.values() {
        if let Some(team) = &user.team {
            *held.entry(team.as_str()).or_default() += 1;
        }
    }
    let no_one = BTreeSet::new();
    let nobody_leaves = BTreeMap::new();
    let teams: BTreeSet<&String> = adds.keys().chain(leaving.keys()).collect();
    for team in teams {
        let users = adds.get(team).unwrap_or(&no_one);
        let leavers = leaving.get(team).unwrap_or(&nobody_leaves);
        // A team that only loses members is shown when the manifests manage it; otherwise
        // the leavers' own changes say it.
        if users.is_empty() && !ctx.desired.teams.contains_key(team) {
            continue;
        }
        let team = team.clone();
        let live = ctx.live.teams.get(&team);
        let source = ctx.desired.teams.get(&team).and_then(|t| t.source.as_ref());
        let change = b.change(
            Kind::Team,
            &team,
            Action::Update,
            source,
            live.map(|t| t.id.as_str()),
        );
        let held = held.get(team.as_str()).copied().unwrap_or_default();
        b.field(
            change,
            FieldChange::scalar(
                "members",
                Some(held.to_string()),
                Some((held.saturating_sub(leavers.len()) + users.len()).to_string()),
            ),
        );
        let gone: BTreeSet<Email> = leavers.keys().cloned().collect();
        member_fields(b, change, users, &gone, |email| leavers[email].clone());
        let created = b.created(Kind::Team, &team);
        for chunk in chunks(users, TEAM_MEMBERS_PER_CALL) {
            let mut deps: Vec<usize> = created.into_iter().collect();
            deps.extend(chunk.iter().filter_map(|e| b.user_ready.get(e).copied()));
            let before: BTreeMap<&str, Option<&String>> = chunk
                .iter()
                .map(|e| {
                    (
                        e.as_str(),
                        ctx.live.users.get(e).and_then(|u| u.team.as_ref()),
                    )
                })
                .collect();
            let before = json!(before);
            b.push(
                Operation::AddTeamMembers {
                    team: team.clone(),
                    users: chunk,
                },
                Stage::Assignments,
                deps,
                Some(before),
                Some(change),
            );
        }
    }
}

/// Per team, the users who leave it and why: those who move to another team, and those who
/// are offboarded (unless the plan deletes the team anyway).
fn team_leavers(
    ctx: &Context<'_>,
    adds: &BTreeMap<String, BTreeSet<Email>>,
) -> BTreeMap<String, BTreeMap<Email, String>> {
    let mut leaving: BTreeMap<String, BTreeMap<Email, String>> = BTreeMap::new();
    for (team, users) in adds {
        for email in users {
            if let Some(from) = ctx.live.users.get(email).and_then(|u| u.team.as_ref())
                && from != team
            {
                leaving
                    .entry(from.clone())
                    .or_default()
                    .insert(email.clone(), format!("moves to team `{team}`"));
            }
        }
    }
    for (email, fate) in &ctx.fates {
        if *fate != Fate::Offboard {
            continue;
        }
        if let Some(team) = ctx.live.users.get(email).and_then(|u| u.team.as_ref())
            && !ctx.is_deleted(Kind::Team, team)
        {
            leaving
                .entry(team.clone())
                .or_default()
                .insert(email.clone(), "deactivated".to_owned());
        }
    }
    leaving
}

/// Lists, item by item, who joins (`old: None`) and who leaves (`new: None`, `old` saying
/// why), so the JSON plan carries every email and the renderers decide how many to show.
fn member_fields(
    b: &mut Builder,
    change: usize,
    joining: &BTreeSet<Email>,
    leaving: &BTreeSet<Email>,
    why: impl Fn(&Email) -> String,
) {
    for email in joining {
        b.field(
            change,
            FieldChange::item("members", email.as_str(), None, Some(MEMBER.to_owned())),
        );
    }
    for email in leaving {
        b.field(
            change,
            FieldChange::item("members", email.as_str(), Some(why(email)), None),
        );
    }
}

/// ``group `Spanish Speakers` ``, or `a group` when the org did not say which.
pub(crate) fn through(group: Option<&str>) -> String {
    group.map_or_else(|| "a group".to_owned(), |group| format!("group `{group}`"))
}
