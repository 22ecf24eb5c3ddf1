//! One org's resource files → its [`DesiredOrg`]: duplicate and reference checks, manager
//! cycles, and routing profiles compiled into each user's own assignments (DESIGN §2.3).
//!
//! Hints may contain `{orgs}`, replaced by the loader with the orgs that hit the problem, so
//! a file shared by several orgs yields one diagnostic, not one per org.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{
    DesiredLanguage, DesiredOrg, DesiredPhone, DesiredQueue, DesiredSkill, DesiredTeam,
    DesiredUser, DesiredWfm, DesiredWrapupCode, Email, ExpectedLicence, LookupSources,
    MediaUtilization, MemberPolicy, NumberChoice, Policy, Proficiency, RoleGrant, UserField,
    UserState, Utilization,
};

use crate::diagnostic::{Diagnostic, Location};
use crate::manifest::{
    At, Loc, MembersMode, ResourceFile, RoleSpec, RoutingProfileSpec, UserSpec, UtilizationSpec,
};
use crate::suggest::did_you_mean;

/// Turns positions into public locations.
pub(crate) trait Locate {
    fn locate(&self, loc: Loc) -> Location;

    /// Where a declaration is, for the model (one per compiled item, so worth not building a
    /// whole [`Location`] first).
    fn source(&self, loc: Loc) -> roster_model::Source {
        self.locate(loc).to_source()
    }
}

/// Declarations of one kind by name, with a case-insensitive index for lookups.
struct Names<'a, T> {
    by_name: BTreeMap<&'a str, (&'a At<String>, &'a T)>,
}

impl<'a, T> Names<'a, T> {
    fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.by_name.keys().copied()
    }
}

/// What the loader knows about an org's files beyond their contents.
pub(crate) struct Includes<'a> {
    /// Whether every file the org includes was read and parsed. If not, a name the checks
    /// do not find may be declared in the part that is missing: such references are counted
    /// ([`Compiled::unchecked`]), not reported one by one (issue #13).
    pub complete: bool,
    /// Included files that are empty, named when a reference is to a kind nothing declares.
    pub empty_files: &'a [String],
}

/// One org compiled: its desired state, its problems, and what was not checked.
pub(crate) struct Compiled {
    /// The org's desired state (partial when there are errors).
    pub desired: DesiredOrg,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// References not checked because the org's files are incomplete, by the noun of what
    /// they name (`team`); empty when [`Includes::complete`].
    pub unchecked: BTreeMap<&'static str, usize>,
}

struct Checker<'a, L: Locate> {
    locate: &'a L,
    includes: &'a Includes<'a>,
    diagnostics: Vec<Diagnostic>,
    unchecked: BTreeMap<&'static str, usize>,
    /// For each kind nothing declares: the index of its first unknown-reference error and
    /// how many more references followed, which are counted on that error, not shown.
    undeclared: BTreeMap<&'static str, (usize, usize)>,
}

