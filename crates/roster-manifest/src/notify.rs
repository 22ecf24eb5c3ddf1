//! `notify:` in `roster.yaml`, resolved: the channels messages go through and how fast, who
//! the `admins` tier is, where change notices go and when, how acknowledgement links are made,
//! and where the outbox is (DESIGN §2.9, issue #16).
//!
//! Secrets stay references ([`SecretRef`]): nothing here reads them. The decoder checks every
//! value with a diagnostic at its line; [`resolve`] only turns checked values into these types.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use roster_model::Email;
use roster_notify::Window;

use crate::manifest::{ChannelSettings, NotifySettings, SecretRefConfig, ServeSettings};
use crate::org::SecretRef;

pub use crate::manifest::WebhookKind;
pub use roster_notify::smtp::{SmtpServer, SmtpTls, SmtpUrlError, parse_smtp_url};

/// Messages a second through an email channel when `ratePerSecond` is not given.
pub const DEFAULT_EMAIL_RATE: u32 = 30;
/// Messages a second through a webhook when `ratePerSecond` is not given: Slack's incoming
/// webhooks take one a second, and a chat channel read by people gains nothing from more.
pub const DEFAULT_WEBHOOK_RATE: u32 = 1;
/// Messages a second into a folder when `ratePerSecond` is not given: a local disk, so the
/// limit only keeps a dry run of a large audience from monopolising it.
pub const DEFAULT_FILE_RATE: u32 = 1000;
/// Most messages a second `ratePerSecond` may ask for.
pub const MAX_RATE: u32 = 10_000;
/// Attempts at a message before it is dead-lettered, when `notify.maxAttempts` is not given.
pub const DEFAULT_NOTIFY_MAX_ATTEMPTS: u32 = 5;

/// Everything `roster notify` needs from `roster.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// The outbox's `SQLite` database: the serve queue's file (`serve.database`, default
    /// `.roster/serve.db`) joined with the workspace root, whether or not `serve:` is written.
    pub database: PathBuf,
    /// Holders of these roles are the `admins` tier (empty: nobody is).
    pub admin_roles: BTreeSet<String>,
    /// The channels, by name.
    pub channels: BTreeMap<String, ChannelConfig>,
    /// Change notices after an apply; `None` sends none.
    pub notices: Option<NoticeSettings>,
    /// How acknowledgement links are made; `None` when no link can be (then no announcement
    /// asks for acknowledgement: the loader refuses one that does).
    pub acknowledge: Option<AckSettings>,
    /// Attempts at a message before it is dead-lettered.
    pub max_attempts: u32,
}

/// One channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelConfig {
    /// Email through an SMTP server.
    Email(EmailChannel),
    /// A chat or HTTP webhook.
    Webhook(WebhookChannel),
    /// Files in a folder.
    File(FileChannel),
}

impl ChannelConfig {
    /// Most messages a second through it (its token bucket's rate).
    pub fn rate_per_second(&self) -> u32 {
        match self {
            ChannelConfig::Email(email) => email.rate_per_second,
            ChannelConfig::Webhook(webhook) => webhook.rate_per_second,
            ChannelConfig::File(file) => file.rate_per_second,
        }
    }
}

/// An email channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChannel {
    /// The SMTP server.
    pub server: SmtpServer,
    /// The sender.
    pub from: Sender,
    /// The SMTP user name and password, when the server wants them.
    pub credentials: Option<SmtpCredentials>,
    /// Most messages a second.
    pub rate_per_second: u32,
}

/// An email's sender: `roster@acme.example` or `Roster <roster@acme.example>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The display name, when written.
    pub name: Option<String>,
    /// The address.
    pub address: Email,
}

/// SMTP credentials, by reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// Where the user name is.
    pub username: SecretRef,
    /// Where the password is.
    pub password: SecretRef,
}

/// A webhook channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookChannel {
    /// Where its URL is (the URL is a secret: whoever has it can post).
    pub url: SecretRef,
    /// The payload's shape.
    pub kind: WebhookKind,
    /// Most messages a second.
    pub rate_per_second: u32,
}

/// A folder channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChannel {
    /// The folder: the workspace root joined with the path as written.
    pub folder: PathBuf,
    /// Most messages a second.
    pub rate_per_second: u32,
}

/// `notify.notices`: change notices after an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSettings {
    /// The channels they go through (keys of [`NotifyConfig::channels`]).
    pub channels: Vec<String>,
    /// Only inside this window of each recipient's local time; `None`: any hour.
    pub window: Option<Window>,
}

/// `notify.acknowledge`: how acknowledgement links are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckSettings {
    /// The public base URL of `roster serve`, without a trailing `/`; links are
    /// `{url}/ack/{token}`.
    pub url: String,
    /// Where the key that signs the tokens is.
    pub secret: SecretRef,
}

