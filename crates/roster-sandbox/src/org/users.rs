//! Users: created with a unique email, changed with their current version, soft-deleted;
//! their routing skills and languages.
//!
//! Rules:
//! - an email is unique among all users, deleted ones included (compared like names): a
//!   deleted user's email blocks a new user until the deleted one is restored;
//! - a write to the user record needs the current `version` and moves it on;
//! - a new `email` moves a PRIMARY email entry of `addresses` along (the address rules,
//!   PRIMARY included, are `telephony::check_addresses`);
//! - a state change comes alone (other fields may only repeat their current values);
//! - a new user is granted `Employee` in the home division, like the real service's
//!   default role;
//! - deleting a user takes them off their queues and team (grants stay, for a restore);
//! - setting a user inactive removes its own role grants, and an inactive user cannot be
//!   granted roles (`grants`): it holds none until it is active again, when its groups' apply
//!   again (`OrgState::grants_of`);
//! - proficiencies are 0..=5; languages keep whole numbers (the backend rounds them).
//!
//! UNCONFIRMED: with the `strictDeactivation` knob, a direct queue member cannot be
//! deactivated (some orgs refuse it; the default allows it).

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;
use uuid::Uuid;

use super::utilization::{self, MediaSetting};
use super::{
    ObjectKind, OrgError, Rows, SoftDeleted, Stamp, Touch, check_version, division_or_home, live,
    soft_delete,
};
use crate::builtins::NEW_USER_ROLE;
use crate::store::{Assignment, EntityState, Grant, OrgState, User};

/// A user to create. The API's create sends only some of these; seeds send all.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// The id (random from the API, derived from the email in seeds).
    pub id: Uuid,
    /// Display name (not blank).
    pub name: String,
    /// Email (trimmed; valid; unique among all users).
    pub email: String,
    /// Title.
    pub title: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Division (home when `None`).
    pub division_id: Option<Uuid>,
    /// Manager: a live user, or one created in the same call.
    pub manager_id: Option<Uuid>,
    /// Created inactive rather than active.
    pub inactive: bool,
    /// ACD auto-answer.
    pub acd_auto_answer: bool,
    /// `addresses` (Contact objects) kept verbatim.
    pub addresses: Vec<Value>,
    /// Routing skills: (skill, proficiency).
    pub skills: Vec<(Uuid, f64)>,
    /// Routing languages: (language, proficiency).
    pub languages: Vec<(Uuid, f64)>,
    /// Role grants besides `Employee` in the home division.
    pub grants: Vec<Grant>,
    /// Own utilization settings.
    pub utilization: Option<BTreeMap<String, MediaSetting>>,
}

/// An email as a user holds it: trimmed, required, with a local part and a dotted domain.
fn checked_email(email: &str, field_empty: OrgError) -> Result<String, OrgError> {
    let email = email.trim();
    if email.is_empty() {
        return Err(field_empty);
    }
    let valid = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !valid {
        return Err(OrgError::InvalidEmail {
            email: email.to_owned(),
        });
    }
    Ok(email.to_owned())
}

/// Whether the email is free for `user_id` (taken by a deleted user: blocked).
fn ensure_email_free(state: &OrgState, email: &str, user_id: Uuid) -> Result<(), OrgError> {
    match state.users.by_email(email) {
        Some(holder) if holder.id != user_id => Err(if holder.is_live() {
            OrgError::EmailTaken {
                email: email.to_owned(),
            }
        } else {
            OrgError::EmailBlocked {
                email: email.to_owned(),
                user: holder.id,
            }
        }),
        _ => Ok(()),
    }
}

/// Creates one user.
pub fn create(state: &mut OrgState, at: &Stamp, new: NewUser) -> Result<Uuid, OrgError> {
    let id = new.id;
    create_many(state, at, vec![new])?;
    Ok(id)
}

