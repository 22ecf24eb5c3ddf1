//! A targeted refresh reads only the object an event names, at exactly its documented cost,
//! and gives the snapshot a fresh full read would give (issue #14: `drift --watch`).

use std::collections::BTreeMap;

use reqwest::Method;
use roster_genesys::{GenesysClient, KeptRead, Refresh, Session, Snapshot, USER_EXPAND, endpoint};
use roster_model::{GrantOrigin, Kind, LiveOrg, ReadNeeds};
use roster_sandbox::{FaultUpdate, Sandbox};
use serde_json::json;

use crate::support::{
    ORG, SEED, client, connection, email, full_needs, id_named, other_client, quiet, sandbox,
    sandbox_counts, set_title, snapshot, user_id, write,
};

/// A read kept by a client of its own (its token already fetched).
async fn kept(sandbox: &Sandbox, needs: &ReadNeeds) -> (Session, Snapshot, KeptRead) {
    let session = client(sandbox).session();
    let (snapshot, kept) = session.read_kept(needs, &quiet).await.unwrap();
    (session, snapshot, kept)
}

/// What a new client reads of the org now, whole.
async fn fresh(sandbox: &Sandbox, needs: &ReadNeeds) -> LiveOrg {
    snapshot(&client(sandbox).session(), needs).await.live
}

/// Refreshes `what` in a new session of the kept read's client, with the sandbox's counters
/// zeroed first: answers the snapshot and the session's request counts.
async fn refresh(
    sandbox: &Sandbox,
    reader: &Session,
    kept: &mut KeptRead,
    what: &[Refresh],
) -> (Snapshot, BTreeMap<String, u64>) {
    sandbox.reset_stats(ORG).unwrap();
    let session = reader.client().session();
    let snapshot = session.refresh(kept, what).await.unwrap();
    (snapshot, session.request_counts())
}

/// Request counts per endpoint template, as both sides name them.
fn counts(entries: &[(&str, u64)]) -> BTreeMap<String, u64> {
    entries
        .iter()
        .map(|(template, count)| (format!("GET {template}"), *count))
        .collect()
}

/// The paths the sandbox logged since its counters were zeroed.
fn logged_paths(sandbox: &Sandbox) -> Vec<String> {
    let mut paths: Vec<String> = sandbox
        .requests(ORG)
        .unwrap()
        .into_iter()
        .map(|record| format!("{} {}", record.method, record.path))
        .collect();
    paths.sort();
    paths
}

#[tokio::test]
async fn a_user_changed_behind_the_clients_back_is_read_again_alone() {
    let sandbox = sandbox(SEED).await;
    let needs = full_needs();
    let (reader, before, mut kept) = kept(&sandbox, &needs).await;

    let script = other_client(&sandbox).session();
    let jane = user_id(&script, "jane.doe@acme.example").await;
    set_title(&script, &jane, "Senior Agent").await;
    let retired = id_named(&script, endpoint::SKILLS, "Retired").await;
    write(
        &script,
        Method::POST,
        "/api/v2/users/{userId}/routingskills",
        &format!("/api/v2/users/{jane}/routingskills"),
        json!({ "id": retired, "proficiency": 1 }),
    )
    .await;
    let french = id_named(&script, endpoint::LANGUAGES, "French").await;
    write(
        &script,
        Method::POST,
        "/api/v2/users/{userId}/routinglanguages",
        &format!("/api/v2/users/{jane}/routinglanguages"),
        json!({ "id": french, "proficiency": 2 }),
    )
    .await;
    let supervisor = id_named(&script, endpoint::ROLES, "Supervisor").await;
    let division = id_named(&script, endpoint::DIVISIONS, "Contact Center").await;
    write(
        &script,
        Method::POST,
        "/api/v2/authorization/subjects/{subjectId}/bulkadd",
        &format!("/api/v2/authorization/subjects/{jane}/bulkadd?subjectType=PC_USER"),
        json!({ "grants": [{ "roleId": supervisor, "divisionId": division }] }),
    )
    .await;
    write(
        &script,
        Method::PUT,
        "/api/v2/routing/users/{userId}/utilization",
        &format!("/api/v2/routing/users/{jane}/utilization"),
        json!({ "utilization": { "call": { "maximumCapacity": 1 }, "email": { "maximumCapacity": 4 } } }),
    )
    .await;

    let (refreshed, requests) =
        refresh(&sandbox, &reader, &mut kept, &[Refresh::User(jane.clone())]).await;
    let expected = counts(&[
        (endpoint::USER, 1),
        (endpoint::UTILIZATION, 1),
        (endpoint::SUBJECT, 1),
    ]);
    assert_eq!(requests, expected);
    assert_eq!(sandbox_counts(&sandbox, ORG), expected);
    assert_eq!(
        logged_paths(&sandbox),
        [
            format!("GET /api/v2/authorization/subjects/{jane}?includeDuplicates=true"),
            format!("GET /api/v2/routing/users/{jane}/utilization"),
            format!("GET /api/v2/users/{jane}?expand={USER_EXPAND}"),
        ]
    );

    let now = fresh(&sandbox, &needs).await;
    assert_ne!(before.live, now, "the changes show in a full read");
    assert_eq!(refreshed.live, now);
    let jane = &refreshed.live.users[&email("jane.doe@acme.example")];
    assert_eq!(jane.title.as_deref(), Some("Senior Agent"));
    assert!(jane.skills.contains_key("Retired"));
    assert!(jane.languages.contains_key("French"));
    assert!(jane.grants.iter().any(|grant| grant.role == "Supervisor"));
}

