//! The state of one org: every object the sandbox serves, with the indexes lookups need.
//!
//! This is also the dump format (`GET /__sandbox/orgs/{name}/dump`): serializing an
//! [`OrgState`] and loading it back yields the same JSON. Derived data (indexes, the user
//! JSON cache, a user's team, read-after-create visibility) is rebuilt on load, never stored.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::SandboxError;

/// Lifecycle state of users, skills and languages (`active`, `inactive`, `deleted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EntityState {
    /// Usable.
    #[default]
    Active,
    /// Users only: deactivated, kept with all assignments.
    Inactive,
    /// Soft-deleted: still readable by id.
    Deleted,
}

impl EntityState {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Deleted => "deleted",
        }
    }

    /// Parses the API spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Active => 0,
            Self::Inactive => 1,
            Self::Deleted => 2,
        }
    }
}

/// Anything kept in a [`Table`].
pub trait Entity {
    /// The entity's id.
    fn id(&self) -> Uuid;
}

/// Hashes uuid keys: folds their 16 bytes and mixes them with the finalizer of splitmix64,
/// which spreads sequential ids (a loaded dump may hold them) as well as random ones. The
/// standard hasher's resistance to chosen keys buys nothing in a local test server, and it
/// was a tenth of the cost of an expanded user page, which looks up every skill, language and
/// team it shows.
#[derive(Debug, Default, Clone, Copy)]
pub struct UuidHasher(u64);

impl Hasher for UuidHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = splitmix64(self.0 ^ u64::from_le_bytes(word));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The finalizer of splitmix64 (Steele, Lea and Flood, 2014): every input bit can flip every
/// output bit.
fn splitmix64(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

/// A map keyed by uuid (see [`UuidHasher`]).
pub type UuidMap<V> = HashMap<Uuid, V, BuildHasherDefault<UuidHasher>>;

/// JSON text of an entity as other objects embed it (a user's skill, team or group), in
/// pieces between which the embedding object writes its own values.
pub type Pieces = Box<[Box<str>]>;

/// Entities that other objects embed as JSON: the text depends on the entity alone, so its
/// [`Table`] caches it until the entity changes (see [`Table::embedded`]).
pub trait Embedded {
    /// Renders the pieces (implemented in `render`, next to the other JSON shapes).
    fn embedded(&self) -> Pieces;
}

/// Entities whose members are users (groups), indexed by member on demand.
pub trait Members {
    /// The member users.
    fn member_ids(&self) -> &[Uuid];
}

/// Entities in insertion order with an id index. Serialized as a plain array.
///
/// Items change only through `&mut self` methods, and every one of them drops what was
/// derived from the items it may change: the [`Embedded`] text of an item borrowed by
/// [`Self::get_mut`], all of it for [`Self::iter_mut`], the member index for any change.
#[derive(Debug, Clone)]
pub struct Table<T> {
    items: Vec<T>,
    by_id: UuidMap<usize>,
    /// Per item, its [`Embedded`] text once rendered.
    embedded: Vec<OnceLock<Pieces>>,
    /// Per member user, the slots of the items it belongs to, ascending (see [`Members`]).
    by_member: OnceLock<UuidMap<Vec<u32>>>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            by_id: UuidMap::default(),
            embedded: Vec::new(),
            by_member: OnceLock::new(),
        }
    }
}

impl<T: Entity> Table<T> {
    /// Looks an entity up by id.
    pub fn get(&self, id: Uuid) -> Option<&T> {
        self.by_id.get(&id).map(|&index| &self.items[index])
    }

    /// Looks an entity up by id, mutably; what was derived from it is dropped.
    pub fn get_mut(&mut self, id: Uuid) -> Option<&mut T> {
        let index = *self.by_id.get(&id)?;
        self.embedded[index] = OnceLock::new();
        self.by_member = OnceLock::new();
        Some(&mut self.items[index])
    }

    /// Appends an entity (the caller guarantees its id is new).
    pub fn insert(&mut self, item: T) {
        self.by_id.insert(item.id(), self.items.len());
        self.items.push(item);
        self.embedded.push(OnceLock::new());
        self.by_member = OnceLock::new();
    }

