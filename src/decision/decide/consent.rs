//! Whether a consent record covers the request: the purpose, the
//! categories, the action, the recipient, its timing and grantor; and which
//! dimension failed when none does.

use super::{Context, Failure};
use crate::action::Action;
use crate::decision::consent::{Consent, Timing};
use crate::decision::{Detail, ReasonCode};
use crate::recipient::RecipientKind;

impl Context<'_> {
    /// How much of a consent must match for a consent basis.
    pub(super) fn scope(&self) -> Scope {
        match self.action {
            // The processor acts for us: the consent to the underlying
            // processing carries it, whatever its actions and recipients.
            Action::Entrust => Scope::Processing,
            _ => Scope::Full,
        }
    }

    /// Looks for a consent that supports the request; on failure, the most
    /// specific reason among the consents given (the one that came closest).
    pub(super) fn consent(&self, scope: Scope) -> Result<(), Option<Failure>> {
        let mut best: Option<Fit> = None;
        for consent in &self.request.evidence.consents {
            let fit = self.fit(consent, scope);
            if fit == Fit::Valid {
                return Ok(());
            }
            if best.is_none_or(|b| fit.rank() < b.rank()) {
                best = Some(fit);
            }
        }
        match best {
            Some(fit) => Err(fit.failure()),
            None if self.is_child() => Err(Some(Failure::new(ReasonCode::GuardianConsentRequired))),
            None => Err(None),
        }
    }

    /// How well one consent supports the request.
    pub(super) fn fit(&self, consent: &Consent, scope: Scope) -> Fit {
        if let Err(dimension) = self.in_scope(consent, scope) {
            return Fit::OutOfScope(dimension);
        }
        match consent.state.timing(self.request.at) {
            Timing::NotYetGiven => return Fit::NotYetGiven,
            Timing::Withdrawn => return Fit::Withdrawn,
            Timing::Holds => {}
        }
        // Capacity is judged when the consent was given (PIPL art. 31): a
        // child's own consent never counts, a verified guardian's given
        // while the subject was a minor outlives the birthday.
        match self.child {
            None => return Fit::AgeUnknown,
            Some(true) if !consent.grantor.is_verified_guardian() => return Fit::GuardianMissing,
            Some(false) => {
                // Only an adult's consents ask when they were given.
                let given_as_child = self
                    .subject
                    .child_at(self.jurisdiction, consent.given_moment);
                let from_subject = consent.grantor == crate::decision::consent::Grantor::Subject;
                if from_subject && given_as_child == Some(true) {
                    return Fit::GivenAsChild;
                }
                let guardian_of_a_minor =
                    consent.grantor.is_verified_guardian() && given_as_child == Some(true);
                if !from_subject && !guardian_of_a_minor {
                    return Fit::NotFromSubject;
                }
            }
            Some(true) => {}
        }
        if self.separate_required() && !consent.separate {
            return Fit::SeparateMissing;
        }
        Fit::Valid
    }

    /// Whether the consent's scope covers the request: the purpose, and
    /// (for a full scope) every category, the action and the recipient; if
    /// not, the first dimension that fails.
    pub(super) fn in_scope(&self, consent: &Consent, scope: Scope) -> Result<(), Detail> {
        let purposes = &self.policy.purpose_tree;
        let categories = &self.policy.category_tree;
        let request = self.request;
        let purpose = request.purpose.index();
        if !consent
            .purposes
            .iter()
            .any(|p| purposes.covers(p.index(), purpose))
        {
            return Err(Detail::Purpose);
        }
        if scope == Scope::Purpose {
            return Ok(());
        }
        let all_categories = request.categories.iter().all(|c| {
            consent
                .categories
                .iter()
                .any(|k| categories.covers(k.index(), c.index()))
        });
        if !all_categories {
            return Err(Detail::Category);
        }
        if scope == Scope::Processing {
            return Ok(());
        }
        if !consent.actions.is_empty() && !consent.actions.contains(self.action) {
            return Err(Detail::Action);
        }
        // A consent to share, transfer or export names whom to (PIPL arts.
        // 23, 39): an empty list names no one. A child's data given to the
        // guardian is access, not provision (the consent's grantor says who
        // the guardian is); a disclosure goes to the public at large.
        let to_guardian = self.recipient == Some(RecipientKind::Guardian);
        if self.action.names_recipient_in_consent() && !to_guardian {
            let name = request.recipient.as_ref().and_then(|r| r.name.as_ref());
            let named = name.is_some_and(|n| consent.recipients.iter().any(|r| r.same_as(n)));
            if !named {
                return Err(Detail::Recipient);
            }
        }
        Ok(())
    }
}

/// How much of a consent's scope must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    /// Purpose, every category, action and recipient (a consent basis).
    Full,
    /// Purpose and every category: the processing a processor does for us.
    Processing,
    /// The purpose only (a guardian's consent behind a child's contract).
    Purpose,
}

/// How well a consent fits, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fit {
    Valid,
    SeparateMissing,
    GuardianMissing,
    AgeUnknown,
    Withdrawn,
    NotYetGiven,
    NotFromSubject,
    GivenAsChild,
    OutOfScope(Detail),
}

impl Fit {
    /// Lower is closer to valid: a consent that only lacks separateness says
    /// more than one that was withdrawn, which says more than one about
    /// something else.
    pub(super) fn rank(self) -> u8 {
        match self {
            Fit::Valid => 0,
            Fit::SeparateMissing | Fit::GuardianMissing | Fit::AgeUnknown => 1,
            Fit::Withdrawn | Fit::NotYetGiven => 2,
            Fit::NotFromSubject | Fit::GivenAsChild => 3,
            // The closer the scope, the more it says: a consent that names
            // everything but the recipient beats one for another purpose.
            Fit::OutOfScope(Detail::Recipient) => 4,
            Fit::OutOfScope(Detail::Action) => 5,
            Fit::OutOfScope(Detail::Category) => 6,
            Fit::OutOfScope(_) => 7,
        }
    }

    pub(super) fn failure(self) -> Option<Failure> {
        Some(match self {
            Fit::Valid => return None,
            Fit::SeparateMissing => {
                Failure::with(ReasonCode::SeparateConsentRequired, Detail::Separateness)
            }
            Fit::GuardianMissing => {
                Failure::with(ReasonCode::GuardianConsentRequired, Detail::Grantor)
            }
            Fit::AgeUnknown => Failure::new(ReasonCode::AgeUnknown),
            Fit::Withdrawn => Failure::with(ReasonCode::ConsentWithdrawn, Detail::Time),
            Fit::NotYetGiven => Failure::with(ReasonCode::ConsentNotYetGiven, Detail::Time),
            Fit::NotFromSubject => Failure::with(ReasonCode::ConsentMissing, Detail::Grantor),
            Fit::GivenAsChild => Failure::with(ReasonCode::ConsentGivenAsChild, Detail::Grantor),
            Fit::OutOfScope(dimension) => Failure::with(ReasonCode::ConsentOutOfScope, dimension),
        })
    }
}
