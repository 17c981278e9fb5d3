//! `lawful explain [--policy P] [--seed TEXT] REQUEST.json`: one decision,
//! in words, with the privacy policy's own words for each clause it cites.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use lawful::wire::RequestDoc;
use lawful::{Decision, Engine};

use crate::files::{self, Fail};
use crate::seed;

/// Decides the request in `path` and prints the explanation.
///
/// A request that cannot be read or names something the policy does not
/// declare is misuse here (exit 2), not a deny: there is no decision to
/// explain. `lawful decide` turns the same request into a deny.
///
/// The clauses are quoted from `seed_text` if given, else from the
/// embedded seed policy when the engine is the built-in one.
pub(crate) fn run(
    policy: Option<&Path>,
    seed_text: Option<&Path>,
    path: &Path,
) -> Result<ExitCode, Fail> {
    let engine = files::load_policy(policy)?;
    let quoted = match (seed_text, policy) {
        (Some(seed_text), _) => Some(files::read_text(seed_text)?),
        (None, None) => Some(seed::SEED.to_owned()),
        (None, Some(_)) => None,
    };
    let text = files::read_text_or_stdin(path)?;
    let name = files::input_name(Some(path));
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    if !text.trim_start().starts_with('{') {
        return Err(Fail::new(format!(
            "{name} is not a valid request: a request is a JSON object"
        )));
    }
    let doc: RequestDoc = serde_json::from_str(text)
        .map_err(|e| Fail::new(format!("{name} is not a valid request: {e}")))?;
    let request = engine.resolve(&doc).map_err(|e| {
        Fail::new(format!(
            "{name} is not a valid request ({}): {}",
            e.code(),
            e.message()
        ))
    })?;
    let decision = engine.decide(&request);
    let mut out = files::terminal();
    let mut write = || -> io::Result<()> {
        if let Some(id) = &doc.id {
            writeln!(out, "Request `{id}`:")?;
        }
        writeln!(out, "{}", decision.explain(&engine))?;
        if let Some(text) = &quoted {
            write!(out, "{}", quotes(&engine, &decision, text))?;
        }
        out.flush()
    };
    let result = write();
    files::written(ExitCode::SUCCESS, result)
}

/// Each clause the reasons cite, once, with the first paragraph of the
/// policy text under it (clauses the text does not have are left out).
pub(crate) fn quotes(engine: &Engine, decision: &Decision, text: &str) -> String {
    let mut clauses: Vec<&str> = Vec::new();
    for rule in decision
        .reasons()
        .iter()
        .filter_map(|r| r.rule().and_then(|id| engine.rule(id)))
    {
        if !clauses.contains(&rule.clause()) {
            clauses.push(rule.clause());
        }
    }
    let mut out = String::new();
    for clause in clauses {
        if let Some(passage) = seed::passage(text, clause) {
            if out.is_empty() {
                out.push_str("\nThe policy says:\n");
            }
            out.push_str("  ");
            out.push_str(clause);
            out.push_str(":\n");
            out.push_str(&seed::wrap(&format!("\"{passage}\""), "    ", 78));
        }
    }
    out
}
