//! Who the information is about: the sources of an age (a declared birth
//! date, a resident identity number), the jurisdiction and its child age,
//! the regions and regulatory regimes that govern a flow, and what the
//! engine concludes from them (adult, child, or unknown: adulthood is never
//! presumed).
//!
//! # Example: a resident id is an age source
//!
//! ```
//! use chrono::{DateTime, NaiveDate};
//! use lawful::subject::{AgeGroup, RegionCode, Regime, ResidentId};
//! use lawful::{Engine, Subject};
//!
//! let engine = Engine::builtin();
//! let id = ResidentId::parse("110105201501010033")?;
//! assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(2015, 1, 1).ok_or("date")?);
//!
//! let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
//! let subject = Subject::new().resident_id(id);
//! assert_eq!(engine.age_group(&subject, at), AgeGroup::Child);
//! assert_eq!(engine.age_group(&Subject::new(), at), AgeGroup::Unknown);
//!
//! let de: RegionCode = "DE".parse()?;
//! assert_eq!(Regime::of_region(de), Some(Regime::Gdpr));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod adequacy;
pub(crate) mod age;
pub(crate) mod age_group;
pub(crate) mod civil_time;
pub(crate) mod regime;
pub(crate) mod region;
pub(crate) mod resident_id;
pub(crate) mod scope;

pub use age::{AgeBoundary, ParseAgeBoundaryError};
pub use age_group::AgeGroup;
pub use civil_time::{TZDB_VERSION, TimeZone, TimeZoneError};
pub use regime::Regime;
pub use region::{RegionCode, RegionCodeError};
pub use resident_id::{ResidentId, ResidentIdError, ResidentIdErrorKind};

use std::fmt;

use chrono::{FixedOffset, NaiveDate};

use crate::moment::{Civil, Moment};

use crate::vocab::vocabulary;
use age::{Years, civil_age_on};

/// A jurisdiction resolved against an engine's policy, by
/// [`Engine::jurisdiction`](crate::Engine::jurisdiction).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JurisdictionId {
    index: u16,
    /// The engine that made it: an id from another engine is never read
    /// as one of this engine's.
    engine: u32,
}

impl JurisdictionId {
    pub(crate) const fn of_engine(index: u16, engine: u32) -> JurisdictionId {
        JurisdictionId { index, engine }
    }

    pub(crate) const fn index(self) -> usize {
        self.index as usize
    }

    pub(crate) const fn engine(self) -> u32 {
        self.engine
    }
}

impl fmt::Debug for JurisdictionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JurisdictionId({})", self.index)
    }
}

/// A jurisdiction of a compiled policy: who counts as a child there, and on
/// which calendar the age is counted.
#[derive(Clone, Debug)]
pub struct Jurisdiction {
    pub(crate) id: JurisdictionId,
    pub(crate) code: RegionCode,
    pub(crate) child_age: u8,
    /// The standard offset of `time_zone` (for explanations).
    pub(crate) utc_offset: FixedOffset,
    /// The zone ages are counted in by default.
    pub(crate) time_zone: TimeZone,
    /// A second zone of the jurisdiction where midnight comes last (FR, ES,
    /// PT): ages are counted there too, and the younger wins.
    pub(crate) latest_time_zone: Option<TimeZone>,
    pub(crate) age_boundary: AgeBoundary,
    pub(crate) regime: Option<Regime>,
    pub(crate) law: Option<Box<str>>,
    pub(crate) clause: Option<Box<str>>,
}

impl Jurisdiction {
    /// The jurisdiction's id.
    pub fn id(&self) -> JurisdictionId {
        self.id
    }

    /// Its code (`CN`, `FR`...).
    pub fn code(&self) -> RegionCode {
        self.code
    }

    /// A subject younger than this, in completed years, is a child.
    pub fn child_age(&self) -> u8 {
        self.child_age
    }

    /// The standard UTC offset of its time zone.
    pub fn utc_offset(&self) -> FixedOffset {
        self.utc_offset
    }