impl<L: Locate> Checker<'_, L> {
    fn at(&self, loc: Loc) -> Location {
        self.locate.locate(loc)
    }

    /// Indexes declarations by name, reporting exact and case-only duplicates.
    fn index<'a, T>(
        &mut self,
        noun: &str,
        items: impl Iterator<Item = (&'a At<String>, &'a T)>,
    ) -> Names<'a, T> {
        let mut by_name: BTreeMap<&'a str, (&'a At<String>, &'a T)> = BTreeMap::new();
        let mut by_lower: HashMap<String, &'a At<String>> = HashMap::new();
        for (name, item) in items {
            if let Some((first, _)) = by_name.get(name.value.as_str()) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-name",
                        format!("{noun} `{}` is declared twice", name.value),
                    )
                    .at(self.at(name.loc), "declared again here")
                    .related(self.at(first.loc), "first declared here")
                    .hint(format!(
                        "keep one declaration of the {noun} (names are unique per org: {{orgs}})"
                    )),
                );
                continue;
            }
            let lower = name.value.to_lowercase();
            if let Some(first) = by_lower.get(&lower) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-name",
                        format!(
                            "{noun} `{}` differs from `{}` only by case",
                            name.value, first.value
                        ),
                    )
                    .at(self.at(name.loc), "same name, other case")
                    .related(self.at(first.loc), "first declared here")
                    .hint("Genesys compares names without case: use one spelling"),
                );
                continue;
            }
            by_lower.insert(lower, name);
            by_name.insert(&name.value, (name, item));
        }
        Names { by_name }
    }

    /// Whether an unknown name must not be reported because the org's files are incomplete
    /// (then it is counted under `noun`).
    fn unchecked(&mut self, noun: &'static str) -> bool {
        if self.includes.complete {
            return false;
        }
        *self.unchecked.entry(noun).or_default() += 1;
        true
    }

    /// Reports `reference` if no declaration of `noun` has that name. When nothing at all
    /// declares a `noun`, only the first such reference is shown, with a note on why (an
    /// empty file, often) and how many more there are.
    fn reference<T>(
        &mut self,
        noun: &'static str,
        key: &str,
        names: &Names<'_, T>,
        reference: &At<String>,
    ) -> bool {
        if names.contains(&reference.value) {
            return true;
        }
        if self.unchecked(noun) {
            return false;
        }
        let nothing_declared = names.by_name.is_empty();
        if nothing_declared && let Some((_, more)) = self.undeclared.get_mut(noun) {
            *more += 1;
            return false;
        }
        let case_match = names.names().find(|name| {
            name.eq_ignore_ascii_case(&reference.value)
                || name.to_lowercase() == reference.value.to_lowercase()
        });
        let suggestion = case_match.or_else(|| did_you_mean(&reference.value, names.names()));
        let hint = match suggestion {
            Some(best) => format!(
                "did you mean `{best}`? Otherwise declare it under `{key}:` in a file included by {{orgs}}"
            ),
            None => {
                format!("declare it under `{key}:` in a file included by {{orgs}}, or fix the name")
            }
        };
        let mut diagnostic = Diagnostic::error(
            "unknown-reference",
            format!("unknown {noun} `{}`", reference.value),
        )
        .at(self.at(reference.loc), format!("no {noun} by this name"))
        .hint(hint);
        if nothing_declared {
            diagnostic = diagnostic.note(self.nothing_declared(noun));
            self.undeclared.insert(noun, (self.diagnostics.len(), 0));
        }
        self.diagnostics.push(diagnostic);
        false
    }

    /// Why a reference to a kind nothing declares fails: nothing declares it, and which
    /// included files are empty.
    fn nothing_declared(&self, noun: &str) -> String {
        let files: Vec<String> = self
            .includes
            .empty_files
            .iter()
            .map(|file| format!("`{file}`"))
            .collect();
        let declared = format!("no {noun} is declared in the files included by {{orgs}}");
        match files.len() {
            0 => declared,
            1 => format!("{declared}; {} is empty", files[0]),
            _ => format!("{declared}; {} are empty", files.join(", ")),
        }
    }

    /// Counts, on the first error about each kind nothing declares, the references to it
    /// that were not shown.
    fn count_undeclared(&mut self) {
        for (noun, (index, more)) in &self.undeclared {
            if *more > 0 {
                let note = format!(
                    "{more} more reference{} to {noun}s {} not shown: nothing declares a {noun}",
                    if *more == 1 { "" } else { "s" },
                    if *more == 1 { "is" } else { "are" },
                );
                self.diagnostics[*index].notes.push(note);
            }
        }
    }
}

