//! Direct numbers, management units, licences and readiness (issue #17) end to end: the
//! bundled example against a sandbox reached over HTTP, so the request log shows what the org
//! received.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::support::{External, REMOTE, Workspace, request_lines};

const IVR: &str = "+13175550100";
const LOBBY_PHONE: &str = "+13175550101";

/// The example's sandbox seed.
fn example_seed() -> String {
    std::fs::read_to_string(crate::support::repo_path("examples/acme/sandbox/demo.yaml")).unwrap()
}

/// The example with its `demo` org served by an [`External`] sandbox seeded like the
/// embedded one, as the org `remote`.
fn example() -> (Workspace, External) {
    example_seeded(&example_seed())
}

/// [`example`], its sandbox seeded with `seed`.
fn example_seeded(seed: &str) -> (Workspace, External) {
    let sandbox = External::start(seed);
    let mut workspace = Workspace::copy("examples/acme");
    let roster = workspace.read("roster.yaml");
    let embedded = "  demo:\n    sandbox: { seed: sandbox/demo.yaml }\n";
    assert!(
        roster.contains(embedded),
        "the example's demo org is embedded"
    );
    workspace.write(
        "roster.yaml",
        &roster.replace(
            embedded,
            &format!(
                "  {REMOTE}:\n    apiBase: {}\n    credentials:\n      clientId: {{ env: E2E_CLIENT_ID }}\n      clientSecret: {{ env: E2E_CLIENT_SECRET }}\n    rateLimit: {{ requestsPerMinute: 6000 }}\n",
                crate::support::API_BASE_PLACEHOLDER
            ),
        ),
    );
    workspace.connect(&sandbox);
    (workspace, sandbox)
}

fn run(workspace: &Workspace, command: &str, args: &[&str]) -> crate::support::Run {
    let mut all = vec!["--org", REMOTE];
    all.extend_from_slice(args);
    workspace.roster(command, &all)
}

fn apply(workspace: &Workspace) {
    let applied = run(workspace, "apply", &["--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
}

fn assert_replans_to_zero(workspace: &Workspace) {
    let plan = run(workspace, "plan", &["--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
}

/// Each user's (work number, extension) in the org, by email.
fn phones(state: &Value) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let entry = |user: &Value, kind: &str, field: &str| {
        user["addresses"].as_array().and_then(|all| {
            all.iter()
                .find(|a| a["mediaType"] == "PHONE" && a["type"] == kind)
                .and_then(|a| a[field].as_str().map(str::to_owned))
        })
    };
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["state"] != "deleted")
        .map(|u| {
            (
                u["email"].as_str().unwrap().to_owned(),
                (entry(u, "WORK", "address"), entry(u, "WORK2", "extension")),
            )
        })
        .collect()
}

/// Each management unit's members, by email.
fn units(state: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let emails: BTreeMap<&str, &str> = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap(), u["email"].as_str().unwrap()))
        .collect();
    state["wfm"]["managementUnits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| {
            let members = unit["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| emails[id.as_str().unwrap()].to_owned())
                .collect();
            (unit["name"].as_str().unwrap().to_owned(), members)
        })
        .collect()
}

fn unit_of(state: &Value, email: &str) -> Option<String> {
    units(state)
        .into_iter()
        .find(|(_, members)| members.contains(email))
        .map(|(unit, _)| unit)
}

