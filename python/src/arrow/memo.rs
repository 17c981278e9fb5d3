//! What each distinct value of a column reads as, worked out once: a table
//! of a million rows naming 26 purposes resolves 26 names, not a million.
//!
//! A dictionary column is remembered by key (its dictionary is resolved at
//! most once, and only the values rows use); a plain text column by the
//! text itself, in a small map. The map stops growing at [`MAX_ENTRIES`]
//! (a column of distinct values gains nothing from it), so the memory a
//! column can cause is bounded; past it, values are resolved each time.
//! What is remembered is the resolver's answer, a failure included, so a
//! row with a name the policy lacks costs one look-up too (that row is then
//! read by the generic path, which words the error).

#![expect(
    clippy::option_option,
    reason = "a cell reads as a value, as null (an absent field: `Some(None)`), or not at all (`None`: the generic path's row), and `?` passes the last on"
)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::row::{Cell, Column};

/// The most distinct texts a column remembers.
pub(crate) const MAX_ENTRIES: usize = 4096;

/// The remembered values of one column.
#[derive(Debug)]
pub(crate) struct Memo<T> {
    by_key: Vec<Option<Option<T>>>,
    by_text: HashMap<Box<str>, Option<T>, BuildHasherDefault<Mix>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Memo<T> {
        Memo {
            by_key: Vec::new(),
            by_text: HashMap::default(),
        }
    }
}

impl<T: Copy> Memo<T> {
    /// Row `row` of `column` as `resolve` reads its text: `Some(None)` for a
    /// null, `None` when the value is not text or `resolve` refuses it.
    #[inline]
    pub(crate) fn read(
        &mut self,
        column: &Column,
        row: usize,
        resolve: impl FnOnce(&str) -> Option<T>,
    ) -> Option<Option<T>> {
        let text = match column.cell(row) {
            Cell::Null => return Some(None),
            Cell::Text(text) => text,
            _ => return None,
        };
        if let Some(key) = column.dictionary_key(row) {
            if let Some(Some(known)) = self.by_key.get(key) {
                return known.map(Some);
            }
            let value = resolve(text);
            if self.by_key.len() <= key {
                self.by_key.resize(key + 1, None);
            }
            if let Some(slot) = self.by_key.get_mut(key) {
                *slot = Some(value);
            }
            return value.map(Some);
        }
        if let Some(known) = self.by_text.get(text) {
            return known.map(Some);
        }
        let value = resolve(text);
        if self.by_text.len() < MAX_ENTRIES {
            self.by_text.insert(text.into(), value);
        }
        value.map(Some)
    }
}

/// A multiply-rotate hash of eight bytes a step (as rustc's `FxHasher`):
/// a name hashes in a few nanoseconds. It is not keyed, so a table could
/// be made of colliding names; the map is bounded ([`MAX_ENTRIES`]), which
/// bounds what that costs.
#[derive(Debug, Default)]
pub(crate) struct Mix(u64);

impl Mix {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Mix {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (slot, &b) in word.iter_mut().zip(rest) {
                *slot = b;
            }
            self.add(u64::from_le_bytes(word));
        }
    }
}
