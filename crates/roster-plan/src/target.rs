//! `plan --target KIND:KEY`: a plan limited to some objects and what they depend on
//! (issue #13, Terraform's `-target`).
//!
//! A step is targeted when it writes a targeted object, or moves a targeted user into or
//! out of a queue, a team or a management unit (the user's memberships are the user's
//! picture); a unit move of several users is narrowed to the targeted ones. Every step a
//! targeted step depends on in the plan's DAG is kept too, so a targeted plan applies on its
//! own: a user's new queue is created before the user joins it. Steps are numbered again in
//! the same order; a change is kept when it is a targeted object's, or when one of its steps
//! is kept (with only those steps).
//!
//! [`without_steps`] is the other way round: a plan without some steps and what depends on
//! them (a suspension is an offboarding without its deactivation).

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Kind, Operation, Step, StepId};

use crate::types::{Change, ObjectRef, Plan};

/// Whether `step` writes one of `targets` or moves a targeted user.
fn aims_at(step: &Step, targets: &BTreeSet<ObjectRef>) -> bool {
    let (kind, key) = step.operation.target();
    if targets.contains(&ObjectRef::new(kind, key)) {
        return true;
    }
    match &step.operation {
        Operation::AddQueueMembers { users, .. }
        | Operation::RemoveQueueMembers { users, .. }
        | Operation::AddTeamMembers { users, .. }
        | Operation::RemoveTeamMembers { users, .. }
        | Operation::MoveToManagementUnit { users, .. } => users
            .iter()
            .any(|user| targets.contains(&ObjectRef::new(Kind::User, user.as_str()))),
        _ => false,
    }
}

/// A management-unit move of several users, when only some of them are targeted (not the
/// unit): narrowed to those, with only their own readiness (creation, reactivation) as
/// dependencies, so a targeted plan moves nobody else. A move depends on nothing but the
/// readiness of its users.
fn narrowed(step: Step, targets: &BTreeSet<ObjectRef>, by_id: &BTreeMap<StepId, Step>) -> Step {
    let (kind, key) = step.operation.target();
    let Operation::MoveToManagementUnit { unit, users } = &step.operation else {
        return step;
    };
    if targets.contains(&ObjectRef::new(kind, key)) {
        return step;
    }
    let targeted = |user: &str| targets.contains(&ObjectRef::new(Kind::User, user));
    let kept: BTreeSet<_> = users
        .iter()
        .filter(|u| targeted(u.as_str()))
        .cloned()
        .collect();
    if kept.is_empty() || kept.len() == users.len() {
        return step;
    }
    let depends_on = step
        .depends_on
        .iter()
        .copied()
        .filter(|id| {
            by_id
                .get(id)
                .is_some_and(|dep| targeted(&dep.operation.target().1))
        })
        .collect();
    let before = step.before.map(|before| match before {
        serde_json::Value::Object(held) => serde_json::Value::Object(
            held.into_iter()
                .filter(|(user, _)| targeted(user))
                .collect(),
        ),
        other => other,
    });
    Step {
        operation: Operation::MoveToManagementUnit {
            unit: unit.clone(),
            users: kept,
        },
        depends_on,
        before,
        ..step
    }
}

/// `steps` and `changes` limited to `targets` and their dependencies, steps numbered again
/// from 1 in their order. Nothing is limited when `targets` is empty.
pub(crate) fn limit(
    steps: Vec<Step>,
    changes: Vec<Change>,
    targets: &BTreeSet<ObjectRef>,
) -> (Vec<Step>, Vec<Change>) {
    if targets.is_empty() {
        return (steps, changes);
    }
    let originals: BTreeMap<StepId, Step> =
        steps.iter().map(|step| (step.id, step.clone())).collect();
    let steps: Vec<Step> = steps
        .into_iter()
        .map(|step| narrowed(step, targets, &originals))
        .collect();
    let by_id: BTreeMap<StepId, &Step> = steps.iter().map(|step| (step.id, step)).collect();
    let mut kept: BTreeSet<StepId> = BTreeSet::new();
    let mut pending: Vec<StepId> = steps
        .iter()
        .filter(|step| aims_at(step, targets))
        .map(|step| step.id)
        .collect();
    while let Some(id) = pending.pop() {
        if kept.insert(id)
            && let Some(step) = by_id.get(&id)
        {
            pending.extend(step.depends_on.iter().copied());
        }
    }
    // A narrowed unit move stays on the change it was planned with only if that change's
    // user is still moved by it (by the ids before renumbering).
    let moves_of: BTreeMap<StepId, BTreeSet<roster_model::Email>> = steps
        .iter()
        .filter_map(|step| match &step.operation {
            Operation::MoveToManagementUnit { users, .. } => Some((step.id, users.clone())),
            _ => None,
        })
        .collect();
    let (steps, renumbered) = keep(steps, &kept);
    let renumber = |ids: &[StepId]| -> Vec<StepId> {
        ids.iter()
            .filter_map(|id| renumbered.get(id).copied())
            .collect()
    };
    let changes = changes
        .into_iter()
        .filter_map(|change| {
            let own: Vec<StepId> = change
                .steps
                .iter()
                .copied()
                .filter(|id| {
                    change.kind != Kind::User
                        || moves_of
                            .get(id)
                            .is_none_or(|users| users.iter().any(|u| u.as_str() == change.key))
                })
                .collect();
            let steps = renumber(&own);
            let targeted = targets.contains(&ObjectRef::new(change.kind, change.key.as_str()));
            (targeted || !steps.is_empty()).then_some(Change { steps, ..change })
        })
        .collect();
    (steps, changes)
}

/// The steps of `steps` whose ids `kept` holds, numbered again from 1 in their order, with
/// their dependencies renumbered; and the old → new numbering.
fn keep(steps: Vec<Step>, kept: &BTreeSet<StepId>) -> (Vec<Step>, BTreeMap<StepId, StepId>) {
    let renumbered: BTreeMap<StepId, StepId> = steps
        .iter()
        .filter(|step| kept.contains(&step.id))
        .enumerate()
        .map(|(index, step)| {
            let id = u32::try_from(index + 1).expect("a plan has fewer than 2^32 steps");
            (step.id, StepId(id))
        })
        .collect();
    let steps = steps
        .into_iter()
        .filter_map(|step| {
            let id = *renumbered.get(&step.id)?;
            let depends_on = step
                .depends_on
                .iter()
                .filter_map(|id| renumbered.get(id).copied())
                .collect();
            Some(Step {
                id,
                depends_on,
                ..step
            })
        })
        .collect();
    (steps, renumbered)
}

/// `plan` without the steps `drop` picks, nor any step that depends on one of them, steps
/// numbered again; each change lists its remaining steps; the digest is computed again.
pub fn without_steps(mut plan: Plan, drop: impl Fn(&Step) -> bool) -> Plan {
    let mut gone: BTreeSet<StepId> = BTreeSet::new();
    // Steps only depend on earlier ones, so one pass in order drops every dependent.
    for step in &plan.steps {
        if drop(step) || step.depends_on.iter().any(|id| gone.contains(id)) {
            gone.insert(step.id);
        }
    }
    let kept: BTreeSet<StepId> = plan
        .steps
        .iter()
        .map(|step| step.id)
        .filter(|id| !gone.contains(id))
        .collect();
    let (steps, renumbered) = keep(std::mem::take(&mut plan.steps), &kept);
    plan.steps = steps;
    for change in &mut plan.changes {
        change.steps = change
            .steps
            .iter()
            .filter_map(|id| renumbered.get(id).copied())
            .collect();
    }
    plan.digest = plan.compute_digest();
    plan
}