/// Builds one org's desired state from the resource files it includes, in include order.
pub(crate) fn compile<L: Locate>(
    name: &str,
    files: &[&ResourceFile],
    includes: &Includes<'_>,
    policy: Policy,
    locate: &L,
) -> Compiled {
    let mut checker = Checker {
        locate,
        includes,
        diagnostics: Vec::new(),
        unchecked: BTreeMap::new(),
        undeclared: BTreeMap::new(),
    };
    let skills = checker.index(
        "skill",
        files.iter().flat_map(|f| &f.skills).map(|s| (&s.name, s)),
    );
    let languages = checker.index(
        "language",
        files
            .iter()
            .flat_map(|f| &f.languages)
            .map(|s| (&s.name, s)),
    );
    let wrapup_codes = checker.index(
        "wrap-up code",
        files
            .iter()
            .flat_map(|f| &f.wrapup_codes)
            .map(|s| (&s.name, s)),
    );
    let queues = checker.index(
        "queue",
        files.iter().flat_map(|f| &f.queues).map(|s| (&s.name, s)),
    );
    let teams = checker.index(
        "team",
        files.iter().flat_map(|f| &f.teams).map(|s| (&s.name, s)),
    );
    let profiles = checker.index(
        "routing profile",
        files
            .iter()
            .flat_map(|f| &f.routing_profiles)
            .map(|s| (&s.name, s)),
    );

    check_former_names(&mut checker, &skills);
    for (_, queue) in queues.by_name.values() {
        for code in queue.wrapup_codes.iter().flatten() {
            checker.reference("wrap-up code", "wrapupCodes", &wrapup_codes, code);
        }
    }
    let refs = Refs {
        skills: &skills,
        languages: &languages,
        queues: &queues,
    };
    for (_, profile) in profiles.by_name.values() {
        refs.check(
            &mut checker,
            profile.skills.as_ref(),
            profile.languages.as_ref(),
            profile.queues.as_ref(),
        );
    }

    let mut users: BTreeMap<&Email, &UserSpec> = BTreeMap::new();
    for user in files.iter().flat_map(|f| &f.users) {
        if let Some(first) = users.get(&user.email.value) {
            checker.diagnostics.push(
                Diagnostic::error(
                    "duplicate-name",
                    format!("user `{}` is declared twice", user.email.value),
                )
                .at(checker.at(user.email.loc), "declared again here")
                .related(checker.at(first.email.loc), "first declared here")
                .hint("emails are compared without case: keep one declaration of the user"),
            );
            continue;
        }
        users.insert(&user.email.value, user);
    }
    for user in users.values() {
        refs.check(
            &mut checker,
            user.skills.as_ref(),
            user.languages.as_ref(),
            user.queues.as_ref(),
        );
        if let Some(team) = &user.team {
            checker.reference("team", "teams", &teams, team);
        }
        if let Some(profile) = &user.routing_profile {
            checker.reference("routing profile", "routingProfiles", &profiles, profile);
        }
        if user.reactivate == Some(true) && user.state == Some(UserState::Inactive) {
            checker.diagnostics.push(
                Diagnostic::warning(
                    "reactivate-inactive",
                    format!(
                        "user `{}` has `reactivate: true` but `state: inactive`",
                        user.email.value
                    ),
                )
                .at(checker.at(user.email.loc), "this user stays inactive")
                .hint("remove `reactivate`, or set `state: active` to reactivate the user"),
            );
        }
        owned_elsewhere(&mut checker, &policy, user);
        if let Some(manager) = &user.manager {
            match users.get(&manager.value) {
                None if checker.unchecked("manager") => {}
                None => {
                    let emails: Vec<&str> = users.keys().map(|e| e.as_str()).collect();
                    let hint = match did_you_mean(manager.value.as_str(), emails.iter().copied()) {
                        Some(best) => format!(
                            "did you mean `{best}`? Otherwise declare the manager as a user in a file included by {{orgs}}"
                        ),
                        None => {
                            "declare the manager as a user in a file included by {orgs}".to_owned()
                        }
                    };
                    checker.diagnostics.push(
                        Diagnostic::error(
                            "unknown-reference",
                            format!("unknown manager `{}`", manager.value),
                        )
                        .at(checker.at(manager.loc), "no user with this email")
                        .hint(hint),
                    );
                }
                Some(boss)
                    if boss.state == Some(UserState::Inactive)
                        && user.state != Some(UserState::Inactive) =>
                {
                    checker.diagnostics.push(
                        Diagnostic::warning(
                            "inactive-manager",
                            format!("the manager of `{}` is inactive", user.email.value),
                        )
                        .at(checker.at(manager.loc), "this manager is inactive")
                        .related(
                            checker.at(boss.email.loc),
                            "declared `state: inactive` here",
                        )
                        .hint("give the user an active manager"),
                    );
                }
                Some(_) => {}
            }
        }
    }
    check_manager_cycles(&mut checker, &users);
    check_phone_claims(
        &mut checker,
        files
            .iter()
            .flat_map(|f| &f.users)
            // A user declared twice was reported; only its first declaration counts.
            .filter(|user| {
                users
                    .get(&user.email.value)
                    .is_some_and(|u| std::ptr::eq(*u, *user))
            }),
    );
    let announcements = checker.index(
        "announcement",
        files
            .iter()
            .flat_map(|f| &f.announcements)
            .map(|a| (&a.name, a)),
    );
    for (_, announcement) in announcements.by_name.values() {
        let audience = &announcement.audience;
        for queue in &audience.queues {
            checker.reference("queue", "queues", &queues, queue);
        }
        for team in &audience.teams {
            checker.reference("team", "teams", &teams, team);
        }
        for profile in &audience.routing_profiles {
            checker.reference("routing profile", "routingProfiles", &profiles, profile);
        }
        for user in &audience.users {
            check_user_reference(&mut checker, &users, user);
        }
    }
    checker.count_undeclared();
    let lookups = lookup_sources(
        locate,
        profiles.by_name.values().map(|(_, profile)| *profile),
        &users,
        queues.by_name.values().map(|(_, queue)| *queue),
        teams.by_name.values().map(|(_, team)| *team),
    );

    let desired = DesiredOrg {
        name: name.to_owned(),
        skills: skills
            .by_name
            .iter()
            .map(|(name, (at, skill))| {
                let desired = DesiredSkill {
                    name: (*name).to_owned(),
                    former_names: skill.former_names.iter().map(|f| f.value.clone()).collect(),
                    source: Some(checker.locate.source(at.loc)),
                };
                ((*name).to_owned(), desired)
            })
            .collect(),
        languages: languages
            .by_name
            .iter()
            .map(|(name, (at, _))| {
                let source = Some(checker.locate.source(at.loc));
                (
                    (*name).to_owned(),
                    DesiredLanguage {
                        name: (*name).to_owned(),
                        source,
                    },
                )
            })
            .collect(),
        wrapup_codes: wrapup_codes
            .by_name
            .iter()
            .map(|(name, (at, _))| {
                let source = Some(checker.locate.source(at.loc));
                (
                    (*name).to_owned(),
                    DesiredWrapupCode {
                        name: (*name).to_owned(),
                        source,
                    },
                )
            })
            .collect(),
        queues: queues
            .by_name
            .iter()
            .map(|(name, (at, queue))| {
                let desired = DesiredQueue {
                    name: (*name).to_owned(),
                    division: queue.division.as_ref().map(|d| d.value.clone()),
                    description: queue.description.clone(),
                    wrapup_codes: queue
                        .wrapup_codes
                        .as_ref()
                        .map(|codes| codes.iter().map(|c| c.value.clone()).collect()),
                    members: match queue.members {
                        Some(MembersMode::Exclusive) => MemberPolicy::Exclusive,
                        Some(MembersMode::Additive) | None => MemberPolicy::Additive,
                    },
                    source: Some(checker.locate.source(at.loc)),
                };
                ((*name).to_owned(), desired)
            })
            .collect(),
        teams: teams
            .by_name
            .iter()
            .map(|(name, (at, team))| {
                let desired = DesiredTeam {
                    name: (*name).to_owned(),
                    division: team.division.as_ref().map(|d| d.value.clone()),
                    description: team.description.clone(),
                    timezone: team.timezone.as_ref().map(|zone| zone.value.clone()),
                    source: Some(checker.locate.source(at.loc)),
                };
                ((*name).to_owned(), desired)
            })
            .collect(),
        users: users
            .values()
            .map(|user| {
                let profile = user
                    .routing_profile
                    .as_ref()
                    .and_then(|p| profiles.by_name.get(p.value.as_str()))
                    .map(|(_, profile)| *profile);
                let mut desired = compile_user(user, profile, checker.locate);
                desired.source = Some(checker.locate.source(user.email.loc));
                (user.email.value.clone(), desired)
            })
            .collect(),
        policy,
        lookups,
    };
    Compiled {
        desired,
        diagnostics: checker.diagnostics,
        unchecked: checker.unchecked,
    }
}

