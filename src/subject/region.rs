//! Region and jurisdiction codes (`CN`, `FR`, `SG`...), kept inline.

use std::fmt;

/// A short region code such as `CN`, `FR` or `EU`: one to eight ASCII
/// letters, digits or `-`, compared case-insensitively (stored upper-case).
///
/// It is `Copy` and allocation-free, so a [`Request`](crate::Request) can carry
/// one and the engine can compare it without string work.
///
/// # Example
///
/// ```
/// let sg: lawful::subject::RegionCode = "sg".parse()?;
/// assert_eq!(sg.as_str(), "SG");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode {
    bytes: [u8; 8],
    len: u8,
}

impl RegionCode {
    /// Parses a region code.
    ///
    /// # Errors
    ///
    /// When the code is empty, longer than eight characters, or has a
    /// character other than an ASCII letter, digit or `-`.
    pub fn new(code: &str) -> Result<RegionCode, RegionCodeError> {
        let code = code.trim();
        if code.is_empty() || code.len() > 8 {
            return Err(RegionCodeError::new(code));
        }
        let mut bytes = [0u8; 8];
        for (slot, byte) in bytes.iter_mut().zip(code.bytes()) {
            if !(byte.is_ascii_alphanumeric() || byte == b'-') {
                return Err(RegionCodeError::new(code));
            }
            *slot = byte.to_ascii_uppercase();
        }
        Ok(RegionCode {
            bytes,
            // INVARIANT: checked above that 1 <= len <= 8.
            len: u8::try_from(code.len()).unwrap_or(8),
        })
    }

    /// The code as one integer (its bytes, zero-padded): two codes are equal
    /// exactly when their keys are, so the engine compares codes without
    /// string work.
    pub(crate) const fn key(self) -> u64 {
        u64::from_le_bytes(self.bytes)
    }

    /// The code, upper-case.
    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or(&[]);
        // Only ASCII bytes are ever stored, so this cannot fail.
        std::str::from_utf8(bytes).unwrap_or("")
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RegionCode {
    type Err = RegionCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::new(s)
    }
}

impl serde::Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        RegionCode::new(&s).map_err(serde::de::Error::custom)
    }
}

/// The error for a malformed [`RegionCode`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionCodeError {
    found: Box<str>,
}

impl RegionCodeError {
    #[cold]
    fn new(found: &str) -> RegionCodeError {
        RegionCodeError {
            found: found.into(),
        }
    }
}

impl fmt::Display for RegionCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid region code `{}`: expected 1 to 8 ASCII letters, digits or `-`",
            self.found
        )
    }
}

impl std::error::Error for RegionCodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_compare_case_insensitively() {
        assert_eq!(
            RegionCode::new("cn").unwrap(),
            RegionCode::new("CN").unwrap()
        );
        assert_eq!(RegionCode::new(" eu ").unwrap().as_str(), "EU");
    }

    #[test]
    fn bad_region_codes_are_rejected() {
        assert_eq!(
            RegionCode::new("C N").unwrap_err().to_string(),
            "invalid region code `C N`: expected 1 to 8 ASCII letters, digits or `-`"
        );
        assert!(RegionCode::new("").is_err());
        assert!(RegionCode::new("ABCDEFGHI").is_err());
    }
}
