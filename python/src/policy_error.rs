//! A policy that does not load, for Python: `PolicyError` (a `ValueError`)
//! whose text is the library's rendering (every problem with file, line,
//! column, carets and a hint) and whose `diagnostics` are the problems one
//! by one, as [`Diagnostic`] objects.

use lawful::LoadError;
use lawful::policy::DiagnosticKind;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::decision::py_str;

pyo3::create_exception!(
    lawful,
    PolicyError,
    PyValueError,
    "A policy that does not load. `str(error)` shows every problem with its \
     file, line, column, carets and hint; `error.diagnostics` lists them."
);

/// One problem (or warning) in a policy file.
#[pyclass(frozen, module = "lawful", skip_from_py_object)]
#[derive(Clone, Debug)]
pub(crate) struct Diagnostic {
    kind: &'static str,
    message: String,
    help: Option<String>,
    file: String,
    line: usize,
    column: usize,
    span: (usize, usize),
}

#[pymethods]
impl Diagnostic {
    /// The kind of problem, in `snake_case` (`unknown_key`, `syntax`...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind
    }

    /// The message: lowercase, user input in backticks.
    #[getter]
    fn message(&self) -> &str {
        &self.message
    }

    /// A hint to fix it, if there is one.
    #[getter]
    fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The policy's file name (its path, or `<policy>` for text).
    #[getter]
    fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line of the offending text.
    #[getter]
    fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column (in characters) of the offending text.
    #[getter]
    fn column(&self) -> usize {
        self.column
    }

    /// Where the offending text is, `(start, end)`: byte offsets in the
    /// policy's UTF-8 text (`text.encode()[start:end]`).
    #[getter]
    fn span(&self) -> (usize, usize) {
        self.span
    }

    fn __repr__(&self) -> String {
        format!(
            "Diagnostic(kind={}, message={}, line={}, column={})",
            py_str(self.kind),
            py_str(&self.message),
            self.line,
            self.column
        )
    }

    fn __str__(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl Diagnostic {
    /// The problems of a [`LoadError`].
    fn all_of(error: &LoadError) -> Vec<Diagnostic> {
        error
            .diagnostics()
            .iter()
            .map(|d| {
                let span = d.span();
                let (line, column) = error.line_column(span.start);
                Diagnostic {
                    kind: kind_name(d.kind()),
                    message: d.message().to_owned(),
                    help: d.help_text().map(str::to_owned),
                    file: error.file_name().to_owned(),
                    line,
                    column,
                    span: (span.start, span.end),
                }
            })
            .collect()
    }

    /// The warnings of a policy that loaded.
    pub(crate) fn warnings_of(engine: &lawful::Engine) -> Vec<Diagnostic> {
        let source = engine.policy_source();
        engine
            .warnings()
            .iter()
            .map(|d| {
                let span = d.span();
                let (line, column) = line_column(source, span.start);
                Diagnostic {
                    kind: kind_name(d.kind()),
                    message: d.message().to_owned(),
                    help: d.help_text().map(str::to_owned),
                    file: engine.policy_source_name().to_owned(),
                    line,
                    column,
                    span: (span.start, span.end),
                }
            })
            .collect()
    }
}

/// The Python exception for a policy that does not load: its message is the
/// rendered diagnostics; `diagnostics` and `file` are attributes.
pub(crate) fn policy_error(py: Python<'_>, error: &LoadError) -> PyErr {
    let err = PolicyError::new_err(error.to_string());
    let value = err.value(py);
    let diagnostics = Diagnostic::all_of(error);
    // Setting attributes on a fresh exception instance cannot fail short of
    // running out of memory; the exception is raised either way.
    let _ = value.setattr("diagnostics", diagnostics);
    let _ = value.setattr("file", error.file_name());
    err
}

/// The `snake_case` name of a diagnostic kind.
fn kind_name(kind: DiagnosticKind) -> &'static str {
    match kind {
        DiagnosticKind::Syntax => "syntax",
        DiagnosticKind::UnknownKey => "unknown_key",
        DiagnosticKind::MissingKey => "missing_key",
        DiagnosticKind::WrongType => "wrong_type",
        DiagnosticKind::InvalidValue => "invalid_value",
        DiagnosticKind::UndeclaredCategory => "undeclared_category",
        DiagnosticKind::UndeclaredPurpose => "undeclared_purpose",
        DiagnosticKind::UndeclaredJurisdiction => "undeclared_jurisdiction",
        DiagnosticKind::Duplicate => "duplicate",
        DiagnosticKind::MissingBasis => "missing_basis",
        DiagnosticKind::MissingRetention => "missing_retention",
        DiagnosticKind::ShadowedRule => "shadowed_rule",
        DiagnosticKind::Io => "io",
        DiagnosticKind::UnknownAgeAsAdult => "unknown_age_as_adult",
        DiagnosticKind::TooLarge => "too_large",
        // The kinds are `#[non_exhaustive]`: a kind added later is still a
        // problem, named generically until the bindings learn its name.
        _ => "other",
    }
}

/// The 1-based line and column (in characters) of byte `offset` of `text`;
/// a line ends at LF, CRLF or CR, as the library counts.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let mut line = 1;
    let mut start = 0;
    let bytes = before.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => {
                line += 1;
                start = i + 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                line += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}
