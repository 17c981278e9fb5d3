//! The JSON lines of `lawful retention` and `lawful rights` (docs/wire-format.md
//! style: `snake_case`, one object per line, names instead of ids): the
//! documents, and the two entry points that read one line and answer one.
//!
//! Both entry points never fail: a line that cannot be read or resolved is
//! answered `{"id": ..., "error": {"code": "invalid_request", "message":
//! "..."}, "policy": {...}}` (or `unknown_category` / `unknown_purpose`),
//! with the line's `id` echoed when it has one, and the stream goes on.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::basis::Basis;
use crate::decision::{Effect, Obligation, ObligationCode, ReasonCode};
use crate::engine::Engine;
use crate::error::NameError;
use crate::lifecycle::deletion::{DeletionDue, DeletionTrigger, RecordOutcome};
use crate::lifecycle::record::{LegalHold, PurposeStatus, RecordState};
use crate::lifecycle::retention_plan::{RetentionEnd, RetentionPlan, RetentionSource};
use crate::lifecycle::rights::{
    Authorisation, IdentityStatus, RefusalGround, Requester, RequesterKind, RestrictionGround,
    RightKind, RightsReasonCode, RightsRequest, RightsResponse,
};
use crate::lifecycle::termination::TerminationPlan;
use crate::retention::{Disposal, Period, RetentionEvent};
use crate::subject::age_group::AgeGroup;
use crate::subject::{JurisdictionId, Subject};
use crate::wire::decide::{ObligationDoc, PolicyRef, SubjectDoc, request_id_of};

/// The notice period of a `terminate_service` line that gives none. The
/// seed and the law say "in advance" without a length; 30 days is ours.
const DEFAULT_NOTICE_DAYS: u32 = 30;

/// One line of `lawful retention`: a record to plan and sweep, or a service
/// termination.
///
/// A **record** line names `category`, `purpose` and `collected_at`; with
/// `at`, the answer also says whether a deletion trigger applies at that
/// instant ([`Engine::deletion_due`]); without it, only the plan
/// ([`Engine::retention_plan`]). The subject's age group at collection is
/// `age_group`, or computed from `subject` (as in a decision request) at
/// `collected_at`; neither: `unknown`. A **termination** line has only
/// `id` and `terminate_service`.
///
/// ```json
/// {"id": "rec-7", "at": "2026-11-28T02:00:00+08:00",
///  "category": "account.phone", "purpose": "account.registration",
///  "collected_at": "2025-09-01T10:00:00+08:00", "age_group": "child",
///  "basis": "consent",
///  "purpose_status": {"status": "achieved", "at": "2026-10-01T00:00:00+08:00"},
///  "consent_withdrawn_at": null, "service_terminated_at": null,
///  "deregistered_at": "2026-11-27T20:00:00+08:00", "found_unlawful_at": null,
///  "other_legal_ground": {"at": "2026-11-01T00:00:00+08:00", "law": "..."},
///  "legal_hold": {"until": "2027-06-30T00:00:00+08:00", "law": "Cybersecurity Law art. 21"},
///  "next_backup_cycle": "2026-12-10"}
/// {"id": "stop-1", "terminate_service": {"at": "2027-03-01T00:00:00+08:00", "notice": "30d"}}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRequestDoc {
    /// The host's id for the line, echoed in the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The sweep instant: with it, the answer says what is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<FixedOffset>>,
    /// The record's category name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The purpose name it was collected for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// When it was collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<DateTime<FixedOffset>>,
    /// The subject's age group at collection (`adult`, `child`, `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_group: Option<AgeGroup>,
    /// The subject, to compute the age group at collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectDoc>,
    /// The lawful basis the record rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
    /// What became of the purpose, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose_status: Option<PurposeStatusDoc>,
    /// When consent was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_withdrawn_at: Option<DateTime<FixedOffset>>,
    /// When the service stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_terminated_at: Option<DateTime<FixedOffset>>,
    /// When the account was deregistered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistered_at: Option<DateTime<FixedOffset>>,
    /// When the processing was found unlawful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_unlawful_at: Option<DateTime<FixedOffset>>,
    /// Another legal ground for deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_legal_ground: Option<LegalGroundDoc>,
    /// A legal duty to keep the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_hold: Option<LegalHoldDoc>,
    /// The host's next backup cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_backup_cycle: Option<NaiveDate>,
    /// A service termination instead of a record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminate_service: Option<TerminateServiceDoc>,
}

/// The `purpose_status` of a [`RetentionRequestDoc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeStatusDoc {
    /// `achieved`, `unachievable` or `no_longer_necessary`.
    pub status: PurposeStatus,
    /// Since when.
    pub at: DateTime<FixedOffset>,
}

/// The `other_legal_ground` of a [`RetentionRequestDoc`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalGroundDoc {
    /// From when the law requires deletion.
    pub at: DateTime<FixedOffset>,
    /// The law.
    pub law: String,
}

