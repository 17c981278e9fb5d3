//! `lawful.Engine`: a compiled policy, immutable and shared by every thread.
//!
//! ```python
//! engine = lawful.Engine.from_path("policy.toml")   # PolicyError if it does not load
//! decision = engine.decide(request)                  # a dict or a JSON string
//! decisions = engine.decide_many(requests)           # the GIL released meanwhile
//! ```
//!
//! An engine holds the library's [`lawful::Engine`] behind an `Arc`: every
//! decision keeps the engine that made it (to explain itself), and no
//! decision reads another engine's policy. Loading a file and deciding
//! release the GIL, so threads decide in parallel on one engine.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use lawful::policy::LoadOptions;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::decision::{Decision, py_str};
use crate::lifecycle::{RetentionAnswer, RightsAnswer};
use crate::policy_error::{Diagnostic, policy_error};
use crate::request::{DEFAULT_MAX_REQUEST_BYTES, Line, unreadable_answer, unreadable_decision};

/// A compiled policy that decides requests (see the module docs).
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct Engine {
    inner: Arc<lawful::Engine>,
    max_request_bytes: usize,
}

impl Engine {
    /// The library's engine.
    pub(crate) fn inner(&self) -> &Arc<lawful::Engine> {
        &self.inner
    }

    fn new(inner: Arc<lawful::Engine>, max_request_bytes: usize) -> PyResult<Engine> {
        if max_request_bytes == 0 {
            return Err(PyValueError::new_err(
                "`max_request_bytes` must be at least 1",
            ));
        }
        Ok(Engine {
            inner,
            max_request_bytes,
        })
    }

    /// The Python requests of `requests` (any iterable) as lines.
    fn lines(&self, requests: &Bound<'_, PyAny>) -> PyResult<Vec<Line>> {
        let iter = requests.try_iter().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "`requests` is an iterable of requests, not `{}`",
                crate::request::type_name(requests)
            ))
        })?;
        let mut lines = match requests.cast::<PyList>() {
            Ok(list) => Vec::with_capacity(list.len()),
            Err(_) => Vec::new(),
        };
        for request in iter {
            lines.push(Line::of(&request?, self.max_request_bytes)?);
        }
        Ok(lines)
    }
}

// The signatures write the default request limit as a literal, which Python
// shows in `help()` and the stubs repeat; it is the constant.
const _: () = assert!(DEFAULT_MAX_REQUEST_BYTES == 1_048_576);

/// The limits a policy is loaded within.
fn load_options(max_policy_bytes: Option<usize>) -> LoadOptions {
    match max_policy_bytes {
        Some(bytes) => LoadOptions::new().max_bytes(bytes),
        None => LoadOptions::new(),
    }
}

#[pymethods]
impl Engine {
    /// The built-in seed policy (`policies/default.toml`), loaded once.
    #[staticmethod]
    #[pyo3(signature = (*, max_request_bytes = 1_048_576))]
    fn builtin(max_request_bytes: usize) -> PyResult<Engine> {
        Engine::new(builtin_engine().clone(), max_request_bytes)
    }

