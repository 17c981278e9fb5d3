//! Step 3b: which permit rules cover each requested category for the
//! action and purpose (for this subject and recipient), and the bases
//! they offer.

use super::{COVERED_UP_FRONT, Context, all_bases};
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
            if let Some(plan) = self.plan {
                // One category, its list's rules open to everyone: what
                // they offer was worked out when compiling.
                offered = plan.offered();
                first = self.covering(nth, category).next();
            } else {
                for rule in self.covering(nth, category) {
                    offered = offered.union(self.offered(rule));
                    first = first.or(Some(rule));
                }
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

    /// The first rule [`Context::used_rules`] yields: what a refusal
    /// cites. For a request with a plan, read from it (the first rule
    /// offering the basis; with no basis, the list's first).
    pub(super) fn first_used(&self, basis: Option<Basis>) -> Option<RuleId> {
        if let Some(plan) = self.plan {
            let [list, ..] = self.covered;
            return match basis {
                Some(basis) => plan.first_offering(basis),
                None => list.first().copied(),
            };
        }
        self.used_rules(basis).next().map(|(_, r)| r.id)
    }

    /// Whether a rule covers at least one requested category.
    pub(super) fn touches_request(&self, rule: &Rule) -> bool {
        self.request
            .categories
            .iter()
            .any(|c| rule.covers(c.index()))
    }

    /// The candidates that cover a requested category, in policy order
    /// (the basis search's rules). A slot of more than
    /// [`WALK_COVERING_ABOVE`] rules (its length is the compiled index's)
    /// is not walked: the covering lists looked up in advance are merged
    /// instead, so the work follows the rules that touch the request, not
    /// the size of the policy. The same rules either way: each list holds
    /// the slot's rules covering its category, in policy order.
    pub(super) fn touching_candidates<'c>(&'c self) -> Touching<'c, 'a> {
        #[cfg(test)]
        if self.policy.no_shortcuts {
            return self.touching_candidates_above(usize::MAX);
        } else if self.policy.merge_every_slot {
            return self.touching_candidates_above(0);
        }
        self.touching_candidates_above(WALK_COVERING_ABOVE)
    }

    /// [`Context::touching_candidates`], merging the lists for a slot
    /// longer than `above`; for a request of one category, its list alone
    /// (unless `above` is `usize::MAX`: every slot walked).
    fn touching_candidates_above<'c>(&'c self, above: usize) -> Touching<'c, 'a> {
        let slot = self.policy.permits.get(self.action, self.request.purpose);
        let touches = self.touches();
        // One category: its covering list is the touching rules of the
        // slot, in policy order; walked instead of the slot.
        if touches.n == Some(1) && above != usize::MAX {
            let [list, ..] = self.covered;
            return Touching {
                ctx: self,
                slot: list.iter(),
                touches,
                merged: None,
                listed: true,
            };
        }
        let merged = touches
            .n
            .filter(|_| slot.len() > above)
            .map(|n| (touches.lists, n));
        Touching {
            ctx: self,
            slot: slot.iter(),
            touches,
            merged,
            listed: false,
        }
    }

    /// A test of "covers a requested category" for rules asked in policy
    /// order (see [`Touches`]).
    pub(super) fn touches(&self) -> Touches<'a> {
        let n = self.request.categories.len();
        Touches {
            lists: self.covered,
            n: (n <= COVERED_UP_FRONT).then_some(n),
        }
    }
}

/// A slot longer than this has its touching candidates found from the
/// covering lists (see [`Context::touching_candidates`]): below it, one
/// walk of the slot costs less per rule than merging lists.
pub(super) const WALK_COVERING_ABOVE: usize = 64;

