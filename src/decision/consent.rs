//! Consent records: who gave them, what they cover, and when they hold.

use chrono::{DateTime, FixedOffset};

use crate::action::{Action, ActionSet};
use crate::category::CategoryId;
use crate::moment::Moment;
use crate::purpose::PurposeId;
use crate::recipient::RecipientName;

/// Whether a guardian's guardianship has been verified (phone or email
/// match, name, proof: the strength is the host's call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuardianVerification {
    /// Not verified: the consent does not count for a child.
    Unverified,
    /// Verified.
    Verified,
}

/// Who gave a consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grantor {
    /// The subject themself.
    Subject,
    /// A guardian of the subject.
    Guardian(GuardianVerification),
}

impl Grantor {
    /// Whether this is a verified guardian.
    pub fn is_verified_guardian(self) -> bool {
        self == Grantor::Guardian(GuardianVerification::Verified)
    }
}

/// When a consent holds: from `given` (inclusive) until `withdrawn`
/// (exclusive), if ever withdrawn. Withdrawal is never retroactive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConsentState {
    /// Given and not withdrawn.
    Given {
        /// When it was given.
        at: DateTime<FixedOffset>,
    },
    /// Given, then withdrawn.
    Withdrawn {
        /// When it was given.
        given_at: DateTime<FixedOffset>,
        /// When it was withdrawn.
        at: DateTime<FixedOffset>,
    },
}

/// Where an instant falls in a consent's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timing {
    NotYetGiven,
    Holds,
    Withdrawn,
}

impl ConsentState {
    /// When the consent was given.
    pub(crate) fn given_at(self) -> DateTime<FixedOffset> {
        match self {
            ConsentState::Given { at } | ConsentState::Withdrawn { given_at: at, .. } => at,
        }
    }

    /// `given_at ≤ at < withdrawn_at`: a half-open interval, so a
    /// withdrawal is never retroactive.
    pub(crate) fn timing(self, at: DateTime<FixedOffset>) -> Timing {
        match self {
            ConsentState::Given { at: given } if at < given => Timing::NotYetGiven,
            ConsentState::Given { .. } => Timing::Holds,
            ConsentState::Withdrawn {
                given_at,
                at: withdrawn,
            } => {
                if at >= withdrawn {
                    Timing::Withdrawn
                } else if at < given_at {
                    Timing::NotYetGiven
                } else {
                    Timing::Holds
                }
            }
        }
    }
}

/// A consent record: grantor, scope (purposes, categories, actions,
/// recipients), whether it was separate, and when it holds.
///
/// Purposes and categories cover their descendants (`account` covers
/// `account.phone`); an empty purpose or category list covers nothing.
///
/// As a **grant**, a record covers only what it lists: an empty action list
/// covers `collect`, `use` and `store` (and entrusting that processing to a
/// processor at home), never a provision; an empty recipient list names no
/// one, so a consent to share, transfer, export or disclose to someone must
/// name them. Several grants together cover a request when each category is
/// covered by one of them.
///
/// A record that was withdrawn is also a **withdrawal**: by the subject (at
/// any age) or a verified guardian, it ends every grant given before it for
/// what it names, where an empty action or recipient list means all of them.
/// A grant given after the withdrawal counts again.
///
/// # Example: a separate consent to share the phone number with Acme
///
/// ```
/// use chrono::DateTime;
/// use lawful::{Action, Consent, Engine};
///
/// let engine = Engine::builtin();
/// let given = DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00")?;
/// let consent = Consent::by_subject(given)
///     .separate()
///     .purpose(engine.purpose("support.feedback")?)
///     .category(engine.category("account.phone")?)
///     .action(Action::Share)
///     .recipient("Acme");
/// assert!(consent.is_separate());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub(crate) grantor: Grantor,
    pub(crate) separate: bool,
    pub(crate) purposes: Vec<PurposeId>,
    pub(crate) categories: Vec<CategoryId>,
    pub(crate) actions: ActionSet,
    pub(crate) recipients: Vec<RecipientName>,
    /// Who gave it, by name or id: for a verified guardian's consent, the
    /// guardian a `guardian` recipient must be.
    pub(crate) grantor_name: Option<RecipientName>,
    /// The subject (or guardian) was told of the risks of a transfer abroad
    /// without safeguards (GDPR art. 49(1)(a)).
    pub(crate) transfer_risks_informed: bool,
    pub(crate) state: ConsentState,
    /// When it was given, as integers (worked out once here: an adult's
    /// consent asks the age the subject had then).
    pub(crate) given_moment: Moment,
}

