//! The domain layer: every operation on one org, with the API's rules enforced in one place.
//!
//! Three layers serve a request. [`crate::routes`] decodes it and encodes the answer; this
//! module decides what the org may become and changes the [`crate::store`] tables, or says
//! which rule forbids it with an [`OrgError`]; [`crate::error`] turns that error into the real
//! API's error body, once for every route. Seeds ([`crate::seed`]) call the same operations,
//! so a seed cannot describe an org the API could never produce.
//!
//! The rules every kind shares live here:
//! - names: [`same_name`] decides whether two names collide, [`ensure_name_free`] applies it
//!   to a kind's table (deleted objects of soft-deleted kinds hold no name);
//! - versions: [`Touch`] is the only place that moves `version` and `dateModified`;
//! - soft deletes: [`SoftDeleted`], [`live`] and [`soft_delete`]: a deleted user, skill or
//!   language stays readable by id but is gone for every other operation.
//!
//! Operations take the org's tables (`&mut OrgState`, under the org's write lock) and a
//! [`Stamp`] saying when the write happens. They check everything before changing anything,
//! so a rejected operation leaves the org as it was.

pub mod divisions;
pub mod grants;
pub mod groups;
pub mod licences;
pub mod queues;
pub mod skills;
pub mod teams;
pub mod telephony;
pub mod users;
pub mod utilization;
pub mod wfm;
pub mod wrapup_codes;

use std::fmt;

use uuid::Uuid;

use crate::clock::SEED_TIMESTAMP;
use crate::store::{
    Entity, EntityState, Group, Language, OrgState, Queue, Role, Skill, Table, Team, User,
    UserStore, WrapupCode,
};

/// When a write happens: what it stamps on the objects it creates or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// `dateCreated` / `dateModified` of what the write touches.
    pub timestamp: String,
    /// Sandbox-clock ms from which what the write creates shows in lists (the
    /// read-after-create delay).
    pub listed_from_ms: u64,
}

impl Stamp {
    /// The stamp of seeded objects: a fixed timestamp (so dumps of a seeded org are
    /// reproducible) and listed at once.
    pub fn seed() -> Self {
        Self {
            timestamp: SEED_TIMESTAMP.to_owned(),
            listed_from_ms: 0,
        }
    }
}

/// The kinds of objects an org holds, as the API names them in its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// An authorization division.
    Division,
    /// An authorization role.
    Role,
    /// A routing skill.
    Skill,
    /// A routing language.
    Language,
    /// A wrap-up code.
    WrapupCode,
    /// A queue.
    Queue,
    /// A user's membership of a queue.
    QueueMember,
    /// A team.
    Team,
    /// A group.
    Group,
    /// A user.
    User,
    /// A user or group holding role grants.
    Subject,
    /// A DID pool.
    DidPool,
    /// An extension pool.
    ExtensionPool,
    /// A user's station.
    Station,
    /// A WFM business unit.
    BusinessUnit,
    /// A WFM planning group.
    PlanningGroup,
    /// A WFM management unit.
    ManagementUnit,
}

