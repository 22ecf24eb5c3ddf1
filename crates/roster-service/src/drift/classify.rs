//! Drift or pending: each difference between the org and the manifests, sorted by whether
//! the org moved away from what roster last applied (drift) or the manifests did (pending).
//!
//! Both plans are made against the same read of the org: `now` from today's manifests,
//! `applied` from the manifests of the last apply. A difference of `now` that `applied` also
//! has, towards the same value, is the org having moved since the apply: drift. Any other
//! difference of `now` is the manifests having moved: pending, until the next apply. Without
//! the applied manifests every difference counts as drift.
//!
//! A queue membership is one fact that a plan shows twice, on the queue (`members`, with a
//! count line) and on the user (`queues`); drift reports it once, on the queue, where Genesys
//! audits and notifies it.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::Kind;
use roster_plan::{Action, Change, FieldChange};

use super::{DriftedObject, FieldDrift};

/// The changes of `now`, split into (drift, pending); `applied` holds the changes of the plan
/// of the last applied manifests against the same read, when known.
pub fn classify(
    now: &[Change],
    applied: Option<&[Change]>,
) -> (Vec<DriftedObject>, Vec<DriftedObject>) {
    let mut drift = Vec::new();
    let mut pending = Vec::new();
    // Looked up once per change: a watch classifies again after every event.
    let applied: Option<BTreeMap<(Kind, &str), &Change>> = applied.map(|changes| {
        changes
            .iter()
            .map(|old| ((old.kind, old.key.as_str()), old))
            .collect()
    });
    let queue_members = queue_members(now);
    for change in now.iter().filter(|change| differs(change)) {
        let before = match &applied {
            None => Before::Unknown,
            Some(changes) => changes
                .get(&(change.kind, change.key.as_str()))
                .map_or(Before::Matched, |old| Before::Differed(old)),
        };
        let drifted = |field: &FieldChange| match before {
            Before::Unknown => true,
            Before::Matched => false,
            Before::Differed(old) => old.action == change.action && old.fields.contains(field),
        };
        if change.fields.is_empty() {
            // A creation or deletion: the whole object is the difference.
            let target = if drifted_whole(change, before) {
                &mut drift
            } else {
                &mut pending
            };
            target.push(object(change, Vec::new()));
            continue;
        }
        let (moved, edited): (Vec<&FieldChange>, Vec<&FieldChange>) = change
            .fields
            .iter()
            .filter(|field| !repeated(&queue_members, change, field))
            .partition(|field| drifted(field));
        if !moved.is_empty() {
            drift.push(object(change, moved));
        }
        if !edited.is_empty() {
            pending.push(object(change, edited));
        }
    }
    (drift, pending)
}

/// Whether a change is a difference between the org and the manifests at all: unmanaged
/// objects are listed by a plan but left alone, so they are not drift.
fn differs(change: &Change) -> bool {
    !matches!(change.action, Action::Unmanaged)
}

/// How the org compared with the manifests of the last apply, for one object.
#[derive(Clone, Copy)]
enum Before<'a> {
    /// Those manifests are not known.
    Unknown,
    /// The org matched them.
    Matched,
    /// The org differed from them, as this change says.
    Differed(&'a Change),
}

/// The (queue, member) pairs the queues' changes of `now` list.
fn queue_members(now: &[Change]) -> BTreeSet<(&str, &str)> {
    now.iter()
        .filter(|change| change.kind == Kind::Queue)
        .flat_map(|queue| {
            queue.fields.iter().filter_map(|field| {
                (field.field == "members")
                    .then_some(field.item.as_deref())
                    .flatten()
                    .map(|member| (queue.key.as_str(), member))
            })
        })
        .collect()
}

/// Whether `field` of `change` repeats what another line says: a user's queue membership the
/// queue's change lists (`queue_members`), or a queue's member count beside its members.
fn repeated(queue_members: &BTreeSet<(&str, &str)>, change: &Change, field: &FieldChange) -> bool {
    match (change.kind, field.field.as_str(), field.item.as_deref()) {
        (Kind::User, "queues", Some(queue)) => {
            queue_members.contains(&(queue, change.key.as_str()))
        }
        (Kind::Queue, "members", None) => change
            .fields
            .iter()
            .any(|member| member.field == "members" && member.item.is_some()),
        _ => false,
    }
}

fn drifted_whole(change: &Change, before: Before<'_>) -> bool {
    match before {
        Before::Unknown => true,
        Before::Matched => false,
        Before::Differed(old) => old.action == change.action,
    }
}

