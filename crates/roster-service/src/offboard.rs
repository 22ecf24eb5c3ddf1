//! Immediate offboarding, for terminations that cannot wait for a merge (DESIGN §2.5): the
//! workflow behind `roster offboard` and the server's HR events.
//!
//! # Flow
//!
//! 1. [`prepare`] reads the org's user list (cheap: lists only) and checks each email: an
//!    unknown one fails with its closest live matches, a protected one (`policy.protect`)
//!    fails naming the rule; an already inactive one needs nothing.
//! 2. For the others it reads what offboarding needs (every queue's members, every grant,
//!    their utilization) and plans the same sequence `state: inactive` plans, for those users
//!    alone: the planner gets a desired org holding only them, marked inactive, with every
//!    other kind unmanaged and ignored. A guard refuses the plan if any step would write to
//!    anything but those users.
//! 3. [`Offboarding::run`] refuses a plan over `policy.limits` unless its digest is
//!    acknowledged, journals each user's full assignment picture with the reason, the event
//!    id and the principal (`offboardingStarted`) before any write, then runs the steps
//!    through the apply engine into the same journal.
//! 4. [`edit_manifests`] marks each declared user `state: inactive` in the file that declares
//!    it, so git and the org agree; callers do it even when a step failed (the user is meant
//!    to be gone, and once the manifests say so the next apply finishes the sequence).
//!
//! [`offboard`] does all of it in one call, for callers with nobody to show the plan to.
//! A suspension ([`OffboardRequest::suspend`]) is the same sequence without its last step:
//! routing and roles are stripped, the users stay active.
//!
//! # Guarantees
//!
//! - Nothing is written when an email is unknown or protected, or the plan is blocked.
//! - No step writes to anything but the offboarded users (their fields, their memberships).
//! - Every write is preceded in the journal by the picture of what the user held.
//!
//! Users the manifests do not declare are offboarded too; nothing is edited for them: roster
//! does not add users to manifests on its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use roster_apply::ApplySummary;
use roster_manifest::{OrgSpec, Workspace};
use roster_model::{
    DesiredOrg, DesiredUser, Email, Kind, LiveOrg, Operation, Policy, ProtectRule, ReadNeeds,
    Scope, Selection, Source, Step, Unmanaged, UnmanagedPolicy, UserSelection, UserState,
};
use roster_plan::Plan;

use crate::apply::{ApplyError, ApplyRun, execute, open_journal, to_value};
use crate::assignments::{AssignmentSnapshot, OFFBOARDING_STARTED, OffboardingStarted};
use crate::orgs::{Access, ReadOrg, read_org};
use crate::progress::ProgressSink;
use crate::session::ReadError;

/// How alike (normalized Levenshtein) a live email must be to be suggested: one or two typos
/// in a typical address, not merely the same domain.
const MIN_SIMILARITY: f64 = 0.8;

/// How many close matches an unknown email is shown.
const SUGGESTIONS: usize = 3;

/// What to offboard and why.
#[derive(Debug, Clone, Default)]
pub struct OffboardRequest {
    /// The users, by email (duplicates are ignored).
    pub emails: Vec<Email>,
    /// Why, for the journal (a termination, a security incident). Must not be blank.
    pub reason: String,
    /// The HR or incident ticket, for the journal.
    pub event_id: Option<String>,
    /// The digest that acknowledges offboarding more users than `policy.limits` allows.
    pub allow_destructive: Option<String>,
    /// The manifests' git commit, for the journal.
    pub git_commit: Option<String>,
    /// Strip routing and roles but leave the users active (an HR suspension); the journal's
    /// `offboardingStarted` records say `suspended: true`.
    pub suspend: bool,
}

