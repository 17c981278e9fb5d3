//! How long one kind of record may be kept, how it is disposed of when that
//! time ends, and by when its backup copies must be purged (PIPL arts. 19,
//! 47; GDPR art. 5(1)(e); CAC-2019 arts. 12, 20).

use chrono::{DateTime, Datelike as _, Days, FixedOffset, Months, NaiveDate, NaiveTime};

use crate::basis::Basis;
use crate::category::CategoryId;
use crate::decision::{Due, Obligation, ObligationCode};
use crate::engine::Engine;
use crate::lifecycle::record::RecordState;
use crate::moment::local_date;
pub use crate::policy::retention::RetentionSource;
use crate::policy::retention::governing_retention;
use crate::policy::{Policy, RuleId};
use crate::purpose::PurposeId;
use crate::retention::{Disposal, Period, PeriodUnit, Retention, RetentionEvent};
use crate::subject::age_group::AgeGroup;

/// When a retention period ends: at an instant, or at an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetentionEnd {
    /// At this instant: collection plus the rule's period.
    At(DateTime<FixedOffset>),
    /// When this event happens (deregistration, purpose achieved, consent withdrawn).
    Event(RetentionEvent),
}

/// How long a record may be kept, how it is disposed of, and when its
/// backups must be purged; from [`Engine::retention_plan`].
///
/// # How the period is chosen
///
/// A record is a category collected for a purpose. The policy's permit rules
/// that let that category be **stored** for that purpose (for the record's
/// age group) each give a retention: a period from collection (`1y`) or an
/// event (`until_deregistration`). Data is kept only for the shortest period
/// necessary (R-29, PIPL art. 19), so the plan takes the earliest end among
/// the fixed periods, as `decide()` does for `retain_until` (over every
/// basis at once, rather than the one a decision rested on). When every
/// covering rule keeps the data until an event, the most specific rule
/// gives the event: the one whose category, then purpose, covering the
/// record is narrowest (first in policy order on a tie), so a rule written
/// for the data (`child-guardian-verification`: until deregistration) wins
/// over a catch-all (`exceptions-to-consent`: until the purpose is
/// achieved). A covering rule that states no retention keeps data until its
/// purpose is achieved. A record that names its lawful basis gets the
/// period `decide()` would give it instead ([`Engine::record_plan`]).
///
/// When a deny rule forbids storing the category for the purpose, or no
/// permit rule covers it, nothing lets the record be kept: the plan ends at
/// collection (fail closed) and [`RetentionPlan::source`] says why.
///
/// Dates are calendar dates in the policy's home jurisdiction, like every
/// obligation date of a [`Decision`](crate::Decision). All arithmetic is
/// checked; a period too long to compute ends at collection (fail closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetentionPlan {
    source: RetentionSource,
    retention: Option<Retention>,
    end: RetentionEnd,
    end_due: Due,
    disposal: Disposal,
    backup_lag: Period,
    backup_purge: Due,
}

impl RetentionPlan {
    /// The rule behind the period, or why there is none.
    pub fn source(&self) -> RetentionSource {
        self.source
    }

    /// The permit rule whose retention applies, if one does.
    pub fn rule(&self) -> Option<RuleId> {
        match self.source {
            RetentionSource::Rule(id) => Some(id),
            RetentionSource::DeniedBy(_) | RetentionSource::NoRule => None,
        }
    }

    /// The retention as the rule states it (`1y`, `until_deregistration`);
    /// `None` when no rule lets the record be kept.
    pub fn retention(&self) -> Option<Retention> {
        self.retention
    }

    /// When the period ends: an instant, or an event.
    pub fn end(&self) -> RetentionEnd {
        self.end
    }

    /// When the period ends, as an obligation date (the home jurisdiction's
    /// calendar date of the end) or event: the date of `retain_until` and of
    /// the disposal.
    pub fn end_due(&self) -> Due {
        self.end_due
    }

    /// Delete, or delete or anonymize: the policy's disposal for adults;
    /// always delete for a child or a subject of unknown age (CAC-2019 arts. 20, 23).
    pub fn disposal(&self) -> Disposal {
        self.disposal
    }

    /// The policy's `backup_lag`: how long after the primary copy the
    /// backups may hold the record (`backup_lag`).
    pub fn backup_lag(&self) -> Period {
        self.backup_lag
    }

    /// By when backup copies must be purged: the end date plus
    /// `backup_lag`, or, when the period ends with an event, `backup_lag`
    /// after that event.
    pub fn backup_purge(&self) -> Due {
        self.backup_purge
    }

