//! The journal: line shape, hash chain, tamper detection, appending, repair and reading back.

use std::fs;
use std::path::{Path, PathBuf};

use roster_apply::journal::chain::GENESIS;
use roster_apply::{
    ApplyOptions, EntryBody, Journal, JournalError, apply, entries_for_user, read_entries, verify,
};
use roster_model::{Email, Operation, Step};
use serde_json::{Value, json};

use crate::fake::{FakeTenant, context, skill, step, user_skill};

/// One failure, one skip, one success with a `before` value, one queue membership change.
fn small_plan() -> Vec<Step> {
    let mut sales = step(2, user_skill("b@acme.example", "Sales"), &[]);
    sales.before = Some(json!({"skills": {"Sales": 1}}));
    vec![
        step(0, skill("Billing"), &[]),
        step(1, user_skill("a@acme.example", "Billing"), &[0]),
        sales,
        step(
            3,
            Operation::AddQueueMembers {
                queue: "Support".to_owned(),
                users: [Email::parse("a@acme.example").unwrap()].into(),
            },
            &[],
        ),
    ]
}

/// Applies `steps` once more to the journal at `path`.
async fn apply_to(path: &Path, steps: &[Step]) {
    let tenant = FakeTenant::new().failing("createSkill skill `Billing`");
    let mut journal = Journal::open(path, context()).unwrap();
    let options = ApplyOptions {
        concurrency: 1,
        ..ApplyOptions::default()
    };
    apply(&tenant, steps, &options, &mut journal).await.unwrap();
}

/// A journal with one run of [`small_plan`], in a temporary folder.
async fn journal_with_one_run() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".roster/journal/prod-us.jsonl");
    apply_to(&path, &small_plan()).await;
    (dir, path)
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(path, text).unwrap();
}

/// Filters for what changes from run to run: hashes, times, the temporary path.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"[0-9a-f]{64}", "[hash]"),
        (r"[0-9a-f]{12}…", "[short]…"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]"),
        (r"`[^`]*prod-us\.jsonl`", "`[journal]`"),
    ]
}

#[tokio::test(start_paused = true)]
async fn lines_are_json_with_the_documented_fields_and_chain() {
    let (_dir, path) = journal_with_one_run().await;
    let parsed: Vec<Value> = lines(&path)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(parsed[0]["prev"], GENESIS);
    for pair in parsed.windows(2) {
        assert_eq!(pair[1]["prev"], pair[0]["hash"]);
    }
    insta::assert_json_snapshot!("journal_lines", parsed, {
        "[].time" => "[time]",
        "[].prev" => "[hash]",
        "[].hash" => "[hash]",
        "[].durationMs" => "[ms]",
        "[].elapsedMs" => "[ms]",
        "[].data.head" => "[hash]",
    });
}

#[tokio::test(start_paused = true)]
async fn an_intact_journal_verifies() {
    let (_dir, path) = journal_with_one_run().await;
    let report = verify(&path).unwrap();
    assert!(report.is_intact());
    // The run's opening line, an intent before each of the three operations that ran, an
    // outcome for each of the four steps, and the closing line and its checkpoint.
    assert_eq!(report.entries, 10);
    let last: Value = serde_json::from_str(lines(&path).last().unwrap()).unwrap();
    assert_eq!(report.head, last["hash"]);
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("verify_intact", report.to_string());
    });
}