#[tokio::test]
async fn a_user_refresh_without_utilization_or_grants_costs_one_request() {
    let sandbox = sandbox(SEED).await;
    let needs = ReadNeeds::default();
    let (reader, _, mut kept) = kept(&sandbox, &needs).await;
    let script = other_client(&sandbox).session();
    let boss = user_id(&script, "boss@acme.example").await;
    set_title(&script, &boss, "Director").await;

    let (refreshed, requests) = refresh(&sandbox, &reader, &mut kept, &[Refresh::User(boss)]).await;
    assert_eq!(requests, counts(&[(endpoint::USER, 1)]));
    assert_eq!(sandbox_counts(&sandbox, ORG), requests);
    assert_eq!(refreshed.live, fresh(&sandbox, &needs).await);
    assert_eq!(
        refreshed.live.users[&email("boss@acme.example")]
            .title
            .as_deref(),
        Some("Director")
    );
}

#[tokio::test]
async fn a_revoked_grant_and_a_user_named_twice_are_read_once() {
    let sandbox = sandbox(SEED).await;
    let needs = full_needs();
    let (reader, before, mut kept) = kept(&sandbox, &needs).await;
    let held = |live: &LiveOrg| {
        live.users[&email("jane.doe@acme.example")]
            .grants
            .iter()
            .any(|grant| grant.role == "Billing Agent")
    };
    assert!(held(&before.live));
    let script = other_client(&sandbox).session();
    let jane = user_id(&script, "jane.doe@acme.example").await;
    let role = id_named(&script, endpoint::ROLES, "Billing Agent").await;
    let division = id_named(&script, endpoint::DIVISIONS, "Contact Center").await;
    write(
        &script,
        Method::POST,
        "/api/v2/authorization/subjects/{subjectId}/bulkremove",
        &format!("/api/v2/authorization/subjects/{jane}/bulkremove"),
        json!({ "grants": [{ "roleId": role, "divisionId": division }] }),
    )
    .await;

    let what = [Refresh::User(jane.clone()), Refresh::User(jane)];
    let (refreshed, requests) = refresh(&sandbox, &reader, &mut kept, &what).await;
    assert_eq!(
        requests,
        counts(&[
            (endpoint::USER, 1),
            (endpoint::UTILIZATION, 1),
            (endpoint::SUBJECT, 1),
        ])
    );
    assert_eq!(refreshed.live, fresh(&sandbox, &needs).await);
    assert!(!held(&refreshed.live));
}

#[tokio::test]
async fn queue_members_added_and_removed_are_read_again_page_by_page() {
    let sandbox = sandbox(SEED).await;
    let needs = full_needs();
    let (reader, before, mut kept) = kept(&sandbox, &needs).await;
    let script = other_client(&sandbox).session();
    let billing = id_named(&script, endpoint::QUEUES, "Billing").await;
    let boss = user_id(&script, "boss@acme.example").await;
    let jane = user_id(&script, "jane.doe@acme.example").await;
    let members = format!("/api/v2/routing/queues/{billing}/members");
    write(
        &script,
        Method::POST,
        endpoint::QUEUE_MEMBERS,
        &members,
        json!([{ "id": boss }]),
    )
    .await;
    write(
        &script,
        Method::POST,
        endpoint::QUEUE_MEMBERS,
        &format!("{members}?delete=true"),
        json!([{ "id": jane }]),
    )
    .await;

    let (refreshed, requests) = refresh(
        &sandbox,
        &reader,
        &mut kept,
        &[Refresh::QueueMembers(billing)],
    )
    .await;
    // Fewer than 100 members: one short page.
    assert_eq!(requests, counts(&[(endpoint::QUEUE_MEMBERS, 1)]));
    assert_eq!(sandbox_counts(&sandbox, ORG), requests);
    let now = fresh(&sandbox, &needs).await;
    assert_ne!(before.live, now);
    assert_eq!(refreshed.live, now);
    let billing = refreshed.live.queues["Billing"].members.as_ref().unwrap();
    assert!(billing.contains_key(&email("boss@acme.example")));
    assert!(!billing.contains_key(&email("jane.doe@acme.example")));
}

