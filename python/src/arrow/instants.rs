//! Instants and dates read from a typed cell, without text in between when
//! the column is a timestamp or a date, and with a strict RFC 3339 reader
//! when it is text.
//!
//! Each function gives exactly the value the wire format's own reading
//! gives the same cell (the generic path formats a timestamp as RFC 3339 in
//! its zone and parses the text with chrono), or `None` when it is not sure
//! to: the row is then read by the generic path, whose error message is the
//! only one. So the strict reader takes only the plain form
//! (`2026-11-28T10:00:00+08:00`, `...00.5Z`), a subset of what chrono reads,
//! and leaves every other spelling to chrono through the generic path.

use arrow_array::temporal_conversions::as_datetime_with_timezone;
use arrow_array::timezone::Tz;
use arrow_array::types::TimestampMicrosecondType;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone};

use super::row::Cell;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The date of a cell: a `date32`, or `YYYY-MM-DD` text.
pub(crate) fn date(cell: Cell<'_>) -> Option<NaiveDate> {
    match cell {
        Cell::Date(days) => {
            let date = NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_FROM_CE)?)?;
            // The generic path writes other years in chrono's longer form.
            (0..=9999).contains(&date.year()).then_some(date)
        }
        Cell::Text(text) => match text.as_bytes() {
            [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] => NaiveDate::from_ymd_opt(
                i32::try_from(number(&[*y0, *y1, *y2, *y3])?).ok()?,
                number(&[*m0, *m1])?,
                number(&[*d0, *d1])?,
            ),
            _ => None,
        },
        _ => None,
    }
}

/// The instant of a cell: a timestamp, or RFC 3339 text in the plain form.
pub(crate) fn instant(cell: Cell<'_>) -> Option<DateTime<FixedOffset>> {
    match cell {
        Cell::Text(text) => rfc3339(text),
        Cell::Micros(micros, tz) => timestamp(micros, tz),
        _ => None,
    }
}

