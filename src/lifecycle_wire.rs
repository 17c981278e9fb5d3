//! The JSON lines of `lawful retention` and `lawful rights`: one request
//! object per line in, one response object per line out.
//!
//! Both entry points never fail: a line that cannot be read gets
//! `{"id": ..., "error": {"code": "invalid_request", "message": "..."}}`,
//! with the line's `id` echoed when it has one, and the stream goes on.

use serde::{Deserialize, Serialize};

use crate::engine::Engine;

/// The error object of a response line that could not be answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct WireErrorDoc {
    /// `invalid_request`, `unknown_category`, `unknown_purpose` or `unknown_jurisdiction`.
    code: String,
    /// What was wrong, for people.
    message: String,
}

/// A response line that reports an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ErrorLineDoc {
    /// The request's id, when the line had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// What went wrong.
    error: WireErrorDoc,
}

impl Engine {
    /// Answers one `lawful retention` JSON line (a record to plan or sweep,
    /// or a service termination). Never fails.
    pub fn retention_json(&self, line: &str) -> String {
        error_line(line, "the retention entry point is not implemented yet")
    }

    /// Answers one `lawful rights` JSON line (a data-subject rights
    /// request). Never fails.
    pub fn rights_json(&self, line: &str) -> String {
        error_line(line, "the rights entry point is not implemented yet")
    }
}

/// The `id` of a line, if it has a string one.
fn id_of(line: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct JustId {
        id: Option<String>,
    }
    serde_json::from_str::<JustId>(line).ok().and_then(|j| j.id)
}

fn error_line(line: &str, message: &str) -> String {
    let doc = ErrorLineDoc {
        id: id_of(line),
        error: WireErrorDoc {
            code: "invalid_request".to_owned(),
            message: message.to_owned(),
        },
    };
    serde_json::to_string(&doc).unwrap_or_default()
}
