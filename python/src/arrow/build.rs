//! Column builders shared by the decision and retention tables: lists of
//! obligations, lists of words, structs with a validity, the policy column.
//!
//! Every output column is nullable and of a plain type (`utf8`, `date32`,
//! `int32`, `bool`, `timestamp[us, UTC]`, lists and structs of them), so that
//! every Arrow consumer reads it, Spark's declared schemas included (which
//! have no unsigned or dictionary types); a sweep's columns written by kind
//! may be asked for as dictionaries instead ([`TextLayout`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{BooleanBufferBuilder, StringBuilder};
use arrow_array::types::{ArrowPrimitiveType, Date32Type, Int32Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Int32Array, ListArray, PrimitiveArray,
    RecordBatch, StringArray, StructArray, new_null_array,
};
use arrow_buffer::{BooleanBuffer, Buffer, MutableBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, TimeUnit};
use arrow_select::take::{TakeOptions, take};
use chrono::{Datelike, NaiveDate};
use lawful::Engine;
use lawful::wire::ObligationDoc;

use super::row::Column;

/// The answer table: the answer's own columns, then the columns of the input
/// the caller asked to keep, in that order.
pub(crate) fn answer_batch(
    mut fields: Vec<Field>,
    mut columns: Vec<ArrayRef>,
    kept: Vec<(Field, ArrayRef)>,
) -> Result<RecordBatch, ArrowError> {
    for (field, column) in kept {
        fields.push(field);
        columns.push(column);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// The `id` column of an answer table. Every answer row echoes its row's
/// id (the typed readers' text, the document's, or for a row that is not a
/// document the cell read as text, as `lawful decide` echoes a line's), so
/// when the input's `id` column is text the answer's is that column,
/// shared rather than copied; else it is written row by row.
#[derive(Debug)]
pub(crate) enum Ids {
    /// The input's column.
    Input(StringArray),
    /// Written row by row.
    Written(StringBuilder),
}

impl Ids {
    /// The answer's ids for a batch of `rows` whose `id` column is `input`.
    pub(crate) fn new(input: Option<&Column>, rows: usize) -> Ids {
        match input.and_then(Column::strings) {
            Some(ids) if ids.len() == rows => Ids::Input(ids.clone()),
            _ => Ids::Written(StringBuilder::with_capacity(rows, rows * 16)),
        }
    }

    /// The id of the next row (the input's, when the column is the input's).
    #[inline]
    pub(crate) fn push(&mut self, id: Option<&str>) {
        if let Ids::Written(builder) = self {
            builder.append_option(id);
        }
    }

    pub(crate) fn finish(self) -> ArrayRef {
        match self {
            Ids::Input(ids) => Arc::new(ids),
            Ids::Written(mut builder) => Arc::new(builder.finish()),
        }
    }
}

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

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The days since 1970-01-01 of a date, as `date32` stores it: the same
/// number as `Date32Type::from_naive_date`, counted from chrono's day
/// number rather than through a duration (a sweep writes several a row).
#[inline]
pub(crate) fn days(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_DAYS_FROM_CE
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

    /// The validity of rows, in bulk.
    pub(crate) fn of(valid: impl ExactSizeIterator<Item = bool>) -> Validity {
        let len = valid.len();
        let words = packed(valid);
        Validity(BooleanBufferBuilder::new_from_buffer(
            MutableBuffer::from(words),
            len,
        ))
    }

    /// The struct column of `children` (named by `fields`).
    ///
    /// # Errors
    ///
    /// Children of another length than the validity (a bug, reported).
    pub(crate) fn finish(
        mut self,
        fields: Fields,
        children: Vec<ArrayRef>,
    ) -> Result<ArrayRef, ArrowError> {
        let nulls = NullBuffer::new(self.0.finish());
        let nulls = (nulls.null_count() > 0).then_some(nulls);
        Ok(Arc::new(StructArray::try_new(fields, children, nulls)?))
    }
}

/// A column of lists of obligations: `{code, date, until}` each.
#[derive(Debug)]
pub(crate) struct Obligations {
    offsets: Offsets,
    code: Texts<'static>,
    date: Numbers<Date32Type>,
    until: Texts<'static>,
    items: usize,
}

impl Obligations {
    pub(crate) fn with_capacity(rows: usize) -> Obligations {
        Obligations {
            offsets: Offsets::with_capacity(rows),
            code: Texts::with_capacity(rows * 3),
            date: Numbers::with_capacity(rows * 3),
            until: Texts::with_capacity(rows * 3),
            items: 0,
        }
    }

    /// The type of one obligation.
    pub(crate) fn item_type() -> DataType {
        DataType::Struct(Self::item_fields())
    }

    fn item_fields() -> Fields {
        Self::item_fields_in(TextLayout::Plain)
    }

    /// The fields of one obligation, its texts laid out as `layout`.
    fn item_fields_in(layout: TextLayout) -> Fields {
        Fields::from(vec![
            field("code", layout.data_type()),
            field("date", DataType::Date32),
            field("until", layout.data_type()),
        ])
    }

    /// The type of the column.
    pub(crate) fn data_type() -> DataType {
        list_of(Self::item_type())
    }

    /// The type of the column, its texts laid out as `layout`.
    pub(crate) fn data_type_in(layout: TextLayout) -> DataType {
        list_of(DataType::Struct(Self::item_fields_in(layout)))
    }

    /// The column of obligations written elsewhere: their list offsets, and
    /// the columns of their codes, dates and events.
    ///
    /// # Errors
    ///
    /// Columns of other lengths, or offsets past them (a bug, reported).
    pub(crate) fn from_parts(
        offsets: Offsets,
        code: ArrayRef,
        date: ArrayRef,
        until: ArrayRef,
        layout: TextLayout,
    ) -> Result<ArrayRef, ArrowError> {
        let fields = Self::item_fields_in(layout);
        let items = StructArray::try_new(fields.clone(), vec![code, date, until], None)?;
        offsets.finish(DataType::Struct(fields), Arc::new(items))
    }

    /// Adds an obligation to the current row.
    pub(crate) fn push(&mut self, o: &ObligationDoc) {
        self.code.push_value(o.code.as_str());
        self.date.push(o.date.map(days));
        self.until
            .push(o.until.map(lawful::policy::RetentionEvent::as_str));
        self.items += 1;
    }

    /// Ends the current row.
    pub(crate) fn end_row(&mut self) {
        self.offsets.end_row(self.items);
    }

    pub(crate) fn finish(self) -> Result<ArrayRef, ArrowError> {
        let items = StructArray::try_new(
            Self::item_fields(),
            vec![
                self.code.finish()?,
                Arc::new(self.date.finish()),
                self.until.finish()?,
            ],
            None,
        )?;
        self.offsets.finish(Self::item_type(), Arc::new(items))
    }
}

/// A column of lists of words (`allowed_actions`, `other_triggers`),
/// written by kind ([`Keys::items`]).
#[derive(Debug)]
pub(crate) struct Words;

impl Words {
    pub(crate) fn data_type(layout: TextLayout) -> DataType {
        list_of(layout.data_type())
    }
}

/// The `policy` column: `{id, version}` of the engine on every row, the
/// same on all, so written once the rows are counted.
#[derive(Debug, Default)]
pub(crate) struct PolicyColumn {
    rows: usize,
}

impl PolicyColumn {
    fn fields(layout: TextLayout) -> Fields {
        Fields::from(vec![
            field("id", layout.data_type()),
            field("version", layout.data_type()),
        ])
    }

    pub(crate) fn data_type(layout: TextLayout) -> DataType {
        DataType::Struct(Self::fields(layout))
    }

    /// Counts a row.
    pub(crate) fn push(&mut self) {
        self.rows += 1;
    }

    pub(crate) fn finish(
        self,
        engine: &Engine,
        layout: TextLayout,
    ) -> Result<ArrayRef, ArrowError> {
        let children = match layout {
            TextLayout::Plain => vec![
                repeated(engine.policy_id(), self.rows)?,
                repeated(engine.policy_version(), self.rows)?,
            ],
            TextLayout::Dictionary => {
                // One text a column, every row's key 0: one buffer of keys.
                let keys = Int32Array::from(vec![0; self.rows]);
                let one = |text: &str| -> Result<ArrayRef, ArrowError> {
                    let values: ArrayRef = Arc::new(StringArray::from(vec![text]));
                    Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
                        keys.clone(),
                        values,
                    )?))
                };
                vec![one(engine.policy_id())?, one(engine.policy_version())?]
            }
        };
        Ok(Arc::new(StructArray::try_new(
            Self::fields(layout),
            children,
            None,
        )?))
    }
}

