//! roster-export: an org's live state ([`LiveOrg`]) as manifests in roster's own layout.
//!
//! Pure: the caller reads the org (with a snapshot that read every queue's members and
//! wrap-up codes, the role grants and, unless utilization is left out, every exported user's
//! utilization) and writes the files. The
//! output is a map from relative path to file text:
//!
//! - `roster.yaml`: the org's entry (target, credentials by environment variable reference,
//!   rate limit, includes);
//! - `base/routing.yaml`: skills, languages, wrap-up codes (the vocabulary orgs share);
//! - `orgs/<org>/queues.yaml`, `orgs/<org>/teams.yaml`;
//! - `orgs/<org>/users/<part>.yaml`, split by team, by division, or not at all;
//! - `orgs/<org>/profiles.yaml` with inferred routing profiles ([`ExportOptions::infer_profiles`]).
//!
//! Every reference is a name or an email, never an id. Memberships and grants that come from
//! a group are left out: they are not the user's own. The same org always gives the same
//! bytes: every list is sorted and nothing depends on time or on hash order.

mod layout;
mod profiles;
mod resources;
mod users;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use roster_manifest::manifest::{
    At, CredentialsConfig, OrgConfig, RateLimitConfig, ResourceFile, RosterFile, SandboxConfig,
    SecretRefConfig,
};
use roster_model::{Kind, LiveOrg, UserState};

pub use layout::slug;

/// The exported files: path relative to the output folder → file text.
pub type ExportFiles = BTreeMap<PathBuf, String>;

/// Which users are exported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StateFilter {
    /// Active users only (the default: what cloning needs).
    #[default]
    Active,
    /// Inactive users only (written with `state: inactive`).
    Inactive,
    /// Every user.
    Any,
}

impl StateFilter {
    /// The one state exported, or `None` for both.
    pub fn only(self) -> Option<UserState> {
        match self {
            StateFilter::Active => Some(UserState::Active),
            StateFilter::Inactive => Some(UserState::Inactive),
            StateFilter::Any => None,
        }
    }

    /// Whether a user in `state` is exported.
    pub fn admits(self, state: UserState) -> bool {
        self.only().is_none_or(|only| only == state)
    }
}

/// How users are split into files under `orgs/<org>/users/`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserSplit {
    /// One file per team (`no-team.yaml` for users without one).
    #[default]
    Team,
    /// One file per division.
    Division,
    /// Everyone in `orgs/<org>/users.yaml`.
    None,
}

/// Where the org lives, as its `roster.yaml` entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// A Genesys Cloud region (`us-east-1`).
    Region(String),
    /// An explicit API base URL.
    ApiBase(String),
    /// The embedded emulator with this seed file, or an empty org.
    Sandbox(Option<String>),
}

/// The names of the environment variables holding the org's OAuth client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialEnv {
    /// Variable holding the client id.
    pub client_id: String,
    /// Variable holding the client secret.
    pub client_secret: String,
}

impl CredentialEnv {
    /// `ROSTER_<ORG>_CLIENT_ID` and `ROSTER_<ORG>_CLIENT_SECRET`, the org name upper-cased with
    /// anything but letters and digits turned into `_`.
    pub fn for_org(org: &str) -> Self {
        let stem: String = org
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        CredentialEnv {
            client_id: format!("ROSTER_{stem}_CLIENT_ID"),
            client_secret: format!("ROSTER_{stem}_CLIENT_SECRET"),
        }
    }
}

/// What to export and how to lay it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The org's name in `roster.yaml` (also its folder under `orgs/`).
    pub org: String,
    /// Where the org lives.
    pub connection: Connection,
    /// Credential variables; `None` writes none (sandbox orgs need none).
    pub credentials: Option<CredentialEnv>,
    /// `rateLimit` of the entry, as (requests per minute, tokens); `None` writes none.
    pub rate_limit: Option<(u32, u32)>,
    /// Which users.
    pub state: StateFilter,
    /// Which kinds are written (skills, languages, wrap-up codes, queues, teams, users).
    /// A user field that refers to a kind left out is left out too (not managed).
    pub kinds: BTreeSet<Kind>,
    /// Group users with identical assignments into generated routing profiles.
    pub infer_profiles: bool,
    /// Fewest users that make a profile (smaller groups keep their own assignments).
    pub min_profile_size: usize,
    /// How user files are split.
    pub split_users_by: UserSplit,
}

impl ExportOptions {
    /// Every kind, active users, split by team, no profiles.
    pub fn new(org: impl Into<String>, connection: Connection) -> Self {
        ExportOptions {
            org: org.into(),
            connection,
            credentials: None,
            rate_limit: None,
            state: StateFilter::Active,
            kinds: Kind::ALL.into_iter().collect(),
            infer_profiles: false,
            min_profile_size: 3,
            split_users_by: UserSplit::Team,
        }
    }