/// Where each role and division name is written: routing profiles, users, queues, teams.
fn lookup_sources<'a, L: Locate>(
    locate: &L,
    profiles: impl Iterator<Item = &'a RoutingProfileSpec>,
    users: &BTreeMap<&Email, &'a UserSpec>,
    queues: impl Iterator<Item = &'a crate::manifest::QueueSpec>,
    teams: impl Iterator<Item = &'a crate::manifest::TeamSpec>,
) -> LookupSources {
    let mut roles: Vec<&At<String>> = Vec::new();
    let mut divisions: Vec<&At<String>> = Vec::new();
    let mut grants = |specs: Option<&'a Vec<RoleSpec>>| {
        for spec in specs.into_iter().flatten() {
            roles.push(&spec.role);
            divisions.extend(spec.divisions.iter().flatten());
        }
    };
    for profile in profiles {
        grants(profile.roles.as_ref());
    }
    for user in users.values() {
        grants(user.roles.as_ref());
    }
    divisions.extend(users.values().filter_map(|user| user.division.as_ref()));
    divisions.extend(queues.filter_map(|queue| queue.division.as_ref()));
    divisions.extend(teams.filter_map(|team| team.division.as_ref()));
    let by_name = |names: Vec<&At<String>>| {
        let mut found: BTreeMap<String, Vec<roster_model::Source>> = BTreeMap::new();
        for name in names {
            found
                .entry(name.value.clone())
                .or_default()
                .push(locate.source(name.loc));
        }
        for places in found.values_mut() {
            places.sort();
            places.dedup();
        }
        found
    };
    LookupSources {
        roles: by_name(roles),
        divisions: by_name(divisions),
    }
}