/// A text column of `rows` rows, each `text`: its bytes repeated and its
/// offsets counted, in bulk.
///
/// # Errors
///
/// More than `i32::MAX` bytes in the column.
fn repeated(text: &str, rows: usize) -> Result<ArrayRef, ArrowError> {
    let too_long = || ArrowError::ComputeError("a batch holds over 2 GiB of text".to_owned());
    let len = i32::try_from(text.len()).map_err(|_| too_long())?;
    let end = i32::try_from(rows)
        .ok()
        .and_then(|rows| rows.checked_mul(len))
        .ok_or_else(too_long)?;
    let offsets: Vec<i32> = (0..=end).step_by(text.len().max(1)).collect();
    let offsets = if len == 0 { vec![0; rows + 1] } else { offsets };
    let array = StringArray::try_new(
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        text.as_bytes().repeat(rows).into(),
        None,
    )?;
    Ok(Arc::new(array))
}

/// A column most rows leave null (a termination, an error): nothing is
/// written for its rows until the first value, then their nulls at once,
/// and a column without values is made null whole.
#[derive(Debug)]
pub(crate) struct Sparse<B> {
    /// The rows before the first value.
    nulls: usize,
    builder: Option<B>,
}

/// A struct column [`Sparse`] can hold.
pub(crate) trait StructColumn: Sized {
    /// The fields.
    fn fields() -> Fields;
    /// A builder for `rows` more rows.
    fn with_capacity(rows: usize) -> Self;
    /// Adds a null row.
    fn push_null(&mut self);
    /// The column.
    fn finish(self) -> Result<ArrayRef, ArrowError>;
}

