//! The 18-digit resident identity number of the People's Republic of China
//! (GB 11643-1999), parsed rather than validated after the fact.
//!
//! A number has four parts:
//!
//! | positions | part                                          |
//! |-----------|-----------------------------------------------|
//! | 1–6       | address code (region)                         |
//! | 7–14      | birth date, `YYYYMMDD`                        |
//! | 15–17     | sequence code (its last digit encodes sex)    |
//! | 18        | ISO 7064 MOD 11-2 check character, `0`–`9`/`X` |
//!
//! [`ResidentId`] keeps the address code, the birth date and the check
//! character. It never keeps the sequence code: the engine has no use for it,
//! and not keeping it is the simplest way never to leak it (data
//! minimisation).

use core::fmt::{self, Write as _};
use core::str::FromStr;

use chrono::{Datelike as _, NaiveDate};

use crate::moment::Civil;

/// The number of characters in a resident identity number.
const LENGTH: usize = 18;

/// The earliest birth year accepted.
const EARLIEST_YEAR: i32 = 1900;

/// The ISO 7064 MOD 11-2 weights of positions 1 to 17: `2^(18 - i) mod 11`.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// A parsed 18-digit resident identity number (GB 11643-1999).
///
/// It keeps only what the engine needs: the 6-digit address code, the birth
/// date and the check character. It never stores or exposes the sequence
/// code (positions 15–17), whose last digit encodes sex. As a consequence,
/// two numbers that differ only in their sequence codes and happen to share a
/// check character compare equal.
///
/// A value of this type always has a real Gregorian birth date no earlier
/// than 1900 and a correct check character. Whether the birth date is after
/// the time of processing is not checked here: use
/// [`ResidentId::is_born_after`] with the time of the request.
///
/// # Example
///
/// ```
/// use lawful::subject::ResidentId;
///
/// let id: ResidentId = "11010519491231002X".parse()?;
/// assert_eq!(id.region_code(), 110105);
/// assert_eq!(id.birth_date(), "1949-12-31".parse()?);
/// assert_eq!(id.to_string(), "11010519491231***X");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResidentId {
    /// The address code, positions 1–6.
    region: u32,
    /// The birth date, positions 7–14.
    birth_date: NaiveDate,
    /// The same date as integers, for `decide()`.
    birth: Civil,
    /// The check character, position 18, as a value in `0..=10` (10 is `X`).
    check: u8,
}

impl ResidentId {
    /// Parses an 18-character resident identity number.
    ///
    /// Surrounding whitespace is ignored and a lower-case trailing `x` is
    /// taken as `X`.
    ///
    /// # Errors
    ///
    /// Returns an error, checking in this order, when the input (once
    /// trimmed) does not have 18 characters, when one of its first 17
    /// characters is not an ASCII digit, when its last character is neither a
    /// digit nor `X`, when positions 7–14 are not a calendar date, when that
    /// date is before 1900, or when the check character is wrong. See
    /// [`ResidentIdErrorKind`].
    ///
    /// # Example
    ///
    /// ```
    /// use lawful::subject::{ResidentId, ResidentIdErrorKind};
    ///
    /// let id = ResidentId::parse(" 11010519491231002x ")?;
    /// assert_eq!(id.birth_date(), "1949-12-31".parse()?);
    ///
    /// let err = ResidentId::parse("110105201111280012").unwrap_err();
    /// assert_eq!(
    ///     err.kind(),
    ///     &ResidentIdErrorKind::CheckMismatch { expected: '1', found: '2' },
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(input: &str) -> Result<ResidentId, ResidentIdError> {
        let input = input.trim();

        let count = input.chars().count();
        if count != LENGTH {
            return Err(ResidentIdError::wrong_length(count));
        }
        for (position, c) in (1..).zip(input.chars()) {
            if position < LENGTH {
                if !c.is_ascii_digit() {
                    return Err(ResidentIdError::not_a_digit(position, c));
                }
            } else if !(c.is_ascii_digit() || c == 'X' || c == 'x') {
                return Err(ResidentIdError::bad_check_character(c));
            }
        }
        // All 18 characters are ASCII, so there are exactly 18 bytes.
        let Ok(bytes) = <[u8; LENGTH]>::try_from(input.as_bytes()) else {
            return Err(ResidentIdError::wrong_length(count));
        };
        let [first17 @ .., last] = bytes;
        let found = last.to_ascii_uppercase();

        let [r1, r2, r3, r4, r5, r6, y1, y2, y3, y4, m1, m2, d1, d2, ..] = first17;
        let date_digits = [y1, y2, y3, y4, m1, m2, d1, d2];
        let birth_date = i32::try_from(decimal(&[y1, y2, y3, y4]))
            .ok()
            .and_then(|year| NaiveDate::from_ymd_opt(year, decimal(&[m1, m2]), decimal(&[d1, d2])))
            .ok_or_else(|| ResidentIdError::impossible_date(date_digits))?;
        if birth_date.year() < EARLIEST_YEAR {
            return Err(ResidentIdError::before_earliest_year(
                birth_date.year(),
                date_digits,
            ));
        }

        let expected = check_character(&first17);
        if found != expected {
            return Err(ResidentIdError::check_mismatch(
                char::from(expected),
                char::from(found),
            ));
        }

        Ok(ResidentId {
            region: decimal(&[r1, r2, r3, r4, r5, r6]),
            birth_date,
            birth: Civil::of(birth_date),
            check: check_value(found),
        })
    }

