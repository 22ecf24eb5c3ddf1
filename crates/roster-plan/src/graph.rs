//! The dependency graph: proves the planned operations acyclic and numbers them in a
//! deterministic topological order (by stage, then object, then planning order), so the
//! same inputs always give the same plan.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::Direction;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use roster_model::{Kind, Step, StepId};

use crate::diff::builder::{Node, Stage};

/// A cycle, named by the objects of the operations in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cycle(pub Vec<String>);

/// Orders `nodes` into steps; returns the steps and each node's step id.
pub(crate) fn order(nodes: Vec<Node>) -> Result<(Vec<Step>, Vec<StepId>), Cycle> {
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(nodes.len(), nodes.len() * 2);
    for _ in &nodes {
        graph.add_node(());
    }
    for (index, node) in nodes.iter().enumerate() {
        let mut deps = node.deps.clone();
        deps.sort_unstable();
        deps.dedup();
        for dep in deps {
            graph.add_edge(NodeIndex::new(dep), NodeIndex::new(index), ());
        }
    }
    if toposort(&graph, None).is_err() {
        return Err(name_cycle(&graph, &nodes));
    }

    // Kahn's algorithm with a priority queue: among the steps whose dependencies are all
    // placed, the earliest stage and smallest object go first.
    let keys: Vec<(Stage, Kind, String, usize)> = nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let (kind, key) = node.op.target();
            (node.stage, kind, key, index)
        })
        .collect();
    let mut pending: Vec<usize> = graph
        .node_indices()
        .map(|n| graph.neighbors_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<&(Stage, Kind, String, usize)>> = keys
        .iter()
        .filter(|key| pending[key.3] == 0)
        .map(Reverse)
        .collect();
    let mut ids = vec![StepId(0); nodes.len()];
    let mut sequence = Vec::with_capacity(nodes.len());
    while let Some(Reverse(key)) = ready.pop() {
        let index = key.3;
        ids[index] = StepId(sequence.len() as u32 + 1);
        sequence.push(index);
        for next in graph.neighbors_directed(NodeIndex::new(index), Direction::Outgoing) {
            pending[next.index()] -= 1;
            if pending[next.index()] == 0 {
                ready.push(Reverse(&keys[next.index()]));
            }
        }
    }

    let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    let steps = sequence
        .into_iter()
        .map(|index| {
            let node = slots[index]
                .take()
                .expect("each node is placed exactly once");
            let mut depends_on: Vec<StepId> = node.deps.iter().map(|d| ids[*d]).collect();
            depends_on.sort_unstable();
            depends_on.dedup();
            Step {
                id: ids[index],
                operation: node.op,
                depends_on,
                before: node.before,
            }
        })
        .collect();
    Ok((steps, ids))
}

fn name_cycle(graph: &DiGraph<(), ()>, nodes: &[Node]) -> Cycle {
    let mut objects: Vec<String> = tarjan_scc(graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .flatten()
        .map(|n| {
            let (kind, key) = nodes[n.index()].op.target();
            format!("{kind} `{key}`")
        })
        .collect();
    objects.sort();
    objects.dedup();
    Cycle(objects)
}

#[cfg(test)]
mod tests {
    use roster_model::Operation;

    use super::*;

    fn node(name: &str, stage: Stage, deps: Vec<usize>) -> Node {
        Node {
            op: Operation::CreateSkill {
                name: name.to_owned(),
            },
            stage,
            deps,
            before: None,
            change: None,
        }
    }

    #[test]
    fn numbers_by_stage_then_key_and_respects_dependencies() {
        let nodes = vec![
            node("b", Stage::Objects, vec![]),
            node("a", Stage::Deletions, vec![]),
            node("a", Stage::Objects, vec![]),
            // Same stage as "c" but must follow it.
            node("a", Stage::Assignments, vec![4]),
            node("c", Stage::Assignments, vec![]),
        ];
        let (steps, ids) = order(nodes).unwrap();
        let names: Vec<String> = steps
            .iter()
            .map(|s| format!("{}:{}", s.id, s.operation.target().1))
            .collect();
        assert_eq!(names, ["#1:a", "#2:b", "#3:c", "#4:a", "#5:a"]);
        assert_eq!(ids[3], StepId(4));
        assert_eq!(steps[3].depends_on, vec![StepId(3)]);
    }

    #[test]
    fn cycles_are_named() {
        let nodes = vec![
            node("x", Stage::Objects, vec![1]),
            node("y", Stage::Objects, vec![0]),
            node("z", Stage::Objects, vec![]),
        ];
        let cycle = order(nodes).unwrap_err();
        assert_eq!(cycle.0, ["skill `x`", "skill `y`"]);
    }
}
