//! Queues: created and replaced whole with a unique name, hard-deleted; their direct
//! members, the groups whose members are members too, and their wrap-up codes.
//!
//! Decisions on UNCONFIRMED points:
//! - a replacement replaces `memberGroups` too (absent = none); user members are a separate
//!   resource and stay;
//! - new direct members start joined ([`NEW_MEMBER_JOINED`]);
//! - a user who is a direct member and a group member is listed once, as a direct member.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    ObjectKind, OrgError, Rows, SoftDeleted, Stamp, Touch, division_or_home, ensure_name_free,
    ensure_new_id, required_name,
};
use crate::store::{OrgState, Queue, QueueMember};

/// Joined state of a member added by `POST .../members`.
pub const NEW_MEMBER_JOINED: bool = true;

/// Enumerated settings and the values they allow.
const ENUMS: &[(&str, &[&str])] = &[
    ("scoringMethod", &["TimestampAndPriority", "PriorityOnly"]),
    (
        "lastAgentRoutingMode",
        &["Disabled", "QueueMembersOnly", "AnyAgent"],
    ),
    ("skillEvaluationMethod", &["NONE", "BEST", "ALL"]),
];

/// The media types a queue may take: the keys of `Queue.mediaSettings`.
pub const QUEUE_MEDIA_TYPES: &[&str] = &["call", "callback", "chat", "email", "message"];

/// `Queue.mediaSettings` for these media types, each with the sandbox's default alerting
/// timeout and service level (80% in 20 s; the values are the sandbox's, not facts).
/// Refuses a media type outside [`QUEUE_MEDIA_TYPES`].
pub fn media_settings(media_types: &[String]) -> Result<Value, OrgError> {
    let mut out = Map::new();
    for media in media_types {
        if !QUEUE_MEDIA_TYPES.contains(&media.as_str()) {
            return Err(OrgError::NotAllowed {
                field: "mediaSettings",
                value: json!(media),
                allowed: QUEUE_MEDIA_TYPES,
            });
        }
        out.insert(
            media.clone(),
            json!({
                "alertingTimeoutSeconds": 8,
                "serviceLevel": { "percentage": 0.8, "durationMs": 20_000 },
            }),
        );
    }
    Ok(Value::Object(out))
}

/// Settings a queue gets when its definition does not give them. A queue created without
/// `mediaSettings` takes all five media types (UNCONFIRMED what the real API defaults to).
fn default_settings() -> Map<String, Value> {
    let mut settings = Map::new();
    let all: Vec<String> = QUEUE_MEDIA_TYPES
        .iter()
        .map(|&media| media.to_owned())
        .collect();
    settings.insert(
        "mediaSettings".into(),
        media_settings(&all).unwrap_or_default(),
    );
    settings.insert("acwSettings".into(), json!({ "wrapupPrompt": "OPTIONAL" }));
    settings.insert("skillEvaluationMethod".into(), json!("BEST"));
    settings.insert("scoringMethod".into(), json!("TimestampAndPriority"));
    settings
}

/// What a create or a replacement says (`CreateQueueRequest` / `QueueRequest`).
#[derive(Debug, Clone, Default)]
pub struct QueueDefinition {
    /// The name (trimmed; unique).
    pub name: String,
    /// The division (home when `None`).
    pub division_id: Option<Uuid>,
    /// The description.
    pub description: Option<String>,
    /// Groups whose members are members of the queue (duplicates are dropped).
    pub member_groups: Vec<Uuid>,
    /// `Queue` settings kept verbatim (`mediaSettings`, `acwSettings`, ...); those left out
    /// take their defaults.
    pub settings: Map<String, Value>,
}

/// A definition checked against the org: what a queue will hold.
struct Checked {
    name: String,
    division_id: Uuid,
    member_groups: Vec<Uuid>,
    settings: Map<String, Value>,
}

fn check(
    state: &OrgState,
    definition: &QueueDefinition,
    except: Option<Uuid>,
) -> Result<Checked, OrgError> {
    let name = required_name(&definition.name)?;
    let mut member_groups = Vec::new();
    for &id in &definition.member_groups {
        if state.groups.get(id).is_none() {
            return Err(OrgError::UnknownReference {
                field: "memberGroups.id",
                kind: ObjectKind::Group,
                id,
            });
        }
        if !member_groups.contains(&id) {
            member_groups.push(id);
        }
    }
    let mut settings = default_settings();
    settings.extend(definition.settings.clone());
    for &(field, allowed) in ENUMS {
        if let Some(value) = settings.get(field)
            && !value.as_str().is_some_and(|value| allowed.contains(&value))
        {
            return Err(OrgError::NotAllowed {
                field,
                value: value.clone(),
                allowed,
            });
        }
    }
    ensure_name_free(&state.queues, ObjectKind::Queue, &name, except)?;
    let division_id = division_or_home(state, "division.id", definition.division_id)?;
    Ok(Checked {
        name,
        division_id,
        member_groups,
        settings,
    })
}

