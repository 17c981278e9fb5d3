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
///
/// A column null in every row of the batch is left out: a reader then
/// has no column there, which reads as a null does, and a row costs
/// nothing for it (a table whose schema names every field of the wire
/// format, most of them empty, reads as fast as one naming its few).
pub(crate) fn split<'c>(
    column: &'c Column,
    mut take: impl FnMut(&str, &'c Column) -> bool,
) -> Vec<&'c Column> {
    column
        .fields()
        .iter()
        .filter(|(_, child)| !child.is_all_null())
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, NullArray, RecordBatch, StringArray, StructArray};
    use arrow_schema::{DataType, Field};

    use super::*;

    /// A column null in every row of a batch (of a null type or not, or a
    /// field of a struct null in every row) is no reader's; one with a
    /// value is.
    #[test]
    fn a_column_null_in_every_row_is_left_out() {
        let texts = |values: Vec<Option<&str>>| Arc::new(StringArray::from(values)) as ArrayRef;
        let subject = StructArray::try_new(
            vec![Field::new("resident_id", DataType::Utf8, true)].into(),
            vec![texts(vec![Some("1"), Some("2")])],
            Some(vec![false, false].into()),
        )
        .unwrap();
        let batch = RecordBatch::try_from_iter([
            ("id", texts(vec![Some("a"), None])),
            ("purpose", texts(vec![None, None])),
            ("legal_hold", Arc::new(NullArray::new(2)) as ArrayRef),
            ("subject", Arc::new(subject) as ArrayRef),
        ])
        .unwrap();
        let column = Column::of_batch(&batch, &[]).unwrap();
        let mut offered = Vec::new();
        let others = split(&column, |name, _| {
            offered.push(name.to_owned());
            true
        });
        assert_eq!(offered, ["id"]);
        assert!(others.is_empty());
    }
}
