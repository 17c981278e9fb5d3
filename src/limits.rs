//! The largest request the engine decides: how many categories a request
//! may name, how many consents its evidence may hold, and how large each
//! consent's scope may be.
//!
//! Checking a consent's scope compares every category of the request with
//! every category of the consent, for every consent, at each rule and basis
//! the procedure tries: without a bound, one request line of a megabyte
//! (thousands of categories and consents) costs seconds. These limits keep
//! the worst request within them to well under a millisecond of deciding
//! (`docs/limits.md` has the figures), while being far above what a real
//! host sends: a request touches a handful of categories, and a subject
//! has a few consents, each naming a few purposes and categories (a
//! category near the root, such as `account`, covers all below it).
//!
//! A request past a limit is refused, not decided in part: the wire form
//! ([`Engine::resolve`](crate::Engine::resolve), `lawful decide`, `lawful
//! serve`) says `invalid_request` with a message naming the limit (a JSON
//! list is read only up to its limit: the entries past it are never
//! parsed), and a
//! [`Request`] built in Rust past a limit is denied with
//! [`ReasonCode::InvalidRequest`](crate::decision::ReasonCode::InvalidRequest).
//!
//! # Example: a request with too many categories is refused
//!
//! ```
//! # #[cfg(feature = "json")] {
//! use lawful::Engine;
//! use lawful::limits::MAX_CATEGORIES;
//!
//! let engine = Engine::builtin();
//! let categories = vec!["\"account.phone\""; MAX_CATEGORIES + 1].join(",");
//! let line = format!(
//!     r#"{{"id":"r1","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"account.registration","categories":[{categories}],"evidence":{{"contract":true}}}}"#
//! );
//! let answer = engine.decide_json(&line);
//! assert!(!answer.is_permit());
//! let message = answer.reasons[0].message.as_deref().unwrap_or_default();
//! assert!(message.contains("limit of 64"), "{message}");
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::decision::request::Request;

/// The most categories one request may name (`categories`).
pub const MAX_CATEGORIES: usize = 64;

/// The most consent records one request's evidence may hold
/// (`evidence.consents`).
pub const MAX_CONSENTS: usize = 32;

/// The most categories one consent may name (`categories` of a consent).
pub const MAX_CONSENT_CATEGORIES: usize = 64;

/// The most purposes one consent may name (`purposes` of a consent).
pub const MAX_CONSENT_PURPOSES: usize = 32;

/// The most recipients one consent may name (`recipients` of a consent).
pub const MAX_CONSENT_RECIPIENTS: usize = 32;

/// The most actions one consent may list (`actions` of a consent; there
/// are nine actions, so a longer list repeats some).
pub const MAX_CONSENT_ACTIONS: usize = 32;

/// The most laws one request may cite for a legal obligation
/// (`evidence.legal_obligation_law`; each is checked against every regime
/// that applies, so the list is bounded like the others).
pub const MAX_LEGAL_OBLIGATION_LAWS: usize = 32;

/// Which limit a request goes past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Exceeded {
    /// The field, as the wire format names it.
    pub(crate) field: &'static str,
    /// The limit.
    pub(crate) limit: usize,
}

impl Exceeded {
    /// `count` entries of `field`, checked against `limit`.
    fn check(field: &'static str, count: usize, limit: usize) -> Result<(), Exceeded> {
        if count > limit {
            Err(Exceeded { field, limit })
        } else {
            Ok(())
        }
    }

    /// What is wrong, in words (the message of the `invalid_request`).
    #[cfg(feature = "json")]
    pub(crate) fn message(self) -> String {
        too_many(self.field, self.limit)
    }
}

/// The message for a list past its limit.
#[cfg(feature = "json")]
pub(crate) fn too_many(field: &str, limit: usize) -> String {
    format!("`{field}` has more entries than the limit of {limit}")
}

