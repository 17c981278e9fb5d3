//! lawful, Cedar and Rego (regorus) side by side on the same requests.
//!
//! The request mix is lawful's benchmark mix (`benches/mix.jsonl`, docs/wire-format.md
//! JSON lines). Each engine is built once, from the same seed policy, and
//! each request is prepared once in the engine's own input form (lawful:
//! `engine.resolve`; Cedar: entities, `Request`s and `Context`; Rego: an
//! input `Value`). Only the decision is timed.
//!
//! # What the peers are given
//!
//! Both peers get the request as it is, with one fact the host works out for
//! them: whether the subject is an adult, a child or of unknown age. It
//! takes calendar-year arithmetic in the jurisdiction's time zone
//! (docs/decision-procedure.md, step 1), which Cedar's language cannot
//! express; Rego gets the same fact so the peers start even. The literal
//! Cedar policy ([`cedar_literal`]) also gets whether the request as a whole
//! is personal information and whether it is sensitive (step 2); the expert
//! one ([`cedar_expert`]) and Rego work those out from the categories' flags
//! (entity attributes; data). These facts are computed outside the timed
//! loop from the policy's own category flags and lawful's age reading, so
//! they only make the peers faster. Everything else (rules, category and
//! purpose hierarchies, bases and their evidence, consent scope and
//! validity, separate and guardian consent, an identified recipient, the
//! action gates, deletion, retention) each peer's policy decides.
//!
//! # What the peers leave out
//!
//! What the mix does not exercise and a peer would need much more to model:
//! regimes other than the subject's (GDPR subjects are decided on PIPL's
//! procedure, and nothing is decided twice as a flow abroad), EU ages,
//! `unknown_age = "adult"` rules and the two-way decision of an unknown
//! age, `never_provided` and `only_for` categories, foreign authorities,
//! protective purposes, statutory minimum retention, and more than one
//! consent in Cedar's context. `tests/agree.rs` checks agreement on the mix
//! and on `extra.jsonl`, not on lawful's data cases.
//!
//! # How the policies are written
//!
//! All are translated from the seed policy (`policies/default.toml`) at
//! start-up, so they stay equivalent as the seed changes: Rego as a
//! hand-written procedure (`src/policy.rego`, docs/decision-procedure.md
//! step by step) over the rules as data, with the hierarchy test by string
//! prefixes or by look-ups ([`rego::Hierarchy`]); Cedar as one `permit` per
//! seed permit rule and one `forbid` per deny rule and action gate, either
//! with literal sets ([`cedar_literal`]) or with the rules' scopes in the
//! entity store, a schema and the policies sliced by action
//! ([`cedar_expert`]). `tests/agree.rs` checks that every engine agrees
//! with lawful on every request.

pub mod cedar_expert;
pub mod cedar_literal;
pub mod rego;

use lawful::{Decision, Engine, Request};
use lawful::wire::RequestDoc;

/// The request mix on the seed policy.
pub const MIX: &str = include_str!("../../mix.jsonl");

/// What the comparison checks: the effect, and the basis where the engine
/// names one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the processing may go ahead.
    pub permit: bool,
    /// The lawful basis a permit rests on (`None` for a deny, for data that
    /// is not personal, and for a transfer to a bound acquirer).
    pub basis: Option<String>,
}

impl Outcome {
    /// lawful's decision as an outcome.
    pub fn of(decision: &Decision) -> Outcome {
        Outcome {
            permit: decision.is_permit(),
            basis: decision.basis().map(|b| b.as_str().to_owned()),
        }
    }
}

/// One request of the mix, in every engine's form.
pub struct Case {
    /// The request id (`register-adult`).
    pub id: String,
    /// The request document.
    pub doc: serde_json::Value,
    /// lawful's resolved request.
    pub request: Request,
    /// The host's reading of the subject: `adult`, `child` or `unknown`.
    pub subject: &'static str,
    /// Whether the categories together are personal information (docs/decision-procedure.md,
    /// step 2), from the policy's category flags (given to Cedar only).
    pub personal: bool,
    /// Whether a requested category is sensitive (given to Cedar only).
    pub sensitive: bool,
}

/// The purposes open to a child before guardian consent, by name.
pub fn before_guardian_consent(engine: &Engine) -> Vec<&str> {
    engine
        .purposes()
        .iter()
        .filter(|p| p.is_before_guardian_consent())
        .map(|p| p.name())
        .collect()
}

/// The mix, parsed and resolved against `engine`.
///
/// # Panics
///
/// When a line of the mix does not resolve (a broken fixture).
pub fn cases(engine: &Engine) -> Vec<Case> {
    cases_of(engine, MIX)
}

/// Requests in addition to the mix, checked by `tests/agree.rs` only (not
/// timed): the mix's shares, exports and transfers, and a child's data to
/// the guardian, with the recipient identified and named in the consent,
/// so that the peers' permits on those paths are checked too (since the
/// legal revision lawful denies all of them in the mix).
pub const EXTRA: &str = include_str!("../extra.jsonl");

/// JSON request lines, parsed and resolved against `engine`.
///
/// # Panics
///
/// When a line does not resolve (a broken fixture).
pub fn cases_of(engine: &Engine, lines: &str) -> Vec<Case> {
    lines
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let doc: serde_json::Value = serde_json::from_str(line).expect("a JSON request");
            let wire: RequestDoc = serde_json::from_str(line).expect("a request document");
            let request = engine.resolve(&wire).expect("the request resolves");
            let subject = match engine.decide(&request).age() {
                Some(age) if age.is_child() => "child",
                Some(_) => "adult",
                None => "unknown",
            };
            let touches: Vec<_> = request
                .category_ids()
                .iter()
                .filter_map(|&c| engine.category_info(c).map(|c| c.touches()))
                .collect();
            let any = |f: fn(&lawful::policy::CategoryFlags) -> bool| touches.iter().any(f);
            // Device or log data that may identify no one alone (not an
            // activity log, a software or process list, cell ids...).
            let personal = !touches.is_empty()
                && (!touches
                    .iter()
                    .all(|t| t.is_device_or_log() && t.may_be_non_personal())
                    || any(|t| t.is_identifying() || t.is_unique_identifier() || t.is_sensitive())
                    || wire.linked_to_account.unwrap_or(false));
            Case {
                id: wire.id.clone().unwrap_or_default(),
                doc,
                request,
                subject,
                personal,
                sensitive: any(|t| t.is_sensitive()),
            }
        })
        .collect()
}
