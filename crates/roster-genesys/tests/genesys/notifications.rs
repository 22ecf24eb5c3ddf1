//! The notification listener against the sandbox's channels and WebSocket: events of another
//! client's writes, reconnects after dropped sockets and `socket_closing`, a rejected topic
//! reported once, topics split over channels, pings keeping a quiet socket.

use std::time::Duration;

use reqwest::Method;
use roster_genesys::retry::Backoff;
use roster_genesys::{
    AuditRecord, ChannelEvent, GenesysError, Listener, ListenerSettings, QueueMemberEvent,
    audit_topic, queue_members_topic,
};
use roster_sandbox::Sandbox;
use serde_json::json;

use crate::support::{
    ORG, SCRIPT, SEED, client, control, deny_audit_view, id_named, other_client, sandbox,
    set_title, user_id, write,
};

/// Quick reconnects; pings and silence at their defaults' scale unless a test says.
fn settings() -> ListenerSettings {
    ListenerSettings {
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(200),
        },
        ..ListenerSettings::default()
    }
}

/// The next event, within 10 s.
async fn next(listener: &mut Listener) -> ChannelEvent {
    tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .expect("an event within 10 s")
        .expect("the listener is running")
}

/// Reads (at most 50 events) until one `wanted` accepts, answering it and what came before.
async fn until<T>(
    listener: &mut Listener,
    mut wanted: impl FnMut(&ChannelEvent) -> Option<T>,
) -> (T, Vec<ChannelEvent>) {
    let mut before = Vec::new();
    for _ in 0..50 {
        let event = next(listener).await;
        if let Some(found) = wanted(&event) {
            return (found, before);
        }
        before.push(event);
    }
    panic!("not found in 50 events: {before:?}");
}

/// The body of the next notification on `topic`.
async fn notification(listener: &mut Listener, topic: &str) -> serde_json::Value {
    until(listener, |event| match event {
        ChannelEvent::Notification { topic: got, body } if got == topic => Some(body.clone()),
        _ => None,
    })
    .await
    .0
}

/// The reason of the next `Reconnected`.
async fn reconnected(listener: &mut Listener) -> String {
    until(listener, |event| match event {
        ChannelEvent::Reconnected { reason } => Some(reason.clone()),
        _ => None,
    })
    .await
    .0
}

/// Sets the heartbeat period of sockets opened from now on.
async fn heartbeat(sandbox: &Sandbox, period: Duration) {
    control(
        sandbox,
        Method::PUT,
        "/__sandbox/notifications",
        &json!({ "heartbeatMs": period.as_millis() as u64 }),
    )
    .await;
}

/// Adds a member to a queue through `session`.
async fn add_member(session: &roster_genesys::Session, queue: &str, user: &str) {
    write(
        session,
        Method::POST,
        "/api/v2/routing/queues/{queueId}/members",
        &format!("/api/v2/routing/queues/{queue}/members"),
        json!([{ "id": user }]),
    )
    .await;
}

async fn remove_member(session: &roster_genesys::Session, queue: &str, user: &str) {
    write(
        session,
        Method::POST,
        "/api/v2/routing/queues/{queueId}/members",
        &format!("/api/v2/routing/queues/{queue}/members?delete=true"),
        json!([{ "id": user }]),
    )
    .await;
}

fn count(session: &roster_genesys::Session, key: &str) -> u64 {
    session.request_counts().get(key).copied().unwrap_or(0)
}

const CREATE_CHANNEL: &str = "POST /api/v2/notifications/channels";
const SUBSCRIBE: &str = "PUT /api/v2/notifications/channels/{channelId}/subscriptions";

