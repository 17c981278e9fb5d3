//! One processing operation and its answer: the [`Request`] with its
//! [`Evidence`] (consent records, a contract, a legal citation, an
//! emergency, public data) and [`Recipient`], and the [`Decision`]: permit
//! or deny, the basis, the obligations with their due dates, and the
//! reasons, each naming the policy rule (and so the clause) behind it.
//!
//! A [`Decision`] lives entirely inline (no heap): reasons are a small array,
//! obligations a bit set plus their due dates, so deciding never allocates.
//!
//! # Example: a deny says what to fix
//!
//! ```
//! use chrono::{DateTime, NaiveDate};
//! use lawful::decision::{ObligationCode, ReasonCode};
//! use lawful::{Action, Basis, Engine, Evidence, Request, Subject};
//!
//! let engine = Engine::builtin();
//! let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
//! let adult = Subject::new()
//!     .birth_date(NaiveDate::from_ymd_opt(1990, 1, 1).ok_or("date")?)
//!     .jurisdiction(engine.jurisdiction("CN")?);
//! let request = Request::new(Action::Collect, engine.purpose("account.registration")?, at)
//!     .category(engine.category("account.phone")?)
//!     .subject(adult);
//!
//! // No evidence: no basis the rule offers holds.
//! let denied = engine.decide(&request);
//! assert!(denied.has_reason(ReasonCode::BasisMissing));
//!
//! // With the contract the rule accepts, a permit and its obligations.
//! let permitted = engine.decide(&request.evidence(Evidence::new().contract()));
//! assert_eq!(permitted.basis(), Some(Basis::Contract));
//! assert!(permitted.has_obligation(ObligationCode::RetainUntil));
//! println!("{}", permitted.explain(engine));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod consent;
pub(crate) mod decide;
pub(crate) mod evidence;
pub(crate) mod explain;
pub(crate) mod request;

use std::fmt;

pub use crate::outcome::{Effect, ObligationCode};
pub use crate::recipient::{Recipient, RecipientKind, RecipientName};
pub use consent::{Consent, ConsentState, Grantor, GuardianVerification};
pub use evidence::{Emergency, EmergencyKind, Evidence, PublicData, PublicSource};
pub use explain::Explanation;
pub use request::{Request, TransferMechanism};

use chrono::NaiveDate;

use crate::basis::Basis;
use crate::category::CategoryId;
use crate::outcome::{DATED, ObligationSet, RuleId};
use crate::retention::RetentionEvent;
use crate::subject::AgeFinding;
use crate::vocab::vocabulary;

