//! The step DAG, validated and indexed before anything runs: unknown dependencies, duplicate
//! ids and cycles are refused up front, so the scheduler can trust every edge.

use std::collections::HashMap;

use roster_model::Step;

use crate::error::ApplyError;

/// Steps by position, with edges in both directions as positions into `steps`.
#[derive(Debug)]
pub(crate) struct StepGraph {
    /// For each step, the positions of the steps it depends on (deduplicated).
    pub(crate) dependencies: Vec<Vec<usize>>,
    /// For each step, the positions of the steps that depend on it, in plan order.
    pub(crate) dependents: Vec<Vec<usize>>,
}

impl StepGraph {
    /// Indexes `steps`, refusing anything that is not a DAG over known ids.
    pub(crate) fn new(steps: &[Step]) -> Result<Self, ApplyError> {
        let mut position = HashMap::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            if position.insert(step.id, index).is_some() {
                return Err(ApplyError::DuplicateStep { step: step.id });
            }
        }
        let mut dependencies = Vec::with_capacity(steps.len());
        let mut dependents = vec![Vec::new(); steps.len()];
        for (index, step) in steps.iter().enumerate() {
            let mut mine: Vec<usize> = Vec::with_capacity(step.depends_on.len());
            for dependency in &step.depends_on {
                let Some(&at) = position.get(dependency) else {
                    return Err(ApplyError::UnknownDependency {
                        step: step.id,
                        dependency: *dependency,
                    });
                };
                // A repeated edge would count twice towards readiness and never be released.
                if !mine.contains(&at) {
                    mine.push(at);
                    dependents[at].push(index);
                }
            }
            dependencies.push(mine);
        }
        let graph = StepGraph {
            dependencies,
            dependents,
        };
        if let Some(cycle) = graph.find_cycle() {
            return Err(ApplyError::Cycle {
                steps: cycle.into_iter().map(|at| steps[at].id).collect(),
            });
        }
        Ok(graph)
    }

    /// Kahn's algorithm; whatever it cannot order contains a cycle, which is then walked so the
    /// error names the steps on it rather than everything downstream of it.
    fn find_cycle(&self) -> Option<Vec<usize>> {
        let mut waiting: Vec<usize> = self.dependencies.iter().map(Vec::len).collect();
        let mut ready: Vec<usize> = (0..waiting.len()).filter(|&i| waiting[i] == 0).collect();
        let mut ordered = 0;
        while let Some(at) = ready.pop() {
            ordered += 1;
            for &next in &self.dependents[at] {
                waiting[next] -= 1;
                if waiting[next] == 0 {
                    ready.push(next);
                }
            }
        }
        if ordered == waiting.len() {
            return None;
        }
        // Every unordered step has an unordered dependency, so following those edges from any
        // of them must revisit a step: the revisited stretch is a cycle.
        let start = (0..waiting.len()).find(|&i| waiting[i] > 0)?;
        let mut seen_at: HashMap<usize, usize> = HashMap::new();
        let mut path = Vec::new();
        let mut at = start;
        loop {
            if let Some(&first) = seen_at.get(&at) {
                let mut cycle = path.split_off(first);
                // Name the cycle in dependency order, starting from its lowest position.
                cycle.reverse();
                let lowest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                cycle.rotate_left(lowest);
                return Some(cycle);
            }
            seen_at.insert(at, path.len());
            path.push(at);
            at = *self.dependencies[at].iter().find(|&&d| waiting[d] > 0)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use roster_model::{Operation, StepId};

    use super::*;

    fn step(id: u32, depends_on: &[u32]) -> Step {
        Step {
            id: StepId(id),
            operation: Operation::CreateSkill {
                name: format!("s{id}"),
            },
            depends_on: depends_on.iter().copied().map(StepId).collect(),
            before: None,
        }
    }

    #[test]
    fn indexes_edges_both_ways_and_ignores_repeated_edges() {
        let graph = StepGraph::new(&[step(0, &[]), step(1, &[0, 0]), step(2, &[0, 1])]).unwrap();
        assert_eq!(graph.dependencies, vec![vec![], vec![0], vec![0, 1]]);
        assert_eq!(graph.dependents, vec![vec![1, 2], vec![2], vec![]]);
    }

    #[test]
    fn refuses_unknown_dependencies_and_duplicate_ids() {
        let unknown = StepGraph::new(&[step(0, &[]), step(1, &[7])]).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "step #1 depends on #7, which is not in the plan"
        );
        let duplicate = StepGraph::new(&[step(3, &[]), step(3, &[])]).unwrap_err();
        assert_eq!(duplicate.to_string(), "step #3 appears twice in the plan");
    }

    #[test]
    fn names_only_the_steps_on_a_cycle() {
        // 0 → 1 → 2 → 3 → 1, and 4 hangs below the cycle without being part of it.
        let steps = [
            step(0, &[]),
            step(1, &[0, 3]),
            step(2, &[1]),
            step(3, &[2]),
            step(4, &[3]),
        ];
        let error = StepGraph::new(&steps).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the plan's steps form a cycle: #1 → #2 → #3 → #1"
        );
        let selfish = StepGraph::new(&[step(5, &[5])]).unwrap_err();
        assert_eq!(
            selfish.to_string(),
            "the plan's steps form a cycle: #5 → #5"
        );
    }
}
