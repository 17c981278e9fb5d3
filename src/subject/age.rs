//! Age in completed years (周岁), and the calendar date of an instant at a
//! fixed UTC offset.

use core::fmt;
use core::str::FromStr;

#[cfg(test)]
use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::moment::Civil;
#[cfg(test)]
use crate::moment::local_date;

/// When a birthday's year of age is completed. A policy setting per
/// jurisdiction.
///
/// The two modes differ only on the anniversary itself: on the day someone
/// born on 2011-11-28 turns 14 under [`AgeBoundary::Birthday`]
/// (2025-11-28), they are still 13 under [`AgeBoundary::DayAfter`].
///
/// A 29 February birthday is completed on 1 March in a common year in both
/// modes.
///
/// # Example
///
/// ```
/// use lawful::subject::AgeBoundary;
///
/// assert_eq!(AgeBoundary::default(), AgeBoundary::DayAfter);
/// let boundary: AgeBoundary = "birthday".parse()?;
/// assert_eq!(boundary, AgeBoundary::Birthday);
/// assert_eq!(boundary.as_str(), "birthday");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AgeBoundary {
    /// The year is completed on the anniversary itself (common civil
    /// practice).
    ///
    /// In a common year, the anniversary of a 29 February birthday is taken
    /// as 1 March.
    Birthday,
    /// The year is completed only from the day after the anniversary
    /// (Supreme People's Court 2006 interpretation, art. 2:
    /// 周岁从周岁生日的第二天起算). The default: conservative.
    ///
    /// In a common year, the anniversary of a 29 February birthday is taken
    /// as 28 February, so the year is completed on 1 March.
    #[default]
    DayAfter,
}

impl AgeBoundary {
    /// Returns the name of the mode: `"birthday"` or `"day_after"`.
    ///
    /// This is the name used by serde and accepted by [`str::parse`].
    ///
    /// # Example
    ///
    /// ```
    /// use lawful::subject::AgeBoundary;
    ///
    /// assert_eq!(AgeBoundary::DayAfter.as_str(), "day_after");
    /// assert_eq!("day_after".parse::<AgeBoundary>()?, AgeBoundary::DayAfter);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBoundary::Birthday => "birthday",
            AgeBoundary::DayAfter => "day_after",
        }
    }
}

impl FromStr for AgeBoundary {
    type Err = ParseAgeBoundaryError;

    /// Parses the name of a mode, `birthday` or `day_after`, exactly.
    ///
    /// # Errors
    ///
    /// Returns an error for any other input, including other spellings or
    /// surrounding whitespace.
    fn from_str(input: &str) -> Result<AgeBoundary, ParseAgeBoundaryError> {
        match input {
            "birthday" => Ok(AgeBoundary::Birthday),
            "day_after" => Ok(AgeBoundary::DayAfter),
            _ => Err(ParseAgeBoundaryError::unknown(input)),
        }
    }
}

/// An error parsing an [`AgeBoundary`] from a string.
///
/// # Example
///
/// ```
/// use lawful::subject::AgeBoundary;
///
/// let err = "birth_day".parse::<AgeBoundary>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unknown age boundary `birth_day`, expected `day_after` or `birthday`",
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseAgeBoundaryError {
    /// The input that is not the name of a mode.
    input: Box<str>,
}

impl ParseAgeBoundaryError {
    #[cold]
    fn unknown(input: &str) -> ParseAgeBoundaryError {
        ParseAgeBoundaryError {
            input: input.into(),
        }
    }
}

impl fmt::Display for ParseAgeBoundaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown age boundary `{}`, expected `day_after` or `birthday`",
            self.input
        )
    }
}

impl std::error::Error for ParseAgeBoundaryError {}

/// Age in completed years of someone born on `birth` on the calendar date
/// `on`; `None` when `birth` is after `on`.
///
/// On the day of birth the age is 0 in both modes. Runs in constant time.
/// (`decide()` uses [`civil_age_on`]; the tests compare this with a
/// year-by-year count.)
#[cfg(test)]
pub(crate) fn age_on(birth: NaiveDate, on: NaiveDate, boundary: AgeBoundary) -> Option<u32> {
    civil_age_on(Civil::of(birth), Civil::of(on), boundary)
}

