//! Declared users: creation and reactivation, profile fields, managers, and their own
//! assignments (skills, languages, utilization, role grants, team). Queue membership is
//! planned per queue (`membership.rs`), offboarding as a sequence (`offboard.rs`).

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    DesiredUser, Email, GrantOrigin, Kind, LivePhone, LiveUser, Operation, Proficiency, RoleGrant,
    UserPatch, UserState, Utilization, without_defaults,
};
use serde_json::{Map, Value, json};

use super::builder::{Builder, Stage, map_chunks};
use super::context::{Context, Fate};
use super::objects::text;
use crate::render::utilization_text;
use crate::types::{Action, FieldChange};

/// Most skills or languages one bulk PATCH takes.
const PROFICIENCIES_PER_CALL: usize = 50;

/// Creates new users and reactivates allowed ones, so every later operation on a user can
/// depend on the one operation after which it exists and is active.
pub(crate) fn plan_user_readiness(ctx: &Context<'_>, b: &mut Builder) {
    for (email, user) in &ctx.desired.users {
        match ctx.fate(email) {
            Fate::Create => {
                let change = b.change(
                    Kind::User,
                    email.as_str(),
                    Action::Create,
                    user.source.as_ref(),
                    None,
                );
                b.changes[change]
                    .routing_profile
                    .clone_from(&user.routing_profile);
                b.field(
                    change,
                    FieldChange::scalar("name", None, Some(user.name.clone())),
                );
                let title = user.title.as_deref().and_then(|t| text(Some(t)));
                let department = user.department.as_deref().and_then(|t| text(Some(t)));
                for (field, value) in [
                    ("division", user.division.as_deref()),
                    ("title", title),
                    ("department", department),
                ] {
                    if let Some(value) = value {
                        b.field(
                            change,
                            FieldChange::scalar(field, None, Some(value.to_owned())),
                        );
                    }
                }
                let node = b.push(
                    Operation::CreateUser {
                        email: email.clone(),
                        name: user.name.clone(),
                        division: user.division.clone(),
                        title: title.map(str::to_owned),
                        department: department.map(str::to_owned),
                    },
                    Stage::Users,
                    Vec::new(),
                    None,
                    Some(change),
                );
                b.user_ready.insert(email.clone(), node);
            }
            Fate::Update { reactivate: true } => {
                let live = &ctx.live.users[email];
                let change = b.change(
                    Kind::User,
                    email.as_str(),
                    Action::Reactivate,
                    user.source.as_ref(),
                    Some(&live.id),
                );
                b.field(
                    change,
                    FieldChange::scalar(
                        "state",
                        Some(UserState::Inactive.to_string()),
                        Some(UserState::Active.to_string()),
                    ),
                );
                let node = b.push(
                    Operation::SetUserState {
                        email: email.clone(),
                        state: UserState::Active,
                    },
                    Stage::Users,
                    Vec::new(),
                    Some(json!(live.state)),
                    Some(change),
                );
                b.user_ready.insert(email.clone(), node);
            }
            _ => {}
        }
    }
}

/// Brings every declared, active user's fields and own assignments to the manifest.
pub(crate) fn plan_users(ctx: &Context<'_>, b: &mut Builder) {
    let empty = LiveUser {
        id: String::new(),
        version: 0,
        email: Email::parse("new@user.invalid").expect("a literal, valid address"),
        name: String::new(),
        title: None,
        department: None,
        division: String::new(),
        manager: None,
        state: UserState::Active,
        team: None,
        skills: BTreeMap::new(),
        languages: BTreeMap::new(),
        // Genesys gives every new user its default role, so declared roles are compared with
        // that, not with nothing.
        grants: ctx.live.new_user_grants(),
        utilization: Some(Utilization::new()),
        acd_auto_answer: false,
        phone: LivePhone::default(),
        station: None,
        management_unit: None,
    };
    for (email, user) in &ctx.desired.users {
        let fate = ctx.fate(email);
        if !fate.ends_active() {
            continue;
        }
        let live = ctx.live.users.get(email);
        let ready: Vec<usize> = b.user_ready.get(email).copied().into_iter().collect();
        let mut plan = UserPlan {
            ctx,
            b,
            user,
            live_id: live.map(|l| l.id.as_str()),
            change: None,
            ready,
            new: live.is_none(),
        };
        let live = live.unwrap_or(&empty);
        plan.profile(live);
        if fate != Fate::Create {
            plan.division(live);
        }
        plan.skills(live);
        plan.languages(live);
        plan.utilization(live);
        plan.roles(live);
        plan.team(live);
    }
}