/// Creates a queue with this id and no members.
pub fn create(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    definition: &QueueDefinition,
) -> Result<(), OrgError> {
    ensure_new_id(&state.queues, ObjectKind::Queue, id)?;
    let checked = check(state, definition, None)?;
    state.queues.insert(Queue {
        id,
        name: checked.name,
        division_id: checked.division_id,
        description: definition.description.clone(),
        date_created: at.timestamp.clone(),
        date_modified: at.timestamp.clone(),
        members: Vec::new(),
        member_groups: checked.member_groups,
        group_member_joined: BTreeMap::new(),
        wrapup_codes: Vec::new(),
        settings: checked.settings,
        member_index: HashMap::new(),
        listed_from_ms: at.listed_from_ms,
    });
    Ok(())
}

/// Replaces a queue's definition; its members and wrap-up codes stay.
pub fn replace(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    definition: &QueueDefinition,
) -> Result<(), OrgError> {
    existing(state, id)?;
    let checked = check(state, definition, Some(id))?;
    state.queues.change(id, |queue| {
        queue.name = checked.name;
        queue.division_id = checked.division_id;
        queue.description.clone_from(&definition.description);
        queue.member_groups = checked.member_groups;
        queue.settings = checked.settings;
        queue.touch(at);
    });
    Ok(())
}

/// Deletes a queue.
pub fn delete(state: &mut OrgState, id: Uuid) -> Result<(), OrgError> {
    state
        .queues
        .remove(id)
        .map(|_| ())
        .ok_or(OrgError::NotFound {
            kind: ObjectKind::Queue,
            id,
        })
}

/// The queue with this id.
pub fn existing(state: &OrgState, id: Uuid) -> Result<&Queue, OrgError> {
    state.queues.get(id).ok_or(OrgError::NotFound {
        kind: ObjectKind::Queue,
        id,
    })
}

/// Adds live users as direct members (those already members stay as they are).
pub fn add_members(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    users: &[Uuid],
) -> Result<(), OrgError> {
    existing(state, id)?;
    if let Some(&unknown) = users
        .iter()
        .find(|&&user| state.users.get(user).is_none_or(|user| !user.is_live()))
    {
        return Err(OrgError::UnknownReference {
            field: "id",
            kind: ObjectKind::User,
            id: unknown,
        });
    }
    state.queues.change(id, |queue| {
        for &user_id in users {
            if !queue.member_index.contains_key(&user_id) {
                queue.member_index.insert(user_id, queue.members.len());
                queue.members.push(QueueMember {
                    user_id,
                    joined: NEW_MEMBER_JOINED,
                    ring_number: 1,
                });
            }
        }
        queue.touch(at);
    });
    Ok(())
}

/// Removes direct members (users who are not members are ignored).
pub fn remove_members(
    state: &mut OrgState,
    at: &Stamp,
    id: Uuid,
    users: &[Uuid],
) -> Result<(), OrgError> {
    existing(state, id)?;
    state.queues.change(id, |queue| {
        queue
            .members
            .retain(|member| !users.contains(&member.user_id));
        queue.reindex_members();
        queue.touch(at);
    });
    Ok(())
}

/// Removes one direct member.
pub fn remove_member(state: &mut OrgState, id: Uuid, user_id: Uuid) -> Result<(), OrgError> {
    if !existing(state, id)?.member_index.contains_key(&user_id) {
        return Err(OrgError::NotFound {
            kind: ObjectKind::QueueMember,
            id: user_id,
        });
    }
    state.queues.change(id, |queue| {
        queue.members.retain(|member| member.user_id != user_id);
        queue.reindex_members();
    });
    Ok(())
}

/// Users who are members of a queue through its groups.
fn group_members(state: &OrgState, queue: &Queue) -> HashSet<Uuid> {
    queue
        .member_groups
        .iter()
        .filter_map(|group| state.groups.get(*group))
        .flat_map(|group| group.members.iter().copied())
        .collect()
}

/// Sets the joined state of members, direct or through a group; users who are not
/// members are ignored. Answers the users whose state was set, in order.
pub fn set_joined(
    state: &mut OrgState,
    id: Uuid,
    joined: &[(Uuid, bool)],
) -> Result<Vec<Uuid>, OrgError> {
    let by_group = group_members(state, existing(state, id)?);
    let set = state.queues.change(id, |queue| {
        joined
            .iter()
            .filter(|&&(user_id, joined)| set_member_joined(queue, &by_group, user_id, joined))
            .map(|&(user_id, _)| user_id)
            .collect()
    });
    Ok(set.unwrap_or_default())
}

