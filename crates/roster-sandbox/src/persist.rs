//! The state file of `roster sandbox serve --state FILE`: every org with its credentials,
//! knobs and state, as JSON. Written atomically (temporary file, then rename), readable by
//! its owner only (mode 0600 on Unix), and holding no secret: an org's client secret is kept
//! as a salted hash (issue #12). A file written before that, with `clientSecret` in
//! plaintext, still loads: the secret is hashed at once and the file rewritten at the next
//! save without it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::faults::{FaultEngine, FaultSettings};
use crate::hub::{Hub, OrgSecret};
use crate::secret::SecretHash;
use crate::store::OrgState;

/// One org in a state file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgRecord {
    /// Org name.
    pub name: String,
    /// OAuth client id.
    pub client_id: String,
    /// The client secret's salted hash (`sha256:SALT:DIGEST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_hash: Option<SecretHash>,
    /// The plaintext secret of files written before issue #12: read, never written.
    #[serde(default, skip_serializing)]
    pub client_secret: Option<String>,
    /// Realism knobs.
    pub faults: FaultSettings,
    /// The org's state (the same JSON as its dump).
    pub state: OrgState,
}

/// The whole file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateFile {
    /// Every org.
    pub orgs: Vec<OrgRecord>,
}

/// Writes every org of the hub to `path`, one save at a time.
pub fn save(hub: &Hub, path: &Path) -> Result<(), SandboxError> {
    let _saving = hub.lock_saves();
    let orgs = hub
        .orgs()
        .into_iter()
        .map(|org| OrgRecord {
            name: org.name.clone(),
            client_id: org.client_id.clone(),
            client_secret_hash: Some(org.client_secret.clone()),
            client_secret: None,
            faults: org.faults.lock().settings.clone(),
            state: org.state.read().clone(),
        })
        .collect();
    let text = serde_json::to_vec(&StateFile { orgs }).map_err(|error| SandboxError::Parse {
        what: "sandbox state".into(),
        message: error.to_string(),
    })?;
    let temporary = path.with_extension("tmp");
    let io = |source| SandboxError::Io {
        context: format!("cannot write sandbox state `{}`", path.display()),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    write_private(&temporary, &text).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)
}

/// Writes a file only its owner may read: created with mode 0600, and narrowed to it if a
/// stale file had more.
fn write_private(path: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let mut file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(text)?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(text)?;
        file.sync_all()
    }
}

/// Loads the orgs of a state file into the hub; a missing file is an empty sandbox.
pub fn load(hub: &Hub, path: &Path) -> Result<(), SandboxError> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(SandboxError::Io {
                context: format!("cannot read sandbox state `{}`", path.display()),
                source,
            });
        }
    };
    let file: StateFile = serde_json::from_slice(&text).map_err(|error| SandboxError::Parse {
        what: format!("sandbox state `{}`", path.display()),
        message: error.to_string(),
    })?;
    let mut plaintext = false;
    for record in file.orgs {
        let secret = match (record.client_secret_hash, record.client_secret) {
            (Some(hash), legacy) => {
                plaintext |= legacy.is_some();
                hash
            }
            (None, Some(secret)) => {
                plaintext = true;
                SecretHash::new(&secret)
            }
            (None, None) => {
                return Err(SandboxError::Parse {
                    what: format!("sandbox state `{}`", path.display()),
                    message: format!("org `{}` has no `clientSecretHash`", record.name),
                });
            }
        };
        let mut state = record.state;
        state.finish_load()?;
        record
            .faults
            .validate()
            .map_err(|message| SandboxError::Parse {
                what: format!("sandbox state `{}` (org `{}`)", path.display(), record.name),
                message,
            })?;
        let mut faults = FaultEngine::default();
        faults.replace(record.faults);
        hub.insert_org(
            &record.name,
            &record.client_id,
            OrgSecret::Hashed(secret),
            state,
            faults,
        )?;
    }
    hub.take_dirty();
    if plaintext {
        // Saved again soon (by the periodic save, or at the latest on shutdown), without it.
        tracing::info!(path = %path.display(), "the sandbox state holds plaintext client secrets; rewriting it with hashes");
        hub.mark_dirty();
    }
    Ok(())
}