/// Holders of a renamed-away skill whose skills the manifests do not manage get the new
/// skill with the same proficiency (declared users with managed skills get it from their
/// own diff).
pub(crate) fn plan_rename_moves(ctx: &Context<'_>, b: &mut Builder) {
    if ctx.renamed.is_empty() {
        return;
    }
    for live in ctx.live.users.values() {
        let fate = ctx.fate(&live.email);
        let declared = ctx.desired.users.get(&live.email);
        let moves = match (declared, fate) {
            (_, Fate::Offboard | Fate::Create) => continue,
            (Some(user), Fate::Update { .. }) if user.skills.is_none() => true,
            (None, Fate::Untouched) => true,
            _ => false,
        };
        if !moves {
            continue;
        }
        let mut set: BTreeMap<String, Proficiency> = BTreeMap::new();
        let mut olds: Vec<&String> = Vec::new();
        for (old, new) in &ctx.renamed {
            if let Some(p) = live.skills.get(old)
                && !live.skills.contains_key(new)
            {
                set.entry(new.clone()).or_insert(*p);
                olds.push(old);
            }
        }
        if set.is_empty() {
            continue;
        }
        let first_new = &ctx.renamed[olds[0]];
        let change = b.existing_change(Kind::Skill, first_new);
        let mut deps: Vec<usize> = set
            .keys()
            .filter_map(|s| b.created(Kind::Skill, s))
            .collect();
        deps.extend(b.user_ready.get(&live.email).copied());
        let node = b.push(
            Operation::SetUserSkills {
                email: live.email.clone(),
                skills: set,
            },
            Stage::Assignments,
            deps,
            Some(Value::Object(Map::new())),
            change,
        );
        for old in olds {
            b.movers.entry(old.clone()).or_default().push(node);
        }
    }
}

/// One declared user being planned.
struct UserPlan<'p, 'a> {
    ctx: &'p Context<'a>,
    b: &'p mut Builder,
    user: &'a DesiredUser,
    live_id: Option<&'a str>,
    /// The user's change, made on first use: most users of a large org have none.
    change: Option<usize>,
    /// The operation that makes the user exist and be active, when the plan does.
    ready: Vec<usize>,
    /// Whether the user is created by the plan.
    new: bool,
}

impl UserPlan<'_, '_> {
    fn email(&self) -> &Email {
        &self.user.email
    }

    fn change(&mut self) -> usize {
        if let Some(change) = self.change {
            return change;
        }
        let change = self.b.change(
            Kind::User,
            self.user.email.as_str(),
            Action::Update,
            self.user.source.as_ref(),
            self.live_id,
        );
        self.b.changes[change]
            .routing_profile
            .clone_from(&self.user.routing_profile);
        self.change = Some(change);
        change
    }

    fn field(&mut self, field: FieldChange) {
        let change = self.change();
        self.b.field(change, field);
    }

    fn push(&mut self, op: Operation, stage: Stage, deps: Vec<usize>, before: Option<Value>) {
        let mut all = self.ready.clone();
        all.extend(deps);
        let change = self.change();
        self.b.push(op, stage, all, before, Some(change));
    }

