//! `roster plan --skip-missing-credentials`: an org whose credential variables are missing or
//! empty is skipped with a warning and the others are planned (a fork's pull request gets no
//! secrets); without the flag such an org fails the plan; with every org skipped, exit 1.

use crate::support::Workspace;

/// The full fixture: `local` is a sandbox org, `remote` reads `E2E_CLIENT_ID` and
/// `E2E_CLIENT_SECRET`, which the test binary's environment never holds.
const FULL: &str = "tests/fixtures/workspaces/full";

#[test]
fn without_the_flag_a_missing_variable_fails_the_plan() {
    let workspace = Workspace::copy(FULL);
    let plan = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr
            .contains("environment variable `E2E_CLIENT_ID` is not set"),
        "{}",
        plan.stderr
    );
    assert!(plan.stdout.is_empty(), "{}", plan.stdout);
}

#[test]
fn with_the_flag_the_org_is_skipped_with_a_warning_and_the_others_planned() {
    let workspace = Workspace::copy(FULL);
    let plan = workspace.roster(
        "plan",
        &["--skip-missing-credentials", "--detailed-exitcode"],
    );
    assert_eq!(plan.code, 2, "changes in `local`: {}", plan.stderr);
    insta::assert_snapshot!(plan.stderr, @r"
    warning: org `remote` skipped: environment variable `E2E_CLIENT_ID` is not set
    hint: the skipped orgs were not planned; export their credentials to plan them
    ");
    assert!(plan.stdout.starts_with("local: "), "{}", plan.stdout);
    assert!(!plan.stdout.contains("\nremote: "), "{}", plan.stdout);
    assert!(
        plan.stdout.ends_with(
            "\nnot planned (no credentials in the environment):\n  remote: environment variable `E2E_CLIENT_ID` is not set\n"
        ),
        "{}",
        plan.stdout
    );

    let markdown = workspace.roster(
        "plan",
        &["--skip-missing-credentials", "--format", "markdown"],
    );
    assert_eq!(markdown.code, 0, "{}", markdown.stderr);
    assert!(
        markdown.stdout.ends_with(
            "> [!WARNING]\n> Not planned (no credentials in the environment):\n> - `remote`: environment variable `E2E_CLIENT_ID` is not set\n"
        ),
        "{}",
        markdown.stdout
    );

    // JSON stays a plan (of the planned orgs only), so it can be saved and applied.
    let json = workspace.roster("plan", &["--skip-missing-credentials", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let set: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let orgs: Vec<&str> = set["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|plan| plan["org"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, ["local"]);
}

#[test]
fn an_empty_variable_is_missing_and_the_environment_can_ask_for_the_skip() {
    let workspace = Workspace::copy(FULL);
    let plan = crate::support::run(
        workspace
            .command("plan", &[])
            .env("E2E_CLIENT_ID", "")
            .env("E2E_CLIENT_SECRET", "secret")
            .env("ROSTER_SKIP_MISSING_CREDENTIALS", "true"),
    );
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stderr.starts_with(
            "warning: org `remote` skipped: environment variable `E2E_CLIENT_ID` is empty\n"
        ),
        "{}",
        plan.stderr
    );
}

#[test]
fn every_org_skipped_is_a_failure_not_an_empty_plan() {
    let workspace = Workspace::copy(FULL);
    let plan = workspace.roster(
        "plan",
        &[
            "--org",
            "remote",
            "--skip-missing-credentials",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    assert!(plan.stdout.is_empty(), "{}", plan.stdout);
    insta::assert_snapshot!(plan.stderr, @r"
    warning: org `remote` skipped: environment variable `E2E_CLIENT_ID` is not set
    hint: the skipped orgs were not planned; export their credentials to plan them

    error: every org was skipped: none has its credentials in the environment:
      org `remote`: environment variable `E2E_CLIENT_ID` is not set
    hint: export the credential variables `roster.yaml` names, or plan a sandbox org
    ");
}
