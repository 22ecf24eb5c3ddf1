//! The state file of `roster sandbox serve --state FILE`: every org with its credentials,
//! knobs and state, as JSON. Written atomically (temporary file, then rename).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::faults::{FaultEngine, FaultSettings};
use crate::hub::Hub;
use crate::store::OrgState;

/// One org in a state file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgRecord {
    /// Org name.
    pub name: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
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
            client_secret: org.client_secret.clone(),
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
    std::fs::write(&temporary, text).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)
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
    for record in file.orgs {
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
            &record.client_secret,
            state,
            faults,
        )?;
    }
    hub.take_dirty();
    Ok(())
}
