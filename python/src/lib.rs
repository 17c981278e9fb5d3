//! Python bindings of **lawful**: the engine in-process, and Arrow batch
//! functions for data pipelines. This crate is the native module
//! `lawful._lawful` of the Python package `lawful` (built with maturin, an
//! `abi3` wheel for `CPython` 3.9 and later); Python users read
//! `docs/python.md`, and the package's `.pyi` stubs document every name.
//!
//! ```python
//! import lawful
//!
//! engine = lawful.Engine.builtin()
//! decision = engine.decide({
//!     "id": "r1", "at": "2026-11-28T10:00:00+08:00", "action": "collect",
//!     "purpose": "account.registration", "categories": ["account.phone"],
//!     "subject": {"birth_date": "1990-01-01"}, "evidence": {"contract": True},
//! })
//! assert decision.effect == "permit" and decision.basis == "contract"
//! ```
//!
//! The bindings only translate. A request is the wire format's document
//! (`docs/wire-format.md`), as a dict or a JSON string, and is decided by the
//! library's own entry point for a JSON line, so a Python decision is the
//! `lawful decide` line for the same request, byte for byte
//! (`Decision.to_json()`). The Arrow functions read a
//! table's rows as the same documents, through the documents' own serde
//! implementations (module `arrow`).
//!
//! | module | what it is about |
//! | --- | --- |
//! | `engine` | `Engine`: loading a policy (`PolicyError` and its diagnostics), deciding one request or many |
//! | `request` | what Python may pass as a request, and the deny for what is not one |
//! | `decision` | `Decision` and its parts: obligations, reasons, the subject's age |
//! | `lifecycle` | the answers to retention and rights lines |
//! | `arrow` | tables of requests and records in, tables of decisions and retention answers out |

mod arrow;
mod decision;
mod engine;
mod lifecycle;
mod policy_error;
mod request;

use pyo3::prelude::*;

/// The native module `lawful._lawful`; the package `lawful` re-exports it.
#[pymodule]
fn _lawful(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PolicyError", py.get_type::<policy_error::PolicyError>())?;
    m.add_class::<policy_error::Diagnostic>()?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<decision::Decision>()?;
    m.add_class::<decision::Obligation>()?;
    m.add_class::<decision::Reason>()?;
    m.add_class::<decision::AgeFinding>()?;
    m.add_class::<lifecycle::RetentionAnswer>()?;
    m.add_class::<lifecycle::RightsAnswer>()?;
    m.add_class::<lifecycle::AnswerError>()?;
    m.add_class::<arrow::Table>()?;
    m.add_function(wrap_pyfunction!(arrow::arrow_decide, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::arrow_retention, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::spark_schema, m)?)?;
    m.add_function(wrap_pyfunction!(request::json_default, m)?)?;
    m.add_function(wrap_pyfunction!(engine::_engine_from_source, m)?)?;
    Ok(())
}
