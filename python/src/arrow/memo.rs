//! What each value of a column reads as, worked out a column at a time: a
//! table of a million rows naming 26 purposes resolves 26 names, not a
//! million, and each row then reads its answer from a short array.
//!
//! The first time a row of a column is asked for, the whole column (of the
//! batch) is read in one pass, in order, into one slot a row: a null, a
//! value, or nothing (a cell that is not text, or a text the resolver
//! refuses). A row's read is then one look-up in that array, however many
//! columns a row has (reading fifty columns a row, cell by cell, jumps
//! between fifty places in memory; a pass reads one column's buffers in
//! order).
//!
//! In the pass, a text equal to the row before's is not looked up again
//! (runs are common: a table sorted by purpose, a batch decided at one
//! instant), and a short text (24 bytes or fewer, as most names are) is
//! looked for first in a small table of the texts met last, compared as
//! four words, with no hashing. A dictionary column is remembered by key (each dictionary
//! value is resolved at most once, and only the values rows use); a plain
//! text column by the text itself, in a small map. The map stops growing at
//! [`MAX_ENTRIES`] (a column of distinct values gains nothing from it), so
//! the memory a column can cause is bounded; past it, values are resolved
//! each time. What is remembered is the resolver's answer, a failure
//! included, so a row with a name the policy lacks costs one look-up too
//! (that row is then read by the generic path, which words the error).

#![expect(
    clippy::option_option,
    reason = "a cell reads as a value, as null (an absent field: `Some(None)`), or not at all (`None`: the generic path's row), and `?` passes the last on"
)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, FixedOffset};

use super::row::{Cell, Column};

/// The most distinct texts a column remembers.
pub(crate) const MAX_ENTRIES: usize = 4096;

/// What one row of a column read as.
#[derive(Clone, Copy, Debug)]
enum Slot<T> {
    Null,
    Value(T),
    /// Not text, or a text the resolver refuses: the generic path's row.
    Other,
}

impl<T: Copy> Slot<T> {
    #[inline]
    fn read(slot: Option<&Slot<T>>) -> Option<Option<T>> {
        match slot {
            Some(Slot::Null) => Some(None),
            Some(Slot::Value(value)) => Some(Some(*value)),
            Some(Slot::Other) | None => None,
        }
    }
}

/// The slots of a text column's rows, each text read by `read` unless it
/// equals the row before's (whose slot it then shares).
#[inline]
fn fill_texts<'t, T: Copy>(
    slots: &mut Vec<Slot<T>>,
    texts: impl Iterator<Item = Option<&'t str>>,
    mut read: impl FnMut(&'t str) -> Slot<T>,
) {
    let mut last: Option<(&str, Slot<T>)> = None;
    for text in texts {
        let Some(text) = text else {
            slots.push(Slot::Null);
            continue;
        };
        let slot = match last {
            Some((before, slot)) if before == text => slot,
            _ => {
                let slot = read(text);
                last = Some((text, slot));
                slot
            }
        };
        slots.push(slot);
    }
}

/// The address of a column, to know which one a memo's slots are of (the
/// columns of a batch all live as long as its memos).
fn address(column: &Column) -> usize {
    std::ptr::from_ref(column).addr()
}

/// The resolved rows of one column.
#[derive(Debug)]
pub(crate) struct Memo<T> {
    /// The column `slots` are of.
    of: Option<usize>,
    slots: Vec<Slot<T>>,
    by_key: Vec<Option<Option<T>>>,
    by_text: HashMap<Box<str>, Option<T>, BuildHasherDefault<Mix>>,
    /// The texts met last, by their [`Short`] spelling, in a table of
    /// [`RECENT`] places: a name is found there with a few word compares,
    /// before any hashing.
    recent: Vec<Option<(Short, Option<T>)>>,
}

/// How many places [`Memo`]'s table of recent texts has.
const RECENT: usize = 64;

/// A text of at most 24 bytes as four words: its bytes, zero-padded, and
/// its length. Two texts are equal exactly when their words are.
type Short = [u64; 4];