#[tokio::test(start_paused = true)]
async fn tampering_is_detected_at_the_right_line() {
    let (_dir, path) = journal_with_one_run().await;
    let original = lines(&path);
    assert_eq!(original.len(), 10);
    let edit_byte = |line: usize, from: &str, to: &str| {
        let mut edited = original.clone();
        assert_eq!(from.len(), 1);
        assert!(edited[line - 1].contains(from));
        edited[line - 1] = edited[line - 1].replacen(from, to, 1);
        edited
    };
    let edit_hash = |line: usize| {
        let mut edited = original.clone();
        let at = edited[line - 1].rfind("\"}").unwrap() - 1;
        let flipped = if &edited[line - 1][at..=at] == "0" {
            "1"
        } else {
            "0"
        };
        edited[line - 1].replace_range(at..=at, flipped);
        edited
    };
    let mut cases: Vec<(&str, Vec<String>)> = vec![
        ("value byte edited in line 4", edit_byte(4, "S", "T")),
        ("key byte edited in line 2", edit_byte(2, "k", "K")),
        ("hash byte edited in line 3", edit_hash(3)),
        ("line 3 deleted", {
            let mut v = original.clone();
            v.remove(2);
            v
        }),
        ("line 1 deleted", original[1..].to_vec()),
        ("lines 4 and 5 swapped", {
            let mut v = original.clone();
            v.swap(3, 4);
            v
        }),
        ("line 2 duplicated", {
            let mut v = original.clone();
            v.insert(2, original[1].clone());
            v
        }),
        ("blank line inserted before line 5", {
            let mut v = original.clone();
            v.insert(4, String::new());
            v
        }),
        (
            "last line cut (undetectable without the head)",
            original[..9].to_vec(),
        ),
    ];
    let mut results = Vec::new();
    for (name, edited) in cases.drain(..) {
        write_lines(&path, &edited);
        let report = verify(&path).unwrap();
        results.push(format!("{name}:\n{report}").replace('\n', "\n  "));
    }
    // A half-written last line, as a crash mid-write leaves it.
    let mut torn = original.join("\n");
    torn.push_str("\n{\"seq\":11,\"time\":\"2026");
    fs::write(&path, torn).unwrap();
    results.push(format!("torn last line:\n{}", verify(&path).unwrap()).replace('\n', "\n  "));
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("tampering", results.join("\n"));
    });
}

#[tokio::test(start_paused = true)]
async fn a_second_run_continues_the_chain() {
    let (_dir, path) = journal_with_one_run().await;
    let first = lines(&path);
    apply_to(&path, &small_plan()[2..]).await;
    let all = lines(&path);
    assert_eq!(all.len(), first.len() + 7);
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!((report.entries, report.runs), (17, 2));
    let entries = read_entries(&path).unwrap();
    assert_eq!(entries[10].prev, entries[9].hash);
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=17).collect::<Vec<_>>()
    );
    assert_eq!(
        entries.iter().map(|e| e.run).collect::<Vec<_>>(),
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 11, 11, 11, 11, 11, 11, 11].map(Some),
        "every line of a run names the run"
    );
}

#[tokio::test(start_paused = true)]
async fn a_torn_last_line_is_discarded_and_recorded_on_open() {
    let (_dir, path) = journal_with_one_run().await;
    let mut content = fs::read(&path).unwrap();
    content.extend_from_slice(b"{\"seq\":11,\"time\":\"20");
    fs::write(&path, &content).unwrap();

    let journal = Journal::open(&path, context()).unwrap();
    assert_eq!(journal.next_seq(), 12);
    drop(journal);
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report}");
    let entries = read_entries(&path).unwrap();
    let EntryBody::Record { kind, data } = &entries.last().unwrap().body else {
        panic!("expected a record, got {:?}", entries.last());
    };
    assert_eq!(kind, "tornWrite");
    insta::assert_json_snapshot!("torn_write_record", data);
}

#[tokio::test(start_paused = true)]
async fn a_whole_last_line_missing_only_its_newline_is_kept() {
    let (_dir, path) = journal_with_one_run().await;
    let mut content = fs::read(&path).unwrap();
    assert_eq!(content.pop(), Some(b'\n'));
    fs::write(&path, &content).unwrap();

    let mut journal = Journal::open(&path, context()).unwrap();
    journal.record("note", json!({"text": "after"})).unwrap();
    drop(journal);
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.entries, 11);
}

