//! The webhook channel: one JSON `POST` per envelope to a Slack or Teams incoming webhook or
//! to any HTTP endpoint (`webhook: { url: ..., flavor: slack | teams | generic }`).
//!
//! Every request carries `Idempotency-Key: <key>` so a receiver that honours it drops a
//! repeat. Outcomes: 2xx is [`Delivery::Sent`]; 429 and 5xx are [`Delivery::Transient`] with
//! the response's `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3); any other status
//! is [`Delivery::Permanent`]; a network error or a timeout is [`Delivery::Transient`].

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};

use super::{Delivery, error_chain};
use crate::notice::Envelope;

/// How long a webhook request may take by default, connecting included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How much of an error response's body a delivery's reason keeps.
const REASON_BODY_LIMIT: usize = 300;

/// The body shape a webhook expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WebhookFlavor {
    /// A Slack incoming webhook: `{"text": ...}`.
    Slack,
    /// A Microsoft Teams incoming webhook (or a Teams Workflows webhook): a message with one
    /// Adaptive Card.
    Teams,
    /// Any endpoint: `{"key", "recipient", "subject", "body"}`.
    Generic,
}

/// Where and how to post (`notify.channels.<name>` with `webhook:`).
#[derive(Clone)]
pub struct WebhookConfig {
    /// The webhook URL, already resolved from its secret reference (it is a credential:
    /// `Debug` prints only its scheme and host).
    pub url: String,
    /// The body shape.
    pub flavor: WebhookFlavor,
    /// Limit on each request, connecting included.
    pub timeout: Duration,
}

impl WebhookConfig {
    /// A configuration with the default timeout.
    pub fn new(url: impl Into<String>, flavor: WebhookFlavor) -> Self {
        WebhookConfig {
            url: url.into(),
            flavor,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &redacted(&self.url))
            .field("flavor", &self.flavor)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The URL up to its host: webhook URLs carry their secret in the path.
fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => format!(
            "{}://{}/…",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default()
        ),
        Err(_) => "<invalid url>".to_owned(),
    }
}

/// Why a webhook channel cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum WebhookConfigError {
    /// The URL is not an `http` or `https` URL.
    #[error("the webhook URL is not a valid `http` or `https` URL: {reason}")]
    Url {
        /// What is wrong with it (the URL itself is a secret and is not repeated).
        reason: String,
    },
    /// The HTTP client could not be built (its TLS setup failed).
    #[error("cannot build the HTTP client for the webhook")]
    Client(#[source] reqwest::Error),
}

/// Posts envelopes to one webhook.
#[derive(Clone)]
pub struct WebhookChannel {
    url: reqwest::Url,
    flavor: WebhookFlavor,
    client: reqwest::Client,
}

impl fmt::Debug for WebhookChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookChannel")
            .field("url", &redacted(self.url.as_str()))
            .field("flavor", &self.flavor)
            .finish_non_exhaustive()
    }
}

impl WebhookChannel {
    /// A channel posting to the configured URL.
    pub fn new(config: &WebhookConfig) -> Result<Self, WebhookConfigError> {
        let url = reqwest::Url::parse(&config.url).map_err(|error| WebhookConfigError::Url {
            reason: error.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WebhookConfigError::Url {
                reason: format!("the scheme is `{}`", url.scheme()),
            });
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(WebhookConfigError::Client)?;
        Ok(WebhookChannel {
            url,
            flavor: config.flavor,
            client,
        })
    }

    /// Posts the envelope.
    pub async fn deliver(&self, envelope: &Envelope) -> Delivery {
        let response = self
            .client
            .post(self.url.clone())
            .header("Idempotency-Key", &envelope.key)
            .json(&body(self.flavor, envelope))
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            // Without the URL: a Slack or Teams URL is itself the secret.
            Err(error) => return Delivery::transient(error_chain(&error.without_url())),
        };
        let status = response.status();
        let retry_after = retry_after(response.headers(), Timestamp::now());
        // An unreadable body only loses detail from the reason.
        let text = response.text().await.unwrap_or_default();
        classify(self.flavor, status, retry_after, &text)
    }
}

