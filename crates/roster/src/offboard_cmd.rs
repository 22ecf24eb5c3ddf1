//! `roster offboard`: immediate offboarding for terminations that cannot wait for a merge
//! (DESIGN §2.5).
//!
//! The org is read, each email checked (unknown → closest matches, exit 1; protected by
//! `policy.protect` → error naming the rule; already inactive → said, nothing to do), and the
//! same offboarding sequence `state: inactive` plans is planned for those users alone: the
//! planner is given a desired org holding only them, marked inactive, with every other kind
//! unmanaged and ignored, so nothing else in the org can change. Before any write, each
//! user's full assignment picture, the reason, the event id and the principal are journaled
//! (`offboardingStarted`); the steps then run through the apply engine into the same
//! journal, and the manifest line that declares each user is edited to `state: inactive`
//! (the diff is printed; `--no-edit` skips it).
//!
//! The manifests are edited even when a step failed: the user is meant to be gone, and once
//! the manifests say so, the next `roster apply` (or `roster offboard` again) finishes the
//! sequence. More users than `policy.limits` allows are refused (exit 3) unless
//! `--allow-destructive` repeats the digest printed, as for `roster apply`.
//!
//! Users the manifests do not declare are offboarded too, and nothing is edited for them:
//! roster does not add users to manifests on its own. Under `unmanaged.users: report` an
//! inactive undeclared user is simply no longer listed; under `prune` it stays offboarded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use roster_apply::{ApplyOptions, Journal, JournalContext, apply};
use roster_manifest::OrgSpec;
use roster_model::{
    DesiredOrg, DesiredUser, Email, Kind, LiveOrg, Operation, Policy, ReadNeeds, Selection, Step,
    Tenant, Unmanaged, UnmanagedPolicy, UserSelection, UserState,
};
use roster_plan::{Acknowledge, Plan, PlanOptions, PlanSet, TextOptions, render_text_with};
use serde_json::json;
use similar::TextDiff;

use crate::assignments;
use crate::connect::{Connected, connect};
use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::manifest_edit::set_inactive;
use crate::reading::read_live;
use crate::ui::Ui;
use crate::workspace;

/// The journal record kind written before an offboarding's first write.
pub const OFFBOARDING_STARTED: &str = "offboardingStarted";

/// How alike (normalized Levenshtein) a live email must be to be suggested: one or two typos
/// in a typical address, not merely the same domain.
const MIN_SIMILARITY: f64 = 0.8;

/// How many close matches an unknown email is shown.
const SUGGESTIONS: usize = 3;

/// Arguments of `roster offboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The users to offboard, by email.
    #[arg(required = true, value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// The org to offboard them from (as named in `roster.yaml`).
    #[arg(long, value_name = "NAME")]
    pub org: String,
    /// Why, for the audit journal (a termination, a security incident).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// The HR or incident ticket, for the audit journal.
    #[arg(long, value_name = "ID")]
    pub event_id: Option<String>,
    /// Do not edit the manifests to `state: inactive`.
    #[arg(long)]
    pub no_edit: bool,
    /// Offboard more users than `policy.limits` allows: pass the digest the refusal prints.
    #[arg(long, value_name = "DIGEST")]
    pub allow_destructive: Option<String>,
    /// The folder holding `roster.yaml`.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

/// Runs the command.
pub async fn run(args: &Args, ui: Ui) -> Result<ExitStatus, Failure> {
    let emails = parse_emails(&args.emails)?;
    if args.reason.trim().is_empty() {
        return Err(Failure::usage("`--reason` must say why"));
    }
    let workspace = workspace::load(&args.dir)?;
    let spec = *workspace::select(&workspace, std::slice::from_ref(&args.org))?
        .first()
        .ok_or_else(|| Failure::usage("no org selected"))?;
    let connected = connect(&workspace.root, spec).await?;

    // A cheap read (lists only) decides whether there is anything to do at all.
    let listed = read_live(&connected, &spec.name, &ReadNeeds::default(), ui).await?;
    check_known(&listed, &emails)?;
    check_protected(&spec.desired.policy, &emails)?;
    let mut to_offboard = BTreeSet::new();
    for email in &emails {
        if listed.users[email].state == UserState::Inactive {
            eprintln!("{email} is already inactive in `{}`", spec.name);
        } else {
            to_offboard.insert(email.clone());
        }
    }

    let mut status = ExitStatus::Success;
    if !to_offboard.is_empty() {
        status = offboard(args, &workspace.root, spec, &connected, &to_offboard, ui).await?;
    }
    if !args.no_edit {
        edit_manifests(&workspace.root, spec, &emails)?;
    }
    Ok(status)
}

