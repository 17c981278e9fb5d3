//! The JSON and TOML documents, for hosts in other languages and for files:
//! requests and decisions on the wire ([`RequestDoc`], [`DecisionDoc`]), the
//! retention and rights documents, audit records ([`AuditRecord`]) and
//! policy test files ([`TestFile`]). `docs/wire-format.md` describes each.
//! Behind the `json` feature (on by default).
//!
//! # Example: one JSON line in, one decision document out
//!
//! ```
//! use lawful::Engine;
//! use lawful::wire::DecisionDoc;
//!
//! let engine = Engine::builtin();
//! let line = r#"{"id":"r1","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"account.registration","categories":["account.phone"],"subject":{"birth_date":"1990-01-01","jurisdiction":"CN"},"evidence":{"contract":true}}"#;
//! let answer: DecisionDoc = engine.decide_json(line);
//! assert!(answer.is_permit());
//! assert!(answer.to_json().starts_with(r#"{"id":"r1","effect":"permit""#));
//!
//! // A line that is not a request is a deny that says why, never a panic.
//! assert!(!engine.decide_json("[1, 2, 3]").is_permit());
//! ```

pub(crate) mod audit;
pub(crate) mod decide;
pub(crate) mod lifecycle;
pub(crate) mod testfile;

pub use audit::AuditRecord;
pub use decide::{
    AgeDoc, ConsentDoc, DecisionDoc, EmergencyDoc, EvidenceDoc, GrantorDoc, ObligationDoc,
    PolicyRef, PublicDataDoc, ReasonDoc, RecipientDoc, RequestDoc, RequestError, SubjectDoc,
};
pub use lifecycle::{
    DeletionDueDoc, EarlierRequestDoc, ErrorDoc, ErrorLineDoc, LegalGroundDoc, LegalHoldDoc,
    PurposeStatusDoc, RetentionPlanDoc, RetentionRequestDoc, RetentionResponseDoc, RightsReasonDoc,
    RightsRequestDoc, RightsResponseDoc, TerminateServiceDoc, TerminationPlanDoc,
};
pub use testfile::{CaseOutcome, TestCase, TestFile, TestFileError};
