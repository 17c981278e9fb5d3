//! The answers to retention and rights lines, for Python.
//!
//! Each answer is the library's document for a `lawful retention` or
//! `lawful rights` line, or the error line for one it could not read:
//! `to_json()` is the line those commands write, `to_dict()` that line
//! parsed, and the fields a program branches on are properties (dates as
//! `datetime.date`). The nested parts of a retention answer (`plan`, `due`,
//! `termination`) are given as the JSON document's dicts.

use chrono::{Datelike, NaiveDate};
use lawful::lifecycle::RecordOutcome;
use lawful::wire::{ErrorLineDoc, RetentionResponseDoc, RightsResponseDoc};
use pyo3::prelude::*;
use serde::Serialize;

use crate::decision::{Obligation, json_loads, py_repr, py_str};

/// Why a line could not be answered: a code and a message.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct AnswerError {
    code: &'static str,
    message: String,
}

#[pymethods]
impl AnswerError {
    /// `"invalid_request"`, `"unknown_category"` or `"unknown_purpose"`.
    #[getter]
    fn code(&self) -> &'static str {
        self.code
    }

    /// What was wrong, for people.
    #[getter]
    fn message(&self) -> &str {
        &self.message
    }

    fn __repr__(&self) -> String {
        format!(
            "AnswerError(code={}, message={})",
            py_str(self.code),
            py_str(&self.message)
        )
    }
}

impl AnswerError {
    fn of(line: &ErrorLineDoc) -> AnswerError {
        AnswerError {
            code: line.error.code.as_str(),
            message: line.error.message.clone(),
        }
    }
}

/// The JSON text of a document: plain data, which serializes.
fn json_text<T: Serialize>(doc: &T) -> String {
    serde_json::to_string(doc).unwrap_or_default()
}

/// A part of a document as a dict, or None.
fn part<'py, T: Serialize>(
    py: Python<'py>,
    part: Option<&T>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    part.map(|p| json_loads(py, &json_text(p))).transpose()
}

/// The answer to one `lawful retention` line.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct RetentionAnswer {
    answer: Result<RetentionResponseDoc, ErrorLineDoc>,
}

impl RetentionAnswer {
    pub(crate) fn new(answer: Result<RetentionResponseDoc, ErrorLineDoc>) -> RetentionAnswer {
        RetentionAnswer { answer }
    }
}

#[pymethods]
impl RetentionAnswer {
    /// The line's id, echoed.
    #[getter]
    fn id(&self) -> Option<&str> {
        match &self.answer {
            Ok(doc) => doc.id.as_deref(),
            Err(line) => line.id.as_deref(),
        }
    }

    /// Why the line could not be answered, or None.
    #[getter]
    fn error(&self) -> Option<AnswerError> {
        self.answer.as_ref().err().map(AnswerError::of)
    }

    /// With `at`: `"keep"`, `"dispose"` or `"hold"`.
    #[getter]
    fn outcome(&self) -> Option<&'static str> {
        self.answer
            .as_ref()
            .ok()
            .and_then(|d| d.outcome)
            .map(RecordOutcome::as_str)
    }

    /// The record's retention plan, as the JSON document's dict.
    #[getter]
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        part(py, self.answer.as_ref().ok().and_then(|d| d.plan.as_ref()))
    }

    /// With `at`, when a deletion trigger applies: what is due, as a dict.
    #[getter]
    fn due<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        part(py, self.answer.as_ref().ok().and_then(|d| d.due.as_ref()))
    }

    /// The disposal's deadline, when one is due.
    #[getter]
    fn due_by(&self) -> Option<NaiveDate> {
        self.answer
            .as_ref()
            .ok()
            .and_then(|d| d.due.as_ref())
            .map(|d| d.by)
    }

    /// For a `terminate_service` line: the plan, as a dict.
    #[getter]
    fn termination<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        part(
            py,
            self.answer
                .as_ref()
                .ok()
                .and_then(|d| d.termination.as_ref()),
        )
    }

    /// The answer as one JSON line, exactly as `lawful retention` writes it.
    fn to_json(&self) -> String {
        match &self.answer {
            Ok(doc) => json_text(doc),
            Err(line) => json_text(line),
        }
    }

    /// The answer as a dict (`json.loads(self.to_json())`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.to_json())
    }

    fn __repr__(&self) -> String {
        match &self.answer {
            Ok(doc) => format!(
                "RetentionAnswer(id={}, outcome={})",
                py_repr(doc.id.as_deref()),
                py_repr(doc.outcome.map(RecordOutcome::as_str))
            ),
            Err(line) => format!(
                "RetentionAnswer(id={}, error={})",
                py_repr(line.id.as_deref()),
                py_str(line.error.code.as_str())
            ),
        }
    }
}

