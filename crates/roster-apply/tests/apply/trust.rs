//! What the journal proves about itself (issue #12): the keyed chain against forgers without
//! the key, checkpoints against truncation and re-chaining, what the plain chain honestly
//! cannot show, and the intents an interrupted run leaves in doubt.

use std::fs;
use std::path::{Path, PathBuf};

use roster_apply::journal::chain::{GENESIS, hash_of, mac_of};
use roster_apply::journal::{AnchorCheck, Break, IN_DOUBT, INTENT};
use roster_apply::{
    ApplyOptions, Checkpoint, EntryBody, Journal, JournalError, JournalKey, Verdict, VerifyOptions,
    VerifyReport, apply, read_entries, verify, verify_with,
};
use roster_model::Step;
use serde_json::{Map, Value};

use crate::fake::{FakeTenant, context, skill, step, user_skill};

fn key() -> JournalKey {
    JournalKey::new(b"0123456789abcdef0123456789abcdef-journal".to_vec()).unwrap()
}

fn other_key() -> JournalKey {
    JournalKey::new(b"an attacker's own key, long enough to pass".to_vec()).unwrap()
}

/// Two skills and a user's skill: 9 lines a run (its start, 3 intents, 3 outcomes, its end
/// and checkpoint).
fn plan() -> Vec<Step> {
    vec![
        step(0, skill("Billing"), &[]),
        step(1, skill("Sales"), &[]),
        step(2, user_skill("a@acme.example", "Billing"), &[0]),
    ]
}

/// Runs `plan` `runs` times into the journal at `path`, keyed with `key` if given; returns the
/// checkpoint of the last run.
async fn runs(path: &Path, key: Option<JournalKey>, runs: usize) -> Checkpoint {
    let mut checkpoint = None;
    for _ in 0..runs {
        let mut journal = match &key {
            Some(key) => Journal::open_keyed(path, context(), key.clone()).unwrap(),
            None => Journal::open(path, context()).unwrap(),
        };
        let options = ApplyOptions {
            concurrency: 1,
            ..ApplyOptions::default()
        };
        let summary = apply(&FakeTenant::new(), &plan(), &options, &mut journal)
            .await
            .unwrap();
        checkpoint = summary.checkpoint;
    }
    checkpoint.expect("a closed run has a checkpoint")
}

async fn journal(
    key: Option<JournalKey>,
    count: usize,
) -> (tempfile::TempDir, PathBuf, Checkpoint) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prod-us.jsonl");
    let checkpoint = runs(&path, key, count).await;
    (dir, path, checkpoint)
}

fn parsed(path: &Path) -> Vec<Map<String, Value>> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| match serde_json::from_str(line).unwrap() {
            Value::Object(map) => map,
            _ => unreachable!("journal lines are objects"),
        })
        .collect()
}

fn write(path: &Path, lines: &[Map<String, Value>]) {
    let text: String = lines
        .iter()
        .map(|line| serde_json::to_string(line).unwrap() + "\n")
        .collect();
    fs::write(path, text).unwrap();
}

/// What a forger without the key can do: re-chain every line from `from` (1-based) on with
/// correct plain hashes, after editing line `from`. `keep_keyed` leaves the `chain` and
/// `keyId` fields on, so the lines still claim to be keyed.
fn rechain_plain(lines: &mut [Map<String, Value>], from: usize, keep_keyed: bool) {
    lines[from - 1].insert("org".to_owned(), Value::String("forged".to_owned()));
    for index in from - 1..lines.len() {
        let prev = if index == 0 {
            GENESIS.to_owned()
        } else {
            lines[index - 1]["hash"].as_str().unwrap().to_owned()
        };
        let line = &mut lines[index];
        if !keep_keyed {
            line.remove("chain");
            line.remove("keyId");
        }
        line.insert("prev".to_owned(), Value::String(prev));
        let hash = hash_of(line);
        line.insert("hash".to_owned(), Value::String(hash));
    }
}

fn with_key() -> VerifyOptions {
    VerifyOptions {
        key: Some(key()),
        ..VerifyOptions::default()
    }
}

