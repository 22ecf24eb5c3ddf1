//! The CLI's own surface: `--version` names the commit, completion scripts for every shell,
//! the `ROSTER_*` variables behind common flags, and examples (and exit codes) under every
//! `--help` that use only flags that exist.

use std::process::Command as Process;

use crate::command_lines::{cli, invocations, problems};
use crate::support::{Workspace, repo_path, roster, run};

const FULL: &str = "tests/fixtures/workspaces/full";

#[test]
fn version_names_the_commit_the_binary_was_built_from() {
    let version = run(roster().arg("--version"));
    assert_eq!(version.code, 0, "{}", version.stderr);
    // `unknown` outside a git checkout (CI tests a copy of the sources without `.git`).
    let commit = Process::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(repo_path(""))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |output| String::from_utf8(output.stdout).unwrap().trim().to_owned(),
        );
    assert_eq!(
        version.stdout,
        format!("roster {} (commit {commit})\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_cover_every_subcommand_in_every_shell() {
    let bash = run(roster().args(["completions", "bash"]));
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(
        bash.stdout.starts_with("_roster() {"),
        "{}",
        &bash.stdout[..80]
    );
    for subcommand in cli().subcommands.keys() {
        assert!(
            bash.stdout.contains(&format!("roster,{subcommand})")),
            "bash completes `{subcommand}`"
        );
    }
    assert!(bash.stdout.contains("--skip-missing-credentials"));
    assert!(bash.stdout.contains("complete -F _roster"));

    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let script = run(roster().args(["completions", shell]));
        assert_eq!(script.code, 0, "{shell}: {}", script.stderr);
        assert!(
            script.stdout.contains("offboard") && script.stdout.contains("detailed-exitcode"),
            "{shell} completes subcommands and flags"
        );
    }
    let unknown = run(roster().args(["completions", "tcsh"]));
    assert_eq!(unknown.code, 64, "{}", unknown.stderr);
}

#[test]
fn roster_variables_stand_for_common_flags() {
    let workspace = Workspace::copy(FULL);
    // ROSTER_DIR for DIR, from another folder.
    let validate = run(roster().arg("validate").env("ROSTER_DIR", workspace.root()));
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    assert!(
        validate.stderr.contains("validated 2 orgs"),
        "{}",
        validate.stderr
    );
    let elsewhere = run(roster().arg("validate").current_dir(repo_path("tests")));
    assert_eq!(
        elsewhere.code, 1,
        "without it, the current folder: {}",
        elsewhere.stderr
    );

    // ROSTER_ORG for `--org`: `remote` (no credentials here) is not planned.
    let plan = |extra: &[(&str, &str)]| {
        run(roster()
            .args(["plan", "--detailed-exitcode"])
            .env("ROSTER_DIR", workspace.root())
            .envs(extra.iter().copied()))
    };
    let local = plan(&[("ROSTER_ORG", "local")]);
    assert_eq!(local.code, 2, "{}", local.stderr);
    assert!(local.stdout.starts_with("local: "), "{}", local.stdout);
    assert_eq!(plan(&[]).code, 1, "every org, `remote` without credentials");

    // ROSTER_COLOR for `--color` (the flag still wins).
    let coloured = plan(&[("ROSTER_ORG", "local"), ("ROSTER_COLOR", "always")]);
    assert!(coloured.stdout.contains("\u{1b}["), "{}", coloured.stdout);
    assert!(!local.stdout.contains("\u{1b}["));
    let flag_wins = run(roster()
        .args(["plan", "--color", "never"])
        .env("ROSTER_DIR", workspace.root())
        .env("ROSTER_ORG", "local")
        .env("ROSTER_COLOR", "always"));
    assert!(
        !flag_wins.stdout.contains("\u{1b}["),
        "{}",
        flag_wins.stdout
    );

    // ROSTER_CONCURRENCY for `apply --concurrency`, checked like the flag.
    let apply = run(roster()
        .args(["apply", "--yes"])
        .env("ROSTER_DIR", workspace.root())
        .env("ROSTER_ORG", "local")
        .env("ROSTER_CONCURRENCY", "0"));
    assert_eq!(apply.code, 64, "{}", apply.stderr);
    assert!(apply.stderr.contains("--concurrency"), "{}", apply.stderr);
}

#[test]
fn every_help_has_examples_that_use_only_flags_that_exist() {
    let mut checked = 0;
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    paths.extend(cli().subcommands.keys().map(|name| vec![name.clone()]));
    for path in paths {
        let help = run(roster().args(&path).arg("--help"));
        assert_eq!(help.code, 0, "{}", help.stderr);
        let examples = help
            .stdout
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("`roster {}` --help has examples", path.join(" ")))
            .1;
        let found = invocations(examples);
        assert!(!found.is_empty(), "`roster {}` examples", path.join(" "));
        for invocation in &found {
            assert_eq!(problems(invocation), Vec::<String>::new());
        }
        checked += found.len();
    }
    assert!(checked > 20, "{checked} examples");

    for command in ["plan", "apply"] {
        let help = run(roster().args([command, "--help"]));
        let codes = help
            .stdout
            .split_once("\nExit codes:\n")
            .unwrap_or_else(|| panic!("`{command} --help` has exit codes"))
            .1;
        for code in ["0 ", "1 ", "2 ", "3 ", "4 ", "64"] {
            assert!(
                codes.contains(&format!("\n  {code}")) || codes.starts_with(&format!("  {code}")),
                "`{command} --help` explains exit {code}"
            );
        }
    }
}
