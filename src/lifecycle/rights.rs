//! Data-subject rights requests: what a host's privacy desk asks when a
//! request for access, a copy, portability, correction, deletion, consent
//! withdrawal, deregistration, an objection or a restriction comes in
//! (docs/wire-format.md).

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::basis::Basis;
use crate::decision::{Due, Effect, Obligation, ObligationCode};
use crate::engine::Engine;
use crate::lifecycle::record::LegalHold;
use crate::lifecycle::retention_plan::{backup_purge_by, days_after, disposal_code, home_date};
use crate::policy::Policy;
use crate::retention::Disposal;
use crate::subject::JurisdictionId;
use crate::subject::age_group::AgeGroup;
use crate::subject::region::RegionCode;
use crate::vocab::vocabulary;

vocabulary! {
    /// What the subject asks for (the seed's "How to manage your personal
    /// information"; PIPL arts. 44 to 47, GDPR arts. 7(3), 15 to 18, 20, 21).
    pub enum RightKind as "right" {
        /// See the personal information held (R-36).
        Access = "access",
        /// Obtain a copy of it (R-36, R-37). A host that still sends a
        /// transfer to another processor as a copy may refuse it with
        /// `portability_conditions_not_met`; [`RightKind::Portability`] lets
        /// the engine judge the conditions.
        Copy = "copy",
        /// Receive the data in a structured, machine-readable format, or
        /// have it transmitted to another controller (GDPR art. 20; PIPL art.
        /// 45(3)). Only for data processed on consent or contract (the
        /// request's [`basis`](RightsRequest::basis)), and under the GDPR
        /// only where the processing is automated
        /// ([`automated`](RightsRequest::automated)).
        Portability = "portability",
        /// Correct or complete it (R-38).
        Correction = "correction",
        /// Delete it (R-30, R-32).
        Deletion = "deletion",
        /// Withdraw consent (R-39).
        Withdrawal = "withdrawal",
        /// Deregister the account (R-34).
        Deregistration = "deregistration",
        /// Object to processing (GDPR art. 21; PIPL art. 44, "refuse"): to
        /// direct marketing always; under the GDPR otherwise only to
        /// processing on legitimate interests or a public task (the
        /// request's [`basis`](RightsRequest::basis)), which must then stop
        /// unless the controller shows compelling legitimate grounds.
        Objection = "objection",
        /// Restrict processing to storage (GDPR art. 18; PIPL art. 44,
        /// "restrict"): under the GDPR on one of the grounds of art. 18(1)
        /// ([`RestrictionGround`]).
        Restriction = "restriction",
    }
}

vocabulary! {
    /// Why a subject asks for processing to be restricted (GDPR art.
    /// 18(1)(a) to (d)).
    pub enum RestrictionGround as "restriction ground" {
        /// The subject contests the data's accuracy: for the time it takes
        /// to verify it (art. 18(1)(a)).
        AccuracyContested = "accuracy_contested",
        /// The processing is unlawful and the subject asks for restriction
        /// instead of erasure (art. 18(1)(b)).
        UnlawfulProcessing = "unlawful_processing",
        /// The controller no longer needs the data, but the subject needs it
        /// for legal claims (art. 18(1)(c)).
        NeededForLegalClaims = "needed_for_legal_claims",
        /// The subject objected (art. 21(1)): while it is verified whether
        /// the controller's grounds override theirs (art. 18(1)(d)).
        ObjectionPending = "objection_pending",
    }
}

vocabulary! {
    /// A ground for refusing a rights request, to be stated with reasons
    ///).
    pub enum RefusalGround as "refusal ground" {
        /// Answering needs disproportionate technical means ("too many
        /// technical means"). Not a ground on its own for EU subjects (A-18).
        DisproportionateTechnicalMeans = "disproportionate_technical_means",
        /// The request is not directly related to the requester's identity.
        NotRelatedToIdentity = "not_related_to_identity",
        /// Objection: the controller shows compelling legitimate grounds for
        /// the processing that override the subject's interests, rights and
        /// freedoms, or needs it for legal claims (GDPR art. 21(1)). Never
        /// against direct marketing, and not a PIPL ground.
        CompellingLegitimateGrounds = "compelling_legitimate_grounds",
        /// Objection: the processing is not one the subject can object to
        /// (under the GDPR it rests on neither legitimate interests nor a
        /// public task; under PIPL a law requires it) and is not direct
        /// marketing. The engine finds it from the request's `basis`.
        NoRightToObject = "no_right_to_object",
        /// Portability (or a copy to be transferred): the conditions are not
        /// met (R-37; PIPL art. 45(3), GDPR art. 20). The engine finds it for
        /// a portability request from its `basis` and `automated`.
        PortabilityConditionsNotMet = "portability_conditions_not_met",
        /// The request repeats earlier ones without reason: only beyond the
        /// policy's `fee_threshold`, and for EU subjects only when manifestly
        /// excessive (R-42, A-17).
        RepeatedWithoutReason = "repeated_without_reason",
        /// Answering would harm the lawful rights and interests of others
        /// (GDPR art. 15(4)).
        RisksOthersRights = "risks_others_rights",
        /// Access or copy: a law requires the information to be kept secret
        /// (PIPL art. 18(1)).
        SecrecyRequiredByLaw = "secrecy_required_by_law",
        /// The request is unrealistic. Not a ground on its own for EU
        /// subjects (A-18).
        Unrealistic = "unrealistic",
    }
}

