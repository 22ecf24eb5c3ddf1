//! The user lifecycle end to end (DESIGN §2.5–2.6) on `tests/fixtures/offboard`, with the
//! embedded sandbox refusing to deactivate a user still in a queue (`strictDeactivation`):
//! plan-driven offboarding and its order, runs stopped after each step, reactivation only
//! when asked, `roster offboard` (one-line manifest edit, idempotence, journal record,
//! unknown and protected users), and the destruction limits on pruned users.

use serde_json::Value;

use crate::support::{Run, Workspace, org_view, roster, run, settings};

const WORKSPACE: &str = "tests/fixtures/offboard/workspace";
const PRUNE: &str = "tests/fixtures/offboard/prune";
const ORG: &str = "demo";
const STRICT: &str = r#"{"strictDeactivation":true}"#;
const LEAVER: &str = "leaver@off.example";
const QUITTER: &str = "quitter@off.example";
const RETURNER: &str = "returner@off.example";
const AGENTS: &str = "people/agents.yaml";

/// `roster SUBCOMMAND WORKSPACE ARGS...` with strict deactivation on.
fn strict(workspace: &Workspace, subcommand: &str, args: &[&str]) -> Run {
    let mut command = workspace.command(subcommand, args);
    command.env("ROSTER_SANDBOX_FAULTS", STRICT);
    run(&mut command)
}

/// `roster offboard ARGS... --org demo --dir WORKSPACE` with strict deactivation on.
fn offboard(workspace: &Workspace, args: &[&str]) -> Run {
    let mut command = roster();
    command
        .current_dir(workspace.root())
        .arg("offboard")
        .args(args)
        .args(["--yes", "--org", ORG, "--dir"])
        .arg(workspace.root())
        .env("ROSTER_SANDBOX_FAULTS", STRICT);
    run(&mut command)
}

/// Each journal line as `kind` plus, for operations, `op target`; without the intent before
/// each operation and the run's checkpoint (the trust tests check those).
fn journal_lines(workspace: &Workspace) -> Vec<String> {
    let text = std::fs::read_to_string(workspace.journal(ORG)).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line["kind"] != "intent" && line["kind"] != "checkpoint")
        .map(|line| {
            let kind = line["kind"].as_str().unwrap();
            match kind {
                "operation" => format!(
                    "{} {} `{}`: {}",
                    line["operation"]["op"].as_str().unwrap(),
                    line["target"]["kind"].as_str().unwrap(),
                    line["target"]["key"].as_str().unwrap(),
                    line["outcome"]["status"].as_str().unwrap()
                ),
                "assignmentSnapshot" | "offboardingStarted" => {
                    format!("{kind} {}", line["data"]["user"].as_str().unwrap())
                }
                other => other.to_owned(),
            }
        })
        .collect()
}

/// The org's groups as `name: members, queues, grants` by natural key, to show that
/// inherited memberships and grants are left alone.
fn groups(state: &Value) -> Vec<String> {
    let names = |kind: &str, key: &str| -> std::collections::BTreeMap<String, String> {
        state[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["id"].as_str().unwrap().to_owned(),
                    o[key].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let users = names("users", "email");
    let roles = names("roles", "name");
    let divisions = names("divisions", "name");
    state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            let id = &group["id"];
            let members: Vec<&str> = group["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| users[m.as_str().unwrap()].as_str())
                .collect();
            let queues: Vec<&str> = state["queues"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|q| q["memberGroups"].as_array().unwrap().contains(id))
                .map(|q| q["name"].as_str().unwrap())
                .collect();
            let grants: Vec<String> = group["grants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    format!(
                        "{} in {}",
                        roles[g["roleId"].as_str().unwrap()],
                        divisions[g["divisionId"].as_str().unwrap()]
                    )
                })
                .collect();
            format!(
                "{}: members {members:?}, queues {queues:?}, grants {grants:?}",
                group["name"].as_str().unwrap()
            )
        })
        .collect()
}