/// The candidates that cover a requested category, in policy order (see
/// [`Context::touching_candidates`]).
pub(super) struct Touching<'c, 'a> {
    ctx: &'c Context<'a>,
    /// The slot, walked when the lists are not merged.
    slot: core::slice::Iter<'a, RuleId>,
    touches: Touches<'a>,
    /// The covering lists and how many are the request's, when merged.
    merged: Option<([&'a [RuleId]; COVERED_UP_FRONT], usize)>,
    /// `slot` is the one requested category's covering list: every rule
    /// of it touches the request.
    listed: bool,
}

impl<'a> Iterator for Touching<'_, 'a> {
    type Item = &'a Rule;

    fn next(&mut self) -> Option<&'a Rule> {
        let ctx = self.ctx;
        if let Some((lists, n)) = &mut self.merged {
            let lists = lists.get_mut(..*n).unwrap_or_default();
            loop {
                // The smallest head is the next rule in policy order; every
                // list that starts with it moves on.
                let id = lists.iter().filter_map(|l| l.first()).min().copied()?;
                for list in lists.iter_mut() {
                    if let Some((&first, rest)) = list.split_first()
                        && first == id
                    {
                        *list = rest;
                    }
                }
                if let Some(rule) = ctx.policy.rule(id)
                    && rule.applies_to(ctx.audience)
                {
                    return Some(rule);
                }
            }
        }
        loop {
            let &id = self.slot.next()?;
            if let Some(rule) = ctx.policy.rule(id)
                && rule.applies_to(ctx.audience)
                && (self.listed || self.touches.rule(ctx, rule))
            {
                return Some(rule);
            }
        }
    }
}

/// Whether rules, asked in policy order, cover a requested category: read
/// from the covering lists looked up in advance (each in policy order, so
/// one cursor each that only moves forward) instead of testing the rule's
/// category ranges against every category. A request with more categories
/// than were looked up is tested the long way.
pub(super) struct Touches<'a> {
    lists: [&'a [RuleId]; COVERED_UP_FRONT],
    /// How many lists are the request's; `None`: test the long way.
    n: Option<usize>,
}

impl Touches<'_> {
    /// Whether `rule` covers a requested category of `ctx`'s request; rules
    /// must be asked in policy order.
    pub(super) fn rule(&mut self, ctx: &Context<'_>, rule: &Rule) -> bool {
        let Some(lists) = self.n.and_then(|n| self.lists.get_mut(..n)) else {
            return ctx.touches_request(rule);
        };
        let mut hit = false;
        for list in lists {
            while let Some((&first, rest)) = list.split_first()
                && first < rule.id
            {
                *list = rest;
            }
            hit |= list.first() == Some(&rule.id);
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::super::{Context, Facts};
    use crate::{Action, Engine, Request};

    /// The covering lists walked side by side with a slot say what the
    /// rules' own category ranges say, for every candidate of every action
    /// and purpose of the seed, on requests of one to four categories
    /// (repeats included) drawn at random.
    #[test]
    fn touches_walks_the_covering_lists_as_the_ranges_say() {
        let engine = Engine::builtin();
        let policy = engine.policy();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        let categories: Vec<_> = policy.categories.iter().map(|c| c.id).collect();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % below as u64).unwrap()
        };
        let (mut touching, mut not) = (0, 0);
        for &action in Action::ALL {
            for purpose in &policy.purposes {
                for _ in 0..40 {
                    let mut request = Request::new(action, purpose.id, at);
                    for _ in 0..=next(4) {
                        request = request.category(categories[next(categories.len())]);
                    }
                    let facts = Facts::of(policy, &request).unwrap();
                    let mut ctx = Context::new(policy, &request, facts);
                    ctx.settle(None);
                    let mut touches = ctx.touches();
                    for rule in ctx.candidates() {
                        let expected = ctx.touches_request(rule);
                        assert_eq!(touches.rule(&ctx, rule), expected, "{}", rule.name);
                        if expected {
                            touching += 1;
                        } else {
                            not += 1;
                        }
                    }
                }
            }
        }
        assert!(touching > 1000 && not > 1000, "{touching} {not}");
    }

    /// The covering lists merged give the rules the slot's walk gives, in
    /// the same order, for every action and purpose of the seed, for
    /// children and adults (the rules' applicability), on requests of one
    /// category (its list walked), two to four (merged) and five and six
    /// (the slot walked either way).
    #[test]
    fn merged_covering_lists_are_the_touching_candidates() {
        let engine = Engine::builtin();
        let policy = engine.policy();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        let categories: Vec<_> = policy.categories.iter().map(|c| c.id).collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % below as u64).unwrap()
        };
        let adult =
            crate::Subject::new().birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap());
        let child =
            crate::Subject::new().birth_date(chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap());
        let mut rules_seen = 0;
        for &action in Action::ALL {
            for purpose in &policy.purposes {
                for round in 0..40 {
                    let subject = if round % 2 == 0 {
                        adult.clone()
                    } else {
                        child.clone()
                    };
                    let mut request = Request::new(action, purpose.id, at).subject(subject);
                    for _ in 0..=next(6) {
                        request = request.category(categories[next(categories.len())]);
                    }
                    let facts = Facts::of(policy, &request).unwrap();
                    let mut ctx = Context::new(policy, &request, facts);
                    ctx.settle(None);
                    let walked: Vec<_> = ctx
                        .touching_candidates_above(usize::MAX)
                        .map(|r| r.id)
                        .collect();
                    let merged: Vec<_> = ctx.touching_candidates_above(0).map(|r| r.id).collect();
                    assert_eq!(merged, walked, "{action:?} {}", purpose.name);
                    rules_seen += walked.len();
                }
            }
        }
        assert!(rules_seen > 1000, "{rules_seen}");
    }

    /// Permits added to the EU example for [`plans_are_the_walks_they_replace`].
    const CRAFTED_PERMITS: &str = r#"
