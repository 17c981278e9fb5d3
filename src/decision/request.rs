//! One processing operation to decide on, built from resolved ids.

use chrono::{DateTime, FixedOffset};

use crate::action::Action;
use crate::category::CategoryId;
use crate::decision::evidence::Evidence;
use crate::moment::Moment;
use crate::purpose::PurposeId;
use crate::recipient::Recipient;
use crate::subject::Subject;
use crate::subject::region::RegionCode;
use crate::vocab::{BitSet, vocabulary};

vocabulary! {
    /// The legal mechanism for sending data abroad: PIPL art. 38 and the
    /// 2024 CAC provisions, GDPR chapter V.
    ///
    /// The 2024 exemptions are conditions the engine checks against the
    /// request rather than trusts: `exempt_contract` needs contract evidence,
    /// `exempt_hr` a purpose the policy marks `hr`, `exempt_emergency` an
    /// ongoing emergency and a `protective` purpose, `exempt_small_volume` no
    /// sensitive category (so never a child's data under PIPL) and a policy
    /// that is not `cii_operator`, `exempt_foreign_origin` a subject outside
    /// mainland China, `treaty` an `authority_approval`. GDPR `adequacy`
    /// holds only for a destination on the adequacy table, on a date its
    /// decision covers, for a recipient in its scope; a derogation names
    /// its art. 49 ground, each checked against its own evidence (a bare
    /// `derogation` is refused).
    pub enum TransferMechanism as "transfer mechanism" {
        /// PIPL: a security assessment by the Cyberspace Administration.
        SecurityAssessment = "security_assessment",
        /// PIPL: personal information protection certification.
        Certification = "certification",
        /// PIPL: the standard contract, filed.
        StandardContract = "standard_contract",
        /// PIPL (2024 provisions art. 5(1)): necessary for a contract with the subject.
        ExemptContract = "exempt_contract",
        /// PIPL (2024 provisions art. 5(2)): cross-border human-resources management.
        ExemptHr = "exempt_hr",
        /// PIPL (2024 provisions art. 5(3)): protecting life, health or property in an emergency.
        ExemptEmergency = "exempt_emergency",
        /// PIPL (2024 provisions art. 5(4)): under 100,000 people's non-sensitive data a year.
        ExemptSmallVolume = "exempt_small_volume",
        /// PIPL (2024 provisions art. 4): data collected abroad, processed here, sent back.
        ExemptForeignOrigin = "exempt_foreign_origin",
        /// PIPL (art. 38(4), 41): an international treaty, with the competent authority's approval.
        Treaty = "treaty",
        /// GDPR art. 45: an adequacy decision for the destination.
        Adequacy = "adequacy",
        /// GDPR art. 46(2)(c): the Commission's standard contractual clauses.
        Scc = "scc",
        /// GDPR art. 47: binding corporate rules.
        Bcr = "bcr",
        /// GDPR art. 49 with no ground named: refused as an invalid request
        /// (name the ground, one of the `derogation_*` mechanisms).
        Derogation = "derogation",
        /// GDPR art. 49(1)(a): the subject's explicit consent (a child's:
        /// the guardian's), separate, listing `export`, naming the
        /// recipient, after being told of the risks.
        DerogationConsent = "derogation_consent",
        /// GDPR art. 49(1)(b): necessary for a contract with the subject,
        /// occasional, to a controller (never a processor).
        DerogationContract = "derogation_contract",
        /// GDPR art. 49(1)(d): important reasons of public interest in
        /// Union or member-state law (a legal obligation or public task).
        DerogationPublicInterest = "derogation_public_interest",
        /// GDPR art. 49(1)(e): the establishment, exercise or defence of
        /// legal claims, occasional.
        DerogationLegalClaims = "derogation_legal_claims",
        /// GDPR art. 49(1)(f): the vital interests of someone, while the
        /// subject cannot consent.
        DerogationVitalInterests = "derogation_vital_interests",
    }
}

/// The transfer mechanisms a request names, inline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Mechanisms(BitSet);

