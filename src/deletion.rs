//! Deletion triggers: what a host's nightly sweep asks of each record
//! (PIPL arts. 15, 19, 47; GDPR arts. 7(3), 17; CAC-2019 art. 20).

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::action::Action;
use crate::age_group::AgeGroup;
use crate::basis::Basis;
use crate::category::CategoryId;
use crate::decision::{Due, Obligation, ObligationCode};
use crate::engine::Engine;
use crate::purpose::PurposeId;
use crate::retention::{Disposal, RetentionEvent};
use crate::retention_plan::{RetentionEnd, backup_purge_by, days_after, disposal_code, home_date};
use crate::vocab::vocabulary;

vocabulary! {
    /// What became of a record's purpose (deletion trigger (1)).
    pub enum PurposeStatus as "purpose status" {
        /// The purpose is achieved (the case is closed, the service rendered).
        Achieved = "achieved",
        /// The data is no longer necessary for the purpose.
        NoLongerNecessary = "no_longer_necessary",
        /// The purpose cannot be achieved.
        Unachievable = "unachievable",
    }
}

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

/// A legal duty to keep a record past its deletion trigger, until an
/// instant (PIPL art. 47(2)): while it holds, the record is
/// only stored and kept secure; everything else is denied.
///
/// # Example: logs a law requires to be kept, past their retention
///
/// ```
/// use chrono::DateTime;
/// use lawful::{Action, LegalHold};
///
/// let hold = LegalHold::new(DateTime::parse_from_rfc3339("2026-12-31T00:00:00+08:00")?)
///     .citation("Cybersecurity Law art. 21");
/// let now = DateTime::parse_from_rfc3339("2026-03-01T00:00:00+08:00")?;
/// assert!(hold.allows(Action::Store, now));
/// assert!(!hold.allows(Action::Use, now));
/// assert!(!hold.allows(Action::Delete, now));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LegalHold {
    until: DateTime<FixedOffset>,
    citation: Option<Box<str>>,
}

impl LegalHold {
    /// A hold that ends at `until` (exclusive).
    pub fn new(until: DateTime<FixedOffset>) -> LegalHold {
        LegalHold {
            until,
            citation: None,
        }
    }

    /// The law that requires the data to be kept.
    #[must_use]
    pub fn citation(mut self, law: &str) -> LegalHold {
        self.citation = Some(law.into());
        self
    }

    /// When the hold ends.
    pub fn until(&self) -> DateTime<FixedOffset> {
        self.until
    }

    /// The law cited, if any.
    pub fn law(&self) -> Option<&str> {
        self.citation.as_deref()
    }

    /// Whether the hold is in force at `at` (`at` before its end).
    pub fn is_active(&self, at: DateTime<FixedOffset>) -> bool {
        at < self.until
    }

    /// Whether the hold lets `action` be done at `at` to the data it keeps:
    /// while it is in force, only `store` (R-31: storage and security
    /// measures only; no use, no sharing, no deletion). Once it has ended it
    /// no longer restricts anything (the deletion trigger it deferred does:
    /// see [`DeletionDue::allows`]).
    pub fn allows(&self, action: Action, at: DateTime<FixedOffset>) -> bool {
        !self.is_active(at) || action == Action::Store
    }
}

/// What a host knows about one record: what it is, when and from whom it
/// was collected, and the events that may trigger its deletion.
///
/// Events are instants; an event after the instant [`Engine::deletion_due`]
/// is asked about has not happened yet and triggers nothing.
///
/// # Example: a child's account, deregistered
///
/// ```
/// use chrono::DateTime;
/// use lawful::{AgeGroup, Engine, RecordState};
///
/// let engine = Engine::builtin();
/// let record = RecordState::new(
///     engine.category("account.username")?,
///     engine.purpose("account.registration")?,
///     DateTime::parse_from_rfc3339("2025-09-01T10:00:00+08:00")?,
/// )
/// .age_group(AgeGroup::Child)
/// .deregistered_at(DateTime::parse_from_rfc3339("2026-11-27T20:00:00+08:00")?);
/// # let _ = record;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordState {
    category: CategoryId,
    purpose: PurposeId,
    collected_at: DateTime<FixedOffset>,
    age: AgeGroup,
    basis: Option<Basis>,
    purpose_status: Option<(PurposeStatus, DateTime<FixedOffset>)>,
    consent_withdrawn_at: Option<DateTime<FixedOffset>>,
    service_terminated_at: Option<DateTime<FixedOffset>>,
    deregistered_at: Option<DateTime<FixedOffset>>,
    found_unlawful_at: Option<DateTime<FixedOffset>>,
    other_legal_ground: Option<(DateTime<FixedOffset>, Box<str>)>,
    legal_hold: Option<LegalHold>,
    next_backup_cycle: Option<NaiveDate>,
}

impl RecordState {
    /// A record of `category`, collected for `purpose` at `collected_at`,
    /// from a subject of unknown age, with no events yet.
    pub fn new(
        category: CategoryId,
        purpose: PurposeId,
        collected_at: DateTime<FixedOffset>,
    ) -> RecordState {
        RecordState {
            category,
            purpose,
            collected_at,
            age: AgeGroup::Unknown,
            basis: None,
            purpose_status: None,
            consent_withdrawn_at: None,
            service_terminated_at: None,
            deregistered_at: None,
            found_unlawful_at: None,
            other_legal_ground: None,
            legal_hold: None,
            next_backup_cycle: None,
        }
    }