/// Why an offboarding did not happen, or not completely.
#[derive(Debug, thiserror::Error)]
pub enum OffboardError {
    /// No reason was given.
    #[error("an offboarding must say why")]
    NoReason,
    /// No user was named.
    #[error("no user to offboard")]
    NoUsers,
    /// Reading the org failed; nothing was written.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Some emails are not users of the org; nothing was written.
    #[error(
        "no user with {} in the org; nothing was changed",
        if .unknown.len() == 1 { "this email" } else { "these emails" }
    )]
    UnknownUsers {
        /// Each unknown email with its closest live emails, best first.
        unknown: Vec<(Email, Vec<Email>)>,
    },
    /// Some users are protected by `policy.protect`; nothing was written.
    #[error("protected users are never offboarded; nothing was changed")]
    Protected {
        /// Each protected user with the rule that protects it.
        protected: Vec<(Email, ProtectRule)>,
    },
    /// The org and the offboarding cannot be planned.
    #[error("cannot plan the offboarding")]
    Plan(#[source] crate::session::PlanError),
    /// The plan would write to something else than the offboarded users: a bug, refused.
    #[error(
        "internal error: the offboarding plan would also run `{verb}` on {kind} `{key}`; nothing was changed"
    )]
    Unfocused {
        /// The operation's verb.
        verb: &'static str,
        /// The kind of its target.
        kind: Kind,
        /// Its target.
        key: String,
    },
    /// More users than `policy.limits` allows, and the digest was not acknowledged.
    #[error(
        "offboarding these users deactivates more than `policy.limits` allows; nothing was changed"
    )]
    Blocked {
        /// The org.
        org: String,
        /// The digest that acknowledges this exact plan.
        digest: String,
    },
    /// Journaling or running the steps failed.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// A manifest could not be edited.
    #[error(transparent)]
    Edit(#[from] EditError),
}

/// Why a manifest could not be marked `state: inactive`.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file could not be read or written.
    #[error("cannot {action} `{}`", path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The file system's answer.
        #[source]
        source: std::io::Error,
    },
    /// The declaring line could not be edited.
    #[error("cannot mark {email} inactive in `{file}`")]
    Edit {
        /// The user.
        email: Email,
        /// The file, relative to the workspace.
        file: String,
        /// Where the user is declared (`file:line:column`).
        at: String,
        /// Why.
        #[source]
        source: roster_manifest::edit::EditError,
    },
}

/// An offboarding read and planned, ready to [`run`](Offboarding::run).
#[derive(Debug)]
pub struct Offboarding<'a> {
    request: OffboardRequest,
    emails: Vec<Email>,
    already_inactive: Vec<Email>,
    to_offboard: BTreeSet<Email>,
    /// The full read and the plan; `None` when every user is already inactive.
    planned: Option<(ReadOrg<'a>, Plan)>,
}

/// How an offboarding ended.
#[derive(Debug)]
pub struct OffboardReport {
    /// Users that were already inactive (nothing done for them).
    pub already_inactive: Vec<Email>,
    /// What the steps did; `None` when there was nothing to do.
    pub summary: Option<ApplySummary>,
}

impl OffboardReport {
    /// Whether every step succeeded (or there were none).
    pub fn is_success(&self) -> bool {
        self.summary.as_ref().is_none_or(ApplySummary::is_success)
    }
}

/// Reads the org and plans the offboarding of `request.emails` (steps 1 and 2 of the flow).
pub async fn prepare<'a>(
    workspace: &'a Workspace,
    spec: &'a OrgSpec,
    request: OffboardRequest,
    progress: &ProgressSink,
) -> Result<Offboarding<'a>, OffboardError> {
    if request.reason.trim().is_empty() {
        return Err(OffboardError::NoReason);
    }
    let mut emails: Vec<Email> = Vec::new();
    for email in &request.emails {
        if !emails.contains(email) {
            emails.push(email.clone());
        }
    }
    if emails.is_empty() {
        return Err(OffboardError::NoUsers);
    }
    // A cheap read (lists only) decides whether there is anything to do at all.
    let listed = read_org(
        workspace,
        spec,
        &ReadNeeds::default(),
        Access::Write,
        progress,
    )
    .await?;
    check_known(&listed.snapshot.live, &emails)?;
    check_protected(&spec.desired.policy, &emails)?;
    let (already_inactive, to_offboard): (Vec<Email>, Vec<Email>) = emails
        .iter()
        .cloned()
        .partition(|email| listed.snapshot.live.users[email].state == UserState::Inactive);
    let to_offboard: BTreeSet<Email> = to_offboard.into_iter().collect();
    let planned = if to_offboard.is_empty() {
        None
    } else {
        let needs = offboarding_needs(&to_offboard);
        let snapshot = listed.session.read(&needs, progress).await?;
        let org = ReadOrg {
            session: listed.session,
            snapshot,
        };
        let desired = focused(&spec.desired, &org.snapshot.live, &to_offboard);
        let mut plan = org
            .session
            .plan_desired(&desired, &org.snapshot, &BTreeSet::new(), &BTreeSet::new())
            .map_err(OffboardError::Plan)?;
        if request.suspend {
            plan = roster_plan::without_steps(plan, |step| {
                matches!(
                    step.operation,
                    Operation::SetUserState {
                        state: UserState::Inactive,
                        ..
                    }
                )
            });
        }
        if let Some(step) = plan.steps.iter().find(|s| !only_touches(s, &to_offboard)) {
            let (kind, key) = step.operation.target();
            return Err(OffboardError::Unfocused {
                verb: step.operation.verb(),
                kind,
                key: key.clone(),
            });
        }
        Some((org, plan))
    };
    Ok(Offboarding {
        request,
        emails,
        already_inactive,
        to_offboard,
        planned,
    })
}

