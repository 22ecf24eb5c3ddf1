//! Secrets never leave a manifest through roster: keys that look like secrets, and the text
//! a snippet shows with their values blanked.
//!
//! Credentials are written only by reference (`{ env: VAR }` or `{ file: PATH }`). A value
//! written inline anyway is an error, and the error's snippet, printed by `roster validate` in
//! CI logs that are often public, must not print it back. Nor may any other diagnostic whose
//! snippet happens to show that line as context. So every line of every manifest is scanned
//! as text (a file that does not parse has no tree, and its snippet shows lines too) and the
//! value of any key that looks like a secret is replaced by [`REDACTED`] before rendering
//! (issue #12).

use std::ops::Range;

/// What a snippet shows instead of a secret's value.
pub(crate) const REDACTED: &str = "<redacted>";

/// Words that make a key a secret's, wherever they are in it (lower case, no separators).
const SECRET_PARTS: [&str; 9] = [
    "secret",
    "password",
    "passwd",
    "passphrase",
    "apikey",
    "privatekey",
    "accesskey",
    "credential",
    "bearer",
];

/// Whether a mapping key names a secret: `clientSecret`, `password`, `apiKey`, `token`,
/// `accessToken`, `credentials`, ... Compared without case, `_` or `-`. `tokens` (a rate
/// limit's burst size) is not one.
pub(crate) fn looks_like_secret(key: &str) -> bool {
    let folded: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_PARTS.iter().any(|part| folded.contains(part))
        || folded.ends_with("token")
        || folded.ends_with("pwd")
}

/// One replaced value: the bytes `range` of the original text became [`REDACTED`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    range: Range<usize>,
}

/// A text with the values of secret-looking keys replaced, and how to move a byte offset of
/// the original into it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Redacted {
    /// The text to show; `None` when nothing was replaced (the original is shown).
    text: Option<String>,
    edits: Vec<Edit>,
}

impl Redacted {
    /// Scans `original` and replaces every secret value in it.
    pub(crate) fn new(original: &str) -> Self {
        let ranges = secret_values(original);
        if ranges.is_empty() {
            return Redacted::default();
        }
        let mut text = String::with_capacity(original.len());
        let mut at = 0;
        for range in &ranges {
            text.push_str(&original[at..range.start]);
            text.push_str(REDACTED);
            at = range.end;
        }
        text.push_str(&original[at..]);
        Redacted {
            text: Some(text),
            edits: ranges.into_iter().map(|range| Edit { range }).collect(),
        }
    }

    /// The text to show in snippets.
    pub(crate) fn text<'a>(&'a self, original: &'a str) -> &'a str {
        self.text.as_deref().unwrap_or(original)
    }

    /// `span` of the original text, moved into the shown text. A span that starts or ends
    /// inside a replaced value covers the whole replacement.
    pub(crate) fn span(&self, span: &Range<usize>) -> Range<usize> {
        let start = self.offset(span.start, false);
        let end = self.offset(span.end, true).max(start);
        start..end
    }

    fn offset(&self, offset: usize, is_end: bool) -> usize {
        // Bytes of the original replaced so far, and bytes of replacement written for them.
        let (mut removed, mut added) = (0, 0);
        for edit in &self.edits {
            let Range { start, end } = edit.range;
            let new_start = start - removed + added;
            if offset < start || (offset == start && !is_end) {
                break;
            }
            if offset < end || (offset == end && is_end) {
                // Inside the value: the start of a span goes to the replacement's start, its end
                // to the replacement's end.
                return if is_end && offset > start {
                    new_start + REDACTED.len()
                } else {
                    new_start
                };
            }
            removed += end - start;
            added += REDACTED.len();
        }
        offset - removed + added
    }
}