/// A `legal_hold`: keep the data, in restricted storage, until `until`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldDoc {
    /// When the hold ends (exclusive).
    pub until: DateTime<FixedOffset>,
    /// The law that requires the data to be kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub law: Option<String>,
}

/// The `terminate_service` of a [`RetentionRequestDoc`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminateServiceDoc {
    /// When the service stops.
    pub at: DateTime<FixedOffset>,
    /// How long in advance the subjects are told (`30d`, `1m`; default `30d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// The answer to a [`RetentionRequestDoc`].
///
/// ```json
/// {"id": "rec-7",
///  "plan": {"rule": "registration", "clause": "...", "retention": "until_deregistration",
///           "until": "until_deregistration", "disposal": "delete", "backup_lag": "30d",
///           "obligations": [{"code": "retain_until", "until": "until_deregistration"}, ...]},
///  "outcome": "dispose",
///  "due": {"trigger": "deregistered", "since": "2026-11-27T20:00:00+08:00",
///          "disposal": "delete", "by": "2026-12-12", "backup_purge_by": "2027-01-11",
///          "allowed_actions": ["delete"],
///          "obligations": [{"code": "delete", "date": "2026-12-12"}, {"code": "backup_purge", "date": "2027-01-11"},
///                          {"code": "restrict_to_storage"}]},
///  "policy": {"id": "platform-privacy", "version": "2026-11-28"}}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionResponseDoc {
    /// The line's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The record's retention plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<RetentionPlanDoc>,
    /// With `at`: `keep`, `dispose` or `hold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<RecordOutcome>,
    /// With `at`, when a trigger applies: what is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DeletionDueDoc>,
    /// For a `terminate_service` line: the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination: Option<TerminationPlanDoc>,
    /// The policy that answered.
    pub policy: PolicyRef,
}

/// A [`RetentionPlan`] on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPlanDoc {
    /// The permit rule whose retention applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The deny rule that forbids keeping the record at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<String>,
    /// The policy clause of that rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// The retention as written (`1y`, `until_deregistration`); absent when
    /// nothing lets the record be kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
    /// The end date (home calendar), for a fixed period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// The end event, for a retention until an event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<RetentionEvent>,
    /// `delete` or `delete_or_anonymize`.
    pub disposal: Disposal,
    /// The policy's `backup_lag`.
    pub backup_lag: String,
    /// By when backups must be purged, for a fixed period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_purge: Option<NaiveDate>,
    /// `retain_until`, the disposal, `backup_purge`.
    pub obligations: Vec<ObligationDoc>,
}

/// A [`DeletionDue`] on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionDueDoc {
    /// The trigger with the earliest deadline.
    pub trigger: DeletionTrigger,
    /// When it took effect.
    pub since: DateTime<FixedOffset>,
    /// The other triggers that apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_triggers: Vec<DeletionTrigger>,
    /// `delete` or `delete_or_anonymize`.
    pub disposal: Disposal,
    /// The disposal's deadline.
    pub by: NaiveDate,
    /// The backups' deadline.
    pub backup_purge_by: NaiveDate,
    /// The legal hold in force, deferring the disposal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_until: Option<DateTime<FixedOffset>>,
    /// The law behind the hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_law: Option<String>,
    /// What may still be done: `delete`, or under a hold `store`.
    pub allowed_actions: Vec<Action>,
    /// The disposal, `backup_purge`, `restrict_to_storage`.
    pub obligations: Vec<ObligationDoc>,
}

/// A [`TerminationPlan`] on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminationPlanDoc {
    /// When the service stops.
    pub terminates_at: DateTime<FixedOffset>,
    /// No collection from this date.
    pub collection_denied_from: NaiveDate,
    /// The last day to tell the subjects.
    pub notify_by: NaiveDate,
    /// The deadline to delete or anonymize.
    pub dispose_by: NaiveDate,
    /// The deadline to purge backups.
    pub backup_purge_by: NaiveDate,
    /// Adults' data.
    pub adult_disposal: Disposal,
    /// Children's data (and unknown ages).
    pub child_disposal: Disposal,
    /// `notify_subject`, the disposals (`delete_or_anonymize` for adults'
    /// data, `delete` for children's), `backup_purge`, `restrict_to_storage`.
    pub obligations: Vec<ObligationDoc>,
}

