//! `lawful replay LOG [-p POLICY]`: decide every logged request again and
//! print the decisions that changed.
//!
//! The log is what `lawful decide --log` and `lawful serve --log` write (or
//! any file of `lawful::wire::AuditRecord` lines that hold their request). Each
//! record's request is decided under the policy given (default: the
//! built-in policy), and the new decision is compared with the logged one:
//! effect, basis, reason codes, the rules cited, obligation codes. The
//! policy's id and version are not compared: a new version that decides the
//! same is no change.
//!
//! A log that a server is writing, or that it left when it crashed, ends in
//! a run of NUL bytes (the zeros the server writes its records into, see
//! `audit_log`): the replay stops there, and skips with a note the
//! unfinished record just before them, if any (one being written, or cut
//! off by the crash). A NUL anywhere else is an error, as any other byte
//! that is not JSON.

use std::cell::Cell;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use lawful::Engine;
use lawful::wire::AuditRecord;

use crate::chain::{self, Seen, Verifier};
use crate::files::{self, FOUND_PROBLEMS, Fail};
use crate::keys::PublicKey;
use crate::reader::{Line, LineReader};

/// The longest line read: a record holds its request (up to the server's
/// `--max-body`, 1 MiB by default) and its decision.
const MAX_RECORD: usize = 16 << 20;

/// The exit status when the log's integrity fails.
const TAMPERED: u8 = 3;

/// Replays the log; exit status 1 when a decision changed, 3 when the
/// log's integrity fails (checked unless `verify` is false).
pub(crate) fn run(
    log: &Path,
    policy: Option<&Path>,
    trusted: &[PathBuf],
    verify: bool,
) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let trusted = trusted
        .iter()
        .map(|path| PublicKey::read(path).map(|k| k.verifying_key()))
        .collect::<Result<Vec<_>, _>>()?;
    let name = files::input_name(Some(log));
    let tail = Rc::new(Cell::new(Tail::Plain));
    let input = EndAtPadding::new(files::open_lines(Some(log))?.into_inner(), Rc::clone(&tail));
    // Records are read line by line, each at most MAX_RECORD long.
    let mut lines = LineReader::new(BufReader::with_capacity(64 * 1024, input), MAX_RECORD);
    let mut out = files::stdout();
    let mut tally = Tally::default();
    let mut integrity = verify.then(|| Integrity::new(trusted));
    let mut number = 0_usize;
    let result = loop {
        let line = lines
            .next_line()
            .map_err(|e| Fail::new(format!("cannot read {name}: {}", files::io_words(&e))))?;
        number += 1;
        let bytes = match line {
            Line::End => break Ok(()),
            Line::TooLong => {
                return Err(Fail::new(format!(
                    "{name} line {number} is longer than {MAX_RECORD} bytes: not an audit record"
                )));
            }
            Line::Text(bytes) => bytes.to_vec(),
        };
        let bytes = bytes.as_slice();
        let newline = lines.ended_in_newline();
        // The unfinished record right before the padding is not an error:
        // it is being written, or a crash cut it off.
        let unfinished = || {
            #[expect(clippy::print_stderr, reason = "a note beside the report")]
            {
                eprintln!(
                    "lawful: note: {name} line {number} is an unfinished record before \
                     the log's zero padding (being written, or cut off by a crash); \
                     it was not replayed"
                );
            }
        };
        if !newline && tail.get() == Tail::PaddedAfterFragment {
            unfinished();
            break Ok(());
        }
        if let Some(integrity) = &mut integrity {
            let mut raw = bytes.to_vec();
            if newline {
                raw.push(b'\n');
            }
            if let Err(e) = integrity.feed(number, &raw, &mut out) {
                break Err(e);
            }
        }
        if chain::is_checkpoint(bytes) {
            continue;
        }
        let parsed = match std::str::from_utf8(bytes) {
            Err(_) => Err(Fail::new(format!("{name} line {number} is not UTF-8 text"))),
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => serde_json::from_str::<AuditRecord>(text).map_err(|e| {
                Fail::new(format!("{name} line {number} is not an audit record: {e}"))
            }),
        };
        let logged = match parsed {
            Ok(logged) => logged,
            // A record cut off at the end is the integrity check's to report.
            Err(_) if !newline && integrity.is_some() => break Ok(()),
            Err(fail) => return Err(fail),
        };
        if let Err(e) = replay(&engine, number, &logged, &mut tally, &mut out) {
            break Err(e);
        }
    };
    let result = result
        .and_then(|()| match &integrity {
            Some(integrity) => integrity.summary(&mut out),
            None => writeln!(out, "integrity: not checked (--no-verify)"),
        })
        .and_then(|()| {
            let without = if tally.without_request > 0 {
                format!(", {} without a request", tally.without_request)
            } else {
                String::new()
            };
            writeln!(
                out,
                "{} replayed under policy `{}` version {}, {} changed{without}",
                tally.replayed,
                engine.policy_id(),
                engine.policy_version(),
                tally.changed
            )
        })
        .and_then(|()| out.flush());
    let status = if integrity.as_ref().is_some_and(|i| i.broken > 0) {
        ExitCode::from(TAMPERED)
    } else if tally.changed > 0 {
        ExitCode::from(FOUND_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    };
    files::written(status, result)
}