#[test]
fn the_example_with_numbers_and_units_applies_and_replans_to_zero_within_the_read_budget() {
    let (workspace, sandbox) = example();
    let plan = run(&workspace, "plan", &[]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    // Reading numbers, pools and units: the pools one listing each, the Indianapolis pool's
    // free numbers once, the units one member listing each, and no request per user.
    let counts = sandbox.counts();
    for (route, expected) in [
        ("GET /api/v2/telephony/providers/edges/didpools", 1),
        ("GET /api/v2/telephony/providers/edges/extensionpools", 1),
        ("GET /api/v2/telephony/providers/edges/didpools/dids", 1),
        ("GET /api/v2/workforcemanagement/managementunits", 1),
        (
            "GET /api/v2/workforcemanagement/managementunits/{managementUnitId}/users",
            3,
        ),
    ] {
        assert_eq!(
            counts.get(route).copied(),
            Some(expected),
            "{route}: {counts:#?}"
        );
    }
    assert!(
        !counts.contains_key("GET /api/v2/users/{userId}"),
        "numbers come with the paged user list: {counts:#?}"
    );
    assert!(
        plan.stdout.contains(
            "note: number +13175550103 is the lowest free number of DID pool `Indianapolis`"
        ),
        "{}",
        plan.stdout
    );

    apply(&workspace);
    assert_replans_to_zero(&workspace);
    let state = sandbox.state();
    let phones = phones(&state);
    // Tier 1 took distinct numbers from the pool, around the IVR's and the lobby phone's.
    let tier1: Vec<&String> = phones
        .values()
        .filter_map(|(number, _)| number.as_ref())
        .filter(|n| n.starts_with("+131755501") && n.as_str() < "+13175550150")
        .collect();
    let distinct: BTreeSet<&&String> = tier1.iter().collect();
    assert_eq!(tier1.len(), 15, "{phones:#?}");
    assert_eq!(distinct.len(), 15);
    assert!(!tier1.iter().any(|n| *n == IVR || *n == LOBBY_PHONE));
    assert_eq!(
        phones["aisha.bello@acme.example"].0.as_deref(),
        Some("+13175550102"),
        "a number already in the pool is kept"
    );
    assert_eq!(
        phones["chloe.dubois@acme.example"],
        (Some("+13175550154".into()), Some("4154".into()))
    );
    let units = units(&state);
    assert!(units["Billing MU"].contains("carlos.mendoza@acme.example"));
    assert!(units["Billing MU"].contains("ngozi.eze@acme.example"));
    assert!(
        !units
            .values()
            .any(|m| m.contains("liam.obrien@acme.example")),
        "the leaver left their unit"
    );
}

#[test]
fn ten_new_users_from_a_pool_get_ten_distinct_numbers_and_replan_to_zero() {
    let (workspace, sandbox) = example();
    let mut users = String::from("users:\n");
    for i in 0..10 {
        let _ = write!(
            users,
            "  - email: new.hire{i}@acme.example\n    name: New Hire {i}\n    division: Contact Center\n    phone: {{ pool: Chicago }}\n    wfm: {{ managementUnit: Support MU }}\n"
        );
    }
    workspace.write("orgs/demo/users/new-hires.yaml", &users);
    apply(&workspace);
    assert_replans_to_zero(&workspace);
    let state = sandbox.state();
    let phones = phones(&state);
    let numbers: BTreeSet<String> = (0..10)
        .map(|i| {
            phones[&format!("new.hire{i}@acme.example")]
                .0
                .clone()
                .expect("a number")
        })
        .collect();
    assert_eq!(numbers.len(), 10, "{numbers:?}");
    assert!(
        numbers.iter().all(|n| n.starts_with("+131255501")),
        "{numbers:?}"
    );
    assert_eq!(
        numbers.iter().next().map(String::as_str),
        Some("+13125550100"),
        "the lowest free numbers first"
    );
    for i in 0..10 {
        assert_eq!(
            unit_of(&state, &format!("new.hire{i}@acme.example")).as_deref(),
            Some("Support MU")
        );
    }
}

#[test]
fn offboarding_frees_the_number_leaves_the_unit_and_revokes_tokens_after_the_roles_and_reactivation_restores_them()
 {
    let (workspace, sandbox) = example();
    apply(&workspace);
    let leaver = "aisha.bello@acme.example";
    let file = "orgs/demo/users/billing.yaml";
    let manifest = workspace.read(file);
    let declared = "  - email: aisha.bello@acme.example\n    name: Aisha Bello\n";
    assert!(manifest.contains(declared));
    workspace.write(
        file,
        &manifest.replace(declared, &format!("{declared}    state: inactive\n")),
    );
    sandbox.reset();
    apply(&workspace);
    // The writes, in the order the org received them (licence inference is a POST that
    // reads: the plan's licence impact of the roles the leaver loses).
    let writes: Vec<String> = request_lines(&sandbox.requests())
        .into_iter()
        .filter(|line| {
            !line.starts_with("GET ")
                && !line.contains("/oauth/token")
                && !line.contains("/license/infer")
        })
        .collect();
    insta::assert_debug_snapshot!(writes, @r#"
    [
        "POST /api/v2/routing/queues/{queueId}/members",
        "POST /api/v2/authorization/subjects/{subjectId}/bulkremove",
        "DELETE /api/v2/users/{userId}/routingskills/{skillId}",
        "DELETE /api/v2/users/{userId}/routingskills/{skillId}",
        "DELETE /api/v2/users/{userId}/routingskills/{skillId}",
        "DELETE /api/v2/users/{userId}/routinglanguages/{languageId}",
        "DELETE /api/v2/teams/{teamId}/members",
        "PATCH /api/v2/users/{userId}",
        "DELETE /api/v2/users/{userId}/station/associatedstation",
        "POST /api/v2/workforcemanagement/agents",
        "DELETE /api/v2/tokens/{userId}",
        "PATCH /api/v2/users/{userId}",
    ]
    "#);
    let state = sandbox.state();
    assert_eq!(phones(&state)[leaver], (None, None));
    assert_eq!(unit_of(&state, leaver), None);
    let id = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == leaver)
        .unwrap()["id"]
        .clone();
    let revoked: Vec<&Value> = state["revocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["userId"] == id)
        .collect();
    assert_eq!(revoked.len(), 1, "{:#?}", state["revocations"]);
    // The journal's snapshot holds the number, the station and the unit, to restore them.
    let journal = std::fs::read_to_string(workspace.journal(REMOTE)).unwrap();
    let snapshot = journal
        .lines()
        .find(|l| l.contains("assignmentSnapshot") && l.contains(leaver))
        .expect("an assignment snapshot");
    for held in ["+13175550102", "Billing MU", "station"] {
        assert!(snapshot.contains(held), "{held} missing from {snapshot}");
    }

    // An explicit reactivation restores the declared unit and, from the pool, the number she
    // held (the journal's snapshot says which), although a new hire planned in the same
    // change comes first in email order and would otherwise take the lowest free number.
    workspace.write(
        file,
        &manifest.replace(declared, &format!("{declared}    reactivate: true\n")),
    );
    workspace.write(
        "orgs/demo/users/new-hire.yaml",
        "users:\n  - email: aaron.new@acme.example\n    name: Aaron New\n    phone: { pool: Indianapolis }\n",
    );
    let plan = run(&workspace, "plan", &[]);
    assert!(
        plan.stdout.contains(
            "note: number +13175550102 of DID pool `Indianapolis` is the one the user held before"
        ),
        "{}",
        plan.stdout
    );
    apply(&workspace);
    assert_replans_to_zero(&workspace);
    let state = sandbox.state();
    let phones = phones(&state);
    assert_eq!(phones[leaver].0.as_deref(), Some("+13175550102"));
    assert_ne!(
        phones["aaron.new@acme.example"].0.as_deref(),
        Some("+13175550102")
    );
    assert_eq!(unit_of(&state, leaver).as_deref(), Some("Billing MU"));
}

#[test]
fn a_move_the_unit_refuses_fails_those_users_with_the_servers_reason_and_the_rest_move() {
    let seed = example_seed();
    let limited = seed.replace(
        "      - name: Billing MU\n",
        "      - name: Billing MU\n        agentLimit: 12\n",
    );
    assert_ne!(seed, limited);
    let (workspace, sandbox) = example_seeded(&limited);
    let applied = run(&workspace, "apply", &["--yes"]);
    assert_eq!(applied.code, 1, "{}{}", applied.stdout, applied.stderr);
    let output = format!("{}{}", applied.stdout, applied.stderr);
    assert!(
        output.contains("DestinationManagementUnitAgentLimitExceeded")
            && output.contains("not moved to management unit `Billing MU`"),
        "{output}"
    );
    let units = units(&sandbox.state());
    assert_eq!(
        units["Billing MU"].len(),
        12,
        "the unit filled to its limit"
    );
    // The refused users are what the next plan still moves, each with the server's reason.
    let plan = run(&workspace, "plan", &[]);
    let moving = plan
        .stdout
        .matches("managementUnit: (none) → \"Billing MU\"")
        .count();
    assert!(moving > 0, "{}", plan.stdout);
}

#[test]
fn roster_check_reports_the_uncovered_queue_and_exits_2() {
    let (workspace, _sandbox) = example();
    let check = run(&workspace, "check", &["--format", "json"]);
    assert_eq!(check.code, 2, "{}{}", check.stdout, check.stderr);
    let report: Value = serde_json::from_str(&check.stdout).unwrap();
    let findings = report["orgs"][0]["findings"].as_array().unwrap();
    let uncovered: BTreeSet<(&str, &str)> = findings
        .iter()
        .filter(|f| f["kind"] == "uncoveredQueue")
        .map(|f| (f["user"].as_str().unwrap(), f["queue"].as_str().unwrap()))
        .collect();
    assert!(
        uncovered.contains(&("nikolai.petrov@acme.example", "Billing Escalations")),
        "{findings:#?}"
    );
    assert!(
        !uncovered.iter().any(|(_, queue)| *queue == "Billing"),
        "Billing is covered by a planning group"
    );
    let text = run(&workspace, "check", &[]);
    assert_eq!(text.code, 2);
    assert!(
        text.stdout.contains(
            "serves queue `Billing Escalations` for call, which no planning group of business unit `Contact Center BU` covers"
        ),
        "{}",
        text.stdout
    );
}

#[test]
fn a_role_change_shows_its_licence_impact_in_text_markdown_and_json() {
    let (workspace, sandbox) = example();
    apply(&workspace);
    let file = "base/profiles.yaml";
    let profiles = workspace.read(file);
    // Billing Tier 1 agents become supervisors.
    let agent = "  - name: Billing Agent\n";
    let start = profiles.find(agent).unwrap();
    let grant = "      - { role: Agent, divisions: [Contact Center] }\n";
    let at = start + profiles[start..].find(grant).unwrap() + grant.len();
    let mut changed = profiles.clone();
    changed.insert_str(
        at,
        "      - { role: Supervisor, divisions: [Contact Center] }\n",
    );
    workspace.write(file, &changed);
    sandbox.reset();

    let agents: usize = ["billing", "operations", "retention", "tech-support"]
        .iter()
        .map(|f| {
            workspace
                .read(&format!("orgs/demo/users/{f}.yaml"))
                .matches("routingProfile: Billing Agent\n")
                .count()
        })
        .sum();
    assert_eq!(agents, 15);
    let text = run(&workspace, "plan", &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains(&format!(
            "licences: adds {agents} × CX 3 (licences follow roles; roster assigns none)"
        )),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("    aisha.bello@acme.example: CX 2 → CX 2, CX 3")
    );
    // One inference per distinct set of roles, not per user.
    assert_eq!(
        sandbox.counts().get("POST /api/v2/license/infer").copied(),
        Some(2),
        "{:#?}",
        sandbox.counts()
    );
    let markdown = run(&workspace, "plan", &["--format", "markdown"]);
    assert!(
        markdown.stdout.contains("licences: adds 15 × CX 3"),
        "{}",
        markdown.stdout
    );
    let json = run(&workspace, "plan", &["--format", "json"]);
    let plan: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(plan["orgs"][0]["licences"]["adds"]["CX 3"], 15);

    // Over `licenceIncrease` the plan is blocked like a destructive one.
    let roster = workspace.read("roster.yaml");
    workspace.write(
        "roster.yaml",
        &roster.replace(
            "  limits: { maxDeletes: 25, maxDeletePercent: 10 }",
            "  limits: { maxDeletes: 25, maxDeletePercent: 10, licenceIncrease: 5 }",
        ),
    );
    let blocked = run(&workspace, "apply", &["--yes"]);
    assert_eq!(blocked.code, 3, "{}{}", blocked.stdout, blocked.stderr);
    assert!(
        blocked
            .stdout
            .contains("15 licences would be added (licenceIncrease 5)")
            || blocked
                .stderr
                .contains("15 licences would be added (licenceIncrease 5)"),
        "{}{}",
        blocked.stdout,
        blocked.stderr
    );
}

#[test]
fn bad_numbers_and_units_are_plan_errors_at_the_manifest_line() {
    let (workspace, _sandbox) = example();
    let file = "orgs/demo/users/billing.yaml";
    let manifest = workspace.read(file);
    // The last Tier 2 number becomes the IVR's, which holds the pool's first number.
    let edited = manifest
        .replacen(
            "phone: { pool: Indianapolis }",
            "phone: { pool: Indianapols }",
            1,
        )
        .replacen("\"+13175550156\"", &format!("\"{IVR}\""), 1)
        .replacen(
            "wfm: { managementUnit: Billing MU }",
            "wfm: { managementUnit: Biling MU }",
            1,
        );
    workspace.write(file, &edited);
    let plan = run(&workspace, "plan", &[]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr.contains(
            "DID pool `Indianapols` does not exist in the org; did you mean `Indianapolis`?"
        ) && plan.stderr.contains(
            "management unit `Biling MU` does not exist in the org; did you mean `Billing MU`?"
        ) && plan
            .stderr
            .contains("number +13175550100 is assigned in the org, but to no user's direct number")
            && plan.stderr.contains("orgs/demo/users/billing.yaml:"),
        "{}",
        plan.stderr
    );
}

#[test]
fn without_wfm_permissions_a_leaver_is_still_offboarded_and_a_declared_unit_says_it_could_not_be_read()
 {
    let (workspace, sandbox) = example();
    // A client that may list the units but not who is in them: it holds none of the
    // permissions listing a unit's members accepts (PY269).
    sandbox.api(
        reqwest::Method::PUT,
        &format!(
            "/__sandbox/orgs/{REMOTE}/clients/{}/permissions",
            crate::support::CLIENT_ID
        ),
        Some(serde_json::json!({ "denied": [
            "wfm:agent:view",
            "wfm:historicalAdherence:view",
            "wfm:publishedSchedule:view",
            "wfm:realtimeAdherence:view",
            "wfm:schedule:view",
            "wfm:staffingGroup:view",
            "wfm:timeOffRequest:view",
            "wfm:workPlanRotation:view",
            "wfm:workPlan:view",
        ] })),
    );
    let plan = run(&workspace, "plan", &[]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr.contains(
            "management unit `Billing MU` cannot be checked: the org's management units could not be read"
        ),
        "{}",
        plan.stderr
    );

    // Without any `wfm:` in the manifests, the demo's leaver is offboarded all the same.
    for file in ["base/profiles.yaml", "orgs/demo/users/billing.yaml"] {
        let text = workspace.read(file);
        let kept: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("wfm:"))
            .collect();
        workspace.write(file, &(kept.join("\n") + "\n"));
    }
    apply(&workspace);
    let state = sandbox.state();
    let leaver = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "liam.obrien@acme.example")
        .unwrap();
    assert_eq!(leaver["state"], "inactive");
    assert_eq!(
        unit_of(&state, "liam.obrien@acme.example").as_deref(),
        Some("Support MU"),
        "units that cannot be read are left alone"
    );
}