impl Consent {
    /// A consent given by the subject at `given_at`.
    pub fn by_subject(given_at: DateTime<FixedOffset>) -> Consent {
        Consent::new(Grantor::Subject, given_at)
    }

    /// A consent given by a guardian at `given_at`.
    pub fn by_guardian(
        given_at: DateTime<FixedOffset>,
        verification: GuardianVerification,
    ) -> Consent {
        Consent::new(Grantor::Guardian(verification), given_at)
    }

    /// A consent from `grantor` given at `given_at`, bundled (not separate),
    /// covering nothing yet.
    pub fn new(grantor: Grantor, given_at: DateTime<FixedOffset>) -> Consent {
        Consent {
            grantor,
            separate: false,
            purposes: Vec::new(),
            categories: Vec::new(),
            actions: ActionSet::EMPTY,
            recipients: Vec::new(),
            grantor_name: None,
            transfer_risks_informed: false,
            state: ConsentState::Given { at: given_at },
            given_moment: Moment::of(given_at),
        }
    }

    /// Marks the consent as separate (单独同意): asked for on its own, not
    /// bundled with the privacy policy or a sign-up click.
    #[must_use]
    pub fn separate(mut self) -> Consent {
        self.set_separate(true);
        self
    }

    /// Adds a purpose to the scope.
    #[must_use]
    pub fn purpose(mut self, purpose: PurposeId) -> Consent {
        self.push_purpose(purpose);
        self
    }

    /// Adds a category to the scope.
    #[must_use]
    pub fn category(mut self, category: CategoryId) -> Consent {
        self.push_category(category);
        self
    }

    /// Adds an action to the scope (a grant with no actions covers
    /// `collect`, `use` and `store`; a withdrawal with none, every action).
    #[must_use]
    pub fn action(mut self, action: Action) -> Consent {
        self.push_action(action);
        self
    }

    /// Names a recipient in the scope (a grant with no recipients names no
    /// one; a withdrawal with none, everyone).
    #[must_use]
    pub fn recipient(mut self, name: &str) -> Consent {
        self.push_recipient(name);
        self
    }

