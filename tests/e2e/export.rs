//! `roster export` against a messy org in a sandbox reached over HTTP: the export plans to
//! zero changes against the org it came from (with and without inferred profiles), exporting
//! twice gives the same bytes, an export applied to an empty org exports to the same files,
//! and the export costs exactly one snapshot.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use roster_sandbox::{
    FaultUpdate, SeedGrant, SeedGroup, SeedMedia, SeedOrg, SeedQueue, SeedTeam, SeedUser,
    SeedUserState,
};

use crate::support::{
    External, Needs, REMOTE, Run, live, read_budget, request_lines, roster, run, settings,
};

const CLIENT_ID_ENV: &str = "E2E_CLIENT_ID";
const CLIENT_SECRET_ENV: &str = "E2E_CLIENT_SECRET";
const CLONE: &str = "clone";

/// Names YAML would misread if written bare, or that need quoting or escaping.
const ODD: [&str; 14] = [
    "Billing",
    "Tier: 2",
    "yes",
    "No",
    "null",
    "~",
    "*Star",
    "Café Ünïcode 日本",
    "He said \"hi\"",
    "It's 'quoted'",
    "123",
    "#1 Priority",
    "- dash",
    "Two  spaces",
];

const DIVISIONS: [&str; 3] = ["Contact Center", "Back: Office", "Équipe \"Nord\""];
const CUSTOM_ROLES: [&str; 2] = ["Agent", "Supervisor: Lead"];

fn email(index: usize) -> String {
    format!("agent.{index:05}@acme.example")
}

/// A deterministic messy org: odd names for every kind, 12 user archetypes (every 13th user
/// unique), group-inherited queue memberships and grants, inactive users (some managers),
/// utilization, auto-answer, users without a team.
fn messy_seed(users: usize) -> SeedOrg {
    let queue_names: Vec<String> = ODD[..10].iter().map(|n| format!("Q {n}")).collect();
    let team_names = [
        "Team A",
        "team-a",
        "Équipe B",
        "No Team",
        "Tier: 1 \"Gold\"",
    ];
    let mut seed = SeedOrg {
        divisions: DIVISIONS.map(str::to_owned).to_vec(),
        skills: ODD
            .iter()
            .map(|n| (*n).to_owned())
            .chain((0..20).map(|i| format!("Skill {i:02}")))
            .collect(),
        languages: ["English", "Español", "true", "日本語"]
            .map(str::to_owned)
            .to_vec(),
        wrapup_codes: ODD.iter().map(|n| format!("{n} (code)")).collect(),
        roles: CUSTOM_ROLES.map(str::to_owned).to_vec(),
        ..SeedOrg::default()
    };
    seed.queues = queue_names
        .iter()
        .enumerate()
        .map(|(i, name)| SeedQueue {
            name: name.clone(),
            division: (i % 4 != 3).then(|| DIVISIONS[i % 3].to_owned()),
            description: (i % 2 == 0).then(|| format!("Calls about {name}: \"urgent\"")),
            wrapup_codes: seed.wrapup_codes[i..i + 3].to_vec(),
            members: Vec::new(),
            media_types: None,
        })
        .collect();
    seed.teams = team_names
        .iter()
        .enumerate()
        .map(|(i, name)| SeedTeam {
            name: (*name).to_owned(),
            division: (i % 2 == 0).then(|| DIVISIONS[i % 3].to_owned()),
            description: (i == 0).then(|| "yes".to_owned()),
            members: Vec::new(),
        })
        .collect();
    let mut leads = SeedGroup {
        name: "Leads".into(),
        members: Vec::new(),
        roles: vec![SeedGrant {
            role: "Supervisor: Lead".into(),
            division: Some("Back: Office".into()),
        }],
        queues: vec![queue_names[0].clone()],
    };
    for index in 0..users {
        let kind = if index % 13 == 0 {
            1000 + index
        } else {
            index % 12
        };
        let mut skills = BTreeMap::from([(
            seed.skills[kind % seed.skills.len()].clone(),
            f64::from((kind % 5) as u8) + 0.5,
        )]);
        if kind % 3 == 0 {
            skills.insert("Billing".into(), 5.0);
        }
        let languages = BTreeMap::from([(
            seed.languages[kind % 4].clone(),
            f64::from((kind % 6) as u8),
        )]);
        let mut roles = vec![SeedGrant {
            role: "Employee".into(),
            division: None,
        }];
        if kind % 2 == 0 {
            roles.push(SeedGrant {
                role: "Agent".into(),
                division: Some("Contact Center".into()),
            });
            roles.push(SeedGrant {
                role: "Agent".into(),
                division: None,
            });
        }
        let utilization = (kind % 5 == 0).then(|| {
            BTreeMap::from([(
                "email".to_owned(),
                SeedMedia {
                    maximum_capacity: 3,
                    interruptable_media_types: vec!["call".into(), "chat".into()],
                    include_non_acd: true,
                },
            )])
        });
        let user_email = email(index);
        for (q, queue) in seed.queues.iter_mut().enumerate() {
            if (kind + q) % 4 == 0 {
                queue.members.push(user_email.clone());
            }
        }
        if index % 6 != 5 {
            seed.teams[index % team_names.len()]
                .members
                .push(user_email.clone());
        }
        if index % 9 == 1 {
            leads.members.push(user_email.clone());
        }
        seed.users.push(SeedUser {
            email: user_email,
            name: format!("{} Agent {index}", ODD[index % ODD.len()]),
            title: (index % 3 == 0).then(|| "null".to_owned()),
            department: (index % 4 == 0).then(|| "R&D: \"Core\"".to_owned()),
            division: (index % 3 != 0).then(|| DIVISIONS[index % 3].to_owned()),
            manager: (index >= 7).then(|| email(index % 7)),
            state: (index % 17 == 2).then_some(SeedUserState::Inactive),
            skills,
            languages,
            roles,
            utilization,
            acd_auto_answer: (index % 8 == 0).then_some(true),
            phone: None,
            extension: None,
            station: None,
        });
    }
    seed.groups = vec![leads];
    seed
}