/// Creates users, all or none: every rule is checked for every user before the first is
/// added. Managers may be users of the same call, so a seed may list a user before their
/// manager. This is also the fast path for seeding large orgs: one pass to check, one to
/// insert, no copy of the users in between.
pub fn create_many(
    state: &mut OrgState,
    at: &Stamp,
    mut users: Vec<NewUser>,
) -> Result<(), OrgError> {
    let home = state.home_division().id;
    let employee = state.role_by_name(NEW_USER_ROLE).map(|role| Grant {
        role_id: role.id,
        division_id: home,
    });
    let created: HashSet<Uuid> = users.iter().map(|user| user.id).collect();
    let mut emails: HashSet<String> = HashSet::with_capacity(users.len());
    let mut utilizations = Vec::with_capacity(users.len());
    // Checks every user, leaving each as it will be kept (trimmed email, resolved division,
    // rounded languages, all grants).
    for new in &mut users {
        if new.name.trim().is_empty() {
            return Err(OrgError::Required { field: "name" });
        }
        let email = checked_email(&new.email, OrgError::Required { field: "email" })?;
        ensure_email_free(state, &email, new.id)?;
        if !emails.insert(email.to_lowercase()) {
            return Err(OrgError::EmailTaken { email });
        }
        new.email = email;
        if state.users.get(new.id).is_some() {
            return Err(OrgError::IdTaken {
                kind: ObjectKind::User,
                id: new.id,
            });
        }
        new.division_id = Some(division_or_home(state, "divisionId", new.division_id)?);
        if let Some(manager) = new.manager_id {
            let known = created.contains(&manager)
                || state.users.get(manager).is_some_and(SoftDeleted::is_live);
            if manager == new.id || !known {
                return Err(OrgError::InvalidManager { id: manager });
            }
        }
        check_assignments(state, AssignmentKind::Skill, &mut new.skills)?;
        check_assignments(state, AssignmentKind::Language, &mut new.languages)?;
        if !new.addresses.is_empty() {
            super::telephony::check_addresses(state, new.id, &new.email, &new.addresses)?;
        }
        let mut grants: Vec<Grant> = employee.into_iter().collect();
        for grant in &new.grants {
            super::grants::check_grant(state, grant)?;
            if !grants.contains(grant) {
                grants.push(*grant);
            }
        }
        new.grants = grants;
        let utilization = new.utilization.take().map(utilization::checked);
        utilizations.push(utilization.transpose()?);
    }
    drop((created, emails));
    state.users.reserve(users.len());
    for (new, utilization) in users.into_iter().zip(utilizations) {
        let assignments = |wanted: Vec<(Uuid, f64)>| {
            wanted
                .into_iter()
                .map(|(id, proficiency)| Assignment { id, proficiency })
                .collect()
        };
        state.users.insert(User {
            id: new.id,
            name: new.name,
            email: new.email,
            title: new.title,
            department: new.department,
            preferred_name: None,
            division_id: new.division_id.unwrap_or(home),
            manager_id: new.manager_id,
            state: if new.inactive {
                EntityState::Inactive
            } else {
                EntityState::Active
            },
            version: 1,
            acd_auto_answer: new.acd_auto_answer,
            addresses: new.addresses,
            locations: Vec::new(),
            skills: assignments(new.skills),
            languages: assignments(new.languages),
            // An inactive user holds no roles (`OrgState::grants_of`): a seed's roles for a
            // user it creates inactive are those the org removed when it went inactive.
            grants: if new.inactive { Vec::new() } else { new.grants },
            utilization,
            team_id: None,
            listed_from_ms: at.listed_from_ms,
            cache: std::sync::OnceLock::new(),
        });
    }
    Ok(())
}

/// The user with this id, as a read finds it: deleted users only when asked for, the
/// others only when not.
pub fn find(state: &OrgState, id: Uuid, deleted: bool) -> Result<&User, OrgError> {
    state
        .users
        .get(id)
        .filter(|user| user.is_live() != deleted)
        .ok_or(OrgError::NotFound {
            kind: ObjectKind::User,
            id,
        })
}

/// The live user with this id.
pub fn live_user(state: &OrgState, id: Uuid) -> Result<&User, OrgError> {
    live(&state.users, ObjectKind::User, id)
}

/// A change to a field that may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FieldChange<T> {
    /// Left as it is.
    #[default]
    Keep,
    /// Set to this value, or cleared (`None`).
    Set(Option<T>),
}

impl<T> FieldChange<T> {
    fn apply(self, field: &mut Option<T>) {
        if let Self::Set(value) = self {
            *field = value;
        }
    }
}

/// Changes to a user record's fields (`UpdateUser`); `None` and `Keep` leave a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserUpdate {
    /// New display name (not empty).
    pub name: Option<String>,
    /// New email (not empty; valid; free).
    pub email: Option<String>,
    /// New title.
    pub title: FieldChange<String>,
    /// New department.
    pub department: FieldChange<String>,
    /// New preferred name.
    pub preferred_name: FieldChange<String>,
    /// New manager: a live user other than this one.
    pub manager_id: FieldChange<Uuid>,
    /// New ACD auto-answer.
    pub acd_auto_answer: Option<bool>,
    /// New `addresses`.
    pub addresses: Option<Vec<Value>>,
    /// New `locations`.
    pub locations: Option<Vec<Value>>,
}