fn against(checkpoint: &Checkpoint, key: Option<JournalKey>) -> VerifyOptions {
    VerifyOptions {
        key,
        checkpoints: vec![checkpoint.clone()],
        ..VerifyOptions::default()
    }
}

fn broken_at(report: &VerifyReport) -> (usize, Break) {
    let broken = report.broken.clone().unwrap_or_else(|| panic!("{report}"));
    (broken.line, broken.problem)
}

#[tokio::test(start_paused = true)]
async fn a_keyed_journal_verifies_with_its_key_and_is_unproven_without() {
    let (_dir, path, checkpoint) = journal(Some(key()), 2).await;
    let lines = parsed(&path);
    assert_eq!(lines.len(), 18);
    assert!(lines.iter().all(|line| line["chain"] == "hmac-sha256"));
    assert!(lines.iter().all(|line| line["keyId"] == key().id()));
    // The checkpoint names the second run's `runFinished` line, the one before the last.
    assert_eq!(checkpoint.seq, 17);
    assert_eq!(checkpoint.head, lines[16]["hash"]);
    assert_eq!(lines[17]["data"]["head"], lines[16]["hash"]);

    let report = verify_with(&path, &with_key()).unwrap();
    assert_eq!(report.verdict(), Verdict::Intact, "{report}");
    assert_eq!(
        (report.keyed, report.plain, report.unauthenticated),
        (18, 0, 0)
    );
    let text = report.to_string();
    assert!(text.contains("mode: keyed chain (HMAC-SHA256"), "{text}");
    assert!(
        text.contains("cannot prove: that no lines were cut"),
        "{text}"
    );

    let without = verify(&path).unwrap();
    assert_eq!(without.verdict(), Verdict::Unproven, "{without}");
    assert!(!without.is_intact());
    let text = without.to_string();
    assert!(text.contains("cannot prove authenticity"), "{text}");
    assert!(!text.contains("; intact"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn keyed_a_forged_line_with_a_correct_plain_hash_fails() {
    let (_dir, path, _) = journal(Some(key()), 1).await;
    let mut lines = parsed(&path);
    // A plain line, as the previous version wrote them, chained onto the last one.
    let mut forged = lines[1].clone();
    forged.remove("chain");
    forged.remove("keyId");
    forged.insert("seq".to_owned(), Value::from(10));
    forged.insert("prev".to_owned(), lines[8]["hash"].clone());
    let hash = hash_of(&forged);
    forged.insert("hash".to_owned(), Value::String(hash));
    lines.push(forged.clone());
    write(&path, &lines);
    let report = verify_with(&path, &with_key()).unwrap();
    assert_eq!(broken_at(&report), (10, Break::Downgraded));
    // The key is not even needed to see that one.
    assert_eq!(broken_at(&verify(&path).unwrap()), (10, Break::Downgraded));

    // Claiming to be keyed with the plain hash in place of the MAC.
    lines.pop();
    forged.insert("chain".to_owned(), Value::from("hmac-sha256"));
    forged.insert("keyId".to_owned(), Value::from(key().id()));
    let hash = hash_of(&forged);
    forged.insert("hash".to_owned(), Value::String(hash));
    lines.push(forged);
    write(&path, &lines);
    let report = verify_with(&path, &with_key()).unwrap();
    assert!(
        matches!(broken_at(&report), (10, Break::Forged { .. })),
        "{report}"
    );
    assert_eq!(report.verdict(), Verdict::Broken);
    // Without the key the forged line links fine: authenticity stays unproven, never intact.
    assert_eq!(verify(&path).unwrap().verdict(), Verdict::Unproven);
}

#[tokio::test(start_paused = true)]
async fn keyed_rechaining_everything_after_line_10_fails() {
    let (_dir, path, _) = journal(Some(key()), 2).await;
    let original = parsed(&path);

    let mut plain = original.clone();
    rechain_plain(&mut plain, 11, false);
    write(&path, &plain);
    assert_eq!(
        broken_at(&verify_with(&path, &with_key()).unwrap()),
        (11, Break::Downgraded)
    );

    let mut posing = original.clone();
    rechain_plain(&mut posing, 11, true);
    write(&path, &posing);
    let report = verify_with(&path, &with_key()).unwrap();
    assert!(
        matches!(broken_at(&report), (11, Break::Forged { .. })),
        "{report}"
    );

    // Re-chained with the forger's own key: it is not the journal's.
    let mut own = original;
    own[10].insert("org".to_owned(), Value::from("forged"));
    for index in 10..own.len() {
        let prev = own[index - 1]["hash"].clone();
        let line = &mut own[index];
        line.insert("keyId".to_owned(), Value::from(other_key().id()));
        line.insert("prev".to_owned(), prev);
        let mac = mac_of(line, &other_key());
        line.insert("hash".to_owned(), Value::String(mac));
    }
    write(&path, &own);
    let report = verify_with(&path, &with_key()).unwrap();
    assert!(
        matches!(broken_at(&report), (11, Break::OtherKey { .. })),
        "{report}"
    );
}

#[tokio::test(start_paused = true)]
async fn against_a_checkpoint_dropping_the_last_lines_fails() {
    for key in [Some(key()), None] {
        let (_dir, path, checkpoint) = journal(key.clone(), 2).await;
        let lines = parsed(&path);
        let options = against(&checkpoint, key.clone());
        assert_eq!(
            verify_with(&path, &options).unwrap().verdict(),
            Verdict::Intact
        );

        write(&path, &lines[..15]);
        // Alone, the shorter chain is whole: nothing in it shows the cut.
        let alone = VerifyOptions {
            key: key.clone(),
            ..VerifyOptions::default()
        };
        assert_eq!(
            verify_with(&path, &alone).unwrap().verdict(),
            Verdict::Intact
        );
        let report = verify_with(&path, &options).unwrap();
        assert_eq!(report.verdict(), Verdict::Broken, "{report}");
        assert_eq!(
            report.anchors,
            [AnchorCheck::Truncated {
                seq: 17,
                verified: 15
            }]
        );
        assert!(report.to_string().contains("lines were cut"), "{report}");

        // The head alone, as the apply printed it, catches it too.
        let head = VerifyOptions {
            key: key.clone(),
            head: Some(checkpoint.head.clone()),
            ..VerifyOptions::default()
        };
        let report = verify_with(&path, &head).unwrap();
        assert!(
            matches!(report.anchors[..], [AnchorCheck::HeadNotFound { .. }]),
            "{report}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn against_a_checkpoint_an_empty_journal_fails() {
    for key in [Some(key()), None] {
        let (_dir, path, checkpoint) = journal(key.clone(), 1).await;
        fs::write(&path, "").unwrap();
        let report = verify_with(&path, &against(&checkpoint, key)).unwrap();
        assert_eq!(report.verdict(), Verdict::Broken, "{report}");
        assert_eq!(
            report.anchors,
            [AnchorCheck::Truncated {
                seq: 8,
                verified: 0
            }]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn plain_mode_detects_careless_edits_but_not_a_recomputed_chain_or_a_cut() {
    let (_dir, path, checkpoint) = journal(None, 2).await;
    let original = parsed(&path);

    // An edit that does not recompute the hash: detected.
    let mut edited = original.clone();
    edited[11].insert("org".to_owned(), Value::from("forged"));
    write(&path, &edited);
    assert!(matches!(
        broken_at(&verify(&path).unwrap()),
        (12, Break::Edited { .. })
    ));

    // Re-chaining after line 10 with recomputed hashes: the chain alone cannot tell, and the
    // report says so.
    let mut rechained = original.clone();
    rechain_plain(&mut rechained, 11, false);
    write(&path, &rechained);
    let report = verify(&path).unwrap();
    assert_eq!(report.verdict(), Verdict::Intact);
    assert!(
        report
            .to_string()
            .contains("cannot prove: that nobody rewrote the journal and recomputed the chain"),
        "{report}"
    );
    // A checkpoint kept elsewhere catches it.
    let report = verify_with(&path, &against(&checkpoint, None)).unwrap();
    assert!(
        matches!(report.anchors[..], [AnchorCheck::Rewritten { seq: 17, .. }]),
        "{report}"
    );

    // Nor does it show lines cut from the end.
    write(&path, &original[..12]);
    assert_eq!(verify(&path).unwrap().verdict(), Verdict::Intact);

    // A key given for a journal with no keyed line proves nothing, and says so.
    write(&path, &original);
    let report = verify_with(&path, &with_key()).unwrap();
    assert_eq!(report.verdict(), Verdict::Unproven, "{report}");
}

#[tokio::test(start_paused = true)]
async fn a_plain_journal_continues_keyed_and_a_keyed_one_needs_its_key() {
    let (_dir, path, _) = journal(None, 1).await;
    runs(&path, Some(key()), 1).await;
    let report = verify_with(&path, &with_key()).unwrap();
    assert_eq!(report.verdict(), Verdict::Intact, "{report}");
    assert_eq!(
        (report.plain, report.keyed, report.first_keyed),
        (9, 9, Some(10))
    );
    assert!(
        report.to_string().contains("lines 1 to 9 are plain"),
        "{report}"
    );

    // The keyed lines vouch for the plain ones before them.
    let mut lines = parsed(&path);
    rechain_plain(&mut lines[..9], 3, false);
    write(&path, &lines);
    assert!(matches!(
        broken_at(&verify_with(&path, &with_key()).unwrap()),
        (10, Break::Unlinked { .. })
    ));

    let (_dir, path, _) = journal(Some(key()), 1).await;
    assert!(matches!(
        Journal::open(&path, context()),
        Err(JournalError::KeyRequired { .. })
    ));
    assert!(matches!(
        Journal::open_keyed(&path, context(), other_key()),
        Err(JournalError::OtherKey { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn intents_left_without_an_outcome_are_reported_in_doubt_once() {
    let (_dir, path, _) = journal(Some(key()), 1).await;
    // As a crash leaves it: step 1's intent written, then nothing (lines 1-5: runStarted,
    // intent 0, outcome 0, intent 1, outcome 1; keep up to intent 1).
    let lines = parsed(&path);
    assert_eq!(lines[3]["kind"], INTENT);
    write(&path, &lines[..4]);

    let journal = Journal::open_keyed(&path, context(), key()).unwrap();
    let in_doubt = journal.in_doubt().to_vec();
    assert_eq!(in_doubt.len(), 1);
    assert_eq!((in_doubt[0].seq, in_doubt[0].run), (4, Some(1)));
    assert_eq!(
        in_doubt[0].to_string(),
        "createSkill skill `Sales` (journal line 4, run 1, step #1)"
    );
    drop(journal);
    let entries = read_entries(&path).unwrap();
    let EntryBody::Record { kind, data } = &entries.last().unwrap().body else {
        panic!("expected the in-doubt record");
    };
    assert_eq!(kind, IN_DOUBT);
    assert_eq!(data["intents"][0]["target"]["key"], "Sales");
    assert!(verify_with(&path, &with_key()).unwrap().is_intact());

    // Reported once: the record settles it for the runs after.
    let mut journal = Journal::open_keyed(&path, context(), key()).unwrap();
    assert!(journal.in_doubt().is_empty());
    drop(journal);

    // The run that finds them reports them in its summary.
    write(&path, &lines[..4]);
    journal = Journal::open_keyed(&path, context(), key()).unwrap();
    let summary = apply(
        &FakeTenant::new(),
        &plan()[1..2],
        &ApplyOptions::default(),
        &mut journal,
    )
    .await
    .unwrap();
    assert_eq!(summary.in_doubt, in_doubt);
    let text = summary.to_string();
    assert!(
        text.contains("in doubt (an earlier run stopped after starting these writes")
            && text.contains("  createSkill skill `Sales` (journal line 4, run 1, step #1)"),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_finished_run_leaves_nothing_in_doubt() {
    // A finished run settles everything: nothing in doubt on the next open.
    let (_dir, path, _) = journal(None, 1).await;
    assert!(
        Journal::open(&path, context())
            .unwrap()
            .in_doubt()
            .is_empty()
    );
}
