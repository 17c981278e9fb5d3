//! Step 4: the lawful basis. The bases the covering rules offer are tried
//! in the rules' order of preference; the first under which the whole
//! decision passes is the one it rests on. Each failure is kept, to say
//! what to fix.

use super::{AgeBlock, Context, Failure, consent::Scope};
use crate::action::Action;
use crate::basis::{Basis, BasisSet};
use crate::decision::consent::Timing;
use crate::decision::{Decision, Detail, Reason, ReasonCode};
use crate::policy::RuleId;
use crate::recipient::RecipientKind;
use crate::subject::regime::Regime;

impl Context<'_> {
    /// Whether the request is a transfer to an acquirer bound by the policy.
    pub(super) fn acquirer_bound(&self) -> bool {
        self.action == Action::Transfer && self.request_acquirer_bound()
    }

    /// Whether the request (whatever the action decided) names an acquirer
    /// that accepts the policy, in a transfer.
    pub(super) fn request_acquirer_bound(&self) -> bool {
        self.request.action == Action::Transfer
            && self
                .request
                .recipient
                .as_ref()
                .is_some_and(|r| r.kind == RecipientKind::Acquirer && r.accepts_policy)
    }

    /// Whether the action is a transfer to an acquirer that is not bound:
    /// only a separate consent naming it will do.
    pub(super) fn acquirer_unbound(&self) -> bool {
        self.action == Action::Transfer
            && self
                .request
                .recipient
                .as_ref()
                .is_some_and(|r| r.kind == RecipientKind::Acquirer && !r.accepts_policy)
    }

    /// Whether a consent supporting `category` (the whole request when
    /// `None`) must be separate (单独同意, PIPL arts. 23, 25, 29, 31, 39;
    /// explicit consent for a special category, GDPR art. 9(2)(a)): a
    /// sensitive category, a child's data, a share, disclosure or export, an
    /// unbound acquirer. Entrusting adds no trigger of its own: the
    /// processor acts for us. Each grant must meet, by itself, the triggers
    /// of the categories it supports.
    pub(super) fn separate_required_for(
        &self,
        category: Option<crate::category::CategoryId>,
    ) -> bool {
        let (sensitive, special) = match category.and_then(|c| self.policy.category(c)) {
            Some(info) => (
                info.touches.sensitive || info.touches.special,
                info.touches.special,
            ),
            None => (self.sensitive, self.special),
        };
        let pipl = self.regimes.contains(Regime::Pipl)
            && (sensitive
                || self.children_layer()
                || matches!(self.action, Action::Disclose | Action::Export)
                || (self.action == Action::Share && !self.guardian_access)
                || self.acquirer_unbound());
        let gdpr = self.regimes.contains(Regime::Gdpr) && special;
        pipl || gdpr || (self.regimes.is_empty() && sensitive)
    }

    /// Tries the acceptable bases in the candidates' order of preference;
    /// the first whose evidence holds is the basis; `offered_by` is set to
    /// the rule the search met it at (the first candidate offering it: a
    /// basis met again is not tried again).
    pub(super) fn choose_basis(
        &self,
        mut acceptable: BasisSet,
        offered_by: &mut Option<RuleId>,
    ) -> Result<Basis, BasisFailures> {
        if self.action == Action::Disclose {
            // Disclosure only on a legal obligation or (separate) consent.
            acceptable = acceptable.intersection(
                BasisSet::EMPTY
                    .with(Basis::LegalObligation)
                    .with(Basis::Consent),
            );
        }
        if self.action == Action::Export && self.request_acquirer_bound() {
            // PIPL art. 39: a transfer with no basis of its own (art. 22)
            // goes abroad only on separate consent naming the recipient.
            acceptable = acceptable.intersection(BasisSet::EMPTY.with(Basis::Consent));
        }
        let mut failures = BasisFailures::default();
        if let Some(plan) = self.plan {
            // One category, its list's rules open to everyone and to any
            // age: the bases in the order the walk below meets them, each
            // with the first rule offering it, were listed when compiling
            // (a basis met again is skipped by the walk: it was tried).
            for (basis, rule) in plan.steps() {
                if self.try_basis(basis, rule, acceptable, &mut failures) {
                    *offered_by = Some(rule);
                    return Ok(basis);
                }
            }
        } else {
            let age_known = self.age_known();
            for rule in self.touching_candidates() {
                // The first rule closed to this subject only because their
                // age is unknown: reported if no basis holds (the loop has
                // then seen every rule).
                if !age_known && rule.requires_known_age && failures.age_block.0.is_none() {
                    failures.age_block = AgeBlock(Some(rule.id));
                }
                for &basis in &rule.bases {
                    if self.try_basis(basis, rule.id, acceptable, &mut failures) {
                        *offered_by = Some(rule.id);
                        return Ok(basis);
                    }
                }
            }
        }
        // Evidence offered for a basis that does not exist under a
        // governing regime (public data under the GDPR): say so, even where
        // no rule offers the basis. (Usually every basis with evidence was
        // tried: then there is nothing to look at.)
        let offered = self.evidence_bases();
        let untried = !offered.is_subset(failures.tried);
        for basis in Basis::ALL.iter().copied().filter(|_| untried) {
            if !failures.tried.contains(basis)
                && offered.contains(basis)
                && self
                    .regimes
                    .iter()
                    .any(|r| !self.policy.regimes.get(r).bases.contains(basis))
            {
                let rule = self
                    .candidates()
                    .next()
                    .map_or(failures.first_rule.map(|c| self.cited(c)), |r| Some(r.id));
                if let Some(rule) = rule {
                    failures.record(
                        basis,
                        Some(Failure::new(ReasonCode::BasisNotAvailable)),
                        Cited::rule(rule),
                    );
                }
            }
        }
        // An emergency offered for a purpose that protects no one: say so,
        // even where no rule offers the basis for it.
        if self.request.evidence.emergency.is_some()
            && !failures.tried.contains(Basis::Emergency)
            && !self.purpose_info().is_some_and(|p| p.protective)
        {
            let rule = self
                .candidates()
                .next()
                .map_or(failures.first_rule.map(|c| self.cited(c)), |r| Some(r.id));
            if let Some(rule) = rule {
                failures.record(
                    Basis::Emergency,
                    Some(Failure::new(ReasonCode::PurposeNotProtective)),
                    Cited::rule(rule),
                );
            }
        }
        Err(failures)
    }

    /// Tries `basis`, offered by `rule`, unless it is not acceptable or was
    /// tried: whether the decision rests on it (else `failures` says why not).
    #[allow(
        clippy::inline_always,
        reason = "the body of the basis search's two loops, as it was written in one: \
                  out of line (`#[inline]` leaves it so) the mix costs 39 instructions \
                  more a decision, provision abroad 71 (callgrind, benches/PERFORMANCE.md)"
    )]
    #[inline(always)]
    fn try_basis(
        &self,
        basis: Basis,
        rule: RuleId,
        acceptable: BasisSet,
        failures: &mut BasisFailures,
    ) -> bool {
        if !acceptable.contains(basis) || failures.tried.contains(basis) {
            return false;
        }
        match self.check_basis(basis) {
            // The whole decision must pass on it: the gates and the
            // record's retention (so valid evidence never hurts).
            Ok(()) if self.passes_on(basis) => return true,
            Ok(()) => {
                failures.tried = failures.tried.with(basis);
                failures.held_but_gated = true;
            }
            Err(failure) => failures.record(
                basis,
                failure,
                Cited {
                    rule,
                    basis: Some(basis),
                },
            ),
        }
        false
    }

    /// Whether the evidence for `basis` holds; if not, the most specific
    /// reason, or `None` when the evidence is simply absent.
    pub(super) fn check_basis(&self, basis: Basis) -> Result<(), Option<Failure>> {
        let evidence = &self.request.evidence;
        // The basis must exist under every regime the processing falls
        // under (no public data under the GDPR, no legitimate interests or
        // public task under PIPL); art. 9 GDPR knows neither a contract nor
        // legitimate interests for a special category. Said only of
        // evidence that was offered: absent evidence is just absent.
        let offered = self.evidence_offered(basis);
        // (A child with no consent at all still hears that a guardian's is needed.)
        let guardian_wanted = basis == Basis::Consent && self.is_child();
        if !offered && !guardian_wanted {
            return Err(None);
        }
        if self
            .regimes
            .iter()
            .any(|r| !self.policy.regimes.get(r).bases.contains(basis))
        {
            return Err(Some(Failure::new(ReasonCode::BasisNotAvailable)));
        }
        let gdpr = self.regimes.contains(Regime::Gdpr);
        if gdpr && self.special && matches!(basis, Basis::Contract | Basis::LegitimateInterests) {
            return Err(Some(Failure::with(
                ReasonCode::BasisNotAvailable,
                Detail::SpecialCategory,
            )));
        }
        match basis {
            Basis::Consent => self.consent(self.scope()),
            Basis::Contract if !evidence.contract => Err(None),
            Basis::Contract => {
                // No contract with a child without the guardian, under every
                // children's threshold that applies (PIPL under 14; the
                // GDPR below the member state's art. 8 age: engine choice):
                // the verified guardian's consent to the purpose, except for
                // the purposes open before it, and those only to collect,
                // use, store and entrust at home (never to share, transfer,
                // disclose or export).
                let open_before = self
                    .purpose_info()
                    .is_some_and(|p| p.before_guardian_consent)
                    && matches!(
                        self.action,
                        Action::Collect | Action::Use | Action::Store | Action::Entrust
                    )
                    && self.abroad.is_empty();
                if self.is_child() && !open_before {
                    self.consent(Scope::Purpose).map_err(|failure| {
                        Some(failure.unwrap_or(Failure::new(ReasonCode::GuardianConsentRequired)))
                    })
                } else {
                    Ok(())
                }
            }
            Basis::LegalObligation => self.legal_obligation(),
            Basis::Emergency => self.emergency(),
            Basis::PublicData => match evidence.public_data {
                None => Err(None),
                // A child's data is sensitive (PIPL art. 28), and sensitive
                // public data needs separate consent (PIPL arts. 27, 29).
                Some(p)
                    if !p.same_context
                        || p.subject_refused
                        || self.sensitive
                        || self.is_child() =>
                {
                    Err(Some(Failure::new(ReasonCode::PublicDataBeyondScope)))
                }
                Some(_) => Ok(()),
            },
            Basis::LegitimateInterests => {
                if evidence.legitimate_interests.is_none() {
                    return Err(None);
                }
                // No swapping bases: a consent to the purpose, withdrawn,
                // is an objection legitimate interests cannot override.
                if self.consent_withdrawn_for_purpose() {
                    return Err(Some(Failure::with(
                        ReasonCode::ConsentWithdrawn,
                        Detail::Time,
                    )));
                }
                Ok(())
            }
            Basis::PublicTask => match evidence.public_task {
                Some(_) => Ok(()),
                None => Err(None),
            },
        }
    }

    /// Whether the decision can pass on `basis`: the gates that depend on
    /// the basis (an unbound acquirer needs consent) and the record's
    /// retention (past it, only a statutory duty on a legal obligation).
    pub(super) fn passes_on(&self, basis: Basis) -> bool {
        if self.acquirer_unbound() && basis != Basis::Consent {
            return false;
        }
        self.held_storage() || self.record_expired(Some(basis)).is_none()
    }

    /// An emergency protects (PIPL art. 13(4), GDPR art. 6(1)(d)): a
    /// protective purpose, while it lasts; under the GDPR life or health
    /// only, and for a special category a subject unable to consent.
    pub(super) fn emergency(&self) -> Result<(), Option<Failure>> {
        let Some(emergency) = self.request.evidence.emergency else {
            return Err(None);
        };
        if !self.purpose_info().is_some_and(|p| p.protective) {
            return Err(Some(Failure::new(ReasonCode::PurposeNotProtective)));
        }
        if !emergency.ongoing {
            return Err(Some(Failure::new(ReasonCode::EmergencyNotOngoing)));
        }
        if self.regimes.contains(Regime::Gdpr) {
            if emergency.kind.property_only() {
                return Err(Some(Failure::new(ReasonCode::BasisNotAvailable)));
            }
            if self.special && !self.request.evidence.unable_to_consent {
                return Err(Some(Failure::with(
                    ReasonCode::BasisNotAvailable,
                    Detail::AbleToConsent,
                )));
            }
        }
        Ok(())
    }

    /// Whether a consent that covers the purpose was withdrawn before `at`.
    pub(super) fn consent_withdrawn_for_purpose(&self) -> bool {
        let purposes = &self.policy.purpose_tree;
        let purpose = self.request.purpose.index();
        // A withdrawal with no purposes withdraws every one.
        self.request.evidence.consents.iter().any(|c| {
            c.state.timing(self.request.at) == Timing::Withdrawn
                && (c.purposes.is_empty()
                    || c.purposes
                        .iter()
                        .any(|p| purposes.covers(p.index(), purpose)))
        })
    }

    /// The bases the request offers evidence for.
    pub(super) fn evidence_bases(&self) -> BasisSet {
        Basis::ALL
            .iter()
            .copied()
            .filter(|&basis| self.evidence_offered(basis))
            .collect()
    }

    /// Whether the request offers evidence for `basis` at all.
    pub(super) fn evidence_offered(&self, basis: Basis) -> bool {
        let evidence = &self.request.evidence;
        match basis {
            Basis::Consent => !evidence.consents.is_empty(),
            Basis::Contract => evidence.contract,
            Basis::LegalObligation => {
                evidence.legal_obligation.is_some() || evidence.authority_approval.is_some()
            }
            Basis::Emergency => evidence.emergency.is_some(),
            Basis::PublicData => evidence.public_data.is_some(),
            Basis::LegitimateInterests => evidence.legitimate_interests.is_some(),
            Basis::PublicTask => evidence.public_task.is_some(),
        }
    }

    /// A legal obligation counts only under each governing regime's own
    /// law: PRC law for PIPL, Union or member-state law for the GDPR. The
    /// competent PRC authority's approval for a foreign authority (PIPL art.
    /// 41) is itself the obligation.
    pub(super) fn legal_obligation(&self) -> Result<(), Option<Failure>> {
        let evidence = &self.request.evidence;
        // The competent PRC authority's approval is PIPL's obligation to give
        // the data to the foreign authority (art. 41): a basis for that
        // giving, not for collecting, keeping or our own use (a `use` that
        // names the authority is decided also as the provision it makes,
        // and that pass rests on the approval), and under PIPL only (a
        // third country's request is no GDPR ground, art. 48).
        let approved = self.to_foreign_authority()
            && evidence.authority_approval.is_some()
            && !matches!(self.action, Action::Collect | Action::Store | Action::Use);
        if approved && !self.regimes.contains(Regime::Gdpr) {
            return Ok(());
        }
        if evidence.legal_obligation.is_none() {
            return if approved {
                Err(Some(Failure::with(
                    ReasonCode::BasisNotAvailable,
                    Detail::ConflictOfLaws,
                )))
            } else {
                Err(None)
            };
        }
        let laws = &evidence.legal_obligation_laws;
        if laws.is_empty() && !approved {
            // Under two regimes no one law is "the regime's own": unsaid, it
            // would count as each one's, which no citation can be.
            return if self.regimes.iter().count() > 1 {
                Err(Some(Failure::with(
                    ReasonCode::BasisNotAvailable,
                    Detail::LawUnstated,
                )))
            } else {
                Ok(())
            };
        }
        // A duty under each governing regime's own law (an EU subject's
        // access request answered under GDPR art. 15 and PIPL art. 45).
        let mut met = 0;
        let mut unmet = 0;
        for regime in self.regimes.iter() {
            let approval_counts = approved && regime == Regime::Pipl;
            if approval_counts || laws.iter().any(|&law| regime.covers(law)) {
                met += 1;
            } else {
                unmet += 1;
            }
        }
        match (met, unmet) {
            (_, 0) => Ok(()),
            (0, _) => Err(Some(Failure::with(
                ReasonCode::BasisNotAvailable,
                Detail::ForeignLaw,
            ))),
            _ => Err(Some(Failure::with(
                ReasonCode::BasisNotAvailable,
                Detail::ConflictOfLaws,
            ))),
        }
    }
}

