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

/// Every output of `validate` on `dir`, in each format: text, JSON and GitHub annotations.
fn every_output(dir: &Path) -> Vec<(i32, String)> {
    let mut outputs = Vec::new();
    for args in [&[][..], &["--format", "json"]] {
        let (code, stdout, stderr) = validate(dir, args);
        outputs.push((code, format!("{stdout}{stderr}")));
    }
    let github = Command::cargo_bin("roster")
        .unwrap()
        .arg("validate")
        .arg(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    outputs.push((
        github.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8(github.stdout).unwrap(),
            String::from_utf8(github.stderr).unwrap()
        ),
    ));
    outputs
}

/// An inline secret is a validation error, and no output of `validate` shows it: CI logs are
/// often public (issue #12).
#[test]
fn an_inline_secret_fails_validation_without_being_printed() {
    let dir = fixture("invalid/secret-in-manifest");
    let roster_yaml = std::fs::read_to_string(dir.join("roster.yaml")).unwrap();
    assert!(roster_yaml.contains("clientSecret: s3cr3t-value"));
    for (code, output) in every_output(&dir) {
        assert_eq!(code, 1, "{output}");
        assert!(
            output.contains("secret-in-manifest") || output.contains("is written in the manifest"),
            "{output}"
        );
        assert!(!output.contains("s3cr3t"), "{output}");
    }
    let (_, _, stderr) = validate(&dir, &[]);
    assert!(
        stderr.contains("6 |       clientSecret: <redacted>"),
        "{stderr}"
    );
}

/// A secret under any key that looks like one, in any manifest file, is an error pointing to
/// references, and its value is never printed: neither by its own error nor as a context line
/// of another error's snippet.
#[test]
fn secret_looking_keys_anywhere_fail_validation_without_being_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "orgs:\n  prod:\n    region: us-east-1\n    credentials:\n      clientId: { env: PROD_ID }\n      clientSecret: { env: PROD_SECRET }\n    include: [base]\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("base")).unwrap();
    // The duplicate skill's snippet spans the lines between its two declarations.
    std::fs::write(
        dir.path().join("base/routing.yaml"),
        "skills:\n  - name: Billing\n    apiKey: ak-live-7f3a\n  - name: Billing\nusers:\n  - email: jane@acme.example\n    name: Jane\n    password: \"hunter2 hunter2\"\n    state: activ\n",
    )
    .unwrap();
    for (code, output) in every_output(dir.path()) {
        assert_eq!(code, 1, "{output}");
        assert!(!output.contains("ak-live"), "{output}");
        assert!(!output.contains("hunter2"), "{output}");
    }
    let (_, _, stderr) = validate(dir.path(), &[]);
    insta::assert_snapshot!(stderr, @r#"
    error: `apiKey` in `skill` looks like a secret, and manifests hold no secrets
     --> base/routing.yaml:3:5
      |
    3 |     apiKey: <redacted>
      |     ^^^^^^ secrets must not be in git
      |
      = hint: remove it: roster reads no secret from manifests; an org's credentials are given by reference, `clientSecret: { env: VARIABLE_NAME }` or `clientSecret: { file: PATH }`

    error: `password` in `user` looks like a secret, and manifests hold no secrets
     --> base/routing.yaml:8:5
      |
    8 |     password: <redacted>
      |     ^^^^^^^^ secrets must not be in git
      |
      = hint: remove it: roster reads no secret from manifests; an org's credentials are given by reference, `clientSecret: { env: VARIABLE_NAME }` or `clientSecret: { file: PATH }`

    error: `activ` is not a valid value for `state`
     --> base/routing.yaml:9:12
      |
    9 |     state: activ
      |            ^^^^^ not a valid value
      |
      = hint: did you mean `active`? `state` is one of `active`, `inactive`

    error: skill `Billing` is declared twice
     --> base/routing.yaml:4:11
      |
    2 |   - name: Billing
      |           ------- first declared here
    3 |     apiKey: <redacted>
    4 |   - name: Billing
      |           ^^^^^^^ declared again here
      |
      = hint: keep one declaration of the skill (names are unique per org: org `prod`)

    validated 1 org, 1 user in 2 files: 4 errors, 0 warnings
    "#);
}

#[test]
fn a_sandbox_without_a_seed_is_an_empty_emulated_org() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "orgs:\n  demo:\n    sandbox: {}\n",
    )
    .unwrap();
    let validate = crate::support::run(crate::support::roster().arg("validate").arg(dir.path()));
    assert_eq!(validate.code, 0, "{}{}", validate.stdout, validate.stderr);
    let plan = crate::support::run(crate::support::roster().arg("plan").arg(dir.path()));
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("demo: no changes"), "{}", plan.stdout);
}

#[test]
fn an_empty_resource_file_is_a_warning_shown_before_what_follows_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "roster.yaml",
        "orgs:\n  demo:\n    sandbox: {}\n    include: [teams.yaml, users.yaml]\n",
    );
    write("teams.yaml", "# the teams, one day\n");
    write(
        "users.yaml",
        "users:\n  - email: a@b.example\n    name: A\n    team: Tier 1\n",
    );
    let validate = crate::support::run(crate::support::roster().arg("validate").arg(dir.path()));
    assert_eq!(validate.code, 1, "{}{}", validate.stdout, validate.stderr);
    let output = format!("{}{}", validate.stdout, validate.stderr);
    let empty = output
        .find("warning: this file declares nothing")
        .expect(&output);
    let unknown = output.find("error: unknown team `Tier 1`").expect(&output);
    assert!(empty < unknown, "the empty file comes first: {output}");
    assert!(output.contains("--> teams.yaml:1:1"), "{output}");
}

/// A role the org lacks is reported at the routing profile line that names it (once, not
/// per user), with the org's closest spelling and a hint to create it in the org, never to
/// declare it (issue #13). The org is `sandbox: {}`, whose built-in roles include
/// `Supervisor`.
#[test]
fn a_role_typo_is_reported_at_the_profile_line_with_the_orgs_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "roster.yaml",
        "orgs:\n  demo:\n    sandbox: {}\n    include: [profiles.yaml, users.yaml]\n",
    );
    write(
        "profiles.yaml",
        "routingProfiles:\n  - name: Leads\n    roles:\n      - role: Supervsior\n",
    );
    write(
        "users.yaml",
        "users:\n  - email: ann@acme.example\n    name: Ann\n    routingProfile: Leads\n  - email: bob@acme.example\n    name: Bob\n    routingProfile: Leads\n",
    );
    let validate = crate::support::run(crate::support::roster().arg("validate").arg(dir.path()));
    assert_eq!(validate.code, 0, "{}{}", validate.stdout, validate.stderr);
    let plan = crate::support::run(crate::support::roster().arg("plan").arg(dir.path()));
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    assert_eq!(plan.stdout, "");
    insta::assert_snapshot!(plan.stderr);
}
