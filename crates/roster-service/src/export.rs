//! Exporting an org as manifests in roster's layout (to adopt roster, or to clone an org),
//! in one snapshot, and writing them without losing what a workspace already holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use roster_export::{
    Connection, CredentialEnv, ExportFiles, ExportOptions, StateFilter, UserSplit, slug,
};
use roster_manifest::{OrgSpec, ROSTER_FILE, Target, Workspace};
use roster_model::{Kind, LiveOrg, ReadNeeds, Selection, UserSelection};

use crate::orgs::{Access, read_org};
use crate::progress::ProgressSink;
use crate::session::ReadError;

/// The kinds an export may be limited to, by manifest key.
pub const EXPORTABLE: [Kind; 6] = [
    Kind::Skill,
    Kind::Language,
    Kind::WrapupCode,
    Kind::Queue,
    Kind::Team,
    Kind::User,
];

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// Where the manifests go (created if missing).
    pub out: PathBuf,
    /// Which users.
    pub state: StateFilter,
    /// Which kinds; every kind when empty.
    pub kinds: BTreeSet<Kind>,
    /// Group users with identical assignments into routing profiles.
    pub infer_profiles: bool,
    /// Fewest users that make an inferred profile.
    pub min_profile_size: usize,
    /// How users are split into files.
    pub split_users_by: UserSplit,
    /// Whether users' utilization is read and written (one request per user).
    pub utilization: bool,
    /// Replace files outside `orgs/<org>/` that hold something else.
    pub force: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// Objects exported per kind, in manifest order.
    pub counts: Vec<(Kind, usize)>,
    /// Files written.
    pub files: usize,
    /// Requests the read took.
    pub requests: u64,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A word of `--kinds` is not an exportable kind.
    #[error("unknown kind `{word}`")]
    UnknownKind {
        /// As written.
        word: String,
    },
    /// Reading the org failed; nothing was written.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The manifests could not be produced.
    #[error(transparent)]
    Export(#[from] roster_export::ExportError),
    /// Files outside the org's own folder hold something else; nothing was written.
    #[error("the export would overwrite files that hold something else; nothing was written")]
    Clash {
        /// The files.
        files: Vec<PathBuf>,
    },
    /// A file could not be written or removed.
    #[error("cannot {action} `{}`", path.display())]
    Io {
        /// `create`, `write` or `remove`.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The file system's answer.
        #[source]
        source: std::io::Error,
    },
}

/// Parses `--kinds` words (manifest keys); every kind when there is none.
pub fn parse_kinds(words: &[String]) -> Result<BTreeSet<Kind>, ExportError> {
    let words: Vec<&str> = words
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Ok(Kind::ALL.into_iter().collect());
    }
    // Divisions and roles are looked up, never written, so they are always "exported".
    let mut kinds = BTreeSet::from([Kind::Division, Kind::Role]);
    for word in words {
        let kind = EXPORTABLE
            .into_iter()
            .find(|k| k.manifest_key() == word)
            .ok_or_else(|| ExportError::UnknownKind {
                word: word.to_owned(),
            })?;
        kinds.insert(kind);
    }
    Ok(kinds)
}

/// Reads the org once and writes its manifests under `request.out`.
pub async fn export(
    workspace: &Workspace,
    spec: &OrgSpec,
    request: &ExportRequest,
    progress: &ProgressSink,
) -> Result<ExportReport, ExportError> {
    let options = options(request, &workspace.root, spec);
    let needs = export_needs(&options, request.utilization);
    let org = read_org(workspace, spec, &needs, Access::Read, progress).await?;
    let files = roster_export::export(&org.snapshot.live, &options)?;
    write_files(&request.out, &spec.name, &files, request.force)?;
    Ok(ExportReport {
        counts: counts(&org.snapshot.live, &options),
        files: files.len(),
        requests: org.session.requests(),
    })
}

