//! The one place that parses YAML: text in, a tree of [`Node`]s with byte spans out.
//!
//! Everything else in the crate works on this tree, so the parser can be swapped without
//! touching the decoder. Parsing into a generic tree (rather than straight into typed structs)
//! lets the decoder report every unknown key and wrong type in a file, not only the first.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Spanned};

mod events;

/// A position in one file: 1-based line and column, and the byte range of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

/// A YAML node and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The value.
    pub value: Value,
    /// The node's position; for mappings and sequences, their first line.
    pub pos: Pos,
}

/// A YAML value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// `~`, `null`, or nothing.
    Null,
    /// `true` or `false` (YAML 1.2 spellings only).
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction (or beyond `i64`).
    Float(f64),
    /// Any other scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, duplicates removed (see [`Parsed::duplicates`]).
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// How the value is called in a "wrong type" message.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The text of a scalar as a key or name: strings as they are, numbers and booleans as
    /// written. `None` for null, lists and mappings.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(text) => Some(text.clone()),
            Value::Int(number) => Some(number.to_string()),
            Value::Float(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone)]
pub(crate) struct Duplicate {
    /// The key's text.
    pub key: String,
    /// The first occurrence, which is kept.
    pub first: Pos,
    /// The later occurrence, which is dropped.
    pub second: Pos,
}

/// A parsed file.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The document's root (`Null` for an empty file).
    pub root: Node,
    /// Every repeated key, in source order.
    pub duplicates: Vec<Duplicate>,
}

/// Why a file is not YAML.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    /// The parser's message, without its own location suffix.
    pub message: String,
    /// Where, when the parser knows.
    pub pos: Option<Pos>,
    /// The label under the snippet.
    pub label: String,
    /// What to do about it.
    pub hint: &'static str,
}

/// The hint for a syntax error that is not a tab.
const SYNTAX_HINT: &str = "check this line and the ones just above it: an unclosed `[`, `{` or quote, or a value containing `: ` that needs quotes";

/// Parses one YAML document.
///
/// Ordinary manifests are built straight from the parser's events ([`events`]), in one pass.
/// Anything that path does not handle itself (syntax errors, anchors, tags, merge keys, unusual
/// number spellings, huge files) goes through serde-saphyr, whose answer (tree, or message and
/// position) is the reference: the event path is only ever taken where it gives the same tree.
pub(crate) fn parse(text: &str) -> Result<Parsed, SyntaxError> {
    match events::parse(text) {
        Some(parsed) => Ok(parsed),
        None => parse_with_serde(text),
    }
}

/// Nodes (sequences, mappings, scalars) one file may hold. serde-saphyr's default, 250,000,
/// refuses a file of about 19,000 users that `roster export --split-users-by none` writes;
/// this fits 100,000 users (about 14 nodes each) with room to spare, and still bounds the
/// memory a hostile file can take.
pub(crate) const MAX_NODES: usize = 4_000_000;

/// Parser events one file may produce: about two per node.
const MAX_EVENTS: usize = 2 * MAX_NODES + 1_000;

/// Parses one YAML document through serde-saphyr's deserializer.
fn parse_with_serde(text: &str) -> Result<Parsed, SyntaxError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: MAX_NODES,
            max_events: MAX_EVENTS,
        },
        // YAML 1.1 `yes`/`no`/`on`/`off` booleans surprise people: `title: No` is a string.
        strict_booleans: true,
        // Duplicates reach our visitor so both places can be shown and all of them reported.
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
    };
    let raw = serde_saphyr::from_str_with_options::<Spanned<Raw>>(text, options)
        .map_err(|err| syntax_error(text, &err))?;
    let index = LineIndex::new(text);
    let mut duplicates = Vec::new();
    let root = convert(raw, &index, text, &mut duplicates);
    Ok(Parsed { root, duplicates })
}

/// The parser's error in roster's words, at its place; a tab that indents a line at or
/// before that place is named as the cause, at its own position, since YAML's own message
/// for it ("found character that cannot start any token") does not say "tab" (issue #13).
fn syntax_error(text: &str, err: &serde_saphyr::Error) -> SyntaxError {
    let location = err.location().filter(|loc| loc.line() > 0);
    let mut message = message(err);
    // The parser may stop on the line before a tab ("while scanning a plain scalar, found a
    // tab" at the end of the previous line): then any line may hold it.
    let up_to = match location {
        Some(loc) if !message.contains("tab") => loc.line() as u32,
        _ => u32::MAX,
    };
    if let Some(tab) = indenting_tab(text, up_to) {
        return SyntaxError {
            message: format!(
                "a tab character at {}:{}; YAML indents with spaces",
                tab.line, tab.column
            ),
            pos: Some(tab),
            label: "a tab".to_owned(),
            hint: "replace the tab with spaces",
        };
    }
    let pos = location.map(|loc| {
        let suffix = format!(" at line {}, column {}", loc.line(), loc.column());
        if message.ends_with(&suffix) {
            message.truncate(message.len() - suffix.len());
        }
        let index = LineIndex::new(text);
        let start = index.offset(text, loc.line() as u32, loc.column() as u32);
        let end = next_char_end(text, start);
        Pos {
            line: loc.line() as u32,
            column: loc.column() as u32,
            start: start as u32,
            end: end as u32,
        }
    });
    SyntaxError {
        label: message.clone(),
        message,
        pos,
        hint: SYNTAX_HINT,
    }
}