    /// Whether the period has run out at `at` (`at` at or after the end; a
    /// period ending with an event never runs out by time alone: see
    /// [`Engine::deletion_due`]).
    pub fn is_expired(&self, at: DateTime<FixedOffset>) -> bool {
        match self.end {
            RetentionEnd::At(end) => at >= end,
            RetentionEnd::Event(_) => false,
        }
    }

    /// The plan as obligations: `retain_until`, then `delete` or
    /// `delete_or_anonymize`, both at the end, then `backup_purge`.
    pub fn obligations(&self) -> impl Iterator<Item = Obligation> + use<> {
        let disposal = disposal_code(self.disposal);
        [
            Obligation::new(ObligationCode::RetainUntil, Some(self.end_due)),
            Obligation::new(disposal, Some(self.end_due)),
            Obligation::new(ObligationCode::BackupPurge, Some(self.backup_purge)),
        ]
        .into_iter()
    }
}

impl Engine {
    /// The policy clause behind retention and disposal (`[retention]
    /// clause`), for explanations.
    pub fn retention_clause(&self) -> Option<&str> {
        self.policy().retention.clause.as_deref()
    }

    /// The retention plan of a record: `category` collected for `purpose`
    /// at `collected_at` from a subject of age group `age` (at collection).
    ///
    /// Never fails: a record no rule lets the policy keep gets a plan that
    /// ends at collection. See [`RetentionPlan`] for how the period is
    /// chosen.
    ///
    /// # Example: operations logs are kept one year, then deleted or anonymized
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use lawful::Engine;
    /// use lawful::decision::Due;
    /// use lawful::policy::Disposal;
    /// use lawful::subject::AgeGroup;
    ///
    /// let engine = Engine::builtin();
    /// let collected = DateTime::parse_from_rfc3339("2025-03-01T09:00:00+08:00")?;
    /// let plan = engine.retention_plan(
    ///     engine.category("log.usage")?,
    ///     engine.purpose("operations.security")?,
    ///     collected,
    ///     AgeGroup::Adult,
    /// );
    /// assert_eq!(plan.end_due(), Due::Date(NaiveDate::from_ymd_opt(2026, 3, 1).ok_or("date")?));
    /// assert_eq!(plan.disposal(), Disposal::DeleteOrAnonymize);
    /// assert_eq!(plan.backup_purge(), Due::Date(NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date")?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Example: a child's account data is kept until deregistration, then deleted
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::Engine;
    /// use lawful::decision::Due;
    /// use lawful::policy::{Disposal, RetentionEvent};
    /// use lawful::subject::AgeGroup;
    ///
    /// let engine = Engine::builtin();
    /// let collected = DateTime::parse_from_rfc3339("2025-03-01T09:00:00+08:00")?;
    /// let plan = engine.retention_plan(
    ///     engine.category("account.phone")?,
    ///     engine.purpose("account.registration")?,
    ///     collected,
    ///     AgeGroup::Child,
    /// );
    /// assert_eq!(plan.end_due(), Due::Event(RetentionEvent::Deregistration));
    /// assert_eq!(plan.disposal(), Disposal::Delete);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retention_plan(
        &self,
        category: CategoryId,
        purpose: PurposeId,
        collected_at: DateTime<FixedOffset>,
        age: AgeGroup,
    ) -> RetentionPlan {
        self.plan(category, purpose, collected_at, age, None)
    }

    /// The retention plan of a [`RecordState`]: as
    /// [`Engine::retention_plan`]. A record's retention is fixed when it is
    /// collected, by the rules that permit collecting or storing it for its
    /// purpose, whatever basis it rests on: the basis it names does not
    /// change it, as it does not in `decide()`. [`Engine::deletion_due`]
    /// uses this plan.
    ///
    /// # Example: logs collected for operations keep that rule's year
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::{Basis, Engine};
    /// use lawful::lifecycle::RecordState;
    /// use lawful::subject::AgeGroup;
    ///
    /// let engine = Engine::builtin();
    /// let record = RecordState::new(
    ///     engine.category("log.usage")?,
    ///     engine.purpose("operations.security")?,
    ///     DateTime::parse_from_rfc3339("2025-03-01T09:00:00+08:00")?,
    /// )
    /// .age_group(AgeGroup::Adult);
    /// let plan = engine.record_plan(&record);
    /// assert_eq!(plan.end_due().date(), "2026-03-01".parse().ok()); // 1y
    /// let on_a_legal_obligation = record.basis(Basis::LegalObligation);
    /// assert_eq!(engine.record_plan(&on_a_legal_obligation).end_due(), plan.end_due());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_plan(&self, record: &RecordState) -> RetentionPlan {
        self.plan(
            record.category(),
            record.purpose(),
            record.collected_at(),
            record.age(),
            record.rests_on(),
        )
    }

    fn plan(
        &self,
        category: CategoryId,
        purpose: PurposeId,
        collected_at: DateTime<FixedOffset>,
        age: AgeGroup,
        basis: Option<Basis>,
    ) -> RetentionPlan {
        let policy = self.policy();
        let (source, retention) = governing_retention(policy, category, purpose, age, basis);
        let end = match retention {
            Some(Retention::For(period)) => {
                RetentionEnd::At(period.after(collected_at).unwrap_or(collected_at))
            }
            Some(Retention::Until(event)) => RetentionEnd::Event(event),
            None => RetentionEnd::At(collected_at),
        };
        let backup_lag = policy.retention.backup_lag;
        let (end_due, backup_purge) = match end {
            RetentionEnd::At(at) => {
                let date = home_date(policy, at);
                let purge = date_after(policy, backup_lag, date).unwrap_or(date);
                (Due::Date(date), Due::Date(purge))
            }
            RetentionEnd::Event(event) => (Due::Event(event), Due::Event(event)),
        };
        RetentionPlan {
            source,
            retention,
            end,
            end_due,
            disposal: age.disposal(policy.retention.disposal),
            backup_lag,
            backup_purge,
        }
    }
}

