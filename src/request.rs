//! One processing operation to decide on, built from resolved ids.

use chrono::{DateTime, FixedOffset};

use crate::action::Action;
use crate::category::CategoryId;
use crate::evidence::Evidence;
use crate::purpose::PurposeId;
use crate::recipient::Recipient;
use crate::region::RegionCode;
use crate::subject::Subject;
use crate::vocab::vocabulary;

vocabulary! {
    /// The legal mechanism for sending data abroad (PIPL art. 38).
    pub enum TransferMechanism as "transfer mechanism" {
        /// A security assessment by the Cyberspace Administration.
        SecurityAssessment = "security_assessment",
        /// Personal information protection certification.
        Certification = "certification",
        /// The standard contract, filed.
        StandardContract = "standard_contract",
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
    pub(crate) categories: Vec<CategoryId>,
    pub(crate) subject: Subject,
    pub(crate) evidence: Evidence,
    pub(crate) recipient: Option<Recipient>,
    pub(crate) linked_to_account: bool,
    pub(crate) destination_region: Option<RegionCode>,
    pub(crate) transfer_mechanism: Option<TransferMechanism>,
    pub(crate) collected_at: Option<DateTime<FixedOffset>>,
}

impl Request {
    /// A request to perform `action` for `purpose` at the instant `at`.
    pub fn new(action: Action, purpose: PurposeId, at: DateTime<FixedOffset>) -> Request {
        Request {
            id: None,
            action,
            purpose,
            at,
            categories: Vec::new(),
            subject: Subject::new(),
            evidence: Evidence::new(),
            recipient: None,
            linked_to_account: false,
            destination_region: None,
            transfer_mechanism: None,
            collected_at: None,
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

    /// The mechanism for an export.
    #[must_use]
    pub fn transfer_mechanism(mut self, mechanism: TransferMechanism) -> Request {
        self.transfer_mechanism = Some(mechanism);
        self
    }

    /// When the data was collected; retention periods count from it.
    #[must_use]
    pub fn collected_at(mut self, at: DateTime<FixedOffset>) -> Request {
        self.collected_at = Some(at);
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
