//! Reference checks: every name the manifests use must exist in the org or be created by
//! the plan. Every problem is collected, each pointing at its manifest, never skipped.
//!
//! Skills, languages, wrap-up codes, queues and teams a user or queue refers to must be
//! declared (as the manifest loader also requires): a reference to an undeclared object that
//! happens to exist live would let `prune` delete something the manifests use. Roles and
//! divisions are looked up in the org (they are never created); managers may be declared or
//! live.

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
                missing_division(division),
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
                missing_division(division),
            );
        }
    }

    for user in desired.users.values() {
        let key = user.email.as_str();
        let src = &user.source;
        if let Some(division) = &user.division
            && !live.divisions.contains_key(division)
        {
            report(src, Kind::User, key, missing_division(division));
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
                         created)",
                        grant.role
                    ),
                );
            }
            match &grant.division {
                Some(division) if !live.divisions.contains_key(division) => {
                    report(src, Kind::User, key, missing_division(division));
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
    problems
}

fn missing_division(division: &str) -> String {
    format!(
        "division `{division}` does not exist in the org (divisions are looked up, never created)"
    )
}

fn undeclared(noun: &str, name: &str) -> String {
    format!("{noun} `{name}` is not declared in any manifest")
}