    fn profile(&mut self, live: &LiveUser) {
        let user = self.user;
        let mut patch = UserPatch::default();
        let mut before = Map::new();
        if !self.new {
            if user.name != live.name {
                self.field(FieldChange::scalar(
                    "name",
                    Some(live.name.clone()),
                    Some(user.name.clone()),
                ));
                before.insert("name".into(), json!(live.name));
                patch.name = Some(user.name.clone());
            }
            for (field, wanted, held, slot) in [
                (
                    "title",
                    user.title.as_deref(),
                    live.title.as_deref(),
                    &mut patch.title,
                ),
                (
                    "department",
                    user.department.as_deref(),
                    live.department.as_deref(),
                    &mut patch.department,
                ),
            ] {
                if let Some(wanted) = wanted
                    && text(Some(wanted)) != text(held)
                {
                    self.field(FieldChange::scalar(
                        field,
                        text(held).map(str::to_owned),
                        text(Some(wanted)).map(str::to_owned),
                    ));
                    before.insert(field.into(), json!(held));
                    *slot = Some(wanted.to_owned());
                }
            }
        }
        if let Some(manager) = &user.manager
            && live.manager.as_ref() != Some(manager)
        {
            self.field(FieldChange::scalar(
                "manager",
                live.manager.as_ref().map(ToString::to_string),
                Some(manager.to_string()),
            ));
            before.insert("manager".into(), json!(live.manager));
            patch.manager = Some(manager.clone());
        }
        if let Some(auto) = user.acd_auto_answer
            && auto != live.acd_auto_answer
        {
            self.field(FieldChange::scalar(
                "acdAutoAnswer",
                Some(live.acd_auto_answer.to_string()),
                Some(auto.to_string()),
            ));
            before.insert("acdAutoAnswer".into(), json!(live.acd_auto_answer));
            patch.acd_auto_answer = Some(auto);
        }
        if patch.is_empty() {
            return;
        }
        let mut deps = Vec::new();
        let stage = match &patch.manager {
            Some(manager) => {
                // The manager must exist (and be active) before it can be linked.
                deps.extend(self.b.user_ready.get(manager).copied());
                Stage::Managers
            }
            None => Stage::Users,
        };
        let before = (!self.new).then_some(Value::Object(before));
        self.push(
            Operation::UpdateUser {
                email: self.email().clone(),
                patch,
            },
            stage,
            deps,
            before,
        );
    }

    fn division(&mut self, live: &LiveUser) {
        let Some(division) = &self.user.division else {
            return;
        };
        if *division == live.division {
            return;
        }
        self.field(FieldChange::scalar(
            "division",
            Some(live.division.clone()),
            Some(division.clone()),
        ));
        self.push(
            Operation::MoveUserDivision {
                email: self.email().clone(),
                division: division.clone(),
            },
            Stage::Users,
            Vec::new(),
            Some(json!(live.division)),
        );
    }

    fn skills(&mut self, live: &LiveUser) {
        let Some(wanted) = &self.user.skills else {
            return;
        };
        let ctx = self.ctx;
        let (set, remove) =
            proficiency_diff(wanted, &live.skills, |s| ctx.is_deleted(Kind::Skill, s));
        // A holder of a renamed-away skill getting the new name at the same proficiency is
        // part of the rename, shown once on the skill, not on every user.
        let moved_from = |name: &str, p: Proficiency| -> Option<&String> {
            ctx.renamed
                .iter()
                .find(|(old, new)| *new == name && live.skills.get(*old) == Some(&p))
                .map(|(old, _)| old)
        };
        for (name, p) in &set {
            if moved_from(name, *p).is_none() {
                self.field(FieldChange::item(
                    "skills",
                    name,
                    live.skills.get(name).map(ToString::to_string),
                    Some(p.to_string()),
                ));
            }
        }
        for name in &remove {
            self.field(FieldChange::item(
                "skills",
                name,
                live.skills.get(name).map(ToString::to_string),
                None,
            ));
        }
        for chunk in map_chunks(&set, PROFICIENCIES_PER_CALL) {
            let deps: Vec<usize> = chunk
                .keys()
                .filter_map(|s| self.b.created(Kind::Skill, s))
                .collect();
            let before = before_values(&chunk, &live.skills);
            let olds: Vec<String> = ctx
                .renamed
                .iter()
                .filter(|(old, new)| chunk.contains_key(*new) && live.skills.contains_key(*old))
                .map(|(old, _)| old.clone())
                .collect();
            // A chunk that only carries rename moves belongs to the rename's change.
            let only_moves = chunk.iter().all(|(name, p)| moved_from(name, *p).is_some());
            let change = match olds.first().and_then(|old| ctx.renamed.get(old)) {
                Some(new_name) if only_moves => self.b.existing_change(Kind::Skill, new_name),
                _ => Some(self.change()),
            };
            let mut all = self.ready.clone();
            all.extend(deps);
            let node = self.b.push(
                Operation::SetUserSkills {
                    email: self.email().clone(),
                    skills: chunk,
                },
                Stage::Assignments,
                all,
                Some(before),
                change,
            );
            for old in olds {
                self.b.movers.entry(old).or_default().push(node);
            }
        }
        if !remove.is_empty() {
            let before = removed_values(&remove, &live.skills);
            self.push(
                Operation::RemoveUserSkills {
                    email: self.email().clone(),
                    skills: remove,
                },
                Stage::Removals,
                Vec::new(),
                Some(before),
            );
        }
    }

