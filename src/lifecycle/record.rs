//! A record of personal information a host holds, as the lifecycle sees
//! it: what it is, when and from whom it was collected, and what has
//! happened to it since (its purpose's status, a withdrawal, a terminated
//! service, a deregistration, a finding of unlawfulness, a legal hold).
//! Retention plans and deletion sweeps both read it.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::action::Action;
use crate::basis::Basis;
use crate::category::CategoryId;
use crate::purpose::PurposeId;
use crate::subject::age_group::AgeGroup;
use crate::vocab::vocabulary;
#[cfg(doc)]
use crate::{Engine, lifecycle::DeletionDue};

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

/// A legal duty to keep a record past its deletion trigger, until an
/// instant (PIPL art. 47(2)): while it holds, the record is
/// only stored and kept secure; everything else is denied.
///
/// # Example: logs a law requires to be kept, past their retention
///
/// ```
/// use chrono::DateTime;
/// use lawful::Action;
/// use lawful::lifecycle::LegalHold;
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
    pub(crate) until: DateTime<FixedOffset>,
    pub(crate) citation: Option<Box<str>>,
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
/// use lawful::Engine;
/// use lawful::lifecycle::RecordState;
/// use lawful::subject::AgeGroup;
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
    pub(crate) category: CategoryId,
    pub(crate) purpose: PurposeId,
    pub(crate) collected_at: DateTime<FixedOffset>,
    pub(crate) age: AgeGroup,
    pub(crate) basis: Option<Basis>,
    pub(crate) purpose_status: Option<(PurposeStatus, DateTime<FixedOffset>)>,
    pub(crate) consent_withdrawn_at: Option<DateTime<FixedOffset>>,
    pub(crate) service_terminated_at: Option<DateTime<FixedOffset>>,
    pub(crate) deregistered_at: Option<DateTime<FixedOffset>>,
    pub(crate) found_unlawful_at: Option<DateTime<FixedOffset>>,
    pub(crate) other_legal_ground: Option<(DateTime<FixedOffset>, Box<str>)>,
    pub(crate) legal_hold: Option<LegalHold>,
    pub(crate) next_backup_cycle: Option<NaiveDate>,
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