fn object(change: &Change, fields: Vec<&FieldChange>) -> DriftedObject {
    DriftedObject {
        kind: change.kind,
        key: change.key.clone(),
        id: change.id.clone(),
        action: change.action.clone(),
        source: change.source.clone(),
        fields: fields
            .into_iter()
            .map(|field| FieldDrift {
                field: field.field.clone(),
                item: field.item.clone(),
                org: field.old.clone(),
                git: field.new.clone(),
            })
            .collect(),
        changes: Vec::new(),
        unattributed: None,
    }
}

#[cfg(test)]
mod tests {
    use roster_model::Kind;
    use roster_plan::{Action, Change, FieldChange};

    use super::classify;

    fn update(kind: Kind, key: &str, fields: Vec<FieldChange>) -> Change {
        Change {
            kind,
            key: key.to_owned(),
            action: Action::Update,
            fields,
            source: None,
            id: Some(format!("id-{key}")),
            routing_profile: None,
            notes: Vec::new(),
            steps: Vec::new(),
        }
    }

    fn level(skill: &str, old: &str, new: &str) -> FieldChange {
        FieldChange::item("skills", skill, Some(old.to_owned()), Some(new.to_owned()))
    }

    #[test]
    fn a_difference_the_applied_manifests_share_is_drift_and_any_other_is_pending() {
        // The org has Billing at 2 (someone lowered it from 5) and Sales at 1; the manifests
        // applied said Billing 5, Sales 1; today's say Billing 5, Sales 4.
        let now = vec![update(
            Kind::User,
            "jane@acme.example",
            vec![level("Billing", "2", "5"), level("Sales", "1", "4")],
        )];
        let applied = vec![update(
            Kind::User,
            "jane@acme.example",
            vec![level("Billing", "2", "5")],
        )];
        let (drift, pending) = classify(&now, Some(&applied));
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0].fields.len(), 1);
        assert_eq!(drift[0].fields[0].item.as_deref(), Some("Billing"));
        assert_eq!(drift[0].fields[0].org.as_deref(), Some("2"));
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].fields[0].item.as_deref(), Some("Sales"));
        assert_eq!(pending[0].fields[0].git.as_deref(), Some("4"));
    }

    #[test]
    fn an_object_the_applied_manifests_did_not_differ_on_is_pending() {
        let now = vec![update(
            Kind::Queue,
            "Billing",
            vec![FieldChange::scalar(
                "description",
                Some("old".to_owned()),
                Some("new".to_owned()),
            )],
        )];
        let (drift, pending) = classify(&now, Some(&[]));
        assert!(drift.is_empty());
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn a_queue_membership_is_reported_once_on_the_queue_without_its_count() {
        let member = |old: Option<&str>, new: Option<&str>| {
            FieldChange::item(
                "members",
                "a@b.example",
                old.map(str::to_owned),
                new.map(str::to_owned),
            )
        };
        let now = vec![
            update(
                Kind::Queue,
                "Fraud",
                vec![
                    FieldChange::scalar(
                        "members",
                        Some("4 direct".to_owned()),
                        Some("3 direct".to_owned()),
                    ),
                    member(Some("member"), None),
                ],
            ),
            update(
                Kind::User,
                "a@b.example",
                vec![FieldChange::item(
                    "queues",
                    "Fraud",
                    Some("member".to_owned()),
                    None,
                )],
            ),
        ];
        let (drift, pending) = classify(&now, None);
        assert!(pending.is_empty());
        assert_eq!(drift.len(), 1, "{drift:#?}");
        assert_eq!(drift[0].key, "Fraud");
        assert_eq!(drift[0].fields.len(), 1);
        assert_eq!(drift[0].fields[0].item.as_deref(), Some("a@b.example"));
    }

    #[test]
    fn without_the_applied_manifests_every_difference_is_drift_and_unmanaged_objects_none() {
        let mut unmanaged = update(Kind::Skill, "Old", Vec::new());
        unmanaged.action = Action::Unmanaged;
        let mut created = update(Kind::Skill, "New", Vec::new());
        created.action = Action::Create;
        let now = vec![
            unmanaged,
            created,
            update(Kind::User, "a@b.example", vec![level("Billing", "2", "5")]),
        ];
        let (drift, pending) = classify(&now, None);
        assert_eq!(
            drift.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
            ["New", "a@b.example"]
        );
        assert!(pending.is_empty());
    }
}
