//! No unrecorded write (issue #12): a process killed right after a write reached the org, before
//! its outcome was journaled, leaves that write's intent in the journal, and the next run
//! reports it in doubt; SIGTERM stops an apply like a first Ctrl-C, a second one at once.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use roster_sandbox::FaultUpdate;
use serde_json::Value;

use crate::support::{External, REMOTE, Workspace, repo_path, run};

const FULL: &str = "tests/fixtures/workspaces/full";

fn full_seed() -> String {
    std::fs::read_to_string(repo_path(FULL).join("sandbox/seed.yaml")).unwrap()
}

fn journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The operations of the remote org's plan, as JSON.
fn planned_operations(workspace: &Workspace) -> BTreeSet<String> {
    let plan = workspace.roster("plan", &["--org", REMOTE, "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    plan["orgs"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["operation"].to_string())
        .collect()
}

/// `(seq, run)` of every intent without an outcome of the same run and step.
fn open_intents(lines: &[Value]) -> Vec<(u64, u64)> {
    let mut open: Vec<(u64, u64, u64, String)> = Vec::new();
    for line in lines {
        let (run, step) = (line["run"].as_u64(), line["step"].as_u64());
        match line["kind"].as_str() {
            Some("intent") => open.push((
                line["seq"].as_u64().unwrap(),
                run.unwrap(),
                step.unwrap(),
                line["operation"].to_string(),
            )),
            Some("operation") => open.retain(|(_, r, s, _)| Some(*r) != run || Some(*s) != step),
            _ => {}
        }
    }
    open.into_iter()
        .map(|(seq, run, _, _)| (seq, run))
        .collect()
}

#[test]
fn a_crash_after_the_last_write_is_reported_in_doubt_though_nothing_is_left_to_do() {
    let sandbox = External::start(&full_seed());
    let mut workspace = Workspace::copy(FULL);
    workspace.connect(&sandbox);
    let steps = planned_operations(&workspace).len();
    let crashed = workspace
        .command("apply", &["--org", REMOTE, "--yes", "--concurrency", "1"])
        .env("ROSTER_TESTING_ABORT_AFTER_WRITES", steps.to_string())
        .output()
        .unwrap();
    assert_eq!(
        crashed.status.code(),
        None,
        "killed by the abort, not exited"
    );
    let journal = workspace.journal(REMOTE);
    let in_doubt = open_intents(&journal_lines(&journal));
    assert_eq!(in_doubt.len(), 1, "the last write: {in_doubt:?}");
    assert!(
        planned_operations(&workspace).is_empty(),
        "every write took effect"
    );

    // An empty plan opens no run, yet the intent is reported and recorded once.
    let rerun = workspace.roster("apply", &["--org", REMOTE, "--yes"]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let (seq, run) = in_doubt[0];
    assert!(
        rerun.stderr.contains("in doubt (an earlier run stopped")
            && rerun
                .stderr
                .contains(&format!("(journal line {seq}, run {run}, step #")),
        "{}",
        rerun.stderr
    );
    let recorded = journal_lines(&journal)
        .iter()
        .filter(|line| line["kind"] == "inDoubt")
        .count();
    assert_eq!(recorded, 1);
    let again = workspace.roster("apply", &["--org", REMOTE, "--yes"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stderr.contains("in doubt"), "{}", again.stderr);
}

#[test]
fn a_crash_after_writes_reached_the_org_leaves_them_in_doubt_and_the_next_run_reports_them() {
    for concurrency in ["1", "8"] {
        let sandbox = External::start(&full_seed());
        let mut workspace = Workspace::copy(FULL);
        workspace.connect(&sandbox);
        let before = planned_operations(&workspace);

        let crashed = workspace
            .command(
                "apply",
                &["--org", REMOTE, "--yes", "--concurrency", concurrency],
            )
            .env("ROSTER_TESTING_ABORT_AFTER_WRITES", "5")
            .output()
            .unwrap();
        assert_eq!(
            crashed.status.code(),
            None,
            "killed by the abort, not exited"
        );
        let journal = workspace.journal(REMOTE);
        let lines = journal_lines(&journal);
        let outcomes = lines.iter().filter(|l| l["kind"] == "operation").count();
        assert_eq!(
            outcomes, 4,
            "four outcomes journaled before the fifth killed it"
        );
        let in_doubt = open_intents(&lines);
        assert!(!in_doubt.is_empty());
        if concurrency == "1" {
            assert_eq!(in_doubt.len(), 1, "{in_doubt:?}");
        }

        // Nothing written is missing from the journal: every operation that no longer needs
        // doing (it took effect) has its intent on record.
        let after = planned_operations(&workspace);
        let intents: BTreeSet<String> = lines
            .iter()
            .filter(|l| l["kind"] == "intent")
            .map(|l| l["operation"].to_string())
            .collect();
        let done: Vec<&String> = before.difference(&after).collect();
        assert!(done.len() >= 5, "the five writes took effect: {done:?}");
        for operation in &done {
            assert!(
                intents.contains(*operation),
                "{operation} took effect without an intent"
            );
        }

        // The next run reports each of them in doubt, journals that, and converges.
        let rerun = workspace.roster("apply", &["--org", REMOTE, "--yes"]);
        assert_eq!(rerun.code, 0, "{}", rerun.stderr);
        assert!(
            rerun.stderr.contains("in doubt (an earlier run stopped"),
            "{}",
            rerun.stderr
        );
        for (seq, run) in &in_doubt {
            assert!(
                rerun
                    .stderr
                    .contains(&format!("(journal line {seq}, run {run}, step #")),
                "line {seq} reported: {}",
                rerun.stderr
            );
        }
        let lines = journal_lines(&journal);
        let record = lines
            .iter()
            .find(|l| l["kind"] == "inDoubt")
            .expect("an inDoubt record");
        let recorded: Vec<u64> = record["data"]["intents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["seq"].as_u64().unwrap())
            .collect();
        let expected: Vec<u64> = in_doubt.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(recorded, expected);
        let verify = run(crate::support::roster()
            .args(["journal", "verify"])
            .arg(&journal));
        assert_eq!(verify.code, 0, "{}", verify.stdout);
        let plan = workspace.roster("plan", &["--org", REMOTE, "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.stdout);
    }
}

/// Sends `signal` to the process `pid` with `kill`.
fn send(signal: &str, pid: u32) {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (without a clock: until the event happens) for the journal to hold more than `count`
/// intents, failing if the apply ends first.
fn wait_for_intents(path: &Path, count: usize, child: &mut std::process::Child) {
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the apply ended before its operation {} started",
            count + 1
        );
        let intents = journal_lines_lenient(path)
            .iter()
            .filter(|l| l["kind"] == "intent")
            .count();
        if intents > count {
            return;
        }
        std::thread::yield_now();
    }
}

/// The journal's whole lines, skipping a line being written.
fn journal_lines_lenient(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[test]
#[cfg(unix)]
fn sigterm_stops_like_ctrl_c_and_a_second_one_abandons_the_write_in_flight() {
    let sandbox = External::start(&full_seed());
    let mut workspace = Workspace::copy(FULL);
    workspace.connect(&sandbox);
    let journal = workspace.journal(REMOTE);
    let mut child = workspace
        .process("apply", &["--org", REMOTE, "--yes", "--concurrency", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_intents(&journal, 0, &mut child);
    // From now on each write hangs long enough for both signals to arrive while it is in
    // flight; wait for one that started under the delay.
    sandbox.faults(&FaultUpdate {
        latency_ms: Some(20_000),
        ..FaultUpdate::default()
    });
    let started = journal_lines_lenient(&journal)
        .iter()
        .filter(|l| l["kind"] == "intent")
        .count();
    wait_for_intents(&journal, started, &mut child);

    send("-TERM", child.id());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    while !text.contains("interrupted: finishing the operations in flight, starting no more") {
        assert!(stderr.read_line(&mut text).unwrap() > 0, "{text}");
    }
    send("-TERM", child.id());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    text.push_str(&rest);
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(
        text.contains("interrupted again: abandoning the operations in flight"),
        "{text}"
    );
    assert!(
        text.contains("interrupted (outcome unknown until the next plan):"),
        "{text}"
    );
    assert!(text.contains("journal head: line "), "{text}");

    // The journal was flushed and closed: the abandoned write is recorded as interrupted, not
    // left in doubt, and the run ends with its checkpoint.
    let lines = journal_lines(&journal);
    assert!(open_intents(&lines).is_empty());
    let statuses: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["outcome"]["status"].as_str())
        .collect();
    assert_eq!(statuses.last(), Some(&"interrupted"), "{statuses:?}");
    assert_eq!(lines[lines.len() - 2]["kind"], "runFinished");
    assert_eq!(lines[lines.len() - 2]["stopped"]["reason"], "interrupted");
    assert_eq!(lines[lines.len() - 1]["kind"], "checkpoint");
    sandbox.faults(&FaultUpdate {
        latency_ms: Some(0),
        ..FaultUpdate::default()
    });
}

const KEY: &str = "e2e journal key: thirty-two bytes or more of secret";

#[test]
fn a_keyed_journal_proves_itself_with_the_key_and_a_checkpoint_catches_a_cut() {
    let workspace = Workspace::copy("examples/acme");
    let roster_yaml = workspace.read("roster.yaml");
    workspace.write(
        "roster.yaml",
        &format!("{roster_yaml}\njournal:\n  key: {{ env: E2E_JOURNAL_KEY }}\n"),
    );
    let checkpoint = workspace.root().join("checkpoint.jsonl");
    let checkpoint_arg = checkpoint.to_str().unwrap();
    let without_key = workspace.roster("apply", &["--org", "demo", "--yes"]);
    assert_eq!(without_key.code, 1, "{}", without_key.stderr);
    assert!(
        without_key.stderr.contains("`E2E_JOURNAL_KEY` is not set"),
        "{}",
        without_key.stderr
    );
    let apply = run(workspace
        .command(
            "apply",
            &["--org", "demo", "--yes", "--checkpoint-out", checkpoint_arg],
        )
        .env("E2E_JOURNAL_KEY", KEY));
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    let head = saved["head"].as_str().unwrap();
    assert!(
        apply.stderr.contains(&format!(
            "demo: journal head: line {}, hash {head}",
            saved["seq"]
        )),
        "{}",
        apply.stderr
    );

    let journal = workspace.journal("demo");
    let verify = |args: &[&str]| {
        run(crate::support::roster()
            .env("E2E_JOURNAL_KEY", KEY)
            .args(["journal", "verify"])
            .arg(&journal)
            .args(args))
    };
    let keyed = verify(&[
        "--key-env",
        "E2E_JOURNAL_KEY",
        "--checkpoint",
        checkpoint_arg,
    ]);
    assert_eq!(keyed.code, 0, "{}", keyed.stdout);
    assert!(
        keyed.stdout.contains("verified; intact"),
        "{}",
        keyed.stdout
    );
    assert!(
        keyed.stdout.contains("mode: keyed chain (HMAC-SHA256"),
        "{}",
        keyed.stdout
    );
    let unkeyed = verify(&[]);
    assert_eq!(unkeyed.code, 1, "{}", unkeyed.stdout);
    assert!(
        unkeyed.stdout.contains("cannot prove authenticity"),
        "{}",
        unkeyed.stdout
    );

    // Cut the run's last lines: the chain alone is whole, the checkpoint is not.
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&journal, lines[..lines.len() - 3].join("\n") + "\n").unwrap();
    assert_eq!(verify(&["--key-env", "E2E_JOURNAL_KEY"]).code, 0);
    let cut = verify(&[
        "--key-env",
        "E2E_JOURNAL_KEY",
        "--checkpoint",
        checkpoint_arg,
    ]);
    assert_eq!(cut.code, 1, "{}", cut.stdout);
    assert!(
        cut.stdout.contains("lines were cut from its end"),
        "{}",
        cut.stdout
    );
    let by_head = verify(&["--key-env", "E2E_JOURNAL_KEY", "--head", head]);
    assert_eq!(by_head.code, 1, "{}", by_head.stdout);

    // `roster journal checkpoint` needs the key for a keyed journal.
    let refused = run(crate::support::roster()
        .args(["journal", "checkpoint"])
        .arg(&journal));
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let printed = run(crate::support::roster()
        .env("E2E_JOURNAL_KEY", KEY)
        .args(["journal", "checkpoint", "--key-env", "E2E_JOURNAL_KEY"])
        .arg(&journal));
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    let printed: Value = serde_json::from_str(&printed.stdout).unwrap();
    assert_eq!(printed["seq"].as_u64().unwrap() as usize, lines.len() - 3);
}