/// What the integrity check has found so far.
#[derive(Debug)]
struct Integrity {
    verifier: Verifier,
    lines: u64,
    broken: u64,
    first_break: Option<u64>,
    checkpoints: u64,
    /// The line of the last checkpoint, and whether it closed the log.
    last_checkpoint: Option<(u64, bool)>,
    /// Whether the first line is a checkpoint (an opening one).
    opened: bool,
    /// The keys that signed the checkpoints.
    keys: Vec<String>,
    trusted: bool,
}

impl Integrity {
    fn new(trusted: Vec<ed25519_dalek::VerifyingKey>) -> Integrity {
        Integrity {
            trusted: !trusted.is_empty(),
            verifier: Verifier::new(trusted),
            lines: 0,
            broken: 0,
            first_break: None,
            checkpoints: 0,
            last_checkpoint: None,
            opened: false,
            keys: Vec::new(),
        }
    }

    /// Checks one line (its bytes with its newline, if it had one); a
    /// break is printed.
    fn feed(&mut self, number: usize, raw: &[u8], out: &mut impl Write) -> io::Result<()> {
        let number = number as u64;
        self.lines += 1;
        match self.verifier.feed(raw) {
            Ok(Seen::Record) => Ok(()),
            Ok(Seen::Checkpoint(fields)) => {
                self.checkpoints += 1;
                if number == 1 {
                    self.opened = true;
                }
                self.last_checkpoint = Some((number, fields.reason == "close"));
                if !self.keys.contains(&fields.key) {
                    self.keys.push(fields.key);
                }
                Ok(())
            }
            Err(why) => {
                self.broken += 1;
                self.first_break.get_or_insert(number);
                writeln!(out, "integrity: {}", why.describe(number))
            }
        }
    }

    /// The integrity lines of the report: what holds, what was found, and
    /// what the log cannot show.
    fn summary(&self, out: &mut impl Write) -> io::Result<()> {
        if self.lines == 0 {
            return writeln!(out, "integrity: the log is empty");
        }
        let start = match self.verifier.start() {
            Some(start) if start == chain::GENESIS => "from the start of a log".to_owned(),
            Some(start) => format!(
                "from an earlier file (its first line links to {})",
                chain::hex(&start)
            ),
            None => "from no link".to_owned(),
        };
        if let Some(first) = self.first_break {
            writeln!(
                out,
                "integrity: BROKEN: {} of {} lines break the chain or a signature; the first is line {first}",
                self.broken, self.lines
            )?;
        } else {
            writeln!(
                out,
                "integrity: {} lines, each linked to the one before it, {start}",
                self.lines
            )?;
        }
        if self.checkpoints == 0 {
            return writeln!(
                out,
                "integrity: no signed checkpoint (the log was written without --log-key): an \
                 edit that rewrites every line from some line to the end, or a cut at a line's \
                 end, cannot be found"
            );
        }
        let by = if self.trusted {
            format!("by a trusted key ({})", self.keys.join(", "))
        } else {
            format!(
                "by key {} (give --trusted-key to require a key you know)",
                self.keys.join(", ")
            )
        };
        writeln!(
            out,
            "integrity: {} checkpoints signed {by}",
            self.checkpoints
        )?;
        if !self.opened {
            writeln!(
                out,
                "integrity: the log does not begin with a checkpoint: lines may be missing \
                 before line 1"
            )?;
        }
        match self.last_checkpoint {
            Some((line, true)) if line == self.lines => writeln!(
                out,
                "integrity: the log ends with the server's closing checkpoint: every line is \
                 vouched for"
            ),
            Some((line, _)) => writeln!(
                out,
                "integrity: the last checkpoint is line {line}; the {} lines after it are \
                 vouched for by no signature (a server still running, a crash, or a cut at a \
                 line's end: compare with the head it published, GET /v1/log/head)",
                self.lines - line
            ),
            None => Ok(()),
        }
    }
}