struct Refs<'r, 'a> {
    skills: &'r Names<'a, crate::manifest::SkillSpec>,
    languages: &'r Names<'a, crate::manifest::LanguageSpec>,
    queues: &'r Names<'a, crate::manifest::QueueSpec>,
}

impl Refs<'_, '_> {
    fn check<L: Locate>(
        &self,
        checker: &mut Checker<'_, L>,
        skills: Option<&BTreeMap<At<String>, Proficiency>>,
        languages: Option<&BTreeMap<At<String>, Proficiency>>,
        queues: Option<&Vec<At<String>>>,
    ) {
        for skill in skills.into_iter().flat_map(BTreeMap::keys) {
            checker.reference("skill", "skills", self.skills, skill);
        }
        for language in languages.into_iter().flat_map(BTreeMap::keys) {
            checker.reference("language", "languages", self.languages, language);
        }
        for queue in queues.into_iter().flatten() {
            checker.reference("queue", "queues", self.queues, queue);
        }
    }
}

fn check_former_names<L: Locate>(
    checker: &mut Checker<'_, L>,
    skills: &Names<'_, crate::manifest::SkillSpec>,
) {
    let declared: HashMap<String, &At<String>> = skills
        .by_name
        .values()
        .map(|(name, _)| (name.value.to_lowercase(), *name))
        .collect();
    let mut claimed: HashMap<String, &At<String>> = HashMap::new();
    for (name, skill) in skills.by_name.values() {
        for former in &skill.former_names {
            let lower = former.value.to_lowercase();
            if let Some(other) = declared.get(&lower) {
                checker.diagnostics.push(
                    Diagnostic::error(
                        "former-name-conflict",
                        format!("`{}` is a former name of skill `{}` but is also declared as a skill", former.value, name.value),
                    )
                    .at(checker.at(former.loc), "former name")
                    .related(checker.at(other.loc), "still declared here")
                    .hint(format!(
                        "a renamed skill no longer exists: remove `{}` from `formerNames`, or remove the skill `{}`",
                        former.value, other.value
                    )),
                );
            } else if let Some(first) = claimed.get(&lower) {
                checker.diagnostics.push(
                    Diagnostic::error("former-name-conflict", format!("two skills claim the former name `{}`", former.value))
                        .at(checker.at(former.loc), "claimed again here")
                        .related(checker.at(first.loc), "first claimed here")
                        .hint("a live skill can be renamed into one skill only: keep the former name on one of them"),
                );
            } else {
                claimed.insert(lower, former);
            }
        }
    }
}

