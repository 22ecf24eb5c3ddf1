//! Audit queries against the sandbox's Audit API: records of another client's writes, polling
//! through `Queued` and `Running`, cursor paging over more than 500 records, intervals split
//! into 30-day queries, realtime, 403 told apart, 429 waited out.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use roster_genesys::{AuditFilter, AuditQuery, AuditRecord, Session};
use roster_sandbox::FaultUpdate;
use serde_json::json;
use time::OffsetDateTime;

use crate::support::{
    ORG, SCRIPT, SEED, client, deny_audit_view, other_client, sandbox, set_title, user_id, write,
};

/// An hour either side of now.
fn around_now(service: &str) -> AuditQuery {
    let now = OffsetDateTime::now_utc();
    AuditQuery::new(
        service,
        now - Duration::from_hours(1),
        now + Duration::from_hours(1),
    )
}

/// Creates skills named `Skill {n}` for each `n`, 16 at a time.
async fn create_skills(session: &Session, numbers: std::ops::Range<usize>) {
    futures::stream::iter(numbers)
        .map(|number| async move {
            write(
                session,
                Method::POST,
                "/api/v2/routing/skills",
                "/api/v2/routing/skills",
                json!({ "name": format!("Skill {number:04}") }),
            )
            .await;
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
}

fn count(session: &Session, key: &str) -> u64 {
    session.request_counts().get(key).copied().unwrap_or(0)
}

const CREATE: &str = "POST /api/v2/audits/query";
const POLL: &str = "GET /api/v2/audits/query/{transactionId}";
const RESULTS: &str = "GET /api/v2/audits/query/{transactionId}/results";

#[tokio::test]
async fn a_query_returns_exactly_the_records_of_another_clients_writes() {
    let sandbox = sandbox(SEED).await;
    let roster = client(&sandbox).session();
    let script = other_client(&sandbox).session();
    let before = OffsetDateTime::now_utc() - Duration::from_secs(1);
    create_skills(&script, 0..3).await;
    create_skills(&roster, 3..4).await;
    let jane = user_id(&script, "jane.doe@acme.example").await;
    set_title(&script, &jane, "Team Lead").await;
    let after = OffsetDateTime::now_utc() + Duration::from_secs(1);

    let session = client(&sandbox).session();
    let skills = session
        .audit_query(&around_now("Routing").filter(AuditFilter::EntityType("RoutingSkill".into())))
        .await
        .unwrap();
    let by_client: BTreeMap<String, Vec<String>> =
        skills.iter().fold(BTreeMap::new(), |mut by, record| {
            let client = record.client.as_ref().unwrap().id.clone();
            let name = record.entity.name.clone().unwrap();
            by.entry(client).or_default().push(name);
            by
        });
    let mut scripted = by_client[SCRIPT.0].clone();
    scripted.sort();
    assert_eq!(scripted, ["Skill 0000", "Skill 0001", "Skill 0002"]);
    assert_eq!(by_client["acme-id"], ["Skill 0003"]);
    assert_eq!(by_client.len(), 2, "{by_client:?}");
    for record in &skills {
        assert_eq!(
            (record.action.as_str(), record.service_name.as_str()),
            ("Create", "Routing")
        );
        assert!(
            record.event_time >= before && record.event_time <= after,
            "{record:?}"
        );
    }
    assert!(
        skills
            .windows(2)
            .all(|pair| pair[0].event_time <= pair[1].event_time),
        "oldest first"
    );
    // Created `Queued`, so at least two polls (`Running`, then `Succeeded`) before one page.
    assert_eq!(count(&session, CREATE), 1);
    assert!(count(&session, POLL) >= 2, "{:?}", session.request_counts());
    assert_eq!(count(&session, RESULTS), 1);

    // The title change, by client: exactly one record, with what changed and who did it.
    let titles = session
        .audit_query(&around_now("Directory").filter(AuditFilter::ClientId(SCRIPT.0.into())))
        .await
        .unwrap();
    let [title]: [AuditRecord; 1] = titles.try_into().unwrap();
    assert_eq!(
        (
            title.entity_type.as_str(),
            title.entity.id.as_str(),
            title.action.as_str()
        ),
        ("User", jane.as_str(), "Update")
    );
    let change = title
        .property_changes
        .iter()
        .find(|change| change.property == "title")
        .unwrap();
    assert_eq!(
        (change.old_values.as_slice(), change.new_values.as_slice()),
        (&["Agent".to_owned()][..], &["Team Lead".to_owned()][..])
    );
    assert_eq!(title.user, None, "a client-credentials write has no user");
    assert_eq!(title.actor(), SCRIPT.1);

    // Realtime sees the same records, in one request.
    let realtime = session
        .audit_query_realtime(
            &around_now("Directory").filter(AuditFilter::ClientId(SCRIPT.0.into())),
        )
        .await
        .unwrap();
    assert_eq!(realtime, [title]);
    assert_eq!(count(&session, "POST /api/v2/audits/query/realtime"), 1);
    let services = session.audit_services().await.unwrap();
    assert!(
        services
            .iter()
            .any(|service| service.name == "ContactCenter"
                && service.entities.iter().any(|entity| entity.name == "Queue"
                    && entity.actions.iter().any(|action| action == "MemberAdd")))
    );
}

#[tokio::test]
async fn more_than_500_records_are_read_by_cursor_and_long_intervals_are_split() {
    let sandbox = sandbox(SEED).await;
    let script = other_client(&sandbox).session();
    create_skills(&script, 0..1_100).await;
    let session = client(&sandbox).session();
    let query = around_now("Routing").filter(AuditFilter::EntityType("RoutingSkill".into()));
    let records = session.audit_query(&query).await.unwrap();
    assert_eq!(records.len(), 1_100);
    let mut names: Vec<String> = records
        .iter()
        .map(|record| record.entity.name.clone().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 1_100);
    // 500 + 500 + 100.
    assert_eq!(count(&session, RESULTS), 3);

    // 65 days: the sandbox refuses more than 30 days a query, so this takes three.
    let session = client(&sandbox).session();
    let mut long = query.clone();
    long.start = long.end - Duration::from_hours(65 * 24);
    let records = session.audit_query(&long).await.unwrap();
    assert_eq!(records.len(), 1_100);
    assert_eq!(count(&session, CREATE), 3);
    // Two spans are empty (one page each), the last has every record (three pages).
    assert_eq!(count(&session, RESULTS), 5);
}

#[tokio::test]
async fn a_client_without_audit_view_is_told_apart_from_other_failures() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let unknown = session
        .audit_query(&around_now("NoSuchService"))
        .await
        .unwrap_err();
    assert_eq!(unknown.status(), Some(400));
    assert!(!unknown.is_forbidden());

    deny_audit_view(&sandbox, "acme-id").await;
    let refused = session
        .audit_query(&around_now("Routing"))
        .await
        .unwrap_err();
    assert!(refused.is_forbidden(), "{refused}");
    assert!(session.audit_services().await.unwrap_err().is_forbidden());
    assert!(
        session
            .audit_query_realtime(&around_now("Routing"))
            .await
            .unwrap_err()
            .is_forbidden()
    );
}

#[tokio::test]
async fn a_429_is_waited_out_for_its_retry_after() {
    let sandbox = sandbox(SEED).await;
    let script = other_client(&sandbox).session();
    create_skills(&script, 0..5).await;
    // Two requests per one-second window: the token, the create, the polls and the page
    // cannot all pass in one, and the client believes it may send 60,000 a minute.
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                requests_per_minute: Some(2),
                rate_window_ms: Some(1_000),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    sandbox.reset_stats(ORG).unwrap();
    let session = client(&sandbox).session();
    let query = around_now("Routing").filter(AuditFilter::EntityType("RoutingSkill".into()));
    let records = tokio::time::timeout(Duration::from_mins(1), session.audit_query(&query))
        .await
        .expect("the query ends within a minute")
        .unwrap();
    assert_eq!(records.len(), 5);
    let stats = sandbox.stats(ORG).unwrap();
    assert!(stats.throttled > 0, "no 429 was provoked: {stats:?}");
    assert_eq!(
        session.total_requests(),
        stats.requests,
        "every attempt counted"
    );
}
