//! What each fuzz target checks. Every function takes the fuzzer's bytes,
//! must not panic on any input, and panics (a crash the fuzzer saves) when
//! an oracle is violated. `cli/tests/fuzz_corpus.rs` replays the committed
//! corpus through these same functions on stable Rust.
//!
//! The including crate must have the CLI's line reader as `crate::reader`.

use lawful::decision::{ObligationCode, ReasonCode, RecipientKind};
use lawful::policy::LoadOptions;
use lawful::subject::ResidentId;
use lawful::wire::RequestDoc;
use lawful::{Action, Effect, Engine};

/// Policy text: loading never panics and stays within the load limits; a
/// load error renders to a bounded text.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = LoadOptions::new();
    match Engine::from_toml_with(text, options) {
        Ok(engine) => {
            assert!(engine.rules().len() <= options.rules_limit());
            let declared = engine
                .categories()
                .iter()
                .filter(|c| c.is_declared())
                .count();
            assert!(declared <= options.categories_limit());
            for category in engine.categories() {
                assert!(category.name().len() <= options.name_length_limit());
            }
            for purpose in engine.purposes() {
                assert!(purpose.name().len() <= options.name_length_limit());
            }
        }
        Err(e) => {
            assert!(!e.diagnostics().is_empty());
            let rendered = e.to_string();
            // At most 50 diagnostics rendered, each a few bounded lines.
            assert!(
                rendered.len() <= 64 * 1024 + 200,
                "{} bytes rendered",
                rendered.len()
            );
        }
    }
}

/// A request line through `decide_json`, and through `resolve` and `decide`
/// on the built-in policy, with the law's oracles on every permit.
pub fn request(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let engine = Engine::builtin();
    let doc = engine.decide_json(line);
    let _ = doc.to_json();
    let Ok(request_doc) = serde_json::from_str::<RequestDoc>(line) else {
        return;
    };
    let Ok(request) = engine.resolve(&request_doc) else {
        return;
    };
    let decision = engine.decide(&request);
    let _ = decision.explain(engine).to_string();
    if decision.effect() != Effect::Permit {
        return;
    }
    // Nothing is permitted about no information at all.
    assert!(
        !request.category_ids().is_empty(),
        "a permit for a request with no categories: {line}"
    );
    // A permit rests on a lawful basis (PIPL art. 13), except for what is
    // not personal information, a transfer to an acquirer bound by the
    // policy (art. 22), and deletion.
    let bound_acquirer = request_doc
        .recipient
        .as_ref()
        .is_some_and(|r| r.kind == RecipientKind::Acquirer && r.accepts_policy == Some(true));
    assert!(
        decision.basis().is_some()
            || decision.has_reason(ReasonCode::NotPersonalInformation)
            || bound_acquirer
            || request.action() == Action::Delete,
        "a permit without a lawful basis: {line}"
    );
    // Past the retention period only deletion may be permitted (art. 19).
    if request.action() != Action::Delete
        && let Some(collected) = request_doc.collected_at
    {
        for rule in decision
            .reasons()
            .iter()
            .filter_map(lawful::decision::Reason::rule)
        {
            let Some(rule) = engine.rule(rule) else {
                continue;
            };
            if rule.effect() != Effect::Permit {
                continue;
            }
            let Some(end) = rule
                .retention()
                .and_then(lawful::policy::Retention::period)
                .and_then(|p| p.after(collected))
            else {
                continue;
            };
            assert!(
                request.at() < end,
                "a permit past rule `{}`'s retention ({end}): {line}",
                rule.id()
            );
        }
        if let Some(until) = decision
            .due(ObligationCode::RetainUntil)
            .and_then(lawful::decision::Due::date)
        {
            let today = request
                .at()
                .with_timezone(&engine.home_jurisdiction().utc_offset())
                .date_naive();
            assert!(
                today <= until,
                "a permit past its own retain_until {until}: {line}"
            );
        }
    }
}

/// Resident identity numbers: parsing never panics, and a number that
/// parses has a six-digit region code and prints masked (never whole).
pub fn resident_id(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = ResidentId::parse(text) {
        let printed = id.to_string();
        assert!(printed.contains('*'), "{printed} is not masked");
        assert!(id.region_code() < 1_000_000);
        let _ = id.birth_date();
    }
}

/// Retention and rights lines: never panic, always one JSON answer.
pub fn lifecycle(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let engine = Engine::builtin();
    for answer in [engine.retention_json(line), engine.rights_json(line)] {
        let value: serde_json::Value =
            serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{answer}: {e}"));
        assert!(value.is_object(), "{answer}");
        assert!(!answer.contains('\n'), "{answer}");
    }
}

/// The CLI's line reader: the first byte sets the limit and the buffer
/// size, the rest is the input. Checked against splitting the input whole.
pub fn lines(data: &[u8]) {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let max = usize::from(first & 0x3f);
    let capacity = usize::from(first >> 6) * 3 + 1;
    let got = crate::reader::all_lines(input, max, capacity);
    let mut expected: Vec<Option<Vec<u8>>> = input
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| {
            let line = match i {
                0 => line
                    .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                    .unwrap_or(line),
                _ => line,
            };
            (line.len() <= max).then(|| line.to_vec())
        })
        .collect();
    if input.is_empty() || input.last() == Some(&b'\n') {
        expected.pop();
    }
    assert_eq!(got, expected, "max {max}, capacity {capacity}");
}