    /// Removes an entity; O(n), used only by hard deletes.
    pub fn remove(&mut self, id: Uuid) -> Option<T> {
        let index = self.by_id.remove(&id)?;
        let item = self.items.remove(index);
        self.embedded.remove(index);
        self.by_member = OnceLock::new();
        for (position, item) in self.items.iter().enumerate().skip(index) {
            self.by_id.insert(item.id(), position);
        }
        Some(item)
    }

    /// All entities in insertion order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// All entities, mutably; everything derived from them is dropped.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.embedded.fill_with(OnceLock::new);
        self.by_member = OnceLock::new();
        self.items.iter_mut()
    }

    /// Number of entities.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<T: Entity + Embedded> Table<T> {
    /// The [`Embedded`] text of the entity with `id`, rendered on first use and kept until
    /// the entity is next borrowed mutably.
    pub fn embedded(&self, id: Uuid) -> Option<&[Box<str>]> {
        let index = *self.by_id.get(&id)?;
        Some(self.embedded[index].get_or_init(|| self.items[index].embedded()))
    }
}

impl<T: Entity + Members> Table<T> {
    /// The entities `user_id` is a member of, in table order. The member index is built on
    /// first use after a change (a scan of every membership), so a page of users costs one
    /// lookup per user instead of a scan of every group.
    pub fn having_member(&self, user_id: Uuid) -> impl Iterator<Item = &T> {
        let by_member = self.by_member.get_or_init(|| {
            let mut by_member: UuidMap<Vec<u32>> = UuidMap::default();
            for (slot, item) in self.items.iter().enumerate() {
                let slot = u32::try_from(slot).expect("a table holds fewer than 2^32 entities");
                for member in item.member_ids() {
                    let slots = by_member.entry(*member).or_default();
                    // A member listed twice still belongs to the item once.
                    if slots.last() != Some(&slot) {
                        slots.push(slot);
                    }
                }
            }
            by_member
        });
        by_member
            .get(&user_id)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&slot| &self.items[slot as usize])
    }
}

impl<'a, T: Entity> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: Entity> IntoIterator for &'a mut Table<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<'a> IntoIterator for &'a UserStore {
    type Item = &'a User;
    type IntoIter = std::slice::Iter<'a, User>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut UserStore {
    type Item = &'a mut User;
    type IntoIter = std::slice::IterMut<'a, User>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<T: Serialize> Serialize for Table<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

impl<'de, T: Entity + Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<T>::deserialize(deserializer)?;
        let mut table = Self::default();
        for item in items {
            if table.get(item.id()).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "duplicate id {}",
                    item.id()
                )));
            }
            table.insert(item);
        }
        Ok(table)
    }
}

macro_rules! entity {
    ($($ty:ty),*) => {$(impl Entity for $ty { fn id(&self) -> Uuid { self.id } })*};
}
entity!(
    Division, Role, Skill, Language, WrapupCode, Queue, Team, Group, User
);

/// An authorization division.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Division {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the org.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether this is the org's home division (exactly one is).
    #[serde(default)]
    pub home: bool,
}

/// An authorization role (built-in or custom).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the org.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Set on built-in roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role_id: Option<String>,
    /// Permission strings.
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A routing skill. Soft-deleted: `state` becomes `deleted`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Skill {
    /// Id.
    pub id: Uuid,
    /// Name, unique among non-deleted skills (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// `active` or `deleted`.
    pub state: EntityState,
    /// Version, bumped on every write (the API shows it as a string).
    pub version: u64,
    /// Last write.
    pub date_modified: String,
    /// Sandbox clock ms from which list results show it (read-after-create delay).
    #[serde(skip)]
    pub listed_from_ms: u64,
}

/// A routing language. Soft-deleted like skills.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Language {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `active` or `deleted`.
    pub state: EntityState,
    /// Version.
    pub version: u64,
    /// Last write.
    pub date_modified: String,
}

