//! Reading a journal line by line, streaming, with line numbers and whether each line was
//! terminated (a last line without its newline is a torn write).

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// A journal file's lines.
pub(super) struct Lines {
    reader: BufReader<File>,
    buffer: Vec<u8>,
    number: usize,
}

/// One line, without its newline.
pub(super) struct Line<'a> {
    /// From 1.
    pub(super) number: usize,
    pub(super) bytes: &'a [u8],
    /// Whether a newline followed it (every line but a torn last one).
    pub(super) terminated: bool,
}

impl Lines {
    pub(super) fn open(path: &Path) -> io::Result<Lines> {
        Ok(Lines {
            reader: BufReader::with_capacity(256 * 1024, File::open(path)?),
            buffer: Vec::new(),
            number: 0,
        })
    }

    /// The next line; `None` at the end of the file.
    pub(super) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buffer.clear();
        if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        let terminated = self.buffer.last() == Some(&b'\n');
        if terminated {
            self.buffer.pop();
        }
        Ok(Some(Line {
            number: self.number,
            bytes: &self.buffer,
            terminated,
        }))
    }
}