    /// Whether `kind` is exported.
    pub fn has(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A manifest could not be written as YAML.
    #[error("cannot write `{path}` as YAML")]
    Yaml {
        /// The file being written.
        path: String,
        /// The serializer's error.
        #[source]
        source: serde_saphyr::ser::Error,
    },
}

/// A header at the top of every exported file: where it came from, no timestamp (so a
/// scheduled export diffs cleanly).
fn header(org: &str) -> String {
    format!(
        "# Exported from org `{org}` by `roster export`. Names and emails only, no ids.\n\
         # Group-inherited queue memberships and role grants are not listed.\n\n"
    )
}

fn to_yaml<T: serde::Serialize>(path: &str, value: &T) -> Result<String, ExportError> {
    serde_saphyr::to_string(value).map_err(|source| ExportError::Yaml {
        path: path.to_owned(),
        source,
    })
}

/// Exports `live` as manifests.
///
/// `live` must come from a snapshot that read what is exported: queue members and wrap-up
/// codes for every queue, grants, and utilization for every user. A queue whose members
/// were not read contributes no memberships; a user whose utilization was not read gets no
/// `utilization` (not managed).
pub fn export(live: &LiveOrg, options: &ExportOptions) -> Result<ExportFiles, ExportError> {
    let mut files = ExportFiles::new();
    let org_dir = PathBuf::from("orgs").join(slug(&options.org));
    let mut write = |path: PathBuf, file: &ResourceFile| -> Result<(), ExportError> {
        let shown = layout::display(&path);
        let text = format!("{}{}", header(&options.org), to_yaml(&shown, file)?);
        files.insert(path, text);
        Ok(())
    };

    let routing = resources::routing(live, options);
    let wrote_base = routing != ResourceFile::default();
    if wrote_base {
        write(PathBuf::from("base").join("routing.yaml"), &routing)?;
    }
    let mut wrote_org = false;
    if options.has(Kind::Queue) {
        write(
            org_dir.join("queues.yaml"),
            &resources::queues(live, options),
        )?;
        wrote_org = true;
    }
    if options.has(Kind::Team) {
        write(org_dir.join("teams.yaml"), &resources::teams(live))?;
        wrote_org = true;
    }
    if options.has(Kind::User) {
        let mut specs = users::user_specs(live, options);
        if options.infer_profiles {
            let inferred = profiles::infer(&mut specs, options.min_profile_size);
            if !inferred.is_empty() {
                write(
                    org_dir.join("profiles.yaml"),
                    &ResourceFile {
                        routing_profiles: inferred,
                        ..ResourceFile::default()
                    },
                )?;
            }
        }
        for (path, users) in layout::split_users(live, specs, options.split_users_by, &org_dir) {
            write(
                path,
                &ResourceFile {
                    users,
                    ..ResourceFile::default()
                },
            )?;
        }
        wrote_org = true;
    }

    let mut include = Vec::new();
    if wrote_base {
        include.push(At::new("base".to_owned()));
    }
    if wrote_org {
        include.push(At::new(layout::display(&org_dir)));
    }
    let roster = RosterFile {
        orgs: BTreeMap::from([(At::new(options.org.clone()), org_config(options, include))]),
        policy: None,
        journal: None,
        read: None,
        serve: None,
        notify: None,
    };
    let text = format!(
        "{}{}",
        header(&options.org),
        to_yaml(roster_manifest::ROSTER_FILE, &roster)?
    );
    files.insert(PathBuf::from(roster_manifest::ROSTER_FILE), text);
    Ok(files)
}

fn org_config(options: &ExportOptions, include: Vec<At<String>>) -> OrgConfig {
    let mut config = OrgConfig {
        include,
        ..OrgConfig::default()
    };
    match &options.connection {
        Connection::Region(region) => config.region = Some(At::new(region.clone())),
        Connection::ApiBase(base) => config.api_base = Some(At::new(base.clone())),
        Connection::Sandbox(seed) => {
            config.sandbox = Some(SandboxConfig {
                seed: seed.clone().map(At::new),
            });
        }
    }
    config.credentials = options.credentials.as_ref().map(|env| CredentialsConfig {
        client_id: SecretRefConfig::Env(At::new(env.client_id.clone())),
        client_secret: SecretRefConfig::Env(At::new(env.client_secret.clone())),
    });
    config.rate_limit = options
        .rate_limit
        .map(|(requests_per_minute, tokens)| RateLimitConfig {
            requests_per_minute: Some(requests_per_minute),
            tokens: Some(tokens),
        });
    config
}

#[cfg(test)]
mod roundtrip;
#[cfg(test)]
mod tests;
