//! [`Capture`]: the before-images of what one write changes, kept by the table that holds
//! them so that no change can go unnoticed.
//!
//! The audit trail (`crate::audit`) starts a capture on every table when a request takes the
//! org's write lock and takes it back before the lock is released: every way a table lets an
//! item change (insert, `get_mut`, remove, `iter_mut`, a user's `update` or `set_email`) notes
//! the item as it was the first time it is touched. Outside a capture nothing is kept.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use uuid::Uuid;

use super::table::UuidHasher;

/// Before-images of the items touched since [`Capture::start`], in the order first touched;
/// `None` for an item that did not exist (it was inserted).
#[derive(Debug, Clone)]
pub struct Capture<T> {
    active: bool,
    touched: Vec<(Uuid, Option<T>)>,
    seen: HashSet<Uuid, BuildHasherDefault<UuidHasher>>,
}

impl<T> Default for Capture<T> {
    fn default() -> Self {
        Self {
            active: false,
            touched: Vec::new(),
            seen: HashSet::default(),
        }
    }
}

impl<T> Capture<T> {
    /// Starts noting changes (forgets any earlier capture).
    pub fn start(&mut self) {
        self.active = true;
        self.touched.clear();
        self.seen.clear();
    }

    /// Notes an item about to change, the first time only; `before` is called only then.
    pub fn note(&mut self, id: Uuid, before: impl FnOnce() -> Option<T>) {
        if self.active && self.seen.insert(id) {
            self.touched.push((id, before()));
        }
    }

    /// Stops noting and hands over what was noted.
    pub fn take(&mut self) -> Vec<(Uuid, Option<T>)> {
        self.active = false;
        self.seen.clear();
        std::mem::take(&mut self.touched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_each_item_once_and_only_while_active() {
        let mut capture = Capture::<u32>::default();
        capture.note(Uuid::from_u128(1), || Some(1));
        capture.start();
        capture.note(Uuid::from_u128(2), || Some(2));
        capture.note(Uuid::from_u128(2), || Some(3));
        capture.note(Uuid::from_u128(3), || None);
        assert_eq!(
            capture.take(),
            vec![(Uuid::from_u128(2), Some(2)), (Uuid::from_u128(3), None)]
        );
        capture.note(Uuid::from_u128(4), || Some(4));
        assert!(capture.take().is_empty());
    }
}
