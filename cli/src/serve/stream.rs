//! The JSON-lines endpoints, streamed: `POST /v1/decide/batch` and the
//! JSON-lines form of `/v1/retention` and `/v1/rights`.
//!
//! The body is read as it arrives, a chunk of lines at a time (at most
//! [`CHUNK_BYTES`] of input or [`CHUNK_LINES`] lines, or one long line);
//! each chunk is answered on a blocking thread, then its records are
//! logged, then its answers are handed to the connection through a bounded
//! channel of [`IN_FLIGHT`] chunks. So a batch holds a few chunks in
//! memory, whatever its size, and a client that does not read its answers
//! stops the batch (the channel fills) instead of growing the server.
//!
//! Nothing is logged that is not then answered: a chunk's place in the
//! channel is reserved before its records are logged, and sending into a
//! reserved place cannot fail. A client that goes away, a batch past its
//! deadline (`--timeout`, from the request's start) or a server shutting
//! down stops the batch before its next chunk is decided; the answer then
//! ends with an error line (`{"error": {"code": ..., "message": ...}}`),
//! for which a place in the channel is always kept free. Every line before
//! the error line was decided and logged, and no line after it was. The
//! memory budget the batch reserved is held by the answer's body until the
//! connection has taken it (or is gone), so a client that never reads
//! keeps its share of the budget, not more.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::{Body, Bytes};

use crate::serve::split::{Piece, Splitter};
use http_body_util::BodyExt;
use lawful::wire::DecisionDoc;
use tokio::sync::mpsc;

use crate::audit_log::{self, record_line};
use crate::lines;
use crate::serve::State;
use crate::serve::policy::Loaded;

/// Input answered at a time (a longer single line is a chunk of its own).
pub(crate) const CHUNK_BYTES: usize = 64 << 10;

/// Lines answered at a time: the smallest lines (`{}`) have the largest
/// answers for their size, so a chunk is also bounded in lines.
pub(crate) const CHUNK_LINES: usize = 512;

/// Chunks of answers waiting for the client to read them.
pub(crate) const IN_FLIGHT: usize = 4;

/// What a batch holds of the memory budget: a chunk of input and its
/// longest line, the answers in flight, and a chunk's records.
pub(crate) fn reservation(max_line: usize) -> usize {
    max_line
        .saturating_mul(2)
        .saturating_add(CHUNK_BYTES * (IN_FLIGHT + 2))
        .saturating_add(CHUNK_LINES * 1024 * (IN_FLIGHT + 2))
}

/// One line of input, or why it cannot be handed on.
pub(crate) type InLine = Piece;

/// Reads a body as lines, bounded: each line at most `max_line` bytes
/// (a longer one is skipped as it arrives), the whole body at most
/// `max_body` bytes (see `split`).
pub(crate) struct BodyLines {
    body: Body,
    splitter: Splitter,
    max_line: usize,
    max_body: usize,
    read: usize,
    /// Whether the body has ended.
    done: bool,
}

/// Why a body could not be read to its end.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Larger than `max_body`.
    TooLarge(usize),
    /// The connection failed or the client went away.
    Broken(String),
}

impl BodyLines {
    pub(crate) fn new(body: Body, max_line: usize, max_body: usize) -> BodyLines {
        BodyLines {
            body,
            splitter: Splitter::new(max_line),
            max_line,
            max_body,
            read: 0,
            done: false,
        }
    }