#[test]
fn records_are_chained_and_reserved_kinds_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/journal.jsonl");
    let mut journal = Journal::open(&path, context()).unwrap();
    assert_eq!(journal.head(), GENESIS);
    let seq = journal
        .record(
            "assignmentSnapshot",
            json!({"user": "jane@acme.example", "skills": {"Billing": 4}, "queues": ["Billing"]}),
        )
        .unwrap();
    assert_eq!(seq, 1);
    let refused = journal.record("operation", json!({})).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "`operation` is a journal record kind roster writes itself; use another kind"
    );
    journal
        .record(
            "offboarding",
            json!({"email": "jane@acme.example", "reason": "left", "eventId": "HR-1"}),
        )
        .unwrap();
    drop(journal);
    let report = verify(&path).unwrap();
    assert!(report.is_intact());
    assert_eq!(report.entries, 2);
}

#[test]
fn a_journal_has_one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let first = Journal::open(&path, context()).unwrap();
    let second = Journal::open(&path, context()).unwrap_err();
    assert!(matches!(second, JournalError::Locked { .. }), "{second}");
    drop(first);
    Journal::open(&path, context()).unwrap();
}

#[test]
fn an_unreadable_last_line_cannot_be_continued() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    fs::write(&path, "not json\n").unwrap();
    let error = Journal::open(&path, context()).unwrap_err();
    assert!(
        matches!(error, JournalError::Corrupt { line: 1, .. }),
        "{error}"
    );
}

#[test]
fn default_path_is_under_dot_roster() {
    assert_eq!(
        Journal::default_path(Path::new("repo"), "prod-us"),
        Path::new("repo/.roster/journal/prod-us.jsonl")
    );
    assert_eq!(
        Journal::default_path(Path::new("repo"), "../etc/x y"),
        Path::new("repo/.roster/journal/.._etc_x_y.jsonl")
    );
}

#[tokio::test(start_paused = true)]
async fn entries_read_back_typed_and_filter_by_user() {
    let (_dir, path) = journal_with_one_run().await;
    let mut journal = Journal::open(&path, context()).unwrap();
    journal
        .record(
            "assignmentSnapshot",
            json!({"user": "A@acme.example", "queues": ["Support"]}),
        )
        .unwrap();
    drop(journal);
    let entries = read_entries(&path).unwrap();
    let all: Vec<String> = entries.iter().map(ToString::to_string).collect();
    let user = Email::parse("a@acme.example").unwrap();
    let about_a: Vec<String> = entries_for_user(&entries, &user)
        .map(ToString::to_string)
        .collect();
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("show_all", all.join("\n"));
        insta::assert_snapshot!("show_user", about_a.join("\n"));
    });
    // Writing an entry back out gives the very line that was read, field order included.
    for (entry, line) in entries.iter().zip(lines(&path)) {
        assert_eq!(
            serde_json::to_string(&entry.to_line().unwrap()).unwrap(),
            line
        );
    }
}

#[tokio::test(start_paused = true)]
async fn an_adopted_create_is_journaled_and_shown_as_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let tenant = FakeTenant::new().adopting("createSkill skill `Billing`");
    let mut journal = Journal::open(&path, context()).unwrap();
    let steps = [
        step(0, skill("Billing"), &[]),
        step(1, user_skill("a@acme.example", "Billing"), &[0]),
    ];
    apply(&tenant, &steps, &ApplyOptions::default(), &mut journal)
        .await
        .unwrap();
    drop(journal);

    let parsed: Vec<Value> = lines(&path)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    insta::assert_json_snapshot!("adopted_line", parsed[2], {
        ".time" => "[time]",
        ".prev" => "[hash]",
        ".hash" => "[hash]",
        ".durationMs" => "[ms]",
    });
    assert_eq!(parsed[5]["adopted"], 1);
    assert_eq!(parsed[5]["succeeded"], 1);
    assert!(verify(&path).unwrap().is_intact());

    let shown: Vec<String> = read_entries(&path)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!(shown.join("\n"), @r"
        [time]      #1  apply started on `prod-us`: 2 steps as `client-0a1b` at commit 9fceb02
        [time]      #2  step #0 createSkill skill `Billing`: starting
        [time]      #3  step #0 createSkill skill `Billing`: adopted: it was already in the org (correlation id corr-createSkill)
        [time]      #4  step #1 setUserSkills user `a@acme.example`: starting
        [time]      #5  step #1 setUserSkills user `a@acme.example`: succeeded (correlation id corr-setUserSkills)
        [time]      #6  apply finished on `prod-us`: 1 succeeded, 1 adopted, 0 failed, 0 skipped, 0 not run
        [time]      #7  checkpoint: line 6 has hash [hash]
        ");
    });
}