/// A wrap-up code. Hard-deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WrapupCode {
    /// Id.
    pub id: Uuid,
    /// Name, unique (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    pub date_created: String,
    /// Last write.
    pub date_modified: String,
}

/// A direct (user) member of a queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueMember {
    /// The user.
    pub user_id: Uuid,
    /// Joined (on queue) or not.
    pub joined: bool,
    /// Bullseye ring.
    pub ring_number: u32,
}

/// A queue. Hard-deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Queue {
    /// Id.
    pub id: Uuid,
    /// Name, unique (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    pub date_created: String,
    /// Last write.
    pub date_modified: String,
    /// Direct members in insertion order.
    #[serde(default)]
    pub members: Vec<QueueMember>,
    /// Groups whose members are members of this queue (`memberBy: group`).
    #[serde(default)]
    pub member_groups: Vec<Uuid>,
    /// Joined state of group-derived members that differs from the default (joined).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_member_joined: BTreeMap<Uuid, bool>,
    /// Wrap-up codes assigned to the queue.
    #[serde(default)]
    pub wrapup_codes: Vec<Uuid>,
    /// Other `Queue` fields kept verbatim from create/PUT (mediaSettings, acwSettings, ...).
    #[serde(default)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Index of `members` by user id.
    #[serde(skip)]
    pub member_index: HashMap<Uuid, usize>,
    /// Sandbox clock ms from which list results show it.
    #[serde(skip)]
    pub listed_from_ms: u64,
}

impl Queue {
    /// Rebuilds `member_index` after `members` changed shape.
    pub fn reindex_members(&mut self) {
        self.member_index = self
            .members
            .iter()
            .enumerate()
            .map(|(index, member)| (member.user_id, index))
            .collect();
    }
}

/// A team member with its position in the cursor order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamMember {
    /// The user.
    pub user_id: Uuid,
    /// Cursor position (org-wide increasing sequence).
    pub seq: u64,
}

/// A team. Hard-deleted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Team {
    /// Id.
    pub id: Uuid,
    /// Name, unique (case-insensitive).
    pub name: String,
    /// Division.
    pub division_id: Uuid,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    pub date_created: String,
    /// Last write.
    pub date_modified: String,
    /// Cursor position of the team in the team list.
    pub seq: u64,
    /// Members in cursor order.
    #[serde(default)]
    pub members: Vec<TeamMember>,
}

/// A role grant: a role in a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Grant {
    /// The role.
    pub role_id: Uuid,
    /// The division.
    pub division_id: Uuid,
}

/// A group: created by seed or load; users inherit its role grants and queue memberships.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Member users.
    #[serde(default)]
    pub members: Vec<Uuid>,
    /// Role grants every member inherits.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Last write.
    pub date_modified: String,
}

impl Members for Group {
    fn member_ids(&self) -> &[Uuid] {
        &self.members
    }
}

/// Per-media capacity (`MediaUtilization`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MediaUtilization {
    /// 0..=25.
    pub maximum_capacity: u32,
    /// Media types that may interrupt this one (note the API's spelling).
    #[serde(default)]
    pub interruptable_media_types: Vec<String>,
    /// Whether non-ACD interactions count.
    #[serde(default)]
    pub include_non_acd: bool,
}

/// A routing skill or language assigned to a user.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Assignment {
    /// Skill or language id.
    pub id: Uuid,
    /// 0.0..=5.0.
    pub proficiency: f64,
}

