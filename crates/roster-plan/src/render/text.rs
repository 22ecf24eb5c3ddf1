//! The terminal rendering: a summary per org, destructive changes first, field by field
//! `old → new`, line diffs for multi-line text, per routing profile what its users gain and
//! lose, unmanaged objects, warnings, and why a plan is blocked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use owo_colors::{OwoColorize, Style};
use similar::{ChangeTag, TextDiff};

use super::summary;
use crate::types::{Action, Change, FieldChange, Plan, PlanSet};

/// The plans as text; `color` adds ANSI styles (the CLI decides: a terminal without
/// `NO_COLOR`).
pub fn render_text(set: &PlanSet, color: bool) -> String {
    let mut out = String::new();
    for (index, plan) in set.orgs.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        render_plan(&mut out, plan, Paint(color));
    }
    out
}

/// Whether to add ANSI styles.
#[derive(Clone, Copy)]
pub(crate) struct Paint(pub bool);

impl Paint {
    fn with(self, text: &str, style: Style) -> String {
        if self.0 {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    }
}

fn render_plan(out: &mut String, plan: &Plan, paint: Paint) {
    let _ = writeln!(
        out,
        "{}: {}",
        paint.with(&plan.org, Style::new().bold()),
        summary(plan)
    );
    body(out, plan, paint);
}

/// Everything after the summary line; shared with the Markdown rendering.
pub(crate) fn body(out: &mut String, plan: &Plan, paint: Paint) {
    let (destructive, rest): (Vec<&Change>, Vec<&Change>) = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Unmanaged)
        .partition(|c| c.is_destructive());
    if !destructive.is_empty() || !rest.is_empty() {
        out.push('\n');
    }
    for change in destructive.into_iter().chain(rest) {
        render_change(out, change, paint);
    }
    profiles(out, plan, paint);

    let unmanaged: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Unmanaged)
        .collect();
    if !unmanaged.is_empty() {
        let _ = writeln!(out, "\nunmanaged (in the org, in no manifest; left alone):");
        for change in unmanaged {
            let mut line = format!("? {} `{}`", change.kind, change.key);
            for note in &change.notes {
                let _ = write!(line, " ({note})");
            }
            let _ = writeln!(out, "{}", paint.with(&line, Style::new().dimmed()));
        }
    }

    if !plan.warnings.is_empty() {
        out.push('\n');
        for warning in &plan.warnings {
            let _ = writeln!(
                out,
                "{} {} `{}`: {}",
                paint.with("warning:", Style::new().yellow().bold()),
                warning.kind,
                warning.key,
                warning.message
            );
        }
    }

    if let Some(blocked) = &plan.blocked {
        let _ = writeln!(
            out,
            "\n{} blocked by `policy.limits` (maxDeletes {}, maxDeletePercent {}%):",
            paint.with("error:", Style::new().red().bold()),
            blocked.max_deletes,
            blocked.max_delete_percent
        );
        for over in &blocked.kinds {
            let verb = if over.kind == roster_model::Kind::User {
                "deactivated"
            } else {
                "deleted"
            };
            let _ = writeln!(
                out,
                "  {} {} of {} would be {verb}: {}",
                over.count,
                plural(over.kind.noun(), over.live),
                over.live,
                over.names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(
            out,
            "{} review the changes above, then acknowledge this exact plan with \
             `roster apply --allow-destructive {}`",
            paint.with("hint:", Style::new().cyan().bold()),
            plan.digest
        );
    }
}

fn plural(noun: &str, count: usize) -> String {
    if count == 1 {
        noun.to_owned()
    } else {
        format!("{noun}s")
    }
}

fn render_change(out: &mut String, change: &Change, paint: Paint) {
    let (marker, style) = match change.action {
        Action::Create | Action::Reactivate => ("+", Style::new().green()),
        Action::Update => ("~", Style::new().yellow()),
        Action::Rename { .. } => ("~", Style::new().cyan()),
        Action::Delete | Action::Deactivate => ("-", Style::new().red()),
        Action::Unmanaged => ("?", Style::new().dimmed()),
    };
    let mut head = format!(
        "{marker} {} {} `{}`",
        change.action.word(),
        change.kind,
        change.key
    );
    if let Action::Rename { from } = &change.action {
        let from: Vec<String> = from.iter().map(|f| format!("`{f}`")).collect();
        let _ = write!(head, " (from {})", from.join(", "));
    }
    let mut tail = String::new();
    if let Some(profile) = &change.routing_profile {
        let _ = write!(tail, " [routing profile `{profile}`]");
    }
    if let Some(source) = &change.source {
        let _ = write!(tail, " ({source})");
    }
    let _ = writeln!(out, "{}{tail}", paint.with(&head, style.bold()));
    let creating = change.action == Action::Create;
    for field in &change.fields {
        render_field(out, field, creating, paint);
    }
    for note in &change.notes {
        let _ = writeln!(out, "    note: {note}");
    }
}

/// Item values that only say "present" and read better left out.
fn shows_value(field: &FieldChange) -> bool {
    matches!(field.field.as_str(), "skills" | "languages" | "members")
}

fn singular(field: &str) -> &str {
    match field {
        "skills" => "skill",
        "languages" => "language",
        "queues" => "queue",
        "roles" => "role",
        "wrapupCodes" => "wrap-up code",
        "members" => "member",
        other => other,
    }
}

fn render_field(out: &mut String, field: &FieldChange, creating: bool, paint: Paint) {
    let none = "(none)";
    if let Some(item) = &field.item {
        let noun = singular(&field.field);
        let value = shows_value(field);
        let line = match (&field.old, &field.new) {
            (None, Some(new)) if value => format!("+ {noun} `{item}` {new}"),
            (None, _) => format!("+ {noun} `{item}`"),
            (Some(old), None) if field.field == "members" => format!("- {noun} `{item}` ({old})"),
            (Some(old), None) if value => format!("- {noun} `{item}` (was {old})"),
            (_, None) => format!("- {noun} `{item}`"),
            (Some(old), Some(new)) => format!("~ {noun} `{item}`: {old} → {new}"),
        };
        let style = match (&field.old, &field.new) {
            (None, _) => Style::new().green(),
            (_, None) => Style::new().red(),
            _ => Style::new().yellow(),
        };
        let _ = writeln!(out, "    {}", paint.with(&line, style));
        return;
    }
    let multi_line = |v: &Option<String>| v.as_deref().is_some_and(|v| v.contains('\n'));
    if multi_line(&field.old) || multi_line(&field.new) {
        let _ = writeln!(out, "    {}:", field.field);
        let old = field.old.clone().unwrap_or_default();
        let new = field.new.clone().unwrap_or_default();
        let diff = TextDiff::from_lines(&old, &new);
        for change in diff.iter_all_changes() {
            let (sign, style) = match change.tag() {
                ChangeTag::Delete => ("-", Style::new().red()),
                ChangeTag::Insert => ("+", Style::new().green()),
                ChangeTag::Equal => (" ", Style::new()),
            };
            let line = format!("{sign} {}", change.value().trim_end_matches('\n'));
            let _ = writeln!(out, "      {}", paint.with(&line, style));
        }
        return;
    }
    match (&field.old, &field.new) {
        (None, Some(new)) if creating => {
            let _ = writeln!(out, "    {}: {}", field.field, shown(&field.field, new));
        }
        (old, new) => {
            let show = |v: &str| shown(&field.field, v);
            let old = old.as_deref().map_or_else(|| none.to_owned(), show);
            let new = new.as_deref().map_or_else(|| none.to_owned(), show);
            let _ = writeln!(
                out,
                "    {}: {} → {}",
                field.field,
                paint.with(&old, Style::new().red()),
                paint.with(&new, Style::new().green())
            );
        }
    }
}

fn quote(value: &str) -> String {
    format!("{value:?}")
}

/// Free text is quoted, so empty values and stray spaces show; counts and states are not.
fn shown(field: &str, value: &str) -> String {
    match field {
        "members" | "state" | "acdAutoAnswer" | "utilization" => value.to_owned(),
        _ => quote(value),
    }
}

/// How many users share each effect (verb, rest).
type Effects<'a> = BTreeMap<(&'a str, String), usize>;

