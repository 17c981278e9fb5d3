//! Stopping the service: what must happen before and after the termination
//! date (docs/wire-format.md; PIPL art. 47(1)(2)).

use chrono::{DateTime, Days, FixedOffset, Months, NaiveDate};

use crate::action::Action;
use crate::decision::{Due, Obligation, ObligationCode};
use crate::engine::Engine;
use crate::lifecycle::retention_plan::{backup_purge_by, days_after, disposal_code, home_date};
use crate::retention::{Disposal, Period, PeriodUnit};
use crate::subject::age_group::AgeGroup;

/// What the host must do when its product or service stops: from
/// [`Engine::termination_plan`].
///
/// - From the termination instant, no new personal information is collected
///   ([`TerminationPlan::allows`] denies `collect`).
/// - The subjects are told in advance, by [`TerminationPlan::notify_by`]
///   (the termination date minus the notice period the host chose: the seed
///   and the law say "in advance" without a length).
/// - Everything held is deleted or anonymized (children's data and data of
///   unknown-age subjects: deleted) by
///   [`TerminationPlan::dispose_by`]: the termination date plus the
///   policy's `response_days`, the same deadline as every other deletion
///   trigger (see [`DeletionDue`](crate::lifecycle::DeletionDue)).
/// - Backups are purged by [`TerminationPlan::backup_purge_by`] (plus
///   `backup_lag`), and only stored until then.
///
/// Records a law requires to be kept are not disposed of: ask
/// [`Engine::deletion_due`] about each, with its
/// [`LegalHold`](crate::lifecycle::LegalHold) and the termination instant as
/// [`RecordState::service_terminated_at`](crate::lifecycle::RecordState::service_terminated_at).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TerminationPlan {
    terminates_at: DateTime<FixedOffset>,
    terminates_on: NaiveDate,
    notify_by: NaiveDate,
    dispose_by: NaiveDate,
    backup_purge_by: NaiveDate,
    adult_disposal: Disposal,
}

impl TerminationPlan {
    /// When the service stops.
    pub fn terminates_at(&self) -> DateTime<FixedOffset> {
        self.terminates_at
    }

    /// The termination date (home calendar): collection is denied from it.
    pub fn collection_denied_from(&self) -> NaiveDate {
        self.terminates_on
    }

    /// The last day to notify the subjects (`notify_subject`).
    pub fn notify_by(&self) -> NaiveDate {
        self.notify_by
    }

    /// The deadline for deleting or anonymizing what is held.
    pub fn dispose_by(&self) -> NaiveDate {
        self.dispose_by
    }

    /// The deadline for purging backups.
    pub fn backup_purge_by(&self) -> NaiveDate {
        self.backup_purge_by
    }

    /// How data of subjects of `age` is disposed of.
    pub fn disposal(&self, age: AgeGroup) -> Disposal {
        age.disposal(self.adult_disposal)
    }

    /// Whether `action` may be done at `at` as far as the termination goes:
    /// everything but `collect` from the termination instant on. (Other
    /// processing is still judged by `decide()`; held data waits for its
    /// disposal.)
    pub fn allows(&self, action: Action, at: DateTime<FixedOffset>) -> bool {
        action != Action::Collect || at < self.terminates_at
    }

    /// The obligations for data of subjects of `age`: `notify_subject` by
    /// the notice date (for a child, or an age not known, `notify_guardian`
    /// too: CAC-2019 art. 23), the disposal by its deadline, `backup_purge`,
    /// and `restrict_to_storage` for the backups until they are purged.
    pub fn obligations(&self, age: AgeGroup) -> impl Iterator<Item = Obligation> + use<> {
        let guardian =
            (age != AgeGroup::Adult).then(|| Obligation::new(ObligationCode::NotifyGuardian, None));
        [
            Obligation::new(
                ObligationCode::NotifySubject,
                Some(Due::Date(self.notify_by)),
            ),
            Obligation::new(
                disposal_code(self.disposal(age)),
                Some(Due::Date(self.dispose_by)),
            ),
            Obligation::new(
                ObligationCode::BackupPurge,
                Some(Due::Date(self.backup_purge_by)),
            ),
            Obligation::new(ObligationCode::RestrictToStorage, None),
        ]
        .into_iter()
        .chain(guardian)
    }
}

impl Engine {
    /// The plan for stopping the service at `terminates_at`, telling the
    /// subjects `notice` in advance.
    ///
    /// # Example: a service stopping on 1 March 2027, with 30 days' notice
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::{Action, Engine};
    /// use lawful::policy::Disposal;
    /// use lawful::subject::AgeGroup;
    ///
    /// let engine = Engine::builtin();
    /// let stop = DateTime::parse_from_rfc3339("2027-03-01T00:00:00+08:00")?;
    /// let plan = engine.termination_plan(stop, "30d".parse()?);
    /// assert_eq!(plan.notify_by().to_string(), "2027-01-30");
    /// assert_eq!(plan.dispose_by().to_string(), "2027-03-16");
    /// assert_eq!(plan.disposal(AgeGroup::Child), Disposal::Delete);
    /// assert!(!plan.allows(Action::Collect, stop));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn termination_plan(
        &self,
        terminates_at: DateTime<FixedOffset>,
        notice: Period,
    ) -> TerminationPlan {
        let policy = self.policy();
        let terminates_on = home_date(policy, terminates_at);
        // A notice too long to compute is due at once (the earliest date
        // the engine can name without overflowing is the termination day).
        let notify_by =
            before(notice, terminates_at).map_or(terminates_on, |at| home_date(policy, at));
        let dispose_by =
            days_after(terminates_on, policy.rights.response_days).unwrap_or(terminates_on);
        TerminationPlan {
            terminates_at,
            terminates_on,
            notify_by,
            dispose_by,
            backup_purge_by: backup_purge_by(policy, terminates_on, dispose_by, None),
            adult_disposal: policy.retention.disposal,
        }
    }
}

/// The instant `period` before `at`; `None` on overflow.
fn before(period: Period, at: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    let n = period.amount().get();
    match period.unit() {
        PeriodUnit::Days => at.checked_sub_days(Days::new(u64::from(n))),
        PeriodUnit::Weeks => at.checked_sub_days(Days::new(u64::from(n) * 7)),
        PeriodUnit::Months => at.checked_sub_months(Months::new(n)),
        PeriodUnit::Years => at.checked_sub_months(Months::new(n.checked_mul(12)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn collection_stops_at_the_termination_instant() {
        let stop = at("2027-03-01T00:00:00+08:00");
        let plan = Engine::builtin().termination_plan(stop, "1m".parse().unwrap());
        assert_eq!(plan.notify_by().to_string(), "2027-02-01");
        assert!(plan.allows(Action::Collect, at("2027-02-28T23:59:59+08:00")));
        assert!(!plan.allows(Action::Collect, stop));
        assert!(plan.allows(Action::Delete, stop));
        assert_eq!(plan.backup_purge_by().to_string(), "2027-04-15");
        let codes: Vec<_> = plan
            .obligations(AgeGroup::Adult)
            .map(|o| o.code().as_str())
            .collect();
        assert_eq!(
            codes,
            [
                "notify_subject",
                "delete_or_anonymize",
                "backup_purge",
                "restrict_to_storage"
            ]
        );
    }

    #[test]
    fn huge_notices_do_not_panic() {
        let stop = at("2027-03-01T00:00:00+08:00");
        let notice = Period::new(std::num::NonZeroU32::MAX, PeriodUnit::Years);
        let plan = Engine::builtin().termination_plan(stop, notice);
        assert_eq!(plan.notify_by(), plan.collection_denied_from());
    }
}
