//! The offboarding sequence of DESIGN §2.5, for users declared `state: inactive` and
//! unmanaged users under `prune`: leave direct queues, lose direct grants, skills and
//! languages, leave the team, free the number and extension, leave the station and the WFM
//! management unit, lose every OAuth token, then become inactive, each after the previous.
//! Tokens cannot be read, so every offboarding revokes them (revoking is idempotent).
//!
//! Grants and queue memberships a user holds through groups are never written (DESIGN §2.2):
//! the user's change notes them, because they outlive the offboarding.
//!
//! The first step of each user's sequence is its queue removals, which are shared bulk calls
//! per queue; team removals are also shared (per team). Removals of objects the plan deletes
//! anyway are left to the deletion.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{Email, GrantOrigin, Kind, MemberOrigin, Operation, RoleGrant, UserState};
use serde_json::json;

use super::builder::{Builder, Stage, chunks};
use super::context::{Context, Fate};
use super::entitlements::MOVE_USERS_PER_CALL;
use super::membership::through;
use crate::types::{Action, FieldChange};

/// Most users one team member request takes.
const TEAM_MEMBERS_PER_CALL: usize = 25;

/// Creates each offboarded user's change, listing everything it loses.
pub(crate) fn prepare_offboarding(ctx: &Context<'_>, b: &mut Builder) {
    for (email, fate) in &ctx.fates {
        if *fate != Fate::Offboard {
            continue;
        }
        let Some(live) = ctx.live.users.get(email) else {
            continue;
        };
        let declared = ctx.desired.users.get(email);
        let change = b.change(
            Kind::User,
            email.as_str(),
            Action::Deactivate,
            declared.and_then(|u| u.source.as_ref()),
            Some(&live.id),
        );
        if declared.is_none() {
            b.changes[change]
                .notes
                .push("not in any manifest; pruned by `policy.unmanaged.users`".to_owned());
        }
        let mut fields = vec![FieldChange::scalar(
            "state",
            Some(UserState::Active.to_string()),
            Some(UserState::Inactive.to_string()),
        )];
        for queue in ctx.direct_queues.get(email).into_iter().flatten() {
            if !ctx.is_deleted(Kind::Queue, queue) {
                fields.push(FieldChange::item(
                    "queues",
                    queue,
                    Some("member".to_owned()),
                    None,
                ));
            }
        }
        for grant in live
            .grants
            .iter()
            .filter(|g| g.origin == GrantOrigin::Direct)
        {
            fields.push(FieldChange::item(
                "roles",
                &format!("{} in {}", grant.role, grant.division),
                Some("granted".to_owned()),
                None,
            ));
        }
        for (skill, p) in &live.skills {
            if !ctx.is_deleted(Kind::Skill, skill) {
                fields.push(FieldChange::item(
                    "skills",
                    skill,
                    Some(p.to_string()),
                    None,
                ));
            }
        }
        for (language, p) in &live.languages {
            if !ctx.is_deleted(Kind::Language, language) {
                fields.push(FieldChange::item(
                    "languages",
                    language,
                    Some(p.to_string()),
                    None,
                ));
            }
        }
        if let Some(team) = live
            .team
            .as_ref()
            .filter(|t| !ctx.is_deleted(Kind::Team, t))
        {
            fields.push(FieldChange::scalar("team", Some(team.clone()), None));
        }
        if let Some(number) = &live.phone.number {
            fields.push(FieldChange::scalar(
                "phone.number",
                Some(number.clone()),
                None,
            ));
        }
        if let Some(extension) = &live.phone.extension {
            fields.push(FieldChange::scalar(
                "phone.extension",
                Some(extension.clone()),
                None,
            ));
        }
        if let Some(station) = &live.station {
            fields.push(FieldChange::scalar("station", Some(station.clone()), None));
        }
        if let Some(unit) = &live.management_unit {
            fields.push(FieldChange::scalar(
                "managementUnit",
                Some(unit.clone()),
                None,
            ));
        }
        fields.push(FieldChange::scalar(
            "tokens",
            Some("any".to_owned()),
            Some("revoked".to_owned()),
        ));
        for field in fields {
            b.field(change, field);
        }
        // What the user holds through groups outlives the offboarding: say so, so the
        // reviewer can take the user out of the group in Genesys if it must go too.
        for grant in &live.grants {
            if let GrantOrigin::Group(group) = &grant.origin {
                b.changes[change].notes.push(format!(
                    "role `{}` in `{}` is inherited from group `{group}`; not revoked: roster \
                     never writes group membership",
                    grant.role, grant.division
                ));
            }
        }
        for queue in ctx.live.queues.values() {
            let origin = queue
                .members
                .as_ref()
                .and_then(|m| m.get(email))
                .map(|m| &m.origin);
            if let Some(MemberOrigin::Group(group)) = origin {
                b.changes[change].notes.push(format!(
                    "member of queue `{}` through {}; not removed: roster never writes group \
                     membership",
                    queue.name,
                    through(group.as_deref())
                ));
            }
        }
    }
}

