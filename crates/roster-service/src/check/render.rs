//! Readiness findings for people: plain text for a terminal or a log (grouped by org, a line
//! per finding and its hint, a summary), Markdown for a pull-request comment (a table per
//! org).

use std::fmt::Write as _;

use super::report::{CheckReport, CheckSet, Finding};

/// `set` as text.
pub fn render_text(set: &CheckSet) -> String {
    let mut out = String::new();
    for report in &set.orgs {
        let _ = writeln!(out, "{}: {}", report.org, headline(report));
        for finding in &report.findings {
            let _ = writeln!(
                out,
                "  {}{}: {}",
                location(finding),
                finding.problem.kind(),
                finding.message
            );
            let _ = writeln!(out, "    hint: {}", finding.hint);
        }
        for note in &report.not_checked {
            let _ = writeln!(out, "  not checked: {note}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary(set));
    out
}

/// `set` as Markdown: a heading and a table per org, fit for a pull-request comment.
pub fn render_markdown(set: &CheckSet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## roster check: {}\n", summary(set));
    for report in &set.orgs {
        let _ = writeln!(out, "### `{}`: {}\n", cell(&report.org), headline(report));
        if !report.findings.is_empty() {
            out.push_str("| user | finding | object | where | problem | what to do |\n");
            out.push_str("|---|---|---|---|---|---|\n");
            for finding in &report.findings {
                let place = finding
                    .source
                    .as_ref()
                    .map_or_else(String::new, |source| format!("`{source}`"));
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    cell(finding.user.as_str()),
                    finding.problem.kind(),
                    cell(&finding.object),
                    place,
                    cell(&finding.message),
                    cell(&finding.hint)
                );
            }
            out.push('\n');
        }
        for note in &report.not_checked {
            let _ = writeln!(out, "> not checked: {}\n", cell(note));
        }
    }
    out
}

/// `file:line:column: ` of a finding, when it has one.
fn location(finding: &Finding) -> String {
    finding
        .source
        .as_ref()
        .map_or_else(String::new, |source| format!("{source}: "))
}

fn headline(report: &CheckReport) -> String {
    match report.findings.len() {
        0 => "no findings".to_owned(),
        1 => "1 finding".to_owned(),
        n => format!("{n} findings"),
    }
}

fn summary(set: &CheckSet) -> String {
    let orgs = match set.orgs.len() {
        1 => "1 org".to_owned(),
        n => format!("{n} orgs"),
    };
    match set.finding_count() {
        0 => format!("no findings in {orgs}"),
        1 => format!("1 finding in {orgs}"),
        n => format!("{n} findings in {orgs}"),
    }
}

/// Text safe inside a Markdown table cell: pipes escaped, HTML inert, one line.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use roster_model::{Email, MediaType, Source};

    use super::*;
    use crate::check::report::{CHECK_FORMAT, PhoneField, Problem};

    fn sample() -> CheckSet {
        let jane = Email::parse("jane@acme.example").unwrap();
        CheckSet {
            format: CHECK_FORMAT,
            orgs: vec![
                CheckReport {
                    org: "prod-us".into(),
                    findings: vec![
                        Finding {
                            user: jane.clone(),
                            problem: Problem::UncoveredQueue {
                                queue: "Billing".into(),
                                media_type: Some(MediaType::Chat),
                                business_unit: "Acme".into(),
                                management_unit: "Billing MU".into(),
                            },
                            object: "queue Billing (chat)".into(),
                            source: Some(Source {
                                file: "base/profiles.yaml".into(),
                                line: 12,
                                column: 5,
                            }),
                            message: "`jane@acme.example` serves queue `Billing` for chat, which no planning group of business unit `Acme` covers (management unit `Billing MU`)".into(),
                            hint: "add a route path for queue `Billing` (Chat) to a planning group of business unit `Acme`".into(),
                        },
                        Finding {
                            user: jane,
                            problem: Problem::SharedNumber {
                                value: "4100".into(),
                                field: PhoneField::Extension,
                                others: vec![Email::parse("joe@acme.example").unwrap()],
                            },
                            object: "extension 4100".into(),
                            source: None,
                            message: "`jane@acme.example` and `joe@acme.example` would hold the same extension `4100` | twice".into(),
                            hint: "give each user their own extension".into(),
                        },
                    ],
                    not_checked: vec!["DID and extension pools were not read: users' numbers".into()],
                    requests: 14,
                },
                CheckReport {
                    org: "prod-eu".into(),
                    findings: vec![],
                    not_checked: vec![],
                    requests: 9,
                },
            ],
        }
    }

    #[test]
    fn text_groups_findings_by_org_with_hints_and_a_summary() {
        insta::assert_snapshot!(render_text(&sample()));
    }

    #[test]
    fn markdown_is_a_table_per_org() {
        insta::assert_snapshot!(render_markdown(&sample()));
    }

    #[test]
    fn json_flattens_the_kind_into_each_finding() {
        insta::assert_snapshot!(serde_json::to_string_pretty(&sample()).unwrap());
    }

    #[test]
    fn json_reads_back() {
        let json = serde_json::to_string(&sample()).unwrap();
        assert_eq!(serde_json::from_str::<CheckSet>(&json).unwrap(), sample());
    }
}
