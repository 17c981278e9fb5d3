//! `lawful.arrow`: tables of requests and records in, tables of decisions
//! and retention answers out, a batch at a time, with no Python per row.
//!
//! ```python
//! import pyarrow as pa, lawful, lawful.arrow
//!
//! engine = lawful.Engine.builtin()
//! requests = pa.Table.from_pylist([...])                 # columns named as the wire format
//! decisions = pa.table(lawful.arrow.decide(engine, requests))
//! due = pa.table(lawful.arrow.retention(engine, records, at="2026-11-28T02:00:00+08:00"))
//! ```
//!
//! Input is anything that speaks the Arrow `PyCapsule` interface
//! (`__arrow_c_stream__` or `__arrow_c_array__`): a pyarrow `Table`,
//! `RecordBatch` or `RecordBatchReader`, a Polars `DataFrame`, a `DuckDB`
//! relation, a `DataFusion` `DataFrame`, Spark's batches in `mapInArrow`. The
//! output is a [`Table`] that speaks it too, so `pyarrow.table(out)`,
//! `polars.DataFrame(out)` or `DuckDB`'s `FROM out` read it without a copy,
//! and no Arrow library is pinned by this package.
//!
//! A row is read first by a typed reader ([`requests`], [`records`]):
//! straight from its typed cells into the library's typed request or
//! record, each distinct name resolved once ([`memo`]). A row the typed
//! reader cannot be sure of goes the generic way: [`row`] reads it as its
//! wire document (the document's own serde reads the columns), which words
//! every error. How the columns are checked first is [`schema`]'s;
//! [`decisions`] and [`retention`] write the answers.
//! The GIL is released while batches are read and answered.

mod build;
mod cells;
mod decisions;
mod instants;
mod memo;
mod records;
mod requests;
mod retention;
mod row;
mod schema;

use std::sync::Arc;

use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow_pyarrow::FromPyArrow;
use arrow_schema::{ArrowError, Field, Schema, SchemaRef};
use chrono::{DateTime, FixedOffset};
use lawful::wire::{RequestDoc, RetentionRequestDoc};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyString};

use crate::engine::Engine;
use crate::request::type_name;
use build::TextLayout;
use decisions::Decisions;
use records::Records;
use requests::Requests;
use retention::Sweep;
use row::{Column, ColumnError};

/// Decides a table of requests into a table of decisions (see
/// `docs/python.md`). `keep` names input columns that are not part of the
/// request and are copied to the output as they are (a key to join on).
#[pyfunction]
#[pyo3(signature = (engine, data, *, keep = Vec::new()))]
pub(crate) fn arrow_decide(
    py: Python<'_>,
    engine: &Bound<'_, Engine>,
    data: &Bound<'_, PyAny>,
    keep: Vec<String>,
) -> PyResult<Table> {
    let reader = reader_of(data)?;
    let input = reader.schema();
    let kept = kept_fields(&input, &keep, &Decisions::fields())?;
    schema::check::<RequestDoc>(input.fields(), &keep).map_err(|e| column_error(&e, "request"))?;
    let engine = engine.get().inner().clone();
    let batches = py.detach(move || {
        answer_all(reader, |batch| {
            let rows = batch.num_rows();
            let mut out = Decisions::with_capacity(rows, id_column(batch, &keep).as_ref());
            let mut start = 0;
            while start < rows {
                let part = batch.slice(start, READ_ROWS.min(rows - start));
                let requests = Column::of_batch(&part, &keep)?;
                let mut typed = Requests::of(&requests);
                let ids = id_column(&part, &keep);
                for row in 0..part.num_rows() {
                    match typed.read(&engine, row) {
                        Some(request) => out.decide(&engine, request),
                        None => out.decide_row(&engine, &requests, ids.as_ref(), row),
                    }
                }
                start += part.num_rows();
            }
            Ok(out.finish(&engine, kept_columns(batch, &keep))?)
        })
    })?;
    Ok(Table::new(
        batches,
        output_schema(Decisions::fields(), kept),
    ))
}

