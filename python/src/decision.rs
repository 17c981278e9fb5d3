//! `lawful.Decision` and its parts, for Python.
//!
//! A decision is the wire format's decision document
//! ([`DecisionDoc`]) with the engine that made it, and, when the request
//! could be read, the typed decision behind it (for `explain()`). Its fields
//! are the document's: `effect`, `basis`, `obligations` (codes and dates),
//! `reasons` (codes, rules, clauses), `subject` (the age found); `to_json()`
//! is the `lawful decide` line and `to_dict()` that line parsed.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use lawful::wire::{AgeDoc, DecisionDoc, ObligationDoc, ReasonDoc};
use pyo3::PyClass;
use pyo3::basic::CompareOp;
use pyo3::prelude::*;
use pyo3::types::PyBool;

/// The answer to one request.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone)]
pub(crate) struct Decision {
    engine: Arc<lawful::Engine>,
    doc: DecisionDoc,
    /// The typed decision, for `explain()`; `None` for a request that could
    /// not be read.
    typed: Option<lawful::Decision>,
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision")
            .field("doc", &self.doc)
            .finish_non_exhaustive()
    }
}

impl Decision {
    pub(crate) fn new(
        engine: Arc<lawful::Engine>,
        doc: DecisionDoc,
        typed: Option<lawful::Decision>,
    ) -> Decision {
        Decision { engine, doc, typed }
    }
}

#[pymethods]
impl Decision {
    /// The request's id, echoed.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.doc.id.as_deref()
    }

    /// `"permit"` or `"deny"`.
    #[getter]
    fn effect(&self) -> &'static str {
        self.doc.effect.as_str()
    }

    /// Whether the processing may go ahead.
    #[getter]
    fn is_permit(&self) -> bool {
        self.doc.is_permit()
    }

    /// The lawful basis of a permit (`"consent"`, `"contract"`...), or None.
    #[getter]
    fn basis(&self) -> Option<&'static str> {
        self.doc.basis.map(lawful::Basis::as_str)
    }

    /// What must be done, each with its date or event.
    #[getter]
    fn obligations(&self) -> Vec<Obligation> {
        self.doc
            .obligations
            .iter()
            .cloned()
            .map(Obligation::from)
            .collect()
    }

    /// Why, most important first: codes, and the rule and clause behind each.
    #[getter]
    fn reasons(&self) -> Vec<Reason> {
        self.doc.reasons.iter().cloned().map(Reason::from).collect()
    }

    /// The subject's age as the engine found it, or None when unknown.
    #[getter]
    fn subject(&self) -> Option<AgeFinding> {
        self.doc.subject.map(AgeFinding::from)
    }

    /// The id of the policy that decided.
    #[getter]
    fn policy_id(&self) -> &str {
        &self.doc.policy.id
    }

    /// The version of the policy that decided.
    #[getter]
    fn policy_version(&self) -> &str {
        &self.doc.policy.version
    }

    /// The decision in words, citing the policy's clauses (what `lawful
    /// explain` prints, without the policy text it quotes).
    fn explain(&self) -> String {
        match &self.typed {
            Some(decision) => decision.explain(&self.engine).to_string(),
            None => {
                // A request that could not be read: no rule was consulted.
                let mut out = String::from("Deny.\nReasons:\n");
                for reason in &self.doc.reasons {
                    let _ = write!(out, "  - {}", reason.code);
                    if let Some(message) = &reason.message {
                        let _ = write!(out, ": {message}");
                    }
                    out.push('\n');
                }
                let _ = write!(
                    out,
                    "Policy `{}`, version {}.",
                    self.doc.policy.id, self.doc.policy.version
                );
                out
            }
        }
    }

    /// The decision as one JSON line, exactly as `lawful decide` writes it.
    fn to_json(&self) -> String {
        self.doc.to_json()
    }

    /// The decision document as a dict (`json.loads(self.to_json())`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.doc.to_json())
    }

    fn __repr__(&self) -> String {
        format!(
            "Decision(id={}, effect={}, basis={})",
            py_repr(self.doc.id.as_deref()),
            py_str(self.doc.effect.as_str()),
            py_repr(self.doc.basis.map(lawful::Basis::as_str))
        )
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        compare(other, op, |o: &Decision| o.doc == self.doc)
    }
}

/// `==` and `!=` between two values of class `T`; other comparisons and
/// other classes are `NotImplemented`.
pub(crate) fn compare<T>(
    other: &Bound<'_, PyAny>,
    op: CompareOp,
    same: impl Fn(&T) -> bool,
) -> Py<PyAny>
where
    T: PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync,
{
    let py = other.py();
    let Ok(other) = other.cast::<T>() else {
        return py.NotImplemented();
    };
    let equal = same(other.get());
    match op {
        CompareOp::Eq => PyBool::new(py, equal).to_owned().into_any().unbind(),
        CompareOp::Ne => PyBool::new(py, !equal).to_owned().into_any().unbind(),
        _ => py.NotImplemented(),
    }
}

