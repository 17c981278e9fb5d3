//! What happens to personal information over time and at the privacy desk:
//! how long a record may be kept ([`RetentionPlan`]), when it must be
//! deleted ([`DeletionDue`] of a [`RecordState`]), what a service
//! termination sets in motion ([`TerminationPlan`]), and how a data-subject
//! request is answered ([`RightsRequest`] → [`RightsResponse`]). They agree
//! with `decide()`: a record past its retention is one `decide()` permits
//! only to delete.
//!
//! # Example: a nightly sweep asks each record
//!
//! ```
//! use chrono::DateTime;
//! use lawful::Engine;
//! use lawful::lifecycle::{DeletionTrigger, RecordOutcome, RecordState};
//! use lawful::subject::AgeGroup;
//!
//! let engine = Engine::builtin();
//! let collected = DateTime::parse_from_rfc3339("2025-03-01T09:00:00+08:00")?;
//! let record = RecordState::new(
//!     engine.category("account.phone")?,
//!     engine.purpose("account.registration")?,
//!     collected,
//! )
//! .age_group(AgeGroup::Adult)
//! .deregistered_at(DateTime::parse_from_rfc3339("2026-11-01T20:00:00+08:00")?);
//!
//! let now = DateTime::parse_from_rfc3339("2026-11-28T02:00:00+08:00")?;
//! let due = engine.deletion_due(&record, now);
//! assert_eq!(RecordOutcome::of(due.as_ref()), RecordOutcome::Dispose);
//! assert_eq!(due.ok_or("due")?.trigger(), DeletionTrigger::Deregistered);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod deletion;
pub(crate) mod record;
pub(crate) mod retention_plan;
pub(crate) mod rights;
pub(crate) mod termination;

pub use deletion::{DeletionDue, DeletionTrigger, RecordOutcome};
pub use record::{LegalHold, PurposeStatus, RecordState};
pub use retention_plan::{RetentionEnd, RetentionPlan, RetentionSource};
pub use rights::{
    Authorisation, IdentityStatus, RefusalGround, Requester, RequesterKind, RestrictionGround,
    RightKind, RightsReason, RightsReasonCode, RightsRequest, RightsResponse,
};
pub use termination::TerminationPlan;