#[tokio::test]
async fn the_listener_hears_queue_membership_and_audit_events_of_another_client() {
    let sandbox = sandbox(SEED).await;
    heartbeat(&sandbox, Duration::from_millis(100)).await;
    let roster = client(&sandbox).session();
    let billing = id_named(&roster, "/api/v2/routing/queues", "Billing").await;
    let boss = user_id(&roster, "boss@acme.example").await;
    let jane = user_id(&roster, "jane.doe@acme.example").await;
    let queue_topic = queue_members_topic(&billing);
    let user_topic = audit_topic("User", &jane);
    let mut listener = roster
        .listen(vec![queue_topic.clone(), user_topic.clone()], settings())
        .await
        .unwrap();
    assert_eq!(listener.channels(), 1);

    let script = other_client(&sandbox).session();
    add_member(&script, &billing, &boss).await;
    let member =
        QueueMemberEvent::from_event(&notification(&mut listener, &queue_topic).await).unwrap();
    assert_eq!(
        (
            member.queue_id.as_str(),
            member.user.id.as_str(),
            member.joined
        ),
        (billing.as_str(), boss.as_str(), Some(true))
    );

    set_title(&script, &jane, "Team Lead").await;
    let record =
        AuditRecord::from_topic_event(&notification(&mut listener, &user_topic).await).unwrap();
    assert_eq!(
        (
            record.entity_type.as_str(),
            record.entity.id.as_str(),
            record.action.as_str()
        ),
        ("User", jane.as_str(), "Update")
    );
    assert_eq!(record.client.unwrap().id, SCRIPT.0);
    assert!(
        record
            .property_changes
            .iter()
            .any(|change| change.property == "title" && change.new_values == ["Team Lead"])
    );
    listener.shutdown().await;
}

#[tokio::test]
async fn the_listener_reconnects_after_dropped_sockets_and_socket_closing() {
    let sandbox = sandbox(SEED).await;
    heartbeat(&sandbox, Duration::from_millis(100)).await;
    let roster = client(&sandbox).session();
    let billing = id_named(&roster, "/api/v2/routing/queues", "Billing").await;
    let boss = user_id(&roster, "boss@acme.example").await;
    let topic = queue_members_topic(&billing);
    let mut listener = roster
        .listen(vec![topic.clone()], settings())
        .await
        .unwrap();
    let script = other_client(&sandbox).session();

    let dropped = control(
        &sandbox,
        Method::POST,
        &format!("/__sandbox/orgs/{ORG}/notifications/drop"),
        &json!({}),
    )
    .await;
    assert_eq!(dropped["dropped"], 1);
    let reason = reconnected(&mut listener).await;
    assert_eq!(reason, "the server closed the socket");
    // Listening again, on a new channel.
    add_member(&script, &billing, &boss).await;
    let member = notification(&mut listener, &topic).await;
    assert_eq!(member["joined"], true);

    // The server announces maintenance and would close a minute later: the listener moves
    // to a new channel at once.
    let told = control(
        &sandbox,
        Method::POST,
        &format!("/__sandbox/orgs/{ORG}/notifications/socket-closing"),
        &json!({ "closeAfterMs": 60_000 }),
    )
    .await;
    assert_eq!(told["notified"], 1);
    let reason = reconnected(&mut listener).await;
    assert_eq!(reason, "the server sent `v2.system.socket_closing`");
    remove_member(&script, &billing, &boss).await;
    let member = notification(&mut listener, &topic).await;
    assert_eq!(member["joined"], false);

    assert_eq!(count(&roster, CREATE_CHANNEL), 3);
    assert_eq!(count(&roster, SUBSCRIBE), 3);
    listener.shutdown().await;
}

