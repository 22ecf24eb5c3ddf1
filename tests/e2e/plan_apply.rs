//! `roster plan` and `roster apply` on `tests/fixtures/workspaces/full`, which has every kind
//! and relationship roster manages, on both connection paths: the embedded sandbox (`local`)
//! and a sandbox in this process reached over HTTP with credentials (`remote`), whose
//! request log shows what the binary really sent. Also: saved plans, the destruction limits
//! and usage errors.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{
    External, Needs, REMOTE, Workspace, assert_no_duplicates, licence_inferences, org_view,
    read_budget, repo_path, request_lines, roster, run,
};

const FULL: &str = "tests/fixtures/workspaces/full";
const PRUNE: &str = "tests/fixtures/workspaces/prune";

/// What the full fixture's manifests ask the snapshot to read.
const FULL_NEEDS: Needs<'static> = Needs {
    queues: &["Billing", "Chat", "VIP"],
    wrapup_queues: &["Billing", "Chat", "VIP"],
    grants: true,
    utilization: &[
        "jane.doe@full.example",
        "nina.new@full.example",
        "lead.new@full.example",
        "returner@full.example",
    ],
    // A user is declared inactive, so the units are read for it to leave its own.
    wfm: true,
    // Users manage `roles`, so the plan shows its licence impact.
    licences: true,
};

fn full_seed() -> String {
    std::fs::read_to_string(repo_path(FULL).join("sandbox/seed.yaml")).unwrap()
}

/// The full fixture pointed at a fresh external sandbox seeded like the `local` org.
fn remote_full() -> (Workspace, External) {
    let sandbox = External::start(&full_seed());
    let mut workspace = Workspace::copy(FULL);
    workspace.connect(&sandbox);
    (workspace, sandbox)
}

fn json_plan(run: &crate::support::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|err| panic!("{err}: {}", run.stdout))
}