    /// Reads until the first non-blank line is known: the first byte of
    /// it that is not white space (`None` for a body of blank lines, or a
    /// first line too long to keep).
    pub(crate) async fn first_byte(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            match self.splitter.peek() {
                Some(Piece::Text(line)) => {
                    return Ok(line.iter().copied().find(|b| !b.is_ascii_whitespace()));
                }
                Some(Piece::TooLong) => return Ok(None),
                None if self.done => return Ok(None),
                None => self.fill().await?,
            }
        }
    }

    /// Reads one more frame of the body into the splitter.
    async fn fill(&mut self) -> Result<(), ReadError> {
        loop {
            let Some(frame) = self.body.frame().await else {
                self.done = true;
                self.splitter.finish();
                return Ok(());
            };
            let frame = frame.map_err(|e| ReadError::Broken(e.to_string()))?;
            let Ok(data) = frame.into_data() else {
                // Trailers: nothing to read.
                continue;
            };
            self.read = self.read.saturating_add(data.len());
            if self.read > self.max_body {
                return Err(ReadError::TooLarge(self.max_body));
            }
            self.splitter.push(&data);
            return Ok(());
        }
    }

    /// Reads the rest of the body without keeping it, until it ends or
    /// `until` (at most the body's limit): a batch cut short still reads
    /// what its client is sending, so that closing the connection does not
    /// reset it (a reset would lose the answers not yet read).
    pub(crate) async fn drain(&mut self, until: Instant) {
        self.splitter = Splitter::new(0);
        while !self.done {
            // The end, a failure or the time: stop either way.
            let Ok(Some(Ok(frame))) =
                tokio::time::timeout_at(until.into(), self.body.frame()).await
            else {
                return;
            };
            if let Ok(data) = frame.into_data() {
                self.read = self.read.saturating_add(data.len());
                if self.read > self.max_body {
                    return;
                }
            }
        }
    }

    /// The next chunk of non-blank lines: at most [`CHUNK_BYTES`] of input
    /// or [`CHUNK_LINES`] lines (or one longer line); empty at the end.
    pub(crate) async fn next_chunk(&mut self) -> Result<Vec<InLine>, ReadError> {
        let mut chunk = Vec::new();
        let mut bytes = 0;
        loop {
            while let Some(piece) = self.splitter.next() {
                if let Piece::Text(line) = &piece {
                    bytes += line.len();
                }
                chunk.push(piece);
                if bytes >= CHUNK_BYTES || chunk.len() >= CHUNK_LINES {
                    return Ok(chunk);
                }
            }
            if self.done {
                return Ok(chunk);
            }
            if chunk.is_empty() {
                self.fill().await?;
            } else {
                // Lines to answer: more input only if it is there already.
                match tokio::time::timeout(std::time::Duration::ZERO, self.fill()).await {
                    Ok(read) => read?,
                    Err(_) => return Ok(chunk),
                }
            }
        }
    }
}

/// What a line is answered with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Answering {
    /// A decision, logged (`/v1/decide/batch`).
    Decisions,
    /// A retention plan (`/v1/retention`).
    Retention,
    /// A rights answer (`/v1/rights`).
    Rights,
}

/// The answers of a chunk, its records and its decisions (for the metrics).
struct Answered {
    answers: Vec<u8>,
    records: Vec<u8>,
    count: u64,
    decisions: Vec<DecisionDoc>,
}

/// Answers a chunk of lines (on a blocking thread).
fn answer_chunk(
    loaded: &Loaded,
    lines: Vec<InLine>,
    answering: Answering,
    logging: bool,
    max_line: usize,
) -> Answered {
    let mut out = Answered {
        answers: Vec::new(),
        records: Vec::new(),
        count: 0,
        decisions: Vec::new(),
    };
    let decided_at = audit_log::now();
    let stamp = loaded.stamp();
    for line in lines {
        let (raw, text): (&[u8], Result<&str, lines::Unreadable>) = match &line {
            Piece::Text(bytes) => (
                bytes,
                std::str::from_utf8(bytes).map_err(|_| lines::Unreadable::NotUtf8),
            ),
            Piece::TooLong => (&[], Err(lines::Unreadable::TooLongForServer(max_line))),
        };
        let text = text.map(str::trim);
        match answering {
            Answering::Decisions => {
                let doc = match text {
                    Ok(text) => loaded.engine.decide_json(text),
                    Err(why) => lines::unreadable_line(&loaded.engine, &why),
                };
                if logging {
                    out.records
                        .extend_from_slice(&record_line(&doc, raw, &stamp, decided_at));
                }
                out.answers.extend_from_slice(doc.to_json().as_bytes());
                out.decisions.push(doc);
            }
            Answering::Retention | Answering::Rights => {
                let answer = match text {
                    Ok(text) if matches!(answering, Answering::Retention) => {
                        loaded.engine.retention_json(text)
                    }
                    Ok(text) => loaded.engine.rights_json(text),
                    Err(why) => lines::error_line(&loaded.engine, &why),
                };
                out.answers.extend_from_slice(answer.as_bytes());
            }
        }
        out.answers.push(b'\n');
        out.count += 1;
    }
    out
}