vocabulary! {
    /// Why a decision came out as it did. A deny carries at
    /// least one; a permit carries the rule that allowed it.
    pub enum ReasonCode as "reason code" {
        /// A permit rule covers the request (the permit's own reason).
        RulePermits = "rule_permits",
        /// No permit rule covers a requested category for this action and purpose.
        NoMatchingRule = "no_matching_rule",
        /// An explicit deny rule matches.
        DeniedByRule = "denied_by_rule",
        /// Device or log information alone cannot identify a person: no basis is needed.
        NotPersonalInformation = "not_personal_information",
        /// Device or log information combined with identifying data is personal information.
        CombinedAsPersonalInformation = "combined_as_personal_information",
        /// None of the rule's lawful bases has its evidence.
        BasisMissing = "basis_missing",
        /// Consent is the only basis and no consent record covers the request.
        ConsentMissing = "consent_missing",
        /// A consent exists but does not cover the purpose, a category, the action or the recipient.
        ConsentOutOfScope = "consent_out_of_scope",
        /// The covering consent was withdrawn before the processing time.
        ConsentWithdrawn = "consent_withdrawn",
        /// The covering consent was given after the processing time.
        ConsentNotYetGiven = "consent_not_yet_given",
        /// The covering consent is not separate, and the processing needs separate consent.
        SeparateConsentRequired = "separate_consent_required",
        /// The subject is a child and there is no valid consent of a verified guardian.
        GuardianConsentRequired = "guardian_consent_required",
        /// The subject's age cannot be determined, and consent or the rule needs it.
        AgeUnknown = "age_unknown",
        /// The resident identity number is invalid; it was ignored as an age source.
        ResidentIdInvalid = "resident_id_invalid",
        /// The emergency basis was claimed for an emergency that is not ongoing.
        EmergencyNotOngoing = "emergency_not_ongoing",
        /// Public data used outside its context, after the subject refused, or sensitive.
        PublicDataBeyondScope = "public_data_beyond_scope",
        /// Storing outside the policy's storage region.
        LocalizationRequired = "localization_required",
        /// Export without a transfer mechanism (security assessment, certification, standard contract).
        TransferMechanismRequired = "transfer_mechanism_required",
        /// An acquirer that does not accept the policy, without a separate consent naming it.
        RecipientNotBound = "recipient_not_bound",
        /// A child's data to a recipient other than the guardian without a security assessment.
        SecurityAssessmentRequired = "security_assessment_required",
        /// The retention period of the covering rule has run out.
        RetentionExpired = "retention_expired",
        /// A category name the policy does not declare (wire requests only).
        UnknownCategory = "unknown_category",
        /// A purpose name the policy does not declare (wire requests only).
        UnknownPurpose = "unknown_purpose",
        /// The request could not be read (wire requests only).
        InvalidRequest = "invalid_request",
        /// A flow that needs an identified recipient (name and region) has none.
        RecipientUnidentified = "recipient_unidentified",
        /// Data stored in the PRC to a foreign judicial or law-enforcement
        /// authority without the competent PRC authority's approval (PIPL art. 41).
        ForeignAuthorityNotApproved = "foreign_authority_not_approved",
        /// An emergency basis for a purpose that does not protect anyone.
        PurposeNotProtective = "purpose_not_protective",
        /// The basis does not exist under the governing regime (a foreign-law
        /// obligation, public data under the GDPR).
        BasisNotAvailable = "basis_not_available",
        /// The subject's own consent was given while they were a child.
        ConsentGivenAsChild = "consent_given_as_child",
        /// A legal hold keeps the data.
        LegalHold = "legal_hold",
        /// The category is never given to a third party or the public.
        NeverProvided = "never_provided",
        /// A statutory minimum retention has not run.
        StatutoryRetention = "statutory_retention",
    }
}

vocabulary! {
    /// What exactly failed, where a reason code alone does not say what to
    /// fix: which dimension of a consent, which part of a recipient, why a
    /// transfer mechanism does not count.
    pub enum Detail as "reason detail" {
        /// The consent does not cover the purpose.
        Purpose = "purpose",
        /// The consent does not cover every category.
        Category = "category",
        /// The consent does not cover the action.
        Action = "action",
        /// The consent does not name the recipient.
        Recipient = "recipient",
        /// The consent does not hold at the time (not yet given, or withdrawn).
        Time = "time",
        /// The consent is not from whom it must be (the subject, or the
        /// verified guardian of a child).
        Grantor = "grantor",
        /// The consent is not separate.
        Separateness = "separateness",
        /// The request names no recipient.
        RecipientMissing = "recipient_missing",
        /// The recipient has no name.
        RecipientName = "recipient_name",
        /// The recipient (or the destination) has no region.
        RecipientRegion = "recipient_region",
        /// No transfer mechanism was named.
        MechanismMissing = "mechanism_missing",
        /// The mechanism named is an exemption whose condition does not hold.
        ExemptionNotMet = "exemption_not_met",
        /// The mechanism named belongs to another regime.
        MechanismOfAnotherRegime = "mechanism_of_another_regime",
        /// The legal obligation arises under a foreign law.
        ForeignLaw = "foreign_law",
        /// The data serves only the purposes the policy binds it to.
        PurposeBound = "purpose_bound",
        /// No rule permits the processing the processor would do for us.
        UnderlyingProcessing = "underlying_processing",
        /// Decided as a transfer abroad (the export decision of a flow abroad).
        Abroad = "abroad",
        /// The declared birth date is after the request's day, or implausibly
        /// long before it: it was not used as an age source.
        BirthDateImplausible = "birth_date_implausible",
        /// A special category (GDPR art. 9) needs another condition.
        SpecialCategory = "special_category",
        /// Vital interests for a special category need a subject unable to consent.
        AbleToConsent = "able_to_consent",
        /// Reading from or storing on the terminal needs consent (ePrivacy art. 5(3)).
        TerminalAccess = "terminal_access",
        /// Decided as a child (the subject's age is unknown).
        AsChild = "as_child",
        /// Under two regimes, the legal obligation must say whose law it is.
        LawUnstated = "law_unstated",
        /// Decided as the provision the recipient makes (a `share` to a
        /// third party, an `entrust` to a processor...), whatever the label.
        Provision = "provision",
        /// A legal obligation under one governing regime's law only: the
        /// other regime knows no duty to do this.
        ConflictOfLaws = "conflict_of_laws",
        /// The categories need different bases: no single basis carries
        /// them all (split the request).
        SplitRequest = "split_request",
        /// The record rests only on a consent that was withdrawn.
        ConsentWithdrawn = "consent_withdrawn",
    }
}

