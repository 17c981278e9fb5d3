//! JSON lines in, JSON lines out: `lawful decide` (with its decision log),
//! `lawful retention` and `lawful rights`.
//!
//! Input is read one line at a time into a reused buffer, and output is
//! held in a bounded buffer (64 KiB), so memory stays constant however long
//! the stream. Output is flushed whenever the next read could block (no whole
//! line is left in the input buffer): a host that drives `lawful decide`
//! through a pipe, one request at a time, gets each answer at once, and a
//! large file is still written in big blocks.

use std::io::{self, BufReader, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use lawful::Engine;
use lawful::wire::{DecisionDoc, ErrorLineDoc};

use crate::audit_log::{self, AuditLog, LogOptions};
use crate::files::{self, Fail};
use crate::reader::{Line, LineReader};

/// `lawful decide [--policy P] [--log FILE] [--max-line-bytes N] [FILE|-]`.
///
/// With a log, the decisions are answered in groups (what the input has
/// ready, up to 64 KiB of answers): the group's records are written and
/// synced first, then its answers printed. A log that cannot be written
/// stops the stream with exit 2 before the group's answers are printed.
pub(crate) fn decide(
    policy: Option<&Path>,
    log: Option<&Path>,
    log_options: LogOptions,
    input: Option<&Path>,
    max_line: usize,
) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let mut log = log
        .map(|path| AuditLog::open(path, log_options))
        .transpose()?;
    let hash = log
        .as_ref()
        .map(|_| audit_log::policy_hash(engine.policy_source()));
    let reader = files::open_lines(input)?;
    let name = files::input_name(input);
    let mut sink = Sink::new(log.as_mut());
    let result = stream(reader, max_line, &name, &mut sink, |raw, line| {
        let doc = match line {
            Ok(line) => engine.decide_json(line),
            Err(unreadable) => unreadable_line(&engine, &unreadable),
        };
        let record = hash.as_deref().map(|hash| {
            let stamp = audit_log::PolicyStamp {
                sha256: hash,
                key: None,
            };
            audit_log::record_line(&doc, raw, &stamp, audit_log::now())
        });
        (doc.to_json(), record)
    });
    finish(result, &mut sink)
}

/// Which lifecycle entry point a stream answers with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lifecycle {
    /// `lawful retention`: [`Engine::retention_json`].
    Retention,
    /// `lawful rights`: [`Engine::rights_json`].
    Rights,
}

/// `lawful retention|rights [--policy P] [--max-line-bytes N] [FILE|-]`.
pub(crate) fn lifecycle(
    which: Lifecycle,
    policy: Option<&Path>,
    input: Option<&Path>,
    max_line: usize,
) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let reader = files::open_lines(input)?;
    let name = files::input_name(input);
    let mut sink = Sink::new(None);
    let result = stream(reader, max_line, &name, &mut sink, |_, line| {
        let answer = match (line, which) {
            (Ok(line), Lifecycle::Retention) => engine.retention_json(line),
            (Ok(line), Lifecycle::Rights) => engine.rights_json(line),
            // The library's error line, for a line it cannot be handed.
            (Err(unreadable), _) => error_line(&engine, &unreadable),
        };
        (answer, None)
    });
    finish(result, &mut sink)
}

/// The error line of `retention` and `rights` for a line that cannot be
/// handed to the library.
pub(crate) fn error_line(engine: &Engine, unreadable: &Unreadable) -> String {
    let line = ErrorLineDoc::unreadable(engine, None, unreadable.message());
    serde_json::to_string(&line).unwrap_or_default()
}

/// A line that cannot be handed to the library.
#[derive(Debug)]
pub(crate) enum Unreadable {
    /// Not UTF-8 text (it cannot be JSON).
    NotUtf8,
    /// Longer than the limit, in bytes; the line was skipped unread.
    TooLong(usize),
    /// Longer than the server's line limit (`--max-body`).
    TooLongForServer(usize),
}

impl Unreadable {
    fn message(&self) -> String {
        match self {
            Unreadable::NotUtf8 => "the line is not UTF-8 text".into(),
            Unreadable::TooLong(max) => format!(
                "the line is longer than the limit of {max} bytes (see `--max-line-bytes`); it was skipped"
            ),
            Unreadable::TooLongForServer(max) => format!(
                "the line is longer than the limit of {max} bytes (see `--max-body`); it was skipped"
            ),
        }
    }
}

