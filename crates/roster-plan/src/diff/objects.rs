//! Skills, languages, wrap-up codes, queues and teams: creations, renames, field updates,
//! queue wrap-up codes, and (last) deletions.

use std::collections::BTreeSet;

use roster_model::{Kind, Operation, Source};
use serde_json::json;

use super::builder::{Builder, Stage, chunks};
use super::context::{Context, Unmanaged};
use crate::types::{Action, FieldChange};

/// Most wrap-up codes one `POST /routing/queues/{id}/wrapupcodes` takes.
const QUEUE_CODES_PER_CALL: usize = 100;

/// Creates missing skills, languages and wrap-up codes; records renames.
pub(crate) fn plan_routing_objects(ctx: &Context<'_>, b: &mut Builder) {
    for skill in ctx.desired.skills.values() {
        let from: Vec<String> = ctx
            .renamed
            .iter()
            .filter(|(_, new)| **new == skill.name)
            .map(|(old, _)| old.clone())
            .collect();
        let live = ctx.live.skills.get(&skill.name);
        if live.is_some() && from.is_empty() {
            continue;
        }
        let action = if from.is_empty() {
            Action::Create
        } else {
            Action::Rename { from }
        };
        let change = b.change(
            Kind::Skill,
            &skill.name,
            action,
            skill.source.as_ref(),
            live.map(|s| s.id.as_str()),
        );
        if live.is_none() {
            let node = b.push(
                Operation::CreateSkill {
                    name: skill.name.clone(),
                },
                Stage::Objects,
                Vec::new(),
                None,
                Some(change),
            );
            b.created.insert((Kind::Skill, skill.name.clone()), node);
        }
    }
    for language in ctx.desired.languages.values() {
        if ctx.live.languages.contains_key(&language.name) {
            continue;
        }
        let change = b.change(
            Kind::Language,
            &language.name,
            Action::Create,
            language.source.as_ref(),
            None,
        );
        let node = b.push(
            Operation::CreateLanguage {
                name: language.name.clone(),
            },
            Stage::Objects,
            Vec::new(),
            None,
            Some(change),
        );
        b.created
            .insert((Kind::Language, language.name.clone()), node);
    }
    for code in ctx.desired.wrapup_codes.values() {
        if ctx.live.wrapup_codes.contains_key(&code.name) {
            continue;
        }
        let change = b.change(
            Kind::WrapupCode,
            &code.name,
            Action::Create,
            code.source.as_ref(),
            None,
        );
        let node = b.push(
            Operation::CreateWrapupCode {
                name: code.name.clone(),
            },
            Stage::Objects,
            Vec::new(),
            None,
            Some(change),
        );
        b.created
            .insert((Kind::WrapupCode, code.name.clone()), node);
    }
}