/// When a dated obligation falls due: a calendar date, or an event such as
/// the account's deregistration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Due {
    /// By this calendar date (in the policy's home jurisdiction).
    Date(NaiveDate),
    /// When this event happens.
    Event(RetentionEvent),
}

impl Due {
    /// The date, if the obligation falls due on one.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Due::Date(date) => Some(date),
            Due::Event(_) => None,
        }
    }
}

/// One obligation of a decision, with its due date or event if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Obligation {
    code: ObligationCode,
    due: Option<Due>,
}

impl Obligation {
    pub(crate) fn new(code: ObligationCode, due: Option<Due>) -> Obligation {
        Obligation { code, due }
    }

    /// What must be done.
    pub fn code(&self) -> ObligationCode {
        self.code
    }

    /// By when (date or event), for the dated obligations.
    pub fn due(&self) -> Option<Due> {
        self.due
    }
}

/// One reason behind a decision: a code, and where it applies, the rule (and
/// so the policy clause) and the category it is about.
//
// Every byte is defined and the empty reason is all zeros, so a new
// decision's sixteen slots are one zeroed block (not 48 field stores).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reason {
    code: ReasonCode,
    /// The detail's index plus one; 0 for none.
    detail: u8,
    fill: u16,
    rule: Option<RuleId>,
    /// The category as [`CategoryId::to_raw`] stores it; 0 for none.
    category: u32,
    engine: u32,
}

impl Reason {
    /// An unused slot of a decision.
    pub(crate) const EMPTY: Reason = Reason::new(ReasonCode::RulePermits, None, None);

    pub(crate) const fn new(
        code: ReasonCode,
        rule: Option<RuleId>,
        category: Option<CategoryId>,
    ) -> Reason {
        let (category, engine) = match category {
            Some(id) => id.to_raw(),
            None => (0, 0),
        };
        Reason {
            code,
            detail: 0,
            fill: 0,
            rule,
            category,
            engine,
        }
    }

    /// The same reason, saying what exactly failed.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a vocabulary has far fewer than 255 words"
    )]
    pub(crate) const fn with_detail(mut self, detail: Detail) -> Reason {
        self.detail = detail.index() as u8 + 1;
        self
    }

    /// The reason code.
    pub fn code(&self) -> ReasonCode {
        self.code
    }

    /// The policy rule behind the reason; look it up with [`Engine::rule`](crate::Engine::rule).
    pub fn rule(&self) -> Option<RuleId> {
        self.rule
    }

    /// The category the reason is about (the one left uncovered, denied...).
    pub fn category(&self) -> Option<CategoryId> {
        CategoryId::from_raw(self.category, self.engine)
    }

    /// What exactly failed, where the code alone does not say what to fix.
    pub fn detail(&self) -> Option<Detail> {
        let index = usize::from(self.detail.checked_sub(1)?);
        Detail::ALL.get(index).copied()
    }
}

#[expect(
    clippy::missing_fields_in_debug,
    reason = "shows what the reason says (category, detail), not how it is stored"
)]
impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reason")
            .field("code", &self.code)
            .field("rule", &self.rule)
            .field("category", &self.category())
            .field("detail", &self.detail())
            .finish()
    }
}

/// Why a permit needs no lawful basis (or no fresh one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Unbased {
    /// Device or log information that identifies no one on its own.
    NotPersonal,
    /// A transfer to an acquirer bound by the policy (PIPL art. 22).
    AcquirerBound,
    /// Deletion is lawful unless the law keeps the data.
    Deletion,
    /// Recording a withdrawal (or objection) of the subject.
    RecordingWithdrawal,
    /// Storing data a legal hold keeps, whatever became of its basis.
    LegalHold,
}