[[permit]]
id = "x1"
clause = "Why we use your data / Improving the app"
actions = ["collect", "use", "store", "entrust"]
purposes = ["analytics.product"]
categories = ["activity.steps"]
bases = ["contract", "legitimate_interests", "consent", "legal_obligation"]
obligations = ["impact_assessment"]
unknown_age = "adult"
retention = "30d"

[[permit]]
id = "x1b"
clause = "Why we use your data / Improving the app"
actions = ["collect", "use", "store", "entrust"]
purposes = ["analytics.product"]
categories = ["activity"]
bases = ["legal_obligation", "public_task", "consent"]
retention = "2y"

[[permit]]
id = "x2"
clause = "Why we use your data / Improving the app"
actions = ["share", "export", "transfer", "disclose"]
purposes = ["analytics.product"]
categories = ["activity"]
bases = ["consent", "public_task", "emergency", "contract"]
occasional = true
retention = "2y"

[[permit]]
id = "x3"
clause = "Why we use your data / Improving the app"
actions = ["share", "export", "transfer", "disclose"]
purposes = ["analytics.product"]
categories = ["activity.workouts"]
bases = ["legal_obligation", "consent", "legitimate_interests"]
requires_known_age = true
obligations = ["impact_assessment"]
retention = "1y"

[[permit]]
id = "x4"
clause = "Why we use your data / Keeping accounts safe"
actions = ["share", "collect"]
purposes = ["security.fraud_prevention"]
categories = ["account.display_name", "log"]
bases = ["legitimate_interests", "legal_obligation"]
requires_known_age = true
retention = "6m"

