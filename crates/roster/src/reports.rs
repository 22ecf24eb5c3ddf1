//! What the read-only report commands (`drift`, `check`) share: running one workflow per org
//! at once, and the formats a report is printed in.

use std::future::Future;

use futures::future::join_all;
use roster_manifest::OrgSpec;
use serde::Serialize;

use crate::failure::Failure;

/// How a report is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people and logs.
    Text,
    /// For a pull-request comment, an issue or a chat message.
    Markdown,
    /// For tools, following the report's committed schema.
    Json,
}

/// Runs `run` for every org at once: each org's result in the orgs' order, or every org's
/// failure together, each named by its org.
pub async fn each_org<'a, T, E, Fut>(
    orgs: &[&'a OrgSpec],
    run: impl FnMut(&'a OrgSpec) -> Fut,
) -> Result<Vec<T>, Failure>
where
    Fut: Future<Output = Result<T, E>>,
    Failure: From<E>,
{
    let outcomes = join_all(orgs.iter().copied().map(run)).await;
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for (spec, outcome) in orgs.iter().zip(outcomes) {
        match outcome {
            Ok(result) => results.push(result),
            Err(error) => failures.push(Failure::from(error).in_org(&spec.name)),
        }
    }
    if failures.is_empty() {
        Ok(results)
    } else {
        Err(Failure::all(failures))
    }
}

/// A report as pretty JSON, ending with a newline.
pub fn json_text(report: &impl Serialize) -> String {
    let mut json = serde_json::to_string_pretty(report).expect("a report is JSON");
    json.push('\n');
    json
}