fn parse_emails(raw: &[String]) -> Result<Vec<Email>, Failure> {
    let mut emails = Vec::new();
    for text in raw {
        let email = Email::parse(text).map_err(|err| Failure::usage(format!("`{text}`: {err}")))?;
        if !emails.contains(&email) {
            emails.push(email);
        }
    }
    Ok(emails)
}

/// Fails naming every email the org does not have, each with its closest live emails.
fn check_known(live: &LiveOrg, emails: &[Email]) -> Result<(), Failure> {
    let unknown: Vec<&Email> = emails
        .iter()
        .filter(|e| !live.users.contains_key(*e))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = unknown
        .iter()
        .map(|email| {
            let matches = closest(live, email);
            if matches.is_empty() {
                format!("  {email}: no similar email")
            } else {
                format!("  {email}: did you mean {}?", matches.join(", "))
            }
        })
        .collect();
    Err(Failure::error(format!(
        "no user with {} in the org; nothing was changed:\n{}",
        if unknown.len() == 1 {
            "this email"
        } else {
            "these emails"
        },
        lines.join("\n")
    ))
    .with_hint("check the spelling; emails are matched exactly (ignoring case)"))
}

/// The live emails most like `email`, best first, among those similar enough to be a typo.
fn closest(live: &LiveOrg, email: &Email) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = live
        .users
        .keys()
        .map(|candidate| {
            (
                strsim::normalized_levenshtein(email.as_str(), candidate.as_str()),
                candidate.as_str(),
            )
        })
        .filter(|(score, _)| *score >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, candidate)| format!("`{candidate}`"))
        .collect()
}

fn check_protected(policy: &Policy, emails: &[Email]) -> Result<(), Failure> {
    let protected: Vec<String> = emails
        .iter()
        .filter_map(|email| {
            policy.protection(Kind::User, email.as_str()).map(|rule| {
                format!(
                    "  {email}: protected by the `policy.protect` rule `{{ {}: {} }}`",
                    rule.kind.noun(),
                    rule.pattern
                )
            })
        })
        .collect();
    if protected.is_empty() {
        return Ok(());
    }
    Err(Failure::error(format!(
        "protected users are never offboarded; nothing was changed:\n{}",
        protected.join("\n")
    ))
    .with_hint("remove the rule from `policy.protect` first if the user must really go"))
}

/// What the offboarding reads: every queue's members (direct and through groups), every
/// grant, and the users' own utilization, so the journal holds the whole picture.
fn offboarding_needs(emails: &BTreeSet<Email>) -> ReadNeeds {
    ReadNeeds {
        queue_members: Selection::All,
        queue_wrapup_codes: Selection::default(),
        utilization: UserSelection::Named(emails.clone()),
        grants: true,
    }
}

/// The desired org under which the plan offboards exactly `emails`: they are the only users,
/// declared inactive, and nothing else is declared or managed.
fn focused(declared: &DesiredOrg, live: &LiveOrg, emails: &BTreeSet<Email>) -> DesiredOrg {
    // Only the state matters to an offboarding; the user's declared assignments would make
    // the planner resolve objects this desired org does not declare.
    let users: BTreeMap<Email, DesiredUser> = emails
        .iter()
        .map(|email| {
            let name = live.users.get(email).map_or("", |u| u.name.as_str());
            let mut user = DesiredUser::new(email.clone(), name);
            user.state = UserState::Inactive;
            user.source = declared.users.get(email).and_then(|u| u.source.clone());
            (email.clone(), user)
        })
        .collect();
    let ignore = UnmanagedPolicy::Ignore;
    DesiredOrg {
        name: declared.name.clone(),
        users,
        policy: Policy {
            unmanaged: Unmanaged {
                users: ignore,
                skills: ignore,
                languages: ignore,
                wrapup_codes: ignore,
                queues: ignore,
                teams: ignore,
            },
            scope: roster_model::Scope::default(),
            limits: declared.policy.limits,
            protect: declared.policy.protect.clone(),
        },
        ..DesiredOrg::default()
    }
}

/// Whether `step` writes only to the offboarded users (their own fields, or their
/// membership in a queue or team): the guarantee that nothing else in the org changes.
fn only_touches(step: &Step, emails: &BTreeSet<Email>) -> bool {
    match &step.operation {
        Operation::RemoveQueueMembers { users, .. }
        | Operation::RemoveTeamMembers { users, .. } => users.is_subset(emails),
        Operation::RevokeRoles { email, .. }
        | Operation::RemoveUserSkills { email, .. }
        | Operation::RemoveUserLanguages { email, .. }
        | Operation::SetUserState {
            email,
            state: UserState::Inactive,
        } => emails.contains(email),
        _ => false,
    }
}

