//! Deletion triggers: what a host's nightly sweep asks of each record
//! (PIPL arts. 15, 19, 47; GDPR arts. 7(3), 17; CAC-2019 art. 20).

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::action::Action;
use crate::basis::Basis;
use crate::decision::{Due, Obligation, ObligationCode};
use crate::engine::Engine;
use crate::lifecycle::record::{LegalHold, PurposeStatus, RecordState};
use crate::lifecycle::retention_plan::{
    RetentionEnd, RetentionPlan, backup_purge_by, days_after, disposal_code, home_date,
};
use crate::retention::{Disposal, RetentionEvent};
use crate::vocab::vocabulary;

vocabulary! {
    /// Why a record must be deleted (or anonymized): the seed's five
    /// triggers (PIPL art. 47(1)) and the account's deregistration.
    pub enum DeletionTrigger as "deletion trigger" {
        /// (1) The purpose of processing is achieved.
        PurposeAchieved = "purpose_achieved",
        /// (1) The purpose cannot be achieved.
        PurposeUnachievable = "purpose_unachievable",
        /// (1) The data is no longer necessary for the purpose.
        PurposeNoLongerNecessary = "purpose_no_longer_necessary",
        /// (2) The retention period ran out (or no rule lets the record be kept).
        RetentionExpired = "retention_expired",
        /// (2) The product or service stopped.
        ServiceTerminated = "service_terminated",
        /// (3) The subject withdrew the consent the processing rested on.
        ConsentWithdrawn = "consent_withdrawn",
        /// (4) The processing breaks a law, a regulation or the agreement.
        ProcessingUnlawful = "processing_unlawful",
        /// (5) Another ground provided by law.
        OtherLegalGround = "other_legal_ground",
        /// The subject's account was deregistered (R-34).
        Deregistered = "deregistered",
    }
}

impl From<PurposeStatus> for DeletionTrigger {
    fn from(status: PurposeStatus) -> DeletionTrigger {
        match status {
            PurposeStatus::Achieved => DeletionTrigger::PurposeAchieved,
            PurposeStatus::NoLongerNecessary => DeletionTrigger::PurposeNoLongerNecessary,
            PurposeStatus::Unachievable => DeletionTrigger::PurposeUnachievable,
        }
    }
}

vocabulary! {
    /// What a sweep does with a record now.
    pub enum RecordOutcome as "record outcome" {
        /// Delete it (or anonymize it, when the disposal allows).
        Dispose = "dispose",
        /// Keep it in restricted storage: a legal hold defers the disposal.
        Hold = "hold",
        /// Keep it: no deletion trigger applies.
        Keep = "keep",
    }
}

impl RecordOutcome {
    /// The outcome of [`Engine::deletion_due`]'s answer.
    pub fn of(due: Option<&DeletionDue>) -> RecordOutcome {
        match due {
            None => RecordOutcome::Keep,
            Some(due) if due.hold.is_some() => RecordOutcome::Hold,
            Some(_) => RecordOutcome::Dispose,
        }
    }
}

