//! The decision procedure (docs/decision-procedure.md), step by step and in its order:
//! subject, personal or not, rules, basis, action gates, retention,
//! obligations. Any deny wins; without a rule, deny.
//!
//! This file holds the order of the steps ([`decide`]) and what the
//! procedure knows about a request (`Context`); each step is a file:
//!
//! | step | file |
//! | --- | --- |
//! | the passes a request makes: as itself, as the provision its recipient makes, as an export | `flow.rs` |
//! | 3b, the permit rules that cover each category | `coverage.rs` |
//! | 4, the lawful basis | `basis.rs`, with consent records in `consent.rs` |
//! | 5, the action gates | `gates.rs`, with data leaving in `abroad.rs` |
//! | 6, retention (and deletion) | `retention.rs` |
//! | 7, obligations | `obligations.rs` |
//!
//! It works on ids and bit sets only and never allocates: candidate rules
//! come from the (action, purpose) index, coverage is an integer range test,
//! and the decision is built in place.

use std::cell::Cell;

use crate::action::Action;
use crate::basis::{Basis, BasisSet};
use crate::category::CategoryId;
use crate::decision::request::Request;
use crate::decision::{Decision, Detail, Effect, ObligationCode, Reason, ReasonCode, Unbased};
use crate::moment::Civil;
use crate::moment::Moment;
use crate::policy::{Plan, Policy, RuleId, audience};
use crate::recipient::RecipientKind;
use crate::retention::RetentionEvent;
use crate::subject::age::Years;
use crate::subject::regime::{Regime, RegimeSet, within};
use crate::subject::region::RegionCode;
use crate::subject::scope::{ChildAge, MINOR_AGE};
use crate::subject::{Assessment, Jurisdiction, assess};

mod abroad;
mod basis;
mod consent;
mod coverage;
mod flow;
mod gates;
mod obligations;
mod retention;

/// Decides `request` under `policy`. Never fails: anything it cannot judge
/// is a deny with a reason.
///
/// A request is decided as itself, as the provision its recipient makes
/// (whatever the label), and, when it goes abroad, as an export; it is
/// permitted only if every pass permits (see `flow.rs`): so no label
/// bypasses the rules of a provision or the policy's export rule.
#[inline]
pub(crate) fn decide(policy: &Policy, request: &Request) -> Decision {
    decide_under(policy, request, None)
}

/// [`decide`] as if `only` alone of the regimes that apply governed the
/// request (counsel's tools: a second regime only ever closes).
#[inline]
pub(crate) fn decide_under(policy: &Policy, request: &Request, only: Option<Regime>) -> Decision {
    // Built in place and filled by reference: a decision is a few hundred
    // bytes, and moving it from step to step would cost more than a step.
    let mut decision = Decision::new();
    decide_in_place(policy, request, only, &mut decision);
    decision
}