    /// The subject's age group when the data was collected (default
    /// `unknown`, disposed of like a child's: deleted). See
    /// [`Engine::age_group`] to compute it from a [`Subject`](crate::Subject).
    #[must_use]
    pub fn age_group(mut self, age: AgeGroup) -> RecordState {
        self.age = age;
        self
    }

    /// The lawful basis the record rests on. It picks the retention rule
    /// as `decide()` does (see [`Engine::record_plan`]), and a withdrawn
    /// consent triggers deletion unless the record rests on another basis
    /// (withdrawal is never retroactive); when the basis is not given, it does (fail closed).
    #[must_use]
    pub fn basis(mut self, basis: Basis) -> RecordState {
        self.basis = Some(basis);
        self
    }

    /// The purpose was achieved, became unachievable or no longer needs the
    /// data, at `at`.
    #[must_use]
    pub fn purpose_status(
        mut self,
        status: PurposeStatus,
        at: DateTime<FixedOffset>,
    ) -> RecordState {
        self.purpose_status = Some((status, at));
        self
    }

    /// The subject withdrew consent at `at`.
    #[must_use]
    pub fn consent_withdrawn_at(mut self, at: DateTime<FixedOffset>) -> RecordState {
        self.consent_withdrawn_at = Some(at);
        self
    }

    /// The service stopped at `at` (see also [`Engine::termination_plan`]).
    #[must_use]
    pub fn service_terminated_at(mut self, at: DateTime<FixedOffset>) -> RecordState {
        self.service_terminated_at = Some(at);
        self
    }

    /// The subject's account was deregistered at `at`.
    #[must_use]
    pub fn deregistered_at(mut self, at: DateTime<FixedOffset>) -> RecordState {
        self.deregistered_at = Some(at);
        self
    }

    /// The processing was found to break a law, a regulation or the
    /// agreement with the subject, at `at`.
    #[must_use]
    pub fn found_unlawful_at(mut self, at: DateTime<FixedOffset>) -> RecordState {
        self.found_unlawful_at = Some(at);
        self
    }

    /// Another law requires the record's deletion from `at`, citing `law`.
    #[must_use]
    pub fn other_legal_ground(mut self, at: DateTime<FixedOffset>, law: &str) -> RecordState {
        self.other_legal_ground = Some((at, law.into()));
        self
    }

    /// A law requires the record to be kept until the hold ends.
    #[must_use]
    pub fn legal_hold(mut self, hold: LegalHold) -> RecordState {
        self.legal_hold = Some(hold);
        self
    }

    /// The host's next backup cycle, when backups are rewritten: the
    /// backup purge is due then, capped by the policy's `backup_lag`.
    #[must_use]
    pub fn next_backup_cycle(mut self, date: NaiveDate) -> RecordState {
        self.next_backup_cycle = Some(date);
        self
    }

    /// The record's category.
    pub fn category(&self) -> CategoryId {
        self.category
    }

    /// The purpose it was collected for.
    pub fn purpose(&self) -> PurposeId {
        self.purpose
    }

    /// When it was collected.
    pub fn collected_at(&self) -> DateTime<FixedOffset> {
        self.collected_at
    }

    /// The subject's age group at collection.
    pub fn age(&self) -> AgeGroup {
        self.age
    }

    /// The lawful basis the record rests on, if known.
    pub fn rests_on(&self) -> Option<Basis> {
        self.basis
    }

    /// The legal hold on the record, if any.
    pub fn hold(&self) -> Option<&LegalHold> {
        self.legal_hold.as_ref()
    }

    /// The other legal ground's citation, if one was given.
    pub fn other_legal_ground_law(&self) -> Option<&str> {
        self.other_legal_ground.as_ref().map(|(_, law)| &**law)
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
    /// use lawful::{AgeGroup, DeletionTrigger, Disposal, Engine, RecordState};
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
        let policy = self.policy();
        let plan = self.record_plan(record);
        let mut found: Vec<(DeletionTrigger, DateTime<FixedOffset>)> = Vec::new();
        if let RetentionEnd::At(end) = plan.end() {
            found.push((DeletionTrigger::RetentionExpired, end));
        }
        if let Some((status, when)) = record.purpose_status {
            found.push((status.into(), when));
        }
        if let Some(when) = record.consent_withdrawn_at {
            let rests_on_consent = matches!(record.basis, None | Some(Basis::Consent))
                || plan.end() == RetentionEnd::Event(RetentionEvent::ConsentWithdrawn);
            if rests_on_consent {
                found.push((DeletionTrigger::ConsentWithdrawn, when));
            }
        }
        let events = [
            (
                DeletionTrigger::ServiceTerminated,
                record.service_terminated_at,
            ),
            (
                DeletionTrigger::ProcessingUnlawful,
                record.found_unlawful_at,
            ),
            (
                DeletionTrigger::OtherLegalGround,
                record.other_legal_ground.as_ref().map(|(when, _)| *when),
            ),
            (DeletionTrigger::Deregistered, record.deregistered_at),
        ];
        found.extend(events.into_iter().filter_map(|(t, when)| Some((t, when?))));
        let response_days = policy.rights.response_days;
        let mut due: Vec<(NaiveDate, DateTime<FixedOffset>, DeletionTrigger)> = found
            .into_iter()
            .filter(|&(_, when)| when <= at)
            .map(|(trigger, when)| {
                let start = home_date(policy, when);
                let by = if trigger == DeletionTrigger::RetentionExpired {
                    start
                } else {
                    days_after(start, response_days).unwrap_or(start)
                };
                (by, when, trigger)
            })
            .collect();
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
}