impl RefusalGround {
    /// The reason, stated for the requester.
    pub const fn statement(self) -> &'static str {
        match self {
            RefusalGround::CompellingLegitimateGrounds => {
                "there are compelling legitimate grounds for the processing which override the interests, rights and freedoms of the subject, or it is needed for legal claims"
            }
            RefusalGround::DisproportionateTechnicalMeans => {
                "answering the request would need disproportionate technical means"
            }
            RefusalGround::NoRightToObject => {
                "the processing objected to is not one the subject can object to: it does not rest on legitimate interests or a public task (or a law requires it), and it is not direct marketing; processing on consent stops when the consent is withdrawn"
            }
            RefusalGround::NotRelatedToIdentity => {
                "the request is not directly related to the requester's identity"
            }
            RefusalGround::PortabilityConditionsNotMet => {
                "the conditions for portability are not met: the information must have been provided on consent or for a contract (and, for the GDPR, be processed by automated means)"
            }
            RefusalGround::RepeatedWithoutReason => {
                "the request repeats earlier requests without reason, beyond a reasonable number"
            }
            RefusalGround::RisksOthersRights => {
                "answering the request would harm the lawful rights and interests of others"
            }
            RefusalGround::SecrecyRequiredByLaw => {
                "a law requires the information to be kept secret"
            }
            RefusalGround::Unrealistic => "the request cannot realistically be carried out",
        }
    }

    /// Whether the ground may apply to a request of this kind.
    const fn fits(self, kind: RightKind) -> bool {
        match (self, kind) {
            (_, RightKind::Withdrawal) => false,
            (RefusalGround::PortabilityConditionsNotMet, kind) => {
                matches!(kind, RightKind::Copy | RightKind::Portability)
            }
            (RefusalGround::SecrecyRequiredByLaw, kind) => {
                matches!(
                    kind,
                    RightKind::Access | RightKind::Copy | RightKind::Portability
                )
            }
            (RefusalGround::CompellingLegitimateGrounds | RefusalGround::NoRightToObject, kind) => {
                matches!(kind, RightKind::Objection)
            }
            _ => true,
        }
    }

    /// Whether the GDPR knows the ground only alongside another one (A-18).
    const fn is_supporting_only_under_gdpr(self) -> bool {
        matches!(
            self,
            RefusalGround::DisproportionateTechnicalMeans | RefusalGround::Unrealistic
        )
    }
}

vocabulary! {
    /// Who makes a rights request.
    pub enum RequesterKind as "requester" {
        /// Someone the subject authorised (R-44).
        Agent = "agent",
        /// The subject's guardian (for a child: R-44, CAC-2019 art. 19).
        Guardian = "guardian",
        /// The subject themself (a child too).
        Subject = "subject",
    }
}

/// Whether a requester other than the subject has shown that they may act
/// for the subject (proof of guardianship, a power of attorney).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Authorisation {
    /// No evidence yet: the request is denied until there is (R-44).
    Missing,
    /// The host verified the evidence.
    Verified,
}

/// Who makes a rights request: the subject, or a guardian or agent with
/// their authorisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Requester {
    /// Someone the subject authorised.
    Agent(Authorisation),
    /// The subject's guardian.
    Guardian(Authorisation),
    /// The subject themself.
    Subject,
}

impl Requester {
    /// The kind of requester.
    pub const fn kind(self) -> RequesterKind {
        match self {
            Requester::Agent(_) => RequesterKind::Agent,
            Requester::Guardian(_) => RequesterKind::Guardian,
            Requester::Subject => RequesterKind::Subject,
        }
    }

    /// Whether the requester may act for the subject: the subject always;
    /// anyone else with verified authorisation.
    pub const fn is_authorised(self) -> bool {
        matches!(
            self,
            Requester::Subject
                | Requester::Agent(Authorisation::Verified)
                | Requester::Guardian(Authorisation::Verified)
        )
    }
}

/// Whether the requester's identity has been verified (account check,
/// written request, other reasonable means: R-41, GDPR art. 12(6)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentityStatus {
    /// Not yet: the request is denied until it is, and the clock runs.
    Unverified,
    /// Verified.
    Verified,
}

/// A data-subject rights request, as the privacy desk received it.
///
/// The defaults are the strict ones: a request by the subject, identity
/// unverified, subject of unknown age in the policy's home jurisdiction, no
/// earlier requests, not shown to be manifestly excessive, no refusal.
///
/// # Example: an access request received on 3 November
///
/// ```
/// use chrono::{DateTime, NaiveDate};
/// use lawful::Engine;
/// use lawful::lifecycle::{IdentityStatus, RightKind, RightsRequest};
///
/// let engine = Engine::builtin();
/// let received = DateTime::parse_from_rfc3339("2025-11-03T09:30:00+08:00")?;
/// let request = RightsRequest::new(RightKind::Access, received).identity(IdentityStatus::Verified);
/// let response = engine.rights_request(&request);
/// assert!(response.is_permit());
/// assert_eq!(response.respond_by(), NaiveDate::from_ymd_opt(2025, 11, 18).ok_or("date")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsRequest {
    kind: RightKind,
    received_at: DateTime<FixedOffset>,
    requester: Requester,
    identity: IdentityStatus,
    jurisdiction: Option<JurisdictionId>,
    age: AgeGroup,
    earlier: Vec<(RightKind, DateTime<FixedOffset>)>,
    manifestly_excessive: bool,
    refusal: Vec<RefusalGround>,
    legal_hold: Option<LegalHold>,
    next_backup_cycle: Option<NaiveDate>,
    basis: Option<Basis>,
    automated: Option<bool>,
    direct_marketing: bool,
    restriction_ground: Option<RestrictionGround>,
    extension_notified_at: Option<DateTime<FixedOffset>>,
}

