//! Output formats for diagnostics: compiler-style text, JSON for tools, and GitHub Actions
//! workflow commands so problems show inline on a pull request.

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Location, Severity, SourceMap};

pub(crate) fn render_text(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut group = Group::with_title(level.primary_title(diagnostic.message.as_str()));
    // Snippets per file, primary first, related places in other files after it.
    let mut places: Vec<(&Location, &str, bool)> = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        places.push((primary, diagnostic.label.as_deref().unwrap_or(""), true));
    }
    for (location, label) in &diagnostic.related {
        places.push((location, label.as_str(), false));
    }
    let mut files: Vec<&str> = Vec::new();
    for (location, _, _) in &places {
        if !files.contains(&location.file.as_str()) {
            files.push(&location.file);
        }
    }
    for file in files {
        let here = places
            .iter()
            .filter(|(location, _, _)| location.file == file);
        // Never the text as read: secret values are replaced (issue #12).
        match sources.shown(file) {
            Some((text, redacted)) => {
                let mut snippet = Snippet::source(text).path(file).fold(true);
                for (location, label, primary) in here {
                    let kind = if *primary {
                        AnnotationKind::Primary
                    } else {
                        AnnotationKind::Context
                    };
                    let span = clamp(&redacted.span(&location.span), text.len());
                    let annotation = kind.span(span);
                    snippet = snippet.annotation(if label.is_empty() {
                        annotation
                    } else {
                        annotation.label(*label)
                    });
                }
                group = group.element(snippet);
            }
            None => {
                for (location, label, _) in here {
                    group = group.element(
                        annotate_snippets::Origin::path(file)
                            .line(location.line as usize)
                            .char_column(location.column.saturating_sub(1) as usize),
                    );
                    if !label.is_empty() {
                        group = group.element(Level::NOTE.message(*label));
                    }
                }
            }
        }
    }
    for note in &diagnostic.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(hint) = &diagnostic.hint {
        group = group.element(Level::HELP.with_name("hint").message(hint.as_str()));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    renderer.render(&[group])
}

fn clamp(span: &std::ops::Range<usize>, len: usize) -> std::ops::Range<usize> {
    let start = span.start.min(len);
    start..span.end.clamp(start, len)
}

/// One diagnostic as JSON.
#[derive(Debug, Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    label: Option<&'a str>,
    hint: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

#[derive(Debug, Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

/// The diagnostics as a pretty-printed JSON array: `severity`, `code`, `message`, `file`,
/// `line`, `column`, `label`, `hint`, `related` (`file`, `line`, `column`, `message`) and,
/// when there are any, `notes`.
pub fn render_json(diagnostics: &[Diagnostic]) -> String {
    let items: Vec<JsonDiagnostic<'_>> = diagnostics
        .iter()
        .map(|diagnostic| JsonDiagnostic {
            severity: diagnostic.severity,
            code: diagnostic.code,
            message: &diagnostic.message,
            file: diagnostic.primary.as_ref().map(|at| at.file.as_str()),
            line: diagnostic.primary.as_ref().map(|at| at.line),
            column: diagnostic.primary.as_ref().map(|at| at.column),
            label: diagnostic.label.as_deref(),
            hint: diagnostic.hint.as_deref(),
            related: diagnostic
                .related
                .iter()
                .map(|(at, message)| JsonRelated {
                    file: &at.file,
                    line: at.line,
                    column: at.column,
                    message,
                })
                .collect(),
            notes: &diagnostic.notes,
        })
        .collect();
    // Serializing plain strings and numbers cannot fail.
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| String::from("[]"))
}

/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), one line per
/// diagnostic, so problems show inline on a pull request. Notes and the hint follow the
/// message.
pub fn github_annotations(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = diagnostic.message.clone();
        for note in &diagnostic.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        if let Some(hint) = &diagnostic.hint {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        let mut properties = Vec::new();
        if let Some(at) = &diagnostic.primary {
            properties.push(format!("file={}", escape_property(&at.file)));
            properties.push(format!("line={}", at.line));
            properties.push(format!("col={}", at.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("roster {}", diagnostic.code))
        ));
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        );
    }
    out
}

/// Workflow command data escaping (`actions/toolkit` `escapeData`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command property escaping (`actions/toolkit` `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The location of the bytes `start..start + len` of `text`.
    fn at(text: &str, start: usize, len: usize) -> Location {
        let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
        Location {
            file: "base/routing.yaml".to_owned(),
            line: text[..start].matches('\n').count() as u32 + 1,
            column: (start - line_start) as u32 + 1,
            span: start..start + len,
        }
    }

    /// A snippet's context lines come from the redacted text too: a secret two lines away
    /// from the problem is not printed.
    #[test]
    fn context_lines_never_show_a_secret() {
        let text =
            "skills:\n  - name: Billing\n    token: tk-123-live\n  - name: Billing # again\n";
        let mut sources = SourceMap::new();
        sources.insert("base/routing.yaml", text);
        let diagnostic = Diagnostic::error("duplicate-name", "skill `Billing` is declared twice")
            .at(
                at(text, text.rfind("Billing").unwrap(), 7),
                "declared again here",
            )
            .related(
                at(text, text.find("Billing").unwrap(), 7),
                "first declared here",
            );
        let rendered = diagnostic.render(&sources, false);
        assert!(!rendered.contains("tk-123"), "{rendered}");
        assert!(
            rendered.contains("3 |     token: <redacted>\n"),
            "{rendered}"
        );
        assert!(
            rendered.contains("4 |   - name: Billing # again\n"),
            "{rendered}"
        );
        assert!(
            rendered.contains("^^^^^^^ declared again here"),
            "{rendered}"
        );
        // The text as read is kept for everything else.
        assert_eq!(sources.get("base/routing.yaml"), Some(text));
    }
}
