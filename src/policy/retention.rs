//! Which rules govern how long a record may be kept: the shortest fixed
//! period among the rules that let its category be collected or stored for
//! its purpose, else the most specific rule's event. Both `decide()` (a
//! record's retention is fixed at collection) and the lifecycle's retention
//! plans read it, so it belongs to the policy.

use crate::action::Action;
use crate::basis::Basis;
use crate::category::CategoryId;
use crate::outcome::RuleId;
use crate::policy::{Policy, Rule};
use crate::purpose::PurposeId;
use crate::retention::{Period, PeriodUnit, Retention, RetentionEvent};
use crate::subject::age_group::AgeGroup;

/// Where a [`RetentionPlan`](crate::lifecycle::RetentionPlan)'s period comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetentionSource {
    /// This permit rule's retention (the shortest of the covering rules).
    Rule(RuleId),
    /// This deny rule forbids storing the category for the purpose: the
    /// record may not be kept at all.
    DeniedBy(RuleId),
    /// No permit rule lets the category be stored for the purpose: the
    /// record may not be kept at all.
    NoRule,
}

/// The rule and retention that govern keeping `category` for `purpose`.
pub(crate) fn governing_retention(
    policy: &Policy,
    category: CategoryId,
    purpose: PurposeId,
    age: AgeGroup,
    basis: Option<Basis>,
) -> (RetentionSource, Option<Retention>) {
    // A record's retention is fixed when it is collected, by the rules that
    // permit collecting or storing it for its purpose, whatever basis it
    // rests on: the basis no longer picks a rule.
    let _ = basis;
    if policy.category(category).is_none() || policy.purpose(purpose).is_none() {
        return (RetentionSource::NoRule, None);
    }
    let child = age.child();
    let applies = |rule: &&Rule| rule.allows_subject(child) && rule.allows_recipient(None);
    let start = category.index();
    let end = policy.category_tree.end(start);
    let denied = policy
        .denies
        .get(Action::Store, purpose)
        .iter()
        .filter_map(|&id| policy.rule(id))
        .filter(applies)
        .find(|rule| rule.overlaps(start, end));
    if let Some(rule) = denied {
        return (RetentionSource::DeniedBy(rule.id), None);
    }
    // The compiled cover index lists the rules covering the category: no
    // scan of every rule for the purpose (this runs inside `decide()`).
    let keeping = |action| {
        policy
            .covering
            .covering(action, purpose, start)
            .iter()
            .filter_map(|&id| policy.rule(id))
            .filter(applies)
    };
    let covering = keeping(Action::Collect).chain(keeping(Action::Store));
    let implied = Retention::Until(RetentionEvent::PurposeAchieved);
    // The shortest fixed period wins; else the most specific rule's event.
    let mut shortest: Option<(&Rule, Period)> = None;
    let mut specific_event: Option<((u32, u32), &Rule, RetentionEvent)> = None;
    for rule in covering {
        match rule.retention.unwrap_or(implied) {
            Retention::For(period) => {
                if shortest.is_none_or(|(_, best)| is_shorter(period, best)) {
                    shortest = Some((rule, period));
                }
            }
            Retention::Until(event) => {
                let rank = specificity(policy, rule, start, purpose);
                if specific_event.is_none_or(|(best, _, _)| rank < best) {
                    specific_event = Some((rank, rule, event));
                }
            }
        }
    }
    match (shortest, specific_event) {
        (Some((rule, period)), _) => (RetentionSource::Rule(rule.id), Some(Retention::For(period))),
        (None, Some((_, rule, event))) => (
            RetentionSource::Rule(rule.id),
            Some(Retention::Until(event)),
        ),
        (None, None) => (RetentionSource::NoRule, None),
    }
}

/// How narrowly a covering rule names the record: the size of its
/// narrowest category subtree covering the category, then of its narrowest
/// purpose subtree covering the purpose (smaller is more specific).
fn specificity(policy: &Policy, rule: &Rule, category: u32, purpose: PurposeId) -> (u32, u32) {
    let by_category = rule
        .category_ranges
        .iter()
        .filter(|&&(start, end)| start <= category && category < end)
        .map(|&(start, end)| end - start)
        .min()
        .unwrap_or(u32::MAX);
    let tree = &policy.purpose_tree;
    let by_purpose = rule
        .purposes
        .iter()
        .filter(|q| tree.covers(q.index(), purpose.index()))
        .map(|q| tree.end(q.index()).saturating_sub(q.index()))
        .min()
        .unwrap_or(u32::MAX);
    (by_category, by_purpose)
}

/// Whether `a` ends before `b` for every start. Calendar months vary in
/// length, so periods are compared from a fixed reference start (a 31-day
/// month in a leap year): close enough to rank the periods policies use.
///
/// Integer work: from the first of a month no month is cut short, so the
/// end of each period is a day count (this runs inside `decide()`, for
/// every rule that keeps a requested category).
pub(crate) fn is_shorter(a: Period, b: Period) -> bool {
    match (reference_end(a), reference_end(b)) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The days from 2024-01-01 to the end of `period` started then (what
/// `period.after(2024-01-01T00:00Z)` is), or `None` past the calendar's
/// range, as there.
pub(crate) fn reference_end(period: Period) -> Option<i64> {
    const REFERENCE: (i64, i64) = (2024, 1);
    const START: i64 = days_from_civil(REFERENCE.0, REFERENCE.1, 1);
    // The last day of chrono's calendar, `NaiveDate::MAX` (a test checks it).
    const LAST: i64 = LAST_DAY - START;
    let n = i64::from(period.amount().get());
    let months = |months: i64| {
        let year = REFERENCE.0 + months.div_euclid(12);
        let month = REFERENCE.1 + months.rem_euclid(12);
        days_from_civil(year, month, 1) - START
    };
    let days = match period.unit() {
        PeriodUnit::Days => n,
        PeriodUnit::Weeks => n * 7,
        PeriodUnit::Months => months(n),
        PeriodUnit::Years => months(i64::from(period.amount().get().checked_mul(12)?)),
    };
    (days <= LAST).then_some(days)
}

/// Days from 1970-01-01 to `NaiveDate::MAX`.
pub(crate) const LAST_DAY: i64 = 95_026_236;

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (H. Hinnant's `days_from_civil`).
const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