/// One line of `lawful rights`: a data-subject rights request.
///
/// ```json
/// {"id": "dsr-9", "kind": "deletion", "received_at": "2025-11-28T10:00:00+08:00",
///  "requester": "guardian", "authorisation_verified": true, "identity_verified": true,
///  "subject": {"birth_date": "2016-05-10", "jurisdiction": "CN"},
///  "earlier": [{"kind": "deletion", "received_at": "2025-11-20T10:00:00+08:00"}],
///  "manifestly_excessive": false, "refusal_grounds": [],
///  "legal_hold": null, "next_backup_cycle": "2025-12-10"}
/// {"id": "dsr-10", "kind": "portability", "received_at": "2026-03-02T10:00:00+01:00",
///  "identity_verified": true, "subject": {"jurisdiction": "DE"},
///  "basis": "consent", "automated": true,
///  "extension_notified_at": "2026-03-20T09:00:00+01:00"}
/// {"id": "dsr-11", "kind": "objection", "received_at": "2026-03-02T10:00:00+01:00",
///  "identity_verified": true, "basis": "legitimate_interests", "direct_marketing": false}
/// {"id": "dsr-12", "kind": "restriction", "received_at": "2026-03-02T10:00:00+01:00",
///  "identity_verified": true, "restriction_ground": "accuracy_contested"}
/// ```
///
/// `kind`: `access`, `copy`, `portability`, `correction`, `deletion`,
/// `withdrawal`, `deregistration`, `objection`, `restriction`. `requester`:
/// `subject` (default), `guardian`, `agent`. The age group is `age_group`,
/// or computed from `subject` at `received_at`; the jurisdiction is
/// `subject.jurisdiction` (default: the policy's home jurisdiction).
/// `basis` (the lawful basis of the processing concerned), `automated`,
/// `direct_marketing` and `restriction_ground` (`accuracy_contested`,
/// `unlawful_processing`, `needed_for_legal_claims`, `objection_pending`)
/// are what portability, objection and restriction turn on;
/// `extension_notified_at` reports a notice of extension (see
/// [`RightsResponse`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RightsRequestDoc {
    /// The host's id for the request, echoed in the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What is asked for.
    pub kind: RightKind,
    /// When it was received.
    pub received_at: DateTime<FixedOffset>,
    /// Who asks (default `subject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<RequesterKind>,
    /// For a guardian or agent: whether their authorisation is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorisation_verified: Option<bool>,
    /// Whether the requester's identity is verified (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_verified: Option<bool>,
    /// The subject: jurisdiction and age sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectDoc>,
    /// The subject's age group, instead of age sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_group: Option<AgeGroup>,
    /// Earlier requests by the same subject.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<EarlierRequestDoc>,
    /// Whether the controller showed the request manifestly excessive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifestly_excessive: Option<bool>,
    /// The grounds the host proposes to refuse on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusal_grounds: Vec<RefusalGround>,
    /// A legal duty to keep the subject's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_hold: Option<LegalHoldDoc>,
    /// The host's next backup cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_backup_cycle: Option<NaiveDate>,
    /// The lawful basis of the processing the request is about
    /// (portability, objection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
    /// Whether that processing is automated (portability under the GDPR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<bool>,
    /// An objection to direct marketing (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_marketing: Option<bool>,
    /// The ground of a restriction request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction_ground: Option<RestrictionGround>,
    /// When the subject was told that the time to answer is extended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_notified_at: Option<DateTime<FixedOffset>>,
}

/// An earlier request of a [`RightsRequestDoc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlierRequestDoc {
    /// Its kind.
    pub kind: RightKind,
    /// When it was received.
    pub received_at: DateTime<FixedOffset>,
}

/// The answer to a [`RightsRequestDoc`].
///
/// ```json
/// {"id": "dsr-3", "kind": "access", "effect": "permit", "respond_by": "2025-11-18",
///  "gdpr": false, "requests_in_window": 1,
///  "obligations": [{"code": "respond_by", "date": "2025-11-18"}],
///  "reasons": [{"code": "request_accepted"}],
///  "clause": "How to manage your personal information / Responding to Your Above Requests",
///  "policy": {"id": "platform-privacy", "version": "2026-11-28"}}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RightsResponseDoc {
    /// The request's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What was asked for.
    pub kind: RightKind,
    /// `permit` (carry it out) or `deny` (not yet, or refused).
    pub effect: Effect,
    /// The date by which the requester must have an answer, before any
    /// extension.
    pub respond_by: NaiveDate,
    /// The extended date, when a notified extension holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_respond_by: Option<NaiveDate>,
    /// Whether the GDPR's rules applied.
    pub gdpr: bool,
    /// Same-kind requests in the fee window, this one included.
    pub requests_in_window: u32,
    /// The obligations.
    pub obligations: Vec<ObligationDoc>,
    /// The reasons.
    pub reasons: Vec<RightsReasonDoc>,
    /// For a refusal: the remedies to tell the requester of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedies: Option<String>,
    /// The policy's rights clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// The policy that answered.
    pub policy: PolicyRef,
}

/// A reason of a [`RightsResponseDoc`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RightsReasonDoc {
    /// The reason code.
    pub code: RightsReasonCode,
    /// The refusal ground it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<RefusalGround>,
    /// The ground's reason, stated for the requester.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
}