/// Reads a sender: `roster@acme.example` or `Roster <roster@acme.example>`.
///
/// # Errors
///
/// The address's own error when it is not one ([`roster_model::EmailError`]'s message).
pub fn parse_sender(text: &str) -> Result<Sender, String> {
    let (name, address) = match text.trim_end().strip_suffix('>') {
        Some(rest) => {
            let (name, address) = rest
                .rsplit_once('<')
                .ok_or_else(|| format!("`{text}` has a `>` without a `<`"))?;
            let name = name.trim().trim_matches('"').trim();
            ((!name.is_empty()).then(|| name.to_owned()), address.trim())
        }
        None => (None, text.trim()),
    };
    let address = Email::parse(address).map_err(|err| err.to_string())?;
    Ok(Sender { name, address })
}

/// The outbox's database: the serve queue's file, whether or not `serve:` is written.
pub(crate) fn database(serve: Option<&ServeSettings>, root: &Path) -> PathBuf {
    root.join(
        serve
            .and_then(|serve| serve.database.as_ref())
            .map_or(crate::serve::DEFAULT_DATABASE, |d| d.value.as_str()),
    )
}

/// The resolved configuration of checked `settings`; `secret` resolves a reference the way
/// the loader does for credentials. `None` only if a value fails a check the decoder already
/// reported as an error (so no workspace is built anyway).
pub(crate) fn resolve(
    settings: &NotifySettings,
    serve: Option<&ServeSettings>,
    root: &Path,
    secret: impl Fn(&SecretRefConfig) -> SecretRef,
) -> Option<NotifyConfig> {
    let mut channels = BTreeMap::new();
    for (name, channel) in &settings.channels {
        channels.insert(name.value.clone(), channel_config(channel, root, &secret)?);
    }
    let notices = match &settings.notices {
        Some(notices) => Some(NoticeSettings {
            channels: notices.channels.iter().map(|c| c.value.clone()).collect(),
            window: match &notices.window {
                Some(window) => Some(Window::parse(&window.value).ok()?),
                None => None,
            },
        }),
        None => None,
    };
    Some(NotifyConfig {
        database: database(serve, root),
        admin_roles: settings
            .admins
            .iter()
            .flat_map(|admins| &admins.roles)
            .map(|role| role.value.clone())
            .collect(),
        channels,
        notices,
        acknowledge: settings.acknowledge.as_ref().map(|ack| AckSettings {
            url: ack.url.value.trim_end_matches('/').to_owned(),
            secret: secret(&ack.secret),
        }),
        max_attempts: settings.max_attempts.unwrap_or(DEFAULT_NOTIFY_MAX_ATTEMPTS),
    })
}

fn channel_config(
    channel: &ChannelSettings,
    root: &Path,
    secret: &impl Fn(&SecretRefConfig) -> SecretRef,
) -> Option<ChannelConfig> {
    let rate = |default| channel.rate_per_second.unwrap_or(default);
    if let Some(smtp) = &channel.smtp {
        let credentials = match (&channel.username, &channel.password) {
            (Some(username), Some(password)) => Some(SmtpCredentials {
                username: secret(username),
                password: secret(password),
            }),
            _ => None,
        };
        return Some(ChannelConfig::Email(EmailChannel {
            server: parse_smtp_url(&smtp.value).ok()?,
            from: parse_sender(&channel.from.as_ref()?.value).ok()?,
            credentials,
            rate_per_second: rate(DEFAULT_EMAIL_RATE),
        }));
    }
    if let Some(webhook) = &channel.webhook {
        return Some(ChannelConfig::Webhook(WebhookChannel {
            url: secret(&webhook.url),
            kind: webhook.kind.unwrap_or_default(),
            rate_per_second: rate(DEFAULT_WEBHOOK_RATE),
        }));
    }
    let folder = channel.file.as_ref()?;
    Some(ChannelConfig::File(FileChannel {
        folder: root.join(&folder.value),
        rate_per_second: rate(DEFAULT_FILE_RATE),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_is_an_address_with_an_optional_name() {
        let sender = parse_sender("roster@acme.example").unwrap();
        assert_eq!(
            (sender.name, sender.address.as_str()),
            (None, "roster@acme.example")
        );
        let sender = parse_sender("\"Roster Bot\" <roster@acme.example>").unwrap();
        assert_eq!(sender.name.as_deref(), Some("Roster Bot"));
        assert_eq!(sender.address.as_str(), "roster@acme.example");
        assert!(parse_sender("roster").is_err());
        assert!(parse_sender("Roster roster@acme.example>").is_err());
    }

    #[test]
    fn the_outbox_is_the_serve_queue_database_with_or_without_serve() {
        let root = Path::new("/work/acme");
        assert_eq!(database(None, root), root.join(".roster/serve.db"));
        let serve = ServeSettings {
            database: Some(crate::manifest::At::new("state/queue.db".to_owned())),
            ..ServeSettings::default()
        };
        assert_eq!(database(Some(&serve), root), root.join("state/queue.db"));
    }
}
