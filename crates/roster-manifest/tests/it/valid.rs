//! A valid workspace compiles to the expected desired state per org.

use roster_manifest::{Target, load_workspace};

use crate::fixtures;

#[test]
fn small_workspace_compiles_profiles_into_users() {
    let root = fixtures().join("valid/small");
    let loaded = load_workspace(&root);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.expect("no errors");
    assert_eq!(workspace.files, 7);
    let prod = &workspace.orgs["prod-us"];
    assert_eq!(prod.target, Target::Region("us-east-1".into()));
    assert_eq!(prod.rate_limit.requests_per_minute, 600);
    assert_eq!(
        prod.credentials
            .as_ref()
            .and_then(|c| c.client_secret.env()),
        Some("ROSTER_PROD_US_CLIENT_SECRET")
    );
    let demo = &workspace.orgs["demo"];
    match &demo.target {
        Target::Sandbox { seed: Some(seed) } => {
            assert!(seed.is_absolute() && seed.ends_with("sandbox/demo.yaml"));
        }
        other => panic!("demo should be a sandbox, not {other:?}"),
    }
    assert_eq!(demo.credentials, None);
    insta::assert_json_snapshot!("prod-us", prod.desired);
    insta::assert_json_snapshot!("demo-policy", demo.desired.policy);
}

#[test]
fn the_acme_example_validates() {
    let root = fixtures().join("../../../examples/acme");
    let loaded = load_workspace(&root);
    let rendered: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| d.render(&loaded.sources, false))
        .collect();
    assert!(loaded.workspace.is_some(), "{}", rendered.join("\n"));
}

/// `sandbox: {}` is an empty emulated org (issue #13): no seed, no credentials needed, no
/// diagnostic, and nothing declared.
#[test]
fn a_sandbox_without_a_seed_loads_as_an_empty_org() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "orgs:\n  demo:\n    sandbox: {}\n",
    )
    .unwrap();
    let loaded = load_workspace(dir.path());
    let rendered: String = loaded
        .diagnostics
        .iter()
        .map(|d| d.render(&loaded.sources, false))
        .collect();
    insta::assert_snapshot!(rendered, @"");
    let workspace = loaded.workspace.expect("no errors");
    let demo = &workspace.orgs["demo"];
    assert_eq!(demo.target, Target::Sandbox { seed: None });
    assert_eq!(demo.credentials, None);
    assert!(demo.desired.users.is_empty() && demo.desired.skills.is_empty());
}

/// `read: { skip: [utilization] }` at the top applies to every org; an org's own `read`
/// replaces it. A skipping org's users manage no utilization (nothing to read per user).
#[test]
fn read_skip_leaves_utilization_unmanaged_where_it_applies() {
    let dir = tempfile::tempdir().unwrap();
    let acme = fixtures().join("../../../examples/acme");
    let roster = std::fs::read_to_string(acme.join("roster.yaml"))
        .unwrap()
        .replace(
            "    include: [base, orgs/demo]\n",
            "    include: [base, orgs/demo]\n    read: { skip: [] }\n",
        )
        .replace(
            "policy:\n  # Live",
            "read: { skip: [utilization] }\npolicy:\n  # Live",
        );
    copy(&acme, dir.path());
    std::fs::write(dir.path().join("roster.yaml"), roster).unwrap();
    let loaded = load_workspace(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.unwrap();
    let managed = |org: &str| {
        workspace.orgs[org]
            .desired
            .users
            .values()
            .filter(|user| user.utilization.is_some())
            .count()
    };
    assert!(workspace.orgs["prod-us"].skip_utilization);
    assert_eq!(managed("prod-us"), 0);
    assert!(!workspace.orgs["demo"].skip_utilization);
    assert!(
        managed("demo") > 0,
        "the org's `read` replaces the top-level one"
    );
}

fn copy(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
