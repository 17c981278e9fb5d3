//! Decision logs: one audit record per decision, as a JSON line, so an
//! auditor can later see what was decided, when, under which policy, and why.
//!
//! The engine never reads the clock, so the time of the decision is a
//! parameter: the host (or `lawful decide --log`) passes its wall clock.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::basis::Basis;
use crate::decision::{Decision, Effect, ObligationCode, ReasonCode};
use crate::engine::Engine;
use crate::wire::decide::{DecisionDoc, PolicyRef};

/// One line of a decision log: when a decision was made, for which request,
/// by which policy, and what it said (effect, basis, reason and obligation
/// codes, and the rules behind the reasons).
///
/// It holds codes and, when the host adds it ([`AuditRecord::with_request`]),
/// the request itself. With the request, a logged decision can be replayed:
/// decided again under another policy and compared (`lawful replay`). The
/// request describes personal information, so the log is then as sensitive
/// as the data; a host that must not keep a second copy leaves it out, and
/// gives up replay. `lawful decide --log` and `lawful serve --log` keep it.
/// Dates of obligations are left out; the decision itself (or `lawful
/// explain`) gives them.
///
/// The JSON form, one object per line:
///
/// ```json
/// { "decided_at": "2026-11-28T02:00:00.123456Z", "id": "req-42",
///   "policy": { "id": "platform-privacy", "version": "2026-11-28" },
///   "effect": "permit", "basis": "contract",
///   "reasons": ["rule_permits"], "rules": ["registration"],
///   "obligations": ["encrypt_at_rest", "retain_until"],
///   "request": { "id": "req-42", "at": "2026-11-28T10:00:00+08:00", "action": "collect", ... } }
/// ```
///
/// `id` and `basis` are `null` when absent; `rules` lists each rule cited by
/// a reason once, in the order of the reasons; `request` is absent when the
/// host did not add it, and is the text of the line, as a string, when the
/// line was not JSON. `docs/wire-format.md` describes every field.
///
/// # Example: log a decision made in Rust
///
/// ```
/// use chrono::DateTime;
/// use lawful::{Action, Engine, Evidence, Request, Subject};
/// use lawful::wire::AuditRecord;
///
/// let engine = Engine::builtin();
/// let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
/// let request = Request::new(Action::Collect, engine.purpose("account.registration")?, at)
///     .category(engine.category("account.phone")?)
///     .subject(Subject::new().birth_date("1990-01-01".parse()?))
///     .evidence(Evidence::new().contract());
/// let decision = engine.decide(&request);
///
/// // The host's wall clock; in tests, any fixed time.
/// let decided_at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00.250+08:00")?;
/// let record = AuditRecord::new(engine, Some("req-1"), &decision, decided_at);
/// assert_eq!(record.id.as_deref(), Some("req-1"));
/// assert_eq!(record.policy.id, engine.policy_id());
/// assert_eq!(record.effect, decision.effect());
///
/// let line = record.to_json();
/// assert!(line.starts_with(r#"{"decided_at":"2026-11-28T10:00:00.250+08:00","id":"req-1""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The hash chain's link: the SHA-256, in hex, of the exact bytes of
    /// the log line before this one (newline included), or 64 zeros for
    /// the first line of a log. `lawful serve --log` and `lawful decide
    /// --log` write it; `lawful replay` checks it. `None` in a record that
    /// is not (yet) in a chained log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// When the decision was made (the host's clock, not the request's `at`).
    pub decided_at: DateTime<FixedOffset>,
    /// The request's id, if it had one.
    pub id: Option<String>,
    /// The policy that decided.
    pub policy: PolicyRef,
    /// The id of the key whose signature the policy carried when it was
    /// loaded (`lawful serve --trusted-key`), or `None` for a policy not
    /// checked against a signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_key: Option<String>,
    /// Permit or deny.
    pub effect: Effect,
    /// The lawful basis of a permit.
    pub basis: Option<Basis>,
    /// The reason codes, in the decision's order.
    pub reasons: Vec<ReasonCode>,
    /// The rules the reasons cite, each once, in the reasons' order.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The obligation codes, in the vocabulary's order.
    pub obligations: Vec<ObligationCode>,
    /// The request as received, when the host keeps it (see
    /// [`AuditRecord::with_request`]): a request document, or any JSON
    /// (the text of a line that was not JSON is a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<serde_json::Value>,
}

impl AuditRecord {
    /// The record of a decision `engine` made for the request `id`.
    ///
    /// `decided_at` is any chrono time with an offset (`DateTime<Utc>` too,
    /// through `Into`).
    pub fn new(
        engine: &Engine,
        id: Option<&str>,
        decision: &Decision,
        decided_at: impl Into<DateTime<FixedOffset>>,
    ) -> AuditRecord {
        let mut rules: Vec<String> = Vec::new();
        for rule in decision
            .reasons()
            .iter()
            .filter_map(|r| r.rule().and_then(|id| engine.rule(id)))
        {
            if !rules.iter().any(|r| r == rule.id()) {
                rules.push(rule.id().to_owned());
            }
        }
        AuditRecord {
            prev: None,
            decided_at: decided_at.into(),
            id: id.map(str::to_owned),
            // The tz database counted the ages: part of what decided.
            policy: PolicyRef {
                tzdb: Some(crate::subject::TZDB_VERSION.to_owned()),
                ..PolicyRef::of(engine)
            },
            policy_key: None,
            effect: decision.effect(),
            basis: decision.basis(),
            reasons: decision
                .reasons()
                .iter()
                .map(crate::decision::Reason::code)
                .collect(),
            rules,
            obligations: decision.obligations().map(|o| o.code()).collect(),
            request: None,
        }
    }

