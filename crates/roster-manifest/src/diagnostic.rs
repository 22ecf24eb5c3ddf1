//! Problems found in manifests, where they are, and what to do about them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;

use crate::secret::Redacted;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The manifests cannot be used; `roster validate` exits 1.
    Error,
    /// Worth a look; does not fail validation.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// The kinds of problems, in the order they are shown: a problem of one class is often the
/// cause of problems of the later ones (a file that does not parse leaves every reference
/// into it unknown), and a pull request shows only the first few annotations (issue #13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// A file that cannot be read, is not YAML, is missing or is empty.
    File,
    /// A file that is YAML but not a manifest: unknown keys, wrong types, bad values.
    Shape,
    /// Names that do not fit together across files: unknown references, duplicates, cycles.
    Reference,
}

impl Class {
    /// The class of a diagnostic code; codes not listed are shape problems.
    pub fn of(code: &str) -> Class {
        match code {
            "no-roster-yaml" | "unreadable" | "yaml-syntax" | "include-missing"
            | "include-empty" | "seed-missing" | "empty-file" => Class::File,
            "unknown-reference"
            | "duplicate-name"
            | "former-name-conflict"
            | "manager-cycle"
            | "inactive-manager"
            | "reactivate-inactive"
            | "template-missing"
            | "unknown-channel"
            | "acknowledge-without-link" => Class::Reference,
            _ => Class::Shape,
        }
    }
}

/// A place in a manifest file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// Path relative to the workspace root, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Byte range of the token in the file, for the snippet.
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

impl Location {
    /// The location as the model's [`roster_model::Source`].
    pub fn to_source(&self) -> roster_model::Source {
        roster_model::Source {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
        }
    }

    /// A location at the start of a file, for problems with a whole file.
    pub fn file_start(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
            span: 0..0,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One problem, with everything needed to render it like a compiler would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, kebab-case identifier (`unknown-key`), for scripts and docs.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is wrong; `None` for problems with no single place (a missing `roster.yaml`).
    pub primary: Option<Location>,
    /// The label under the primary snippet.
    pub label: Option<String>,
    /// Other places that explain the problem (the first declaration of a duplicate).
    pub related: Vec<(Location, String)>,
    /// What to do about it.
    pub hint: Option<String>,
    /// Facts that explain it or what was left out because of it ("42 references to teams
    /// were not checked because `teams.yaml` did not parse"), one line each.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new error with no location yet.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: None,
            label: None,
            related: Vec::new(),
            hint: None,
            notes: Vec::new(),
        }
    }

    /// A new warning with no location yet.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Sets the primary location and its label.
    #[must_use]
    pub fn at(mut self, location: Location, label: impl Into<String>) -> Self {
        self.primary = Some(location);
        self.label = Some(label.into()).filter(|label: &String| !label.is_empty());
        self
    }

    /// Adds a related location.
    #[must_use]
    pub fn related(mut self, location: Location, label: impl Into<String>) -> Self {
        self.related.push((location, label.into()));
        self
    }

    /// Sets the hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic the way cargo does: title, ` --> file:line:col`, snippets with
    /// labels, `= hint: ...`. `color` adds ANSI styles; the caller decides (terminal and no
    /// `NO_COLOR`).
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        crate::render::render_text(self, sources, color)
    }

    /// What kind of problem this is, for the order problems are shown in.
    pub fn class(&self) -> Class {
        Class::of(self.code)
    }

    /// Sort key: class (root causes first), then file, line, column and message, so the
    /// cause of the other problems is shown first and output is stable whatever order the
    /// checks ran in.
    pub(crate) fn sort_key(&self) -> impl Ord + '_ {
        (
            self.class(),
            self.primary
                .as_ref()
                .map(|at| (at.file.as_str(), at.line, at.column)),
            self.severity,
            self.message.as_str(),
        )
    }
}

/// The text of every file read, by path relative to the workspace root, for snippets.
///
/// Snippets show a file's text with the values of secret-looking keys replaced
/// (`crate::secret`), worked out once per file, the first time a snippet needs it.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: BTreeMap<String, (String, OnceLock<Redacted>)>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds (or replaces) a file's text.
    pub fn insert(&mut self, file: impl Into<String>, text: impl Into<String>) {
        self.files
            .insert(file.into(), (text.into(), OnceLock::new()));
    }

    /// A file's text, as read.
    pub fn get(&self, file: &str) -> Option<&str> {
        self.files.get(file).map(|(text, _)| text.as_str())
    }

    /// A file's text as snippets show it (secret values replaced), and the replacements, to
    /// move spans of the text as read into it.
    pub(crate) fn shown(&self, file: &str) -> Option<(&str, &Redacted)> {
        let (text, redacted) = self.files.get(file)?;
        let redacted = redacted.get_or_init(|| Redacted::new(text));
        Some((redacted.text(text), redacted))
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