impl Context<'_> {
    /// One basis per decision (engine choice): when the categories' rules
    /// offer, for each category, a basis the evidence speaks for, but no one
    /// basis carries them all, names each category the best-carrying basis
    /// leaves out (`basis_missing`, detail `split_request`): the host splits
    /// the request. Whether anything was reported.
    fn report_split(&self, decision: &mut Decision) -> bool {
        // (One category first: it splits nothing, and asks no evidence.)
        let n = self.request.categories.len();
        if n < 2 {
            return false;
        }
        let evidence = self.evidence_bases();
        if evidence.is_empty() {
            return false;
        }
        // The bases that hold for one category: offered by a rule covering
        // it, with evidence that holds (a consent: a grant covering it).
        let holds_for = |nth: usize, category| {
            let offered = self
                .covering(nth, category)
                .fold(BasisSet::EMPTY, |set, rule| set.union(self.offered(rule)))
                .intersection(evidence);
            Basis::ALL
                .iter()
                .copied()
                .filter(|&b| offered.contains(b))
                .filter(|&b| match b {
                    Basis::Consent => self.best_fit(self.scope(), Some(category)).is_ok(),
                    other => self.check_basis(other).is_ok(),
                })
                .collect::<BasisSet>()
        };
        let mut each = [BasisSet::EMPTY; MAX_SPLIT];
        for (slot, (nth, &c)) in each
            .iter_mut()
            .zip(self.request.categories.iter().enumerate())
        {
            *slot = holds_for(nth, c);
        }
        let each = each.get(..n.min(MAX_SPLIT)).unwrap_or(&[]);
        if n > MAX_SPLIT || each.iter().any(|set| set.is_empty()) {
            return false;
        }
        let carried = |basis: Basis| each.iter().filter(|set| set.contains(basis)).count();
        let Some((best, count)) = Basis::ALL.iter().copied().map(|b| (b, carried(b))).fold(
            None,
            |best: Option<(Basis, usize)>, (b, k)| match best {
                Some((_, m)) if m >= k => best,
                _ => Some((b, k)),
            },
        ) else {
            return false;
        };
        if count == n {
            return false;
        }
        let rule = self.candidates().next().map(|r| r.id);
        for (set, &category) in each.iter().zip(&self.request.categories) {
            if !set.contains(best) {
                decision.push_reason(
                    Reason::new(ReasonCode::BasisMissing, rule, Some(category))
                        .with_detail(Detail::SplitRequest),
                );
            }
        }
        true
    }
}

