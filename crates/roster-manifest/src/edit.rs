//! Editing manifests in place: marking a declared user `state: inactive` in its manifest file
//! by editing text, not by re-serializing YAML, so comments, quoting and formatting survive
//! and the diff a reviewer sees is one line.
//!
//! The user is found from the position of its `email` value (the `source` the manifest
//! loader records). In a block mapping, an existing `state:` key of that mapping has its
//! value replaced; otherwise `state: inactive` is inserted after the `email:` line at the
//! same indentation. In a flow mapping written on one line (`- { email: a@b, name: A }`), the
//! `state` value is replaced or `, state: inactive` is inserted after the email.

use thiserror::Error;

/// Why a manifest could not be edited.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EditError {
    /// The recorded position is not in the file (it changed since it was loaded).
    #[error("line {line} is not in the file")]
    NoSuchLine {
        /// The 1-based line.
        line: u32,
    },
    /// No `email` key precedes the recorded position on its line.
    #[error("no `email:` key at line {line}")]
    NoEmailKey {
        /// The 1-based line.
        line: u32,
    },
    /// A flow mapping spread over several lines, which this editor does not rewrite.
    #[error("the user at line {line} is a flow mapping (`{{ … }}`) spread over several lines")]
    MultiLineFlow {
        /// The 1-based line.
        line: u32,
    },
}

/// `text` with the user whose `email` value is at `line`:`column` (1-based) marked
/// `state: inactive`; `None` when it already is.
pub fn set_inactive(text: &str, line: u32, column: u32) -> Result<Option<String>, EditError> {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let index = (line as usize)
        .checked_sub(1)
        .filter(|i| *i < lines.len())
        .ok_or(EditError::NoSuchLine { line })?;
    let current = lines[index];
    // Byte offset of the email value; columns count characters.
    let value_at = current
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(current.len(), |(at, _)| at);
    let key_at = current[..value_at]
        .rfind("email")
        .ok_or(EditError::NoEmailKey { line })?;
    if current[..key_at].contains('{') {
        let edited = edit_flow(current, value_at).ok_or(EditError::MultiLineFlow { line })?;
        if edited == current {
            return Ok(None);
        }
        lines[index] = &edited;
        return Ok(Some(lines.concat()));
    }
    let indent = current[..key_at].chars().count();
    let opens_mapping = current[..key_at].trim_end().ends_with('-');
    if let Some(state_index) = find_state_line(&lines, index, indent, opens_mapping) {
        let edited = replace_state_value(lines[state_index]);
        if edited == lines[state_index] {
            return Ok(None);
        }
        lines[state_index] = &edited;
        return Ok(Some(lines.concat()));
    }
    let ending = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let state = format!("{}state: inactive", " ".repeat(indent));
    let mut out = lines.concat();
    if current.ends_with('\n') {
        let at: usize = lines[..=index].iter().map(|l| l.len()).sum();
        out.insert_str(at, &format!("{state}{ending}"));
    } else {
        // The email line is the file's last and has no newline.
        out.push_str(ending);
        out.push_str(&state);
    }
    Ok(Some(out))
}

/// Leading spaces of a line, and whether it holds only a comment or nothing.
fn shape(line: &str) -> (usize, bool) {
    let trimmed = line.trim_start_matches(' ');
    let rest = trimmed.trim();
    (
        line.len() - trimmed.len(),
        rest.is_empty() || rest.starts_with('#'),
    )
}