/// How the input ended, as far as [`EndAtPadding`] has read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tail {
    /// Not (yet) in zero padding.
    Plain,
    /// In a run of NULs to the end that starts a line.
    Padded,
    /// In a run of NULs to the end that starts inside a line: that line is
    /// an unfinished record.
    PaddedAfterFragment,
}

/// A reader that ends its input at a run of NUL bytes that lasts to the
/// end (the zero padding of a live or crashed server log). A run of NULs
/// followed by anything else is passed on unchanged (the JSON parser then
/// reports it). Memory stays bounded: a run is counted, not kept.
#[derive(Debug)]
struct EndAtPadding<R> {
    inner: R,
    buf: Vec<u8>,
    /// The unread part of `buf`.
    start: usize,
    end: usize,
    /// NULs read and not yet passed on: a run that may be the padding.
    held: u64,
    /// Whether the held run is followed by something else (then it is
    /// passed on).
    release: bool,
    /// Whether the last byte passed on ended a line (or none was).
    line_start: bool,
    /// Whether the held run started a line.
    run_at_line_start: bool,
    tail: Rc<Cell<Tail>>,
}

impl<R: Read> EndAtPadding<R> {
    fn new(inner: R, tail: Rc<Cell<Tail>>) -> EndAtPadding<R> {
        EndAtPadding {
            inner,
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            held: 0,
            release: false,
            line_start: true,
            run_at_line_start: true,
            tail,
        }
    }
}

impl<R: Read> Read for EndAtPadding<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.release && self.held > 0 {
                let n = usize::try_from(self.held)
                    .unwrap_or(usize::MAX)
                    .min(out.len());
                out.iter_mut().take(n).for_each(|b| *b = 0);
                self.held -= n as u64;
                self.line_start = false;
                return Ok(n);
            }
            self.release = false;
            if self.start == self.end {
                let n = loop {
                    match self.inner.read(&mut self.buf) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                if n == 0 {
                    if self.held > 0 {
                        self.held = 0;
                        self.tail.set(if self.run_at_line_start {
                            Tail::Padded
                        } else {
                            Tail::PaddedAfterFragment
                        });
                    }
                    return Ok(0);
                }
                self.start = 0;
                self.end = n;
            }
            let unread = self.buf.get(self.start..self.end).unwrap_or_default();
            if self.held > 0 {
                // In a run: count its NULs; anything else releases it.
                let nuls = unread.iter().take_while(|&&b| b == 0).count();
                self.start += nuls;
                self.held += nuls as u64;
                self.release = self.start < self.end;
                continue;
            }
            let plain = unread.iter().take_while(|&&b| b != 0).count();
            if plain == 0 {
                // A NUL: a run begins.
                self.run_at_line_start = self.line_start;
                self.held = 1;
                self.start += 1;
                continue;
            }
            let n = plain.min(out.len());
            let bytes = unread.get(..n).unwrap_or_default();
            out.get_mut(..n).unwrap_or_default().copy_from_slice(bytes);
            self.line_start = bytes.last() == Some(&b'\n');
            self.start += n;
            return Ok(n);
        }
    }
}

/// What the replay has found so far.
#[derive(Debug, Default)]
struct Tally {
    replayed: usize,
    changed: usize,
    without_request: usize,
}

