//! The CI recipes in `examples/ci/` parse as YAML, hold the steps the README promises (plan
//! with its exit codes handled, the plan saved and applied exactly, the journal kept, one
//! apply per org at a time), and every `roster ...` they run uses only subcommands and flags
//! that exist.

use serde_json::Value;

use crate::command_lines::{Invocation, invocations, problems};
use crate::support::repo_path;

/// A recipe as a YAML value.
fn recipe(name: &str) -> (String, Value) {
    let text = std::fs::read_to_string(repo_path("examples/ci").join(name)).unwrap();
    let value: Value =
        serde_saphyr::from_str(&text).unwrap_or_else(|err| panic!("{name} is YAML: {err}"));
    (text, value)
}

/// Every shell script of a recipe: GitHub's `run:`, GitLab's `script:`, `before_script:` and
/// `after_script:` (a string or a list of them).
fn scripts(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("run" | "script" | "before_script" | "after_script", Value::String(s)) => {
                        found.push(s.clone());
                    }
                    ("run" | "script" | "before_script" | "after_script", Value::Array(lines)) => {
                        found.extend(lines.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                    _ => scripts(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| scripts(item, found)),
        _ => {}
    }
}

/// The recipe's `roster` invocations, each checked against the CLI.
fn checked_invocations(name: &str, value: &Value) -> Vec<Invocation> {
    let mut found = Vec::new();
    scripts(value, &mut found);
    let invocations: Vec<Invocation> = found.iter().flat_map(|s| invocations(s)).collect();
    let problems: Vec<String> = invocations.iter().flat_map(problems).collect();
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    invocations
}

/// Whether some invocation runs `path` with every flag of `flags`.
fn runs(invocations: &[Invocation], path: &str, flags: &[&str]) -> bool {
    invocations.iter().any(|invocation| {
        invocation.path.join(" ") == path
            && flags
                .iter()
                .all(|flag| invocation.flags.iter().any(|f| f == flag))
    })
}

/// What both recipes must run.
fn assert_the_loop(name: &str, invocations: &[Invocation]) {
    for (path, flags) in [
        ("validate", &[][..]),
        (
            "plan",
            &[
                "--detailed-exitcode",
                "--format",
                "--out",
                "--skip-missing-credentials",
            ][..],
        ),
        ("apply", &["--plan", "--org"][..]),
        ("show", &[][..]),
    ] {
        assert!(
            runs(invocations, path, flags),
            "{name} runs `roster {path}` with {flags:?}"
        );
    }
}

#[test]
fn the_github_actions_recipe_runs_the_daily_loop_with_commands_that_exist() {
    let (text, value) = recipe("github-actions.yml");
    assert_the_loop(
        "github-actions.yml",
        &checked_invocations("github-actions.yml", &value),
    );

    let apply = &value["jobs"]["apply"];
    assert_eq!(
        apply["concurrency"]["group"],
        "roster-apply-${{ matrix.org }}"
    );
    assert_eq!(apply["concurrency"]["cancel-in-progress"], false);
    assert_eq!(apply["strategy"]["fail-fast"], false);
    let journal = apply["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["with"]["path"] == ".roster/journal/")
        .expect("the apply keeps the journal as an artifact");
    assert_eq!(journal["if"], "always()");
    assert_eq!(journal["with"]["include-hidden-files"], true);
    // Exit 2 is a pass, anything else a failure.
    assert!(text.contains("0 | 2) ;;"));
    assert!(text.contains("marocchino/sticky-pull-request-comment"));
}

#[test]
fn the_gitlab_recipe_runs_the_daily_loop_with_commands_that_exist() {
    let (text, value) = recipe("gitlab-ci.yml");
    assert_the_loop(
        "gitlab-ci.yml",
        &checked_invocations("gitlab-ci.yml", &value),
    );

    let apply = &value["roster-apply-prod-us"];
    assert_eq!(apply["extends"], ".roster-apply");
    assert_eq!(apply["resource_group"], "roster-apply-prod-us");
    assert_eq!(apply["variables"]["ROSTER_ORG"], "prod-us");
    assert_eq!(
        value[".roster-apply"]["artifacts"]["paths"][0],
        ".roster/journal/"
    );
    assert_eq!(value[".roster-apply"]["artifacts"]["when"], "always");
    assert_eq!(value["roster-plan"]["artifacts"]["paths"][0], "plan.json");
    assert!(text.contains("0 | 2) ;;"));
    assert!(text.contains("<!-- roster-plan -->"));
}
