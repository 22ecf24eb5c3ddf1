//! `roster validate`: exit codes, text and JSON output, GitHub Actions annotations.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/manifests")
        .join(path)
}

fn validate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("roster")
        .unwrap()
        .arg("validate")
        .args(args)
        .arg(dir)
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_clean_workspace_exits_zero_with_a_summary() {
    let (code, stdout, stderr) = validate(&fixture("valid/small"), &[]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "");
    insta::assert_snapshot!(stderr, @"validated 2 orgs, 4 users in 7 files: 0 errors, 0 warnings");
}

#[test]
fn warnings_alone_exit_zero() {
    let (code, _, stderr) = validate(&fixture("invalid/inactive-manager"), &[]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stderr);
}

#[test]
fn errors_exit_one_with_snippets() {
    let (code, stdout, stderr) = validate(&fixture("invalid/manager-cycle"), &[]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    insta::assert_snapshot!(stderr);
}

#[test]
fn json_lists_every_diagnostic_on_stdout() {
    let (code, stdout, _) = validate(
        &fixture("invalid/duplicate-email-across-files"),
        &["--format", "json"],
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_json_snapshot!(json);
}

#[test]
fn github_actions_get_annotations_on_stdout() {
    let output = Command::cargo_bin("roster")
        .unwrap()
        .args(["validate"])
        .arg(fixture("invalid/unknown-key-typo"))
        .env("GITHUB_ACTIONS", "true")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn a_folder_without_roster_yaml_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = validate(dir.path(), &[]);
    assert_eq!(code, 1);
    let stderr = stderr.replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(stderr);
}

#[test]
fn unknown_format_is_a_usage_error() {
    let (code, _, _) = validate(&fixture("valid/small"), &["--format", "xml"]);
    assert_eq!(code, 64);
}

#[test]
fn annotations_name_files_from_the_checkout_root() {
    let output = Command::cargo_bin("roster")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "validate",
            "tests/fixtures/manifests/invalid/inactive-manager",
        ])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap(), @"::warning file=tests/fixtures/manifests/invalid/inactive-manager/base/users.yaml,line=7,col=14,title=roster inactive-manager::the manager of `jane@acme.example` is inactive%0Ahint: give the user an active manager");
}