impl Offboarding<'_> {
    /// The plan, for showing before it runs; `None` when every user is already inactive.
    pub fn plan(&self) -> Option<&Plan> {
        self.planned.as_ref().map(|(_, plan)| plan)
    }

    /// Users that are already inactive in the org.
    pub fn already_inactive(&self) -> &[Email] {
        &self.already_inactive
    }

    /// Every user of the request, deduplicated, in the order given.
    pub fn emails(&self) -> &[Email] {
        &self.emails
    }

    /// Checks the limits, journals each user's picture, and runs the steps (step 3).
    pub async fn run(self, progress: &ProgressSink) -> Result<OffboardReport, OffboardError> {
        let Some((org, plan)) = &self.planned else {
            return Ok(OffboardReport {
                already_inactive: self.already_inactive,
                summary: None,
            });
        };
        if plan.blocked.is_some()
            && self.request.allow_destructive.as_deref() != Some(plan.digest.as_str())
        {
            return Err(OffboardError::Blocked {
                org: plan.org.clone(),
                digest: plan.digest.clone(),
            });
        }
        let mut journal = open_journal(org, plan, self.request.git_commit.clone())?;
        let principal = org.session.principal();
        for email in &self.to_offboard {
            let Some(assignments) =
                AssignmentSnapshot::of(&org.snapshot.live, &org.snapshot.needs, email)
            else {
                continue;
            };
            let record = OffboardingStarted {
                user: email.clone(),
                reason: self.request.reason.clone(),
                event_id: self.request.event_id.clone(),
                principal: principal.clone(),
                suspended: self.request.suspend,
                assignments,
            };
            journal
                .record(OFFBOARDING_STARTED, to_value(&record))
                .map_err(ApplyError::Journal)?;
        }
        let run = ApplyRun::default();
        let summary = execute(org, plan, &run, progress, &mut journal).await?;
        Ok(OffboardReport {
            already_inactive: self.already_inactive,
            summary: Some(summary),
        })
    }
}

/// The journal record of a rehire: roster never reactivates on its own.
pub const REACTIVATION_PENDING: &str = "reactivationPending";

/// Records in `spec`'s journal that `email` was rehired (`source_event` names the HR event)
/// and waits for an explicit reactivation: `reactivate: true` in the user's manifest, or
/// `--reactivate`. Nothing is written to the org. Answers the record's journal line.
///
/// # Errors
///
/// When the journal cannot be opened (its key missing) or written.
pub fn record_rehire(
    root: &Path,
    spec: &OrgSpec,
    email: &Email,
    source_event: &str,
) -> Result<u64, ApplyError> {
    let context = roster_apply::JournalContext {
        org: spec.name.clone(),
        principal: None,
        git_commit: crate::git::head_commit(root),
        plan_digest: None,
    };
    let path = roster_apply::Journal::default_path(root, &spec.name);
    let mut journal = crate::apply::open_with_key(&path, spec, context)?;
    let data = serde_json::json!({
        "user": email,
        "event": source_event,
        "action": "rehire",
        "next": "add `reactivate: true` to the user's manifest (or `roster apply --reactivate EMAIL`); roster never reactivates on its own",
    });
    journal
        .record(REACTIVATION_PENDING, data)
        .map_err(ApplyError::Journal)
}

