//! Reading typed cells: a text, a flag, a list, an instant, a value of a
//! vocabulary, each `Some(None)` for a null (an absent field) and `None`
//! for a value the typed readers leave to the generic path.

#![expect(
    clippy::option_option,
    reason = "a cell reads as a value, as null (an absent field: `Some(None)`), or not at all (`None`: the generic path's row), and `?` passes the last on"
)]

use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, StrDeserializer};

use super::memo::Memo;
use super::row::{Cell, Column};

/// A value of a vocabulary read as the wire format reads it: the type's own
/// `Deserialize`, from the text.
pub(crate) fn word<T: DeserializeOwned>(text: &str) -> Option<T> {
    T::deserialize(StrDeserializer::<ValueError>::new(text)).ok()
}

/// The columns of a struct column, each given to `take` by name; those it
/// does not take are returned.
pub(crate) fn split<'c>(
    column: &'c Column,
    mut take: impl FnMut(&str, &'c Column) -> bool,
) -> Vec<&'c Column> {
    column
        .fields()
        .iter()
        .filter_map(|(name, child)| (!take(name, child)).then_some(child))
        .collect()
}

/// Whether none of `others` has a value at `row`.
pub(crate) fn all_null(others: &[&Column], row: usize) -> bool {
    others.iter().all(|c| matches!(c.cell(row), Cell::Null))
}

/// Text at `row` (`Some(None)`: null or no column), `None` if not text.
pub(crate) fn text(column: Option<&Column>, row: usize) -> Option<Option<&str>> {
    match column.map(|c| c.cell(row)) {
        None | Some(Cell::Null) => Some(None),
        Some(Cell::Text(text)) => Some(Some(text)),
        Some(_) => None,
    }
}

/// A boolean at `row` (`Some(None)`: null or no column), `None` if not one.
pub(crate) fn flag(column: Option<&Column>, row: usize) -> Option<Option<bool>> {
    match column.map(|c| c.cell(row)) {
        None | Some(Cell::Null) => Some(None),
        Some(Cell::Bool(b)) => Some(Some(b)),
        Some(_) => None,
    }
}

/// A text column read through its memo.
pub(crate) fn memo<T: Copy>(
    memo: &mut Memo<T>,
    column: Option<&Column>,
    row: usize,
    resolve: impl FnMut(&str) -> Option<T>,
) -> Option<Option<T>> {
    match column {
        Some(column) => memo.read(column, row, resolve),
        None => Some(None),
    }
}

/// The rows of a list cell (`Some(None)`: null or no column), `None` if not
/// a list or longer than `limit`.
pub(crate) fn list(
    column: Option<&Column>,
    row: usize,
    limit: usize,
) -> Option<Option<(&Column, std::ops::Range<usize>)>> {
    match column.map(|c| c.cell(row)) {
        None | Some(Cell::Null) => Some(None),
        Some(Cell::List(values, start, end)) if end - start <= limit => {
            Some(Some((values, start..end)))
        }
        Some(_) => None,
    }
}
