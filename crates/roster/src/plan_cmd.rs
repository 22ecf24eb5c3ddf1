//! `roster plan`: show what `apply` would change in each org, without changing anything.

use std::collections::BTreeSet;
use std::path::PathBuf;

use roster_model::Email;
use roster_plan::{ObjectRef, PlanSet, render_dot, render_json, render_markdown, render_text};
use roster_service::MissingCredentials;

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::skipped;
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The folder holding `roster.yaml`.
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Plan only this org (repeat for several); default: every org in `roster.yaml`.
    #[arg(long = "org", value_name = "NAME", env = "ROSTER_ORG")]
    pub orgs: Vec<String>,
    /// Also save the plan as JSON, for `roster apply --plan FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How to show the plan: `markdown` fits a pull-request comment, `json` follows
    /// `schemas/plan.schema.json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 2 when there are changes (0 when there are none), for CI.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan the reactivation of this inactive user even if its manifest lacks
    /// `reactivate: true` (repeatable).
    #[arg(long, value_name = "EMAIL")]
    pub reactivate: Vec<String>,
    /// Skip, with a warning, an org whose credential environment variables are not set or
    /// are empty (a fork's pull request gets no secrets), and plan the others. Fails (exit 1)
    /// when every org is skipped.
    #[arg(long, env = "ROSTER_SKIP_MISSING_CREDENTIALS")]
    pub skip_missing_credentials: bool,
    /// Leave a part unmanaged for this run. `utilization`: Genesys has no bulk read of users'
    /// utilization, so managing it costs one request per user; skipped, the plan reads and
    /// changes none.
    #[arg(long, value_enum, value_name = "PART")]
    pub skip: Vec<Skippable>,
    /// Limit the plan to this object and what it depends on (repeatable): `user:EMAIL`,
    /// `queue:NAME`, `team:NAME`, `skill:NAME`, `language:NAME`, `wrapupCode:NAME`,
    /// `division:NAME`, `role:NAME`. The plan says it is partial; saved and applied, it
    /// changes only that.
    #[arg(long = "target", value_name = "KIND:KEY")]
    pub targets: Vec<String>,
}

/// Parts of the manifests a run can leave unmanaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Skippable {
    /// Users' utilization (capacity per media type).
    Utilization,
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people; coloured on a terminal.
    Text,
    /// For a pull-request comment.
    Markdown,
    /// For tools.
    Json,
    /// The steps and what each waits for, as a Graphviz graph (`dot -Tsvg`).
    Dot,
}

/// `set` in `format`; `ui` says whether text gets colours.
pub fn render(set: &PlanSet, format: Format, ui: Ui) -> String {
    match format {
        Format::Text => render_text(set, ui.color),
        Format::Markdown => render_markdown(set),
        Format::Json => render_json(set),
        Format::Dot => render_dot(set),
    }
}

