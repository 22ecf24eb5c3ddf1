//! What `plan` and `apply` share: connect to each selected org, read it at the cost its
//! manifests imply, and plan. Orgs are read concurrently, each inside its own rate limit.

use std::collections::BTreeSet;
use std::path::Path;

use futures::future::join_all;
use roster_manifest::OrgSpec;
use roster_model::{Email, LiveOrg, ReadNeeds};
use roster_plan::{Plan, PlanError, PlanOptions, Problem};

use crate::connect::{Connected, connect};
use crate::failure::Failure;
use crate::reading::read_live;
use crate::ui::Ui;

/// One org, connected and read.
pub struct ReadOrg<'a> {
    /// The org's manifests and settings.
    pub spec: &'a OrgSpec,
    /// The connection (keeps a sandbox alive).
    pub connected: Connected,
    /// What the org holds.
    pub live: LiveOrg,
}

/// Connects to and reads every org, concurrently. Fails with every org's error when any
/// fails, so one broken credential does not hide another.
pub async fn read_orgs<'a>(
    root: &Path,
    orgs: &[&'a OrgSpec],
    ui: Ui,
) -> Result<Vec<ReadOrg<'a>>, Failure> {
    let results = join_all(orgs.iter().map(|spec| read_org(root, spec, ui))).await;
    let mut read = Vec::new();
    let mut failures = Vec::new();
    for result in results {
        match result {
            Ok(org) => read.push(org),
            Err(failure) => failures.push(failure),
        }
    }
    match failures.len() {
        0 => Ok(read),
        1 => Err(failures.remove(0)),
        _ => Err(Failure::error(
            failures
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("\nerror: "),
        )),
    }
}

async fn read_org<'a>(root: &Path, spec: &'a OrgSpec, ui: Ui) -> Result<ReadOrg<'a>, Failure> {
    let connected = connect(root, spec).await?;
    let needs = ReadNeeds::for_desired(&spec.desired);
    let live = read_live(&connected, &spec.name, &needs, ui).await?;
    Ok(ReadOrg {
        spec,
        connected,
        live,
    })
}

/// Plans one read org.
pub fn plan_org(org: &ReadOrg<'_>, reactivate: &BTreeSet<Email>) -> Result<Plan, Failure> {
    let rate = &org.spec.rate_limit;
    let options = PlanOptions {
        requests_per_minute: rate.requests_per_minute * rate.tokens,
        reads: org.connected.tenant.total_requests(),
        reactivate: reactivate.clone(),
    };
    roster_plan::plan(&org.spec.desired, &org.live, &options).map_err(|err| plan_failure(&err))
}

fn plan_failure(err: &PlanError) -> Failure {
    match err {
        PlanError::Unresolved { problems, .. } => {
            Failure::error(format!("{err}:\n{}", unresolved_lines(problems).join("\n"))).with_hint(
                "declare the missing objects in the manifests, or create roles and divisions in the org first",
            )
        }
        PlanError::Cycle { .. } => Failure::error(err.to_string()),
    }
}

/// One line per missing object, however many manifest entries refer to it: a clone into an
/// org that lacks a division would otherwise print one line per user.
fn unresolved_lines(problems: &[Problem]) -> Vec<String> {
    let mut by_message: Vec<(&str, Vec<&Problem>)> = Vec::new();
    for problem in problems {
        match by_message
            .iter_mut()
            .find(|(message, _)| *message == problem.message)
        {
            Some((_, uses)) => uses.push(problem),
            None => by_message.push((&problem.message, vec![problem])),
        }
    }
    by_message
        .into_iter()
        .map(|(message, uses)| match uses.as_slice() {
            [only] => format!("  {only}"),
            [first, ..] => {
                let at = first
                    .source
                    .as_ref()
                    .map(|source| format!(" at {source}"))
                    .unwrap_or_default();
                format!(
                    "  {message} — used {} times, first by {} `{}`{at}",
                    uses.len(),
                    first.kind,
                    first.key
                )
            }
            [] => unreachable!("every group holds the problem that created it"),
        })
        .collect()
}

/// Parses `--reactivate` values.
pub fn parse_reactivate(values: &[String]) -> Result<BTreeSet<Email>, Failure> {
    values
        .iter()
        .map(|raw| Email::parse(raw).map_err(|err| Failure::usage(format!("--reactivate: {err}"))))
        .collect()
}