    fn languages(&mut self, live: &LiveUser) {
        let Some(wanted) = &self.user.languages else {
            return;
        };
        let ctx = self.ctx;
        let (set, remove) = proficiency_diff(wanted, &live.languages, |l| {
            ctx.is_deleted(Kind::Language, l)
        });
        for (name, p) in &set {
            self.field(FieldChange::item(
                "languages",
                name,
                live.languages.get(name).map(ToString::to_string),
                Some(p.to_string()),
            ));
        }
        for name in &remove {
            self.field(FieldChange::item(
                "languages",
                name,
                live.languages.get(name).map(ToString::to_string),
                None,
            ));
        }
        for chunk in map_chunks(&set, PROFICIENCIES_PER_CALL) {
            let deps = chunk
                .keys()
                .filter_map(|l| self.b.created(Kind::Language, l))
                .collect();
            let before = before_values(&chunk, &live.languages);
            self.push(
                Operation::SetUserLanguages {
                    email: self.email().clone(),
                    languages: chunk,
                },
                Stage::Assignments,
                deps,
                Some(before),
            );
        }
        if !remove.is_empty() {
            let before = removed_values(&remove, &live.languages);
            self.push(
                Operation::RemoveUserLanguages {
                    email: self.email().clone(),
                    languages: remove,
                },
                Stage::Removals,
                Vec::new(),
                Some(before),
            );
        }
    }

    fn utilization(&mut self, live: &LiveUser) {
        let Some(wanted) = &self.user.utilization else {
            return;
        };
        // Not read means unknown: setting it is idempotent, so the plan sets it. Media types
        // equal to the org's defaults read back as if never set, so compare without them.
        let defaults = &self.ctx.live.default_utilization;
        if live.utilization.as_ref() == Some(&without_defaults(wanted, defaults)) {
            return;
        }
        self.field(FieldChange::scalar(
            "utilization",
            Some(
                live.utilization
                    .as_ref()
                    .map_or_else(|| "not read".to_owned(), utilization_text),
            ),
            Some(utilization_text(wanted)),
        ));
        let before = live.utilization.as_ref().map(|u| json!(u));
        self.push(
            Operation::SetUtilization {
                email: self.email().clone(),
                utilization: wanted.clone(),
            },
            Stage::Assignments,
            Vec::new(),
            before.or(Some(Value::Null)),
        );
    }