/// The index of the line holding the `state:` key of the block mapping whose keys sit at
/// `indent` and which contains line `index` (`opens`: line `index` is its first line).
fn find_state_line(lines: &[&str], index: usize, indent: usize, opens: bool) -> Option<usize> {
    let is_state = |line: &str, at: usize| {
        line.get(at..)
            .is_some_and(|rest| rest.starts_with("state:") || rest.starts_with("state :"))
    };
    // Keys after the email line, until a line less indented than the mapping's keys.
    for (i, line) in lines.iter().enumerate().skip(index + 1) {
        let (spaces, blank) = shape(line);
        if blank {
            continue;
        }
        if spaces < indent {
            break;
        }
        if spaces == indent && is_state(line, spaces) {
            return Some(i);
        }
    }
    if opens {
        return None;
    }
    // Keys before it, up to the line that opens the mapping (`- key:` or a less indented
    // parent key).
    for i in (0..index).rev() {
        let line = lines[i];
        let (spaces, blank) = shape(line);
        if blank {
            continue;
        }
        if spaces == indent {
            if is_state(line, spaces) {
                return Some(i);
            }
            continue;
        }
        if spaces > indent {
            continue;
        }
        // Less indented: the mapping's first line if it is `- key:` with the key at `indent`.
        let opens = line[spaces..].strip_prefix('-').is_some_and(|after_dash| {
            spaces + 1 + (after_dash.len() - after_dash.trim_start_matches(' ').len()) == indent
        });
        if opens && is_state(line, indent) {
            return Some(i);
        }
        break;
    }
    None
}

/// A `state: X  # comment` line with `X` replaced by `inactive`, the comment kept.
fn replace_state_value(line: &str) -> String {
    let Some(colon) = line.find(':') else {
        return line.to_owned();
    };
    let after = &line[colon + 1..];
    let value_start = colon + 1 + (after.len() - after.trim_start_matches([' ', '\t']).len());
    let rest = &line[value_start..];
    let value_len = rest
        .find(" #")
        .or_else(|| rest.find(['\r', '\n']))
        .unwrap_or(rest.len());
    let value = rest[..value_len].trim_end();
    if value.trim_matches(['"', '\'']) == "inactive" {
        return line.to_owned();
    }
    format!(
        "{}inactive{}",
        &line[..value_start],
        &line[value_start + value.len()..]
    )
}

/// A one-line flow mapping with `state` set to `inactive`; `None` when the mapping does not
/// close on this line.
fn edit_flow(line: &str, value_at: usize) -> Option<String> {
    let close = value_at + line[value_at..].find('}')?;
    let body = &line[..close];
    if let Some(state_at) = find_flow_key(body, "state") {
        let value_start = state_at
            + line[state_at..].find(':')?
            + 1
            + line[state_at..]
                .split_once(':')
                .map_or(0, |(_, v)| v.len() - v.trim_start().len());
        let value_end = value_start
            + line[value_start..close]
                .find(',')
                .unwrap_or(close - value_start);
        let value = line[value_start..value_end].trim_end();
        if value.trim_matches(['"', '\'']) == "inactive" {
            return Some(line.to_owned());
        }
        return Some(format!(
            "{}inactive{}",
            &line[..value_start],
            &line[value_start + value.len()..]
        ));
    }
    let email_end = value_at + line[value_at..close].find(',').unwrap_or(close - value_at);
    let email_end = value_at + line[value_at..email_end].trim_end().len();
    Some(format!(
        "{}, state: inactive{}",
        &line[..email_end],
        &line[email_end..]
    ))
}