impl Mechanisms {
    pub(crate) const EMPTY: Mechanisms = Mechanisms(BitSet::EMPTY);

    pub(crate) const fn with(self, mechanism: TransferMechanism) -> Mechanisms {
        Mechanisms(self.0.with(mechanism.index()))
    }

    pub(crate) const fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    pub(crate) const fn contains(self, mechanism: TransferMechanism) -> bool {
        self.0.contains(mechanism.index())
    }

    /// The mechanisms named, in the vocabulary's order (a request names
    /// one or two of the twenty: their bits are walked, not the twenty).
    pub(crate) fn iter(self) -> impl Iterator<Item = TransferMechanism> {
        self.0
            .indices()
            .filter_map(|index| TransferMechanism::ALL.get(index as usize).copied())
    }
}

/// A request to process personal information: one action, one purpose, the
/// categories touched, at one instant, with the subject and the evidence.
///
/// Built from ids resolved once by [`Engine::category`](crate::Engine::category)
/// and [`Engine::purpose`](crate::Engine::purpose), so deciding does no name
/// lookups. A request with no categories touches no personal information.
///
/// # Example: registering an adult on a contract basis
///
/// ```
/// use chrono::{DateTime, NaiveDate};
/// use lawful::{Action, Engine, Evidence, Request, Subject};
///
/// let engine = Engine::builtin();
/// let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
/// let request = Request::new(Action::Collect, engine.purpose("account.registration")?, at)
///     .category(engine.category("account.phone")?)
///     .subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()))
///     .evidence(Evidence::new().contract());
/// assert!(engine.decide(&request).is_permit());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub(crate) id: Option<Box<str>>,
    pub(crate) action: Action,
    pub(crate) purpose: PurposeId,
    pub(crate) at: DateTime<FixedOffset>,
    /// `at` as integers, worked out once here rather than in every decision.
    pub(crate) at_moment: Moment,
    pub(crate) categories: Vec<CategoryId>,
    pub(crate) subject: Subject,
    pub(crate) evidence: Evidence,
    pub(crate) recipient: Option<Recipient>,
    pub(crate) linked_to_account: bool,
    pub(crate) destination_region: Option<RegionCode>,
    pub(crate) mechanisms: Mechanisms,
    pub(crate) collected_at: Option<DateTime<FixedOffset>>,
    /// `collected_at` as integers.
    pub(crate) collected_moment: Option<Moment>,
    pub(crate) collected_for: Option<PurposeId>,
    /// Where the subject was when the data was collected (default: the
    /// subject's jurisdiction).
    pub(crate) collected_in: Option<RegionCode>,
    pub(crate) legal_hold: bool,
}

impl Request {
    /// A request to perform `action` for `purpose` at the instant `at`.
    pub fn new(action: Action, purpose: PurposeId, at: DateTime<FixedOffset>) -> Request {
        Request {
            id: None,
            action,
            purpose,
            at,
            at_moment: Moment::of(at),
            categories: Vec::new(),
            subject: Subject::new(),
            evidence: Evidence::new(),
            recipient: None,
            linked_to_account: false,
            destination_region: None,
            mechanisms: Mechanisms::EMPTY,
            collected_at: None,
            collected_moment: None,
            collected_for: None,
            collected_in: None,
            legal_hold: false,
        }
    }

    /// An identifier the host uses to match decisions and logs to requests.
    #[must_use]
    pub fn id(mut self, id: &str) -> Request {
        self.set_id(id);
        self
    }

    /// Adds a category of information the operation touches.
    #[must_use]
    pub fn category(mut self, category: CategoryId) -> Request {
        self.push_category(category);
        self
    }

    /// Adds several categories.
    #[must_use]
    pub fn categories(mut self, categories: impl IntoIterator<Item = CategoryId>) -> Request {
        self.categories.extend(categories);
        self
    }

    /// The person the information is about.
    #[must_use]
    pub fn subject(mut self, subject: Subject) -> Request {
        self.set_subject(subject);
        self
    }