impl ObjectKind {
    /// The API's word for the kind (`wrapup code`, `queue member`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Division => "division",
            Self::Role => "role",
            Self::Skill => "skill",
            Self::Language => "language",
            Self::WrapupCode => "wrapup code",
            Self::Queue => "queue",
            Self::QueueMember => "queue member",
            Self::Team => "team",
            Self::Group => "group",
            Self::User => "user",
            Self::Subject => "subject",
            Self::DidPool => "DID pool",
            Self::ExtensionPool => "extension pool",
            Self::Station => "station",
            Self::BusinessUnit => "business unit",
            Self::PlanningGroup => "planning group",
            Self::ManagementUnit => "management unit",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why an operation on an org was refused: the rule it would break. `crate::error` maps
/// each variant to the real API's status, code and message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OrgError {
    /// The object the operation is about does not exist (or is deleted, for soft-deleted
    /// kinds).
    #[error("no {kind} has the id {id}")]
    NotFound {
        /// The object's kind.
        kind: ObjectKind,
        /// The id asked for.
        id: Uuid,
    },
    /// A create names an id another object of the kind has (seeds choose their ids).
    #[error("a {kind} with the id {id} exists already")]
    IdTaken {
        /// The object's kind.
        kind: ObjectKind,
        /// The id.
        id: Uuid,
    },
    /// Another object of the kind holds a name that is the `same_name`.
    #[error("a {kind} named `{name}` exists already")]
    NameTaken {
        /// The object's kind.
        kind: ObjectKind,
        /// The name asked for.
        name: String,
    },
    /// A user holds the email (emails compare like names).
    #[error("a user with the email `{email}` exists already")]
    EmailTaken {
        /// The email asked for.
        email: String,
    },
    /// A deleted user holds the email: it stays taken until that user is restored.
    #[error("the email `{email}` belongs to the deleted user {user}: restore that user instead")]
    EmailBlocked {
        /// The email asked for.
        email: String,
        /// The deleted user holding it.
        user: Uuid,
    },
    /// A write names a version that is not the object's current one.
    #[error("version {sent} is not the current version {current} of {kind} {id}")]
    VersionMismatch {
        /// The object's kind.
        kind: ObjectKind,
        /// The object.
        id: Uuid,
        /// The version the write named.
        sent: u64,
        /// The object's version.
        current: u64,
    },
    /// A required value is missing or blank.
    #[error("`{field}` is required")]
    Required {
        /// The API's name of the field.
        field: &'static str,
    },
    /// A value that may be left out was sent empty.
    #[error("`{field}` cannot be empty")]
    Empty {
        /// The API's name of the field.
        field: &'static str,
    },
    /// An email without a local part, or without a dot in its domain.
    #[error("`{email}` is not a valid email address")]
    InvalidEmail {
        /// The email.
        email: String,
    },
    /// A skill or language proficiency outside 0..=5.
    #[error("proficiency {value} is outside 0 to 5")]
    Proficiency {
        /// The proficiency sent.
        value: f64,
    },
    /// A write refers to an object that does not exist (or is deleted).
    #[error("`{field}` refers to no {kind}: {id}")]
    UnknownReference {
        /// The API's name of the field holding the reference.
        field: &'static str,
        /// The kind referred to.
        kind: ObjectKind,
        /// The id referred to.
        id: Uuid,
    },
    /// A manager that is the user, or no live user.
    #[error("user {id} cannot be the manager")]
    InvalidManager {
        /// The manager named.
        id: Uuid,
    },
    /// A media type utilization does not know.
    #[error("`{media}` in `{field}` is not a media type")]
    MediaType {
        /// `utilization` (the key) or `interruptableMediaTypes`.
        field: &'static str,
        /// The media type sent.
        media: String,
    },
    /// A `maximumCapacity` outside 0..=25.
    #[error("maximum capacity {value} is outside 0 to {max}", max = crate::builtins::MAX_CAPACITY)]
    Capacity {
        /// The capacity sent.
        value: i64,
    },
    /// A value outside an enumeration.
    #[error("`{value}` is not an allowed value of `{field}`")]
    NotAllowed {
        /// The API's name of the field.
        field: &'static str,
        /// The value sent.
        value: serde_json::Value,
        /// The values the field allows.
        allowed: &'static [&'static str],
    },
    /// A user's state changes together with other fields.
    #[error("a state change must come alone, but `{field}` changes too")]
    StateNotAlone {
        /// The first other field that changes.
        field: String,
    },
    /// Deactivating a user who is a direct member of queues (only with the
    /// `strictDeactivation` knob).
    #[error("the user is a direct member of queues: {}", queues.join(", "))]
    StillQueueMember {
        /// The queues' names.
        queues: Vec<String>,
    },
    /// Removing something the object does not have (a user's skill, a queue's wrap-up code).
    #[error("the {kind} {id} is not assigned")]
    NotAssigned {
        /// The kind of what is not assigned.
        kind: ObjectKind,
        /// Its id.
        id: Uuid,
    },
    /// A user's `addresses` entry gives both an `address` and an `extension` (the API's
    /// `Contact` holds one or the other).
    #[error("addresses[{index}] has both an address and an extension: give one per entry")]
    AddressAndExtension {
        /// The entry's index in `addresses`.
        index: usize,
    },
    /// A user's `addresses` entry with a `mediaType` or `type` outside the `Contact` enums.
    #[error("the entry addresses[{index}] has `{field}` {value}: allowed values are {}", allowed.join(", "))]
    ContactValue {
        /// The entry's index in `addresses`.
        index: usize,
        /// `mediaType` or `type`.
        field: &'static str,
        /// The value sent.
        value: serde_json::Value,
        /// The values the field allows.
        allowed: &'static [&'static str],
    },
    /// A `PRIMARY` entry of a user's `addresses` that is not the user's primary email as
    /// stored (the API refuses a changed PRIMARY entry).
    #[error(
        "the entry addresses[{index}] is a PRIMARY entry other than the user's primary email `{email}`: the PRIMARY email cannot be changed through `addresses` (change `email`); send it back unchanged or leave it out"
    )]
    PrimaryChanged {
        /// The entry's index in `addresses`.
        index: usize,
        /// The user's primary email.
        email: String,
    },
    /// Two entries of a user's `addresses` with the same `mediaType` and `type`.
    #[error(
        "the entry addresses[{index}] repeats the {media_type} {kind} entry of addresses[{first}]: give one entry per media type and type"
    )]
    DuplicateContact {
        /// The repeating entry's index in `addresses`.
        index: usize,
        /// The index of the first entry with the same pair.
        first: usize,
        /// The `mediaType` (`(none)` when absent).
        media_type: String,
        /// The `type` (`(none)` when absent).
        kind: String,
    },
    /// A work phone number that is not E.164 (`+`, country code, at most 15 digits).
    #[error("`{number}` is not an E.164 phone number")]
    NotE164 {
        /// The number sent.
        number: String,
    },
    /// A work phone number that lies in no DID pool.
    #[error("the number {number} lies in no DID pool of the org")]
    NumberOutsidePools {
        /// The number sent.
        number: String,
    },
    /// A number someone else holds (another user, a phone, an IVR, a group).
    #[error("the number {number} is already assigned to {holder}")]
    NumberHeld {
        /// The number sent.
        number: String,
        /// Who holds it (`user <id>`, `PHONE <name>`, ...).
        holder: String,
    },
    /// An extension that lies in no extension pool.
    #[error("the extension {extension} lies in no extension pool of the org")]
    ExtensionOutsidePools {
        /// The extension sent.
        extension: String,
    },
    /// An extension another user holds.
    #[error("the extension {extension} is already assigned to user {user}")]
    ExtensionHeld {
        /// The extension sent.
        extension: String,
        /// The user holding it.
        user: Uuid,
    },
    /// A pool whose range is not valid (ends of different lengths, start after end,
    /// overlapping another pool).
    #[error("the {kind} `{name}` is not valid: {problem}")]
    InvalidPool {
        /// DID pool or extension pool.
        kind: ObjectKind,
        /// The pool's name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// A bulk write names more items than the sandbox takes in one call.
    #[error("`{field}` holds {count} items, more than the {max} one call takes")]
    TooMany {
        /// The API's name of the field.
        field: &'static str,
        /// How many were sent.
        count: usize,
        /// The most one call takes.
        max: usize,
    },
    /// A licence id defined twice.
    #[error("a licence with the id `{id}` exists already")]
    LicenceTaken {
        /// The licence id.
        id: String,
    },
    /// A licence id no definition has.
    #[error("no licence has the id `{id}`")]
    UnknownLicence {
        /// The licence id.
        id: String,
    },
    /// Granting a role to an inactive user, who holds none (see `OrgState::grants_of`).
    /// What the real API answers is UNCONFIRMED; the sandbox refuses (harsher), so a client
    /// must reactivate a user before granting it roles.
    #[error("user {id} is inactive and cannot be granted roles: reactivate it first")]
    GrantToInactive {
        /// The user.
        id: Uuid,
    },
    /// Revoking a grant the subject does not hold.
    #[error("the subject does not hold role {role} in division {division}")]
    GrantNotHeld {
        /// The role.
        role: Uuid,
        /// The division.
        division: Uuid,
    },
}

