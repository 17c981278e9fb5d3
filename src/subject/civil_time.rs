//! Civil time: the calendar a subject lives by. Ages, birthdays and dates
//! are counted in an IANA time zone with its daylight-saving rules (from
//! the maintained tz database that `chrono-tz` carries, never a hand-kept
//! table), or in a fixed UTC offset where a policy says so.
//!
//! # Example: a German turns 16 at 00:30 summer time
//!
//! ```
//! use lawful::subject::TimeZone;
//!
//! let berlin: TimeZone = "Europe/Berlin".parse()?;
//! assert_eq!(berlin.name(), "Europe/Berlin");
//! assert!("Europe/Atlantis".parse::<TimeZone>().is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::str::FromStr;

use chrono::{DateTime, FixedOffset, Offset as _, TimeZone as _};

use crate::moment::{Civil, Moment};

/// The version of the IANA time zone database the engine counts civil time
/// with (part of a policy's identity in the audit record).
pub const TZDB_VERSION: &str = chrono_tz::IANA_TZDB_VERSION;

/// A time zone: an IANA zone with its daylight-saving rules, or a fixed UTC
/// offset.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(Zone);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Zone {
    Iana(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl TimeZone {
    /// A fixed UTC offset (no daylight saving).
    pub fn fixed(offset: FixedOffset) -> TimeZone {
        TimeZone(Zone::Fixed(offset))
    }

    /// Its IANA name (`Europe/Berlin`), or the offset (`+08:00`).
    pub fn name(&self) -> String {
        match self.0 {
            Zone::Iana(tz) => tz.name().to_owned(),
            Zone::Fixed(offset) => offset.to_string(),
        }
    }

    /// The offset from UTC at the instant `at`, in seconds.
    pub(crate) fn offset_at(self, at: Moment) -> i32 {
        match self.0 {
            Zone::Fixed(offset) => offset.local_minus_utc(),
            Zone::Iana(tz) => at
                .naive_utc_second()
                .or_else(|| DateTime::from_timestamp(at.utc_seconds(), 0).map(|u| u.naive_utc()))
                .map_or(0, |utc| {
                    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
                }),
        }
    }

    /// The calendar date of the instant `at` in this zone.
    pub(crate) fn local_date(self, at: Moment) -> Civil {
        at.local_date(self.offset_at(at))
    }

    /// The offset in force at the instant `at`, as chrono's.
    pub(crate) fn offset(self, at: Moment) -> FixedOffset {
        // Every offset the tz database or a policy gives is within a day.
        FixedOffset::east_opt(self.offset_at(at)).unwrap_or_else(|| chrono::Utc.fix())
    }

    /// Its standard offset: the one in force on 15 January 2026 (winter in
    /// the northern hemisphere).
    pub(crate) fn standard_offset(self) -> FixedOffset {
        match self.0 {
            Zone::Fixed(offset) => offset,
            Zone::Iana(tz) => DateTime::from_timestamp(1_768_435_200, 0).map_or_else(
                || chrono::Utc.fix(),
                |utc| tz.offset_from_utc_datetime(&utc.naive_utc()).fix(),
            ),
        }
    }
}

impl FromStr for TimeZone {
    type Err = TimeZoneError;

    /// Parses an IANA zone name (`Asia/Shanghai`, `Europe/Paris`).
    ///
    /// # Errors
    ///
    /// When the tz database has no zone of that name.
    fn from_str(name: &str) -> Result<TimeZone, TimeZoneError> {
        name.parse::<chrono_tz::Tz>()
            .map(|tz| TimeZone(Zone::Iana(tz)))
            .map_err(|_| TimeZoneError { name: name.into() })
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeZone({})", self.name())
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A name that is no IANA time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeZoneError {
    name: Box<str>,
}

impl fmt::Display for TimeZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown time zone `{}`: use an IANA name such as `Asia/Shanghai` or `Europe/Paris`",
            self.name
        )
    }
}

impl std::error::Error for TimeZoneError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(s: &str) -> Moment {
        Moment::of(DateTime::parse_from_rfc3339(s).unwrap())
    }

    /// Summer time is counted: 22:30 UTC on 1 July is 00:30 on 2 July in
    /// Berlin (UTC+2), but still 1 July at UTC+1.
    #[test]
    fn daylight_saving_moves_the_date() {
        let berlin: TimeZone = "Europe/Berlin".parse().unwrap();
        let at = moment("2026-07-01T22:30:00Z");
        let date = berlin.local_date(at);
        assert_eq!((date.year, date.month, date.day), (2026, 7, 2));
        let winter = moment("2026-01-01T22:30:00Z");
        let date = berlin.local_date(winter);
        assert_eq!((date.year, date.month, date.day), (2026, 1, 1));
        let fixed = TimeZone::fixed(FixedOffset::east_opt(3600).unwrap());
        let date = fixed.local_date(at);
        assert_eq!((date.year, date.month, date.day), (2026, 7, 1));
    }

    #[test]
    fn the_database_version_is_known() {
        assert_eq!(TZDB_VERSION.len(), 5);
    }
}