/// A record due for deletion: the trigger, the disposal and its deadline,
/// the backup purge, and any legal hold deferring them; from
/// [`Engine::deletion_due`].
///
/// A processor deletes of its own accord, without waiting for a request,
/// when one of the seed's five triggers applies (PIPL art. 47(1), mirrored
/// by GDPR art. 17(1)): (1) the purpose is achieved, cannot be achieved, or
/// the data is no longer necessary for it; (2) the service stopped, or the
/// retention period expired; (3) consent was withdrawn; (4) the processing
/// breaks a law or an agreement; (5) another legal ground. The account's
/// deregistration is a sixth (R-34). [`Engine::deletion_due`] says which
/// applies to a [`RecordState`] at an instant, and what must be done by when.
///
/// # Deadlines
///
/// - A retention period that ran out: the disposal is due on the day it
///   ended (the data must not outlive its period; sweep ahead of it).
/// - Every other trigger starts from the day of its event, and the disposal
///   is due the policy's `response_days` later (15 in the seed): the one
///   deadline the seed sets for acting on a person's information, applied
///   to the deletions the processor starts itself.
/// - When several triggers apply, the one with the earliest deadline is
///   reported; the others are listed too.
/// - Backups: purged by the host's next backup cycle, at the latest the
///   policy's `backup_lag` after the primary deadline (R-32, A-19); until
///   then they are only stored (`restrict_to_storage`).
///
/// # Legal holds
///
/// A law may require data to be kept after a trigger (PIPL art. 47(2),
/// R-31): a [`LegalHold`] keeps the record in restricted storage until it
/// ends. Under the hold, storing (with its security measures) is the only
/// thing allowed; every use, and deletion itself, is denied. The disposal is
/// then due when the hold ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletionDue {
    trigger: DeletionTrigger,
    since: DateTime<FixedOffset>,
    others: Vec<DeletionTrigger>,
    disposal: Disposal,
    by: NaiveDate,
    backup_purge_by: NaiveDate,
    hold: Option<LegalHold>,
}

impl DeletionDue {
    /// The trigger with the earliest deadline.
    pub fn trigger(&self) -> DeletionTrigger {
        self.trigger
    }

    /// When that trigger took effect (the end of the retention period, or
    /// the instant of the event).
    pub fn since(&self) -> DateTime<FixedOffset> {
        self.since
    }

    /// The other triggers that apply too, by deadline.
    pub fn other_triggers(&self) -> &[DeletionTrigger] {
        &self.others
    }

    /// Delete, or delete or anonymize (children and unknown ages: delete).
    pub fn disposal(&self) -> Disposal {
        self.disposal
    }

    /// The deadline of the disposal (home calendar): see [`DeletionDue`].
    /// Under a legal hold, not before the hold ends.
    pub fn by(&self) -> NaiveDate {
        self.by
    }

    /// By when backup copies must be purged.
    pub fn backup_purge_by(&self) -> NaiveDate {
        self.backup_purge_by
    }

    /// The legal hold keeping the record in restricted storage, when one is
    /// in force.
    pub fn hold(&self) -> Option<&LegalHold> {
        self.hold.as_ref()
    }

    /// The obligations: the disposal (`delete` or `delete_or_anonymize`) by
    /// its deadline, `backup_purge` by its date, and `restrict_to_storage`
    /// (for the backup copies until they are purged, and for the record
    /// itself while a legal hold is in force).
    pub fn obligations(&self) -> impl Iterator<Item = Obligation> + use<> {
        [
            Obligation::new(disposal_code(self.disposal), Some(Due::Date(self.by))),
            Obligation::new(
                ObligationCode::BackupPurge,
                Some(Due::Date(self.backup_purge_by)),
            ),
            Obligation::new(ObligationCode::RestrictToStorage, None),
        ]
        .into_iter()
    }

    /// Whether `action` may still be done to the record: only `delete`
    /// (R-29: every other action is denied once a trigger applies), or,
    /// under a legal hold, only `store` (R-31).
    pub fn allows(&self, action: Action) -> bool {
        match self.hold {
            Some(_) => action == Action::Store,
            None => action == Action::Delete,
        }
    }
}