/// An error line that ends a streamed answer.
fn error_line(code: &str, message: &str) -> Bytes {
    let mut line = serde_json::to_vec(&serde_json::json!({
        "error": { "code": code, "message": message }
    }))
    .unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

/// The stream's items: chunks of answers, or the error that aborts it.
pub(crate) type Item = Result<Bytes, std::io::Error>;

/// Answers the lines of `reader` into `tx`, chunk by chunk, until the end,
/// a failure, the deadline, or the client leaving (see the module's notes).
/// `first` is a chunk already read, if any.
pub(crate) async fn run(
    state: Arc<State>,
    loaded: Arc<Loaded>,
    mut reader: BodyLines,
    answering: Answering,
    tx: mpsc::Sender<Item>,
    deadline: Instant,
) {
    let logging = state.log.is_some() && matches!(answering, Answering::Decisions);
    let max_line = reader.max_line;
    // The error line that ends a batch cut short: a place for it is always
    // free (two are reserved for each chunk, and one given back).
    let end = |why: Bytes| {
        let _ = tx.try_send(Ok(why));
    };
    let mut cut_short = true;
    loop {
        if state.stopping.load(Ordering::SeqCst) {
            end(error_line(
                "shutting_down",
                "the server is stopping; the lines before this one were answered",
            ));
            break;
        }
        let read = tokio::time::timeout_at(deadline.into(), reader.next_chunk()).await;
        let chunk = match read {
            Err(_) => {
                end(timeout_line(&state));
                break;
            }
            Ok(Err(ReadError::TooLarge(max))) => {
                end(error_line(
                    "body_too_large",
                    &format!(
                        "the body is larger than {max} bytes (see `--max-batch-body`); the lines \
                         before this one were answered"
                    ),
                ));
                break;
            }
            // The client went away: nobody to answer.
            Ok(Err(ReadError::Broken(_))) => break,
            Ok(Ok(chunk)) if chunk.is_empty() => {
                cut_short = false;
                break;
            }
            Ok(Ok(chunk)) => chunk,
        };
        let work = {
            let loaded = Arc::clone(&loaded);
            move || answer_chunk(&loaded, chunk, answering, logging, max_line)
        };
        let Ok(answered) = tokio::task::spawn_blocking(work).await else {
            end(error_line(
                "internal",
                "a chunk of the batch could not be answered",
            ));
            break;
        };
        // A place for the answers first (and one more, kept free for an
        // error line): then the records are logged only if the answers can
        // be handed on.
        let mut permits = match tokio::time::timeout_at(deadline.into(), tx.reserve_many(2)).await {
            Ok(Ok(permits)) => permits,
            // The client went away.
            Ok(Err(_)) => break,
            // It stopped reading, past the deadline.
            Err(_) => {
                end(timeout_line(&state));
                break;
            }
        };
        let Some(permit) = permits.next() else {
            break;
        };
        drop(permits);
        if logging
            && let Some(log) = &state.log
            && let Err(why) = log.commit(answered.records, answered.count).await
        {
            state.metrics.log_failures.fetch_add(1, Ordering::Relaxed);
            permit.send(Ok(error_line(
                "log_unavailable",
                &format!(
                    "{why}; no decision is answered that is not logged, and the lines before \
                     this one were answered"
                ),
            )));
            break;
        }
        for doc in &answered.decisions {
            state.metrics.decided(doc);
        }
        permit.send(Ok(Bytes::from(answered.answers)));
    }
    if cut_short {
        // What the client still sends is read and dropped, for a while.
        reader.drain(Instant::now() + DRAIN).await;
    }
}

/// How long a batch cut short goes on reading its body (and dropping it).
const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

fn timeout_line(state: &State) -> Bytes {
    error_line(
        "timeout",
        &format!(
            "the request took longer than {} ms; the lines before this one were answered",
            state.timeout.as_millis()
        ),
    )
}
