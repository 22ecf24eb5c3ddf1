//! Drift for people: plain text for a terminal or a log, Markdown for an issue or a chat
//! message. Both say, per org, what it was compared with, each drifted object field by field
//! with who changed it, and the pending changes apart; and the events of a watch, a block
//! each.

use std::fmt::Write as _;

use super::report::{
    Actor, AuditAccess, AuditChange, Baseline, DriftReport, DriftSet, DriftedObject, FieldDrift,
};
use super::watch::{Reconcile, WatchEvent};

/// `set` as text.
pub fn render_text(set: &DriftSet) -> String {
    let mut out = String::new();
    for report in &set.orgs {
        let _ = writeln!(out, "{}: {}", report.org, headline(report));
        let _ = writeln!(out, "  {}", compared_with(report));
        if let Some(note) = audit_note(&report.audit) {
            let _ = writeln!(out, "  {note}");
        }
        for object in &report.drift {
            let _ = writeln!(out, "\n  drift: {}", object_title(object));
            drift_details(&mut out, object);
        }
        if !report.pending.is_empty() {
            let _ = writeln!(
                out,
                "\n  pending (edited in the manifests, not applied yet; not drift):"
            );
            for object in &report.pending {
                let _ = writeln!(out, "    {}", object_title(object));
                for field in &object.fields {
                    let _ = writeln!(out, "      {}", field_line(field));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// `set` as Markdown: a heading and a table per org.
pub fn render_markdown(set: &DriftSet) -> String {
    let mut out = String::new();
    for report in &set.orgs {
        let _ = writeln!(out, "### `{}`: {}\n", report.org, headline(report));
        let _ = writeln!(out, "{}\n", compared_with(report));
        if let Some(note) = audit_note(&report.audit) {
            let _ = writeln!(out, "> {note}\n");
        }
        if !report.drift.is_empty() {
            out.push_str("| object | field | in the org | in git | changed by |\n");
            out.push_str("|---|---|---|---|---|\n");
            for object in &report.drift {
                let by = by_cell(object);
                let rows: Vec<String> = if object.fields.is_empty() {
                    vec![format!("| {} | | | | {by} |", cell(&object_title(object)))]
                } else {
                    object
                        .fields
                        .iter()
                        .map(|field| {
                            format!(
                                "| {} | {} | {} | {} | {by} |",
                                cell(&object_title(object)),
                                cell(&field_name(field)),
                                cell(&value(field.org.as_deref())),
                                cell(&value(field.git.as_deref())),
                            )
                        })
                        .collect()
                };
                for row in rows {
                    out.push_str(&row);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        if !report.pending.is_empty() {
            out.push_str(
                "<details><summary>Pending: edited in the manifests, not applied yet</summary>\n\n",
            );
            for object in &report.pending {
                for field in &object.fields {
                    let _ = writeln!(
                        out,
                        "- {}: {}",
                        cell(&object_title(object)),
                        cell(&field_line(field))
                    );
                }
                if object.fields.is_empty() {
                    let _ = writeln!(out, "- {}", cell(&object_title(object)));
                }
            }
            out.push_str("\n</details>\n\n");
        }
    }
    out
}

/// A drifted object's fields, who changed it, or why nobody is named: one line each.
fn drift_details(out: &mut String, object: &DriftedObject) {
    for field in &object.fields {
        let _ = writeln!(out, "    {}", field_line(field));
    }
    for change in &object.changes {
        let _ = writeln!(out, "    changed {}", change_line(change));
    }
    if let Some(reason) = &object.unattributed {
        let _ = writeln!(out, "    {reason}");
    }
}

fn headline(report: &DriftReport) -> String {
    let drift = match report.drift.len() {
        0 => "no drift".to_owned(),
        1 => "1 object drifted".to_owned(),
        n => format!("{n} objects drifted"),
    };
    let pending = match report.pending.len() {
        0 => String::new(),
        1 => ", 1 object with a pending change".to_owned(),
        n => format!(", {n} objects with pending changes"),
    };
    format!("{drift}{pending}")
}

fn compared_with(report: &DriftReport) -> String {
    let baseline = match &report.baseline {
        Baseline::Applied {
            commit, applied_at, ..
        } => format!(
            "compared with the manifests of commit {}, applied {applied_at}",
            short(commit)
        ),
        Baseline::Unknown { reason } => {
            format!("{reason}, so every difference counts as drift")
        }
    };
    format!(
        "{baseline}; audit records since {} ({} requests)",
        report.window.since, report.requests
    )
}

fn audit_note(audit: &AuditAccess) -> Option<String> {
    match audit {
        AuditAccess::Read { .. } | AuditAccess::NotNeeded => None,
        AuditAccess::NotPermitted { permission } => Some(format!(
            "who changed what is unknown: the OAuth client may not read audits; grant its role `{permission}`"
        )),
        AuditAccess::Failed { reason } => Some(format!(
            "who changed what is unknown: the audit query failed: {reason}"
        )),
    }
}

fn object_title(object: &DriftedObject) -> String {
    let mut title = format!("{} `{}`", object.kind, object.key);
    if object.fields.is_empty() {
        let _ = write!(title, " ({} it)", object.action.word());
    }
    if let Some(source) = &object.source {
        let _ = write!(title, " ({}:{})", source.file, source.line);
    }
    title
}

fn field_name(field: &FieldDrift) -> String {
    match &field.item {
        Some(item) => format!("{} {item}", field.field),
        None => field.field.clone(),
    }
}

fn field_line(field: &FieldDrift) -> String {
    format!(
        "{}: {} in the org, {} in git",
        field_name(field),
        value(field.org.as_deref()),
        value(field.git.as_deref())
    )
}

fn value(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_owned(), |value| format!("`{value}`"))
}

fn change_line(change: &AuditChange) -> String {
    let properties: Vec<String> = change
        .properties
        .iter()
        .map(|property| {
            format!(
                "{} [{}] → [{}]",
                property.property,
                property.old.join(", "),
                property.new.join(", ")
            )
        })
        .collect();
    format!(
        "{} by {} ({} {} {}){}",
        change.time,
        actor(&change.by),
        change.service,
        change.entity_type,
        change.action,
        if properties.is_empty() {
            String::new()
        } else {
            format!(": {}", properties.join("; "))
        }
    )
}

fn actor(actor: &Actor) -> String {
    let user = actor.user.as_ref().map(|name| match &actor.email {
        Some(email) => format!("{name} <{email}>"),
        None => name.clone(),
    });
    let client = actor
        .client
        .as_ref()
        .map(|name| format!("client `{name}`"))
        .or_else(|| actor.client_id.as_ref().map(|id| format!("client {id}")));
    match (user, client) {
        (Some(user), Some(client)) => format!("{user} through {client}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "someone the audit does not name".to_owned(),
    }
}

fn by_cell(object: &DriftedObject) -> String {
    if object.changes.is_empty() {
        return cell(object.unattributed.as_deref().unwrap_or("unknown"));
    }
    let people: Vec<String> = object
        .changes
        .iter()
        .map(|change| format!("{}, {}", actor(&change.by), change.time))
        .collect();
    cell(&people.join("; "))
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// One event of `roster drift --watch` as text: a line, or for a drift a block of lines.
pub fn render_event(event: &WatchEvent) -> String {
    match event {
        WatchEvent::Reconciled {
            org,
            at,
            reason,
            drifted,
            pending,
            requests,
        } => format!(
            "{at} {org}: checked the whole org ({}): {drifted} drifted, {pending} pending; {requests} requests so far\n",
            match reason {
                Reconcile::Start => "start",
                Reconcile::Schedule => "scheduled",
                Reconcile::Reconnect => "after a reconnect",
                Reconcile::Event => "an event named more than one object",
            }
        ),
        WatchEvent::Watching {
            org,
            topics,
            channels,
            unwatched,
        } => {
            let left = if *unwatched > 0 {
                format!("; {unwatched} users did not fit and are checked on schedule only")
            } else {
                String::new()
            };
            format!("{org}: watching {topics} topics on {channels} channel(s){left}\n")
        }
        WatchEvent::Drift { org, at, object } => {
            let mut out = format!("{at} {org}: drift: {}\n", object_title(object));
            drift_details(&mut out, object);
            out
        }
        WatchEvent::Resolved { org, at, kind, key } => {
            format!("{at} {org}: {kind} `{key}` matches git again\n")
        }
        WatchEvent::Reconnected { org, at, reason } => format!(
            "{at} {org}: notifications reconnected ({reason}); events may have been missed, checking the whole org\n"
        ),
        WatchEvent::TopicRejected {
            org,
            at,
            topic,
            reason,
        } => format!("{at} {org}: the org refused topic `{topic}`: {reason}\n"),
    }
}
