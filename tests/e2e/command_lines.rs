//! The CLI as its `--help` describes it (every subcommand, every flag), and a checker for
//! `roster ...` command lines written in documentation and CI recipes: a line may use only
//! subcommands and flags that exist. Asking the real binary keeps the checker honest: what it
//! accepts is what a user's shell would.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;

use crate::support::{roster, run};

/// One command of the CLI: its flags (long and short, as `--help` lists them) and its
/// subcommands.
#[derive(Debug, Default)]
pub struct CommandHelp {
    /// `--org`, `-v`, ...
    pub flags: BTreeSet<String>,
    /// Subcommands by name (`help` left out).
    pub subcommands: BTreeMap<String, CommandHelp>,
}

impl CommandHelp {
    /// Every leaf command, as its words after `roster` (`["journal", "verify"]`).
    pub fn leaves(&self) -> Vec<Vec<String>> {
        let mut leaves = Vec::new();
        for (name, command) in &self.subcommands {
            if command.subcommands.is_empty() {
                leaves.push(vec![name.clone()]);
            } else {
                for mut leaf in command.leaves() {
                    leaf.insert(0, name.clone());
                    leaves.push(leaf);
                }
            }
        }
        leaves
    }

    /// The command at `path` (words after `roster`).
    pub fn at(&self, path: &[String]) -> Option<&CommandHelp> {
        path.iter()
            .try_fold(self, |command, word| command.subcommands.get(word))
    }
}

/// The whole CLI, read once from `roster --help` and each subcommand's `--help`.
pub fn cli() -> &'static CommandHelp {
    static CLI: OnceLock<CommandHelp> = OnceLock::new();
    CLI.get_or_init(|| read_help(&[]))
}

fn read_help(path: &[&str]) -> CommandHelp {
    let help = run(roster().args(path).arg("--help"));
    assert_eq!(help.code, 0, "roster {path:?} --help: {}", help.stderr);
    let flag = Regex::new(r"(?m)^\s{2,}(?:(-[a-zA-Z]), )?(--[a-z][a-z0-9-]*)").unwrap();
    let mut command = CommandHelp::default();
    for found in flag.captures_iter(&help.stdout) {
        if let Some(short) = found.get(1) {
            command.flags.insert(short.as_str().to_owned());
        }
        command.flags.insert(found[2].to_owned());
    }
    let mut in_commands = false;
    let name = Regex::new(r"^  ([a-z][a-z-]*)\s").unwrap();
    for line in help.stdout.lines() {
        if line == "Commands:" {
            in_commands = true;
        } else if line.is_empty() {
            in_commands = false;
        } else if in_commands && let Some(found) = name.captures(line) {
            let sub = &found[1];
            if sub != "help" {
                let mut sub_path = path.to_vec();
                sub_path.push(sub);
                command
                    .subcommands
                    .insert(sub.to_owned(), read_help(&sub_path));
            }
        }
    }
    command
}

/// A `roster` invocation found in a text: the subcommand path and the flags it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The words naming the subcommand (`["journal", "show"]`).
    pub path: Vec<String>,
    /// Every `-x` / `--flag` after it, without `=value`.
    pub flags: Vec<String>,
    /// The command as written, for messages.
    pub line: String,
}

/// Every `roster ...` simple command in a shell script or a documentation line: the first
/// word of a command (after `|`, `&&`, `;`, `$(`, `VAR=value`...) that is `roster` or a path
/// ending in `/roster`. Lines ending in `\` continue on the next.
pub fn invocations(script: &str) -> Vec<Invocation> {
    let joined = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        let line = line.split(" #").next().unwrap_or_default();
        if line.trim_start().starts_with('#') {
            continue;
        }
        // A redirection's target (`> ~/.../roster`) is a file, not a command.
        let line = redirection().replace_all(line, " ");
        let spaced = [
            "$(", "||", "&&", "|", ";", "(", ")", "`", "then ", "do ", "!",
        ]
        .iter()
        .fold(line.into_owned(), |text, separator| {
            text.replace(separator, " \u{1} ")
        });
        for simple in spaced.split('\u{1}') {
            let words: Vec<&str> = simple
                .split_whitespace()
                .skip_while(|word| is_assignment(word))
                .collect();
            let Some((&first, rest)) = words.split_first() else {
                continue;
            };
            if first != "roster" && !first.ends_with("/roster") {
                continue;
            }
            found.push(invocation(rest, simple.trim()));
        }
    }
    found
}

