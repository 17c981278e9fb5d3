//! The fixed vocabulary of the vocabulary as Rust enums, and the one macro that
//! gives each of them its wire name, its parser and its serde impls.
//!
//! Every enum here is a closed set: the strings are the contract with hosts,
//! policy authors and decision logs, so adding one is a product change.

use std::fmt;

/// The error for a word that is not in a closed vocabulary.
///
/// Its message names the vocabulary and the word; [`UnknownWord::expected`]
/// lists the valid words, for hints and did-you-mean suggestions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownWord {
    what: &'static str,
    found: Box<str>,
    expected: &'static [&'static str],
}

impl UnknownWord {
    #[cold]
    pub(crate) fn new(what: &'static str, found: &str, expected: &'static [&'static str]) -> Self {
        UnknownWord {
            what,
            found: found.into(),
            expected,
        }
    }

    /// What kind of word was expected (`action`, `basis`...).
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The word that was given.
    pub fn found(&self) -> &str {
        &self.found
    }

    /// Every valid word, in the vocabulary's order.
    pub fn expected(&self) -> &'static [&'static str] {
        self.expected
    }
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`", self.what, self.found)
    }
}

impl std::error::Error for UnknownWord {}

/// Defines a closed vocabulary enum: `ALL`, `as_str`, `index`, `FromStr`,
/// `Display` and serde as the `snake_case` wire string.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the vocabulary's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every wire name, in the vocabulary's order.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            /// The `snake_case` name used on the wire and in policy files.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The position of this value in [`Self::ALL`], for bit sets.
            #[allow(dead_code, reason = "not every vocabulary is kept in a bit set")]
            pub(crate) const fn index(self) -> u32 {
                self as u32
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownWord;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err($crate::vocab::UnknownWord::new($what, s, Self::NAMES)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use vocabulary;

/// A set of values of a small vocabulary enum, as a bit mask.
///
/// The decision procedure keeps actions, bases, recipient kinds and
/// obligations in these so that matching is a mask test.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct BitSet(u32);

impl BitSet {
    pub(crate) const EMPTY: BitSet = BitSet(0);

    pub(crate) const fn with(self, index: u32) -> BitSet {
        BitSet(self.0 | (1 << index))
    }

    pub(crate) const fn without(self, index: u32) -> BitSet {
        BitSet(self.0 & !(1 << index))
    }

    pub(crate) const fn contains(self, index: u32) -> bool {
        self.0 & (1 << index) != 0
    }

    pub(crate) const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) const fn union(self, other: BitSet) -> BitSet {
        BitSet(self.0 | other.0)
    }

    pub(crate) const fn intersection(self, other: BitSet) -> BitSet {
        BitSet(self.0 & other.0)
    }

    pub(crate) const fn is_subset(self, other: BitSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// The members' indices, lowest first (a vocabulary's order): one
    /// step a member, where testing every value of the vocabulary takes
    /// one a value.
    pub(crate) fn indices(self) -> impl Iterator<Item = u32> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let index = bits.trailing_zeros();
            bits &= bits - 1;
            Some(index)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_set_holds_its_members() {
        let set = BitSet::EMPTY.with(3).with(0).with(17);
        assert!(set.contains(17));
        assert!(!set.without(17).contains(17));
        assert!(BitSet::EMPTY.with(3).is_subset(set));
        assert_eq!(set.indices().collect::<Vec<_>>(), [0, 3, 17]);
        assert_eq!(BitSet::EMPTY.indices().count(), 0);
        let all = (0..32).fold(BitSet::EMPTY, BitSet::with);
        assert_eq!(
            all.indices().collect::<Vec<_>>(),
            (0..32).collect::<Vec<_>>()
        );
    }
}
