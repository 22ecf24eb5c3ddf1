//! The diff: desired against live under the ownership rules of DESIGN §2.2, into changes
//! and the operations that carry them out, in the order of DESIGN §2.4.
//!
//! Decisions where the design leaves room:
//! - Skills, languages and wrap-up codes have no division; for `policy.scope` they count as
//!   in the home division, so listing the home division is what allows pruning them.
//!   Unmanaged objects that `prune` may not touch (out of scope) are reported instead.
//! - Unmanaged users are reported or pruned only when active: an inactive user is already
//!   offboarded.
//! - A renamed skill's old name is deleted after its holders got the new one; the deletion
//!   does not count toward `policy.limits` (nothing is lost). If the old skill is protected
//!   it is kept, holders still get the new one, and a warning says so.
//! - Objects the plan deletes are not removed item by item first (a deleted skill's holders,
//!   a deleted wrap-up code's queues): the deletion does it.
//! - Utilization that was not read counts as unknown and is set (setting is idempotent).
//!   Queue members or wrap-up codes that were not read count as none, for the same reason.
//! - A desired role grant, or queue membership, already held through a group is satisfied:
//!   it is not written directly, and the user's change notes it. What managed users hold
//!   through groups is summarized per group in [`Plan::inherited`]; an offboarded user's
//!   inherited grants and memberships are noted on its deactivation, since they outlive it.
//! - Offboarding removes direct memberships of the queues whose members were read (every
//!   declared queue); a user's memberships of other queues are not known to the planner.
//! - A user moves team with one `addTeamMembers` (Genesys keeps one team per user).
//! - Users count toward `policy.limits` against the org's active users; the verdict is
//!   [`crate::verdict`], a function of the steps, so `apply --plan` can derive it again.
//! - Unresolved references are an error for the whole org ([`PlanError::Unresolved`]), not
//!   part of a plan: a plan is always applicable as it stands.
//! - A live user without a usable email ([`LiveOrg::unlisted_users`]) cannot be keyed, so it
//!   is never planned, whatever `policy.unmanaged` says; each one is a warning (keyed by its
//!   raw email, or its id when it has none), so it does not vanish unnoticed.

pub(crate) mod builder;
mod context;
mod entitlements;
mod inherited;
mod membership;
mod objects;
mod offboard;
mod owned;
mod resolve;
mod users;

use std::collections::BTreeSet;

use roster_model::{DesiredOrg, Kind, LiveOrg, Operation, Step};

use self::builder::Builder;
use self::context::Context;
use crate::error::PlanError;
use crate::fingerprint::{fingerprints, touched};
use crate::graph;
use crate::types::{Action, Change, Cost, Plan, PlanOptions, Warning};