/// The [`Short`] spelling of `text`, if it has at most 24 bytes (most
/// names: `operations.security`, `device.identifier.imei`).
#[inline]
fn short(text: &str) -> Option<Short> {
    let bytes = text.as_bytes();
    if bytes.len() > 24 {
        return None;
    }
    // Whole words loaded as they are; the last few bytes as the end of an
    // eight-byte (or, shorter, two four-byte) load that reaches the text's
    // last byte, shifted down: no byte loop.
    let whole = bytes.chunks_exact(8);
    let rest = whole.remainder().len();
    let filled = bytes.len() / 8;
    let mut words = [0_u64; 4];
    for (word, chunk) in words.iter_mut().zip(whole) {
        if let Ok(chunk) = <[u8; 8]>::try_from(chunk) {
            *word = u64::from_le_bytes(chunk);
        }
    }
    let last = if rest == 0 {
        0
    } else if let Some(tail) = bytes.len().checked_sub(8).and_then(|at| bytes.get(at..)) {
        // The eight bytes ending the text: its last `rest` are the top ones.
        let tail = <[u8; 8]>::try_from(tail).map_or(0, u64::from_le_bytes);
        tail >> (8 * (8 - rest))
    } else if rest >= 4 {
        // Four to seven bytes: the first four and the last four, overlapping
        // where they meet (the same bytes in the same places).
        let four = |at: usize| {
            bytes
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, |b| u64::from(u32::from_le_bytes(b)))
        };
        four(0) | (four(rest - 4) << (8 * (rest - 4)))
    } else {
        let mut last = 0_u64;
        for (i, &b) in bytes.iter().enumerate() {
            last |= u64::from(b) << (8 * i);
        }
        last
    };
    if let Some(word) = words.get_mut(filled) {
        *word = last;
    }
    if let Some(len) = words.last_mut() {
        *len = u64::try_from(bytes.len()).ok()?;
    }
    Some(words)
}

/// The place of a [`Short`] text in the table of recent texts.
#[inline]
fn place(short: &Short) -> usize {
    let [a, b, c, len] = *short;
    let mixed =
        (a ^ b.rotate_left(21) ^ c.rotate_left(42) ^ len).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // The top six bits: a place below `RECENT` (64).
    usize::try_from(mixed >> 58).unwrap_or(0)
}

impl<T> Default for Memo<T> {
    fn default() -> Memo<T> {
        Memo {
            of: None,
            slots: Vec::new(),
            by_key: Vec::new(),
            by_text: HashMap::default(),
            recent: Vec::new(),
        }
    }
}

impl<T: Copy> Memo<T> {
    /// Row `row` of `column` as `resolve` reads its text: `Some(None)` for a
    /// null, `None` when the value is not text or `resolve` refuses it.
    ///
    /// A memo serves one column: the first read of a column resolves all
    /// its rows.
    #[inline]
    pub(crate) fn read(
        &mut self,
        column: &Column,
        row: usize,
        resolve: impl FnMut(&str) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.of != Some(address(column)) {
            self.fill(column, resolve);
        }
        Slot::read(self.slots.get(row))
    }

    /// Resolves every row of `column` into `slots`.
    #[inline(never)]
    fn fill(&mut self, column: &Column, mut resolve: impl FnMut(&str) -> Option<T>) {
        self.of = Some(address(column));
        self.slots.clear();
        self.slots.reserve(column.len());
        let slot = |value: Option<T>| value.map_or(Slot::Other, Slot::Value);
        if let Some(texts) = column.texts() {
            let mut slots = std::mem::take(&mut self.slots);
            fill_texts(&mut slots, texts, |text| {
                slot(self.by_text(text, &mut resolve))
            });
            self.slots = slots;
            return;
        }
        for row in 0..column.len() {
            let read = match column.cell(row) {
                Cell::Null => Slot::Null,
                Cell::Text(text) => match column.dictionary_key(row) {
                    Some(key) => slot(self.by_key(key, text, &mut resolve)),
                    None => slot(self.by_text(text, &mut resolve)),
                },
                _ => Slot::Other,
            };
            self.slots.push(read);
        }
    }

    /// A dictionary value, resolved the first time its key is met.
    fn by_key(
        &mut self,
        key: usize,
        text: &str,
        resolve: &mut impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        if let Some(Some(known)) = self.by_key.get(key) {
            return *known;
        }
        let value = resolve(text);
        if self.by_key.len() <= key {
            self.by_key.resize(key + 1, None);
        }
        if let Some(slot) = self.by_key.get_mut(key) {
            *slot = Some(value);
        }
        value
    }

    /// A text, resolved the first time it is met (while the map has room).
    fn by_text(&mut self, text: &str, resolve: &mut impl FnMut(&str) -> Option<T>) -> Option<T> {
        let Some(key) = short(text) else {
            return self.by_map(text, resolve);
        };
        if self.recent.is_empty() {
            self.recent.resize(RECENT, None);
        }
        let at = place(&key);
        if let Some(Some((known, value))) = self.recent.get(at) {
            if *known == key {
                return *value;
            }
        }
        let value = self.by_map(text, resolve);
        if let Some(slot) = self.recent.get_mut(at) {
            *slot = Some((key, value));
        }
        value
    }

    /// A text, from the map of texts met (while the map has room).
    fn by_map(&mut self, text: &str, resolve: &mut impl FnMut(&str) -> Option<T>) -> Option<T> {
        if let Some(known) = self.by_text.get(text) {
            return *known;
        }
        let value = resolve(text);
        if self.by_text.len() < MAX_ENTRIES {
            self.by_text.insert(text.into(), value);
        }
        value
    }
}

/// The instants or dates of one column, read a column at a time as
/// [`Memo`] reads names: a value equal to the row before's (a batch
/// decided at one instant, subjects born on a few dates) is not read again.
#[derive(Debug)]
pub(crate) struct Cells<V> {
    of: Option<usize>,
    slots: Vec<Slot<V>>,
}