/// An org in the sandbox, and a workspace folder whose `roster.yaml` points at it.
struct Source {
    external: External,
    workspace: tempfile::TempDir,
}

impl Source {
    fn start(users: usize) -> Self {
        let external = External::start("{}");
        external.sandbox.seed(REMOTE, &messy_seed(users)).unwrap();
        let workspace = tempfile::tempdir().unwrap();
        let roster_yaml = format!(
            "orgs:\n  {REMOTE}:\n    apiBase: {}\n    credentials: {{ clientId: {{ env: {CLIENT_ID_ENV} }}, clientSecret: {{ env: {CLIENT_SECRET_ENV} }} }}\n    include: [org.yaml]\n    rateLimit: {{ requestsPerMinute: 6000 }}\n",
            external.sandbox.base_url()
        );
        std::fs::write(workspace.path().join("roster.yaml"), roster_yaml).unwrap();
        std::fs::write(workspace.path().join("org.yaml"), "skills: []\n").unwrap();
        Source {
            external,
            workspace,
        }
    }

    fn export(&self, out: &Path, args: &[&str]) -> Run {
        with_credentials(
            roster()
                .arg("export")
                .arg(self.workspace.path())
                .args(["--org", REMOTE, "--out"])
                .arg(out)
                .args(args),
        )
    }
}

fn with_credentials(command: &mut assert_cmd::Command) -> Run {
    run(command
        .env(CLIENT_ID_ENV, "e2e-client")
        .env(CLIENT_SECRET_ENV, "e2e-secret")
        .env("ROSTER_CLONE_CLIENT_ID", "clone-client")
        .env("ROSTER_CLONE_CLIENT_SECRET", "clone-secret"))
}

fn plan(dir: &Path, org: &str) -> Run {
    with_credentials(
        roster()
            .arg("plan")
            .arg(dir)
            .args(["--org", org, "--detailed-exitcode"]),
    )
}

/// Every file under `dir`, relative path → text.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                found.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    found
}

