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
/// `account.phone`). An empty action or recipient list means "any"; an empty
/// purpose or category list covers nothing.
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
            state: ConsentState::Given { at: given_at },
            given_moment: Moment::of(given_at),
        }
    }

    /// Marks the consent as separate (单独同意): asked for on its own, not
    /// bundled with the privacy policy or a sign-up click.
    #[must_use]
    pub fn separate(mut self) -> Consent {
        self.separate = true;
        self
    }

    /// Adds a purpose to the scope.
    #[must_use]
    pub fn purpose(mut self, purpose: PurposeId) -> Consent {
        self.purposes.push(purpose);
        self
    }

    /// Adds a category to the scope.
    #[must_use]
    pub fn category(mut self, category: CategoryId) -> Consent {
        self.categories.push(category);
        self
    }

    /// Adds an action to the scope (no actions at all means any action).
    #[must_use]
    pub fn action(mut self, action: Action) -> Consent {
        self.actions = self.actions.with(action);
        self
    }

    /// Names a recipient in the scope (no recipients at all means any).
    #[must_use]
    pub fn recipient(mut self, name: &str) -> Consent {
        self.recipients.push(RecipientName::new(name));
        self
    }

    /// Records the withdrawal. From `at` on, the consent no longer holds;
    /// processing before `at` stays lawful.
    #[must_use]
    pub fn withdrawn_at(mut self, at: DateTime<FixedOffset>) -> Consent {
        let given_at = self.state.given_at();
        self.state = ConsentState::Withdrawn { given_at, at };
        self
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

    /// Whether it holds at `at`.
    pub fn holds_at(&self, at: DateTime<FixedOffset>) -> bool {
        self.state.timing(at) == Timing::Holds
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
