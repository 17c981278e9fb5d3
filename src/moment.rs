//! Instants and calendar dates as integers, for `decide()`'s hot path.
//!
//! An instant ([`Moment`]) is its UTC second and nanosecond, the offset it
//! was written in, and its UTC calendar date and second of the day, worked
//! out by chrono once, when a request is built; a calendar date ([`Civil`])
//! is a year, a month and a day. The local date at any offset is then the
//! UTC date or the day next to it, and the end of a retention period is
//! month arithmetic or day numbers (days since 1970-01-01, by Neri and
//! Schneider's algorithms on 32 bits): a few dozen integer operations
//! instead of chrono's calendar conversions.
//!
//! The answers are chrono's: the arithmetic is exact on the proleptic
//! Gregorian calendar, and anything outside the window every real date lies
//! in (about ±30,000 years around 1970) is handed to chrono itself,
//! overflow included. Tests compare every field with chrono on every kind
//! of period, on generated instants at every offset, and on every 97th day
//! of the window.

use core::cmp::Ordering;

use chrono::{
    DateTime, Datelike as _, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike as _,
};

use crate::retention::{Period, PeriodUnit};

const SECONDS_PER_DAY: i64 = 86_400;

/// The years the integer arithmetic handles itself (the shift of
/// [`Civil::from_days`] keeps their day numbers positive), well inside
/// chrono's ±262,143; beyond them, chrono answers.
const WINDOW_YEARS: i64 = 30_000;

/// An instant, as integers: comparisons ignore the offset (as chrono's do),
/// which only says how the instant was written (a period counts in it).
/// Its UTC calendar date and second of the day are kept beside it, so the
/// local date at any offset is that date or the day before or after.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Moment {
    secs: i64,
    /// Nanoseconds within the second (up to 2·10⁹ in a leap second, as chrono).
    nanos: u32,
    /// The offset from UTC the instant was written in, in seconds.
    offset: i32,
    /// The UTC calendar date.
    date: Civil,
    /// The UTC second of the day, `0..86_400`.
    second: i32,
}

impl Moment {
    /// The instant `at` (chrono's conversions, once per request).
    pub(crate) fn of(at: DateTime<FixedOffset>) -> Moment {
        let utc = at.naive_utc();
        Moment {
            secs: at.timestamp(),
            nanos: at.timestamp_subsec_nanos(),
            offset: at.offset().local_minus_utc(),
            date: Civil::of(utc.date()),
            second: i32::try_from(utc.time().num_seconds_from_midnight()).unwrap_or(0),
        }
    }

    /// The instant in seconds since 1970-01-01 UTC.
    pub(crate) fn utc_seconds(self) -> i64 {
        self.secs
    }

