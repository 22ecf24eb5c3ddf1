//! What `roster export --split-users-by none` writes, `validate` reads: one file of 100,000
//! users loads, on the fast path and on serde-saphyr's (which an anchor anywhere selects).

use std::fmt::Write as _;

use roster_manifest::load_workspace;

const USERS: usize = 100_000;

/// A workspace whose users are all in one file, written as export writes them.
fn workspace(anchor: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("roster.yaml"),
        "orgs:\n  big:\n    region: us-east-1\n    credentials:\n      clientId: { env: ID }\n      clientSecret: { env: SECRET }\n    include: [base, users.yaml]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::write(
        root.join("base/routing.yaml"),
        "skills:\n  - name: Billing\nlanguages:\n  - name: Spanish\nqueues:\n  - name: Billing\n    division: Home\nteams:\n  - name: Tier 1\n",
    )
    .unwrap();
    let mut text = String::from("users:\n");
    for i in 0..USERS {
        write!(
            text,
            "- email: agent{i}@acme.example\n  name: Agent {i}\n  title: Agent\n  division: Home\n  team: Tier 1\n  skills:\n    Billing: 3\n  languages:\n    Spanish: 2\n  queues:\n  - Billing\n"
        )
        .unwrap();
    }
    if anchor {
        // Anchors are for serde-saphyr alone: the whole file goes its way.
        text = text.replacen("  title: Agent\n", "  title: &title Agent\n", 1);
    }
    std::fs::write(root.join("users.yaml"), text).unwrap();
    dir
}

#[test]
fn one_file_of_a_hundred_thousand_users_loads_on_either_parser_path() {
    for anchor in [false, true] {
        let dir = workspace(anchor);
        let loaded = load_workspace(dir.path());
        let errors: Vec<_> = loaded.diagnostics.iter().take(3).collect();
        assert_eq!(loaded.error_count(), 0, "anchor: {anchor}: {errors:?}");
        let workspace = loaded.workspace.unwrap();
        assert_eq!(
            workspace.orgs["big"].desired.users.len(),
            USERS,
            "anchor: {anchor}"
        );
    }
}