/// How many reasons a decision keeps. Requests rarely need more than five;
/// past this, further reasons of a code already present are dropped, and
/// [`Decision::reasons_truncated`] says so.
const MAX_REASONS: usize = 16;

/// The engine's answer to a [`Request`].
///
/// A decision is complete on its own: the effect, the lawful basis it rests
/// on, every obligation with its due date, and every reason with the rule
/// behind it. [`Decision::explain`] renders it for an auditor.
///
/// Two decisions are equal when everything they say is: the effect, the
/// basis, the obligations and their dates, the reasons in order, the age
/// finding (the inline storage behind them is not compared).
#[must_use]
#[derive(Clone)]
pub struct Decision {
    effect: Effect,
    basis: Option<Basis>,
    obligations: ObligationSet,
    /// The dates of the dated obligations, in the order of [`DATED`].
    dues: [Option<Due>; DATED.len()],
    reasons: [Reason; MAX_REASONS],
    reason_count: u8,
    reasons_truncated: bool,
    age: Option<AgeFinding>,
    /// Why a permit rests on no basis (for its explanation).
    unbased: Option<Unbased>,
}

impl PartialEq for Decision {
    fn eq(&self, other: &Decision) -> bool {
        self.effect == other.effect
            && self.basis == other.basis
            && self.obligations == other.obligations
            && DATED
                .iter()
                .filter(|&&code| self.obligations.contains(code))
                .all(|&code| self.due(code) == other.due(code))
            && self.reasons() == other.reasons()
            && self.reasons_truncated == other.reasons_truncated
            && self.age == other.age
            && self.unbased() == other.unbased()
    }
}

impl Eq for Decision {}

/// A deny with no reasons: a place for [`Engine::decide_into`] to write
/// a decision in (it says nothing of any request until then).
///
/// [`Engine::decide_into`]: crate::Engine::decide_into
impl Default for Decision {
    fn default() -> Decision {
        Decision::new()
    }
}

impl Decision {
    /// A deny with no reasons yet; the procedure adds them.
    pub(crate) fn new() -> Decision {
        Decision {
            effect: Effect::Deny,
            basis: None,
            obligations: ObligationSet::EMPTY,
            dues: [None; DATED.len()],
            reasons: [Reason::EMPTY; MAX_REASONS],
            reason_count: 0,
            reasons_truncated: false,
            age: None,
            unbased: None,
        }
    }

    /// Whether the processing may go ahead.
    pub fn is_permit(&self) -> bool {
        self.effect == Effect::Permit
    }

    /// Permit or deny.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The lawful basis a permit rests on. `None` for a deny, for
    /// information that is not personal, and for a transfer to an acquirer
    /// bound by the policy (PIPL art. 22: no fresh basis is needed).
    pub fn basis(&self) -> Option<Basis> {
        self.basis
    }

