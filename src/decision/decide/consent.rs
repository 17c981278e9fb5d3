//! Whether the consent records support the request: each category covered
//! by one grant (purpose, category, action, recipient), holding at `at`
//! (not yet withdrawn, by itself or by a later withdrawal), from whom it
//! must be, and separate where the law asks for that category; and which
//! dimension failed when none does.
//!
//! A grant covers only what it lists (an empty action list: `collect`,
//! `use`, `store`; an empty recipient list: no one). A record's withdrawal,
//! by the subject at any age or by a verified guardian, also ends every
//! other grant given before it for what it names (empty lists: all).

use super::{Context, Failure};
use crate::action::Action;
use crate::category::CategoryId;
use crate::decision::consent::{Consent, Grantor, Timing};
use crate::decision::{Detail, ReasonCode};
use crate::purpose::PurposeId;
use crate::subject::regime::Regime;

impl Context<'_> {
    /// How much of a consent must match for a consent basis.
    pub(super) fn scope(&self) -> Scope {
        // A child's verified guardian seeing the child's data is access,
        // not provision: their consent to the processing carries it.
        if self.guardian_access {
            return Scope::Processing;
        }
        match self.action {
            // The processor acts for us: the consent to the underlying
            // processing carries it, whatever its actions and recipients.
            Action::Entrust => Scope::Processing,
            // A processor abroad under the GDPR alone: the transfer needs a
            // chapter V tool, not a consent naming the processor (the GDPR
            // has no such rule; PIPL art. 39 has).
            Action::Export
                if self.recipient == Some(crate::recipient::RecipientKind::Processor)
                    && !self.regimes.contains(Regime::Pipl) =>
            {
                Scope::Processing
            }
            _ => Scope::Full,
        }
    }

    /// Looks for grants that together support the request: every category
    /// covered by one grant that by itself meets that category's conditions.
    /// On failure, the most specific reason for the first category no grant
    /// supports (the grant that came closest).
    pub(super) fn consent(&self, scope: Scope) -> Result<(), Option<Failure>> {
        let consents = &self.request.evidence.consents;
        if consents.is_empty() {
            return if self.is_child() {
                Err(Some(Failure::new(ReasonCode::GuardianConsentRequired)))
            } else {
                Err(None)
            };
        }
        if scope == Scope::Purpose {
            return self.best_fit(scope, None);
        }
        for &category in &self.request.categories {
            self.best_fit(scope, Some(category))?;
        }
        Ok(())
    }

    /// Whether some grant supports `category` (every category when `None`)
    /// under every governing regime (each judges the grantor's capacity by
    /// its own children's threshold); if none does, the failure of the one
    /// that came closest.
    pub(super) fn best_fit(
        &self,
        scope: Scope,
        category: Option<CategoryId>,
    ) -> Result<(), Option<Failure>> {
        let mut regimes = self.regimes.iter();
        let (first, second) = (regimes.next(), regimes.next());
        if second.is_none() {
            // One regime or none: one look at each grant.
            return self
                .best_fit_under(scope, category, first, None)
                .map_err(|fit| fit.and_then(Fit::failure));
        }
        // Each regime must be satisfied; of the regimes that are not, the
        // failure that came closest is reported. What a grant's fit owes to
        // its scope and time alone is the same under every regime: judged
        // once per grant, under the first regime that asks.
        let mut seen = [Seen::Unjudged; crate::limits::MAX_CONSENTS];
        let mut failed: Option<Option<Fit>> = None;
        for regime in self.regimes.iter() {
            if let Err(fit) = self.best_fit_under(scope, category, Some(regime), Some(&mut seen)) {
                let closer = match (failed, fit) {
                    (None, _) | (Some(None), Some(_)) => true,
                    (Some(Some(known)), Some(new)) => new.rank() < known.rank(),
                    (Some(_), None) => false,
                };
                if closer {
                    failed = Some(fit);
                }
            }
        }
        failed.map_or(Ok(()), |fit| Err(fit.and_then(Fit::failure)))
    }

    /// [`Context::best_fit`] under one regime (`None`: the jurisdiction's
    /// own threshold, where no regime applies): the closest fit when none
    /// is valid. `seen`, under two regimes, holds per grant what its scope
    /// and time said under an earlier regime (the same under this one).
    fn best_fit_under(
        &self,
        scope: Scope,
        category: Option<CategoryId>,
        regime: Option<Regime>,
        mut seen: Option<&mut [Seen; crate::limits::MAX_CONSENTS]>,
    ) -> Result<(), Option<Fit>> {
        #[cfg(test)]
        if self.policy.no_shortcuts {
            seen = None;
        }
        let mut best: Option<Fit> = None;
        for (nth, consent) in self.request.evidence.consents.iter().enumerate() {
            let judge = || match self.fit_scope_and_time(consent, scope, category) {
                Some(fit) => Seen::Fails(fit),
                None => Seen::Holds,
            };
            let judged = match seen.as_deref_mut().and_then(|seen| seen.get_mut(nth)) {
                Some(slot) => {
                    if *slot == Seen::Unjudged {
                        *slot = judge();
                    }
                    *slot
                }
                // More grants than a request may hold (never past the
                // limits): judged afresh.
                None => judge(),
            };
            let fit = match judged {
                Seen::Fails(fit) => fit,
                Seen::Holds | Seen::Unjudged => self.fit_grantor(consent, category, regime),
            };
            if fit == Fit::Valid {
                return Ok(());
            }
            if best.is_none_or(|b| fit.rank() < b.rank()) {
                best = Some(fit);
            }
        }
        Err(best)
    }

    /// How well one grant supports `category` of the request (the whole
    /// request when `None`), in the part no regime changes: the grant's
    /// scope, and whether it holds at `at`. `None` when both pass, and
    /// [`Context::fit_grantor`] judges the rest under each regime.
    fn fit_scope_and_time(
        &self,
        consent: &Consent,
        scope: Scope,
        category: Option<CategoryId>,
    ) -> Option<Fit> {
        if let Err(dimension) = self.in_scope(consent, scope, category) {
            return Some(Fit::OutOfScope(dimension));
        }
        match consent.state.timing(self.request.at) {
            Timing::NotYetGiven => return Some(Fit::NotYetGiven),
            Timing::Withdrawn => return Some(Fit::Withdrawn),
            Timing::Holds => {}
        }
        if self.withdrawn_by_another(consent, scope, category) {
            return Some(Fit::Withdrawn);
        }
        None
    }

    /// The rest of a grant's fit, for one in scope that holds: who
    /// gave it, judged by `regime`'s children's threshold, and whether it
    /// is separate where it must be.
    fn fit_grantor(
        &self,
        consent: &Consent,
        category: Option<CategoryId>,
        regime: Option<Regime>,
    ) -> Fit {
        // Capacity is judged when the consent was given (PIPL art. 31), by
        // each regime's threshold: a child's own consent never counts, a
        // verified guardian's given while the subject was a child outlives
        // the birthday.
        let child_now = match regime {
            Some(r) => self.child.map(|_| self.child_regimes.contains(r)),
            None => self.child,
        };
        match child_now {
            None => return Fit::AgeUnknown,
            Some(true) if !consent.grantor.is_verified_guardian() => return Fit::GuardianMissing,
            Some(false) => {
                // Only an adult's consents ask when they were given.
                let given_as_child = match regime {
                    Some(r) => self.child_under_at(r, consent.given_moment),
                    None => self.child_at(consent.given_moment),
                };
                let from_subject = consent.grantor == Grantor::Subject;
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
        if !consent.separate && self.separate_required_for(category) {
            return Fit::SeparateMissing;
        }
        Fit::Valid
    }

    /// Whether a withdrawal in another record (by the subject at any age, or
    /// a verified guardian), at or before `at`, ends `consent` for what the
    /// request asks of it: the grant was given before the withdrawal or at
    /// its instant (a tie is no proof of consent), and the withdrawal names
    /// the purpose, a category the request touches and (for a full scope)
    /// the action and, for a share, transfer or export, the recipient; its
    /// empty action or recipient list names all. Behind a child's contract
    /// (or a processor's work) the consent to the processing ends with a
    /// withdrawal of that processing, and for a provision also with a
    /// withdrawal of that provision to that recipient.
    fn withdrawn_by_another(
        &self,
        consent: &Consent,
        scope: Scope,
        category: Option<CategoryId>,
    ) -> bool {
        // With no withdrawal by the request's instant there is none to end it.
        if !self.withdrawal_by_now {
            return false;
        }
        let request = self.request;
        let given = consent.state.given_at();
        request.evidence.consents.iter().any(|w| {
            let Some(withdrawn) = w.withdrawal_instant() else {
                return false;
            };
            if !(given <= withdrawn && withdrawn <= request.at) || std::ptr::eq(w, consent) {
                // Its own withdrawal is its timing.
                return false;
            }
            if !self.withdraws_grant(w, consent) {
                return false;
            }
            // A withdrawal names what it ends; its empty lists name all.
            if !self.withdrawal_names_purpose(w, request.purpose) {
                return false;
            }
            if scope != Scope::Purpose && !self.withdrawal_names_categories(w, category) {
                return false;
            }
            let actions = w.withdrawn_actions();
            // Its recipients narrow only what a grant names recipients for.
            let to_recipient = || {
                let name = request.recipient.as_ref().and_then(|r| r.name.as_ref());
                w.recipients.is_empty()
                    || name.is_some_and(|n| w.recipients.iter().any(|r| r.same_ignoring_case(n)))
            };
            let provision = self.action.names_recipient_in_consent() && !self.guardian_access;
            match scope {
                // Our own processing stands when it named someone else.
                Scope::Full => {
                    actions.contains(self.action)
                        && (w.recipients.is_empty() || (provision && to_recipient()))
                }
                Scope::Processing | Scope::Purpose => {
                    let processing = w.recipients.is_empty()
                        && [Action::Collect, Action::Use, Action::Store, Action::Entrust]
                            .iter()
                            .any(|&a| actions.contains(a));
                    processing || (provision && actions.contains(self.action) && to_recipient())
                }
            }
        })
    }

    /// Whether a record's withdrawal ends others' grants: the subject's at
    /// any age; a verified guardian's while the subject is a child (or of
    /// unknown age: the withdrawal is taken at its word), never an adult's.
    pub(super) fn withdraws(&self, w: &Consent) -> bool {
        match w.grantor {
            Grantor::Subject => true,
            grantor @ Grantor::Guardian(_) => {
                grantor.is_verified_guardian()
                    && w.withdrawal_instant().is_some_and(|at| {
                        self.child_at(crate::moment::Moment::of(at)) != Some(false)
                    })
            }
        }
    }

    /// Whether `w`'s withdrawal ends `grant`: as [`Context::withdraws`], and
    /// a verified guardian's withdrawal also ends a guardian's grant at any
    /// age (a guardian's consent given for a minor lasts past the threshold
    /// until the subject or a guardian withdraws it), never the subject's
    /// own once an adult.
    pub(super) fn withdraws_grant(&self, w: &Consent, grant: &Consent) -> bool {
        self.withdraws(w)
            || (w.grantor.is_verified_guardian() && matches!(grant.grantor, Grantor::Guardian(_)))
    }

    /// Whether a withdrawal names `purpose`: it names none (so all), or
    /// one that overlaps it (a group names every purpose under it, and a
    /// purpose its group).
    pub(super) fn withdrawal_names_purpose(
        &self,
        withdrawal: &Consent,
        purpose: PurposeId,
    ) -> bool {
        let tree = &self.policy.purpose_tree;
        withdrawal.purposes.is_empty()
            || withdrawal
                .purposes
                .iter()
                .any(|p| tree.overlaps(p.index(), purpose.index()))
    }

    /// Whether a withdrawal names `category` (some requested category when
    /// `None`): it names none (so all), or one that overlaps it, so a
    /// request for a group is withdrawn where any category under it is.
    pub(super) fn withdrawal_names_categories(
        &self,
        withdrawal: &Consent,
        category: Option<CategoryId>,
    ) -> bool {
        let tree = &self.policy.category_tree;
        let names = |c: CategoryId| {
            withdrawal
                .categories
                .iter()
                .any(|k| tree.overlaps(k.index(), c.index()))
        };
        withdrawal.categories.is_empty()
            || match category {
                Some(c) => names(c),
                None => self.request.categories.iter().any(|&c| names(c)),
            }
    }

    /// Whether the record's purposes cover the request's purpose.
    fn covers_purpose(&self, consent: &Consent) -> bool {
        let purposes = &self.policy.purpose_tree;
        let purpose = self.request.purpose.index();
        consent
            .purposes
            .iter()
            .any(|p| purposes.covers(p.index(), purpose))
    }

    /// Whether the record's categories cover `category` (every requested
    /// category when `None`).
    fn covers_categories(&self, consent: &Consent, category: Option<CategoryId>) -> bool {
        let tree = &self.policy.category_tree;
        let covers = |c: CategoryId| {
            consent
                .categories
                .iter()
                .any(|k| tree.covers(k.index(), c.index()))
        };
        match category {
            Some(c) => covers(c),
            None => self.request.categories.iter().all(|&c| covers(c)),
        }
    }

    /// Whether the grant's scope covers the request for `category` (every
    /// category when `None`): the purpose, and (for a full scope) the action
    /// and the recipient; if not, the first dimension that fails.
    pub(super) fn in_scope(
        &self,
        consent: &Consent,
        scope: Scope,
        category: Option<CategoryId>,
    ) -> Result<(), Detail> {
        if !self.covers_purpose(consent) {
            return Err(Detail::Purpose);
        }
        if scope == Scope::Purpose {
            return Ok(());
        }
        if !self.covers_categories(consent, category) {
            return Err(Detail::Category);
        }
        if scope == Scope::Processing {
            return Ok(());
        }
        // A grant covers only the actions it lists; with none, collection,
        // use and storage. A consent to export to a named recipient is the
        // consent to provide the data to it abroad (PIPL art. 39 asks more
        // of it than art. 23): it covers the share or transfer that the
        // export is.
        let actions = consent.granted_actions();
        let provided_abroad = matches!(self.action, Action::Share | Action::Transfer)
            && !self.abroad.is_empty()
            && actions.contains(Action::Export);
        if !actions.contains(self.action) && !provided_abroad {
            return Err(Detail::Action);
        }
        // A consent to share, transfer or export names whom to (PIPL arts.
        // 23, 39): an empty list names no one. A child's data given to the
        // verified guardian is access, not provision (the consent's grantor
        // says who the guardian is).
        if self.action.names_recipient_in_consent() && !self.guardian_access {
            let name = self
                .request
                .recipient
                .as_ref()
                .and_then(|r| r.name.as_ref());
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

/// What a grant's scope and time said in one [`Context::best_fit`], kept
/// for the next regime's look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Seen {
    /// Not looked at yet.
    Unjudged,
    /// In scope and holding: its grantor is judged under each regime.
    Holds,
    /// Out of scope, not yet given or withdrawn, under every regime.
    Fails(Fit),
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
