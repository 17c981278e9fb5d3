//! One row of an Arrow table read as a wire document, through serde.
//!
//! The table's columns are the document's fields, named as the wire format
//! names them and nested where it nests (`subject` a struct column with
//! `birth_date`, `evidence.consents` a list of structs). Nothing here names a
//! field: a [`Row`] is a `serde::Deserializer`, and the document type's own
//! `Deserialize` (the library's [`RequestDoc`](lawful::wire::RequestDoc),
//! [`RetentionRequestDoc`](lawful::wire::RetentionRequestDoc)) does the
//! reading, so a field the wire format gains is a column these functions
//! read with no change here, and a value is judged exactly as in a JSON line.
//!
//! Arrow values map onto JSON values: strings, booleans, numbers, structs
//! (objects), lists (arrays); dates become `YYYY-MM-DD` and timestamps
//! RFC 3339 instants with their zone's offset (a timestamp without a zone is
//! refused: the wire format wants the offset). A dictionary column reads as
//! its values. A null is an absent field, as a table has no other way to
//! leave a field out.
//!
//! The columns are looked at once a batch ([`Column::new`]); a row costs the
//! document's own parsing and no more.

use std::fmt;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::temporal_conversions::as_datetime_with_timezone;
use arrow_array::timezone::Tz;
use arrow_array::types::{
    Date32Type, Date64Type, Float64Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, PrimitiveArray, RecordBatch,
    StringArray, UInt64Array,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// How deep columns may nest (a struct in a list in a struct...): the wire
/// documents nest four levels; the bound keeps the work a schema can cause,
/// and the recursion reading it, small.
pub(crate) const MAX_DEPTH: usize = 32;

/// A column ready to be read row by row: its values downcast once.
#[derive(Debug)]
pub(crate) struct Column {
    nulls: Option<NullBuffer>,
    values: Values,
    /// How many values.
    len: usize,
}

/// The values of a [`Column`], by kind.
#[derive(Debug)]
enum Values {
    /// Every value is null.
    Null,
    Str(StringArray),
    Bool(BooleanArray),
    Int(Int64Array),
    UInt(UInt64Array),
    Float(Float64Array),
    Date(PrimitiveArray<Date32Type>),
    /// Instants in microseconds, and the zone they are shown in.
    Timestamp(PrimitiveArray<TimestampMicrosecondType>, Tz),
    /// A struct: its fields' names and columns.
    Struct(Vec<(Arc<str>, Column)>),
    /// A list: where each row's elements start and end in `values`.
    List(OffsetBuffer<i64>, Box<Column>),
    /// A dictionary: each row's key into `values`.
    Dictionary(Vec<usize>, Box<Column>),
}

/// One value of a column, typed: what [`Column::cell`] gives the typed
/// readers ([`requests`](super::requests), [`records`](super::records)).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell<'c> {
    /// Null: an absent field.
    Null,
    Text(&'c str),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// An instant in microseconds, and the zone its column shows it in.
    Micros(i64, Tz),
    /// A struct value (read through [`Column::fields`]).
    Struct,
    /// A list: its elements are rows `start..end` of the column.
    List(&'c Column, usize, usize),
    /// A number, or a value past the end: left to serde.
    Other,
}

/// Why a column cannot be read, found before any row is: its path and what
/// is wrong.
#[derive(Debug)]
pub(crate) struct ColumnError {
    pub(crate) path: String,
    pub(crate) message: String,
}

impl Column {
    /// The columns of `batch` but `skip`, as one struct: a row is then one
    /// object whose fields are the columns.
    pub(crate) fn of_batch(batch: &RecordBatch, skip: &[String]) -> Result<Column, ColumnError> {
        let mut fields = Vec::with_capacity(batch.num_columns());
        for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
            if skip.iter().any(|s| s == field.name()) {
                continue;
            }
            let column = Column::new(field.name(), array)?;
            fields.push((Arc::<str>::from(field.name().as_str()), column));
        }
        Ok(Column {
            nulls: None,
            values: Values::Struct(fields),
            len: batch.num_rows(),
        })
    }

    /// Downcasts `array` (the column at `path`), once.
    ///
    /// # Errors
    ///
    /// A type the wire format has no use for (binary, decimal, a time of
    /// day...), or a timestamp without a time zone.
    pub(crate) fn new(path: &str, array: &ArrayRef) -> Result<Column, ColumnError> {
        Column::nested(path, array, 0)
    }

    fn nested(path: &str, array: &ArrayRef, depth: usize) -> Result<Column, ColumnError> {
        let unsupported = |what: &str| ColumnError {
            path: path.to_owned(),
            message: what.to_owned(),
        };
        if depth > MAX_DEPTH {
            return Err(unsupported(&format!(
                "nests deeper than {MAX_DEPTH} levels, which no wire document does"
            )));
        }
        let cast = |to: &DataType| {
            arrow_cast::cast(array, to).map_err(|e| unsupported(&format!("cannot be read: {e}")))
        };
        let nulls = array.logical_nulls();
        let values = match array.data_type() {
            DataType::Null => Values::Null,
            DataType::Utf8 => Values::Str(array.as_string::<i32>().clone()),
            DataType::LargeUtf8 | DataType::Utf8View => {
                Values::Str(cast(&DataType::Utf8)?.as_string::<i32>().clone())
            }
            DataType::Boolean => Values::Bool(array.as_boolean().clone()),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                Values::Int(cast(&DataType::Int64)?.as_primitive::<Int64Type>().clone())
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                Values::UInt(
                    cast(&DataType::UInt64)?
                        .as_primitive::<UInt64Type>()
                        .clone(),
                )
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Values::Float(
                cast(&DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
            DataType::Date32 => Values::Date(array.as_primitive::<Date32Type>().clone()),
            DataType::Date64 => {
                let days = array
                    .as_primitive::<Date64Type>()
                    .unary::<_, Date32Type>(|ms| {
                        i32::try_from(ms.div_euclid(86_400_000)).unwrap_or(i32::MAX)
                    });
                Values::Date(days)
            }
            DataType::Timestamp(unit, zone) => {
                timestamps(array, *unit, zone.as_deref()).map_err(|m| unsupported(&m))?
            }
            DataType::Struct(fields) => {
                let array = array.as_struct();
                let mut children = Vec::with_capacity(fields.len());
                for (field, child) in fields.iter().zip(array.columns()) {
                    let child_path = format!("{path}.{}", field.name());
                    let mut column = Column::nested(&child_path, child, depth + 1)?;
                    // A field of a null struct is null: no reader looks
                    // below a null struct, and a column pass (`memo`) then
                    // skips those rows rather than reading whatever values
                    // the producer left there.
                    column.nulls = NullBuffer::union(nulls.as_ref(), column.nulls.as_ref());
                    children.push((Arc::<str>::from(field.name().as_str()), column));
                }
                Values::Struct(children)
            }
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                let offsets: Vec<i64> = list.offsets().iter().map(|&o| i64::from(o)).collect();
                list_values(path, offsets, list.values(), depth)?
            }
            DataType::LargeList(_) => {
                let list = array.as_list::<i64>();
                let offsets = list.offsets().to_vec();
                list_values(path, offsets, list.values(), depth)?
            }
            DataType::Dictionary(_, _) => {
                let dictionary = array.as_any_dictionary();
                let values = Column::nested(path, dictionary.values(), depth + 1)?;
                Values::Dictionary(dictionary.normalized_keys(), Box::new(values))
            }
            other => {
                return Err(unsupported(&format!(
                    "has the Arrow type {other}, which the wire format has no use for"
                )));
            }
        };
        Ok(Column {
            nulls,
            values,
            len: array.len(),
        })
    }

    #[inline]
    fn is_null(&self, row: usize) -> bool {
        matches!(self.values, Values::Null) || self.nulls.as_ref().is_some_and(|n| n.is_null(row))
    }

    /// Row `row` of this column as a typed reader sees it (a dictionary
    /// read through to its value); [`Cell::Other`] for anything the typed
    /// readers leave to serde (numbers, a value past the end).
    #[inline]
    pub(crate) fn cell(&self, row: usize) -> Cell<'_> {
        if row >= self.len {
            return Cell::Other;
        }
        if self.is_null(row) {
            return Cell::Null;
        }
        match &self.values {
            Values::Null => Cell::Null,
            Values::Str(a) => Cell::Text(a.value(row)),
            Values::Bool(a) => Cell::Bool(a.value(row)),
            Values::Date(a) => Cell::Date(a.value(row)),
            Values::Timestamp(a, tz) => Cell::Micros(a.value(row), *tz),
            Values::Struct(_) => Cell::Struct,
            Values::List(offsets, values) => {
                let (start, end) = bounds(offsets, row);
                Cell::List(values, start, end)
            }
            Values::Dictionary(keys, values) => values.value_at(keys.get(row).copied()),
            Values::Int(_) | Values::UInt(_) | Values::Float(_) => Cell::Other,
        }
    }

    /// The dictionary value a key points at (kept out of line: [`cell`]
    /// stays small enough to inline into the readers).
    ///
    /// [`cell`]: Column::cell
    #[inline(never)]
    fn value_at(&self, key: Option<usize>) -> Cell<'_> {
        key.map_or(Cell::Other, |key| self.cell(key))
    }

    /// The fields of a struct column, by name; empty for any other column.
    #[inline]
    pub(crate) fn fields(&self) -> &[(Arc<str>, Column)] {
        match &self.values {
            Values::Struct(fields) => fields,
            _ => &[],
        }
    }

    /// The items of a list column (the column its rows' elements are
    /// rows of); `None` for any other column.
    #[inline]
    pub(crate) fn items(&self) -> Option<&Column> {
        match &self.values {
            Values::List(_, values) => Some(values),
            _ => None,
        }
    }

    /// Row `row`'s key into its dictionary, for a dictionary column: a
    /// cache of what each dictionary value resolves to is indexed by it.
    #[inline]
    pub(crate) fn dictionary_key(&self, row: usize) -> Option<usize> {
        match &self.values {
            Values::Dictionary(keys, _) => keys.get(row).copied(),
            _ => None,
        }
    }

    /// Whether every row is null (a column of no rows is not).
    pub(crate) fn is_all_null(&self) -> bool {
        self.len > 0
            && (matches!(self.values, Values::Null)
                || self
                    .nulls
                    .as_ref()
                    .is_some_and(|n| n.null_count() == self.len))
    }

    /// How many rows.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The array of a plain text column (a large or view text column is
    /// one once read); `None` for any other column.
    pub(crate) fn strings(&self) -> Option<&StringArray> {
        match &self.values {
            Values::Str(a) => Some(a),
            _ => None,
        }
    }

    /// The texts of a plain text column, each row's `None` for a null;
    /// `None` for any other column.
    pub(crate) fn texts(&self) -> Option<impl Iterator<Item = Option<&str>>> {
        match &self.values {
            Values::Str(a) => Some((0..self.len).map(move |row| {
                (!self.nulls.as_ref().is_some_and(|n| n.is_null(row))).then(|| a.value(row))
            })),
            _ => None,
        }
    }

    /// Row `row` of this column, to deserialize.
    pub(crate) fn row(&self, row: usize) -> Row<'_> {
        Row { column: self, row }
    }
}

