//! The REST side of a notification channel: create one, subscribe it to a batch of topics,
//! read which topics were permitted (REFERENCE §6.17).
//!
//! Subscriptions are sent with `PUT` (replace: the same request sets up a new channel and
//! renews an old one, extending its 24 hours) and `?ignoreErrors=true`, so a topic the client
//! may not see comes back `Rejected` with its reason instead of failing the whole request.
//!
//! UNCONFIRMED, coped with:
//! - a topic the answer does not list at all counts as rejected (an API that drops refused
//!   topics from the answer must not make roster believe it listens);
//! - a topic the service does not know may fail the whole request with
//!   `400 notification.invalid.topic` although `ignoreErrors` is set; when the message names
//!   one topic of the batch, that topic is rejected and the rest sent again (at most once per
//!   topic, so this ends); otherwise the error is the caller's.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::client::ApiRequest;
use crate::error::GenesysError;
use crate::session::Session;

const CHANNELS: &str = "/api/v2/notifications/channels";
const SUBSCRIPTIONS: &str = "/api/v2/notifications/channels/{channelId}/subscriptions";

/// A channel as created.
#[derive(Debug, Clone)]
pub(crate) struct OpenChannel {
    /// The channel id.
    pub id: String,
    /// Where its WebSocket is.
    pub connect_uri: String,
    /// When it expires, if the answer said.
    pub expires: Option<OffsetDateTime>,
}

/// A topic the API refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// The topic.
    pub topic: String,
    /// The API's reason (`Missing permissions: audits:audit:view`).
    pub reason: String,
}

/// What a subscription left: the topics the channel listens to, and those refused.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subscribed {
    /// Topics permitted, in the order asked.
    pub permitted: Vec<String>,
    /// Topics refused.
    pub rejected: Vec<Rejection>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelBody {
    id: String,
    connect_uri: String,
    #[serde(default)]
    expires: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelTopic {
    id: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    rejection_reason: Option<String>,
    #[serde(default)]
    missing_permissions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ChannelTopics {
    #[serde(default)]
    entities: Vec<ChannelTopic>,
}

/// `POST /api/v2/notifications/channels`.
///
/// Retried like a read: a channel created twice leaves one unused channel, which the service
/// evicts first ("channels without an active connection will be removed first").
pub(crate) async fn create(session: &Session) -> Result<OpenChannel, GenesysError> {
    let request = ApiRequest::new(Method::POST, CHANNELS, CHANNELS, None).idempotent();
    let (channel, _): (ChannelBody, _) = session.send_json(&request).await?;
    Ok(OpenChannel {
        id: channel.id,
        connect_uri: channel.connect_uri,
        expires: channel
            .expires
            .and_then(|text| OffsetDateTime::parse(&text, &Rfc3339).ok()),
    })
}

/// Sets the channel's topics to `topics` (at most 1,000).
pub(crate) async fn subscribe(
    session: &Session,
    channel_id: &str,
    topics: &[String],
) -> Result<Subscribed, GenesysError> {
    let path =
        format!("/api/v2/notifications/channels/{channel_id}/subscriptions?ignoreErrors=true");
    let mut asked: Vec<String> = topics.to_vec();
    let mut invalid = Vec::new();
    loop {
        let body: Value = asked.iter().map(|topic| json!({ "id": topic })).collect();
        let request = ApiRequest::new(Method::PUT, SUBSCRIPTIONS, path.clone(), Some(body));
        match session.send_json::<ChannelTopics>(&request).await {
            Ok((answer, _)) => {
                let mut subscribed = read_answer(&asked, answer.entities);
                invalid.append(&mut subscribed.rejected);
                subscribed.rejected = invalid;
                return Ok(subscribed);
            }
            Err(error) => {
                let Some(topic) = invalid_topic(&error, &asked) else {
                    return Err(error);
                };
                asked.retain(|asked| *asked != topic);
                invalid.push(Rejection {
                    reason: format!("the API does not know the topic: {error}"),
                    topic,
                });
                if asked.is_empty() {
                    return Ok(Subscribed {
                        permitted: Vec::new(),
                        rejected: invalid,
                    });
                }
            }
        }
    }
}

/// The one topic of `asked` a `400 notification.invalid.topic` names, if it names one.
fn invalid_topic(error: &GenesysError, asked: &[String]) -> Option<String> {
    let GenesysError::Api(failure) = error else {
        return None;
    };
    if failure.status != 400 || failure.code.as_deref() != Some("notification.invalid.topic") {
        return None;
    }
    let mut named = asked
        .iter()
        .filter(|topic| failure.message.contains(topic.as_str()));
    match (named.next(), named.next()) {
        (Some(topic), None) => Some(topic.clone()),
        _ => None,
    }
}

/// Splits a subscription answer into permitted and rejected topics; a topic asked for that
/// the answer does not list is rejected.
fn read_answer(asked: &[String], listed: Vec<ChannelTopic>) -> Subscribed {
    let mut subscribed = Subscribed::default();
    let mut permitted = std::collections::HashSet::new();
    for topic in listed {
        if topic.state.as_deref() == Some("Rejected") {
            let mut reason = topic
                .rejection_reason
                .unwrap_or_else(|| "rejected".to_owned());
            if !topic.missing_permissions.is_empty() {
                reason = format!("{reason}: {}", topic.missing_permissions.join(", "));
            }
            subscribed.rejected.push(Rejection {
                topic: topic.id,
                reason,
            });
        } else {
            permitted.insert(topic.id);
        }
    }
    for topic in asked {
        if permitted.contains(topic) {
            subscribed.permitted.push(topic.clone());
        } else if !subscribed.rejected.iter().any(|r| r.topic == *topic) {
            subscribed.rejected.push(Rejection {
                topic: topic.clone(),
                reason: "not subscribed: the API's answer does not list it".to_owned(),
            });
        }
    }
    subscribed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_answer_is_split_and_an_unlisted_topic_counts_as_rejected() {
        let asked = ["a", "b", "c"].map(String::from);
        let listed: ChannelTopics = serde_json::from_value(json!({ "entities": [
            { "id": "a", "state": "Permitted" },
            { "id": "b", "state": "Rejected", "rejectionReason": "Missing permissions", "missingPermissions": ["audits:audit:view"] }
        ]}))
        .unwrap();
        let subscribed = read_answer(&asked, listed.entities);
        assert_eq!(subscribed.permitted, ["a"]);
        assert_eq!(
            subscribed.rejected,
            [
                Rejection {
                    topic: "b".into(),
                    reason: "Missing permissions: audits:audit:view".into()
                },
                Rejection {
                    topic: "c".into(),
                    reason: "not subscribed: the API's answer does not list it".into()
                }
            ]
        );
    }
}
