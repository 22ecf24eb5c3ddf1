//! Reference checks: every name the manifests use must exist in the org or be created by
//! the plan. Every problem is collected, each pointing at its manifest, never skipped.
//!
//! Skills, languages, wrap-up codes, queues and teams a user or queue refers to must be
//! declared (as the manifest loader also requires): a reference to an undeclared object that
//! happens to exist live would let `prune` delete something the manifests use. Roles and
//! divisions are looked up in the org (they are never created); managers may be declared or
//! live.
//!
//! A missing role or division is reported at each place the manifests write its name
//! ([`roster_model::LookupSources`]): a routing profile's line once, not the line of every
//! user the profile compiles into, with the org's closest spelling (issue #13).

use std::collections::BTreeMap;

use roster_model::{Kind, Source};

use super::context::Context;
use crate::error::Problem;

/// What to do about a reference to an undeclared object.
const DECLARE: &str = "declare it in a manifest the org includes, or fix the name";

/// What to do about a role or division the org lacks (never "declare it": it cannot be).
const CREATE_IN_ORG: &str = "create it in the org (Admin > Roles / Divisions), or fix the name; \
                             roster does not create roles or divisions";

/// Every unresolved reference, in manifest order.
pub(crate) fn check(ctx: &Context<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let desired = ctx.desired;
    let live = ctx.live;
    // Roles and divisions the org lacks, with the sources of the objects that use them.
    let mut missing = Missing {
        live,
        found: BTreeMap::new(),
    };
    let mut lacks = |kind, name, source| missing.check(kind, name, source);
    let mut report = |source: &Option<Source>, kind: Kind, key: &str, message: String| {
        problems.push(Problem {
            source: source.clone(),
            kind,
            key: key.to_owned(),
            message,
            hint: Some(DECLARE.to_owned()),
        });
    };

    for queue in desired.queues.values() {
        if let Some(division) = &queue.division {
            lacks(Kind::Division, division, queue.source.as_ref());
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
        if let Some(division) = &team.division {
            lacks(Kind::Division, division, team.source.as_ref());
        }
    }

    for user in desired.users.values() {
        let key = user.email.as_str();
        let src = &user.source;
        if let Some(division) = &user.division {
            lacks(Kind::Division, division, src.as_ref());
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
            lacks(Kind::Role, &grant.role, src.as_ref());
            match &grant.division {
                Some(division) => lacks(Kind::Division, division, src.as_ref()),
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
                None => {}
            }
        }
    }
    for ((kind, name), users) in missing.found {
        problems.extend(lookup_problems(ctx, kind, name, &users));
    }
    collisions(ctx, &mut |source, kind, key, message| {
        problems.push(Problem {
            source: source.clone(),
            kind,
            key: key.to_owned(),
            message,
            hint: None,
        });
    });
    problems.sort();
    problems
}

/// Roles and divisions the org lacks, with the sources of the objects that use them.
struct Missing<'d> {
    live: &'d roster_model::LiveOrg,
    found: BTreeMap<(Kind, &'d str), Vec<Option<&'d Source>>>,
}

impl<'d> Missing<'d> {
    /// Records `name` (a role or division) if the org lacks it.
    fn check(&mut self, kind: Kind, name: &'d str, source: Option<&'d Source>) {
        let exists = match kind {
            Kind::Role => self.live.roles.contains_key(name),
            _ => self.live.divisions.contains_key(name),
        };
        if !exists {
            self.found.entry((kind, name)).or_default().push(source);
        }
    }
}

/// The problems of one role or division the org lacks: one at each place the manifests
/// write its name, or, when they did not record those places, one per object using it.
fn lookup_problems(
    ctx: &Context<'_>,
    kind: Kind,
    name: &str,
    users: &[Option<&Source>],
) -> Vec<Problem> {
    let (written, known): (_, Vec<&str>) = match kind {
        Kind::Role => (
            &ctx.desired.lookups.roles,
            ctx.live.roles.keys().map(String::as_str).collect(),
        ),
        _ => (
            &ctx.desired.lookups.divisions,
            ctx.live.divisions.keys().map(String::as_str).collect(),
        ),
    };
    let suggestion = roster_model::closest(name, known)
        .map(|best| format!("; did you mean `{best}`?"))
        .unwrap_or_default();
    let problem = |source: Option<Source>| Problem {
        source,
        kind,
        key: name.to_owned(),
        message: format!("does not exist in the org{suggestion}"),
        hint: Some(CREATE_IN_ORG.to_owned()),
    };
    match written.get(name) {
        Some(places) if !places.is_empty() => {
            places.iter().cloned().map(Some).map(problem).collect()
        }
        _ => {
            let mut sources: Vec<Option<Source>> = users.iter().map(|s| s.cloned()).collect();
            sources.sort();
            sources.dedup();
            sources.into_iter().map(problem).collect()
        }
    }
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

fn undeclared(noun: &str, name: &str) -> String {
    format!("{noun} `{name}` is not declared in any manifest")
}