const GROUPS_BEFORE: &str = r#"Sales Floor: members ["leaver@off.example", "quitter@off.example"], queues ["Support"], grants ["Supervisor in Contact Center"]"#;

#[test]
fn a_user_declared_inactive_loses_everything_in_order_and_keeps_inherited_access() {
    let workspace = Workspace::copy(WORKSPACE);
    let applied = strict(&workspace, "apply", &["--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);

    let state = workspace.sandbox_state(ORG);
    insta::assert_json_snapshot!(org_view(&state, &[LEAVER])["users"], @r#"
    {
      "leaver@off.example": {
        "name": "Lee Ver",
        "state": "inactive",
        "title": null,
        "department": null,
        "division": "Contact Center",
        "manager": "jane@off.example",
        "team": null,
        "acdAutoAnswer": false,
        "skills": {},
        "languages": {},
        "roles": [],
        "queues": [],
        "utilization": null
      }
    }
    "#);
    assert_eq!(
        groups(&state),
        [GROUPS_BEFORE],
        "inherited access is untouched"
    );
    // The snapshot comes first, then the sequence, each link after the previous.
    insta::assert_debug_snapshot!(journal_lines(&workspace), @r#"
    [
        "assignmentSnapshot leaver@off.example",
        "runStarted",
        "removeQueueMembers queue `Billing`: succeeded",
        "revokeRoles user `leaver@off.example`: succeeded",
        "removeUserSkills user `leaver@off.example`: succeeded",
        "removeUserLanguages user `leaver@off.example`: succeeded",
        "removeTeamMembers team `Tier 1`: succeeded",
        "revokeTokens user `leaver@off.example`: succeeded",
        "setUserState user `leaver@off.example`: succeeded",
        "runFinished",
    ]
    "#);

    let again = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
}

#[test]
fn the_assignment_snapshot_of_a_plan_driven_offboarding_is_shown_for_the_user() {
    let workspace = Workspace::copy(WORKSPACE);
    let applied = strict(&workspace, "apply", &["--yes"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let journal = workspace.journal(ORG);
    let shown = run(roster()
        .args(["journal", "show"])
        .arg(&journal)
        .args(["--user", LEAVER]));
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let snapshot_line = shown.stdout.lines().next().unwrap();
    settings().bind(|| insta::assert_snapshot!(snapshot_line, @r#"[time]      #1  assignmentSnapshot {"user":"leaver@off.example","id":"[uuid]","name":"Lee Ver","state":"active","division":"Contact Center","manager":"jane@off.example","title":null,"department":null,"team":"Tier 1","skills":{"Billing":4},"languages":{"Spanish":2},"queues":[{"queue":"Billing","origin":"direct"},{"queue":"Support","origin":"group","group":"Sales Floor"}],"queuesComplete":true,"grants":[{"role":"Agent","division":"Contact Center","origin":"direct"},{"role":"Employee","division":"Home","origin":"direct"},{"role":"Supervisor","division":"Contact Center","origin":"group","group":"Sales Floor"}],"utilization":null,"acdAutoAnswer":false,"managementUnit":"none"}"#));
}

#[test]
fn a_run_stopped_after_each_step_completes_on_the_next() {
    let expected = {
        let workspace = Workspace::copy(WORKSPACE);
        assert_eq!(strict(&workspace, "apply", &["--yes"]).code, 0);
        org_view(&workspace.sandbox_state(ORG), &[])
    };
    let plan = Workspace::copy(WORKSPACE).roster("plan", &["--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let steps = plan["orgs"][0]["steps"].as_array().unwrap().len();
    assert_eq!(steps, 7, "the fixture's plan is the leaver's sequence");
    for stop in 1..steps {
        let workspace = Workspace::copy(WORKSPACE);
        let stopped = strict(
            &workspace,
            "apply",
            &["--yes", "--abort-after", &stop.to_string()],
        );
        assert_ne!(stopped.code, 64, "{}", stopped.stderr);
        let rest = strict(&workspace, "apply", &["--yes"]);
        assert_eq!(rest.code, 0, "after stopping at {stop}: {}", rest.stderr);
        let after = workspace.roster("plan", &["--detailed-exitcode"]);
        assert_eq!(after.code, 0, "after stopping at {stop}: {}", after.stdout);
        assert_eq!(
            org_view(&workspace.sandbox_state(ORG), &[]),
            expected,
            "after stopping at {stop}"
        );
    }
}

#[test]
fn an_inactive_user_is_reactivated_only_when_the_manifest_says_so() {
    let workspace = Workspace::copy(WORKSPACE);
    let plan = workspace.roster("plan", &[]);
    assert!(
        plan.stdout.contains(&format!(
            "warning: user `{RETURNER}`: inactive in the org but `state: active` in the manifests; left inactive"
        )),
        "{}",
        plan.stdout
    );
    assert_eq!(strict(&workspace, "apply", &["--yes"]).code, 0);
    let view =
        |w: &Workspace| org_view(&w.sandbox_state(ORG), &[RETURNER])["users"][RETURNER].clone();
    let untouched = view(&workspace);
    assert_eq!(untouched["state"], "inactive");
    assert_eq!(untouched["skills"], serde_json::json!({}));
    assert_eq!(untouched["queues"], serde_json::json!([]));

    let agents = workspace.read(AGENTS);
    workspace.write(
        AGENTS,
        &agents.replace(
            "    name: Ray Turner\n",
            "    name: Ray Turner\n    reactivate: true\n",
        ),
    );
    let applied = strict(&workspace, "apply", &["--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    // The org removed the user's roles when it went inactive, and its manifest declares none:
    // it comes back without them.
    insta::assert_json_snapshot!(view(&workspace), @r#"
    {
      "name": "Ray Turner",
      "state": "active",
      "title": null,
      "department": null,
      "division": "Contact Center",
      "manager": null,
      "team": "Tier 1",
      "acdAutoAnswer": false,
      "skills": {
        "Sales": 5.0
      },
      "languages": {},
      "roles": [],
      "queues": [
        "Sales"
      ],
      "utilization": null
    }
    "#);
}

/// `view` without `email`: its user entry and its place in queue and team member lists.
fn without(mut view: Value, email: &str) -> Value {
    view["users"].as_object_mut().unwrap().remove(email);
    for kind in ["queues", "teams"] {
        for object in view[kind].as_object_mut().unwrap().values_mut() {
            object["members"]
                .as_array_mut()
                .unwrap()
                .retain(|m| m != email);
        }
    }
    view
}

#[test]
fn offboard_strips_one_user_now_and_edits_one_line_of_its_manifest() {
    let workspace = Workspace::copy(WORKSPACE);
    // Read the org once so its state file exists to compare with.
    assert_eq!(workspace.roster("plan", &[]).code, 0);
    let before = org_view(&workspace.sandbox_state(ORG), &[]);
    let manifest_before = workspace.read(AGENTS);

    let first = offboard(
        &workspace,
        &[
            QUITTER,
            "--reason",
            "resigned, effective today",
            "--event-id",
            "HR-4711",
        ],
    );
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("offboard_output", first.stdout));

    let manifest_after = workspace.read(AGENTS);
    let added: Vec<&str> = manifest_after
        .lines()
        .filter(|line| !manifest_before.lines().any(|l| l == *line))
        .collect();
    assert_eq!(added, ["    state: inactive"]);
    assert_eq!(
        manifest_after.lines().count(),
        manifest_before.lines().count() + 1
    );
    insta::assert_snapshot!("offboard_manifest", manifest_after);

    let after = org_view(&workspace.sandbox_state(ORG), &[]);
    assert_eq!(
        without(after.clone(), QUITTER),
        without(before, QUITTER),
        "nothing but the quitter changed"
    );
    insta::assert_json_snapshot!("quitter_offboarded", after["users"][QUITTER]);
    assert_eq!(
        groups(&workspace.sandbox_state(ORG)),
        [GROUPS_BEFORE],
        "inherited access is untouched"
    );

    let shown = run(roster()
        .args(["journal", "show"])
        .arg(workspace.journal(ORG))
        .args(["--user", QUITTER]));
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let mut lines = shown.stdout.lines();
    let record = lines.next().unwrap();
    settings().bind(|| insta::assert_snapshot!("offboard_journal_record", record));
    // The operations after it, without times and numbers; the two queue removals are
    // independent (either may finish first), every later link waits for the one before.
    let mut operations: Vec<&str> = lines
        .filter(|line| !line.ends_with(": starting"))
        .map(|line| {
            line.split_once("  step #")
                .unwrap()
                .1
                .split_once(' ')
                .unwrap()
                .1
        })
        .map(|line| line.split(" (correlation id").next().unwrap())
        .collect();
    operations[..2].sort_unstable();
    insta::assert_debug_snapshot!(operations, @r#"
    [
        "removeQueueMembers queue `Billing`: succeeded",
        "removeQueueMembers queue `Sales`: succeeded",
        "revokeRoles user `quitter@off.example`: succeeded",
        "removeUserSkills user `quitter@off.example`: succeeded",
        "removeUserLanguages user `quitter@off.example`: succeeded",
        "removeTeamMembers team `Tier 1`: succeeded",
        "revokeTokens user `quitter@off.example`: succeeded",
        "setUserState user `quitter@off.example`: succeeded",
    ]
    "#);

    // Idempotent: nothing left to do, nothing written.
    let journal_len = std::fs::read_to_string(workspace.journal(ORG))
        .unwrap()
        .len();
    let second = offboard(
        &workspace,
        &[QUITTER, "--reason", "resigned, effective today"],
    );
    assert_eq!(second.code, 0, "{}", second.stderr);
    insta::assert_snapshot!(second.stderr, @r"
    quitter@off.example is already inactive in `demo`
    quitter@off.example is already `state: inactive` in `people/agents.yaml`
    ");
    assert_eq!(workspace.read(AGENTS), manifest_after);
    assert_eq!(
        std::fs::read_to_string(workspace.journal(ORG))
            .unwrap()
            .len(),
        journal_len
    );
    assert_eq!(org_view(&workspace.sandbox_state(ORG), &[]), after);
}

#[test]
fn offboard_without_edit_and_of_an_undeclared_user() {
    let workspace = Workspace::copy(WORKSPACE);
    let manifests = workspace.read(AGENTS);
    let done = offboard(
        &workspace,
        &[
            "other1@off.example",
            QUITTER,
            "--reason",
            "audit",
            "--no-edit",
        ],
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(workspace.read(AGENTS), manifests, "--no-edit edits nothing");
    let users = org_view(&workspace.sandbox_state(ORG), &[])["users"].clone();
    assert_eq!(users["other1@off.example"]["state"], "inactive");
    assert_eq!(users[QUITTER]["state"], "inactive");
    assert_eq!(users["other2@off.example"]["state"], "active");

    // The undeclared user has no line to edit; the declared one is edited now.
    let edit = offboard(
        &workspace,
        &["other1@off.example", QUITTER, "--reason", "audit"],
    );
    assert_eq!(edit.code, 0, "{}", edit.stderr);
    insta::assert_snapshot!(edit.stderr, @r"
    other1@off.example is already inactive in `demo`
    quitter@off.example is already inactive in `demo`
    other1@off.example is not declared in the manifests of `demo`; nothing to edit
    ");
    assert!(
        workspace
            .read(AGENTS)
            .contains("  - email: quitter@off.example   # resigned today\n    state: inactive\n")
    );
}

#[test]
fn offboard_refuses_unknown_and_protected_users_before_changing_anything() {
    let workspace = Workspace::copy(WORKSPACE);
    let unknown = offboard(&workspace, &["quiter@off.example", "--reason", "typo"]);
    assert_eq!(unknown.code, 1);
    insta::assert_snapshot!(unknown.stderr, @r"
    error: org `demo`: no user with this email in the org; nothing was changed:
      quiter@off.example: did you mean `quitter@off.example`?
    hint: check the spelling; emails are matched exactly (ignoring case)
    ");
    let protected = offboard(
        &workspace,
        &[QUITTER, "admin@off.example", "--reason", "oops"],
    );
    assert_eq!(protected.code, 1);
    insta::assert_snapshot!(protected.stderr, @r"
    error: org `demo`: protected users are never offboarded; nothing was changed:
      admin@off.example: protected by the `policy.protect` rule `{ user: admin@off.example }`
    hint: remove the rule from `policy.protect` first if the user must really go
    ");
    assert!(!workspace.journal(ORG).exists(), "nothing was journaled");
    assert_eq!(
        org_view(&workspace.sandbox_state(ORG), &[QUITTER])["users"][QUITTER]["state"],
        "active"
    );
}

#[test]
fn pruning_thirty_percent_of_a_division_is_blocked_and_names_the_users() {
    let workspace = Workspace::copy(PRUNE);
    let plan = workspace.roster("plan", &[]);
    assert_eq!(plan.code, 3, "{}{}", plan.stdout, plan.stderr);
    settings().bind(|| {
        insta::assert_snapshot!(plan.stdout, @r"
        demo: 0 to create, 0 to update, 0 to delete, 3 to deactivate; 9 writes, under a minute at 6000/min; 24 reads

        - deactivate user `hal@field.example`
            state: active → inactive
            - role `Employee in Home`
            tokens: any → revoked
            note: not in any manifest; pruned by `policy.unmanaged.users`
        - deactivate user `ivy@field.example`
            state: active → inactive
            - role `Employee in Home`
            tokens: any → revoked
            note: not in any manifest; pruned by `policy.unmanaged.users`
        - deactivate user `jo@field.example`
            state: active → inactive
            - role `Employee in Home`
            tokens: any → revoked
            note: not in any manifest; pruned by `policy.unmanaged.users`

        error: blocked by `policy.limits` (maxDeletes 25, maxDeletePercent 10%):
          3 users of 10 would be deactivated: `hal@field.example`, `ivy@field.example`, `jo@field.example`
        hint: review the changes above, then acknowledge this exact plan with `roster apply --org demo --allow-destructive [digest]`
        ");
    });
    let apply = workspace.roster("apply", &["--yes"]);
    assert_eq!(apply.code, 3, "{}", apply.stderr);
    // A digest that is not this plan's (stale, mistyped) is named as wrong, not ignored.
    let wrong = workspace.roster("apply", &["--yes", "--allow-destructive", "0123abcd"]);
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("(the digest given, `0123abcd`, is not this plan's: the plan changed, or it was mistyped)"),
        "{}",
        wrong.stderr
    );
    let users = org_view(&workspace.sandbox_state(ORG), &[])["users"].clone();
    assert!(
        users
            .as_object()
            .unwrap()
            .values()
            .all(|u| u["state"] == "active"),
        "nobody was deactivated"
    );
}

#[test]
fn offboarding_more_users_than_the_limits_allow_needs_the_digest() {
    let workspace = Workspace::copy(WORKSPACE);
    // Four of the six active users is over the fixture's `maxDeletePercent: 50`.
    let users = [
        "jane@off.example",
        QUITTER,
        "other1@off.example",
        "other2@off.example",
    ];
    let args = |extra: &[&'static str]| -> Vec<&str> {
        let mut args: Vec<&str> = users.to_vec();
        args.extend(["--reason", "site closed", "--no-edit"]);
        args.extend(extra);
        args
    };
    let blocked = offboard(&workspace, &args(&[]));
    assert_eq!(blocked.code, 3, "{}{}", blocked.stdout, blocked.stderr);
    assert!(!workspace.journal(ORG).exists(), "nothing was journaled");
    settings().bind(|| {
        insta::assert_snapshot!(blocked.stderr, @r"
        error: org `demo`: offboarding these users deactivates more than `policy.limits` allows; nothing was changed
        hint: if this is intended, run again with --allow-destructive [digest]
        ");
        let named = blocked.stdout.split("error: blocked").nth(1).unwrap();
        insta::assert_snapshot!(named, @r"
         by `policy.limits` (maxDeletes 25, maxDeletePercent 50%):
          4 users of 6 would be deactivated: `jane@off.example`, `other1@off.example`, `other2@off.example`, `quitter@off.example`
        hint: review the users above, then run the same `roster offboard` command again with `--allow-destructive [digest]`
        ");
    });
    let digest = blocked
        .stderr
        .split("--allow-destructive ")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    let mut with_digest = args(&[]);
    with_digest.extend(["--allow-destructive", digest.as_str()]);
    let done = offboard(&workspace, &with_digest);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let view = org_view(&workspace.sandbox_state(ORG), &[]);
    for user in users {
        assert_eq!(view["users"][user]["state"], "inactive", "{user}");
    }
}

#[test]
fn the_request_log_of_a_remote_org_shows_the_sequence_in_order() {
    let seed =
        std::fs::read_to_string(crate::support::repo_path(WORKSPACE).join("sandbox/seed.yaml"))
            .unwrap();
    let sandbox = crate::support::External::start(&seed);
    sandbox.faults(&roster_sandbox::FaultUpdate {
        strict_deactivation: Some(true),
        ..roster_sandbox::FaultUpdate::default()
    });
    let mut workspace = Workspace::copy(WORKSPACE);
    workspace.write(
        "roster.yaml",
        &format!(
            "orgs:\n  {}:\n    apiBase: {}\n    credentials:\n      clientId: {{ env: E2E_CLIENT_ID }}\n      clientSecret: {{ env: E2E_CLIENT_SECRET }}\n    include: [people]\n    rateLimit: {{ requestsPerMinute: 6000 }}\npolicy:\n  limits: {{ maxDeletes: 25, maxDeletePercent: 50 }}\n",
            crate::support::REMOTE,
            crate::support::API_BASE_PLACEHOLDER
        ),
    );
    workspace.connect(&sandbox);
    sandbox.reset();
    let applied = workspace.roster("apply", &["--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    // The writes, in the order the org received them, after the plan's licence inference (a
    // read sent as a POST: the leaver's roles change).
    let writes: Vec<String> = crate::support::request_lines(&sandbox.requests())
        .into_iter()
        .filter(|line| !line.starts_with("GET ") && !line.contains("/oauth/token"))
        .collect();
    insta::assert_debug_snapshot!(writes, @r#"
    [
        "POST /api/v2/license/infer",
        "POST /api/v2/routing/queues/{queueId}/members",
        "POST /api/v2/authorization/subjects/{subjectId}/bulkremove",
        "DELETE /api/v2/users/{userId}/routingskills/{skillId}",
        "DELETE /api/v2/users/{userId}/routinglanguages/{languageId}",
        "DELETE /api/v2/teams/{teamId}/members",
        "DELETE /api/v2/tokens/{userId}",
        "PATCH /api/v2/users/{userId}",
    ]
    "#);
}

#[test]
fn pruned_users_applied_with_the_digest_get_an_assignment_snapshot_each() {
    let workspace = Workspace::copy(PRUNE);
    let plan = workspace.roster("plan", &["--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let digest = plan["orgs"][0]["digest"].as_str().unwrap().to_owned();
    let applied = workspace.roster("apply", &["--yes", "--allow-destructive", &digest]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let mut lines = journal_lines(&workspace);
    // The three users' offboardings are independent of each other, so their lines interleave
    // in any order: sort the run's operations (each user's own order is asserted by the
    // strict test above).
    let started = lines.iter().position(|l| l == "runStarted").unwrap() + 1;
    let finished = lines.iter().position(|l| l == "runFinished").unwrap();
    lines[started..finished].sort_unstable();
    insta::assert_debug_snapshot!(lines, @r#"
    [
        "assignmentSnapshot hal@field.example",
        "assignmentSnapshot ivy@field.example",
        "assignmentSnapshot jo@field.example",
        "runStarted",
        "revokeRoles user `hal@field.example`: succeeded",
        "revokeRoles user `ivy@field.example`: succeeded",
        "revokeRoles user `jo@field.example`: succeeded",
        "revokeTokens user `hal@field.example`: succeeded",
        "revokeTokens user `ivy@field.example`: succeeded",
        "revokeTokens user `jo@field.example`: succeeded",
        "setUserState user `hal@field.example`: succeeded",
        "setUserState user `ivy@field.example`: succeeded",
        "setUserState user `jo@field.example`: succeeded",
        "runFinished",
    ]
    "#);
}

#[test]
fn pruned_users_lose_their_direct_grants() {
    let workspace = Workspace::copy(PRUNE);
    let plan = workspace.roster("plan", &["--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    let digest = plan["orgs"][0]["digest"].as_str().unwrap().to_owned();
    let applied = workspace.roster("apply", &["--yes", "--allow-destructive", &digest]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let users = org_view(&workspace.sandbox_state(ORG), &[])["users"].clone();
    for email in ["hal@field.example", "ivy@field.example", "jo@field.example"] {
        assert_eq!(users[email]["state"], "inactive");
        assert_eq!(users[email]["roles"], serde_json::json!([]), "{email}");
    }
}

#[test]
fn a_user_declared_inactive_leaves_unmanaged_queues_too() {
    let workspace = Workspace::copy(WORKSPACE);
    let seed = workspace.read("sandbox/seed.yaml");
    workspace.write(
        "sandbox/seed.yaml",
        &seed.replace(
            "  - { name: Support, division: Contact Center }",
            "  - { name: Support, division: Contact Center, members: [leaver@off.example] }",
        ),
    );
    let applied = strict(&workspace, "apply", &["--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let leaver = org_view(&workspace.sandbox_state(ORG), &[LEAVER])["users"][LEAVER].clone();
    assert_eq!(leaver["state"], "inactive");
    assert_eq!(leaver["queues"], serde_json::json!([]));
}

/// A journal's lines without what differs between two runs (times, hashes, ids, durations,
/// correlation ids, sequence numbers), in order, except that each stretch of consecutive
/// operation records is sorted: independent steps may finish in either order.
fn comparable_journal(workspace: &Workspace) -> Vec<Value> {
    fn scrub(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in [
                    "time",
                    "hash",
                    "prev",
                    "seq",
                    "run",
                    "id",
                    "durationMs",
                    "correlationId",
                    "elapsedMs",
                    "gitCommit",
                    "head",
                ] {
                    map.remove(key);
                }
                map.values_mut().for_each(scrub);
            }
            Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(workspace.journal(ORG)).unwrap();
    let mut lines: Vec<Value> = text
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            scrub(&mut value);
            value
        })
        .collect();
    for stretch in lines.chunk_by_mut(|a, b| a["kind"] == "operation" && b["kind"] == "operation") {
        stretch.sort_by_key(std::string::ToString::to_string);
    }
    lines
}

#[test]
fn an_offboarding_driven_through_the_service_journals_what_the_cli_journals() {
    let by_cli = Workspace::copy(WORKSPACE);
    let cli = offboard(
        &by_cli,
        &[QUITTER, "--reason", "terminated", "--event-id", "HR-1"],
    );
    assert_eq!(cli.code, 0, "{}", cli.stderr);

    // A second caller, as the server will be: the service alone, no CLI.
    let by_service = Workspace::copy(WORKSPACE);
    let loaded = roster_manifest::load_workspace(by_service.root());
    let workspace = loaded.workspace.expect("the fixture loads");
    let request = roster_service::offboard::OffboardRequest {
        emails: vec![roster_model::Email::parse(QUITTER).unwrap()],
        reason: "terminated".into(),
        event_id: Some("HR-1".into()),
        ..Default::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (report, _) = runtime
        .block_on(roster_service::offboard::offboard(
            &workspace,
            &workspace.orgs[ORG],
            request,
            true,
            &roster_service::silent(),
        ))
        .unwrap();
    assert!(report.is_success());

    let journal = comparable_journal(&by_service);
    assert!(journal.len() > 5, "{journal:#?}");
    assert_eq!(journal, comparable_journal(&by_cli));
    assert_eq!(by_service.read(AGENTS), by_cli.read(AGENTS));
}

#[test]
fn reactivate_names_a_user_the_plan_reactivates_or_is_refused() {
    let workspace = Workspace::copy(WORKSPACE);
    // An active user, and a typo: neither is reactivated by any plan, so both are reported.
    let refused = workspace.roster(
        "plan",
        &[
            "--reactivate",
            "jane@off.example",
            "--reactivate",
            "retuner@off.example",
        ],
    );
    assert_eq!(refused.code, 64, "{}", refused.stderr);
    insta::assert_snapshot!(refused.stderr, @r"
    error: `--reactivate` names users that no plan reactivates: `jane@off.example`, `retuner@off.example`
    hint: only a user inactive in the org whose manifest says `state: active` can be reactivated; check the email and `--org`
    ");
    let applied = workspace.roster("apply", &["--yes", "--reactivate", "retuner@off.example"]);
    assert_eq!(applied.code, 64, "{}", applied.stderr);
    assert_eq!(
        org_view(&workspace.sandbox_state(ORG), &[RETURNER])["users"][RETURNER]["state"],
        "inactive",
        "nothing was applied"
    );

    let applied = workspace.roster("apply", &["--yes", "--reactivate", RETURNER]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(
        org_view(&workspace.sandbox_state(ORG), &[RETURNER])["users"][RETURNER]["state"],
        "active"
    );
}

#[test]
fn offboard_off_a_terminal_needs_yes_and_reads_nothing_without_it() {
    let workspace = Workspace::copy(WORKSPACE);
    let mut command = roster();
    command.current_dir(workspace.root()).args([
        "offboard",
        QUITTER,
        "--org",
        ORG,
        "--reason",
        "left today",
    ]);
    let refused = run(&mut command);
    assert_eq!(refused.code, 64, "{}", refused.stderr);
    assert!(
        refused.stdout.is_empty(),
        "no plan was read: {}",
        refused.stdout
    );
    insta::assert_snapshot!(refused.stderr, @r"
    error: `roster offboard` needs `--yes` when not run on a terminal
    hint: once sure, run `roster offboard quitter@off.example --org demo --reason 'left today' --yes`
    ");
    assert!(!workspace.journal(ORG).exists(), "nothing was journaled");
    assert!(
        !workspace.root().join(".roster/sandbox/demo.json").exists(),
        "the org was not even connected to"
    );
}

#[test]
fn in_github_actions_plan_warnings_are_annotations_at_the_users_line() {
    let workspace = Workspace::copy(WORKSPACE);
    let root = workspace.root();
    let checkout = root.parent().unwrap();
    let folder = root.file_name().unwrap().to_str().unwrap();
    let plan = run(roster()
        .current_dir(checkout)
        .arg("plan")
        .arg(root)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", checkout));
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let annotation = plan
        .stderr
        .lines()
        .find(|line| line.starts_with("::warning "))
        .unwrap_or_else(|| panic!("no annotation: {}", plan.stderr));
    assert_eq!(
        annotation,
        format!(
            "::warning file={folder}/{AGENTS},line=25,col=12,title=roster plan-warning::org `demo`: user `{RETURNER}`: inactive in the org but `state: active` in the manifests; left inactive: add `reactivate: true` to the user (or pass `--reactivate` with its email) to reactivate it"
        )
    );
    assert!(
        !plan.stdout.contains("::warning"),
        "the plan on stdout stays clean"
    );
}
