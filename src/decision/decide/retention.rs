//! Step 6: retention. A record's retention is fixed at collection;
//! past it only deletion (and storage under a legal hold or a statutory
//! duty) is permitted. Deletion itself is decided here too: lawful unless
//! the law keeps the data.

use super::{Context, RecordRetention};
use crate::action::Action;
use crate::basis::Basis;
use crate::category::CategoryId;
use crate::decision::{Decision, Due, Effect, ObligationCode, Reason, ReasonCode, Unbased};
use crate::moment::Moment;
use crate::policy::RuleId;
use crate::policy::retention::{RetentionSource, governing_retention, kept_retention};
use crate::retention::{Disposal, Retention, RetentionEvent};
use crate::subject::age_group::AgeGroup;

impl<'a> Context<'a> {
    /// Principle 11: `delete` needs no basis and carries `backup_purge`,
    /// unless a legal hold keeps the data, or a statutory minimum retention
    /// for it has not run (`delete` then dated at the minimum's end).
    pub(super) fn deletion(&self, decision: &mut Decision) {
        let first = self.first_used(None);
        if self.request.legal_hold {
            decision.push_reason(Reason::new(ReasonCode::LegalHold, first, None));
            decision.add_obligation(ObligationCode::RestrictToStorage);
            return self.finish(decision, None);
        }
        if let Some(minimum) = self.statutory_minimum() {
            match self
                .request
                .collected_moment
                .and_then(|c| c.after(minimum.period))
            {
                // Without `collected_at` the minimum cannot be shown to
                // have run: the data stays.
                None => {
                    decision.push_reason(Reason::new(ReasonCode::StatutoryRetention, first, None));
                    decision.add_obligation(ObligationCode::RestrictToStorage);
                    return self.finish(decision, None);
                }
                Some(end) if self.request.at_moment < end => {
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
        if let Some(purge) = self.request.at_moment.after(lag) {
            decision.add_dated(
                ObligationCode::BackupPurge,
                Due::Date(self.home_date(purge)),
            );
        }
        decision.set_unbased(Unbased::Deletion);
        decision.set_effect(Effect::Permit);
        self.finish(decision, None);
    }

    /// The longest statutory minimum retention that keeps this record (its
    /// categories, the purpose it was collected for, a governing regime).
    pub(super) fn statutory_minimum(&self) -> Option<&'a crate::policy::Minimum> {
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
    pub(super) fn retention(&self, basis: Option<Basis>, decision: &mut Decision) {
        let Some((end, rule, category)) = self.record_expired(basis) else {
            return;
        };
        if self.held_storage() {
            decision.add_obligation(ObligationCode::RestrictToStorage);
            return;
        }
        let withdrawn = self.record().withdrawn.is_some_and(|(w, _)| w == end);
        // Past a withdrawal, the withdrawn consent already says why when
        // it was the basis sought; the record's end is then its duty to
        // delete, dated below.
        if !(withdrawn && decision.has_reason(ReasonCode::ConsentWithdrawn)) {
            let reason = Reason::new(ReasonCode::RetentionExpired, rule, category);
            decision.push_reason(if withdrawn {
                reason.with_detail(crate::decision::Detail::ConsentWithdrawn)
            } else {
                reason
            });
        }
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
    /// this basis: its end, and the rule and category that set it (or the
    /// withdrawal of the consent its storage rested on alone). `None` when
    /// it has not, when there is no `collected_at` and no withdrawal, or for
    /// what remains open after it: deletion, and a statutory duty on a legal
    /// obligation.
    pub(super) fn record_expired(
        &self,
        basis: Option<Basis>,
    ) -> Option<(Moment, Option<RuleId>, Option<CategoryId>)> {
        if self.action == Action::Delete {
            return None;
        }
        // The usual case: no collection instant and no withdrawal.
        if self.request.collected_moment.is_none() && !self.any_withdrawal() {
            return None;
        }
        let statutory = self.purpose_info().is_some_and(|p| p.statutory);
        if statutory && basis == Some(Basis::LegalObligation) {
            return None;
        }
        let record = self.record();
        // Without `collected_at` no period can be shown to have run.
        let by_period = record
            .end
            .filter(|_| self.request.collected_moment.is_some())
            .filter(|&(end, _, _)| self.request.at_moment >= end)
            .map(|(end, rule, category)| (end, rule, Some(category)));
        // Data whose storage rests only on a withdrawn consent is past its
        // retention from the withdrawal (recording the withdrawal aside).
        // Device or log information on its own is not personal: it never
        // rested on a consent, so no withdrawal ends it (only its period).
        let recording = self.purpose_info().is_some_and(|p| p.records_withdrawal);
        let by_withdrawal = record
            .withdrawn
            .filter(|_| self.personal && !recording)
            .map(|(at, category)| (at, None, Some(category)));
        match (by_period, by_withdrawal) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// When the storage of a requested category, for the purpose it was
    /// collected for, came to rest only on a withdrawn consent: a consent
    /// covering its collection or storage was withdrawn (by itself, or by a
    /// withdrawal of the subject or a verified guardian) at or before `at`,
    /// and no other basis of the rules permitting its collection or
    /// storage holds on the request's evidence. The withdrawal, and the
    /// category.
    fn rests_on_withdrawn_consent(&self) -> Option<(Moment, CategoryId)> {
        let request = self.request;
        let consents = &request.evidence.consents;
        // The usual case: no withdrawal at all.
        if !self.any_withdrawal() {
            return None;
        }
        let purpose = request.collected_for.unwrap_or(request.purpose);
        let purposes = &self.policy.purpose_tree;
        let tree = &self.policy.category_tree;
        let keeps = |c: &crate::decision::consent::Consent, category: CategoryId| {
            // A withdrawal alone (withdrawn when given) grants nothing.
            c.withdrawal_instant() != Some(c.state.given_at())
                && c.purposes
                    .iter()
                    .any(|p| purposes.covers(p.index(), purpose.index()))
                && c.categories
                    .iter()
                    .any(|k| tree.covers(k.index(), category.index()))
                && {
                    let actions = c.granted_actions();
                    actions.contains(Action::Store) || actions.contains(Action::Collect)
                }
        };
        for &category in &request.categories {
            // The latest withdrawal that ended a grant keeping this category.
            let mut ended: Option<chrono::DateTime<chrono::FixedOffset>> = None;
            let mut holds = false;
            for grant in consents.iter().filter(|c| keeps(c, category)) {
                match self.grant_ended_at(grant, purpose, category) {
                    Some(at) => ended = Some(ended.map_or(at, |e| e.max(at))),
                    None if grant.state.given_at() <= request.at => holds = true,
                    None => {}
                }
            }
            let Some(withdrawn) = ended else {
                continue;
            };
            if holds || self.other_storage_basis_holds(purpose, category) {
                continue;
            }
            return Some((Moment::of(withdrawn), category));
        }
        None
    }

    /// Whether some consent record was withdrawn at or before `at` (worked
    /// out once, with the context: every pass asks it, once for each basis
    /// tried and again for its retention).
    fn any_withdrawal(&self) -> bool {
        self.withdrawal_by_now
    }

    /// When a grant keeping `category` for `purpose` was ended, at or
    /// before `at`: by its own withdrawal, or by a later withdrawal of the
    /// subject or a verified guardian naming the purpose and the category.
    fn grant_ended_at(
        &self,
        grant: &crate::decision::consent::Consent,
        purpose: crate::purpose::PurposeId,
        category: CategoryId,
    ) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        let at = self.request.at;
        if let Some(own) = grant.withdrawal_instant().filter(|&w| w <= at) {
            return Some(own);
        }
        let given = grant.state.given_at();
        self.request
            .evidence
            .consents
            .iter()
            .filter(|w| self.withdraws_grant(w, grant))
            .filter_map(|w| w.withdrawal_instant().map(|i| (w, i)))
            .filter(|&(w, i)| {
                // A withdrawal naming recipients ends what goes to them,
                // not the keeping of the data; nor does one of the
                // collection alone (what was collected may be kept). Its
                // empty lists name all; a group names what is under it;
                // a grant given at its instant is ended by it.
                given <= i
                    && i <= at
                    && w.recipients.is_empty()
                    && self.withdrawal_names_purpose(w, purpose)
                    && self.withdrawal_names_categories(w, Some(category))
                    && w.withdrawn_actions().contains(Action::Store)
            })
            .map(|(_, i)| i)
            .max()
    }

    /// Whether a basis other than consent, offered by a rule permitting the
    /// collection or storage of `category` for `purpose`, holds on the
    /// request's evidence (a contract, a legal obligation, an ongoing
    /// emergency, public data in context, a public task).
    fn other_storage_basis_holds(
        &self,
        purpose: crate::purpose::PurposeId,
        category: CategoryId,
    ) -> bool {
        let evidence = &self.request.evidence;
        let holds = |basis: Basis| match basis {
            Basis::Consent | Basis::LegitimateInterests => false,
            Basis::Contract => evidence.contract,
            Basis::LegalObligation => evidence.legal_obligation.is_some(),
            Basis::Emergency => evidence.emergency.is_some_and(|e| e.ongoing),
            Basis::PublicData => evidence
                .public_data
                .is_some_and(|p| p.same_context && !p.subject_refused),
            Basis::PublicTask => evidence.public_task.is_some(),
        };
        [Action::Store, Action::Collect].into_iter().any(|action| {
            let ids = self
                .policy
                .covering
                .covering(action, purpose, category.index());
            self.rules(ids)
                .any(|rule| rule.bases.iter().any(|&b| holds(b)))
        })
    }

    /// The record's retention, worked out once per decision: counted from
    /// `collected_at` (or `at`, a collection happening now), the earliest
    /// end among its categories and the rule and category that set it, and
    /// the first event any category waits for. Each category's retention
    /// is that of the rules permitting its collection or storage for the
    /// purpose it was collected for, whatever rule covers this action and
    /// whatever basis it rests on; a category no such rule names keeps the
    /// retention of the first rule covering this action.
    pub(super) fn record(&self) -> RecordRetention {
        if let Some(record) = self.record.get() {
            return record;
        }
        let start = self
            .request
            .collected_moment
            .unwrap_or(self.request.at_moment);
        let purpose = self.request.collected_for.unwrap_or(self.request.purpose);
        let age = AgeGroup::from_child(self.child);
        let mut record = RecordRetention::default();
        // Categories often share their rule: the same period from the same
        // start ends at the same instant, worked out once.
        let mut last: Option<(crate::retention::Period, Option<Moment>)> = None;
        // Without a deny rule on storing for the purpose (the usual case),
        // the compiled keep index answers alone; the ids were checked when
        // the context was made.
        let no_deny = self.policy.denies.get(Action::Store, purpose).is_empty();
        for (nth, &category) in self.request.categories.iter().enumerate() {
            let governing = if no_deny {
                kept_retention(self.policy, purpose, category.index(), age)
            } else {
                governing_retention(self.policy, category, purpose, age, None)
            };
            let (retention, rule) = match governing {
                (RetentionSource::Rule(id), retention) => (retention, Some(id)),
                (RetentionSource::DeniedBy(id), _) => (None, Some(id)),
                // The record's retention is the request's, whichever
                // pass asks first: the rule covering the request's own
                // action, not the export pass's.
                (RetentionSource::NoRule, _) => match self.covering_own_action(nth, category) {
                    Some(rule) => (rule.retention, Some(rule.id)),
                    None => (None, None),
                },
            };
            let end = match retention {
                Some(Retention::For(period)) => match last {
                    Some((p, end)) if p == period => end,
                    _ => {
                        let end = start.after(period);
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
        record.withdrawn = self.rests_on_withdrawn_consent();
        self.record.set(Some(record));
        record
    }

    /// The calendar date of an instant in the home jurisdiction.
    pub(super) fn home_date(&self, at: Moment) -> chrono::NaiveDate {
        #[cfg(test)]
        if self.policy.no_shortcuts {
            return at.naive_local_date(self.policy.home_jurisdiction.time_zone.offset(at));
        }
        let second = at.utc_seconds();
        if let Some((seen, date)) = self.home_date_seen.get()
            && seen == second
        {
            return date;
        }
        let date = at.naive_local_date(self.policy.home_jurisdiction.time_zone.offset(at));
        self.home_date_seen.set(Some((second, date)));
        date
    }
}

/// Of two retention events, the one that comes no later: deregistration
/// ends every purpose and every consent, so it comes last; between a
/// purpose achieved and a consent withdrawn there is no order, and the
/// purpose wins so that the answer never depends on which category came
/// first in the request.
pub(super) fn first_event(a: RetentionEvent, b: RetentionEvent) -> RetentionEvent {
    let rank = |e| match e {
        RetentionEvent::PurposeAchieved => 0,
        RetentionEvent::ConsentWithdrawn => 1,
        RetentionEvent::Deregistration => 2,
    };
    if rank(b) < rank(a) { b } else { a }
}