/// The obligation code of a disposal.
pub(crate) const fn disposal_code(disposal: Disposal) -> ObligationCode {
    match disposal {
        Disposal::Delete => ObligationCode::Delete,
        Disposal::DeleteOrAnonymize => ObligationCode::DeleteOrAnonymize,
    }
}

/// The calendar date of an instant in the policy's home jurisdiction.
pub(crate) fn home_date(policy: &Policy, at: DateTime<FixedOffset>) -> NaiveDate {
    local_date(at, policy.home_offset)
}

/// The date `period` after `date` on the home calendar; `None` on overflow.
///
/// The period runs from the date's midnight at the home offset and counts
/// in that offset's calendar, so away from the ends of chrono's range (a
/// year from either, where that midnight or the end might not be an
/// instant) it is the date `period` after by dates alone, as chrono counts
/// months and days ([`date_after_by_instants`] elsewhere): a sweep asks
/// this twice a record.
#[inline]
pub(crate) fn date_after(policy: &Policy, period: Period, date: NaiveDate) -> Option<NaiveDate> {
    let inside =
        |d: NaiveDate| (NaiveDate::MIN.year() + 1..NaiveDate::MAX.year()).contains(&d.year());
    match calendar_after(period, date) {
        Some(end) if inside(date) && inside(end) => Some(end),
        _ => date_after_by_instants(policy, period, date),
    }
}

/// The date `period` after `date` by dates alone (months clamped to the
/// month's end, as [`Period::after`]); `None` on overflow.
fn calendar_after(period: Period, date: NaiveDate) -> Option<NaiveDate> {
    let n = period.amount().get();
    match period.unit() {
        PeriodUnit::Days => date.checked_add_days(Days::new(u64::from(n))),
        PeriodUnit::Weeks => date.checked_add_days(Days::new(u64::from(n) * 7)),
        PeriodUnit::Months => date.checked_add_months(Months::new(n)),
        PeriodUnit::Years => date.checked_add_months(Months::new(n.checked_mul(12)?)),
    }
}

/// [`date_after`] through instants: the period after the date's midnight
/// at the home offset ([`Period::after`]), and that instant's home date.
fn date_after_by_instants(policy: &Policy, period: Period, date: NaiveDate) -> Option<NaiveDate> {
    let start = date
        .and_time(NaiveTime::MIN)
        .and_local_timezone(policy.home_offset)
        .single()?;
    period.after(start).map(|end| home_date(policy, end))
}

/// The date `days` calendar days after `date`; `None` on overflow.
pub(crate) fn days_after(date: NaiveDate, days: u32) -> Option<NaiveDate> {
    date.checked_add_days(chrono::Days::new(u64::from(days)))
}

