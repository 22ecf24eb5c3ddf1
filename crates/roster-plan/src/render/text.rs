//! The terminal rendering: a summary per org, destructive changes first, field by field
//! `old → new`, line diffs for multi-line text, who joins and leaves each queue and team (the
//! first few), per routing profile what its users gain and lose, unmanaged objects, what
//! groups give managed users, warnings, and why a plan is blocked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use owo_colors::{OwoColorize, Style};
use similar::{ChangeTag, TextDiff};

use super::summary;
use crate::types::{
    Action, Blocked, Change, DayMeasure, FieldChange, MEMBER, Plan, PlanSet, RoutingLoss,
};

/// How many members joining (or leaving) one queue or team are named before "and K more";
/// the JSON plan lists them all.
pub const MEMBERS_SHOWN: usize = 10;

/// The plans as text; `color` adds ANSI styles (the CLI decides: a terminal without
/// `NO_COLOR`). A blocked plan's hint names `roster apply --allow-destructive`; see
/// [`render_text_with`] for plans made by another command.
pub fn render_text(set: &PlanSet, color: bool) -> String {
    render_text_with(
        set,
        TextOptions {
            color,
            acknowledge: Acknowledge::Apply,
        },
    )
}

/// The plans as text, as `options` say.
pub fn render_text_with(set: &PlanSet, options: TextOptions) -> String {
    let mut out = String::new();
    for (index, plan) in set.orgs.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        render_plan(&mut out, plan, Paint(options.color), options.acknowledge);
    }
    out
}

/// How [`render_text_with`] renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextOptions {
    /// Whether to add ANSI styles.
    pub color: bool,
    /// The command whose `--allow-destructive` acknowledges a blocked plan.
    pub acknowledge: Acknowledge,
}

/// The command a blocked plan's hint tells people to acknowledge it with: the one that made
/// the plan, since a digest acknowledges only the plan it was printed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Acknowledge {
    /// `roster apply --allow-destructive DIGEST` (plans of `roster plan` and `roster apply`).
    #[default]
    Apply,
    /// The same `roster offboard` command again, with `--allow-destructive DIGEST`: its plan
    /// offboards only the users named, which `roster apply` would not reproduce.
    Offboard,
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

fn render_plan(out: &mut String, plan: &Plan, paint: Paint, acknowledge: Acknowledge) {
    let _ = writeln!(
        out,
        "{}: {}",
        paint.with(&plan.org, Style::new().bold()),
        summary(plan)
    );
    body(out, plan, paint, acknowledge);
}

/// Everything after the summary line; shared with the Markdown rendering.
pub(crate) fn body(out: &mut String, plan: &Plan, paint: Paint, acknowledge: Acknowledge) {
    if plan.is_targeted() {
        let targets: Vec<String> = plan.targets.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "{} limited to {} and their dependencies; the rest of the manifests is not planned",
            paint.with("targeted: partial plan,", Style::new().yellow().bold()),
            targets.join(", ")
        );
    }
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
    licences(out, plan, paint);

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

    inherited(out, plan, paint);

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
        let error = paint.with("error:", Style::new().red().bold());
        let _ = if blocked.kinds.is_empty() {
            writeln!(out, "\n{error} blocked by `policy.limits`:")
        } else {
            writeln!(
                out,
                "\n{error} blocked by `policy.limits` (maxDeletes {}, maxDeletePercent {}%):",
                blocked.max_deletes, blocked.max_delete_percent
            )
        };
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
        blocked_routing(out, blocked);
        let hint = paint.with("hint:", Style::new().cyan().bold());
        let _ = match acknowledge {
            Acknowledge::Apply => writeln!(
                out,
                "{hint} review the changes above, then acknowledge this exact plan with \
                 `roster apply --org {}{} --allow-destructive {}`",
                super::shell_word(&plan.org),
                plan.targets
                    .iter()
                    .fold(String::new(), |mut words, target| {
                        let target = format!("{}:{}", target.kind.name(), target.key);
                        let _ = write!(words, " --target {}", super::shell_word(&target));
                        words
                    }),
                plan.digest
            ),
            Acknowledge::Offboard => writeln!(
                out,
                "{hint} review the users above, then run the same `roster offboard` command \
                 again with `--allow-destructive {}`",
                plan.digest
            ),
        };
    }
}

/// Per group, the grants it gives and the queues it feeds, with how many managed users and
/// the first few of them.
fn inherited(out: &mut String, plan: &Plan, paint: Paint) {
    if plan.inherited.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\ninherited through groups (never written by roster; managed users only):"
    );
    for group in &plan.inherited {
        let head = match &group.group {
            Some(name) => format!("group `{name}`"),
            None => "a group the org does not name".to_owned(),
        };
        let _ = writeln!(out, "    {}", paint.with(&head, Style::new().bold()));
        for role in &group.roles {
            let what = format!("role `{} in {}`", role.role, role.division);
            let _ = writeln!(
                out,
                "        {what}: {}",
                holders(role.users, &role.examples)
            );
        }
        for queue in &group.queues {
            let what = format!("queue `{}`", queue.queue);
            let _ = writeln!(
                out,
                "        {what}: {}",
                holders(queue.users, &queue.examples)
            );
        }
    }
}

/// `2 users (a@x, b@x)`, `40 users (a@x, b@x, c@x and 37 more)`.
fn holders(count: usize, examples: &[roster_model::Email]) -> String {
    let mut text = plural_count(count, "user");
    if examples.is_empty() {
        return text;
    }
    let names: Vec<&str> = examples.iter().map(roster_model::Email::as_str).collect();
    let _ = write!(text, " ({}", names.join(", "));
    if count > examples.len() {
        let _ = write!(text, " and {} more", count - examples.len());
    }
    text.push(')');
    text
}