/// Sweeps a table of retention records (and `terminate_service` lines)
/// into a table of retention answers; `at` is the sweep instant for every
/// row (an aware `datetime` or RFC 3339 text), unless the table has an `at`
/// column. `keep` as for [`arrow_decide`]. With `dictionary`, the columns
/// whose texts follow from a record's kind (and `outcome`, `policy`) are
/// dictionary arrays, a row's text a key into the batch's few texts,
/// rather than `utf8` columns with every row's bytes (which Spark's
/// `mapInArrow` needs).
#[pyfunction]
#[pyo3(signature = (engine, data, *, at = None, keep = Vec::new(), dictionary = false))]
pub(crate) fn arrow_retention(
    py: Python<'_>,
    engine: &Bound<'_, Engine>,
    data: &Bound<'_, PyAny>,
    at: Option<&Bound<'_, PyAny>>,
    keep: Vec<String>,
    dictionary: bool,
) -> PyResult<Table> {
    let layout = if dictionary {
        TextLayout::Dictionary
    } else {
        TextLayout::Plain
    };
    let at = at.map(instant).transpose()?;
    let reader = reader_of(data)?;
    let input = reader.schema();
    if at.is_some() && input.field_with_name("at").is_ok() && !keep.iter().any(|k| k == "at") {
        return Err(PyValueError::new_err(
            "`at` is given twice: as a column of the table and as an argument",
        ));
    }
    let kept = kept_fields(&input, &keep, &Sweep::fields(layout))?;
    schema::check::<RetentionRequestDoc>(input.fields(), &keep)
        .map_err(|e| column_error(&e, "retention record"))?;
    let engine = engine.get().inner().clone();
    let batches = py.detach(move || {
        answer_all(reader, |batch| {
            let rows = batch.num_rows();
            let mut out = Sweep::with_capacity(rows, id_column(batch, &keep).as_ref(), layout);
            let mut start = 0;
            while start < rows {
                let part = batch.slice(start, READ_ROWS.min(rows - start));
                let records = Column::of_batch(&part, &keep)?;
                let mut typed = Records::of(&records);
                let ids = id_column(&part, &keep);
                for row in 0..part.num_rows() {
                    match typed.read(&engine, row) {
                        Some(r) => out.sweep(&engine, r.id, &r.state, at.or(r.at)),
                        None => out.sweep_row(&engine, &records, ids.as_ref(), row, at),
                    }
                }
                start += part.num_rows();
            }
            Ok(out.finish(&engine, kept_columns(batch, &keep))?)
        })
    })?;
    Ok(Table::new(
        batches,
        output_schema(Sweep::fields(layout), kept),
    ))
}

/// The answer table's schema in Spark's DDL (`` `id` STRING, `effect`
/// STRING, ...``; names quoted, as `end` and `by` are keywords), for `DataFrame.mapInArrow(function, schema)`; `kind` is
/// `"decide"` or `"retention"`.
#[pyfunction]
pub(crate) fn spark_schema(kind: &str) -> PyResult<String> {
    let fields = match kind {
        "decide" => Decisions::fields(),
        "retention" => Sweep::fields(TextLayout::Plain),
        other => {
            return Err(PyValueError::new_err(format!(
                "`kind` is `decide` or `retention`, not `{other}`"
            )));
        }
    };
    let columns: Result<Vec<String>, String> = fields
        .iter()
        .map(|f| Ok(format!("`{}` {}", f.name(), spark_type(f.data_type())?)))
        .collect();
    columns
        .map(|c| c.join(", "))
        .map_err(PyRuntimeError::new_err)
}

/// A column type of the answer tables in Spark's DDL.
fn spark_type(data_type: &arrow_schema::DataType) -> Result<String, String> {
    use arrow_schema::DataType;
    Ok(match data_type {
        DataType::Utf8 => "STRING".to_owned(),
        DataType::Boolean => "BOOLEAN".to_owned(),
        DataType::Int32 => "INT".to_owned(),
        DataType::Date32 => "DATE".to_owned(),
        DataType::Timestamp(_, _) => "TIMESTAMP".to_owned(),
        DataType::List(item) => format!("ARRAY<{}>", spark_type(item.data_type())?),
        DataType::Struct(fields) => {
            let fields: Result<Vec<String>, String> = fields
                .iter()
                .map(|f| Ok(format!("`{}`: {}", f.name(), spark_type(f.data_type())?)))
                .collect();
            format!("STRUCT<{}>", fields?.join(", "))
        }
        other => return Err(format!("no Spark type for {other}")),
    })
}

