//! Every case under `tests/fixtures/manifests/invalid/<case>/` is a tiny workspace with
//! mistakes; its diagnostics, rendered without colors, are snapshotted. Review each snapshot
//! by eye: the file, line, column and hint must be right, not merely stable.

use std::fmt::Write as _;

use roster_manifest::load_workspace;

use crate::fixtures;

fn render_case(case: &str) -> String {
    let root = fixtures().join("invalid").join(case);
    let loaded = load_workspace(&root);
    let mut out = String::new();
    for diagnostic in &loaded.diagnostics {
        out.push_str(&diagnostic.render(&loaded.sources, false));
        out.push_str("\n\n");
    }
    writeln!(
        out,
        "{} errors, {} warnings; workspace loaded: {}",
        loaded.error_count(),
        loaded.warning_count(),
        loaded.workspace.is_some()
    )
    .unwrap();
    out
}

#[test]
fn every_invalid_case_is_snapshotted() {
    let dir = fixtures().join("invalid");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    let root = dir.to_string_lossy().into_owned();
    for case in cases {
        let rendered = render_case(&case);
        assert!(
            rendered.contains("error") || rendered.contains("warning"),
            "{case} produced no diagnostic"
        );
        insta::with_settings!({
            snapshot_suffix => case.clone(),
            filters => vec![(root.as_str(), "[FIXTURES]")],
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!("invalid", rendered);
        });
    }
}

/// Only warnings: the workspace still loads.
#[test]
fn warnings_do_not_fail_the_load() {
    let loaded = load_workspace(&fixtures().join("invalid/inactive-manager"));
    assert_eq!(loaded.error_count(), 0);
    assert_eq!(loaded.warning_count(), 1);
    assert!(loaded.workspace.is_some());
}

/// A base file included by two orgs reports its own problems once, naming both orgs where
/// both are affected and one org where only one is.
#[test]
fn shared_files_report_once() {
    let loaded = load_workspace(&fixtures().join("invalid/shared-file-two-orgs"));
    let found: Vec<(&str, Option<&str>)> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.message.as_str(), d.hint.as_deref()))
        .collect();
    insta::assert_debug_snapshot!(found);
}
