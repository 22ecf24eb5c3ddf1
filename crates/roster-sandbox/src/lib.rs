//! roster-sandbox: a faithful local emulator of the Genesys Cloud Platform API v2 subset
//! roster uses (DESIGN §5), for tests, demos and `roster sandbox serve`.
//!
//! Same paths, JSON shapes, paging envelopes, error bodies and status codes as the real API
//! (see `docs/DESIGN.md` §5); several orgs at once, each with its own client credentials,
//! UUIDs and locks; the access token selects the org of every request.
//!
//! # In tests
//!
//! ```no_run
//! # async fn demo() -> Result<(), roster_sandbox::SandboxError> {
//! use roster_sandbox::{Sandbox, SeedOrg, parse_seed};
//! let sandbox = Sandbox::start().await;           // 127.0.0.1:random, org `sandbox`
//! sandbox.create_org("acme", "acme-id", "acme-secret")?;
//! sandbox.seed("acme", &parse_seed("skills: [Billing]")?)?;
//! let api_base = sandbox.base_url();              // http://127.0.0.1:PORT (token route too)
//! # Ok(()) }
//! ```
//!
//! # From the CLI
//!
//! `roster sandbox serve` binds a listener and calls [`serve`] with [`ServeOptions`] (see
//! there). Orgs configured with `sandbox:` run in-process via [`Sandbox::start_with`] with a
//! state file under `.roster/sandbox/`.
//!
//! Choices made where the real API is UNCONFIRMED are documented next to the constant or
//! function that implements them (module docs of `routes::*` and `org::*`, [`paging`],
//! [`builtins`]).
//!
//! # Layers
//!
//! - `routes` decode a request, call one domain operation and encode its answer;
//! - `org` is the domain: every operation on one org, enforcing the API's rules (one name
//!   rule, one version rule, one soft-delete rule) and refusing with an [`OrgError`]; seeds
//!   call the same operations;
//! - [`store`] holds the org's tables and indexes, without rules;
//! - `error` turns an [`OrgError`] into the API's error body, in one place.

mod audit;
mod auth;
pub mod builtins;
mod clients;
mod clock;
mod control;
mod error;
mod events_control;
pub mod faults;
mod hub;
mod notifications;
mod ops;
mod org;
pub mod paging;
mod persist;
mod query;
mod ratelimit;
mod render;
mod render_entitlements;
mod routes;
mod secret;
pub mod seed;
mod server;
mod stats;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use error::SandboxError;
pub use faults::{FaultSettings, FaultUpdate};
pub use org::{ObjectKind, OrgError};
pub use seed::{
    SeedGrant, SeedGroup, SeedMedia, SeedOrg, SeedQueue, SeedTeam, SeedUser, SeedUserState,
    load_seed_file, parse_seed,
};
pub use server::{
    ControlToken, DEFAULT_HEADER_READ_TIMEOUT, OrgCredentials, Prepared, ServeOptions, serve,
};
pub use stats::{RequestRecord, Stats};

use hub::Hub;

/// A running sandbox on `127.0.0.1:<random port>`; it stops when dropped (and saves its
/// state file, if it has one).
#[derive(Debug)]
pub struct Sandbox {
    hub: Arc<Hub>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    state_file: Option<PathBuf>,
}

impl Sandbox {
    /// Starts a sandbox with the default org `sandbox` (client id and secret `sandbox`).
    ///
    /// # Panics
    /// If no loopback port can be bound (the machine has no free port).
    pub async fn start() -> Self {
        Self::start_with(ServeOptions::default())
            .await
            .expect("binding 127.0.0.1:0 for the sandbox")
    }