/// A user. Soft-deleted: `state` becomes `deleted`, email stays taken.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Email, unique case-insensitively across all users including deleted ones.
    pub email: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Preferred name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
    /// Division.
    pub division_id: Uuid,
    /// Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<Uuid>,
    /// State.
    pub state: EntityState,
    /// Version, bumped on every write to the user record.
    pub version: u64,
    /// ACD auto-answer.
    #[serde(default)]
    pub acd_auto_answer: bool,
    /// `addresses` (Contact objects) kept verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<serde_json::Value>,
    /// `locations` (Location objects) kept verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<serde_json::Value>,
    /// Routing skills.
    #[serde(default)]
    pub skills: Vec<Assignment>,
    /// Routing languages.
    #[serde(default)]
    pub languages: Vec<Assignment>,
    /// Direct role grants.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Own utilization settings (`None` = organization level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<BTreeMap<String, MediaUtilization>>,
    /// The user's team (derived from teams on load).
    #[serde(skip)]
    pub team_id: Option<Uuid>,
    /// Sandbox clock ms from which list results show it.
    #[serde(skip)]
    pub listed_from_ms: u64,
    /// Cached JSON of the un-expanded user; reset on every write.
    #[serde(skip)]
    pub cache: OnceLock<Box<str>>,
}

/// Users with indexes by id, lowercase email and state. Users are never removed (deletes are
/// soft), so a user's slot is stable and slot order is creation order.
#[derive(Debug, Default, Clone)]
pub struct UserStore {
    users: Vec<User>,
    by_id: UuidMap<u32>,
    by_email: HashMap<String, u32>,
    /// Slots per state, ascending (= creation order).
    by_state: [Vec<u32>; 3],
    /// Latest `listed_from_ms` of any user: lists need no visibility filtering after it.
    max_listed_from_ms: u64,
}

impl UserStore {
    /// Adds a user; the caller has checked id and email are free.
    pub fn insert(&mut self, user: User) {
        let slot = self.users.len() as u32;
        self.by_id.insert(user.id, slot);
        self.by_email.insert(user.email.to_lowercase(), slot);
        self.by_state[user.state.index()].push(slot);
        self.max_listed_from_ms = self.max_listed_from_ms.max(user.listed_from_ms);
        self.users.push(user);
    }

    /// The slot of a user.
    pub fn slot_of(&self, id: Uuid) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// Latest time from which a user becomes listed.
    pub fn max_listed_from_ms(&self) -> u64 {
        self.max_listed_from_ms
    }

    /// A user by id.
    pub fn get(&self, id: Uuid) -> Option<&User> {
        self.by_id.get(&id).map(|&slot| &self.users[slot as usize])
    }

    /// A user by id for writing; the JSON cache is reset. Do not change `state` or `email`
    /// through this (use [`Self::set_state`], [`Self::set_email`]).
    pub fn get_mut(&mut self, id: Uuid) -> Option<&mut User> {
        let slot = *self.by_id.get(&id)?;
        let user = &mut self.users[slot as usize];
        user.cache = OnceLock::new();
        Some(user)
    }

    /// A user by email (case-insensitive), whatever its state.
    pub fn by_email(&self, email: &str) -> Option<&User> {
        self.by_email
            .get(&email.to_lowercase())
            .map(|&slot| &self.users[slot as usize])
    }

    /// Changes a user's state, keeping the state index sorted.
    pub fn set_state(&mut self, id: Uuid, state: EntityState) {
        let Some(&slot) = self.by_id.get(&id) else {
            return;
        };
        let old = self.users[slot as usize].state;
        if old == state {
            return;
        }
        let from = &mut self.by_state[old.index()];
        if let Ok(position) = from.binary_search(&slot) {
            from.remove(position);
        }
        let to = &mut self.by_state[state.index()];
        if let Err(position) = to.binary_search(&slot) {
            to.insert(position, slot);
        }
        let user = &mut self.users[slot as usize];
        user.state = state;
        user.cache = OnceLock::new();
    }

    /// Changes a user's email; the caller has checked the new one is free.
    pub fn set_email(&mut self, id: Uuid, email: String) {
        let Some(&slot) = self.by_id.get(&id) else {
            return;
        };
        let user = &mut self.users[slot as usize];
        self.by_email.remove(&user.email.to_lowercase());
        self.by_email.insert(email.to_lowercase(), slot);
        user.email = email;
        user.cache = OnceLock::new();
    }

    /// Slots of users in a state, in creation order.
    pub fn slots(&self, state: EntityState) -> &[u32] {
        &self.by_state[state.index()]
    }

