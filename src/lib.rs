//! lawful (front page written below).

mod action;
mod age;
mod basis;
mod category;
mod consent;
mod decide;
mod decision;
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
mod region;
mod request;
mod resident_id;
mod retention;
mod subject;
mod suggest;
#[cfg(feature = "json")]
mod testfile;
mod vocab;
#[cfg(feature = "json")]
mod wire;

pub use action::Action;
pub use age::{AgeBoundary, ParseAgeBoundaryError};
pub use basis::Basis;
pub use category::{Category, CategoryFlags, CategoryId};
pub use consent::{Consent, ConsentState, Grantor, GuardianVerification};
pub use decision::{Decision, Due, Effect, Obligation, ObligationCode, Reason, ReasonCode};
pub use engine::{Engine, NameError, NameKind};
pub use error::{Diagnostic, DiagnosticKind, LoadError};
pub use evidence::{Emergency, EmergencyKind, Evidence, PublicData, PublicSource};
pub use explain::Explanation;
pub use policy::{Rule, RuleId, SubjectScope};
pub use purpose::{Purpose, PurposeId};
pub use recipient::{Recipient, RecipientKind, RecipientName};
pub use region::{RegionCode, RegionCodeError};
pub use request::{Request, TransferMechanism};
pub use resident_id::{ResidentId, ResidentIdError, ResidentIdErrorKind};
pub use retention::{Disposal, Period, PeriodError, PeriodUnit, Retention, RetentionEvent};
pub use subject::{AgeFinding, AgeSource, Jurisdiction, JurisdictionId, Subject};
#[cfg(feature = "json")]
pub use testfile::{CaseOutcome, TestCase, TestFile, TestFileError};
pub use vocab::UnknownWord;
#[cfg(feature = "json")]
pub use wire::{
    AgeDoc, ConsentDoc, DecisionDoc, EmergencyDoc, EvidenceDoc, GrantorDoc, ObligationDoc,
    PolicyRef, PublicDataDoc, ReasonDoc, RecipientDoc, RequestDoc, RequestError, SubjectDoc,
};