impl Engine {
    /// The deletion trigger that applies to `record` at `at`, if any, with
    /// the disposal, its deadline and the backup purge (see [`DeletionDue`]
    /// for the triggers and deadlines). `None`: the
    /// record may be kept (and processed as `decide()` allows).
    ///
    /// # Example: operations logs collected two years ago
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::Engine;
    /// use lawful::lifecycle::{DeletionTrigger, RecordState};
    /// use lawful::policy::Disposal;
    /// use lawful::subject::AgeGroup;
    ///
    /// let engine = Engine::builtin();
    /// let record = RecordState::new(
    ///     engine.category("log.usage")?,
    ///     engine.purpose("operations.security")?,
    ///     DateTime::parse_from_rfc3339("2024-11-28T10:00:00+08:00")?,
    /// )
    /// .age_group(AgeGroup::Adult);
    /// let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let due = engine.deletion_due(&record, now).ok_or("nothing due")?;
    /// assert_eq!(due.trigger(), DeletionTrigger::RetentionExpired);
    /// assert_eq!(due.disposal(), Disposal::DeleteOrAnonymize);
    /// assert_eq!(due.by().to_string(), "2025-11-28");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deletion_due(
        &self,
        record: &RecordState,
        at: DateTime<FixedOffset>,
    ) -> Option<DeletionDue> {
        self.due_under(record, &self.record_plan(record), at)
    }

    /// The record's plan ([`Engine::record_plan`]) and what is due at `at`
    /// ([`Engine::deletion_due`]), the plan worked out once for both: what
    /// a sweep writes for each record.
    ///
    /// # Example: the plan and the deletion of two-year-old logs
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::Engine;
    /// use lawful::lifecycle::{DeletionTrigger, RecordState};
    /// use lawful::subject::AgeGroup;
    ///
    /// let engine = Engine::builtin();
    /// let record = RecordState::new(
    ///     engine.category("log.usage")?,
    ///     engine.purpose("operations.security")?,
    ///     DateTime::parse_from_rfc3339("2024-11-28T10:00:00+08:00")?,
    /// )
    /// .age_group(AgeGroup::Adult);
    /// let now = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let (plan, due) = engine.record_plan_and_due(&record, now);
    /// assert_eq!(plan, engine.record_plan(&record));
    /// assert_eq!(due, engine.deletion_due(&record, now));
    /// assert_eq!(due.ok_or("nothing due")?.trigger(), DeletionTrigger::RetentionExpired);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_plan_and_due(
        &self,
        record: &RecordState,
        at: DateTime<FixedOffset>,
    ) -> (RetentionPlan, Option<DeletionDue>) {
        let plan = self.record_plan(record);
        let due = self.due_under(record, &plan, at);
        (plan, due)
    }

    /// [`Engine::deletion_due`] of `record`, whose plan is `plan`.
    fn due_under(
        &self,
        record: &RecordState,
        plan: &RetentionPlan,
        at: DateTime<FixedOffset>,
    ) -> Option<DeletionDue> {
        let policy = self.policy();
        // The triggers that apply, on the stack: a sweep asks this of
        // every record, and at most seven triggers can apply.
        let expired = match plan.end() {
            RetentionEnd::At(end) => Some((DeletionTrigger::RetentionExpired, end)),
            RetentionEnd::Event(_) => None,
        };
        let rests_on_consent = matches!(record.basis, None | Some(Basis::Consent))
            || plan.end() == RetentionEnd::Event(RetentionEvent::ConsentWithdrawn);
        let found = [
            expired,
            record
                .purpose_status
                .map(|(status, when)| (status.into(), when)),
            record
                .consent_withdrawn_at
                .filter(|_| rests_on_consent)
                .map(|when| (DeletionTrigger::ConsentWithdrawn, when)),
            record
                .service_terminated_at
                .map(|when| (DeletionTrigger::ServiceTerminated, when)),
            record
                .found_unlawful_at
                .map(|when| (DeletionTrigger::ProcessingUnlawful, when)),
            record
                .other_legal_ground
                .as_ref()
                .map(|(when, _)| (DeletionTrigger::OtherLegalGround, *when)),
            record
                .deregistered_at
                .map(|when| (DeletionTrigger::Deregistered, when)),
        ];
        let response_days = policy.rights.response_days;
        let mut due = [(NaiveDate::MIN, at, DeletionTrigger::RetentionExpired); 7];
        let mut count = 0;
        for (slot, (trigger, when)) in due
            .iter_mut()
            .zip(found.into_iter().flatten().filter(|&(_, when)| when <= at))
        {
            let start = home_date(policy, when);
            let by = if trigger == DeletionTrigger::RetentionExpired {
                start
            } else {
                days_after(start, response_days).unwrap_or(start)
            };
            *slot = (by, when, trigger);
            count += 1;
        }
        let due = due.get_mut(..count).unwrap_or_default();
        due.sort_unstable();
        let mut triggers = due.iter();
        let &(by, since, trigger) = triggers.next()?;
        let others = triggers
            .map(|&(_, _, t)| t)
            .filter(|&t| t != trigger)
            .collect();
        let hold = record.legal_hold.clone().filter(|h| h.is_active(at));
        let (start, by) = match &hold {
            Some(h) => {
                let end = home_date(policy, h.until());
                (end, by.max(end))
            }
            None => (home_date(policy, since), by),
        };
        // A statutory minimum retention keeps the record until it has run,
        // as `decide()` refuses its deletion until then.
        let (start, by) = match statutory_end(policy, record) {
            Some(end) if end > by => (start.max(end), end),
            _ => (start, by),
        };
        Some(DeletionDue {
            trigger,
            since,
            others,
            disposal: plan.disposal(),
            by,
            backup_purge_by: backup_purge_by(policy, start, by, record.next_backup_cycle),
            hold,
        })
    }
}

