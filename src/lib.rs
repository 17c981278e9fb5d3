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
//! - [`Engine`] holds a compiled policy. Build it once ([`Engine::builtin`],
//!   [`Engine::from_toml`], [`Engine::from_path`]), share it with `Arc`.
//! - Names resolve once to `Copy` ids: [`Engine::category`] →
//!   [`CategoryId`], [`Engine::purpose`] → [`PurposeId`],
//!   [`Engine::jurisdiction`] → [`JurisdictionId`].
//! - A [`Request`] is one processing operation: an [`Action`], a purpose, the
//!   categories, the instant `at`, the [`Subject`], the [`Evidence`] for the
//!   lawful bases ([`Consent`] records, a contract, a legal citation, an
//!   [`Emergency`], [`PublicData`]) and, when data is given away, the
//!   [`Recipient`].
//! - [`Engine::decide`] returns a [`Decision`]: [`Effect`], [`Basis`],
//!   [`Obligation`]s with their [`Due`] dates, and [`Reason`]s naming the
//!   [`Rule`] (and so the clause) behind them. It never fails and never
//!   allocates; what it cannot judge is a deny. [`Decision::explain`] puts
//!   it in words.
//! - With the `json` feature (on by default), [`RequestDoc`] and
//!   [`DecisionDoc`] are the JSON wire format, [`Engine::resolve`] turns one
//!   into a [`Request`], [`Engine::decide_json`] decides a JSON line, and
//!   [`TestFile`] runs policy tests written in TOML.
//!
//! # Policy files
//!
//! A policy is TOML: metadata, jurisdictions, categories (a dotted
//! hierarchy with flags), purposes, permit rules and deny rules, retention
//! and rights settings. The README shows the format; the built-in policy
//! (`policies/default.toml`, [`Engine::builtin_source`]) is a full, commented
//! example. Loading is two stages, parse then compile, and reports every
//! problem at once as a [`LoadError`] of [`Diagnostic`]s with line, column,
//! carets and hints.
//!
//! # Crate features
//!
//! - `json` (default): the JSON wire format, policy test files, and
//!   `serde_json`.

mod action;
mod age;
mod age_group;
#[cfg(feature = "json")]
pub mod analysis;
#[cfg(feature = "json")]
mod audit;
mod basis;
mod category;
mod consent;
mod decide;
mod decision;
mod deletion;
mod engine;
mod error;
mod evidence;
mod explain;
mod hierarchy;
#[cfg(feature = "json")]
mod lifecycle_wire;
mod policy;
mod purpose;
mod recipient;
mod regime;
mod region;
mod request;
mod resident_id;
mod retention;
mod retention_plan;
mod rights;
mod subject;
mod suggest;
mod termination;
#[cfg(feature = "json")]
mod testfile;
mod vocab;
#[cfg(feature = "json")]
mod wire;

pub use action::Action;
pub use age::{AgeBoundary, ParseAgeBoundaryError};
pub use age_group::AgeGroup;
#[cfg(feature = "json")]
pub use audit::AuditRecord;
pub use basis::Basis;
pub use category::{Category, CategoryFlags, CategoryId};
pub use consent::{Consent, ConsentState, Grantor, GuardianVerification};
pub use decision::{Decision, Detail, Due, Effect, Obligation, ObligationCode, Reason, ReasonCode};
pub use deletion::{
    DeletionDue, DeletionTrigger, LegalHold, PurposeStatus, RecordOutcome, RecordState,
};
pub use engine::{Engine, NameError, NameKind};
pub use error::{Diagnostic, DiagnosticKind, LoadError, Warnings};
pub use evidence::{Emergency, EmergencyKind, Evidence, PublicData, PublicSource};
pub use explain::Explanation;
#[cfg(feature = "json")]
pub use lifecycle_wire::{
    DeletionDueDoc, EarlierRequestDoc, ErrorDoc, ErrorLineDoc, LegalGroundDoc, LegalHoldDoc,
    PurposeStatusDoc, RetentionPlanDoc, RetentionRequestDoc, RetentionResponseDoc, RightsReasonDoc,
    RightsRequestDoc, RightsResponseDoc, TerminateServiceDoc, TerminationPlanDoc,
};
pub use policy::{LoadOptions, Rule, RuleId, SubjectScope};
pub use purpose::{Purpose, PurposeId};
pub use recipient::{Recipient, RecipientKind, RecipientName};
pub use regime::Regime;
pub use region::{RegionCode, RegionCodeError};
pub use request::{Request, TransferMechanism};
pub use resident_id::{ResidentId, ResidentIdError, ResidentIdErrorKind};
pub use retention::{Disposal, Period, PeriodError, PeriodUnit, Retention, RetentionEvent};
pub use retention_plan::{RetentionEnd, RetentionPlan, RetentionSource};
pub use rights::{
    Authorisation, IdentityStatus, RefusalGround, Requester, RequesterKind, RestrictionGround,
    RightKind, RightsReason, RightsReasonCode, RightsRequest, RightsResponse,
};
pub use subject::{AgeFinding, AgeSource, Jurisdiction, JurisdictionId, Subject};
pub use termination::TerminationPlan;
#[cfg(feature = "json")]
pub use testfile::{CaseOutcome, TestCase, TestFile, TestFileError};
pub use vocab::UnknownWord;
#[cfg(feature = "json")]
pub use wire::{
    AgeDoc, ConsentDoc, DecisionDoc, EmergencyDoc, EvidenceDoc, GrantorDoc, ObligationDoc,
    PolicyRef, PublicDataDoc, ReasonDoc, RecipientDoc, RequestDoc, RequestError, SubjectDoc,
};

/// Design notes, in prose.
pub mod _documentation {
    #[doc = include_str!("../DESIGN.md")]
    pub mod design {}
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
