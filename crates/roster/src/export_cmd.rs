//! `roster export`: read an org and write its configuration as manifests in roster's layout,
//! to adopt roster on an existing org or to clone one org's configuration into others. The
//! workflow is [`roster_service::export`]: one snapshot, the one `plan` makes when everything
//! is managed.

use std::path::PathBuf;

use roster_export::{StateFilter, UserSplit};
use roster_service::export::{ExportError, ExportRequest};

use crate::exit::ExitStatus;
use crate::failure::Failure;
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
    #[arg(long, value_name = "NAME", env = "ROSTER_ORG")]
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

/// Runs the command.
pub async fn run(args: &Args, ui: Ui) -> Result<ExitStatus, Failure> {
    let dir = args
        .dir
        .clone()
        .or_else(|| args.dir_flag.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let kinds = roster_service::export::parse_kinds(&args.kinds)?;
    let workspace = workspace::load(&dir, ui)?;
    let spec = *roster_service::select(&workspace, std::slice::from_ref(&args.org))?
        .first()
        .ok_or_else(|| Failure::usage(format!("no org `{}` in `roster.yaml`", args.org)))?;
    let request = ExportRequest {
        out: args.out.clone(),
        state: match args.state {
            State::Active => StateFilter::Active,
            State::Inactive => StateFilter::Inactive,
            State::Any => StateFilter::Any,
        },
        kinds,
        infer_profiles: args.infer_profiles,
        min_profile_size: args.min_profile_size,
        split_users_by: match args.split_users_by {
            Split::Team => UserSplit::Team,
            Split::Division => UserSplit::Division,
            Split::None => UserSplit::None,
        },
        utilization: !args.no_utilization,
        force: args.force,
    };
    let report = roster_service::export::export(&workspace, spec, &request, &ui.progress_sink())
        .await
        .map_err(|error| {
            let in_org = matches!(error, ExportError::Read(_) | ExportError::Export(_));
            let failure = Failure::from(error);
            if in_org {
                failure.in_org(&spec.name)
            } else {
                failure
            }
        })?;
    let contents: Vec<String> = report
        .counts
        .iter()
        .map(|(kind, count)| counted(*count, kind.noun()))
        .collect();
    eprintln!(
        "exported org `{}` into `{}`: {} ({} files, {} requests)",
        spec.name,
        args.out.display(),
        contents.join(", "),
        report.files,
        report.requests
    );
    Ok(ExitStatus::Success)
}