impl<B: StructColumn> Sparse<B> {
    pub(crate) fn new() -> Sparse<B> {
        Sparse {
            nulls: 0,
            builder: None,
        }
    }

    pub(crate) fn push_null(&mut self) {
        match &mut self.builder {
            Some(builder) => builder.push_null(),
            None => self.nulls += 1,
        }
    }

    /// The builder for a row with a value, its nulls before it written.
    pub(crate) fn value(&mut self) -> &mut B {
        let nulls = self.nulls;
        self.builder.get_or_insert_with(|| {
            let mut builder = B::with_capacity(nulls + 1);
            for _ in 0..nulls {
                builder.push_null();
            }
            builder
        })
    }

    pub(crate) fn finish(self) -> Result<ArrayRef, ArrowError> {
        match self.builder {
            Some(builder) => builder.finish(),
            None => Ok(Arc::new(StructArray::new_null(B::fields(), self.nulls))),
        }
    }
}

/// A text column written as references to texts that outlive the batch
/// (the vocabulary's words, the engine's rule ids, clauses and category
/// names): a row pushes a pointer, and [`Texts::finish`] copies every text
/// once, into buffers of the exact size. The nulls are counted as they are
/// pushed: a column without nulls gets no validity, a column of nulls only
/// is made null whole, without a byte copied.
#[derive(Debug)]
pub(crate) struct Texts<'a> {
    values: Vec<Option<&'a str>>,
    /// The bytes of the texts pushed so far.
    bytes: usize,
    /// The nulls pushed so far.
    nulls: usize,
}

impl<'a> Texts<'a> {
    pub(crate) fn with_capacity(rows: usize) -> Texts<'a> {
        Texts {
            values: Vec::with_capacity(rows),
            bytes: 0,
            nulls: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, text: Option<&'a str>) {
        match text {
            Some(text) => self.bytes += text.len(),
            None => self.nulls += 1,
        }
        self.values.push(text);
    }

    #[inline]
    pub(crate) fn push_value(&mut self, text: &'a str) {
        self.bytes += text.len();
        self.values.push(Some(text));
    }

    #[inline]
    pub(crate) fn push_null(&mut self) {
        self.nulls += 1;
        self.values.push(None);
    }

