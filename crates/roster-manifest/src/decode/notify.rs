//! Decodes `notify:` in `roster.yaml` (issue #16): every value is checked here, at its line,
//! so that [`crate::notify::resolve`] only converts. Secrets stay references.

use super::{Decoder, Fields, list};
use crate::diagnostic::Diagnostic;
use crate::manifest::{
    AckLinkSettings, AdminsSettings, At, ChannelSettings, NoticesSettings, NotifySettings,
    WebhookKind, WebhookSettings,
};
use crate::notify::{MAX_RATE, parse_sender, parse_smtp_url};
use crate::org::is_http_url;
use crate::serve::MAX_ATTEMPTS_LIMIT;
use crate::suggest::did_you_mean;
use crate::yaml::{Node, Value};

pub(super) const NOTIFY_KEYS: &[&str] = &[
    "admins",
    "channels",
    "notices",
    "acknowledge",
    "maxAttempts",
];
pub(super) const ADMINS_KEYS: &[&str] = &["roles"];
pub(super) const CHANNEL_KEYS: &[&str] = &[
    "smtp",
    "from",
    "username",
    "password",
    "webhook",
    "file",
    "ratePerSecond",
];
pub(super) const WEBHOOK_KEYS: &[&str] = &["url", "kind"];
pub(super) const NOTICES_KEYS: &[&str] = &["channels", "window"];
pub(super) const ACK_LINK_KEYS: &[&str] = &["url", "secret"];

/// What makes a channel what it is: exactly one of these keys.
const CHANNEL_KINDS: [&str; 3] = ["smtp", "webhook", "file"];
/// Keys only an email channel reads.
const EMAIL_ONLY: [&str; 3] = ["from", "username", "password"];