/// Export options for `spec` as `request` asks.
fn options(request: &ExportRequest, root: &Path, spec: &OrgSpec) -> ExportOptions {
    let connection = match &spec.target {
        Target::Region(region) => Connection::Region(region.clone()),
        Target::ApiBase(base) => Connection::ApiBase(base.clone()),
        Target::Sandbox { seed } => {
            // The export lands elsewhere: the seed is written relative to it (as `roster.yaml`
            // paths are), so the exported workspace can be committed and moved with its seed.
            Connection::Sandbox(
                seed.as_ref()
                    .map(|seed| seed_path(&root.join(seed), &request.out)),
            )
        }
    };
    let credentials = match (&spec.credentials, &spec.target) {
        (Some(credentials), _) => Some(
            match (credentials.client_id.env(), credentials.client_secret.env()) {
                (Some(client_id), Some(client_secret)) => CredentialEnv {
                    client_id: client_id.to_owned(),
                    client_secret: client_secret.to_owned(),
                },
                // A file reference is relative to this workspace, not to where the export
                // lands: the export names the org's conventional variables instead.
                _ => CredentialEnv::for_org(&spec.name),
            },
        ),
        (None, Target::Sandbox { .. }) => None,
        (None, _) => Some(CredentialEnv::for_org(&spec.name)),
    };
    let mut options = ExportOptions::new(spec.name.clone(), connection);
    options.credentials = credentials;
    options.rate_limit = Some((spec.rate_limit.requests_per_minute, spec.rate_limit.tokens));
    options.state = request.state;
    options.kinds = if request.kinds.is_empty() {
        Kind::ALL.into_iter().collect()
    } else {
        request.kinds.clone()
    };
    options.infer_profiles = request.infer_profiles;
    options.min_profile_size = request.min_profile_size;
    options.split_users_by = request.split_users_by;
    options
}

/// `seed` as the exported `roster.yaml` in `out` names it: relative to `out`, with `/`
/// separators; absolute only when no relative path leads there (another drive).
fn seed_path(seed: &Path, out: &Path) -> String {
    let (Ok(seed), Ok(out)) = (std::path::absolute(seed), std::path::absolute(out)) else {
        return seed.to_string_lossy().into_owned();
    };
    match relative_path(&seed, &out) {
        Some(relative) => relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        None => seed.to_string_lossy().into_owned(),
    }
}

/// The path from the folder `base` to `path`, both absolute; `None` when they share no root.
/// Lexical: `.` and `..` are resolved without asking the file system.
fn relative_path(path: &Path, base: &Path) -> Option<PathBuf> {
    let (path, base) = (lexical(path), lexical(base));
    if path.first() != base.first() {
        return None;
    }
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..base.len() {
        relative.push("..");
    }
    for part in &path[common..] {
        relative.push(part);
    }
    Some(relative)
}

/// The components of `path` with `.` dropped and each `..` taking the one before it.
fn lexical(path: &Path) -> Vec<std::path::Component<'_>> {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(parts.last(), Some(Component::Normal(_))) {
                    parts.pop();
                }
            }
            other => parts.push(other),
        }
    }
    parts
}

/// What an export of `options` reads, in one snapshot: every queue's members and wrap-up
/// codes, the exported users' utilization (unless `utilization` is false), the role grants.
fn export_needs(options: &ExportOptions, utilization: bool) -> ReadNeeds {
    let mut needs = ReadNeeds::everything(options.state.only());
    let (users, queues) = (options.has(Kind::User), options.has(Kind::Queue));
    if !(users && queues) {
        needs.queue_members = Selection::default();
    }
    if !queues {
        needs.queue_wrapup_codes = Selection::default();
    }
    if !users || !utilization {
        needs.utilization = UserSelection::default();
    }
    needs.grants = users;
    needs
}

