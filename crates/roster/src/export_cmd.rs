//! `roster export`: read an org and write its configuration as manifests in roster's layout,
//! to adopt roster on an existing org or to clone one org's configuration into others.
//!
//! Reading costs one snapshot, the one `plan` makes when everything is managed (see
//! [`export_needs`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use roster_export::{
    Connection, CredentialEnv, ExportFiles, ExportOptions, StateFilter, UserSplit, slug,
};
use roster_manifest::{OrgSpec, ROSTER_FILE, Target};
use roster_model::{Kind, LiveOrg, ReadNeeds, Selection, UserSelection};

use crate::connect::connect;
use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::reading::read_live;
use crate::ui::{Ui, counted};
use crate::workspace;

/// The examples under `roster export --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Adopt roster: write prod-us as it is, agents grouped into routing profiles
  roster export . --org prod-us --out adopted --infer-profiles

  # Clone the configuration (no users) of prod-us, then plan it against prod-eu
  roster export . --org prod-us --out clone --kinds skills,languages,wrapupCodes,queues,teams
  roster plan clone --org prod-eu      # after adding prod-eu to clone/roster.yaml

  # A scheduled export that diffs cleanly in git, without the per-user utilization reads
  roster export . --org prod-us --out snapshot --no-utilization

The export reads the org once (the same snapshot as `plan`), writes names and emails, never
ids, and writes the same bytes for the same org.";

/// Arguments of `roster export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The org to export, by its name in `roster.yaml`.
    #[arg(long, value_name = "NAME")]
    pub org: String,
    /// The folder to write the manifests to (created if missing). Files roster wrote there
    /// before for this org are replaced, and stale ones under `orgs/<org>/` removed.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The folder holding the `roster.yaml` that says where the org is (default `.`), as
    /// for `plan`.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The same as DIR, as a flag.
    #[arg(long = "dir", value_name = "DIR", conflicts_with = "dir")]
    pub dir_flag: Option<PathBuf>,
    /// Which users to export.
    #[arg(long, value_enum, default_value_t = State::Active)]
    pub state: State,
    /// Kinds to export, comma-separated manifest keys (`skills,languages,wrapupCodes,queues,
    /// teams,users`); default: all. User fields that refer to a kind left out are not
    /// written (not managed).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// Group users with identical skills, languages, queues, roles and utilization into
    /// generated routing profiles.
    #[arg(long)]
    pub infer_profiles: bool,
    /// Fewest users that make an inferred profile.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub min_profile_size: usize,
    /// Leave users' utilization out: it is the only per-user read (one request per exported
    /// user), so a large org exports in a fraction of the requests; `utilization` is then
    /// not written, so roster does not manage it.
    #[arg(long)]
    pub no_utilization: bool,
    /// How to split users into files under `orgs/<org>/users/`.
    #[arg(long, value_enum, default_value_t = Split::Team)]
    pub split_users_by: Split,
    /// Replace files outside `orgs/<org>/` (`base/...`, a `roster.yaml` that does not declare
    /// the org) that hold something else than this export. Without it the export refuses to
    /// overwrite them and writes nothing. A `roster.yaml` that declares the org is always kept.
    #[arg(long)]
    pub force: bool,
}

/// `--state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum State {
    /// Active users only: what cloning needs.
    Active,
    /// Inactive users only.
    Inactive,
    /// Every user.
    Any,
}

/// `--split-users-by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// One file per team.
    Team,
    /// One file per division.
    Division,
    /// One file.
    None,
}

/// The kinds `--kinds` may name, by manifest key.
const EXPORTABLE: [Kind; 6] = [
    Kind::Skill,
    Kind::Language,
    Kind::WrapupCode,
    Kind::Queue,
    Kind::Team,
    Kind::User,
];

fn parse_kinds(raw: &[String]) -> Result<BTreeSet<Kind>, Failure> {
    if raw.is_empty() {
        return Ok(Kind::ALL.into_iter().collect());
    }
    // Divisions and roles are looked up, never written, so they are always "exported".
    let mut kinds = BTreeSet::from([Kind::Division, Kind::Role]);
    for word in raw.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        let kind = EXPORTABLE
            .into_iter()
            .find(|k| k.manifest_key() == word)
            .ok_or_else(|| {
                let known: Vec<&str> = EXPORTABLE.iter().map(|k| k.manifest_key()).collect();
                Failure::usage(format!("--kinds: unknown kind `{word}`"))
                    .with_hint(format!("known kinds: {}", known.join(", ")))
            })?;
        kinds.insert(kind);
    }
    Ok(kinds)
}