    /// The birth date as integers.
    pub(crate) fn birth(&self) -> Civil {
        self.birth
    }

    /// Returns the birth date, positions 7–14.
    ///
    /// # Example
    ///
    /// ```
    /// use lawful::subject::ResidentId;
    ///
    /// let id = ResidentId::parse("110105201202290020")?;
    /// assert_eq!(id.birth_date(), "2012-02-29".parse()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// Returns the 6-digit address code, positions 1–6, as a number.
    ///
    /// # Example
    ///
    /// ```
    /// use lawful::subject::ResidentId;
    ///
    /// let id = ResidentId::parse("110105201202290020")?;
    /// assert_eq!(id.region_code(), 110105);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn region_code(&self) -> u32 {
        self.region
    }

    /// Returns whether the birth date is strictly after `date`.
    ///
    /// The engine uses this to reject a number whose holder is not yet born
    /// at the time of the request.
    ///
    /// # Example
    ///
    /// ```
    /// use lawful::subject::ResidentId;
    ///
    /// let id = ResidentId::parse("110105201605100033")?;
    /// assert!(id.is_born_after("2016-05-09".parse()?));
    /// assert!(!id.is_born_after("2016-05-10".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_born_after(&self, date: NaiveDate) -> bool {
        self.birth_date > date
    }

    /// Returns the check character, `b'0'..=b'9'` or `b'X'`.
    fn check_byte(self) -> u8 {
        match self.check {
            digit @ 0..=9 => b'0' + digit,
            _ => b'X',
        }
    }
}

impl FromStr for ResidentId {
    type Err = ResidentIdError;

    /// Parses a resident identity number, like [`ResidentId::parse`].
    ///
    /// # Errors
    ///
    /// See [`ResidentId::parse`].
    fn from_str(input: &str) -> Result<ResidentId, ResidentIdError> {
        ResidentId::parse(input)
    }
}

impl TryFrom<&str> for ResidentId {
    type Error = ResidentIdError;

    /// Parses a resident identity number, like [`ResidentId::parse`].
    ///
    /// # Errors
    ///
    /// See [`ResidentId::parse`].
    fn try_from(input: &str) -> Result<ResidentId, ResidentIdError> {
        ResidentId::parse(input)
    }
}

/// Shows the number masked: the address code, the birth date, `***` in place
/// of the sequence code, and the check character.
///
/// The sequence code is not kept, so it cannot be shown.
///
/// # Example
///
/// ```
/// use lawful::subject::ResidentId;
///
/// let id = ResidentId::parse("11010519491231002X")?;
/// assert_eq!(id.to_string(), "11010519491231***X");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:06}{:04}{:02}{:02}***{}",
            self.region,
            self.birth_date.year(),
            self.birth_date.month(),
            self.birth_date.day(),
            char::from(self.check_byte()),
        )
    }
}