[[permit]]
id = "x5"
clause = "Why we use your data / Keeping accounts safe"
actions = ["share", "collect", "export"]
purposes = ["security.fraud_prevention"]
categories = ["account", "log.security"]
bases = ["legal_obligation", "contract", "consent"]
occasional = true
obligations = ["impact_assessment"]
retention = "1y"
"#;

    /// The compiled plans say what the walks they replace say, for every
    /// action, purpose and category of the seed and of the EU example: on
    /// a request of that one category, for an adult, a child and a subject
    /// of unknown age (both paths), with no recipient and with a third
    /// party, the context has a plan exactly where the list has one and
    /// the age allows it, and then the plan's steps are the bases the
    /// basis search meets walking the slot (each with the first rule
    /// offering it), its bases are the coverage's, and its first rule
    /// offering a basis is the one the rules cited walk to (and a
    /// refusal cites).
    #[test]
    fn plans_are_the_walks_they_replace() {
        use crate::basis::{Basis, BasisSet};
        use crate::recipient::{Recipient, RecipientKind};
        let eu_text = include_str!("../../../policies/examples/eu-fitness.toml");
        let eu = Engine::from_toml(eu_text).unwrap();
        // The EU example with lists the example and the seed never plan:
        // one list's rules offering the same bases in other orders, with
        // their own obligations and retention, `unknown_age = "adult"` on a
        // later rule, `occasional`, rules needing a known age beside open
        // ones, and shares, exports and disclosures open to everyone.
        let crafted = Engine::from_toml(&format!("{eu_text}{CRAFTED_PERMITS}")).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        let adult =
            crate::Subject::new().birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap());
        let child =
            crate::Subject::new().birth_date(chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap());
        let unknown = crate::Subject::new();
        for engine in [Engine::builtin(), &eu, &crafted] {
            let policy = engine.policy();
            let (mut planned, mut compared) = (0, 0);
            for &action in Action::ALL {
                for purpose in &policy.purposes {
                    for category in &policy.categories {
                        let (list, plan) = policy.covering.covering_planned(
                            action,
                            purpose.id,
                            category.id.index(),
                        );
                        planned += usize::from(plan.is_some());
                        for subject in [&adult, &child, &unknown] {
                            for recipient in [None, Some(RecipientKind::ThirdParty)] {
                                let mut request = Request::new(action, purpose.id, at)
                                    .category(category.id)
                                    .subject(subject.clone());
                                if let Some(kind) = recipient {
                                    request = request.recipient(
                                        Recipient::new(kind).name("Acme").region(
                                            crate::subject::region::RegionCode::new("CN").unwrap(),
                                        ),
                                    );
                                }
                                let Some(facts) = Facts::of(policy, &request) else {
                                    continue;
                                };
                                let mut ctx = Context::new(policy, &request, facts);
                                ctx.settle(None);
                                let paths: &[Option<bool>] = if ctx.age_known {
                                    &[None]
                                } else {
                                    &[Some(false), Some(true)]
                                };
                                for &assumed in paths {
                                    if let Some(child) = assumed {
                                        ctx.assume(child);
                                    }
                                    let expected = plan.filter(|p| ctx.age_known || p.any_age());
                                    assert_eq!(
                                        ctx.plan.map(std::ptr::from_ref),
                                        expected.map(std::ptr::from_ref),
                                        "{action:?} {} {}",
                                        purpose.name,
                                        category.name
                                    );
                                    let Some(plan) = ctx.plan else {
                                        continue;
                                    };
                                    // The basis search's walk, over the whole slot.
                                    let mut steps = Vec::new();
                                    let mut seen = BasisSet::EMPTY;
                                    for rule in ctx.touching_candidates_above(usize::MAX) {
                                        assert!(ctx.age_known || !rule.requires_known_age);
                                        for &basis in &rule.bases {
                                            if !seen.contains(basis) {
                                                seen = seen.with(basis);
                                                steps.push((basis, rule.id));
                                            }
                                        }
                                    }
                                    assert_eq!(plan.steps().collect::<Vec<_>>(), steps);
                                    let walked = ctx
                                        .covering(0, category.id)
                                        .fold(BasisSet::EMPTY, |set, r| set.union(ctx.offered(r)));
                                    assert_eq!(plan.offered(), walked);
                                    assert_eq!(
                                        ctx.covering(0, category.id).next().map(|r| r.id),
                                        list.first().copied()
                                    );
                                    for basis in Basis::ALL.iter().copied().map(Some).chain([None])
                                    {
                                        let walked =
                                            ctx.used_rules(basis).next().map(|(_, r)| r.id);
                                        if let Some(basis) = basis {
                                            assert_eq!(plan.first_offering(basis), walked);
                                        }
                                        assert_eq!(ctx.first_used(basis), walked);
                                    }
                                    compared += 1;
                                }
                            }
                        }
                    }
                }
            }
            assert!(planned > 50 && compared > 400, "{planned} {compared}");
            // One plan per entry that has one, read by at least one cell.
            assert!(policy.covering.plan_count() <= planned);
        }
    }
}
