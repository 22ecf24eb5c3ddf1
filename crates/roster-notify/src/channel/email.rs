//! The email channel: one plain-text message per envelope, sent over SMTP through a pool of
//! connections that concurrent sends share.
//!
//! Connections: lettre's pool keeps up to `pool_size` idle connections for reuse but opens a
//! new one for every send that finds none idle, so the channel also holds `pool_size` permits
//! and a send waits for one: no more than `pool_size` connections are in use at once, and a
//! burst of sends reuses them instead of opening one per message.
//!
//! Outcomes (RFC 5321 §4.2.1): a 4xx reply, a refused or broken connection and a timeout are
//! [`Delivery::Transient`]; a 5xx reply is [`Delivery::Permanent`] with the server's code and
//! text; a recipient address that does not parse is [`Delivery::Undeliverable`]. Each message
//! carries a `Message-ID` made from the envelope's idempotency key, so a receiving system can
//! drop a duplicate should one ever be sent.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{Error as SmtpError, PoolConfig};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::sync::Semaphore;

use super::{Delivery, error_chain};
use crate::notice::Envelope;
use crate::smtp::{SmtpServer, SmtpTls};

/// How long a connection attempt or an SMTP command may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How many SMTP connections a channel keeps open by default.
pub const DEFAULT_POOL_SIZE: u32 = 4;

/// How to reach the SMTP server and whom the mail is from (`notify.channels.<name>` with
/// `smtp:`).
#[derive(Clone)]
pub struct EmailConfig {
    /// `smtp://host[:port]` (plain, port 25 by default), `smtp://host[:port]?tls=starttls`
    /// (upgraded with STARTTLS, port 587) or `smtps://host[:port]` (TLS from the start, port
    /// 465).
    pub server: SmtpServer,
    /// The `From` mailbox: `roster@acme.example` or `Roster <roster@acme.example>`.
    pub from: String,
    /// Login for servers that ask for one; the caller resolves secret references first.
    pub credentials: Option<SmtpCredentials>,
    /// Limit on connecting and on each SMTP command.
    pub timeout: Duration,
    /// How many connections concurrent sends share at most (at least one).
    pub pool_size: u32,
}

impl EmailConfig {
    /// A configuration with the default timeout and pool size and no login.
    pub fn new(server: SmtpServer, from: impl Into<String>) -> Self {
        EmailConfig {
            server,
            from: from.into(),
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            pool_size: DEFAULT_POOL_SIZE,
        }
    }
}

impl fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailConfig")
            .field("server", &self.server)
            .field("from", &self.from)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

/// A user name and password for SMTP `AUTH`, already resolved from their secret references.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// The login name.
    pub username: String,
    /// The password (never printed by `Debug`).
    pub password: String,
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why an email channel cannot be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum EmailConfigError {
    /// The `from` mailbox does not parse.
    #[error("the `from` address `{from}` is not a valid mailbox")]
    From {
        /// The mailbox as configured.
        from: String,
        /// The parser's complaint.
        #[source]
        source: lettre::address::AddressError,
    },
    /// TLS could not be set up for the host.
    #[error("cannot set up TLS for `{host}`")]
    Tls {
        /// The SMTP host.
        host: String,
        /// The TLS library's error.
        #[source]
        source: SmtpError,
    },
}

/// Sends envelopes as email through one SMTP server.
#[derive(Clone)]
pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// One permit per connection allowed in use (see the module documentation).
    permits: Arc<Semaphore>,
}