    /// The column.
    ///
    /// # Errors
    ///
    /// More than `i32::MAX` bytes of text in one batch.
    pub(crate) fn finish(self) -> Result<ArrayRef, ArrowError> {
        string_column(self.bytes, self.nulls, self.values.iter().copied())
    }

    /// The column laid out as `layout`: as a dictionary, the distinct
    /// texts (a column of a few words, as `outcome`) and a key a row.
    ///
    /// # Errors
    ///
    /// As [`Texts::finish`].
    pub(crate) fn finish_in(self, layout: TextLayout) -> Result<ArrayRef, ArrowError> {
        if layout == TextLayout::Plain {
            return self.finish();
        }
        let rows = self.values.len();
        if self.nulls == rows {
            return Ok(new_null_array(&layout.data_type(), rows));
        }
        let mut distinct: Vec<&str> = Vec::new();
        let mut keys = Vec::with_capacity(rows);
        for text in &self.values {
            let key = text.map_or(0, |text| {
                let place = distinct.iter().position(|&d| d == text).unwrap_or_else(|| {
                    distinct.push(text);
                    distinct.len() - 1
                });
                i32::try_from(place).unwrap_or(i32::MAX)
            });
            keys.push(key);
        }
        let keys = Int32Array::new(keys.into(), validity(&self.values, self.nulls));
        let values: ArrayRef = Arc::new(StringArray::from(distinct));
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
            keys, values,
        )?))
    }
}

/// The rows of a column written by kind ([`keyed_texts`]): each row's
/// index into its kinds (a row without one points one past them, at a
/// null), and how many rows point at each, counted once for every column
/// written from them.
#[derive(Debug)]
pub(crate) struct Keys {
    indices: Int32Array,
    /// Rows a kind, the last place for the rows without one.
    rows_of: Vec<usize>,
}

impl Keys {
    /// The keys of `rows`, each `None` or an index below `kinds`.
    pub(crate) fn new(rows: &[Option<u32>], kinds: usize) -> Keys {
        let none = i32::try_from(kinds).unwrap_or(i32::MAX);
        let mut rows_of = vec![0_usize; kinds + 1];
        let indices: Vec<i32> = rows
            .iter()
            .map(|row| {
                let key = row
                    .and_then(|k| i32::try_from(k).ok())
                    .filter(|&k| k < none)
                    .unwrap_or(none);
                if let Some(n) = usize::try_from(key).ok().and_then(|k| rows_of.get_mut(k)) {
                    *n += 1;
                }
                key
            })
            .collect();
        Keys {
            indices: Int32Array::from(indices),
            rows_of,
        }
    }

    /// The keys of the items of a list column whose rows each hold their
    /// kind's list (`counts[kind]` items, the kinds' items laid end to end
    /// a kind after another), and the list's offsets.
    pub(crate) fn items(&self, counts: &[usize]) -> (Offsets, Keys) {
        // Where each kind's items start, and each item's rows: its kind's
        // (a row of a kind holds each of its items once), so that the
        // items are counted by kind, not item by item.
        let mut first = Vec::with_capacity(counts.len());
        let mut rows_of = Vec::with_capacity(counts.iter().sum::<usize>() + 1);
        let mut items_in_all = 0_usize;
        for (kind, &count) in counts.iter().enumerate() {
            first.push(rows_of.len());
            let rows = self.rows_of.get(kind).copied().unwrap_or(0);
            rows_of.extend(std::iter::repeat_n(rows, count));
            items_in_all = items_in_all.saturating_add(rows.saturating_mul(count));
        }
        // No item is of no kind.
        rows_of.push(0);
        // Each kind's items as `i32` keys, laid end to end, and where each
        // kind's run of them is: a row's items are then its kind's run,
        // copied (an item past `i32::MAX` points past the items: `take`
        // refuses it, and a batch that large is refused anyway).
        let item_keys: Vec<i32> = (0..counts.iter().sum::<usize>())
            .map(|item| i32::try_from(item).unwrap_or(i32::MAX))
            .collect();
        let runs: Vec<(usize, usize)> = first
            .iter()
            .zip(counts)
            .map(|(&first, &count)| (first, first + count))
            .collect();
        let mut offsets = Offsets::with_capacity(self.indices.len());
        let mut items: Vec<i32> = Vec::with_capacity(items_in_all);
        for &key in self.indices.values() {
            let run = usize::try_from(key)
                .ok()
                .and_then(|k| runs.get(k))
                .and_then(|&(start, end)| item_keys.get(start..end));
            if let Some(run) = run {
                items.extend_from_slice(run);
            }
            offsets.end_row(items.len());
        }
        let keys = Keys {
            indices: Int32Array::from(items),
            rows_of,
        };
        (offsets, keys)
    }
}