/// A list column over `items`, cut to the items its rows hold: a slice of
/// a list array (a batch answered a slice at a time) keeps its parent's
/// whole array of items, which a column pass (`memo`) would read in full
/// for every slice. The offsets are counted from the first item kept.
///
/// # Errors
///
/// Offsets that do not fit the items (the batch was validated, so never).
fn list_values(
    path: &str,
    mut offsets: Vec<i64>,
    items: &ArrayRef,
    depth: usize,
) -> Result<Values, ColumnError> {
    let out_of_range = || ColumnError {
        path: path.to_owned(),
        message: "has list offsets out of range".to_owned(),
    };
    let first = offsets.first().copied().unwrap_or(0);
    let last = offsets.last().copied().unwrap_or(0);
    let (Ok(start), Ok(end)) = (usize::try_from(first), usize::try_from(last)) else {
        return Err(out_of_range());
    };
    if start > end || end > items.len() {
        return Err(out_of_range());
    }
    for offset in &mut offsets {
        *offset -= first;
    }
    let items = items.slice(start, end - start);
    let values = Column::nested(&format!("{path}[]"), &items, depth + 1)?;
    Ok(Values::List(
        OffsetBuffer::new(offsets.into()),
        Box::new(values),
    ))
}

/// The instants of a timestamp column, in microseconds, and its zone.
///
/// # Errors
///
/// A column without a zone (the wire format needs the offset), or a zone
/// that is not a UTC offset or an IANA name.
fn timestamps(array: &ArrayRef, unit: TimeUnit, zone: Option<&str>) -> Result<Values, String> {
    let Some(zone) = zone else {
        return Err(
            "is a timestamp without a time zone; the wire format needs the offset \
                    (give the column a zone, or write the instants as RFC 3339 strings)"
                .to_owned(),
        );
    };
    let tz: Tz = zone
        .parse()
        .map_err(|e| format!("has the time zone `{zone}`: {e}"))?;
    let micros = match unit {
        TimeUnit::Second => array
            .as_primitive::<TimestampSecondType>()
            .unary(|s| s.saturating_mul(1_000_000)),
        TimeUnit::Millisecond => array
            .as_primitive::<TimestampMillisecondType>()
            .unary(|ms| ms.saturating_mul(1_000)),
        TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().clone(),
        TimeUnit::Nanosecond => array
            .as_primitive::<TimestampNanosecondType>()
            .unary(|ns| ns.div_euclid(1_000)),
    };
    Ok(Values::Timestamp(micros, tz))
}