/// An error parsing a [`ResidentId`].
///
/// The error never repeats the whole input: at most the offending character
/// or the eight digits of the birth date.
///
/// # Example
///
/// ```
/// use lawful::subject::{ResidentId, ResidentIdErrorKind};
///
/// let err = ResidentId::parse("1101051949123100").unwrap_err();
/// assert_eq!(err.kind(), &ResidentIdErrorKind::WrongLength { found: 16 });
/// assert_eq!(err.to_string(), "resident id must have 18 characters, found 16");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidentIdError {
    /// What went wrong.
    kind: ResidentIdErrorKind,
    /// The eight ASCII digits of the birth date, for the message of
    /// [`ResidentIdErrorKind::BeforeEarliestYear`] (whose public field is
    /// only the year).
    birth_digits: Option<[u8; 8]>,
}

impl ResidentIdError {
    /// Returns what went wrong.
    ///
    /// # Example
    ///
    /// ```
    /// use lawful::subject::{ResidentId, ResidentIdErrorKind};
    ///
    /// let err = ResidentId::parse("11010518991231002X").unwrap_err();
    /// assert_eq!(err.kind(), &ResidentIdErrorKind::BeforeEarliestYear { year: 1899 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> &ResidentIdErrorKind {
        &self.kind
    }

    #[cold]
    fn wrong_length(found: usize) -> ResidentIdError {
        ResidentIdError {
            kind: ResidentIdErrorKind::WrongLength { found },
            birth_digits: None,
        }
    }

    #[cold]
    fn not_a_digit(position: usize, found: char) -> ResidentIdError {
        ResidentIdError {
            kind: ResidentIdErrorKind::NotADigit { position, found },
            birth_digits: None,
        }
    }

    #[cold]
    fn bad_check_character(found: char) -> ResidentIdError {
        ResidentIdError {
            kind: ResidentIdErrorKind::BadCheckCharacter { found },
            birth_digits: None,
        }
    }

    #[cold]
    fn impossible_date(digits: [u8; 8]) -> ResidentIdError {
        ResidentIdError {
            kind: ResidentIdErrorKind::ImpossibleDate { digits },
            birth_digits: None,
        }
    }

    #[cold]
    fn before_earliest_year(year: i32, digits: [u8; 8]) -> ResidentIdError {
        ResidentIdError {
            kind: ResidentIdErrorKind::BeforeEarliestYear { year },
            birth_digits: Some(digits),
        }
    }

    #[cold]
    fn check_mismatch(expected: char, found: char) -> ResidentIdError {
        ResidentIdError {
            kind: ResidentIdErrorKind::CheckMismatch { expected, found },
            birth_digits: None,
        }
    }
}

impl fmt::Display for ResidentIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ResidentIdErrorKind::WrongLength { found } => {
                write!(
                    f,
                    "resident id must have {LENGTH} characters, found {found}"
                )
            }
            ResidentIdErrorKind::NotADigit { position, found } => write!(
                f,
                "resident id character {position} must be a digit, found `{found}`"
            ),
            ResidentIdErrorKind::BadCheckCharacter { found } => write!(
                f,
                "resident id check character must be a digit or `X`, found `{found}`"
            ),
            ResidentIdErrorKind::ImpossibleDate { digits } => {
                f.write_str("resident id birth date `")?;
                write_ascii(f, &digits)?;
                f.write_str("` is not a calendar date")
            }
            ResidentIdErrorKind::BeforeEarliestYear { year } => match self.birth_digits {
                Some(digits) => {
                    f.write_str("resident id birth date `")?;
                    write_ascii(f, &digits)?;
                    write!(f, "` is before {EARLIEST_YEAR}")
                }
                None => write!(
                    f,
                    "resident id birth year `{year:04}` is before {EARLIEST_YEAR}"
                ),
            },
            ResidentIdErrorKind::CheckMismatch { expected, found } => write!(
                f,
                "resident id check character mismatch: expected `{expected}`, found `{found}`"
            ),
        }
    }
}

impl std::error::Error for ResidentIdError {}