#[test]
fn a_journal_written_before_adoption_existed_reads_and_verifies() {
    // Lines as roster wrote them before `adopted`: no such outcome, no `adopted` count.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    fs::write(&path, OLD_JOURNAL).unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report}");
    let entries = read_entries(&path).unwrap();
    let EntryBody::RunFinished(finished) = &entries[2].body else {
        panic!("expected the run's last line, got {:?}", entries[2]);
    };
    assert_eq!((finished.succeeded, finished.adopted), (1, 0));
    // Read back and written out, each line holds what was read; only the time is now
    // written at a fixed width (microseconds), the same instant.
    for (entry, line) in entries.iter().zip(OLD_JOURNAL.lines()) {
        let mut written = entry.to_line().unwrap();
        let mut read: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).unwrap();
        let instant = |fields: &mut serde_json::Map<String, serde_json::Value>| {
            let text = fields.remove("time").unwrap();
            time::OffsetDateTime::parse(
                text.as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
        };
        assert_eq!(instant(&mut written), instant(&mut read));
        assert_eq!(written, read);
    }
    // And a run appended to it continues the chain.
    let mut journal = Journal::open(&path, context()).unwrap();
    journal.record("note", json!({"text": "after"})).unwrap();
    drop(journal);
    assert!(verify(&path).unwrap().is_intact());
}

/// A one-step run as roster wrote it before `adopted` existed.
const OLD_JOURNAL: &str = r#"{"seq":1,"time":"2026-12-02T19:07:49.309Z","kind":"runStarted","org":"prod-us","principal":"client-0a1b","gitCommit":"9fceb02","planDigest":"sha256:5d41402abc4b2a76","run":1,"steps":1,"concurrency":8,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"3ec198dc4581ae9d830179d709ba1327c8a483d6c3eaa73bed3bbb10ef9cd6b7"}
{"seq":2,"time":"2026-12-02T19:07:49.321Z","kind":"operation","org":"prod-us","principal":"client-0a1b","gitCommit":"9fceb02","planDigest":"sha256:5d41402abc4b2a76","run":1,"step":0,"target":{"kind":"skill","key":"Billing"},"operation":{"op":"createSkill","name":"Billing"},"before":null,"after":{},"outcome":{"status":"succeeded"},"correlationId":"corr-createSkill","requests":1,"durationMs":11,"prev":"3ec198dc4581ae9d830179d709ba1327c8a483d6c3eaa73bed3bbb10ef9cd6b7","hash":"179b47237baec67020602f4df18595e960106aacbbcecac48f65218a13b9b4d1"}
{"seq":3,"time":"2026-12-02T19:07:49.321Z","kind":"runFinished","org":"prod-us","principal":"client-0a1b","gitCommit":"9fceb02","planDigest":"sha256:5d41402abc4b2a76","run":1,"succeeded":1,"failed":0,"skipped":0,"notRun":0,"interrupted":0,"requests":1,"elapsedMs":11,"prev":"179b47237baec67020602f4df18595e960106aacbbcecac48f65218a13b9b4d1","hash":"ac4aaecc632375ebbd25d6e93b3d626a6b3beb1fadeaa33596c2b3d61f881976"}
"#;