/// What one PATCH of a user does: change the state, or change fields.
#[derive(Debug, Clone, PartialEq)]
pub enum UserChange {
    /// A new state (restoring a deleted user is setting it back to `active`).
    State {
        /// The new state.
        state: EntityState,
        /// The first other field the write changes, if any (the write is then refused).
        also_changed: Option<String>,
        /// The `strictDeactivation` knob: refuse to deactivate a direct queue member.
        strict_deactivation: bool,
    },
    /// New field values of a user that is not deleted.
    Fields(UserUpdate),
}

/// Changes a user, given the version the writer read.
pub fn patch(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    version: u64,
    change: UserChange,
) -> Result<(), OrgError> {
    let user = state.users.get(id).ok_or(OrgError::NotFound {
        kind: ObjectKind::User,
        id,
    })?;
    check_version(ObjectKind::User, id, user.version, version)?;
    match change {
        UserChange::State {
            state: new_state,
            also_changed,
            strict_deactivation,
        } => {
            if let Some(field) = also_changed {
                return Err(OrgError::StateNotAlone { field });
            }
            if strict_deactivation
                && new_state == EntityState::Inactive
                && user.state == EntityState::Active
            {
                let queues: Vec<String> = state
                    .queues
                    .iter()
                    .filter(|queue| queue.member_index.contains_key(&id))
                    .map(|queue| queue.name.clone())
                    .collect();
                if !queues.is_empty() {
                    return Err(OrgError::StillQueueMember { queues });
                }
            }
            if new_state == EntityState::Deleted {
                drop_memberships(state, id);
            }
            state.users.change(id, |user| {
                // Roles do not survive inactivity (`OrgState::grants_of`).
                if new_state == EntityState::Inactive {
                    user.grants.clear();
                }
                user.set_state(new_state);
                user.touch(at);
            });
        }
        UserChange::Fields(update) => {
            if !user.is_live() {
                return Err(OrgError::NotFound {
                    kind: ObjectKind::User,
                    id,
                });
            }
            update_fields(state, id, update)?;
            state.users.change(id, |user| user.touch(at));
        }
    }
    Ok(())
}

/// Checks every field first, so that a refused update changes nothing.
fn update_fields(state: &mut OrgState, id: Uuid, update: UserUpdate) -> Result<(), OrgError> {
    if let FieldChange::Set(Some(manager)) = update.manager_id {
        let valid = manager != id && state.users.get(manager).is_some_and(SoftDeleted::is_live);
        if !valid {
            return Err(OrgError::InvalidManager { id: manager });
        }
    }
    let email = match &update.email {
        None => None,
        Some(email) => {
            let email = checked_email(email, OrgError::Empty { field: "email" })?;
            ensure_email_free(state, &email, id)?;
            Some(email)
        }
    };
    if update.name.as_ref().is_some_and(String::is_empty) {
        return Err(OrgError::Empty { field: "name" });
    }
    if let Some(addresses) = &update.addresses {
        let stored_email = &live_user(state, id)?.email;
        super::telephony::check_addresses(state, id, stored_email, addresses)?;
    }
    let new_email = email.clone();
    if let Some(email) = email {
        state.users.set_email(id, email);
    }
    state.users.change(id, |user| {
        if let Some(name) = update.name {
            user.name = name;
        }
        update.title.apply(&mut user.title);
        update.department.apply(&mut user.department);
        update.preferred_name.apply(&mut user.preferred_name);
        update.manager_id.apply(&mut user.manager_id);
        if let Some(flag) = update.acd_auto_answer {
            user.acd_auto_answer = flag;
        }
        if let Some(addresses) = update.addresses {
            user.addresses = addresses;
        }
        if let Some(locations) = update.locations {
            user.locations = locations;
        }
        if let Some(email) = &new_email {
            super::telephony::follow_primary_email(&mut user.addresses, email);
        }
    });
    Ok(())
}

/// Gives a live user new `addresses` (seeds), checked as a PATCH checks them.
pub fn set_addresses(
    state: &mut OrgState,
    id: Uuid,
    addresses: Vec<Value>,
) -> Result<(), OrgError> {
    let email = &live_user(state, id)?.email;
    super::telephony::check_addresses(state, id, email, &addresses)?;
    state.users.change(id, |user| user.addresses = addresses);
    Ok(())
}