/// `roster journal show`, `roster`.
fn command_name(path: &[String]) -> String {
    std::iter::once("roster")
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

fn redirection() -> &'static Regex {
    static REDIRECTION: OnceLock<Regex> = OnceLock::new();
    REDIRECTION.get_or_init(|| Regex::new(r"[0-9]*(>>?|<)&?\s*[^\s;|&)]+").unwrap())
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The invocation `roster WORDS...`, written as `line`: subcommand words until the first flag
/// or argument that is not one, then every flag. Usage notation (`[--org NAME]...`) is read
/// as the flags it shows.
pub fn invocation(words: &[&str], line: &str) -> Invocation {
    let cli = cli();
    let mut command = cli;
    let mut path = Vec::new();
    let mut flags = Vec::new();
    for word in words {
        let word = word.trim_matches(|c| matches!(c, '[' | ']' | '"' | '\''));
        let word = word.trim_end_matches("...");
        if word.starts_with('-') && word.len() > 1 {
            flags.push(word.split('=').next().unwrap_or(word).to_owned());
        } else if flags.is_empty()
            && let Some(sub) = command.subcommands.get(word)
        {
            path.push(word.to_owned());
            command = sub;
        }
    }
    Invocation {
        path,
        flags,
        line: line.to_owned(),
    }
}

/// What is wrong with an invocation: no subcommand (unless only flags of `roster` itself, as
/// `roster --version`), a subcommand that has subcommands of its own left out, or flags its
/// `--help` does not list.
pub fn problems(invocation: &Invocation) -> Vec<String> {
    let cli = cli();
    let Some(command) = cli
        .at(&invocation.path)
        .filter(|_| !invocation.path.is_empty() || !invocation.flags.is_empty())
    else {
        return vec![format!(
            "`{}`: no roster subcommand (known: {})",
            invocation.line,
            cli.subcommands
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )];
    };
    if !command.subcommands.is_empty() && !invocation.path.is_empty() {
        return vec![format!(
            "`{}`: `roster {}` needs one of its subcommands",
            invocation.line,
            invocation.path.join(" ")
        )];
    }
    invocation
        .flags
        .iter()
        .filter(|flag| !command.flags.contains(*flag))
        .map(|flag| {
            format!(
                "`{}`: `{}` has no flag `{flag}`",
                invocation.line,
                command_name(&invocation.path)
            )
        })
        .collect()
}

#[test]
fn the_checker_finds_invocations_and_refuses_what_does_not_exist() {
    let script = "\
set -e
code=0
ROSTER_ORG=demo roster plan --format markdown --out=plan.json > plan.md || code=$?
echo done && ~/.cargo/bin/roster apply \\
  --plan plan.json --yes
cargo install --locked --path . # installs roster
roster journal verify .roster/journal/demo.jsonl
roster plan --no-such-flag
roster frobnicate
roster journal --user x
roster --version
roster --no-such-flag
";
    let found = invocations(script);
    let paths: Vec<String> = found.iter().map(|i| i.path.join(" ")).collect();
    assert_eq!(
        paths,
        [
            "plan",
            "apply",
            "journal verify",
            "plan",
            "",
            "journal",
            "",
            ""
        ]
    );
    assert_eq!(found[0].flags, ["--format", "--out"]);
    assert_eq!(found[1].flags, ["--plan", "--yes"]);
    let problems: Vec<Vec<String>> = found.iter().map(problems).collect();
    assert!(problems[..3].iter().all(Vec::is_empty), "{problems:?}");
    assert_eq!(
        problems[3],
        ["`roster plan --no-such-flag`: `roster plan` has no flag `--no-such-flag`"]
    );
    assert!(
        problems[4][0].contains("no roster subcommand"),
        "{problems:?}"
    );
    assert!(
        problems[5][0].contains("needs one of its subcommands"),
        "{problems:?}"
    );
}
