//! `examples/acme`, org `demo` (an in-process sandbox seeded from `sandbox/demo.yaml`): the
//! plan shows the differences its README lists, in every format; apply converges; the
//! journal it writes verifies and betrays an edit.

use crate::support::{Workspace, assert_no_duplicates, org_view};

const EXAMPLE: &str = "examples/acme";

/// The users the README's differences are about.
const README_USERS: &[&str] = &[
    "amara.diallo@acme.example",
    "liam.obrien@acme.example",
    "olivia.brooks@acme.example",
    "oluwaseun.adeyemi@acme.example",
    "ryan.kowalski@acme.example",
    "zainab.hussain@acme.example",
    "pedro.alvarez@acme.example",
    "uma.krishnan@acme.example",
    "gareth.evans@acme.example",
    "arjun.patel@acme.example",
    "nikolai.petrov@acme.example",
];

#[test]
fn the_demo_plan_in_text_shows_the_readme_differences() {
    let workspace = Workspace::copy(EXAMPLE);
    let run = workspace.roster("plan", &["--org", "demo", "--detailed-exitcode"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // The one line on stderr is the read's cost (the demo manages utilization).
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("demo: reading will take about "),
        "{}",
        run.stderr
    );
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn the_demo_plan_in_markdown_shows_the_readme_differences() {
    let workspace = Workspace::copy(EXAMPLE);
    let run = workspace.roster("plan", &["--org", "demo", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!(run.stdout));
}

#[test]
fn the_demo_plan_in_json_shows_the_readme_differences() {
    let workspace = Workspace::copy(EXAMPLE);
    let run = workspace.roster("plan", &["--org", "demo", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["orgs"][0]["blocked"], serde_json::Value::Null);
    workspace
        .settings()
        .bind(|| insta::assert_json_snapshot!(plan));
}

#[test]
fn applying_the_demo_converges_and_journals_every_operation() {
    let workspace = Workspace::copy(EXAMPLE);
    let apply = workspace.roster("apply", &["--org", "demo", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("apply_stderr", apply.stderr));

    let again = workspace.roster("plan", &["--org", "demo", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    insta::assert_snapshot!(again.stdout, @r"
    demo: no changes, 4 unmanaged reported; 100 reads

    unmanaged (in the org, in no manifest; left alone):
    ? skill `DSL Support`
    ? queue `Emergency Outage`
    ? user `breakglass@acme.example`
    ? user `ryan.kowalski@acme.example`

    inherited through groups (never written by roster; managed users only):
        group `Spanish Speakers`
            queue `Spanish Line`: 5 users (alejandro.reyes@acme.example, beatriz.santos@acme.example, esperanza.morales@acme.example and 2 more)
        group `Team Leads`
            role `Supervisor in Contact Center`: 2 users (nikolai.petrov@acme.example, quinn.harper@acme.example)
    ");

    // What the org now holds, by natural keys, for the users the README talks about.
    let state = workspace.sandbox_state("demo");
    assert_no_duplicates(&state);
    let view = org_view(&state, README_USERS);
    insta::assert_json_snapshot!("demo_after_apply", view);

    // A second apply has nothing to do and writes nothing.
    let idle = workspace.roster("apply", &["--org", "demo", "--yes"]);
    assert_eq!(idle.code, 0, "{}", idle.stderr);
    assert_eq!(idle.stderr, "");
    assert_eq!(workspace.sandbox_state("demo"), state);
}

#[test]
fn the_journal_verifies_and_names_an_edited_line() {
    let workspace = Workspace::copy(EXAMPLE);
    let apply = workspace.roster("apply", &["--org", "demo", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let journal = workspace.journal("demo");
    let journal_arg = journal.to_str().unwrap();

    let verify =
        crate::support::run(crate::support::roster().args(["journal", "verify", journal_arg]));
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    workspace
        .settings()
        .bind(|| insta::assert_snapshot!("verify_intact", verify.stdout));

    // Edit one byte of one line: the proficiency Olivia's skill was set to.
    let text = std::fs::read_to_string(&journal).unwrap();
    let needle = r#""after":{"skills":{"Billing":5}}"#;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let index = lines
        .iter()
        .position(|line| line.contains("olivia.brooks@acme.example") && line.contains(needle))
        .expect("the journal records Olivia's skill change");
    lines[index] = lines[index].replacen(needle, &needle.replace('5', "4"), 1);
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    assert_eq!(std::fs::read_to_string(&journal).unwrap().len(), text.len());

    let verify =
        crate::support::run(crate::support::roster().args(["journal", "verify", journal_arg]));
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    let line_number = format!("line {}", index + 1);
    assert!(
        verify.stdout.contains(&line_number) || verify.stderr.contains(&line_number),
        "names {line_number}: {}{}",
        verify.stdout,
        verify.stderr
    );
    let mut settings = workspace.settings();
    // Operations finish in any order, so which line records Olivia varies.
    settings.add_filter(r"line \d+", "line [n]");
    settings.add_filter(r"\d+ entries before", "[n] entries before");
    settings.bind(|| {
        insta::assert_snapshot!(
            "verify_tampered",
            format!("{}{}", verify.stdout, verify.stderr)
        );
    });
}

#[test]
fn the_demo_plan_shows_what_groups_give_as_inherited() {
    let workspace = Workspace::copy(EXAMPLE);
    let run = workspace.roster("plan", &["--org", "demo"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let section: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("inherited through groups"))
        .take_while(|l| !l.is_empty())
        .collect();
    // README #9: Team Leads grants Supervisor; Spanish Speakers feeds Spanish Line (named
    // from the queue's member groups and the users' groups).
    insta::assert_snapshot!(section.join("\n"), @r"
    inherited through groups (never written by roster; managed users only):
        group `Spanish Speakers`
            queue `Spanish Line`: 5 users (alejandro.reyes@acme.example, beatriz.santos@acme.example, esperanza.morales@acme.example and 2 more)
        group `Team Leads`
            role `Supervisor in Contact Center`: 2 users (nikolai.petrov@acme.example, quinn.harper@acme.example)
    ");
}

#[test]
fn skipping_utilization_reads_no_user_utilization_and_plans_none() {
    let workspace = Workspace::copy("examples/acme");
    let user_utilization = |stderr: &str| {
        stderr
            .lines()
            .filter(|line| line.contains("/api/v2/routing/users/") && line.contains("/utilization"))
            .count()
    };
    let full = workspace.roster("plan", &["--org", "demo", "-v", "--format", "json"]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    assert!(
        user_utilization(&full.stderr) > 0,
        "the demo manages utilization"
    );
    let skipped = workspace.roster(
        "plan",
        &[
            "--org",
            "demo",
            "-v",
            "--format",
            "json",
            "--skip",
            "utilization",
        ],
    );
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert_eq!(user_utilization(&skipped.stderr), 0, "{}", skipped.stderr);
    let utilization_steps = |plan: &str| {
        let plan: serde_json::Value = serde_json::from_str(plan).unwrap();
        plan["orgs"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|step| step["operation"]["op"] == "setUtilization")
            .count()
    };
    assert!(
        utilization_steps(&full.stdout) > 0,
        "the full plan sets utilization"
    );
    assert_eq!(
        utilization_steps(&skipped.stdout),
        0,
        "no utilization is planned"
    );
}

/// Lines of `-v` logs that read one user's utilization.
fn user_utilization_reads(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|line| line.contains("/api/v2/routing/users/") && line.contains("/utilization"))
        .count()
}

/// The demo's profiles declare `utilization`: before the first request, `plan` states what the
/// read costs and that the per-user reads are why (issue #13).
#[test]
fn a_plan_with_managed_utilization_states_its_cost_before_reading() {
    let workspace = Workspace::copy(EXAMPLE);
    let run = workspace.roster("plan", &["--org", "demo", "-v"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let cost = lines
        .iter()
        .position(|line| line.starts_with("demo: reading will take"))
        .unwrap_or_else(|| panic!("no cost line: {}", run.stderr));
    let first_request = lines
        .iter()
        .position(|line| line.contains("/api/v2/"))
        .unwrap_or_else(|| panic!("no request logged: {}", run.stderr));
    assert!(cost < first_request, "{}", run.stderr);
    let reads = user_utilization_reads(&run.stderr);
    assert!(reads > 0, "the demo manages utilization");
    // The per-user term counts every user whose profile declares utilization: those the org
    // has are read, those still to be created are not (a bound, hence "about"). The rest is a
    // floor of what was sent (the token, one page per list and per queue read).
    let requests = lines
        .iter()
        .filter(|line| line.contains("/api/v2/") || line.contains("/oauth/token"))
        .count();
    workspace.settings().bind(|| {
        insta::assert_snapshot!(lines[cost], @"demo: reading will take about 88 requests (under a minute at 300/min): 54 are per-user utilization reads because profiles declare `utilization` (Genesys has no bulk read of it); `roster plan [workspace] --org demo --skip utilization` leaves it unmanaged for this run, `read: { skip: [utilization] }` in `roster.yaml` for every run");
    });
    let (estimated, per_user) = (88, 54);
    // The README's three new hires (#10) are the users not read.
    let not_yet_in_the_org = 3;
    assert_eq!(reads, per_user - not_yet_in_the_org);
    assert!(
        estimated - not_yet_in_the_org <= requests,
        "estimated {estimated}, sent {requests}"
    );
}

/// `read: { skip: [utilization] }` in `roster.yaml` leaves utilization unmanaged on every run:
/// no per-user read, no utilization step, and no cost line for a read that is now cheap.
#[test]
fn the_roster_yaml_setting_reads_no_user_utilization() {
    let workspace = Workspace::copy(EXAMPLE);
    let roster_yaml = workspace.read("roster.yaml");
    let edited = roster_yaml.replace(
        "    include: [base, orgs/demo]\n",
        "    include: [base, orgs/demo]\n    read: { skip: [utilization] }\n",
    );
    assert_ne!(
        edited, roster_yaml,
        "the demo org is where the test expects it"
    );
    workspace.write("roster.yaml", &edited);
    let run = workspace.roster("plan", &["--org", "demo", "-v", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(user_utilization_reads(&run.stderr), 0, "{}", run.stderr);
    assert!(!run.stderr.contains("reading will take"), "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let steps = plan["orgs"][0]["steps"].as_array().unwrap();
    assert!(
        steps
            .iter()
            .all(|step| step["operation"]["op"] != "setUtilization"),
        "no utilization is planned"
    );
    assert!(!steps.is_empty(), "the rest is still planned");
}

#[test]
fn apply_as_json_gives_each_orgs_outcome_to_tools() {
    let workspace = Workspace::copy(EXAMPLE);
    let applied = workspace.roster("apply", &["--org", "demo", "--yes", "--format", "json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let document: serde_json::Value = serde_json::from_str(&applied.stdout).unwrap();
    let org = &document["orgs"][0];
    assert_eq!(org["org"], "demo");
    assert_eq!(org["success"], true);
    let digest = org["planDigest"].as_str().unwrap();
    assert!(
        digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()),
        "{org}"
    );
    assert_eq!(
        org["summary"]["succeeded"].as_array().unwrap().len(),
        82,
        "{org}"
    );
    assert_eq!(org["summary"]["failed"], serde_json::json!([]));

    // Nothing left to do: still one document, with empty outcomes.
    let again = workspace.roster("apply", &["--org", "demo", "--yes", "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let document: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(
        document["orgs"][0]["summary"]["succeeded"],
        serde_json::json!([])
    );
}