/// A line that could not be answered: `{"id": ..., "error": {...}, "policy": {...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorLineDoc {
    /// The line's id, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What was wrong.
    pub error: ErrorDoc,
    /// The policy that answered.
    pub policy: PolicyRef,
}

/// Why a lifecycle line could not be answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDoc {
    /// `invalid_request`, `unknown_category` or `unknown_purpose`.
    pub code: ReasonCode,
    /// What was wrong, for people.
    pub message: String,
}

impl ErrorDoc {
    #[cold]
    fn new(code: ReasonCode, message: impl Into<String>) -> ErrorDoc {
        ErrorDoc {
            code,
            message: message.into(),
        }
    }

    #[cold]
    fn name(code: ReasonCode, e: &NameError) -> ErrorDoc {
        ErrorDoc::new(code, e.to_string())
    }
}

impl std::fmt::Display for ErrorDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorDoc {}

impl std::fmt::Display for ErrorLineDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for ErrorLineDoc {}

impl Engine {
    /// Answers one `lawful retention` line (a [`RetentionRequestDoc`]) with
    /// one JSON line (a [`RetentionResponseDoc`], or an [`ErrorLineDoc`]).
    /// Never fails.
    ///
    /// # Example: an adult's operations log, collected two years ago
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let line = r#"{"id": "rec-1", "at": "2026-11-28T02:00:00+08:00",
    ///     "category": "log.usage", "purpose": "operations.security",
    ///     "collected_at": "2024-11-28T10:00:00+08:00", "age_group": "adult"}"#;
    /// let answer: serde_json::Value = serde_json::from_str(&engine.retention_json(line))?;
    /// assert_eq!(answer["id"], "rec-1");
    /// assert_eq!(answer["plan"]["rule"], "operations");
    /// assert_eq!(answer["plan"]["end"], "2025-11-28");
    /// assert_eq!(answer["outcome"], "dispose");
    /// assert_eq!(answer["due"]["trigger"], "retention_expired");
    /// assert_eq!(answer["due"]["obligations"][0]["code"], "delete_or_anonymize");
    /// assert_eq!(answer["due"]["obligations"][1]["date"], "2025-12-28"); // backup_purge
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Example: a line that is not a request
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let answer = engine.retention_json(r#"{"id": "rec-2", "category": "log.usage"}"#);
    /// assert!(answer.starts_with(r#"{"id":"rec-2","error":{"code":"invalid_request","message":"missing field `purpose`"#));
    /// ```
    pub fn retention_json(&self, line: &str) -> String {
        match self.retention_answer(line) {
            Ok(doc) => to_line(&doc),
            Err(error) => to_line(&error),
        }
    }

    /// Answers one `lawful retention` line as [`Engine::retention_json`]
    /// does, as a document rather than its JSON text: bindings for other
    /// languages read its fields.
    ///
    /// # Errors
    ///
    /// The error line for a line that cannot be read or resolved (its `id`
    /// echoed when it has one); its JSON is what `retention_json` writes.
    ///
    /// # Example: a deregistered account's phone number is due for deletion
    ///
    /// ```
    /// use lawful::lifecycle::RecordOutcome;
    ///
    /// let engine = lawful::Engine::builtin();
    /// let line = r#"{"id": "rec-7", "at": "2026-11-28T02:00:00+08:00",
    ///     "category": "account.phone", "purpose": "account.registration",
    ///     "collected_at": "2025-09-01T10:00:00+08:00", "age_group": "adult",
    ///     "deregistered_at": "2026-11-27T20:00:00+08:00"}"#;
    /// let answer = engine.retention_answer(line)?;
    /// assert_eq!(answer.outcome, Some(RecordOutcome::Dispose));
    /// assert_eq!(answer.due.ok_or("due")?.by.to_string(), "2026-12-12");
    ///
    /// let error = engine.retention_answer(r#"{"id": "rec-8"}"#).unwrap_err();
    /// assert_eq!(error.id.as_deref(), Some("rec-8"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[expect(
        clippy::result_large_err,
        reason = "the error line is the answer a host writes back, built once per line"
    )]
    pub fn retention_answer(&self, line: &str) -> Result<RetentionResponseDoc, ErrorLineDoc> {
        crate::wire::decide::json_object::<RetentionRequestDoc>(line)
            .map_err(|message| ErrorDoc::new(ReasonCode::InvalidRequest, message))
            .and_then(|doc| self.retention_doc(&doc))
            .map_err(|error| self.error_line_doc(request_id_of(line), error))
    }

    /// Answers a parsed `lawful retention` line.
    ///
    /// # Errors
    ///
    /// `unknown_category` or `unknown_purpose` for a name the policy does
    /// not declare; `invalid_request` for a line that is neither a complete
    /// record nor a termination, an unknown jurisdiction, both `age_group`
    /// and age sources, or a malformed notice period.
    pub fn retention_doc(
        &self,
        doc: &RetentionRequestDoc,
    ) -> Result<RetentionResponseDoc, ErrorDoc> {
        if let Some(stop) = &doc.terminate_service {
            if doc.category.is_some() || doc.purpose.is_some() || doc.collected_at.is_some() {
                return Err(ErrorDoc::new(
                    ReasonCode::InvalidRequest,
                    "a line is either a record (`category`, `purpose`, `collected_at`) or a `terminate_service`, not both",
                ));
            }
            return self.termination_doc(doc.id.clone(), stop);
        }
        let record = self.record_state(doc)?;
        let plan = self.record_plan(&record);
        let due = doc.at.map(|at| self.deletion_due(&record, at));
        Ok(RetentionResponseDoc {
            id: doc.id.clone(),
            plan: Some(self.plan_doc(&plan)),
            outcome: due.as_ref().map(|due| RecordOutcome::of(due.as_ref())),
            due: due.flatten().map(|due| due_doc(&due)),
            termination: None,
            policy: self.policy_ref(),
        })
    }

    /// The record a `lawful retention` record line describes, its names
    /// resolved, ready for [`Engine::record_plan`] and
    /// [`Engine::deletion_due`]: what [`Engine::retention_doc`] answers a
    /// record line from. A `terminate_service` in the line is not looked at
    /// here (`retention_doc` answers it). Batch hosts that plan millions of
    /// records use it to skip the answer's documents.
    ///
    /// # Errors
    ///
    /// As [`Engine::retention_doc`] for a record line: a missing `category`,
    /// `purpose` or `collected_at`, a name the policy does not declare, an
    /// unknown jurisdiction, both `age_group` and age sources.
    ///
    /// # Example: plan a record without building its answer
    ///
    /// ```
    /// use lawful::wire::RetentionRequestDoc;
    ///
    /// let engine = lawful::Engine::builtin();
    /// let doc: RetentionRequestDoc = serde_json::from_str(r#"{"category": "log.usage",
    ///     "purpose": "operations.security", "collected_at": "2024-11-28T10:00:00+08:00",
    ///     "age_group": "adult"}"#)?;
    /// let record = engine.record_state(&doc)?;
    /// let plan = engine.record_plan(&record);
    /// assert_eq!(plan.end_due().date().map(|d| d.to_string()).as_deref(), Some("2025-11-28"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_state(&self, doc: &RetentionRequestDoc) -> Result<RecordState, ErrorDoc> {
        let missing = |field: &str| {
            ErrorDoc::new(
                ReasonCode::InvalidRequest,
                format!("missing field `{field}`"),
            )
        };
        let category_name = doc.category.as_deref().ok_or_else(|| missing("category"))?;
        let purpose_name = doc.purpose.as_deref().ok_or_else(|| missing("purpose"))?;
        let collected_at = doc.collected_at.ok_or_else(|| missing("collected_at"))?;
        let category = self
            .category(category_name)
            .map_err(|e| ErrorDoc::name(ReasonCode::UnknownCategory, &e))?;
        let purpose = self
            .purpose(purpose_name)
            .map_err(|e| ErrorDoc::name(ReasonCode::UnknownPurpose, &e))?;
        let (_, age) = self.wire_subject(doc.subject.as_ref(), doc.age_group, collected_at)?;
        let mut record = RecordState::new(category, purpose, collected_at).age_group(age);
        if let Some(basis) = doc.basis {
            record = record.basis(basis);
        }
        if let Some(p) = doc.purpose_status {
            record = record.purpose_status(p.status, p.at);
        }
        if let Some(at) = doc.consent_withdrawn_at {
            record = record.consent_withdrawn_at(at);
        }
        if let Some(at) = doc.service_terminated_at {
            record = record.service_terminated_at(at);
        }
        if let Some(at) = doc.deregistered_at {
            record = record.deregistered_at(at);
        }
        if let Some(at) = doc.found_unlawful_at {
            record = record.found_unlawful_at(at);
        }
        if let Some(ground) = &doc.other_legal_ground {
            record = record.other_legal_ground(ground.at, &ground.law);
        }
        if let Some(hold) = &doc.legal_hold {
            record = record.legal_hold(hold.to_hold());
        }
        if let Some(date) = doc.next_backup_cycle {
            record = record.next_backup_cycle(date);
        }
        Ok(record)
    }

    /// Answers one `lawful rights` line (a [`RightsRequestDoc`]) with one
    /// JSON line (a [`RightsResponseDoc`], or an [`ErrorLineDoc`]). Never
    /// fails.
    ///
    /// # Example: an access request received on the 3rd is due on the 18th
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let line = r#"{"id": "dsr-3", "kind": "access", "received_at": "2025-11-03T09:00:00+08:00",
    ///     "identity_verified": true}"#;
    /// assert_eq!(
    ///     engine.rights_json(line),
    ///     concat!(
    ///         r#"{"id":"dsr-3","kind":"access","effect":"permit","respond_by":"2025-11-18","#,
    ///         r#""gdpr":false,"requests_in_window":1,"#,
    ///         r#""obligations":[{"code":"respond_by","date":"2025-11-18"}],"#,
    ///         r#""reasons":[{"code":"request_accepted"}],"#,
    ///         r#""clause":"How to manage your personal information / Responding to Your Above Requests","#,
    ///         r#""policy":{"id":"platform-privacy","version":"2026-11-28"}}"#,
    ///     )
    /// );
    /// ```
    ///
    /// # Example: an unknown kind
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let answer = engine.rights_json(r#"{"id": "dsr-4", "kind": "erase", "received_at": "2025-11-03T09:00:00+08:00"}"#);
    /// assert!(answer.starts_with(r#"{"id":"dsr-4","error":{"code":"invalid_request","message":"unknown right `erase`"#));
    /// ```
    pub fn rights_json(&self, line: &str) -> String {
        match self.rights_answer(line) {
            Ok(doc) => to_line(&doc),
            Err(error) => to_line(&error),
        }
    }

    /// Answers one `lawful rights` line as [`Engine::rights_json`] does, as a
    /// document rather than its JSON text.
    ///
    /// # Errors
    ///
    /// The error line for a line that cannot be read or resolved (its `id`
    /// echoed when it has one); its JSON is what `rights_json` writes.
    ///
    /// # Example: the date an access request is due
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let answer = engine.rights_answer(r#"{"id": "dsr-3", "kind": "access",
    ///     "received_at": "2025-11-03T09:00:00+08:00", "identity_verified": true}"#)?;
    /// assert_eq!(answer.respond_by.to_string(), "2025-11-18");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[expect(
        clippy::result_large_err,
        reason = "the error line is the answer a host writes back, built once per line"
    )]
    pub fn rights_answer(&self, line: &str) -> Result<RightsResponseDoc, ErrorLineDoc> {
        crate::wire::decide::json_object::<RightsRequestDoc>(line)
            .map_err(|message| ErrorDoc::new(ReasonCode::InvalidRequest, message))
            .and_then(|doc| self.rights_doc(&doc))
            .map_err(|error| self.error_line_doc(request_id_of(line), error))
    }

    /// Answers a parsed `lawful rights` line.
    ///
    /// # Errors
    ///
    /// `invalid_request` for an unknown jurisdiction, or both `age_group`
    /// and age sources.
    pub fn rights_doc(&self, doc: &RightsRequestDoc) -> Result<RightsResponseDoc, ErrorDoc> {
        let (jurisdiction, age) =
            self.wire_subject(doc.subject.as_ref(), doc.age_group, doc.received_at)?;
        let authorisation = if doc.authorisation_verified == Some(true) {
            Authorisation::Verified
        } else {
            Authorisation::Missing
        };
        let requester = match doc.requester.unwrap_or(RequesterKind::Subject) {
            RequesterKind::Agent => Requester::Agent(authorisation),
            RequesterKind::Guardian => Requester::Guardian(authorisation),
            RequesterKind::Subject => Requester::Subject,
        };
        let identity = if doc.identity_verified == Some(true) {
            IdentityStatus::Verified
        } else {
            IdentityStatus::Unverified
        };
        let mut request = RightsRequest::new(doc.kind, doc.received_at)
            .requester(requester)
            .identity(identity)
            .age_group(age);
        if let Some(id) = jurisdiction {
            request = request.jurisdiction(id);
        }
        for earlier in &doc.earlier {
            request = request.earlier_request(earlier.kind, earlier.received_at);
        }
        if doc.manifestly_excessive == Some(true) {
            request = request.manifestly_excessive();
        }
        for &ground in &doc.refusal_grounds {
            request = request.refusal_ground(ground);
        }
        if let Some(hold) = &doc.legal_hold {
            request = request.legal_hold(hold.to_hold());
        }
        if let Some(date) = doc.next_backup_cycle {
            request = request.next_backup_cycle(date);
        }
        if let Some(basis) = doc.basis {
            request = request.basis(basis);
        }
        if let Some(automated) = doc.automated {
            request = request.automated(automated);
        }
        if doc.direct_marketing == Some(true) {
            request = request.direct_marketing();
        }
        if let Some(ground) = doc.restriction_ground {
            request = request.restriction_ground(ground);
        }
        if let Some(at) = doc.extension_notified_at {
            request = request.extension_notified(at);
        }
        Ok(self.rights_response_doc(doc.id.clone(), &self.rights_request(&request)))
    }

    /// The wire form of a rights response.
    pub fn rights_response_doc(
        &self,
        id: Option<String>,
        response: &RightsResponse,
    ) -> RightsResponseDoc {
        RightsResponseDoc {
            id,
            kind: response.kind(),
            effect: response.effect(),
            respond_by: response.respond_by(),
            extended_respond_by: response.extended_respond_by(),
            gdpr: response.gdpr_applies(),
            requests_in_window: response.requests_in_window(),
            obligations: obligation_docs(response.obligations().iter().copied()),
            reasons: response
                .reasons()
                .iter()
                .map(|r| RightsReasonDoc {
                    code: r.code(),
                    ground: r.refusal_ground(),
                    statement: r.refusal_ground().map(|g| g.statement().to_owned()),
                })
                .collect(),
            remedies: response.remedies().map(str::to_owned),
            clause: self.rights_clause().map(str::to_owned),
            policy: self.policy_ref(),
        }
    }

    /// The wire form of a retention plan.
    pub fn plan_doc(&self, plan: &RetentionPlan) -> RetentionPlanDoc {
        let rule_name = |id| self.rule(id).map(|r| r.id().to_owned());
        let (rule, denied_by, clause) = match plan.source() {
            RetentionSource::Rule(id) => (
                rule_name(id),
                None,
                self.rule(id).map(|r| r.clause().to_owned()),
            ),
            RetentionSource::DeniedBy(id) => (
                None,
                rule_name(id),
                self.rule(id).map(|r| r.clause().to_owned()),
            ),
            RetentionSource::NoRule => (None, None, None),
        };
        let (end, until) = match plan.end() {
            RetentionEnd::At(_) => (plan.end_due().date(), None),
            RetentionEnd::Event(event) => (None, Some(event)),
        };
        RetentionPlanDoc {
            rule,
            denied_by,
            clause,
            retention: plan.retention().map(|r| r.to_string()),
            end,
            until,
            disposal: plan.disposal(),
            backup_lag: plan.backup_lag().to_string(),
            backup_purge: plan.backup_purge().date(),
            obligations: obligation_docs(plan.obligations()),
        }
    }

    fn termination_doc(
        &self,
        id: Option<String>,
        stop: &TerminateServiceDoc,
    ) -> Result<RetentionResponseDoc, ErrorDoc> {
        let notice = match &stop.notice {
            Some(text) => text
                .parse::<Period>()
                .map_err(|e| ErrorDoc::new(ReasonCode::InvalidRequest, e.to_string()))?,
            None => Period::days(DEFAULT_NOTICE_DAYS)
                .ok_or_else(|| ErrorDoc::new(ReasonCode::InvalidRequest, "invalid notice"))?,
        };
        let plan = self.termination_plan(stop.at, notice);
        Ok(RetentionResponseDoc {
            id,
            plan: None,
            outcome: None,
            due: None,
            termination: Some(termination_doc(&plan)),
            policy: self.policy_ref(),
        })
    }

    /// The jurisdiction and age group of a wire subject at `at`.
    fn wire_subject(
        &self,
        subject: Option<&SubjectDoc>,
        age_group: Option<AgeGroup>,
        at: DateTime<FixedOffset>,
    ) -> Result<(Option<JurisdictionId>, AgeGroup), ErrorDoc> {
        let Some(doc) = subject else {
            return Ok((None, age_group.unwrap_or(AgeGroup::Unknown)));
        };
        let jurisdiction = match &doc.jurisdiction {
            Some(code) => Some(
                self.jurisdiction(code)
                    .map_err(|e| ErrorDoc::name(ReasonCode::InvalidRequest, &e))?,
            ),
            None => None,
        };
        let has_age_source = doc.birth_date.is_some() || doc.resident_id.is_some();
        let age = match (age_group, has_age_source) {
            (Some(_), true) => {
                return Err(ErrorDoc::new(
                    ReasonCode::InvalidRequest,
                    "give `age_group` or the subject's `birth_date` / `resident_id`, not both",
                ));
            }
            (Some(age), false) => age,
            (None, _) => {
                let mut s = Subject::new();
                if let Some(date) = doc.birth_date {
                    s = s.birth_date(date);
                }
                if let Some(text) = &doc.resident_id {
                    s = s.resident_id_str(text);
                }
                if let Some(id) = jurisdiction {
                    s = s.jurisdiction(id);
                }
                self.age_group(&s, at)
            }
        };
        Ok((jurisdiction, age))
    }

    fn policy_ref(&self) -> PolicyRef {
        PolicyRef::of(self)
    }

    fn error_line_doc(&self, id: Option<String>, error: ErrorDoc) -> ErrorLineDoc {
        ErrorLineDoc {
            id,
            error,
            policy: self.policy_ref(),
        }
    }
}

