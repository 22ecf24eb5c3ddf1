//! What the planner decides before it writes any operation: each user's fate, which objects
//! are deleted (renamed away or pruned), and indexes over the live org.
//!
//! Decisions come first because operations depend on them in both directions: a user's
//! skill removals skip skills that are deleted anyway, and a deletion waits for the moves of
//! its holders.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{
    DesiredOrg, Email, Kind, LiveOrg, MemberOrigin, Policy, UnmanagedPolicy, UserState,
};

use crate::types::PlanOptions;

/// What happens to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Declared, not in the org: created.
    Create,
    /// Declared and active (or reactivated): brought to the manifest.
    Update {
        /// Whether the user is inactive in the org and reactivated first.
        reactivate: bool,
    },
    /// Offboarded and deactivated (declared inactive, or unmanaged under `prune`).
    Offboard,
    /// Left alone (declared inactive and already inactive, or inactive and not allowed to
    /// be reactivated).
    Untouched,
}

impl Fate {
    /// Whether the user is active once the plan has run, so it belongs in its queues.
    pub fn ends_active(self) -> bool {
        matches!(self, Fate::Create | Fate::Update { .. })
    }
}

/// Why an object that the manifests do not name is listed or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unmanaged {
    /// Listed; `note` says why it is not pruned when it might have been.
    Report { note: Option<String> },
    /// Deleted (users: deactivated).
    Prune,
}

/// Decisions and indexes shared by every part of the planner.
pub(crate) struct Context<'a> {
    pub desired: &'a DesiredOrg,
    pub live: &'a LiveOrg,
    pub options: &'a PlanOptions,
    pub policy: &'a Policy,
    /// The home division's name.
    pub home: Option<&'a str>,
    /// Each user's fate: declared users and unmanaged users under `prune`.
    pub fates: BTreeMap<Email, Fate>,
    /// Live skill renamed away → the declared skill that replaces it.
    pub renamed: BTreeMap<String, String>,
    /// Objects deleted by the plan (renamed-away skills included), by kind.
    pub deleted: HashMap<Kind, BTreeSet<String>>,
    /// Unmanaged live objects that are listed or pruned, by kind and key.
    pub unmanaged: BTreeMap<(Kind, String), Unmanaged>,
    /// Per offboarded user, the queues it is a direct member of (only queues whose members
    /// were read).
    pub direct_queues: HashMap<Email, BTreeSet<String>>,
}

impl<'a> Context<'a> {
    /// Builds the indexes; decisions are filled in by [`Context::decide`].
    pub fn new(desired: &'a DesiredOrg, live: &'a LiveOrg, options: &'a PlanOptions) -> Self {
        Context {
            desired,
            live,
            options,
            policy: &desired.policy,
            home: live.home_division().map(|d| d.name.as_str()),
            fates: BTreeMap::new(),
            renamed: BTreeMap::new(),
            deleted: HashMap::new(),
            unmanaged: BTreeMap::new(),
            direct_queues: HashMap::new(),
        }
    }

    /// Whether the plan deletes `kind`/`key`.
    pub fn is_deleted(&self, kind: Kind, key: &str) -> bool {
        self.deleted.get(&kind).is_some_and(|set| set.contains(key))
    }

    /// The user's fate; unmanaged users that are not pruned are untouched.
    pub fn fate(&self, email: &Email) -> Fate {
        self.fates.get(email).copied().unwrap_or(Fate::Untouched)
    }

    /// Whether objects without a division of their own (skills, languages, wrap-up codes)
    /// are inside `policy.scope`: roster's decision is that they belong to the home division,
    /// so listing the home division in the scope is what allows pruning them.
    pub fn divisionless_in_scope(&self) -> bool {
        self.home
            .is_some_and(|home| self.policy.scope.contains(home))
    }

    /// Makes every decision, recording warnings for what policy stops.
    pub fn decide(&mut self, warnings: &mut Vec<crate::types::Warning>) {
        self.decide_users(warnings);
        self.decide_renames(warnings);
        self.decide_unmanaged(warnings);
        self.index_offboarded_memberships();
    }

    fn index_offboarded_memberships(&mut self) {
        if !self.fates.values().any(|f| *f == Fate::Offboard) {
            return;
        }
        for queue in self.live.queues.values() {
            for (email, member) in queue.members.iter().flatten() {
                if member.origin == MemberOrigin::Direct
                    && self.fates.get(email) == Some(&Fate::Offboard)
                {
                    self.direct_queues
                        .entry(email.clone())
                        .or_default()
                        .insert(queue.name.clone());
                }
            }
        }
    }