    /// The evidence for the lawful bases.
    #[must_use]
    pub fn evidence(mut self, evidence: Evidence) -> Request {
        self.set_evidence(evidence);
        self
    }

    /// Who receives the data (share, entrust, transfer, disclose, export).
    #[must_use]
    pub fn recipient(mut self, recipient: Recipient) -> Request {
        self.set_recipient(recipient);
        self
    }

    /// Whether device or log information is linked to an account, which
    /// makes it personal information.
    #[must_use]
    pub fn linked_to_account(mut self, linked: bool) -> Request {
        self.set_linked_to_account(linked);
        self
    }

    /// Where the data goes: the storage location for `store`, the
    /// destination for `export`.
    #[must_use]
    pub fn destination_region(mut self, region: RegionCode) -> Request {
        self.set_destination_region(region);
        self
    }

    /// A mechanism for a flow abroad (call once per mechanism: a flow that
    /// is abroad under PIPL and the GDPR needs one of each).
    #[must_use]
    pub fn transfer_mechanism(mut self, mechanism: TransferMechanism) -> Request {
        self.push_transfer_mechanism(mechanism);
        self
    }

    /// The purpose the record was collected for: its retention is fixed
    /// then, by the rules that permit collecting or storing it for that
    /// purpose (default: the request's purpose).
    #[must_use]
    pub fn collected_for(mut self, purpose: PurposeId) -> Request {
        self.set_collected_for(purpose);
        self
    }

    /// Where the subject was when the data was collected (or their
    /// behaviour observed): with the policy's targets, it decides whether
    /// the GDPR applies (art. 3(2)) and whether PIPL reaches a handler
    /// abroad (art. 3(2)). Default: the subject's jurisdiction, as the
    /// host's word. Nationality and residence decide neither law.
    #[must_use]
    pub fn collected_in(mut self, region: RegionCode) -> Request {
        self.set_collected_in(region);
        self
    }

    /// A legal hold keeps the data: a litigation hold, a preservation
    /// order, or a restriction the subject asked for (GDPR art. 18(1)(b),
    /// (c)). Deletion is refused; past retention, only storage.
    #[must_use]
    pub fn legal_hold(mut self, held: bool) -> Request {
        self.set_legal_hold(held);
        self
    }

    /// When the data was collected; retention periods count from it.
    #[must_use]
    pub fn collected_at(mut self, at: DateTime<FixedOffset>) -> Request {
        self.set_collected_at(at);
        self
    }