/// The answer to one `lawful rights` line.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct RightsAnswer {
    answer: Result<RightsResponseDoc, ErrorLineDoc>,
}

impl RightsAnswer {
    pub(crate) fn new(answer: Result<RightsResponseDoc, ErrorLineDoc>) -> RightsAnswer {
        RightsAnswer { answer }
    }

    fn doc(&self) -> Option<&RightsResponseDoc> {
        self.answer.as_ref().ok()
    }
}

#[pymethods]
impl RightsAnswer {
    /// The request's id, echoed.
    #[getter]
    fn id(&self) -> Option<&str> {
        match &self.answer {
            Ok(doc) => doc.id.as_deref(),
            Err(line) => line.id.as_deref(),
        }
    }

    /// Why the line could not be answered, or None.
    #[getter]
    fn error(&self) -> Option<AnswerError> {
        self.answer.as_ref().err().map(AnswerError::of)
    }

    /// What was asked for (`"access"`, `"deletion"`...).
    #[getter]
    fn kind(&self) -> Option<&'static str> {
        self.doc().map(|d| d.kind.as_str())
    }

    /// `"permit"` (carry it out) or `"deny"` (not yet, or refused).
    #[getter]
    fn effect(&self) -> Option<&'static str> {
        self.doc().map(|d| d.effect.as_str())
    }

    /// The date by which the requester must have an answer.
    #[getter]
    fn respond_by(&self) -> Option<NaiveDate> {
        self.doc().map(|d| d.respond_by)
    }

    /// The extended date, when a notified extension holds.
    #[getter]
    fn extended_respond_by(&self) -> Option<NaiveDate> {
        self.doc().and_then(|d| d.extended_respond_by)
    }

    /// Whether the GDPR's rules applied.
    #[getter]
    fn gdpr(&self) -> Option<bool> {
        self.doc().map(|d| d.gdpr)
    }

    /// Same-kind requests in the fee window, this one included.
    #[getter]
    fn requests_in_window(&self) -> Option<u32> {
        self.doc().map(|d| d.requests_in_window)
    }

    /// The obligations, each with its date.
    #[getter]
    fn obligations(&self) -> Vec<Obligation> {
        self.doc()
            .map(|d| {
                d.obligations
                    .iter()
                    .cloned()
                    .map(Obligation::from)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The reasons, as the JSON document's dicts (`code`, and for a
    /// refusal its `ground` and `statement`).
    #[getter]
    fn reasons<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.doc() {
            Some(doc) => json_loads(py, &json_text(&doc.reasons)),
            None => json_loads(py, "[]"),
        }
    }

    /// For a refusal: the remedies to tell the requester of.
    #[getter]
    fn remedies(&self) -> Option<&str> {
        self.doc().and_then(|d| d.remedies.as_deref())
    }

    /// The policy's rights clause.
    #[getter]
    fn clause(&self) -> Option<&str> {
        self.doc().and_then(|d| d.clause.as_deref())
    }

    /// The answer as one JSON line, exactly as `lawful rights` writes it.
    fn to_json(&self) -> String {
        match &self.answer {
            Ok(doc) => json_text(doc),
            Err(line) => json_text(line),
        }
    }

    /// The answer as a dict (`json.loads(self.to_json())`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.to_json())
    }

    fn __repr__(&self) -> String {
        match &self.answer {
            Ok(doc) => format!(
                "RightsAnswer(id={}, kind={}, effect={}, respond_by=datetime.date({}, {}, {}))",
                py_repr(doc.id.as_deref()),
                py_str(doc.kind.as_str()),
                py_str(doc.effect.as_str()),
                doc.respond_by.year(),
                doc.respond_by.month(),
                doc.respond_by.day()
            ),
            Err(line) => format!(
                "RightsAnswer(id={}, error={})",
                py_repr(line.id.as_deref()),
                py_str(line.error.code.as_str())
            ),
        }
    }
}
