//! The line reader under `lawful decide`, `retention` and `rights`: one line
//! at a time into a reused buffer, each line bounded in length.
//!
//! A line longer than the limit is not buffered: the reader keeps what fits,
//! then skips the rest of the line as it arrives, and reports it as
//! [`Line::TooLong`]; the stream goes on with the next line. So a client
//! that never sends a newline, or `/dev/zero`, costs at most the limit in
//! memory. A UTF-8 byte order mark at the very start of the input is
//! skipped.
//!
//! This file uses only `std`, so that the fuzz target can include it.

use std::io::{self, BufRead, BufReader, Read};

/// The default longest line, in bytes (1 MiB), newline excluded.
pub(crate) const DEFAULT_MAX_LINE: usize = 1 << 20;

/// The UTF-8 encoding of U+FEFF, which some editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line of input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// A line, without its `\n`.
    Text(&'a [u8]),
    /// A line longer than the limit (newline excluded); it was skipped.
    TooLong,
    /// The end of the input.
    End,
}

/// Reads bounded lines from `R`.
#[derive(Debug)]
pub(crate) struct LineReader<R> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    max: usize,
    /// Whether the next line is the first (where a BOM is skipped).
    first: bool,
    /// Whether the last line returned ended in a newline (the last line
    /// of an input may not).
    newline: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader of lines of at most `max` bytes.
    pub(crate) fn new(reader: BufReader<R>, max: usize) -> LineReader<R> {
        LineReader {
            reader,
            buf: Vec::new(),
            max,
            first: true,
            newline: false,
        }
    }

    /// Whether the last line returned ended in a newline.
    pub(crate) fn ended_in_newline(&self) -> bool {
        self.newline
    }

    /// Whether a whole line is already buffered, so that reading it will not
    /// wait for the writer.
    pub(crate) fn has_buffered_line(&self) -> bool {
        self.reader.buffer().contains(&b'\n')
    }

    /// The next line.
    ///
    /// # Errors
    ///
    /// A read error of the underlying reader (other than an interruption,
    /// which is retried).
    pub(crate) fn next_line(&mut self) -> io::Result<Line<'_>> {
        self.buf.clear();
        self.newline = false;
        let first = std::mem::replace(&mut self.first, false);
        // The BOM may straddle reads: it is stripped once the line is read,
        // and counts against the limit (three bytes) meanwhile.
        let max = if first {
            self.max.saturating_add(BOM.len())
        } else {
            self.max
        };
        let mut read_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if !read_any {
                    return Ok(Line::End);
                }
                break;
            }
            read_any = true;
            let newline = available.iter().position(|&b| b == b'\n');
            let chunk = newline.map_or(available, |i| available.get(..i).unwrap_or(available));
            if self.buf.len().saturating_add(chunk.len()) > max {
                let used = newline.map_or(available.len(), |i| i + 1);
                self.reader.consume(used);
                if newline.is_none() {
                    self.skip_rest()?;
                }
                self.buf.clear();
                return Ok(Line::TooLong);
            }
            self.buf.extend_from_slice(chunk);
            let used = newline.map_or(available.len(), |i| i + 1);
            self.reader.consume(used);
            if newline.is_some() {
                self.newline = true;
                break;
            }
        }
        let line = if first {
            self.buf.strip_prefix(BOM).unwrap_or(&self.buf)
        } else {
            &self.buf
        };
        // A first line without a BOM had three bytes of slack.
        if line.len() > self.max {
            return Ok(Line::TooLong);
        }
        Ok(Line::Text(line))
    }

    /// Skips input up to and including the next newline (or to the end),
    /// without keeping it.
    fn skip_rest(&mut self) -> io::Result<()> {
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(());
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let all = available.len();
                    self.reader.consume(all);
                }
            }
        }
    }
}

/// Every line of `input` read with a limit of `max` bytes: `Some(line)` for
/// a line, `None` for one that was too long. The fuzz target checks the
/// reader with it.
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "used by the tests and the fuzz target")
)]
pub(crate) fn all_lines(input: &[u8], max: usize, capacity: usize) -> Vec<Option<Vec<u8>>> {
    let mut reader = LineReader::new(BufReader::with_capacity(capacity.max(1), input), max);
    let mut out = Vec::new();
    while let Ok(line) = reader.next_line() {
        match line {
            Line::Text(text) => out.push(Some(text.to_vec())),
            Line::TooLong => out.push(None),
            Line::End => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Option<Vec<u8>>> {
        all_lines(input, max, 4)
    }

    #[test]
    fn lines_are_split_on_newlines() {
        assert_eq!(
            lines(b"ab\ncd\n\nef", 10),
            vec![
                Some(b"ab".to_vec()),
                Some(b"cd".to_vec()),
                Some(Vec::new()),
                Some(b"ef".to_vec())
            ]
        );
        assert_eq!(lines(b"", 10), Vec::<Option<Vec<u8>>>::new());
    }

    #[test]
    fn a_long_line_is_skipped_and_the_stream_goes_on() {
        assert_eq!(
            lines(b"abcdefghijkl\nab\nabcdef\nabcde", 5),
            vec![None, Some(b"ab".to_vec()), None, Some(b"abcde".to_vec())]
        );
        // Without a newline at all, to the end.
        assert_eq!(lines(&[b'x'; 1000], 5), vec![None]);
    }

    #[test]
    fn a_bom_at_the_start_is_skipped() {
        assert_eq!(
            lines(b"\xEF\xBB\xBFabcde\n\xEF\xBB\xBFx", 5),
            vec![Some(b"abcde".to_vec()), Some(b"\xEF\xBB\xBFx".to_vec())]
        );
        // Without a BOM the first line has the same limit as the others.
        assert_eq!(lines(b"abcdefg\nab", 5), vec![None, Some(b"ab".to_vec())]);
    }

    #[test]
    fn an_endless_line_costs_the_limit_at_most() {
        let mut reader = LineReader::new(BufReader::new(io::repeat(0).take(64 << 20)), 1024);
        assert_eq!(reader.next_line().unwrap(), Line::TooLong);
        assert!(
            reader.buf.capacity() <= 64 * 1024,
            "{}",
            reader.buf.capacity()
        );
        assert_eq!(reader.next_line().unwrap(), Line::End);
    }
}