    /// The IANA time zone ages are counted in by default (with its
    /// daylight-saving rules).
    pub fn time_zone(&self) -> TimeZone {
        self.time_zone
    }

    /// For a jurisdiction with several zones, the one where midnight comes
    /// last: ages are counted there too, and the younger wins.
    pub fn latest_time_zone(&self) -> Option<TimeZone> {
        self.latest_time_zone
    }

    /// The subject's calendar date at `at`: in their own time zone when
    /// given, else the earlier of the jurisdiction's zones' dates (the
    /// younger age wins).
    pub(crate) fn civil_date(&self, subject: &Subject, at: Moment) -> Civil {
        if let Some(zone) = subject.time_zone {
            return zone.local_date(at);
        }
        let date = self.time_zone.local_date(at);
        match self.latest_time_zone {
            Some(zone) => date.min(zone.local_date(at)),
            None => date,
        }
    }

    /// A calendar date on which every age read from `births` is what it is
    /// on the subject's calendar date at `at` ([`Jurisdiction::civil_date`]),
    /// counted either way: the UTC date when no birthday falls within a
    /// day of it either way (every UTC offset is less than a day, and an
    /// age only grows with the date), else the subject's date itself, found
    /// in the time zone (a look-up in the tz database, ten times the cost).
    pub(crate) fn age_date(
        &self,
        subject: &Subject,
        at: Moment,
        births: [Option<Civil>; 2],
    ) -> Civil {
        let date = at.utc_date();
        let [first, second] = births;
        let settled = |birth: Option<Civil>| birth.is_none_or(|b| age::age_settled_around(b, date));
        if settled(first) && settled(second) {
            date
        } else {
            self.civil_date(subject, at)
        }
    }

    /// When a year of age is completed.
    pub fn age_boundary(&self) -> AgeBoundary {
        self.age_boundary
    }

    /// The law that sets the age (for explanations).
    pub fn law(&self) -> Option<&str> {
        self.law.as_deref()
    }

    /// The data-protection regime that governs its subjects, if the engine
    /// knows one (`regime = "pipl"` or `"gdpr"`; by default from the code).
    pub fn regime(&self) -> Option<Regime> {
        self.regime
    }

    /// The policy clause behind the age threshold.
    pub fn clause(&self) -> Option<&str> {
        self.clause.as_deref()
    }
}

/// What a request says about its subject.
///
/// Both age sources are optional; with neither, the age is unknown and
/// consent-based processing is not valid (the engine never presumes
/// adulthood). Without a jurisdiction, the policy's home jurisdiction applies.
///
/// # Example: a subject with a resident identity number
///
/// ```
/// use lawful::Subject;
///
/// let subject = Subject::new().resident_id_str("11010519491231002X");
/// # let _ = subject;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    pub(crate) birth_date: Option<NaiveDate>,
    /// `birth_date` as integers, worked out here rather than in every decision.
    pub(crate) birth: Option<Civil>,
    pub(crate) resident_id: Option<Result<ResidentId, ResidentIdError>>,
    pub(crate) jurisdiction: Option<JurisdictionId>,
    /// The subject's own time zone, when known.
    pub(crate) time_zone: Option<TimeZone>,
}

impl Subject {
    /// A subject of unknown age in the policy's home jurisdiction.
    pub fn new() -> Subject {
        Subject::default()
    }

    /// The declared date of birth.
    #[must_use]
    pub fn birth_date(mut self, date: NaiveDate) -> Subject {
        self.birth_date = Some(date);
        self.birth = Some(Civil::of(date));
        self
    }

    /// A parsed resident identity number.
    #[must_use]
    pub fn resident_id(mut self, id: ResidentId) -> Subject {
        self.resident_id = Some(Ok(id));
        self
    }

    /// A resident identity number as given. If it does not parse, the
    /// decision reports `resident_id_invalid` and ignores it as an age source.
    #[must_use]
    pub fn resident_id_str(mut self, text: &str) -> Subject {
        self.resident_id = Some(ResidentId::parse(text));
        self
    }