/// Prepares, runs and edits the manifests in one call: the whole workflow for callers with
/// nobody to show the plan to (a server handling an HR event). Returns the report and the
/// manifest edits made.
pub async fn offboard(
    workspace: &Workspace,
    spec: &OrgSpec,
    request: OffboardRequest,
    edit: bool,
    progress: &ProgressSink,
) -> Result<(OffboardReport, Vec<ManifestEdit>), OffboardError> {
    let offboarding = prepare(workspace, spec, request, progress).await?;
    let emails = offboarding.emails().to_vec();
    let report = offboarding.run(progress).await?;
    let edits = if edit {
        edit_manifests(&workspace.root, spec, &emails)?
    } else {
        Vec::new()
    };
    Ok((report, edits))
}

/// The emails the org does not have, each with its closest live emails.
fn check_known(live: &LiveOrg, emails: &[Email]) -> Result<(), OffboardError> {
    let unknown: Vec<(Email, Vec<Email>)> = emails
        .iter()
        .filter(|email| !live.users.contains_key(*email))
        .map(|email| (email.clone(), closest(live, email)))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(OffboardError::UnknownUsers { unknown })
    }
}

/// The live emails most like `email`, best first, among those similar enough to be a typo.
fn closest(live: &LiveOrg, email: &Email) -> Vec<Email> {
    let mut scored: Vec<(f64, &Email)> = live
        .users
        .keys()
        .map(|candidate| {
            (
                strsim::normalized_levenshtein(email.as_str(), candidate.as_str()),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, candidate)| candidate.clone())
        .collect()
}

fn check_protected(policy: &Policy, emails: &[Email]) -> Result<(), OffboardError> {
    let protected: Vec<(Email, ProtectRule)> = emails
        .iter()
        .filter_map(|email| {
            policy
                .protection(Kind::User, email.as_str())
                .map(|rule| (email.clone(), rule.clone()))
        })
        .collect();
    if protected.is_empty() {
        Ok(())
    } else {
        Err(OffboardError::Protected { protected })
    }
}

/// What the offboarding reads: every queue's members (direct and through groups), every
/// grant, the users' own utilization and the management units' members, so the journal
/// holds the whole picture. Numbers and stations come with the user list.
fn offboarding_needs(emails: &BTreeSet<Email>) -> ReadNeeds {
    ReadNeeds {
        queue_members: Selection::All,
        utilization: UserSelection::Named(emails.clone()),
        grants: true,
        wfm: true,
        ..ReadNeeds::default()
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
            scope: Scope::default(),
            limits: declared.policy.limits,
            protect: declared.policy.protect.clone(),
            // An explicit offboarding (an operator's or an HR termination's) deactivates even
            // when `state` is owned elsewhere: it is a security action asked for by name, and
            // the identity provider deactivates the same person on its own termination.
            owned_elsewhere: std::collections::BTreeSet::new(),
        },
        ..DesiredOrg::default()
    }
}

/// Whether `step` writes only to the offboarded users (their own fields, their membership in
/// a queue or team, freeing their number, station and unit, revoking their tokens): the
/// guarantee that nothing else in the org changes.
fn only_touches(step: &Step, emails: &BTreeSet<Email>) -> bool {
    match &step.operation {
        Operation::RemoveQueueMembers { users, .. }
        | Operation::RemoveTeamMembers { users, .. }
        | Operation::MoveToManagementUnit { unit: None, users } => users.is_subset(emails),
        Operation::RevokeRoles { email, .. }
        | Operation::RemoveUserSkills { email, .. }
        | Operation::RemoveUserLanguages { email, .. }
        | Operation::SetUserPhone {
            email,
            number: None,
            extension: None,
        }
        | Operation::DisassociateStation { email }
        | Operation::RevokeTokens { email }
        | Operation::SetUserState {
            email,
            state: UserState::Inactive,
        } => emails.contains(email),
        _ => false,
    }
}