    /// Every obligation, in the vocabulary's order, with due dates.
    pub fn obligations(&self) -> impl Iterator<Item = Obligation> + '_ {
        self.obligations
            .iter()
            .map(|code| Obligation::new(code, self.due(code)))
    }

    /// Whether the decision carries the obligation.
    pub fn has_obligation(&self, code: ObligationCode) -> bool {
        self.obligations.contains(code)
    }

    /// The due date or event of an obligation the decision carries.
    pub fn due(&self, code: ObligationCode) -> Option<Due> {
        let slot = code.dated_slot()?;
        self.dues.get(slot).copied().flatten()
    }

    /// The reasons, most important first.
    pub fn reasons(&self) -> &[Reason] {
        self.reasons
            .get(..usize::from(self.reason_count))
            .unwrap_or(&[])
    }

    /// Whether the decision carries a reason with this code.
    pub fn has_reason(&self, code: ReasonCode) -> bool {
        self.reasons().iter().any(|r| r.code == code)
    }

    /// Whether some reasons were dropped because there were too many to keep.
    pub fn reasons_truncated(&self) -> bool {
        self.reasons_truncated
    }

    /// What the engine found about the subject's age, when it had a source.
    pub fn age(&self) -> Option<AgeFinding> {
        self.age
    }

    pub(crate) fn set_effect(&mut self, effect: Effect) {
        self.effect = effect;
    }

    pub(crate) fn set_basis(&mut self, basis: Option<Basis>) {
        self.basis = basis;
    }

    /// A permit that needs no (fresh) basis, and why.
    pub(crate) fn set_unbased(&mut self, why: Unbased) {
        self.unbased = Some(why);
    }

    /// Why a permit rests on no basis, if it does not.
    pub(crate) fn unbased(&self) -> Option<Unbased> {
        if self.is_permit() && self.basis.is_none() {
            self.unbased
        } else {
            None
        }
    }

    pub(crate) fn set_age(&mut self, age: Option<AgeFinding>) {
        self.age = age;
    }

    /// Adds a reason unless the same (code, rule, category) is already there.
    pub(crate) fn push_reason(&mut self, reason: Reason) {
        if self.reasons().contains(&reason) {
            return;
        }
        match self.reasons.get_mut(usize::from(self.reason_count)) {
            Some(slot) => {
                *slot = reason;
                self.reason_count += 1;
            }
            None => self.reasons_truncated = true,
        }
    }

    /// Whether any reason makes the decision a deny.
    pub(crate) fn has_deny_reason(&self) -> bool {
        self.reasons().iter().any(|r| r.code.denies())
    }

    pub(crate) fn add_obligation(&mut self, code: ObligationCode) {
        self.obligations = self.obligations.with(code);
    }

    pub(crate) fn add_obligations(&mut self, codes: ObligationSet) {
        self.obligations = self.obligations.union(codes);
    }

    pub(crate) fn add_dated(&mut self, code: ObligationCode, due: Due) {
        self.obligations = self.obligations.with(code);
        if let Some(slot) = code.dated_slot().and_then(|slot| self.dues.get_mut(slot)) {
            *slot = Some(due);
        }
    }

    /// Combines the decision of a flow abroad under its own action with its
    /// decision as an export, made on the same facts: a permit only when
    /// both permit, resting on the export decision's basis, with the
    /// obligations of both; a deny lists what denied on either side, the
    /// export side's reasons marked [`Detail::Abroad`] where they say no more.
    /// Where both decisions date an obligation, the earlier date; a date
    /// over an event (a fixed end comes before an open one); else whichever
    /// has one. Both permit, so both sets of duties bind.
    fn keep_earlier_dues(&mut self, other: &Decision) {
        for (mine, &theirs) in self.dues.iter_mut().zip(&other.dues) {
            let Some(theirs) = theirs else {
                continue;
            };
            *mine = Some(match (*mine, theirs) {
                (Some(Due::Date(a)), Due::Date(b)) => Due::Date(a.min(b)),
                (Some(Due::Event(_)) | None, Due::Date(b)) => Due::Date(b),
                (None, theirs) => theirs,
                (Some(mine), Due::Event(_)) => mine,
            });
        }
    }

    /// Combines the decision of one pass of a request (`self`) with the
    /// next (`pass`: the provision its recipient makes, or the export of a
    /// flow abroad): a permit only when both permit, with the union of the
    /// obligations, the earlier due dates and the later pass's basis. When
    /// only the later pass denies, its reasons are the answer; its deny
    /// reasons without a detail are marked `mark` (what it was decided as).
    pub(crate) fn combine_pass(&mut self, pass: &Decision, mark: Detail) {
        if self.is_permit() && pass.is_permit() {
            self.basis = pass.basis;
            self.unbased = pass.unbased;
            self.obligations = self.obligations.union(pass.obligations);
            self.keep_earlier_dues(pass);
            for reason in pass.reasons() {
                self.push_reason(*reason);
            }
            return;
        }
        if self.is_permit() {
            // Only the later pass denied: its reasons are the answer.
            self.reason_count = 0;
            self.reasons_truncated = false;
            self.obligations = ObligationSet::EMPTY;
            self.dues = [None; DATED.len()];
        }
        self.effect = Effect::Deny;
        self.basis = None;
        if !pass.is_permit() {
            self.obligations = self.obligations.union(pass.obligations);
            for (mine, theirs) in self.dues.iter_mut().zip(pass.dues) {
                *mine = mine.or(theirs);
            }
            for reason in pass.reasons() {
                let reason = match reason.detail() {
                    None if reason.code.denies() => reason.with_detail(mark),
                    _ => *reason,
                };
                self.push_reason(reason);
            }
        }
        self.remove_obligation(ObligationCode::RetainUntil);
        self.reasons_truncated |= pass.reasons_truncated;
    }

    /// Adds `other`'s deny reasons (both decisions deny; what the other way
    /// of deciding lacks is said too).
    pub(crate) fn add_reasons_of(&mut self, other: &Decision) {
        for reason in other.reasons().iter().filter(|r| r.code.denies()) {
            self.push_reason(*reason);
        }
        self.reasons_truncated |= other.reasons_truncated;
    }

    /// Combines the decision for a subject of unknown age decided as an
    /// adult (`self`) with the same request decided as a child: a permit
    /// only when both permit (obligations: the union). When only the adult
    /// path permits, the reason is `age_unknown` (the child path's rule
    /// cited); when the adult path denies, its reasons stand.
    pub(crate) fn combine_unknown_age(&mut self, child: &Decision) {
        match (self.is_permit(), child.is_permit()) {
            (true, true) => {
                self.obligations = self.obligations.union(child.obligations);
                // The child's duties bind too: a shorter retention for a
                // child's data is the one kept.
                self.keep_earlier_dues(child);
                // The permit rests on the child path's rules as well: an
                // auditor sees each rule either path relied on.
                for &reason in child.reasons() {
                    if reason.code == ReasonCode::RulePermits
                        && !self
                            .reasons()
                            .iter()
                            .any(|r| r.code == reason.code && r.rule == reason.rule)
                    {
                        self.push_reason(reason);
                    }
                }
            }
            (true, false) => {
                let rule = child.reasons().iter().find_map(|r| r.rule);
                // The reasons become `age_unknown` followed by the adult
                // path's informational ones, in their order: kept in place
                // (they are distinct already, and none is `age_unknown`),
                // then moved one slot on; one past the limit is dropped.
                let mut kept = 0;
                for nth in 0..usize::from(self.reason_count) {
                    let Some(&reason) = self.reasons.get(nth) else {
                        break;
                    };
                    if !reason.code.denies() && reason.code != ReasonCode::RulePermits {
                        if let Some(slot) = self.reasons.get_mut(kept) {
                            *slot = reason;
                        }
                        kept += 1;
                    }
                }
                self.reasons_truncated = kept >= MAX_REASONS;
                let kept = kept.min(MAX_REASONS - 1);
                self.reasons.copy_within(..kept, 1);
                if let Some(first) = self.reasons.first_mut() {
                    *first = Reason::new(ReasonCode::AgeUnknown, rule, None)
                        .with_detail(Detail::AsChild);
                }
                self.reason_count = u8::try_from(kept + 1).unwrap_or(u8::MAX);
                self.deny();
            }
            (false, true) => {
                let rule = self.reasons().iter().find_map(|r| r.rule);
                self.push_reason(Reason::new(ReasonCode::AgeUnknown, rule, None));
            }
            (false, false) => {
                // What must happen to the data is the stricter of the two:
                // a child's data is deleted, never anonymized.
                self.obligations = self.obligations.union(child.obligations);
                // The child's duties bind too: a shorter retention for a
                // child's data is the one kept.
                self.keep_earlier_dues(child);
                if self.obligations.contains(ObligationCode::Delete) {
                    self.remove_obligation(ObligationCode::DeleteOrAnonymize);
                }
            }
        }
    }

    /// Makes the decision a deny: no basis, no obligations but the dated
    /// ones a deny carries (`delete`, `delete_or_anonymize`).
    pub(crate) fn deny(&mut self) {
        self.effect = Effect::Deny;
        self.basis = None;
        let keep = ObligationSet::EMPTY
            .with(ObligationCode::Delete)
            .with(ObligationCode::DeleteOrAnonymize)
            .with(ObligationCode::RestrictToStorage);
        self.obligations = self.obligations.intersection(keep);
        for (slot, code) in self.dues.iter_mut().zip(DATED) {
            if !keep.contains(code) {
                *slot = None;
            }
        }
    }

    /// Removes an obligation (and its date).
    pub(crate) fn remove_obligation(&mut self, code: ObligationCode) {
        self.obligations = self.obligations.without(code);
        if let Some(slot) = code.dated_slot().and_then(|slot| self.dues.get_mut(slot)) {
            *slot = None;
        }
    }
}