    /// Names who gave the consent (a guardian's name or id): a `guardian`
    /// recipient is the verified guardian only when it is the named grantor
    /// of a verified guardian's consent.
    ///
    /// # Example: the guardian who consented may see the child's data
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::Consent;
    /// use lawful::decision::GuardianVerification;
    ///
    /// let given = DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00")?;
    /// let consent = Consent::by_guardian(given, GuardianVerification::Verified).named_grantor("Mother");
    /// assert_eq!(consent.grantor_name().map(|n| n.as_str()), Some("Mother"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn named_grantor(mut self, name: &str) -> Consent {
        self.set_grantor_name(name);
        self
    }

    /// Records that the grantor was told of the risks of a transfer abroad
    /// without an adequacy decision or safeguards: what a consent must say to
    /// be the GDPR art. 49(1)(a) derogation (`derogation_consent`).
    #[must_use]
    pub fn transfer_risks_informed(mut self) -> Consent {
        self.set_transfer_risks_informed(true);
        self
    }

    /// Records the withdrawal. From `at` on, the consent no longer holds;
    /// processing before `at` stays lawful.
    #[must_use]
    pub fn withdrawn_at(mut self, at: DateTime<FixedOffset>) -> Consent {
        self.set_withdrawn_at(at);
        self
    }

    /// Makes this record what [`Consent::new`] makes of `grantor` and
    /// `given_at`, keeping the storage of its lists, to be filled in place
    /// with the `set_*` and `push_*` methods (see
    /// [`Evidence::drain_consents`] for reusing the records of one request
    /// in the next).
    ///
    /// [`Evidence::drain_consents`]: crate::Evidence::drain_consents
    ///
    /// # Example: a record reused, filled in place
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::{Action, Consent, Engine};
    /// use lawful::decision::Grantor;
    ///
    /// let engine = Engine::builtin();
    /// let given = DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00")?;
    /// let mut consent = Consent::by_subject(given).purpose(engine.purpose("account")?);
    /// consent.reset(Grantor::Subject, given);
    /// consent.set_separate(true);
    /// consent.push_purpose(engine.purpose("support.feedback")?);
    /// consent.push_action(Action::Share);
    /// consent.push_recipient("Acme");
    /// let built = Consent::by_subject(given)
    ///     .separate()
    ///     .purpose(engine.purpose("support.feedback")?)
    ///     .action(Action::Share)
    ///     .recipient("Acme");
    /// assert_eq!(consent, built);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reset(&mut self, grantor: Grantor, given_at: DateTime<FixedOffset>) {
        self.grantor = grantor;
        self.separate = false;
        self.purposes.clear();
        self.categories.clear();
        self.actions = ActionSet::EMPTY;
        self.recipients.clear();
        self.grantor_name = None;
        self.transfer_risks_informed = false;
        self.state = ConsentState::Given { at: given_at };
        self.given_moment = Moment::of(given_at);
    }

    /// In place, as [`Consent::separate`] (`false`: bundled).
    pub fn set_separate(&mut self, separate: bool) {
        self.separate = separate;
    }

    /// In place, as [`Consent::purpose`].
    pub fn push_purpose(&mut self, purpose: PurposeId) {
        self.purposes.push(purpose);
    }

    /// In place, as [`Consent::category`].
    pub fn push_category(&mut self, category: CategoryId) {
        self.categories.push(category);
    }

    /// In place, as [`Consent::action`].
    pub fn push_action(&mut self, action: Action) {
        self.actions = self.actions.with(action);
    }

    /// In place, as [`Consent::recipient`].
    pub fn push_recipient(&mut self, name: &str) {
        let name = RecipientName::new(name);
        // A blank name names no one.
        if name.is_visible() {
            self.recipients.push(name);
        }
    }

    /// In place, as [`Consent::named_grantor`].
    pub fn set_grantor_name(&mut self, name: &str) {
        self.grantor_name = Some(RecipientName::new(name)).filter(RecipientName::is_visible);
    }

    /// In place, as [`Consent::transfer_risks_informed`] (`false`: not told).
    pub fn set_transfer_risks_informed(&mut self, informed: bool) {
        self.transfer_risks_informed = informed;
    }

    /// In place, as [`Consent::withdrawn_at`].
    pub fn set_withdrawn_at(&mut self, at: DateTime<FixedOffset>) {
        let given_at = self.state.given_at();
        self.state = ConsentState::Withdrawn { given_at, at };
    }

    /// Who gave it.
    pub fn grantor(&self) -> Grantor {
        self.grantor
    }

    /// Whether it was a separate consent.
    pub fn is_separate(&self) -> bool {
        self.separate
    }

    /// When it holds.
    pub fn state(&self) -> ConsentState {
        self.state
    }

    /// Whether it holds at `at` on its own (withdrawals in other records
    /// may still end it for some of its scope).
    pub fn holds_at(&self, at: DateTime<FixedOffset>) -> bool {
        self.state.timing(at) == Timing::Holds
    }

    /// The grantor's name or id, if given.
    pub fn grantor_name(&self) -> Option<&RecipientName> {
        self.grantor_name.as_ref()
    }

    /// What the record covers as a grant: the actions it lists, or with none
    /// listed `collect`, `use`, `store` (and a domestic `entrust`, which
    /// rests on the processing it serves).
    pub(crate) fn granted_actions(&self) -> ActionSet {
        if self.actions.is_empty() {
            ActionSet::EMPTY
                .with(Action::Collect)
                .with(Action::Use)
                .with(Action::Store)
                .with(Action::Entrust)
        } else {
            self.actions
        }
    }

    /// What the record ends as a withdrawal: the actions it lists, or with
    /// none listed every action.
    pub(crate) fn withdrawn_actions(&self) -> ActionSet {
        if self.actions.is_empty() {
            ActionSet::all()
        } else {
            self.actions
        }
    }

    /// When it was withdrawn, if ever.
    pub(crate) fn withdrawal_instant(&self) -> Option<DateTime<FixedOffset>> {
        match self.state {
            ConsentState::Given { .. } => None,
            ConsentState::Withdrawn { at, .. } => Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn withdrawal_is_half_open_and_never_retroactive() {
        let c = Consent::by_subject(t("2025-01-01T00:00:00+08:00"))
            .withdrawn_at(t("2025-11-10T12:00:00+08:00"));
        assert!(!c.holds_at(t("2024-12-31T23:59:59+08:00")));
        assert!(c.holds_at(t("2025-01-01T00:00:00+08:00")));
        assert!(c.holds_at(t("2025-11-10T11:59:59+08:00")));
        assert!(!c.holds_at(t("2025-11-10T12:00:00+08:00")));
        // The same instant written in UTC.
        assert!(!c.holds_at(t("2025-11-10T04:00:00Z")));
        assert!(c.holds_at(t("2025-11-10T03:59:59Z")));
        assert_eq!(
            c.state().timing(t("2024-06-01T00:00:00+08:00")),
            Timing::NotYetGiven
        );
    }
}