/// Per routing profile, the effects its users share: "12 users gain skill `X` 4".
fn profiles(out: &mut String, plan: &Plan, paint: Paint) {
    let mut by_profile: BTreeMap<&str, (usize, Effects<'_>)> = BTreeMap::new();
    for change in &plan.changes {
        let Some(profile) = change.routing_profile.as_deref() else {
            continue;
        };
        if !matches!(
            change.action,
            Action::Update | Action::Create | Action::Reactivate
        ) {
            continue;
        }
        let entry = by_profile.entry(profile).or_default();
        entry.0 += 1;
        for field in &change.fields {
            if let Some(effect) = effect(field) {
                *entry.1.entry(effect).or_default() += 1;
            }
        }
    }
    for (profile, (users, effects)) in by_profile {
        if effects.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}: {users} {} change",
            paint.with(&format!("routing profile `{profile}`"), Style::new().bold()),
            if users == 1 { "user" } else { "users" }
        );
        let mut effects: Vec<((&str, String), usize)> = effects.into_iter().collect();
        effects.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for ((verb, rest), count) in effects {
            let (who, verb) = if count == 1 {
                ("user", format!("{verb}s"))
            } else {
                ("users", verb.to_owned())
            };
            let _ = writeln!(out, "    {count} {who} {verb} {rest}");
        }
    }
}

/// What a field change does to a user, in words shared across users: a verb (`gain`) and
/// the rest (a skill's name and proficiency).
fn effect(field: &FieldChange) -> Option<(&'static str, String)> {
    match &field.item {
        Some(item) => {
            let noun = singular(&field.field);
            let value = shows_value(field);
            Some(match (&field.old, &field.new) {
                (None, Some(new)) if value => ("gain", format!("{noun} `{item}` {new}")),
                (None, _) => ("gain", format!("{noun} `{item}`")),
                (_, None) => ("lose", format!("{noun} `{item}`")),
                (Some(_), Some(new)) => ("get", format!("{noun} `{item}` at {new}")),
            })
        }
        None => match field.field.as_str() {
            "utilization" | "team" | "division" => {
                let new = field
                    .new
                    .as_deref()
                    .map_or_else(|| "(none)".to_owned(), quote);
                Some(("get", format!("{} {new}", field.field)))
            }
            _ => None,
        },
    }
}
