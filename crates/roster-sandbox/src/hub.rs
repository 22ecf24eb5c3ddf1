//! The registry of orgs and access tokens shared by every request.
//!
//! Each org has its own lock: a request takes the token map's read lock for a moment, then
//! only its own org's locks, so orgs never wait for each other.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use parking_lot::{Mutex, RwLock};
use rand::RngCore;

use crate::builtins::new_org_state;
use crate::clock::Clock;
use crate::error::{ApiError, SandboxError};
use crate::faults::FaultEngine;
use crate::ratelimit::SlidingWindow;
use crate::secret::SecretHash;
use crate::stats::{RequestLog, Stats};
use crate::store::OrgState;

/// One org: credentials, state, knobs and counters.
#[derive(Debug)]
pub struct Org {
    /// Org name (the sandbox's handle; not shown by the API).
    pub name: String,
    /// OAuth client id.
    pub client_id: String,
    /// The OAuth client secret's hash: the secret itself is never kept (issue #12).
    pub client_secret: SecretHash,
    /// Everything the API serves.
    pub state: RwLock<OrgState>,
    /// Realism knobs and the fault generator.
    pub faults: Mutex<FaultEngine>,
    /// Request counters.
    pub stats: Mutex<Stats>,
    /// The most recent requests, in order.
    pub log: Mutex<RequestLog>,
}

/// An issued access token.
#[derive(Debug)]
pub struct TokenEntry {
    /// The org the token belongs to: the token selects the org of every API request.
    pub org: Arc<Org>,
    /// The token's own id (never the token): what the audit trail names as the `AccessToken`.
    pub id: uuid::Uuid,
    /// The OAuth client the token was issued to (the org's own or an added one): the actor
    /// the audit trail records for every write made with the token.
    pub client_id: String,
    /// Sandbox-clock ms at which the token stops working.
    pub expires_at_ms: u64,
    /// The token's rate window.
    pub window: Mutex<SlidingWindow>,
}

/// The client secret of an org being registered.
#[derive(Debug)]
pub enum OrgSecret<'a> {
    /// As `POST /__sandbox/orgs` or `--org` give it.
    Plain(&'a str),
    /// As a state file keeps it.
    Hashed(SecretHash),
}

/// All orgs and tokens of one sandbox.
#[derive(Debug, Default)]
pub struct Hub {
    orgs: RwLock<BTreeMap<String, Arc<Org>>>,
    tokens: RwLock<HashMap<String, Arc<TokenEntry>>>,
    /// The sandbox clock.
    pub clock: Clock,
    dirty: AtomicBool,
    /// OAuth clients added to orgs, and permissions taken from clients.
    pub clients: crate::clients::Clients,
    /// Every org's audit trail and audit queries.
    pub audits: crate::audit::AuditTrails,
    /// Notification channels and their sockets.
    pub notifications: crate::notifications::Channels,
    /// Held while the state file is written: the periodic save, the save at shutdown and a
    /// save on drop may overlap, and two writers of one temporary file break the rename.
    saving: Mutex<()>,
    /// When set, the control routes need this token (see [`crate::control`]).
    control_token: Option<SecretHash>,
}

impl Hub {
    /// A hub whose control routes need `control_token`, when given.
    pub fn new(control_token: Option<&str>) -> Self {
        Self {
            control_token: control_token.map(SecretHash::new),
            ..Self::default()
        }
    }

    /// Whether a control request may proceed: always without a control token, else only
    /// with it.
    pub fn control_allowed(&self, token: Option<&str>) -> bool {
        match &self.control_token {
            None => true,
            Some(hash) => token.is_some_and(|token| hash.verify(token)),
        }
    }

    /// Whether the control routes need a token.
    pub fn control_token_required(&self) -> bool {
        self.control_token.is_some()
    }