#[tokio::test]
async fn a_rejected_topic_is_reported_once_and_never_asked_for_again() {
    let sandbox = sandbox(SEED).await;
    heartbeat(&sandbox, Duration::from_millis(100)).await;
    deny_audit_view(&sandbox, "acme-id").await;
    let roster = client(&sandbox).session();
    let billing = id_named(&roster, "/api/v2/routing/queues", "Billing").await;
    let boss = user_id(&roster, "boss@acme.example").await;
    let queue_topic = queue_members_topic(&billing);
    let user_topic = audit_topic("User", &boss);
    let mut listener = roster
        .listen(vec![user_topic.clone(), queue_topic.clone()], settings())
        .await
        .unwrap();
    let ChannelEvent::TopicRejected { topic, reason } = next(&mut listener).await else {
        panic!("the rejection comes first");
    };
    assert_eq!(topic, user_topic);
    assert!(reason.contains("audits:audit:view"), "{reason}");

    // After a reconnect the topic is not asked for again, so not rejected again.
    control(
        &sandbox,
        Method::POST,
        &format!("/__sandbox/orgs/{ORG}/notifications/drop"),
        &json!({}),
    )
    .await;
    reconnected(&mut listener).await;
    let script = other_client(&sandbox).session();
    add_member(&script, &billing, &boss).await;
    let ((), before) = until(&mut listener, |event| match event {
        ChannelEvent::Notification { topic, .. } if *topic == queue_topic => Some(()),
        _ => None,
    })
    .await;
    assert!(
        !before
            .iter()
            .any(|event| matches!(event, ChannelEvent::TopicRejected { .. })),
        "{before:?}"
    );
    listener.shutdown().await;
}

#[tokio::test]
async fn more_than_1000_topics_are_spread_over_channels() {
    let sandbox = sandbox(SEED).await;
    heartbeat(&sandbox, Duration::from_millis(100)).await;
    let roster = client(&sandbox).session();
    let billing = id_named(&roster, "/api/v2/routing/queues", "Billing").await;
    let boss = user_id(&roster, "boss@acme.example").await;
    // 2,500 topics: the real queue's last, on the third channel.
    let mut topics: Vec<String> = (0..2_499)
        .map(|number| queue_members_topic(&format!("queue-{number:04}")))
        .collect();
    topics.push(queue_members_topic(&billing));
    let mut listener = roster.listen(topics.clone(), settings()).await.unwrap();
    assert_eq!(listener.channels(), 3);
    assert_eq!(count(&roster, CREATE_CHANNEL), 3);
    assert_eq!(count(&roster, SUBSCRIBE), 3);
    add_member(&other_client(&sandbox).session(), &billing, &boss).await;
    notification(&mut listener, &queue_members_topic(&billing)).await;
    listener.shutdown().await;

    // More than 20 channels hold is refused before any request.
    let session = client(&sandbox).session();
    let too_many: Vec<String> = (0..20_001)
        .map(|number| queue_members_topic(&format!("q{number}")))
        .collect();
    let error = session.listen(too_many, settings()).await.unwrap_err();
    assert!(
        matches!(
            error,
            GenesysError::TooManyTopics {
                topics: 20_001,
                max: 20_000,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(session.total_requests(), 0);
}

#[tokio::test]
async fn pings_keep_a_socket_without_heartbeats_open() {
    let sandbox = sandbox(SEED).await;
    // No heartbeat for ten minutes: only the client's pings (answered by pongs) show the
    // socket alive; without them it would be given up after 1.5 s of silence.
    heartbeat(&sandbox, Duration::from_mins(10)).await;
    let roster = client(&sandbox).session();
    let billing = id_named(&roster, "/api/v2/routing/queues", "Billing").await;
    let boss = user_id(&roster, "boss@acme.example").await;
    let topic = queue_members_topic(&billing);
    let quick = ListenerSettings {
        ping_after: Duration::from_millis(200),
        silence_limit: Duration::from_millis(1_500),
        ..settings()
    };
    let mut listener = roster.listen(vec![topic.clone()], quick).await.unwrap();
    // Two silences' worth: about fifteen pings.
    tokio::time::sleep(Duration::from_secs(3)).await;
    add_member(&other_client(&sandbox).session(), &billing, &boss).await;
    let ((), before) = until(&mut listener, |event| match event {
        ChannelEvent::Notification { topic: got, .. } if *got == topic => Some(()),
        _ => None,
    })
    .await;
    assert!(before.is_empty(), "no reconnect: {before:?}");
    assert_eq!(count(&roster, CREATE_CHANNEL), 1);
    listener.shutdown().await;
}