    /// The subject's jurisdiction, which picks the member state's child age
    /// and the default time zone.
    #[must_use]
    pub fn jurisdiction(mut self, jurisdiction: JurisdictionId) -> Subject {
        self.jurisdiction = Some(jurisdiction);
        self
    }

    /// The subject's own time zone: ages and birthdays are counted on its
    /// calendar (else on the jurisdiction's).
    #[must_use]
    pub fn time_zone(mut self, zone: TimeZone) -> Subject {
        self.time_zone = Some(zone);
        self
    }
}

vocabulary! {
    /// Which source the age came from.
    pub enum AgeSource as "age source" {
        /// The declared date of birth.
        BirthDate = "birth_date",
        /// The resident identity number.
        ResidentId = "resident_id",
        /// Both, and they agree.
        Both = "both",
    }
}

/// What the engine found about a subject's age.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AgeFinding {
    pub(crate) years: u32,
    pub(crate) source: AgeSource,
    pub(crate) sources_disagree: bool,
    pub(crate) child: bool,
}

impl AgeFinding {
    /// Age in completed years on the processing date.
    pub fn years(&self) -> u32 {
        self.years
    }

    /// Where the age came from. When both sources were given and disagree,
    /// the younger age wins and this names its source.
    pub fn source(&self) -> AgeSource {
        self.source
    }

    /// Whether the resident id and the declared birth date give different ages.
    pub fn sources_disagree(&self) -> bool {
        self.sources_disagree
    }

    /// Whether the subject is a child in their jurisdiction.
    pub fn is_child(&self) -> bool {
        self.child
    }
}

/// The engine's reading of the subject for one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Assessment {
    pub(crate) age: Option<AgeFinding>,
    pub(crate) resident_id_invalid: bool,
    /// A declared birth date after the request's day, or more than
    /// [`OLDEST`] years before it: reported, and ignored as a source.
    pub(crate) birth_date_implausible: bool,
    /// The birth date the age was read from (the younger source's).
    pub(crate) birth: Option<Civil>,
    /// A calendar date on which every age of the subject reads as on their
    /// calendar date at `at` (see [`Jurisdiction::age_date`]): the ages,
    /// never the date, are what it is for.
    pub(crate) today: Civil,
    /// The age on `today`, counted both ways (`None` when unknown): what
    /// [`Assessment::ages_on`] says of `today`, read once with the age.
    pub(crate) years_today: Option<Years>,
}

/// Past this age a declared birth date is taken for a mistake.
const OLDEST: u32 = 125;

impl Assessment {
    /// `Some(true)` for a child, `Some(false)` for an adult, `None` when unknown.
    pub(crate) fn child(&self) -> Option<bool> {
        self.age.map(|a| a.child)
    }

    /// The subject's age in completed years on the calendar date `on`,
    /// counted with `boundary`: `None` when the age is unknown (0 before
    /// birth).
    pub(crate) fn years_on(&self, on: Civil, boundary: AgeBoundary) -> Option<u32> {
        let birth = self.birth?;
        Some(civil_age_on(birth, on, boundary).unwrap_or(0))
    }

    /// [`Assessment::years_on`] counted both ways at once: `None` when the
    /// age is unknown (0 before birth).
    #[inline]
    pub(crate) fn ages_on(&self, on: Civil) -> Option<Years> {
        let birth = self.birth?;
        Some(Years::on(birth, on).unwrap_or(Years::ZERO))
    }
}

/// Reads the subject's age on the calendar date of `at` in the
/// jurisdiction's time zone, from a valid resident id and a declared birth
/// date; the younger age wins. An invalid id, or an implausible birth date,
/// is reported and ignored as a source.
pub(crate) fn assess(subject: &Subject, jurisdiction: &Jurisdiction, at: Moment) -> Assessment {
    let from_id_birth = match &subject.resident_id {
        Some(Ok(id)) => Some(id.birth()),
        _ => None,
    };
    let today = jurisdiction.age_date(subject, at, [from_id_birth, subject.birth]);
    assess_on(subject, jurisdiction, today)
}