/// Whether a snippet hides the value written under `key`: a secret's, and any `url`'s, since
/// chat webhook URLs (Slack, Teams) carry their own secret and may be written inline by
/// mistake (issue #16). `url` is not a secret-looking key otherwise: it is a known key of
/// `notify:`, and an unknown key containing it is not reported as a secret.
fn hides_value(key: &str) -> bool {
    looks_like_secret(key) || key.eq_ignore_ascii_case("url")
}

/// The byte ranges of the passwords of URLs written with credentials
/// (`smtps://user:password@host`), wherever they are.
fn url_passwords(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("://") {
        let start = from + at + 3;
        let authority_end = text[start..]
            .find(|c: char| "/?#\"', }]\n\r\t".contains(c))
            .map_or(text.len(), |end| start + end);
        let authority = &text[start..authority_end];
        if let Some(at_sign) = authority.rfind('@')
            && let Some(colon) = authority[..at_sign].find(':')
            && colon + 1 < at_sign
        {
            found.push(start + colon + 1..start + at_sign);
        }
        from = authority_end.max(start);
    }
    found
}

/// The byte ranges of every value written under a secret-looking key, and of every password
/// in a URL, in order.
fn secret_values(text: &str) -> Vec<Range<usize>> {
    let mut found = keyed_values(text);
    for password in url_passwords(text) {
        if !found
            .iter()
            .any(|range| range.start < password.end && password.start < range.end)
        {
            found.push(password);
        }
    }
    found.sort_by_key(|range| range.start);
    found
}

/// The byte ranges of every value written under a key whose value is hidden, in order.
fn keyed_values(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    // A secret key whose value is on the following lines: its indentation, and whether the
    // value is a block scalar (`|`, `>`), whose every more-indented line is the secret.
    let mut pending: Option<(usize, bool)> = None;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start_matches(' ').len();
        let blank = content.trim().is_empty();
        if let Some((key_indent, block)) = pending {
            if blank || indent > key_indent {
                let body = content.trim();
                let continues = block || !(blank || is_structure(body));
                if continues {
                    if !blank {
                        let start = line_start + indent;
                        let end = line_start + content.trim_end().len();
                        found.push(start..end);
                    }
                    line_start += line.len();
                    continue;
                }
                if !blank {
                    pending = None;
                }
            } else {
                pending = None;
            }
        }
        if let Some(next) = scan_line(content, line_start, &mut found) {
            pending = Some((indent, next));
        }
        line_start += line.len();
    }
    found
}

/// Whether a line more indented than an empty-valued key starts a mapping or a list (so the
/// key holds structure, scanned on its own) rather than continuing a plain scalar.
fn is_structure(body: &str) -> bool {
    body.starts_with('#') || body.starts_with("- ") || body == "-" || key_end(body).is_some()
}