/// Chains each offboarded user's removals and deactivation. Returns, per user whose number
/// or extension it frees, the step that frees them, so a user taking them can wait for it.
pub(crate) fn plan_offboarding(
    ctx: &Context<'_>,
    b: &mut Builder,
    queue_removals: &HashMap<Email, Vec<usize>>,
) -> BTreeMap<Email, usize> {
    // Per user, the steps the next link of its sequence waits for.
    let mut tails: BTreeMap<&Email, Vec<usize>> = BTreeMap::new();
    let mut leaving_teams: BTreeMap<&String, BTreeSet<Email>> = BTreeMap::new();
    for (email, fate) in &ctx.fates {
        if *fate != Fate::Offboard {
            continue;
        }
        let Some(live) = ctx.live.users.get(email) else {
            continue;
        };
        let change = b.existing_change(Kind::User, email.as_str());
        let mut tail: Vec<usize> = queue_removals.get(email).cloned().unwrap_or_default();

        let grants: BTreeSet<RoleGrant> = live
            .grants
            .iter()
            .filter(|g| g.origin == GrantOrigin::Direct)
            .map(|g| RoleGrant {
                role: g.role.clone(),
                division: Some(g.division.clone()),
            })
            .collect();
        if !grants.is_empty() {
            let before = json!(grants);
            link(
                b,
                &mut tail,
                Operation::RevokeRoles {
                    email: email.clone(),
                    grants,
                },
                before,
                change,
            );
        }
        let skills: BTreeSet<String> = live
            .skills
            .keys()
            .filter(|s| !ctx.is_deleted(Kind::Skill, s))
            .cloned()
            .collect();
        if !skills.is_empty() {
            let before = json!(live.skills);
            link(
                b,
                &mut tail,
                Operation::RemoveUserSkills {
                    email: email.clone(),
                    skills,
                },
                before,
                change,
            );
        }
        let languages: BTreeSet<String> = live
            .languages
            .keys()
            .filter(|l| !ctx.is_deleted(Kind::Language, l))
            .cloned()
            .collect();
        if !languages.is_empty() {
            let before = json!(live.languages);
            link(
                b,
                &mut tail,
                Operation::RemoveUserLanguages {
                    email: email.clone(),
                    languages,
                },
                before,
                change,
            );
        }
        if let Some(team) = live
            .team
            .as_ref()
            .filter(|t| !ctx.is_deleted(Kind::Team, t))
        {
            leaving_teams.entry(team).or_default().insert(email.clone());
        }
        tails.insert(email, tail);
    }

    for (team, users) in leaving_teams {
        for chunk in chunks(&users, TEAM_MEMBERS_PER_CALL) {
            let before = json!(chunk);
            let op = Operation::RemoveTeamMembers {
                team: team.clone(),
                users: chunk.clone(),
            };
            link_shared(b, &mut tails, &chunk, op, before);
        }
    }

    // Number and station, per user.
    let mut freed = BTreeMap::new();
    let mut leaving_units: BTreeSet<Email> = BTreeSet::new();
    for (email, tail) in &mut tails {
        let Some(live) = ctx.live.users.get(*email) else {
            continue;
        };
        let change = b.existing_change(Kind::User, email.as_str());
        if !live.phone.is_empty() {
            let op = Operation::SetUserPhone {
                email: (*email).clone(),
                number: None,
                extension: None,
            };
            let node = link(b, tail, op, json!(live.phone), change);
            freed.insert((*email).clone(), node);
        }
        if let Some(station) = &live.station {
            let op = Operation::DisassociateStation {
                email: (*email).clone(),
            };
            link(b, tail, op, json!({ "station": station }), change);
        }
        if live.management_unit.is_some() {
            leaving_units.insert((*email).clone());
        }
    }

    // Out of WFM: one bulk move per 100 leavers, after each one's earlier steps.
    for chunk in chunks(&leaving_units, MOVE_USERS_PER_CALL) {
        let before: BTreeMap<&Email, Option<&String>> = chunk
            .iter()
            .map(|e| {
                let unit = ctx
                    .live
                    .users
                    .get(e)
                    .and_then(|u| u.management_unit.as_ref());
                (e, unit)
            })
            .collect();
        let before = json!(before);
        let op = Operation::MoveToManagementUnit {
            unit: None,
            users: chunk.clone(),
        };
        link_shared(b, &mut tails, &chunk, op, before);
    }

    // Tokens, then the deactivation, per user.
    for (email, mut tail) in tails {
        let Some(live) = ctx.live.users.get(email) else {
            continue;
        };
        let change = b.existing_change(Kind::User, email.as_str());
        let op = Operation::RevokeTokens {
            email: email.clone(),
        };
        link(b, &mut tail, op, json!({}), change);
        // The full assignment picture, so the journal can restore the user.
        let before = json!({
            "user": live,
            "queues": ctx.direct_queues.get(email),
        });
        b.push(
            Operation::SetUserState {
                email: email.clone(),
                state: UserState::Inactive,
            },
            Stage::Removals,
            tail,
            Some(before),
            change,
        );
    }
    freed
}

/// Adds `op`, one step shared by the sequences of `users` (a bulk call): after each one's
/// last step, then their last step. It carries out the first user's change.
fn link_shared(
    b: &mut Builder,
    tails: &mut BTreeMap<&Email, Vec<usize>>,
    users: &BTreeSet<Email>,
    op: Operation,
    before: serde_json::Value,
) {
    let deps: Vec<usize> = users
        .iter()
        .flat_map(|e| tails.get(e).cloned().unwrap_or_default())
        .collect();
    let change = users
        .iter()
        .next()
        .and_then(|e| b.existing_change(Kind::User, e.as_str()));
    let node = b.push(op, Stage::Removals, deps, Some(before), change);
    for email in users {
        if let Some(tail) = tails.get_mut(email) {
            *tail = vec![node];
        }
    }
}

/// Adds `op` as the next link of a user's sequence: after `tail`, which becomes it.
fn link(
    b: &mut Builder,
    tail: &mut Vec<usize>,
    op: Operation,
    before: serde_json::Value,
    change: Option<usize>,
) -> usize {
    let node = b.push(
        op,
        Stage::Removals,
        std::mem::take(tail),
        Some(before),
        change,
    );
    *tail = vec![node];
    node
}