impl ReasonCode {
    /// Whether a reason with this code makes the decision a deny. The others
    /// explain a permit (`rule_permits`, `not_personal_information`) or only
    /// report a finding (`combined_as_personal_information`,
    /// `resident_id_invalid`: the id is ignored as an age source).
    pub const fn denies(self) -> bool {
        !matches!(
            self,
            ReasonCode::RulePermits
                | ReasonCode::NotPersonalInformation
                | ReasonCode::CombinedAsPersonalInformation
                | ReasonCode::ResidentIdInvalid
        )
    }
}

/// `2027-01-01` for a date, the event's wire name (`until_deregistration`)
/// for an event: the words a decision document uses.
impl std::fmt::Display for Due {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Due::Date(date) => write!(f, "{date}"),
            Due::Event(event) => write!(f, "{event}"),
        }
    }
}

/// Shows what the decision holds: only the reasons it has (not the unused
/// slots of its inline array), and the obligations with their due dates.
impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision")
            .field("effect", &self.effect)
            .field("basis", &self.basis)
            .field("obligations", &self.obligations().collect::<Vec<_>>())
            .field("reasons", &self.reasons())
            .field("reasons_truncated", &self.reasons_truncated)
            .field("age", &self.age)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Combining decisions shortens the reason list without clearing the
    /// slots behind it: equality must read what the decision says, not
    /// what its storage still holds.
    /// An unknown age permitted as adult and as child keeps the child's
    /// earlier dates (a shorter retention for children's data binds).
    #[test]
    fn an_unknown_age_keeps_the_earlier_of_both_dates() {
        let date = |d: u32| Due::Date(NaiveDate::from_ymd_opt(2027, 1, d).unwrap());
        let mut adult = Decision::new();
        adult.set_effect(Effect::Permit);
        adult.add_dated(ObligationCode::RetainUntil, date(20));
        adult.add_dated(
            ObligationCode::Delete,
            Due::Event(RetentionEvent::Deregistration),
        );
        let mut child = Decision::new();
        child.set_effect(Effect::Permit);
        child.add_dated(ObligationCode::RetainUntil, date(10));
        child.add_dated(ObligationCode::Delete, date(25));
        let mut later_child = adult.clone();
        adult.combine_unknown_age(&child);
        assert_eq!(adult.due(ObligationCode::RetainUntil), Some(date(10)));
        assert_eq!(adult.due(ObligationCode::Delete), Some(date(25)));
        let mut child_later = Decision::new();
        child_later.set_effect(Effect::Permit);
        child_later.add_dated(ObligationCode::RetainUntil, date(30));
        later_child.combine_unknown_age(&child_later);
        assert_eq!(later_child.due(ObligationCode::RetainUntil), Some(date(20)));
    }

    #[test]
    fn equal_decisions_say_the_same_whatever_their_storage_holds() {
        let mut a = Decision::new();
        a.push_reason(Reason::new(ReasonCode::BasisMissing, None, None));
        a.push_reason(Reason::new(ReasonCode::ConsentMissing, None, None));
        let mut b = Decision::new();
        b.push_reason(Reason::new(ReasonCode::BasisMissing, None, None));
        assert_ne!(a, b);
        a.reason_count = 1;
        assert_eq!(a, b);
        // A due date left behind by a removed obligation is not compared.
        let mut c = b.clone();
        c.add_dated(
            ObligationCode::RetainUntil,
            Due::Event(RetentionEvent::Deregistration),
        );
        assert_ne!(c, b);
        c.obligations = c.obligations.without(ObligationCode::RetainUntil);
        assert_eq!(c, b);
    }

    #[test]
    fn reasons_are_deduplicated_and_bounded() {
        let mut d = Decision::new();
        let r = Reason::new(ReasonCode::BasisMissing, None, None);
        d.push_reason(r);
        d.push_reason(r);
        assert_eq!(d.reasons().len(), 1);
        for i in 0..40 {
            d.push_reason(Reason::new(
                ReasonCode::NoMatchingRule,
                None,
                Some(CategoryId::from_index(i)),
            ));
        }
        assert_eq!(d.reasons().len(), MAX_REASONS);
        assert!(d.reasons_truncated());
    }

    #[test]
    fn dated_obligations_keep_their_date() {
        let mut d = Decision::new();
        let date = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        d.add_dated(ObligationCode::RetainUntil, Due::Date(date));
        d.add_obligation(ObligationCode::EncryptAtRest);
        let all: Vec<_> = d.obligations().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(d.due(ObligationCode::RetainUntil), Some(Due::Date(date)));
        assert_eq!(all[0].code(), ObligationCode::EncryptAtRest);
    }
}