    /// The same instant as a chrono date-time, in its own offset.
    pub(crate) fn to_datetime(self) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(self.offset)?;
        Some(DateTime::from_timestamp(self.secs, self.nanos)?.with_timezone(&offset))
    }

    /// The calendar date of this instant at the offset `offset_secs` (less
    /// than a day either way, as every UTC offset).
    pub(crate) fn local_date(self, offset_secs: i32) -> Civil {
        self.date.shifted(self.second + offset_secs)
    }

    /// The instant to the second as chrono's UTC date-time, what
    /// `DateTime::from_timestamp(secs, 0)` makes of it, built from the UTC
    /// date and second kept beside it: a time zone's offset is looked up by
    /// one, and chrono's own conversion divides the day number into years
    /// again. `None` past chrono's range.
    pub(crate) fn naive_utc_second(self) -> Option<NaiveDateTime> {
        let Civil { year, month, day } = self.date;
        let date = NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day))?;
        let second = u32::try_from(self.second).ok()?;
        Some(date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(second, 0)?))
    }

    /// The UTC calendar date: [`Moment::local_date`] at any offset is this
    /// date, the day before or the day after (every UTC offset is less
    /// than a day either way).
    pub(crate) fn utc_date(self) -> Civil {
        self.date
    }

    /// The calendar date at `offset`, as chrono's date (for a due date).
    pub(crate) fn naive_local_date(self, offset: FixedOffset) -> NaiveDate {
        let civil = self.local_date(offset.local_minus_utc());
        NaiveDate::from_ymd_opt(civil.year, u32::from(civil.month), u32::from(civil.day))
            .or_else(|| {
                let at = self.to_datetime()?;
                Some(local_date(at, offset))
            })
            .unwrap_or(if self.secs < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            })
    }

    /// The instant `period` after this one, counted in this instant's own
    /// offset (a month ends on the same local day of the month, clamped to
    /// the month's end): [`Period::after`] in integers. `None` on overflow.
    pub(crate) fn after(self, period: Period) -> Option<Moment> {
        let local = self.second + self.offset;
        let from = self.date.shifted(local);
        let second = local.rem_euclid(86_400);
        if i64::from(from.year).abs() >= WINDOW_YEARS {
            return self.after_by_chrono(period);
        }
        let n = i64::from(period.amount().get());
        let (end, end_day) = match period.unit() {
            PeriodUnit::Days | PeriodUnit::Weeks => {
                let days = if period.unit() == PeriodUnit::Weeks {
                    7 * n
                } else {
                    n
                };
                if days >= WINDOW_YEARS * 365 {
                    return self.after_by_chrono(period);
                }
                let day = from.day_number() + days;
                (Civil::from_days(day), day)
            }
            PeriodUnit::Months | PeriodUnit::Years => {
                let months = match period.unit() {
                    PeriodUnit::Years => i64::from(period.amount().get().checked_mul(12)?),
                    _ => n,
                };
                if months >= WINDOW_YEARS * 12 {
                    return self.after_by_chrono(period);
                }
                let total = i64::from(from.year) * 12 + i64::from(from.month) - 1 + months;
                let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
                let day = i64::from(from.day).min(days_in_month(year, month));
                let end = Civil {
                    year: i32::try_from(year).ok()?,
                    month: u8::try_from(month).ok()?,
                    day: u8::try_from(day).ok()?,
                };
                (end, end.day_number())
            }
        };
        if i64::from(end.year).abs() >= WINDOW_YEARS {
            return self.after_by_chrono(period);
        }
        let utc_second = second - self.offset;
        Some(Moment {
            secs: end_day * SECONDS_PER_DAY + i64::from(utc_second),
            nanos: self.nanos,
            offset: self.offset,
            date: end.shifted(utc_second),
            second: utc_second.rem_euclid(86_400),
        })
    }

    /// [`Moment::after`] far from the present: chrono's own answer.
    #[cold]
    fn after_by_chrono(self, period: Period) -> Option<Moment> {
        period.after(self.to_datetime()?).map(Moment::of)
    }
}

impl PartialEq for Moment {
    fn eq(&self, other: &Moment) -> bool {
        (self.secs, self.nanos) == (other.secs, other.nanos)
    }
}

impl Eq for Moment {}

impl PartialOrd for Moment {
    fn partial_cmp(&self, other: &Moment) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Moment {
    fn cmp(&self, other: &Moment) -> Ordering {
        (self.secs, self.nanos).cmp(&(other.secs, other.nanos))
    }
}

/// The calendar date of `at` at `offset`, by chrono (the saturating ends
/// of its range where the shift overflows it): what the integers of this
/// module agree with, and what works on chrono's types elsewhere.
///
/// Every offset is less than a day either way, so that date is the UTC
/// date or the day next to it, as the UTC second of the day plus the
/// offset says: chrono's `checked_add_offset` to the day, without its
/// date-time arithmetic (a sweep asks this several times a record).
#[inline]
pub(crate) fn local_date(at: DateTime<FixedOffset>, offset: FixedOffset) -> NaiveDate {
    let utc = at.naive_utc();
    let second =
        i64::from(utc.time().num_seconds_from_midnight()) + i64::from(offset.local_minus_utc());
    let date = utc.date();
    if second < 0 {
        date.pred_opt().unwrap_or(NaiveDate::MIN)
    } else if second >= SECONDS_PER_DAY {
        date.succ_opt().unwrap_or(NaiveDate::MAX)
    } else {
        date
    }
}

/// A calendar date as integers; the fields' order is the dates' order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Civil {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

impl Civil {
    /// The date `seconds` after this date's midnight began, for `seconds`
    /// within a day either way: this date, or the day before or after.
    fn shifted(self, seconds: i32) -> Civil {
        if seconds < 0 {
            self.pred()
        } else if seconds >= 86_400 {
            self.succ()
        } else {
            self
        }
    }