/// The read budget of an export: one snapshot with every queue's members and wrap-up codes,
/// every grant and, when `utilization`, every active user's utilization.
fn export_budget(state: &serde_json::Value, utilization: bool) -> u64 {
    let queues: Vec<&str> = live(state, "queues")
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    let emails: Vec<String> = live(state, "users")
        .filter(|u| utilization && u["state"] == "active")
        .map(|u| u["email"].as_str().unwrap().to_lowercase())
        .collect();
    let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
    read_budget(
        state,
        &Needs {
            queues: &queues,
            wrapup_queues: &queues,
            grants: true,
            utilization: &emails,
            wfm: false,
            licences: false,
        },
    )
}

fn assert_ok(run: &Run, what: &str) {
    assert_eq!(
        run.code, 0,
        "{what}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

#[test]
fn an_export_plans_to_no_change_and_is_byte_identical_when_repeated() {
    let source = Source::start(2_000);
    let out = tempfile::tempdir().unwrap();
    let first = out.path().join("first");
    source.external.reset();
    assert_ok(&source.export(&first, &[]), "export");
    let export_requests: u64 = source.external.counts().values().sum();

    // Exactly one snapshot: every queue's members and codes, every grant, every exported
    // user's utilization, one token; nothing listed twice.
    let full = export_budget(&source.external.state(), true);
    assert_eq!(export_requests, full, "{:#?}", source.external.counts());

    let exported = files(&first);
    for (path, text) in &exported {
        assert!(!holds_uuid(text), "`{path}` holds an id");
    }
    let plan_run = plan(&first, REMOTE);
    assert_ok(&plan_run, "plan of the export");

    let again = out.path().join("again");
    assert_ok(&source.export(&again, &[]), "second export");
    assert_eq!(exported, files(&again));
    // Exporting over an earlier export leaves exactly the new files.
    assert_ok(&source.export(&first, &[]), "export over itself");
    assert_eq!(exported, files(&first));

    let profiled = out.path().join("profiled");
    assert_ok(
        &source.export(&profiled, &["--infer-profiles"]),
        "export with profiles",
    );
    let profiled_files = files(&profiled);
    assert!(profiled_files.contains_key("orgs/remote/profiles.yaml"));
    assert_ok(&plan(&profiled, REMOTE), "plan of the export with profiles");
    let profiled_again = out.path().join("profiled-again");
    assert_ok(
        &source.export(&profiled_again, &["--infer-profiles"]),
        "second export with profiles",
    );
    assert_eq!(profiled_files, files(&profiled_again));

    let summary: BTreeMap<&str, usize> = exported
        .iter()
        .map(|(path, text)| (path.as_str(), text.lines().count()))
        .collect();
    settings().bind(|| {
        insta::assert_yaml_snapshot!("files", summary);
        insta::assert_snapshot!("profiles", profiled_files["orgs/remote/profiles.yaml"]);
    });
}

/// Whether `text` holds anything shaped like a UUID (the ids Genesys uses).
fn holds_uuid(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .any(|word| word.len() == 36 && word.chars().filter(|c| *c == '-').count() == 4)
}

/// Cloning: the export of one org, applied to an empty second org, exports to the same files;
/// the two-org workspace then plans both at once, each with its own client and token.
///
/// 500 users (2 s): the clone's apply writes every one of them, which took 66 s for 2,000
/// on the 2-core CI machine; the round trip above covers that scale.
#[test]
fn an_export_applied_to_an_empty_org_exports_to_the_same_files_and_plans_with_it() {
    let source = Source::start(500);
    let out = tempfile::tempdir().unwrap();
    let exported_dir = out.path().join("workspace");
    assert_ok(&source.export(&exported_dir, &[]), "export");

    // The clone: an empty org with the divisions and roles roster looks up but never creates.
    let sandbox = &source.external.sandbox;
    sandbox
        .create_org(CLONE, "clone-client", "clone-secret")
        .unwrap();
    let clone_entry = format!(
        "  {CLONE}:\n    apiBase: {}\n    credentials: {{ clientId: {{ env: ROSTER_CLONE_CLIENT_ID }}, clientSecret: {{ env: ROSTER_CLONE_CLIENT_SECRET }} }}\n    include: [base, orgs/remote]\n    rateLimit: {{ requestsPerMinute: 6000 }}\n",
        sandbox.base_url()
    );
    let roster_yaml = exported_dir.join("roster.yaml");
    let text = std::fs::read_to_string(&roster_yaml).unwrap();
    std::fs::write(&roster_yaml, format!("{text}{clone_entry}")).unwrap();
    sandbox
        .set_faults(
            CLONE,
            &FaultUpdate {
                requests_per_minute: Some(0),
                ..FaultUpdate::default()
            },
        )
        .unwrap();

    // Without its divisions and custom roles, the clone's plan fails by name.
    let missing = plan(&exported_dir, CLONE);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(!holds_uuid(&missing.stderr), "{}", missing.stderr);
    // Every reference is listed (one line per use); the head and the hint show the shape.
    // Before them, the read's cost: the clone's users mostly cost per-user utilization reads.
    let mut lines: Vec<&str> = missing.stderr.lines().collect();
    assert!(
        lines[0].starts_with("clone: reading will take about "),
        "{}",
        missing.stderr
    );
    lines.remove(0);
    let shown = [&lines[..4], &lines[lines.len() - 1..]].concat().join("\n");
    settings().bind(|| insta::assert_snapshot!("missing_references", shown));

    sandbox
        .seed(
            CLONE,
            &SeedOrg {
                divisions: DIVISIONS.map(str::to_owned).to_vec(),
                roles: CUSTOM_ROLES.map(str::to_owned).to_vec(),
                ..SeedOrg::default()
            },
        )
        .unwrap();
    sandbox
        .set_faults(
            CLONE,
            &FaultUpdate {
                requests_per_minute: Some(0),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    let apply = with_credentials(
        roster()
            .arg("apply")
            .arg(&exported_dir)
            .args(["--org", CLONE, "--yes"]),
    );
    assert_ok(&apply, "apply to the clone");
    assert_ok(&plan(&exported_dir, CLONE), "plan of the clone after apply");

    let clone_out = out.path().join("clone-export");
    assert_ok(
        &with_credentials(
            roster()
                .arg("export")
                .arg(&exported_dir)
                .args(["--org", CLONE, "--out"])
                .arg(&clone_out),
        ),
        "export of the clone",
    );
    let source_files = files(&out.path().join("workspace"));
    let clone_files: BTreeMap<String, String> = files(&clone_out)
        .into_iter()
        .map(|(path, text)| {
            (
                path.replace("orgs/clone/", "orgs/remote/"),
                text.replace("org `clone`", "org `remote`"),
            )
        })
        .collect();
    let without_roster = |map: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        map.iter()
            .filter(|(path, _)| path.as_str() != "roster.yaml" && !path.starts_with(".roster/"))
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect()
    };
    let source_view = without_roster(&source_files);
    let clone_view = without_roster(&clone_files);
    let paths = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(paths(&source_view), paths(&clone_view));
    for (path, text) in &source_view {
        similar_asserts(path, text, &clone_view[path]);
    }

    // One plan covers every org of the workspace (shared `base/`, one folder per org), each
    // read with its own credentials and token; `--org` selects one.
    for org in [REMOTE, CLONE] {
        sandbox.reset_stats(org).unwrap();
    }
    let every = with_credentials(
        roster()
            .arg("plan")
            .arg(&exported_dir)
            .arg("--detailed-exitcode"),
    );
    assert_ok(&every, "plan of both orgs");
    for org in [REMOTE, CLONE] {
        assert!(
            every.stdout.contains(&format!("{org}: no changes")),
            "{}",
            every.stdout
        );
        let counts = sandbox.stats(org).unwrap().by_route;
        assert_eq!(
            counts.get("POST /oauth/token"),
            Some(&1),
            "{org}: {counts:#?}"
        );
        sandbox.reset_stats(org).unwrap();
    }
    assert_ok(&plan(&exported_dir, CLONE), "plan of the clone alone");
    assert!(sandbox.stats(REMOTE).unwrap().by_route.is_empty());
    assert!(!sandbox.stats(CLONE).unwrap().by_route.is_empty());
}

/// Equal texts, or a failure showing the first differing line.
fn similar_asserts(path: &str, expected: &str, actual: &str) {
    if expected == actual {
        return;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let context = |text: &str| {
        text.lines()
            .skip(line.saturating_sub(8))
            .take(16)
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "`{path}` differs at line {}:\n--- source\n{}\n--- clone\n{}",
        line + 1,
        context(expected),
        context(actual)
    );
}

#[test]
fn kinds_state_and_split_choose_what_is_written() {
    let source = Source::start(60);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("partial");
    let partial = source.export(
        &dir,
        &[
            "--kinds",
            "skills,queues,users",
            "--state",
            "inactive",
            "--split-users-by",
            "none",
        ],
    );
    assert_ok(&partial, "partial export");
    let state = source.external.state();
    let summary = format!(
        "{} skills, {} queues, {} users (",
        live(&state, "skills").count(),
        live(&state, "queues").count(),
        live(&state, "users")
            .filter(|u| u["state"] == "inactive")
            .count(),
    );
    assert!(
        partial.stderr.contains(&summary),
        "{summary}\n{}",
        partial.stderr
    );
    let written = files(&dir);
    let users = &written["orgs/remote/users.yaml"];
    // Only inactive users; no team (teams were not exported), no languages.
    assert!(users.contains("state: inactive"));
    assert!(!users.contains("team:") && !users.contains("languages:"));
    assert_ok(&plan(&dir, REMOTE), "plan of the partial export");
    settings().bind(|| {
        insta::assert_yaml_snapshot!("partial_paths", written.keys().collect::<Vec<_>>());
    });

    let bogus = source.export(&out.path().join("bogus"), &["--kinds", "skills,divisons"]);
    assert_eq!(bogus.code, 64, "{}", bogus.stderr);
    settings().bind(|| insta::assert_snapshot!("unknown_kind", bogus.stderr));
}

/// Files outside the org's own folder may be shared or edited by hand: a `roster.yaml` that
/// declares the org is the workspace's and is kept; a changed `base/` file is not overwritten
/// unless told to, and then only it.
#[test]
fn an_export_keeps_the_workspace_roster_yaml_and_overwrites_base_only_with_force() {
    let source = Source::start(30);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("workspace");
    assert_ok(&source.export(&dir, &[]), "export");
    assert_ok(&source.export(&dir, &[]), "the same export again");
    let roster_yaml = dir.join("roster.yaml");
    let edited = format!(
        "{}  other:\n    region: eu-west-1\n    include: [base]\npolicy:\n  unmanaged: {{ users: ignore }}\n",
        std::fs::read_to_string(&roster_yaml).unwrap()
    );
    std::fs::write(&roster_yaml, &edited).unwrap();
    assert_ok(
        &source.export(&dir, &[]),
        "export into the edited workspace",
    );
    assert_eq!(std::fs::read_to_string(&roster_yaml).unwrap(), edited);

    let before = files(&dir);
    source.external.api(
        reqwest::Method::POST,
        "/api/v2/routing/skills",
        Some(serde_json::json!({ "name": "Brand New" })),
    );
    let refused = source.export(&dir, &[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_eq!(files(&dir), before, "nothing was written");
    assert!(
        refused.stderr.contains("base/routing.yaml") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );

    assert_ok(&source.export(&dir, &["--force"]), "export with --force");
    let forced = files(&dir);
    assert!(forced["base/routing.yaml"].contains("Brand New"));
    assert_eq!(
        forced["roster.yaml"], edited,
        "the workspace's roster.yaml is kept"
    );
}

/// `--no-utilization` drops the only per-user reads: the export costs the lists, the queues
/// and the grants, writes no utilization, and still plans to zero changes (unmanaged).
#[test]
fn an_export_without_utilization_reads_nothing_per_user() {
    let source = Source::start(60);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("lean");
    source.external.reset();
    assert_ok(&source.export(&dir, &["--no-utilization"]), "export");
    let requests = source.external.requests();
    let sent: u64 = source.external.counts().values().sum();
    let budget = export_budget(&source.external.state(), false);
    assert_eq!(sent, budget, "{:#?}", source.external.counts());
    assert!(
        request_lines(&requests)
            .iter()
            .all(|line| !line.contains("utilization")),
        "no utilization read"
    );
    let written = files(&dir);
    assert!(written.values().all(|text| !text.contains("utilization:")));
    assert_ok(
        &plan(&dir, REMOTE),
        "plan of the export without utilization",
    );

    let full = out.path().join("full");
    assert_ok(&source.export(&full, &[]), "export with utilization");
    assert!(
        files(&full)
            .values()
            .any(|text| text.contains("utilization:")),
        "the org has utilization to leave out"
    );
}

/// A clone into an org that lacks divisions and roles, and spells a skill in another case,
/// is refused with one line per missing object (how many manifest entries use it and where
/// the first is; not one line per user: 4,088 lines for a 2,000-user org) and one line for
/// the name collision.
#[test]
fn unresolved_references_are_listed_once_each() {
    let source = Source::start(30);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("workspace");
    assert_ok(&source.export(&dir, &[]), "export");
    let sandbox = &source.external.sandbox;
    sandbox
        .create_org(CLONE, "clone-client", "clone-secret")
        .unwrap();
    // The target already has one of the source's skills, spelled in another case.
    let twin = SeedOrg {
        skills: vec!["billing".into()],
        ..SeedOrg::default()
    };
    sandbox.seed(CLONE, &twin).unwrap();
    let entry = format!(
        "  {CLONE}:\n    apiBase: {}\n    credentials: {{ clientId: {{ env: ROSTER_CLONE_CLIENT_ID }}, clientSecret: {{ env: ROSTER_CLONE_CLIENT_SECRET }} }}\n    include: [base, orgs/remote]\n",
        sandbox.base_url()
    );
    let roster_yaml = dir.join("roster.yaml");
    let text = std::fs::read_to_string(&roster_yaml).unwrap();
    std::fs::write(&roster_yaml, format!("{text}{entry}")).unwrap();
    let missing = plan(&dir, CLONE);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    let lines: Vec<&str> = missing.stderr.lines().collect();
    let unique: BTreeSet<&str> = lines.iter().copied().collect();
    assert_eq!(lines.len(), unique.len(), "{}", missing.stderr);
    // One line per missing object (3 divisions and 1 role) and one for the skill that differs
    // only in case, plus the headline and the hint.
    assert!(lines.len() <= 7, "{}", missing.stderr);
    assert!(
        lines
            .iter()
            .any(|line| line.contains("skill `Billing`: the org already has skill `billing`")),
        "{}",
        missing.stderr
    );
}

/// What `export` writes and prints names paths relative to the workspace, never absolute
/// (issue #13): the demo's seed is written relative to the exported `roster.yaml`, so the
/// exported folder validates and plans from anywhere, and moves with its workspace.
#[test]
fn an_export_writes_and_prints_relative_paths_only() {
    let workspace = crate::support::Workspace::copy("examples/acme");
    let exported = crate::support::run(
        crate::support::roster()
            .current_dir(workspace.root())
            .args(["export", ".", "--org", "demo", "--out", "clone"]),
    );
    assert_ok(&exported, "export of the demo");
    let root = workspace.root().display().to_string();
    assert!(!exported.stderr.contains(&root), "{}", exported.stderr);
    assert!(
        exported.stderr.contains("into `clone`"),
        "{}",
        exported.stderr
    );
    let written = files(&workspace.root().join("clone"));
    for (path, text) in &written {
        assert!(
            !text.contains(&root),
            "`{path}` holds an absolute path:\n{text}"
        );
    }
    assert!(
        written["roster.yaml"].contains("seed: ../sandbox/demo.yaml"),
        "{}",
        written["roster.yaml"]
    );

    // The exported workspace, moved elsewhere with the seed it names, still loads and plans.
    let moved = tempfile::tempdir().unwrap();
    let clone = moved.path().join("workspace/clone");
    std::fs::create_dir_all(moved.path().join("workspace/sandbox")).unwrap();
    std::fs::copy(
        workspace.root().join("sandbox/demo.yaml"),
        moved.path().join("workspace/sandbox/demo.yaml"),
    )
    .unwrap();
    for (path, text) in &written {
        let target = clone.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    let planned = crate::support::run(crate::support::roster().current_dir(&clone).args([
        "plan",
        ".",
        "--org",
        "demo",
        "--detailed-exitcode",
    ]));
    assert_eq!(planned.code, 0, "{}{}", planned.stdout, planned.stderr);
}
