//! Reference checks: every name the manifests use must exist in the org or be created by
//! the plan. Every problem is collected, each pointing at its manifest, never skipped.
//!
//! Skills, languages, wrap-up codes, queues and teams a user or queue refers to must be
//! declared (as the manifest loader also requires): a reference to an undeclared object that
//! happens to exist live would let `prune` delete something the manifests use. Roles and
//! divisions are looked up in the org (they are never created); managers may be declared or
//! live.

use std::collections::BTreeMap;

use roster_model::{Kind, Source};

use super::context::Context;
use crate::error::Problem;

/// Every unresolved reference, in manifest order.
pub(crate) fn check(ctx: &Context<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let desired = ctx.desired;
    let live = ctx.live;
    let mut report = |source: &Option<Source>, kind: Kind, key: &str, message: String| {
        problems.push(Problem {
            source: source.clone(),
            kind,
            key: key.to_owned(),
            message,
        });
    };

    for queue in desired.queues.values() {
        if let Some(division) = &queue.division
            && !live.divisions.contains_key(division)
        {
            report(
                &queue.source,
                Kind::Queue,
                &queue.name,
                missing_division(ctx, division),
            );
        }
        for code in queue.wrapup_codes.iter().flatten() {
            if !desired.wrapup_codes.contains_key(code) {
                report(
                    &queue.source,
                    Kind::Queue,
                    &queue.name,
                    format!("wrap-up code `{code}` is not declared in any manifest"),
                );
            }
        }
    }
    for team in desired.teams.values() {
        if let Some(division) = &team.division
            && !live.divisions.contains_key(division)
        {
            report(
                &team.source,
                Kind::Team,
                &team.name,
                missing_division(ctx, division),
            );
        }
    }

    for user in desired.users.values() {
        let key = user.email.as_str();
        let src = &user.source;
        if let Some(division) = &user.division
            && !live.divisions.contains_key(division)
        {
            report(src, Kind::User, key, missing_division(ctx, division));
        }
        if let Some(manager) = &user.manager
            && !desired.users.contains_key(manager)
            && !live.users.contains_key(manager)
        {
            report(
                src,
                Kind::User,
                key,
                format!(
                    "manager `{manager}` is neither declared in the manifests nor a user of \
                     the org"
                ),
            );
        }
        if let Some(team) = &user.team
            && !desired.teams.contains_key(team)
        {
            report(src, Kind::User, key, undeclared("team", team));
        }
        for skill in user.skills.iter().flat_map(|s| s.keys()) {
            if let Some(new_name) = ctx.renamed.get(skill) {
                report(
                    src,
                    Kind::User,
                    key,
                    format!("skill `{skill}` was renamed to `{new_name}`; use the new name"),
                );
            } else if !desired.skills.contains_key(skill) {
                report(src, Kind::User, key, undeclared("skill", skill));
            }
        }
        for language in user.languages.iter().flat_map(|l| l.keys()) {
            if !desired.languages.contains_key(language) {
                report(src, Kind::User, key, undeclared("language", language));
            }
        }
        for queue in user.queues.iter().flatten() {
            if !desired.queues.contains_key(queue) {
                report(src, Kind::User, key, undeclared("queue", queue));
            }
        }
        for grant in user.roles.iter().flatten() {
            if !live.roles.contains_key(&grant.role) {
                report(
                    src,
                    Kind::User,
                    key,
                    format!(
                        "role `{}` does not exist in the org (roles are looked up, never \
                         created){}",
                        grant.role,
                        spelled(case_twin(&grant.role, live.roles.keys()))
                    ),
                );
            }
            match &grant.division {
                Some(division) if !live.divisions.contains_key(division) => {
                    report(src, Kind::User, key, missing_division(ctx, division));
                }
                None if ctx.home.is_none() => report(
                    src,
                    Kind::User,
                    key,
                    format!(
                        "role `{}` is granted in the home division, but the org reported no \
                         home division",
                        grant.role
                    ),
                ),
                _ => {}
            }
        }
    }
    collisions(ctx, &mut report);
    problems
}

/// Declared objects the plan would create under a name the org already uses in another
/// case (`billing` next to a live `Billing`).
///
/// UNCONFIRMED whether Genesys Cloud's name uniqueness ignores case (REFERENCE §6: "Case
/// sensitivity: UNCONFIRMED"). roster assumes it does, as its sandbox does: such a create
/// would fail at apply with a conflict, after the plan was reviewed, so the plan refuses it
/// up front and names the org's spelling. If the API turns out case-sensitive, this check is
/// the one place to drop. A skill "renamed" only in case collides too: a skill rename creates
/// the new name while the old one still exists.
fn collisions(ctx: &Context<'_>, report: &mut impl FnMut(&Option<Source>, Kind, &str, String)) {
    let (desired, live) = (ctx.desired, ctx.live);
    let skills = desired.skills.values().map(|o| (&o.name, &o.source));
    collide(Kind::Skill, skills, &live.skills, report);
    let languages = desired.languages.values().map(|o| (&o.name, &o.source));
    collide(Kind::Language, languages, &live.languages, report);
    let codes = desired.wrapup_codes.values().map(|o| (&o.name, &o.source));
    collide(Kind::WrapupCode, codes, &live.wrapup_codes, report);
    let queues = desired.queues.values().map(|o| (&o.name, &o.source));
    collide(Kind::Queue, queues, &live.queues, report);
    let teams = desired.teams.values().map(|o| (&o.name, &o.source));
    collide(Kind::Team, teams, &live.teams, report);
}

/// Reports each `declared` object of `kind` that is not `live` but has a case twin there.
fn collide<'a, V>(
    kind: Kind,
    declared: impl Iterator<Item = (&'a String, &'a Option<Source>)>,
    live: &BTreeMap<String, V>,
    report: &mut impl FnMut(&Option<Source>, Kind, &str, String),
) {
    for (name, source) in declared.filter(|(name, _)| !live.contains_key(*name)) {
        if let Some(twin) = case_twin(name, live.keys()) {
            report(
                source,
                kind,
                name,
                format!(
                    "the org already has {kind} `{twin}`, which differs only in case; roster \
                     takes Genesys Cloud names to be unique regardless of case, so write `{twin}`"
                ),
            );
        }
    }
}

/// The first of `others` that is `name` in another case.
fn case_twin<'a>(name: &str, mut others: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let folded = name.to_lowercase();
    others.find(|other| other.as_str() != name && other.to_lowercase() == folded)
}

fn missing_division(ctx: &Context<'_>, division: &str) -> String {
    let message = format!(
        "division `{division}` does not exist in the org (divisions are looked up, never created)"
    );
    message + &spelled(case_twin(division, ctx.live.divisions.keys()))
}

/// A hint naming the org's spelling of a looked-up name, when it differs only in case.
fn spelled(twin: Option<&String>) -> String {
    twin.map(|twin| format!("; the org spells it `{twin}`"))
        .unwrap_or_default()
}

fn undeclared(noun: &str, name: &str) -> String {
    format!("{noun} `{name}` is not declared in any manifest")
}