/// What went wrong parsing a [`ResidentId`], in the order the checks are made.
///
/// # Example
///
/// ```
/// use lawful::subject::{ResidentId, ResidentIdErrorKind};
///
/// let err = ResidentId::parse("11010520110231002X").unwrap_err();
/// assert!(matches!(err.kind(), ResidentIdErrorKind::ImpossibleDate { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResidentIdErrorKind {
    /// The trimmed input does not have 18 characters.
    WrongLength {
        /// The number of characters (not bytes) found.
        found: usize,
    },
    /// One of the first 17 characters is not an ASCII digit.
    NotADigit {
        /// The 1-based position of the character.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The 18th character is neither an ASCII digit nor `X`.
    BadCheckCharacter {
        /// The character found there.
        found: char,
    },
    /// Positions 7–14 are not a Gregorian calendar date `YYYYMMDD`.
    ImpossibleDate {
        /// The eight ASCII digits of positions 7–14.
        digits: [u8; 8],
    },
    /// The birth date is before the year 1900.
    BeforeEarliestYear {
        /// The birth year.
        year: i32,
    },
    /// The check character is not the ISO 7064 MOD 11-2 check of the first
    /// 17 digits.
    CheckMismatch {
        /// The check character the first 17 digits call for.
        expected: char,
        /// The check character found.
        found: char,
    },
}

/// Returns the ISO 7064 MOD 11-2 check character of the first 17 digits of a
/// resident identity number.
///
/// The digits are ASCII bytes `b'0'..=b'9'`; the result is `b'0'..=b'9'` or
/// `b'X'`. Other bytes give a meaningless result, but never a panic.
pub(crate) fn check_character(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit.wrapping_sub(b'0')) * weight)
        .sum();
    // c = (12 - r) mod 11, written out as the table of the standard.
    match sum % 11 {
        0 => b'1',
        1 => b'0',
        2 => b'X',
        3 => b'9',
        4 => b'8',
        5 => b'7',
        6 => b'6',
        7 => b'5',
        8 => b'4',
        9 => b'3',
        _ => b'2',
    }
}

/// Returns the value of a check character: `b'0'..=b'9'` as 0 to 9, anything
/// else (that is, `b'X'`) as 10.
fn check_value(check: u8) -> u8 {
    if check.is_ascii_digit() {
        check - b'0'
    } else {
        10
    }
}

/// Returns the number written by ASCII decimal digits.
fn decimal(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |acc, &digit| {
        acc.wrapping_mul(10)
            .wrapping_add(u32::from(digit.wrapping_sub(b'0')))
    })
}