/// `'text'` or `None`, as Python's `repr` shows them.
pub(crate) fn py_repr(value: Option<&str>) -> String {
    value.map_or_else(|| "None".to_owned(), py_str)
}

/// A string as Python's `repr` shows it: in single quotes, with `\\` and
/// `'` escaped (and control characters as Rust escapes them, which Python
/// reads the same).
pub(crate) fn py_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `json.loads(text)`.
pub(crate) fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// An obligation: what must be done, and by when.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct Obligation {
    doc: ObligationDoc,
}

impl From<ObligationDoc> for Obligation {
    fn from(doc: ObligationDoc) -> Obligation {
        Obligation { doc }
    }
}

#[pymethods]
impl Obligation {
    /// The obligation's code (`"retain_until"`, `"notify_guardian"`...).
    #[getter]
    fn code(&self) -> &'static str {
        self.doc.code.as_str()
    }

    /// Its date, for a dated obligation with a date.
    #[getter]
    fn date(&self) -> Option<NaiveDate> {
        self.doc.date
    }

    /// Its end event (`"until_deregistration"`...), for a retention that
    /// ends with an event.
    #[getter]
    fn until(&self) -> Option<&'static str> {
        self.doc.until.map(lawful::policy::RetentionEvent::as_str)
    }

    fn __repr__(&self) -> String {
        let mut out = format!("Obligation(code={}", py_str(self.doc.code.as_str()));
        if let Some(date) = self.doc.date {
            let _ = write!(
                out,
                ", date=datetime.date({}, {}, {})",
                date.year(),
                date.month(),
                date.day()
            );
        }
        if let Some(until) = self.doc.until {
            let _ = write!(out, ", until={}", py_str(until.as_str()));
        }
        out.push(')');
        out
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        compare(other, op, |o: &Obligation| o.doc == self.doc)
    }
}

/// A reason for a decision: a code, and the rule and clause behind it.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct Reason {
    doc: ReasonDoc,
}

impl From<ReasonDoc> for Reason {
    fn from(doc: ReasonDoc) -> Reason {
        Reason { doc }
    }
}

#[pymethods]
impl Reason {
    /// The reason code (`"rule_permits"`, `"consent_withdrawn"`...).
    #[getter]
    fn code(&self) -> &'static str {
        self.doc.code.as_str()
    }

    /// The id of the policy rule behind it.
    #[getter]
    fn rule(&self) -> Option<&str> {
        self.doc.rule.as_deref()
    }

    /// The policy clause that rule cites.
    #[getter]
    fn clause(&self) -> Option<&str> {
        self.doc.clause.as_deref()
    }

    /// The category it is about.
    #[getter]
    fn category(&self) -> Option<&str> {
        self.doc.category.as_deref()
    }

    /// What exactly failed (`"purpose"`, `"recipient_region"`...).
    #[getter]
    fn detail(&self) -> Option<&'static str> {
        self.doc.detail.map(lawful::decision::Detail::as_str)
    }

    /// Why a request could not be read.
    #[getter]
    fn message(&self) -> Option<&str> {
        self.doc.message.as_deref()
    }

    fn __repr__(&self) -> String {
        let mut out = format!("Reason(code={}", py_str(self.doc.code.as_str()));
        if let Some(rule) = &self.doc.rule {
            let _ = write!(out, ", rule={}", py_str(rule));
        }
        if let Some(category) = &self.doc.category {
            let _ = write!(out, ", category={}", py_str(category));
        }
        if let Some(detail) = self.doc.detail {
            let _ = write!(out, ", detail={}", py_str(detail.as_str()));
        }
        if let Some(message) = &self.doc.message {
            let _ = write!(out, ", message={}", py_str(message));
        }
        out.push(')');
        out
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        compare(other, op, |o: &Reason| o.doc == self.doc)
    }
}

/// The subject's age as a decision found it.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct AgeFinding {
    doc: AgeDoc,
}

impl From<AgeDoc> for AgeFinding {
    fn from(doc: AgeDoc) -> AgeFinding {
        AgeFinding { doc }
    }
}

#[pymethods]
impl AgeFinding {
    /// Completed years.
    #[getter]
    fn age(&self) -> u32 {
        self.doc.age
    }

    /// Whether a child in the subject's jurisdiction.
    #[getter]
    fn child(&self) -> bool {
        self.doc.child
    }

    /// `"resident_id"` or `"birth_date"`: where the age came from.
    #[getter]
    fn age_source(&self) -> &'static str {
        self.doc.age_source.as_str()
    }

    /// Whether the resident id and the birth date disagree (the younger age counts).
    #[getter]
    fn sources_disagree(&self) -> bool {
        self.doc.sources_disagree
    }

    fn __repr__(&self) -> String {
        format!(
            "AgeFinding(age={}, child={}, age_source={}, sources_disagree={})",
            self.doc.age,
            if self.doc.child { "True" } else { "False" },
            py_str(self.doc.age_source.as_str()),
            if self.doc.sources_disagree {
                "True"
            } else {
                "False"
            }
        )
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        compare(other, op, |o: &AgeFinding| o.doc == self.doc)
    }
}
