//! The decision procedure of SPEC.md §5, step by step and in its order:
//! subject, personal or not, rules, basis, action gates, retention,
//! obligations. Any deny wins; without a rule, deny.
//!
//! It works on ids and bit sets only and never allocates: candidate rules
//! come from the (action, purpose) index, coverage is an integer range test,
//! and the decision is built in place.

use chrono::{DateTime, FixedOffset};

use crate::action::Action;
use crate::age_group::AgeGroup;
use crate::basis::{Basis, BasisSet};
use crate::category::CategoryId;
use crate::consent::{Consent, Timing};
use crate::decision::{Decision, Due, Effect, ObligationCode, Reason, ReasonCode};
use crate::policy::{Policy, Rule, RuleId};
use crate::recipient::RecipientKind;
use crate::request::Request;
use crate::retention::{Disposal, Retention, RetentionEvent};
use crate::subject::{Assessment, assess};

/// Decides `request` under `policy`. Never fails: anything it cannot judge
/// is a deny with a reason.
pub(crate) fn decide(policy: &Policy, request: &Request) -> Decision {
    // Built in place and filled by reference: a decision is a few hundred
    // bytes, and moving it from step to step would cost more than a step.
    let mut decision = Decision::new();
    decide_into(policy, request, &mut decision);
    decision
}

/// The procedure itself, writing into `decision`.
fn decide_into(policy: &Policy, request: &Request, decision: &mut Decision) {
    let Some(ctx) = Context::new(policy, request) else {
        decision.push_reason(Reason::new(ReasonCode::InvalidRequest, None, None));
        return;
    };
    decision.set_age(ctx.subject.age);

    // Step 3a: explicit deny rules.
    let mut denied = false;
    for rule in ctx.rules(policy.denies.get(request.action, request.purpose)) {
        for &category in &request.categories {
            let start = category.index();
            let end = policy.category_tree.end(start);
            if rule.overlaps(start, end) {
                decision.push_reason(Reason::new(
                    ReasonCode::DeniedByRule,
                    Some(rule.id),
                    Some(category),
                ));
                denied = true;
            }
        }
    }
    if denied {
        return ctx.finish(decision, None);
    }

    // Step 3b: every category covered by a permit rule for this action and purpose.
    let Some(acceptable) = ctx.coverage(decision) else {
        return ctx.finish(decision, None);
    };

    // Step 2: device or log information on its own is not personal; a
    // matching rule (the coverage above) permits it with no basis.
    if !ctx.personal {
        ctx.cite_rules(decision, None, false);
        decision.push_reason(Reason::new(ReasonCode::NotPersonalInformation, None, None));
        decision.set_effect(Effect::Permit);
        return ctx.finish(decision, None);
    }

    // Step 4: the lawful basis, in the rules' order of preference.
    let basis = if ctx.acquirer_bound() {
        // PIPL art. 22: the acquirer steps into our shoes; no fresh basis.
        Ok(None)
    } else {
        ctx.choose_basis(acceptable).map(Some)
    };
    if let Err(failures) = &basis {
        failures.report(&ctx, decision);
    }
    let basis = basis.unwrap_or(None);

    // Step 5: action gates. Every failing gate is reported, whatever the basis did.
    ctx.gates(basis, decision);

    // Step 6: retention.
    ctx.retention(basis, decision);

    if decision.has_deny_reason() {
        return ctx.finish(decision, None);
    }

    // Step 7: obligations.
    ctx.cite_rules(decision, basis, true);
    ctx.obligations(basis, decision);
    decision.set_effect(Effect::Permit);
    decision.set_basis(basis);
    ctx.finish(decision, basis);
}

