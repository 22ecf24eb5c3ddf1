//! The file channel in a temporary folder.

use roster_notify::channel::{Delivery, FileChannel};
use serde_json::json;

use super::envelope;

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_message_becomes_one_json_file_named_after_its_key() {
    let root = tempfile::tempdir().unwrap();
    // The folder does not exist yet: the first delivery creates it.
    let channel = FileChannel::new(root.path().join(".roster/outbox"));
    let envelope = envelope("ana@acme.example", "Ana");

    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);

    assert_eq!(
        names_in(channel.dir()),
        vec![format!("{}.json", envelope.key)]
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(channel.path_for(&envelope.key)).unwrap()).unwrap();
    assert_eq!(
        written,
        json!({
            "key": envelope.key,
            "recipient": {
                "email": "ana@acme.example",
                "name": "Ana",
                "timezone": "Europe/Madrid"
            },
            "subject": envelope.subject,
            "body": envelope.body
        })
    );
}

#[tokio::test]
async fn an_existing_file_means_delivered_and_is_not_rewritten() {
    let root = tempfile::tempdir().unwrap();
    let channel = FileChannel::new(root.path());
    let envelope = envelope("ana@acme.example", "Ana");
    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);
    let path = channel.path_for(&envelope.key);
    // Mark the file: a second delivery that wrote it again would lose the mark.
    std::fs::write(&path, "already delivered").unwrap();

    let mut changed = envelope.clone();
    changed.body = "a different body".to_owned();
    assert_eq!(channel.deliver(&changed).await, Delivery::Sent);

    assert_eq!(std::fs::read_to_string(&path).unwrap(), "already delivered");
    assert_eq!(names_in(root.path()).len(), 1);
}

#[tokio::test]
async fn concurrent_deliveries_leave_only_whole_files_and_no_temporary_ones() {
    let root = tempfile::tempdir().unwrap();
    let channel = FileChannel::new(root.path());
    let envelopes: Vec<_> = (0..20)
        .map(|n| envelope(&format!("agent{n}@acme.example"), "Agent"))
        .collect();

    let mut deliveries = tokio::task::JoinSet::new();
    // Each envelope twice, at the same time: the same file written by two writers.
    for envelope in envelopes.iter().chain(&envelopes) {
        let envelope = envelope.clone();
        let channel = channel.clone();
        deliveries.spawn(async move { channel.deliver(&envelope).await });
    }
    let outcomes = deliveries.join_all().await;

    assert!(outcomes.iter().all(|delivery| *delivery == Delivery::Sent));
    let mut expected: Vec<String> = envelopes
        .iter()
        .map(|envelope| format!("{}.json", envelope.key))
        .collect();
    expected.sort();
    assert_eq!(names_in(root.path()), expected, "no temporary file is left");
    for envelope in &envelopes {
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(channel.path_for(&envelope.key)).unwrap())
                .unwrap();
        assert_eq!(written["recipient"]["email"], envelope.recipient.email);
    }
}

#[tokio::test]
async fn a_key_that_is_not_a_file_name_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let channel = FileChannel::new(root.path().join("outbox"));
    let mut envelope = envelope("ana@acme.example", "Ana");
    envelope.key = "../escape".to_owned();

    let delivery = channel.deliver(&envelope).await;

    assert!(
        matches!(&delivery, Delivery::Permanent { reason } if reason.contains("`../escape`")),
        "{delivery:?}"
    );
    assert!(names_in(root.path()).is_empty());
}

#[tokio::test]
async fn a_folder_that_cannot_be_created_is_transient_and_names_the_path() {
    let root = tempfile::tempdir().unwrap();
    let blocker = root.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where the folder should be").unwrap();
    let channel = FileChannel::new(blocker.join("outbox"));

    let delivery = channel.deliver(&envelope("ana@acme.example", "Ana")).await;

    assert!(
        matches!(&delivery, Delivery::Transient { reason, .. } if reason.contains("not-a-folder")),
        "{delivery:?}"
    );
}
