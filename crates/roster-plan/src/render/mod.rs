//! Renderers: the same [`PlanSet`] as text for a terminal, Markdown for a pull-request
//! comment, JSON for machines and saved plans, and the steps' dependency graph in Graphviz
//! dot.

mod dot;
mod markdown;
mod text;

pub use dot::render_dot;
pub use markdown::{MARKDOWN_LIMIT, render_markdown};
pub use text::{Acknowledge, MEMBERS_SHOWN, TextOptions, render_text, render_text_with};

use std::fmt::Write as _;

use roster_model::Utilization;

use crate::types::{Action, Plan, PlanSet};

/// The plan as pretty JSON following `schemas/plan.schema.json`; also the saved-plan format.
pub fn render_json(set: &PlanSet) -> String {
    let mut json =
        serde_json::to_string_pretty(set).expect("plans hold only strings, numbers and maps");
    json.push('\n');
    json
}

/// A user's utilization in words (`call 1; chat 3, interruptible by call`).
/// `word` as one shell word, for the commands hints tell people to copy: as is when it holds
/// only characters no shell treats specially, else in single quotes.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '/' | '.' | '-' | '_' | ':' | '@' | '+' | ',')
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

pub(crate) fn utilization_text(utilization: &Utilization) -> String {
    if utilization.is_empty() {
        return "org defaults".to_owned();
    }
    utilization
        .iter()
        .map(|(media, u)| {
            let mut text = format!("{media} {}", u.capacity);
            if !u.interruptible.is_empty() {
                let by: Vec<&str> = u.interruptible.iter().map(|m| m.as_str()).collect();
                let _ = write!(text, ", interruptible by {}", by.join(" and "));
            }
            if u.include_non_acd {
                text.push_str(", counting non-ACD");
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Counts of changes by action, for summaries.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub create: usize,
    pub update: usize,
    pub rename: usize,
    pub delete: usize,
    pub deactivate: usize,
    pub reactivate: usize,
    pub unmanaged: usize,
}

impl Counts {
    pub fn of(plan: &Plan) -> Self {
        let mut counts = Counts::default();
        for change in &plan.changes {
            match change.action {
                Action::Create => counts.create += 1,
                Action::Update => counts.update += 1,
                Action::Rename { .. } => counts.rename += 1,
                Action::Delete => counts.delete += 1,
                Action::Deactivate => counts.deactivate += 1,
                Action::Reactivate => counts.reactivate += 1,
                Action::Unmanaged => counts.unmanaged += 1,
            }
        }
        counts
    }
}

/// `3 to create, 5 to update, 1 to delete, 2 unmanaged reported; 14 writes, under a minute at
/// 300/min; 88 reads`.
pub(crate) fn summary(plan: &Plan) -> String {
    let c = Counts::of(plan);
    let mut parts = Vec::new();
    if plan.is_empty() {
        parts.push("no changes".to_owned());
    } else {
        parts.push(format!("{} to create", c.create));
        parts.push(format!("{} to update", c.update));
        if c.rename > 0 {
            parts.push(format!("{} to rename", c.rename));
        }
        parts.push(format!("{} to delete", c.delete));
        if c.deactivate > 0 {
            parts.push(format!("{} to deactivate", c.deactivate));
        }
        if c.reactivate > 0 {
            parts.push(format!("{} to reactivate", c.reactivate));
        }
    }
    if c.unmanaged > 0 {
        parts.push(format!("{} unmanaged reported", c.unmanaged));
    }
    let mut text = parts.join(", ");
    if !plan.is_empty() {
        let _ = write!(
            text,
            "; {} write{}, {} at {}/min",
            plan.cost.writes,
            if plan.cost.writes == 1 { "" } else { "s" },
            eta(plan.cost.eta_seconds),
            plan.cost.requests_per_minute
        );
    }
    let _ = write!(text, "; {} reads", plan.cost.reads);
    text
}

/// `under a minute`, `~4 min`, `~1 h 5 min`: the wait the rate limit adds, in the whole
/// minutes [`crate::Cost`] counts.
pub(crate) fn eta(seconds: u64) -> String {
    let minutes = seconds.div_ceil(60);
    if minutes == 0 {
        "under a minute".to_owned()
    } else if minutes < 90 {
        format!("~{minutes} min")
    } else {
        format!("~{} h {} min", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use roster_model::{MediaType, MediaUtilization};

    use super::*;

    #[test]
    fn eta_reads_naturally_at_every_scale() {
        let shown: Vec<String> = [0, 60, 120, 5_340, 5_400, 7_260]
            .into_iter()
            .map(eta)
            .collect();
        assert_eq!(
            shown,
            [
                "under a minute",
                "~1 min",
                "~2 min",
                "~89 min",
                "~1 h 30 min",
                "~2 h 1 min"
            ]
        );
    }

    #[test]
    fn utilization_in_words() {
        assert_eq!(utilization_text(&BTreeMap::new()), "org defaults");
        let utilization = BTreeMap::from([
            (
                MediaType::Call,
                MediaUtilization {
                    capacity: 1,
                    interruptible: BTreeSet::new(),
                    include_non_acd: true,
                },
            ),
            (
                MediaType::Chat,
                MediaUtilization {
                    capacity: 3,
                    interruptible: BTreeSet::from([MediaType::Call, MediaType::Email]),
                    include_non_acd: false,
                },
            ),
        ]);
        assert_eq!(
            utilization_text(&utilization),
            "call 1, counting non-ACD; chat 3, interruptible by call and email"
        );
    }
}
