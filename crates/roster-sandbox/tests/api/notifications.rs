//! Notification channels: a real WebSocket client subscribes, receives events after writes,
//! heartbeats, `socket_closing` and drops; channel and topic limits.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::audits::facts;
use crate::common::{Api, id, seeded, user_id};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON message, or `None` once the socket closed; panics after 10 s of silence.
async fn next(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s");
        match message {
            Some(Ok(Message::Text(text))) => {
                return Some(serde_json::from_str(text.as_str()).expect("JSON frame"));
            }
            Some(Ok(Message::Close(_)) | Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Reads (at most 100 messages) until one on `topic` arrives.
async fn until_topic(socket: &mut Socket, topic: &str) -> Value {
    for _ in 0..100 {
        let message = next(socket)
            .await
            .unwrap_or_else(|| panic!("closed before {topic}"));
        if message["topicName"] == topic {
            return message;
        }
    }
    panic!("no {topic} in 100 messages");
}

/// Reads (at most 100 messages) until the socket closes.
async fn until_closed(socket: &mut Socket) {
    for _ in 0..100 {
        if next(socket).await.is_none() {
            return;
        }
    }
    panic!("the socket stayed open");
}

async fn connect(channel: &Value) -> Socket {
    let uri = channel["connectUri"].as_str().expect("connectUri");
    tokio_tungstenite::connect_async(uri)
        .await
        .expect("WebSocket connects")
        .0
}

#[tokio::test]
async fn a_socket_gets_queue_and_audit_events_heartbeats_and_closings() {
    let facts = facts();
    let (sandbox, api) =
        seeded("queues: [{ name: Billing }]\nusers: [{ email: jane@acme.example, name: Jane }]")
            .await;
    let knob = api
        .put("/__sandbox/notifications", &json!({ "heartbeatMs": 50 }))
        .await;
    assert_eq!(knob.status, 200, "{}", knob.raw);
    let jane = user_id(&api, "jane@acme.example").await;
    let queue = id(&crate::common::named(&api, "/routing/queues", "Billing").await);
    let channel = api
        .post("/notifications/channels", &json!({}))
        .await
        .expect(200)
        .clone();
    let fields: Vec<&str> = channel
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(json!(fields), facts["notifications"]["channelFields"]);
    let channel_id = id(&channel);
    assert!(
        channel["connectUri"]
            .as_str()
            .expect("uri")
            .starts_with("ws://127.0.0.1:")
    );
    let queue_topic = format!("v2.routing.queues.{queue}.users");
    let audit_topic = format!("v2.audits.entitytype.User.entityid.{jane}");
    let subscribed = api
        .put(
            &format!("/notifications/channels/{channel_id}/subscriptions"),
            &json!([{ "id": queue_topic }, { "id": audit_topic }]),
        )
        .await;
    assert_eq!(
        subscribed.expect(200)["entities"],
        json!([{ "id": queue_topic, "state": "Permitted" }, { "id": audit_topic, "state": "Permitted" }])
    );
    let mut socket = connect(&channel).await;
    // A heartbeat first (the knob makes it come fast).
    let beat = until_topic(&mut socket, "channel.metadata").await;
    assert_eq!(
        beat["eventBody"]["message"],
        facts["notifications"]["heartbeat"]["message"]
    );

    api.post(
        &format!("/routing/queues/{queue}/members"),
        &json!([{ "id": jane }]),
    )
    .await;
    api.patch(
        &format!("/users/{jane}"),
        &json!({ "title": "Agent", "version": 1 }),
    )
    .await
    .expect(200);
    let member = until_topic(&mut socket, &queue_topic).await;
    let envelope: Vec<&str> = member
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(json!(envelope), facts["notifications"]["envelopeFields"]);
    assert_eq!(member["version"], "2");
    assert_eq!(
        member["eventBody"],
        json!({ "id": jane, "user": { "id": jane }, "queueId": queue, "joined": true, "additionalProperties": {} })
    );
    let audit = until_topic(&mut socket, &audit_topic).await;
    let body = &audit["eventBody"];
    let fields: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(json!(fields), facts["audit"]["auditTopicFields"]);
    assert_eq!(
        (
            &body["action"],
            &body["entityType"],
            &body["clientId"]["id"]
        ),
        (&json!("Update"), &json!("User"), &json!("sandbox"))
    );
    assert_eq!(
        body["propertyChanges"],
        json!([{ "property": "title", "oldValues": [], "newValues": ["Agent"] }])
    );

    // Ping, pong.
    socket
        .send(Message::Text(r#"{"message":"ping"}"#.into()))
        .await
        .expect("sends");
    for _ in 0..100 {
        let message = next(&mut socket).await.expect("open");
        if message["eventBody"]["message"] == "pong" {
            break;
        }
    }
    // The server announces maintenance, then closes.
    let closing = api
        .post(
            "/__sandbox/orgs/sandbox/notifications/socket-closing",
            &json!({ "closeAfterMs": 100 }),
        )
        .await;
    assert_eq!(closing.body["notified"], 1, "{}", closing.raw);
    let notice = until_topic(&mut socket, "v2.system.socket_closing").await;
    assert_eq!(notice["eventBody"]["channelId"], channel_id);
    until_closed(&mut socket).await;
    // Reconnect; a drop closes it again; nothing written meanwhile reaches the new socket.
    let mut socket = connect(&channel).await;
    until_topic(&mut socket, "channel.metadata").await;
    let dropped = api
        .post("/__sandbox/orgs/sandbox/notifications/drop", &json!({}))
        .await;
    assert_eq!(dropped.body["dropped"], 1, "{}", dropped.raw);
    until_closed(&mut socket).await;
    api.head_ok(&format!("/notifications/channels/{channel_id}"), 200)
        .await;
    // An outage: the socket cannot be opened again until it ends.
    let mut socket = connect(&channel).await;
    until_topic(&mut socket, "channel.metadata").await;
    api.post(
        "/__sandbox/orgs/sandbox/notifications/drop",
        &json!({ "refuseMs": 60_000 }),
    )
    .await;
    until_closed(&mut socket).await;
    let uri = channel["connectUri"].as_str().expect("connectUri");
    match tokio_tungstenite::connect_async(uri).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
        }
        other => panic!("a socket opened during an outage: {:?}", other.map(|_| ())),
    }
    sandbox.advance_clock(Duration::from_secs(61)).unwrap();
    let mut socket = connect(&channel).await;
    until_topic(&mut socket, "channel.metadata").await;

    // A day later the channel is gone (and so is the token).
    let hours = facts["notifications"]["channelLifetimeHours"]
        .as_u64()
        .expect("hours");
    sandbox
        .advance_clock(Duration::from_secs((hours + 1) * 3_600))
        .unwrap();
    let api = Api::login(&sandbox, "sandbox", "sandbox").await;
    api.head_ok(&format!("/notifications/channels/{channel_id}"), 404)
        .await;
}

#[tokio::test]
async fn topics_and_channels_are_limited() {
    let facts = facts();
    let (_sandbox, api) = seeded("queues: [{ name: Billing }]").await;
    let channel = api
        .post("/notifications/channels", &json!({}))
        .await
        .expect(200)
        .clone();
    let subscriptions = format!("/notifications/channels/{}/subscriptions", id(&channel));
    let max = facts["notifications"]["maxTopicsPerChannel"]
        .as_u64()
        .expect("max");
    let topics = |count: u64| -> Value {
        json!((0..count).map(|n| json!({ "id": format!("v2.routing.queues.{n:08}-0000-4000-8000-000000000000.users") })).collect::<Vec<_>>())
    };
    let code = facts["notifications"]["tooManyTopicsCode"]
        .as_str()
        .expect("code");
    api.put(&subscriptions, &topics(max + 1))
        .await
        .expect_error(400, code);
    assert_eq!(
        api.get(&subscriptions).await.expect(200)["entities"],
        json!([]),
        "nothing changed"
    );
    let full = api.put(&subscriptions, &topics(max)).await;
    assert_eq!(
        full.expect(200)["entities"]
            .as_array()
            .expect("entities")
            .len() as u64,
        max
    );
    api.post(
        &subscriptions,
        &json!([{ "id": "v2.routing.queues.extra.users" }]),
    )
    .await
    .expect_error(400, code);
    api.delete(&subscriptions).await.expect(204);
    api.post(
        &subscriptions,
        &json!([{ "id": "v2.routing.queues.*.users" }]),
    )
    .await
    .expect_error(400, "notification.invalid.topic");
    // Without audits:audit:view an audit topic is refused, or Rejected with ignoreErrors.
    api.put(
        "/__sandbox/orgs/sandbox/clients/sandbox/permissions",
        &json!({ "denied": ["audits:audit:view"] }),
    )
    .await
    .expect(200);
    let audit = json!([{ "id": "v2.audits.entitytype.Queue.entityid.42" }, { "id": "v2.routing.queues.42.users" }]);
    api.post(&subscriptions, &audit)
        .await
        .expect_error(403, "missing.permissions");
    let partial = api
        .post(&format!("{subscriptions}?ignoreErrors=true"), &audit)
        .await;
    assert_eq!(
        partial.expect(200)["entities"],
        json!([
            { "id": "v2.routing.queues.42.users", "state": "Permitted" },
            { "id": "v2.audits.entitytype.Queue.entityid.42", "state": "Rejected", "rejectionReason": "Missing permissions", "missingPermissions": ["audits:audit:view"] },
        ])
    );

    // 20 channels per client: the 21st evicts the oldest channel without a socket.
    let limit = facts["notifications"]["maxChannelsPerUserAndApp"]
        .as_u64()
        .expect("limit") as usize;
    let mut channels = vec![channel];
    while channels.len() < limit {
        channels.push(
            api.post("/notifications/channels", &json!({}))
                .await
                .expect(200)
                .clone(),
        );
    }
    api.put("/__sandbox/notifications", &json!({ "heartbeatMs": 50 }))
        .await
        .expect(200);
    let mut connected = connect(&channels[0]).await;
    until_topic(&mut connected, "channel.metadata").await;
    let twenty_first = api.post("/notifications/channels", &json!({})).await;
    twenty_first.expect(200);
    let listed = api.get("/notifications/channels").await;
    assert_eq!(
        listed.expect(200)["entities"]
            .as_array()
            .expect("entities")
            .len(),
        limit
    );
    api.head_ok(
        &format!("/notifications/channels/{}", id(&channels[0])),
        200,
    )
    .await;
    api.head_ok(
        &format!("/notifications/channels/{}", id(&channels[1])),
        404,
    )
    .await;
    // The connected channel's socket lives on.
    until_topic(&mut connected, "channel.metadata").await;
}