    pub(crate) fn succ(self) -> Civil {
        let last = days_in_month(i64::from(self.year), i64::from(self.month));
        if i64::from(self.day) < last {
            Civil {
                day: self.day + 1,
                ..self
            }
        } else if self.month < 12 {
            Civil {
                month: self.month + 1,
                day: 1,
                ..self
            }
        } else {
            Civil {
                year: self.year.saturating_add(1),
                month: 1,
                day: 1,
            }
        }
    }

    pub(crate) fn pred(self) -> Civil {
        if self.day > 1 {
            Civil {
                day: self.day - 1,
                ..self
            }
        } else if self.month > 1 {
            let month = self.month - 1;
            let last = days_in_month(i64::from(self.year), i64::from(month));
            Civil {
                month,
                day: u8::try_from(last).unwrap_or(28),
                ..self
            }
        } else {
            Civil {
                year: self.year.saturating_sub(1),
                month: 12,
                day: 31,
            }
        }
    }

    /// The day number (days since 1970-01-01), for a year within the window.
    fn day_number(self) -> i64 {
        days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        )
    }

    /// chrono's date as integers.
    pub(crate) fn of(date: NaiveDate) -> Civil {
        Civil {
            year: date.year(),
            // A month is 1..=12 and a day 1..=31: both fit.
            month: u8::try_from(date.month()).unwrap_or(u8::MAX),
            day: u8::try_from(date.day()).unwrap_or(u8::MAX),
        }
    }

    /// The date of day number `days` (days since 1970-01-01), for a day
    /// within the window (beyond it, chrono's own conversion).
    ///
    /// Neri and Schneider's algorithm ("Euclidean affine functions and
    /// their application to calendar algorithms", 2022): the days shifted
    /// to a positive count from a March 1st, then centuries, years, months
    /// and days by multiplications and shifts on 32 bits.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "every quantity is within its range by construction (the paper's bounds)"
    )]
    fn from_days(days: i64) -> Civil {
        let Some(n) = u32::try_from(days + SHIFT_DAYS)
            .ok()
            .filter(|&n| n < u32::MAX / 4)
        else {
            return Civil::from_days_by_chrono(days);
        };
        let n1 = 4 * n + 3;
        let century = n1 / 146_097;
        let nc = n1 % 146_097 / 4;
        let n2 = 4 * nc + 3;
        let p2 = 2_939_745_u64 * u64::from(n2);
        let z = (p2 >> 32) as u32;
        let ny = (p2 as u32) / 2_939_745 / 4;
        let year = 100 * century + z;
        let n3 = 2_141 * ny + 197_913;
        let month = n3 >> 16;
        let day = (n3 & 0xFFFF) / 2_141;
        let january_or_february = ny >= 306;
        Civil {
            year: (i64::from(year) - SHIFT_YEARS + i64::from(january_or_february)) as i32,
            month: (if january_or_february {
                month - 12
            } else {
                month
            }) as u8,
            day: (day + 1) as u8,
        }
    }

    /// [`Civil::from_days`] beyond the window.
    #[cold]
    fn from_days_by_chrono(days: i64) -> Civil {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
        let date = chrono::TimeDelta::try_days(days)
            .and_then(|delta| epoch.checked_add_signed(delta))
            .unwrap_or(if days < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            });
        Civil::of(date)
    }
}

/// Whole 400-year eras added to day numbers so that every day of the window
/// counts positively from a March 1st (Neri and Schneider's `s = 82`).
const SHIFT_ERAS: i64 = 82;
const SHIFT_YEARS: i64 = 400 * SHIFT_ERAS;
const SHIFT_DAYS: i64 = 719_468 + 146_097 * SHIFT_ERAS;