#[test]
fn every_kind_converges_on_the_embedded_sandbox() {
    let workspace = Workspace::copy(FULL);
    let before = workspace.roster("plan", &["--org", "local", "--detailed-exitcode"]);
    assert_eq!(before.code, 2, "{}", before.stderr);
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("full_plan", before.stdout));

    let apply = workspace.roster("apply", &["--org", "local", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    assert_eq!(
        apply.stdout, before.stdout,
        "apply shows the plan it applies"
    );

    let after = workspace.roster("plan", &["--org", "local", "--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
    insta::assert_snapshot!(after.stdout, @r"
    local: no changes, 4 unmanaged reported; 37 reads

    unmanaged (in the org, in no manifest; left alone):
    ? skill `Old Skill`
    ? wrap-up code `Unused Code`
    ? user `admin@full.example`
    ? user `outsider@full.example`
    ");

    let state = workspace.sandbox_state("local");
    assert_no_duplicates(&state);
    // Checked by eye against org/*.yaml and base/*.yaml: this is what the manifests say.
    insta::assert_json_snapshot!("full_org_after_apply", org_view(&state, &[]));
}

#[test]
fn the_http_path_reads_within_budget_and_converges_to_the_same_org() {
    let (workspace, sandbox) = remote_full();
    let seeded = sandbox.state();
    let plan = workspace.roster("plan", &["--org", REMOTE, "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan = json_plan(&plan);

    let requests = sandbox.requests();
    // The licence inference is a read sent as a POST, the only one.
    let infer = "POST /api/v2/license/infer";
    assert!(
        request_lines(&requests)
            .iter()
            .all(|r| r.starts_with("GET ") || r.contains("/oauth/token") || r == infer),
        "a plan only reads: {:?}",
        request_lines(&requests)
    );
    let per_user_gets: Vec<&str> = requests
        .iter()
        .filter(|r| r.route == "/api/v2/users/{userId}")
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(
        per_user_gets,
        Vec::<&str>::new(),
        "users come from the paged list"
    );
    let budget = read_budget(&seeded, &FULL_NEEDS);
    // One inference per distinct role set of the users whose roles change, after the read.
    let inferences = licence_inferences(&seeded, &plan["orgs"][0]["steps"]);
    let counts = sandbox.counts();
    assert_eq!(
        counts.get(infer).copied().unwrap_or_default(),
        inferences,
        "{counts:#?}"
    );
    // The token request is counted but not in the request log.
    assert_eq!(
        counts.values().sum::<u64>(),
        budget + inferences,
        "{counts:#?}"
    );
    // A plan's reads are its snapshot's and its licence inferences'.
    assert_eq!(plan["orgs"][0]["cost"]["reads"], json!(budget + inferences));

    sandbox.reset();
    let apply = workspace.roster("apply", &["--org", REMOTE, "--yes", "--concurrency", "1"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    // The apply reads the org as the plan did (concurrently, in any order; the token request
    // is not logged), asks the same licence inferences, then writes one operation at a time,
    // in plan order.
    let log = sandbox.requests();
    let (reads, rest) = log.split_at(budget as usize - 1);
    assert!(
        reads.iter().all(|r| r.method == "GET"),
        "{:?}",
        request_lines(reads)
    );
    let (inferred, writes) = rest.split_at(inferences as usize);
    assert_eq!(
        request_lines(inferred),
        vec![infer; inferences as usize],
        "{:?}",
        request_lines(rest)
    );
    insta::assert_debug_snapshot!("full_apply_writes", request_lines(writes));
    assert_eq!(
        plan["orgs"][0]["cost"]["writes"],
        json!(writes.len()),
        "the plan's estimate of writes is exact when nothing fails"
    );

    // Skills and languages are added or updated in one bulk request per user, never one per
    // skill (removals are one DELETE each: the API has no bulk removal of languages).
    let mut bulk: BTreeMap<&str, usize> = BTreeMap::new();
    for r in writes {
        if r.route.ends_with("/bulk") && r.route.starts_with("/api/v2/users/") {
            *bulk.entry(r.path.as_str()).or_default() += 1;
        }
        let per_item = r.route.ends_with("/routingskills/{skillId}")
            || r.route.ends_with("/routinglanguages/{languageId}");
        assert!(!per_item || r.method == "DELETE", "{r:?}");
    }
    assert_eq!(
        bulk.len(),
        8,
        "skills of 4 users, languages of 4: {bulk:#?}"
    );
    assert!(bulk.values().all(|n| *n == 1), "{bulk:#?}");

    let after = workspace.roster("plan", &["--org", REMOTE, "--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);

    // Both paths end in the same org.
    let local = Workspace::copy(FULL);
    let local_apply = local.roster("apply", &["--org", "local", "--yes"]);
    assert_eq!(local_apply.code, 0, "{}", local_apply.stderr);
    let state = sandbox.state();
    assert_no_duplicates(&state);
    assert_eq!(
        org_view(&state, &[]),
        org_view(&local.sandbox_state("local"), &[])
    );
}

#[test]
fn queue_members_are_added_in_batches_of_100_and_skills_in_one_request_per_user() {
    const USERS: usize = 150;
    let emails: Vec<String> = (0..USERS)
        .map(|i| format!("agent{i:03}@bulk.example"))
        .collect();
    let seed_users = emails
        .iter()
        .map(|e| format!("  - {{ email: {e}, name: Agent {e}, division: Contact Center }}\n"))
        .collect::<Vec<_>>()
        .concat();
    let sandbox = External::start(&format!(
        "divisions: [Contact Center]\nskills: [Billing, Refunds]\nqueues: [{{ name: Big, division: Contact Center }}]\nusers:\n{seed_users}"
    ));
    let manifest_users: String = emails
        .iter()
        .map(|e| {
            format!("  - {{ email: {e}, name: Agent {e}, queues: [Big], skills: {{ Billing: 3, Refunds: 2 }} }}\n")
        })
        .collect::<Vec<_>>()
        .concat();
    let mut workspace = Workspace::empty();
    workspace.write(
        "roster.yaml",
        &format!(
            "orgs:\n  {REMOTE}:\n    apiBase: {}\n    credentials: {{ clientId: {{ env: E2E_CLIENT_ID }}, clientSecret: {{ env: E2E_CLIENT_SECRET }} }}\n    include: [org.yaml]\n    rateLimit: {{ requestsPerMinute: 6000 }}\n",
            crate::support::API_BASE_PLACEHOLDER
        ),
    );
    workspace.write(
        "org.yaml",
        &format!(
            "skills: [{{ name: Billing }}, {{ name: Refunds }}]\nqueues: [{{ name: Big, division: Contact Center }}]\nusers:\n{manifest_users}"
        ),
    );
    workspace.connect(&sandbox);

    let seeded = sandbox.state();
    let plan = workspace.roster("plan", &["--org", REMOTE, "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    let needs = Needs {
        queues: &["Big"],
        wrapup_queues: &[],
        grants: false,
        utilization: &[],
        wfm: false,
        licences: false,
    };
    assert_eq!(
        sandbox.counts().values().sum::<u64>(),
        read_budget(&seeded, &needs),
        "{:#?}",
        sandbox.counts()
    );
    assert!(
        plan.stdout
            .starts_with(&format!("{REMOTE}: 0 to create, {} to update", USERS + 1))
    );

    sandbox.reset();
    let apply = workspace.roster("apply", &["--org", REMOTE, "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let counts = sandbox.counts();
    let writes: BTreeMap<&String, &u64> = counts
        .iter()
        .filter(|(route, _)| !route.starts_with("GET ") && !route.contains("oauth"))
        .collect();
    insta::assert_debug_snapshot!(writes, @r#"
    {
        "PATCH /api/v2/users/{userId}/routingskills/bulk": 150,
        "POST /api/v2/routing/queues/{queueId}/members": 2,
    }
    "#);
    let state = sandbox.state();
    assert_no_duplicates(&state);
    let view = org_view(&state, &[]);
    assert_eq!(
        view["queues"]["Big"]["members"].as_array().unwrap().len(),
        USERS
    );

    let after = workspace.roster("plan", &["--org", REMOTE, "--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
}

#[test]
fn a_saved_plan_applies_to_an_untouched_org_without_asking() {
    let (workspace, sandbox) = remote_full();
    let plan = workspace.roster("plan", &["--org", REMOTE, "--out", "plan.json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    // A hint to copy: the workspace the plan was made in, then the file.
    workspace.settings().bind(|| {
        insta::assert_snapshot!(plan.stderr, @"saved the plan to `plan.json`; apply it with `roster apply [workspace] --plan plan.json`");
    });

    // A change to an object the plan does not touch does not make it stale.
    let admin = user_by_email(&sandbox, "admin@full.example");
    patch_title(&sandbox, &admin, "Chief Admin");

    let apply = workspace.roster("apply", &["--plan", "plan.json"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let again = workspace.roster("plan", &["--org", REMOTE, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_no_duplicates(&sandbox.state());
}

#[test]
fn a_saved_plan_is_refused_when_an_object_it_touches_changed() {
    let (workspace, sandbox) = remote_full();
    let plan = workspace.roster("plan", &["--org", REMOTE, "--out", "plan.json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);

    let jane = user_by_email(&sandbox, "jane.doe@full.example");
    patch_title(&sandbox, &jane, "Changed Behind Roster's Back");
    sandbox.api(
        Method::PUT,
        &format!("/api/v2/routing/queues/{}", queue_id(&sandbox, "Billing")),
        Some(json!({ "name": "Billing", "description": "edited in the admin UI" })),
    );
    let before = sandbox.state();
    sandbox.reset();

    let apply = workspace.roster("apply", &["--plan", "plan.json", "--yes"]);
    assert_eq!(apply.code, 4, "{}{}", apply.stdout, apply.stderr);
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("stale_plan_stderr", apply.stderr));
    let requests = sandbox.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" || r.route == "/oauth/token"),
        "nothing is written: {:?}",
        request_lines(&requests)
    );
    assert_eq!(sandbox.state(), before);
}

fn user_by_email(sandbox: &External, email: &str) -> Value {
    let state = sandbox.state();
    let id = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email)
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .unwrap();
    sandbox.api(Method::GET, &format!("/api/v2/users/{id}"), None)
}

fn queue_id(sandbox: &External, name: &str) -> String {
    sandbox.state()["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .unwrap()
}

fn patch_title(sandbox: &External, user: &Value, title: &str) {
    sandbox.api(
        Method::PATCH,
        &format!("/api/v2/users/{}", user["id"].as_str().unwrap()),
        Some(json!({ "title": title, "version": user["version"] })),
    );
}

#[test]
fn a_plan_over_the_limits_applies_only_with_its_digest() {
    let workspace = Workspace::copy(PRUNE);
    let plan = workspace.roster("plan", &["--format", "json"]);
    assert_eq!(plan.code, 3, "{}", plan.stderr);
    let plan = json_plan(&plan);
    let digest = plan["orgs"][0]["digest"].as_str().unwrap().to_owned();
    insta::assert_json_snapshot!(plan["orgs"][0]["blocked"], @r#"
    {
      "kinds": [
        {
          "kind": "user",
          "count": 6,
          "live": 9,
          "names": [
            "c1@prune.example",
            "c2@prune.example",
            "c3@prune.example",
            "c4@prune.example",
            "c5@prune.example",
            "c6@prune.example"
          ]
        }
      ],
      "maxDeletes": 3,
      "maxDeletePercent": 100
    }
    "#);

    let text = workspace.roster("plan", &[]);
    assert_eq!(text.code, 3);
    assert!(
        text.stdout
            .contains(&format!("--allow-destructive {digest}")),
        "the text plan prints the digest: {}",
        text.stdout
    );
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("blocked_plan", text.stdout));

    let refused = workspace.roster("apply", &["--yes"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("blocked_apply_stderr", refused.stderr));

    let wrong = "0".repeat(64);
    let refused = workspace.roster("apply", &["--yes", "--allow-destructive", &wrong]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    let users = |workspace: &Workspace| {
        org_view(&workspace.sandbox_state("demo"), &[])["users"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(email, u)| format!("{email}: {}", u["state"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };
    assert!(users(&workspace).iter().all(|u| u.ends_with(": active")));

    let allowed = workspace.roster("apply", &["--yes", "--allow-destructive", &digest]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    insta::assert_debug_snapshot!(users(&workspace), @r#"
    [
        "admin@prune.example: active",
        "c1@prune.example: inactive",
        "c2@prune.example: inactive",
        "c3@prune.example: inactive",
        "c4@prune.example: inactive",
        "c5@prune.example: inactive",
        "c6@prune.example: inactive",
        "home@prune.example: active",
        "kept@prune.example: active",
    ]
    "#);
    let after = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
}

#[test]
fn usage_errors_exit_64() {
    let workspace = Workspace::copy(FULL);
    let unknown_flag = workspace.roster("plan", &["--org", "local", "--frobnicate"]);
    assert_eq!(unknown_flag.code, 64, "{}", unknown_flag.stderr);

    let unknown_org = workspace.roster("plan", &["--org", "nowhere"]);
    assert_eq!(unknown_org.code, 64, "{}", unknown_org.stderr);
    insta::assert_snapshot!(unknown_org.stderr, @r"
    error: no org `nowhere` in `roster.yaml`
    hint: known orgs: local, remote
    ");

    // Asked for JSON, the failure is a JSON document on stdout too.
    let as_json = workspace.roster("plan", &["--org", "nowhere", "--format", "json"]);
    assert_eq!(as_json.code, 64, "{}", as_json.stderr);
    let document: serde_json::Value = serde_json::from_str(&as_json.stdout).unwrap();
    assert_eq!(
        document,
        serde_json::json!({
            "exitCode": 64,
            "errors": [{
                "org": null,
                "message": "no org `nowhere` in `roster.yaml`",
                "details": [],
                "causes": [],
                "hint": "known orgs: local, remote",
            }],
        })
    );

    let unknown_apply_org = workspace.roster("apply", &["--org", "nowhere", "--yes"]);
    assert_eq!(unknown_apply_org.code, 64, "{}", unknown_apply_org.stderr);

    // Not on a terminal (stdin is not one here) and no `--yes`: refused before the org is
    // read, with a hint that repeats the folder and the orgs.
    let no_yes = workspace.roster("apply", &["--org", "local"]);
    assert_eq!(no_yes.code, 64, "{}", no_yes.stderr);
    assert!(
        no_yes.stdout.is_empty(),
        "no plan was read: {}",
        no_yes.stdout
    );
    workspace.settings().bind(|| {
        insta::assert_snapshot!(no_yes.stderr, @r"
        error: `roster apply` needs `--yes` when not run on a terminal
        hint: review the plan with `roster plan [workspace] --org local`, then run `roster apply [workspace] --org local --yes`, or save it with `roster plan [workspace] --org local --out plan.json` and apply that with `roster apply [workspace] --org local --plan plan.json`
        ");
    });
    assert!(
        !workspace.root().join(".roster/sandbox/local.json").exists(),
        "the org was not even connected to"
    );

    let bad_email = run(roster()
        .args(["plan", "--reactivate", "not-an-email"])
        .arg(workspace.root()));
    assert_eq!(bad_email.code, 64, "{}", bad_email.stderr);
}

#[test]
fn a_new_user_declaring_roles_without_employee_converges() {
    let workspace = Workspace::empty();
    workspace.write(
        "roster.yaml",
        "orgs:\n  demo:\n    sandbox: { seed: seed.yaml }\n    include: [org.yaml]\n    rateLimit: { requestsPerMinute: 6000 }\n",
    );
    workspace.write("seed.yaml", "divisions: [Contact Center]\n");
    workspace.write(
        "org.yaml",
        "users:\n  - email: lead@new.example\n    name: Lead\n    roles: [{ role: Supervisor, divisions: [Contact Center] }]\n",
    );
    let apply = workspace.roster("apply", &["--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let plan = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);
}

/// `Café` held by the org in NFD (`Cafe` + combining acute) is the manifests' NFC `Café`:
/// one skill, one queue, nothing to plan, nothing reported as unmanaged (issue #12).
#[test]
fn a_name_in_another_unicode_normalization_is_the_same_name() {
    let workspace = Workspace::empty();
    workspace.write(
        "roster.yaml",
        "orgs:\n  demo:\n    sandbox: { seed: seed.yaml }\n    include: [org.yaml]\n    rateLimit: { requestsPerMinute: 6000 }\n",
    );
    // YAML escapes keep the two spellings visible: \u0301 is the combining acute accent.
    workspace.write(
        "seed.yaml",
        "skills: [\"Cafe\\u0301\"]\nqueues: [{ name: \"Cafe\\u0301 Orders\" }]\n",
    );
    workspace.write(
        "org.yaml",
        "skills: [{ name: \"Caf\\u00e9\" }]\nqueues: [{ name: \"Caf\\u00e9 Orders\" }]\n",
    );
    let plan = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.starts_with("demo: no changes;"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("unmanaged"), "{}", plan.stdout);
}
