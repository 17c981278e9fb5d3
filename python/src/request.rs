//! What Python may pass as a request (or a retention or rights line), and
//! the answer for what cannot be one.
//!
//! A request is the wire format's document: a `str` (one JSON object), the
//! same as `bytes` (UTF-8), or a `dict` (any mapping), which is written as
//! JSON first (`datetime` and `date` values as RFC 3339 and ISO dates), so a
//! dict is decided exactly as its JSON line would be. Anything else is a
//! `TypeError`: the caller passed the wrong thing.
//!
//! A value of the right type that is still not a request (text that is not
//! JSON, a mapping holding a set, a naive `datetime`, a text longer than the
//! engine's limit) is not an exception: like a bad line of `lawful decide`,
//! it gets a deny with `invalid_request` and a message saying why, and a
//! batch goes on.

use lawful::Engine;
use lawful::wire::{DecisionDoc, ErrorLineDoc};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyMapping, PyString};

/// The default longest request, in bytes: `lawful decide`'s default line limit.
pub(crate) const DEFAULT_MAX_REQUEST_BYTES: usize = 1 << 20;

/// A request as text, or why it cannot be one.
#[derive(Debug)]
pub(crate) enum Line {
    /// JSON text, for the library to read.
    Text(String),
    /// Not a request: the message, and the id the mapping gave, if any.
    Unreadable { message: String, id: Option<String> },
}

impl Line {
    /// Reads one Python request.
    ///
    /// # Errors
    ///
    /// `TypeError` for a value that is not a `str`, `bytes` or mapping.
    pub(crate) fn of(request: &Bound<'_, PyAny>, max_bytes: usize) -> PyResult<Line> {
        let line = if let Ok(text) = request.cast::<PyString>() {
            match text.to_cow() {
                Ok(text) => Line::Text(text.into_owned()),
                Err(_) => Line::unreadable(
                    "the request is not valid Unicode text (it holds a lone surrogate)",
                ),
            }
        } else if let Ok(bytes) = request.cast::<PyBytes>() {
            match std::str::from_utf8(bytes.as_bytes()) {
                Ok(text) => Line::Text(text.to_owned()),
                Err(_) => Line::unreadable("the line is not UTF-8 text"),
            }
        } else if is_mapping(request)? {
            json_of_mapping(request)?
        } else {
            return Err(PyTypeError::new_err(format!(
                "a request is a dict or a JSON string, not `{}`",
                type_name(request)
            )));
        };
        Ok(match line {
            Line::Text(text) if text.len() > max_bytes => Line::Unreadable {
                message: format!(
                    "the request is longer than the limit of {max_bytes} bytes (see `max_request_bytes`)"
                ),
                id: None,
            },
            line => line,
        })
    }

    #[cold]
    fn unreadable(message: &str) -> Line {
        Line::Unreadable {
            message: message.to_owned(),
            id: None,
        }
    }
}

/// Whether `value` is a dict or another mapping.
fn is_mapping(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    static MAPPING: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    if value.is_instance_of::<PyDict>() {
        return Ok(true);
    }
    let py = value.py();
    let mapping = MAPPING.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("collections.abc")?.getattr("Mapping")?.unbind())
    })?;
    value.is_instance(mapping.bind(py))
}

/// The JSON text of a mapping, through Python's `json.dumps` with
/// [`json_default`] for dates; what `json.dumps` refuses is unreadable.
fn json_of_mapping(mapping: &Bound<'_, PyAny>) -> PyResult<Line> {
    static DUMPS: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();
    let py = mapping.py();
    let (dumps, default) = DUMPS.get_or_try_init(py, || -> PyResult<_> {
        let dumps = py.import("json")?.getattr("dumps")?.unbind();
        let default = py
            .import("lawful._lawful")?
            .getattr("json_default")?
            .unbind();
        Ok((dumps, default))
    })?;
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "default"), default.bind(py))?;
    kwargs.set_item(intern!(py, "allow_nan"), false)?;
    // A mapping that is not a dict is copied into one first: `json.dumps`
    // writes only dicts as objects.
    let object = if mapping.is_instance_of::<PyDict>() {
        mapping.clone()
    } else {
        let dict = PyDict::new(py);
        dict.update(mapping.cast::<PyMapping>()?)?;
        dict.into_any()
    };
    match dumps.bind(py).call((object,), Some(&kwargs)) {
        Ok(text) => Ok(Line::Text(text.extract::<String>()?)),
        Err(e) => {
            let id = mapping
                .get_item(intern!(py, "id"))
                .ok()
                .and_then(|id| id.extract::<String>().ok());
            Ok(Line::Unreadable {
                message: format!("the request cannot be written as JSON: {}", e.value(py)),
                id,
            })
        }
    }
}

/// The `default` of `json.dumps` for requests: an aware `datetime` as RFC
/// 3339 (`2026-11-28T10:00:00+08:00`), a `date` as `1990-01-01`. A naive
/// `datetime` is refused: the wire format needs the offset, and guessing one
/// could move a decision across a day.
///
/// # Errors
///
/// `TypeError` for a naive `datetime` or any other value JSON has no form for.
#[pyfunction]
pub(crate) fn json_default(value: &Bound<'_, PyAny>) -> PyResult<String> {
    static TYPES: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();
    let py = value.py();
    let (datetime, date) = TYPES.get_or_try_init(py, || -> PyResult<_> {
        let module = py.import("datetime")?;
        Ok((
            module.getattr("datetime")?.unbind(),
            module.getattr("date")?.unbind(),
        ))
    })?;
    if value.is_instance(datetime.bind(py))? {
        if value.call_method0(intern!(py, "utcoffset"))?.is_none() {
            return Err(PyTypeError::new_err(format!(
                "the datetime `{}` has no time zone; the wire format needs its offset",
                value.str()?
            )));
        }
        return value.call_method0(intern!(py, "isoformat"))?.extract();
    }
    if value.is_instance(date.bind(py))? {
        return value.call_method0(intern!(py, "isoformat"))?.extract();
    }
    Err(PyTypeError::new_err(format!(
        "Object of type {} is not JSON serializable",
        type_name(value)
    )))
}

/// The name of a value's type, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// The deny for a request that is not one, as `lawful decide` writes for a
/// line it cannot read.
pub(crate) fn unreadable_decision(
    engine: &Engine,
    message: String,
    id: Option<String>,
) -> DecisionDoc {
    DecisionDoc::unreadable(engine, id, message)
}

/// The error line for a retention or rights line that is not one.
pub(crate) fn unreadable_answer(
    engine: &Engine,
    message: String,
    id: Option<String>,
) -> ErrorLineDoc {
    ErrorLineDoc::unreadable(engine, id, message)
}