impl RightsRequest {
    /// A request of `kind` received at `received_at` (the clock starts
    /// then: calendar days from receipt).
    pub fn new(kind: RightKind, received_at: DateTime<FixedOffset>) -> RightsRequest {
        RightsRequest {
            kind,
            received_at,
            requester: Requester::Subject,
            identity: IdentityStatus::Unverified,
            jurisdiction: None,
            age: AgeGroup::Unknown,
            earlier: Vec::new(),
            manifestly_excessive: false,
            refusal: Vec::new(),
            legal_hold: None,
            next_backup_cycle: None,
            basis: None,
            automated: None,
            direct_marketing: false,
            restriction_ground: None,
            extension_notified_at: None,
        }
    }

    /// Who makes the request (default: the subject).
    #[must_use]
    pub fn requester(mut self, requester: Requester) -> RightsRequest {
        self.requester = requester;
        self
    }

    /// Whether the requester's identity is verified (default: not yet).
    #[must_use]
    pub fn identity(mut self, status: IdentityStatus) -> RightsRequest {
        self.identity = status;
        self
    }

    /// The subject's jurisdiction: EU and EEA subjects get the GDPR's
    /// deadline and fee rules too.
    #[must_use]
    pub fn jurisdiction(mut self, jurisdiction: JurisdictionId) -> RightsRequest {
        self.jurisdiction = Some(jurisdiction);
        self
    }

    /// The subject's age group (default unknown; see [`Engine::age_group`]).
    /// Decides how deregistration and withdrawal dispose of the data.
    #[must_use]
    pub fn age_group(mut self, age: AgeGroup) -> RightsRequest {
        self.age = age;
        self
    }

    /// An earlier request by the same subject, of `kind`, received at `at`.
    /// Those of the same kind within the policy's `fee_window` before this
    /// one count towards the `fee_threshold`.
    #[must_use]
    pub fn earlier_request(mut self, kind: RightKind, at: DateTime<FixedOffset>) -> RightsRequest {
        self.earlier.push((kind, at));
        self
    }

    /// The controller has shown the request to be manifestly unfounded or
    /// excessive (GDPR art. 12(5)): needed before an EU subject's repeated
    /// request may be charged for or refused.
    #[must_use]
    pub fn manifestly_excessive(mut self) -> RightsRequest {
        self.manifestly_excessive = true;
        self
    }

    /// The host proposes to refuse on this ground; the engine says whether
    /// it stands.
    #[must_use]
    pub fn refusal_ground(mut self, ground: RefusalGround) -> RightsRequest {
        if !self.refusal.contains(&ground) {
            self.refusal.push(ground);
        }
        self
    }

    /// A law requires the subject's data to be kept (deletion,
    /// deregistration and withdrawal then keep it in restricted storage
    /// until the hold ends: R-31).
    #[must_use]
    pub fn legal_hold(mut self, hold: LegalHold) -> RightsRequest {
        self.legal_hold = Some(hold);
        self
    }

    /// The host's next backup cycle (the backup purge is due then, capped
    /// by the policy's `backup_lag`).
    #[must_use]
    pub fn next_backup_cycle(mut self, date: NaiveDate) -> RightsRequest {
        self.next_backup_cycle = Some(date);
        self
    }

    /// The lawful basis of the processing the request is about: what a
    /// portability request (consent or contract) and an objection
    /// (legitimate interests or a public task, under the GDPR) turn on.
    /// Without it, such a request is denied with `processing_facts_missing`
    /// until the host says.
    #[must_use]
    pub fn basis(mut self, basis: Basis) -> RightsRequest {
        self.basis = Some(basis);
        self
    }

    /// Whether the processing is carried out by automated means: a
    /// condition of portability under the GDPR (art. 20(1)(b)). Unsaid, a
    /// GDPR subject's portability request is denied with
    /// `processing_facts_missing`.
    #[must_use]
    pub fn automated(mut self, automated: bool) -> RightsRequest {
        self.automated = Some(automated);
        self
    }

    /// The objection is to processing for direct marketing (profiling
    /// included): it must stop, whatever its basis, and cannot be refused
    /// or charged for (GDPR art. 21(2), (3); PIPL art. 24(2)).
    #[must_use]
    pub fn direct_marketing(mut self) -> RightsRequest {
        self.direct_marketing = true;
        self
    }

    /// The ground of a restriction request (GDPR art. 18(1)); needed for a
    /// GDPR subject's.
    #[must_use]
    pub fn restriction_ground(mut self, ground: RestrictionGround) -> RightsRequest {
        self.restriction_ground = Some(ground);
        self
    }

    /// The controller told the subject, with reasons, at `at` that it
    /// extends the time to answer (GDPR art. 12(3): by two further months,
    /// notice within the first month). See [`RightsResponse`] for when the
    /// extension holds.
    ///
    /// # Example: a policy that promises no more than the GDPR
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use lawful::Engine;
    /// use lawful::lifecycle::{IdentityStatus, RightKind, RightsReasonCode, RightsRequest};
    ///
    /// // `response_days = 92`: never earlier than three months, so the
    /// // GDPR's month (and its extension) decide.
    /// let engine = Engine::from_toml(
    ///     &Engine::builtin_source().replace("response_days = 15", "response_days = 92"),
    /// )?;
    /// let at = |s| DateTime::parse_from_rfc3339(s);
    /// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or("date");
    /// let request = RightsRequest::new(RightKind::Access, at("2026-01-31T10:00:00+08:00")?)
    ///     .identity(IdentityStatus::Verified)
    ///     .jurisdiction(engine.jurisdiction("DE")?)
    ///     .extension_notified(at("2026-02-20T10:00:00+08:00")?);
    /// let response = engine.rights_request(&request);
    /// assert_eq!(response.respond_by(), date(2026, 2, 28)?);
    /// assert_eq!(response.extended_respond_by(), Some(date(2026, 4, 30)?));
    /// assert!(response.has_reason(RightsReasonCode::DeadlineExtended));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn extension_notified(mut self, at: DateTime<FixedOffset>) -> RightsRequest {
        self.extension_notified_at = Some(at);
        self
    }

    /// What is asked for.
    pub fn kind(&self) -> RightKind {
        self.kind
    }

    /// When it was received.
    pub fn received_at(&self) -> DateTime<FixedOffset> {
        self.received_at
    }

    /// The lawful basis of the processing concerned, if the request says.
    pub fn processing_basis(&self) -> Option<Basis> {
        self.basis
    }
}

