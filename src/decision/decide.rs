//! The decision procedure (docs/decision-procedure.md), step by step and in its order:
//! subject, personal or not, rules, basis, action gates, retention,
//! obligations. Any deny wins; without a rule, deny.
//!
//! It works on ids and bit sets only and never allocates: candidate rules
//! come from the (action, purpose) index, coverage is an integer range test,
//! and the decision is built in place.

use std::cell::Cell;

use chrono::{DateTime, FixedOffset};

use crate::action::Action;
use crate::basis::{Basis, BasisSet};
use crate::category::CategoryId;
use crate::decision::consent::{Consent, Timing};
use crate::decision::request::{Request, TransferMechanism};
use crate::decision::{Decision, Detail, Due, Effect, ObligationCode, Reason, ReasonCode};
use crate::policy::retention::{RetentionSource, governing_retention};
use crate::policy::{Policy, Rule, RuleId};
use crate::recipient::RecipientKind;
use crate::retention::{Disposal, Retention, RetentionEvent};
use crate::subject::age_group::AgeGroup;
use crate::subject::regime::{Regime, RegimeSet, within};
use crate::subject::region::RegionCode;
use crate::subject::{Assessment, Jurisdiction, assess};

/// Decides `request` under `policy`. Never fails: anything it cannot judge
/// is a deny with a reason.
///
/// A flow abroad other than `collect`, `store` and `export` is decided twice
/// on the same facts, under its own action and as `export`, and permitted
/// only if both permit: so no label bypasses the policy's export rule.
pub(crate) fn decide(policy: &Policy, request: &Request) -> Decision {
    // Built in place and filled by reference: a decision is a few hundred
    // bytes, and moving it from step to step would cost more than a step.
    let mut decision = Decision::new();
    let Some(ctx) = Context::new(policy, request, request.action) else {
        decision.push_reason(Reason::new(ReasonCode::InvalidRequest, None, None));
        return decision;
    };
    if ctx.age_known {
        decide_flow(&ctx, &mut decision);
        return decision;
    }
    // Adulthood is never presumed: an unknown age is decided as an adult
    // and as a child, and only what both permit passes; unless every rule
    // that permits for the adult lets an unknown age count as an adult.
    decide_flow(&ctx.assuming(false), &mut decision);
    if !(decision.is_permit() && ctx.adult_rules_only(&decision)) {
        let mut as_child = Decision::new();
        decide_flow(&ctx.assuming(true), &mut as_child);
        decision.combine_unknown_age(&as_child);
    }
    // (A deletion does not depend on the age: it stands.)
    if ctx.subject.birth_date_implausible && request.action != Action::Delete {
        decision.push_reason(
            Reason::new(ReasonCode::AgeUnknown, None, None)
                .with_detail(Detail::BirthDateImplausible),
        );
        decision.deny();
    }
    decision
}

/// A flow under its own action, and, when it goes abroad, as an export too.
fn decide_flow(ctx: &Context<'_>, decision: &mut Decision) {
    decide_into(ctx, decision);
    if ctx.decided_as_export_too() {
        let mut export = Decision::new();
        decide_into(&ctx.as_export(), &mut export);
        decision.combine_abroad(&export);
    }
}

