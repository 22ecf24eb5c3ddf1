//! Connecting to an org: a Genesys Cloud region or API base with credentials from the
//! environment or from files, or an in-process sandbox for orgs configured with `sandbox:`.
//!
//! A sandbox org keeps its state in `.roster/sandbox/<org>.json` under the workspace root and
//! is seeded from its seed file the first time, so `apply` then `plan` shows the applied
//! state, and deleting that file starts the demo over.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use roster_genesys::{GenesysClient, GenesysError, OrgConnection, Region};
use roster_manifest::{OrgSpec, SecretRef, Target};
use roster_sandbox::{FaultUpdate, OrgCredentials, Sandbox, ServeOptions, load_seed_file};
use secrecy::SecretString;
use url::Url;

/// Test-only: JSON realism knobs (`{"errorRate": 0.1, "seed": 7}`) applied to every
/// in-process sandbox org, so end-to-end tests can inject faults into `plan` and `apply`.
pub const SANDBOX_FAULTS_ENV: &str = "ROSTER_SANDBOX_FAULTS";

/// The client id roster uses for in-process sandbox orgs; it names the principal in the
/// journal.
const SANDBOX_CLIENT_ID: &str = "roster-sandbox";

/// Why an org could not be connected to. No request has been made when this happens.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// `region:` names no Genesys Cloud region.
    #[error("unknown region `{region}`")]
    UnknownRegion {
        /// As written.
        region: String,
    },
    /// `apiBase:` is not a URL.
    #[error("`apiBase` `{base}` is not a URL")]
    BadApiBase {
        /// As written.
        base: String,
        /// Why it does not parse.
        #[source]
        source: url::ParseError,
    },
    /// A real org without `credentials:`.
    #[error("the org has no credentials")]
    NoCredentials,
    /// A credential's environment variable is not set.
    #[error("environment variable `{name}` is not set")]
    MissingVariable {
        /// The variable.
        name: String,
    },
    /// A credential's environment variable is set but empty.
    #[error("environment variable `{name}` is empty")]
    EmptyVariable {
        /// The variable.
        name: String,
    },
    /// A credential's file is missing or cannot be read as text.
    #[error("cannot read the credential file `{}`", path.display())]
    UnreadableFile {
        /// The file, as resolved against the workspace root.
        path: PathBuf,
        /// The file system's answer.
        #[source]
        source: std::io::Error,
    },
    /// A credential's file holds nothing but whitespace.
    #[error("the credential file `{}` is empty", path.display())]
    EmptyFile {
        /// The file, as resolved against the workspace root.
        path: PathBuf,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the API client")]
    Client(#[source] GenesysError),
    /// The sandbox state folder could not be created.
    #[error("cannot create `{}`", path.display())]
    StateFolder {
        /// The folder.
        path: PathBuf,
        /// The file system's answer.
        #[source]
        source: std::io::Error,
    },
    /// The in-process sandbox did not start (its state file may be damaged).
    #[error("cannot start the sandbox from `{}`", state_file.display())]
    SandboxStart {
        /// The state file it loads.
        state_file: PathBuf,
        /// Why.
        #[source]
        source: roster_sandbox::SandboxError,
    },
    /// The sandbox seed file is unreadable or invalid.
    #[error("bad sandbox seed `{}`", path.display())]
    Seed {
        /// The seed file.
        path: PathBuf,
        /// Why.
        #[source]
        source: roster_sandbox::SandboxError,
    },
    /// The sandbox refused the seed or the realism knobs.
    #[error("cannot set up the sandbox org")]
    SandboxSetup(#[source] roster_sandbox::SandboxError),
    /// `ROSTER_SANDBOX_FAULTS` is not valid JSON knobs.
    #[error("bad `{SANDBOX_FAULTS_ENV}`")]
    Faults(#[source] serde_json::Error),
}

/// Why a sandbox org's state could not be saved.
#[derive(Debug, thiserror::Error)]
#[error("cannot save the sandbox state")]
pub struct SaveError(#[source] roster_sandbox::SandboxError);

/// A connected org: the client (the org's shared transport: tokens, rate limit), and for a
/// sandbox org the emulator serving it (dropping the last clone stops it). Cheap to clone:
/// every session on the org shares one connection.
#[derive(Clone)]
pub struct Connection {
    client: GenesysClient,
    sandbox: Option<Arc<Sandbox>>,
}

impl Connection {
    /// Connects to `org`. No request is made yet.
    pub async fn open(root: &Path, org: &OrgSpec) -> Result<Self, ConnectError> {
        match &org.target {
            Target::Sandbox { seed } => connect_sandbox(root, org, seed.as_deref()).await,
            Target::Region(region) => {
                let api_base =
                    Region::from_name(region).ok_or_else(|| ConnectError::UnknownRegion {
                        region: region.clone(),
                    })?;
                connect_real(org, api_base)
            }
            Target::ApiBase(base) => {
                let api_base = Url::parse(base).map_err(|source| ConnectError::BadApiBase {
                    base: base.clone(),
                    source,
                })?;
                connect_real(org, api_base)
            }
        }
    }

    /// The org's client (shared transport: tokens, rate limit).
    pub fn client(&self) -> &GenesysClient {
        &self.client
    }

    /// Writes the sandbox state file now (nothing for real orgs).
    pub fn save(&self) -> Result<(), SaveError> {
        match &self.sandbox {
            Some(sandbox) => sandbox.save().map_err(SaveError),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("org", &self.client.org())
            .field("sandbox", &self.sandbox.is_some())
            .finish_non_exhaustive()
    }
}

fn connect_real(org: &OrgSpec, api_base: Url) -> Result<Connection, ConnectError> {
    let credentials = org
        .credentials
        .as_ref()
        .ok_or(ConnectError::NoCredentials)?;
    let client_id = secret(&credentials.client_id)?;
    let client_secret = SecretString::from(secret(&credentials.client_secret)?);
    let mut connection = OrgConnection::new(&org.name, api_base, client_id, client_secret);
    connection.requests_per_minute = org.rate_limit.requests_per_minute;
    connection.tokens = org.rate_limit.tokens;
    let client = GenesysClient::new(connection).map_err(ConnectError::Client)?;
    Ok(Connection {
        client,
        sandbox: None,
    })
}

/// A credential's value, from its environment variable or file.
pub fn secret(reference: &SecretRef) -> Result<String, ConnectError> {
    match reference {
        SecretRef::Env(name) => variable(name),
        SecretRef::File(path) => file(path),
    }
}

/// A credential kept in a file: its text without the line break editors and `echo` leave at
/// the end (nor surrounding spaces, which no client id or secret has).
fn file(path: &Path) -> Result<String, ConnectError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConnectError::UnreadableFile {
        path: path.to_owned(),
        source,
    })?;
    let value = text.trim();
    if value.is_empty() {
        return Err(ConnectError::EmptyFile {
            path: path.to_owned(),
        });
    }
    Ok(value.to_owned())
}

/// The first credential of `org` that cannot be read: its environment variable not set or
/// empty ([`ConnectError::MissingVariable`], [`ConnectError::EmptyVariable`]), its file
/// missing or empty; `None` for a sandbox org, an org without `credentials:` (which
/// connecting reports) and one whose credentials can all be read. No request is made.
pub fn missing_credentials(org: &OrgSpec) -> Option<ConnectError> {
    if matches!(org.target, Target::Sandbox { .. }) {
        return None;
    }
    let credentials = org.credentials.as_ref()?;
    [&credentials.client_id, &credentials.client_secret]
        .into_iter()
        .find_map(|reference| secret(reference).err())
}

fn variable(name: &str) -> Result<String, ConnectError> {
    match std::env::var(name) {
        Ok(value) if value.is_empty() => Err(ConnectError::EmptyVariable {
            name: name.to_owned(),
        }),
        Ok(value) => Ok(value),
        Err(_) => Err(ConnectError::MissingVariable {
            name: name.to_owned(),
        }),
    }
}

/// Where the state of a sandbox org lives.
pub fn sandbox_state_file(root: &Path, org: &str) -> PathBuf {
    root.join(".roster")
        .join("sandbox")
        .join(format!("{org}.json"))
}

async fn connect_sandbox(
    root: &Path,
    org: &OrgSpec,
    seed: Option<&Path>,
) -> Result<Connection, ConnectError> {
    let state_file = sandbox_state_file(root, &org.name);
    let fresh = !state_file.exists();
    if let Some(parent) = state_file.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ConnectError::StateFolder {
            path: parent.to_owned(),
            source,
        })?;
    }
    let options = ServeOptions {
        orgs: vec![OrgCredentials {
            name: org.name.clone(),
            client_id: SANDBOX_CLIENT_ID.into(),
            client_secret: SANDBOX_CLIENT_ID.into(),
        }],
        state_file: Some(state_file.clone()),
        ..ServeOptions::default()
    };
    let sandbox =
        Sandbox::start_with(options)
            .await
            .map_err(|source| ConnectError::SandboxStart {
                state_file: state_file.clone(),
                source,
            })?;
    if fresh && let Some(seed) = seed {
        let seed_org = load_seed_file(seed).map_err(|source| ConnectError::Seed {
            path: seed.to_owned(),
            source,
        })?;
        sandbox
            .seed(&org.name, &seed_org)
            .map_err(ConnectError::SandboxSetup)?;
    }
    // The emulated org enforces the same rate as roster.yaml gives the client, as a real
    // org would.
    let mut faults = match std::env::var(SANDBOX_FAULTS_ENV) {
        Ok(json) => serde_json::from_str::<FaultUpdate>(&json).map_err(ConnectError::Faults)?,
        Err(_) => FaultUpdate::default(),
    };
    faults
        .requests_per_minute
        .get_or_insert(org.rate_limit.requests_per_minute * org.rate_limit.tokens);
    sandbox
        .set_faults(&org.name, &faults)
        .map_err(ConnectError::SandboxSetup)?;
    let api_base = Url::parse(&sandbox.base_url()).map_err(|source| ConnectError::BadApiBase {
        base: sandbox.base_url(),
        source,
    })?;
    let mut connection = OrgConnection::new(
        &org.name,
        api_base,
        SANDBOX_CLIENT_ID,
        SecretString::from(SANDBOX_CLIENT_ID),
    );
    connection.requests_per_minute = org.rate_limit.requests_per_minute;
    connection.tokens = org.rate_limit.tokens;
    let client = GenesysClient::new(connection).map_err(ConnectError::Client)?;
    Ok(Connection {
        client,
        sandbox: Some(Arc::new(sandbox)),
    })
}