vocabulary! {
    /// Why a rights request came out as it did.
    pub enum RightsReasonCode as "rights reason" {
        /// The request is to be carried out by the respond-by date.
        RequestAccepted = "request_accepted",
        /// The requester's identity is not verified yet (R-41): denied until
        /// it is; the respond-by clock keeps running.
        IdentityUnverified = "identity_unverified",
        /// A guardian or agent without verified authorisation (R-44).
        RequesterUnauthorised = "requester_unauthorised",
        /// Refused, on the ground given (R-43): the reasons and remedies
        /// must be stated to the requester.
        Refused = "refused",
        /// The refusal ground given cannot stand for this request (wrong
        /// kind, first request, A-17, A-18): the request must be answered.
        RefusalGroundInvalid = "refusal_ground_invalid",
        /// More same-kind requests in the window than the policy's
        /// `fee_threshold`: the administrative cost may be charged, once
        /// announced (R-42).
        RepeatedRequest = "repeated_request",
        /// Repeated beyond the threshold, but no fee or refusal is allowed:
        /// an EU subject's request not shown to be manifestly excessive, or
        /// a consent withdrawal.
        FeeNotJustified = "fee_not_justified",
        /// A law requires the data to be kept: it stays in restricted
        /// storage until the hold ends, then is disposed of (R-31).
        LegalRetention = "legal_retention",
        /// The request does not give what the right turns on: the `basis`
        /// of the processing (portability, objection), whether it is
        /// `automated` (a GDPR subject's portability), the
        /// `restriction_ground` (a GDPR subject's restriction). Denied
        /// until the host says; the clock keeps running.
        ProcessingFactsMissing = "processing_facts_missing",
        /// The time to answer is extended (GDPR art. 12(3)): the subject was
        /// told within the first month; the answer is due by
        /// `extended_respond_by`.
        DeadlineExtended = "deadline_extended",
        /// The extension the request reports does not hold: the subject is
        /// not under the GDPR, the notice came after the respond-by date
        /// (or before the request), or the policy's `response_days` ends
        /// no later anyway. The respond-by date stands.
        ExtensionInvalid = "extension_invalid",
    }
}

/// One reason of a [`RightsResponse`]: a code, and for refusals the ground.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RightsReason {
    code: RightsReasonCode,
    ground: Option<RefusalGround>,
}

impl RightsReason {
    const fn new(code: RightsReasonCode) -> RightsReason {
        RightsReason { code, ground: None }
    }

    const fn ground(code: RightsReasonCode, ground: RefusalGround) -> RightsReason {
        RightsReason {
            code,
            ground: Some(ground),
        }
    }

    /// The reason code.
    pub fn code(&self) -> RightsReasonCode {
        self.code
    }

    /// The refusal ground it is about (`refused`, `refusal_ground_invalid`).
    pub fn refusal_ground(&self) -> Option<RefusalGround> {
        self.ground
    }
}

