//! Column builders shared by the decision and retention tables: lists of
//! obligations, lists of words, structs with a validity, the policy column.
//!
//! Every output column is nullable and of a plain type (`utf8`, `date32`,
//! `int32`, `bool`, `timestamp[us, UTC]`, lists and structs of them), so that
//! every Arrow consumer reads it, Spark's declared schemas included (which
//! have no unsigned or dictionary types).

use std::sync::Arc;

use arrow_array::builder::{BooleanBufferBuilder, Date32Builder, StringBuilder};
use arrow_array::types::Date32Type;
use arrow_array::{ArrayRef, ListArray, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields, TimeUnit};
use chrono::NaiveDate;
use lawful::Engine;
use lawful::wire::ObligationDoc;

/// A nullable field.
pub(crate) fn field(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, true)
}

/// The type of a list of `item`.
pub(crate) fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(field("item", item)))
}

/// Instants: microseconds, in UTC (the wire's offsets are not kept; the
/// instant is).
pub(crate) fn instant_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The days since 1970-01-01 of a date, as `date32` stores it.
pub(crate) fn days(date: NaiveDate) -> i32 {
    Date32Type::from_naive_date(date)
}

/// The offsets of a list column: where each row's items start.
#[derive(Debug)]
pub(crate) struct Offsets(Vec<i32>);

impl Offsets {
    pub(crate) fn with_capacity(rows: usize) -> Offsets {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Offsets(offsets)
    }

    /// Ends a row whose items end at `items` (the items written so far).
    pub(crate) fn end_row(&mut self, items: usize) {
        self.0.push(i32::try_from(items).unwrap_or(i32::MAX));
    }

    /// The list column over `values`.
    ///
    /// # Errors
    ///
    /// More than `i32::MAX` items in one batch (offsets that do not fit).
    pub(crate) fn finish(self, item: DataType, values: ArrayRef) -> Result<ArrayRef, ArrowError> {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.0));
        let list = ListArray::try_new(Arc::new(field("item", item)), offsets, values, None)?;
        Ok(Arc::new(list))
    }
}

/// A struct column's validity, row by row.
#[derive(Debug)]
pub(crate) struct Validity(BooleanBufferBuilder);

impl Validity {
    pub(crate) fn with_capacity(rows: usize) -> Validity {
        Validity(BooleanBufferBuilder::new(rows))
    }

    pub(crate) fn push(&mut self, valid: bool) {
        self.0.append(valid);
    }

    /// The struct column of `children` (named by `fields`).
    ///
    /// # Errors
    ///
    /// Children of another length than the validity (a bug, reported).
    pub(crate) fn finish(mut self, fields: Fields, children: Vec<ArrayRef>) -> Result<ArrayRef, ArrowError> {
        let nulls = NullBuffer::new(self.0.finish());
        let nulls = (nulls.null_count() > 0).then_some(nulls);
        Ok(Arc::new(StructArray::try_new(fields, children, nulls)?))
    }
}

/// A column of lists of obligations: `{code, date, until}` each.
#[derive(Debug)]
pub(crate) struct Obligations {
    offsets: Offsets,
    code: StringBuilder,
    date: Date32Builder,
    until: StringBuilder,
    items: usize,
}

impl Obligations {
    pub(crate) fn with_capacity(rows: usize) -> Obligations {
        Obligations {
            offsets: Offsets::with_capacity(rows),
            code: StringBuilder::with_capacity(rows * 2, rows * 24),
            date: Date32Builder::with_capacity(rows * 2),
            until: StringBuilder::new(),
            items: 0,
        }
    }

    /// The type of one obligation.
    pub(crate) fn item_type() -> DataType {
        DataType::Struct(Self::item_fields())
    }

    fn item_fields() -> Fields {
        Fields::from(vec![
            field("code", DataType::Utf8),
            field("date", DataType::Date32),
            field("until", DataType::Utf8),
        ])
    }

    /// The type of the column.
    pub(crate) fn data_type() -> DataType {
        list_of(Self::item_type())
    }

    /// Adds an obligation to the current row.
    pub(crate) fn push(&mut self, o: &ObligationDoc) {
        self.code.append_value(o.code.as_str());
        self.date.append_option(o.date.map(days));
        self.until.append_option(o.until.map(|u| u.as_str()));
        self.items += 1;
    }

    /// Ends the current row.
    pub(crate) fn end_row(&mut self) {
        self.offsets.end_row(self.items);
    }

    pub(crate) fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        let items = StructArray::try_new(
            Self::item_fields(),
            vec![
                Arc::new(self.code.finish()),
                Arc::new(self.date.finish()),
                Arc::new(self.until.finish()),
            ],
            None,
        )?;
        self.offsets.finish(Self::item_type(), Arc::new(items))
    }
}

/// A column of lists of words (`allowed_actions`, `other_triggers`).
#[derive(Debug)]
pub(crate) struct Words {
    offsets: Offsets,
    words: StringBuilder,
    items: usize,
}

impl Words {
    pub(crate) fn with_capacity(rows: usize) -> Words {
        Words {
            offsets: Offsets::with_capacity(rows),
            words: StringBuilder::new(),
            items: 0,
        }
    }

    pub(crate) fn data_type() -> DataType {
        list_of(DataType::Utf8)
    }

    pub(crate) fn push(&mut self, word: &str) {
        self.words.append_value(word);
        self.items += 1;
    }

    pub(crate) fn end_row(&mut self) {
        self.offsets.end_row(self.items);
    }

    pub(crate) fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        self.offsets.finish(DataType::Utf8, Arc::new(self.words.finish()))
    }
}

/// The `policy` column: `{id, version}` of the engine on every row.
#[derive(Debug)]
pub(crate) struct PolicyColumn {
    id: StringBuilder,
    version: StringBuilder,
}

impl PolicyColumn {
    pub(crate) fn with_capacity(rows: usize) -> PolicyColumn {
        PolicyColumn {
            id: StringBuilder::with_capacity(rows, rows * 16),
            version: StringBuilder::with_capacity(rows, rows * 10),
        }
    }

    fn fields() -> Fields {
        Fields::from(vec![
            field("id", DataType::Utf8),
            field("version", DataType::Utf8),
        ])
    }

    pub(crate) fn data_type() -> DataType {
        DataType::Struct(Self::fields())
    }

    pub(crate) fn push(&mut self, engine: &Engine) {
        self.id.append_value(engine.policy_id());
        self.version.append_value(engine.policy_version());
    }

    pub(crate) fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        Ok(Arc::new(StructArray::try_new(
            Self::fields(),
            vec![Arc::new(self.id.finish()), Arc::new(self.version.finish())],
            None,
        )?))
    }
}
