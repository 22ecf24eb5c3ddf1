//! The email channel against the test SMTP server.

use roster_notify::smtp::parse_smtp_url;
use std::collections::BTreeMap;
use std::time::Duration;

use roster_notify::channel::{Delivery, EmailChannel, EmailConfig};
use roster_notify::testing::{Refusal, SmtpOptions, SmtpServer};

use super::envelope;

fn channel_for(server: &SmtpServer) -> EmailChannel {
    let mut config = EmailConfig::new(
        parse_smtp_url(&server.url()).unwrap(),
        "Roster <roster@acme.example>",
    );
    config.timeout = Duration::from_secs(10);
    EmailChannel::new(&config).unwrap()
}

#[tokio::test]
async fn a_message_arrives_with_its_headers_body_and_message_id() {
    let server = SmtpServer::start(SmtpOptions::default()).unwrap();
    let channel = channel_for(&server);
    let envelope = envelope("ana@acme.example", "Ana García");

    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert_eq!(mail.from, "roster@acme.example");
    assert_eq!(mail.recipients, vec!["ana@acme.example".to_owned()]);
    assert_eq!(
        mail.header("Message-ID").as_deref(),
        Some(format!("<{}@acme.example>", envelope.key).as_str())
    );
    assert_eq!(
        mail.header("From").as_deref(),
        Some("Roster <roster@acme.example>")
    );
    // The non-ASCII display name is encoded (RFC 2047); the address is as given.
    let to = mail.header("To").unwrap();
    assert!(to.ends_with("<ana@acme.example>"), "To: {to}");
    assert!(to.starts_with("=?utf-8?"), "To: {to}");
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Your routing changes on Monday")
    );
    assert_eq!(
        mail.header("Content-Type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    let encoding = mail.header("Content-Transfer-Encoding").unwrap();
    assert_eq!(encoding, "7bit", "the test body is ASCII");
    // Line ends travel as CRLF, and lettre ends the data with `<CRLF>.<CRLF>` after the
    // body's own final line end, so one empty line more arrives.
    assert_eq!(
        mail.body(),
        format!("{}\r\n", envelope.body.replace('\n', "\r\n")),
        "the body arrives unchanged"
    );
}

#[tokio::test]
async fn a_550_refusal_is_permanent_and_keeps_the_server_reply() {
    let server = SmtpServer::start(SmtpOptions {
        refusal: Some(Refusal::all(550, "5.1.1 no such user")),
        ..SmtpOptions::default()
    })
    .unwrap();
    let channel = channel_for(&server);

    let delivery = channel
        .deliver(&envelope("gone@acme.example", "Gone"))
        .await;

    let Delivery::Permanent { reason } = delivery else {
        panic!("expected a permanent failure, got {delivery:?}");
    };
    assert!(reason.contains("550"), "{reason}");
    assert!(reason.contains("no such user"), "{reason}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn a_451_refusal_is_transient_and_the_next_attempt_goes_through() {
    let server = SmtpServer::start(SmtpOptions {
        refusal: Some(Refusal::all(451, "4.3.0 try again later")),
        ..SmtpOptions::default()
    })
    .unwrap();
    let channel = channel_for(&server);
    let envelope = envelope("ana@acme.example", "Ana");

    let delivery = channel.deliver(&envelope).await;
    let Delivery::Transient {
        reason,
        retry_after,
    } = delivery
    else {
        panic!("expected a transient failure, got {delivery:?}");
    };
    assert!(reason.contains("451"), "{reason}");
    assert!(reason.contains("try again later"), "{reason}");
    assert_eq!(retry_after, None);
    assert!(server.messages().is_empty());

    // The refusal lifts: the same channel (its pool dropped the failed connection) delivers.
    server.set_refusal(None);
    assert_eq!(channel.deliver(&envelope).await, Delivery::Sent);
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn every_second_recipient_refused_with_550_fails_only_those() {
    let server = SmtpServer::start(SmtpOptions {
        refusal: Some(Refusal::every_nth(2, 550, "mailbox unavailable")),
        ..SmtpOptions::default()
    })
    .unwrap();
    let channel = channel_for(&server);

    let mut outcomes = Vec::new();
    for n in 1..=4 {
        let delivery = channel
            .deliver(&envelope(&format!("user{n}@acme.example"), "User"))
            .await;
        outcomes.push(matches!(delivery, Delivery::Sent));
    }

    assert_eq!(outcomes, vec![true, false, true, false]);
    let recipients: Vec<_> = server
        .messages()
        .into_iter()
        .flat_map(|mail| mail.recipients)
        .collect();
    assert_eq!(recipients, vec!["user1@acme.example", "user3@acme.example"]);
}

#[tokio::test]
async fn a_server_that_is_down_is_transient() {
    // Bind a port, then free it: nothing listens there any more.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut config = EmailConfig::new(
        parse_smtp_url(&format!("smtp://127.0.0.1:{port}")).unwrap(),
        "roster@acme.example",
    );
    config.timeout = Duration::from_secs(5);
    let channel = EmailChannel::new(&config).unwrap();

    let delivery = channel.deliver(&envelope("ana@acme.example", "Ana")).await;

    let Delivery::Transient { reason, .. } = delivery else {
        panic!("expected a transient failure, got {delivery:?}");
    };
    assert!(reason.to_lowercase().contains("refused"), "{reason}");
}

#[tokio::test]
async fn an_address_that_does_not_parse_is_undeliverable_and_nothing_is_sent() {
    let server = SmtpServer::start(SmtpOptions::default()).unwrap();
    let channel = channel_for(&server);

    let delivery = channel.deliver(&envelope("ana at acme", "Ana")).await;

    let Delivery::Undeliverable { reason } = delivery else {
        panic!("expected undeliverable, got {delivery:?}");
    };
    assert!(reason.contains("`ana at acme`"), "{reason}");
    assert!(server.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_sends_share_the_pool_and_each_arrives_once() {
    let server = SmtpServer::start(SmtpOptions::default()).unwrap();
    let mut config = EmailConfig::new(
        parse_smtp_url(&server.url()).unwrap(),
        "roster@acme.example",
    );
    config.pool_size = 4;
    config.timeout = Duration::from_secs(10);
    let channel = EmailChannel::new(&config).unwrap();

    let mut sends = tokio::task::JoinSet::new();
    for n in 0..50 {
        let channel = channel.clone();
        sends.spawn(async move {
            let envelope = envelope(&format!("agent{n:02}@acme.example"), "Agent");
            channel.deliver(&envelope).await
        });
    }
    let outcomes = tokio::time::timeout(Duration::from_mins(1), sends.join_all())
        .await
        .expect("50 sends finish within a minute");

    assert!(outcomes.iter().all(|delivery| *delivery == Delivery::Sent));
    let mut arrivals: BTreeMap<String, usize> = BTreeMap::new();
    for mail in server.messages() {
        for recipient in mail.recipients {
            *arrivals.entry(recipient).or_default() += 1;
        }
    }
    assert_eq!(arrivals.len(), 50);
    assert!(arrivals.values().all(|count| *count == 1), "{arrivals:?}");
    // Connections were reused, not opened per message (without the channel's permits lettre
    // opens all 50). Not exactly 4: lettre returns a connection to its pool in a spawned task,
    // so a send that gets a permit first may find the pool empty and open another (7 to 9
    // sessions measured).
    let sessions = server.sessions();
    assert!(
        (1..25).contains(&sessions),
        "{sessions} SMTP sessions for 50 sends"
    );
}

#[tokio::test]
async fn a_stopped_server_takes_nothing_more() {
    let server = SmtpServer::start(SmtpOptions::default()).unwrap();
    let url = server.url();
    drop(server);
    let mut config = EmailConfig::new(parse_smtp_url(&url).unwrap(), "roster@acme.example");
    config.timeout = Duration::from_secs(5);
    let channel = EmailChannel::new(&config).unwrap();

    let delivery = channel.deliver(&envelope("ana@acme.example", "Ana")).await;

    assert!(
        matches!(delivery, Delivery::Transient { .. }),
        "{delivery:?}"
    );
}