    /// Starts a sandbox with these orgs and state file.
    pub async fn start_with(options: ServeOptions) -> Result<Self, SandboxError> {
        let hub = server::build_hub(&options)?;
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|source| SandboxError::Io {
                context: "cannot bind 127.0.0.1:0".into(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Io {
            context: "cannot read the bound address".into(),
            source,
        })?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let served = Arc::clone(&hub);
        let header_read_timeout = options.header_read_timeout;
        // The drop below saves synchronously, so the server itself need not.
        tokio::spawn(async move {
            let stop = async move {
                let _ = stopped.await;
            };
            let served = server::serve_hub(listener, served, None, header_read_timeout, stop);
            if let Err(error) = served.await {
                tracing::warn!(%error, "sandbox server stopped");
            }
        });
        Ok(Self {
            hub,
            addr,
            shutdown: Some(shutdown),
            state_file: options.state_file,
        })
    }

    /// `http://127.0.0.1:PORT`: both the API base and the login base (no `api.` prefix, so
    /// a client derives the same host for `/oauth/token`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Creates an org with a fresh state (home division, built-in roles).
    pub fn create_org(
        &self,
        name: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(), SandboxError> {
        self.hub
            .create_org(name, client_id, client_secret)
            .map(|_| ())
    }

    /// Replaces an org's state by a seed (built-ins plus the seed's objects, deterministic ids).
    pub fn seed(&self, org: &str, seed: &SeedOrg) -> Result<(), SandboxError> {
        ops::seed(&self.hub, org, seed)
    }

    /// The org's request counters.
    pub fn stats(&self, org: &str) -> Result<Stats, SandboxError> {
        ops::stats(&self.hub, org)
    }

    /// The org's most recent API requests (at most 50,000), oldest first: for tests that
    /// assert the order and number of requests a client made.
    pub fn requests(&self, org: &str) -> Result<Vec<RequestRecord>, SandboxError> {
        ops::requests(&self.hub, org)
    }

    /// Zeroes the org's request counters and clears its request log.
    pub fn reset_stats(&self, org: &str) -> Result<(), SandboxError> {
        ops::reset_stats(&self.hub, org)
    }

    /// Changes some of the org's realism knobs; answers all of them.
    pub fn set_faults(
        &self,
        org: &str,
        update: &FaultUpdate,
    ) -> Result<FaultSettings, SandboxError> {
        ops::set_faults(&self.hub, org, update)
    }

    /// The org's realism knobs.
    pub fn faults(&self, org: &str) -> Result<FaultSettings, SandboxError> {
        Ok(self.hub.org(org)?.faults.lock().settings.clone())
    }

    /// The org's whole state as JSON (round-trips through [`Self::load`]).
    pub fn dump(&self, org: &str) -> Result<serde_json::Value, SandboxError> {
        ops::dump(&self.hub, org)
    }

    /// Replaces the org's state by a dump.
    pub fn load(&self, org: &str, dump: &serde_json::Value) -> Result<(), SandboxError> {
        ops::load(&self.hub, org, dump)
    }

    /// Issues an access token for the org without going through `/oauth/token`.
    pub fn token(&self, org: &str) -> Result<String, SandboxError> {
        Ok(self.hub.issue_token(&self.hub.org(org)?).0)
    }

    /// Every token issued for the org so far (through `/oauth/token` or [`Sandbox::token`]),
    /// so a test can check that none appears in a log.
    pub fn issued_tokens(&self, org: &str) -> Result<Vec<String>, SandboxError> {
        Ok(self.hub.tokens_of(&self.hub.org(org)?))
    }

    /// Adds a named OAuth client to an org (as `POST /__sandbox/orgs/{name}/clients`).
    pub fn add_client(
        &self,
        org: &str,
        name: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(), SandboxError> {
        self.hub
            .add_client(org, name, client_id, client_secret)
            .map(|_| ())
    }

    /// The org's audit trail, oldest first, each record as the Audit API's `AuditLogMessage`.
    pub fn audit_log(&self, org: &str) -> Result<Vec<serde_json::Value>, SandboxError> {
        self.hub.org(org)?;
        Ok(self
            .hub
            .audits
            .entries(org)
            .iter()
            .map(|entry| entry.message())
            .collect())
    }

    /// Moves the sandbox clock forward (token expiry, rate windows, read-after-create delay)
    /// so tests need not sleep; answers the clock's new reading in milliseconds.
    ///
    /// # Errors
    /// [`SandboxError::Clock`] for an advance over ten years, or past a thousand years in all.
    pub fn advance_clock(&self, by: Duration) -> Result<u64, SandboxError> {
        ops::advance_clock(&self.hub, by)
    }

    /// Writes the state file now (no-op without one).
    pub fn save(&self) -> Result<(), SandboxError> {
        match &self.state_file {
            Some(path) => persist::save(&self.hub, path),
            None => Ok(()),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Err(error) = self.save() {
            tracing::warn!(%error, "cannot save sandbox state");
        }
    }
}