/// By when backups must be purged once the primary copy is due for deletion
/// by `primary_by` (PIPL art. 47(2)): the host's next backup cycle, if
/// it falls on or after `start` (the day the deletion became due), capped
/// by `primary_by` plus the policy's `backup_lag`.
pub(crate) fn backup_purge_by(
    policy: &Policy,
    start: NaiveDate,
    primary_by: NaiveDate,
    next_backup_cycle: Option<NaiveDate>,
) -> NaiveDate {
    let cap = date_after(policy, policy.retention.backup_lag, primary_by).unwrap_or(primary_by);
    match next_backup_cycle {
        Some(cycle) if cycle >= start => cycle.min(cap),
        _ => cap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::retention::{LAST_DAY, is_shorter, reference_end};

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plan(category: &str, purpose: &str, collected: &str, age: AgeGroup) -> RetentionPlan {
        let engine = Engine::builtin();
        engine.retention_plan(
            engine.category(category).unwrap(),
            engine.purpose(purpose).unwrap(),
            at(collected),
            age,
        )
    }

    /// The date a period after another, by dates, is the date through
    /// instants ([`date_after_by_instants`]) on dates all over chrono's
    /// range, its ends included, for every unit, at home offsets either
    /// way of UTC.
    #[test]
    fn prop_a_date_after_by_dates_is_the_date_after_by_instants() {
        use proptest::prelude::*;
        let offsets = ["+08:00", "-11:00", "+00:00", "+14:00", "-05:30"];
        let policies: Vec<Policy> = offsets
            .iter()
            .map(|offset| {
                let mut policy = Engine::builtin().policy().clone();
                policy.home_offset = offset.parse().unwrap();
                policy
            })
            .collect();
        let (min, max) = (
            NaiveDate::MIN.num_days_from_ce(),
            NaiveDate::MAX.num_days_from_ce(),
        );
        let day = prop_oneof![
            min..=max,
            min..min + 800,
            max - 800..=max,
            700_000..800_000, // the centuries around now
        ];
        let unit = prop_oneof![Just('d'), Just('w'), Just('m'), Just('y')];
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(8192));
        runner
            .run(
                &(day, 1_u32..=400, unit, 0..policies.len()),
                |(day, amount, unit, at)| {
                    let date = NaiveDate::from_num_days_from_ce_opt(day).unwrap();
                    let period: Period =
                        format!("{}{unit}", amount.min(if unit == 'y' { 200 } else { 400 }))
                            .parse()
                            .unwrap();
                    let policy = &policies[at];
                    prop_assert_eq!(
                        date_after(policy, period, date),
                        date_after_by_instants(policy, period, date),
                        "{} after {}",
                        period,
                        date
                    );
                    Ok(())
                },
            )
            .unwrap();
    }

    #[test]
    fn the_shortest_fixed_period_wins_over_events() {
        // `operations` (1y) and `exceptions-to-consent` (until purpose achieved) both cover.
        let p = plan(
            "network.ip",
            "operations.quality",
            "2025-01-31T23:30:00+08:00",
            AgeGroup::Adult,
        );
        assert_eq!(p.retention(), Some("1y".parse().unwrap()));
        let rule = Engine::builtin().rule(p.rule().unwrap()).unwrap();
        assert_eq!(rule.id(), "operations");
        assert_eq!(p.end_due(), Due::Date(date("2026-01-31")));
        assert!(!p.is_expired(at("2026-01-31T23:29:59+08:00")));
        assert!(p.is_expired(at("2026-01-31T23:30:00+08:00")));
    }

    #[test]
    fn a_denied_or_uncovered_record_ends_at_collection() {
        let p = plan(
            "account.phone",
            "service.browse",
            "2025-01-01T10:00:00+08:00",
            AgeGroup::Adult,
        );
        assert!(matches!(p.source(), RetentionSource::DeniedBy(_)));
        assert_eq!(p.end(), RetentionEnd::At(at("2025-01-01T10:00:00+08:00")));
        assert!(p.is_expired(at("2025-01-01T10:00:00+08:00")));
        // A policy whose one rule keeps emails but not phones.
        let engine = Engine::from_toml(
            r#"
[policy]
id = "tiny"
version = "1"
home_jurisdiction = "CN"
storage_region = "CN"

[[jurisdiction]]
code = "CN"
child_age = 14
utc_offset = "+08:00"

[[category]]
name = "account.email"

[[category]]
name = "account.phone"

[[purpose]]
name = "newsletter"

[[permit]]
id = "newsletter"
clause = "Newsletter"
actions = ["collect", "store"]
purposes = ["newsletter"]
categories = ["account.email"]
bases = ["consent"]
retention = "until_consent_withdrawn"
"#,
        )
        .unwrap();
        let collected = at("2025-01-01T10:00:00+08:00");
        let newsletter = engine.purpose("newsletter").unwrap();
        let p = engine.retention_plan(
            engine.category("account.phone").unwrap(),
            newsletter,
            collected,
            AgeGroup::Adult,
        );
        assert_eq!(p.source(), RetentionSource::NoRule);
        assert_eq!(p.retention(), None);
        assert_eq!(p.end(), RetentionEnd::At(collected));
        let p = engine.retention_plan(
            engine.category("account.email").unwrap(),
            newsletter,
            collected,
            AgeGroup::Adult,
        );
        assert_eq!(p.end_due(), Due::Event(RetentionEvent::ConsentWithdrawn));
    }

    #[test]
    fn the_most_specific_rule_gives_the_event() {
        // `exceptions-to-consent` (every category and purpose, until the
        // purpose is achieved) comes first in the policy.
        let p = plan(
            "guardian.contact",
            "children.guardian_verification",
            "2025-01-01T10:00:00+08:00",
            AgeGroup::Adult,
        );
        let rule = Engine::builtin().rule(p.rule().unwrap()).unwrap();
        assert_eq!(rule.id(), "child-guardian-verification");
        assert_eq!(p.end_due(), Due::Event(RetentionEvent::Deregistration));
    }

    #[test]
    fn dates_are_on_the_home_calendar() {
        // 16:30 UTC on 2025-05-31 is already 1 June in Shanghai.
        let p = plan(
            "log.usage",
            "service.browse",
            "2025-05-31T16:30:00Z",
            AgeGroup::Adult,
        );
        assert_eq!(p.end_due(), Due::Date(date("2025-12-01")));
        assert_eq!(p.backup_purge(), Due::Date(date("2025-12-31")));
    }

    #[test]
    fn backups_follow_the_next_cycle_capped_by_the_lag() {
        let policy = Engine::builtin().policy();
        let start = date("2025-11-28");
        let primary = date("2025-12-13");
        assert_eq!(
            backup_purge_by(policy, start, primary, Some(date("2025-12-10"))),
            date("2025-12-10")
        );
        assert_eq!(
            backup_purge_by(policy, start, primary, Some(date("2026-06-01"))),
            date("2026-01-12")
        );
        // A cycle before the deletion became due has already run.
        assert_eq!(
            backup_purge_by(policy, start, primary, Some(date("2025-11-01"))),
            date("2026-01-12")
        );
        assert_eq!(
            backup_purge_by(policy, start, primary, None),
            date("2026-01-12")
        );
    }

    #[test]
    fn periods_rank_by_length() {
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert!(is_shorter(p("30d"), p("1m")));
        assert!(is_shorter(p("6m"), p("1y")));
        assert!(is_shorter(p("180d"), p("6m")));
        assert!(!is_shorter(p("1y"), p("1y")));
    }

    /// What `is_shorter` was: both periods applied to 2024-01-01 by chrono.
    fn is_shorter_by_chrono(a: Period, b: Period) -> bool {
        let reference = date("2024-01-01")
            .and_time(NaiveTime::MIN)
            .and_utc()
            .fixed_offset();
        match (a.after(reference), b.after(reference)) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    #[test]
    fn the_last_day_of_the_calendar() {
        let epoch = date("1970-01-01");
        assert_eq!((NaiveDate::MAX - epoch).num_days(), LAST_DAY);
    }

    /// The day counts agree with chrono's calendar, for every unit, small
    /// and huge amounts, and at the edge of chrono's range.
    #[test]
    fn periods_rank_as_on_the_calendar() {
        use crate::retention::PeriodUnit;
        use std::num::NonZeroU32;
        let units = [
            PeriodUnit::Days,
            PeriodUnit::Weeks,
            PeriodUnit::Months,
            PeriodUnit::Years,
        ];
        let mut amounts: Vec<u32> = (1..=800).collect();
        amounts.extend([
            1_000,
            3_650,
            36_500,
            73_050,
            95_000_000,
            95_617_000,
            u32::MAX,
        ]);
        amounts.extend((0..200).map(|i| 95_616_000 + i * 997));
        amounts.extend((0..200).map(|i| 3_145_000 + i * 97));
        amounts.extend((0..200).map(|i| 13_659_000 + i * 7));
        amounts.extend((0..200).map(|i| 262_000 + i * 3));
        let periods: Vec<Period> = units
            .iter()
            .flat_map(|&unit| {
                amounts
                    .iter()
                    .filter_map(move |&n| NonZeroU32::new(n).map(|n| Period::new(n, unit)))
            })
            .collect();
        for &a in &periods {
            let reference = date("2024-01-01")
                .and_time(NaiveTime::MIN)
                .and_utc()
                .fixed_offset();
            let by_chrono = a.after(reference).map(|end| (end - reference).num_days());
            assert_eq!(reference_end(a), by_chrono, "{a}");
        }
        for (i, &a) in periods.iter().enumerate().step_by(7) {
            for &b in periods.iter().skip(i % 5).step_by(11) {
                assert_eq!(is_shorter(a, b), is_shorter_by_chrono(a, b), "{a} {b}");
            }
        }
    }
}