/// An empty description is no description, on both sides.
pub(crate) fn text(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// Creates and updates queues and teams, and brings queue wrap-up codes to the manifest.
pub(crate) fn plan_containers(ctx: &Context<'_>, b: &mut Builder) {
    for queue in ctx.desired.queues.values() {
        let live = ctx.live.queues.get(&queue.name);
        plan_container(
            b,
            &Container {
                kind: Kind::Queue,
                name: &queue.name,
                division: queue.division.as_ref(),
                description: queue.description.as_deref(),
                source: queue.source.as_ref(),
                live: live.map(|l| (l.id.as_str(), l.division.as_str(), l.description.as_deref())),
            },
            |name, division, description| Operation::CreateQueue {
                name,
                division,
                description,
            },
            |name, division, description| Operation::UpdateQueue {
                name,
                division,
                description,
            },
        );
        plan_queue_codes(ctx, b, &queue.name);
    }
    for team in ctx.desired.teams.values() {
        let live = ctx.live.teams.get(&team.name);
        plan_container(
            b,
            &Container {
                kind: Kind::Team,
                name: &team.name,
                division: team.division.as_ref(),
                description: team.description.as_deref(),
                source: team.source.as_ref(),
                live: live.map(|l| (l.id.as_str(), l.division.as_str(), l.description.as_deref())),
            },
            |name, division, description| Operation::CreateTeam {
                name,
                division,
                description,
            },
            |name, division, description| Operation::UpdateTeam {
                name,
                division,
                description,
            },
        );
    }
}

/// A queue or a team as declared, with its live `(id, division, description)` if it exists:
/// both have a name, a division and a description, and are created or updated alike.
struct Container<'a> {
    kind: Kind,
    name: &'a str,
    division: Option<&'a String>,
    description: Option<&'a str>,
    source: Option<&'a Source>,
    live: Option<(&'a str, &'a str, Option<&'a str>)>,
}

/// An operation on a container from its name, division and description.
type ContainerOp = fn(String, Option<String>, Option<String>) -> Operation;

/// Creates the container, or updates the division and description that differ.
fn plan_container(b: &mut Builder, c: &Container<'_>, create: ContainerOp, update: ContainerOp) {
    let Some((id, live_division, live_description)) = c.live else {
        let change = b.change(c.kind, c.name, Action::Create, c.source, None);
        creation_fields(
            b,
            change,
            c.division.map(String::as_str),
            text(c.description),
        );
        let node = b.push(
            create(
                c.name.to_owned(),
                c.division.cloned(),
                text(c.description).map(str::to_owned),
            ),
            Stage::Containers,
            Vec::new(),
            None,
            Some(change),
        );
        b.created.insert((c.kind, c.name.to_owned()), node);
        return;
    };
    let division = c.division.filter(|d| d.as_str() != live_division).cloned();
    let description = c
        .description
        .filter(|d| text(Some(d)) != text(live_description))
        .map(str::to_owned);
    if division.is_none() && description.is_none() {
        return;
    }
    let change = b.change(c.kind, c.name, Action::Update, c.source, Some(id));
    update_fields(
        b,
        change,
        (live_division, division.as_deref()),
        (live_description, description.as_deref()),
    );
    b.push(
        update(c.name.to_owned(), division, description),
        Stage::Containers,
        Vec::new(),
        Some(json!({
            "division": live_division,
            "description": live_description,
        })),
        Some(change),
    );
}

fn creation_fields(
    b: &mut Builder,
    change: usize,
    division: Option<&str>,
    description: Option<&str>,
) {
    if let Some(division) = division {
        b.field(
            change,
            FieldChange::scalar("division", None, Some(division.to_owned())),
        );
    }
    if let Some(description) = description {
        b.field(
            change,
            FieldChange::scalar("description", None, Some(description.to_owned())),
        );
    }
}

fn update_fields(
    b: &mut Builder,
    change: usize,
    division: (&str, Option<&str>),
    description: (Option<&str>, Option<&str>),
) {
    if let Some(new) = division.1 {
        b.field(
            change,
            FieldChange::scalar(
                "division",
                Some(division.0.to_owned()),
                Some(new.to_owned()),
            ),
        );
    }
    if let Some(new) = description.1 {
        b.field(
            change,
            FieldChange::scalar(
                "description",
                text(description.0).map(str::to_owned),
                text(Some(new)).map(str::to_owned),
            ),
        );
    }
}

/// Adds a managed queue's missing wrap-up codes (bulk) and removes extra ones (one by one;
/// codes the plan deletes go with their deletion).
fn plan_queue_codes(ctx: &Context<'_>, b: &mut Builder, name: &str) {
    let Some(desired) = ctx.desired.queues.get(name) else {
        return;
    };
    let Some(wanted) = &desired.wrapup_codes else {
        return;
    };
    let live = ctx.live.queues.get(name);
    let empty = BTreeSet::new();
    // Codes not read count as none: adding is idempotent, and the next read sees them.
    let held = live.and_then(|q| q.wrapup_codes.as_ref()).unwrap_or(&empty);
    let add: BTreeSet<String> = wanted.difference(held).cloned().collect();
    let remove: Vec<String> = held
        .difference(wanted)
        .filter(|code| !ctx.is_deleted(Kind::WrapupCode, code))
        .cloned()
        .collect();
    if add.is_empty() && remove.is_empty() {
        return;
    }
    let change = b.change(
        Kind::Queue,
        name,
        Action::Update,
        desired.source.as_ref(),
        live.map(|q| q.id.as_str()),
    );
    for code in &add {
        b.field(
            change,
            FieldChange::item("wrapupCodes", code, None, Some("listed".to_owned())),
        );
    }
    for code in &remove {
        b.field(
            change,
            FieldChange::item("wrapupCodes", code, Some("listed".to_owned()), None),
        );
    }
    let queue_created = b.created(Kind::Queue, name);
    for chunk in chunks(&add, QUEUE_CODES_PER_CALL) {
        let mut deps: Vec<usize> = queue_created.into_iter().collect();
        deps.extend(chunk.iter().filter_map(|c| b.created(Kind::WrapupCode, c)));
        b.push(
            Operation::AddQueueWrapupCodes {
                queue: name.to_owned(),
                codes: chunk,
            },
            Stage::Assignments,
            deps,
            None,
            Some(change),
        );
    }
    for code in remove {
        b.push(
            Operation::RemoveQueueWrapupCode {
                queue: name.to_owned(),
                code: code.clone(),
            },
            Stage::Removals,
            Vec::new(),
            Some(json!(code)),
            Some(change),
        );
    }
}

/// Deletes what the plan deletes, last, each after what must precede it: a renamed-away
/// skill after its replacement exists and its holders were moved; a wrap-up code after the
/// deleted queues that held it.
pub(crate) fn plan_deletions(ctx: &Context<'_>, b: &mut Builder) {
    let empty = BTreeSet::new();
    let deleted = |kind: Kind| ctx.deleted.get(&kind).unwrap_or(&empty);

    let mut queue_deletes: Vec<(String, usize)> = Vec::new();
    for name in deleted(Kind::Queue) {
        let Some(live) = ctx.live.queues.get(name) else {
            continue;
        };
        let change = b.change(Kind::Queue, name, Action::Delete, None, Some(&live.id));
        let node = b.push(
            Operation::DeleteQueue { name: name.clone() },
            Stage::Deletions,
            Vec::new(),
            serde_json::to_value(live).ok(),
            Some(change),
        );
        queue_deletes.push((name.clone(), node));
    }
    for name in deleted(Kind::Team) {
        let Some(live) = ctx.live.teams.get(name) else {
            continue;
        };
        let change = b.change(Kind::Team, name, Action::Delete, None, Some(&live.id));
        b.push(
            Operation::DeleteTeam { name: name.clone() },
            Stage::Deletions,
            Vec::new(),
            serde_json::to_value(live).ok(),
            Some(change),
        );
    }
    for name in deleted(Kind::WrapupCode) {
        let Some(live) = ctx.live.wrapup_codes.get(name) else {
            continue;
        };
        let change = b.change(Kind::WrapupCode, name, Action::Delete, None, Some(&live.id));
        let deps = queue_deletes
            .iter()
            .filter(|(queue, _)| {
                ctx.live.queues[queue]
                    .wrapup_codes
                    .as_ref()
                    .is_some_and(|codes| codes.contains(name))
            })
            .map(|(_, node)| *node)
            .collect();
        b.push(
            Operation::DeleteWrapupCode { name: name.clone() },
            Stage::Deletions,
            deps,
            serde_json::to_value(live).ok(),
            Some(change),
        );
    }
    for name in deleted(Kind::Language) {
        let Some(live) = ctx.live.languages.get(name) else {
            continue;
        };
        let change = b.change(Kind::Language, name, Action::Delete, None, Some(&live.id));
        b.push(
            Operation::DeleteLanguage { name: name.clone() },
            Stage::Deletions,
            Vec::new(),
            serde_json::to_value(live).ok(),
            Some(change),
        );
    }
    for name in deleted(Kind::Skill) {
        let Some(live) = ctx.live.skills.get(name) else {
            continue;
        };
        let (change, mut deps) = match ctx.renamed.get(name) {
            Some(new_name) => {
                let change = b.change(
                    Kind::Skill,
                    new_name,
                    Action::Rename {
                        from: vec![name.clone()],
                    },
                    None,
                    None,
                );
                // If the new skill cannot be created, the old one must survive.
                let deps: Vec<usize> = b.created(Kind::Skill, new_name).into_iter().collect();
                (change, deps)
            }
            None => (
                b.change(Kind::Skill, name, Action::Delete, None, Some(&live.id)),
                Vec::new(),
            ),
        };
        deps.extend(b.movers.get(name).into_iter().flatten().copied());
        b.push(
            Operation::DeleteSkill { name: name.clone() },
            Stage::Deletions,
            deps,
            serde_json::to_value(live).ok(),
            Some(change),
        );
    }
}

/// Lists unmanaged objects under `report` (and those `prune` may not touch).
pub(crate) fn plan_reports(ctx: &Context<'_>, b: &mut Builder) {
    for ((kind, key), decision) in &ctx.unmanaged {
        let Unmanaged::Report { note } = decision else {
            continue;
        };
        let id = live_id(ctx, *kind, key);
        let change = b.change(*kind, key, Action::Unmanaged, None, id);
        if let Some(note) = note {
            b.changes[change].notes.push(note.clone());
        }
    }
}

/// The id of a live object.
pub(crate) fn live_id<'a>(ctx: &Context<'a>, kind: Kind, key: &str) -> Option<&'a str> {
    let live = ctx.live;
    match kind {
        Kind::Division => live.divisions.get(key).map(|o| o.id.as_str()),
        Kind::Role => live.roles.get(key).map(|o| o.id.as_str()),
        Kind::ManagementUnit => live
            .wfm
            .as_ref()
            .and_then(|w| w.management_units.get(key))
            .map(|o| o.id.as_str()),
        Kind::Skill => live.skills.get(key).map(|o| o.id.as_str()),
        Kind::Language => live.languages.get(key).map(|o| o.id.as_str()),
        Kind::WrapupCode => live.wrapup_codes.get(key).map(|o| o.id.as_str()),
        Kind::Queue => live.queues.get(key).map(|o| o.id.as_str()),
        Kind::Team => live.teams.get(key).map(|o| o.id.as_str()),
        Kind::User => roster_model::Email::parse(key)
            .ok()
            .and_then(|email| live.users.get(&email))
            .map(|o| o.id.as_str()),
    }
}