/// [`decide_under`] into `decision`, which must be new
/// ([`Decision::new`]): the host's own, or one [`decide_under`] returns.
#[inline]
pub(crate) fn decide_in_place(
    policy: &Policy,
    request: &Request,
    only: Option<Regime>,
    decision: &mut Decision,
) {
    // Past the limits of `crate::limits` a request is not judged: its cost
    // would grow with consents times categories.
    if !crate::limits::within(request) {
        decision.push_reason(Reason::new(ReasonCode::InvalidRequest, None, None));
        return;
    }
    let Some(facts) = Facts::of(policy, request) else {
        decision.push_reason(Reason::new(ReasonCode::InvalidRequest, None, None));
        return;
    };
    let mut ctx = Context::new(policy, request, facts);
    ctx.settle(only);
    if ctx.age_known {
        flow::decide_flow(&mut ctx, decision);
        return;
    }
    // Adulthood is never presumed: an unknown age is decided as an adult
    // and as a child, and only what both permit passes; unless every rule
    // that permits for the adult lets an unknown age count as an adult.
    // One context serves both paths (no copy): each assumption sets every
    // field that depends on the age.
    ctx.assume(false);
    flow::decide_flow(&mut ctx, decision);
    let taken_as_adult = decision.is_permit() && ctx.adult_rules_only(decision);
    if !taken_as_adult {
        let mut as_child = Decision::new();
        ctx.assume(true);
        flow::decide_flow(&mut ctx, &mut as_child);
        decision.combine_unknown_age(&as_child);
    }
    // A birth date in the future or implausibly long ago is no age source,
    // and it is reported: on a deny, and on a permit that would take the
    // subject for an adult (a rule's `unknown_age = "adult"`), which such a
    // date must not earn. A permit that holds for a child and an adult alike
    // stands, as it would with no date at all (missing information never
    // helps, so a wrong date must not hurt more than none). A deletion does
    // not depend on the age: it stands.
    if ctx.subject.birth_date_implausible
        && request.action != Action::Delete
        && (taken_as_adult || !decision.is_permit())
    {
        decision.push_reason(
            Reason::new(ReasonCode::AgeUnknown, None, None)
                .with_detail(Detail::BirthDateImplausible),
        );
        decision.deny();
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

    // The public is no one to provide to (principle 2): a share, entrust,
    // transfer or export labelled as going to it names no recipient, before
    // any rule is looked for (publication is `disclose`).
    if ctx.action.gives_away() && ctx.recipient == Some(RecipientKind::Public) {
        decision.push_reason(
            Reason::new(ReasonCode::RecipientUnidentified, None, None)
                .with_detail(Detail::RecipientName),
        );
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
        decision.set_unbased(Unbased::NotPersonal);
        decision.set_effect(Effect::Permit);
        return ctx.finish(decision, None);
    }

    // Recording a withdrawal is always lawful: it needs no basis.
    // Only what recording a withdrawal needs: nothing sensitive, no child's
    // data (the guardian's consent rules it), within the record's retention.
    // (The purpose before the record: the usual case asks nothing of it.)
    let recording = matches!(ctx.action, Action::Use | Action::Store)
        && ctx.purpose_info().is_some_and(|p| p.records_withdrawal)
        && !ctx.sensitive
        && !ctx.children_layer()
        && ctx.record_expired(None).is_none();
    if recording {
        // What the recording touches still obeys the facts of the flow.
        ctx.gates(None, decision);
        if decision.has_deny_reason() {
            return ctx.finish(decision, None);
        }
        ctx.cite_rules(decision, None, true);
        ctx.obligations(None, decision);
        decision.set_unbased(Unbased::RecordingWithdrawal);
        decision.set_effect(Effect::Permit);
        return ctx.finish(decision, None);
    }

    // Step 4: the lawful basis, in the rules' order of preference.
    // The search also says which rule offered the basis it found.
    let mut offered_by = None;
    let basis = if ctx.acquirer_bound() {
        // PIPL art. 22: the acquirer steps into our shoes; no fresh basis.
        Ok(None)
    } else {
        ctx.choose_basis(acceptable, &mut offered_by).map(Some)
    };
    // A legal hold keeps the data (PIPL art. 47; GDPR arts. 17(3), 18(2)):
    // storing it needs no basis of its own, nor does a processor abroad
    // keeping it (whose mechanism the gates still ask for), and nothing
    // but storage is open (`restrict_to_storage`, step 6).
    let held = ctx.held_storage();
    if let Err(failures) = &basis
        && !held
    {
        failures.report(ctx, decision);
    }
    let held_unbased = held && basis.is_err();
    let basis = basis.unwrap_or(None);

    // Step 5: action gates. Every failing gate is reported, whatever the basis did.
    ctx.gates(basis, decision);

    // Step 6: retention.
    ctx.retention(basis, decision);

    if decision.has_deny_reason() {
        return ctx.finish(decision, None);
    }

    // Step 7: obligations.
    ctx.cite_rules_found(decision, basis, offered_by);
    ctx.obligations(basis, decision);
    decision.set_effect(Effect::Permit);
    decision.set_basis(basis);
    if held_unbased {
        decision.add_obligation(ObligationCode::RestrictToStorage);
        decision.set_unbased(Unbased::LegalHold);
    } else if basis.is_none() {
        decision.set_unbased(Unbased::AcquirerBound);
    }
    ctx.finish(decision, basis);
}

/// What the procedure knows about the request, for one pass (the request's
/// own action, the provision its recipient makes, or `export`).
#[derive(Clone)]
struct Context<'a> {
    policy: &'a Policy,
    request: &'a Request,
    /// The subject's jurisdiction.
    jurisdiction: &'a Jurisdiction,
    /// The action decided in this pass.
    action: Action,
    subject: Assessment,
    /// `Some(true)` a child under some applicable regime (or the
    /// jurisdiction's own threshold), `Some(false)` an adult, `None`
    /// unknown. For a subject of unknown age, each path of the decision
    /// assumes one.
    child: Option<bool>,
    /// The regimes under whose children's thresholds the subject is a child.
    child_regimes: RegimeSet,
    /// Under 18.
    minor: bool,
    /// Whether the age is known (not only assumed).
    age_known: bool,
    /// `child` and `recipient` as the rules' applicability reads them
    /// ([`Rule::applies_to`](crate::policy::Rule::applies_to)).
    audience: u16,
    /// Where the subject was when the data was collected.
    collected_in: RegionCode,
    /// The data was collected within the policy's storage region (the data
    /// the policy commits to keep there).
    localized: bool,
    /// The regimes the processing falls under.
    regimes: RegimeSet,
    /// The regimes under whose area the facts of the flow lead outside
    /// (the destination or the recipient's region), whatever the action.
    abroad_facts: RegimeSet,
    /// `abroad_facts` whoever the recipient turns out to be (see
    /// [`Context::places_abroad`]): worked out once, as the age group
    /// assumed or the recipient's kind may change only whether the
    /// recipient is never abroad.
    abroad_places: RegimeSet,
    /// The regimes under which this pass is abroad.
    abroad: RegimeSet,
    /// The recipient's kind as the facts make it: a `guardian` who is not
    /// the verified guardian of a child is a third party.
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
    /// For a request of one category, its covering list's compiled plan
    /// (see [`Plan`]), when it has one: what the basis search, the
    /// coverage and the rules cited find there without walking it.
    plan: Option<&'a Plan>,
    /// This pass is combined into a decision that already denies: a
    /// permit here adds nothing to it but whether its reasons were cut
    /// short ([`Decision::combine_pass`]), so its obligations and its
    /// retention's date are not worked out.
    denied_before: bool,
    /// Some consent record was withdrawn at or before `at`: the record's
    /// retention may have ended with it (see [`Context::record_expired`]),
    /// and a withdrawal may have ended another's grant
    /// ([`Context::withdrawn_by_another`]); with none, neither is looked for.
    withdrawal_by_now: bool,
    /// The record's retention, once worked out (see [`Context::record`]).
    record: Cell<Option<RecordRetention>>,
    /// The last instant (its UTC second) whose age date was asked, and
    /// that date (see [`Context::age_date`]): a consent's instant is asked
    /// about under every regime, basis and pass.
    age_date_seen: Cell<Option<(i64, Civil)>>,
    /// The last instant (its UTC second) whose date in the home
    /// jurisdiction was asked, and that date (see [`Context::home_date`]):
    /// a retention's end is dated in every pass.
    home_date_seen: Cell<Option<(i64, chrono::NaiveDate)>>,
}

