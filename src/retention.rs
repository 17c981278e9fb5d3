//! How long personal information may be kept: a period such as `180d` or
//! `3y`, or until an event such as the account's deregistration.
//!
//! Periods are calendar arithmetic (a month is a calendar month, clamped to
//! the month's end; a year is twelve of them), computed with checked
//! operations: an overflow is an absent date, never a panic.

use std::fmt;
use std::num::NonZeroU32;

use chrono::{DateTime, Days, FixedOffset, Months};

use crate::vocab::vocabulary;

/// The unit of a [`Period`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodUnit {
    /// Calendar days (`d`).
    Days,
    /// Weeks of seven days (`w`).
    Weeks,
    /// Calendar months (`m`).
    Months,
    /// Calendar years (`y`).
    Years,
}

/// A length of time written as a number and a unit: `180d`, `2w`, `6m`, `3y`.
///
/// # Example
///
/// ```
/// let p: lawful::policy::Period = "6m".parse()?;
/// assert_eq!(p.to_string(), "6m");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    amount: NonZeroU32,
    unit: PeriodUnit,
}

impl Period {
    /// A period of `amount` units.
    pub const fn new(amount: NonZeroU32, unit: PeriodUnit) -> Period {
        Period { amount, unit }
    }

    /// A period of whole days, if `days` is not zero.
    pub const fn days(days: u32) -> Option<Period> {
        match NonZeroU32::new(days) {
            Some(amount) => Some(Period::new(amount, PeriodUnit::Days)),
            None => None,
        }
    }

    /// The longest period text parses to, in years (`200y`, `2400m`,
    /// `10436w`, `73050d`): past it dates leave the calendar's range, and no
    /// law keeps data that long.
    pub const MAX_YEARS: u32 = 200;

    /// How many units.
    pub const fn amount(self) -> NonZeroU32 {
        self.amount
    }

    /// Which unit.
    pub const fn unit(self) -> PeriodUnit {
        self.unit
    }

    /// The instant `self` after `start`, in `start`'s own offset (so a month
    /// ends on the same local day of the month). `None` on overflow.
    pub fn after(self, start: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let n = self.amount.get();
        match self.unit {
            PeriodUnit::Days => start.checked_add_days(Days::new(u64::from(n))),
            PeriodUnit::Weeks => start.checked_add_days(Days::new(u64::from(n) * 7)),
            PeriodUnit::Months => start.checked_add_months(Months::new(n)),
            PeriodUnit::Years => start.checked_add_months(Months::new(n.checked_mul(12)?)),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            PeriodUnit::Days => 'd',
            PeriodUnit::Weeks => 'w',
            PeriodUnit::Months => 'm',
            PeriodUnit::Years => 'y',
        };
        write!(f, "{}{unit}", self.amount)
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let unit = match unit {
            "d" => PeriodUnit::Days,
            "w" => PeriodUnit::Weeks,
            "m" => PeriodUnit::Months,
            "y" => PeriodUnit::Years,
            _ => return Err(PeriodError::new(s)),
        };
        let amount = digits
            .parse::<u32>()
            .ok()
            .and_then(NonZeroU32::new)
            .ok_or_else(|| PeriodError::new(s))?;
        let longest = match unit {
            PeriodUnit::Days => 73_050,
            PeriodUnit::Weeks => 10_436,
            PeriodUnit::Months => 12 * Period::MAX_YEARS,
            PeriodUnit::Years => Period::MAX_YEARS,
        };
        if amount.get() > longest {
            return Err(PeriodError {
                found: s.into(),
                too_long: true,
            });
        }
        Ok(Period::new(amount, unit))
    }
}

/// The error for a malformed [`Period`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodError {
    found: Box<str>,
    too_long: bool,
}

impl PeriodError {
    #[cold]
    fn new(found: &str) -> PeriodError {
        PeriodError {
            found: found.into(),
            too_long: false,
        }
    }
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.too_long {
            return write!(
                f,
                "invalid duration `{}`: longer than {} years, the longest period accepted",
                self.found,
                Period::MAX_YEARS
            );
        }
        write!(
            f,
            "invalid duration `{}`: expected a positive number and a unit `d`, `w`, `m` or `y`",
            self.found
        )
    }
}

impl std::error::Error for PeriodError {}

vocabulary! {
    /// An event that ends a retention period instead of a fixed length.
    pub enum RetentionEvent as "retention event" {
        /// Until the subject's account is deregistered.
        Deregistration = "until_deregistration",
        /// Until the purpose of processing is achieved (the case is closed...).
        PurposeAchieved = "until_purpose_achieved",
        /// Until the subject withdraws consent.
        ConsentWithdrawn = "until_consent_withdrawn",
    }
}

/// How long a permit rule lets data be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Retention {
    /// A fixed period from collection.
    For(Period),
    /// Until an event.
    Until(RetentionEvent),
}

impl Retention {
    /// The period, if the retention is a fixed length.
    pub fn period(self) -> Option<Period> {
        match self {
            Retention::For(period) => Some(period),
            Retention::Until(_) => None,
        }
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::For(period) => period.fmt(f),
            Retention::Until(event) => event.fmt(f),
        }
    }
}

impl std::str::FromStr for Retention {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(event) = s.trim().parse::<RetentionEvent>() {
            return Ok(Retention::Until(event));
        }
        s.parse().map(Retention::For)
    }
}

vocabulary! {
    /// What happens to data when its retention ends.
    pub enum Disposal as "disposal" {
        /// Erase it.
        Delete = "delete",
        /// Erase it or anonymize it irreversibly (adults only; children's data is always deleted).
        DeleteOrAnonymize = "delete_or_anonymize",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn periods_parse_and_print() {
        for text in ["180d", "2w", "6m", "3y"] {
            assert_eq!(text.parse::<Period>().unwrap().to_string(), text);
        }
        assert_eq!(
            "18O d".parse::<Period>().unwrap_err().to_string(),
            "invalid duration `18O d`: expected a positive number and a unit `d`, `w`, `m` or `y`"
        );
        assert!("0d".parse::<Period>().is_err());
        assert!("d".parse::<Period>().is_err());
        assert!("12".parse::<Period>().is_err());
        assert!("99999999999d".parse::<Period>().is_err());
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        let p: Period = "1m".parse().unwrap();
        assert_eq!(
            p.after(at("2026-01-31T10:00:00+08:00")).unwrap(),
            at("2026-02-28T10:00:00+08:00")
        );
        let y: Period = "1y".parse().unwrap();
        assert_eq!(
            y.after(at("2024-02-29T00:00:00+08:00")).unwrap(),
            at("2025-02-28T00:00:00+08:00")
        );
    }

    #[test]
    fn retention_is_a_period_or_an_event() {
        assert_eq!(
            "until_deregistration".parse::<Retention>().unwrap(),
            Retention::Until(RetentionEvent::Deregistration)
        );
        assert_eq!(
            "3y".parse::<Retention>()
                .unwrap()
                .period()
                .unwrap()
                .to_string(),
            "3y"
        );
    }

    #[test]
    fn huge_periods_do_not_panic() {
        let p = Period::new(NonZeroU32::MAX, PeriodUnit::Years);
        assert_eq!(p.after(at("2026-01-01T00:00:00+08:00")), None);
    }
}