/// Reports an announcement's audience user no manifest of the org declares. Roles and
/// divisions are not checked here: they exist only in the org, and are looked up when the
/// announcement is sent.
fn check_user_reference<L: Locate>(
    checker: &mut Checker<'_, L>,
    users: &BTreeMap<&Email, &UserSpec>,
    user: &At<Email>,
) {
    if users.contains_key(&user.value) || checker.unchecked("user") {
        return;
    }
    let emails = users.keys().map(|e| e.as_str());
    let hint = match did_you_mean(user.value.as_str(), emails) {
        Some(best) => format!(
            "did you mean `{best}`? An announcement reaches users declared in a file included by {{orgs}}"
        ),
        None => "an announcement reaches users declared in a file included by {orgs}: declare the user, or fix the email".to_owned(),
    };
    checker.diagnostics.push(
        Diagnostic::error(
            "unknown-reference",
            format!("unknown user `{}`", user.value),
        )
        .at(checker.at(user.loc), "no user with this email")
        .hint(hint),
    );
}

/// Reports a direct number or an extension that two users of the org claim, at the second
/// user's, naming the first's place: one number rings one person.
fn check_phone_claims<'a, L: Locate>(
    checker: &mut Checker<'_, L>,
    users: impl Iterator<Item = &'a UserSpec>,
) {
    let mut numbers: BTreeMap<&str, (&Email, Loc)> = BTreeMap::new();
    let mut extensions: BTreeMap<&str, (&Email, Loc)> = BTreeMap::new();
    for user in users {
        let Some(phone) = &user.phone else {
            continue;
        };
        let claims = [
            (
                "number",
                &mut numbers,
                phone
                    .value
                    .number
                    .as_ref()
                    .map(|n| (n.value.as_str(), n.loc)),
                "give each user its own number, or `phone: { pool: NAME }` to take a free one of a DID pool",
            ),
            (
                "extension",
                &mut extensions,
                phone
                    .value
                    .extension
                    .as_ref()
                    .map(|e| (e.value.as_str(), e.loc)),
                "give each user its own extension",
            ),
        ];
        for (what, claimed, claim, hint) in claims {
            let Some((value, loc)) = claim else {
                continue;
            };
            let Some((first, first_loc)) = claimed.get(value) else {
                claimed.insert(value, (&user.email.value, loc));
                continue;
            };
            let place = checker.at(*first_loc);
            checker.diagnostics.push(
                Diagnostic::error(
                    "duplicate-phone",
                    format!(
                        "{what} `{value}` of `{}` is already `{first}`'s ({}:{})",
                        user.email.value, place.file, place.line
                    ),
                )
                .at(checker.at(loc), "claimed again here")
                .related(place, "first claimed here")
                .hint(hint),
            );
        }
    }
}

/// Reports every manager cycle once, starting from its smallest email.
fn check_manager_cycles<L: Locate>(
    checker: &mut Checker<'_, L>,
    users: &BTreeMap<&Email, &UserSpec>,
) {
    let mut done: BTreeSet<&Email> = BTreeSet::new();
    for start in users.keys() {
        if done.contains(start) {
            continue;
        }
        let mut path: Vec<&Email> = Vec::new();
        let mut current = Some(*start);
        while let Some(email) = current {
            if done.contains(email) {
                break;
            }
            if let Some(at) = path.iter().position(|seen| *seen == email) {
                let cycle = &path[at..];
                report_cycle(checker, users, cycle);
                break;
            }
            path.push(email);
            current = users
                .get(email)
                .and_then(|user| user.manager.as_ref())
                .and_then(|manager| users.get_key_value(&manager.value))
                .map(|(key, _)| *key);
        }
        done.extend(path);
    }
}