/// The instants of one column.
pub(crate) type Last = Cells<DateTime<FixedOffset>>;

impl<V> Default for Cells<V> {
    fn default() -> Cells<V> {
        Cells {
            of: None,
            slots: Vec::new(),
        }
    }
}

impl<V: Copy> Cells<V> {
    /// The value `value` reads in a cell (`Some(None)`: null or no column),
    /// or `None` when the strict reader leaves it to the generic path.
    ///
    /// One `Cells` serves one column, read with one `value`.
    #[inline]
    pub(crate) fn read(
        &mut self,
        column: Option<&Column>,
        row: usize,
        value: fn(Cell<'_>) -> Option<V>,
    ) -> Option<Option<V>> {
        let Some(column) = column else {
            return Some(None);
        };
        if self.of != Some(address(column)) {
            self.fill(column, value);
        }
        Slot::read(self.slots.get(row))
    }

    #[inline(never)]
    fn fill(&mut self, column: &Column, value: fn(Cell<'_>) -> Option<V>) {
        self.of = Some(address(column));
        self.slots.clear();
        self.slots.reserve(column.len());
        let slot = |read: Option<V>| read.map_or(Slot::Other, Slot::Value);
        if let Some(texts) = column.texts() {
            fill_texts(&mut self.slots, texts, |text| slot(value(Cell::Text(text))));
            return;
        }
        // A number (microseconds, days) equal to the row before's.
        let mut last: Option<(i64, Slot<V>)> = None;
        for row in 0..column.len() {
            let cell = column.cell(row);
            let number = match cell {
                Cell::Null => {
                    self.slots.push(Slot::Null);
                    continue;
                }
                Cell::Micros(micros, _) => Some(micros),
                Cell::Date(days) => Some(i64::from(days)),
                _ => None,
            };
            let read = match (last, number) {
                (Some((before, read)), Some(number)) if before == number => read,
                _ => {
                    let read = slot(value(cell));
                    if let Some(number) = number {
                        last = Some((number, read));
                    }
                    read
                }
            };
            self.slots.push(read);
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, StringArray};

    use super::*;

    #[test]
    fn a_short_spelling_is_exact() {
        assert_eq!(short("account"), short("account"));
        assert_ne!(short("a"), short("a\0"));
        assert_ne!(short(""), short("\0"));
        assert_ne!(short("operations.security"), short("operations.securitx"));
        assert!(short("device.identifier.imei.x").is_some()); // 24 bytes
        assert_eq!(short("device.identifier.imei.xy"), None); // 25
    }

    /// The words of a short text are its bytes, eight a word in order,
    /// zero-padded, and its length: every length, every byte place.
    #[test]
    fn a_short_spelling_is_the_bytes_and_the_length() {
        let alphabet = "abcdefghijklmnopqrstuvwxyz.0\u{e9}";
        for len in 0..=24 {
            for shift in 0..5 {
                let text: String = alphabet.chars().cycle().skip(shift).take(len).collect();
                let text = text.get(..len.min(text.len())).unwrap_or(&text);
                let Some(words) = short(text) else {
                    assert!(text.len() > 24);
                    continue;
                };
                let mut bytes = text.as_bytes().to_vec();
                bytes.resize(24, 0);
                for (i, word) in words.iter().take(3).enumerate() {
                    let mut want = [0_u8; 8];
                    want.copy_from_slice(&bytes[8 * i..8 * i + 8]);
                    assert_eq!(*word, u64::from_le_bytes(want), "{text:?} word {i}");
                }
                assert_eq!(words[3], text.len() as u64, "{text:?}");
            }
        }
    }

    /// Every row reads what its text resolves to, whatever the texts
    /// before it were: many distinct texts (sharing the recent table's
    /// places), short and long, repeated and not, and nulls.
    #[test]
    fn prop_a_memo_reads_what_the_resolver_gives() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let texts: Vec<Option<String>> = (0..20_000)
            .map(|_| match next() % 10 {
                0 => None,
                1 => Some(format!("a-long-name-of-more-than-24-bytes-{}", next() % 50)),
                _ => Some(format!("name.{}", next() % 300)),
            })
            .collect();
        let array: ArrayRef = Arc::new(StringArray::from(
            texts.iter().map(Option::as_deref).collect::<Vec<_>>(),
        ));
        let column = Column::new("purpose", &array).unwrap();
        // Names ending in a multiple of 7 are refused.
        let resolve = |text: &str| {
            let n: u64 = text.rsplit(['.', '-']).next()?.parse().ok()?;
            (n % 7 != 0).then_some(n)
        };
        let mut memo = Memo::default();
        for (row, text) in texts.iter().enumerate() {
            let want = match text {
                None => Some(None),
                Some(text) => resolve(text).map(Some),
            };
            assert_eq!(
                memo.read(&column, row, resolve),
                want,
                "row {row}: {text:?}"
            );
        }
    }
}
