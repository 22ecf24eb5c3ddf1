//! The planner's scratch pad: operations with their dependencies (by position), the
//! user-facing changes they belong to, and the handles later operations depend on.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{Email, Kind, Operation, Source};
use serde_json::Value;

use crate::types::{Action, Change, FieldChange, ObjectRef, Warning};

/// The stages of DESIGN §2.4, in order. Steps are numbered by stage first, so a plan reads
/// top to bottom the way it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Stage {
    /// Skills, languages, wrap-up codes.
    Objects,
    /// Queues and teams, and their own fields.
    Containers,
    /// Users created, reactivated, updated.
    Users,
    /// Manager links, once both users exist.
    Managers,
    /// Skills, languages, utilization, grants, queue and team membership.
    Assignments,
    /// Removals and offboarding.
    Removals,
    /// Deletions, last.
    Deletions,
}

/// One operation before numbering.
#[derive(Debug)]
pub(crate) struct Node {
    pub op: Operation,
    pub stage: Stage,
    /// Positions in [`Builder::nodes`] that must succeed first.
    pub deps: Vec<usize>,
    pub before: Option<Value>,
    /// The change this operation carries out.
    pub change: Option<usize>,
}

/// Accumulates operations, changes and warnings while the planner walks the org.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub nodes: Vec<Node>,
    pub changes: Vec<Change>,
    change_index: HashMap<ObjectRef, usize>,
    pub warnings: Vec<Warning>,
    /// Creation operations by object, for dependencies on "exists".
    pub created: HashMap<(Kind, String), usize>,
    /// The operation after which a user exists and is active (create or reactivate).
    pub user_ready: HashMap<Email, usize>,
    /// Per renamed-away skill, the operations that give its holders the new skill.
    pub movers: HashMap<String, Vec<usize>>,
    /// Notes for users, attached at the end only to users that have a change anyway.
    pub user_notes: BTreeMap<Email, BTreeSet<String>>,
    /// Per team, the users that join it.
    pub team_adds: BTreeMap<String, BTreeSet<Email>>,
}

impl Builder {
    /// Adds an operation; returns its position.
    pub fn push(
        &mut self,
        op: Operation,
        stage: Stage,
        deps: Vec<usize>,
        before: Option<Value>,
        change: Option<usize>,
    ) -> usize {
        self.nodes.push(Node {
            op,
            stage,
            deps,
            before,
            change,
        });
        self.nodes.len() - 1
    }

    /// The change of `kind`/`key`, created with `action` when there is none yet.
    pub fn change(
        &mut self,
        kind: Kind,
        key: &str,
        action: Action,
        source: Option<&Source>,
        id: Option<&str>,
    ) -> usize {
        let object = ObjectRef::new(kind, key);
        if let Some(&index) = self.change_index.get(&object) {
            return index;
        }
        self.changes.push(Change {
            kind,
            key: key.to_owned(),
            action,
            fields: Vec::new(),
            source: source.cloned(),
            id: id.map(str::to_owned),
            routing_profile: None,
            notes: Vec::new(),
            steps: Vec::new(),
        });
        let index = self.changes.len() - 1;
        self.change_index.insert(object, index);
        index
    }

    /// The existing change of `kind`/`key`, if any.
    pub fn existing_change(&self, kind: Kind, key: &str) -> Option<usize> {
        self.change_index.get(&ObjectRef::new(kind, key)).copied()
    }

    /// Records a field change on a change.
    pub fn field(&mut self, change: usize, field: FieldChange) {
        self.changes[change].fields.push(field);
    }

    /// The creation operation of `kind`/`key`, when the plan creates it.
    pub fn created(&self, kind: Kind, key: &str) -> Option<usize> {
        self.created.get(&(kind, key.to_owned())).copied()
    }
}

/// Splits a set into chunks of at most `size`, in order.
pub(crate) fn chunks<T: Ord + Clone>(items: &BTreeSet<T>, size: usize) -> Vec<BTreeSet<T>> {
    let all: Vec<T> = items.iter().cloned().collect();
    all.chunks(size.max(1))
        .map(|chunk| chunk.iter().cloned().collect())
        .collect()
}

/// Splits a map into chunks of at most `size` entries, in key order.
pub(crate) fn map_chunks<K: Ord + Clone, V: Clone>(
    items: &BTreeMap<K, V>,
    size: usize,
) -> Vec<BTreeMap<K, V>> {
    let all: Vec<(K, V)> = items.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    all.chunks(size.max(1))
        .map(|chunk| chunk.iter().cloned().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_order_and_size() {
        let items: BTreeSet<u32> = (0..250).collect();
        let sizes: Vec<usize> = chunks(&items, 100).iter().map(BTreeSet::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        assert_eq!(chunks(&items, 100)[2].first(), Some(&200));
        assert!(chunks(&BTreeSet::<u32>::new(), 100).is_empty());
        let map: BTreeMap<u32, u32> = (0..51).map(|i| (i, i)).collect();
        let sizes: Vec<usize> = map_chunks(&map, 50).iter().map(BTreeMap::len).collect();
        assert_eq!(sizes, [50, 1]);
    }
}