/// An instant in microseconds shown in `tz`, as the generic path reads it:
/// the zone's offset at that instant, when the offset is whole minutes and
/// the year has four digits (else the generic path's text differs).
pub(crate) fn timestamp(micros: i64, tz: Tz) -> Option<DateTime<FixedOffset>> {
    let at = as_datetime_with_timezone::<TimestampMicrosecondType>(micros, tz)?.fixed_offset();
    let plain =
        at.offset().local_minus_utc() % 60 == 0 && (0..=9999).contains(&at.naive_local().year());
    plain.then_some(at)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or `±HH:MM`: the plain form
/// of RFC 3339, which chrono reads to the same instant and offset.
///
/// The commonest shapes (whole seconds, `Z` or `±HH:MM`) are read by
/// [`whole_seconds`], the rest by [`strict`].
#[inline]
pub(crate) fn rfc3339(text: &str) -> Option<DateTime<FixedOffset>> {
    whole_seconds(text).or_else(|| strict(text))
}

/// One ASCII digit's value.
#[inline]
fn digit(b: u8) -> Option<u32> {
    let value = b.wrapping_sub(b'0');
    (value < 10).then_some(u32::from(value))
}

/// Two ASCII digits' value.
#[inline]
fn two(tens: u8, units: u8) -> Option<u32> {
    Some(digit(tens)? * 10 + digit(units)?)
}

/// `YYYY-MM-DDTHH:MM:SS` then `Z` or `±HH:MM` (what a sweep's instants
/// mostly are: `datetime.isoformat()` of whole seconds, a log's `Z`), read
/// with integers: the instant in UTC from the local time less the offset,
/// the day moved by one when that crosses midnight. `None` for anything
/// else, out-of-range fields included (a leap second, a 24th hour, the
/// 30th of February, a `+24:00` offset), which [`strict`] then reads or
/// refuses as it always did: a test compares the two on many texts.
#[inline]
fn whole_seconds(text: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    let (head, zone) = bytes.split_at_checked(19)?;
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        mo0,
        mo1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        mi0,
        mi1,
        b':',
        s0,
        s1,
    ] = *head
    else {
        return None;
    };
    let offset = match *zone {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
            let (hours, minutes) = (two(h0, h1)?, two(m0, m1)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            if sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let year = two(y0, y1)? * 100 + two(y2, y3)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, two(mo0, mo1)?, two(d0, d1)?)?;
    let (hour, minute, second) = (two(h0, h1)?, two(mi0, mi1)?, two(s0, s1)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let local = i32::try_from(hour * 3600 + minute * 60 + second).ok()?;
    // The UTC time of day, and its date: the local date, or a day either side.
    let utc = local - offset;
    let (date, utc) = if utc < 0 {
        (date.pred_opt()?, utc + 86_400)
    } else if utc >= 86_400 {
        (date.succ_opt()?, utc - 86_400)
    } else {
        (date, utc)
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(utc).ok()?, 0)?;
    Some(DateTime::from_naive_utc_and_offset(
        date.and_time(time),
        FixedOffset::east_opt(offset)?,
    ))
}

/// [`rfc3339`]'s every shape, fractions of a second included, through
/// chrono's dates and times.
pub(crate) fn strict(text: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    let (head, rest) = bytes.split_at_checked(19)?;
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        mo0,
        mo1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        mi0,
        mi1,
        b':',
        s0,
        s1,
    ] = head
    else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(&[*y0, *y1, *y2, *y3])?).ok()?,
        number(&[*mo0, *mo1])?,
        number(&[*d0, *d1])?,
    )?;
    let (nanos, zone) = match rest.split_first() {
        Some((b'.', after)) => {
            let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            let (fraction, zone) = after.split_at_checked(digits)?;
            let scale = 10u32.pow(u32::try_from(9 - digits).ok()?);
            (number(fraction)?.checked_mul(scale)?, zone)
        }
        _ => (0, rest),
    };
    let seconds = number(&[*s0, *s1])?;
    // A leap second (`:60`) is chrono's to read.
    if seconds > 59 {
        return None;
    }
    let time =
        NaiveTime::from_hms_nano_opt(number(&[*h0, *h1])?, number(&[*mi0, *mi1])?, seconds, nanos)?;
    let offset = match zone {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
            let (hours, minutes) = (number(&[*h0, *h1])?, number(&[*m0, *m1])?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    FixedOffset::east_opt(offset)?
        .from_local_datetime(&date.and_time(time))
        .single()
}

/// The number an ASCII decimal run spells, if it is one.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u32::from(b - b'0')))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the strict reader takes, chrono reads to the same instant
    /// and offset; what it leaves, it leaves to chrono.
    #[test]
    fn the_strict_reader_agrees_with_chrono() {
        let texts = [
            "2026-11-28T10:00:00+08:00",
            "2026-11-28T02:00:00Z",
            "2026-11-28T02:00:00.5Z",
            "2026-11-28T02:00:00.123456789-05:30",
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59-23:59",
            "2026-11-28T02:00:00-00:00",
            "2024-02-29T12:00:00+01:00",
        ];
        for text in texts {
            let want = text.parse::<DateTime<FixedOffset>>().unwrap();
            let got = rfc3339(text).unwrap();
            assert_eq!(got, want, "{text}");
            assert_eq!(got.offset(), want.offset(), "{text}");
        }
        let left = [
            "2026-11-28 10:00:00+08:00",
            "2026-11-28t10:00:00+08:00",
            "2026-11-28T10:00:00z",
            "2026-11-28T10:00:00",
            "2026-11-28T10:00:60Z",
            "2026-11-28T10:00:00.Z",
            "2026-11-28T10:00:00.1234567891Z",
            "2026-11-28T10:00:00+0800",
            "2026-11-28T10:00:00+24:00",
            "2025-02-29T10:00:00Z",
            "2026-11-28T24:00:00Z",
            "+2026-11-28T10:00:00Z",
            "noon",
            "",
        ];
        for text in left {
            assert_eq!(rfc3339(text), None, "{text}");
        }
    }

    /// The whole-second reader reads exactly what the strict reader reads
    /// (instant and offset), or leaves the text to it: random texts of the
    /// common shapes, every field drawn over and past its range (months 0
    /// to 19, days 0 to 39, hours to 29, seconds to 69, offsets to 29:69),
    /// leap years and not, the days either side of midnight in UTC, and
    /// texts with a byte changed, cut, or a fraction added.
    #[test]
    fn prop_the_whole_second_reader_is_the_strict_one() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let (mut taken, mut left) = (0, 0);
        for i in 0..400_000 {
            let year = match next(4) {
                0 => [0, 1, 1900, 2000, 2024, 2100, 9999][usize::try_from(next(7)).unwrap()],
                _ => 1600 + next(800),
            };
            let (month, day) = match next(3) {
                0 => (next(20), next(40)),
                _ => (1 + next(12), 1 + next(31)),
            };
            let (hour, minute, second) = match next(3) {
                0 => (next(30), next(70), next(70)),
                _ => (next(24), next(60), next(60)),
            };
            let zone = match next(4) {
                0 => "Z".to_owned(),
                1 => format!("+{:02}:{:02}", next(30), next(70)),
                _ => format!(
                    "{}{:02}:{:02}",
                    if next(2) == 0 { '+' } else { '-' },
                    next(24),
                    [0, 30, 45][usize::try_from(next(3)).unwrap()]
                ),
            };
            let mut text =
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{zone}");
            match i % 10 {
                // A byte replaced by another (any ASCII byte).
                7 => {
                    let at = usize::try_from(next(text.len() as u64)).unwrap();
                    let mut bytes = text.into_bytes();
                    bytes[at] = u8::try_from(32 + next(95)).unwrap();
                    text = String::from_utf8(bytes).unwrap();
                }
                // Cut short.
                8 => text.truncate(usize::try_from(next(text.len() as u64)).unwrap()),
                // A fraction of a second: the strict reader's alone.
                9 => text.insert_str(19, &format!(".{}", next(1000))),
                _ => {}
            }
            let strict = strict(&text);
            match whole_seconds(&text) {
                Some(fast) => {
                    taken += 1;
                    let want = strict.unwrap_or_else(|| panic!("{text}: strict refuses"));
                    assert_eq!(fast, want, "{text}");
                    assert_eq!(fast.offset(), want.offset(), "{text}");
                    // And chrono's own reading.
                    let chrono = text.parse::<DateTime<FixedOffset>>().unwrap();
                    assert_eq!((fast, fast.offset()), (chrono, chrono.offset()), "{text}");
                }
                None => {
                    left += 1;
                    // Left to the strict reader only where it is not plain.
                    let plain = text.len() >= 20 && text.as_bytes()[19] != b'.';
                    assert!(!(plain && strict.is_some()), "{text}");
                }
            }
            assert_eq!(rfc3339(&text), strict, "{text}");
        }
        assert!(
            taken > 100_000 && left > 100_000,
            "{taken} taken, {left} left"
        );
    }

    #[test]
    fn dates_and_timestamps_read_as_the_generic_text_would() {
        assert_eq!(date(Cell::Date(0)), NaiveDate::from_ymd_opt(1970, 1, 1));
        assert_eq!(date(Cell::Date(-1)), NaiveDate::from_ymd_opt(1969, 12, 31));
        assert_eq!(
            date(Cell::Text("1990-01-01")),
            NaiveDate::from_ymd_opt(1990, 1, 1)
        );
        assert_eq!(date(Cell::Text("1990-02-30")), None);
        assert_eq!(date(Cell::Text("1990-1-01")), None);
        assert_eq!(date(Cell::Date(i32::MAX)), None);
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let at = timestamp(1_795_831_200_000_000, tz).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-28T10:00:00+08:00");
        // Before 1901 Shanghai kept local mean time: +08:05:43, not minutes.
        assert_eq!(timestamp(-3_000_000_000_000_000, tz), None);
    }
}
