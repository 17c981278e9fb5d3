//! Splitting a body into lines as its frames arrive, each line bounded:
//! what a batch reads (see `stream`). A line longer than the limit is not
//! kept: its bytes are dropped as they come, and it is reported as
//! [`Piece::TooLong`] once its newline (or the body's end) arrives. Blank
//! lines are skipped, and a UTF-8 byte order mark at the very start of the
//! body is dropped.
//!
//! This file uses only `std`, so that the fuzz target can include it.

/// One line of a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A non-blank line, without its newline.
    Text(Vec<u8>),
    /// A line longer than the limit, skipped.
    TooLong,
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Lines from frames of bytes, at most `max_line` bytes each.
#[derive(Debug)]
pub(crate) struct Splitter {
    /// Bytes of the line being read (never more than `max_line`).
    buf: Vec<u8>,
    /// Whether the line being read is past the limit (its bytes dropped).
    skipping: bool,
    max_line: usize,
    /// How many bytes of the body's start were looked at for a BOM.
    seen: usize,
    /// Lines complete and not yet taken.
    ready: std::collections::VecDeque<Piece>,
}

impl Splitter {
    pub(crate) fn new(max_line: usize) -> Splitter {
        Splitter {
            buf: Vec::new(),
            skipping: false,
            max_line,
            seen: 0,
            ready: std::collections::VecDeque::new(),
        }
    }

    /// Whether the body's start may still be a BOM.
    fn bom_pending(&self) -> bool {
        self.seen < BOM.len()
    }

    /// Takes a frame of the body.
    pub(crate) fn push(&mut self, mut data: &[u8]) {
        // The start of the body: bytes that may be a BOM are held back in
        // `buf` until three are there.
        while self.bom_pending() {
            let Some((&b, rest)) = data.split_first() else {
                return;
            };
            if BOM.get(self.seen) == Some(&b) {
                self.buf.push(b);
                self.seen += 1;
                data = rest;
                if self.seen == BOM.len() {
                    self.buf.clear();
                }
            } else {
                // Not a BOM: what was held is the start of the first line.
                self.seen = BOM.len();
            }
        }
        while !data.is_empty() {
            match data.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let (line, rest) = data.split_at(i);
                    self.take(line);
                    self.end_line();
                    data = rest.get(1..).unwrap_or_default();
                }
                None => {
                    self.take(data);
                    data = &[];
                }
            }
        }
    }

    /// Adds bytes to the line being read, or drops them past the limit.
    fn take(&mut self, bytes: &[u8]) {
        if self.skipping {
            return;
        }
        if self.buf.len().saturating_add(bytes.len()) > self.max_line {
            self.buf = Vec::new();
            self.skipping = true;
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The line being read has ended.
    fn end_line(&mut self) {
        if std::mem::take(&mut self.skipping) || self.buf.len() > self.max_line {
            self.ready.push_back(Piece::TooLong);
        } else if !self.buf.iter().all(u8::is_ascii_whitespace) {
            self.ready
                .push_back(Piece::Text(std::mem::take(&mut self.buf)));
        }
        self.buf.clear();
    }

    /// The body has ended: the last line, if it had no newline.
    pub(crate) fn finish(&mut self) {
        self.seen = BOM.len();
        if self.skipping || !self.buf.is_empty() {
            self.end_line();
        }
    }

    /// The next complete line.
    pub(crate) fn next(&mut self) -> Option<Piece> {
        self.ready.pop_front()
    }

    /// The next complete line, left in place.
    pub(crate) fn peek(&self) -> Option<&Piece> {
        self.ready.front()
    }

    /// Bytes held: the line being read and the complete lines not taken.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "used by the tests and the fuzz target")
    )]
    pub(crate) fn held(&self) -> usize {
        self.buf.len()
            + self
                .ready
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.len(),
                    Piece::TooLong => 0,
                })
                .sum::<usize>()
    }
}

/// Every line of `input` split with a limit of `max_line`, fed in frames of
/// `frame` bytes (the fuzz target compares it with splitting whole).
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "used by the tests and the fuzz target")
)]
pub(crate) fn split_all(input: &[u8], max_line: usize, frame: usize) -> Vec<Piece> {
    let mut splitter = Splitter::new(max_line);
    let mut out = Vec::new();
    for chunk in input.chunks(frame.max(1)) {
        splitter.push(chunk);
        while let Some(piece) = splitter.next() {
            out.push(piece);
        }
    }
    splitter.finish();
    while let Some(piece) = splitter.next() {
        out.push(piece);
    }
    out
}

/// What splitting the whole input at once gives (the oracle).
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "used by the tests and the fuzz target")
)]
pub(crate) fn split_whole(input: &[u8], max_line: usize) -> Vec<Piece> {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    if input.is_empty() || input.ends_with(b"\n") {
        lines.pop();
    }
    lines
        .into_iter()
        .filter_map(|line| {
            if line.len() > max_line {
                Some(Piece::TooLong)
            } else if line.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(Piece::Text(line.to_vec()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_of_any_size_split_as_the_whole() {
        let inputs: [&[u8]; 6] = [
            b"ab\ncd\n\n  \nef",
            b"\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n",
            b"\xEF\xBBx\n",
            b"0123456789\nab\n0123456789abc",
            b"\xEF\xBB\xBF",
            b"",
        ];
        for input in inputs {
            for max in [0, 1, 2, 5, 10, 100] {
                for frame in [1, 2, 3, 7, 64] {
                    assert_eq!(
                        split_all(input, max, frame),
                        split_whole(input, max),
                        "{input:?} max {max} frame {frame}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_long_line_holds_at_most_the_limit() {
        let mut splitter = Splitter::new(10);
        for _ in 0..1000 {
            splitter.push(&[b'x'; 100]);
            assert!(splitter.held() <= 10);
        }
        splitter.push(b"\nok\n");
        assert_eq!(splitter.next(), Some(Piece::TooLong));
        assert_eq!(splitter.next(), Some(Piece::Text(b"ok".to_vec())));
    }
}