/// What the procedure knows about the request once, up front.
struct Context<'a> {
    policy: &'a Policy,
    request: &'a Request,
    subject: Assessment,
    /// `Some(true)` child, `Some(false)` adult, `None` unknown.
    child: Option<bool>,
    recipient: Option<RecipientKind>,
    personal: bool,
    combined: bool,
    sensitive: bool,
    /// The child's data goes to their verified guardian: access, not sharing.
    guardian_access: bool,
    /// The covering permit rules of the first requested categories, looked
    /// up once (see [`Context::covering`]).
    covered: [&'a [RuleId]; COVERED_UP_FRONT],
}

/// How many requested categories have their covering rules looked up in
/// advance; a request with more looks the others up each time it needs them.
const COVERED_UP_FRONT: usize = 8;

/// A rule that would have covered the request but needs a known age.
#[derive(Clone, Copy, Default)]
struct AgeBlock(Option<RuleId>);

impl<'a> Context<'a> {
    /// `None` when the request holds ids the policy does not have (built
    /// against another engine).
    fn new(policy: &'a Policy, request: &'a Request) -> Option<Context<'a>> {
        let jurisdiction = match request.subject.jurisdiction {
            Some(id) => policy.jurisdiction(id)?,
            None => policy.home_jurisdiction(),
        };
        policy.purpose(request.purpose)?;
        let mut sensitive = false;
        let mut identifying = false;
        let mut unique = false;
        let mut all_device = true;
        let mut any_device = false;
        for &category in &request.categories {
            let touches = policy.category(category)?.touches;
            sensitive |= touches.sensitive;
            identifying |= touches.identifying;
            unique |= touches.unique_identifier;
            all_device &= touches.device_or_log;
            any_device |= touches.device_or_log;
        }
        let personal = !request.categories.is_empty()
            && (!all_device || identifying || unique || sensitive || request.linked_to_account);
        let subject = assess(&request.subject, jurisdiction, request.at);
        let child = subject.child();
        let recipient = request.recipient.as_ref().map(|r| r.kind);
        let guardian_access = child == Some(true)
            && recipient == Some(RecipientKind::Guardian)
            && request
                .evidence
                .consents
                .iter()
                .any(|c| c.grantor.is_verified_guardian() && c.holds_at(request.at));
        let mut covered: [&[RuleId]; COVERED_UP_FRONT] = [&[]; COVERED_UP_FRONT];
        for (slot, &category) in covered.iter_mut().zip(&request.categories) {
            *slot = policy
                .covering
                .covering(request.action, request.purpose, category.index());
        }
        Some(Context {
            policy,
            request,
            subject,
            child,
            recipient,
            personal,
            // SPEC.md §5 step 2, LEGAL.md R-45: device or log data together
            // with an identifying category, a unique identifier or an account.
            combined: any_device && (identifying || unique || request.linked_to_account),
            sensitive,
            guardian_access,
            covered,
        })
    }

    fn is_child(&self) -> bool {
        self.child == Some(true)
    }

    fn age_known(&self) -> bool {
        self.child.is_some()
    }

    /// The rules of an index slot that apply to this subject and recipient.
    fn rules(&self, ids: &'a [RuleId]) -> impl Iterator<Item = &'a Rule> + 'a {
        let policy = self.policy;
        let child = self.child;
        let recipient = self.recipient;
        ids.iter()
            .filter_map(move |&id| policy.rule(id))
            .filter(move |r| r.allows_subject(child) && r.allows_recipient(recipient))
    }

    /// The permit rules that may apply.
    fn candidates(&self) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules(
            self.policy
                .permits
                .get(self.request.action, self.request.purpose),
        )
    }

    /// The permit rules that may apply and cover `category`, the `nth`
    /// requested one (from the compiled cover index: no scan of the slot).
    fn covering(&self, nth: usize, category: CategoryId) -> impl Iterator<Item = &'a Rule> + 'a {
        let ids = match self.covered.get(nth) {
            Some(ids) => ids,
            None => self.policy.covering.covering(
                self.request.action,
                self.request.purpose,
                category.index(),
            ),
        };
        self.rules(ids)
    }

    /// The bases a rule offers this subject: none when it needs a known age
    /// that is unknown.
    fn offered(&self, rule: &Rule) -> BasisSet {
        if rule.requires_known_age && !self.age_known() {
            BasisSet::EMPTY
        } else {
            rule.basis_set
        }
    }

    /// Checks that every category is covered and returns the bases under
    /// which all of them are (a basis must be offered, for each category, by
    /// some rule covering it). Reports what is uncovered.
    fn coverage(&self, decision: &mut Decision) -> Option<BasisSet> {
        let categories = &self.request.categories;
        if categories.is_empty() {
            let mut offered = BasisSet::EMPTY;
            let mut any = None;
            for rule in self.candidates() {
                offered = offered.union(self.offered(rule));
                any = any.or(Some(rule));
            }
            return match any {
                None => {
                    decision.push_reason(Reason::new(ReasonCode::NoMatchingRule, None, None));
                    None
                }
                Some(_) => Some(offered),
            };
        }
        let mut acceptable = all_bases();
        let mut covered = true;
        for (nth, &category) in categories.iter().enumerate() {
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
        }
        covered.then_some(acceptable)
    }

    /// For each category, the first candidate rule that covers it (offering
    /// `basis`, when there is one); for no categories, the first candidate.
    /// Yields (category, rule); a rule may come more than once.
    fn used_rules(
        &self,
        basis: Option<Basis>,
    ) -> impl Iterator<Item = (Option<CategoryId>, &'a Rule)> + '_ {
        let fits = move |rule: &Rule| match basis {
            Some(b) => self.offered(rule).contains(b),
            None => true,
        };
        let none = self
            .request
            .categories
            .is_empty()
            .then(|| self.candidates().find(|r| fits(r)))
            .flatten()
            .map(|rule| (None, rule));
        let each = self.request.categories.iter().enumerate();
        let each = each.filter_map(move |(nth, &category)| {
            self.covering(nth, category)
                .find(|r| fits(r))
                .map(|rule| (Some(category), rule))
        });
        // One side is always empty: categories, or the rule for none.
        each.chain(none)
    }

    /// Whether a rule covers at least one requested category (any rule, for
    /// a request with none).
    fn touches_request(&self, rule: &Rule) -> bool {
        self.request.categories.is_empty()
            || self
                .request
                .categories
                .iter()
                .any(|c| rule.covers(c.index()))
    }

    /// The first rule covering a requested category that is closed to this
    /// subject only because their age is unknown.
    fn age_block(&self) -> AgeBlock {
        if self.age_known() {
            return AgeBlock(None);
        }
        AgeBlock(
            self.candidates()
                .find(|r| r.requires_known_age && self.touches_request(r))
                .map(|r| r.id),
        )
    }

    /// Whether the action is a transfer to an acquirer bound by the policy.
    fn acquirer_bound(&self) -> bool {
        self.request.action == Action::Transfer
            && self
                .request
                .recipient
                .as_ref()
                .is_some_and(|r| r.kind == RecipientKind::Acquirer && r.accepts_policy)
    }

    /// Whether the action is a transfer to an acquirer that is not bound:
    /// only a separate consent naming it will do.
    fn acquirer_unbound(&self) -> bool {
        self.request.action == Action::Transfer
            && self
                .request
                .recipient
                .as_ref()
                .is_some_and(|r| r.kind == RecipientKind::Acquirer && !r.accepts_policy)
    }

    /// Separate consent (单独同意) is needed for sensitive data, a child's
    /// data, sharing, disclosure, export, and an unbound acquirer.
    fn separate_required(&self) -> bool {
        self.sensitive
            || self.is_child()
            || matches!(self.request.action, Action::Disclose | Action::Export)
            || (self.request.action == Action::Share && !self.guardian_access)
            || self.acquirer_unbound()
    }

    /// Tries the acceptable bases in the candidates' order of preference;
    /// the first whose evidence holds is the basis.
    fn choose_basis(&self, mut acceptable: BasisSet) -> Result<Basis, BasisFailures> {
        if self.request.action == Action::Disclose {
            // Disclosure only on a legal obligation or (separate) consent.
            acceptable = acceptable.intersection(
                BasisSet::EMPTY
                    .with(Basis::LegalObligation)
                    .with(Basis::Consent),
            );
        }
        let mut failures = BasisFailures {
            age_block: self.age_block(),
            ..BasisFailures::default()
        };
        for rule in self.candidates().filter(|r| self.touches_request(r)) {
            for &basis in &rule.bases {
                if !acceptable.contains(basis) || failures.tried.contains(basis) {
                    continue;
                }
                match self.check_basis(basis) {
                    Ok(()) => return Ok(basis),
                    Err(failure) => {
                        let cited = self
                            .used_rules(Some(basis))
                            .next()
                            .map_or(rule.id, |(_, r)| r.id);
                        failures.record(basis, failure, cited);
                    }
                }
            }
        }
        Err(failures)
    }

    /// Whether the evidence for `basis` holds; if not, the most specific
    /// reason, or `None` when the evidence is simply absent.
    fn check_basis(&self, basis: Basis) -> Result<(), Option<ReasonCode>> {
        let evidence = &self.request.evidence;
        match basis {
            Basis::Consent => self.consent(Scope::Full),
            Basis::Contract if !evidence.contract => Err(None),
            Basis::Contract => {
                // A child's contract needs the verified guardian's consent to
                // the purpose, except for the purposes open before it.
                let open_before = self
                    .policy
                    .purpose(self.request.purpose)
                    .is_some_and(|p| p.before_guardian_consent);
                if self.is_child() && !open_before {
                    self.consent(Scope::Purpose).map_err(|failure| {
                        Some(failure.unwrap_or(ReasonCode::GuardianConsentRequired))
                    })
                } else {
                    Ok(())
                }
            }
            Basis::LegalObligation => match evidence.legal_obligation {
                Some(_) => Ok(()),
                None => Err(None),
            },
            Basis::Emergency => match evidence.emergency {
                None => Err(None),
                Some(e) if !e.ongoing => Err(Some(ReasonCode::EmergencyNotOngoing)),
                Some(_) => Ok(()),
            },
            Basis::PublicData => match evidence.public_data {
                None => Err(None),
                // A child's data is sensitive (PIPL art. 28), and sensitive
                // public data needs separate consent (LEGAL.md A-15).
                Some(p)
                    if !p.same_context
                        || p.subject_refused
                        || self.sensitive
                        || self.is_child() =>
                {
                    Err(Some(ReasonCode::PublicDataBeyondScope))
                }
                Some(_) => Ok(()),
            },
        }
    }

    /// Looks for a consent that supports the request; on failure, the most
    /// specific reason among the consents given (the one that came closest).
    fn consent(&self, scope: Scope) -> Result<(), Option<ReasonCode>> {
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
            Some(fit) => Err(fit.reason()),
            None if self.is_child() => Err(Some(ReasonCode::GuardianConsentRequired)),
            None => Err(None),
        }
    }

    /// How well one consent supports the request.
    fn fit(&self, consent: &Consent, scope: Scope) -> Fit {
        if !self.in_scope(consent, scope) {
            return Fit::OutOfScope;
        }
        match consent.state.timing(self.request.at) {
            Timing::NotYetGiven => return Fit::NotYetGiven,
            Timing::Withdrawn => return Fit::Withdrawn,
            Timing::Holds => {}
        }
        match self.child {
            None => return Fit::AgeUnknown,
            Some(true) if !consent.grantor.is_verified_guardian() => return Fit::GuardianMissing,
            Some(false) if consent.grantor != crate::consent::Grantor::Subject => {
                return Fit::NotFromSubject;
            }
            Some(_) => {}
        }
        if self.separate_required() && !consent.separate {
            return Fit::SeparateMissing;
        }
        Fit::Valid
    }

    /// Whether the consent's scope covers the request: the purpose, and
    /// (for a full scope) every category, the action and the recipient.
    fn in_scope(&self, consent: &Consent, scope: Scope) -> bool {
        let purposes = &self.policy.purpose_tree;
        let categories = &self.policy.category_tree;
        let request = self.request;
        let purpose = request.purpose.index();
        if !consent
            .purposes
            .iter()
            .any(|p| purposes.covers(p.index(), purpose))
        {
            return false;
        }
        if scope == Scope::Purpose {
            return true;
        }
        let all_categories = request.categories.iter().all(|c| {
            consent
                .categories
                .iter()
                .any(|k| categories.covers(k.index(), c.index()))
        });
        if !all_categories {
            return false;
        }
        if !consent.actions.is_empty() && !consent.actions.contains(request.action) {
            return false;
        }
        // SPEC.md §5 step 4: the recipient is in scope for share, transfer
        // and export. A processor (entrust) acts on our behalf under the
        // original basis, and a disclosure goes to the public at large.
        if request.action.names_recipient_in_consent() {
            let name = request.recipient.as_ref().and_then(|r| r.name.as_ref());
            let named = || name.is_some_and(|n| consent.recipients.iter().any(|r| r.same_as(n)));
            if self.acquirer_unbound() {
                // "naming it": an open recipient list does not name the acquirer.
                return named();
            }
            if !consent.recipients.is_empty() {
                return named();
            }
        }
        true
    }

    /// The action gates of SPEC.md §5 step 5.
    fn gates(&self, basis: Option<Basis>, decision: &mut Decision) {
        let request = self.request;
        // A failing gate cites the first rule used (looked up only then).
        let gate = |decision: &mut Decision, code| {
            let first = self.used_rules(basis).next().map(|(_, r)| r.id);
            decision.push_reason(Reason::new(code, first, None));
        };
        let stored_abroad = request
            .destination_region
            .is_some_and(|region| region != self.policy.storage_region);
        if request.action == Action::Store && stored_abroad {
            gate(decision, ReasonCode::LocalizationRequired);
        }
        if request.action == Action::Export && request.transfer_mechanism.is_none() {
            gate(decision, ReasonCode::TransferMechanismRequired);
        }
        if self.acquirer_unbound() && basis != Some(Basis::Consent) {
            gate(decision, ReasonCode::RecipientNotBound);
        }
        let gives_away = matches!(
            request.action,
            Action::Share | Action::Entrust | Action::Transfer
        );
        if gives_away
            && self.is_child()
            && !self.guardian_access
            && !request
                .recipient
                .as_ref()
                .is_some_and(|r| r.security_assessment)
        {
            gate(decision, ReasonCode::SecurityAssessmentRequired);
        }
    }

    /// Step 6: with `collected_at`, deny any action but `delete` once the
    /// covering rule's retention period has run out.
    fn retention(&self, basis: Option<Basis>, decision: &mut Decision) {
        let Some(collected_at) = self.request.collected_at else {
            return;
        };
        if self.request.action == Action::Delete {
            return;
        }
        for (category, rule) in self.used_rules(basis) {
            let Some(end) = rule
                .retention
                .and_then(Retention::period)
                .and_then(|p| p.after(collected_at))
            else {
                continue;
            };
            if self.request.at >= end {
                decision.push_reason(Reason::new(
                    ReasonCode::RetentionExpired,
                    Some(rule.id),
                    category,
                ));
                let date = Due::Date(self.home_date(end));
                // A child's data is deleted, never anonymized (LEGAL.md
                // A-22); so is data whose subject's age is unknown.
                let disposal =
                    AgeGroup::from_child(self.child).disposal(self.policy.retention.disposal);
                match disposal {
                    Disposal::Delete => decision.add_dated(ObligationCode::Delete, date),
                    Disposal::DeleteOrAnonymize => {
                        decision.add_dated(ObligationCode::DeleteOrAnonymize, date);
                    }
                }
            }
        }
    }

    /// The calendar date of an instant in the home jurisdiction.
    fn home_date(&self, at: DateTime<FixedOffset>) -> chrono::NaiveDate {
        crate::age::local_date(at, self.policy.home_offset)
    }

    /// In one pass over the rules used: cites each (`rule_permits`), adds
    /// its own obligations when `own_obligations`, and `retain_until`: the
    /// earliest end among the rules used, counted from `collected_at` (or
    /// from `at`: a collection happening now); an event when every rule used
    /// keeps data until one, the one that comes first whatever the order of
    /// the categories ([`first_event`]).
    fn cite_rules(&self, decision: &mut Decision, basis: Option<Basis>, own_obligations: bool) {
        let start = self.request.collected_at.unwrap_or(self.request.at);
        let mut earliest: Option<DateTime<FixedOffset>> = None;
        let mut event = None;
        let mut previous = None;
        for (_, rule) in self.used_rules(basis) {
            // Categories often share their rule: count each rule once.
            if previous.replace(rule.id) == Some(rule.id) {
                continue;
            }
            decision.push_reason(Reason::new(ReasonCode::RulePermits, Some(rule.id), None));
            if own_obligations {
                decision.add_obligations(rule.obligations);
            }
            match rule.retention {
                Some(Retention::For(period)) => {
                    if let Some(end) = period.after(start) {
                        earliest = Some(earliest.map_or(end, |e| e.min(end)));
                    }
                }
                Some(Retention::Until(e)) => {
                    event = Some(event.map_or(e, |current| first_event(current, e)));
                }
                None => {}
            }
        }
        if let Some(end) = earliest {
            decision.add_dated(ObligationCode::RetainUntil, Due::Date(self.home_date(end)));
        } else if let Some(event) = event {
            decision.add_dated(ObligationCode::RetainUntil, Due::Event(event));
        }
    }

    /// Step 7: the statutory obligations on a permit (the rules' own, and
    /// `retain_until`, come from [`Context::cite_rules`]).
    fn obligations(&self, basis: Option<Basis>, decision: &mut Decision) {
        let action = self.request.action;
        let child = self.is_child();
        if self.sensitive || child {
            decision.add_obligation(ObligationCode::EncryptAtRest);
            decision.add_obligation(ObligationCode::MinimalAccess);
        }
        if child && action == Action::Collect {
            decision.add_obligation(ObligationCode::NotifyGuardian);
        }
        if matches!(action, Action::Share | Action::Entrust) && !self.guardian_access {
            decision.add_obligation(ObligationCode::NotifyRecipientIdentity);
        }
        if action == Action::Transfer && self.recipient == Some(RecipientKind::Acquirer) {
            decision.add_obligation(ObligationCode::NotifyRecipientIdentity);
            if self.acquirer_bound() {
                decision.add_obligation(ObligationCode::BindRecipientToPolicy);
            }
        }
        if action == Action::Share && self.recipient == Some(RecipientKind::Authority) {
            // LEGAL.md R-24: giving data to a court or regulator is logged
            // and protected like a disclosure, whatever the purpose.
            decision.add_obligation(ObligationCode::SecurityMeasures);
            decision.add_obligation(ObligationCode::LogDisclosure);
        }
        if action == Action::Export {
            decision.add_obligation(ObligationCode::NotifySubject);
            decision.add_obligation(ObligationCode::ImpactAssessment);
        }
        if action == Action::Disclose {
            decision.add_obligation(ObligationCode::SecurityMeasures);
            decision.add_obligation(ObligationCode::LogDisclosure);
        }
        if basis == Some(Basis::Emergency) {
            decision.add_obligation(ObligationCode::NotifySubject);
        }
        if self.combined && !matches!(basis, Some(Basis::Consent | Basis::LegalObligation)) {
            decision.add_obligation(ObligationCode::DeidentifyAfterUse);
        }
    }

    /// Adds the findings that explain rather than decide, and sets the
    /// effect: permit only when no reason denies.
    fn finish(&self, decision: &mut Decision, basis: Option<Basis>) {
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

/// How much of a consent's scope must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Purpose, every category, action and recipient (a consent basis).
    Full,
    /// The purpose only (a guardian's consent behind a child's contract).
    Purpose,
}