/// Soft-deletes a user and takes them off their queues and team.
pub fn delete(state: &mut OrgState, at: &Stamp, id: Uuid) -> Result<(), OrgError> {
    soft_delete(&mut state.users, ObjectKind::User, id, at)?;
    drop_memberships(state, id);
    Ok(())
}

/// Removes a user from the queues they are a direct member of and from their team.
fn drop_memberships(state: &mut OrgState, user_id: Uuid) {
    for queue in &mut state.queues {
        if queue.member_index.contains_key(&user_id) {
            queue.members.retain(|member| member.user_id != user_id);
            queue.reindex_members();
        }
    }
    let team = state.users.get(user_id).and_then(|user| user.team_id);
    if let Some(team) = team {
        state.teams.change(team, |team| {
            team.members.retain(|member| member.user_id != user_id);
        });
    }
    state.users.change(user_id, |user| user.team_id = None);
}

/// Routing skills or routing languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentKind {
    /// Routing skills (proficiencies keep decimals).
    Skill,
    /// Routing languages (proficiencies are rounded to whole numbers).
    Language,
}

impl AssignmentKind {
    /// The kind of the object assigned.
    pub fn object(self) -> ObjectKind {
        match self {
            Self::Skill => ObjectKind::Skill,
            Self::Language => ObjectKind::Language,
        }
    }

    /// Whether a live object of the kind has this id.
    fn exists(self, state: &OrgState, id: Uuid) -> bool {
        match self {
            Self::Skill => state.skills.get(id).is_some_and(SoftDeleted::is_live),
            Self::Language => state.languages.get(id).is_some_and(SoftDeleted::is_live),
        }
    }

    /// The user's assignments of the kind.
    pub fn of(self, user: &User) -> &Vec<Assignment> {
        match self {
            Self::Skill => &user.skills,
            Self::Language => &user.languages,
        }
    }

    fn of_mut(self, user: &mut User) -> &mut Vec<Assignment> {
        match self {
            Self::Skill => &mut user.skills,
            Self::Language => &mut user.languages,
        }
    }
}

/// Checks assignments (live objects, proficiencies in 0..=5) and rounds languages'
/// proficiencies.
fn check_assignments(
    state: &OrgState,
    kind: AssignmentKind,
    wanted: &mut [(Uuid, f64)],
) -> Result<(), OrgError> {
    for (id, proficiency) in wanted {
        if !kind.exists(state, *id) {
            return Err(OrgError::NotFound {
                kind: kind.object(),
                id: *id,
            });
        }
        if !(0.0..=5.0).contains(proficiency) {
            return Err(OrgError::Proficiency {
                value: *proficiency,
            });
        }
        if kind == AssignmentKind::Language {
            *proficiency = proficiency.round();
        }
    }
    Ok(())
}

/// Assigns skills or languages to a live user, or changes their proficiencies; with
/// `replace`, the user's other assignments of the kind go. Answers the user's assignments.
pub fn assign(
    state: &mut OrgState,
    user_id: Uuid,
    kind: AssignmentKind,
    wanted: &[(Uuid, f64)],
    replace: bool,
) -> Result<Vec<Assignment>, OrgError> {
    live_user(state, user_id)?;
    let mut checked = wanted.to_vec();
    check_assignments(state, kind, &mut checked)?;
    let list = state.users.change(user_id, |user| {
        let list = kind.of_mut(user);
        if replace {
            list.clear();
        }
        for (id, proficiency) in checked {
            let assignment = Assignment { id, proficiency };
            match list
                .iter_mut()
                .find(|existing| existing.id == assignment.id)
            {
                Some(existing) => existing.proficiency = assignment.proficiency,
                None => list.push(assignment),
            }
        }
        list.clone()
    });
    Ok(list.unwrap_or_default())
}

/// Takes a skill or language off a live user.
pub fn unassign(
    state: &mut OrgState,
    user_id: Uuid,
    kind: AssignmentKind,
    id: Uuid,
) -> Result<(), OrgError> {
    let user = live_user(state, user_id)?;
    if !kind.of(user).iter().any(|assignment| assignment.id == id) {
        return Err(OrgError::NotAssigned {
            kind: kind.object(),
            id,
        });
    }
    state.users.change(user_id, |user| {
        kind.of_mut(user).retain(|assignment| assignment.id != id);
    });
    Ok(())
}
