//! `roster show` renders a saved plan exactly as `roster plan` rendered it, in every format,
//! and refuses one edited since; `--format dot` draws the steps' dependency graph.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::Workspace;

const FULL: &str = "tests/fixtures/workspaces/full";

/// The full fixture's `local` org has changes in every kind.
fn planned() -> Workspace {
    Workspace::copy(FULL)
}

#[test]
fn show_renders_a_saved_plan_as_plan_did_in_every_format() {
    let workspace = planned();
    let plan = workspace.roster("plan", &["--org", "local", "--out", "plan.json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let saved = workspace.root().join("plan.json");
    let saved_text = workspace.read("plan.json");
    let show = |format: &str| {
        let run = crate::support::run(
            crate::support::roster()
                .current_dir(workspace.root())
                .args(["show", "plan.json", "--format", format]),
        );
        assert_eq!(run.code, 0, "show --format {format}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{}", run.stderr);
        run.stdout
    };

    assert!(plan.stdout.contains("local:"), "{}", plan.stdout);
    assert_eq!(show("text"), plan.stdout);
    assert_eq!(show("json"), saved_text, "json is the saved plan itself");
    for format in ["markdown", "dot"] {
        let fresh = workspace.roster("plan", &["--org", "local", "--format", format]);
        assert_eq!(fresh.code, 0, "{}", fresh.stderr);
        assert_eq!(show(format), fresh.stdout, "--format {format}");
    }
    // Without `--format`, text; and the path may be absolute.
    let default = crate::support::run(crate::support::roster().arg("show").arg(&saved));
    assert_eq!(default.stdout, plan.stdout);
}

#[test]
fn show_refuses_a_plan_edited_after_it_was_saved() {
    let workspace = planned();
    let plan = workspace.roster("plan", &["--org", "local", "--out", "plan.json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let mut saved: Value = serde_json::from_str(&workspace.read("plan.json")).unwrap();
    let steps = saved["orgs"][0]["steps"].as_array_mut().unwrap();
    assert!(steps.len() > 1, "the fixture plans several steps");
    steps.pop();
    workspace.write("plan.json", &serde_json::to_string_pretty(&saved).unwrap());

    let show = crate::support::run(
        crate::support::roster()
            .current_dir(workspace.root())
            .args(["show", "plan.json"]),
    );
    assert_eq!(show.code, 4, "{}{}", show.stdout, show.stderr);
    assert!(show.stdout.is_empty(), "nothing of an edited plan is shown");
    insta::assert_snapshot!(show.stderr, @r"
    error: the plan of org `local` in `plan.json` was edited after it was made: its digest does not match its content; nothing was applied
    hint: make a new plan with `roster plan --out FILE` and review it
    ");

    let missing = crate::support::run(crate::support::roster().args(["show", "no-such-plan.json"]));
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("cannot read the plan `no-such-plan.json`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn dot_draws_every_step_and_every_dependency_of_the_plan() {
    let workspace = planned();
    let plan = workspace.roster(
        "plan",
        &["--org", "local", "--out", "plan.json", "--format", "dot"],
    );
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let dot = plan.stdout;
    assert!(dot.starts_with("digraph \"roster plan\" {\n"), "{dot}");
    assert!(dot.ends_with("}\n"), "{dot}");
    assert_eq!(
        dot.matches('{').count(),
        dot.matches('}').count(),
        "braces balance"
    );

    let node = regex::Regex::new(r#"(?m)^\s+"([^"]+)" \[label="#).unwrap();
    let edge = regex::Regex::new(r#"(?m)^\s+"([^"]+)" -> "([^"]+)";$"#).unwrap();
    let declared: BTreeSet<&str> = node
        .captures_iter(&dot)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let edges: BTreeSet<(&str, &str)> = edge
        .captures_iter(&dot)
        .map(|c| (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str()))
        .collect();
    for (from, to) in &edges {
        assert!(
            declared.contains(from) && declared.contains(to),
            "{from} -> {to} undeclared"
        );
    }

    // The same steps and dependencies as the saved plan.
    let saved: Value = serde_json::from_str(&workspace.read("plan.json")).unwrap();
    let steps = saved["orgs"][0]["steps"].as_array().unwrap();
    let expected_nodes: BTreeSet<String> = steps
        .iter()
        .map(|step| format!("local#{}", step["id"]))
        .collect();
    let expected_edges: BTreeSet<(String, String)> = steps
        .iter()
        .flat_map(|step| {
            step["dependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |dependency| {
                    (
                        format!("local#{dependency}"),
                        format!("local#{}", step["id"]),
                    )
                })
        })
        .collect();
    assert_eq!(
        declared
            .iter()
            .map(|n| (*n).to_owned())
            .collect::<BTreeSet<_>>(),
        expected_nodes
    );
    assert!(
        !expected_edges.is_empty(),
        "the fixture's steps depend on each other"
    );
    assert_eq!(
        edges
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<BTreeSet<_>>(),
        expected_edges
    );
}