/// The engine's answer to a [`RightsRequest`]: permit (carry it out) or
/// deny (not yet, or refused), the respond-by date, the obligations and the
/// reasons.
///
/// - **Respond by** the received date (home calendar) plus the policy's
///   `response_days`, calendar days from receipt (A-16); for EU and EEA
///   subjects the earlier of that and `eu_response_months` months (R-40).
/// - **Extension** (GDPR art. 12(3)): when the request reports that the
///   subject was told of an extension, with reasons, no later than the
///   respond-by date, an EU or EEA subject's answer is due by the earlier of
///   `response_days` after receipt and `eu_response_months` plus two months
///   after receipt (`deadline_extended`, [`RightsResponse::extended_respond_by`]).
///   The policy's `response_days` is a promise the extension cannot break:
///   under the built-in policy (15 days) nothing is ever extended. Otherwise
///   `extension_invalid`, and the respond-by date stands. The `respond_by`
///   obligation carries the date the answer is due
///   ([`RightsResponse::deadline`]).
/// - **Identity first** (R-41): while unverified, deny with
///   `identity_unverified` and `verify_identity`; the clock keeps running.
///   A guardian or agent without verified authorisation is denied with
///   `requester_unauthorised` (R-44).
/// - **Repeated requests** (R-42, A-17): when this request and the earlier
///   ones of the same kind received within the policy's `fee_window` number
///   more than `fee_threshold`, the permit carries `fee_notice` (the
///   administrative cost, announced before charging). The first request is
///   always free; an EU subject's only when shown manifestly excessive;
///   a consent withdrawal never (withdrawing must be as easy as consenting,
///   GDPR art. 7(3)).
/// - **Refusals** (R-43) carry each ground that stands as a `refused`
///   reason with its statement, and [`RightsResponse::remedies`]; grounds
///   that cannot stand are reported as `refusal_ground_invalid` and the
///   request is answered. Consent withdrawal cannot be refused (PIPL art.
///   15: "at any time").
/// - **Portability** (GDPR art. 20, PIPL art. 45(3)): the request's
///   `basis` must be consent or contract, and for an EU or EEA subject the
///   processing `automated`; otherwise refused with
///   `portability_conditions_not_met`. Not said: denied with
///   `processing_facts_missing`.
/// - **Objection** (GDPR art. 21; PIPL arts. 24(2), 44): to direct
///   marketing, always permitted, never refused or charged for. Otherwise an
///   EU or EEA subject may object only to processing on legitimate interests
///   or a public task, a PRC subject to any processing a law does not
///   require (not a legal obligation); else refused with
///   `no_right_to_object`. The controller may refuse a GDPR objection on
///   `compelling_legitimate_grounds`. A permit carries `honour_objection`:
///   stop the processing objected to.
/// - **Restriction** (GDPR art. 18; PIPL art. 44): an EU or EEA subject's
///   needs a [`RestrictionGround`]. A permit carries `restrict_to_storage`
///   (only storage, or processing with the subject's consent, for legal
///   claims, to protect another person or for an important public interest)
///   and `notify_subject` (tell the subject before the restriction is
///   lifted). While it lasts the host sends `legal_hold` in its decision
///   requests about the subject's data, so `decide()` keeps it in storage.
/// - **Deletion** (R-32): `delete` by the respond-by date, `backup_purge`
///   by the next backup cycle capped by `backup_lag`, and
///   `restrict_to_storage` for the backups until then. **Deregistration**
///   (R-34) and **withdrawal** (R-39, for the data that rested on the
///   consent) do the same with the age group's disposal: adults
///   `delete_or_anonymize`, children (and unknown ages) `delete`. Under a
///   legal hold, the disposal waits for the hold to end, in restricted
///   storage (`legal_hold`, R-31).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsResponse {
    kind: RightKind,
    effect: Effect,
    respond_by: NaiveDate,
    extended_respond_by: Option<NaiveDate>,
    gdpr: bool,
    same_kind_in_window: u32,
    obligations: Vec<Obligation>,
    reasons: Vec<RightsReason>,
}

impl RightsResponse {
    /// What was asked for.
    pub fn kind(&self) -> RightKind {
        self.kind
    }

    /// Permit (carry it out) or deny (not yet verified, unauthorised, or refused).
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the request is to be carried out.
    pub fn is_permit(&self) -> bool {
        self.effect == Effect::Permit
    }

    /// The date by which the requester must have an answer (a refusal
    /// too), before any extension; a notice of extension must reach the
    /// subject by then.
    pub fn respond_by(&self) -> NaiveDate {
        self.respond_by
    }

    /// The extended date, when the request reports an extension that holds
    /// (GDPR art. 12(3), reason `deadline_extended`).
    pub fn extended_respond_by(&self) -> Option<NaiveDate> {
        self.extended_respond_by
    }

    /// The date the answer is due: the extended date if there is one, else
    /// the respond-by date. The `respond_by` obligation carries it.
    pub fn deadline(&self) -> NaiveDate {
        self.extended_respond_by.unwrap_or(self.respond_by)
    }

    /// Whether the GDPR's rules applied (an EU or EEA subject).
    pub fn gdpr_applies(&self) -> bool {
        self.gdpr
    }

    /// How many requests of this kind, this one included, fell in the
    /// policy's `fee_window`.
    pub fn requests_in_window(&self) -> u32 {
        self.same_kind_in_window
    }

    /// The obligations, with their dates.
    pub fn obligations(&self) -> &[Obligation] {
        &self.obligations
    }

    /// Whether the response carries the obligation.
    pub fn has_obligation(&self, code: ObligationCode) -> bool {
        self.obligations.iter().any(|o| o.code() == code)
    }

    /// The due date of an obligation the response carries.
    pub fn due(&self, code: ObligationCode) -> Option<Due> {
        self.obligations
            .iter()
            .find(|o| o.code() == code)
            .and_then(Obligation::due)
    }

    /// The reasons, most important first.
    pub fn reasons(&self) -> &[RightsReason] {
        &self.reasons
    }

    /// Whether the response carries a reason with this code.
    pub fn has_reason(&self, code: RightsReasonCode) -> bool {
        self.reasons.iter().any(|r| r.code == code)
    }

    /// The grounds the request is refused on.
    pub fn refusal_grounds(&self) -> impl Iterator<Item = RefusalGround> + '_ {
        self.reasons
            .iter()
            .filter(|r| r.code == RightsReasonCode::Refused)
            .filter_map(|r| r.ground)
    }

    /// For a refusal, the remedies the requester must be told of (PIPL art.
    /// 50; GDPR art. 12(4) for EU subjects).
    pub fn remedies(&self) -> Option<&'static str> {
        if !self.has_reason(RightsReasonCode::Refused) {
            None
        } else if self.gdpr {
            Some(
                "you may lodge a complaint with a supervisory authority and seek a judicial remedy (GDPR art. 12(4))",
            )
        } else {
            Some("you may bring a lawsuit in a people's court (PIPL art. 50)")
        }
    }
}

/// EU member states and the EEA states where the GDPR applies.
const GDPR_REGIONS: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS",
    "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Whether the GDPR applies to subjects of this region.
pub(crate) fn gdpr_applies(code: RegionCode) -> bool {
    GDPR_REGIONS.contains(&code.as_str())
}

impl Engine {
    /// The policy clause behind rights requests (`[rights] clause`), for
    /// explanations.
    pub fn rights_clause(&self) -> Option<&str> {
        self.policy().rights.clause.as_deref()
    }

