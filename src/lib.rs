//! **lawful** decides, before a service touches a piece of personal
//! information, whether it may: permit or deny, the lawful basis it rests on,
//! the obligations that come with it, and the policy clause behind each
//! reason. It is fast enough to call on every request (well under a
//! microsecond, no allocation) and explains itself to an auditor.
//!
//! ```
//! use chrono::{DateTime, NaiveDate};
//! use lawful::{Action, Engine, Evidence, Request, Subject};
//!
//! let engine = Engine::from_toml(r#"
//! [policy]
//! id = "shop"
//! version = "1"
//! home_jurisdiction = "CN"
//! storage_region = "CN"
//!
//! [[jurisdiction]]
//! code = "CN"
//! child_age = 14
//! utc_offset = "+08:00"
//!
//! [[category]]
//! name = "account.email"
//! identifying = true
//!
//! [[purpose]]
//! name = "orders"
//!
//! [[permit]]
//! id = "orders"
//! clause = "How we use your data / Orders"
//! actions = ["collect", "use", "store"]
//! purposes = ["orders"]
//! categories = ["account"]
//! bases = ["contract"]
//! retention = "3y"
//! "#)?;
//! let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
//! let request = Request::new(Action::Collect, engine.purpose("orders")?, at)
//!     .category(engine.category("account.email")?)
//!     // Adulthood is never presumed: without an age, a child's rules apply too.
//!     .subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()))
//!     .evidence(Evidence::new().contract());
//! assert!(engine.decide(&request).is_permit());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! The root holds what every host touches:
//!
//! - [`Engine`] holds a compiled policy. Build it once ([`Engine::builtin`],
//!   [`Engine::from_toml`], [`Engine::from_path`]), share it with `Arc`; a
//!   policy that does not load is a [`LoadError`].
//! - Names resolve once to `Copy` ids: [`Engine::category`] →
//!   [`CategoryId`], [`Engine::purpose`] → [`PurposeId`],
//!   [`Engine::jurisdiction`] → [`JurisdictionId`]; an unknown name is a
//!   [`NameError`].
//! - A [`Request`] is one processing operation: an [`Action`], a purpose, the
//!   categories, the instant `at`, the [`Subject`], the [`Evidence`] for the
//!   lawful bases ([`Consent`] records, a contract, a legal citation, an
//!   emergency, public data) and, when data is given away, the
//!   [`Recipient`].
//! - [`Engine::decide`] returns a [`Decision`]: an [`Effect`], the [`Basis`],
//!   obligations with their due dates, and reasons naming the policy rule (and
//!   so the clause) behind them. It never fails and never allocates; what it
//!   cannot judge is a deny. [`Decision::explain`] puts it in words.
//!
//! Everything else is reached through its concept, in the order the data
//! flows (policy → subject → decision → lifecycle → wire):
//!
//! | module | what it is about |
//! | --- | --- |
//! | [`policy`] | reading and compiling a policy: rules, categories, purposes, retention periods, diagnostics, load options |
//! | [`subject`] | who the data is about: ages and their sources, resident ids, jurisdictions, regions and regimes |
//! | [`decision`] | one processing operation and its answer: evidence, consent records, recipients, obligations, reasons, explanations |
//! | [`lifecycle`] | what happens to data over time and at the privacy desk: retention plans, deletion, rights requests, service termination |
//! | `wire` (feature `json`) | the JSON and TOML documents: requests and decisions, retention and rights documents, audit records, policy test files |
//! | `analysis` (feature `json`) | counsel's tools: the request classes of a policy, the record of processing, policy diffs, laws checked over every class |
//!
//! # Policy files
//!
//! A policy is TOML: metadata, jurisdictions, categories (a dotted
//! hierarchy with flags), purposes, permit rules and deny rules, retention
//! and rights settings. `docs/policy-reference.md` lists every key; the
//! built-in policy (`policies/default.toml`, [`Engine::builtin_source`]) is
//! a full, commented example. Loading is two stages, parse then compile, and
//! reports every problem at once as a [`LoadError`] of
//! [`Diagnostic`](policy::Diagnostic)s with line, column, carets and hints.
//!
//! # Crate features
//!
//! - `json` (default): the JSON wire format, policy test files, and
//!   `serde_json`.

mod action;
#[cfg(feature = "json")]
pub mod analysis;
mod basis;
mod category;
pub mod decision;
mod engine;
mod error;
mod hierarchy;
pub mod lifecycle;
pub mod limits;
mod moment;
mod outcome;
pub mod policy;
mod purpose;
mod recipient;
mod retention;
pub mod subject;
mod suggest;
mod text;
mod vocab;
#[cfg(feature = "json")]
pub mod wire;

pub use action::Action;
pub use basis::Basis;
pub use category::CategoryId;
pub use decision::consent::Consent;
pub use decision::evidence::Evidence;
pub use decision::request::Request;
pub use decision::{Decision, Effect};
pub use engine::Engine;
pub use error::{LoadError, NameError};
pub use purpose::PurposeId;
pub use recipient::Recipient;
pub use subject::{JurisdictionId, Subject};

/// Design notes, in prose.
pub mod _documentation {
    #[doc = include_str!("../DESIGN.md")]
    pub mod design {}
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
