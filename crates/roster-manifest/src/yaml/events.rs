//! The fast path of [`super::parse`]: the node tree built straight from the YAML parser's
//! events, in one pass, with no intermediate tree and no deserializer in between.
//!
//! serde-saphyr (whose parser this is) stays the reference. This path accepts only what it can
//! prove serde-saphyr would read the same way: one untagged document without anchors, aliases
//! or merge keys, scalar keys, and scalars whose type is plain to see (strings, `null`, YAML 1.2
//! booleans, short decimal numbers), in a file far inside serde-saphyr's default budget. On
//! anything else it returns `None` and the caller asks serde-saphyr, so messages, positions and
//! edge cases (`0x1F`, `1e3`, `.inf`, `<<`, `!!str`) come from one place.

use std::borrow::Cow;
use std::cell::OnceCell;

use granit_parser::{Event, Parser, ScalarStyle, Span};

use super::{Duplicate, LineIndex, Node, Parsed, Value, add_entry, node_pos};

/// Files above this size go to serde-saphyr, whose budget caps scalar and comment bytes at
/// 64 MiB each: far below the cap, the budget cannot be what decides.
const MAX_BYTES: usize = 32 * 1024 * 1024;
/// The node budget both paths share ([`super::MAX_NODES`]); stay clear of the edge.
const MAX_NODES: usize = super::MAX_NODES - super::MAX_NODES / 8;
/// serde-saphyr's budget allows a depth of 64; stay clear of the edge.
const MAX_DEPTH: usize = 48;

/// The parser options serde-saphyr 2 uses with its default budget and options, so the parser
/// accepts and rejects exactly the same texts on both paths.
fn options() -> granit_parser::Options {
    granit_parser::options! {
        simple_key_max_lookahead: 1024,
        flow_nesting_limit: 255,
        block_nesting_limit: 255,
        emit_comments: true,
        max_buffered_comment_events: 32,
    }
}

/// A collection being filled.
enum Frame {
    Seq(Node, Vec<Node>),
    /// The mapping, its entries so far, and the key waiting for its value.
    Map(Node, Vec<(Node, Node)>, Option<Node>),
}