/// Why a table could not be answered.
#[derive(Debug)]
enum Failure {
    /// A column no row could be read from.
    Column(ColumnError),
    /// The input stream failed, or a batch could not be built.
    Arrow(ArrowError),
}

impl From<ColumnError> for Failure {
    fn from(e: ColumnError) -> Failure {
        Failure::Column(e)
    }
}

impl From<ArrowError> for Failure {
    fn from(e: ArrowError) -> Failure {
        Failure::Arrow(e)
    }
}

impl From<Failure> for PyErr {
    fn from(failure: Failure) -> PyErr {
        match failure {
            Failure::Column(e) => {
                PyValueError::new_err(format!("column `{}` {}", e.path, e.message))
            }
            Failure::Arrow(e) => PyRuntimeError::new_err(format!("cannot read the table: {e}")),
        }
    }
}

/// The column error of a schema check, in words naming the document.
fn column_error(e: &ColumnError, document: &str) -> PyErr {
    PyValueError::new_err(format!(
        "column `{}` {} (a {document} has the wire format's fields; pass other columns in `keep`)",
        e.path, e.message
    ))
}

/// The most rows answered in one output batch. An input batch may be far
/// larger (a table read whole from Parquet); answering it in slices keeps
/// each answer batch's text under what its 32-bit offsets can address (its
/// clauses run to tens of bytes a reason), and its builders small.
const MAX_ANSWER_ROWS: usize = 16_384;

/// The most rows read at a time. The readers resolve each column of what
/// they read in one pass (`memo`), and a request row then reads the slots
/// of some thirty columns: read 4,096 rows at a time they stay in the
/// core's cache (A/B of the builds, 200,000 rows, 12 rounds: decide 1.02 M
/// rows per CPU-second reading a slice of 16,384 rows whole, 1.10 M reading
/// it in parts of 4,096). A record has a few columns: the sweep reads in
/// parts too, for one way of reading, at no measurable cost or gain.
const READ_ROWS: usize = 4_096;

/// Every batch of `reader`, validated and answered a slice at a time.
///
/// The batches come from another library through the C data interface,
/// which trusts the producer: each is validated in full first (offsets,
/// dictionary keys, UTF-8), so that a producer's bug is an error here, not a
/// read past the end of a buffer.
fn answer_all(
    reader: Box<dyn RecordBatchReader + Send>,
    mut answer: impl FnMut(&RecordBatch) -> Result<RecordBatch, Failure>,
) -> Result<Vec<RecordBatch>, Failure> {
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch?;
        for column in batch.columns() {
            column.to_data().validate_full()?;
        }
        let rows = batch.num_rows();
        let mut offset = 0;
        loop {
            let len = MAX_ANSWER_ROWS.min(rows - offset);
            out.push(answer(&batch.slice(offset, len))?);
            offset += len;
            if offset >= rows {
                break;
            }
        }
    }
    Ok(out)
}

/// A reader of the batches of any Arrow data, or a `TypeError` saying what
/// is expected. A stream (`__arrow_c_stream__`) is read a batch at a time;
/// a single batch (`__arrow_c_array__`) is one.
fn reader_of(data: &Bound<'_, PyAny>) -> PyResult<Box<dyn RecordBatchReader + Send>> {
    let py = data.py();
    if data.hasattr(intern!(py, "__arrow_c_stream__"))? {
        return Ok(Box::new(RecordBatchStreamReader::from_pyarrow_bound(data)?));
    }
    if data.hasattr(intern!(py, "__arrow_c_array__"))? {
        let batch = RecordBatch::from_pyarrow_bound(data)?;
        let schema = batch.schema();
        return Ok(Box::new(RecordBatchIterator::new([Ok(batch)], schema)));
    }
    Err(PyTypeError::new_err(format!(
        "`data` is Arrow data (a pyarrow Table or RecordBatch, a Polars DataFrame, a DuckDB \
         relation: anything with `__arrow_c_stream__`), not `{}`",
        type_name(data)
    )))
}

