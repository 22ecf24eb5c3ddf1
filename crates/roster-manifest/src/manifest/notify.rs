//! `notify:` in `roster.yaml`, as written: decoded and checked by `crate::decode`, resolved
//! into [`crate::NotifyConfig`] by the loader. Secrets stay references.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use super::{At, SecretRefConfig};

/// `notify:`: how people hear about changes and announcements (DESIGN §2.9).
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotifySettings {
    /// Who the `admins` tier is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admins: Option<AdminsSettings>,
    /// The channels messages go through, by a name of your choice (`[a-z0-9-]+`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<At<String>, ChannelSettings>,
    /// Change notices after `roster apply`: through which channels, in which local hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notices: Option<NoticesSettings>,
    /// Acknowledgement links: where `roster serve` answers `/ack/{token}`, and the key that
    /// signs the tokens. Needed by any announcement with `acknowledge:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge: Option<AckLinkSettings>,
    /// Attempts at a message before it is dead-lettered (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub max_attempts: Option<u32>,
}

/// `notify.admins`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminsSettings {
    /// Holders of these roles (looked up in each org) are the `admins` tier.
    pub roles: Vec<At<String>>,
}

/// One channel: exactly one of `smtp`, `webhook` and `file`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct ChannelSettings {
    /// Email through this SMTP server: `smtp://host:port` (plain, or `?tls=starttls`) or
    /// `smtps://host:port` (TLS). No credentials in the URL: use `username` and `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^smtps?://"))]
    pub smtp: Option<At<String>>,
    /// Email only: the sender, `roster@acme.example` or `Roster <roster@acme.example>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<At<String>>,
    /// Email only: the SMTP user name, by reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<SecretRefConfig>,
    /// Email only: the SMTP password, by reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRefConfig>,
    /// A chat or HTTP webhook (Slack, Teams or generic JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookSettings>,
    /// A folder, relative to the workspace root, each message written there as a file: for
    /// dry runs and audits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<At<String>>,
    /// Most messages a second (default 30 for email, 1 for a webhook, 1000 for a folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub rate_per_second: Option<u32>,
}

/// `webhook:` of a channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookSettings {
    /// The webhook's URL, by reference: Slack and Teams URLs carry their own secret.
    pub url: SecretRefConfig,
    /// The payload's shape: `slack`, `teams` or `generic` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<WebhookKind>,
}

/// The payload a webhook takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum WebhookKind {
    /// Slack incoming webhook (`{"text": ...}`).
    Slack,
    /// Microsoft Teams incoming webhook or workflow.
    Teams,
    /// roster's own JSON (the envelope), for anything else.
    #[default]
    Generic,
}

impl WebhookKind {
    pub(crate) const NAMES: [&'static str; 3] = ["slack", "teams", "generic"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "slack" => Some(WebhookKind::Slack),
            "teams" => Some(WebhookKind::Teams),
            "generic" => Some(WebhookKind::Generic),
            _ => None,
        }
    }
}

/// `notify.notices`: change notices after an apply.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoticesSettings {
    /// The channels they go through: names under `notify.channels`.
    #[schemars(length(min = 1))]
    pub channels: Vec<At<String>>,
    /// Only between these local hours of each recipient (`"09:00-17:00"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$"))]
    pub window: Option<At<String>>,
}

/// `notify.acknowledge`: the links messages carry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AckLinkSettings {
    /// The public base URL of `roster serve` (`https://roster.acme.example`).
    #[schemars(regex(pattern = r"^https?://"))]
    pub url: At<String>,
    /// The key that signs acknowledgement tokens, by reference.
    pub secret: SecretRefConfig,
}