    /// Answers a data-subject rights request: permit or deny, by when, the
    /// obligations and the reasons (see [`RightsResponse`] for the rules).
    /// Never fails.
    ///
    /// # Example: the fourth access request within 30 days
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::Engine;
    /// use lawful::decision::ObligationCode;
    /// use lawful::lifecycle::{IdentityStatus, RightKind, RightsRequest};
    ///
    /// let engine = Engine::builtin();
    /// let at = |s| DateTime::parse_from_rfc3339(s);
    /// let request = RightsRequest::new(RightKind::Access, at("2025-11-20T10:00:00+08:00")?)
    ///     .identity(IdentityStatus::Verified)
    ///     .earlier_request(RightKind::Access, at("2025-11-01T10:00:00+08:00")?)
    ///     .earlier_request(RightKind::Access, at("2025-11-08T10:00:00+08:00")?)
    ///     .earlier_request(RightKind::Access, at("2025-11-15T10:00:00+08:00")?);
    /// let response = engine.rights_request(&request);
    /// assert!(response.is_permit());
    /// assert!(response.has_obligation(ObligationCode::FeeNotice));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Example: an objection to processing on legitimate interests
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::{Basis, Engine};
    /// use lawful::decision::ObligationCode;
    /// use lawful::lifecycle::{IdentityStatus, RefusalGround, RightKind, RightsRequest};
    ///
    /// let engine = Engine::builtin();
    /// let received = DateTime::parse_from_rfc3339("2026-03-02T10:00:00+01:00")?;
    /// let objection = RightsRequest::new(RightKind::Objection, received)
    ///     .identity(IdentityStatus::Verified)
    ///     .jurisdiction(engine.jurisdiction("DE")?)
    ///     .basis(Basis::LegitimateInterests);
    /// let response = engine.rights_request(&objection);
    /// assert!(response.is_permit());
    /// assert!(response.has_obligation(ObligationCode::HonourObjection));
    /// // Unless the controller shows compelling legitimate grounds.
    /// let response = engine.rights_request(
    ///     &objection.refusal_ground(RefusalGround::CompellingLegitimateGrounds),
    /// );
    /// assert!(!response.is_permit());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Example: a deletion request
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use lawful::Engine;
    /// use lawful::decision::{Due, ObligationCode};
    /// use lawful::lifecycle::{IdentityStatus, RightKind, RightsRequest};
    ///
    /// let engine = Engine::builtin();
    /// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or("date");
    /// let received = DateTime::parse_from_rfc3339("2025-11-28T10:00:00+08:00")?;
    /// let request = RightsRequest::new(RightKind::Deletion, received)
    ///     .identity(IdentityStatus::Verified)
    ///     .next_backup_cycle(date(2025, 12, 10)?);
    /// let response = engine.rights_request(&request);
    /// assert_eq!(response.due(ObligationCode::Delete), Some(Due::Date(date(2025, 12, 13)?)));
    /// assert_eq!(response.due(ObligationCode::BackupPurge), Some(Due::Date(date(2025, 12, 10)?)));
    /// assert!(response.has_obligation(ObligationCode::RestrictToStorage));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rights_request(&self, request: &RightsRequest) -> RightsResponse {
        let policy = self.policy();
        let gdpr = match request.jurisdiction {
            None => gdpr_applies(policy.home_jurisdiction().code()),
            // An id from another engine: the stricter rules.
            Some(id) => policy
                .jurisdiction(id)
                .is_none_or(|j| gdpr_applies(j.code())),
        };
        let received = home_date(policy, request.received_at);
        let respond_by = respond_by(policy, received, gdpr);
        let extension = request
            .extension_notified_at
            .map(|at| extended(policy, received, respond_by, gdpr, home_date(policy, at)));
        let extended_respond_by = extension.flatten();
        let deadline = extended_respond_by.unwrap_or(respond_by);
        let same_kind_in_window = same_kind_in_window(policy, request);
        let mut response = RightsResponse {
            kind: request.kind,
            effect: Effect::Deny,
            respond_by,
            extended_respond_by,
            gdpr,
            same_kind_in_window,
            obligations: vec![Obligation::new(
                ObligationCode::RespondBy,
                Some(Due::Date(deadline)),
            )],
            reasons: Vec::new(),
        };
        let extension_reason = match extension {
            None => None,
            Some(Some(_)) => Some(RightsReason::new(RightsReasonCode::DeadlineExtended)),
            Some(None) => Some(RightsReason::new(RightsReasonCode::ExtensionInvalid)),
        };

        // Identity and authorisation first. A withdrawal only stops
        // processing, and must be as easy as consenting (PIPL art. 15, GDPR
        // art. 7(3)): it needs no verified identity.
        if request.identity == IdentityStatus::Unverified && request.kind != RightKind::Withdrawal {
            response.reason(RightsReason::new(RightsReasonCode::IdentityUnverified));
        }
        if !request.requester.is_authorised() {
            response.reason(RightsReason::new(RightsReasonCode::RequesterUnauthorised));
        }
        if !response.reasons.is_empty() {
            response.oblige(ObligationCode::VerifyIdentity, None);
            response.reasons.extend(extension_reason);
            return response;
        }

        // What the right turns on (portability, objection, restriction).
        let facts = Facts::of(request, gdpr);
        // Direct marketing objections, like withdrawals, are absolute.
        let absolute = request.kind == RightKind::Withdrawal
            || (request.kind == RightKind::Objection && request.direct_marketing);

        // Repeated requests (R-42, A-17): the first is always free.
        let repeated =
            same_kind_in_window >= 2 && same_kind_in_window > policy.rights.fee_threshold;
        let chargeable = repeated && !absolute && (!gdpr || request.manifestly_excessive);