fn report_cycle<L: Locate>(
    checker: &mut Checker<'_, L>,
    users: &BTreeMap<&Email, &UserSpec>,
    cycle: &[&Email],
) {
    // Start the cycle at its smallest email so the message is the same whichever user the
    // walk entered it from.
    let first = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, e)| **e)
        .map_or(0, |(i, _)| i);
    let ordered: Vec<&Email> = cycle[first..]
        .iter()
        .chain(&cycle[..first])
        .copied()
        .collect();
    let mut chain: Vec<String> = ordered.iter().map(|e| format!("`{e}`")).collect();
    chain.push(format!("`{}`", ordered[0]));
    let manager_of = |email: &Email| users.get(email).and_then(|u| u.manager.as_ref());
    let Some(head) = manager_of(ordered[0]) else {
        return;
    };
    let mut diagnostic = Diagnostic::error(
        "manager-cycle",
        format!("manager cycle: {}", chain.join(" → ")),
    )
    .at(
        checker.at(head.loc),
        format!("`{}` reports to `{}`", ordered[0], head.value),
    )
    .hint("break the cycle: someone in it must report to a manager outside it, or to no one");
    for email in &ordered[1..] {
        if let Some(manager) = manager_of(email) {
            diagnostic = diagnostic.related(
                checker.at(manager.loc),
                format!("`{email}` reports to `{}`", manager.value),
            );
        }
    }
    checker.diagnostics.push(diagnostic);
}

/// A user with its routing profile folded in (DESIGN §2.3): skills and languages add to the
/// profile's or override a proficiency, queues and roles add, each utilization media type the
/// user lists replaces the profile's. A field either declares counts as declared.
/// Warns when `user` sets a field `policy.ownedElsewhere` gives to the identity provider:
/// roster will neither write it nor count a difference as a change. `name` is exempt: every
/// user declares one (Genesys needs it to create a user).
fn owned_elsewhere<L: Locate>(checker: &mut Checker<'_, L>, policy: &Policy, user: &UserSpec) {
    let set = [
        (UserField::Title, user.title.is_some()),
        (UserField::Department, user.department.is_some()),
        (UserField::Manager, user.manager.is_some()),
        (UserField::Division, user.division.is_some()),
        (UserField::State, user.state.is_some()),
    ];
    let fields: Vec<&str> = set
        .iter()
        .filter(|(field, given)| *given && policy.owned_elsewhere.contains(field))
        .map(|(field, _)| field.as_str())
        .collect();
    if fields.is_empty() {
        return;
    }
    let list = fields
        .iter()
        .map(|field| format!("`{field}`"))
        .collect::<Vec<_>>()
        .join(", ");
    checker.diagnostics.push(
        Diagnostic::warning(
            "owned-elsewhere",
            format!(
                "user `{}` sets {list}, owned by the identity provider (`policy.ownedElsewhere`)",
                user.email.value
            ),
        )
        .at(checker.at(user.email.loc), "roster will not write these fields")
        .hint("remove them from the manifest, or from `policy.ownedElsewhere` if roster should manage them"),
    );
}

pub(crate) fn compile_user<L: Locate>(
    user: &UserSpec,
    profile: Option<&RoutingProfileSpec>,
    locate: &L,
) -> DesiredUser {
    let mut desired = DesiredUser::new(user.email.value.clone(), user.name.clone());
    desired.title.clone_from(&user.title);
    desired.department.clone_from(&user.department);
    desired.division = user.division.as_ref().map(|d| d.value.clone());
    desired.manager = user.manager.as_ref().map(|m| m.value.clone());
    desired.team = user.team.as_ref().map(|t| t.value.clone());
    desired.acd_auto_answer = user.acd_auto_answer;
    desired.state = user.state.unwrap_or_default();
    desired.reactivate = user.reactivate.unwrap_or(false);
    desired.routing_profile = user.routing_profile.as_ref().map(|p| p.value.clone());
    desired.timezone = user.timezone.as_ref().map(|zone| zone.value.clone());
    desired.skills = overlay(
        profile.and_then(|p| p.skills.as_ref()),
        user.skills.as_ref(),
    );
    desired.languages = overlay(
        profile.and_then(|p| p.languages.as_ref()),
        user.languages.as_ref(),
    );
    desired.queues = union(
        profile.and_then(|p| p.queues.as_ref()),
        user.queues.as_ref(),
        |q| std::iter::once(q.value.clone()),
    );
    desired.roles = union(
        profile.and_then(|p| p.roles.as_ref()),
        user.roles.as_ref(),
        grants,
    );
    desired.utilization = match (
        profile.and_then(|p| p.utilization.as_ref()),
        user.utilization.as_ref(),
    ) {
        (None, None) => None,
        (base, own) => {
            let mut merged = Utilization::new();
            for spec in [base, own].into_iter().flatten() {
                merged.extend(media_utilization(spec));
            }
            Some(merged)
        }
    };
    entitlements(&mut desired, user, profile, locate);
    desired
}

