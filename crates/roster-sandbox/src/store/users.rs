//! [`UserStore`]: users with their indexes by id, email and state.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::capture::Capture;
use super::records::{EntityState, User};
use super::table::UuidMap;

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
    /// Users as they were before the write in progress touched them (audit trail).
    capture: Capture<User>,
}

impl UserStore {
    /// Adds a user; the caller has checked id and email are free.
    pub fn insert(&mut self, user: User) {
        self.capture.note(user.id, || None);
        let slot = self.users.len() as u32;
        self.by_id.insert(user.id, slot);
        self.by_email.insert(user.email.to_lowercase(), slot);
        self.by_state[user.state.index()].push(slot);
        self.max_listed_from_ms = self.max_listed_from_ms.max(user.listed_from_ms);
        self.users.push(user);
    }

    /// Makes room for `additional` more users (a bulk insert grows the store once).
    pub fn reserve(&mut self, additional: usize) {
        self.users.reserve(additional);
        self.by_id.reserve(additional);
        self.by_email.reserve(additional);
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

    /// Changes a user: its JSON cache is reset and the state index follows a change of
    /// `state`. Emails change only through [`Self::set_email`].
    pub fn update<R>(&mut self, id: Uuid, change: impl FnOnce(&mut User) -> R) -> Option<R> {
        let slot = *self.by_id.get(&id)?;
        let user = &mut self.users[slot as usize];
        self.capture.note(id, || Some(user.clone()));
        let before = user.state;
        user.cache = OnceLock::new();
        let result = change(user);
        let after = user.state;
        if before != after {
            let from = &mut self.by_state[before.index()];
            if let Ok(position) = from.binary_search(&slot) {
                from.remove(position);
            }
            let to = &mut self.by_state[after.index()];
            if let Err(position) = to.binary_search(&slot) {
                to.insert(position, slot);
            }
        }
        Some(result)
    }

    /// A user by email (case-insensitive), whatever its state.
    pub fn by_email(&self, email: &str) -> Option<&User> {
        self.by_email
            .get(&email.to_lowercase())
            .map(|&slot| &self.users[slot as usize])
    }

    /// Changes a user's email; the caller has checked the new one is free.
    pub fn set_email(&mut self, id: Uuid, email: String) {
        let Some(&slot) = self.by_id.get(&id) else {
            return;
        };
        let user = &mut self.users[slot as usize];
        self.capture.note(id, || Some(user.clone()));
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
        for user in &self.users {
            self.capture.note(user.id, || Some(user.clone()));
        }
        self.users.iter_mut()
    }

    /// Starts keeping the before-image of every user a change touches.
    pub fn start_capture(&mut self) {
        self.capture.start();
    }

    /// Stops keeping before-images; answers those kept, in the order first touched.
    pub fn take_capture(&mut self) -> Vec<(Uuid, Option<User>)> {
        self.capture.take()
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
