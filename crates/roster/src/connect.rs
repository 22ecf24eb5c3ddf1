//! Connecting to an org: a Genesys Cloud region or API base with credentials from the
//! environment, or an in-process sandbox for orgs configured with `sandbox:`.
//!
//! A sandbox org keeps its state in `.roster/sandbox/<org>.json` under the workspace root and
//! is seeded from its seed file the first time, so `apply` then `plan` shows the applied
//! state, and deleting that file starts the demo over.

use std::path::{Path, PathBuf};

use roster_genesys::{GenesysTenant, OrgConnection, Region};
use roster_manifest::{OrgSpec, Target};
use roster_sandbox::{FaultUpdate, OrgCredentials, Sandbox, ServeOptions, load_seed_file};
use secrecy::SecretString;
use url::Url;

use crate::failure::Failure;

/// Test-only: JSON realism knobs (`{"errorRate": 0.1, "seed": 7}`) applied to every
/// in-process sandbox org, so end-to-end tests can inject faults into `plan` and `apply`.
pub const SANDBOX_FAULTS_ENV: &str = "ROSTER_SANDBOX_FAULTS";

/// The client id roster uses for in-process sandbox orgs; it names the principal in the
/// journal.
const SANDBOX_CLIENT_ID: &str = "roster-sandbox";

/// A connected org. Holding it keeps an in-process sandbox alive; dropping it saves the
/// sandbox's state.
pub struct Connected {
    /// The org's tenant.
    pub tenant: GenesysTenant,
    /// The in-process sandbox serving this org, if it is a sandbox org.
    sandbox: Option<Sandbox>,
}

impl Connected {
    /// Writes the sandbox state file now (no-op for real orgs).
    pub fn save(&self) -> Result<(), Failure> {
        match &self.sandbox {
            Some(sandbox) => sandbox
                .save()
                .map_err(|err| Failure::error(format!("cannot save the sandbox state: {err}"))),
            None => Ok(()),
        }
    }
}

/// Connects to `org`. No request is made yet.
pub async fn connect(root: &Path, org: &OrgSpec) -> Result<Connected, Failure> {
    match &org.target {
        Target::Sandbox { seed } => connect_sandbox(root, org, seed).await,
        Target::Region(region) => {
            let api_base = Region::from_name(region).ok_or_else(|| {
                Failure::error(format!("org `{}`: unknown region `{region}`", org.name))
            })?;
            connect_real(org, api_base)
        }
        Target::ApiBase(base) => {
            let api_base = Url::parse(base).map_err(|err| {
                Failure::error(format!(
                    "org `{}`: `apiBase` `{base}` is not a URL: {err}",
                    org.name
                ))
            })?;
            connect_real(org, api_base)
        }
    }
}

fn connect_real(org: &OrgSpec, api_base: Url) -> Result<Connected, Failure> {
    let Some(credentials) = &org.credentials else {
        return Err(
            Failure::error(format!("org `{}` has no credentials", org.name)).with_hint(
                "add `credentials: { clientId: { env: VAR }, clientSecret: { env: VAR } }`",
            ),
        );
    };
    let client_id = env_var(&org.name, &credentials.client_id.env)?;
    let client_secret = SecretString::from(env_var(&org.name, &credentials.client_secret.env)?);
    let mut connection = OrgConnection::new(&org.name, api_base, client_id, client_secret);
    connection.requests_per_minute = org.rate_limit.requests_per_minute;
    connection.tokens = org.rate_limit.tokens;
    let tenant = GenesysTenant::new(connection)
        .map_err(|err| Failure::error(format!("org `{}`: {err}", org.name)))?;
    Ok(Connected {
        tenant,
        sandbox: None,
    })
}

fn env_var(org: &str, name: &str) -> Result<String, Failure> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(Failure::error(format!(
            "org `{org}`: environment variable `{name}` is not set"
        ))
        .with_hint(format!(
            "export `{name}` with the OAuth client credentials of the org"
        ))),
    }
}

/// Where the state of a sandbox org lives.
pub fn sandbox_state_file(root: &Path, org: &str) -> PathBuf {
    root.join(".roster")
        .join("sandbox")
        .join(format!("{org}.json"))
}

async fn connect_sandbox(root: &Path, org: &OrgSpec, seed: &Path) -> Result<Connected, Failure> {
    let fail = |what: &str, err: &dyn std::fmt::Display| {
        Failure::error(format!("org `{}`: {what}: {err}", org.name))
    };
    let state_file = sandbox_state_file(root, &org.name);
    let fresh = !state_file.exists();
    if let Some(parent) = state_file.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|err| fail(&format!("cannot create `{}`", parent.display()), &err))?;
    }
    let options = ServeOptions {
        orgs: vec![OrgCredentials {
            name: org.name.clone(),
            client_id: SANDBOX_CLIENT_ID.into(),
            client_secret: SANDBOX_CLIENT_ID.into(),
        }],
        state_file: Some(state_file.clone()),
    };
    let sandbox = Sandbox::start_with(options).await.map_err(|err| {
        fail("cannot start the sandbox", &err).with_hint(format!(
            "delete `{}` to start the sandbox org over from its seed",
            state_file.display()
        ))
    })?;
    if fresh {
        let seed_org = load_seed_file(seed).map_err(|err| fail("bad sandbox seed", &err))?;
        sandbox
            .seed(&org.name, &seed_org)
            .map_err(|err| fail("cannot seed the sandbox", &err))?;
    }
    // The emulated org enforces the same rate as roster.yaml gives the client, as a real
    // org would.
    let mut faults = match std::env::var(SANDBOX_FAULTS_ENV) {
        Ok(json) => serde_json::from_str::<FaultUpdate>(&json)
            .map_err(|err| fail(&format!("bad `{SANDBOX_FAULTS_ENV}`"), &err))?,
        Err(_) => FaultUpdate::default(),
    };
    faults
        .requests_per_minute
        .get_or_insert(org.rate_limit.requests_per_minute * org.rate_limit.tokens);
    sandbox
        .set_faults(&org.name, &faults)
        .map_err(|err| fail("cannot configure the sandbox", &err))?;
    let api_base = Url::parse(&sandbox.base_url()).map_err(|err| fail("sandbox address", &err))?;
    let mut connection = OrgConnection::new(
        &org.name,
        api_base,
        SANDBOX_CLIENT_ID,
        SecretString::from(SANDBOX_CLIENT_ID),
    );
    connection.requests_per_minute = org.rate_limit.requests_per_minute;
    connection.tokens = org.rate_limit.tokens;
    let tenant = GenesysTenant::new(connection).map_err(|err| fail("client", &err))?;
    Ok(Connected {
        tenant,
        sandbox: Some(sandbox),
    })
}