/// The day number of `year-month-day` (month 1..=12, day within it), for a
/// year within the window (Neri and Schneider's inverse).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let january_or_february = month <= 2;
    let year = year + SHIFT_YEARS - i64::from(january_or_february);
    let month = if january_or_february {
        month + 12
    } else {
        month
    };
    let century = year.div_euclid(100);
    let year_days = 1_461 * year / 4 - century + century.div_euclid(4);
    let month_days = (979 * month - 2_919) / 32;
    year_days + month_days + day - 1 - SHIFT_DAYS
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone as _};
    use proptest::prelude::*;
    use std::num::NonZeroU32;

    fn instant(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap()
    }

    /// [`local_date`] as chrono's date-time arithmetic words it: the shift
    /// by the offset, saturating at the ends of chrono's range.
    fn local_date_by_chrono(at: DateTime<FixedOffset>, offset: FixedOffset) -> NaiveDate {
        match at.naive_utc().checked_add_offset(offset) {
            Some(local) => local.date(),
            None if offset.local_minus_utc() < 0 => NaiveDate::MIN,
            None => NaiveDate::MAX,
        }
    }

    #[test]
    fn the_local_date_is_chronos_at_the_ends_of_its_range() {
        let ends = [
            DateTime::<chrono::Utc>::MIN_UTC,
            DateTime::<chrono::Utc>::MAX_UTC,
            NaiveDate::MIN.and_hms_opt(12, 0, 0).unwrap().and_utc(),
            NaiveDate::MAX.and_hms_opt(0, 0, 0).unwrap().and_utc(),
            NaiveDate::MAX
                .and_hms_nano_opt(23, 59, 59, 1_999_999_999)
                .unwrap()
                .and_utc(),
        ];
        for at in ends {
            for secs in [-86_399, -28_800, -1, 0, 1, 3_600, 28_800, 86_399] {
                let offset = FixedOffset::east_opt(secs).unwrap();
                for written in [FixedOffset::east_opt(0).unwrap(), offset] {
                    let at = at.with_timezone(&written);
                    assert_eq!(
                        local_date(at, offset),
                        local_date_by_chrono(at, offset),
                        "{at:?} at {offset}"
                    );
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Any instant chrono holds, a leap second included, written at
        /// any offset, at any other offset.
        #[test]
        fn prop_the_local_date_is_chronos(
            secs in DateTime::<chrono::Utc>::MIN_UTC.timestamp()..=DateTime::<chrono::Utc>::MAX_UTC.timestamp(),
            near in -200_000_i64..200_000,
            nanos in 0_u32..1_000_000_000,
            leap in any::<bool>(),
            written in -86_399_i32..86_400,
            offset in -86_399_i32..86_400,
            near_now in any::<bool>(),
        ) {
            let secs = if near_now { 1_764_000_000 + near * 977 } else { secs };
            // A leap second: chrono writes it as the 59th second's nanoseconds past 10⁹.
            let (secs, nanos) = if leap { (secs - secs.rem_euclid(60) + 59, nanos + 1_000_000_000) } else { (secs, nanos) };
            let (written, offset) = (FixedOffset::east_opt(written).unwrap(), FixedOffset::east_opt(offset).unwrap());
            if let Some(at) = DateTime::from_timestamp(secs, nanos) {
                let at = at.with_timezone(&written);
                prop_assert_eq!(local_date(at, offset), local_date_by_chrono(at, offset));
            }
        }
    }

    #[test]
    fn day_numbers_round_trip_around_the_epoch_and_leap_days() {
        for days in -800_000..800_000 {
            let c = Civil::from_days(days);
            let back = days_from_civil(i64::from(c.year), i64::from(c.month), i64::from(c.day));
            assert_eq!(back, days, "{c:?}");
        }
        assert_eq!(
            Civil::from_days(0),
            Civil {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        let leap = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let days = leap.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap());
        assert_eq!(Civil::from_days(days.num_days()), Civil::of(leap));
    }

    #[test]
    fn day_numbers_agree_with_chrono_across_the_window() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let window = WINDOW_YEARS * 366;
        for days in (-window..window).step_by(97).chain(-1_000..1_000) {
            let chrono = epoch + chrono::TimeDelta::try_days(days).unwrap();
            let civil = Civil::from_days(days);
            assert_eq!(civil, Civil::of(chrono), "day {days}");
            assert_eq!(civil.day_number(), days);
            assert_eq!(civil.succ(), Civil::of(chrono.succ_opt().unwrap()));
            assert_eq!(civil.pred(), Civil::of(chrono.pred_opt().unwrap()));
        }
    }

    #[test]
    fn periods_end_where_chrono_ends_them() {
        let starts = [
            "2026-01-31T10:00:00+08:00",
            "2024-02-29T00:00:00+08:00",
            "2025-12-31T23:59:59.999999999-05:00",
            "1969-12-31T23:00:00-01:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59+14:00",
        ];
        for start in starts {
            let at = instant(start);
            let huge = Period::new(NonZeroU32::new(4_000_000_000).unwrap(), PeriodUnit::Years);
            let long = Period::new(NonZeroU32::new(40_000).unwrap(), PeriodUnit::Years);
            let texts = ["1d", "7d", "2w", "1m", "6m", "13m", "1y", "3y", "100y"];
            let periods = texts.iter().map(|t| t.parse::<Period>().unwrap());
            for period in periods.chain([huge, long]) {
                let text = period;
                let ours = Moment::of(at).after(period);
                let chrono = period.after(at).map(Moment::of);
                // Every field, the UTC date and second of the day included.
                assert_eq!(
                    format!("{ours:?}"),
                    format!("{chrono:?}"),
                    "{text} after {start}"
                );
            }
        }
    }

    #[test]
    fn far_instants_are_chrono_s_answer() {
        let far = chrono::Utc
            .with_ymd_and_hms(200_000, 6, 30, 0, 0, 0)
            .unwrap();
        let at = far.fixed_offset();
        let period = Period::new(NonZeroU32::new(1_000).unwrap(), PeriodUnit::Years);
        let (ours, chrono) = (
            Moment::of(at).after(period),
            period.after(at).map(Moment::of),
        );
        assert_eq!(format!("{ours:?}"), format!("{chrono:?}"));
        let max = DateTime::<chrono::Utc>::MAX_UTC.fixed_offset();
        assert_eq!(Moment::of(max).after(period), None);
        assert_eq!(
            Moment::of(max).naive_local_date(FixedOffset::east_opt(0).unwrap()),
            max.date_naive()
        );
    }

    proptest! {
        #[test]
        fn integer_periods_agree_with_chrono(
            secs in -62_000_000_000_i64..253_000_000_000,
            nanos in 0_u32..1_000_000_000,
            offset in -86_399_i32..86_400,
            amount in 1_u32..5_000,
            unit in 0_u8..4,
        ) {
            let offset = FixedOffset::east_opt(offset).unwrap();
            let at = DateTime::from_timestamp(secs, nanos).unwrap().with_timezone(&offset);
            let unit = [PeriodUnit::Days, PeriodUnit::Weeks, PeriodUnit::Months, PeriodUnit::Years]
                [usize::from(unit)];
            let period = Period::new(NonZeroU32::new(amount).unwrap(), unit);
            let (ours, chrono) = (Moment::of(at).after(period), period.after(at).map(Moment::of));
            prop_assert_eq!(format!("{ours:?}"), format!("{chrono:?}"));
        }

        #[test]
        fn local_dates_agree_with_chrono(
            secs in -62_000_000_000_i64..253_000_000_000,
            offset in -86_399_i32..86_400,
        ) {
            let at = DateTime::from_timestamp(secs, 0).unwrap().fixed_offset();
            let zone = FixedOffset::east_opt(offset).unwrap();
            let chrono = local_date(at, zone);
            prop_assert_eq!(Moment::of(at).local_date(offset), Civil::of(chrono));
            prop_assert_eq!(Moment::of(at).naive_local_date(zone), chrono);
        }

        /// The UTC date-time to the second, built from the date and second
        /// kept beside the instant, is chrono's from the timestamp: for
        /// instants as written and a period after them.
        #[test]
        fn the_utc_second_is_chronos(
            secs in -62_000_000_000_i64..253_000_000_000,
            offset in -86_399_i32..86_400,
            days in 1_u32..2_000,
        ) {
            let zone = FixedOffset::east_opt(offset).unwrap();
            let at = DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&zone);
            let moment = Moment::of(at);
            let chrono = |m: Moment| DateTime::from_timestamp(m.utc_seconds(), 0).map(|u| u.naive_utc());
            prop_assert_eq!(moment.naive_utc_second(), chrono(moment));
            let period = Period::new(std::num::NonZeroU32::new(days).unwrap(), PeriodUnit::Days);
            if let Some(later) = moment.after(period) {
                prop_assert_eq!(later.naive_utc_second(), chrono(later));
            }
        }

        #[test]
        fn moments_order_as_instants(a in -1_000_000_i64..1_000_000, b in -1_000_000_i64..1_000_000) {
            let base = instant("2026-01-01T00:00:00+08:00");
            let (x, y) = (base + Duration::seconds(a), base + Duration::seconds(b));
            prop_assert_eq!(Moment::of(x).cmp(&Moment::of(y)), x.cmp(&y));
        }
    }
}
