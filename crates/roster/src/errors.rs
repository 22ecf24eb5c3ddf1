//! Every service error becomes a [`Failure`] here, once: its message and causes, the lines
//! that detail it, the hint that says what to do next, and the exit status (DESIGN §6).

use roster_genesys::GenesysError;
use roster_plan::Problem;
use roster_service::check::CheckError;
use roster_service::drift::DriftError;
use roster_service::export::ExportError;
use roster_service::history::HistoryError;
use roster_service::licences::LicenceError;
use roster_service::offboard::{EditError, OffboardError};
use roster_service::{
    ApplyError, Blocked, ConnectError, LockError, OrgFailures, PlanError, ReadError,
    SavedPlanError, UnknownOrg,
};

use crate::exit::ExitStatus;
use crate::failure::Failure;

impl From<UnknownOrg> for Failure {
    fn from(error: UnknownOrg) -> Self {
        Failure::usage(error.to_string())
            .with_hint(format!("known orgs: {}", error.known.join(", ")))
    }
}

impl From<ConnectError> for Failure {
    fn from(error: ConnectError) -> Self {
        let hint = match &error {
            ConnectError::UnknownRegion { .. } => Some(format!(
                "use one of {} or set `apiBase`",
                roster_model::REGIONS
                    .iter()
                    .map(|(name, _)| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            ConnectError::NoCredentials => Some(
                "add `credentials: { clientId: { env: VAR }, clientSecret: { env: VAR } }`"
                    .to_owned(),
            ),
            ConnectError::MissingVariable { name } | ConnectError::EmptyVariable { name } => Some(
                format!("export `{name}` with the OAuth client credentials of the org"),
            ),
            ConnectError::UnreadableFile { .. } | ConnectError::EmptyFile { .. } => Some(
                "put the org's OAuth client credential in the file, or fix its path under `credentials` (relative to the folder of `roster.yaml`)"
                    .to_owned(),
            ),
            ConnectError::SandboxStart { state_file, .. } => Some(format!(
                "delete `{}` to start the sandbox org over from its seed",
                state_file.display()
            )),
            _ => None,
        };
        Failure::caused(&error).with_hint_opt(hint)
    }
}

impl From<LockError> for Failure {
    fn from(error: LockError) -> Self {
        let hint = match &error {
            LockError::Held { .. } => Some(
                "wait for it to finish; in CI, give applies to one org one concurrency group (README: \"Applying from CI\")"
                    .to_owned(),
            ),
            LockError::Io { .. } => None,
        };
        Failure::caused(&error).with_hint_opt(hint)
    }
}

impl From<ReadError> for Failure {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Lock(error) => error.into(),
            ReadError::Connect(error) => error.into(),
            ReadError::Snapshot(ref cause) => {
                let hint = genesys_hint(cause);
                Failure::caused(&error).with_hint_opt(hint)
            }
        }
    }
}

/// What to do about a failed request, when its message does not already say (a refused
/// credential and a token endpoint that is not there name what to check themselves).
fn genesys_hint(error: &GenesysError) -> Option<String> {
    match error {
        GenesysError::TokenEndpoint(failure) if failure.status >= 500 => Some(
            "the login service of the org's region is failing; try again later".to_owned(),
        ),
        GenesysError::Transport { .. } => Some(
            "check the org's `region` or `apiBase` and the network; roster retries what is safe to retry"
                .to_owned(),
        ),
        _ => None,
    }
}

impl From<PlanError> for Failure {
    fn from(error: PlanError) -> Self {
        match error {
            PlanError::Read(error) => error.into(),
            PlanError::Plan(error) => error.into(),
            PlanError::History(error) => error.into(),
            PlanError::Licences(error) => error.into(),
        }
    }
}

impl From<HistoryError> for Failure {
    fn from(error: HistoryError) -> Self {
        Failure::caused(&error).with_hint(format!(
            "check `{0}`: `roster journal verify {0}` tells whether it is intact",
            error.path.display()
        ))
    }
}

impl From<DriftError> for Failure {
    fn from(error: DriftError) -> Self {
        match error {
            DriftError::Plan(error) => error.into(),
            DriftError::Listen(ref cause) => {
                let hint = genesys_hint(cause);
                Failure::caused(&error).with_hint_opt(hint)
            }
        }
    }
}

impl From<CheckError> for Failure {
    fn from(error: CheckError) -> Self {
        match error {
            CheckError::Read(error) => error.into(),
            CheckError::Licences(error) => error.into(),
        }
    }
}

impl From<LicenceError> for Failure {
    fn from(error: LicenceError) -> Self {
        let hint = genesys_hint(&error.source);
        Failure::caused(&error).with_hint_opt(hint)
    }
}

impl From<roster_plan::PlanError> for Failure {
    fn from(error: roster_plan::PlanError) -> Self {
        match &error {
            roster_plan::PlanError::Unresolved { problems, .. } => {
                Failure::error(error.to_string())
                    .with_details(unresolved_lines(problems))
                    .with_hint_opt(unresolved_hint(problems))
            }
            roster_plan::PlanError::Cycle { .. } => Failure::caused(&error),
        }
    }
}

/// One line per problem, however many manifest lines share it: a clone into an org that
/// lacks a division would otherwise print one line per queue and user that writes it.
fn unresolved_lines(problems: &[Problem]) -> Vec<String> {
    let mut by_text: Vec<(String, Vec<&Problem>)> = Vec::new();
    for problem in problems {
        let text = format!("{} `{}`: {}", problem.kind, problem.key, problem.message);
        match by_text.iter_mut().find(|(seen, _)| *seen == text) {
            Some((_, places)) => places.push(problem),
            None => by_text.push((text, vec![problem])),
        }
    }
    by_text
        .into_iter()
        .filter_map(|(text, places)| match places.as_slice() {
            [only] => Some(only.to_string()),
            [first, ..] => {
                let at = first
                    .source
                    .as_ref()
                    .map(|source| format!(", first at {source}"))
                    .unwrap_or_default();
                Some(format!("{text} — in {} places{at}", places.len()))
            }
            [] => None,
        })
        .collect()
}

/// The problems' hints, each once, in order.
fn unresolved_hint(problems: &[Problem]) -> Option<String> {
    let mut hints: Vec<&str> = Vec::new();
    for hint in problems.iter().filter_map(|p| p.hint.as_deref()) {
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    (!hints.is_empty()).then(|| hints.join("; "))
}

impl<E> From<OrgFailures<E>> for Failure
where
    E: std::error::Error + 'static,
    Failure: From<E>,
{
    fn from(failures: OrgFailures<E>) -> Self {
        Failure::all(
            failures
                .0
                .into_iter()
                .map(|failure| Failure::from(failure.error).in_org(failure.org)),
        )
    }
}

impl From<Blocked> for Failure {
    fn from(error: Blocked) -> Self {
        let flags: Vec<String> = error
            .plans
            .iter()
            .map(|plan| format!("--allow-destructive {}", plan.digest))
            .collect();
        Failure::error(error.to_string())
            .with_status(ExitStatus::Blocked)
            .with_hint(format!(
                "if this is intended, run again with {}",
                flags.join(" ")
            ))
    }
}

impl From<SavedPlanError> for Failure {
    fn from(error: SavedPlanError) -> Self {
        saved_plan_failure(&error, "roster plan --out FILE")
    }
}

/// A saved plan's failure; `replan` is the command that makes a new plan, as complete as the
/// caller knows it (`apply` knows the folder, the orgs and the file).
pub fn saved_plan_failure(error: &SavedPlanError, replan: &str) -> Failure {
    match error {
        SavedPlanError::Stale { objects } => Failure::error(error.to_string())
            .with_details(
                objects
                    .iter()
                    .map(|(org, stale)| {
                        format!("{org}: {} `{}`: {}", stale.kind, stale.key, stale.reason)
                    })
                    .collect(),
            )
            .with_status(ExitStatus::StalePlan)
            .with_hint(format!("make a new plan with `{replan}` and review it")),
        SavedPlanError::Parse { .. } => {
            Failure::caused(error).with_hint(format!("save a plan with `{replan}`"))
        }
        SavedPlanError::Edited { .. } | SavedPlanError::Format { .. } => Failure::caused(error)
            .with_status(ExitStatus::StalePlan)
            .with_hint(format!("make a new plan with `{replan}` and review it")),
        SavedPlanError::PolicyChanged { keys, .. } => Failure::error(error.to_string())
            .with_details(vec![format!(
                "changed: {}",
                keys.iter()
                    .map(|key| format!("`policy.{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )])
            .with_status(ExitStatus::StalePlan)
            .with_hint(format!(
                "make a new plan under the current policy with `{replan}` and review it"
            )),
        SavedPlanError::MissingOrg { .. } => Failure::usage(error.to_string()),
        SavedPlanError::Read { .. } | SavedPlanError::History(_) => Failure::caused(error),
    }
}

impl From<ApplyError> for Failure {
    fn from(error: ApplyError) -> Self {
        match error {
            ApplyError::Blocked(blocked) => blocked.into(),
            ApplyError::Lock(error) => error.into(),
            error => Failure::caused(&error),
        }
    }
}

impl From<OffboardError> for Failure {
    fn from(error: OffboardError) -> Self {
        match error {
            OffboardError::Read(error) => error.into(),
            OffboardError::Apply(error) => error.into(),
            OffboardError::Edit(error) => error.into(),
            OffboardError::Plan(error) => {
                Failure::from(error).within("cannot plan the offboarding")
            }
            OffboardError::NoReason => Failure::usage("`--reason` must say why"),
            OffboardError::NoUsers => Failure::usage(error.to_string()),
            OffboardError::UnknownUsers { ref unknown } => {
                let details = unknown
                    .iter()
                    .map(|(email, matches)| {
                        if matches.is_empty() {
                            format!("{email}: no similar email")
                        } else {
                            let matches: Vec<String> =
                                matches.iter().map(|m| format!("`{m}`")).collect();
                            format!("{email}: did you mean {}?", matches.join(", "))
                        }
                    })
                    .collect();
                Failure::error(error.to_string())
                    .with_details(details)
                    .with_hint("check the spelling; emails are matched exactly (ignoring case)")
            }
            OffboardError::Protected { ref protected } => {
                let details = protected
                    .iter()
                    .map(|(email, rule)| {
                        format!(
                            "{email}: protected by the `policy.protect` rule `{{ {}: {} }}`",
                            rule.kind.noun(),
                            rule.pattern
                        )
                    })
                    .collect();
                Failure::error(error.to_string())
                    .with_details(details)
                    .with_hint(
                        "remove the rule from `policy.protect` first if the user must really go",
                    )
            }
            OffboardError::Blocked { ref digest, .. } => Failure::error(error.to_string())
                .with_status(ExitStatus::Blocked)
                .with_hint(format!(
                    "if this is intended, run again with --allow-destructive {digest}"
                )),
            OffboardError::Unfocused { .. } => Failure::caused(&error),
        }
    }
}

impl From<EditError> for Failure {
    fn from(error: EditError) -> Self {
        let hint = match &error {
            EditError::Edit { at, .. } => {
                Some(format!("set `state: inactive` on the user at {at} by hand"))
            }
            EditError::Io { .. } => None,
        };
        Failure::caused(&error).with_hint_opt(hint)
    }
}

impl From<ExportError> for Failure {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Read(error) => error.into(),
            ExportError::UnknownKind { ref word } => {
                let known: Vec<&str> = roster_service::export::EXPORTABLE
                    .iter()
                    .map(|k| k.manifest_key())
                    .collect();
                Failure::usage(format!("--kinds: unknown kind `{word}`"))
                    .with_hint(format!("known kinds: {}", known.join(", ")))
            }
            ExportError::Clash { ref files } => Failure::error(error.to_string())
                .with_details(files.iter().map(|f| f.display().to_string()).collect())
                .with_hint(
                    "export into an empty folder and merge by hand, or pass --force to replace them",
                ),
            ExportError::Export(_) | ExportError::Io { .. } => Failure::caused(&error),
        }
    }
}