/// Parses `text` if it stays within what this path handles; `None` otherwise (including on
/// any syntax error, which serde-saphyr then reports).
pub(super) fn parse(text: &str) -> Option<Parsed> {
    if text.len() > MAX_BYTES {
        return None;
    }
    let index: OnceCell<LineIndex> = OnceCell::new();
    let pos = |span: &Span| {
        node_pos(
            text,
            span.start.line() as u32,
            span.start.col() as u32 + 1,
            span.start.byte_offset(),
            span.start
                .byte_offset()
                .zip(span.end.byte_offset())
                .map(|(start, end)| end.saturating_sub(start)),
            || index.get_or_init(|| LineIndex::new(text)),
        )
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut duplicates: Vec<Duplicate> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    let mut nodes = 0;
    for item in Parser::new_from_str_with_options(text, options()) {
        let (event, span) = item.ok()?;
        let node = match event {
            // Comments carry no data.
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Comment(..) => {
                continue;
            }
            Event::DocumentStart(_, version) => {
                documents += 1;
                if documents > 1 || version.is_some() {
                    return None;
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let value = scalar(value, style)?;
                if is_key_next(&stack) && !plain_key(&value) {
                    return None;
                }
                Node {
                    value,
                    pos: pos(&span),
                }
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if anchor != 0 || tag.is_some() || is_key_next(&stack) {
                    return None;
                }
                nodes += 1;
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                let node = Node {
                    value: Value::Null,
                    pos: pos(&span),
                };
                stack.push(match event {
                    Event::SequenceStart(..) => Frame::Seq(node, Vec::new()),
                    _ => Frame::Map(node, Vec::new(), None),
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop()? {
                Frame::Seq(mut node, items) => {
                    node.value = Value::Seq(items);
                    node
                }
                Frame::Map(..) => return None,
            },
            Event::MappingEnd => match stack.pop()? {
                Frame::Map(mut node, entries, None) => {
                    node.value = Value::Map(entries);
                    node
                }
                Frame::Map(..) | Frame::Seq(..) => return None,
            },
            // Aliases, anchors and anything newer go to serde-saphyr.
            _ => return None,
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return None;
        }
        match stack.last_mut() {
            None => {
                if root.is_some() {
                    return None;
                }
                root = Some(node);
            }
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => add_entry(entries, key, node, &mut duplicates),
            },
        }
    }
    // An empty document has no node to take a position from: serde-saphyr decides it.
    let root = root.filter(|_| stack.is_empty() && documents == 1)?;
    Some(Parsed { root, duplicates })
}

/// Whether the next node completes a mapping key rather than a value.
fn is_key_next(stack: &[Frame]) -> bool {
    matches!(stack.last(), Some(Frame::Map(_, _, None)))
}

/// Keys this path takes as they are: scalars that are not null and not the merge key `<<`.
fn plain_key(value: &Value) -> bool {
    match value {
        Value::Str(text) => text != "<<",
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => true,
        Value::Null | Value::Seq(_) | Value::Map(_) => false,
    }
}

/// The value of an untagged scalar as serde-saphyr resolves it with `strict_booleans`, or
/// `None` when the spelling needs its full rules.
fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Option<Value> {
    if style != ScalarStyle::Plain {
        return Some(Value::Str(text.into_owned()));
    }
    match text.as_ref() {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    // No number, null or boolean starts with anything else: `inf` and `nan` only parse as
    // non-finite floats, which serde-saphyr then keeps as strings.
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.' | b'~')) {
        return Some(Value::Str(text.into_owned()));
    }
    number(&text)
}

/// `-?(0|[1-9][0-9]*)` up to 18 digits (always an `i64`), or that followed by `.` and digits
/// (always a finite `f64`); `None` for every other spelling.
fn number(text: &str) -> Option<Value> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let decimal = |digits: &str| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if !decimal(whole) || whole.len() > 18 || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    match fraction {
        None => text.parse().ok().map(Value::Int),
        Some(fraction) if decimal(fraction) && fraction.len() <= 18 => {
            text.parse().ok().map(Value::Float)
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::super::parse_with_serde;
    use super::*;

    /// The one property this path must have: whenever it answers, serde-saphyr gives the same
    /// tree, spans and duplicates. Returns whether it answered.
    fn agrees(text: &str) -> bool {
        let Some(fast) = parse(text) else {
            return false;
        };
        let reference = parse_with_serde(text).unwrap_or_else(|err| {
            panic!(
                "fast path accepted what serde-saphyr rejects ({}): {text:?}",
                err.message
            )
        });
        assert_eq!(
            format!("{:?}", (&fast.root, &fast.duplicates)),
            format!("{:?}", (&reference.root, &reference.duplicates)),
            "trees differ for {text:?}"
        );
        true
    }

    #[test]
    fn manifest_shapes_take_the_fast_path_and_agree() {
        let texts = [
            "users:\n  - email: jane@acme.example\n    name: Jane Doe\n    title: No\n    skills: { Billing: 3, Skill 2: 2.5 }\n    queues: [Support, \"Sales\"]\n",
            "skills:\n- name: 2024\n- name: 'quoted'\n- name: Billing # comment\n",
            "a: 1\nb: 2\na: 3\nb: 4\n",
            "x:\n  y: 1\n  y: 2\nx: 3\n",
            "---\nkey: value\n...\n",
            "key:\nother: ~\nthird: null\nfourth: NULL\n",
            "flags: [true, false, True, FALSE, yes, no, on, off, y, n]\n",
            "nums: [0, -0, 7, -7, 123456789012345678, -123456789012345678, 0.5, -1.25, 10.0]\n",
            "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
            "multi: this is\n  a folded plain scalar\n",
            "unicode: Zoë Ångström — ✓\nkey with spaces: v\n",
            "crlf: 1\r\nnext: two\r\n",
            "\u{feff}bom: yes\n",
            "1: one\n2.5: two\ntrue: three\n",
            "nested: { a: { b: [1, { c: d }] } }\n",
            "- a\n- - b\n  - c\n- {}\n- []\n",
            "plain\n",
            "'just a string'\n",
            "42\n",
        ];
        for text in texts {
            assert!(agrees(text), "expected the fast path for {text:?}");
        }
    }

    #[test]
    fn unusual_spellings_go_to_serde_saphyr() {
        let texts = [
            "",
            "# only a comment\n",
            "a: [1, 2\nb: 2\n",
            "hex: 0x1F\n",
            "oct: 0o17\n",
            "exp: 1e3\n",
            "inf: .inf\n",
            "nan: .nan\n",
            "plus: +1\n",
            "lead: 007\n",
            "under: 1_000\n",
            "big: 1234567890123456789012\n",
            "dot: .5\n",
            "tagged: !!str 5\n",
            "anchor: &a 1\nalias: *a\n",
            "base: &b { x: 1 }\nmerged:\n  <<: *b\n",
            "merge:\n  <<: { x: 1 }\n",
            "? [complex]\n: key\n",
            "~: null key\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n---\nb: 2\n",
        ];
        for text in texts {
            assert!(!agrees(text), "expected serde-saphyr for {text:?}");
        }
    }

    fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_yaml_file_in_the_repository_agrees() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["tests/fixtures", "examples", "crates"] {
            yaml_files(&repo.join(dir), &mut files);
        }
        let mut fast = 0;
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            if agrees(&text) {
                fast += 1;
            }
        }
        // Nearly every manifest is ordinary: only syntax errors and empty files fall back.
        assert!(files.len() > 50, "found only {} files", files.len());
        assert!(
            fast * 10 >= files.len() * 8,
            "{fast} of {} took the fast path",
            files.len()
        );
    }

    /// Pieces of YAML that combine into plausible (and implausible) manifests.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a", "b", "name", "Skill 1", "2024", "-3", "0.5", "true", "No", "~", "null", "\"q\"",
            "'s'", "0x10", "1e2", "<<", "&x", "*x", "!!str", ": ", ":", "- ", "-", "[", "]", "{",
            "}", ", ", "\n", "\n  ", "\n    ", "  ", "# c", "?", "|", ">", "---", "...", "\t",
            "Zoë", "\r\n",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn answers_only_where_serde_saphyr_agrees(parts in prop::collection::vec(fragment(), 0..40)) {
            agrees(&parts.concat());
            agrees(&parts.join(" "));
        }

        #[test]
        fn mappings_of_lists_agree(
            keys in prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "1", "x y"]), 1..6),
            values in prop::collection::vec(fragment(), 1..6),
        ) {
            let mut text = String::new();
            for (i, key) in keys.iter().enumerate() {
                let (first, second) = (values[i % values.len()], values[(i + 1) % values.len()]);
                text.push_str(key);
                text.push_str(":\n  - ");
                text.push_str(first);
                text.push_str("\n  - k: ");
                text.push_str(second);
                text.push('\n');
            }
            agrees(&text);
        }
    }
}