/// The JSON body a webhook of this flavor receives for the envelope.
pub fn body(flavor: WebhookFlavor, envelope: &Envelope) -> Value {
    match flavor {
        // Slack incoming webhooks take `text` with Slack's own markup (`*bold*`):
        // https://api.slack.com/messaging/webhooks
        WebhookFlavor::Slack => json!({
            "text": format!("*{}*\n{}", envelope.subject, envelope.body),
        }),
        // The Adaptive Card message shape Teams documents for incoming webhooks ("Send
        // Adaptive Cards using an Incoming Webhook": `type` must be `message`, the card goes
        // in `attachments[].content` with contentType `application/vnd.microsoft.card.adaptive`):
        // https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook
        // Teams Workflows webhooks, which replace the retired Office 365 connectors, accept
        // the same message.
        WebhookFlavor::Teams => json!({
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
                            "wrap": true,
                        },
                        {
                            "type": "TextBlock",
                            "text": envelope.body,
                            "wrap": true,
                        },
                    ],
                },
            }],
        }),
        WebhookFlavor::Generic => json!({
            "key": envelope.key,
            "recipient": envelope.recipient,
            "subject": envelope.subject,
            "body": envelope.body,
        }),
    }
}

/// Sorts a webhook's response into a delivery outcome.
fn classify(
    flavor: WebhookFlavor,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &str,
) -> Delivery {
    let reason = || {
        let mut reason = format!("the webhook answered {status}");
        let body = body.trim();
        if !body.is_empty() {
            let excerpt: String = body.chars().take(REASON_BODY_LIMIT).collect();
            reason.push_str(": ");
            reason.push_str(&excerpt);
        }
        reason
    };
    if status.is_success() {
        // Office 365 connectors answer a throttled post with 200 and this text in the body
        // (same Teams page, "Rate limiting for connectors").
        if flavor == WebhookFlavor::Teams && body.contains("HTTP error 429") {
            return Delivery::Transient {
                reason: reason(),
                retry_after,
            };
        }
        return Delivery::Sent;
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Delivery::Transient {
            reason: reason(),
            retry_after,
        };
    }
    Delivery::permanent(reason())
}

/// The response's `Retry-After` as a duration from `now`: delay seconds or an HTTP date
/// (a date in the past means "now": zero). `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, now)
}

/// Parses a `Retry-After` value: `120` or `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // The IMF-fixdate of HTTP is an RFC 2822 date with the `GMT` zone.
    let date = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = now.duration_until(date);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "1994-11-06T08:49:00Z".parse().unwrap()
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_mins(2))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now()),
            Some(Duration::from_secs(37))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-5", now()), None);
    }

    #[test]
    fn statuses_map_to_outcomes() {
        let wait = Some(Duration::from_secs(3));
        let generic = WebhookFlavor::Generic;
        assert_eq!(classify(generic, StatusCode::OK, None, ""), Delivery::Sent);
        assert_eq!(
            classify(generic, StatusCode::NO_CONTENT, None, ""),
            Delivery::Sent
        );
        assert!(matches!(
            classify(generic, StatusCode::TOO_MANY_REQUESTS, wait, ""),
            Delivery::Transient { retry_after, .. } if retry_after == wait
        ));
        assert!(matches!(
            classify(generic, StatusCode::BAD_GATEWAY, None, ""),
            Delivery::Transient {
                retry_after: None,
                ..
            }
        ));
        assert_eq!(
            classify(generic, StatusCode::NOT_FOUND, None, " no_team \n"),
            Delivery::permanent("the webhook answered 404 Not Found: no_team")
        );
    }

    #[test]
    fn a_teams_connector_throttling_in_a_200_body_is_transient() {
        let body = "Microsoft Teams endpoint returned HTTP error 429";
        assert!(matches!(
            classify(WebhookFlavor::Teams, StatusCode::OK, None, body),
            Delivery::Transient { .. }
        ));
        assert_eq!(
            classify(WebhookFlavor::Generic, StatusCode::OK, None, body),
            Delivery::Sent
        );
    }

    #[test]
    fn the_url_secret_is_not_printed() {
        let config = WebhookConfig::new(
            "https://hooks.slack.com/services/T000/B000/SECRET",
            WebhookFlavor::Slack,
        );
        let printed = format!("{config:?}");
        assert!(printed.contains("hooks.slack.com"));
        assert!(!printed.contains("SECRET"));
    }

    #[test]
    fn only_http_urls_are_accepted() {
        let ftp = WebhookConfig::new("ftp://files.example/x", WebhookFlavor::Generic);
        assert!(matches!(
            WebhookChannel::new(&ftp),
            Err(WebhookConfigError::Url { .. })
        ));
        let garbage = WebhookConfig::new("not a url", WebhookFlavor::Generic);
        assert!(matches!(
            WebhookChannel::new(&garbage),
            Err(WebhookConfigError::Url { .. })
        ));
    }
}