    /// The user in a slot.
    pub fn at(&self, slot: u32) -> &User {
        &self.users[slot as usize]
    }

    /// All users in creation order.
    pub fn iter(&self) -> std::slice::Iter<'_, User> {
        self.users.iter()
    }

    /// All users, mutably, for bulk fix-ups that do not touch state or email (the caller
    /// must reset caches it invalidates).
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, User> {
        self.users.iter_mut()
    }

    /// Number of users in every state.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

impl Serialize for UserStore {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.users.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for UserStore {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let users = Vec::<User>::deserialize(deserializer)?;
        let mut store = Self::default();
        for user in users {
            if store.get(user.id).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "duplicate user id {}",
                    user.id
                )));
            }
            if store.by_email(&user.email).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "duplicate user email {}",
                    user.email
                )));
            }
            store.insert(user);
        }
        Ok(store)
    }
}

/// Everything one org holds. Serialized, this is the org dump.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgState {
    /// The organization's id (shown by `GET /tokens/me`).
    pub org_id: Uuid,
    /// Divisions; exactly one is home.
    pub divisions: Table<Division>,
    /// Roles.
    pub roles: Table<Role>,
    /// Routing skills.
    pub skills: Table<Skill>,
    /// Routing languages.
    pub languages: Table<Language>,
    /// Wrap-up codes.
    pub wrapup_codes: Table<WrapupCode>,
    /// Queues.
    pub queues: Table<Queue>,
    /// Teams.
    pub teams: Table<Team>,
    /// Groups.
    pub groups: Table<Group>,
    /// Users.
    pub users: UserStore,
    /// Org-wide utilization defaults.
    pub org_utilization: BTreeMap<String, MediaUtilization>,
    /// Next value of the org-wide sequence used for cursors.
    pub next_seq: u64,
}

impl OrgState {
    /// The home division.
    pub fn home_division(&self) -> &Division {
        self.divisions
            .iter()
            .find(|division| division.home)
            .expect("an org always has a home division: checked on creation and on load")
    }