/// Runs the command.
pub async fn run(args: &PlanArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let reactivate = parse_reactivate(&args.reactivate)?;
    let targets = parse_targets(&args.targets)?;
    let mut workspace = workspace::load(&args.dir, ui)?;
    if args.skip.contains(&Skippable::Utilization) {
        workspace = roster_service::without_utilization(workspace);
    }
    let orgs = roster_service::select(&workspace, &args.orgs)?;
    let missing = if args.skip_missing_credentials {
        MissingCredentials::Skip
    } else {
        MissingCredentials::Fail
    };
    if !ui.quiet {
        crate::read_cost::announce(&orgs, missing, &args.dir);
    }
    let outcome = roster_service::plan_orgs_with(
        &workspace,
        &orgs,
        &reactivate,
        &targets,
        roster_service::Access::Read,
        missing,
        &ui.progress_sink(),
    )
    .await?;
    skipped::warn(&outcome.skipped);
    if outcome.planned.is_empty() && !outcome.skipped.is_empty() {
        return Err(skipped::all_skipped(&outcome.skipped));
    }
    check_reactivations(
        outcome.planned.iter().map(|planned| &planned.plan),
        &reactivate,
    )?;
    check_targets(&targets, &outcome.planned)?;
    let set = PlanSet::new(
        outcome
            .planned
            .into_iter()
            .map(|planned| planned.plan)
            .collect(),
    );
    if let Some(out) = &args.out {
        std::fs::write(out, render_json(&set)).map_err(|err| {
            Failure::because(
                format!("cannot write the plan to `{}`", out.display()),
                &err,
            )
        })?;
    }
    crate::annotations::warn(
        &args.dir,
        &crate::annotations::plan_warnings(&workspace, &set.orgs),
    );
    let mut rendered = render(&set, args.format, ui);
    rendered.push_str(&skipped::note(&outcome.skipped, args.format));
    let printed = print_stdout(&rendered);
    if printed != ExitStatus::Success {
        return Ok(printed);
    }
    if let Some(out) = &args.out {
        eprintln!(
            "saved the plan to `{}`; apply it with `roster apply{} --plan {}`",
            out.display(),
            crate::hints::selection(&args.dir, []),
            out.display()
        );
    }
    Ok(if set.is_blocked() {
        ExitStatus::Blocked
    } else if args.detailed_exitcode && !set.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}

/// Refuses `--reactivate` of users no plan reactivates (active already, or unknown).
pub fn check_reactivations<'p>(
    plans: impl IntoIterator<Item = &'p roster_plan::Plan>,
    reactivate: &BTreeSet<Email>,
) -> Result<(), Failure> {
    let unused = roster_service::not_reactivated(plans, reactivate);
    if unused.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = unused.iter().map(|email| format!("`{email}`")).collect();
    Err(Failure::usage(format!(
        "`--reactivate` names {} that no plan reactivates: {}",
        if unused.len() == 1 { "a user" } else { "users" },
        list.join(", ")
    ))
    .with_hint(
        "only a user inactive in the org whose manifest says `state: active` can be reactivated; check the email and `--org`",
    ))
}

/// Parses `--target` values; a malformed one or an unknown kind is a usage error naming the
/// closest kind.
pub fn parse_targets(values: &[String]) -> Result<BTreeSet<ObjectRef>, Failure> {
    values
        .iter()
        .map(|raw| {
            roster_service::parse_target(raw).map_err(|error| {
                let failure = Failure::usage(format!("--target: {error}"));
                match error.suggestion() {
                    Some(kind) => failure.with_hint(format!(
                        "did you mean `{kind}`? a target is `KIND:KEY`, KIND one of {}",
                        kinds()
                    )),
                    None => failure.with_hint(format!(
                        "a target is `KIND:KEY` (`user:jane@acme.example`, `queue:Billing`), KIND one of {}",
                        kinds()
                    )),
                }
            })
        })
        .collect()
}

/// The kinds `--target` takes, as a list for a hint.
fn kinds() -> String {
    roster_model::Kind::ALL
        .iter()
        .map(|kind| format!("`{}`", kind.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses targets that name nothing the manifests declare or the orgs hold (a typo would
/// otherwise plan nothing, silently).
pub fn check_targets(
    targets: &BTreeSet<ObjectRef>,
    planned: &[roster_service::Planned<'_>],
) -> Result<(), Failure> {
    let unknown = roster_service::unknown_targets(targets, planned);
    if unknown.is_empty() {
        return Ok(());
    }
    let details = unknown
        .iter()
        .map(|error| match error.suggestion() {
            Some(closest) => format!("{error}; did you mean `{closest}`?"),
            None => error.to_string(),
        })
        .collect();
    Err(Failure::usage(format!(
        "`--target` names {} that no manifest declares and no org holds",
        if unknown.len() == 1 {
            "an object"
        } else {
            "objects"
        }
    ))
    .with_details(details)
    .with_hint("check the spelling (names are as in the manifests, users by email) and `--org`"))
}

/// Parses `--reactivate` values.
pub fn parse_reactivate(values: &[String]) -> Result<BTreeSet<Email>, Failure> {
    values
        .iter()
        .map(|raw| Email::parse(raw).map_err(|err| Failure::usage(format!("--reactivate: {err}"))))
        .collect()
}