/// How well a consent fits, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fit {
    Valid,
    SeparateMissing,
    GuardianMissing,
    AgeUnknown,
    Withdrawn,
    NotYetGiven,
    NotFromSubject,
    OutOfScope,
}

impl Fit {
    /// Lower is closer to valid: a consent that only lacks separateness says
    /// more than one that was withdrawn, which says more than one about
    /// something else.
    fn rank(self) -> u8 {
        match self {
            Fit::Valid => 0,
            Fit::SeparateMissing | Fit::GuardianMissing | Fit::AgeUnknown => 1,
            Fit::Withdrawn | Fit::NotYetGiven => 2,
            Fit::NotFromSubject => 3,
            Fit::OutOfScope => 4,
        }
    }

    fn reason(self) -> Option<ReasonCode> {
        Some(match self {
            Fit::Valid => return None,
            Fit::SeparateMissing => ReasonCode::SeparateConsentRequired,
            Fit::GuardianMissing => ReasonCode::GuardianConsentRequired,
            Fit::AgeUnknown => ReasonCode::AgeUnknown,
            Fit::Withdrawn => ReasonCode::ConsentWithdrawn,
            Fit::NotYetGiven => ReasonCode::ConsentNotYetGiven,
            Fit::NotFromSubject => ReasonCode::ConsentMissing,
            Fit::OutOfScope => ReasonCode::ConsentOutOfScope,
        })
    }
}