    /// Loads a policy file (at most `max_policy_bytes`, 4 MiB by default).
    #[staticmethod]
    #[expect(
        clippy::needless_pass_by_value,
        reason = "PyO3 converts a str or a path-like into an owned PathBuf"
    )]
    #[pyo3(signature = (path, *, max_policy_bytes = None, max_request_bytes = 1_048_576))]
    fn from_path(
        py: Python<'_>,
        path: PathBuf,
        max_policy_bytes: Option<usize>,
        max_request_bytes: usize,
    ) -> PyResult<Engine> {
        let options = load_options(max_policy_bytes);
        let loaded = py.detach(|| lawful::Engine::from_path_with(&path, options));
        match loaded {
            Ok(engine) => Engine::new(Arc::new(engine), max_request_bytes),
            Err(error) => Err(policy_error(py, &error)),
        }
    }

    /// Loads a policy from TOML text; `name` is what diagnostics call it.
    #[staticmethod]
    #[pyo3(signature = (text, *, name = None, max_policy_bytes = None, max_request_bytes = 1_048_576))]
    fn from_toml(
        py: Python<'_>,
        text: &str,
        name: Option<&str>,
        max_policy_bytes: Option<usize>,
        max_request_bytes: usize,
    ) -> PyResult<Engine> {
        let options = load_options(max_policy_bytes);
        let name = name.unwrap_or("<policy>");
        let loaded = py.detach(|| lawful::Engine::from_named_toml_with(name, text, options));
        match loaded {
            Ok(engine) => Engine::new(Arc::new(engine), max_request_bytes),
            Err(error) => Err(policy_error(py, &error)),
        }
    }

    /// The policy's id.
    #[getter]
    fn policy_id(&self) -> &str {
        self.inner.policy_id()
    }

    /// The policy's version.
    #[getter]
    fn policy_version(&self) -> &str {
        self.inner.policy_version()
    }

    /// The policy's own TOML text.
    #[getter]
    fn policy_source(&self) -> &str {
        self.inner.policy_source()
    }

    /// What loads but deserves a reviewer's eye (as `lawful check` shows).
    #[getter]
    fn warnings(&self) -> Vec<Diagnostic> {
        Diagnostic::warnings_of(&self.inner)
    }

    /// The longest request this engine reads, in bytes; a longer one is a
    /// deny with `invalid_request`.
    #[getter]
    fn max_request_bytes(&self) -> usize {
        self.max_request_bytes
    }

    /// Decides one request (a dict, or a JSON string or bytes).
    fn decide(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Decision> {
        let line = Line::of(request, self.max_request_bytes)?;
        let engine = &self.inner;
        Ok(py.detach(|| decide_line(engine, line)))
    }

    /// Decides every request of an iterable, in order, with the GIL released
    /// while deciding.
    fn decide_many(&self, py: Python<'_>, requests: &Bound<'_, PyAny>) -> PyResult<Vec<Decision>> {
        let lines = self.lines(requests)?;
        let engine = &self.inner;
        Ok(py.detach(|| {
            lines
                .into_iter()
                .map(|line| decide_line(engine, line))
                .collect()
        }))
    }

    /// Answers one `lawful retention` line (a dict, or a JSON string).
    fn retention(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<RetentionAnswer> {
        let line = Line::of(request, self.max_request_bytes)?;
        Ok(py.detach(|| retention_line(&self.inner, line)))
    }

    /// Answers every retention line of an iterable, in order, with the GIL
    /// released meanwhile.
    fn retention_many(
        &self,
        py: Python<'_>,
        requests: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<RetentionAnswer>> {
        let lines = self.lines(requests)?;
        let engine = &self.inner;
        Ok(py.detach(|| {
            lines
                .into_iter()
                .map(|line| retention_line(engine, line))
                .collect()
        }))
    }

    /// Answers one `lawful rights` line (a dict, or a JSON string).
    fn rights(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<RightsAnswer> {
        let line = Line::of(request, self.max_request_bytes)?;
        Ok(py.detach(|| rights_line(&self.inner, line)))
    }

    /// Answers every rights line of an iterable, in order, with the GIL
    /// released meanwhile.
    fn rights_many(
        &self,
        py: Python<'_>,
        requests: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<RightsAnswer>> {
        let lines = self.lines(requests)?;
        let engine = &self.inner;
        Ok(py.detach(|| {
            lines
                .into_iter()
                .map(|line| rights_line(engine, line))
                .collect()
        }))
    }

    /// Pickling (a Spark closure, a process pool): the engine is rebuilt
    /// from its policy's text, or is the built-in one again.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let module = py.import("lawful._lawful")?;
        let rebuild = module.getattr("_engine_from_source")?;
        let builtin = Arc::ptr_eq(&self.inner, builtin_engine());
        let args = (
            builtin,
            self.inner.policy_source(),
            self.inner.policy_source_name(),
            self.max_request_bytes,
        )
            .into_pyobject(py)?
            .into_any();
        Ok((rebuild, args))
    }

    fn __repr__(&self) -> String {
        format!(
            "Engine(policy_id={}, policy_version={})",
            py_str(self.inner.policy_id()),
            py_str(self.inner.policy_version())
        )
    }
}

/// The built-in engine, shared by every `Engine.builtin()`.
fn builtin_engine() -> &'static Arc<lawful::Engine> {
    static BUILTIN: OnceLock<Arc<lawful::Engine>> = OnceLock::new();
    BUILTIN.get_or_init(|| Arc::new(lawful::Engine::builtin().clone()))
}

/// An engine rebuilt by `pickle` (see `Engine.__reduce__`): the built-in
/// one, or the policy `text` loaded again under its `name`, within a size
/// limit that admits it.
#[pyfunction]
pub(crate) fn _engine_from_source(
    py: Python<'_>,
    builtin: bool,
    text: &str,
    name: &str,
    max_request_bytes: usize,
) -> PyResult<Engine> {
    if builtin {
        return Engine::builtin(max_request_bytes);
    }
    let options = LoadOptions::new().max_bytes(text.len().max(LoadOptions::DEFAULT_MAX_BYTES));
    match py.detach(|| lawful::Engine::from_named_toml_with(name, text, options)) {
        Ok(engine) => Engine::new(Arc::new(engine), max_request_bytes),
        Err(error) => Err(policy_error(py, &error)),
    }
}

/// One decision, as `lawful decide` makes it for a line.
fn decide_line(engine: &Arc<lawful::Engine>, line: Line) -> Decision {
    match line {
        Line::Text(text) => {
            // `lawful decide` trims each line before reading it.
            let (doc, decision) = engine.decide_json_typed(text.trim());
            Decision::new(engine.clone(), doc, decision)
        }
        Line::Unreadable { message, id } => Decision::new(
            engine.clone(),
            unreadable_decision(engine, message, id),
            None,
        ),
    }
}

fn retention_line(engine: &Arc<lawful::Engine>, line: Line) -> RetentionAnswer {
    match line {
        Line::Text(text) => {
            RetentionAnswer::new(engine.retention_answer(text.trim()).map_err(|e| *e))
        }
        Line::Unreadable { message, id } => {
            RetentionAnswer::new(Err(unreadable_answer(engine, message, id)))
        }
    }
}

fn rights_line(engine: &Arc<lawful::Engine>, line: Line) -> RightsAnswer {
    match line {
        Line::Text(text) => RightsAnswer::new(engine.rights_answer(text.trim()).map_err(|e| *e)),
        Line::Unreadable { message, id } => {
            RightsAnswer::new(Err(unreadable_answer(engine, message, id)))
        }
    }
}