/// Scans one line, adding the ranges of secret values written on it to `found`. Answers
/// `Some(block)` when the line ends with a secret key whose value starts on the next line.
fn scan_line(line: &str, offset: usize, found: &mut Vec<Range<usize>>) -> Option<bool> {
    let bytes = line.as_bytes();
    // Where a key may start: after the indentation and any `- ` markers, and after `{` or `,`.
    let mut i = line.len() - line.trim_start().len();
    while line[i..].starts_with("- ") {
        i += 2;
        i += line[i..].len() - line[i..].trim_start().len();
    }
    let mut key_start = true;
    let mut depth = 0usize;
    while i < bytes.len() {
        if key_start {
            key_start = false;
            let rest = &line[i..];
            let skipped = rest.len() - rest.trim_start().len();
            i += skipped;
            if let Some((key, after)) = key_end(&line[i..]) {
                let value_at = i + after;
                if hides_value(key) {
                    match secret_value(line, value_at, depth > 0) {
                        Value::Range(range) => {
                            found.push(offset + range.start..offset + range.end);
                            i = range.end;
                            continue;
                        }
                        Value::Next { block } => return Some(block),
                        Value::Structure => {}
                    }
                }
                i = value_at;
                continue;
            }
        }
        match bytes[i] {
            b'#' if i == 0 || bytes[i - 1] == b' ' => break,
            b'"' | b'\'' => i = quoted_end(line, i),
            b'{' | b'[' => {
                depth += 1;
                key_start = bytes[i] == b'{';
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b',' if depth > 0 => {
                key_start = true;
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// A mapping key at the start of `text`: its text (quotes removed) and the byte offset just
/// past the `:` and the spaces after it. `None` if `text` does not start with `key:`.
fn key_end(text: &str) -> Option<(&str, usize)> {
    let first = *text.as_bytes().first()?;
    let (key, colon) = if first == b'"' || first == b'\'' {
        let close = text[1..].find(char::from(first))? + 1;
        (&text[1..close], close + 1)
    } else {
        // The first `: ` (or `:` at the end) ends a plain key, unless a flow indicator or a
        // comment comes first.
        let colon = text
            .char_indices()
            .find(|&(at, c)| {
                let ends_key = c == ':'
                    && text[at + 1..]
                        .chars()
                        .next()
                        .is_none_or(char::is_whitespace);
                ends_key || matches!(c, ',' | '{' | '}' | '[' | ']' | '#')
            })
            .filter(|&(_, c)| c == ':')?
            .0;
        (text[..colon].trim_end(), colon)
    };
    let after = text[colon..].strip_prefix(':')?;
    if !after.is_empty() && !after.starts_with([' ', '\t']) {
        return None;
    }
    let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
    Some((key, colon + 1 + spaces))
}

/// What follows a secret key.
enum Value {
    /// A scalar written on the line, at these bytes of it.
    Range(Range<usize>),
    /// A mapping (a reference such as `{ env: VAR }`), scanned like any other.
    Structure,
    /// Nothing on this line: the value, if any, is on the next lines.
    Next {
        /// `|` or `>`: every more-indented line is the value.
        block: bool,
    },
}

fn secret_value(line: &str, at: usize, in_flow: bool) -> Value {
    let rest = &line[at..];
    match rest.as_bytes().first() {
        None | Some(b'#') => Value::Next { block: false },
        Some(b'{') => Value::Structure,
        Some(b'|' | b'>') => Value::Next { block: true },
        Some(b'"' | b'\'') => Value::Range(at..quoted_end(line, at)),
        Some(b'[') => {
            let end = rest.find(']').map_or(line.len(), |close| at + close + 1);
            Value::Range(at..end)
        }
        Some(_) => {
            let mut end = rest.find(" #").map_or(line.len(), |comment| at + comment);
            if in_flow && let Some(stop) = rest.find([',', '}', ']']) {
                end = end.min(at + stop);
            }
            let end = at + line[at..end].trim_end().len();
            Value::Range(at..end)
        }
    }
}

/// The byte just past the quoted scalar starting at `start` (or the line's end if it does
/// not close on this line).
fn quoted_end(line: &str, start: usize) -> usize {
    let bytes = line.as_bytes();
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && quote == b'"' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_and_url_values_are_hidden() {
        let text = "a: { smtp: \"smtps://bot:hunter2@mail.example:465\", from: x@y.example }\nb: { url: \"https://hooks.slack.com/services/T0/B0/x\" }\nc: smtp://relay:25\n";
        let shown = Redacted::new(text);
        let shown = shown.text(text);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("smtps://bot:<redacted>@mail.example:465"),
            "{shown}"
        );
        assert!(!shown.contains("hooks.slack.com"), "{shown}");
        // A port is not a password.
        assert!(shown.contains("c: smtp://relay:25"), "{shown}");
        assert!(!looks_like_secret("url"));
    }

    fn shown(text: &str) -> String {
        Redacted::new(text).text(text).to_owned()
    }

    #[test]
    fn secret_looking_keys() {
        for key in [
            "clientSecret",
            "client_secret",
            "password",
            "PASSWORD",
            "db-passwd",
            "apiKey",
            "api_key",
            "token",
            "accessToken",
            "refresh-token",
            "credentials",
            "secret",
            "privateKey",
        ] {
            assert!(looks_like_secret(key), "{key}");
        }
        for key in [
            "tokens", "clientId", "name", "email", "env", "file", "title",
        ] {
            assert!(!looks_like_secret(key), "{key}");
        }
    }

    #[test]
    fn inline_values_of_secret_keys_are_replaced() {
        let text = "orgs:\n  prod:\n    credentials:\n      clientId: { env: PROD_ID }\n      clientSecret: s3cr3t-value   # oops\n    include: [base]\n";
        assert_eq!(
            shown(text),
            "orgs:\n  prod:\n    credentials:\n      clientId: { env: PROD_ID }\n      clientSecret: <redacted>   # oops\n    include: [base]\n"
        );
    }

    #[test]
    fn references_are_shown() {
        let text = "credentials:\n  clientId: { env: ID }\n  clientSecret: { file: .secrets/prod }\ncredentials: { clientSecret: { env: X } }\n";
        assert_eq!(shown(text), text);
        assert_eq!(Redacted::new(text), Redacted::default());
    }

    #[test]
    fn quoted_flow_list_and_sequence_values_are_replaced() {
        let text = concat!(
            "- password: \"hunter2 # not a comment\"\n",
            "  token: 'it''s'\n",
            "  apiKey: [abc, def]\n",
            "credentials: { clientId: { env: ID }, clientSecret: s3cr3t, other: 1 }\n",
            "\"client_secret\": plain\n",
            "tokens: 3\n",
        );
        assert_eq!(
            shown(text),
            concat!(
                "- password: <redacted>\n",
                "  token: <redacted>\n",
                "  apiKey: <redacted>\n",
                "credentials: { clientId: { env: ID }, clientSecret: <redacted>, other: 1 }\n",
                "\"client_secret\": <redacted>\n",
                "tokens: 3\n",
            )
        );
    }

    #[test]
    fn values_on_the_next_lines_are_replaced_but_nested_mappings_are_scanned() {
        let text = concat!(
            "password: |\n",
            "  line one\n",
            "\n",
            "  line two\n",
            "secret:\n",
            "  plain continued\n",
            "credentials:\n",
            "  clientSecret:\n",
            "    env: VAR\n",
            "  clientId: { env: ID }\n",
            "name: after\n",
        );
        assert_eq!(
            shown(text),
            concat!(
                "password: |\n",
                "  <redacted>\n",
                "\n",
                "  <redacted>\n",
                "secret:\n",
                "  <redacted>\n",
                "credentials:\n",
                "  clientSecret:\n",
                "    env: VAR\n",
                "  clientId: { env: ID }\n",
                "name: after\n",
            )
        );
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let text = "skills:\n  - name: Password Reset # a skill, not a secret\nusers:\n  - email: a@b.example\n    title: \"Token: ring\"\n";
        assert_eq!(shown(text), text);
    }

    #[test]
    fn spans_move_with_the_replacements() {
        let text = "a: 1\nclientSecret: s3cr3t-value\nb: 2\n";
        let redacted = Redacted::new(text);
        let shown = redacted.text(text);
        let value = text.find("s3cr3t").unwrap();
        let value_span = value..value + "s3cr3t-value".len();
        assert_eq!(&shown[redacted.span(&value_span)], REDACTED);
        let b = text.find("b: 2").unwrap();
        assert_eq!(&shown[redacted.span(&(b..b + 4))], "b: 2");
        let a = 0..4;
        assert_eq!(&shown[redacted.span(&a)], "a: 1");
        // A span over the whole line keeps the key and the replacement.
        let line = text.find("clientSecret").unwrap();
        assert_eq!(
            &shown[redacted.span(&(line..value_span.end))],
            "clientSecret: <redacted>"
        );
        // A span that ends inside the value ends after the replacement.
        assert_eq!(
            &shown[redacted.span(&(line..value + 3))],
            "clientSecret: <redacted>"
        );
    }
}