/// Why a row is not a valid document: serde's message, and the column it
/// is about.
#[derive(Debug)]
pub(crate) struct RowError {
    message: String,
    /// The path, innermost segment first.
    path: Vec<Segment>,
}

#[derive(Debug)]
enum Segment {
    Field(Arc<str>),
    Element(usize),
}

impl RowError {
    #[cold]
    fn within(mut self, segment: Segment) -> RowError {
        self.path.push(segment);
        self
    }
}

impl de::Error for RowError {
    #[cold]
    fn custom<T: fmt::Display>(msg: T) -> RowError {
        RowError {
            message: msg.to_string(),
            path: Vec::new(),
        }
    }
}

impl std::error::Error for RowError {}

impl fmt::Display for RowError {
    /// ``message (column `evidence.consents[0].given_at`)``, or the message
    /// alone for the row as a whole (``missing field `at` ``).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.path.is_empty() {
            return Ok(());
        }
        f.write_str(" (column `")?;
        for (i, segment) in self.path.iter().rev().enumerate() {
            match segment {
                Segment::Field(name) if i == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Element(at) => write!(f, "[{at}]")?,
            }
        }
        f.write_str("`)")
    }
}

/// One value of a column: a `serde::Deserializer` that reads it as the JSON
/// value it stands for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row<'c> {
    column: &'c Column,
    row: usize,
}