/// Decides one logged request again; prints it when the decision changed.
fn replay(
    engine: &Engine,
    number: usize,
    logged: &AuditRecord,
    tally: &mut Tally,
    out: &mut impl Write,
) -> io::Result<()> {
    let id = logged
        .id
        .as_deref()
        .map_or_else(String::new, |id| format!(" (`{id}`)"));
    let doc = match &logged.request {
        None => {
            tally.without_request += 1;
            return writeln!(
                out,
                "line {number}{id}: no request was logged; it cannot be replayed"
            );
        }
        Some(serde_json::Value::String(text)) => engine.decide_json(text),
        Some(request) => engine.decide_json(&request.to_string()),
    };
    tally.replayed += 1;
    let now = AuditRecord::from_doc(&doc, logged.decided_at);
    if same(logged, &now) {
        return Ok(());
    }
    tally.changed += 1;
    writeln!(
        out,
        "line {number}{id}: was {}; now {}",
        outline(logged),
        outline(&now)
    )?;
    writeln!(out, "    decision: {}", doc.to_json())
}

/// Whether two records say the same: effect, basis, reasons, rules,
/// obligations.
fn same(a: &AuditRecord, b: &AuditRecord) -> bool {
    a.effect == b.effect
        && a.basis == b.basis
        && a.reasons == b.reasons
        && a.rules == b.rules
        && a.obligations == b.obligations
}

/// `permit on contract (reasons rule_permits; rules registration;
/// obligations retain_until)`.
fn outline(r: &AuditRecord) -> String {
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let basis = r.basis.map_or_else(String::new, |b| format!(" on {b}"));
    format!(
        "{}{basis} (reasons {}; rules {}; obligations {})",
        r.effect,
        list(r.reasons.iter().map(ToString::to_string).collect()),
        list(r.rules.clone()),
        list(r.obligations.iter().map(ToString::to_string).collect()),
    )
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    /// A reader that hands out at most `step` bytes a call.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn through(data: &[u8], step: usize, out_step: usize) -> (Vec<u8>, Tail) {
        let tail = Rc::new(Cell::new(Tail::Plain));
        let mut reader = EndAtPadding::new(Trickle { data, step }, Rc::clone(&tail));
        let mut all = Vec::new();
        let mut buf = vec![0; out_step];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        (all, tail.get())
    }

    #[test]
    fn trailing_nuls_end_the_input_and_other_nuls_pass() {
        let mut padded = b"{}\n{}\n".to_vec();
        padded.extend(std::iter::repeat_n(0, 200_000));
        assert_eq!(
            through(&padded, 70_000, 64 * 1024),
            (b"{}\n{}\n".to_vec(), Tail::Padded)
        );
        let mut fragment = b"{}\n{\"a".to_vec();
        fragment.extend([0; 10]);
        assert_eq!(
            through(&fragment, 3, 2),
            (b"{}\n{\"a".to_vec(), Tail::PaddedAfterFragment)
        );
        assert_eq!(
            through(b"{}\n\0\0{}\n", 1, 1),
            (b"{}\n\0\0{}\n".to_vec(), Tail::Plain)
        );
        assert_eq!(through(b"", 1, 1), (Vec::new(), Tail::Plain));
    }

    /// Every input of up to 8 bytes of `a`, newline and NUL, in every
    /// slicing: the output is the input without its trailing NULs.
    #[test]
    fn only_the_trailing_run_is_removed() {
        let alphabet = [b'a', b'\n', 0];
        for len in 0..=8_u32 {
            for mut code in 0..3_usize.pow(len) {
                let mut input = Vec::new();
                for _ in 0..len {
                    input.push(alphabet[code % 3]);
                    code /= 3;
                }
                let kept = input.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                let expected = input[..kept].to_vec();
                let tail = if kept == input.len() {
                    Tail::Plain
                } else if kept == 0 || input[kept - 1] == b'\n' {
                    Tail::Padded
                } else {
                    Tail::PaddedAfterFragment
                };
                for (step, out_step) in [(1, 1), (2, 3), (3, 1), (64, 64)] {
                    assert_eq!(
                        through(&input, step, out_step),
                        (expected.clone(), tail),
                        "{input:?} {step} {out_step}"
                    );
                }
            }
        }
    }
}
