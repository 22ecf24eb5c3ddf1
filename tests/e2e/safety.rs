//! Safety is derived, never read (issue #12): an edited saved plan is refused, a saved plan
//! made under another policy is refused, a forged verdict is derived again; routing loss
//! and the per-day limits block plans like deletions do, and the digest acknowledges them.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::support::{Workspace, org_view};

const PRUNE: &str = "tests/fixtures/workspaces/prune";

/// A hand edit of a saved plan, and what it edits.
type Edit = (&'static str, fn(&mut Value));

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// `email: state` of every user of the `demo` org.
fn user_states(workspace: &Workspace) -> Vec<String> {
    org_view(&workspace.sandbox_state("demo"), &[])["users"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(email, u)| format!("{email}: {}", u["state"].as_str().unwrap()))
        .collect()
}

/// The prune fixture (six deactivations over `maxDeletes: 3`) with its plan saved to
/// `plan.json`; the plan's JSON and digest.
fn saved_blocked_plan() -> (Workspace, Value, String) {
    let workspace = Workspace::copy(PRUNE);
    let saved = workspace.roster("plan", &["--out", "plan.json"]);
    assert_eq!(saved.code, 3, "{}{}", saved.stdout, saved.stderr);
    let plan = parse(&workspace.read("plan.json"));
    let digest = plan["orgs"][0]["digest"].as_str().unwrap().to_owned();
    (workspace, plan, digest)
}

#[test]
fn every_edit_of_a_saved_plan_is_refused_with_exit_4() {
    let (workspace, original, digest) = saved_blocked_plan();
    let untouched = user_states(&workspace);
    let edits: [Edit; 4] = [
        // The edit of the incident: the verdict removed by hand.
        ("blocked", |plan| plan["orgs"][0]["blocked"] = Value::Null),
        ("steps", |plan| {
            let steps = plan["orgs"][0]["steps"].as_array_mut().unwrap();
            steps.retain(|step| step["operation"]["op"] != "setUserState");
        }),
        ("org", |plan| plan["orgs"][0]["org"] = json!("elsewhere")),
        ("policy", |plan| {
            plan["orgs"][0]["policy"]["limits"]["maxDeletes"] = json!(100);
        }),
    ];
    for (what, edit) in edits {
        let mut plan = original.clone();
        edit(&mut plan);
        assert_ne!(plan, original, "{what}: the edit changes the plan");
        workspace.write("edited.json", &serde_json::to_string_pretty(&plan).unwrap());
        // Even the original plan's acknowledgement does not let an edited plan through.
        let apply = workspace.roster(
            "apply",
            &["--plan", "edited.json", "--allow-destructive", &digest],
        );
        assert_eq!(apply.code, 4, "{what}: {}{}", apply.stdout, apply.stderr);
        let org = plan["orgs"][0]["org"].as_str().unwrap().to_owned();
        assert_eq!(
            apply.stderr.lines().next().unwrap(),
            format!(
                "error: the plan of org `{org}` in `edited.json` was edited after it was made: \
                 its digest does not match its content; nothing was applied"
            ),
            "{what}"
        );
        if what == "blocked" {
            workspace
                .settings()
                .bind(|| insta::assert_snapshot!("edited_plan_stderr", apply.stderr));
        }
    }
    assert_eq!(user_states(&workspace), untouched, "nothing was applied");
    assert!(!workspace.journal("demo").exists(), "no apply started");
}

#[test]
fn a_forged_verdict_with_a_matching_digest_is_derived_again_and_blocks() {
    let (workspace, original, _) = saved_blocked_plan();
    let mut set: roster_plan::PlanSet = serde_json::from_value(original).unwrap();
    let plan = &mut set.orgs[0];
    plan.blocked = None;
    plan.digest = plan.compute_digest();
    let forged_digest = plan.digest.clone();
    workspace.write("forged.json", &roster_plan::render_json(&set));
    let untouched = user_states(&workspace);

    let apply = workspace.roster("apply", &["--plan", "forged.json"]);
    assert_eq!(apply.code, 3, "{}{}", apply.stdout, apply.stderr);
    assert!(
        apply.stdout.contains("6 users of 9 would be deactivated"),
        "the verdict shown is the derived one: {}",
        apply.stdout
    );
    assert!(
        apply
            .stderr
            .contains(&format!("--allow-destructive {forged_digest}")),
        "{}",
        apply.stderr
    );
    assert_eq!(user_states(&workspace), untouched, "nothing was applied");
}

#[test]
fn a_saved_plan_made_under_another_policy_is_refused() {
    let (workspace, _, digest) = saved_blocked_plan();
    let roster_yaml = workspace.read("roster.yaml");
    let loosened = roster_yaml.replace(
        "limits: { maxDeletes: 3, maxDeletePercent: 100 }",
        "limits: { maxDeletes: 30, maxDeletePercent: 100 }",
    );
    assert_ne!(loosened, roster_yaml);
    workspace.write("roster.yaml", &loosened);
    let untouched = user_states(&workspace);

    let apply = workspace.roster(
        "apply",
        &["--plan", "plan.json", "--allow-destructive", &digest],
    );
    assert_eq!(apply.code, 4, "{}{}", apply.stdout, apply.stderr);
    // The hint is the command to copy: the same workspace, org and file.
    workspace.settings().bind(|| {
        insta::assert_snapshot!(apply.stderr, @r"
        error: the policy of org `demo` in `roster.yaml` changed since the plan was made (the plan was checked against other limits); nothing was applied:
          changed: `policy.limits`
        hint: make a new plan under the current policy with `roster plan [workspace] --org demo --out plan.json` and review it
        ");
    });
    assert_eq!(user_states(&workspace), untouched, "nothing was applied");
}

#[test]
fn a_saved_blocked_plan_applies_only_with_its_digest() {
    let (workspace, _, digest) = saved_blocked_plan();
    let refused = workspace.roster("apply", &["--plan", "plan.json"]);
    assert_eq!(refused.code, 3, "{}{}", refused.stdout, refused.stderr);
    assert!(
        user_states(&workspace)
            .iter()
            .all(|u| u.ends_with(": active"))
    );

    let allowed = workspace.roster(
        "apply",
        &["--plan", "plan.json", "--allow-destructive", &digest],
    );
    assert_eq!(allowed.code, 0, "{}{}", allowed.stdout, allowed.stderr);
    let inactive = user_states(&workspace)
        .into_iter()
        .filter(|u| u.ends_with(": inactive"))
        .count();
    assert_eq!(inactive, 6);
}

/// A workspace whose `demo` org has `users` agents, each with the skill `Billing` and in the
/// queue `Billing` through the routing profile `Agent`, already in the org; `limits` is the
/// `policy.limits` flow mapping, if any.
fn agents(users: usize, limits: Option<&str>) -> Workspace {
    let workspace = Workspace::empty();
    let policy = limits.map_or(String::new(), |limits| {
        format!("policy:\n  limits: {limits}\n")
    });
    workspace.write(
        "roster.yaml",
        &format!(
            "orgs:\n  demo:\n    sandbox: {{ seed: seed.yaml }}\n    include: [org.yaml]\n    \
             rateLimit: {{ requestsPerMinute: 6000 }}\n{policy}"
        ),
    );
    let emails = emails(users);
    let mut seed = format!(
        "divisions: [Contact Center]\nskills: [Billing]\nqueues:\n  - {{ name: Billing, members: [{}] }}\nusers:\n",
        emails.join(", ")
    );
    for (n, email) in emails.iter().enumerate() {
        let _ = writeln!(
            seed,
            "  - {{ email: {email}, name: Agent {n}, skills: {{ Billing: 3 }} }}"
        );
    }
    workspace.write("seed.yaml", &seed);
    workspace.write(
        "org.yaml",
        &agents_manifest(&emails, "{ Billing: 3 }", "[Billing]", &[]),
    );
    let plan = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "the org starts as declared: {}", plan.stdout);
    workspace
}

fn agents_manifest(emails: &[String], skills: &str, queues: &str, inactive: &[&str]) -> String {
    let mut text = format!(
        "skills:\n  - name: Billing\nqueues:\n  - name: Billing\nroutingProfiles:\n  - name: Agent\n    skills: {skills}\n    queues: {queues}\nusers:\n"
    );
    for (n, email) in emails.iter().enumerate() {
        let state = if inactive.contains(&email.as_str()) {
            ", state: inactive"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "  - {{ email: {email}, name: Agent {n}, routingProfile: Agent{state} }}"
        );
    }
    text
}

fn emails(users: usize) -> Vec<String> {
    (1..=users)
        .map(|n| format!("a{n:02}@loss.example"))
        .collect()
}

#[test]
fn emptying_the_routing_profile_is_blocked_as_mass_routing_loss() {
    let workspace = agents(30, None);
    workspace.write("org.yaml", &agents_manifest(&emails(30), "{}", "[]", &[]));

    let plan = workspace.roster("plan", &["--format", "json"]);
    assert_eq!(plan.code, 3, "{}{}", plan.stdout, plan.stderr);
    let plan = parse(&plan.stdout);
    let blocked = &plan["orgs"][0]["blocked"];
    assert_eq!(blocked["kinds"], json!([]), "nothing is deleted");
    let routing: Vec<(String, u64, u64, u64)> = blocked["routing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|over| {
            (
                over["loss"].as_str().unwrap().to_owned(),
                over["count"].as_u64().unwrap(),
                over["of"].as_u64().unwrap(),
                over["max"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        routing,
        [
            ("usersLosingAllQueues".to_owned(), 30, 30, 25),
            ("usersLosingAllSkills".to_owned(), 30, 30, 25),
        ]
    );
    let digest = plan["orgs"][0]["digest"].as_str().unwrap().to_owned();

    let text = workspace.roster("plan", &[]);
    assert_eq!(text.code, 3);
    let reasons: Vec<&str> = text
        .stdout
        .lines()
        .skip_while(|line| !line.starts_with("error: blocked"))
        .collect();
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("routing_loss_blocked", reasons.join("\n")));

    let refused = workspace.roster("apply", &["--yes"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    let allowed = workspace.roster("apply", &["--yes", "--allow-destructive", &digest]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    let after = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
}

#[test]
fn the_per_day_limit_blocks_the_eleventh_small_deactivation() {
    let workspace = agents(
        12,
        Some("{ maxDeletePercent: 100, perDay: { maxDeletes: 10 } }"),
    );
    let emails = emails(12);
    let mut inactive: Vec<&str> = Vec::new();
    for (n, email) in emails.iter().take(11).enumerate() {
        inactive.push(email);
        workspace.write(
            "org.yaml",
            &agents_manifest(&emails, "{ Billing: 3 }", "[Billing]", &inactive),
        );
        let apply = workspace.roster("apply", &["--yes"]);
        if n < 10 {
            assert_eq!(apply.code, 0, "deactivation {}: {}", n + 1, apply.stderr);
            continue;
        }
        assert_eq!(apply.code, 3, "the eleventh is blocked: {}", apply.stderr);
    }
    let plan = workspace.roster("plan", &["--format", "json"]);
    assert_eq!(plan.code, 3, "{}", plan.stderr);
    let plan = parse(&plan.stdout);
    let blocked = &plan["orgs"][0]["blocked"];
    assert_eq!(
        blocked["kinds"],
        json!([]),
        "one deactivation is within maxDeletes"
    );
    insta::assert_json_snapshot!(blocked["perDay"], @r#"
    [
      {
        "measure": "deletes",
        "kind": "user",
        "earlier": 10,
        "planned": 1,
        "of": 12,
        "max": 10
      }
    ]
    "#);
    let text = workspace.roster("plan", &[]);
    assert!(
        text.stdout.contains(
            "  11 users deactivated in 24 hours (perDay.maxDeletes 10): 10 already in the journal, 1 in this plan"
        ),
        "{}",
        text.stdout
    );
    let still_active = |workspace: &Workspace| {
        user_states(workspace)
            .iter()
            .filter(|u| u.ends_with(": active"))
            .count()
    };
    assert_eq!(still_active(&workspace), 2);

    let digest = plan["orgs"][0]["digest"].as_str().unwrap().to_owned();
    let allowed = workspace.roster("apply", &["--yes", "--allow-destructive", &digest]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert_eq!(still_active(&workspace), 1);
}
