//! A plan's field changes in words for the people they affect, and which fields count as a
//! change to someone's routing.
//!
//! Routing fields notify: `skills`, `languages`, `queues`, `roles`, `utilization`, `team`,
//! `state` (deactivation, reactivation) and `acdAutoAnswer` (interactions start arriving
//! answered, or stop). Identity fields do not: `name`, `title`, `department`, `division` and
//! `manager` change nothing in how a person takes interactions, and HR systems change them
//! often; telling everyone about a new title would teach people to ignore the notices. A
//! routing profile has no field of its own in a plan: a profile change reaches people as
//! the skills, languages, queues, roles and utilization it compiles into.

use roster_plan::{Action, Change, FieldChange};

use super::ChangeLine;

/// The user fields whose change is a change to someone's routing.
const ROUTING_FIELDS: &[&str] = &[
    "skills",
    "languages",
    "queues",
    "roles",
    "utilization",
    "team",
    "state",
    "acdAutoAnswer",
];

/// Whether a user's field change is a change to their routing.
pub(super) fn is_routing(field: &FieldChange) -> bool {
    ROUTING_FIELDS.contains(&field.field.as_str())
}

/// One user field change as a line (``Added to queue `Billing` ``).
pub(super) fn user_line(email: &str, field: &FieldChange) -> ChangeLine {
    let item = field.item.as_deref().unwrap_or_default();
    let (from, to) = (field.old.as_deref(), field.new.as_deref());
    let summary = match (field.field.as_str(), from, to) {
        ("skills", None, Some(to)) => format!("New skill `{item}` at proficiency {to}"),
        ("skills", Some(from), None) => format!("Skill `{item}` removed (was {from})"),
        ("skills", Some(from), Some(to)) => format!("Skill `{item}`: proficiency {from} → {to}"),
        ("languages", None, Some(to)) => format!("New language `{item}` at proficiency {to}"),
        ("languages", Some(from), None) => format!("Language `{item}` removed (was {from})"),
        ("languages", Some(from), Some(to)) => {
            format!("Language `{item}`: proficiency {from} → {to}")
        }
        ("queues", None, Some(_)) => format!("Added to queue `{item}`"),
        ("queues", Some(_), None) => format!("Removed from queue `{item}`"),
        ("roles", None, Some(_)) => format!("Role `{item}` granted"),
        ("roles", Some(_), None) => format!("Role `{item}` revoked"),
        ("team", None, Some(to)) => format!("Joins team `{to}`"),
        ("team", Some(from), None) => format!("Leaves team `{from}`"),
        ("team", Some(from), Some(to)) => format!("Moves from team `{from}` to team `{to}`"),
        ("state", _, Some("inactive")) => "Account deactivated".to_owned(),
        ("state", _, Some("active")) => "Account reactivated".to_owned(),
        ("acdAutoAnswer", _, Some("true")) => {
            "ACD interactions are now answered automatically".to_owned()
        }
        ("acdAutoAnswer", _, Some("false")) => {
            "ACD interactions are no longer answered automatically".to_owned()
        }
        ("utilization", from, to) => format!(
            "Utilization: {} → {}",
            from.unwrap_or("none"),
            to.unwrap_or("none")
        ),
        (name, from, to) => format!(
            "{name}{}: {} → {}",
            field
                .item
                .as_ref()
                .map(|i| format!(" `{i}`"))
                .unwrap_or_default(),
            from.unwrap_or("none"),
            to.unwrap_or("none")
        ),
    };
    ChangeLine {
        object: format!("user `{email}`"),
        field: field_name(field),
        from: field.old.clone(),
        to: field.new.clone(),
        summary,
    }
}

/// A user's queue membership as its queue's change lists it (`members` / email), for users
/// the plan changes only through the queue: they join with `new: member`, or leave with
/// `old` saying why (`member`, `unmanaged; the queue is exclusive`).
pub(super) fn queue_member_line(email: &str, queue: &str, field: &FieldChange) -> ChangeLine {
    let summary = match (field.old.as_deref(), field.new.as_deref()) {
        (_, Some(_)) => format!("Added to queue `{queue}`"),
        (Some(why), None) if why != "member" => format!("Removed from queue `{queue}` ({why})"),
        _ => format!("Removed from queue `{queue}`"),
    };
    ChangeLine {
        object: format!("user `{email}`"),
        field: format!("queues: {queue}"),
        from: field.old.clone(),
        to: field.new.clone(),
        summary,
    }
}

/// The holder of a renamed skill gets the new name (`skills: New`).
pub(super) fn rename_line(email: &str, old: &str, new: &str) -> ChangeLine {
    ChangeLine {
        object: format!("user `{email}`"),
        field: format!("skills: {new}"),
        from: Some(old.to_owned()),
        to: Some(new.to_owned()),
        summary: format!("Skill `{old}` is renamed `{new}` (same proficiency)"),
    }
}

/// A change of an object that is not a user, as one line of an admin summary
/// (``queue `Billing`: update (description, members)``).
pub(super) fn object_line(change: &Change) -> ChangeLine {
    let mut fields: Vec<&str> = change.fields.iter().map(|f| f.field.as_str()).collect();
    fields.dedup();
    let detail = match &change.action {
        Action::Rename { from } => format!(
            " from {}",
            from.iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ if fields.is_empty() => String::new(),
        _ => format!(" ({})", fields.join(", ")),
    };
    let object = format!("{} `{}`", change.kind, change.key);
    ChangeLine {
        summary: format!("{object}: {}{detail}", change.action.word()),
        object,
        field: String::new(),
        from: None,
        to: None,
    }
}

/// `skills: Billing` for an item of a collection, `team` for a scalar.
fn field_name(field: &FieldChange) -> String {
    match &field.item {
        Some(item) => format!("{}: {item}", field.field),
        None => field.field.clone(),
    }
}

/// A user's team membership as its team's change lists it, for users whose own change does
/// not say it.
pub(super) fn team_member_line(email: &str, team: &str, field: &FieldChange) -> ChangeLine {
    let summary = match (field.old.as_deref(), field.new.as_deref()) {
        (_, Some(_)) => format!("Joins team `{team}`"),
        (Some(why), None) if why != "member" => format!("Leaves team `{team}` ({why})"),
        _ => format!("Leaves team `{team}`"),
    };
    ChangeLine {
        object: format!("user `{email}`"),
        field: "team".to_owned(),
        from: field.old.clone(),
        to: field.new.clone(),
        summary,
    }
}