/// Reads a JSON list of at most `limit` entries, and stops at the first
/// entry past it: a request line of a megabyte with a hundred thousand
/// categories costs the limit's worth of parsing, not the line's.
#[cfg(feature = "json")]
struct Bounded<T> {
    field: &'static str,
    limit: usize,
    entries: std::marker::PhantomData<T>,
}

#[cfg(feature = "json")]
impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Bounded<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a list of at most {} entries", self.limit)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.limit));
        while let Some(entry) = seq.next_element()? {
            if out.len() == self.limit {
                return Err(serde::de::Error::custom(too_many(self.field, self.limit)));
            }
            out.push(entry);
        }
        Ok(out)
    }
}

/// `deserialize_with` functions of the request document's lists.
#[cfg(feature = "json")]
pub(crate) mod wire {
    use serde::{Deserialize, Deserializer};

    use super::Bounded;

    fn bounded<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
        field: &'static str,
        limit: usize,
    ) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(Bounded {
            field,
            limit,
            entries: std::marker::PhantomData,
        })
    }

    pub(crate) fn categories<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        bounded(d, "categories", super::MAX_CATEGORIES)
    }

    pub(crate) fn consents<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        bounded(d, "evidence.consents", super::MAX_CONSENTS)
    }

    pub(crate) fn consent_categories<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        bounded(
            d,
            "evidence.consents[].categories",
            super::MAX_CONSENT_CATEGORIES,
        )
    }

    pub(crate) fn consent_purposes<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        bounded(
            d,
            "evidence.consents[].purposes",
            super::MAX_CONSENT_PURPOSES,
        )
    }

    pub(crate) fn consent_recipients<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        bounded(
            d,
            "evidence.consents[].recipients",
            super::MAX_CONSENT_RECIPIENTS,
        )
    }

    pub(crate) fn consent_actions<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        bounded(d, "evidence.consents[].actions", super::MAX_CONSENT_ACTIONS)
    }
}

/// Checks the sizes of a request's lists, as counted: the request, then
/// each consent.
pub(crate) fn check(
    categories: usize,
    laws: usize,
    consents: impl ExactSizeIterator<Item = ConsentSize>,
) -> Result<(), Exceeded> {
    Exceeded::check("categories", categories, MAX_CATEGORIES)?;
    Exceeded::check(
        "evidence.legal_obligation_law",
        laws,
        MAX_LEGAL_OBLIGATION_LAWS,
    )?;
    Exceeded::check("evidence.consents", consents.len(), MAX_CONSENTS)?;
    for consent in consents {
        Exceeded::check(
            "evidence.consents[].categories",
            consent.categories,
            MAX_CONSENT_CATEGORIES,
        )?;
        Exceeded::check(
            "evidence.consents[].purposes",
            consent.purposes,
            MAX_CONSENT_PURPOSES,
        )?;
        Exceeded::check(
            "evidence.consents[].recipients",
            consent.recipients,
            MAX_CONSENT_RECIPIENTS,
        )?;
        Exceeded::check(
            "evidence.consents[].actions",
            consent.actions,
            MAX_CONSENT_ACTIONS,
        )?;
    }
    Ok(())
}

/// The sizes of one consent's lists.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConsentSize {
    pub(crate) categories: usize,
    pub(crate) purposes: usize,
    pub(crate) recipients: usize,
    pub(crate) actions: usize,
}

/// Whether a request built in Rust is within every limit (`decide()`
/// denies one that is not). Allocates nothing.
pub(crate) fn within(request: &Request) -> bool {
    let consents = request.evidence.consents();
    check(
        request.categories.len(),
        request.evidence.legal_obligation_laws.len(),
        consents.iter().map(|c| ConsentSize {
            categories: c.categories.len(),
            purposes: c.purposes.len(),
            recipients: c.recipients.len(),
            // A set of actions: never more than nine.
            actions: 0,
        }),
    )
    .is_ok()
}
