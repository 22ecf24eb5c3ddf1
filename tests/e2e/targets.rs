//! `plan --target KIND:KEY` on `examples/acme`'s demo org: a partial plan of one new hire and
//! what she needs, marked as partial, refused for a misspelt target with the closest
//! spelling, and applied from its saved file without touching anyone else.

use crate::support::Workspace;

const EXAMPLE: &str = "examples/acme";
/// A new hire in the README's differences (#10): created, then given a team, skills, queues.
const ZAINAB: &str = "zainab.hussain@acme.example";

fn changed_keys(plan: &serde_json::Value) -> Vec<String> {
    plan["orgs"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| change["action"] != "unmanaged")
        .map(|change| change["key"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_targeted_plan_holds_one_user_and_what_she_needs_and_applies_only_that() {
    let workspace = Workspace::copy(EXAMPLE);
    let target = format!("user:{ZAINAB}");
    let whole = workspace.roster("plan", &["--org", "demo", "--format", "json"]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let whole: serde_json::Value = serde_json::from_str(&whole.stdout).unwrap();

    let text = workspace.roster("plan", &["--org", "demo", "--target", &target]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains(&format!(
            "targeted: partial plan, limited to user `{ZAINAB}` and their dependencies"
        )),
        "{}",
        text.stdout
    );

    let saved = workspace.roster(
        "plan",
        &[
            "--org",
            "demo",
            "--target",
            &target,
            "--format",
            "json",
            "--out",
            "zainab.json",
        ],
    );
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let partial: serde_json::Value = serde_json::from_str(&saved.stdout).unwrap();
    let org = &partial["orgs"][0];
    assert_eq!(
        org["targets"],
        serde_json::json!([{ "kind": "user", "key": ZAINAB }])
    );
    let steps = org["steps"].as_array().unwrap();
    let all_steps = whole["orgs"][0]["steps"].as_array().unwrap();
    assert!(!steps.is_empty() && steps.len() < all_steps.len());
    // Her own changes, and the objects her steps wait for; no other user's.
    assert_eq!(
        changed_keys(&partial),
        ["Billing", "Billing Tier 1", ZAINAB],
        "{}",
        saved.stdout
    );

    let applied = workspace.roster("apply", &["--plan", "zainab.json"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let after = workspace.roster("plan", &["--org", "demo", "--format", "json"]);
    assert_eq!(after.code, 0, "{}", after.stderr);
    let after: serde_json::Value = serde_json::from_str(&after.stdout).unwrap();
    let left = changed_keys(&after);
    assert!(!left.contains(&ZAINAB.to_owned()), "she is done: {left:?}");
    assert!(
        left.iter().any(|key| key.contains('@')),
        "the other users were not applied: {left:?}"
    );
}

#[test]
fn a_misspelt_target_is_a_usage_error_naming_the_closest_spelling() {
    let workspace = Workspace::copy(EXAMPLE);
    let typo = workspace.roster(
        "plan",
        &[
            "--org",
            "demo",
            "--target",
            "user:zainab.husain@acme.example",
        ],
    );
    assert_eq!(typo.code, 64, "{}", typo.stderr);
    assert!(
        typo.stderr
            .contains(&format!("did you mean `user:{ZAINAB}`?")),
        "{}",
        typo.stderr
    );

    let kind = workspace.roster("plan", &["--org", "demo", "--target", "queu:Billing"]);
    assert_eq!(kind.code, 64, "{}", kind.stderr);
    insta::assert_snapshot!(kind.stderr, @r"
    error: --target: `queu` is not a kind roster plans
    hint: did you mean `queue`? a target is `KIND:KEY`, KIND one of `division`, `role`, `managementUnit`, `skill`, `language`, `wrapupCode`, `queue`, `team`, `user`
    ");
}
