//! Two runs on one org in one process: a session counts what it sent and nothing else, and a
//! writer's ids change only by its own writes, whatever another session reads meanwhile.

use std::collections::{BTreeMap, BTreeSet};

use roster_genesys::{Snapshot, TOKEN_ENDPOINT};
use roster_model::{Operation, Proficiency, Tenant, UserPatch};

use crate::support::{
    ORG, SEED, client, email, full_needs, quiet, sandbox, sandbox_counts, snapshot,
};

/// An apply's worth of writes that leave the reads of [`full_needs`] costing the same.
fn writes() -> Vec<Operation> {
    let new = email("new.hire@acme.example");
    vec![
        Operation::CreateSkill {
            name: "Chat Support".into(),
        },
        Operation::CreateQueue {
            name: "Support".into(),
            division: Some("Contact Center".into()),
            description: None,
        },
        Operation::CreateUser {
            email: new.clone(),
            name: "New Hire".into(),
            division: None,
            title: None,
            department: None,
        },
        Operation::AddQueueMembers {
            queue: "Support".into(),
            users: BTreeSet::from([new.clone()]),
        },
        Operation::SetUserSkills {
            email: new,
            skills: BTreeMap::from([("Chat Support".to_owned(), Proficiency::whole(3))]),
        },
        Operation::UpdateUser {
            email: email("jane.doe@acme.example"),
            patch: UserPatch {
                title: Some("Senior Agent".into()),
                ..UserPatch::default()
            },
        },
        Operation::MoveUserDivision {
            email: email("jane.doe@acme.example"),
            division: "Home".into(),
        },
        Operation::DeleteSkill {
            name: "Retired".into(),
        },
    ]
}

#[tokio::test]
async fn a_snapshot_read_beside_an_apply_changes_neither_its_ids_nor_its_counts() {
    let sandbox = sandbox(SEED).await;
    let client = client(&sandbox);
    // A first run fetches the token the others share and tells what a snapshot costs.
    let first = client.session();
    let Snapshot { ids, .. } = snapshot(&first, &full_needs()).await;
    let mut read_cost = first.request_counts();
    read_cost.remove(TOKEN_ENDPOINT);

    let writing = client.session();
    let writer = writing.writer(ids);
    let reading = client.session();
    sandbox.reset_stats(ORG).unwrap();
    let operations = writes();
    let needs = full_needs();
    let (read, receipts) = futures::join!(reading.snapshot(&needs, &quiet), async {
        let mut receipts = Vec::new();
        for operation in &operations {
            let receipt = writer.execute(operation).await;
            receipts.push(receipt.unwrap_or_else(|error| panic!("{operation}: {error}")));
        }
        receipts
    });
    read.unwrap();

    // Each session counted exactly what it sent; together, what the org received.
    assert_eq!(reading.request_counts(), read_cost);
    let written: usize = receipts.iter().map(|r| r.requests).sum();
    assert_eq!(writing.total_requests(), u64::try_from(written).unwrap());
    let mut both = reading.request_counts();
    for (endpoint, count) in writing.request_counts() {
        *both.entry(endpoint).or_default() += count;
    }
    assert_eq!(sandbox_counts(&sandbox, ORG), both);

    // The writer's ids are the first snapshot's changed by its own writes alone: exactly what
    // the org holds now.
    let now = snapshot(&client.session(), &full_needs()).await;
    assert_eq!(writer.translations(), now.ids.translations(ORG));
    assert!(
        writer
            .id_of(roster_model::Kind::Skill, "Chat Support")
            .is_some()
    );
    assert!(writer.id_of(roster_model::Kind::Skill, "Retired").is_none());
}