impl fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailChannel")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl EmailChannel {
    /// A channel for the configured server. Nothing connects until the first delivery.
    pub fn new(config: &EmailConfig) -> Result<Self, EmailConfigError> {
        let server = &config.server;
        let from = Mailbox::from_str(&config.from).map_err(|source| EmailConfigError::From {
            from: config.from.clone(),
            source,
        })?;
        let pool_size = config.pool_size.max(1);
        let tls = match server.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls | SmtpTls::Implicit => {
                let parameters = TlsParameters::new(server.host.clone()).map_err(|source| {
                    EmailConfigError::Tls {
                        host: server.host.clone(),
                        source,
                    }
                })?;
                if server.tls == SmtpTls::Starttls {
                    Tls::Required(parameters)
                } else {
                    Tls::Wrapper(parameters)
                }
            }
        };
        // `builder_dangerous` only means "no TLS unless told": `tls` is always set here.
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.clone())
                .port(server.port)
                .tls(tls)
                .timeout(Some(config.timeout))
                .pool_config(PoolConfig::new().max_size(pool_size));
        if let Some(credentials) = &config.credentials {
            builder = builder.credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.clone(),
            ));
        }
        Ok(EmailChannel {
            transport: builder.build(),
            from,
            permits: Arc::new(Semaphore::new(pool_size as usize)),
        })
    }

    /// Sends the envelope as one email to its recipient.
    pub async fn deliver(&self, envelope: &Envelope) -> Delivery {
        let message = match self.message(envelope) {
            Ok(message) => message,
            Err(delivery) => return delivery,
        };
        // The semaphore is never closed, so acquiring only waits.
        let Ok(_permit) = self.permits.acquire().await else {
            return Delivery::transient("the email channel is shutting down");
        };
        match self.transport.send(message).await {
            Ok(_) => Delivery::Sent,
            Err(error) => classify(&error),
        }
    }

    /// The email for an envelope, or the delivery outcome when it cannot be built.
    fn message(&self, envelope: &Envelope) -> Result<Message, Delivery> {
        let recipient = &envelope.recipient;
        let address =
            Address::from_str(recipient.email.trim()).map_err(|error| Delivery::Undeliverable {
                reason: format!(
                    "`{}` ({}) is not a valid email address: {error}",
                    recipient.email, recipient.name
                ),
            })?;
        let name = Some(recipient.name.trim().to_owned()).filter(|name| !name.is_empty());
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(envelope.subject.as_str())
            .message_id(Some(message_id(&envelope.key, &self.from)))
            .header(ContentType::TEXT_PLAIN)
            .body(envelope.body.clone())
            .map_err(|error| Delivery::permanent(format!("cannot build the email: {error}")))
    }
}

/// `<key@domain of the sender>`: unique per (message, recipient, channel) and the same on
/// every attempt, so duplicates are recognisable (RFC 5322 §3.6.4).
pub fn message_id(key: &str, from: &Mailbox) -> String {
    format!("<{key}@{}>", from.email.domain())
}

/// Sorts an SMTP failure into a delivery outcome.
fn classify(error: &SmtpError) -> Delivery {
    let reason = error_chain(error);
    if error.is_permanent() {
        Delivery::permanent(reason)
    } else if error.is_client() {
        // The client refused to send (non-ASCII address to a server without SMTPUTF8, …):
        // the same message would be refused again.
        Delivery::permanent(reason)
    } else {
        // 4xx replies, refused or broken connections, timeouts, TLS and garbled replies: the
        // server or the network may recover.
        Delivery::transient(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> SmtpServer {
        crate::smtp::parse_smtp_url("smtp://x").unwrap()
    }

    #[test]
    fn the_configuration_is_checked_when_the_channel_is_built() {
        let bad_from = EmailChannel::new(&EmailConfig::new(server(), "not an address"));
        assert!(matches!(bad_from, Err(EmailConfigError::From { .. })));
    }

    #[test]
    fn the_password_is_not_printed() {
        let mut config = EmailConfig::new(server(), "a@b.example");
        config.credentials = Some(SmtpCredentials {
            username: "roster".to_owned(),
            password: "hunter2".to_owned(),
        });
        let printed = format!("{config:?}");
        assert!(printed.contains("roster"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn the_message_id_is_the_key_at_the_sender_domain() {
        let from = Mailbox::from_str("Roster <roster@acme.example>").unwrap();
        assert_eq!(message_id("abc123", &from), "<abc123@acme.example>");
    }
}
