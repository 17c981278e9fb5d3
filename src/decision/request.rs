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

    pub(crate) fn iter(self) -> impl Iterator<Item = TransferMechanism> {
        TransferMechanism::ALL
            .iter()
            .copied()
            .filter(move |m| self.0.contains(m.index()))
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
        self.id = Some(id.into());
        self
    }

    /// Adds a category of information the operation touches.
    #[must_use]
    pub fn category(mut self, category: CategoryId) -> Request {
        self.categories.push(category);
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
        self.subject = subject;
        self
    }

    /// The evidence for the lawful bases.
    #[must_use]
    pub fn evidence(mut self, evidence: Evidence) -> Request {
        self.evidence = evidence;
        self
    }

    /// Who receives the data (share, entrust, transfer, disclose, export).
    #[must_use]
    pub fn recipient(mut self, recipient: Recipient) -> Request {
        self.recipient = Some(recipient);
        self
    }

    /// Whether device or log information is linked to an account, which
    /// makes it personal information.
    #[must_use]
    pub fn linked_to_account(mut self, linked: bool) -> Request {
        self.linked_to_account = linked;
        self
    }

    /// Where the data goes: the storage location for `store`, the
    /// destination for `export`.
    #[must_use]
    pub fn destination_region(mut self, region: RegionCode) -> Request {
        self.destination_region = Some(region);
        self
    }

    /// A mechanism for a flow abroad (call once per mechanism: a flow that
    /// is abroad under PIPL and the GDPR needs one of each).
    #[must_use]
    pub fn transfer_mechanism(mut self, mechanism: TransferMechanism) -> Request {
        self.mechanisms = self.mechanisms.with(mechanism);
        self
    }

    /// The purpose the record was collected for: its retention is fixed
    /// then, by the rules that permit collecting or storing it for that
    /// purpose (default: the request's purpose).
    #[must_use]
    pub fn collected_for(mut self, purpose: PurposeId) -> Request {
        self.collected_for = Some(purpose);
        self
    }

    /// Where the subject was when the data was collected (or their
    /// behaviour observed): with the policy's targets, it decides whether
    /// the GDPR applies (art. 3(2)) and whether PIPL reaches a handler
    /// abroad (art. 3(2)). Default: the subject's jurisdiction, as the
    /// host's word. Nationality and residence decide neither law.
    #[must_use]
    pub fn collected_in(mut self, region: RegionCode) -> Request {
        self.collected_in = Some(region);
        self
    }

    /// A legal hold keeps the data: a litigation hold, a preservation
    /// order, or a restriction the subject asked for (GDPR art. 18(1)(b),
    /// (c)). Deletion is refused; past retention, only storage.
    #[must_use]
    pub fn legal_hold(mut self, held: bool) -> Request {
        self.legal_hold = held;
        self
    }

    /// When the data was collected; retention periods count from it.
    #[must_use]
    pub fn collected_at(mut self, at: DateTime<FixedOffset>) -> Request {
        self.collected_at = Some(at);
        self.collected_moment = Some(Moment::of(at));
        self
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