#[tokio::test]
async fn a_queue_whose_members_are_not_read_sends_nothing() {
    let sandbox = sandbox(SEED).await;
    let needs = full_needs();
    let (reader, before, mut kept) = kept(&sandbox, &needs).await;
    let script = other_client(&sandbox).session();
    let unmanaged = id_named(&script, endpoint::QUEUES, "Unmanaged").await;

    let (refreshed, requests) = refresh(
        &sandbox,
        &reader,
        &mut kept,
        &[
            Refresh::QueueMembers(unmanaged),
            Refresh::QueueMembers("not-a-queue-of-the-read".to_owned()),
        ],
    )
    .await;
    assert!(requests.is_empty(), "{requests:?}");
    assert!(sandbox_counts(&sandbox, ORG).is_empty());
    assert_eq!(refreshed.live, before.live);
}

#[tokio::test]
async fn a_user_created_since_is_added_and_a_deleted_one_removed() {
    let sandbox = sandbox(SEED).await;
    let needs = full_needs();
    let (reader, _, mut kept) = kept(&sandbox, &needs).await;
    let script = other_client(&sandbox).session();
    let created = write(
        &script,
        Method::POST,
        endpoint::USERS,
        endpoint::USERS,
        json!({ "name": "New Hire", "email": "new.hire@acme.example" }),
    )
    .await;
    let created = created["id"].as_str().unwrap().to_owned();
    let old = user_id_any_state(&script, "old@acme.example").await;
    write(
        &script,
        Method::DELETE,
        "/api/v2/users/{userId}",
        &format!("/api/v2/users/{old}"),
        json!({}),
    )
    .await;

    let (refreshed, requests) = refresh(
        &sandbox,
        &reader,
        &mut kept,
        &[Refresh::User(created), Refresh::User(old.clone())],
    )
    .await;
    // The new user: its record and its grants (its utilization is not selected); the deleted
    // one: its record's 404 only.
    assert_eq!(
        requests,
        counts(&[(endpoint::USER, 2), (endpoint::SUBJECT, 1)])
    );
    assert_eq!(sandbox_counts(&sandbox, ORG), requests);
    assert!(
        sandbox
            .requests(ORG)
            .unwrap()
            .iter()
            .any(|record| record.path.contains(&old) && record.status == 404)
    );
    let now = fresh(&sandbox, &needs).await;
    assert_eq!(refreshed.live, now);
    assert!(
        refreshed
            .live
            .users
            .contains_key(&email("new.hire@acme.example"))
    );
    assert!(
        !refreshed
            .live
            .users
            .contains_key(&email("old@acme.example"))
    );
    assert_eq!(
        refreshed.ids.get(Kind::User, "new.hire@acme.example"),
        now.users
            .get(&email("new.hire@acme.example"))
            .map(|user| user.id.as_str())
    );
}

#[tokio::test]
async fn a_failed_refresh_leaves_the_kept_read_as_it_was_and_a_refresh_can_be_spawned() {
    let sandbox = sandbox(SEED).await;
    let needs = full_needs();
    // A client that does not retry, so an injected 5xx fails the refresh at once.
    let mut connection = connection(&sandbox, ORG, "acme-id", "acme-secret", 60_000);
    connection.options.max_retries = 0;
    let session = GenesysClient::new(connection).unwrap().session();
    let (before, mut kept) = session.read_kept(&needs, &quiet).await.unwrap();
    let script = other_client(&sandbox).session();
    let jane = user_id(&script, "jane.doe@acme.example").await;
    set_title(&script, &jane, "Team Lead").await;

    let errors = |rate| FaultUpdate {
        error_rate: Some(rate),
        ..FaultUpdate::default()
    };
    sandbox.set_faults(ORG, &errors(1.0)).unwrap();
    let failed = session
        .refresh(&mut kept, &[Refresh::User(jane.clone())])
        .await;
    assert_eq!(failed.unwrap_err().status().map(|s| s / 100), Some(5));
    sandbox.set_faults(ORG, &errors(0.0)).unwrap();

    // Spawned as a watch loop would: the refresh future is `Send`.
    let task = tokio::spawn(async move {
        let unchanged = session.refresh(&mut kept, &[]).await.unwrap();
        let changed = session
            .refresh(&mut kept, &[Refresh::User(jane)])
            .await
            .unwrap();
        (unchanged, changed)
    });
    let (unchanged, changed) = task.await.unwrap();
    assert_eq!(
        unchanged.live, before.live,
        "nothing of the failed refresh is kept"
    );
    assert_eq!(changed.live, fresh(&sandbox, &needs).await);
}