    /// Creates an org with a fresh state. Returns `false` if the same org (same name and
    /// credentials) already exists.
    pub fn create_org(
        &self,
        name: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<bool, SandboxError> {
        self.insert_org(
            name,
            client_id,
            OrgSecret::Plain(client_secret),
            new_org_state(name),
            FaultEngine::default(),
        )
    }

    /// Registers an org with a given state and knobs.
    pub fn insert_org(
        &self,
        name: &str,
        client_id: &str,
        client_secret: OrgSecret<'_>,
        state: OrgState,
        faults: FaultEngine,
    ) -> Result<bool, SandboxError> {
        if name.is_empty() || client_id.is_empty() || matches!(client_secret, OrgSecret::Plain(""))
        {
            return Err(SandboxError::OrgConflict(
                "name, clientId and clientSecret must not be empty".into(),
            ));
        }
        let mut orgs = self.orgs.write();
        if let Some(existing) = orgs.get(name) {
            let same_secret = match &client_secret {
                OrgSecret::Plain(secret) => existing.client_secret.verify(secret),
                OrgSecret::Hashed(hash) => existing.client_secret == *hash,
            };
            if existing.client_id == client_id && same_secret {
                return Ok(false);
            }
            return Err(SandboxError::OrgConflict(format!(
                "org `{name}` exists with other credentials"
            )));
        }
        if self.clients.has(client_id) {
            return Err(SandboxError::OrgConflict(format!(
                "client id `{client_id}` belongs to an added client"
            )));
        }
        if let Some(other) = orgs.values().find(|org| org.client_id == client_id) {
            return Err(SandboxError::OrgConflict(format!(
                "client id `{client_id}` belongs to org `{}`",
                other.name
            )));
        }
        orgs.insert(
            name.to_owned(),
            Arc::new(Org {
                name: name.to_owned(),
                client_id: client_id.to_owned(),
                client_secret: match client_secret {
                    OrgSecret::Plain(secret) => SecretHash::new(secret),
                    OrgSecret::Hashed(hash) => hash,
                },
                state: RwLock::new(state),
                faults: Mutex::new(faults),
                stats: Mutex::new(Stats::default()),
                log: Mutex::new(RequestLog::default()),
            }),
        );
        self.mark_dirty();
        Ok(true)
    }

    /// An org by name.
    pub fn org(&self, name: &str) -> Result<Arc<Org>, SandboxError> {
        self.orgs
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| SandboxError::UnknownOrg(name.to_owned()))
    }

    /// All orgs by name.
    pub fn orgs(&self) -> Vec<Arc<Org>> {
        self.orgs.read().values().cloned().collect()
    }

    /// The org owning these client credentials (its own client or an added one).
    pub fn authenticate_client(&self, client_id: &str, client_secret: &str) -> Option<Arc<Org>> {
        let own = self
            .orgs
            .read()
            .values()
            .find(|org| org.client_id == client_id)
            .filter(|org| org.client_secret.verify(client_secret))
            .cloned();
        own.or_else(|| {
            let org = self.clients.authenticate(client_id, client_secret)?;
            self.org(&org).ok()
        })
    }

    /// Adds a named OAuth client to an org. Returns `false` if the same client exists.
    pub fn add_client(
        &self,
        org: &str,
        name: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<bool, SandboxError> {
        self.org(org)?;
        let taken = self
            .orgs
            .read()
            .values()
            .any(|org| org.client_id == client_id);
        self.clients.add(org, name, client_id, client_secret, taken)
    }

    /// Issues a token for an org's own client: `(access_token, expires_in seconds)`.
    pub fn issue_token(&self, org: &Arc<Org>) -> (String, u64) {
        self.issue_token_for(org, &org.client_id).0
    }

    /// Issues a token for one client of an org: `((access_token, expires_in seconds), entry)`.
    pub fn issue_token_for(
        &self,
        org: &Arc<Org>,
        client_id: &str,
    ) -> ((String, u64), Arc<TokenEntry>) {
        let lifetime = org.faults.lock().settings.token_lifetime_seconds;
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let entry = Arc::new(TokenEntry {
            org: Arc::clone(org),
            id: uuid::Uuid::new_v4(),
            client_id: client_id.to_owned(),
            expires_at_ms: self
                .clock
                .now_ms()
                .saturating_add(lifetime.saturating_mul(1000)),
            window: Mutex::new(SlidingWindow::default()),
        });
        self.tokens
            .write()
            .insert(token.clone(), Arc::clone(&entry));
        ((token, lifetime), entry)
    }

    /// The live token behind an `Authorization` header value, or the 401 to answer.
    pub fn resolve_token(&self, authorization: Option<&str>) -> Result<Arc<TokenEntry>, ApiError> {
        let Some(header) = authorization else {
            return Err(ApiError::authentication_required());
        };
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
        else {
            return Err(ApiError::authentication_required());
        };
        let entry = self
            .tokens
            .read()
            .get(token.trim())
            .cloned()
            .ok_or_else(ApiError::bad_credentials)?;
        if self.clock.now_ms() >= entry.expires_at_ms {
            return Err(ApiError::bad_credentials());
        }
        Ok(entry)
    }

    /// Every live token issued for `org`, for tests that check no token leaks into output.
    pub fn tokens_of(&self, org: &Arc<Org>) -> Vec<String> {
        self.tokens
            .read()
            .iter()
            .filter(|(_, entry)| Arc::ptr_eq(&entry.org, org))
            .map(|(token, _)| token.clone())
            .collect()
    }

    /// Revokes a token (`DELETE /tokens/me`).
    pub fn revoke(&self, token: &Arc<TokenEntry>) {
        self.tokens
            .write()
            .retain(|_, entry| !Arc::ptr_eq(entry, token));
    }

    /// Waits for any save in progress; the state file is written while the guard lives.
    pub fn lock_saves(&self) -> parking_lot::MutexGuard<'_, ()> {
        self.saving.lock()
    }

    /// Notes that state changed and should be saved.
    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// Takes the "changed since last save" flag.
    pub fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::AcqRel)
    }
}