/// The deny for a line that is not UTF-8 or too long. Decoding it lossily
/// instead could turn a garbled line into a valid request that says
/// something else.
pub(crate) fn unreadable_line(engine: &Engine, unreadable: &Unreadable) -> DecisionDoc {
    DecisionDoc::unreadable(engine, None, unreadable.message())
}

/// Where answers (and audit records) go: both are kept until the next
/// flush, which writes the records first.
struct Sink<'a> {
    out: io::StdoutLock<'static>,
    answers: Vec<u8>,
    log: Option<&'a mut AuditLog>,
    records: Vec<u8>,
}

/// Why a stream stopped early.
enum Stop {
    /// Stdout was closed by the reader (`lawful decide | head`): not an error.
    Closed,
    /// Anything else: one line, exit 2.
    Fail(Fail),
}

/// Answers held before a flush is forced.
const GROUP_BYTES: usize = 64 * 1024;

impl<'a> Sink<'a> {
    fn new(log: Option<&'a mut AuditLog>) -> Sink<'a> {
        Sink {
            out: io::stdout().lock(),
            answers: Vec::with_capacity(GROUP_BYTES),
            log,
            records: Vec::new(),
        }
    }

    fn write(&mut self, answer: &str, record: Option<Vec<u8>>) -> Result<(), Stop> {
        if let Some(record) = record {
            self.records.extend_from_slice(&record);
        }
        self.answers.extend_from_slice(answer.as_bytes());
        self.answers.push(b'\n');
        if self.answers.len() >= GROUP_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Logs the pending records, then prints the pending answers. When the
    /// log fails, the answers it should have recorded are dropped.
    fn flush(&mut self) -> Result<(), Stop> {
        if let Some(log) = self.log.as_deref_mut()
            && !self.records.is_empty()
        {
            if let Err(e) = log.append(&self.records) {
                self.records.clear();
                self.answers.clear();
                return Err(Stop::Fail(Fail::new(format!(
                    "cannot write the decision log `{}`: {}; the decisions not logged were not printed",
                    log.path().display(),
                    files::io_words(&e)
                ))));
            }
            self.records.clear();
        }
        let written = self.out.write_all(&self.answers);
        self.answers.clear();
        written
            .and_then(|()| self.out.flush())
            .map_err(|e| out_error(&e))
    }
}

fn out_error(e: &io::Error) -> Stop {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Stop::Closed
    } else {
        Stop::Fail(Fail::new(format!(
            "cannot write to standard output: {}",
            files::io_words(e)
        )))
    }
}

/// Reads `reader` line by line (each at most `max_line` bytes) and writes
/// one answer per non-blank line.
fn stream<R: Read>(
    reader: BufReader<R>,
    max_line: usize,
    name: &str,
    sink: &mut Sink<'_>,
    mut answer: impl FnMut(&[u8], Result<&str, Unreadable>) -> (String, Option<Vec<u8>>),
) -> Result<(), Stop> {
    let mut lines = LineReader::new(reader, max_line);
    loop {
        if !lines.has_buffered_line() {
            // The next read may wait for the writer: answer what we have.
            sink.flush()?;
        }
        let line = lines.next_line().map_err(|e| {
            Stop::Fail(Fail::new(format!(
                "cannot read {name}: {}",
                files::io_words(&e)
            )))
        })?;
        let (raw, line): (&[u8], _) = match line {
            Line::End => return sink.flush(),
            Line::TooLong => (&[], Err(Unreadable::TooLong(max_line))),
            Line::Text(bytes) => (
                bytes,
                std::str::from_utf8(bytes).map_err(|_| Unreadable::NotUtf8),
            ),
        };
        if let Ok(line) = line
            && line.trim().is_empty()
        {
            continue;
        }
        let (text, record) = answer(raw, line.map(str::trim));
        sink.write(&text, record)?;
    }
}

/// The exit status of a stream.
fn finish(result: Result<(), Stop>, sink: &mut Sink<'_>) -> Result<ExitCode, Fail> {
    match result {
        Ok(()) | Err(Stop::Closed) => Ok(ExitCode::SUCCESS),
        Err(Stop::Fail(fail)) => {
            // Keep what was decided before the failure, logged first. (After
            // a log failure nothing is pending: unlogged answers are dropped.)
            let _ = sink.flush();
            Err(fail)
        }
    }
}