impl LegalHoldDoc {
    fn to_hold(&self) -> LegalHold {
        let hold = LegalHold::new(self.until);
        match &self.law {
            Some(law) => hold.citation(law),
            None => hold,
        }
    }
}

fn due_doc(due: &DeletionDue) -> DeletionDueDoc {
    DeletionDueDoc {
        trigger: due.trigger(),
        since: due.since(),
        other_triggers: due.other_triggers().to_vec(),
        disposal: due.disposal(),
        by: due.by(),
        backup_purge_by: due.backup_purge_by(),
        held_until: due.hold().map(LegalHold::until),
        hold_law: due.hold().and_then(LegalHold::law).map(str::to_owned),
        allowed_actions: Action::ALL
            .iter()
            .copied()
            .filter(|&a| due.allows(a))
            .collect(),
        obligations: obligation_docs(due.obligations()),
    }
}

fn termination_doc(plan: &TerminationPlan) -> TerminationPlanDoc {
    let mut obligations = obligation_docs(plan.obligations(AgeGroup::Adult));
    for o in obligation_docs(plan.obligations(AgeGroup::Child)) {
        if !obligations.contains(&o) {
            // The children's disposal, next to the adults'.
            let at = obligations
                .iter()
                .position(|x| x.code == ObligationCode::BackupPurge)
                .unwrap_or(obligations.len());
            obligations.insert(at, o);
        }
    }
    TerminationPlanDoc {
        terminates_at: plan.terminates_at(),
        collection_denied_from: plan.collection_denied_from(),
        notify_by: plan.notify_by(),
        dispose_by: plan.dispose_by(),
        backup_purge_by: plan.backup_purge_by(),
        adult_disposal: plan.disposal(AgeGroup::Adult),
        child_disposal: plan.disposal(AgeGroup::Child),
        obligations,
    }
}