/// Room for `-262143-12-31T23:59:59.999999999+23:59:59`, the longest instant.
const INSTANT_BYTES: usize = 48;

impl<'c> de::Deserializer<'c> for Row<'c> {
    type Error = RowError;

    fn deserialize_any<V: Visitor<'c>>(self, visitor: V) -> Result<V::Value, RowError> {
        if self.row >= self.column.len {
            // Valid Arrow data never gets here (the batch is validated first).
            return Err(de::Error::custom(
                "the table's data is inconsistent: a value past the end of its column",
            ));
        }
        if self.column.is_null(self.row) {
            return visitor.visit_unit();
        }
        let row = self.row;
        match &self.column.values {
            Values::Null => visitor.visit_unit(),
            Values::Str(a) => visitor.visit_borrowed_str(a.value(row)),
            Values::Bool(a) => visitor.visit_bool(a.value(row)),
            Values::Int(a) => visitor.visit_i64(a.value(row)),
            Values::UInt(a) => visitor.visit_u64(a.value(row)),
            Values::Float(a) => visitor.visit_f64(a.value(row)),
            Values::Date(a) => {
                let mut buf = [0u8; INSTANT_BYTES];
                let text = date_text(a.value(row), &mut buf);
                visitor.visit_str(text)
            }
            Values::Timestamp(a, tz) => {
                let mut buf = [0u8; INSTANT_BYTES];
                let text = instant_text(a.value(row), *tz, &mut buf);
                visitor.visit_str(text)
            }
            Values::Struct(fields) => visitor.visit_map(Fields {
                columns: fields,
                row,
                next: 0,
                current: None,
            }),
            Values::List(offsets, values) => {
                let (start, end) = bounds(offsets, row);
                visitor.visit_seq(Elements {
                    values,
                    start,
                    next: start,
                    end,
                })
            }
            Values::Dictionary(keys, values) => match keys.get(row) {
                Some(&key) => values.row(key).deserialize_any(visitor),
                None => visitor.visit_unit(),
            },
        }
    }

    fn deserialize_option<V: Visitor<'c>>(self, visitor: V) -> Result<V::Value, RowError> {
        if self.column.is_null(self.row) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// An enum of unit variants is a string on the wire (`"subject"`); one
    /// with data is an object of one field.
    fn deserialize_enum<V: Visitor<'c>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RowError> {
        if self.row >= self.column.len {
            return self.deserialize_any(visitor);
        }
        match &self.column.values {
            Values::Str(a) if !self.column.is_null(self.row) => {
                visitor.visit_enum(BorrowedStrDeserializer::new(a.value(self.row)))
            }
            Values::Dictionary(keys, values) if !self.column.is_null(self.row) => {
                match keys.get(self.row) {
                    Some(&key) => values.row(key).deserialize_enum(name, variants, visitor),
                    None => visitor.visit_unit(),
                }
            }
            Values::Struct(fields) if !self.column.is_null(self.row) => {
                visitor.visit_enum(MapAccessDeserializer::new(Fields {
                    columns: fields,
                    row: self.row,
                    next: 0,
                    current: None,
                }))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'c>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        <W: Visitor<'c>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier
    }
}