/// Export options for `spec` as the arguments ask.
fn options(args: &Args, root: &Path, spec: &OrgSpec) -> Result<ExportOptions, Failure> {
    let connection = match &spec.target {
        Target::Region(region) => Connection::Region(region.clone()),
        Target::ApiBase(base) => Connection::ApiBase(base.clone()),
        Target::Sandbox { seed } => {
            // The export lands elsewhere: an absolute seed path keeps it loadable.
            let seed = std::path::absolute(root.join(seed)).unwrap_or_else(|_| seed.clone());
            Connection::Sandbox(seed.to_string_lossy().into_owned())
        }
    };
    let credentials = match (&spec.credentials, &spec.target) {
        (Some(credentials), _) => Some(CredentialEnv {
            client_id: credentials.client_id.env.clone(),
            client_secret: credentials.client_secret.env.clone(),
        }),
        (None, Target::Sandbox { .. }) => None,
        (None, _) => Some(CredentialEnv::for_org(&spec.name)),
    };
    let mut options = ExportOptions::new(spec.name.clone(), connection);
    options.credentials = credentials;
    options.rate_limit = Some((spec.rate_limit.requests_per_minute, spec.rate_limit.tokens));
    options.state = match args.state {
        State::Active => StateFilter::Active,
        State::Inactive => StateFilter::Inactive,
        State::Any => StateFilter::Any,
    };
    options.kinds = parse_kinds(&args.kinds)?;
    options.infer_profiles = args.infer_profiles;
    options.min_profile_size = args.min_profile_size;
    options.split_users_by = match args.split_users_by {
        Split::Team => UserSplit::Team,
        Split::Division => UserSplit::Division,
        Split::None => UserSplit::None,
    };
    Ok(options)
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
fn write_files(out: &Path, org: &str, files: &ExportFiles, force: bool) -> Result<(), Failure> {
    let fail = |what: &str, path: &Path, err: &std::io::Error| {
        Failure::error(format!("cannot {what} `{}`: {err}", path.display()))
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
    let clashes: Vec<String> = files
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
        .map(|(path, _)| format!("  {}", out.join(path).display()))
        .collect();
    if !clashes.is_empty() && !force {
        return Err(Failure::error(format!(
            "the export would overwrite files that hold something else; nothing was written:\n{}",
            clashes.join("\n")
        ))
        .with_hint(
            "export into an empty folder and merge by hand, or pass --force to replace them",
        ));
    }
    let org_dir = out.join(&own);
    if org_dir.is_dir() {
        for entry in walk_yaml(&org_dir) {
            let relative = entry.strip_prefix(out).unwrap_or(&entry);
            if !files.contains_key(relative) {
                std::fs::remove_file(&entry).map_err(|err| fail("remove", &entry, &err))?;
            }
        }
    }
    for (path, text) in files {
        let full = out.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|err| fail("create", parent, &err))?;
        }
        std::fs::write(&full, text).map_err(|err| fail("write", &full, &err))?;
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

/// Runs the command.
pub async fn run(args: &Args, ui: Ui) -> Result<ExitStatus, Failure> {
    let dir = args
        .dir
        .clone()
        .or_else(|| args.dir_flag.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let workspace = workspace::load(&dir)?;
    let spec = workspace::select(&workspace, std::slice::from_ref(&args.org))?
        .into_iter()
        .next()
        .ok_or_else(|| Failure::usage(format!("no org `{}` in `roster.yaml`", args.org)))?;
    let options = options(args, &workspace.root, spec)?;
    let connected = connect(&workspace.root, spec).await?;
    let needs = export_needs(&options, !args.no_utilization);
    let live = read_live(&connected, &spec.name, &needs, ui).await?;
    let files = roster_export::export(&live, &options)
        .map_err(|err| Failure::error(format!("org `{}`: {err}", spec.name)))?;
    write_files(&args.out, &spec.name, &files, args.force)?;
    eprintln!(
        "exported org `{}` into `{}`: {} ({} files, {} requests)",
        spec.name,
        args.out.display(),
        contents(&live, &options),
        files.len(),
        connected.tenant.total_requests()
    );
    Ok(ExitStatus::Success)
}

/// What an export holds, per kind (`12 skills, 3 languages, 1882 users`).
fn contents(live: &LiveOrg, options: &ExportOptions) -> String {
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
    .map(|(kind, count)| counted(count, kind.noun()))
    .collect::<Vec<_>>()
    .join(", ")
}