/// The procedure itself, for the context's action, writing into `decision`.
fn decide_into(ctx: &Context<'_>, decision: &mut Decision) {
    let request = ctx.request;
    let policy = ctx.policy;
    decision.set_age(ctx.subject.age);

    // Deletion is lawful unless the law keeps the data (a legal hold, a
    // statutory minimum retention): it needs no basis, personal or not, and
    // no deny rule of the policy forbids it (the law's minimums are
    // `[[minimum_retention]]`).
    if ctx.action == Action::Delete {
        return ctx.deletion(decision);
    }

    // Step 3a: explicit deny rules.
    let mut denied = false;
    for rule in ctx.rules(policy.denies.get(ctx.action, request.purpose)) {
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
    // matching rule (the coverage above) permits it with no basis, within
    // the retention of the rule that covers it, to an identified recipient,
    // and never to a foreign authority without approval (the Data Security
    // Law art. 36 covers all data stored in the PRC).
    if !ctx.personal {
        ctx.gates(None, decision);
        ctx.retention(None, decision);
        if decision.has_deny_reason() {
            return ctx.finish(decision, None);
        }
        ctx.cite_rules(decision, None, false);
        decision.push_reason(Reason::new(ReasonCode::NotPersonalInformation, None, None));
        decision.set_effect(Effect::Permit);
        return ctx.finish(decision, None);
    }

    // Recording a withdrawal is always lawful: it needs no basis.
    // Only what recording a withdrawal needs: nothing sensitive, no child's
    // data (the guardian's consent rules it), within the record's retention.
    let recording = matches!(ctx.action, Action::Use | Action::Store)
        && !ctx.sensitive
        && !ctx.children_layer()
        && ctx.record_expired(None).is_none();
    if recording && ctx.purpose_info().is_some_and(|p| p.records_withdrawal) {
        // What the recording touches still obeys the facts of the flow.
        ctx.gates(None, decision);
        if decision.has_deny_reason() {
            return ctx.finish(decision, None);
        }
        ctx.cite_rules(decision, None, true);
        ctx.obligations(None, decision);
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
        failures.report(decision);
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

/// What the procedure knows about the request, for one action (the
/// request's own, or `export` for the second decision of a flow abroad).
#[derive(Clone)]
struct Context<'a> {
    policy: &'a Policy,
    request: &'a Request,
    /// The subject's jurisdiction.
    jurisdiction: &'a Jurisdiction,
    /// The action decided: the request's, or `export`.
    action: Action,
    subject: Assessment,
    /// `Some(true)` child, `Some(false)` adult, `None` unknown. For a
    /// subject of unknown age, each path of the decision assumes one.
    child: Option<bool>,
    /// Whether the age is known (not only assumed).
    age_known: bool,
    /// The regime of the subject's jurisdiction.
    subject_regime: Option<Regime>,
    /// The subject's jurisdiction lies within the policy's storage region
    /// (the data the policy commits to keep there).
    localized: bool,
    /// The regimes the processing falls under.
    regimes: RegimeSet,
    /// The regimes under which this flow is abroad.
    abroad: RegimeSet,
    recipient: Option<RecipientKind>,
    personal: bool,
    combined: bool,
    sensitive: bool,
    /// Some category is special (GDPR art. 9).
    special: bool,
    /// Some category is read from or stored on the terminal (ePrivacy).
    terminal: bool,
    /// Some category is never given to a third party or the public.
    never_provided: bool,
    /// The first category bound to purposes other than this one (`only_for`).
    purpose_bound: Option<CategoryId>,
    /// The child's data goes to their verified guardian: access, not sharing.
    guardian_access: bool,
    /// The covering permit rules of the first requested categories, looked
    /// up once (see [`Context::covering`]).
    covered: [&'a [RuleId]; COVERED_UP_FRONT],
    /// The record's retention, once worked out (see [`Context::record`]).
    record: Cell<Option<RecordRetention>>,
}

/// A record's retention (see [`Context::record`]).
#[derive(Clone, Copy, Default)]
struct RecordRetention {
    /// The earliest end in time, and the rule and category that set it.
    end: Option<(DateTime<FixedOffset>, Option<RuleId>, CategoryId)>,
    /// The first event a category is kept until.
    event: Option<RetentionEvent>,
}

/// How many requested categories have their covering rules looked up in
/// advance; a request with more looks the others up each time it needs them.
const COVERED_UP_FRONT: usize = 8;

/// A rule that would have covered the request but needs a known age.
#[derive(Clone, Copy, Default)]
struct AgeBlock(Option<RuleId>);

/// Why one basis failed: the reason and what exactly failed.
#[derive(Clone, Copy)]
struct Failure {
    code: ReasonCode,
    detail: Option<Detail>,
}

impl Failure {
    const fn new(code: ReasonCode) -> Failure {
        Failure { code, detail: None }
    }

    const fn with(code: ReasonCode, detail: Detail) -> Failure {
        Failure {
            code,
            detail: Some(detail),
        }
    }
}

impl<'a> Context<'a> {
    /// `None` when the request holds ids the policy does not have (built
    /// against another engine), or names no category at all: missing
    /// information never permits.
    fn new(policy: &'a Policy, request: &'a Request, action: Action) -> Option<Context<'a>> {
        let jurisdiction = match request.subject.jurisdiction {
            Some(id) => policy.jurisdiction(id)?,
            None => policy.home_jurisdiction(),
        };
        let purpose = policy.purpose(request.purpose)?;
        if request.categories.is_empty() {
            return None;
        }
        if !owns_every_id(policy, request) {
            return None;
        }
        let mut sensitive = false;
        let mut special = false;
        let mut terminal = false;
        let mut identifying = false;
        let mut unique = false;
        let mut all_non_personal = true;
        let mut any_device = false;
        let mut never_provided = false;
        let mut purpose_bound = None;
        for &category in &request.categories {
            let info = policy.category(category)?;
            let touches = info.touches;
            sensitive |= touches.sensitive || touches.special;
            special |= touches.special;
            terminal |= touches.terminal;
            identifying |= touches.identifying;
            unique |= touches.unique_identifier;
            all_non_personal &= touches.device_or_log && touches.may_be_non_personal;
            any_device |= touches.device_or_log;
            never_provided |= touches.never_provided;
            if purpose_bound.is_none()
                && info.only_for.as_ref().is_some_and(|purposes| {
                    !purposes
                        .iter()
                        .any(|p| policy.purpose_tree.covers(p.index(), purpose.id.index()))
                })
            {
                purpose_bound = Some(category);
            }
        }
        let personal =
            !all_non_personal || identifying || unique || sensitive || request.linked_to_account;
        let subject = assess(&request.subject, jurisdiction, request.at);
        let child = subject.child();
        let recipient = request.recipient.as_ref().map(|r| r.kind);
        let guardian_access = child == Some(true) && guardian_access(request);
        let mut covered: [&[RuleId]; COVERED_UP_FRONT] = [&[]; COVERED_UP_FRONT];
        for (slot, &category) in covered.iter_mut().zip(&request.categories) {
            *slot = policy
                .covering
                .covering(action, request.purpose, category.index());
        }
        let subject_regime = jurisdiction.regime;
        let mut ctx = Context {
            policy,
            request,
            jurisdiction,
            action,
            subject,
            child,
            age_known: child.is_some(),
            subject_regime,
            localized: within(jurisdiction.code, policy.storage_region),
            regimes: RegimeSet::EMPTY,
            abroad: RegimeSet::EMPTY,
            recipient,
            personal,
            // Device or log data together
            // with an identifying category, a unique identifier or an account.
            combined: any_device && (identifying || unique || request.linked_to_account),
            sensitive,
            special,
            terminal,
            never_provided,
            purpose_bound,
            guardian_access,
            covered,
            record: Cell::new(None),
        };
        ctx.regimes = ctx.governing_regimes();
        // Online identifiers and device data are personal data under the
        // GDPR (art. 4(1), recital 30): only a regime that allows it knows
        // device or log information that identifies no one on its own.
        if ctx
            .regimes
            .iter()
            .any(|r| !policy.regimes.get(r).may_be_non_personal)
        {
            ctx.personal = true;
        }
        // Device data "combined" into personal information, and de-identified
        // after use, is the notion of a regime that knows device data that
        // identifies no one (PIPL); under the others it is simply personal.
        if !ctx
            .regimes
            .iter()
            .any(|r| policy.regimes.get(r).may_be_non_personal)
        {
            ctx.combined = false;
        }
        ctx.abroad = ctx.abroad_under();
        Some(ctx)
    }

    /// The same facts, decided as an export (the regimes the flow is
    /// abroad under are those of the flow itself).
    fn as_export(&self) -> Context<'a> {
        let mut ctx = self.clone();
        ctx.action = Action::Export;
        for (slot, &category) in ctx.covered.iter_mut().zip(&self.request.categories) {
            *slot = self.policy.covering.covering(
                Action::Export,
                self.request.purpose,
                category.index(),
            );
        }
        ctx.regimes = ctx.governing_regimes();
        ctx
    }

    /// The same facts for a subject of unknown age, assumed a child or an adult.
    fn assuming(&self, child: bool) -> Context<'a> {
        let mut ctx = self.clone();
        ctx.child = Some(child);
        ctx.record = Cell::new(None);
        ctx.guardian_access = child && guardian_access(self.request);
        ctx
    }

    /// Whether every rule that permits in `decision` (the adult path) takes
    /// an unknown age as an adult.
    fn adult_rules_only(&self, decision: &Decision) -> bool {
        let mut cited = decision
            .reasons()
            .iter()
            .filter(|r| r.code() == ReasonCode::RulePermits)
            .filter_map(|r| r.rule().and_then(|id| self.policy.rule(id)))
            .peekable();
        cited.peek().is_some() && cited.all(|rule| rule.unknown_age_adult)
    }

    /// Whether a flow abroad must also pass as an export: every action but
    /// collect and store (localization decides those), export itself and
    /// delete.
    fn decided_as_export_too(&self) -> bool {
        !self.abroad.is_empty()
            && !matches!(
                self.action,
                Action::Collect | Action::Store | Action::Export | Action::Delete
            )
    }

    /// The subject's regime, and PIPL for data the policy keeps in the PRC
    /// (unless this collection or storage happens outside it).
    fn governing_regimes(&self) -> RegimeSet {
        let mut regimes = RegimeSet::EMPTY;
        if let Some(regime) = self.subject_regime {
            regimes = regimes.with(regime);
        }
        let kept_elsewhere = matches!(self.action, Action::Collect | Action::Store)
            && self
                .request
                .destination_region
                .is_some_and(|r| !Regime::Pipl.covers(r));
        if Regime::Pipl.covers(self.policy.storage_region) && !kept_elsewhere {
            regimes = regimes.with(Regime::Pipl);
        }
        regimes
    }

    /// The regimes under which the flow reaches a recipient, a place or an
    /// accessing party outside their area. The subject and the guardian are
    /// never abroad; an export with no region named is abroad everywhere
    /// (fail closed); a GDPR controller's own staff using data from abroad
    /// is no transfer (EDPB 05/2021), under PIPL it is.
    fn abroad_under(&self) -> RegimeSet {
        let request = self.request;
        // Collecting or storing abroad is a matter of localization; the
        // verified guardian, named in their own consent, is never abroad.
        if matches!(
            self.action,
            Action::Delete | Action::Collect | Action::Store
        ) || self.named_guardian()
        {
            return RegimeSet::EMPTY;
        }
        // A publication is abroad where it is hosted (the destination).
        let to = request
            .recipient
            .as_ref()
            .filter(|r| r.kind != RecipientKind::Public)
            .and_then(|r| r.region);
        let at = request.destination_region;
        let mut abroad = RegimeSet::EMPTY;
        for regime in self.regimes.iter() {
            let outside = |region: Option<RegionCode>| region.is_some_and(|r| !regime.covers(r));
            let own_staff =
                regime == Regime::Gdpr && self.action == Action::Use && request.recipient.is_none();
            if (outside(to) || outside(at)) && !own_staff {
                abroad = abroad.with(regime);
            }
        }
        if self.action == Action::Export && abroad.is_empty() {
            // The host says it leaves: take it at its word.
            abroad = self.regimes;
        }
        abroad
    }

    /// Whether the recipient is a guardian whom a verified guardian's
    /// consent, holding now, names: the guardian, not someone so labelled.
    fn named_guardian(&self) -> bool {
        let Some(recipient) = self.request.recipient.as_ref() else {
            return false;
        };
        recipient.kind == RecipientKind::Guardian
            && recipient.name.as_ref().is_some_and(|name| {
                self.request.evidence.consents.iter().any(|c| {
                    c.grantor.is_verified_guardian()
                        && c.holds_at(self.request.at)
                        && c.recipients.iter().any(|r| r.same_as(name))
                })
            })
    }

    fn is_child(&self) -> bool {
        self.child == Some(true)
    }

    /// A child whose regime has a children's layer (PIPL's CAC-2019):
    /// guardian for every basis, assessments, notices.
    fn children_layer(&self) -> bool {
        self.is_child()
            && self
                .subject_regime
                .is_some_and(|r| self.policy.regimes.get(r).children)
    }

    fn age_known(&self) -> bool {
        self.age_known
    }

    fn purpose_info(&self) -> Option<&'a crate::purpose::Purpose> {
        self.policy.purpose(self.request.purpose)
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
        self.rules(self.policy.permits.get(self.action, self.request.purpose))
    }

    /// The permit rules that may apply and cover `category`, the `nth`
    /// requested one (from the compiled cover index: no scan of the slot).
    fn covering(&self, nth: usize, category: CategoryId) -> impl Iterator<Item = &'a Rule> + 'a {
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
    fn offered(&self, rule: &Rule) -> BasisSet {
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
    fn coverage(&self, decision: &mut Decision) -> Option<BasisSet> {
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
    fn underlying(&self, category: CategoryId) -> BasisSet {
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
    fn used_rules(
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
    fn touches_request(&self, rule: &Rule) -> bool {
        self.request
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

    /// Whether the request is a transfer to an acquirer bound by the policy.
    fn acquirer_bound(&self) -> bool {
        self.action == Action::Transfer && self.request_acquirer_bound()
    }

    /// Whether the request (whatever the action decided) names an acquirer
    /// that accepts the policy, in a transfer.
    fn request_acquirer_bound(&self) -> bool {
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
        self.action == Action::Transfer
            && self
                .request
                .recipient
                .as_ref()
                .is_some_and(|r| r.kind == RecipientKind::Acquirer && !r.accepts_policy)
    }

    /// Separate consent (单独同意) is needed for sensitive data, a child's
    /// data, sharing, disclosure, export, and an unbound acquirer. Entrusting
    /// adds no trigger of its own: the processor acts for us.
    fn separate_required(&self) -> bool {
        let pipl = self.regimes.contains(Regime::Pipl)
            && (self.sensitive
                || self.children_layer()
                || matches!(self.action, Action::Disclose | Action::Export)
                || (self.action == Action::Share && !self.guardian_access)
                || self.acquirer_unbound());
        // GDPR art. 9(2)(a): explicit consent for a special category.
        let gdpr = self.regimes.contains(Regime::Gdpr) && self.special;
        pipl || gdpr || (self.regimes.is_empty() && self.sensitive)
    }

    /// Tries the acceptable bases in the candidates' order of preference;
    /// the first whose evidence holds is the basis.
    fn choose_basis(&self, mut acceptable: BasisSet) -> Result<Basis, BasisFailures> {
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
                    // The whole decision must pass on it: the gates and the
                    // record's retention (so valid evidence never hurts).
                    Ok(()) if self.passes_on(basis) => return Ok(basis),
                    Ok(()) => {
                        failures.tried = failures.tried.with(basis);
                        failures.held_but_gated = true;
                    }
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
        // Evidence offered for a basis that does not exist under a
        // governing regime (public data under the GDPR): say so, even where
        // no rule offers the basis.
        for basis in Basis::ALL.iter().copied() {
            if !failures.tried.contains(basis)
                && self.evidence_offered(basis)
                && self
                    .regimes
                    .iter()
                    .any(|r| !self.policy.regimes.get(r).bases.contains(basis))
            {
                let rule = self
                    .candidates()
                    .next()
                    .map_or(failures.first_rule, |r| Some(r.id));
                if let Some(rule) = rule {
                    failures.record(
                        basis,
                        Some(Failure::new(ReasonCode::BasisNotAvailable)),
                        rule,
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
                .map_or(failures.first_rule, |r| Some(r.id));
            if let Some(rule) = rule {
                failures.record(
                    Basis::Emergency,
                    Some(Failure::new(ReasonCode::PurposeNotProtective)),
                    rule,
                );
            }
        }
        Err(failures)
    }

    /// Whether the evidence for `basis` holds; if not, the most specific
    /// reason, or `None` when the evidence is simply absent.
    fn check_basis(&self, basis: Basis) -> Result<(), Option<Failure>> {
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
                // Under a children's layer, a child's contract needs the
                // verified guardian's consent to the purpose, except for the
                // purposes open before it.
                let open_before = self
                    .purpose_info()
                    .is_some_and(|p| p.before_guardian_consent);
                if self.children_layer() && !open_before {
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
    fn passes_on(&self, basis: Basis) -> bool {
        if self.acquirer_unbound() && basis != Basis::Consent {
            return false;
        }
        let held_store = self.action == Action::Store && self.request.legal_hold;
        held_store || self.record_expired(Some(basis)).is_none()
    }

    /// An emergency protects (PIPL art. 13(4), GDPR art. 6(1)(d)): a
    /// protective purpose, while it lasts; under the GDPR life or health
    /// only, and for a special category a subject unable to consent.
    fn emergency(&self) -> Result<(), Option<Failure>> {
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
    fn consent_withdrawn_for_purpose(&self) -> bool {
        let purposes = &self.policy.purpose_tree;
        let purpose = self.request.purpose.index();
        self.request.evidence.consents.iter().any(|c| {
            c.state.timing(self.request.at) == Timing::Withdrawn
                && c.purposes
                    .iter()
                    .any(|p| purposes.covers(p.index(), purpose))
        })
    }

    /// Whether the request offers evidence for `basis` at all.
    fn evidence_offered(&self, basis: Basis) -> bool {
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
    fn legal_obligation(&self) -> Result<(), Option<Failure>> {
        let evidence = &self.request.evidence;
        if self.to_foreign_authority() && evidence.authority_approval.is_some() {
            return Ok(());
        }
        if evidence.legal_obligation.is_none() {
            return Err(None);
        }
        match evidence.legal_obligation_law {
            Some(law) if self.regimes.iter().any(|regime| !regime.covers(law)) => Err(Some(
                Failure::with(ReasonCode::BasisNotAvailable, Detail::ForeignLaw),
            )),
            // Under two regimes no one law is "the regime's own": unsaid, it
            // would count as each one's, which no citation can be.
            None if self.regimes.iter().count() > 1 => Err(Some(Failure::with(
                ReasonCode::BasisNotAvailable,
                Detail::LawUnstated,
            ))),
            _ => Ok(()),
        }
    }

    /// Whether the evidence holds a legal obligation under PRC law.
    fn prc_legal_obligation(&self) -> bool {
        let evidence = &self.request.evidence;
        evidence.legal_obligation.is_some()
            && evidence
                .legal_obligation_law
                .is_none_or(|law| Regime::Pipl.covers(law))
    }

    /// Whether the recipient is an authority of another state or territory
    /// (HK, MO and TW included) and the data falls under PIPL.
    fn to_foreign_authority(&self) -> bool {
        self.regimes.contains(Regime::Pipl)
            && self.request.recipient.as_ref().is_some_and(|r| {
                r.kind == RecipientKind::Authority
                    && r.region.is_some_and(|region| !Regime::Pipl.covers(region))
            })
    }

    /// Whether the recipient is a PRC authority acting on a PRC legal
    /// obligation (court orders, regulators).
    fn to_prc_authority_by_law(&self) -> bool {
        self.request.recipient.as_ref().is_some_and(|r| {
            r.kind == RecipientKind::Authority && r.region.is_some_and(|g| Regime::Pipl.covers(g))
        }) && self.prc_legal_obligation()
    }

    /// How much of a consent must match for a consent basis.
    fn scope(&self) -> Scope {
        match self.action {
            // The processor acts for us: the consent to the underlying
            // processing carries it, whatever its actions and recipients.
            Action::Entrust => Scope::Processing,
            _ => Scope::Full,
        }
    }

    /// Looks for a consent that supports the request; on failure, the most
    /// specific reason among the consents given (the one that came closest).
    fn consent(&self, scope: Scope) -> Result<(), Option<Failure>> {
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
    fn fit(&self, consent: &Consent, scope: Scope) -> Fit {
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
                    .child_at(self.jurisdiction, consent.state.given_at());
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
    fn in_scope(&self, consent: &Consent, scope: Scope) -> Result<(), Detail> {
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

    /// The action gates of the decision procedure and the legal principles on
    /// data leaving: localization, an identified recipient, foreign
    /// authorities, the export mechanism, the acquirer, a child's data,
    /// categories never provided.
    fn gates(&self, basis: Option<Basis>, decision: &mut Decision) {
        let request = self.request;
        let action = self.action;
        // A failing gate cites the first rule used (looked up only then).
        let gate = |decision: &mut Decision, reason: Failure| {
            let first = self.used_rules(basis).next().map(|(_, r)| r.id);
            let mut r = Reason::new(reason.code, first, None);
            if let Some(detail) = reason.detail {
                r = r.with_detail(detail);
            }
            decision.push_reason(r);
        };
        // Localization: a commitment of the policy for the data of subjects
        // within its storage region.
        // Entrusting data to a processor who keeps it at a destination
        // abroad is storing it there (engine choice): the label does not
        // take it out of the commitment.
        let kept_abroad = request
            .destination_region
            .is_some_and(|region| !within(region, self.policy.storage_region));
        if self.personal
            && self.policy.localization
            && self.localized
            && matches!(action, Action::Collect | Action::Store | Action::Entrust)
            && kept_abroad
        {
            gate(decision, Failure::new(ReasonCode::LocalizationRequired));
        }
        if let Some(detail) = self.unidentified_recipient() {
            gate(
                decision,
                Failure::with(ReasonCode::RecipientUnidentified, detail),
            );
        }
        if self.to_foreign_authority() && request.evidence.authority_approval.is_none() {
            gate(
                decision,
                Failure::new(ReasonCode::ForeignAuthorityNotApproved),
            );
        }
        if !self.personal {
            // The rest protects personal information.
            return;
        }
        if action == Action::Export {
            for regime in self.abroad.iter() {
                if let Err(detail) = self.mechanism(regime) {
                    gate(
                        decision,
                        Failure::with(ReasonCode::TransferMechanismRequired, detail),
                    );
                }
            }
        }
        if self.acquirer_unbound() && basis != Some(Basis::Consent) {
            gate(decision, Failure::new(ReasonCode::RecipientNotBound));
        }
        // CAC-2019 arts. 16-17: a child's data goes to a recipient or a
        // processor only after the operator's assessment of it; a PRC
        // authority acting on PRC law is the exception (engine choice).
        let gives_away = matches!(
            action,
            Action::Share | Action::Entrust | Action::Transfer | Action::Export
        );
        if gives_away
            && self.children_layer()
            && !self.guardian_access
            && !self.to_prc_authority_by_law()
            && !request
                .recipient
                .as_ref()
                .is_some_and(|r| r.security_assessment)
        {
            gate(
                decision,
                Failure::new(ReasonCode::SecurityAssessmentRequired),
            );
        }
        if self.never_provided && self.provides_to_others() {
            gate(decision, Failure::new(ReasonCode::NeverProvided));
        }
    }

    /// What is missing to identify the recipient, when the flow needs one:
    /// share, entrust, transfer, export and every flow abroad. The guardian
    /// needs no region; an authority's region is the state it belongs to.
    fn unidentified_recipient(&self) -> Option<Detail> {
        let needs = matches!(
            self.action,
            Action::Share | Action::Entrust | Action::Transfer | Action::Export
        ) || (!self.abroad.is_empty() && self.action != Action::Disclose);
        let Some(recipient) = self.request.recipient.as_ref() else {
            return needs.then_some(Detail::RecipientMissing);
        };
        // A recipient named at all is named in full, whatever the action:
        // leaving out its name or region must never make a flow look
        // domestic, or harmless.
        // The guardian their own consent names is identified by it; the
        // public has no name, and where it is published is the destination.
        // Anyone else, labelled guardian or not, is named in full.
        let publication =
            recipient.kind == RecipientKind::Public && self.request.action == Action::Disclose;
        if self.named_guardian() || publication {
            return None;
        }
        if recipient.name.is_none() {
            return Some(Detail::RecipientName);
        }
        // Its own region: the destination says where the data goes, not
        // where the recipient is (an authority is of the state it belongs to).
        recipient
            .region
            .is_none()
            .then_some(Detail::RecipientRegion)
    }

    /// Whether the action gives the data to someone other than our own
    /// processor, a bound acquirer or a PRC authority acting on PRC law.
    fn provides_to_others(&self) -> bool {
        let to = self.recipient;
        match self.action {
            Action::Share | Action::Disclose => !self.to_prc_authority_by_law(),
            Action::Export => {
                to != Some(RecipientKind::Processor) && !self.to_prc_authority_by_law()
            }
            Action::Transfer => !self.request_acquirer_bound(),
            _ => false,
        }
    }

    /// Whether the request names a mechanism of `regime` whose condition
    /// holds; if not, why.
    fn mechanism(&self, regime: Regime) -> Result<(), Detail> {
        let mechanisms = self.request.mechanisms;
        if mechanisms.is_empty() {
            return Err(Detail::MechanismMissing);
        }
        let mut unmet = false;
        for mechanism in mechanisms.iter().filter(|&m| regime.recognises(m)) {
            if self.exemption_holds(mechanism) {
                return Ok(());
            }
            unmet = true;
        }
        Err(if unmet {
            Detail::ExemptionNotMet
        } else {
            Detail::MechanismOfAnotherRegime
        })
    }

    /// The conditions of the 2024 CAC exemptions (and a treaty), checked
    /// against the request rather than trusted.
    fn exemption_holds(&self, mechanism: TransferMechanism) -> bool {
        use TransferMechanism as M;
        let evidence = &self.request.evidence;
        let purpose = self.purpose_info();
        match mechanism {
            M::ExemptContract => evidence.contract,
            M::ExemptHr => purpose.is_some_and(|p| p.hr),
            M::ExemptEmergency => {
                evidence.emergency.is_some_and(|e| e.ongoing)
                    && purpose.is_some_and(|p| p.protective)
            }
            M::ExemptSmallVolume => {
                !self.sensitive && !self.children_layer() && !self.policy.cii_operator
            }
            M::ExemptForeignOrigin => self.subject_regime != Some(Regime::Pipl),
            M::Treaty => evidence.authority_approval.is_some(),
            M::SecurityAssessment
            | M::Certification
            | M::StandardContract
            | M::Adequacy
            | M::Scc
            | M::Bcr
            | M::Derogation => true,
        }
    }

    /// Principle 11: `delete` needs no basis and carries `backup_purge`,
    /// unless a legal hold keeps the data, or a statutory minimum retention
    /// for it has not run (`delete` then dated at the minimum's end).
    fn deletion(&self, decision: &mut Decision) {
        let first = self.used_rules(None).next().map(|(_, r)| r.id);
        if self.request.legal_hold {
            decision.push_reason(Reason::new(ReasonCode::LegalHold, first, None));
            decision.add_obligation(ObligationCode::RestrictToStorage);
            return self.finish(decision, None);
        }
        if let Some(minimum) = self.statutory_minimum() {
            match self
                .request
                .collected_at
                .and_then(|c| minimum.period.after(c))
            {
                // Without `collected_at` the minimum cannot be shown to
                // have run: the data stays.
                None => {
                    decision.push_reason(Reason::new(ReasonCode::StatutoryRetention, first, None));
                    decision.add_obligation(ObligationCode::RestrictToStorage);
                    return self.finish(decision, None);
                }
                Some(end) if self.request.at < end => {
                    decision.push_reason(Reason::new(ReasonCode::StatutoryRetention, first, None));
                    decision.add_obligation(ObligationCode::RestrictToStorage);
                    decision.add_dated(ObligationCode::Delete, Due::Date(self.home_date(end)));
                    return self.finish(decision, None);
                }
                Some(_) => {}
            }
        }
        let mut previous = None;
        for (_, rule) in self.used_rules(None) {
            if previous.replace(rule.id) != Some(rule.id) {
                decision.push_reason(Reason::new(ReasonCode::RulePermits, Some(rule.id), None));
            }
        }
        let lag = self.policy.retention.backup_lag;
        if let Some(purge) = lag.after(self.request.at) {
            decision.add_dated(
                ObligationCode::BackupPurge,
                Due::Date(self.home_date(purge)),
            );
        }
        decision.set_effect(Effect::Permit);
        self.finish(decision, None);
    }

    /// The longest statutory minimum retention that keeps this record (its
    /// categories, the purpose it was collected for, a governing regime).
    fn statutory_minimum(&self) -> Option<&'a crate::policy::Minimum> {
        let purpose = self.request.collected_for.unwrap_or(self.request.purpose);
        let tree = &self.policy.purpose_tree;
        let categories = &self.policy.category_tree;
        let mut longest: Option<&crate::policy::Minimum> = None;
        for minimum in &self.policy.minimums {
            let applies = self.regimes.contains(minimum.regime)
                && minimum
                    .purposes
                    .iter()
                    .any(|p| tree.covers(p.index(), purpose.index()))
                && self.request.categories.iter().any(|c| {
                    let (start, end) = (c.index(), categories.end(c.index()));
                    minimum
                        .category_ranges
                        .iter()
                        .any(|&(s, e)| (s <= start && start < e) || (start <= s && s < end))
                });
            if applies
                && longest
                    .is_none_or(|l| crate::policy::retention::is_shorter(l.period, minimum.period))
            {
                longest = Some(minimum);
            }
        }
        longest
    }

    /// Step 6: the record's retention, fixed when it was collected (the
    /// shortest of the rules that permit collecting or storing its
    /// categories for the purpose it was collected for). Past it, only
    /// deletion, storage under a legal hold, and a statutory duty on a legal
    /// obligation remain; anything else is `retention_expired`.
    fn retention(&self, basis: Option<Basis>, decision: &mut Decision) {
        let Some((end, rule, category)) = self.record_expired(basis) else {
            return;
        };
        if self.action == Action::Store && self.request.legal_hold {
            decision.add_obligation(ObligationCode::RestrictToStorage);
            return;
        }
        decision.push_reason(Reason::new(ReasonCode::RetentionExpired, rule, category));
        let date = Due::Date(self.home_date(end));
        // A child's data is deleted, never anonymized (CAC-2019 arts. 20,
        // 23); so is data whose subject's age is unknown.
        let disposal = AgeGroup::from_child(self.child).disposal(self.policy.retention.disposal);
        match disposal {
            Disposal::Delete => decision.add_dated(ObligationCode::Delete, date),
            Disposal::DeleteOrAnonymize => {
                decision.add_dated(ObligationCode::DeleteOrAnonymize, date);
            }
        }
        // CAC-2019 art. 23: the guardian (and the child) hear of the end.
        if self.children_layer() && !self.request.evidence.confidential {
            decision.add_obligation(ObligationCode::NotifyGuardian);
        }
    }

    /// When the record's retention has run out at `at` for this action on
    /// this basis: its end, and the rule and category that set it. `None`
    /// when it has not, when there is no `collected_at`, or for what remains
    /// open after it: deletion, and a statutory duty on a legal obligation.
    fn record_expired(
        &self,
        basis: Option<Basis>,
    ) -> Option<(DateTime<FixedOffset>, Option<RuleId>, Option<CategoryId>)> {
        self.request.collected_at?;
        if self.action == Action::Delete {
            return None;
        }
        let statutory = self.purpose_info().is_some_and(|p| p.statutory);
        if statutory && basis == Some(Basis::LegalObligation) {
            return None;
        }
        let (end, rule, category) = self.record().end?;
        (self.request.at >= end).then_some((end, rule, Some(category)))
    }

    /// The record's retention, worked out once per decision: counted from
    /// `collected_at` (or `at`, a collection happening now), the earliest
    /// end among its categories and the rule and category that set it, and
    /// the first event any category waits for. Each category's retention
    /// is that of the rules permitting its collection or storage for the
    /// purpose it was collected for, whatever rule covers this action and
    /// whatever basis it rests on; a category no such rule names keeps the
    /// retention of the first rule covering this action.
    fn record(&self) -> RecordRetention {
        if let Some(record) = self.record.get() {
            return record;
        }
        let start = self.request.collected_at.unwrap_or(self.request.at);
        let purpose = self.request.collected_for.unwrap_or(self.request.purpose);
        let age = AgeGroup::from_child(self.child);
        let mut record = RecordRetention::default();
        // Categories often share their rule: the same period from the same
        // start ends at the same instant, worked out once.
        let mut last: Option<(crate::retention::Period, Option<DateTime<FixedOffset>>)> = None;
        for (nth, &category) in self.request.categories.iter().enumerate() {
            let (retention, rule) =
                match governing_retention(self.policy, category, purpose, age, None) {
                    (RetentionSource::Rule(id), retention) => (retention, Some(id)),
                    (RetentionSource::DeniedBy(id), _) => (None, Some(id)),
                    (RetentionSource::NoRule, _) => match self.covering(nth, category).next() {
                        Some(rule) => (rule.retention, Some(rule.id)),
                        None => (None, None),
                    },
                };
            let end = match retention {
                Some(Retention::For(period)) => match last {
                    Some((p, end)) if p == period => end,
                    _ => {
                        let end = period.after(start);
                        last = Some((period, end));
                        end
                    }
                },
                Some(Retention::Until(event)) => {
                    record.event = Some(
                        record
                            .event
                            .map_or(event, |current| first_event(current, event)),
                    );
                    None
                }
                // Nothing lets it be kept: its time ends where it starts.
                None => Some(start),
            };
            if let Some(end) = end
                && record.end.is_none_or(|(e, _, _)| end < e)
            {
                record.end = Some((end, rule, category));
            }
        }
        self.record.set(Some(record));
        record
    }

    /// The calendar date of an instant in the home jurisdiction.
    fn home_date(&self, at: DateTime<FixedOffset>) -> chrono::NaiveDate {
        crate::subject::age::local_date(at, self.policy.home_offset)
    }

    /// In one pass over the rules used: cites each (`rule_permits`), adds
    /// its own obligations when `own_obligations`, and `retain_until`: the
    /// earliest end among the rules used, counted from `collected_at` (or
    /// from `at`: a collection happening now); an event when every rule used
    /// keeps data until one, the one that comes first whatever the order of
    /// the categories ([`first_event`]).
    fn cite_rules(&self, decision: &mut Decision, basis: Option<Basis>, own_obligations: bool) {
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
    fn obligations(&self, basis: Option<Basis>, decision: &mut Decision) {
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
        if self.regimes.contains(Regime::Pipl)
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
    /// Purpose and every category: the processing a processor does for us.
    Processing,
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
    GivenAsChild,
    OutOfScope(Detail),
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
            Fit::NotFromSubject | Fit::GivenAsChild => 3,
            // The closer the scope, the more it says: a consent that names
            // everything but the recipient beats one for another purpose.
            Fit::OutOfScope(Detail::Recipient) => 4,
            Fit::OutOfScope(Detail::Action) => 5,
            Fit::OutOfScope(Detail::Category) => 6,
            Fit::OutOfScope(_) => 7,
        }
    }

    fn failure(self) -> Option<Failure> {
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

/// Why no basis held: the specific reasons found, in order, and which bases
/// were tried (all inline).
#[derive(Default)]
struct BasisFailures {
    age_block: AgeBlock,
    tried: BasisSet,
    /// Some basis held but a gate or the retention refused it: those say why.
    held_but_gated: bool,
    specific: [Option<(Failure, RuleId)>; Basis::ALL.len()],
    first_rule: Option<RuleId>,
}

impl BasisFailures {
    fn record(&mut self, basis: Basis, failure: Option<Failure>, rule: RuleId) {
        self.tried = self.tried.with(basis);
        self.first_rule = self.first_rule.or(Some(rule));
        if let (Some(failure), Some(slot)) =
            (failure, self.specific.iter_mut().find(|s| s.is_none()))
        {
            *slot = Some((failure, rule));
        }
    }

    /// The most specific reasons win: a rule closed by an unknown age, then
    /// what each basis lacked; with none, `consent_missing` when consent was
    /// the only basis on offer, else `basis_missing`.
    fn report(&self, decision: &mut Decision) {
        let mut any = false;
        if let AgeBlock(Some(rule)) = self.age_block {
            decision.push_reason(Reason::new(ReasonCode::AgeUnknown, Some(rule), None));
            any = true;
        }
        if self.held_but_gated {
            return;
        }
        for (failure, rule) in self.specific.iter().flatten() {
            let mut reason = Reason::new(failure.code, Some(*rule), None);
            if let Some(detail) = failure.detail {
                reason = reason.with_detail(detail);
            }
            decision.push_reason(reason);
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

/// Whether the request gives a child's data to their verified guardian
/// (access, not provision), once the subject is known to be a child.
fn guardian_access(request: &Request) -> bool {
    request.recipient.as_ref().map(|r| r.kind) == Some(RecipientKind::Guardian)
        && request
            .evidence
            .consents
            .iter()
            .any(|c| c.grantor.is_verified_guardian() && c.holds_at(request.at))
}

/// Whether every id the request holds beyond its purpose and categories is
/// this engine's: one cached from another engine (another policy, or this
/// file loaded again) is never reinterpreted.
fn owns_every_id(policy: &Policy, request: &Request) -> bool {
    request
        .collected_for
        .is_none_or(|p| policy.purpose(p).is_some())
        && request.evidence.consents.iter().all(|consent| {
            consent
                .purposes
                .iter()
                .all(|&p| policy.purpose(p).is_some())
                && consent
                    .categories
                    .iter()
                    .all(|&c| policy.category(c).is_some())
        })
}