/// [`assess`] on the calendar date `today` (one on which every age reads
/// as on the subject's date).
pub(crate) fn assess_on(
    subject: &Subject,
    jurisdiction: &Jurisdiction,
    today: Civil,
) -> Assessment {
    let boundary = jurisdiction.age_boundary;
    let mut resident_id_invalid = false;
    let from_id = match &subject.resident_id {
        Some(Ok(id)) => {
            let birth = id.birth();
            if birth > today {
                resident_id_invalid = true;
                None
            } else {
                Years::on(birth, today).map(|both| (both.counted(boundary), birth, both))
            }
        }
        Some(_) => {
            resident_id_invalid = true;
            None
        }
        None => None,
    };
    let mut birth_date_implausible = false;
    let from_birth_date = subject.birth.and_then(|birth| {
        let found = Years::on(birth, today)
            .map(|both| (both.counted(boundary), birth, both))
            .filter(|&(years, ..)| years <= OLDEST);
        birth_date_implausible = found.is_none();
        found
    });
    let ((years, birth, both), source, sources_disagree) = match (from_id, from_birth_date) {
        (Some(a), Some(b)) if a.0 == b.0 => (a, AgeSource::Both, false),
        (Some(a), Some(b)) if a.0 < b.0 => (a, AgeSource::ResidentId, true),
        (Some(_), Some(b)) => (b, AgeSource::BirthDate, true),
        (Some(a), None) => (a, AgeSource::ResidentId, false),
        (None, Some(b)) => (b, AgeSource::BirthDate, false),
        (None, None) => {
            return Assessment {
                age: None,
                resident_id_invalid,
                birth_date_implausible,
                birth: None,
                today,
                years_today: None,
            };
        }
    };
    Assessment {
        age: Some(AgeFinding {
            years,
            source,
            sources_disagree,
            child: years < u32::from(jurisdiction.child_age),
        }),
        resident_id_invalid,
        birth_date_implausible,
        birth: Some(birth),
        today,
        years_today: Some(both),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;
    use chrono::{Datelike as _, Duration};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        /// `age_date` reads every age (from either source, counted either
        /// way) as the subject's civil date in the time zone does, for
        /// instants within two days of a birthday at any offset, in every
        /// jurisdiction of the seed and in a zone of the subject's own.
        #[test]
        fn age_date_reads_every_age_as_the_civil_date(
            nth in 0usize..64,
            birth_day in 0i64..25_000,
            years in 0i32..30,
            delta in -180_000i64..180_000,
            offset_quarters in -48i32..=56,
            own_zone in proptest::option::of(0usize..4),
        ) {
            let engine = Engine::builtin();
            let jurisdictions = engine.jurisdictions();
            let jurisdiction = &jurisdictions[nth % jurisdictions.len()];
            let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Duration::days(birth_day);
            let anniversary = birth
                .with_year(birth.year() + years)
                .unwrap_or_else(|| birth + Duration::days(365 * i64::from(years)));
            let offset = FixedOffset::east_opt(offset_quarters * 900).unwrap();
            let at = anniversary.and_hms_opt(0, 0, 0).unwrap().and_utc().fixed_offset()
                + Duration::seconds(delta);
            let at = Moment::of(at.with_timezone(&offset));
            let zones = ["America/Los_Angeles", "Pacific/Kiritimati", "Asia/Kolkata", "Europe/Berlin"];
            let mut subject = Subject::new().birth_date(birth);
            if let Some(zone) = own_zone {
                subject = subject.time_zone(zones[zone].parse().unwrap());
            }
            let exact = jurisdiction.civil_date(&subject, at);
            let read = jurisdiction.age_date(&subject, at, [subject.birth, None]);
            for boundary in [AgeBoundary::Birthday, AgeBoundary::DayAfter] {
                let birth = subject.birth.unwrap();
                prop_assert_eq!(civil_age_on(birth, read, boundary), civil_age_on(birth, exact, boundary));
            }
        }
    }
}