impl Decoder<'_> {
    /// `notify:`.
    pub(super) fn notify(&mut self, node: &Node) -> Option<NotifySettings> {
        let fields = self.fields(node, "notify", NOTIFY_KEYS)?;
        let mut notify = NotifySettings {
            admins: fields.get("admins").and_then(|n| self.admins(n)),
            max_attempts: fields
                .get("maxAttempts")
                .and_then(|n| {
                    self.integer(
                        n,
                        "maxAttempts",
                        1,
                        i64::from(MAX_ATTEMPTS_LIMIT),
                        "notify-range",
                    )
                })
                .map(|n| n as u32),
            ..NotifySettings::default()
        };
        // Every channel written, decoded or not: `notices` naming a malformed one is not
        // "unknown".
        let mut written = Vec::new();
        if let Some(channels) = fields.get("channels") {
            if let Value::Map(entries) = &channels.value {
                for (key, value) in entries {
                    written.extend(key.scalar_text());
                    let name = self.channel_name(key);
                    let label = key.scalar_text().unwrap_or_default();
                    if let (Some(channel), Some(name)) = (self.channel(value, &label), name) {
                        notify.channels.insert(name, channel);
                    }
                }
            } else {
                self.wrong_type(
                    channels,
                    "channels",
                    "a mapping of channel names to channel settings",
                );
            }
        }
        notify.notices = fields
            .get("notices")
            .and_then(|n| self.notices(n, &written));
        notify.acknowledge = fields.get("acknowledge").and_then(|n| self.ack_link(n));
        Some(notify)
    }

    fn admins(&mut self, node: &Node) -> Option<AdminsSettings> {
        let fields = self.fields(node, "admins", ADMINS_KEYS)?;
        let roles = self.required(&fields, "admins", "roles", "[Admin]", |d, n| {
            d.name_list(n, "roles")
        });
        Some(AdminsSettings { roles: roles? })
    }

    fn channel_name(&mut self, key: &Node) -> Option<At<String>> {
        self.lowercase_name(
            key,
            "channels",
            ("invalid-channel-name", "channel"),
            "a channel's name goes into each message's key and into `roster notify` output",
        )
    }

    fn channel(&mut self, node: &Node, name: &str) -> Option<ChannelSettings> {
        let what = format!("channels.{name}");
        let fields = self.fields(node, &what, CHANNEL_KEYS)?;
        let kinds: Vec<&str> = CHANNEL_KINDS
            .into_iter()
            .filter(|key| fields.get(key).is_some())
            .collect();
        let kind = match kinds.as_slice() {
            [kind] => Some(*kind),
            [] => {
                self.push(
                    Diagnostic::error("channel-kind", format!("channel `{name}` does not say how it sends"))
                        .at(self.location(node.pos), "no `smtp`, `webhook` or `file`")
                        .hint("add one of `smtp: \"smtp://host:port\"` (with `from`), `webhook: { url: { env: VAR } }` or `file: .roster/outbox`"),
                );
                None
            }
            several => {
                self.push(
                    Diagnostic::error(
                        "channel-kind",
                        format!("channel `{name}` sets {}: only one is allowed", list(several)),
                    )
                    .at(self.location(node.pos), "more than one way to send")
                    .hint("keep one of `smtp`, `webhook` and `file`; declare another channel for the other"),
                );
                None
            }
        };
        let mut complete = kind.is_some();
        for (key, _) in fields.entries {
            if let Value::Str(key_name) = &key.value
                && EMAIL_ONLY.contains(&key_name.as_str())
                && kind.is_some_and(|kind| kind != "smtp")
            {
                complete = false;
                self.push(
                    Diagnostic::error(
                        "channel-key-unused",
                        format!(
                            "`{key_name}` does not apply to a `{}` channel",
                            kind.unwrap_or_default()
                        ),
                    )
                    .at(self.location(key.pos), "read by email channels only")
                    .hint(format!(
                        "remove `{key_name}`; it is read only beside `smtp`"
                    )),
                );
            }
        }
        let smtp = fields.get("smtp").and_then(|n| self.smtp_url(n));
        let from = fields.get("from").and_then(|n| self.sender(n));
        let username = self.optional_secret(&fields, "username");
        let password = self.optional_secret(&fields, "password");
        if kind == Some("smtp") {
            complete &= self.email_keys(&fields, name, username.as_ref(), password.as_ref());
            if let (Some(smtp), true) = (&smtp, username.is_some() && password.is_some()) {
                complete &= self.credentials_encrypted(name, smtp);
            }
        }
        let webhook = fields.get("webhook").and_then(|n| self.webhook(n));
        let file = fields.get("file").and_then(|n| self.text(n, "file"));
        let rate_per_second = fields
            .get("ratePerSecond")
            .and_then(|n| self.integer(n, "ratePerSecond", 1, i64::from(MAX_RATE), "notify-range"))
            .map(|n| n as u32);
        let decoded = match kind {
            Some("smtp") => smtp.is_some() && from.is_some(),
            Some("webhook") => webhook.is_some(),
            Some(_) => file.is_some(),
            None => false,
        };
        if !(complete && decoded)
            || (fields.get("ratePerSecond").is_some() && rate_per_second.is_none())
        {
            return None;
        }
        Some(ChannelSettings {
            smtp,
            from,
            username,
            password,
            webhook,
            file,
            rate_per_second,
        })
    }

    /// An email channel's `from` (required) and its credentials (both or neither); false if
    /// something is missing.
    fn email_keys<T>(
        &mut self,
        fields: &Fields<'_>,
        name: &str,
        username: Option<&T>,
        password: Option<&T>,
    ) -> bool {
        let mut complete = true;
        if fields.get("from").is_none() {
            complete = false;
            self.missing(
                fields,
                &format!("channels.{name}"),
                "from",
                "roster@acme.example",
            );
        }
        let (user_written, password_written) = (
            fields.get("username").is_some(),
            fields.get("password").is_some(),
        );
        if user_written != password_written {
            complete = false;
            let (has, lacks) = if user_written {
                ("username", "password")
            } else {
                ("password", "username")
            };
            self.push(
                Diagnostic::error(
                    "smtp-credentials",
                    format!("channel `{name}` has `{has}` but no `{lacks}`"),
                )
                .at(self.location(fields.node.pos), format!("no `{lacks}`"))
                .hint(format!("add `{lacks}: {{ env: SMTP_{} }}`, or remove `{has}` for a server that takes mail without logging in", lacks.to_uppercase())),
            );
        }
        complete && username.is_some() == password.is_some()
    }

    /// A password sent to an SMTP server crosses the network in the clear unless the
    /// connection is encrypted (`?tls=starttls`, `smtps://`) or never leaves the machine;
    /// false (and an error) otherwise.
    fn credentials_encrypted(&mut self, name: &str, smtp: &At<String>) -> bool {
        let Ok(server) = roster_notify::smtp::parse_smtp_url(&smtp.value) else {
            return true; // reported by `smtp_url`
        };
        let loopback = server.host == "localhost"
            || server
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|address| address.is_loopback());
        if server.tls != roster_notify::smtp::SmtpTls::None || loopback {
            return true;
        }
        self.push(
            Diagnostic::error(
                "smtp-credentials-in-clear",
                format!(
                    "channel `{name}` would send its SMTP password unencrypted to `{}`",
                    server.host
                ),
            )
            .at(self.location(smtp.loc.pos), "a plain `smtp://` connection")
            .hint(format!(
                "use `smtp://{}:587?tls=starttls` or `smtps://{}`, whichever the server offers",
                server.host, server.host
            )),
        );
        false
    }

    fn smtp_url(&mut self, node: &Node) -> Option<At<String>> {
        let url = self.text(node, "smtp")?;
        let Err(err) = parse_smtp_url(&url.value) else {
            return Some(url);
        };
        let hint = if url.value.contains('@') {
            "write the server alone, `smtp://host:port`, and give `username` and `password` by reference, e.g. `password: { env: SMTP_PASSWORD }`"
        } else {
            "write `smtp://host:port` (add `?tls=starttls` to upgrade the connection) or `smtps://host:port` (TLS from the start)"
        };
        self.push(
            Diagnostic::error("invalid-smtp-url", err.to_string())
                .at(self.location(node.pos), "not an SMTP server URL")
                .hint(hint),
        );
        None
    }

    fn sender(&mut self, node: &Node) -> Option<At<String>> {
        let from = self.text(node, "from")?;
        match parse_sender(&from.value) {
            Ok(_) => Some(from),
            Err(err) => {
                self.push(
                    Diagnostic::error("invalid-email", format!("`from`: {err}"))
                        .at(self.location(node.pos), "not a sender address")
                        .hint("write the sender as `roster@acme.example` or `\"Roster <roster@acme.example>\"`"),
                );
                None
            }
        }
    }

    fn webhook(&mut self, node: &Node) -> Option<WebhookSettings> {
        let fields = self.fields(node, "webhook", WEBHOOK_KEYS)?;
        let url = self.required(
            &fields,
            "webhook",
            "url",
            "{ env: TEAMS_WEBHOOK_URL }",
            |d, _| d.secret_ref(&fields, "url"),
        );
        let kind = fields
            .get("kind")
            .and_then(|n| self.word(n, "kind", &WebhookKind::NAMES, WebhookKind::from_name));
        if fields.get("kind").is_some() && kind.is_none() {
            return None;
        }
        Some(WebhookSettings { url: url?, kind })
    }

    fn notices(&mut self, node: &Node, channels: &[String]) -> Option<NoticesSettings> {
        let fields = self.fields(node, "notices", NOTICES_KEYS)?;
        let names = self.required(&fields, "notices", "channels", "[email]", |d, n| {
            d.channel_list(n, "channels")
        });
        let window = fields.get("window").and_then(|n| self.window(n, "window"));
        let names = names?;
        let mut known = true;
        for name in &names {
            if channels.contains(&name.value) {
                continue;
            }
            known = false;
            let hint = match did_you_mean(&name.value, channels.iter().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`? Notices go through channels of `notify.channels`"),
                None if channels.is_empty() => "configure a channel under `notify.channels`, e.g. `email: { smtp: \"smtp://127.0.0.1:2525\", from: roster@acme.example }`".to_owned(),
                None => format!(
                    "notices go through channels of `notify.channels`: {}",
                    channels.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                ),
            };
            self.push(
                Diagnostic::error(
                    "unknown-channel",
                    format!("no channel is called `{}`", name.value),
                )
                .at(
                    self.location(name.loc.pos),
                    "not a channel of `notify.channels`",
                )
                .hint(hint),
            );
        }
        if fields.get("window").is_some() && window.is_none() {
            return None;
        }
        known.then_some(NoticesSettings {
            channels: names,
            window,
        })
    }

    fn ack_link(&mut self, node: &Node) -> Option<AckLinkSettings> {
        let fields = self.fields(node, "acknowledge", ACK_LINK_KEYS)?;
        let url = self.required(&fields, "acknowledge", "url", "https://roster.acme.example", |d, n| {
            let url = d.text(n, "url")?;
            if is_http_url(&url.value) {
                return Some(url);
            }
            d.push(
                Diagnostic::error("invalid-url", format!("`{}` is not an http(s) URL", url.value))
                    .at(d.location(n.pos), "expected `https://host`")
                    .hint("write the public URL `roster serve` is reached at, e.g. `https://roster.acme.example`"),
            );
            None
        });
        let secret = self.required(
            &fields,
            "acknowledge",
            "secret",
            "{ env: ROSTER_ACK_SECRET }",
            |d, _| d.secret_ref(&fields, "secret"),
        );
        Some(AckLinkSettings {
            url: url?,
            secret: secret?,
        })
    }
}
