//! The webhook channel against the test receiver.

use std::time::Duration;

use roster_notify::channel::{Delivery, WebhookChannel, WebhookConfig, WebhookFlavor};
use roster_notify::testing::{ScriptedResponse, WebhookReceiver};
use serde_json::json;

use super::envelope;

fn channel_for(receiver: &WebhookReceiver, flavor: WebhookFlavor) -> WebhookChannel {
    let mut config = WebhookConfig::new(receiver.url(), flavor);
    config.timeout = Duration::from_secs(10);
    WebhookChannel::new(&config).unwrap()
}

#[tokio::test]
async fn slack_gets_text_with_the_subject_in_bold() {
    let receiver = WebhookReceiver::start(vec![]).await.unwrap();
    let channel = channel_for(&receiver, WebhookFlavor::Slack);
    let envelope = envelope("ana@acme.example", "Ana");

    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(
        requests[0].json().unwrap(),
        json!({ "text": format!("*{}*\n{}", envelope.subject, envelope.body) })
    );
}

#[tokio::test]
async fn teams_gets_a_message_with_one_adaptive_card() {
    let receiver = WebhookReceiver::start(vec![]).await.unwrap();
    let channel = channel_for(&receiver, WebhookFlavor::Teams);
    let envelope = envelope("ana@acme.example", "Ana");

    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);

    let body = receiver.requests()[0].json().unwrap();
    assert_eq!(
        body,
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.2",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": envelope.subject,
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": true
                        },
                        { "type": "TextBlock", "text": envelope.body, "wrap": true }
                    ]
                }
            }]
        })
    );
}

#[tokio::test]
async fn generic_gets_key_recipient_subject_and_body_and_every_request_has_the_key() {
    let receiver = WebhookReceiver::start(vec![]).await.unwrap();
    let channel = channel_for(&receiver, WebhookFlavor::Generic);
    let envelope = envelope("ana@acme.example", "Ana");

    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);
    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(
            request.header("idempotency-key"),
            Some(envelope.key.as_str())
        );
    }
    assert_eq!(
        requests[0].json().unwrap(),
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
async fn a_429_with_retry_after_is_transient_for_that_long_then_the_retry_is_sent() {
    let receiver = WebhookReceiver::start(vec![
        ScriptedResponse::status(429).with_header("Retry-After", "7"),
        ScriptedResponse::ok(),
    ])
    .await
    .unwrap();
    let channel = channel_for(&receiver, WebhookFlavor::Slack);
    let envelope = envelope("ana@acme.example", "Ana");

    let delivery = channel.deliver(&envelope).await;
    let Delivery::Transient {
        reason,
        retry_after,
    } = delivery
    else {
        panic!("expected a transient failure, got {delivery:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
    assert!(reason.contains("429"), "{reason}");

    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);
    assert_eq!(receiver.requests().len(), 2);
}

#[tokio::test]
async fn a_429_with_an_http_date_waits_until_that_date() {
    let in_two_minutes = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(120);
    let http_date = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&in_two_minutes)
        .unwrap();
    let receiver = WebhookReceiver::start(vec![
        ScriptedResponse::status(429).with_header("Retry-After", http_date),
    ])
    .await
    .unwrap();
    let channel = channel_for(&receiver, WebhookFlavor::Generic);

    let delivery = channel.deliver(&envelope("ana@acme.example", "Ana")).await;

    let Delivery::Transient {
        retry_after: Some(wait),
        ..
    } = delivery
    else {
        panic!("expected a transient failure with a wait, got {delivery:?}");
    };
    // Whole seconds in the header and the time the request took: generous bounds.
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_mins(2),
        "{wait:?}"
    );
}

#[tokio::test]
async fn a_500_is_transient_and_a_400_is_permanent_with_the_body_in_the_reason() {
    let receiver = WebhookReceiver::start(vec![
        ScriptedResponse::status(500).with_body("upstream down"),
        ScriptedResponse::status(400).with_body("invalid_payload"),
    ])
    .await
    .unwrap();
    let channel = channel_for(&receiver, WebhookFlavor::Slack);
    let envelope = envelope("ana@acme.example", "Ana");

    let first = channel.deliver(&envelope).await;
    assert!(
        matches!(&first, Delivery::Transient { reason, retry_after: None } if reason.contains("500") && reason.contains("upstream down")),
        "{first:?}"
    );
    let second = channel.deliver(&envelope).await;
    assert!(
        matches!(&second, Delivery::Permanent { reason } if reason.contains("400") && reason.contains("invalid_payload")),
        "{second:?}"
    );
}

#[tokio::test]
async fn a_receiver_that_is_gone_is_transient_and_the_reason_keeps_the_secret_url_out() {
    let receiver = WebhookReceiver::start(vec![]).await.unwrap();
    // Slack and Teams URLs carry their secret in the path.
    let url = format!(
        "{}/services/T0/B0/s3cr3t-token",
        receiver.url().trim_end_matches('/')
    );
    receiver.stop().await;
    let mut config = WebhookConfig::new(url, WebhookFlavor::Generic);
    config.timeout = Duration::from_secs(5);
    let channel = WebhookChannel::new(&config).unwrap();

    let delivery = channel.deliver(&envelope("ana@acme.example", "Ana")).await;

    let Delivery::Transient { reason, .. } = &delivery else {
        panic!("{delivery:?}");
    };
    // The reason goes to the outbox, the journal, `notify status` and the server's log.
    assert!(!reason.contains("s3cr3t-token"), "{reason}");
}