/// How many names of a routing loss the text shows; the JSON lists them all.
const LOSS_NAMES_SHOWN: usize = 10;

/// The licences the plan's role grants and removals imply, with the first users whose
/// licences change.
fn licences(out: &mut String, plan: &Plan, paint: Paint) {
    let Some(impact) = &plan.licences else {
        return;
    };
    let _ = writeln!(
        out,
        "\n{} {} (licences follow roles; roster assigns none)",
        paint.with("licences:", Style::new().bold()),
        impact.summary()
    );
    let list = |set: &std::collections::BTreeSet<String>| {
        if set.is_empty() {
            "none".to_owned()
        } else {
            set.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    for user in impact.users.iter().take(MEMBERS_SHOWN) {
        let _ = writeln!(
            out,
            "    {}: {} → {}",
            user.email,
            list(&user.before),
            list(&user.after)
        );
    }
    if impact.users.len() > MEMBERS_SHOWN {
        let _ = writeln!(
            out,
            "    and {} more (every user is in `--format json`)",
            impact.users.len() - MEMBERS_SHOWN
        );
    }
}

/// The routing-loss and per-day reasons of a blocked plan, one line each, naming its limits.
fn blocked_routing(out: &mut String, blocked: &Blocked) {
    if let Some(over) = &blocked.licences {
        let _ = writeln!(
            out,
            "  {} would be added (licenceIncrease {})",
            plural_count(over.added as usize, "licence"),
            over.max
        );
    }
    for over in &blocked.routing {
        let (count_key, percent_key) = over.loss.keys();
        let what = match over.loss {
            RoutingLoss::UsersLosingAllQueues => format!(
                "{} of {} in a queue would be in none",
                plural_count(over.count, "user"),
                over.of
            ),
            RoutingLoss::UsersLosingAllSkills => format!(
                "{} of {} with a skill would have none",
                plural_count(over.count, "user"),
                over.of
            ),
            RoutingLoss::MembershipsRemoved => format!(
                "{} of {} would be removed",
                plural_count(over.count, "queue or team membership"),
                over.of
            ),
        };
        let mut names: Vec<String> = over
            .names
            .iter()
            .take(LOSS_NAMES_SHOWN)
            .map(|n| format!("`{n}`"))
            .collect();
        if over.names.len() > LOSS_NAMES_SHOWN {
            names.push(format!("and {} more", over.names.len() - LOSS_NAMES_SHOWN));
        }
        let _ = writeln!(
            out,
            "  {what} ({count_key} {}, {percent_key} {}%): {}",
            over.max,
            over.max_percent,
            names.join(", ")
        );
    }
    for over in &blocked.per_day {
        let (what, count_key, percent_key) = match (over.measure, over.kind) {
            (DayMeasure::Deletes, Some(kind)) => (
                format!(
                    "{} {}",
                    plural(kind.noun(), over.planned + over.earlier),
                    if kind == roster_model::Kind::User {
                        "deactivated"
                    } else {
                        "deleted"
                    }
                ),
                "maxDeletes",
                "maxDeletePercent",
            ),
            _ => (
                "memberships removed".to_owned(),
                "maxMembershipsRemoved",
                "maxMembershipsRemovedPercent",
            ),
        };
        let mut limits = Vec::new();
        if let Some(max) = over.max {
            limits.push(format!("perDay.{count_key} {max}"));
        }
        if let Some(percent) = over.max_percent {
            limits.push(format!("perDay.{percent_key} {percent}%"));
        }
        let _ = writeln!(
            out,
            "  {} {what} in 24 hours ({}): {} already in the journal, {} in this plan",
            over.earlier + over.planned,
            limits.join(", "),
            over.earlier,
            over.planned
        );
    }
}

fn plural_count(count: usize, noun: &str) -> String {
    format!("{count} {}", plural(noun, count))
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
    let mut fields = change.fields.iter().peekable();
    while let Some(field) = fields.next() {
        let Some(joins) = member_item(field) else {
            render_field(out, field, creating, paint);
            continue;
        };
        // A run of members joining (or leaving): the first few, then how many more.
        let mut shown = 1;
        render_field(out, field, creating, paint);
        let mut more = 0usize;
        while let Some(next) = fields.next_if(|f| member_item(f) == Some(joins)) {
            if shown < MEMBERS_SHOWN {
                render_field(out, next, creating, paint);
                shown += 1;
            } else {
                more += 1;
            }
        }
        if more > 0 {
            let (line, style) = if joins {
                (format!("+ … and {more} more"), Style::new().green())
            } else {
                (format!("- … and {more} more"), Style::new().red())
            };
            let _ = writeln!(out, "    {}", paint.with(&line, style));
        }
    }
    for note in &change.notes {
        let _ = writeln!(out, "    note: {note}");
    }
}

/// Whether the field is one member joining (`Some(true)`) or leaving (`Some(false)`) a queue
/// or team.
fn member_item(field: &FieldChange) -> Option<bool> {
    (field.field == "members" && field.item.is_some()).then_some(field.old.is_none())
}

/// Item values that only say "present" and read better left out.
fn shows_value(field: &FieldChange) -> bool {
    matches!(field.field.as_str(), "skills" | "languages")
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
            (Some(old), None) if field.field == "members" && old != MEMBER => {
                format!("- {noun} `{item}` ({old})")
            }
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
        "members" | "state" | "acdAutoAnswer" | "utilization" | "tokens" | "phone.number"
        | "phone.extension" => value.to_owned(),
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