/// Changes one member's joined state and (for direct members) ring.
pub fn patch_member(
    state: &mut OrgState,
    id: Uuid,
    user_id: Uuid,
    joined: Option<bool>,
    ring_number: Option<u32>,
) -> Result<(), OrgError> {
    let queue = existing(state, id)?;
    let by_group = group_members(state, queue);
    let direct = queue.member_index.get(&user_id).copied();
    if direct.is_none() && !by_group.contains(&user_id) {
        return Err(OrgError::NotFound {
            kind: ObjectKind::QueueMember,
            id: user_id,
        });
    }
    state.queues.change(id, |queue| {
        if let Some(joined) = joined {
            set_member_joined(queue, &by_group, user_id, joined);
        }
        if let (Some(ring), Some(index)) = (ring_number, direct) {
            queue.members[index].ring_number = ring;
        }
    });
    Ok(())
}

/// Sets the joined state of a member; `false` if the user is not a member.
fn set_member_joined(
    queue: &mut Queue,
    by_group: &HashSet<Uuid>,
    user_id: Uuid,
    joined: bool,
) -> bool {
    if let Some(&index) = queue.member_index.get(&user_id) {
        queue.members[index].joined = joined;
        return true;
    }
    if by_group.contains(&user_id) {
        queue.group_member_joined.insert(user_id, joined);
        return true;
    }
    false
}

/// Makes a group's members members of the queue (seeds; the API sets `memberGroups` with
/// the whole definition).
pub fn add_member_group(state: &mut OrgState, id: Uuid, group_id: Uuid) -> Result<(), OrgError> {
    existing(state, id)?;
    if state.groups.get(group_id).is_none() {
        return Err(OrgError::UnknownReference {
            field: "memberGroups.id",
            kind: ObjectKind::Group,
            id: group_id,
        });
    }
    state.queues.change(id, |queue| {
        if !queue.member_groups.contains(&group_id) {
            queue.member_groups.push(group_id);
        }
    });
    Ok(())
}

/// Assigns wrap-up codes (those assigned already stay as they are).
pub fn add_wrapup_codes(state: &mut OrgState, id: Uuid, codes: &[Uuid]) -> Result<(), OrgError> {
    existing(state, id)?;
    if let Some(&unknown) = codes
        .iter()
        .find(|&&code| state.wrapup_codes.get(code).is_none())
    {
        return Err(OrgError::UnknownReference {
            field: "id",
            kind: ObjectKind::WrapupCode,
            id: unknown,
        });
    }
    state.queues.change(id, |queue| {
        for code in codes {
            if !queue.wrapup_codes.contains(code) {
                queue.wrapup_codes.push(*code);
            }
        }
    });
    Ok(())
}

/// Takes a wrap-up code off the queue.
pub fn remove_wrapup_code(state: &mut OrgState, id: Uuid, code_id: Uuid) -> Result<(), OrgError> {
    if !existing(state, id)?.wrapup_codes.contains(&code_id) {
        return Err(OrgError::NotAssigned {
            kind: ObjectKind::WrapupCode,
            id: code_id,
        });
    }
    state.queues.change(id, |queue| {
        queue.wrapup_codes.retain(|existing| *existing != code_id);
    });
    Ok(())
}

/// One member as listed: the user, how they are a member and whether joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// The user.
    pub user_id: Uuid,
    /// Whether through a group (`memberBy: group`) rather than directly.
    pub by_group: bool,
    /// Joined.
    pub joined: bool,
    /// Bullseye ring.
    pub ring_number: u32,
}

/// Every member of a queue: direct members, then group-derived ones not also direct
/// (deleted users are not members through a group).
pub fn memberships(state: &OrgState, queue: &Queue) -> Vec<Membership> {
    let mut out: Vec<Membership> = queue
        .members
        .iter()
        .map(|member| Membership {
            user_id: member.user_id,
            by_group: false,
            joined: member.joined,
            ring_number: member.ring_number,
        })
        .collect();
    let mut seen: HashSet<Uuid> = queue.member_index.keys().copied().collect();
    for group_id in &queue.member_groups {
        let Some(group) = state.groups.get(*group_id) else {
            continue;
        };
        for user_id in &group.members {
            let listed = state.users.get(*user_id).is_some_and(SoftDeleted::is_live);
            if listed && seen.insert(*user_id) {
                out.push(Membership {
                    user_id: *user_id,
                    by_group: true,
                    joined: queue
                        .group_member_joined
                        .get(user_id)
                        .copied()
                        .unwrap_or(true),
                    ring_number: 1,
                });
            }
        }
    }
    out
}