    /// The record of a wire decision (what [`Engine::decide_json`] returns,
    /// including the deny of a line that could not be read).
    ///
    /// # Example: log every line of a JSON-lines stream
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::Engine;
    /// use lawful::decision::ReasonCode;
    /// use lawful::wire::AuditRecord;
    ///
    /// let engine = Engine::builtin();
    /// let doc = engine.decide_json(r#"{"id": "bad-1", "action": "collect"}"#);
    /// let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let record = AuditRecord::from_doc(&doc, now);
    /// assert_eq!(record.id.as_deref(), Some("bad-1"));
    /// assert_eq!(record.reasons, [ReasonCode::InvalidRequest]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_doc(
        doc: &DecisionDoc,
        decided_at: impl Into<DateTime<FixedOffset>>,
    ) -> AuditRecord {
        let mut rules: Vec<String> = Vec::new();
        for rule in doc.reasons.iter().filter_map(|r| r.rule.as_deref()) {
            if !rules.iter().any(|r| r == rule) {
                rules.push(rule.to_owned());
            }
        }
        AuditRecord {
            prev: None,
            decided_at: decided_at.into(),
            id: doc.id.clone(),
            policy: PolicyRef {
                tzdb: Some(crate::subject::TZDB_VERSION.to_owned()),
                ..doc.policy.clone()
            },
            policy_key: None,
            effect: doc.effect,
            basis: doc.basis,
            reasons: doc.reasons.iter().map(|r| r.code).collect(),
            rules,
            obligations: doc.obligations.iter().map(|o| o.code).collect(),
            request: None,
        }
    }

    /// The same record holding the request it decided, so that it can be
    /// replayed.
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::Engine;
    /// use lawful::wire::{AuditRecord, RequestDoc};
    ///
    /// let engine = Engine::builtin();
    /// let line = r#"{"id":"r1","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"account.registration","categories":["account.phone"],"subject":{"birth_date":"1990-01-01"},"evidence":{"contract":true}}"#;
    /// let request: RequestDoc = serde_json::from_str(line)?;
    /// let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let record = AuditRecord::from_doc(&engine.decide_doc(&request), now).with_request(&request);
    ///
    /// // Later: decide the logged request again and compare.
    /// let logged: RequestDoc = serde_json::from_value(record.request.clone().unwrap_or_default())?;
    /// let again = AuditRecord::from_doc(&engine.decide_doc(&logged), now);
    /// assert_eq!((again.effect, again.basis, &again.reasons), (record.effect, record.basis, &record.reasons));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_request(mut self, request: &crate::wire::decide::RequestDoc) -> AuditRecord {
        self.request = serde_json::to_value(request).ok();
        self
    }

    /// The JSON line (without the newline).
    pub fn to_json(&self) -> String {
        // Serializing plain data to a string cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noon() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-28T12:00:00+08:00").unwrap()
    }

    const REGISTRATION: &str = r#"{"id": "r1", "at": "2026-11-28T10:00:00+08:00",
        "action": "collect", "purpose": "account.registration",
        "categories": ["account.phone"], "subject": {"birth_date": "1990-01-01"},
        "evidence": {"contract": true}}"#;

    #[test]
    fn a_record_from_a_decision_and_from_its_wire_form_agree() {
        let engine = Engine::builtin();
        let doc: crate::wire::decide::RequestDoc = serde_json::from_str(REGISTRATION).unwrap();
        let decision = engine.decide(&engine.resolve(&doc).unwrap());
        let direct = AuditRecord::new(engine, Some("r1"), &decision, noon());
        let wire = AuditRecord::from_doc(&engine.decide_json(REGISTRATION), noon());
        assert_eq!(direct, wire);
        assert_eq!(direct.effect, Effect::Permit);
        assert!(!direct.rules.is_empty());
    }

    #[test]
    fn a_record_roundtrips_through_json() {
        let engine = Engine::builtin();
        let record = AuditRecord::from_doc(&engine.decide_json(REGISTRATION), noon());
        let back: AuditRecord = serde_json::from_str(&record.to_json()).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn a_record_accepts_utc_times() {
        let engine = Engine::builtin();
        let utc = noon().with_timezone(&chrono::Utc);
        let record = AuditRecord::from_doc(&engine.decide_json(REGISTRATION), utc);
        assert_eq!(record.decided_at, noon());
        assert!(
            record
                .to_json()
                .contains(r#""decided_at":"2026-11-28T04:00:00Z""#)
        );
    }
}
