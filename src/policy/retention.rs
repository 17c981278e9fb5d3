//! Which rules govern how long a record may be kept: the shortest fixed
//! period among the rules that let its category be collected or stored for
//! its purpose, else the most specific rule's event. Both `decide()` (a
//! record's retention is fixed at collection) and the lifecycle's retention
//! plans read it, so it belongs to the policy.

use crate::action::Action;
use crate::basis::Basis;
use crate::category::CategoryId;
use crate::outcome::RuleId;
use crate::policy::{DENSE_LIMIT, Policy, Rule};
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
    let audience = super::audience(age.child(), None);
    let start = category.index();
    let end = policy.category_tree.end(start);
    let denied = policy
        .denies
        .get(Action::Store, purpose)
        .iter()
        .filter_map(|&id| policy.rule(id))
        .filter(|rule| rule.applies_to(audience))
        .find(|rule| rule.overlaps(start, end));
    if let Some(rule) = denied {
        return (RetentionSource::DeniedBy(rule.id), None);
    }
    kept_retention(policy, purpose, start, age)
}

/// [`governing_retention`] when no deny rule forbids storing for `purpose`
/// (the category with id `category`): the answer worked out when the policy
/// was compiled (see [`KeepIndex`]).
pub(crate) fn kept_retention(
    policy: &Policy,
    purpose: PurposeId,
    category: u32,
    age: AgeGroup,
) -> (RetentionSource, Option<Retention>) {
    match policy.keeping.kept(purpose, category, age) {
        Some((rule, retention)) => (RetentionSource::Rule(rule), Some(retention)),
        None => (RetentionSource::NoRule, None),
    }
}

/// The permit rule whose retention governs keeping the category with id
/// `category` for `purpose`, and that retention, deny rules aside: the
/// shortest fixed period among the rules that permit collecting or storing
/// it (for this age group), else the most specific rule's event.
fn kept_by(
    policy: &Policy,
    category: u32,
    purpose: PurposeId,
    age: AgeGroup,
) -> Option<(RuleId, Retention)> {
    let child = age.child();
    let applies = |rule: &&Rule| rule.allows_subject(child) && rule.allows_recipient(None);
    // The compiled cover index lists the rules covering the category: no
    // scan of every rule for the purpose.
    let keeping = |action| {
        policy
            .covering
            .covering(action, purpose, category)
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
                let rank = specificity(policy, rule, category, purpose);
                if specific_event.is_none_or(|(best, _, _)| rank < best) {
                    specific_event = Some((rank, rule, event));
                }
            }
        }
    }
    match (shortest, specific_event) {
        (Some((rule, period)), _) => Some((rule.id, Retention::For(period))),
        (None, Some((_, rule, event))) => Some((rule.id, Retention::Until(event))),
        (None, None) => None,
    }
}

/// What governs keeping each category for each purpose and age group, deny
/// rules aside ([`kept_by`]), worked out when the policy is compiled, so
/// that `decide()` makes one look-up per category instead of two cover
/// index look-ups and a ranking of the rules.
///
/// Per purpose, it lists the category nodes that the purpose's `collect`
/// and `store` permit rules name, ascending (pre-order), like the
/// [`CoverIndex`](super::CoverIndex). The rules keeping a category are those
/// naming one of its ancestors-or-self, all listed; so they are the rules
/// keeping its deepest listed ancestor-or-self, and their narrowest ranges
/// covering either are the same: the answer for a category is the one for
/// that node (a test checks it for every category, purpose and age group).
#[derive(Clone, Debug, Default)]
pub(crate) struct KeepIndex {
    /// `slots[p]..slots[p + 1]` is purpose `p`'s range of entries.
    slots: Vec<u32>,
    /// Each entry's category node; ascending within a purpose.
    nodes: Vec<u32>,
    /// One past the last id of each entry's subtree.
    ends: Vec<u32>,
    /// The entry of the nearest listed ancestor for the same purpose.
    enclosing: Vec<Option<u32>>,
    /// Each entry's answer, by [`AgeGroup::index`].
    kept: Vec<[Option<(RuleId, Retention)>; 3]>,
    /// For a policy small enough ([`DENSE_LIMIT`]): for every purpose and
    /// category (`purpose * categories + category`), the entry that answers
    /// for it plus one, or 0 for none, as the binary search and the walk up
    /// would find it. Empty otherwise.
    dense: Vec<u32>,
    /// The number of categories (the row length of `dense`).
    categories: usize,
}