/// A user's `phone`, `wfm` and expected licence (DESIGN §2.10): the user's own `phone` or
/// `wfm` replaces the profile's as a whole, and each keeps the place of the `phone:` or
/// `wfm:` that applies, for the planner's errors (an unknown pool, say). A profile's
/// `phone: { pool }` is authoritative like a user's: its users get a number of the pool and
/// no extension.
fn entitlements<L: Locate>(
    desired: &mut DesiredUser,
    user: &UserSpec,
    profile: Option<&RoutingProfileSpec>,
    locate: &L,
) {
    desired.phone = match (&user.phone, profile.and_then(|p| p.phone.as_ref())) {
        (Some(own), _) => {
            let number = match (&own.value.number, &own.value.pool) {
                (Some(number), _) => Some(NumberChoice::Number(number.value.clone())),
                (None, Some(pool)) => Some(NumberChoice::Pool(pool.value.clone())),
                (None, None) => None,
            };
            Some(DesiredPhone {
                number,
                extension: own.value.extension.as_ref().map(|e| e.value.clone()),
                source: Some(locate.source(own.loc)),
            })
        }
        (None, Some(base)) => Some(DesiredPhone {
            number: Some(NumberChoice::Pool(base.value.pool.value.clone())),
            extension: None,
            source: Some(locate.source(base.loc)),
        }),
        (None, None) => None,
    };
    desired.wfm = user
        .wfm
        .as_ref()
        .or_else(|| profile.and_then(|p| p.wfm.as_ref()))
        .map(|wfm| DesiredWfm {
            management_unit: wfm.value.management_unit.value.clone(),
            source: Some(locate.source(wfm.loc)),
        });
    desired.licence = profile.and_then(|profile| {
        let licence = profile.licence.as_ref()?;
        Some(ExpectedLicence {
            licence: licence.value.clone(),
            profile: profile.name.value.clone(),
            source: Some(locate.source(licence.loc)),
        })
    });
}

fn overlay(
    base: Option<&BTreeMap<At<String>, Proficiency>>,
    own: Option<&BTreeMap<At<String>, Proficiency>>,
) -> Option<BTreeMap<String, Proficiency>> {
    if base.is_none() && own.is_none() {
        return None;
    }
    let mut merged = BTreeMap::new();
    for map in [base, own].into_iter().flatten() {
        merged.extend(map.iter().map(|(name, level)| (name.value.clone(), *level)));
    }
    Some(merged)
}

fn union<T, U: Ord, I: IntoIterator<Item = U>>(
    base: Option<&Vec<T>>,
    own: Option<&Vec<T>>,
    expand: impl Fn(&T) -> I,
) -> Option<BTreeSet<U>> {
    if base.is_none() && own.is_none() {
        return None;
    }
    Some(
        [base, own]
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(expand)
            .collect(),
    )
}

/// One grant per division; no divisions means the home division.
fn grants(role: &RoleSpec) -> Vec<RoleGrant> {
    match &role.divisions {
        None => vec![RoleGrant {
            role: role.role.value.clone(),
            division: None,
        }],
        Some(divisions) => divisions
            .iter()
            .map(|division| RoleGrant {
                role: role.role.value.clone(),
                division: Some(division.value.clone()),
            })
            .collect(),
    }
}

fn media_utilization(spec: &UtilizationSpec) -> Utilization {
    spec.entries()
        .map(|(media, config)| {
            let value = MediaUtilization {
                capacity: config.capacity,
                interruptible: config.interruptible.iter().copied().collect(),
                include_non_acd: config.include_non_acd.unwrap_or(false),
            };
            (media, value)
        })
        .collect()
}