    /// The next value of the org-wide sequence.
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// A role by exact name.
    pub fn role_by_name(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|role| role.name == name)
    }

    /// A division by name (case-insensitive).
    pub fn division_by_name(&self, name: &str) -> Option<&Division> {
        self.divisions
            .iter()
            .find(|division| division.name.eq_ignore_ascii_case(name))
    }

    /// Groups a user belongs to, in table order.
    pub fn groups_of(&self, user_id: Uuid) -> impl Iterator<Item = &Group> {
        self.groups.having_member(user_id)
    }

    /// Rebuilds derived data after a load and checks references.
    pub fn finish_load(&mut self) -> Result<(), SandboxError> {
        let homes = self
            .divisions
            .iter()
            .filter(|division| division.home)
            .count();
        if homes != 1 {
            return Err(SandboxError::InvalidDump(format!(
                "expected exactly one home division, found {homes}"
            )));
        }
        let mut teams_of: HashMap<Uuid, Uuid> = HashMap::new();
        for team in &self.teams {
            for member in &team.members {
                if teams_of.insert(member.user_id, team.id).is_some() {
                    return Err(SandboxError::InvalidDump(format!(
                        "user {} is in two teams",
                        member.user_id
                    )));
                }
            }
        }
        for queue in &mut self.queues {
            queue.reindex_members();
        }
        let division_ids: HashSet<Uuid> =
            self.divisions.iter().map(|division| division.id).collect();
        for user in &mut self.users {
            user.team_id = teams_of.get(&user.id).copied();
            if !division_ids.contains(&user.division_id) {
                return Err(SandboxError::InvalidDump(format!(
                    "user {} is in an unknown division",
                    user.id
                )));
            }
        }
        for user in &self.users {
            if let Some(manager) = user.manager_id
                && self.users.get(manager).is_none()
            {
                return Err(SandboxError::InvalidDump(format!(
                    "user {} has an unknown manager",
                    user.id
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(number: u128, name: &str) -> Skill {
        Skill {
            id: Uuid::from_u128(number),
            name: name.to_owned(),
            division_id: Uuid::nil(),
            state: EntityState::Active,
            version: 1,
            date_modified: String::new(),
            listed_from_ms: 0,
        }
    }

    /// How many of 1,024 buckets the hashes of these ids fall in (random ids: about 647).
    fn buckets_used(ids: impl Iterator<Item = Uuid>) -> usize {
        let hasher = BuildHasherDefault::<UuidHasher>::default();
        let buckets: HashSet<u64> = ids
            .map(|id| std::hash::BuildHasher::hash_one(&hasher, id) & 1023)
            .collect();
        buckets.len()
    }

    #[test]
    fn uuid_hashes_spread_sequential_ids_like_random_ones() {
        let low = buckets_used((0..1024).map(Uuid::from_u128));
        let high = buckets_used((0..1024).map(|number: u128| Uuid::from_u128(number << 100)));
        let random = buckets_used(
            (0..1024u128).map(|number| Uuid::new_v5(&Uuid::nil(), &number.to_le_bytes())),
        );
        for used in [low, high, random] {
            assert!(used > 550, "{low} {high} {random} of 1024 buckets used");
        }
    }

    fn group(number: u128, members: &[u128]) -> Group {
        Group {
            id: Uuid::from_u128(number),
            name: format!("Group {number}"),
            description: None,
            members: members.iter().copied().map(Uuid::from_u128).collect(),
            grants: Vec::new(),
            date_modified: String::new(),
        }
    }

    /// The first piece of a skill's cached text (it holds the name).
    fn cached_head(table: &Table<Skill>, number: u128) -> String {
        table
            .embedded(Uuid::from_u128(number))
            .expect("known skill")[0]
            .to_string()
    }

    #[test]
    fn embedded_text_follows_every_change_of_its_item() {
        let mut table = Table::default();
        for (number, name) in [(1, "One"), (2, "Two"), (3, "Three")] {
            table.insert(skill(number, name));
        }
        assert!(cached_head(&table, 2).contains("\"name\":\"Two\""));
        if let Some(two) = table.get_mut(Uuid::from_u128(2)) {
            two.name = "Deux".into();
        }
        assert!(cached_head(&table, 2).contains("\"name\":\"Deux\""));
        assert!(cached_head(&table, 3).contains("\"name\":\"Three\""));
        for item in &mut table {
            item.name.push('!');
        }
        assert!(cached_head(&table, 3).contains("\"name\":\"Three!\""));
        // Removing shifts the later items and their cached text together.
        table.remove(Uuid::from_u128(1));
        assert!(cached_head(&table, 2).contains("\"name\":\"Deux!\""));
        assert!(cached_head(&table, 3).contains("\"name\":\"Three!\""));
        assert!(table.embedded(Uuid::from_u128(1)).is_none());
    }

    fn group_numbers(table: &Table<Group>, member: u128) -> Vec<u128> {
        table
            .having_member(Uuid::from_u128(member))
            .map(|group| group.id.as_u128())
            .collect()
    }

    #[test]
    fn member_index_lists_groups_in_table_order_once_and_follows_changes() {
        let mut table = Table::default();
        table.insert(group(20, &[7, 8, 7]));
        table.insert(group(10, &[8]));
        assert_eq!(group_numbers(&table, 7), [20]);
        assert_eq!(group_numbers(&table, 8), [20, 10]);
        assert!(group_numbers(&table, 9).is_empty());
        table.insert(group(30, &[9]));
        assert_eq!(group_numbers(&table, 9), [30]);
        if let Some(first) = table.get_mut(Uuid::from_u128(20)) {
            first.members.retain(|member| member.as_u128() != 8);
        }
        assert_eq!(group_numbers(&table, 8), [10]);
        table.remove(Uuid::from_u128(10));
        assert!(group_numbers(&table, 8).is_empty());
        assert_eq!(group_numbers(&table, 9), [30]);
        for item in &mut table {
            item.members.push(Uuid::from_u128(8));
        }
        assert_eq!(group_numbers(&table, 8), [20, 30]);
    }
}
