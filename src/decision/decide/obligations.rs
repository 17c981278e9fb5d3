//! Step 7: the obligations that come with a permit, the rules cited for
//! them, and the finishing touches every decision gets.

use super::Context;
use crate::action::Action;
use crate::basis::Basis;
use crate::decision::{Decision, Due, Effect, ObligationCode, Reason, ReasonCode};
use crate::policy::{Rule, RuleId};
use crate::recipient::RecipientKind;
use crate::subject::regime::Regime;

impl Context<'_> {
    /// [`Context::cite_rules`] for a permit on `basis`, which the basis
    /// search found offered by `offered_by` (`None`: no search). For a
    /// request of one category and a known age, that rule is the one the
    /// rules used would walk to: the first candidate (the category's
    /// covering rules that apply, in policy order) offering the basis,
    /// where the search met it first (a known age: every rule offers its
    /// bases); it is cited without the walk.
    #[inline]
    pub(super) fn cite_rules_found(
        &self,
        decision: &mut Decision,
        basis: Option<Basis>,
        offered_by: Option<RuleId>,
    ) {
        #[cfg(test)]
        let found = !self.policy.no_shortcuts;
        #[cfg(not(test))]
        let found = true;
        // (With a plan, `cite_rules` reads the rule from it.)
        if self.plan.is_none()
            && found
            && basis.is_some()
            && self.age_known()
            && self.request.categories.len() == 1
            && let Some(rule) = offered_by.and_then(|id| self.policy.rule(id))
        {
            // The walk it replaces, in every debug test.
            debug_assert_eq!(
                self.used_rules(basis).next().map(|(_, r)| r.id),
                Some(rule.id)
            );
            decision.push_reason(Reason::new(ReasonCode::RulePermits, Some(rule.id), None));
            decision.add_obligations(rule.obligations);
            return self.retain_until(decision);
        }
        self.cite_rules(decision, basis, true);
    }

    /// In one pass over the rules used: cites each (`rule_permits`), adds
    /// its own obligations when `own_obligations`, and `retain_until`: the
    /// earliest end among the rules used, counted from `collected_at` (or
    /// from `at`: a collection happening now); an event when every rule used
    /// keeps data until one, the one that comes first whatever the order of
    /// the categories ([`first_event`](super::retention::first_event)).
    pub(super) fn cite_rules(
        &self,
        decision: &mut Decision,
        basis: Option<Basis>,
        own_obligations: bool,
    ) {
        let mut cite = |rule: &Rule| {
            decision.push_reason(Reason::new(ReasonCode::RulePermits, Some(rule.id), None));
            if own_obligations {
                decision.add_obligations(rule.obligations);
            }
        };
        if let (Some(_), Some(basis)) = (self.plan, basis) {
            // One category with a plan: the rule it uses (the first
            // offering the basis) was found when compiling.
            if let Some(rule) = self
                .first_used(Some(basis))
                .and_then(|id| self.policy.rule(id))
            {
                cite(rule);
            }
        } else {
            let mut previous = None;
            for (_, rule) in self.used_rules(basis) {
                // Categories often share their rule: count each rule once.
                if previous.replace(rule.id) == Some(rule.id) {
                    continue;
                }
                cite(rule);
            }
        }
        self.retain_until(decision);
    }

    /// `retain_until` on a permit: the record's end, or the event it waits
    /// for (see [`Context::cite_rules`]).
    #[inline]
    fn retain_until(&self, decision: &mut Decision) {
        // A permit combined into a deny keeps none of its obligations (a
        // pass with a reason is a permit from here: none that follows
        // denies).
        if self.denied_before && !decision.reasons().is_empty() {
            return;
        }
        // Retention belongs to the data: until the record's end, whatever
        // rule covers this action.
        let record = self.record();
        let earliest = record.end.map(|(end, _, _)| end);
        let event = record.event;
        if let Some(end) = earliest {
            decision.add_dated(ObligationCode::RetainUntil, Due::Date(self.home_date(end)));
        } else if let Some(event) = event {
            decision.add_dated(ObligationCode::RetainUntil, Due::Event(event));
        }
    }

    /// Step 7: the statutory obligations on a permit (the rules' own, and
    /// `retain_until`, come from [`Context::cite_rules`]).
    pub(super) fn obligations(&self, basis: Option<Basis>, decision: &mut Decision) {
        // A permit combined into a deny keeps none of its obligations.
        if self.denied_before && !decision.reasons().is_empty() {
            return;
        }
        let action = self.action;
        let child = self.is_child();
        let abroad = !self.abroad.is_empty() || action == Action::Export;
        let provides = match action {
            Action::Share => !self.guardian_access,
            Action::Transfer | Action::Disclose | Action::Export => true,
            _ => false,
        };
        if self.sensitive || child {
            decision.add_obligation(ObligationCode::EncryptAtRest);
            decision.add_obligation(ObligationCode::MinimalAccess);
        }
        let pipl = self.regimes.contains(Regime::Pipl);
        // Every minor, not only a child (Regulations on the Protection of
        // Minors Online, art. 36): minimal access to their data.
        if pipl && self.minor {
            decision.add_obligation(ObligationCode::MinimalAccess);
        }
        // PIPL art. 30: collecting sensitive information, or processing it
        // for another purpose than it was collected for, on any basis but
        // consent (whose record stands for the notice), tells the subject
        // (a child's guardian) why it is necessary and what it means for
        // them. On an emergency the notice follows it (below).
        let new_purpose = self
            .request
            .collected_for
            .is_some_and(|p| p != self.request.purpose);
        // All of a PIPL child's data is sensitive (art. 28).
        if pipl
            && (self.sensitive || self.children_layer())
            && (action == Action::Collect || new_purpose)
            && basis.is_some_and(|b| b != Basis::Consent)
        {
            decision.add_obligation(if self.children_layer() {
                ObligationCode::NotifyGuardian
            } else {
                ObligationCode::NotifySubject
            });
        }
        // The subject receiving their own data: first make sure it is them.
        if self.recipient == Some(RecipientKind::Subject) {
            decision.add_obligation(ObligationCode::VerifyIdentity);
        }
        // CAC-2019 arts. 9, 17, 18: the guardian (and the child) hear of
        // the collection and of every provision of the child's data.
        if self.children_layer() && (action == Action::Collect || provides) {
            decision.add_obligation(ObligationCode::NotifyGuardian);
        }
        // PIPL arts. 23, 39, 22: the subject learns who receives the data;
        // not of a domestic processor acting for us, nor of a publication.
        if (matches!(action, Action::Share | Action::Transfer) && provides) || abroad {
            decision.add_obligation(ObligationCode::NotifyRecipientIdentity);
        }
        if self.acquirer_bound() {
            decision.add_obligation(ObligationCode::BindRecipientToPolicy);
        }
        if action == Action::Entrust {
            decision.add_obligation(ObligationCode::ProcessingAgreement);
        }
        // PIPL art. 55: an impact assessment in advance (the GDPR asks one
        // only where the policy marks the processing high-risk).
        if pipl
            && (self.sensitive
                || self.children_layer()
                || abroad
                || matches!(
                    action,
                    Action::Entrust | Action::Transfer | Action::Disclose
                )
                || (action == Action::Share && !self.guardian_access))
        {
            decision.add_obligation(ObligationCode::ImpactAssessment);
        }
        if action == Action::Share && self.recipient == Some(RecipientKind::Authority) {
            // PIPL arts. 13(1)(3), 41: giving data to a court or regulator is logged
            // and protected like a disclosure, whatever the purpose.
            decision.add_obligation(ObligationCode::SecurityMeasures);
            decision.add_obligation(ObligationCode::LogDisclosure);
        }
        if abroad {
            decision.add_obligation(ObligationCode::NotifySubject);
        }
        if action == Action::Disclose {
            decision.add_obligation(ObligationCode::SecurityMeasures);
            decision.add_obligation(ObligationCode::LogDisclosure);
        }
        if basis == Some(Basis::Emergency) {
            decision.add_obligation(ObligationCode::NotifySubject);
        }
        if basis == Some(Basis::LegitimateInterests) {
            decision.add_obligation(ObligationCode::HonourObjection);
        }
        if self.combined && !matches!(basis, Some(Basis::Consent | Basis::LegalObligation)) {
            decision.add_obligation(ObligationCode::DeidentifyAfterUse);
        }
        // PIPL art. 18(1): where a law requires secrecy, no notice is owed;
        // the disclosure is still logged.
        // Never under the GDPR (arts. 13, 14: no such exception for another
        // state's law), never where the notice is part of the consent.
        if self.request.evidence.confidential
            && !self.regimes.contains(Regime::Gdpr)
            && basis != Some(Basis::Consent)
        {
            decision.remove_obligation(ObligationCode::NotifySubject);
            decision.remove_obligation(ObligationCode::NotifyGuardian);
            decision.remove_obligation(ObligationCode::NotifyRecipientIdentity);
        }
    }

    /// Adds the findings that explain rather than decide, and sets the
    /// effect: permit only when no reason denies.
    pub(super) fn finish(&self, decision: &mut Decision, basis: Option<Basis>) {
        if self.combined {
            decision.push_reason(Reason::new(
                ReasonCode::CombinedAsPersonalInformation,
                None,
                None,
            ));
        }
        if self.subject.resident_id_invalid {
            decision.push_reason(Reason::new(ReasonCode::ResidentIdInvalid, None, None));
        }
        if decision.has_deny_reason() || decision.reasons().is_empty() {
            decision.set_effect(Effect::Deny);
            decision.set_basis(None);
            decision.remove_obligation(ObligationCode::RetainUntil);
        } else {
            decision.set_basis(basis);
        }
    }
}