/// A record's retention (see [`Context::record`]).
#[derive(Clone, Copy, Default)]
struct RecordRetention {
    /// The earliest end in time, and the rule and category that set it.
    end: Option<(Moment, Option<RuleId>, CategoryId)>,
    /// The first event a category is kept until.
    event: Option<RetentionEvent>,
    /// When a category's storage came to rest only on a withdrawn consent
    /// (the withdrawal), and the category: its retention ended then.
    withdrawn: Option<(Moment, CategoryId)>,
}

/// How many requested categories have their covering rules looked up in
/// advance; a request with more looks the others up each time it needs them.
const COVERED_UP_FRONT: usize = 4;

/// What the requested categories say, and the subject's jurisdiction:
/// checked before anything is decided.
#[derive(Clone, Copy)]
struct Facts<'a> {
    jurisdiction: &'a Jurisdiction,
    sensitive: bool,
    special: bool,
    terminal: bool,
    identifying: bool,
    unique: bool,
    all_non_personal: bool,
    any_device: bool,
    never_provided: bool,
    purpose_bound: Option<CategoryId>,
}

impl<'a> Facts<'a> {
    /// `None` when the request holds ids the policy does not have (built
    /// against another engine), or names no category at all: missing
    /// information never permits.
    fn of(policy: &'a Policy, request: &Request) -> Option<Facts<'a>> {
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
        // A derogation (GDPR art. 49) names its ground.
        if request
            .mechanisms
            .contains(crate::decision::request::TransferMechanism::Derogation)
        {
            return None;
        }
        // The subject as recipient: only to `use` the data for a purpose
        // that gives the subject their own (access, a copy, a download),
        // and with no name (a handler the subject designates is a third
        // party).
        if let Some(r) = &request.recipient
            && r.kind == RecipientKind::Subject
            && (!purpose.to_subject || r.name.is_some() || request.action != Action::Use)
        {
            return None;
        }
        let mut facts = Facts {
            jurisdiction,
            sensitive: false,
            special: false,
            terminal: false,
            identifying: false,
            unique: false,
            all_non_personal: true,
            any_device: false,
            never_provided: false,
            purpose_bound: None,
        };
        for &category in &request.categories {
            let info = policy.category(category)?;
            let touches = info.touches;
            facts.sensitive |= touches.sensitive || touches.special;
            facts.special |= touches.special;
            facts.terminal |= touches.terminal;
            facts.identifying |= touches.identifying;
            facts.unique |= touches.unique_identifier;
            facts.all_non_personal &= touches.device_or_log && touches.may_be_non_personal;
            facts.any_device |= touches.device_or_log;
            facts.never_provided |= touches.never_provided;
            if facts.purpose_bound.is_none()
                && info.only_for.as_ref().is_some_and(|purposes| {
                    !purposes
                        .iter()
                        .any(|p| policy.purpose_tree.covers(p.index(), purpose.id.index()))
                })
            {
                facts.purpose_bound = Some(category);
            }
        }
        Some(facts)
    }
}

/// The subject's age at the request's instant ([`assess`]; in tests of
/// the shortcuts, on the date looked up in the time zone).
#[inline]
fn assess_subject(policy: &Policy, request: &Request, jurisdiction: &Jurisdiction) -> Assessment {
    #[cfg(test)]
    if policy.no_shortcuts {
        let today = jurisdiction.civil_date(&request.subject, request.at_moment);
        return crate::subject::assess_on(&request.subject, jurisdiction, today);
    }
    #[cfg(not(test))]
    let _ = policy;
    assess(&request.subject, jurisdiction, request.at_moment)
}

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