/// [`age_on`] on dates as integers (what `decide()` uses).
pub(crate) fn civil_age_on(birth: Civil, on: Civil, boundary: AgeBoundary) -> Option<u32> {
    if birth > on {
        return None;
    }
    // Anniversaries passed by calendar year, if the year's own one counts.
    let years = u32::try_from(on.year.checked_sub(birth.year)?).ok()?;
    // Comparing (month, day) pairs handles 29 February without special
    // cases: in a common year no date falls between (2, 28) and (2, 29), so
    // `on >= (2, 29)` means from 1 March (Birthday mode), and `on > (2, 29)`
    // is the same as `on > (2, 28)`, the day after 28 February (DayAfter).
    let this_year = (on.month, on.day);
    let anniversary = (birth.month, birth.day);
    let completed = match boundary {
        AgeBoundary::Birthday => this_year >= anniversary,
        AgeBoundary::DayAfter => this_year > anniversary,
    };
    if completed {
        Some(years)
    } else {
        // `years` is 0 only when `on` is in the year of birth, where the age
        // is 0 (in DayAfter mode, on the day of birth itself).
        Some(years.saturating_sub(1))
    }
}

/// An age in completed years counted both ways ([`AgeBoundary`]): the
/// regimes that apply to one subject may count differently (PIPL the day
/// after the birthday, the GDPR states on it), and the two counts differ
/// only on the anniversary itself, so one reading of the dates serves
/// every regime's threshold instead of one per regime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Years {
    /// Counted on the anniversary ([`AgeBoundary::Birthday`]).
    birthday: u32,
    /// Counted from the day after it ([`AgeBoundary::DayAfter`]).
    day_after: u32,
}

impl Years {
    /// No year completed, either way (before birth: see
    /// [`Assessment::years_on`](super::Assessment::years_on)).
    pub(crate) const ZERO: Years = Years {
        birthday: 0,
        day_after: 0,
    };

    /// Of someone born on `birth`, on the calendar date `on`: what
    /// [`civil_age_on`] says with either boundary; `None` when `birth` is
    /// after `on`.
    #[inline]
    pub(crate) fn on(birth: Civil, on: Civil) -> Option<Years> {
        let birthday = civil_age_on(birth, on, AgeBoundary::Birthday)?;
        // `DayAfter` counts one year less only on the anniversary itself,
        // and only once a year is there to complete (`civil_age_on` says 0
        // on the day of birth either way).
        let anniversary = (on.month, on.day) == (birth.month, birth.day) && on.year > birth.year;
        Some(Years {
            birthday,
            day_after: birthday.saturating_sub(u32::from(anniversary)),
        })
    }

    /// The age counted with `boundary`.
    #[inline]
    pub(crate) const fn counted(self, boundary: AgeBoundary) -> u32 {
        match boundary {
            AgeBoundary::Birthday => self.birthday,
            AgeBoundary::DayAfter => self.day_after,
        }
    }
}

/// Whether someone born on `birth` is at least `age` years old, counted
/// either way, on every date from the day before `date` to the day after,
/// by the years alone: those dates' year is at least `date`'s less one,
/// and an age on a date is at least its year less the year of birth, less
/// one (the anniversary not yet reached). `false` may be said of someone
/// who is (within two years of `age`), never `true` of someone who is not.
#[inline]
pub(crate) fn at_least_around(birth: Civil, date: Civil, age: u8) -> bool {
    i64::from(date.year) - 2 - i64::from(birth.year) >= i64::from(age)
}