/// Why no basis held: the specific reasons found, in order, and which bases
/// were tried (all inline).
#[derive(Default)]
struct BasisFailures {
    age_block: AgeBlock,
    tried: BasisSet,
    specific: [Option<(ReasonCode, RuleId)>; Basis::ALL.len()],
    first_rule: Option<RuleId>,
}

impl BasisFailures {
    fn record(&mut self, basis: Basis, failure: Option<ReasonCode>, rule: RuleId) {
        self.tried = self.tried.with(basis);
        self.first_rule = self.first_rule.or(Some(rule));
        if let (Some(code), Some(slot)) = (failure, self.specific.iter_mut().find(|s| s.is_none()))
        {
            *slot = Some((code, rule));
        }
    }

    /// The most specific reasons win: a rule closed by an unknown age, then
    /// what each basis lacked; with none, `consent_missing` when consent was
    /// the only basis on offer, else `basis_missing`.
    fn report(&self, _ctx: &Context<'_>, decision: &mut Decision) {
        let mut any = false;
        if let AgeBlock(Some(rule)) = self.age_block {
            decision.push_reason(Reason::new(ReasonCode::AgeUnknown, Some(rule), None));
            any = true;
        }
        for (code, rule) in self.specific.iter().flatten() {
            decision.push_reason(Reason::new(*code, Some(*rule), None));
            any = true;
        }
        if any {
            return;
        }
        let code = if self.tried == BasisSet::EMPTY.with(Basis::Consent) {
            ReasonCode::ConsentMissing
        } else {
            ReasonCode::BasisMissing
        };
        decision.push_reason(Reason::new(code, self.first_rule, None));
    }
}

/// Of two retention events, the one that comes no later: deregistration
/// ends every purpose and every consent, so it comes last; between a
/// purpose achieved and a consent withdrawn there is no order, and the
/// purpose wins so that the answer never depends on which category came
/// first in the request.
fn first_event(a: RetentionEvent, b: RetentionEvent) -> RetentionEvent {
    let rank = |e| match e {
        RetentionEvent::PurposeAchieved => 0,
        RetentionEvent::ConsentWithdrawn => 1,
        RetentionEvent::Deregistration => 2,
    };
    if rank(b) < rank(a) { b } else { a }
}

fn all_bases() -> BasisSet {
    Basis::ALL.iter().copied().collect()
}