    /// Makes this request what [`Request::new`] makes of `action`,
    /// `purpose` and `at`, keeping the storage of its lists (categories,
    /// consents, laws) for the next request a host fills in place with the
    /// `set_*` and `push_*` methods: a host deciding a table reuses one
    /// request for every row instead of building one a row.
    ///
    /// The consent records it held are dropped; take them out first with
    /// [`Evidence::drain_consents`] (and [`Consent::reset`] each) to reuse
    /// their storage too.
    ///
    /// [`Consent::reset`]: crate::Consent::reset
    ///
    /// # Example: one request, reused for two rows
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::{Action, Engine, Request};
    ///
    /// let engine = Engine::builtin();
    /// let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let browse = engine.purpose("service.browse")?;
    /// let mut request = Request::new(Action::Collect, browse, at);
    /// for category in ["location.coarse", "device.model"] {
    ///     request.reset(Action::Collect, browse, at);
    ///     request.push_category(engine.category(category)?);
    ///     let built = Request::new(Action::Collect, browse, at).category(engine.category(category)?);
    ///     assert_eq!(request, built);
    ///     assert_eq!(engine.decide(&request), engine.decide(&built));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reset(&mut self, action: Action, purpose: PurposeId, at: DateTime<FixedOffset>) {
        self.id = None;
        self.action = action;
        self.purpose = purpose;
        self.at = at;
        self.at_moment = Moment::of(at);
        self.categories.clear();
        self.subject = Subject::new();
        self.evidence.clear();
        self.recipient = None;
        self.linked_to_account = false;
        self.destination_region = None;
        self.mechanisms = Mechanisms::EMPTY;
        self.collected_at = None;
        self.collected_moment = None;
        self.collected_for = None;
        self.collected_in = None;
        self.legal_hold = false;
    }

    /// In place, as [`Request::id`].
    pub fn set_id(&mut self, id: &str) {
        self.id = Some(id.into());
    }

    /// In place, as [`Request::category`].
    pub fn push_category(&mut self, category: CategoryId) {
        self.categories.push(category);
    }

    /// In place, as [`Request::subject`].
    pub fn set_subject(&mut self, subject: Subject) {
        self.subject = subject;
    }

    /// In place, as [`Request::evidence`].
    pub fn set_evidence(&mut self, evidence: Evidence) {
        self.evidence = evidence;
    }

    /// The evidence, to fill in place (with [`Evidence`]'s `set_*` and
    /// `push_*` methods) rather than build and move in.
    ///
    /// # Example: a contract claimed in place
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use lawful::{Action, Engine, Evidence, Request, Subject};
    ///
    /// let engine = Engine::builtin();
    /// let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let mut request = Request::new(Action::Collect, engine.purpose("account.registration")?, at);
    /// request.push_category(engine.category("account.phone")?);
    /// request.set_subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(1990, 1, 1).ok_or("date")?));
    /// request.evidence_mut().set_contract(true);
    /// assert!(engine.decide(&request).is_permit());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evidence_mut(&mut self) -> &mut Evidence {
        &mut self.evidence
    }

    /// In place, as [`Request::recipient`].
    pub fn set_recipient(&mut self, recipient: Recipient) {
        self.recipient = Some(recipient);
    }

    /// In place, as [`Request::linked_to_account`].
    pub fn set_linked_to_account(&mut self, linked: bool) {
        self.linked_to_account = linked;
    }

    /// In place, as [`Request::destination_region`].
    pub fn set_destination_region(&mut self, region: RegionCode) {
        self.destination_region = Some(region);
    }

    /// In place, as [`Request::transfer_mechanism`].
    pub fn push_transfer_mechanism(&mut self, mechanism: TransferMechanism) {
        self.mechanisms = self.mechanisms.with(mechanism);
    }

    /// In place, as [`Request::collected_for`].
    pub fn set_collected_for(&mut self, purpose: PurposeId) {
        self.collected_for = Some(purpose);
    }

    /// In place, as [`Request::collected_in`].
    pub fn set_collected_in(&mut self, region: RegionCode) {
        self.collected_in = Some(region);
    }

    /// In place, as [`Request::legal_hold`].
    pub fn set_legal_hold(&mut self, held: bool) {
        self.legal_hold = held;
    }

    /// In place, as [`Request::collected_at`].
    pub fn set_collected_at(&mut self, at: DateTime<FixedOffset>) {
        self.collected_at = Some(at);
        self.collected_moment = Some(Moment::of(at));
    }

    /// The host's identifier for the request, if given.
    pub fn request_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The action.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The purpose.
    pub fn purpose(&self) -> PurposeId {
        self.purpose
    }

    /// The instant of the processing.
    pub fn at(&self) -> DateTime<FixedOffset> {
        self.at
    }

    /// The categories touched.
    pub fn category_ids(&self) -> &[CategoryId] {
        &self.categories
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::decision::consent::{Consent, Grantor, GuardianVerification};
    use crate::engine::Engine;
    use crate::recipient::RecipientKind;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    /// A request with every field off its default, built with the builders.
    fn built(engine: &Engine) -> Request {
        let given = at("2026-01-01T00:00:00+08:00");
        Request::new(
            Action::Export,
            engine.purpose("support.feedback").unwrap(),
            at("2026-11-28T10:00:00+08:00"),
        )
        .id("r1")
        .category(engine.category("account.phone").unwrap())
        .category(engine.category("account.email").unwrap())
        .subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(2015, 1, 1).unwrap()))
        .evidence(
            Evidence::new()
                .consent(
                    Consent::new(Grantor::Guardian(GuardianVerification::Verified), given)
                        .separate()
                        .purpose(engine.purpose("support").unwrap())
                        .category(engine.category("account").unwrap())
                        .action(Action::Export)
                        .recipient("Acme")
                        .named_grantor("Mother")
                        .transfer_risks_informed()
                        .withdrawn_at(at("2026-12-01T00:00:00+08:00")),
                )
                .contract()
                .legal_obligation("Civil Procedure Law art. 67")
                .legal_obligation_law("CN".parse().unwrap())
                .confidential(),
        )
        .recipient(Recipient::new(RecipientKind::ThirdParty).name("Acme"))
        .linked_to_account(true)
        .destination_region("FR".parse().unwrap())
        .transfer_mechanism(TransferMechanism::Scc)
        .transfer_mechanism(TransferMechanism::StandardContract)
        .collected_for(engine.purpose("support.feedback").unwrap())
        .collected_in("CN".parse().unwrap())
        .legal_hold(true)
        .collected_at(at("2026-02-01T00:00:00+08:00"))
    }

    /// The same request filled in place into a request that held another.
    fn fill(engine: &Engine, request: &mut Request) {
        let given = at("2026-01-01T00:00:00+08:00");
        request.reset(
            Action::Export,
            engine.purpose("support.feedback").unwrap(),
            at("2026-11-28T10:00:00+08:00"),
        );
        request.set_id("r1");
        request.push_category(engine.category("account.phone").unwrap());
        request.push_category(engine.category("account.email").unwrap());
        request
            .set_subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(2015, 1, 1).unwrap()));
        let mut consent = Consent::by_subject(at("2020-01-01T00:00:00Z"))
            .purpose(engine.purpose("account").unwrap());
        consent.reset(Grantor::Guardian(GuardianVerification::Verified), given);
        consent.set_separate(true);
        consent.push_purpose(engine.purpose("support").unwrap());
        consent.push_category(engine.category("account").unwrap());
        consent.push_action(Action::Export);
        consent.push_recipient("Acme");
        consent.set_grantor_name("Mother");
        consent.set_transfer_risks_informed(true);
        consent.set_withdrawn_at(at("2026-12-01T00:00:00+08:00"));
        let evidence = request.evidence_mut();
        evidence.push_consent(consent);
        evidence.set_contract(true);
        evidence.set_legal_obligation("Civil Procedure Law art. 67");
        evidence.push_legal_obligation_law("CN".parse().unwrap());
        evidence.set_confidential(true);
        request.set_recipient(Recipient::new(RecipientKind::ThirdParty).name("Acme"));
        request.set_linked_to_account(true);
        request.set_destination_region("FR".parse().unwrap());
        request.push_transfer_mechanism(TransferMechanism::Scc);
        request.push_transfer_mechanism(TransferMechanism::StandardContract);
        request.set_collected_for(engine.purpose("support.feedback").unwrap());
        request.set_collected_in("CN".parse().unwrap());
        request.set_legal_hold(true);
        request.set_collected_at(at("2026-02-01T00:00:00+08:00"));
    }

    #[test]
    fn a_request_filled_in_place_equals_the_built_one() {
        let engine = Engine::builtin();
        let mut request = built(engine);
        fill(engine, &mut request);
        assert_eq!(request, built(engine));
        assert_eq!(engine.decide(&request), engine.decide(&built(engine)));
    }

    #[test]
    fn reset_forgets_every_field_and_keeps_the_storage() {
        let engine = Engine::builtin();
        let mut request = built(engine);
        let capacity = request.categories.capacity();
        let purpose = engine.purpose("service.browse").unwrap();
        let when = at("2026-11-28T10:00:00+08:00");
        request.reset(Action::Use, purpose, when);
        assert_eq!(request, Request::new(Action::Use, purpose, when));
        assert_eq!(request.categories.capacity(), capacity);
    }
}