/// Whether an age from `birth` reads the same, counted either way, on
/// every date from the day before `date` to the day after: no birthday
/// (the anniversary's month and day, or the birth itself) falls among
/// them. A few integer compares: `false` may be said of a window where
/// the age does not change after all (a birth in the last two years,
/// around 28 February), never `true` of one where it does.
#[inline]
pub(crate) fn age_settled_around(birth: Civil, date: Civil) -> bool {
    // Born in the last two years: the birth itself may be in the window.
    if birth.year >= date.year.saturating_sub(1) {
        return false;
    }
    let (month, day) = (date.month, date.day);
    // The window's first and last (month, day), or a bound on them:
    // February counted at 28 days, the day before the first of March is
    // at least (2, 28), and the day after 28 February at most (3, 1).
    let shortest = |month: u8| match month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let anniversary = (birth.month, birth.day);
    // Over a new year (31 December to 2 January): the anniversary neither
    // at the end of the one year nor at the start of the next (the age is
    // then the same on both sides: a year more, the anniversary not yet).
    if (month, day) == (12, 31) {
        return anniversary < (12, 30) && anniversary > (1, 1);
    }
    if (month, day) == (1, 1) {
        return anniversary < (12, 31) && anniversary > (1, 2);
    }
    let from = if day >= 2 {
        (month, day - 1)
    } else {
        (month - 1, shortest(month - 1))
    };
    let to = if day < shortest(month) {
        (month, day + 1)
    } else {
        (month + 1, 1)
    };
    // An age changes only where the date passes the anniversary
    // ((month, day) pairs compared in order, 29 February included).
    anniversary < from || anniversary > to
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike as _;
    use proptest::prelude::*;

    use AgeBoundary::{Birthday, DayAfter};

    /// `at_least_around` never says someone is at least an age when, on
    /// some date of the window (the day before to the day after), counted
    /// either way, they are younger: every birth from 1990 to 2003 (every
    /// fifth day) against every date from 1999 to 2021 (every third day,
    /// and every new year's eve and day), for every age to 20; and it
    /// says so of most windows more than two years past the age.
    #[test]
    fn at_least_around_is_never_younger() {
        let civil = |d: NaiveDate| Civil::of(d);
        let mut birth = date(1990, 1, 1);
        let (mut said, mut past) = (0_u32, 0_u32);
        while birth <= date(2003, 12, 31) {
            let mut on = date(1999, 1, 1);
            while on <= date(2021, 12, 31) {
                let lo = on - chrono::Duration::days(1);
                let hi = on + chrono::Duration::days(1);
                for age in 0..=20_u8 {
                    let youngest = [lo, on, hi]
                        .into_iter()
                        .flat_map(|d| {
                            [Birthday, DayAfter]
                                .map(|b| civil_age_on(civil(birth), civil(d), b).unwrap_or(0))
                        })
                        .min()
                        .unwrap();
                    let at_least = at_least_around(civil(birth), civil(on), age);
                    if at_least {
                        assert!(
                            youngest >= u32::from(age),
                            "birth {birth}, around {on}, {age}"
                        );
                        said += 1;
                    }
                    if youngest >= u32::from(age) + 3 {
                        past += 1;
                    }
                }
                on += chrono::Duration::days(if on.month() == 12 && on.day() >= 29 {
                    1
                } else {
                    3
                });
            }
            birth += chrono::Duration::days(5);
        }
        assert!(said >= past && past > 10_000, "{said} of {past}");
    }

    /// `age_settled_around` never calls a date settled where an age,
    /// counted either way, differs between the day before and the day
    /// after: every birth from 1990 to 2003 (every third day) against every
    /// date from 1999 to 2004 (29 February, new years, month ends and
    /// births within the window included).
    #[test]
    fn a_settled_window_has_one_age() {
        let civil = |d: NaiveDate| Civil::of(d);
        let mut birth = date(1990, 1, 1);
        let mut settled = 0_u32;
        let mut windows = 0_u32;
        while birth <= date(2003, 12, 31) {
            let mut on = date(1999, 1, 1);
            while on <= date(2004, 12, 31) {
                let lo = on - chrono::Duration::days(1);
                let hi = on + chrono::Duration::days(1);
                let same = [Birthday, DayAfter].into_iter().all(|b| {
                    let at = |d| civil_age_on(civil(birth), civil(d), b);
                    at(lo) == at(on) && at(on) == at(hi)
                });
                let settles = age_settled_around(civil(birth), civil(on));
                if settles {
                    assert!(same, "birth {birth}, around {on}");
                }
                if birth.year() + 2 <= on.year() {
                    windows += 1;
                    settled += u32::from(settles);
                }
                on += chrono::Duration::days(1);
            }
            birth += chrono::Duration::days(3);
        }
        // Past the first two years, nearly every window is settled (all
        // but days next to a birthday or 28 February).
        assert!(settled * 100 > windows * 97, "{settled} of {windows}");
    }

    /// `Years` is `civil_age_on` counted either way, for every birth from
    /// 1995 to 2001 (every day, 29 February 1996 and 2000 included)
    /// against dates from December 1994 to 2002 (every fifth day, and
    /// every day of February, March and the month of birth: every
    /// anniversary, and the day of birth), and before birth.
    #[test]
    fn years_are_the_age_counted_either_way() {
        let civil = |d: NaiveDate| Civil::of(d);
        let mut birth = date(1995, 1, 1);
        let mut compared = 0_u32;
        while birth <= date(2001, 12, 31) {
            let mut on = date(1994, 12, 1);
            while on <= date(2002, 12, 31) {
                let years = Years::on(civil(birth), civil(on));
                for boundary in [Birthday, DayAfter] {
                    assert_eq!(
                        years.map(|y| y.counted(boundary)),
                        civil_age_on(civil(birth), civil(on), boundary),
                        "birth {birth}, on {on}, {boundary:?}"
                    );
                }
                compared += 1;
                let step = if matches!(on.month(), 2 | 3) || on.month() == birth.month() {
                    1
                } else {
                    5
                };
                on += chrono::Duration::days(step);
            }
            birth += chrono::Duration::days(1);
        }
        assert!(compared > 1_000_000, "{compared}");
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn instant(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap()
    }

    fn east(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).unwrap()
    }

    /// Counts anniversaries year by year: the n-th year is completed on the
    /// n-th anniversary (`Birthday`) or the day after it (`DayAfter`), a 29
    /// February anniversary in a common year being 1 March (`Birthday`) or
    /// 28 February (`DayAfter`).
    fn reference_age(birth: NaiveDate, on: NaiveDate, boundary: AgeBoundary) -> Option<u32> {
        if birth > on {
            return None;
        }
        let mut age = 0;
        for n in 1.. {
            let year = birth.year() + n;
            let anniversary = NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
                .unwrap_or_else(|| match boundary {
                    Birthday => date(year, 3, 1),
                    DayAfter => date(year, 2, 28),
                });
            let completed = match boundary {
                Birthday => anniversary,
                DayAfter => anniversary.succ_opt().unwrap(),
            };
            if completed > on {
                break;
            }
            age = u32::try_from(n).unwrap();
        }
        Some(age)
    }

    #[test]
    fn ages_on_and_around_birthdays() {
        let k1 = date(2011, 11, 28);
        let k2 = date(2012, 2, 29);
        // (birth, on, DayAfter, Birthday)
        let table = [
            (k1, date(2025, 11, 27), 13, 13),
            (k1, date(2025, 11, 28), 13, 14),
            (k1, date(2025, 11, 29), 14, 14),
            (k2, date(2026, 2, 28), 13, 13),
            (k2, date(2026, 3, 1), 14, 14),
            (k2, date(2024, 2, 28), 11, 11),
            (k2, date(2024, 2, 29), 11, 12),
            (k2, date(2024, 3, 1), 12, 12),
        ];
        for (birth, on, day_after, birthday) in table {
            assert_eq!(
                age_on(birth, on, DayAfter),
                Some(day_after),
                "{birth} on {on}"
            );
            assert_eq!(
                age_on(birth, on, Birthday),
                Some(birthday),
                "{birth} on {on}"
            );
        }
    }

    #[test]
    fn ages_at_the_start_of_life_and_before_it() {
        let birth = date(2011, 11, 28);
        for boundary in [Birthday, DayAfter] {
            assert_eq!(age_on(birth, date(2011, 11, 27), boundary), None);
            assert_eq!(age_on(birth, birth, boundary), Some(0));
            assert_eq!(age_on(birth, date(2012, 11, 27), boundary), Some(0));
            assert_eq!(age_on(birth, date(2012, 11, 29), boundary), Some(1));
        }
        assert_eq!(age_on(birth, date(2012, 11, 28), Birthday), Some(1));
        assert_eq!(age_on(birth, date(2012, 11, 28), DayAfter), Some(0));
    }

    #[test]
    fn a_new_year_birthday_completes_in_the_next_year() {
        let birth = date(2000, 12, 31);
        assert_eq!(age_on(birth, date(2018, 12, 31), Birthday), Some(18));
        assert_eq!(age_on(birth, date(2018, 12, 31), DayAfter), Some(17));
        assert_eq!(age_on(birth, date(2019, 1, 1), DayAfter), Some(18));
    }

    #[test]
    fn ages_at_the_edges_of_chrono_do_not_overflow() {
        for boundary in [Birthday, DayAfter] {
            let age = age_on(NaiveDate::MIN, NaiveDate::MAX, boundary).unwrap();
            assert_eq!(
                i64::from(age),
                i64::from(NaiveDate::MAX.year()) - i64::from(NaiveDate::MIN.year())
            );
            assert_eq!(age_on(NaiveDate::MAX, NaiveDate::MIN, boundary), None);
        }
    }

    #[test]
    fn local_date_at_the_time_zone_boundary() {
        let cn = east(8);
        assert_eq!(
            local_date(instant("2025-11-28T16:30:00Z"), cn),
            date(2025, 11, 29)
        );
        assert_eq!(
            local_date(instant("2025-11-28T15:59:59Z"), cn),
            date(2025, 11, 28)
        );
        assert_eq!(
            local_date(instant("2025-11-28T16:00:00Z"), cn),
            date(2025, 11, 29)
        );
        // The offset the instant was written in does not matter.
        assert_eq!(
            local_date(instant("2025-11-28T10:30:00-06:00"), cn),
            date(2025, 11, 29)
        );
        assert_eq!(
            local_date(instant("2025-11-29T00:30:00+08:00"), east(0)),
            date(2025, 11, 28)
        );
    }

    #[test]
    fn local_date_at_the_edges_of_chrono_does_not_panic() {
        let max = NaiveDate::MAX.and_hms_opt(23, 59, 59).unwrap().and_utc();
        let min = NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(local_date(max.fixed_offset(), east(8)), NaiveDate::MAX);
        assert_eq!(local_date(min.fixed_offset(), east(-8)), NaiveDate::MIN);
        let last_midnight = NaiveDate::MAX.and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(
            local_date(last_midnight.fixed_offset(), east(-8)),
            NaiveDate::MAX.pred_opt().unwrap()
        );
    }

    #[test]
    fn boundary_names_round_trip() {
        use serde::Deserialize as _;
        use serde::de::IntoDeserializer as _;
        use serde::de::value::{Error, StrDeserializer};

        for boundary in [Birthday, DayAfter] {
            assert_eq!(boundary.as_str().parse::<AgeBoundary>(), Ok(boundary));
            let name: StrDeserializer<'_, Error> = boundary.as_str().into_deserializer();
            let deserialized = AgeBoundary::deserialize(name).unwrap();
            assert_eq!(deserialized, boundary);
        }
        assert_eq!(AgeBoundary::default(), DayAfter);
    }

    #[cfg(feature = "json")]
    #[test]
    fn boundary_serializes_as_its_name() {
        for boundary in [Birthday, DayAfter] {
            assert_eq!(
                serde_json::to_string(&boundary).unwrap(),
                format!("\"{}\"", boundary.as_str())
            );
        }
    }

    #[test]
    fn unknown_boundary_message() {
        assert_eq!(
            "x".parse::<AgeBoundary>().unwrap_err().to_string(),
            "unknown age boundary `x`, expected `day_after` or `birthday`"
        );
        assert!("Birthday".parse::<AgeBoundary>().is_err());
        assert!(" day_after".parse::<AgeBoundary>().is_err());
    }

    /// A date from 1900-01-01 to 2100-12-31.
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let first = date(1900, 1, 1).num_days_from_ce();
        let last = date(2100, 12, 31).num_days_from_ce();
        (first..=last).prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).unwrap())
    }

    fn any_boundary() -> impl Strategy<Value = AgeBoundary> {
        prop_oneof![Just(Birthday), Just(DayAfter)]
    }

    proptest! {
        #[test]
        fn age_is_monotonic_in_time(
            birth in any_date(),
            a in any_date(),
            b in any_date(),
            boundary in any_boundary(),
        ) {
            let (on1, on2) = if a <= b { (a, b) } else { (b, a) };
            // `None` (not yet born) orders before every age.
            prop_assert!(age_on(birth, on1, boundary) <= age_on(birth, on2, boundary));
        }

        #[test]
        fn age_matches_a_naive_reference(
            birth in any_date(),
            on in any_date(),
            boundary in any_boundary(),
        ) {
            prop_assert_eq!(age_on(birth, on, boundary), reference_age(birth, on, boundary));
        }

        #[test]
        fn age_matches_a_naive_reference_near_anniversaries(
            birth in any_date(),
            years in 0i32..=120,
            shift in -3i64..=3,
            boundary in any_boundary(),
        ) {
            // The anniversary, or 28 February for 29 February in a common year.
            let year = birth.year() + years;
            let anniversary = NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
                .unwrap_or_else(|| date(year, 2, 28));
            let on = anniversary + chrono::Duration::days(shift);
            prop_assert_eq!(age_on(birth, on, boundary), reference_age(birth, on, boundary));
        }

        #[test]
        fn birthday_mode_is_never_younger_than_day_after(
            birth in any_date(),
            on in any_date(),
        ) {
            let birthday = age_on(birth, on, Birthday);
            let day_after = age_on(birth, on, DayAfter);
            prop_assert!(birthday >= day_after);
            // And never by more than a year.
            prop_assert!(birthday <= day_after.map(|age| age + 1));
        }
    }
}