        // Refusal grounds (R-43, A-18), the host's and the engine's own.
        let refused = refuse(&mut response, request, facts, absolute, chargeable);
        if refused || facts == Facts::Missing {
            if !refused {
                response.reasons.insert(
                    0,
                    RightsReason::new(RightsReasonCode::ProcessingFactsMissing),
                );
            }
            response.reasons.extend(extension_reason);
            return response;
        }

        response.effect = Effect::Permit;
        response
            .reasons
            .insert(0, RightsReason::new(RightsReasonCode::RequestAccepted));
        if chargeable {
            response.reason(RightsReason::new(RightsReasonCode::RepeatedRequest));
            response.oblige(ObligationCode::FeeNotice, None);
        } else if repeated {
            response.reason(RightsReason::new(RightsReasonCode::FeeNotJustified));
        }
        response.reasons.extend(extension_reason);

        match request.kind {
            RightKind::Objection => response.oblige(ObligationCode::HonourObjection, None),
            RightKind::Restriction => {
                response.oblige(ObligationCode::RestrictToStorage, None);
                response.oblige(ObligationCode::NotifySubject, None);
            }
            _ => {}
        }

        dispose(policy, request, &mut response, received, deadline);
        response
    }
}

/// Judges the refusal grounds, the host's and the one the facts give;
/// reports each (`refused`, `refusal_ground_invalid`); whether any stands.
fn refuse(
    response: &mut RightsResponse,
    request: &RightsRequest,
    facts: Facts,
    absolute: bool,
    chargeable: bool,
) -> bool {
    let gdpr = response.gdpr;
    let mut grounds = request.refusal.clone();
    if let Facts::NotMet(ground) = facts {
        if !grounds.contains(&ground) {
            grounds.push(ground);
        }
    }
    let stands = |g: RefusalGround| {
        g.fits(request.kind)
            && !absolute
            && (g != RefusalGround::RepeatedWithoutReason || chargeable)
            && !(gdpr && g.is_supporting_only_under_gdpr())
            && facts.allows(g, gdpr)
    };
    let has_main_ground = grounds.iter().any(|&g| stands(g));
    let mut refused = false;
    for &ground in &grounds {
        let supporting = gdpr
            && has_main_ground
            && ground.is_supporting_only_under_gdpr()
            && ground.fits(request.kind);
        if stands(ground) || supporting {
            refused = true;
            response.reason(RightsReason::ground(RightsReasonCode::Refused, ground));
        } else {
            response.reason(RightsReason::ground(
                RightsReasonCode::RefusalGroundInvalid,
                ground,
            ));
        }
    }
    refused
}

/// Deletion, deregistration and withdrawal: the disposal by the deadline
/// (or when a legal hold ends, in restricted storage until then), and the
/// backup purge.
fn dispose(
    policy: &Policy,
    request: &RightsRequest,
    response: &mut RightsResponse,
    received: NaiveDate,
    deadline: NaiveDate,
) {
    let disposal = match request.kind {
        RightKind::Access
        | RightKind::Copy
        | RightKind::Portability
        | RightKind::Correction
        | RightKind::Objection
        | RightKind::Restriction => None,
        RightKind::Deletion => Some(Disposal::Delete),
        RightKind::Withdrawal | RightKind::Deregistration => {
            Some(request.age.disposal(policy.retention.disposal))
        }
    };
    if let Some(disposal) = disposal {
        let hold = request
            .legal_hold
            .as_ref()
            .filter(|h| h.is_active(request.received_at));
        let (start, by) = match hold {
            Some(hold) => {
                response.reason(RightsReason::new(RightsReasonCode::LegalRetention));
                let end = home_date(policy, hold.until());
                (end, deadline.max(end))
            }
            None => (received, deadline),
        };
        let purge = backup_purge_by(policy, start, by, request.next_backup_cycle);
        response.oblige(disposal_code(disposal), Some(Due::Date(by)));
        response.oblige(ObligationCode::BackupPurge, Some(Due::Date(purge)));
        response.oblige(ObligationCode::RestrictToStorage, None);
    }
}

/// What a request of a kind with conditions turns on, as the request states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Facts {
    /// The kind has no conditions the engine checks.
    None,
    /// The conditions are met.
    Met,
    /// They are not: the ground the engine refuses on.
    NotMet(RefusalGround),
    /// The request does not say.
    Missing,
}

impl Facts {
    fn of(request: &RightsRequest, gdpr: bool) -> Facts {
        use Basis as B;
        match request.kind {
            // GDPR art. 20(1); PIPL art. 45(3) with the 2024 network data
            // regulation's conditions (provided on consent or under contract).
            RightKind::Portability => match (request.basis, request.automated) {
                (Some(B::Consent | B::Contract), _) if !gdpr => Facts::Met,
                (None, _) | (Some(B::Consent | B::Contract), None) => Facts::Missing,
                (Some(B::Consent | B::Contract), Some(true)) => Facts::Met,
                _ => Facts::NotMet(RefusalGround::PortabilityConditionsNotMet),
            },
            // GDPR art. 21(1)-(3); PIPL arts. 24(2), 44 ("unless laws or
            // administrative regulations provide otherwise").
            RightKind::Objection if request.direct_marketing => Facts::Met,
            RightKind::Objection => match request.basis {
                None => Facts::Missing,
                Some(B::LegitimateInterests | B::PublicTask) if gdpr => Facts::Met,
                Some(B::LegalObligation) => Facts::NotMet(RefusalGround::NoRightToObject),
                Some(_) if gdpr => Facts::NotMet(RefusalGround::NoRightToObject),
                Some(_) => Facts::Met,
            },
            // GDPR art. 18(1); PIPL art. 44 names no conditions.
            RightKind::Restriction if gdpr && request.restriction_ground.is_none() => {
                Facts::Missing
            }
            RightKind::Restriction => Facts::Met,
            _ => Facts::None,
        }
    }

