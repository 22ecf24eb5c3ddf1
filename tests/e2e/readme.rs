//! The README's command block (the fenced block under `## Commands`) lists every command and
//! flag the CLI has, and nothing it does not; every other `roster ...` the README shows uses
//! only what exists.

use std::collections::BTreeSet;

use crate::command_lines::{Invocation, cli, invocation, invocations, problems};
use crate::support::repo_path;

/// Flags every command takes; the README explains them once, after the block.
const GLOBAL_FLAGS: [&str; 4] = ["--verbose", "--quiet", "--color", "--help"];

fn readme() -> String {
    std::fs::read_to_string(repo_path("README.md")).unwrap()
}

/// The block's commands: a line starting with `roster`, continued by indented lines; a `#`
/// comment ends a line.
fn command_block(readme: &str) -> Vec<Invocation> {
    let section = readme
        .split_once("\n## Commands\n")
        .expect("the README has a `## Commands` section")
        .1;
    let block = section
        .split_once("```\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("a fenced block under `## Commands`")
        .0;
    let mut commands: Vec<String> = Vec::new();
    for line in block.lines() {
        let line = line.split(" #").next().unwrap_or_default();
        if line.starts_with("roster ") {
            commands.push(line.to_owned());
        } else if line.starts_with(' ') {
            let last = commands
                .last_mut()
                .expect("a continuation follows a command");
            last.push_str(line);
        } else {
            assert!(
                line.trim().is_empty(),
                "unexpected line in the block: {line}"
            );
        }
    }
    commands
        .iter()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().skip(1).collect();
            invocation(&words, line)
        })
        .collect()
}

#[test]
fn the_command_block_lists_every_command_and_flag_and_nothing_else() {
    let block = command_block(&readme());
    let problems: Vec<String> = block.iter().flat_map(problems).collect();
    assert!(
        problems.is_empty(),
        "the README's block:\n{}",
        problems.join("\n")
    );

    let listed: BTreeSet<Vec<String>> = block.iter().map(|i| i.path.clone()).collect();
    for leaf in cli().leaves() {
        assert!(
            listed.contains(&leaf),
            "the README's block lacks `roster {}`",
            leaf.join(" ")
        );
        let shown: BTreeSet<&str> = block
            .iter()
            .filter(|i| i.path == leaf)
            .flat_map(|i| i.flags.iter().map(String::as_str))
            .collect();
        let command = cli().at(&leaf).unwrap();
        let missing: Vec<&str> = command
            .flags
            .iter()
            .map(String::as_str)
            .filter(|flag| flag.starts_with("--") && !GLOBAL_FLAGS.contains(flag))
            .filter(|flag| !shown.contains(flag))
            .collect();
        assert!(
            missing.is_empty(),
            "the README's block shows `roster {}` without {missing:?}",
            leaf.join(" ")
        );
    }
}

#[test]
fn every_roster_command_in_the_readme_exists() {
    let readme = readme();
    // Inline code, fenced and indented blocks; a YAML step's `run:` is a shell line too.
    let code = regex::Regex::new(r"`([^`\n]+)`").unwrap();
    let mut lines: Vec<String> = code
        .captures_iter(&readme)
        .map(|c| c[1].to_owned())
        .collect();
    let mut fenced = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if fenced || line.starts_with("    ") {
            lines.push(
                line.split_once("run: ")
                    .map_or(line, |(_, run)| run)
                    .to_owned(),
            );
        }
    }
    // Prose names roster and its command groups too (`roster sandbox`, "roster retries"):
    // what names a subcommand or shows a flag is checked.
    let found: Vec<Invocation> = lines
        .iter()
        .filter(|line| !line.contains("<command>"))
        .flat_map(|line| invocations(line))
        .filter(|invocation| !invocation.flags.is_empty() || !invocation.path.is_empty())
        .filter(|invocation| {
            let group = cli()
                .at(&invocation.path)
                .is_some_and(|command| !command.subcommands.is_empty());
            !(group && invocation.flags.is_empty())
        })
        .collect();
    assert!(found.len() > 20, "{} commands found", found.len());
    let problems: Vec<String> = found.iter().flat_map(problems).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