/// A text column whose rows each hold one of a few `texts`, the kinds'
/// (`keys` point at them; a text `None`, or no kind, is a null): the
/// kinds' texts made a column of their own, and the rows gathered from it
/// by Arrow's `take` kernel, which counts the rows' bytes into the offsets
/// in one pass and copies them in another, into buffers of the exact size,
/// with no check of the text again (it was text already). The nulls are
/// counted by kind, not by row: a column without nulls gets no validity,
/// a column of nulls only is made null whole.
///
/// # Errors
///
/// More than `i32::MAX` bytes of text in the column.
pub(crate) fn keyed_texts(
    keys: &Keys,
    texts: &[Option<&str>],
    layout: TextLayout,
) -> Result<ArrayRef, ArrowError> {
    if layout == TextLayout::Dictionary {
        return keyed_dictionary(keys, texts);
    }
    let rows = keys.indices.len();
    let (mut bytes, mut nulls) = (0_usize, 0_usize);
    for (key, &n) in keys.rows_of.iter().enumerate() {
        match texts.get(key).copied().flatten() {
            Some(text) => bytes = bytes.saturating_add(text.len().saturating_mul(n)),
            None => nulls += n,
        }
    }
    if nulls == rows {
        return Ok(Arc::new(StringArray::new_null(rows)));
    }
    if i32::try_from(bytes).is_err() {
        return Err(ArrowError::ComputeError(
            "a batch holds over 2 GiB of text".to_owned(),
        ));
    }
    // The kinds' texts, and a null for the rows without a kind; without
    // nulls in the column, a kind no row has is written empty, so that
    // the column has no validity.
    let kinds = keys.rows_of.len() - 1;
    let kinds: StringArray = (0..=kinds)
        .map(|key| match texts.get(key).copied().flatten() {
            None if nulls == 0 => Some(""),
            text => text,
        })
        .collect();
    let options = TakeOptions { check_bounds: true };
    take(&kinds, &keys.indices, Some(options))
}

/// How the text columns a sweep writes by kind are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextLayout {
    /// `utf8`: each row's text, its bytes copied (every consumer reads
    /// it, Spark's `mapInArrow` included).
    Plain,
    /// `dictionary<int32, utf8>`: each row a key into the column's
    /// distinct texts, written once a batch.
    Dictionary,
}

impl TextLayout {
    /// The type of a text column so laid out.
    pub(crate) fn data_type(self) -> DataType {
        match self {
            TextLayout::Plain => DataType::Utf8,
            TextLayout::Dictionary => {
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
            }
        }
    }
}

/// [`keyed_texts`] as a dictionary column: the column's distinct texts
/// (each once, as pandas' categoricals require), and a key a row. When
/// every kind's text is its own and every row has a kind, the keys are
/// the rows' kind indices themselves, the one buffer shared by every such
/// column of the batch; else each row's key is its kind's place among the
/// texts, and a row whose kind has no text (or that has no kind) is null.
///
/// # Errors
///
/// More than `i32::MAX` distinct texts (a bug, reported).
fn keyed_dictionary(keys: &Keys, texts: &[Option<&str>]) -> Result<ArrayRef, ArrowError> {
    let rows = keys.indices.len();
    let mut values: Vec<&str> = Vec::new();
    let mut place_of: HashMap<&str, i32> = HashMap::new();
    // Each key's place among the values (`None`: a null), and the nulls.
    let mut places: Vec<Option<i32>> = Vec::with_capacity(keys.rows_of.len());
    let mut nulls = 0_usize;
    for (key, &n) in keys.rows_of.iter().enumerate() {
        match texts.get(key).copied().flatten() {
            Some(text) => {
                let next = i32::try_from(values.len()).map_err(|_| {
                    ArrowError::ComputeError("a column of over 2^31 texts".to_owned())
                })?;
                let place = *place_of.entry(text).or_insert_with(|| {
                    values.push(text);
                    next
                });
                places.push(Some(place));
            }
            None => {
                nulls += n;
                places.push(None);
            }
        }
    }
    let data_type = TextLayout::Dictionary.data_type();
    if nulls == rows {
        return Ok(new_null_array(&data_type, rows));
    }
    let values: ArrayRef = Arc::new(StringArray::from(values));
    let own = places.iter().enumerate().all(|(key, place)| match place {
        Some(place) => usize::try_from(*place).ok() == Some(key),
        None => keys.rows_of.get(key) == Some(&0),
    });
    let rows_keys = if own && nulls == 0 {
        keys.indices.clone()
    } else {
        let place = |key: i32| {
            usize::try_from(key)
                .ok()
                .and_then(|k| places.get(k).copied().flatten())
        };
        let indices = keys.indices.values();
        let shared: Vec<i32> = indices.iter().map(|&k| place(k).unwrap_or(0)).collect();
        let valid = (nulls > 0).then(|| {
            NullBuffer::new(BooleanBuffer::collect_bool(rows, |r| {
                indices.get(r).is_some_and(|&k| place(k).is_some())
            }))
        });
        Int32Array::new(shared.into(), valid)
    };
    Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
        rows_keys, values,
    )?))
}

