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
        let first = self.used_rules(None).next().map(|(_, r)| r.id);
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
    pub(super) fn record_expired(
        &self,
        basis: Option<Basis>,
    ) -> Option<(Moment, Option<RuleId>, Option<CategoryId>)> {
        self.request.collected_moment?;
        if self.action == Action::Delete {
            return None;
        }
        let statutory = self.purpose_info().is_some_and(|p| p.statutory);
        if statutory && basis == Some(Basis::LegalObligation) {
            return None;
        }
        let (end, rule, category) = self.record().end?;
        (self.request.at_moment >= end).then_some((end, rule, Some(category)))
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
        self.record.set(Some(record));
        record
    }

    /// The calendar date of an instant in the home jurisdiction.
    pub(super) fn home_date(&self, at: Moment) -> chrono::NaiveDate {
        at.naive_local_date(self.policy.home_offset)
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
