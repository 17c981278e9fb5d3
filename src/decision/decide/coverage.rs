//! Step 3b: which permit rules cover each requested category for the
//! action and purpose (for this subject and recipient), and the bases
//! they offer.

use super::{AgeBlock, Context, all_bases};
use crate::action::Action;
use crate::basis::{Basis, BasisSet};
use crate::category::CategoryId;
use crate::decision::{Decision, Detail, Reason, ReasonCode};
use crate::policy::{Rule, RuleId};

impl<'a> Context<'a> {
    /// The rules of an index slot that apply to this subject and recipient.
    pub(super) fn rules(&self, ids: &'a [RuleId]) -> impl Iterator<Item = &'a Rule> + 'a {
        let policy = self.policy;
        let audience = self.audience;
        ids.iter()
            .filter_map(move |&id| policy.rule(id))
            .filter(move |r| r.applies_to(audience))
    }

    /// The permit rules that may apply.
    pub(super) fn candidates(&self) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules(self.policy.permits.get(self.action, self.request.purpose))
    }

    /// The first rule covering the `nth` requested category for the
    /// request's own action (in the export pass of a flow abroad too).
    pub(super) fn covering_own_action(&self, nth: usize, category: CategoryId) -> Option<&'a Rule> {
        if self.action == self.request.action {
            return self.covering(nth, category).next();
        }
        let ids = self.policy.covering.covering(
            self.request.action,
            self.request.purpose,
            category.index(),
        );
        self.rules(ids).next()
    }

    /// The permit rules that may apply and cover `category`, the `nth`
    /// requested one (from the compiled cover index: no scan of the slot).
    pub(super) fn covering(
        &self,
        nth: usize,
        category: CategoryId,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        let ids = match self.covered.get(nth) {
            Some(ids) => ids,
            None => {
                self.policy
                    .covering
                    .covering(self.action, self.request.purpose, category.index())
            }
        };
        self.rules(ids)
    }

    /// The bases a rule offers this subject: none when it needs a known age
    /// that is unknown.
    pub(super) fn offered(&self, rule: &Rule) -> BasisSet {
        if rule.requires_known_age && !self.age_known() {
            BasisSet::EMPTY
        } else {
            rule.basis_set
        }
    }

    /// Checks that every category is covered and returns the bases under
    /// which all of them are (a basis must be offered, for each category, by
    /// some rule covering it). Reports what is uncovered. An `entrust` also
    /// needs the processing the processor does for us to be permitted: its
    /// bases are those of the `use` of the same categories for the purpose.
    pub(super) fn coverage(&self, decision: &mut Decision) -> Option<BasisSet> {
        let mut acceptable = all_bases();
        let mut covered = true;
        for (nth, &category) in self.request.categories.iter().enumerate() {
            let mut offered = BasisSet::EMPTY;
            let mut first = None;
            for rule in self.covering(nth, category) {
                offered = offered.union(self.offered(rule));
                first = first.or(Some(rule));
            }
            match first {
                None => {
                    decision.push_reason(Reason::new(
                        ReasonCode::NoMatchingRule,
                        None,
                        Some(category),
                    ));
                    covered = false;
                }
                Some(rule) if offered.is_empty() => {
                    // Only rules that need a known age cover it.
                    decision.push_reason(Reason::new(
                        ReasonCode::AgeUnknown,
                        Some(rule.id),
                        Some(category),
                    ));
                    covered = false;
                }
                Some(_) => acceptable = acceptable.intersection(offered),
            }
            if self.action == Action::Entrust {
                let underlying = self.underlying(category);
                if underlying.is_empty() {
                    decision.push_reason(
                        Reason::new(ReasonCode::NoMatchingRule, None, Some(category))
                            .with_detail(Detail::UnderlyingProcessing),
                    );
                    covered = false;
                }
                acceptable = acceptable.intersection(underlying);
            }
        }
        if let Some(category) = self.purpose_bound
            && self.action != Action::Delete
        {
            // Data bound to its purposes (cookies) serves nothing else, but
            // for statutory duties on a legal obligation.
            if self.purpose_info().is_some_and(|p| p.statutory) {
                acceptable = acceptable.intersection(BasisSet::EMPTY.with(Basis::LegalObligation));
            } else {
                decision.push_reason(
                    Reason::new(ReasonCode::NoMatchingRule, None, Some(category))
                        .with_detail(Detail::PurposeBound),
                );
                covered = false;
            }
        }
        // ePrivacy art. 5(3): reading from or storing on the terminal needs
        // consent, whatever the basis, unless strictly necessary.
        let strictly_necessary = self.purpose_info().is_some_and(|p| p.strictly_necessary);
        if self.terminal
            && self.action == Action::Collect
            && !strictly_necessary
            && self
                .regimes
                .iter()
                .any(|r| self.policy.regimes.get(r).terminal_consent)
        {
            if acceptable.contains(Basis::Consent) {
                acceptable = BasisSet::EMPTY.with(Basis::Consent);
            } else if covered {
                decision.push_reason(
                    Reason::new(ReasonCode::ConsentMissing, None, None)
                        .with_detail(Detail::TerminalAccess),
                );
                covered = false;
            }
        }
        covered.then_some(acceptable)
    }

    /// The bases under which the `use` of `category` for the purpose is
    /// permitted: what an entrustment rests on (PIPL art. 21, GDPR art. 28).
    pub(super) fn underlying(&self, category: CategoryId) -> BasisSet {
        let ids =
            self.policy
                .covering
                .covering(Action::Use, self.request.purpose, category.index());
        let child = self.child;
        ids.iter()
            .filter_map(|&id| self.policy.rule(id))
            .filter(|r| r.allows_subject(child))
            .fold(BasisSet::EMPTY, |set, r| set.union(self.offered(r)))
    }

    /// For each category, the first candidate rule that covers it (offering
    /// `basis`, when there is one). Yields (category, rule); a rule may come
    /// more than once.
    pub(super) fn used_rules(
        &self,
        basis: Option<Basis>,
    ) -> impl Iterator<Item = (Option<CategoryId>, &'a Rule)> + '_ {
        let fits = move |rule: &Rule| match basis {
            Some(b) => self.offered(rule).contains(b),
            None => true,
        };
        let each = self.request.categories.iter().enumerate();
        each.filter_map(move |(nth, &category)| {
            self.covering(nth, category)
                .find(|r| fits(r))
                .map(|rule| (Some(category), rule))
        })
    }

    /// Whether a rule covers at least one requested category.
    pub(super) fn touches_request(&self, rule: &Rule) -> bool {
        self.request
            .categories
            .iter()
            .any(|c| rule.covers(c.index()))
    }

    /// The first rule covering a requested category that is closed to this
    /// subject only because their age is unknown.
    pub(super) fn age_block(&self) -> AgeBlock {
        if self.age_known() {
            return AgeBlock(None);
        }
        AgeBlock(
            self.candidates()
                .find(|r| r.requires_known_age && self.touches_request(r))
                .map(|r| r.id),
        )
    }
}