/// The day the longest statutory minimum retention that covers the record
/// (its category and the purpose it was collected for) ends, if one does.
fn statutory_end(policy: &crate::policy::Policy, record: &RecordState) -> Option<NaiveDate> {
    let category = record.category().index();
    let purpose = record.purpose().index();
    policy
        .minimums
        .iter()
        .filter(|m| {
            m.category_ranges
                .iter()
                .any(|&(start, end)| start <= category && category < end)
                && m.purposes
                    .iter()
                    .any(|p| policy.purpose_tree.covers(p.index(), purpose))
        })
        .filter_map(|m| m.period.after(record.collected_at()))
        .max()
        .map(|end| home_date(policy, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::age_group::AgeGroup;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn record(category: &str, purpose: &str, collected: &str) -> RecordState {
        let engine = Engine::builtin();
        RecordState::new(
            engine.category(category).unwrap(),
            engine.purpose(purpose).unwrap(),
            at(collected),
        )
    }

    #[test]
    fn network_logs_wait_for_their_statutory_minimum() {
        // Deregistered a month after collection: the six-month minimum for
        // network logs (Cybersecurity Law art. 21(3)) still keeps them.
        let r = record("log.usage", "service.browse", "2026-11-01T00:00:00+08:00")
            .age_group(AgeGroup::Adult)
            .deregistered_at(at("2026-11-20T00:00:00+08:00"));
        let due = Engine::builtin()
            .deletion_due(&r, at("2026-12-10T00:00:00+08:00"))
            .unwrap();
        assert_eq!(due.by(), NaiveDate::from_ymd_opt(2027, 5, 1).unwrap());
    }

    #[test]
    fn nothing_is_due_before_any_trigger() {
        let r = record(
            "log.usage",
            "operations.security",
            "2026-01-01T00:00:00+08:00",
        )
        .age_group(AgeGroup::Adult)
        .deregistered_at(at("2026-12-01T00:00:00+08:00"));
        assert_eq!(
            Engine::builtin().deletion_due(&r, at("2026-06-01T00:00:00+08:00")),
            None
        );
    }

    #[test]
    fn the_earliest_deadline_wins_and_the_others_are_listed() {
        // Device data (no statutory minimum keeps it, unlike network logs).
        let r = record(
            "device.model",
            "operations.security",
            "2025-01-01T00:00:00+08:00",
        )
        .age_group(AgeGroup::Adult)
        .deregistered_at(at("2025-12-20T00:00:00+08:00"))
        .found_unlawful_at(at("2025-06-01T00:00:00+08:00"));
        let due = Engine::builtin()
            .deletion_due(&r, at("2026-03-01T00:00:00+08:00"))
            .unwrap();
        // Unlawful since 1 June: due 16 June; expired 1 January 2026.
        assert_eq!(due.trigger(), DeletionTrigger::ProcessingUnlawful);
        assert_eq!(due.by().to_string(), "2025-06-16");
        assert_eq!(
            due.other_triggers(),
            &[
                DeletionTrigger::RetentionExpired,
                DeletionTrigger::Deregistered
            ]
        );
    }

    #[test]
    fn withdrawal_does_not_touch_data_on_another_basis() {
        let r = record(
            "log.usage",
            "operations.security",
            "2026-01-01T00:00:00+08:00",
        )
        .consent_withdrawn_at(at("2026-02-01T00:00:00+08:00"));
        let now = at("2026-03-01T00:00:00+08:00");
        let engine = Engine::builtin();
        assert_eq!(
            engine.deletion_due(&r, now).unwrap().trigger(),
            DeletionTrigger::ConsentWithdrawn
        );
        assert_eq!(
            engine.deletion_due(&r.clone().basis(Basis::Contract), now),
            None
        );
        assert!(engine.deletion_due(&r.basis(Basis::Consent), now).is_some());
    }

    #[test]
    fn a_hold_defers_the_disposal_and_allows_only_storage() {
        let hold = LegalHold::new(at("2026-12-31T00:00:00+08:00"));
        let r = record(
            "support.records",
            "support.feedback",
            "2024-06-30T00:00:00+08:00",
        )
        .age_group(AgeGroup::Adult)
        .legal_hold(hold);
        let due = Engine::builtin()
            .deletion_due(&r, at("2025-11-28T10:00:00+08:00"))
            .unwrap();
        assert_eq!(due.trigger(), DeletionTrigger::RetentionExpired);
        assert!(due.hold().is_some());
        assert_eq!(due.by().to_string(), "2026-12-31");
        assert_eq!(due.backup_purge_by().to_string(), "2027-01-30");
        assert!(due.allows(Action::Store));
        for &action in Action::ALL.iter().filter(|&&a| a != Action::Store) {
            assert!(!due.allows(action), "{action}");
        }
        // After the hold, only deletion.
        let after = Engine::builtin()
            .deletion_due(&r, at("2027-01-05T10:00:00+08:00"))
            .unwrap();
        assert!(after.hold().is_none());
        assert!(after.allows(Action::Delete));
        assert!(!after.allows(Action::Store));
    }

    #[test]
    fn the_plan_and_due_together_equal_each_alone() {
        let engine = Engine::builtin();
        let records = [
            record(
                "log.usage",
                "operations.security",
                "2024-11-28T10:00:00+08:00",
            )
            .age_group(AgeGroup::Adult),
            record(
                "device.model",
                "operations.security",
                "2025-01-01T00:00:00+08:00",
            )
            .age_group(AgeGroup::Child)
            .deregistered_at(at("2025-12-20T00:00:00+08:00"))
            .found_unlawful_at(at("2025-06-01T00:00:00+08:00")),
            record(
                "log.usage",
                "operations.security",
                "2026-01-01T00:00:00+08:00",
            )
            .consent_withdrawn_at(at("2026-02-01T00:00:00+08:00")),
            record(
                "support.records",
                "support.feedback",
                "2024-06-30T00:00:00+08:00",
            )
            .legal_hold(LegalHold::new(at("2026-12-31T00:00:00+08:00"))),
            record(
                "account.phone",
                "account.registration",
                "2025-03-01T09:00:00+08:00",
            )
            .age_group(AgeGroup::Child),
        ];
        for r in &records {
            for now in [
                "2024-01-01T00:00:00Z",
                "2025-06-10T00:00:00Z",
                "2026-03-01T00:00:00+08:00",
                "2027-01-05T10:00:00+08:00",
            ] {
                let now = at(now);
                assert_eq!(
                    engine.record_plan_and_due(r, now),
                    (engine.record_plan(r), engine.deletion_due(r, now)),
                    "{r:?} at {now}"
                );
            }
        }
    }
}
