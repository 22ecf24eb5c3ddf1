//! The plan's dependency graph in Graphviz's dot language (`roster plan --format dot | dot
//! -Tsvg > plan.svg`): one node per step, one edge per dependency, one cluster per org.
//!
//! Edges point the way apply runs: from a step to the steps that wait for it. Node ids carry
//! the org (`"prod-us#3"`), so the orgs of a set never share a node.

use std::fmt::Write as _;

use crate::types::PlanSet;

/// The steps of every plan in `set` and what each waits for, as a `digraph`.
pub fn render_dot(set: &PlanSet) -> String {
    let mut out = String::from("digraph \"roster plan\" {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [shape=box, fontname=\"monospace\"];\n");
    for (index, plan) in set.orgs.iter().enumerate() {
        let _ = writeln!(out, "  subgraph \"cluster_{index}\" {{");
        let label = if plan.is_targeted() {
            format!("{} (targeted: partial plan)", plan.org)
        } else {
            plan.org.clone()
        };
        let _ = writeln!(out, "    label={};", quote(&label));
        if plan.steps.is_empty() {
            let _ = writeln!(
                out,
                "    {} [label=\"no changes\", shape=plaintext];",
                quote(&format!("{}#none", plan.org))
            );
        }
        for step in &plan.steps {
            let _ = writeln!(
                out,
                "    {} [label={}];",
                quote(&node(&plan.org, step.id.0)),
                quote(&format!("{} {}", step.id, step.operation))
            );
        }
        out.push_str("  }\n");
        for step in &plan.steps {
            for dependency in &step.depends_on {
                let _ = writeln!(
                    out,
                    "  {} -> {};",
                    quote(&node(&plan.org, dependency.0)),
                    quote(&node(&plan.org, step.id.0))
                );
            }
        }
    }
    out.push_str("}\n");
    out
}

/// A step's node id: unique across the orgs of a set.
fn node(org: &str, step: u32) -> String {
    format!("{org}#{step}")
}

/// A dot string literal: quotes and backslashes escaped, line breaks as `\n`.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use roster_model::{Email, Operation, Step, StepId};

    use super::*;
    use crate::types::{Cost, Plan};

    fn plan(org: &str, steps: Vec<Step>) -> Plan {
        let mut plan = Plan {
            org: org.to_owned(),
            digest: String::new(),
            changes: Vec::new(),
            steps,
            warnings: Vec::new(),
            inherited: Vec::new(),
            blocked: None,
            policy: roster_model::Policy::default(),
            fingerprints: Vec::new(),
            targets: Vec::new(),
            cost: Cost {
                reads: 0,
                writes: 0,
                requests_per_minute: 300,
                eta_seconds: 0,
            },
            licences: None,
        };
        plan.digest = plan.compute_digest();
        plan
    }

    fn step(id: u32, operation: Operation, depends_on: &[u32]) -> Step {
        Step {
            id: StepId(id),
            operation,
            depends_on: depends_on.iter().copied().map(StepId).collect(),
            before: None,
        }
    }

    #[test]
    fn steps_become_nodes_and_dependencies_edges_per_org() {
        let jane = Email::parse("jane@acme.example").unwrap();
        let set = PlanSet::new(vec![
            plan(
                "prod \"us\"",
                vec![
                    step(
                        0,
                        Operation::CreateSkill {
                            name: "Billing".to_owned(),
                        },
                        &[],
                    ),
                    step(
                        1,
                        Operation::SetUserSkills {
                            email: jane,
                            skills: BTreeMap::new(),
                        },
                        &[0],
                    ),
                ],
            ),
            plan("empty", Vec::new()),
        ]);
        insta::assert_snapshot!(render_dot(&set), @r##"
        digraph "roster plan" {
          rankdir=LR;
          node [shape=box, fontname="monospace"];
          subgraph "cluster_0" {
            label="prod \"us\"";
            "prod \"us\"#0" [label="#0 createSkill skill `Billing`"];
            "prod \"us\"#1" [label="#1 setUserSkills user `jane@acme.example`"];
          }
          "prod \"us\"#0" -> "prod \"us\"#1";
          subgraph "cluster_1" {
            label="empty";
            "empty#none" [label="no changes", shape=plaintext];
          }
        }
        "##);
    }
}