/// Writes ASCII bytes as characters.
fn write_ascii(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|&b| f.write_char(char::from(b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn kind(input: &str) -> ResidentIdErrorKind {
        ResidentId::parse(input).unwrap_err().kind().clone()
    }

    fn message(input: &str) -> String {
        ResidentId::parse(input).unwrap_err().to_string()
    }

    /// Builds a valid 18-character number from its parts.
    fn build(region: u32, birth: NaiveDate, sequence: u32) -> String {
        let first17 = format!(
            "{region:06}{:04}{:02}{:02}{sequence:03}",
            birth.year(),
            birth.month(),
            birth.day()
        );
        let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
        let check = char::from(check_character(&bytes));
        format!("{first17}{check}")
    }

    #[test]
    fn weights_are_powers_of_two_mod_11() {
        for (i, weight) in (1..=17u32).zip(WEIGHTS) {
            assert_eq!(weight, 2u32.pow(18 - i) % 11, "weight of position {i}");
        }
    }

    #[test]
    fn the_worked_example_of_the_standard_parses() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.region_code(), 110_105);
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.to_string(), "11010519491231***X");
    }

    #[test]
    fn a_lower_case_x_is_accepted() {
        let lower = ResidentId::parse("11010519491231002x").unwrap();
        assert_eq!(lower, ResidentId::parse("11010519491231002X").unwrap());
        assert_eq!(lower.to_string(), "11010519491231***X");
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        let id = ResidentId::parse("\t 11010519491231002x\n").unwrap();
        assert_eq!(id.birth_date(), date(1949, 12, 31));
    }

    #[test]
    fn valid_ids_parse_with_their_birth_dates() {
        let table = [
            ("110105199001010037", date(1990, 1, 1)),
            ("110105201111280011", date(2011, 11, 28)),
            ("110105201202290020", date(2012, 2, 29)),
            ("110105201605100033", date(2016, 5, 10)),
        ];
        for (input, birth) in table {
            let id = ResidentId::parse(input).unwrap();
            assert_eq!(id.birth_date(), birth, "{input}");
            assert_eq!(id.region_code(), 110_105, "{input}");
            assert_eq!(input.parse::<ResidentId>().unwrap(), id);
            assert_eq!(ResidentId::try_from(input).unwrap(), id);
        }
    }

    #[test]
    fn a_wrong_check_character_is_a_mismatch() {
        assert_eq!(
            kind("110105201111280012"),
            ResidentIdErrorKind::CheckMismatch {
                expected: '1',
                found: '2'
            }
        );
    }

    #[test]
    fn check_characters_for_all_eleven_remainders() {
        // (r, 17-digit prefix with S mod 11 == r, check character)
        let table: [(u32, &str, u8); 11] = [
            (0, "11010519491231001", b'1'),
            (1, "11010519491231007", b'0'),
            (2, "11010519491231002", b'X'),
            (3, "11010519491231008", b'9'),
            (4, "11010519491231003", b'8'),
            (5, "11010519491231009", b'7'),
            (6, "11010519491231004", b'6'),
            (7, "11010519491231018", b'5'),
            (8, "11010519491231005", b'4'),
            (9, "11010519491231000", b'3'),
            (10, "11010519491231006", b'2'),
        ];
        for (r, prefix, check) in table {
            let digits: [u8; 17] = prefix.as_bytes().try_into().unwrap();
            let sum: u32 = digits
                .iter()
                .zip(WEIGHTS)
                .map(|(&d, w)| u32::from(d - b'0') * w)
                .sum();
            assert_eq!(sum % 11, r, "remainder of {prefix}");
            assert_eq!(check_character(&digits), check, "check of {prefix}");
            assert_eq!(u32::from(check_value(check)), (12 - r) % 11);
            let id = format!("{prefix}{}", char::from(check));
            assert!(ResidentId::parse(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn is_born_after_compares_strictly() {
        let id = ResidentId::parse("110105201111280011").unwrap();
        assert!(id.is_born_after(date(2011, 11, 27)));
        assert!(!id.is_born_after(date(2011, 11, 28)));
        assert!(!id.is_born_after(date(2025, 11, 28)));
    }

    #[test]
    fn error_wrong_length() {
        assert_eq!(
            message("11010519491231002"),
            "resident id must have 18 characters, found 17"
        );
        assert_eq!(
            kind("11010519491231002X1"),
            ResidentIdErrorKind::WrongLength { found: 19 }
        );
        assert_eq!(kind(""), ResidentIdErrorKind::WrongLength { found: 0 });
        // Characters are counted, not bytes: 17 digits and a two-byte `é`.
        assert_eq!(
            kind("11010519491231002é"),
            ResidentIdErrorKind::BadCheckCharacter { found: 'é' }
        );
    }

    #[test]
    fn error_not_a_digit() {
        assert_eq!(
            message("1101a519491231002X"),
            "resident id character 5 must be a digit, found `a`"
        );
        assert_eq!(
            kind("X10105194912310020"),
            ResidentIdErrorKind::NotADigit {
                position: 1,
                found: 'X'
            }
        );
        assert_eq!(
            kind("11٠105194912310020"),
            ResidentIdErrorKind::NotADigit {
                position: 3,
                found: '٠'
            }
        );
    }

    #[test]
    fn error_bad_check_character() {
        assert_eq!(
            message("11010519491231002?"),
            "resident id check character must be a digit or `X`, found `?`"
        );
    }

    #[test]
    fn error_impossible_date() {
        assert_eq!(
            message("110105201102310011"),
            "resident id birth date `20110231` is not a calendar date"
        );
        assert_eq!(
            kind("110105201113010011"),
            ResidentIdErrorKind::ImpossibleDate {
                digits: *b"20111301"
            }
        );
        // 1900 is not a leap year: the date check comes before the year check.
        assert_eq!(
            kind("110105190002290011"),
            ResidentIdErrorKind::ImpossibleDate {
                digits: *b"19000229"
            }
        );
    }

    #[test]
    fn error_before_earliest_year() {
        assert_eq!(
            message("110105189912310011"),
            "resident id birth date `18991231` is before 1900"
        );
        assert_eq!(
            kind("110105000001010011"),
            ResidentIdErrorKind::BeforeEarliestYear { year: 0 }
        );
    }

    #[test]
    fn error_check_mismatch() {
        assert_eq!(
            message("110105201111280012"),
            "resident id check character mismatch: expected `1`, found `2`"
        );
        assert_eq!(
            message("11010519491231002x".replace('x', "0").as_str()),
            "resident id check character mismatch: expected `X`, found `0`"
        );
    }

    #[test]
    fn the_first_failure_wins() {
        // Bad length beats everything.
        assert!(matches!(
            kind("abc"),
            ResidentIdErrorKind::WrongLength { found: 3 }
        ));
        // A non-digit beats a bad check character and a bad date.
        assert!(matches!(
            kind("11010a20119999002?"),
            ResidentIdErrorKind::NotADigit { position: 6, .. }
        ));
        // A bad check character beats a bad date.
        assert!(matches!(
            kind("11010520119999002?"),
            ResidentIdErrorKind::BadCheckCharacter { found: '?' }
        ));
        // A bad date beats a check mismatch.
        assert!(matches!(
            kind("110105201199990020"),
            ResidentIdErrorKind::ImpossibleDate { .. }
        ));
    }

    #[test]
    fn errors_never_echo_the_whole_id() {
        for input in [
            "1101051949123100",
            "1101a519491231002X",
            "11010519491231002?",
            "110105201102310011",
            "110105189912310011",
            "110105201111280012",
        ] {
            let shown = format!("{} {:?}", message(input), kind(input));
            assert!(!shown.contains(input), "{shown}");
            assert!(!shown.contains(&input[..14]), "{shown}");
        }
    }

    /// A birth date from 1900-01-01 to 2100-12-31.
    fn birth_date() -> impl Strategy<Value = NaiveDate> {
        let first = date(1900, 1, 1).num_days_from_ce();
        let last = date(2100, 12, 31).num_days_from_ce();
        (first..=last).prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).unwrap())
    }

    proptest! {
        #[test]
        fn resident_id_roundtrips(
            region in 110_000u32..=659_999,
            birth in birth_date(),
            sequence in 0u32..=999,
        ) {
            let input = build(region, birth, sequence);
            let id = ResidentId::parse(&input).unwrap();
            prop_assert_eq!(id.region_code(), region);
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(ResidentId::parse(&id.to_string().replace("***", &input[14..17])).unwrap(), id);
        }

        #[test]
        fn any_single_digit_change_is_detected(
            region in 110_000u32..=659_999,
            birth in birth_date(),
            sequence in 0u32..=999,
            position in 0usize..18,
            replacement in 0usize..10,
        ) {
            let input = build(region, birth, sequence);
            let mut bytes = input.clone().into_bytes();
            let allowed: &[u8] = if position < 17 { b"0123456789" } else { b"0123456789X" };
            let original = allowed.iter().position(|&b| b == bytes[position]).unwrap();
            let new = allowed[(original + 1 + replacement % (allowed.len() - 1)) % allowed.len()];
            prop_assert_ne!(new, bytes[position]);
            bytes[position] = new;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted (from {})", changed, input);
        }

        #[test]
        fn display_never_shows_the_sequence(
            region in 110_000u32..=659_999,
            birth in birth_date(),
            sequence in 0u32..=999,
            other in 0u32..=999,
        ) {
            let input = build(region, birth, sequence);
            let id = ResidentId::parse(&input).unwrap();
            let shown = id.to_string();
            prop_assert_eq!(shown.len(), 18);
            prop_assert_eq!(&shown[..14], &input[..14]);
            prop_assert_eq!(&shown[14..17], "***");
            prop_assert_eq!(&shown[17..], &input[17..]);
            let debug = format!("{id:?}");
            prop_assert!(!debug.contains(&input));

            // Another sequence code with the same check character gives the
            // same value: nothing of the sequence is kept.
            let twin = (0..1000)
                .map(|i| (other + i) % 1000)
                .filter(|&s| s != sequence)
                .map(|s| build(region, birth, s))
                .find(|candidate| candidate.as_bytes()[17] == input.as_bytes()[17])
                .unwrap();
            let twin_id = ResidentId::parse(&twin).unwrap();
            prop_assert_eq!(twin_id, id);
            prop_assert_eq!(twin_id.to_string(), shown);
        }
    }
}
