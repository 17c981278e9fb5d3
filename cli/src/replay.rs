//! `lawful replay LOG [-p POLICY]`: decide every logged request again and
//! print the decisions that changed.
//!
//! The log is what `lawful decide --log` and `lawful serve --log` write (or
//! any file of `lawful::AuditRecord` lines that hold their request). Each
//! record's request is decided under the policy given (default: the
//! built-in policy), and the new decision is compared with the logged one:
//! effect, basis, reason codes, the rules cited, obligation codes. The
//! policy's id and version are not compared: a new version that decides the
//! same is no change.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

use lawful::AuditRecord;

use crate::files::{self, FOUND_PROBLEMS, Fail};

/// Replays the log; exit status 1 when a decision changed.
pub(crate) fn run(log: &Path, policy: Option<&Path>) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let name = files::input_name(Some(log));
    let reader = files::open_lines(Some(log))?;
    let (mut replayed, mut changed, mut without_request) = (0_usize, 0_usize, 0_usize);
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line =
            line.map_err(|e| Fail::new(format!("cannot read {name}: {}", files::io_words(&e))))?;
        if line.trim().is_empty() {
            continue;
        }
        let logged: AuditRecord = serde_json::from_str(&line)
            .map_err(|e| Fail::new(format!("{name} line {number} is not an audit record: {e}")))?;
        let id = logged
            .id
            .as_deref()
            .map_or_else(String::new, |id| format!(" (`{id}`)"));
        let doc = match &logged.request {
            None => {
                without_request += 1;
                println!("line {number}{id}: no request was logged; it cannot be replayed");
                continue;
            }
            Some(serde_json::Value::String(text)) => engine.decide_json(text),
            Some(request) => engine.decide_json(&request.to_string()),
        };
        replayed += 1;
        let now = AuditRecord::from_doc(&doc, logged.decided_at);
        if same(&logged, &now) {
            continue;
        }
        changed += 1;
        println!(
            "line {number}{id}: was {}; now {}",
            outline(&logged),
            outline(&now)
        );
        println!("    decision: {}", doc.to_json());
    }
    let without = if without_request > 0 {
        format!(", {without_request} without a request")
    } else {
        String::new()
    };
    println!(
        "{replayed} replayed under policy `{}` version {}, {changed} changed{without}",
        engine.policy_id(),
        engine.policy_version()
    );
    Ok(if changed > 0 {
        ExitCode::from(FOUND_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    })
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