    /// Whether a refusal ground may stand given these facts: the grounds
    /// about the conditions only where they are not shown to be met, the
    /// controller's compelling grounds only against a GDPR objection the
    /// subject is entitled to make.
    fn allows(self, ground: RefusalGround, gdpr: bool) -> bool {
        match ground {
            RefusalGround::PortabilityConditionsNotMet | RefusalGround::NoRightToObject => {
                self != Facts::Met
            }
            RefusalGround::CompellingLegitimateGrounds => {
                gdpr && matches!(self, Facts::Met | Facts::Missing)
            }
            _ => true,
        }
    }
}

impl RightsResponse {
    fn reason(&mut self, reason: RightsReason) {
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }

    fn oblige(&mut self, code: ObligationCode, due: Option<Due>) {
        self.obligations.push(Obligation::new(code, due));
    }
}

/// The extended date of a GDPR subject's request whose extension was
/// notified on `notified` (home calendar): received plus `eu_response_months`
/// and two more months, no later than received plus `response_days`.
/// `None` when it does not hold: not GDPR, notified before receipt or after
/// the respond-by date, or no later than that date anyway.
fn extended(
    policy: &Policy,
    received: NaiveDate,
    respond_by: NaiveDate,
    gdpr: bool,
    notified: NaiveDate,
) -> Option<NaiveDate> {
    if !gdpr || notified < received || notified > respond_by {
        return None;
    }
    let months = policy.rights.eu_response_months.saturating_add(2);
    let extended = received.checked_add_months(chrono::Months::new(months))?;
    let days = days_after(received, policy.rights.response_days)?;
    Some(extended.min(days)).filter(|&date| date > respond_by)
}

/// Received plus `response_days`; for GDPR subjects no later than received
/// plus `eu_response_months` months. An overflow answers at once.
fn respond_by(policy: &Policy, received: NaiveDate, gdpr: bool) -> NaiveDate {
    let days = days_after(received, policy.rights.response_days).unwrap_or(received);
    if gdpr {
        let months = received
            .checked_add_months(chrono::Months::new(policy.rights.eu_response_months))
            .unwrap_or(received);
        days.min(months)
    } else {
        days
    }
}

/// This request and the earlier ones of its kind received within the
/// policy's `fee_window` before it.
fn same_kind_in_window(policy: &Policy, request: &RightsRequest) -> u32 {
    let window = policy.rights.fee_window;
    let earlier = request
        .earlier
        .iter()
        .filter(|&&(kind, at)| {
            kind == request.kind
                && at <= request.received_at
                && window.after(at).is_none_or(|end| end > request.received_at)
        })
        .count();
    u32::try_from(earlier).unwrap_or(u32::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn verified(kind: RightKind, received: &str) -> RightsRequest {
        RightsRequest::new(kind, at(received)).identity(IdentityStatus::Verified)
    }

    #[test]
    fn the_gdpr_regions_are_the_eea() {
        assert_eq!(GDPR_REGIONS.len(), 30);
        assert!(gdpr_applies(RegionCode::new("FR").unwrap()));
        assert!(!gdpr_applies(RegionCode::new("CN").unwrap()));
        assert!(!gdpr_applies(RegionCode::new("GB").unwrap()));
        let mut sorted = GDPR_REGIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, GDPR_REGIONS);
    }

    #[test]
    fn the_window_counts_only_the_same_kind_and_recent_requests() {
        let engine = Engine::builtin();
        let r = verified(RightKind::Access, "2025-12-01T10:00:00+08:00")
            .earlier_request(RightKind::Access, at("2025-11-01T10:00:00+08:00")) // 30 days: out
            .earlier_request(RightKind::Access, at("2025-11-01T10:00:01+08:00")) // in
            .earlier_request(RightKind::Copy, at("2025-11-20T10:00:00+08:00")) // other kind
            .earlier_request(RightKind::Access, at("2025-12-02T10:00:00+08:00")); // later
        assert_eq!(engine.rights_request(&r).requests_in_window(), 2);
    }

    #[test]
    fn withdrawal_is_never_refused_nor_charged() {
        let engine = Engine::builtin();
        let mut r = verified(RightKind::Withdrawal, "2025-11-20T10:00:00+08:00")
            .refusal_ground(RefusalGround::Unrealistic);
        for day in 1..=5 {
            r = r.earlier_request(
                RightKind::Withdrawal,
                at(&format!("2025-11-1{day}T10:00:00+08:00")),
            );
        }
        let response = engine.rights_request(&r);
        assert!(response.is_permit());
        assert!(!response.has_obligation(ObligationCode::FeeNotice));
        assert!(response.has_reason(RightsReasonCode::FeeNotJustified));
        assert!(response.has_reason(RightsReasonCode::RefusalGroundInvalid));
    }

    #[test]
    fn refusals_state_their_grounds_and_remedies() {
        let engine = Engine::builtin();
        let r = verified(RightKind::Access, "2025-11-20T10:00:00+08:00")
            .refusal_ground(RefusalGround::SecrecyRequiredByLaw);
        let response = engine.rights_request(&r);
        assert!(!response.is_permit());
        assert_eq!(
            response.refusal_grounds().collect::<Vec<_>>(),
            [RefusalGround::SecrecyRequiredByLaw]
        );
        assert!(response.remedies().unwrap().contains("PIPL art. 50"));
        assert_eq!(response.respond_by().to_string(), "2025-12-05");
    }
}
