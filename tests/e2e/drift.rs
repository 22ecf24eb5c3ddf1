//! `roster drift`: the bundled example applied to a sandbox over HTTP, then changed behind
//! roster's back by another named OAuth client; drift reports exactly those changes, each
//! attributed to that client, tells a manifest edit apart as pending, and follows the
//! committed schema.

use std::path::Path;
use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{External, Workspace, repo_path};

/// The example's `demo` org, pointed at the test's sandbox as `remote`.
const ROSTER_YAML: &str = "\
orgs:
  remote:
    apiBase: http://sandbox.invalid
    credentials:
      clientId: { env: E2E_CLIENT_ID }
      clientSecret: { env: E2E_CLIENT_SECRET }
    include: [base, orgs/demo]
    rateLimit: { requestsPerMinute: 6000 }
policy:
  unmanaged: { users: report, skills: report, languages: report, wrapupCodes: report, queues: report, teams: report }
  scope: { divisions: [Contact Center] }
";

/// The other tool's OAuth client.
const SCRIPT: &str = "HR sync script";

/// The example, applied to a fresh sandbox from a committed git checkout.
pub fn applied_example() -> (External, Workspace) {
    let seed = std::fs::read_to_string(repo_path("examples/acme/sandbox/demo.yaml")).unwrap();
    let sandbox = External::start(&seed);
    let mut workspace = Workspace::copy("examples/acme");
    workspace.write("roster.yaml", ROSTER_YAML);
    // Its announcement needs the `notify:` this `roster.yaml` leaves out.
    std::fs::remove_file(workspace.root().join("orgs/demo/announcements.yaml")).unwrap();
    workspace.connect(&sandbox);
    git(workspace.root(), &["init", "--quiet"]);
    std::fs::write(workspace.root().join(".gitignore"), ".roster/\n").unwrap();
    commit(workspace.root(), "the example");
    let applied = workspace.roster("apply", &["--yes"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    (sandbox, workspace)
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "--message", message]);
}

/// Ids of the org's objects, read through the API as `token`.
pub struct Ids<'a> {
    pub sandbox: &'a External,
    pub token: &'a str,
}

impl Ids<'_> {
    pub fn user(&self, email: &str) -> Value {
        let page = self
            .sandbox
            .api_as(self.token, Method::GET, "/api/v2/users?pageSize=500", None);
        page["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["email"] == email)
            .cloned()
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    pub fn named(&self, path: &str, name: &str) -> String {
        let page = self.sandbox.api_as(
            self.token,
            Method::GET,
            &format!("{path}?pageSize=500"),
            None,
        );
        page["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entity| entity["name"] == name)
            .and_then(|entity| entity["id"].as_str())
            .unwrap_or_else(|| panic!("nothing named {name} at {path}"))
            .to_owned()
    }
}

/// Four changes by the script: a skill proficiency, a queue member added, a title, a
/// language removed.
fn change_behind_rosters_back(sandbox: &External) {
    let token = sandbox.other_client(SCRIPT, "hr-sync", "hr-sync-secret");
    let ids = Ids {
        sandbox,
        token: &token,
    };
    let hannah = ids.user("hannah.schmidt@acme.example");
    let billing = ids.named("/api/v2/routing/skills", "Billing");
    sandbox.api_as(
        &token,
        Method::PUT,
        &format!(
            "/api/v2/users/{}/routingskills/{billing}",
            hannah["id"].as_str().unwrap()
        ),
        Some(json!({ "id": billing, "proficiency": 1 })),
    );
    let aisha = ids.user("aisha.bello@acme.example");
    let fraud = ids.named("/api/v2/routing/queues", "Fraud Review");
    sandbox.api_as(
        &token,
        Method::POST,
        &format!("/api/v2/routing/queues/{fraud}/members"),
        Some(json!([{ "id": aisha["id"] }])),
    );
    let kwame = ids.user("kwame.asante@acme.example");
    sandbox.api_as(
        &token,
        Method::PATCH,
        &format!("/api/v2/users/{}", kwame["id"].as_str().unwrap()),
        Some(json!({ "title": "Senior Billing Agent", "version": kwame["version"] })),
    );
    let tomas = ids.user("tomas.ferreira@acme.example");
    let portuguese = ids.named("/api/v2/routing/languages", "Portuguese");
    sandbox.api_as(
        &token,
        Method::DELETE,
        &format!(
            "/api/v2/users/{}/routinglanguages/{portuguese}",
            tomas["id"].as_str().unwrap()
        ),
        None,
    );
}

/// `(kind key, field item)` of each drifted field.
fn drifted_fields(report: &Value) -> Vec<String> {
    let mut fields: Vec<String> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|object| {
            object["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |field| {
                    format!(
                        "{} {}: {} {}",
                        object["kind"].as_str().unwrap(),
                        object["key"].as_str().unwrap(),
                        field["field"].as_str().unwrap(),
                        field["item"].as_str().unwrap_or("")
                    )
                    .trim_end()
                    .to_owned()
                })
        })
        .collect();
    fields.sort();
    fields
}

