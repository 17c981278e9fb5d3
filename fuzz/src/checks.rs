//! What each fuzz target checks. Every function takes the fuzzer's bytes,
//! must not panic on any input, and panics (a crash the fuzzer saves) when
//! an oracle is violated. `cli/tests/fuzz_corpus.rs` replays the committed
//! corpus through these same functions on stable Rust.
//!
//! The including crate must have the CLI's line reader as `crate::reader`,
//! and serve's modules as `crate::request`, `crate::split` and
//! `crate::chain`.

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

/// `lawful serve`'s handling of one request body (`POST /v1/decide`): never
/// panics, and agrees with `lawful decide`: a decision is the one the
/// command line prints for the same text; a `422` carries the deny it
/// prints, with the same reason code; a `400` is a text the command line
/// denies as `invalid_request`.
pub fn serve_request(data: &[u8]) {
    use crate::request::{Status, decide_one};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let engine = Engine::builtin();
    let cli = engine.decide_json(text);
    match decide_one(engine, text) {
        Ok(doc) => assert_eq!(doc, cli, "{text}"),
        Err(refusal) => {
            assert_eq!(cli.effect, Effect::Deny, "{text}");
            let code = cli.reasons.first().map(|r| r.code);
            match refusal.status {
                Status::NotJson => {
                    assert_eq!(refusal.code, "invalid_json");
                    assert_eq!(code, Some(ReasonCode::InvalidRequest), "{text}");
                }
                Status::Invalid => {
                    let deny = refusal.decision.expect("a 422 carries its deny");
                    assert_eq!(*deny, cli, "{text}");
                    assert_eq!(code.map(ReasonCode::as_str), Some(refusal.code), "{text}");
                }
            }
        }
    }
}

/// A batch body split into lines as its frames arrive (`lawful serve`'s
/// batches): the same lines as splitting it whole, whatever the frames,
/// and never more than the line limit held of a line being read. First
/// byte: the line limit; second: the frame size; the rest: the body.
pub fn batch_lines(data: &[u8]) {
    use crate::split::{Splitter, split_all, split_whole};
    let [first, second, input @ ..] = data else {
        return;
    };
    let max = usize::from(*first) * 4;
    let frame = usize::from(*second) + 1;
    assert_eq!(
        split_all(input, max, frame),
        split_whole(input, max),
        "max {max}, frame {frame}"
    );
    // A body without newlines holds at most the limit.
    let mut splitter = Splitter::new(max);
    for chunk in input.chunks(frame) {
        let line: Vec<u8> = chunk.iter().copied().filter(|&b| b != b'\n').collect();
        splitter.push(&line);
        assert!(splitter.held() <= max.max(3), "{} held", splitter.held());
    }
}

/// The decision log's chain verifier: never panics on any bytes; a log
/// written through the chain (the input's lines as records, each behind a
/// first field as every record has, closed by a signed checkpoint)
/// verifies; and one byte of it changed anywhere is found (a broken line,
/// or the closing checkpoint no longer one).
pub fn log_chain(data: &[u8]) {
    use crate::chain::{Chain, GENESIS, Seen, Verifier, breaks, hex};
    use ed25519_dalek::{Signer as _, SigningKey};
    let _ = breaks(data, Vec::new());
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let key = SigningKey::from_bytes(&[9; 32]);
    let public = hex(&key.verifying_key().to_bytes());
    let mut chain = Chain::new(GENESIS);
    let mut log = Vec::new();
    let mut records = Vec::new();
    // Records begin with a field of their own (lawful's with `decided_at`),
    // never with `checkpoint`, which marks a checkpoint line.
    for line in rest
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(64)
    {
        records.extend_from_slice(b"{\"r\":0,");
        records.extend_from_slice(line);
        records.push(b'\n');
    }
    chain.link(&records, &mut log);
    chain.checkpoint(
        "2026-11-28T02:00:00Z",
        "close",
        "ed25519:k",
        &public,
        |m| hex(&key.sign(m).to_bytes()),
        &mut log,
    );
    let verify = |log: &[u8]| {
        let mut verifier = Verifier::new(vec![key.verifying_key()]);
        let mut broken = 0;
        let mut checkpoints = 0;
        for line in log.split_inclusive(|&b| b == b'\n') {
            match verifier.feed(line) {
                Ok(Seen::Checkpoint(_)) => checkpoints += 1,
                Ok(Seen::Record) => {}
                Err(_) => broken += 1,
            }
        }
        (broken, checkpoints)
    };
    assert_eq!(verify(&log), (0, 1));
    let at = (usize::from(seed) * 7919 + rest.len()) % log.len();
    let mask = rest.first().copied().unwrap_or(1) | 1;
    let mut changed = log.clone();
    if let Some(byte) = changed.get_mut(at) {
        *byte ^= mask;
    }
    let (broken, checkpoints) = verify(&changed);
    assert!(
        broken > 0 || checkpoints == 0,
        "byte {at} changed by {mask:#x} was not found"
    );
}