/// A text column of `texts`, one a row, written straight into buffers of
/// the exact size: `bytes` is their length in all, `nulls` how many are
/// `None` (a column of nulls only is made null whole).
///
/// # Errors
///
/// More than `i32::MAX` bytes of text.
fn string_column<'t>(
    bytes: usize,
    nulls: usize,
    texts: impl ExactSizeIterator<Item = Option<&'t str>> + Clone,
) -> Result<ArrayRef, ArrowError> {
    let rows = texts.len();
    if nulls == rows {
        return Ok(Arc::new(StringArray::new_null(rows)));
    }
    if i32::try_from(bytes).is_err() {
        return Err(ArrowError::ComputeError(
            "a batch holds over 2 GiB of text".to_owned(),
        ));
    }
    let mut data = Vec::with_capacity(bytes);
    let mut offsets = Vec::with_capacity(rows + 1);
    offsets.push(0_i32);
    for text in texts.clone() {
        if let Some(text) = text {
            data.extend_from_slice(text.as_bytes());
        }
        // INVARIANT: the bytes fit an i32 (checked above).
        offsets.push(i32::try_from(data.len()).unwrap_or(i32::MAX));
    }
    let nulls = (nulls > 0).then(|| NullBuffer::new(texts.map(|t| t.is_some()).collect()));
    let array = StringArray::try_new(
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        data.into(),
        nulls,
    )?;
    Ok(Arc::new(array))
}

/// A column of flags, each row's pushed in one step as an `Option`, and
/// packed into bits when the column is finished (as [`Numbers`]).
#[derive(Debug)]
pub(crate) struct Flags {
    values: Vec<Option<bool>>,
    nulls: usize,
}

impl Flags {
    pub(crate) fn with_capacity(rows: usize) -> Flags {
        Flags {
            values: Vec::with_capacity(rows),
            nulls: 0,
        }
    }

    #[inline]
    pub(crate) fn push_value(&mut self, value: bool) {
        self.values.push(Some(value));
    }

    #[inline]
    pub(crate) fn push_null(&mut self) {
        self.nulls += 1;
        self.values.push(None);
    }

    /// The column (a column of nulls only is made null whole).
    pub(crate) fn finish(self) -> BooleanArray {
        let rows = self.values.len();
        if self.nulls == rows {
            return BooleanArray::new_null(rows);
        }
        let values = &self.values;
        let nulls = validity(values, self.nulls);
        let flags = BooleanBuffer::collect_bool(rows, |i| values.get(i) == Some(&Some(true)));
        BooleanArray::new(flags, nulls)
    }
}

/// A column of numbers (dates, instants), each row's pushed in one step as
/// an `Option`; the validity is made when the column is finished, and only
/// if a null was pushed (an Arrow builder keeps a bitmap row by row).
#[derive(Debug)]
pub(crate) struct Numbers<T: ArrowPrimitiveType> {
    values: Vec<Option<T::Native>>,
    nulls: usize,
}