impl KeepIndex {
    /// Works out every entry from the compiled rules and cover index of
    /// `policy` (its own `keeping` is not read).
    pub(crate) fn build(policy: &Policy) -> KeepIndex {
        let purposes = policy.purpose_tree.len();
        let mut index = KeepIndex {
            slots: Vec::with_capacity(purposes + 1),
            ..KeepIndex::default()
        };
        index.slots.push(0);
        let mut named: Vec<u32> = Vec::new();
        let mut open: Vec<u32> = Vec::new();
        for p in 0..purposes {
            let purpose = PurposeId::of_engine(u32::try_from(p).unwrap_or(u32::MAX), policy.tag);
            named.clear();
            for action in [Action::Collect, Action::Store] {
                for rule in policy
                    .permits
                    .get(action, purpose)
                    .iter()
                    .filter_map(|&id| policy.rule(id))
                {
                    named.extend(rule.categories.iter().map(|c| c.index()));
                }
            }
            named.sort_unstable();
            named.dedup();
            open.clear();
            for &node in &named {
                while open
                    .last()
                    .is_some_and(|&e| index.ends.get(e as usize).is_none_or(|&end| node >= end))
                {
                    open.pop();
                }
                let entry = u32::try_from(index.nodes.len()).unwrap_or(u32::MAX);
                index.enclosing.push(open.last().copied());
                index.nodes.push(node);
                index.ends.push(policy.category_tree.end(node));
                index.kept.push(
                    [AgeGroup::Adult, AgeGroup::Child, AgeGroup::Unknown]
                        .map(|age| kept_by(policy, node, purpose, age)),
                );
                open.push(entry);
            }
            index
                .slots
                .push(u32::try_from(index.nodes.len()).unwrap_or(u32::MAX));
        }
        index.categories = policy.category_tree.len();
        if let Some(size) = purposes
            .checked_mul(index.categories)
            .filter(|&n| n <= DENSE_LIMIT)
        {
            let mut dense = Vec::with_capacity(size);
            for p in 0..purposes {
                for category in 0..index.categories {
                    let category = u32::try_from(category).unwrap_or(u32::MAX);
                    let entry = index.sparse_entry(p, category);
                    dense.push(entry.map_or(0, |e| {
                        u32::try_from(e).unwrap_or(u32::MAX).saturating_add(1)
                    }));
                }
            }
            index.dense = dense;
        }
        index
    }

    /// What governs keeping the category with id `category` for `purpose`
    /// and `age`, deny rules aside: [`kept_by`], looked up.
    pub(crate) fn kept(
        &self,
        purpose: PurposeId,
        category: u32,
        age: AgeGroup,
    ) -> Option<(RuleId, Retention)> {
        let slot = purpose.index() as usize;
        let entry = if self.dense.is_empty() {
            self.sparse_entry(slot, category)
        } else {
            // A category past the row is no category of the policy (and
            // would read the next purpose's row).
            let category = category as usize;
            (category < self.categories)
                .then(|| self.dense.get(slot * self.categories + category))
                .flatten()
                .and_then(|&e| (e as usize).checked_sub(1))
        };
        self.kept
            .get(entry?)
            .and_then(|kept| kept.get(age.index() as usize).copied())
            .flatten()
    }