/// The parser's message without its location (the diagnostic shows that) and without the
/// parser's own vocabulary: budget breaches are said as what they mean for a manifest.
fn message(err: &serde_saphyr::Error) -> String {
    use serde_saphyr::MessageFormatter as _;
    use serde_saphyr::budget::BudgetBreach;
    let err = err.without_snippet();
    if let serde_saphyr::Error::Budget { breach, .. } = err {
        return match breach {
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
                format!("the file holds more than {MAX_NODES} values; split it into several files")
            }
            BudgetBreach::Depth { .. } => "lists and mappings are nested too deeply".to_owned(),
            _ => "the file is too large or too complex to read; split it into several files"
                .to_owned(),
        };
    }
    serde_saphyr::UserMessageFormatter
        .format_message(err)
        .into_owned()
}

/// The first tab in the indentation of a line up to `up_to` (1-based, inclusive).
fn indenting_tab(text: &str, up_to: u32) -> Option<Pos> {
    let mut start = 0;
    for (number, line) in (1..=up_to).zip(text.split_inclusive('\n')) {
        let rest = line.trim_start_matches([' ', '\t']);
        let indent = &line[..line.len() - rest.len()];
        // A blank or comment line may hold tabs: YAML ignores them there.
        let blank = rest.trim().is_empty() || rest.starts_with('#');
        if let Some(at) = indent.find('\t').filter(|_| !blank) {
            return Some(Pos {
                line: number,
                column: at as u32 + 1,
                start: (start + at) as u32,
                end: (start + at + 1) as u32,
            });
        }
        start += line.len();
    }
    None
}

fn next_char_end(text: &str, start: usize) -> usize {
    text[start..]
        .chars()
        .next()
        .filter(|c| *c != '\n')
        .map_or(start, |c| start + c.len_utf8())
}

fn convert(raw: Spanned<Raw>, index: &LineIndex, text: &str, dups: &mut Vec<Duplicate>) -> Node {
    let loc = raw.referenced;
    let span = loc.span();
    let pos = node_pos(
        text,
        loc.line() as u32,
        loc.column() as u32,
        span.byte_offset().map(|offset| offset as usize),
        span.byte_len().map(|len| len as usize),
        || index,
    );
    let value = match raw.value {
        Raw::Null => Value::Null,
        Raw::Bool(flag) => Value::Bool(flag),
        Raw::Int(number) => Value::Int(number),
        Raw::Float(number) => Value::Float(number),
        Raw::Str(string) => Value::Str(string),
        Raw::Seq(items) => Value::Seq(
            items
                .into_iter()
                .map(|item| convert(item, index, text, dups))
                .collect(),
        ),
        Raw::Map(entries) => {
            let mut kept: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key = convert(key, index, text, dups);
                let value = convert(value, index, text, dups);
                add_entry(&mut kept, key, value, dups);
            }
            Value::Map(kept)
        }
    };
    Node { value, pos }
}

/// A node's position from the parser's 1-based line and column and, when it has them, the
/// byte offset and length of its token. Mappings and sequences have no length: their span is
/// their first line. `index` is only consulted when the parser gave no byte offset.
fn node_pos<'i>(
    text: &str,
    line: u32,
    column: u32,
    byte_offset: Option<usize>,
    byte_len: Option<usize>,
    index: impl FnOnce() -> &'i LineIndex,
) -> Pos {
    let start = byte_offset
        .unwrap_or_else(|| index().offset(text, line, column))
        .min(text.len());
    let byte_len = byte_len.unwrap_or(0);
    let end = if byte_len == 0 || start + byte_len > text.len() {
        line_end(text, start)
    } else {
        start + byte_len
    };
    Pos {
        line,
        column,
        start: start as u32,
        end: end.max(start) as u32,
    }
}

/// Adds an entry to a mapping unless its key is already there, in which case the repeat is
/// recorded and the first entry kept.
fn add_entry(kept: &mut Vec<(Node, Node)>, key: Node, value: Node, dups: &mut Vec<Duplicate>) {
    // Keys are nearly always plain strings: compare those without allocating.
    if let Some((first, _)) = kept.iter().find(|(k, _)| same_key(k, &key)) {
        dups.push(Duplicate {
            key: key.scalar_text().unwrap_or_default(),
            first: first.pos,
            second: key.pos,
        });
    } else {
        kept.push((key, value));
    }
}

fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Str(a), Value::Str(b)) => a == b,
        (Value::Str(_), _) | (_, Value::Str(_)) => false,
        _ => a.scalar_text().is_some() && a.scalar_text() == b.scalar_text(),
    }
}

fn line_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    let line = rest.find('\n').map_or(rest, |newline| &rest[..newline]);
    start + line.trim_end().len()
}

/// Byte offsets of line starts, to turn the parser's line and column into a byte offset.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { starts }
    }

    /// The byte offset of a 1-based line and character column, clamped to the text.
    fn offset(&self, text: &str, line: u32, column: u32) -> usize {
        let Some(&line_start) = self.starts.get(line.saturating_sub(1) as usize) else {
            return text.len();
        };
        let skip = column.saturating_sub(1) as usize;
        text[line_start..]
            .char_indices()
            .nth(skip)
            .map_or(text.len(), |(at, _)| line_start + at)
    }
}

/// The parser's own tree, spans on every node.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Raw, E> {
        Ok(Raw::Int(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Raw, E> {
        Ok(i64::try_from(value).map_or(Raw::Float(value as f64), Raw::Int))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Raw, E> {
        Ok(i64::try_from(value).map_or(Raw::Float(value as f64), Raw::Int))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Raw, E> {
        Ok(i64::try_from(value).map_or(Raw::Float(value as f64), Raw::Int))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Raw, E> {
        Ok(Raw::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Raw, E> {
        Ok(Raw::Str(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Raw, E> {
        Ok(Raw::Str(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, pos: Pos) -> &str {
        &text[pos.start as usize..pos.end as usize]
    }

    #[test]
    fn scalars_carry_their_span() {
        let text = "users:\n  - email: \"jane@acme.example\"\n    title: No\n";
        let parsed = parse(text).unwrap();
        let Value::Map(top) = &parsed.root.value else {
            panic!("map")
        };
        let Value::Seq(users) = &top[0].1.value else {
            panic!("seq")
        };
        let Value::Map(user) = &users[0].value else {
            panic!("map")
        };
        assert_eq!(slice(text, user[0].1.pos), "\"jane@acme.example\"");
        assert_eq!((user[1].1.pos.line, user[1].1.pos.column), (3, 12));
        assert!(matches!(&user[1].1.value, Value::Str(s) if s == "No"));
    }

    #[test]
    fn duplicates_are_all_reported_and_the_first_kept() {
        let text = "a: 1\nb: 2\na: 3\nb: 4\n";
        let parsed = parse(text).unwrap();
        let found: Vec<_> = parsed
            .duplicates
            .iter()
            .map(|d| (d.key.as_str(), d.first.line, d.second.line))
            .collect();
        assert_eq!(found, [("a", 1, 3), ("b", 2, 4)]);
        let Value::Map(top) = &parsed.root.value else {
            panic!("map")
        };
        assert!(matches!(top[0].1.value, Value::Int(1)));
    }

    /// A tab that indents a line is named as a tab, at its own line and column, even when
    /// the parser stops on the line before it.
    #[test]
    fn a_tab_is_named_at_its_own_position() {
        let text = "users:\n  - email: ann@acme.example\n\tname: Ann\n";
        let err = parse(text).unwrap_err();
        assert_eq!(
            err.message,
            "a tab character at 3:1; YAML indents with spaces"
        );
        let pos = err.pos.unwrap();
        assert_eq!((pos.line, pos.column), (3, 1));
        assert_eq!(slice(text, pos), "\t");
    }

    /// Tabs on blank and comment lines are harmless and never blamed.
    #[test]
    fn tabs_on_blank_lines_are_not_blamed() {
        assert!(indenting_tab("a: 1\n\t\n  \t# note\nb: [\n", u32::MAX).is_none());
    }

    /// Messages never name the YAML library or its API (issue #13).
    #[test]
    fn messages_never_name_the_library() {
        let broken = [
            "a: [1, 2\nb: 2\n",
            "a: {b: 1\n",
            "a: 1\n a: 2\n",
            "a: *missing\n",
            "a: 'open\n",
            "a: !!binary 12\n",
            "- a\nb: 1\n",
            "a: b: c\n",
        ];
        for text in broken {
            let Err(err) = parse(text) else { continue };
            for word in [
                "saphyr",
                "serde",
                "Options",
                "Policy",
                "Budget",
                "Option<",
                "deserialize",
            ] {
                assert!(!err.message.contains(word), "{text:?}: {}", err.message);
            }
        }
    }

    #[test]
    fn syntax_errors_have_a_position_and_a_clean_message() {
        let err = parse("a: [1, 2\nb: 2\n").unwrap_err();
        let pos = err.pos.unwrap();
        assert_eq!((pos.line, pos.column), (2, 2));
        assert!(!err.message.contains("line 2"), "{}", err.message);
    }

    #[test]
    fn empty_files_are_null() {
        assert!(matches!(parse("").unwrap().root.value, Value::Null));
        assert!(matches!(
            parse("# comment\n").unwrap().root.value,
            Value::Null
        ));
    }
}