impl<T: ArrowPrimitiveType> Numbers<T> {
    pub(crate) fn with_capacity(rows: usize) -> Numbers<T> {
        Numbers {
            values: Vec::with_capacity(rows),
            nulls: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, value: Option<T::Native>) {
        self.nulls += usize::from(value.is_none());
        self.values.push(value);
    }

    #[inline]
    pub(crate) fn push_value(&mut self, value: T::Native) {
        self.values.push(Some(value));
    }

    #[inline]
    pub(crate) fn push_null(&mut self) {
        self.nulls += 1;
        self.values.push(None);
    }

    /// The column (a column of nulls only is made null whole).
    pub(crate) fn finish(self) -> PrimitiveArray<T> {
        let rows = self.values.len();
        if self.nulls == rows {
            return PrimitiveArray::new_null(rows);
        }
        let values = &self.values;
        let nulls = validity(values, self.nulls);
        let numbers: Vec<T::Native> = values.iter().map(|v| v.unwrap_or_default()).collect();
        PrimitiveArray::new(numbers.into(), nulls)
    }
}

/// A text column most rows leave null (the message of a rejected request):
/// nothing is written for its rows until the first value, then their nulls
/// at once, and a column without values is made null whole.
#[derive(Debug, Default)]
pub(crate) struct SparseTexts {
    nulls: usize,
    builder: Option<StringBuilder>,
}

impl SparseTexts {
    pub(crate) fn push_null(&mut self) {
        match &mut self.builder {
            Some(builder) => builder.append_null(),
            None => self.nulls += 1,
        }
    }

    pub(crate) fn push_value(&mut self, text: &str) {
        let nulls = self.nulls;
        self.builder
            .get_or_insert_with(|| {
                let mut builder = StringBuilder::with_capacity(nulls + 1, text.len());
                builder.append_nulls(nulls);
                builder
            })
            .append_value(text);
    }

    pub(crate) fn finish(self) -> ArrayRef {
        match self.builder {
            Some(mut builder) => Arc::new(builder.finish()),
            None => Arc::new(StringArray::new_null(self.nulls)),
        }
    }
}

/// The validity of pushed values, if any of the `nulls` is there.
fn validity<V>(values: &[Option<V>], nulls: usize) -> Option<NullBuffer> {
    (nulls > 0).then(|| {
        let words = packed(values.iter().map(Option::is_some));
        NullBuffer::new(BooleanBuffer::new(Buffer::from_vec(words), 0, values.len()))
    })
}

/// `flags` as Arrow's bitmap lays them out (the first the lowest bit of
/// the first byte), 64 to a little-endian word, the last word's unused
/// bits clear: a flag is a shift and an or, not a builder's append or a
/// closure's bounds-checked look-up.
fn packed(flags: impl Iterator<Item = bool>) -> Vec<u64> {
    let mut words = Vec::with_capacity(flags.size_hint().0.div_ceil(64));
    let (mut word, mut bit) = (0_u64, 0_u32);
    for flag in flags {
        word |= u64::from(flag) << bit;
        bit += 1;
        if bit == 64 {
            words.push(word.to_le());
            (word, bit) = (0, 0);
        }
    }
    if bit > 0 {
        words.push(word.to_le());
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packed flags are Arrow's own bitmap of them, bit for bit, at every
    /// length around the words' and bytes' ends, as a validity and as a
    /// struct's.
    #[test]
    fn packed_flags_are_arrows_bitmap() {
        let mut state = 0x853c_49e6_748f_ea9b_u64;
        for len in (0..300).chain([4095, 4096, 4097, 16_384]) {
            for density in [0, 1, 2, 3, 4] {
                let flags: Vec<bool> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state % 4 < density
                    })
                    .collect();
                let want: BooleanBuffer = flags.iter().copied().collect();
                let values: Vec<Option<u8>> = flags.iter().map(|&f| f.then_some(1)).collect();
                let nulls = flags.iter().filter(|&&f| !f).count();
                let got = validity(&values, nulls.max(1));
                assert_eq!(got.map(NullBuffer::into_inner), Some(want.clone()), "{len}");
                let mut struct_validity = Validity::of(flags.iter().copied());
                assert_eq!(struct_validity.0.finish(), want, "{len}");
            }
        }
    }
}