/// The fields of a struct row that are not null, in column order.
struct Fields<'c> {
    columns: &'c [(Arc<str>, Column)],
    row: usize,
    next: usize,
    /// The field whose key was just read.
    current: Option<&'c (Arc<str>, Column)>,
}

impl<'c> MapAccess<'c> for Fields<'c> {
    type Error = RowError;

    fn next_key_seed<K: DeserializeSeed<'c>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, RowError> {
        while let Some(field) = self.columns.get(self.next) {
            self.next += 1;
            if field.1.is_null(self.row) {
                continue;
            }
            self.current = Some(field);
            let name: &'c str = &field.0;
            return seed
                .deserialize(BorrowedStrDeserializer::<RowError>::new(name))
                .map(Some)
                .map_err(|e| e.within(Segment::Field(field.0.clone())));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'c>>(&mut self, seed: V) -> Result<V::Value, RowError> {
        let Some(field) = self.current.take() else {
            return Err(de::Error::custom("a value without its field"));
        };
        seed.deserialize(field.1.row(self.row))
            .map_err(|e| e.within(Segment::Field(field.0.clone())))
    }
}

/// The elements of a list row.
struct Elements<'c> {
    values: &'c Column,
    start: usize,
    next: usize,
    end: usize,
}

impl<'c> SeqAccess<'c> for Elements<'c> {
    type Error = RowError;

    fn next_element_seed<T: DeserializeSeed<'c>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, RowError> {
        if self.next >= self.end {
            return Ok(None);
        }
        let at = self.next;
        self.next += 1;
        seed.deserialize(self.values.row(at))
            .map(Some)
            .map_err(|e| e.within(Segment::Element(at - self.start)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.end - self.next)
    }
}

/// Where row `row` of a list starts and ends in its values.
fn bounds(offsets: &OffsetBuffer<i64>, row: usize) -> (usize, usize) {
    let at = |i: usize| {
        offsets
            .get(i)
            .and_then(|&o| usize::try_from(o).ok())
            .unwrap_or(0)
    };
    let start = at(row);
    (start, at(row + 1).max(start))
}