    /// The reason that reports this failure, citing `rule`.
    fn reason(self, rule: Option<RuleId>) -> Reason {
        let reason = Reason::new(self.code, rule, None);
        match self.detail {
            Some(detail) => reason.with_detail(detail),
            None => reason,
        }
    }
}

impl<'a> Context<'a> {
    /// What the procedure knows about `request`, from its [`Facts`], before
    /// the age group is settled ([`Context::settle`], always next). Built
    /// where the caller keeps it (a few hundred bytes: no `Option` around
    /// it to move, and the rest is filled in place).
    #[inline]
    fn new(policy: &'a Policy, request: &'a Request, facts: Facts<'a>) -> Context<'a> {
        let Facts {
            jurisdiction,
            sensitive,
            special,
            terminal,
            identifying,
            unique,
            all_non_personal,
            any_device,
            never_provided,
            purpose_bound,
        } = facts;
        let action = request.action;
        let personal =
            !all_non_personal || identifying || unique || sensitive || request.linked_to_account;
        let subject = assess_subject(policy, request, jurisdiction);
        let collected_in = request.collected_in.unwrap_or(jurisdiction.code);
        let (covered, plan) = covered_up_front(policy, request, action, subject.age.is_some());
        // A collection or storage made outside mainland China (our own
        // servers abroad) is not "data the policy keeps in the PRC".
        let kept_elsewhere = matches!(action, Action::Collect | Action::Store)
            && request
                .destination_region
                .is_some_and(|r| !Regime::Pipl.covers(r));
        // Collected where the subject lives (the usual case): the table
        // worked out when compiling.
        #[cfg(test)]
        let table = !policy.no_shortcuts;
        #[cfg(not(test))]
        let table = true;
        let regimes = if table && collected_in == jurisdiction.code {
            policy.regimes_collected_in(jurisdiction, kept_elsewhere)
        } else {
            policy
                .scope
                .regimes(collected_in, policy.storage_region, kept_elsewhere)
        };
        Context {
            policy,
            request,
            jurisdiction,
            action,
            subject,
            child: None,
            child_regimes: RegimeSet::EMPTY,
            minor: false,
            age_known: subject.age.is_some(),
            audience: audience(None, None),
            collected_in,
            localized: within(collected_in, policy.storage_region),
            regimes,
            abroad_facts: RegimeSet::EMPTY,
            abroad_places: RegimeSet::EMPTY,
            abroad: RegimeSet::EMPTY,
            recipient: None,
            personal,
            // Device or log data together
            // with an identifying category, a unique identifier or an account.
            combined: any_device && (identifying || unique || request.linked_to_account),
            sensitive,
            special,
            terminal,
            never_provided,
            purpose_bound,
            guardian_access: false,
            covered,
            plan,
            denied_before: false,
            withdrawal_by_now: request
                .evidence
                .consents
                .iter()
                .any(|c| c.withdrawal_instant().is_some_and(|w| w <= request.at)),
            record: Cell::new(None),
            // The request's instant was dated by `assess` already (the
            // subject's date, or the UTC date where no birthday is near
            // any of the births it read): a consent given at that instant
            // (a registration) finds it here.
            age_date_seen: Cell::new(Some((request.at_moment.utc_seconds(), subject.today))),
            home_date_seen: Cell::new(None),
        }
    }

    /// Sets what depends on the subject's age group and on the regimes
    /// (`only`: see [`decide_under`]), on a context [`Context::new`] made:
    /// in place, where the caller keeps the context (no copy of it).
    fn settle(&mut self, only: Option<Regime>) {
        let ctx = self;
        let policy = ctx.policy;
        let mut subject = ctx.subject;
        ctx.abroad_places = ctx.places_abroad();
        // A child under any applicable regime's threshold (or the
        // jurisdiction's own) is a child: never treated as an adult.
        if let Some(age) = subject.age {
            // The age counted both ways once (by `assess`, with the age),
            // for every regime's threshold and PIPL's minors.
            let years = subject.years_today;
            debug_assert_eq!(years, subject.ages_on(subject.today));
            let child_regimes = years.map_or(RegimeSet::EMPTY, |y| ctx.child_regimes_at(y));
            let child = ctx.child_under(child_regimes, age.years);
            if let Some(found) = subject.age.as_mut() {
                found.child = child;
            }
            ctx.subject = subject;
            // Under 18, counted PIPL's way (the day after the birthday):
            // PIPL's minors' layer is PIPL's.
            let pipl_years =
                years.map_or(age.years, |y| y.counted(policy.scope.pipl_child.boundary));
            ctx.set_age_group(child, child_regimes, pipl_years < MINOR_AGE);
        }
        // An unknown age is decided only under an assumption
        // ([`Context::assume`] sets every field that depends on it): until
        // then nothing is presumed (no child, no recipient, not abroad).
        // Counsel's tools: one regime's law alone, the subject being who
        // they are (a child under any applicable threshold is a child to
        // the policy's rules).
        if let Some(only) = only {
            ctx.regimes = if ctx.regimes.contains(only) {
                RegimeSet::EMPTY.with(only)
            } else {
                RegimeSet::EMPTY
            };
            ctx.abroad_places = ctx.places_abroad();
            ctx.abroad_facts = ctx.abroad_under_facts();
            ctx.abroad = ctx.abroad_for(ctx.action);
        }
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
    }

    /// The regimes under whose children's threshold the subject is a child
    /// at the age `years` (on some calendar date), counted both ways: each
    /// regime reads its own count (PIPL from the day after the birthday,
    /// the GDPR states on it).
    fn child_regimes_at(&self, years: Years) -> RegimeSet {
        let mut children = RegimeSet::EMPTY;
        for regime in self.regimes.iter() {
            let threshold = self.child_age(regime);
            if years.counted(threshold.boundary) < u32::from(threshold.age) {
                children = children.with(regime);
            }
        }
        children
    }

    /// A regime's children's threshold for this subject: PIPL's (14); the
    /// GDPR's of the member state (the subject's jurisdiction, else where
    /// the data was collected), else 16.
    fn child_age(&self, regime: Regime) -> ChildAge {
        let scope = &self.policy.scope;
        match regime {
            Regime::Pipl => scope.pipl_child,
            Regime::Gdpr => {
                let member_state = |j: &Jurisdiction| {
                    (j.regime == Some(Regime::Gdpr)).then_some(ChildAge {
                        age: j.child_age,
                        boundary: j.age_boundary,
                    })
                };
                member_state(self.jurisdiction)
                    .or_else(|| {
                        self.policy
                            .jurisdiction_of(self.collected_in)
                            .and_then(member_state)
                    })
                    .unwrap_or(scope.gdpr_child)
            }
        }
    }

    /// Whether the subject was a child (under any applicable regime, or
    /// their jurisdiction) at the instant `at`: `None` when the age is
    /// unknown.
    fn child_at(&self, at: Moment) -> Option<bool> {
        self.read_age_at(at, |on| {
            let years = self.subject.ages_on(on)?;
            Some(self.child_under(
                self.child_regimes_at(years),
                years.counted(self.jurisdiction.age_boundary),
            ))
        })
    }

    /// Whether a subject of `years` (counted in the jurisdiction's way),
    /// a child under `child_regimes`, is a child: under some applicable
    /// regime's threshold; with no regime applying, under the
    /// jurisdiction's own.
    fn child_under(&self, child_regimes: RegimeSet, years: u32) -> bool {
        if self.regimes.is_empty() {
            years < u32::from(self.jurisdiction.child_age)
        } else {
            !child_regimes.is_empty()
        }
    }

    /// Whether the subject was a child under `regime` at the instant `at`:
    /// `None` when the age is unknown.
    fn child_under_at(&self, regime: Regime, at: Moment) -> Option<bool> {
        let threshold = self.child_age(regime);
        #[cfg(test)]
        let by_years = !self.policy.no_shortcuts;
        #[cfg(not(test))]
        let by_years = true;
        // Most grants were given by adults years past every children's
        // threshold: their years alone say so, without the dates (a few
        // integer operations where reading the age on them takes a hundred).
        let utc = at.utc_date();
        if by_years
            && self.subject.birth.is_some_and(|birth| {
                crate::subject::age::at_least_around(birth, utc, threshold.age)
            })
        {
            return Some(false);
        }
        self.read_age_at(at, |on| {
            let years = self.subject.years_on(on, threshold.boundary)?;
            Some(years < u32::from(threshold.age))
        })
    }

    /// What `read` says of the subject's age on their calendar date at
    /// `at`, for a `read` that turns at most once as the date advances
    /// (whether they were under a threshold). Every UTC offset is less than
    /// a day, so that date lies between the day before the UTC date and the
    /// day after: where `read` says the same on both, it says it on every
    /// date between, and the date is not looked up in the time zone (a
    /// consent given on the eve of an adult's birthday asks nothing of the
    /// zone to know the adult was no child).
    fn read_age_at<T: PartialEq>(&self, at: Moment, read: impl Fn(Civil) -> T) -> T {
        #[cfg(test)]
        let either_side = !self.policy.no_shortcuts;
        #[cfg(not(test))]
        let either_side = true;
        let seen = self
            .age_date_seen
            .get()
            .filter(|&(second, _)| second == at.utc_seconds());
        if either_side && seen.is_none() {
            let utc = at.utc_date();
            let before = read(utc.pred());
            if before == read(utc.succ()) {
                return before;
            }
        }
        read(self.age_date(at))
    }

    /// A calendar date on which the subject's age reads as on their date
    /// at `at` (see [`Jurisdiction::age_date`]).
    fn age_date(&self, at: Moment) -> Civil {
        #[cfg(test)]
        if self.policy.no_shortcuts {
            return self.jurisdiction.civil_date(&self.request.subject, at);
        }
        let second = at.utc_seconds();
        if let Some((seen, date)) = self.age_date_seen.get()
            && seen == second
        {
            return date;
        }
        let date =
            self.jurisdiction
                .age_date(&self.request.subject, at, [self.subject.birth, None]);
        self.age_date_seen.set(Some((second, date)));
        date
    }

    /// Sets everything that depends on the subject's age group: a known
    /// age, or the one assumed for a subject of unknown age.
    fn set_age_group(&mut self, child: bool, child_regimes: RegimeSet, minor: bool) {
        self.child = Some(child);
        self.child_regimes = child_regimes;
        self.minor = minor;
        self.recipient = self.effective_recipient();
        self.audience = audience(self.child, self.recipient);
        self.guardian_access = child && self.recipient == Some(RecipientKind::Guardian);
        self.record = Cell::new(None);
        self.abroad_facts = self.abroad_under_facts();
        self.abroad = self.abroad_for(self.action);
    }

    /// The same facts for a subject of unknown age, assumed a child (under
    /// every applicable regime) or an adult: sets every field that depends
    /// on the assumption, and forgets the record's retention (it depends on
    /// the age group).
    fn assume(&mut self, child: bool) {
        debug_assert!(!self.age_known);
        let regimes = if child {
            self.regimes
        } else {
            RegimeSet::EMPTY
        };
        self.set_age_group(child, regimes, child);
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

    fn is_child(&self) -> bool {
        self.child == Some(true)
    }

    /// A child under a regime that has a children's layer (PIPL's
    /// CAC-2019): guardian for every basis, assessments, notices.
    fn children_layer(&self) -> bool {
        self.child_regimes
            .iter()
            .any(|r| self.regimes.contains(r) && self.policy.regimes.get(r).children)
    }

    fn age_known(&self) -> bool {
        self.age_known
    }

    fn purpose_info(&self) -> Option<&'a crate::purpose::Purpose> {
        self.policy.purpose(self.request.purpose)
    }
}

/// The covering lists of the first requested categories for `action`
/// ([`Context::covered`]), and for a request of one category its list's
/// plan ([`Context::plan`]).
#[inline]
fn covered_up_front<'a>(
    policy: &'a Policy,
    request: &Request,
    action: Action,
    age_known: bool,
) -> ([&'a [RuleId]; COVERED_UP_FRONT], Option<&'a Plan>) {
    let mut covered: [&[RuleId]; COVERED_UP_FRONT] = [&[]; COVERED_UP_FRONT];
    let mut plan = None;
    if let ([category], [slot, ..]) = (request.categories.as_slice(), &mut covered) {
        let (list, planned) =
            policy
                .covering
                .covering_planned(action, request.purpose, category.index());
        *slot = list;
        plan = planned.filter(|p| age_known || p.any_age());
    } else {
        for (slot, &category) in covered.iter_mut().zip(&request.categories) {
            *slot = policy
                .covering
                .covering(action, request.purpose, category.index());
        }
    }
    #[cfg(test)]
    if policy.no_shortcuts {
        plan = None;
    }
    (covered, plan)
}

fn all_bases() -> BasisSet {
    Basis::ALL.iter().copied().collect()
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

// Counsel's analysis (the request space) comes with the wire format.
#[cfg(all(test, feature = "json"))]
mod tests {
    use crate::Engine;
    use crate::analysis::{Options, Space};

    /// `decide()`'s shortcuts change no decision, over every request class
    /// of the seed policy (not a sample): the engine with all of them (ages
    /// read on the UTC date away from birthdays, a grantor years past a
    /// children's threshold known for no child by the years alone, dates
    /// remembered between passes, the request's instant dated once for the
    /// subject's age and the consents given then, a grant's scope and time
    /// judged once for every regime, no walk of the regimes for a flow that
    /// names no place, where the flow's places lead abroad worked out once,
    /// the regimes of a collection at home read from the compiled table, no obligations
    /// worked out for a later pass combined into a deny, a one-category
    /// request's covering list as its candidates and its compiled plan
    /// (the bases in the search's order, the rule each cites), the rule the
    /// basis search found cited without a walk for one category of a known
    /// age, and the covering lists
    /// merged in every slot, however short) against
    /// the procedure as written (every date looked up in its zone, every
    /// grant judged in full under each regime, every slot walked). Run in
    /// release: `cargo test --release -p lawful --lib --
    /// --ignored shortcuts_change_no_decision` (`.ci/run` does).
    /// The dates of a decision read without the time zone where they can
    /// be: the request's instant dated once (by `assess`, for the
    /// subject's age, and again for a consent given at that instant), and
    /// an age test read on the days either side of the UTC date (a
    /// consent's grantor, a guardian's withdrawal, a guardian receiving the
    /// data). The seed space gives its consents 30 days before the request,
    /// away from birthdays, so this checks requests whose instants fall
    /// around them, against the procedure as written (every date looked up
    /// in its zone): every seed jurisdiction, every hour of a day, births
    /// from two days before to two days after the birthday at ages 12 to 18
    /// and 25, consents given at the request's instant and one and two
    /// years before it, by the subject and by a verified guardian, a
    /// guardian's withdrawal then, and the guardian as the recipient.
    #[test]
    fn dates_read_around_birthdays_change_no_decision() {
        use crate::decision::consent::GuardianVerification;
        use crate::recipient::RecipientKind;
        use crate::{Action, Consent, Evidence, Recipient, Request, Subject};
        use chrono::{DateTime, Datelike as _, Days, Months, NaiveDate};

        let fast = Engine::builtin().clone();
        let exact = fast.clone().without_shortcuts();
        let purpose = fast.purpose("account.registration").unwrap();
        let category = fast.category("account.email").unwrap();
        let birthday = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let guardian = |given| {
            Consent::by_guardian(given, GuardianVerification::Verified)
                .named_grantor("Mum")
                .separate()
                .purpose(purpose)
                .category(category)
        };
        let mut decided = 0;
        for jurisdiction in fast.jurisdictions() {
            for hour in 0..24 {
                let at =
                    DateTime::parse_from_rfc3339(&format!("2026-05-31T{hour:02}:30:00Z")).unwrap();
                for years in (12..=18).chain([25]) {
                    for shift in 0..5 {
                        let birth = birthday
                            .with_year(2026 - years)
                            .unwrap()
                            .checked_sub_days(Days::new(2))
                            .unwrap()
                            .checked_add_days(Days::new(shift))
                            .unwrap();
                        let subject = Subject::new()
                            .birth_date(birth)
                            .jurisdiction(jurisdiction.id());
                        for back in 0..3 {
                            let given = at.checked_sub_months(Months::new(12 * back)).unwrap();
                            let earlier = given.checked_sub_days(Days::new(10)).unwrap();
                            let by_subject = Consent::by_subject(given)
                                .separate()
                                .purpose(purpose)
                                .category(category);
                            let withdrawn = Evidence::new()
                                .consent(
                                    Consent::by_subject(earlier)
                                        .separate()
                                        .purpose(purpose)
                                        .category(category),
                                )
                                .consent(guardian(earlier).withdrawn_at(given));
                            let collect = || {
                                Request::new(Action::Collect, purpose, at)
                                    .category(category)
                                    .subject(subject.clone())
                            };
                            let requests = [
                                collect().evidence(Evidence::new().consent(by_subject)),
                                collect().evidence(Evidence::new().consent(guardian(given))),
                                collect().evidence(withdrawn),
                                Request::new(Action::Share, purpose, at)
                                    .category(category)
                                    .subject(subject.clone())
                                    .recipient(Recipient::new(RecipientKind::Guardian).name("Mum"))
                                    .evidence(Evidence::new().consent(guardian(given))),
                            ];
                            for request in &requests {
                                assert_eq!(
                                    fast.decide(request),
                                    exact.decide(request),
                                    "{} at {at}, born {birth}, given {given}: {request:?}",
                                    jurisdiction.code()
                                );
                                decided += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(decided > 100_000, "{decided}");
    }

    /// Every request class of `policy` decided with the shortcuts and
    /// without: the same decisions; at least `classes` classes.
    fn assert_shortcuts_change_no_decision(policy: &Engine, classes: u64) {
        let fast = policy.clone().merging_every_slot();
        let exact = policy.clone().without_shortcuts();
        let space = Space::build(&[&fast, &exact], Options::default());
        assert_eq!(space.sampled(), None, "the whole space, not a sample");
        let (differences, stats) = space.explore(
            &[&fast, &exact],
            Vec::new,
            |differences: &mut Vec<String>, class, decisions| {
                if let [with, without] = decisions
                    && with != without
                    && differences.len() < 5
                {
                    differences.push(format!(
                        "{:?}: {with:?} with the shortcuts, {without:?} without",
                        space.request_doc(class)
                    ));
                }
            },
        );
        let differences: Vec<String> = differences.into_iter().flatten().collect();
        assert!(differences.is_empty(), "{differences:#?}");
        assert!(stats.classes > classes, "{stats:?}");
    }

    #[test]
    #[ignore = "the whole seed space: run in release (.ci/run)"]
    fn shortcuts_change_no_decision() {
        assert_shortcuts_change_no_decision(Engine::builtin(), 1_000_000);
    }

    /// The shortcuts are compiled from the policy (its tables, its covering
    /// lists), so they are checked on more than the seed: the EU example,
    /// and two of the seed's variants with deliberate mistakes that
    /// counsel's tests use (a child's data shared on the child's own
    /// consent, passwords shared: rules that give data away, where the
    /// flow shortcuts are; each space is the seed's size, some two
    /// minutes in release, so not every variant).
    #[test]
    #[ignore = "whole request spaces: run in release (.ci/run)"]
    fn shortcuts_change_no_decision_on_other_policies() {
        let eu =
            Engine::from_toml(include_str!("../../../policies/examples/eu-fitness.toml")).unwrap();
        assert_shortcuts_change_no_decision(&eu, 10_000);
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cli/tests/fixtures");
        for name in ["child_share_own_consent.toml", "password_shared.toml"] {
            let text = std::fs::read_to_string(fixtures.join(name)).unwrap();
            assert_shortcuts_change_no_decision(&Engine::from_toml(&text).unwrap(), 1_000_000);
        }
    }
}