/// Writes `files` under `out`, and removes YAML files under `out/orgs/<org>/` that an earlier
/// export wrote and this one did not (a renamed team's file), so the folder is exactly the
/// export.
///
/// Files outside `orgs/<org>/` (`roster.yaml`, `base/`) may be shared with other orgs or hold
/// policy written by hand: a `roster.yaml` that declares the org is kept, and unless `force`
/// no other file is overwritten with different content.
fn write_files(out: &Path, org: &str, files: &ExportFiles, force: bool) -> Result<(), ExportError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| ExportError::Io {
            action,
            path,
            source,
        }
    };
    let own = Path::new("orgs").join(slug(org));
    // A `roster.yaml` that already declares the org is the workspace's own configuration
    // (other orgs, policy, credentials): it is kept as it is.
    let keep_roster_file = declares(&out.join(ROSTER_FILE), org);
    let files: BTreeMap<&Path, &String> = files
        .iter()
        .map(|(path, text)| (path.as_path(), text))
        .filter(|(path, _)| !(keep_roster_file && *path == Path::new(ROSTER_FILE)))
        .collect();
    let clashes: Vec<PathBuf> = files
        .iter()
        .filter(|(path, _)| !path.starts_with(&own))
        .filter(
            |(path, text)| match std::fs::read_to_string(out.join(path)) {
                Ok(found) => found.as_str() != text.as_str(),
                // Missing: nothing to lose. Unreadable (permissions, not UTF-8): not known to hold
                // this export, so not overwritten without --force.
                Err(err) => err.kind() != std::io::ErrorKind::NotFound,
            },
        )
        .map(|(path, _)| out.join(path))
        .collect();
    if !clashes.is_empty() && !force {
        return Err(ExportError::Clash { files: clashes });
    }
    let org_dir = out.join(&own);
    if org_dir.is_dir() {
        for entry in walk_yaml(&org_dir) {
            let relative = entry.strip_prefix(out).unwrap_or(&entry);
            if !files.contains_key(relative) {
                std::fs::remove_file(&entry).map_err(io("remove", &entry))?;
            }
        }
    }
    for (path, text) in files {
        let full = out.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        std::fs::write(&full, text).map_err(io("write", &full))?;
    }
    Ok(())
}

/// Whether the `roster.yaml` at `path` exists and declares `org`.
fn declares(path: &Path, org: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let (file, _) = roster_manifest::decode_roster_file(&path.to_string_lossy(), &text);
    file.orgs.keys().any(|name| name.value == org)
}

fn walk_yaml(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk_yaml(&path));
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            found.push(path);
        }
    }
    found
}

/// What an export holds, per exported kind.
fn counts(live: &LiveOrg, options: &ExportOptions) -> Vec<(Kind, usize)> {
    let users = live
        .users
        .values()
        .filter(|u| options.state.admits(u.state))
        .count();
    [
        (Kind::Skill, live.skills.len()),
        (Kind::Language, live.languages.len()),
        (Kind::WrapupCode, live.wrapup_codes.len()),
        (Kind::Queue, live.queues.len()),
        (Kind::Team, live.teams.len()),
        (Kind::User, users),
    ]
    .into_iter()
    .filter(|(kind, _)| options.has(*kind))
    .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::seed_path;

    #[test]
    fn a_seed_is_named_relative_to_the_export() {
        let seed = Path::new("/work/acme/sandbox/demo.yaml");
        assert_eq!(
            seed_path(seed, Path::new("/work/acme/clone")),
            "../sandbox/demo.yaml"
        );
        assert_eq!(
            seed_path(seed, Path::new("/work/acme")),
            "sandbox/demo.yaml"
        );
        assert_eq!(
            seed_path(seed, Path::new("/tmp/out/deep")),
            "../../../work/acme/sandbox/demo.yaml"
        );
        assert_eq!(
            seed_path(seed, Path::new("/work/acme/./clone/")),
            "../sandbox/demo.yaml"
        );
        assert_eq!(
            seed_path(
                Path::new("/work/x/../acme/sandbox/demo.yaml"),
                Path::new("/work/acme/y/../clone")
            ),
            "../sandbox/demo.yaml"
        );
    }
}