    fn decide_users(&mut self, warnings: &mut Vec<crate::types::Warning>) {
        for (email, user) in &self.desired.users {
            let live = self.live.users.get(email);
            let fate = match (user.state, live.map(|l| l.state)) {
                (UserState::Active, None) => Fate::Create,
                (UserState::Active, Some(UserState::Active)) => Fate::Update { reactivate: false },
                (UserState::Active, Some(UserState::Inactive)) => {
                    if user.reactivate || self.options.reactivate.contains(email) {
                        Fate::Update { reactivate: true }
                    } else {
                        warnings.push(warning(
                            Kind::User,
                            email.as_str(),
                            "inactive in the org but `state: active` in the manifests; left \
                             inactive: add `reactivate: true` to the user (or pass \
                             `--reactivate` with its email) to reactivate it"
                                .to_owned(),
                        ));
                        Fate::Untouched
                    }
                }
                (UserState::Inactive, Some(UserState::Active)) => {
                    if let Some(rule) = self.policy.protection(Kind::User, email.as_str()) {
                        warnings.push(warning(
                            Kind::User,
                            email.as_str(),
                            format!(
                                "`state: inactive` in the manifests, but protected by \
                                 `policy.protect` (`{}`); not deactivated",
                                rule.pattern
                            ),
                        ));
                        Fate::Untouched
                    } else {
                        Fate::Offboard
                    }
                }
                (UserState::Inactive, _) => Fate::Untouched,
            };
            self.fates.insert(email.clone(), fate);
        }
    }

    fn decide_renames(&mut self, warnings: &mut Vec<crate::types::Warning>) {
        for skill in self.desired.skills.values() {
            for former in &skill.former_names {
                if former == &skill.name
                    || self.desired.skills.contains_key(former)
                    || !self.live.skills.contains_key(former)
                {
                    continue;
                }
                self.renamed.insert(former.clone(), skill.name.clone());
                if let Some(rule) = self.policy.protection(Kind::Skill, former) {
                    warnings.push(warning(
                        Kind::Skill,
                        former,
                        format!(
                            "renamed to `{}`, but protected by `policy.protect` (`{}`); its \
                             holders get `{}` and the old skill is kept",
                            skill.name, rule.pattern, skill.name
                        ),
                    ));
                } else {
                    self.deleted
                        .entry(Kind::Skill)
                        .or_default()
                        .insert(former.clone());
                }
            }
        }
    }

    fn decide_unmanaged(&mut self, warnings: &mut Vec<crate::types::Warning>) {
        let divisionless = self.divisionless_in_scope();
        let home = self.home.unwrap_or_default().to_owned();
        let mut candidates: Vec<(Kind, String, Option<String>)> = Vec::new();
        for name in self.live.skills.keys() {
            if !self.desired.skills.contains_key(name) && !self.renamed.contains_key(name) {
                candidates.push((Kind::Skill, name.clone(), None));
            }
        }
        for name in self.live.languages.keys() {
            if !self.desired.languages.contains_key(name) {
                candidates.push((Kind::Language, name.clone(), None));
            }
        }
        for name in self.live.wrapup_codes.keys() {
            if !self.desired.wrapup_codes.contains_key(name) {
                candidates.push((Kind::WrapupCode, name.clone(), None));
            }
        }
        for queue in self.live.queues.values() {
            if !self.desired.queues.contains_key(&queue.name) {
                candidates.push((
                    Kind::Queue,
                    queue.name.clone(),
                    Some(queue.division.clone()),
                ));
            }
        }
        for team in self.live.teams.values() {
            if !self.desired.teams.contains_key(&team.name) {
                candidates.push((Kind::Team, team.name.clone(), Some(team.division.clone())));
            }
        }
        for user in self.live.users.values() {
            // Inactive users are already offboarded: nothing to report or prune.
            if user.state == UserState::Active && !self.desired.users.contains_key(&user.email) {
                candidates.push((
                    Kind::User,
                    user.email.to_string(),
                    Some(user.division.clone()),
                ));
            }
        }

        for (kind, key, division) in candidates {
            let decision = match self.policy.unmanaged.for_kind(kind) {
                UnmanagedPolicy::Ignore => continue,
                UnmanagedPolicy::Report => Unmanaged::Report { note: None },
                UnmanagedPolicy::Prune => {
                    let in_scope = match &division {
                        Some(division) => self.policy.scope.contains(division),
                        None => divisionless,
                    };
                    if !in_scope {
                        let place = division.as_deref().unwrap_or(&home);
                        Unmanaged::Report {
                            note: Some(format!(
                                "not pruned: division `{place}` is outside `policy.scope`"
                            )),
                        }
                    } else if let Some(rule) = self.policy.protection(kind, &key) {
                        warnings.push(warning(
                            kind,
                            &key,
                            format!(
                                "unmanaged and under `prune`, but protected by \
                                 `policy.protect` (`{}`); kept",
                                rule.pattern
                            ),
                        ));
                        continue;
                    } else {
                        Unmanaged::Prune
                    }
                }
            };
            if decision == Unmanaged::Prune {
                if kind == Kind::User {
                    if let Ok(email) = Email::parse(&key) {
                        self.fates.insert(email, Fate::Offboard);
                    }
                } else {
                    self.deleted.entry(kind).or_default().insert(key.clone());
                }
            }
            self.unmanaged.insert((kind, key), decision);
        }
    }
}

fn warning(kind: Kind, key: &str, message: String) -> crate::types::Warning {
    crate::types::Warning {
        kind,
        key: key.to_owned(),
        message,
    }
}