/// How many categories a request may have for the engine to say how to
/// split it by basis (a request with more gets the plain reasons).
const MAX_SPLIT: usize = 16;

/// Why no basis held: the specific reasons found, in order, and which bases
/// were tried (all inline).
#[derive(Default)]
pub(super) struct BasisFailures {
    age_block: AgeBlock,
    tried: BasisSet,
    /// Some basis held but a gate or the retention refused it: those say why.
    held_but_gated: bool,
    specific: [Option<(Failure, Cited)>; Basis::ALL.len()],
    first_rule: Option<Cited>,
}

/// The rule a failure cites: the first rule used for the basis that
/// failed, else the candidate that offered it. Finding the first rule used
/// walks the covering rules, so it is done only for a failure that is
/// reported ([`Context::cited`]), not for each basis tried.
#[derive(Clone, Copy)]
pub(super) struct Cited {
    rule: RuleId,
    basis: Option<Basis>,
}

impl Cited {
    fn rule(rule: RuleId) -> Cited {
        Cited { rule, basis: None }
    }
}

impl Context<'_> {
    /// The rule `cited` names.
    fn cited(&self, cited: Cited) -> RuleId {
        match cited.basis {
            Some(basis) => self.first_used(Some(basis)).unwrap_or(cited.rule),
            None => cited.rule,
        }
    }
}

