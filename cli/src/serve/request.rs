//! One request document of `POST /v1/decide` and `/v1/explain`, read as an
//! HTTP client expects: `400` for a body that is not JSON, `422` naming the
//! field for JSON that is not a valid request (with the deny `lawful
//! decide` prints for it), and the decision otherwise.
//!
//! This file uses only `lawful`, `serde`, `serde_json` and
//! `serde_path_to_error`, so that the fuzz target can include it.

use lawful::Engine;
use lawful::decision::ReasonCode;
use lawful::wire::{DecisionDoc, RequestDoc};

/// Why a request was not decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not JSON at all: `400 invalid_json`.
    NotJson,
    /// JSON, but not a valid request: `422`.
    Invalid,
}

/// A request refused, with what the answer says.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: Status,
    /// `invalid_json`, `invalid_request`, `unknown_category` or
    /// `unknown_purpose`.
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// The field that is wrong, as a path (`evidence.consents[0].given_at`).
    pub(crate) field: Option<String>,
    /// The deny `lawful decide` prints for the same request (for `422`).
    pub(crate) decision: Option<Box<DecisionDoc>>,
}

impl Refusal {
    #[cold]
    fn not_json(message: &str) -> Refusal {
        Refusal {
            status: Status::NotJson,
            code: "invalid_json",
            message: format!("the body is not JSON: {message}"),
            field: None,
            decision: None,
        }
    }

    #[cold]
    fn invalid(code: &'static str, message: String, field: Option<String>) -> Refusal {
        Refusal {
            status: Status::Invalid,
            code,
            message,
            field,
            decision: None,
        }
    }
}

/// A request document, or why not: not JSON, or JSON that is not a
/// request (naming the field).
pub(crate) fn parse_request(text: &str) -> Result<RequestDoc, Refusal> {
    if !text.trim_start().starts_with('{') {
        // An array, a string or a number: never read as a request.
        return match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Err(e) => Err(Refusal::not_json(&e.to_string())),
            Ok(_) => Err(Refusal::invalid(
                "invalid_request",
                "a request is a JSON object".to_owned(),
                None,
            )),
        };
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, RequestDoc>(&mut de) {
        Ok(doc) => match de.end() {
            Ok(()) => Ok(doc),
            Err(e) => Err(Refusal::not_json(&e.to_string())),
        },
        Err(e) if e.inner().is_data() => {
            let message = e.inner().to_string();
            let field = field_of(&e.path().to_string(), &message);
            Err(Refusal::invalid("invalid_request", message, field))
        }
        Err(e) => Err(Refusal::not_json(&e.inner().to_string())),
    }
}

/// The field a serde error is about: its path, and for a missing field,
/// that field's name under it.
fn field_of(path: &str, message: &str) -> Option<String> {
    // `.` is serde_path_to_error's path of the document itself.
    let path = if path == "." { "" } else { path };
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    match (path, named) {
        ("", None) => None,
        ("", Some(name)) => Some(name.to_owned()),
        (path, Some(name)) if message.starts_with("missing") => Some(format!("{path}.{name}")),
        (path, _) => Some(path.to_owned()),
    }
}

/// The field a resolution error (an unknown name, a list past its limit,
/// an unknown jurisdiction) is about, from its message.
pub(crate) fn unresolved_field(doc: &RequestDoc, message: &str) -> Option<String> {
    // Messages that start with the field: "`categories` has more entries ...".
    if let Some(rest) = message.strip_prefix('`')
        && let Some((field, _)) = rest.split_once('`')
        && field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._[]".contains(c))
        && field.contains(|c: char| c.is_ascii_alphabetic())
        && ["categories", "evidence"]
            .iter()
            .any(|f| field.starts_with(f))
    {
        return Some(field.to_owned());
    }
    if message.contains("purpose") && message.contains(&format!("`{}`", doc.purpose)) {
        return Some("purpose".to_owned());
    }
    if message.contains("categor") {
        return Some("categories".to_owned());
    }
    if message.contains("jurisdiction") {
        return Some("subject.jurisdiction".to_owned());
    }
    None
}

/// Decides one request document: the decision, or the refusal (for a
/// `422`, with the deny `lawful decide` prints for the same text).
pub(crate) fn decide_one(engine: &Engine, text: &str) -> Result<DecisionDoc, Refusal> {
    match parse_request(text) {
        Ok(doc) => {
            let decision = engine.decide_doc(&doc);
            let refused = decision.reasons.first().filter(|r| {
                r.message.is_some()
                    && matches!(
                        r.code,
                        ReasonCode::InvalidRequest
                            | ReasonCode::UnknownCategory
                            | ReasonCode::UnknownPurpose
                    )
            });
            match refused {
                None => Ok(decision),
                Some(reason) => {
                    let message = reason.message.clone().unwrap_or_default();
                    let mut refusal = Refusal::invalid(
                        reason.code.as_str(),
                        message.clone(),
                        unresolved_field(&doc, &message),
                    );
                    refusal.decision = Some(Box::new(decision));
                    Err(refusal)
                }
            }
        }
        Err(mut refusal) if refusal.status == Status::Invalid => {
            refusal.decision = Some(Box::new(engine.decide_json(text)));
            Err(refusal)
        }
        Err(refusal) => Err(refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_of_a_serde_error() {
        assert_eq!(field_of(".", "missing field `at`"), Some("at".into()));
        assert_eq!(
            field_of("evidence.consents[0]", "missing field `by`"),
            Some("evidence.consents[0].by".into())
        );
        assert_eq!(
            field_of("evidence.consents[0].given_at", "invalid type"),
            Some("evidence.consents[0].given_at".into())
        );
        assert_eq!(field_of(".", "expected a map"), None);
    }
}