fn obligation_docs(obligations: impl IntoIterator<Item = Obligation>) -> Vec<ObligationDoc> {
    obligations.into_iter().map(ObligationDoc::from).collect()
}

fn to_line<T: Serialize>(doc: &T) -> String {
    // Plain data with string keys: serializing cannot fail.
    serde_json::to_string(doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(line: &str) -> serde_json::Value {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn bad_lines_echo_the_id_and_name_the_fault() {
        let engine = Engine::builtin();
        let out = json(&engine.retention_json(
            r#"{"id": "r1", "category": "log.usag", "purpose": "operations", "collected_at": "2025-01-01T00:00:00+08:00"}"#,
        ));
        assert_eq!(out["id"], "r1");
        assert_eq!(out["error"]["code"], "unknown_category");
        assert_eq!(
            out["error"]["message"],
            "unknown category `log.usag`: did you mean `log.usage`?"
        );
        let out = json(&engine.retention_json("not json"));
        assert_eq!(out.get("id"), None);
        assert_eq!(out["error"]["code"], "invalid_request");
        let out = json(&engine.rights_json(r#"{"id": "x", "kind": "access", "received_at": "2025-01-01T00:00:00+08:00", "colour": 1}"#));
        assert_eq!(out["id"], "x");
        assert!(
            out["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("unknown field `colour`")
        );
    }

    #[test]
    fn a_line_is_a_record_or_a_termination() {
        let engine = Engine::builtin();
        let out = json(&engine.retention_json(
            r#"{"category": "log.usage", "terminate_service": {"at": "2027-03-01T00:00:00+08:00"}}"#,
        ));
        assert_eq!(out["error"]["code"], "invalid_request");
        let out = json(&engine.retention_json(
            r#"{"id": "t", "terminate_service": {"at": "2027-03-01T00:00:00+08:00"}}"#,
        ));
        assert_eq!(out["termination"]["notify_by"], "2027-01-30");
        assert_eq!(out["termination"]["child_disposal"], "delete");
        let codes: Vec<_> = out["termination"]["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                "notify_subject",
                "delete_or_anonymize",
                "delete",
                // The end of the service is told to a child's guardian too.
                "notify_guardian",
                "backup_purge",
                "restrict_to_storage"
            ]
        );
    }

    #[test]
    fn age_sources_and_age_group_are_exclusive() {
        let engine = Engine::builtin();
        let out = json(&engine.rights_json(
            r#"{"kind": "access", "received_at": "2025-01-01T00:00:00+08:00", "age_group": "adult", "subject": {"birth_date": "2016-05-10"}}"#,
        ));
        assert_eq!(out["error"]["code"], "invalid_request");
        let out = json(&engine.rights_json(
            r#"{"kind": "access", "received_at": "2025-01-01T00:00:00+08:00", "age_group": "adult", "subject": {"jurisdiction": "FR"}}"#,
        ));
        assert_eq!(out["gdpr"], true);
    }

    #[test]
    fn documents_round_trip() {
        let doc: RightsRequestDoc = serde_json::from_str(
            r#"{"id": "d", "kind": "deletion", "received_at": "2025-11-28T10:00:00+08:00", "refusal_grounds": ["unrealistic"]}"#,
        )
        .unwrap();
        let again: RightsRequestDoc =
            serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert_eq!(doc, again);
    }
}
