//! [`Table`]: entities in insertion order with an id index and the text derived from them,
//! and the uuid hasher every index of the store uses.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::capture::Capture;

/// Anything kept in a [`Table`]. Clone, so that a write's [`Capture`] can keep the item as it
/// was.
pub trait Entity: Clone {
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
    /// Items as they were before the write in progress touched them (audit trail).
    capture: Capture<T>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            by_id: UuidMap::default(),
            embedded: Vec::new(),
            by_member: OnceLock::new(),
            capture: Capture::default(),
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
        let items = &self.items;
        self.capture.note(id, || Some(items[index].clone()));
        self.embedded[index] = OnceLock::new();
        self.by_member = OnceLock::new();
        Some(&mut self.items[index])
    }

    /// Appends an entity (the caller guarantees its id is new).
    pub fn insert(&mut self, item: T) {
        self.capture.note(item.id(), || None);
        self.by_id.insert(item.id(), self.items.len());
        self.items.push(item);
        self.embedded.push(OnceLock::new());
        self.by_member = OnceLock::new();
    }

    /// Removes an entity; O(n), used only by hard deletes.
    pub fn remove(&mut self, id: Uuid) -> Option<T> {
        let index = self.by_id.remove(&id)?;
        let item = self.items.remove(index);
        self.capture.note(id, || Some(item.clone()));
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
        for item in &self.items {
            self.capture.note(item.id(), || Some(item.clone()));
        }
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

    /// Starts keeping the before-image of every item a change touches.
    pub fn start_capture(&mut self) {
        self.capture.start();
    }

    /// Stops keeping before-images; answers those kept, in the order first touched.
    pub fn take_capture(&mut self) -> Vec<(Uuid, Option<T>)> {
        self.capture.take()
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::store::{EntityState, Group, Skill};

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
