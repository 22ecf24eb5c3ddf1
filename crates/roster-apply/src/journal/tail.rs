//! Finding where a journal's chain ends by reading only the end of the file, so opening a
//! journal that holds years of runs costs the size of its last line, not of its history.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

use serde_json::{Map, Value};

use super::chain::{self, GENESIS, Mode};
use super::entry::SETTLING_KINDS;

/// How far back the first read looks; grown fourfold until it holds a whole line.
const FIRST_WINDOW: u64 = 64 * 1024;

/// The end of a journal file.
pub(super) struct End {
    /// The last whole line's hash ([`GENESIS`] when there is none).
    pub(super) head: String,
    /// The last whole line's `seq` (0 when there is none).
    pub(super) last_seq: u64,
    /// How the last whole line is chained ([`Mode::Plain`] when there is none).
    pub(super) last_mode: Mode,
    /// Where the whole lines end: the file's length unless a write was torn.
    pub(super) complete_len: u64,
    /// What follows the last newline: empty unless a write was torn.
    pub(super) torn: Vec<u8>,
}

/// Why the end could not be found.
pub(super) enum EndError {
    Io(io::Error),
    /// The last whole line, starting at byte `offset`, is not a journal line.
    Corrupt {
        offset: u64,
        reason: &'static str,
    },
}

impl From<io::Error> for EndError {
    fn from(error: io::Error) -> Self {
        EndError::Io(error)
    }
}

/// Reads backwards from the end of `file` until the last whole, non-blank line is in view.
pub(super) fn find_end(file: &mut File) -> Result<End, EndError> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut window = FIRST_WINDOW;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        (&mut *file).take(len - start).read_to_end(&mut bytes)?;
        let complete_end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // A window that does not start at the file's start begins mid-line: skip that piece.
        let first = if start == 0 {
            0
        } else {
            bytes[..complete_end]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(complete_end, |i| i + 1)
        };
        let torn = bytes[complete_end..].to_vec();
        let complete_len = start + complete_end as u64;
        match last_nonblank(&bytes[first..complete_end]) {
            Some((at, line)) => {
                let offset = start + (first + at) as u64;
                let corrupt = |reason| EndError::Corrupt { offset, reason };
                let line = parse_object(line).ok_or_else(|| corrupt("not a JSON object"))?;
                let (head, last_seq) =
                    link_of(&line).ok_or_else(|| corrupt("no `hash` and `seq`"))?;
                let last_mode = chain::mode_of(&line).map_err(|_| corrupt("an unknown `chain`"))?;
                return Ok(End {
                    head,
                    last_seq,
                    last_mode,
                    complete_len,
                    torn,
                });
            }
            None if start == 0 => {
                return Ok(End {
                    head: GENESIS.to_owned(),
                    last_seq: 0,
                    last_mode: Mode::Plain,
                    complete_len,
                    torn,
                });
            }
            None => window = window.saturating_mul(4),
        }
    }
}

/// The lines after the last one that settles every intent before it (a run's end, its
/// checkpoint, or an in-doubt report), oldest first, read backwards from the end of the first
/// `len` bytes of `file` (whole lines only). A journal whose last run finished costs one
/// window; one written by a crashed run costs that run's lines.
pub(super) fn unsettled(file: &mut File, len: u64) -> io::Result<Vec<Map<String, Value>>> {
    let mut window = FIRST_WINDOW;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        (&mut *file).take(len - start).read_to_end(&mut bytes)?;
        // A window that does not start at the file's start begins mid-line: skip that piece.
        let first = if start == 0 {
            0
        } else {
            bytes
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| i + 1)
        };
        let mut lines = Vec::new();
        let mut settled = false;
        for piece in bytes[first..].split(|&b| b == b'\n').rev() {
            let Some(line) = parse_object(piece) else {
                continue;
            };
            let kind = line.get("kind").and_then(Value::as_str).unwrap_or_default();
            if SETTLING_KINDS.contains(&kind) {
                settled = true;
                break;
            }
            lines.push(line);
        }
        if settled || start == 0 {
            lines.reverse();
            return Ok(lines);
        }
        window = window.saturating_mul(4);
    }
}

/// The line number (from 1) of the line starting at byte `offset`: counts the newlines
/// before it, streaming, for the rare messages that need it.
pub(super) fn line_at(file: &mut File, offset: u64) -> io::Result<usize> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new((&mut *file).take(offset));
    let mut newlines = 0;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(newlines + 1);
        }
        // A rare path (error messages, repairs): not worth a byte-counting dependency.
        #[allow(clippy::naive_bytecount)]
        let in_buffer = buffer.iter().filter(|&&b| b == b'\n').count();
        newlines += in_buffer;
        let consumed = buffer.len();
        reader.consume(consumed);
    }
}

/// The last non-blank line of `region` (whole lines, each ending in a newline) and where it
/// starts in `region`.
fn last_nonblank(region: &[u8]) -> Option<(usize, &[u8])> {
    let mut end = region.len();
    while end > 0 {
        // `end` is just past a newline; the line is what precedes it back to the previous one.
        let line_end = end - 1;
        let line_start = region[..line_end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = &region[line_start..line_end];
        if !line.trim_ascii().is_empty() {
            return Some((line_start, line));
        }
        end = line_start;
    }
    None
}

/// `bytes` as a JSON object, if it is one.
pub(super) fn parse_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A line's `hash` and `seq`.
pub(super) fn link_of(line: &Map<String, Value>) -> Option<(String, u64)> {
    let hash = line.get("hash")?.as_str()?;
    let seq = line.get("seq")?.as_u64()?;
    Some((hash.to_owned(), seq))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn end_of(content: &[u8]) -> Result<End, EndError> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        find_end(&mut file)
    }

    #[test]
    fn finds_the_last_whole_line_past_blank_lines_and_a_torn_tail() {
        let end = end_of(b"{\"seq\":1,\"hash\":\"a\"}\n{\"seq\":2,\"hash\":\"b\"}\n\n{\"se")
            .ok()
            .unwrap();
        assert_eq!((end.head.as_str(), end.last_seq), ("b", 2));
        assert_eq!(end.torn, b"{\"se");
        assert_eq!(end.complete_len, 43);
    }

    #[test]
    fn an_empty_or_torn_only_file_starts_at_the_genesis() {
        let empty = end_of(b"").ok().unwrap();
        assert_eq!(
            (empty.head.as_str(), empty.last_seq, empty.complete_len),
            (GENESIS, 0, 0)
        );
        let torn = end_of(b"{\"seq\":1").ok().unwrap();
        assert_eq!((torn.last_seq, torn.torn.len()), (0, 8));
    }

    #[test]
    fn grows_the_window_until_a_whole_line_is_in_view() {
        // A last line longer than the first window, after a short one.
        let long = format!(
            "{{\"seq\":1,\"hash\":\"a\"}}\n{{\"seq\":2,\"hash\":\"b\",\"pad\":\"{}\"}}\n",
            "x".repeat(300_000)
        );
        let end = end_of(long.as_bytes()).ok().unwrap();
        assert_eq!((end.head.as_str(), end.last_seq), ("b", 2));
    }

    #[test]
    fn a_corrupt_last_line_is_located_by_line_number() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"{\"seq\":1,\"hash\":\"a\"}\nnot json\n")
            .unwrap();
        let Err(EndError::Corrupt { offset, .. }) = find_end(&mut file) else {
            panic!("expected a corrupt line");
        };
        assert_eq!(offset, 21);
        assert_eq!(line_at(&mut file, offset).unwrap(), 2);
    }
}
