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

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use lawful::Engine;
use lawful::wire::AuditRecord;

use crate::files::{self, FOUND_PROBLEMS, Fail};
use crate::reader::{DEFAULT_MAX_LINE, Line, LineReader};

/// Replays the log; exit status 1 when a decision changed.
pub(crate) fn run(log: &Path, policy: Option<&Path>) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let name = files::input_name(Some(log));
    // Records are read line by line, each at most the stream limit long.
    let mut lines = LineReader::new(files::open_lines(Some(log))?, DEFAULT_MAX_LINE);
    let mut out = files::stdout();
    let mut tally = Tally::default();
    let mut number = 0_usize;
    let result = loop {
        let line = lines
            .next_line()
            .map_err(|e| Fail::new(format!("cannot read {name}: {}", files::io_words(&e))))?;
        number += 1;
        let text = match line {
            Line::End => break Ok(()),
            Line::TooLong => {
                return Err(Fail::new(format!(
                    "{name} line {number} is longer than {DEFAULT_MAX_LINE} bytes: not an audit record"
                )));
            }
            Line::Text(bytes) => std::str::from_utf8(bytes)
                .map_err(|_| Fail::new(format!("{name} line {number} is not UTF-8 text")))?,
        };
        if text.trim().is_empty() {
            continue;
        }
        let logged: AuditRecord = serde_json::from_str(text)
            .map_err(|e| Fail::new(format!("{name} line {number} is not an audit record: {e}")))?;
        if let Err(e) = replay(&engine, number, &logged, &mut tally, &mut out) {
            break Err(e);
        }
    };
    let result = result
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
    let status = if tally.changed > 0 {
        ExitCode::from(FOUND_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    };
    files::written(status, result)
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