/// Where the key `key` starts in a flow mapping's text (after `{` or `,`).
fn find_flow_key(body: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = body[from..].find(key) {
        let at = from + found;
        let before = body[..at].trim_end_matches(' ');
        let after = body[at + key.len()..].trim_start_matches(' ');
        if (before.ends_with('{') || before.ends_with(',')) && after.starts_with(':') {
            return Some(at);
        }
        from = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column_of(text: &str, line: u32, needle: &str) -> u32 {
        let line_text = text.lines().nth(line as usize - 1).unwrap();
        let at = line_text.find(needle).unwrap();
        line_text[..at].chars().count() as u32 + 1
    }

    #[test]
    fn inserts_after_the_email_line_with_its_indentation() {
        let text = "users:\n  # Billing\n  - email: a@x.example  # the lead\n    name: A\n  - email: b@x.example\n    name: B\n";
        let edited = set_inactive(text, 3, column_of(text, 3, "a@x"))
            .unwrap()
            .unwrap();
        insta::assert_snapshot!(edited, @r"
        users:
          # Billing
          - email: a@x.example  # the lead
            state: inactive
            name: A
          - email: b@x.example
            name: B
        ");
    }

    #[test]
    fn replaces_an_existing_state_before_or_after_the_email() {
        let after = "users:\n  - name: A\n    email: a@x.example\n    state: active # still here\n  - email: b@x.example\n    state: active\n";
        let edited = set_inactive(after, 3, column_of(after, 3, "a@x"))
            .unwrap()
            .unwrap();
        insta::assert_snapshot!(edited, @r"
        users:
          - name: A
            email: a@x.example
            state: inactive # still here
          - email: b@x.example
            state: active
        ");
        let before = "users:\n  - state: active\n    email: a@x.example\n";
        let edited = set_inactive(before, 3, column_of(before, 3, "a@x"))
            .unwrap()
            .unwrap();
        assert_eq!(
            edited,
            "users:\n  - state: inactive\n    email: a@x.example\n"
        );
    }

    #[test]
    fn does_not_take_the_previous_users_state() {
        let text = "users:\n  - email: a@x.example\n    state: inactive  # gone\n\n  - email: b@x.example  # here\n    name: B\n";
        let edited = set_inactive(text, 5, column_of(text, 5, "b@x"))
            .unwrap()
            .unwrap();
        assert_eq!(
            edited,
            "users:\n  - email: a@x.example\n    state: inactive  # gone\n\n  - email: b@x.example  # here\n    state: inactive\n    name: B\n"
        );
    }

    #[test]
    fn does_not_take_a_nested_or_next_users_state() {
        let text = "users:\n  - email: a@x.example\n    skills:\n      state: 3\n  - email: b@x.example\n    state: active\n";
        let edited = set_inactive(text, 2, column_of(text, 2, "a@x"))
            .unwrap()
            .unwrap();
        assert_eq!(
            edited,
            "users:\n  - email: a@x.example\n    state: inactive\n    skills:\n      state: 3\n  - email: b@x.example\n    state: active\n"
        );
    }

    #[test]
    fn already_inactive_is_no_edit() {
        let text = "users:\n  - email: a@x.example\n    state: inactive\n";
        assert_eq!(set_inactive(text, 2, column_of(text, 2, "a@x")), Ok(None));
        let flow = "users:\n  - { email: a@x.example, state: inactive }\n";
        assert_eq!(set_inactive(flow, 2, column_of(flow, 2, "a@x")), Ok(None));
    }

    #[test]
    fn edits_one_line_flow_mappings() {
        let text = "users:\n  - { email: a@x.example, name: A }  # keep\n  - { name: B, email: \"b@x.example\", state: active }\n";
        let edited = set_inactive(text, 2, column_of(text, 2, "a@x"))
            .unwrap()
            .unwrap();
        let edited = set_inactive(&edited, 3, column_of(&edited, 3, "\"b@x"))
            .unwrap()
            .unwrap();
        insta::assert_snapshot!(edited, @r#"
        users:
          - { email: a@x.example, state: inactive, name: A }  # keep
          - { name: B, email: "b@x.example", state: inactive }
        "#);
    }

    #[test]
    fn last_line_without_newline_and_crlf() {
        let text = "users:\r\n  - email: a@x.example";
        let edited = set_inactive(text, 2, column_of(text, 2, "a@x"))
            .unwrap()
            .unwrap();
        assert_eq!(
            edited,
            "users:\r\n  - email: a@x.example\r\n    state: inactive"
        );
    }

    #[test]
    fn refuses_positions_that_do_not_name_an_email() {
        let text = "users:\n  - name: a\n";
        assert_eq!(
            set_inactive(text, 2, 5),
            Err(EditError::NoEmailKey { line: 2 })
        );
        assert_eq!(
            set_inactive(text, 9, 1),
            Err(EditError::NoSuchLine { line: 9 })
        );
        let flow = "users:\n  - { email: a@x.example,\n      name: A }\n";
        assert_eq!(
            set_inactive(flow, 2, column_of(flow, 2, "a@x")),
            Err(EditError::MultiLineFlow { line: 2 })
        );
    }
}