/// `YYYY-MM-DD` for days since 1970-01-01.
fn date_text(days: i32, buf: &mut [u8; INSTANT_BYTES]) -> &str {
    let date = NaiveDate::from_num_days_from_ce_opt(days.saturating_add(719_163));
    match date {
        Some(date) => {
            let mut w = Writer { buf, len: 0 };
            w.date(date);
            w.finish()
        }
        None => "",
    }
}

/// The RFC 3339 text of an instant (microseconds since the epoch) in `tz`,
/// with the zone's offset at that instant.
fn instant_text(micros: i64, tz: Tz, buf: &mut [u8; INSTANT_BYTES]) -> &str {
    match as_datetime_with_timezone::<TimestampMicrosecondType>(micros, tz) {
        Some(at) => {
            let at: DateTime<FixedOffset> = at.fixed_offset();
            let mut w = Writer { buf, len: 0 };
            w.instant(&at);
            w.finish()
        }
        None => "",
    }
}

/// Writes digits into a fixed buffer: the instants of a table are
/// formatted without allocating.
struct Writer<'b> {
    buf: &'b mut [u8; INSTANT_BYTES],
    len: usize,
}

impl<'b> Writer<'b> {
    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// `n` in `width` digits, zero-padded.
    fn digits(&mut self, n: u32, width: u32) {
        let mut div = 10u32.pow(width.saturating_sub(1));
        while div > 0 {
            // INVARIANT: `n / div % 10` is one digit.
            self.byte(b'0' + u8::try_from(n / div % 10).unwrap_or(0));
            div /= 10;
        }
    }

    fn date(&mut self, date: NaiveDate) {
        let year = date.year();
        if !(0..=9999).contains(&year) {
            // Outside four digits chrono knows the format (`+10000-01-01`).
            for b in date.to_string().bytes() {
                self.byte(b);
            }
            return;
        }
        self.digits(year.unsigned_abs(), 4);
        self.byte(b'-');
        self.digits(date.month(), 2);
        self.byte(b'-');
        self.digits(date.day(), 2);
    }

    fn instant(&mut self, at: &DateTime<FixedOffset>) {
        let local = at.naive_local();
        self.date(local.date());
        self.byte(b'T');
        self.digits(local.hour(), 2);
        self.byte(b':');
        self.digits(local.minute(), 2);
        self.byte(b':');
        self.digits(local.second(), 2);
        let nanos = local.nanosecond() % 1_000_000_000;
        if nanos != 0 {
            self.byte(b'.');
            self.digits(nanos, 9);
        }
        let offset = at.offset().local_minus_utc();
        self.byte(if offset < 0 { b'-' } else { b'+' });
        let offset = offset.unsigned_abs();
        self.digits(offset / 3600, 2);
        self.byte(b':');
        self.digits(offset / 60 % 60, 2);
        if offset % 60 != 0 {
            self.byte(b':');
            self.digits(offset % 60, 2);
        }
    }

    fn finish(self) -> &'b str {
        let Writer { buf, len } = self;
        std::str::from_utf8(buf.get(..len).unwrap_or(&[])).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_as_rfc3339_with_the_zone_offset() {
        let mut buf = [0u8; INSTANT_BYTES];
        let tz: Tz = "+08:00".parse().unwrap();
        // 2026-11-28T02:00:00Z
        let micros = 1_795_831_200_000_000;
        assert_eq!(
            instant_text(micros, tz, &mut buf),
            "2026-11-28T10:00:00+08:00"
        );
        let tz: Tz = "UTC".parse().unwrap();
        assert_eq!(
            instant_text(micros + 1, tz, &mut buf),
            "2026-11-28T02:00:00.000001000+00:00"
        );
        let tz: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            instant_text(micros, tz, &mut buf),
            "2026-11-28T03:00:00+01:00"
        );
        assert_eq!(date_text(0, &mut buf), "1970-01-01");
        assert_eq!(date_text(-1, &mut buf), "1969-12-31");
    }
}