    fn roles(&mut self, live: &LiveUser) {
        let Some(wanted) = &self.user.roles else {
            return;
        };
        let home = self.ctx.home.unwrap_or_default();
        let wanted: BTreeSet<(String, String)> = wanted
            .iter()
            .map(|g| {
                (
                    g.role.clone(),
                    g.division.clone().unwrap_or_else(|| home.to_owned()),
                )
            })
            .collect();
        let mut direct = BTreeSet::new();
        let mut inherited: BTreeMap<(String, String), &str> = BTreeMap::new();
        for grant in &live.grants {
            let key = (grant.role.clone(), grant.division.clone());
            match &grant.origin {
                GrantOrigin::Direct => {
                    direct.insert(key);
                }
                GrantOrigin::Group(group) => {
                    inherited.insert(key, group);
                }
            }
        }
        let grant: BTreeSet<RoleGrant> = wanted
            .iter()
            .filter(|k| !direct.contains(*k) && !inherited.contains_key(*k))
            .map(|(role, division)| RoleGrant {
                role: role.clone(),
                division: Some(division.clone()),
            })
            .collect();
        let revoke: BTreeSet<RoleGrant> = direct
            .iter()
            .filter(|k| !wanted.contains(*k))
            .map(|(role, division)| RoleGrant {
                role: role.clone(),
                division: Some(division.clone()),
            })
            .collect();
        for ((role, division), group) in &inherited {
            let verb = if wanted.contains(&(role.clone(), division.clone())) {
                "not granted directly"
            } else {
                "left alone"
            };
            self.b
                .user_notes
                .entry(self.user.email.clone())
                .or_default()
                .insert(format!(
                    "role `{role}` in `{division}` is inherited from group `{group}`; {verb}"
                ));
        }
        for g in &grant {
            self.field(FieldChange::item(
                "roles",
                &g.to_string(),
                None,
                Some("granted".to_owned()),
            ));
        }
        for g in &revoke {
            self.field(FieldChange::item(
                "roles",
                &g.to_string(),
                Some("granted".to_owned()),
                None,
            ));
        }
        if !grant.is_empty() {
            self.push(
                Operation::GrantRoles {
                    email: self.email().clone(),
                    grants: grant,
                },
                Stage::Assignments,
                Vec::new(),
                None,
            );
        }
        if !revoke.is_empty() {
            let before = json!(revoke);
            self.push(
                Operation::RevokeRoles {
                    email: self.email().clone(),
                    grants: revoke,
                },
                Stage::Removals,
                Vec::new(),
                Some(before),
            );
        }
    }

    fn team(&mut self, live: &LiveUser) {
        let Some(team) = &self.user.team else {
            return;
        };
        if live.team.as_ref() == Some(team) {
            return;
        }
        self.field(FieldChange::scalar(
            "team",
            live.team.clone(),
            Some(team.clone()),
        ));
        let email = self.email().clone();
        self.b
            .team_adds
            .entry(team.clone())
            .or_default()
            .insert(email);
    }
}

/// What to set (missing or different) and what to remove (held, not wanted, and not
/// deleted by the plan anyway).
fn proficiency_diff(
    wanted: &BTreeMap<String, Proficiency>,
    held: &BTreeMap<String, Proficiency>,
    deleted: impl Fn(&str) -> bool,
) -> (BTreeMap<String, Proficiency>, BTreeSet<String>) {
    let set = wanted
        .iter()
        .filter(|(name, p)| held.get(*name) != Some(*p))
        .map(|(name, p)| (name.clone(), *p))
        .collect();
    let remove = held
        .keys()
        .filter(|name| !wanted.contains_key(*name) && !deleted(name))
        .cloned()
        .collect();
    (set, remove)
}

fn before_values(
    chunk: &BTreeMap<String, Proficiency>,
    held: &BTreeMap<String, Proficiency>,
) -> Value {
    let map: Map<String, Value> = chunk
        .keys()
        .filter_map(|name| held.get(name).map(|p| (name.clone(), json!(p))))
        .collect();
    Value::Object(map)
}

fn removed_values(names: &BTreeSet<String>, held: &BTreeMap<String, Proficiency>) -> Value {
    let map: Map<String, Value> = names
        .iter()
        .filter_map(|name| held.get(name).map(|p| (name.clone(), json!(p))))
        .collect();
    Value::Object(map)
}