/// Whether two names of one kind collide: equal once lowercased (Unicode). UNCONFIRMED
/// whether Genesys Cloud's name uniqueness ignores case; the sandbox
/// assumes it does, as roster's planner does when it refuses a create that would collide.
/// Emails collide the same way (the user store indexes them lowercased).
pub fn same_name(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // Only ASCII letters change case here: the same answer without lowercasing copies.
        return a.eq_ignore_ascii_case(b);
    }
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// Objects with a name that must be unique within their kind.
pub trait Named {
    /// The name.
    fn name(&self) -> &str;

    /// Whether the object holds its name (a deleted skill or language frees its name).
    fn holds_name(&self) -> bool {
        true
    }
}

macro_rules! named {
    ($($ty:ty),*) => {$(impl Named for $ty { fn name(&self) -> &str { &self.name } })*};
}
named!(crate::store::Division, Role, WrapupCode, Queue, Team, Group);

impl Named for Skill {
    fn name(&self) -> &str {
        &self.name
    }

    fn holds_name(&self) -> bool {
        self.is_live()
    }
}

impl Named for Language {
    fn name(&self) -> &str {
        &self.name
    }

    fn holds_name(&self) -> bool {
        self.is_live()
    }
}

/// The name rule: a kind's names are unique among the objects holding one, compared with
/// [`same_name`]. `except` is the object being renamed.
pub fn ensure_name_free<T: Entity + Named>(
    table: &Table<T>,
    kind: ObjectKind,
    name: &str,
    except: Option<Uuid>,
) -> Result<(), OrgError> {
    let taken = table.iter().any(|object| {
        Some(object.id()) != except && object.holds_name() && same_name(object.name(), name)
    });
    if taken {
        return Err(OrgError::NameTaken {
            kind,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// A name as the API stores it: trimmed, and required.
pub fn required_name(name: &str) -> Result<String, OrgError> {
    match name.trim() {
        "" => Err(OrgError::Required { field: "name" }),
        name => Ok(name.to_owned()),
    }
}

/// A create must not reuse an id (routes draw random ids; seeds derive them from names).
pub fn ensure_new_id<T: Entity>(
    table: &Table<T>,
    kind: ObjectKind,
    id: Uuid,
) -> Result<(), OrgError> {
    match table.get(id) {
        Some(_) => Err(OrgError::IdTaken { kind, id }),
        None => Ok(()),
    }
}

/// [`ensure_new_id`] for kinds kept in plain lists: `ids` are the kind's ids.
pub fn ensure_new_id_in(
    mut ids: impl Iterator<Item = Uuid>,
    kind: ObjectKind,
    id: Uuid,
) -> Result<(), OrgError> {
    if ids.any(|existing| existing == id) {
        return Err(OrgError::IdTaken { kind, id });
    }
    Ok(())
}

/// The version rule: every write to an object's own record moves it on. Its `version` goes
/// up by one (kinds that have one: users, skills, languages) and its `dateModified` becomes
/// the write's time (kinds that show one). Nothing else writes either field.
pub trait Touch {
    /// Records one write.
    fn touch(&mut self, at: &Stamp);
}

impl Touch for Skill {
    fn touch(&mut self, at: &Stamp) {
        self.version += 1;
        self.date_modified.clone_from(&at.timestamp);
    }
}

impl Touch for Language {
    fn touch(&mut self, at: &Stamp) {
        self.version += 1;
        self.date_modified.clone_from(&at.timestamp);
    }
}

impl Touch for User {
    /// Users show no `dateModified`.
    fn touch(&mut self, _at: &Stamp) {
        self.version += 1;
    }
}

macro_rules! dated {
    ($($ty:ty),*) => {$(impl Touch for $ty {
        fn touch(&mut self, at: &Stamp) {
            self.date_modified.clone_from(&at.timestamp);
        }
    })*};
}
dated!(WrapupCode, Queue, Team);

/// Checks a version sent with a write against the object's.
pub fn check_version(kind: ObjectKind, id: Uuid, current: u64, sent: u64) -> Result<(), OrgError> {
    if current == sent {
        Ok(())
    } else {
        Err(OrgError::VersionMismatch {
            kind,
            id,
            sent,
            current,
        })
    }
}

/// Kinds that are soft-deleted (users, skills, languages): a delete sets `state: deleted`;
/// the object stays readable by id (and keeps its email, for users) but every other
/// operation treats it as missing.
pub trait SoftDeleted {
    /// The object's state.
    fn state(&self) -> EntityState;

    /// Sets the state (in a [`Rows::change`], so that the store's indexes follow).
    fn set_state(&mut self, state: EntityState);

    /// Whether the object is not deleted.
    fn is_live(&self) -> bool {
        self.state() != EntityState::Deleted
    }
}

macro_rules! soft_deleted {
    ($($ty:ty),*) => {$(impl SoftDeleted for $ty {
        fn state(&self) -> EntityState {
            self.state
        }
        fn set_state(&mut self, state: EntityState) {
            self.state = state;
        }
    })*};
}
soft_deleted!(Skill, Language, User);

/// Where a kind's objects are kept ([`Table`], or [`UserStore`] for users), for the rules
/// that several kinds share.
pub trait Rows<T> {
    /// The object with this id.
    fn find(&self, id: Uuid) -> Option<&T>;

    /// Changes the object with this id; the store's indexes and caches follow the change.
    fn change<R>(&mut self, id: Uuid, change: impl FnOnce(&mut T) -> R) -> Option<R>;
}

impl<T: Entity> Rows<T> for Table<T> {
    fn find(&self, id: Uuid) -> Option<&T> {
        self.get(id)
    }

    fn change<R>(&mut self, id: Uuid, change: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.get_mut(id).map(change)
    }
}

impl Rows<User> for UserStore {
    fn find(&self, id: Uuid) -> Option<&User> {
        self.get(id)
    }

    fn change<R>(&mut self, id: Uuid, change: impl FnOnce(&mut User) -> R) -> Option<R> {
        self.update(id, change)
    }
}

/// The live object with this id: a deleted one is as unknown as a missing one.
pub fn live<T: SoftDeleted>(
    rows: &impl Rows<T>,
    kind: ObjectKind,
    id: Uuid,
) -> Result<&T, OrgError> {
    rows.find(id)
        .filter(|object| object.is_live())
        .ok_or(OrgError::NotFound { kind, id })
}

/// The soft-delete rule: a live object becomes `deleted`, as one write ([`Touch`]).
pub fn soft_delete<T: SoftDeleted + Touch>(
    rows: &mut impl Rows<T>,
    kind: ObjectKind,
    id: Uuid,
    at: &Stamp,
) -> Result<(), OrgError> {
    live(rows, kind, id)?;
    rows.change(id, |object| {
        object.set_state(EntityState::Deleted);
        object.touch(at);
    });
    Ok(())
}

/// The division a create names, or the home division when it names none.
pub fn division_or_home(
    state: &OrgState,
    field: &'static str,
    division: Option<Uuid>,
) -> Result<Uuid, OrgError> {
    match division {
        None => Ok(state.home_division().id),
        Some(id) => existing_division(state, field, id),
    }
}

/// A division a write refers to.
pub fn existing_division(
    state: &OrgState,
    field: &'static str,
    id: Uuid,
) -> Result<Uuid, OrgError> {
    match state.divisions.get(id) {
        Some(division) => Ok(division.id),
        None => Err(OrgError::UnknownReference {
            field,
            kind: ObjectKind::Division,
            id,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::skills::{NewSkill, create_skill, delete_skill, move_skill};
    use super::users::{NewUser, UserChange, UserUpdate};
    use super::*;
    use crate::builtins::new_org_state;
    use crate::error::ApiError;

    fn org() -> OrgState {
        new_org_state("test")
    }

    fn id(number: u128) -> Uuid {
        Uuid::from_u128(number)
    }

    fn skill(number: u128, name: &str) -> NewSkill {
        NewSkill {
            id: id(number),
            name: name.to_owned(),
            division_id: None,
        }
    }

    fn user(number: u128, email: &str) -> NewUser {
        NewUser {
            id: id(number),
            name: format!("User {number}"),
            email: email.to_owned(),
            ..NewUser::default()
        }
    }

    /// The status and code the API answers for a domain error.
    fn answer(error: OrgError) -> (u16, &'static str) {
        let error = ApiError::from(error);
        (error.status.as_u16(), error.code)
    }

    #[test]
    fn names_collide_ignoring_unicode_case() {
        assert!(same_name("Billing", "bILLING"));
        assert!(same_name("Équipe Nord", "ÉQUIPE NORD"));
        assert!(same_name("日本語", "日本語"));
        // The Kelvin sign lowercases to an ASCII `k`: the ASCII shortcut must not hide it.
        assert!(same_name("\u{212A}ilo", "kilo"));
        // Whole-string lowercasing, final sigma included.
        assert!(same_name("ΟΔΟΣ", "οδος"));
        assert!(!same_name("Billing", "Billing 2"));
        assert!(!same_name("Équipe", "Equipe"));
    }

    #[test]
    fn a_name_taken_in_another_case_is_refused_until_its_holder_is_deleted() {
        let mut state = org();
        let at = Stamp::seed();
        create_skill(&mut state, &at, &skill(1, "Équipe Nord")).expect("new name");
        let refused = create_skill(&mut state, &at, &skill(2, "  ÉQUIPE NORD "));
        assert_eq!(
            refused,
            Err(OrgError::NameTaken {
                kind: ObjectKind::Skill,
                name: "ÉQUIPE NORD".into()
            })
        );
        assert_eq!(state.skills.len(), 1, "a refused create adds nothing");
        assert_eq!(answer(refused.unwrap_err()), (409, "general.conflict"));
        // A deleted skill holds no name.
        delete_skill(&mut state, &at, id(1)).expect("live skill");
        create_skill(&mut state, &at, &skill(2, "équipe nord")).expect("name freed");
        // Queues and wrap-up codes answer the same rule with `400 duplicate.name`.
        for kind in [ObjectKind::Queue, ObjectKind::WrapupCode] {
            let name = "x".to_owned();
            assert_eq!(
                answer(OrgError::NameTaken { kind, name }),
                (400, "duplicate.name")
            );
        }
    }

    #[test]
    fn every_write_moves_the_version_on_once() {
        let mut state = org();
        let at = Stamp::seed();
        create_skill(&mut state, &at, &skill(1, "Billing")).expect("new skill");
        let home = state.home_division().id;
        let later = Stamp {
            timestamp: "2024-02-02T00:00:00.000Z".into(),
            listed_from_ms: 0,
        };
        move_skill(&mut state, &later, id(1), home).expect("live skill");
        let moved = state.skills.get(id(1)).expect("skill");
        assert_eq!(
            (moved.version, moved.date_modified.as_str()),
            (2, "2024-02-02T00:00:00.000Z")
        );
        delete_skill(&mut state, &at, id(1)).expect("live skill");
        let deleted = state.skills.get(id(1)).expect("still readable by id");
        assert_eq!((deleted.version, deleted.state), (3, EntityState::Deleted));
        // Deleted is gone for every other operation.
        assert_eq!(
            move_skill(&mut state, &at, id(1), home),
            Err(OrgError::NotFound {
                kind: ObjectKind::Skill,
                id: id(1)
            })
        );
    }

    #[test]
    fn a_user_write_needs_the_current_version() {
        let mut state = org();
        let at = Stamp::seed();
        users::create(&mut state, &at, user(1, "jane@acme.example")).expect("new user");
        let update = || {
            UserChange::Fields(UserUpdate {
                name: Some("Jane".into()),
                ..UserUpdate::default()
            })
        };
        let outdated = users::patch(&mut state, &at, id(1), 7, update());
        assert_eq!(
            outdated,
            Err(OrgError::VersionMismatch {
                kind: ObjectKind::User,
                id: id(1),
                sent: 7,
                current: 1
            })
        );
        let api = ApiError::from(outdated.unwrap_err());
        assert_eq!((api.status.as_u16(), api.code), (409, "general.conflict"));
        assert_eq!(
            api.message,
            "The version supplied does not match the current version of the user"
        );
        users::patch(&mut state, &at, id(1), 1, update()).expect("current version");
        let jane = state.users.get(id(1)).expect("jane");
        assert_eq!((jane.name.as_str(), jane.version), ("Jane", 2));
        assert!(users::patch(&mut state, &at, id(1), 1, update()).is_err());
    }

    #[test]
    fn a_deleted_users_email_blocks_a_new_user_until_the_user_is_restored() {
        let mut state = org();
        let at = Stamp::seed();
        users::create(&mut state, &at, user(1, "jane@acme.example")).expect("new user");
        users::delete(&mut state, &at, id(1)).expect("live user");
        let blocked = users::create(&mut state, &at, user(2, " JANE@acme.example "));
        assert_eq!(
            blocked,
            Err(OrgError::EmailBlocked {
                email: "JANE@acme.example".into(),
                user: id(1)
            })
        );
        assert_eq!(answer(blocked.unwrap_err()), (409, "general.conflict"));
        assert_eq!(state.users.len(), 1);
        let restore = UserChange::State {
            state: EntityState::Active,
            also_changed: None,
            strict_deactivation: false,
        };
        users::patch(&mut state, &at, id(1), 2, restore).expect("restores");
        assert_eq!(
            users::create(&mut state, &at, user(2, "jane@ACME.example")),
            Err(OrgError::EmailTaken {
                email: "jane@ACME.example".into()
            })
        );
    }

    #[test]
    fn a_refused_bulk_create_adds_no_one() {
        let mut state = org();
        let at = Stamp::seed();
        let mut bad = user(3, "c@acme.example");
        bad.skills = vec![(id(99), 3.0)];
        let refused = users::create_many(
            &mut state,
            &at,
            vec![user(1, "a@acme.example"), user(2, "b@acme.example"), bad],
        );
        assert_eq!(
            refused,
            Err(OrgError::NotFound {
                kind: ObjectKind::Skill,
                id: id(99)
            })
        );
        assert!(state.users.is_empty());
        // Managers may come later in the same call, but never be the user.
        let mut report = user(1, "a@acme.example");
        report.manager_id = Some(id(2));
        let manager = user(2, "b@acme.example");
        users::create_many(&mut state, &at, vec![report, manager]).expect("forward manager");
        let mut own = user(3, "c@acme.example");
        own.manager_id = Some(id(3));
        assert_eq!(
            users::create(&mut state, &at, own),
            Err(OrgError::InvalidManager { id: id(3) })
        );
    }
}