impl BasisFailures {
    /// Records that `basis` failed, for `failure` (`None`: no evidence),
    /// citing `cited`.
    pub(super) fn record(&mut self, basis: Basis, failure: Option<Failure>, cited: Cited) {
        self.tried = self.tried.with(basis);
        self.first_rule = self.first_rule.or(Some(cited));
        if let (Some(failure), Some(slot)) =
            (failure, self.specific.iter_mut().find(|s| s.is_none()))
        {
            *slot = Some((failure, cited));
        }
    }

    /// The most specific reasons win: a rule closed by an unknown age, then
    /// what each basis lacked; with none, `consent_missing` when consent was
    /// the only basis on offer, else `basis_missing`.
    pub(super) fn report(&self, ctx: &Context<'_>, decision: &mut Decision) {
        let mut any = false;
        if let AgeBlock(Some(rule)) = self.age_block {
            decision.push_reason(Reason::new(ReasonCode::AgeUnknown, Some(rule), None));
            any = true;
        }
        if self.held_but_gated {
            return;
        }
        for &(failure, cited) in self.specific.iter().flatten() {
            decision.push_reason(failure.reason(Some(ctx.cited(cited))));
            any = true;
        }
        if ctx.report_split(decision) || any {
            return;
        }
        let code = if self.tried == BasisSet::EMPTY.with(Basis::Consent) {
            ReasonCode::ConsentMissing
        } else {
            ReasonCode::BasisMissing
        };
        let rule = self.first_rule.map(|c| ctx.cited(c));
        decision.push_reason(Reason::new(code, rule, None));
    }
}