#[test]
fn drift_reports_the_other_clients_changes_attributed_and_nothing_roster_applied() {
    let (sandbox, workspace) = applied_example();

    let clean = workspace.roster("drift", &["--format", "json"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    let report: Value = serde_json::from_str(&clean.stdout).unwrap();
    assert_eq!(report["orgs"][0]["drift"], json!([]), "{}", clean.stdout);

    change_behind_rosters_back(&sandbox);
    let found = workspace.roster("drift", &["--format", "json"]);
    assert_eq!(found.code, 2, "{}{}", found.stdout, found.stderr);
    let set: Value = serde_json::from_str(&found.stdout).unwrap();
    validate(&set);
    let report = &set["orgs"][0];
    assert_eq!(report["baseline"]["type"], "applied", "{report:#}");
    assert_eq!(report["audit"]["type"], "read", "{report:#}");
    assert_eq!(
        drifted_fields(report),
        [
            "queue Fraud Review: members aisha.bello@acme.example",
            "user hannah.schmidt@acme.example: skills Billing",
            "user kwame.asante@acme.example: title",
            "user tomas.ferreira@acme.example: languages Portuguese",
        ],
        "{report:#}"
    );
    for object in report["drift"].as_array().unwrap() {
        let changes = object["changes"].as_array().unwrap();
        assert!(!changes.is_empty(), "{object:#}");
        for change in changes {
            assert_eq!(change["by"]["client"], SCRIPT, "{object:#}");
            assert_eq!(change["by"]["clientId"], "hr-sync", "{object:#}");
            assert!(
                change["time"].as_str().unwrap().ends_with('Z'),
                "{change:#}"
            );
        }
    }
    assert_eq!(report["pending"], json!([]), "{report:#}");

    let text = workspace.roster("drift", &[]);
    assert_eq!(text.code, 2, "{}", text.stderr);
    assert!(
        text.stdout.contains("remote: 4 objects drifted"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("by client `HR sync script`"),
        "{}",
        text.stdout
    );
    let markdown = workspace.roster("drift", &["--format", "markdown"]);
    assert_eq!(markdown.code, 2, "{}", markdown.stderr);
    assert!(
        markdown
            .stdout
            .contains("| user `kwame.asante@acme.example` (orgs/demo/users/billing.yaml:"),
        "{}",
        markdown.stdout
    );
}

#[test]
fn an_edit_not_applied_yet_is_pending_not_drift() {
    let (_sandbox, workspace) = applied_example();
    let users = "orgs/demo/users/billing.yaml";
    let edited =
        workspace
            .read(users)
            .replacen("title: Billing Agent", "title: Lead Billing Agent", 1);
    workspace.write(users, &edited);
    commit(workspace.root(), "promote Aisha");

    let run = workspace.roster("drift", &["--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let report = &report["orgs"][0];
    assert_eq!(report["drift"], json!([]), "{report:#}");
    assert_eq!(
        report["pending"][0]["key"], "aisha.bello@acme.example",
        "{report:#}"
    );
    assert_eq!(
        report["pending"][0]["fields"][0]["git"],
        "Lead Billing Agent"
    );
}

#[test]
fn without_audit_permission_drift_is_still_reported_and_says_which_permission() {
    let (sandbox, workspace) = applied_example();
    change_behind_rosters_back(&sandbox);
    // The sandbox's knob for a role without the permission (a real org answers 403).
    sandbox.api(
        Method::PUT,
        &format!(
            "/__sandbox/orgs/{}/clients/{}/permissions",
            crate::support::REMOTE,
            crate::support::CLIENT_ID
        ),
        Some(json!({ "denied": ["audits:audit:view"] })),
    );
    let run = workspace.roster("drift", &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("grant its role `audits:audit:view`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("remote: 4 objects drifted"),
        "{}",
        run.stdout
    );
}

/// Validates a drift document against the committed `schemas/drift.schema.json`.
fn validate(document: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("schemas/drift.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_targeted_apply_is_no_baseline_so_other_edits_stay_pending() {
    let (_sandbox, workspace) = applied_example();
    let first = workspace.roster("drift", &["--format", "json"]);
    let first: Value = serde_json::from_str(&first.stdout).unwrap();
    let baseline = first["orgs"][0]["baseline"].clone();
    assert_eq!(baseline["type"], "applied", "{baseline:#}");

    let users = "orgs/demo/users/billing.yaml";
    let edited = workspace
        .read(users)
        .replacen("title: Billing Agent", "title: Lead Billing Agent", 1)
        .replace(
            "    name: Kwame Asante\n    title: Billing Agent",
            "    name: Kwame Asante\n    title: Senior Billing Agent",
        );
    workspace.write(users, &edited);
    commit(workspace.root(), "promote Aisha and Kwame");
    let targeted = workspace.roster(
        "apply",
        &["--yes", "--target", "user:aisha.bello@acme.example"],
    );
    assert_eq!(targeted.code, 0, "{}", targeted.stderr);

    let run = workspace.roster("drift", &["--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let report = &report["orgs"][0];
    assert_eq!(
        report["baseline"], baseline,
        "the targeted run is no baseline"
    );
    assert_eq!(report["drift"], json!([]), "{report:#}");
    assert_eq!(
        report["pending"][0]["key"], "kwame.asante@acme.example",
        "{report:#}"
    );
}