    /// The entry of purpose `slot` that answers for `category`: the last
    /// listed node at or before it, or the nearest listed ancestor of that
    /// node whose subtree holds it.
    fn sparse_entry(&self, slot: usize, category: u32) -> Option<usize> {
        let start = self.slots.get(slot).copied().unwrap_or(0) as usize;
        let end = self.slots.get(slot + 1).copied().unwrap_or(0) as usize;
        let nodes = self.nodes.get(start..end).unwrap_or(&[]);
        let before = nodes.partition_point(|&node| node <= category);
        let mut entry = before.checked_sub(1).map(|i| start + i);
        while let Some(e) = entry {
            if self.ends.get(e).is_some_and(|&end| category < end) {
                return Some(e);
            }
            entry = self.enclosing.get(e).copied().flatten().map(|p| p as usize);
        }
        None
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::category::CategoryId;
    use crate::policy::LoadOptions;
    use crate::policy::tests::{GENERATED_HEADER, seed};

    /// What `governing_retention` worked out before the keep index: the
    /// deny rules, then [`kept_by`] on the category itself.
    fn direct(
        policy: &Policy,
        category: CategoryId,
        purpose: PurposeId,
        age: AgeGroup,
    ) -> (RetentionSource, Option<Retention>) {
        let child = age.child();
        let start = category.index();
        let end = policy.category_tree.end(start);
        let denied = policy
            .denies
            .get(Action::Store, purpose)
            .iter()
            .filter_map(|&id| policy.rule(id))
            .filter(|rule| rule.allows_subject(child) && rule.allows_recipient(None))
            .find(|rule| rule.overlaps(start, end));
        if let Some(rule) = denied {
            return (RetentionSource::DeniedBy(rule.id), None);
        }
        match kept_by(policy, start, purpose, age) {
            Some((rule, retention)) => (RetentionSource::Rule(rule), Some(retention)),
            None => (RetentionSource::NoRule, None),
        }
    }

    /// How many (purpose, category, age) triples some rule keeps, after
    /// asserting that the keep index answers what working it out would,
    /// with its dense table and without.
    fn check_keep_index(policy: &Policy) -> usize {
        assert!(!policy.keeping.dense.is_empty());
        let mut sparse = policy.clone();
        sparse.keeping.dense = Vec::new();
        assert_eq!(
            check_keep_index_as_built(&sparse),
            check_keep_index_as_built(policy)
        );
        check_keep_index_as_built(policy)
    }

    fn check_keep_index_as_built(policy: &Policy) -> usize {
        let mut kept = 0;
        for purpose in &policy.purposes {
            for category in &policy.categories {
                for &age in AgeGroup::ALL {
                    let indexed = governing_retention(policy, category.id, purpose.id, age, None);
                    assert_eq!(
                        indexed,
                        direct(policy, category.id, purpose.id, age),
                        "{:?} {:?} {age:?}",
                        purpose.id,
                        category.id
                    );
                    kept += usize::from(matches!(indexed.0, RetentionSource::Rule(_)));
                }
            }
        }
        kept
    }

    #[test]
    fn keep_index_agrees_with_working_it_out_on_the_seed() {
        let policy = seed();
        let kept = check_keep_index(&policy);
        assert!(kept > 500, "only {kept} kept triples");
    }

    /// Nested categories named at several depths by `collect` and `store`
    /// rules with periods and events, for adults, children or anyone, some
    /// for one recipient only, and deny rules.
    #[test]
    #[allow(clippy::format_push_string, reason = "a test fixture")]
    fn keep_index_agrees_with_working_it_out_on_generated_policies() {
        let mut text = String::from(GENERATED_HEADER);
        let names = [
            "a", "a.b", "a.b.c", "a.b.d", "a.e", "f", "f.g", "f.g.h", "f.i", "j",
        ];
        for name in names {
            text.push_str(&format!("\n[[category]]\nname = \"{name}\"\n"));
        }
        for purpose in ["p", "p.q", "p.q.s", "r"] {
            text.push_str(&format!("\n[[purpose]]\nname = \"{purpose}\"\n"));
        }
        let retentions = [
            "\"1y\"",
            "\"6m\"",
            "\"180d\"",
            "\"until_deregistration\"",
            "\"until_consent_withdrawn\"",
            "\"26w\"",
            "\"until_purpose_achieved\"",
        ];
        for i in 0..28 {
            let categories: Vec<String> = names
                .iter()
                .enumerate()
                .filter(|(j, _)| (i * 7 + j * 3) % 5 == 0)
                .map(|(_, n)| format!("\"{n}\""))
                .collect();
            let categories = if i % 9 == 8 || categories.is_empty() {
                "\"*\"".to_owned()
            } else {
                categories.join(", ")
            };
            let purpose = ["\"p\"", "\"p.q\"", "\"r\"", "\"p.q.s\"", "\"*\""][i % 5];
            let actions = ["\"collect\"", "\"store\"", "\"collect\", \"use\"", "\"*\""][i % 4];
            let subjects = ["any", "adult", "child"][i % 3];
            let retention = format!("retention = {}\n", retentions[i % retentions.len()]);
            let recipients = if i % 13 == 12 {
                "recipients = [\"processor\"]\n"
            } else {
                ""
            };
            text.push_str(&format!(
                "\n[[permit]]\nid = \"r{i}\"\nclause = \"c\"\nactions = [{actions}]\npurposes = [{purpose}]\ncategories = [{categories}]\nbases = [\"consent\"]\nsubjects = \"{subjects}\"\n{retention}{recipients}"
            ));
        }
        text.push_str("\n[[deny]]\nid = \"d0\"\nclause = \"c\"\nactions = [\"store\"]\npurposes = [\"p.q\"]\ncategories = [\"a.b.c\"]\nsubjects = \"child\"\n");
        text.push_str("\n[[deny]]\nid = \"d1\"\nclause = \"c\"\nactions = [\"*\"]\npurposes = [\"r\"]\ncategories = [\"f.g\"]\n");
        let policy = Policy::load("generated", &text, LoadOptions::new()).unwrap();
        let kept = check_keep_index(&policy);
        assert!(kept > 60, "only {kept} kept triples");
    }
}