/// One manifest file edited to mark a user inactive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestEdit {
    /// The file was edited.
    Edited {
        /// The user.
        email: Email,
        /// The file, relative to the workspace.
        file: String,
        /// Its text before.
        before: String,
        /// Its text after.
        after: String,
    },
    /// The manifests already say `state: inactive`.
    AlreadyInactive {
        /// The user.
        email: Email,
        /// The file that says so.
        file: String,
    },
    /// The manifests do not declare the user; roster does not add users on its own.
    NotDeclared {
        /// The user.
        email: Email,
    },
}

/// Marks each declared user of `emails` `state: inactive` in the file that declares it;
/// the edits are returned in the order of `emails`.
///
/// # Errors
///
/// A file that cannot be read or written, or a declaration the edit cannot find; the edits
/// made before it stay made (each file is written whole).
pub fn edit_manifests(
    root: &Path,
    spec: &OrgSpec,
    emails: &[Email],
) -> Result<Vec<ManifestEdit>, EditError> {
    // Positions come from the manifests as loaded: editing a file from its last declaration
    // up keeps the positions of the declarations above valid.
    let source_of = |email: &Email| {
        spec.desired
            .users
            .get(email)
            .and_then(|user| user.source.as_ref())
    };
    let mut order: Vec<usize> = (0..emails.len()).collect();
    order.sort_by_key(|&i| {
        source_of(&emails[i]).map(|source| {
            (
                source.file.clone(),
                std::cmp::Reverse((source.line, source.column)),
            )
        })
    });
    let mut edits: Vec<Option<ManifestEdit>> = vec![None; emails.len()];
    for i in order {
        let email = &emails[i];
        edits[i] = Some(match source_of(email) {
            Some(source) => edit_one(root, email, source)?,
            None => ManifestEdit::NotDeclared {
                email: email.clone(),
            },
        });
    }
    Ok(edits.into_iter().flatten().collect())
}

/// Marks the user declared at `source` inactive.
fn edit_one(root: &Path, email: &Email, source: &Source) -> Result<ManifestEdit, EditError> {
    let path = root.join(&source.file);
    let before = std::fs::read_to_string(&path).map_err(|source| EditError::Io {
        action: "read",
        path: path.clone(),
        source,
    })?;
    let edited = roster_manifest::edit::set_inactive(&before, source.line, source.column).map_err(
        |err| EditError::Edit {
            email: email.clone(),
            file: source.file.clone(),
            at: source.to_string(),
            source: err,
        },
    )?;
    let Some(after) = edited else {
        return Ok(ManifestEdit::AlreadyInactive {
            email: email.clone(),
            file: source.file.clone(),
        });
    };
    std::fs::write(&path, &after).map_err(|source| EditError::Io {
        action: "write",
        path: path.clone(),
        source,
    })?;
    Ok(ManifestEdit::Edited {
        email: email.clone(),
        file: source.file.clone(),
        before,
        after,
    })
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
                    phone: roster_model::LivePhone::default(),
                    station: None,
                    management_unit: None,
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
        // Freeing the leaver's number, station and unit and revoking its tokens pass; giving
        // it a number, moving it into a unit, or touching anyone else does not.
        let a = || email("a@x.example");
        assert!(passes(Operation::SetUserPhone {
            email: a(),
            number: None,
            extension: None,
        }));
        assert!(!passes(Operation::SetUserPhone {
            email: a(),
            number: None,
            extension: Some("4100".into()),
        }));
        assert!(passes(Operation::DisassociateStation { email: a() }));
        assert!(passes(Operation::RevokeTokens { email: a() }));
        assert!(!passes(Operation::RevokeTokens {
            email: email("b@x.example"),
        }));
        assert!(passes(Operation::MoveToManagementUnit {
            unit: None,
            users: gone.clone(),
        }));
        assert!(!passes(Operation::MoveToManagementUnit {
            unit: Some("Billing MU".into()),
            users: gone.clone(),
        }));
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
            [email("quitter@off.example"), email("quitten@off.example")]
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