async fn offboard(
    args: &Args,
    root: &Path,
    spec: &OrgSpec,
    connected: &Connected,
    emails: &BTreeSet<Email>,
    ui: Ui,
) -> Result<ExitStatus, Failure> {
    let needs = offboarding_needs(emails);
    let live = read_live(connected, &spec.name, &needs, ui).await?;
    let desired = focused(&spec.desired, &live, emails);
    let rate = &spec.rate_limit;
    let options = PlanOptions {
        requests_per_minute: rate.requests_per_minute * rate.tokens,
        reads: connected.tenant.total_requests(),
        reactivate: BTreeSet::new(),
    };
    let plan = roster_plan::plan(&desired, &live, &options)
        .map_err(|err| Failure::error(format!("org `{}`: {err}", spec.name)))?;
    if let Some(step) = plan.steps.iter().find(|s| !only_touches(s, emails)) {
        return Err(Failure::error(format!(
            "internal error: the offboarding plan would also run `{}` on {} `{}`; nothing was changed",
            step.operation.verb(),
            step.operation.target().0,
            step.operation.target().1
        )));
    }
    let set = PlanSet::new(vec![plan]);
    let printed = print_stdout(&render_text_with(
        &set,
        TextOptions {
            color: ui.color,
            acknowledge: Acknowledge::Offboard,
        },
    ));
    if printed != ExitStatus::Success {
        return Ok(printed);
    }
    let plan = &set.orgs[0];
    check_limits(plan, args.allow_destructive.as_deref())?;

    let mut journal = open_journal(root, spec, connected, plan)?;
    for email in emails {
        let Some(picture) = assignments::snapshot(&live, &needs, email) else {
            continue;
        };
        let data = json!({
            "user": email,
            "reason": args.reason,
            "eventId": args.event_id,
            "principal": connected.tenant.principal(),
            "assignments": picture,
        });
        journal
            .record(OFFBOARDING_STARTED, data)
            .map_err(|err| Failure::error(format!("cannot write the journal: {err}")))?;
    }
    let bar = ui.bar(
        plan.steps.len() as u64,
        format!("offboarding in {}", spec.name),
    );
    let progress_bar = bar.clone();
    let options = ApplyOptions {
        progress: Some(Arc::new(move |progress| {
            progress_bar.set_position(progress.finished as u64);
        })),
        ..ApplyOptions::default()
    };
    let summary = apply(&connected.tenant, &plan.steps, &options, &mut journal)
        .await
        .map_err(|err| Failure::error(format!("org `{}`: {err}", spec.name)))?;
    bar.finish_and_clear();
    connected.save()?;
    eprintln!("{}: {summary}", spec.name);
    if summary.is_success() {
        Ok(ExitStatus::Success)
    } else {
        eprintln!(
            "hint: run `roster offboard` again (or `roster apply` once the manifests say `state: inactive`) to finish"
        );
        Ok(ExitStatus::Failure)
    }
}

/// Refuses an offboarding over `policy.limits` unless `--allow-destructive` names its digest.
fn check_limits(plan: &Plan, allowed: Option<&str>) -> Result<(), Failure> {
    if plan.blocked.is_none() || allowed == Some(plan.digest.as_str()) {
        return Ok(());
    }
    Err(Failure::error(format!(
        "offboarding these users deactivates more than `policy.limits` allows in `{}`; nothing was changed",
        plan.org
    ))
    .with_status(ExitStatus::Blocked)
    .with_hint(format!(
        "if this is intended, run again with --allow-destructive {}",
        plan.digest
    )))
}

fn open_journal(
    root: &Path,
    spec: &OrgSpec,
    connected: &Connected,
    plan: &Plan,
) -> Result<Journal, Failure> {
    let path = Journal::default_path(root, &spec.name);
    let context = JournalContext {
        org: spec.name.clone(),
        principal: Some(connected.tenant.principal()),
        git_commit: git_commit(root),
        plan_digest: Some(plan.digest.clone()),
    };
    Journal::open(&path, context).map_err(|err| {
        Failure::error(format!(
            "org `{}`: cannot open the journal `{}`: {err}",
            spec.name,
            path.display()
        ))
    })
}

/// The workspace's git commit, for the journal; `None` outside a git checkout.
fn git_commit(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|commit| !commit.is_empty())
}

