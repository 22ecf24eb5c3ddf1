//! The pull-request comment: a summary table of every org, then each org's details folded
//! in `<details>`, cut to fit GitHub's comment size with a note saying so.

use std::fmt::Write as _;

use super::text::{Acknowledge, Paint, body};
use super::{Counts, eta, summary};
use crate::types::PlanSet;

/// The most characters the comment may have (GitHub's limit is 65,536).
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Room kept for the closing tags and the note of a cut plan.
const RESERVE: usize = 600;

/// The plans as a Markdown pull-request comment, under [`MARKDOWN_LIMIT`] characters.
pub fn render_markdown(set: &PlanSet) -> String {
    let mut out = String::from("### roster plan\n\n");
    out.push_str(
        "| org | create | update | rename | delete | deactivate | reactivate | unmanaged | writes | ETA | status |\n",
    );
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for plan in &set.orgs {
        let c = Counts::of(plan);
        let status = match (plan.blocked.is_some(), plan.is_empty(), plan.is_targeted()) {
            (true, _, _) => "⛔ blocked",
            (false, true, false) => "no changes",
            (false, true, true) => "no changes (targeted: partial plan)",
            (false, false, false) => "ready",
            (false, false, true) => "ready (targeted: partial plan)",
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {status} |",
            plan.org,
            c.create,
            c.update,
            c.rename,
            c.delete,
            c.deactivate,
            c.reactivate,
            c.unmanaged,
            plan.cost.writes,
            if plan.cost.writes == 0 {
                "—".to_owned()
            } else {
                eta(plan.cost.eta_seconds)
            },
        );
    }

    let mut cut = false;
    for plan in &set.orgs {
        let mut details = String::new();
        body(&mut details, plan, Paint(false), Acknowledge::Apply);
        let details = details.trim_matches('\n');
        let head = format!(
            "\n<details><summary><code>{}</code>: {}</summary>\n\n",
            escape(&plan.org),
            escape(&summary(plan))
        );
        let close = "\n</details>\n";
        let budget = MARKDOWN_LIMIT.saturating_sub(out.len() + head.len() + RESERVE);
        if budget < 200 {
            cut = true;
            break;
        }
        out.push_str(&head);
        if details.is_empty() {
            out.push_str("Nothing to change.\n");
        } else {
            let fence = fence_for(details);
            let mut block = String::new();
            for line in details.lines() {
                if block.len() + line.len() + 1 + fence.len() * 2 + 16 > budget {
                    cut = true;
                    block.push_str("…\n");
                    break;
                }
                block.push_str(line);
                block.push('\n');
            }
            let _ = write!(out, "{fence}diff\n{block}{fence}\n");
        }
        out.push_str(close);
        if cut {
            break;
        }
    }
    if cut {
        let _ = write!(
            out,
            "\n> **Note:** this comment was cut to stay under {MARKDOWN_LIMIT} characters; run \
             `roster plan` (or download the JSON plan) to see every change.\n"
        );
    }
    out
}

/// A code fence longer than any run of backticks in the text, so the text cannot close it.
fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat(longest.max(2) + 1)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_they_enclose() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("````"), "`````");
    }

    #[test]
    fn html_in_org_names_is_escaped() {
        assert_eq!(escape("<a & b>"), "&lt;a &amp; b&gt;");
    }
}