/// The id of a user of any state (the inactive ones are not in the default listing).
async fn user_id_any_state(session: &Session, email: &str) -> String {
    let path = format!("{}?state=inactive&pageSize=500", endpoint::USERS);
    let response = session
        .send(&roster_genesys::ApiRequest::get(endpoint::USERS, path))
        .await
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    page["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == email)
        .unwrap_or_else(|| panic!("no inactive user `{email}`"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_direct_grant_that_a_group_also_gives_is_read_as_both() {
    let sandbox = sandbox(SEED).await;
    let needs = full_needs();
    let (reader, before, mut kept) = kept(&sandbox, &needs).await;
    let boss = &before.live.users[&email("boss@acme.example")];
    let inherited = boss
        .grants
        .iter()
        .find(|grant| grant.role == "Supervisor")
        .expect("the seed's Supervisors group grants Supervisor");
    assert_ne!(inherited.origin, GrantOrigin::Direct);
    let script = other_client(&sandbox).session();
    let role = id_named(&script, endpoint::ROLES, "Supervisor").await;
    let division = id_named(&script, endpoint::DIVISIONS, &inherited.division).await;
    write(
        &script,
        Method::POST,
        "/api/v2/authorization/subjects/{subjectId}/bulkadd",
        &format!("/api/v2/authorization/subjects/{}/bulkadd", boss.id),
        json!({ "grants": [{ "roleId": role, "divisionId": division }] }),
    )
    .await;

    let (refreshed, _) = refresh(
        &sandbox,
        &reader,
        &mut kept,
        &[Refresh::User(boss.id.clone())],
    )
    .await;
    let now = fresh(&sandbox, &needs).await;
    assert_eq!(refreshed.live, now);
    let origins: Vec<&GrantOrigin> = refreshed.live.users[&email("boss@acme.example")]
        .grants
        .iter()
        .filter(|grant| grant.role == "Supervisor")
        .map(|grant| &grant.origin)
        .collect();
    assert_eq!(origins.len(), 2, "{origins:?}");
    assert!(origins.contains(&&GrantOrigin::Direct));
}

/// An org whose `Big` queue has `members` of its `users` users (`user0@acme.example` …).
fn big_queue_seed(users: usize, members: usize) -> String {
    let emails: Vec<String> = (0..users)
        .map(|n| format!("user{n}@acme.example"))
        .collect();
    let users: Vec<String> = emails
        .iter()
        .enumerate()
        .map(|(n, address)| format!("  - {{ email: {address}, name: User {n} }}\n"))
        .collect();
    format!(
        "queues:\n  - {{ name: Big, members: [{}] }}\nusers:\n{}",
        emails[..members].join(", "),
        users.concat()
    )
}

#[tokio::test]
async fn a_queue_of_a_full_page_of_members_costs_its_pages() {
    let sandbox = sandbox(&big_queue_seed(101, 100)).await;
    let needs = ReadNeeds {
        queue_members: ["Big".to_owned()].into_iter().collect(),
        ..ReadNeeds::default()
    };
    let (reader, before, mut kept) = kept(&sandbox, &needs).await;
    assert_eq!(
        before.live.queues["Big"].members.as_ref().unwrap().len(),
        100
    );
    let script = other_client(&sandbox).session();
    let big = id_named(&script, endpoint::QUEUES, "Big").await;
    let last = user_id(&script, "user100@acme.example").await;
    write(
        &script,
        Method::POST,
        endpoint::QUEUE_MEMBERS,
        &format!("/api/v2/routing/queues/{big}/members"),
        json!([{ "id": last }]),
    )
    .await;

    let (refreshed, requests) =
        refresh(&sandbox, &reader, &mut kept, &[Refresh::QueueMembers(big)]).await;
    // 101 members: a full page of 100, then a short one.
    assert_eq!(requests, counts(&[(endpoint::QUEUE_MEMBERS, 2)]));
    assert_eq!(sandbox_counts(&sandbox, ORG), requests);
    assert_eq!(refreshed.live, fresh(&sandbox, &needs).await);
    assert_eq!(
        refreshed.live.queues["Big"].members.as_ref().unwrap().len(),
        101
    );
}