/// The fields of the `keep` columns, checked: each is in the input, named
/// once, and is not the name of an output column.
fn kept_fields(input: &Schema, keep: &[String], output: &[Field]) -> PyResult<Vec<Field>> {
    let mut fields = Vec::with_capacity(keep.len());
    for (i, name) in keep.iter().enumerate() {
        let field = input.field_with_name(name).map_err(|_| {
            PyValueError::new_err(format!(
                "`keep` names `{name}`, which is not a column of the table"
            ))
        })?;
        if keep.iter().take(i).any(|k| k == name) {
            return Err(PyValueError::new_err(format!(
                "`keep` names `{name}` twice"
            )));
        }
        if output.iter().any(|f| f.name() == name) {
            return Err(PyValueError::new_err(format!(
                "`keep` names `{name}`, which is also a column of the answer; rename it first"
            )));
        }
        fields.push(field.clone());
    }
    Ok(fields)
}

/// The `keep` columns of a batch.
fn kept_columns(batch: &RecordBatch, keep: &[String]) -> Vec<(Field, ArrayRef)> {
    let schema = batch.schema();
    keep.iter()
        .filter_map(|name| {
            let (i, field) = schema.column_with_name(name)?;
            Some((field.clone(), batch.column(i).clone()))
        })
        .collect()
}

/// The `id` column of a batch, to echo the id of a row that is not a
/// document (as `lawful decide` does for a line).
fn id_column(batch: &RecordBatch, keep: &[String]) -> Option<Column> {
    if keep.iter().any(|k| k == "id") {
        return None;
    }
    let ids = batch.column_by_name("id")?;
    Column::new("id", ids).ok()
}

fn output_schema(mut fields: Vec<Field>, kept: Vec<Field>) -> SchemaRef {
    fields.extend(kept);
    Arc::new(Schema::new(fields))
}

/// An instant given as an aware `datetime` or RFC 3339 text.
fn instant(value: &Bound<'_, PyAny>) -> PyResult<DateTime<FixedOffset>> {
    let py = value.py();
    let text = if let Ok(text) = value.cast::<PyString>() {
        text.to_cow()?.into_owned()
    } else if value.hasattr(intern!(py, "utcoffset"))? && value.hasattr(intern!(py, "isoformat"))? {
        if value.call_method0(intern!(py, "utcoffset"))?.is_none() {
            return Err(PyValueError::new_err(
                "`at` has no time zone; give an aware datetime (the wire format needs the offset)",
            ));
        }
        value.call_method0(intern!(py, "isoformat"))?.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "`at` is a datetime or RFC 3339 text, not `{}`",
            type_name(value)
        )));
    };
    DateTime::parse_from_rfc3339(&text).map_err(|e| {
        PyValueError::new_err(format!("`at` is not an RFC 3339 instant (`{text}`): {e}"))
    })
}

/// The answer of an Arrow function: batches that any Arrow library reads
/// through the `PyCapsule` interface (`pyarrow.table(t)`,
/// `polars.DataFrame(t)`, `DuckDB` `FROM t`).
#[pyclass(frozen, module = "lawful.arrow", skip_from_py_object)]
#[derive(Debug)]
pub(crate) struct Table {
    batches: Vec<RecordBatch>,
    schema: SchemaRef,
}

impl Table {
    fn new(batches: Vec<RecordBatch>, schema: SchemaRef) -> Table {
        Table { batches, schema }
    }
}

#[pymethods]
impl Table {
    /// The Arrow schema, as a `PyCapsule` (the `PyCapsule` interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The batches, as an Arrow C stream in a `PyCapsule` (the `PyCapsule`
    /// interface). A `requested_schema` is not honoured (the protocol lets
    /// a producer ignore it): the consumer casts if it wants other types.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches: Vec<Result<RecordBatch, ArrowError>> =
            self.batches.iter().cloned().map(Ok).collect();
        let reader: Box<dyn RecordBatchReader + Send> =
            Box::new(RecordBatchIterator::new(batches, self.schema.clone()));
        let stream = FFI_ArrowArrayStream::new(reader);
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// How many rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    /// The table as a `pyarrow.Table` (pyarrow must be installed).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("pyarrow")?.call_method1("table", (slf,))
    }

    /// The table as a `polars.DataFrame` (polars must be installed).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        py.import("polars")?.call_method1("DataFrame", (slf,))
    }

    fn __repr__(&self) -> String {
        format!(
            "lawful.arrow.Table({} rows: {})",
            self.num_rows(),
            self.column_names().join(", ")
        )
    }
}
