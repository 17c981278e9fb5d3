//! JSON lines in, JSON lines out: `lawful decide` (with its decision log),
//! `lawful retention` and `lawful rights`.
//!
//! Input is read one line at a time into a reused buffer, and output goes
//! through a buffered writer, so memory stays constant however long the
//! stream. Output is flushed whenever the next read could block (no whole
//! line is left in the input buffer): a host that drives `lawful decide`
//! through a pipe, one request at a time, gets each answer at once, and a
//! large file is still written in big blocks.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use chrono::{DateTime, SubsecRound, Utc};
use lawful::{
    AuditRecord, DecisionDoc, Effect, Engine, ErrorDoc, ErrorLineDoc, PolicyRef, ReasonCode,
    ReasonDoc,
};

use crate::files::{self, Fail};
use crate::reader::{Line, LineReader};

/// `lawful decide [--policy P] [--log FILE] [--max-line-bytes N] [FILE|-]`.
pub(crate) fn decide(
    policy: Option<&Path>,
    log: Option<&Path>,
    input: Option<&Path>,
    max_line: usize,
) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let mut log = log.map(open_log).transpose()?;
    let logging = log.is_some();
    let reader = files::open_lines(input)?;
    let name = files::input_name(input);
    let mut sink = Sink::new(log.as_mut());
    let result = stream(reader, max_line, &name, &mut sink, |line| {
        let doc = match line {
            Ok(line) => engine.decide_json(line),
            Err(unreadable) => unreadable_line(&engine, &unreadable),
        };
        let record = logging.then(|| audit_record(&doc));
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
    let result = stream(reader, max_line, &name, &mut sink, |line| {
        let answer = match (line, which) {
            (Ok(line), Lifecycle::Retention) => engine.retention_json(line),
            (Ok(line), Lifecycle::Rights) => engine.rights_json(line),
            // The library's error line, for a line it cannot be handed.
            (Err(unreadable), _) => {
                let line = ErrorLineDoc {
                    id: None,
                    error: ErrorDoc {
                        code: ReasonCode::InvalidRequest,
                        message: unreadable.message(),
                    },
                    policy: policy_ref(&engine),
                };
                serde_json::to_string(&line).unwrap_or_default()
            }
        };
        (answer, None)
    });
    finish(result, &mut sink)
}

/// A line that cannot be handed to the library.
#[derive(Debug)]
enum Unreadable {
    /// Not UTF-8 text (it cannot be JSON).
    NotUtf8,
    /// Longer than the limit, in bytes; the line was skipped unread.
    TooLong(usize),
}

impl Unreadable {
    fn message(&self) -> String {
        match self {
            Unreadable::NotUtf8 => "the line is not UTF-8 text".into(),
            Unreadable::TooLong(max) => format!(
                "the line is longer than the limit of {max} bytes (see `--max-line-bytes`); it was skipped"
            ),
        }
    }
}

/// The audit record of a decision, stamped with the wall clock: the engine
/// never reads the clock, the command line may.
fn audit_record(doc: &DecisionDoc) -> AuditRecord {
    // Microseconds order the records of a fast stream; nanoseconds are noise.
    let now: DateTime<Utc> = SystemTime::now().into();
    AuditRecord::from_doc(doc, now.trunc_subsecs(6))
}

/// The deny for a line that is not UTF-8 or too long. Decoding it lossily
/// instead could turn a garbled line into a valid request that says
/// something else.
fn unreadable_line(engine: &Engine, unreadable: &Unreadable) -> DecisionDoc {
    DecisionDoc {
        id: None,
        effect: Effect::Deny,
        basis: None,
        obligations: Vec::new(),
        reasons: vec![ReasonDoc {
            code: ReasonCode::InvalidRequest,
            rule: None,
            clause: None,
            category: None,
            message: Some(unreadable.message()),
        }],
        subject: None,
        policy: policy_ref(engine),
    }
}

fn policy_ref(engine: &Engine) -> PolicyRef {
    PolicyRef {
        id: engine.policy_id().to_owned(),
        version: engine.policy_version().to_owned(),
    }
}

/// Opens the decision log for appending (created if missing).
fn open_log(path: &Path) -> Result<BufWriter<File>, Fail> {
    if path.is_dir() {
        return Err(Fail::new(format!(
            "cannot open log `{}`: it is a directory",
            path.display()
        )));
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(BufWriter::new)
        .map_err(|e| {
            Fail::new(format!(
                "cannot open log `{}`: {}",
                path.display(),
                files::io_words(&e)
            ))
        })
}

/// Where answers (and audit records) go.
struct Sink<'a> {
    out: BufWriter<io::StdoutLock<'static>>,
    log: Option<&'a mut BufWriter<File>>,
}

/// Why a stream stopped early.
enum Stop {
    /// Stdout was closed by the reader (`lawful decide | head`): not an error.
    Closed,
    /// Anything else: one line, exit 2.
    Fail(Fail),
}

impl<'a> Sink<'a> {
    fn new(log: Option<&'a mut BufWriter<File>>) -> Sink<'a> {
        Sink {
            out: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            log,
        }
    }

    fn write(&mut self, answer: &str, record: Option<AuditRecord>) -> Result<(), Stop> {
        // The log first: a decision that was answered must have been logged.
        if let (Some(log), Some(record)) = (self.log.as_deref_mut(), record) {
            writeln!(log, "{}", record.to_json()).map_err(|e| log_error(&e))?;
        }
        writeln!(self.out, "{answer}").map_err(|e| out_error(&e))
    }

    fn flush(&mut self) -> Result<(), Stop> {
        if let Some(log) = self.log.as_deref_mut() {
            log.flush().map_err(|e| log_error(&e))?;
        }
        self.out.flush().map_err(|e| out_error(&e))
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

fn log_error(e: &io::Error) -> Stop {
    Stop::Fail(Fail::new(format!(
        "cannot write the decision log: {}",
        files::io_words(e)
    )))
}

/// Reads `reader` line by line (each at most `max_line` bytes) and writes
/// one answer per non-blank line.
fn stream<R: Read>(
    reader: BufReader<R>,
    max_line: usize,
    name: &str,
    sink: &mut Sink<'_>,
    mut answer: impl FnMut(Result<&str, Unreadable>) -> (String, Option<AuditRecord>),
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
        let line = match line {
            Line::End => return sink.flush(),
            Line::TooLong => Err(Unreadable::TooLong(max_line)),
            Line::Text(bytes) => std::str::from_utf8(bytes).map_err(|_| Unreadable::NotUtf8),
        };
        if let Ok(line) = line
            && line.trim().is_empty()
        {
            continue;
        }
        let (text, record) = answer(line.map(str::trim));
        sink.write(&text, record)?;
    }
}

/// The exit status of a stream.
fn finish(result: Result<(), Stop>, sink: &mut Sink<'_>) -> Result<ExitCode, Fail> {
    match result {
        Ok(()) | Err(Stop::Closed) => Ok(ExitCode::SUCCESS),
        Err(Stop::Fail(fail)) => {
            // Keep what was decided before the failure (and its log records).
            let _ = sink.flush();
            Err(fail)
        }
    }
}
