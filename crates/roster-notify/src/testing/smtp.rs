//! An SMTP server for tests, built on `mailin-embedded`: it accepts every message unless a
//! [`Refusal`] says otherwise and keeps what it accepted in memory.
//!
//! Lifetime: `mailin-embedded` serves from a blocking accept loop that has no way to stop, so
//! the server runs on a thread of its own. Dropping the [`SmtpServer`] marks it stopped: every
//! connection from then on (and every command on a connection still open) gets `421` and is
//! closed, and nothing more is recorded. The listening thread itself stays parked in `accept`
//! (no CPU) until the test process ends; its port is never reused by another server in the
//! same process.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server, SslConfig};

/// One message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients it accepted (`RCPT TO`).
    pub recipients: Vec<String>,
    /// The message as transmitted: headers, blank line, body (transfer-encoded as sent).
    pub data: Vec<u8>,
}

impl ReceivedMail {
    /// The message as text (lossy for bytes that are not UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// The value of the first header with this name (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(current) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    current.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((field, rest)) = line.split_once(':')
                && field.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim_start().to_owned());
            }
        }
        value
    }

    /// The body: everything after the blank line that ends the headers.
    pub fn body(&self) -> String {
        let text = self.text();
        text.split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default()
    }
}

/// Whether to refuse a recipient, given how many `RCPT TO` the server has seen and the address.
type RefusalRule = dyn Fn(usize, &str) -> bool + Send + Sync;

/// A rule that refuses some `RCPT TO` commands with a given reply.
#[derive(Clone)]
pub struct Refusal {
    code: u16,
    text: String,
    refuses: Arc<RefusalRule>,
}

impl std::fmt::Debug for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refusal")
            .field("code", &self.code)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

impl Refusal {
    /// Refuses with `code` and `text` every recipient for which `refuses(ordinal, address)`
    /// holds, where `ordinal` counts the `RCPT TO` commands this server has seen (from 1).
    pub fn matching(
        code: u16,
        text: impl Into<String>,
        refuses: impl Fn(usize, &str) -> bool + Send + Sync + 'static,
    ) -> Self {
        Refusal {
            code,
            text: text.into(),
            refuses: Arc::new(refuses),
        }
    }

    /// Refuses every recipient.
    pub fn all(code: u16, text: impl Into<String>) -> Self {
        Refusal::matching(code, text, |_, _| true)
    }

    /// Refuses one address (compared case-insensitively).
    pub fn address(code: u16, text: impl Into<String>, address: impl Into<String>) -> Self {
        let address = address.into();
        Refusal::matching(code, text, move |_, to| to.eq_ignore_ascii_case(&address))
    }

    /// Refuses every `n`-th recipient the server sees (the second, fourth, … for `n = 2`).
    pub fn every_nth(n: usize, code: u16, text: impl Into<String>) -> Self {
        let n = n.max(1);
        Refusal::matching(code, text, move |ordinal, _| ordinal % n == 0)
    }
}

/// How an [`SmtpServer`] starts.
#[derive(Debug, Clone)]
pub struct SmtpOptions {
    /// Recipients to refuse from the start (see [`SmtpServer::set_refusal`]).
    pub refusal: Option<Refusal>,
    /// How many sessions are served at once; a client pool larger than this waits for a
    /// free session.
    pub sessions: u32,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        SmtpOptions {
            refusal: None,
            sessions: 16,
        }
    }
}

/// What the server's sessions share.
#[derive(Default)]
struct Shared {
    accepted: Vec<ReceivedMail>,
    refusal: Option<Refusal>,
    recipients_seen: usize,
    sessions: usize,
    stopped: bool,
}

/// An SMTP server on `127.0.0.1` recording the messages it accepts; stops on drop.
pub struct SmtpServer {
    address: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    /// Binds `127.0.0.1` on a free port and starts serving.
    pub fn start(options: SmtpOptions) -> std::io::Result<SmtpServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Mutex::new(Shared {
            refusal: options.refusal,
            ..Shared::default()
        }));
        let mut server = Server::new(Session::new(Arc::clone(&shared)));
        server
            .with_name("roster-test-smtp")
            .with_num_threads(options.sessions.max(1))
            .with_tcp_listener(listener);
        server
            .with_ssl(SslConfig::None)
            .map_err(|error| std::io::Error::other(error.to_string()))?;
        std::thread::Builder::new()
            .name(format!("smtp-test-{}", address.port()))
            .spawn(move || {
                // Only returns on a setup error; there is nobody left to tell but the log.
                if let Err(error) = server.serve() {
                    tracing::warn!("the test SMTP server stopped: {error}");
                }
            })?;
        Ok(SmtpServer { address, shared })
    }

    /// `smtp://127.0.0.1:<port>`, for an [`EmailConfig`](crate::channel::EmailConfig).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every message accepted so far, in the order the server finished receiving them.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        lock(&self.shared).accepted.clone()
    }

    /// How many SMTP sessions (greetings answered with `EHLO`/`HELO`) the server has served:
    /// shows whether a client reused its connections.
    pub fn sessions(&self) -> usize {
        lock(&self.shared).sessions
    }

    /// Replaces the refusal rule (`None` accepts everyone) for the commands that follow.
    pub fn set_refusal(&self, refusal: Option<Refusal>) {
        lock(&self.shared).refusal = refusal;
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        lock(&self.shared).stopped = true;
    }
}

/// The lock, even after a panicking test thread poisoned it: the recorded mail stays valid.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One SMTP session's handler (mailin clones it per connection).
#[derive(Clone)]
struct Session {
    shared: Arc<Mutex<Shared>>,
    from: String,
    recipients: Vec<String>,
    data: Vec<u8>,
}

impl Session {
    fn new(shared: Arc<Mutex<Shared>>) -> Self {
        Session {
            shared,
            from: String::new(),
            recipients: Vec::new(),
            data: Vec::new(),
        }
    }

    fn stopped(&self) -> bool {
        lock(&self.shared).stopped
    }
}

/// The reply of a stopped server: mailin closes the connection after a 421.
fn closing() -> Response {
    Response::custom(421, "test server stopped".to_owned())
}

impl Handler for Session {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        let mut shared = lock(&self.shared);
        if shared.stopped {
            return closing();
        }
        shared.sessions += 1;
        OK
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        if self.stopped() {
            return closing();
        }
        from.clone_into(&mut self.from);
        self.recipients.clear();
        self.data.clear();
        OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let mut shared = lock(&self.shared);
        if shared.stopped {
            return closing();
        }
        shared.recipients_seen += 1;
        if let Some(refusal) = &shared.refusal
            && (refusal.refuses)(shared.recipients_seen, to)
        {
            return Response::custom(refusal.code, refusal.text.clone());
        }
        self.recipients.push(to.to_owned());
        OK
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        if self.stopped() { closing() } else { OK }
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mut shared = lock(&self.shared);
        if shared.stopped {
            return closing();
        }
        shared.accepted.push(ReceivedMail {
            from: std::mem::take(&mut self.from),
            recipients: std::mem::take(&mut self.recipients),
            data: std::mem::take(&mut self.data),
        });
        OK
    }
}