/// Marks each declared user `state: inactive` in the file that declares it, printing the
/// diff of each edited file.
fn edit_manifests(root: &Path, spec: &OrgSpec, emails: &[Email]) -> Result<(), Failure> {
    for email in emails {
        let Some(user) = spec.desired.users.get(email) else {
            eprintln!(
                "{email} is not declared in the manifests of `{}`; nothing to edit",
                spec.name
            );
            continue;
        };
        let Some(source) = &user.source else {
            continue;
        };
        let path = root.join(&source.file);
        let text = std::fs::read_to_string(&path)
            .map_err(|err| Failure::error(format!("cannot read `{}`: {err}", path.display())))?;
        let edited = set_inactive(&text, source.line, source.column).map_err(|err| {
            Failure::error(format!(
                "cannot mark {email} inactive in `{}`: {err}",
                source.file
            ))
            .with_hint(format!(
                "set `state: inactive` on the user at {source} by hand"
            ))
        })?;
        let Some(edited) = edited else {
            eprintln!("{email} is already `state: inactive` in `{}`", source.file);
            continue;
        };
        std::fs::write(&path, &edited)
            .map_err(|err| Failure::error(format!("cannot write `{}`: {err}", path.display())))?;
        let diff = TextDiff::from_lines(&text, &edited)
            .unified_diff()
            .context_radius(2)
            .header(&source.file, &source.file)
            .to_string();
        let printed = print_stdout(&diff);
        if printed != ExitStatus::Success {
            return Err(Failure::error("cannot print the diff"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use roster_model::{LiveUser, RoleGrant, StepId};

    use super::*;

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    fn step(operation: Operation) -> Step {
        Step {
            id: StepId(1),
            operation,
            depends_on: Vec::new(),
            before: None,
        }
    }

    fn live_with(emails: &[&str]) -> LiveOrg {
        let mut live = LiveOrg::default();
        for text in emails {
            live.users.insert(
                email(text),
                LiveUser {
                    id: (*text).to_owned(),
                    version: 1,
                    email: email(text),
                    name: (*text).to_owned(),
                    title: None,
                    department: None,
                    division: "Home".to_owned(),
                    manager: None,
                    state: UserState::Active,
                    team: None,
                    skills: BTreeMap::new(),
                    languages: BTreeMap::new(),
                    grants: BTreeSet::new(),
                    utilization: None,
                    acd_auto_answer: false,
                },
            );
        }
        live
    }

    #[test]
    fn only_removals_from_the_offboarded_users_pass_the_guard() {
        let gone: BTreeSet<Email> = [email("a@x.example")].into();
        let both: BTreeSet<Email> = [email("a@x.example"), email("b@x.example")].into();
        let passes = |operation: Operation| only_touches(&step(operation), &gone);
        assert!(passes(Operation::RemoveQueueMembers {
            queue: "Q".into(),
            users: gone.clone(),
        }));
        assert!(!passes(Operation::RemoveQueueMembers {
            queue: "Q".into(),
            users: both,
        }));
        assert!(passes(Operation::RevokeRoles {
            email: email("a@x.example"),
            grants: [RoleGrant {
                role: "Agent".into(),
                division: None
            }]
            .into(),
        }));
        assert!(!passes(Operation::RemoveUserSkills {
            email: email("b@x.example"),
            skills: ["S".into()].into(),
        }));
        assert!(!passes(Operation::SetUserState {
            email: email("a@x.example"),
            state: UserState::Active,
        }));
        assert!(!passes(Operation::DeleteSkill { name: "S".into() }));
    }

    #[test]
    fn suggestions_are_typos_not_colleagues_of_the_same_domain() {
        let live = live_with(&[
            "quitter@off.example",
            "jane@off.example",
            "quitten@off.example",
        ]);
        assert_eq!(
            closest(&live, &email("quiter@off.example")),
            ["`quitter@off.example`", "`quitten@off.example`"]
        );
        assert!(closest(&live, &email("zed@elsewhere.example")).is_empty());
    }

    #[test]
    fn the_focused_org_declares_only_the_users_inactive_and_manages_nothing_else() {
        let live = live_with(&["a@x.example", "b@x.example"]);
        let gone: BTreeSet<Email> = [email("a@x.example")].into();
        let spec_desired = DesiredOrg {
            name: "demo".into(),
            ..DesiredOrg::default()
        };
        let desired = focused(&spec_desired, &live, &gone);
        assert_eq!(desired.users.len(), 1);
        let user = &desired.users[&email("a@x.example")];
        assert_eq!(user.state, UserState::Inactive);
        assert_eq!(user.name, "a@x.example");
        assert!(desired.skills.is_empty() && desired.queues.is_empty());
        assert_eq!(desired.policy.unmanaged.users, UnmanagedPolicy::Ignore);
        assert_eq!(desired.policy.unmanaged.skills, UnmanagedPolicy::Ignore);
    }
}