/// Plans one org: what to change so the org matches the manifests.
///
/// Pure: reads nothing but its arguments. The same arguments always give the same plan,
/// byte for byte.
///
/// # Errors
///
/// [`PlanError::Unresolved`] lists every reference the org cannot satisfy (a role or
/// division it lacks, a manager that is neither declared nor live, an undeclared skill,
/// language, queue, team or wrap-up code); [`PlanError::Cycle`] names the objects of a
/// dependency cycle.
pub fn plan(
    desired: &DesiredOrg,
    live: &LiveOrg,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let mut b = Builder::default();
    let desired = &*owned::without_owned_fields(desired, live, &mut b.warnings);
    let mut ctx = Context::new(desired, live, options);
    ctx.decide(&mut b.warnings);
    warn_unlisted_users(live, &mut b.warnings);
    let mut problems = resolve::check(&ctx);
    let (phones, phone_problems) = entitlements::resolve_phones(&ctx);
    problems.extend(phone_problems);
    problems.extend(entitlements::resolve_management_units(&ctx));
    problems.sort();
    if !problems.is_empty() {
        return Err(PlanError::Unresolved {
            org: desired.name.clone(),
            problems,
        });
    }

    objects::plan_routing_objects(&ctx, &mut b);
    objects::plan_containers(&ctx, &mut b);
    users::plan_user_readiness(&ctx, &mut b);
    offboard::prepare_offboarding(&ctx, &mut b);
    users::plan_users(&ctx, &mut b);
    users::plan_rename_moves(&ctx, &mut b);
    let queue_removals = membership::plan_queue_members(&ctx, &mut b);
    membership::plan_team_members(&ctx, &mut b);
    let freed = offboard::plan_offboarding(&ctx, &mut b, &queue_removals);
    entitlements::plan_phones(&ctx, &mut b, &phones, &freed);
    entitlements::plan_management_units(&ctx, &mut b);
    objects::plan_deletions(&ctx, &mut b);
    objects::plan_reports(&ctx, &mut b);
    note_renames(&ctx, &mut b);

    let Builder {
        nodes,
        changes,
        mut warnings,
        user_notes,
        ..
    } = b;
    let node_changes: Vec<Option<usize>> = nodes.iter().map(|n| n.change).collect();
    let (steps, ids) = graph::order(nodes).map_err(|cycle| PlanError::Cycle {
        org: desired.name.clone(),
        objects: cycle.0,
    })?;

    let mut changes = changes;
    for (node, change) in node_changes.iter().enumerate() {
        if let Some(change) = change {
            changes[*change].steps.push(ids[node]);
        }
    }
    let mut changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| {
            // An update with nothing to do, or a rename already done (its old skill kept by
            // `policy.protect`), is not a change.
            let idle = matches!(c.action, Action::Update | Action::Rename { .. });
            !(idle && c.fields.is_empty() && c.steps.is_empty())
        })
        .collect();
    for change in &mut changes {
        change.steps.sort_unstable();
        if change.kind == Kind::User
            && let Some(notes) = roster_model::Email::parse(&change.key)
                .ok()
                .and_then(|e| user_notes.get(&e))
        {
            change.notes.extend(notes.iter().cloned());
        }
    }
    changes.sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    warnings.sort();
    let (steps, changes) = crate::target::limit(steps, changes, &options.targets);

    let inherited = inherited::inherited(&ctx);
    let blocked = crate::safety::verdict(
        &steps,
        &changes,
        live,
        &desired.policy.limits,
        &options.recent,
        None,
    );
    let writes = estimated_writes(&steps);
    let fingerprints = fingerprints(live, &touched(&steps));
    let mut plan = Plan {
        org: desired.name.clone(),
        digest: String::new(),
        policy: desired.policy.clone(),
        changes,
        steps,
        warnings,
        inherited,
        blocked,
        fingerprints,
        targets: options.targets.iter().cloned().collect(),
        cost: Cost::new(options.reads, writes, options.requests_per_minute),
        licences: None,
    };
    plan.digest = plan.compute_digest();
    Ok(plan)
}

/// One warning per live user the planner cannot see: it has no usable email to key it by.
fn warn_unlisted_users(live: &LiveOrg, warnings: &mut Vec<Warning>) {
    for user in &live.unlisted_users {
        let key = user
            .email
            .as_deref()
            .filter(|raw| !raw.trim().is_empty())
            .unwrap_or(&user.id);
        warnings.push(Warning {
            kind: Kind::User,
            key: key.to_owned(),
            message: format!(
                "the org has a user `{}` (id `{}`) without a usable email; roster cannot \
                 manage it and leaves it alone: give it a valid email in Genesys Cloud to \
                 manage it",
                user.name, user.id
            ),
        });
    }
}

/// Tells, on each rename, how many holders move.
fn note_renames(ctx: &Context<'_>, b: &mut Builder) {
    for (old, new) in &ctx.renamed {
        let holders = ctx
            .live
            .users
            .values()
            .filter(|u| u.skills.contains_key(old))
            .count();
        let moved = b.movers.get(old).map_or(0, Vec::len);
        if let Some(change) = b.existing_change(Kind::Skill, new) {
            let note = if ctx.is_deleted(Kind::Skill, old) {
                format!(
                    "`{old}` has {holders} holder(s); {moved} get `{new}` before `{old}` is deleted"
                )
            } else {
                format!("`{old}` has {holders} holder(s); {moved} get `{new}`; `{old}` is kept")
            };
            b.changes[change].notes.push(note);
        }
    }
}

/// Requests the steps take when nothing fails: each operation's own, plus one version read
/// for the first PATCH of a user after its division moved (the move does not answer the new
/// version). Steps of one user run in plan order, so "after" is a later step.
fn estimated_writes(steps: &[Step]) -> u64 {
    let mut version_unknown = BTreeSet::new();
    let mut total = 0;
    for step in steps {
        total += step.operation.estimated_requests() as u64;
        let patched = match &step.operation {
            Operation::MoveUserDivision { email, .. } => {
                version_unknown.insert(email);
                continue;
            }
            Operation::UpdateUser { email, .. } | Operation::SetUserState { email, .. } => email,
            _ => continue,
        };
        if version_unknown.remove(patched) {
            total += 1;
        }
    }
    total
}
