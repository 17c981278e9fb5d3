//! The JSON Schemas of docs/schema/ and the HTTP description of
//! docs/openapi.json, checked against what lawful really reads and writes:
//! every request of the data-driven cases (tests/data) and of the README and
//! docs examples validates against the request schema (and every request the
//! engine cannot read fails it), the decisions the engine makes for them
//! validate against the decision schema, and `lawful serve`'s real HTTP
//! answers, error bodies included, validate against the response schemas of
//! docs/openapi.json for their path, method, status and media type.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers as well as tests: a failed unwrap is a failed test"
)]

use std::path::Path;

use jsonschema::{Retrieve, Uri, Validator};
use lawful::Engine;
use lawful::decision::{Detail, ReasonCode};
use lawful::wire::{RequestDoc, TestFile};
use serde_json::Value;

mod support;
use support::{Answer, Server, root};

/// Where the schemas seem to live for `$ref` resolution: a base of our own,
/// mapped onto docs/ by [`Docs`], so no schema is ever fetched from anywhere
/// else (and the repository's real path, whatever characters it has, never
/// becomes a URI).
const BASE: &str = "file:///lawful/docs/";

/// Resolves `file:///lawful/docs/X` to the file docs/X; nothing else.
struct Docs;

impl Retrieve for Docs {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let Some(relative) = uri.as_str().strip_prefix(BASE) else {
            return Err(format!("`{uri}` is not a document of docs/").into());
        };
        let relative = relative.split('#').next().unwrap_or("");
        if relative.contains("..") {
            return Err(format!("`{uri}` leaves docs/").into());
        }
        let text = std::fs::read_to_string(root().join("docs").join(relative))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// A validator for the schema at `reference` (relative to docs/), formats
/// (`date-time`, `date`) checked too.
fn validator(reference: &str) -> Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_base_uri(BASE)
        .with_retriever(Docs)
        .build(&serde_json::json!({ "$ref": reference }))
        .unwrap_or_else(|e| panic!("{reference}: {e}"))
}

/// The response schema docs/openapi.json gives `method path` answering
/// `status` as `media`, as a validator.
fn response(path: &str, method: &str, status: u16, media: &str) -> Validator {
    let pointer = format!(
        "/paths/{}/{method}/responses/{status}/content/{}/schema",
        path.replace('~', "~0").replace('/', "~1"),
        media.replace('/', "~1"),
    );
    let doc: Value = serde_json::from_str(&openapi()).unwrap();
    assert!(
        doc.pointer(&pointer).is_some(),
        "docs/openapi.json has no schema at {pointer}"
    );
    validator(&format!("openapi.json#{pointer}"))
}

/// The schema of each line of a JSON-lines answer (`x-json-lines`).
fn response_lines(path: &str, method: &str, status: u16) -> Validator {
    let pointer = format!(
        "/paths/{}/{method}/responses/{status}/content/application~1x-ndjson/x-json-lines",
        path.replace('/', "~1"),
    );
    let doc: Value = serde_json::from_str(&openapi()).unwrap();
    assert!(doc.pointer(&pointer).is_some(), "no {pointer}");
    validator(&format!("openapi.json#{pointer}"))
}

fn openapi() -> String {
    std::fs::read_to_string(root().join("docs/openapi.json")).unwrap()
}

/// Asserts `value` is valid, showing every error.
#[track_caller]
fn assert_valid(validator: &Validator, value: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at `{}`", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{value}");
}

/// A data-driven test file: its path, the engine of its policy, and each
/// case's name and request line.
struct DataFile {
    file: String,
    engine: Engine,
    cases: Vec<(String, String)>,
}

/// Every request of every data-driven case (the JSON line each case's
/// request becomes), with the engine of the case's policy.
fn data_requests() -> Vec<DataFile> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("tests/data")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        // Policies and lifecycle cases are not decision test files.
        let Ok(file) = TestFile::load(&path) else {
            continue;
        };
        let engine = match file.policy() {
            Some(policy) => Engine::from_path(policy).unwrap(),
            None => Engine::builtin().clone(),
        };
        let cases = file
            .cases()
            .iter()
            .map(|c| (c.name().to_owned(), c.request_json()))
            .collect();
        out.push(DataFile {
            file: path.display().to_string(),
            engine,
            cases,
        });
    }
    out
}

/// The `json request` lines of the README and docs/*.md.
fn doc_requests() -> Vec<(String, String)> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut inside = false;
        for (i, line) in text.lines().enumerate() {
            let fence = line.trim_start();
            if fence.starts_with("```") {
                inside = !inside && fence.trim_start_matches('`').trim() == "json request";
                continue;
            }
            if inside && !line.trim().is_empty() {
                out.push((format!("{}:{}", path.display(), i + 1), line.to_owned()));
            }
        }
    }
    out
}

/// Whether the line reads as a request document (whatever is then
/// decided: a request may be well formed and still contradict itself).
fn readable(line: &str) -> bool {
    serde_json::from_str::<RequestDoc>(line).is_ok()
}

#[test]
fn every_request_the_engine_reads_is_valid_and_every_decision_too() {
    let request = validator("schema/request.json");
    let decision = validator("schema/decision.json");
    let (mut valid, mut refused) = (0, 0);
    for DataFile {
        file,
        engine,
        cases,
    } in data_requests()
    {
        for (name, line) in cases {
            let what = format!("{file}: case `{name}`");
            let value: Value = serde_json::from_str(&line).unwrap();
            if readable(&line) {
                assert_valid(&request, &value, &what);
                valid += 1;
            } else {
                // A request the engine cannot read (a misspelled key, a
                // wrong type, a time without offset) fails the schema too.
                assert!(
                    !request.is_valid(&value),
                    "{what}: the engine cannot read it, the schema accepts it\n{line}"
                );
                refused += 1;
            }
            let answer = serde_json::to_value(engine.decide_json(&line)).unwrap();
            assert_valid(&decision, &answer, &format!("{what}: its decision"));
        }
    }
    for (at, line) in doc_requests() {
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_valid(&request, &value, &at);
        let answer = serde_json::to_value(Engine::builtin().decide_json(&line)).unwrap();
        assert_valid(&decision, &answer, &format!("{at}: its decision"));
        valid += 1;
    }
    assert!(valid >= 500, "only {valid} requests checked");
    assert!(refused >= 1, "no unreadable request checked");
}

/// The schema is strict where the wire is: unknown fields, a time without
/// an offset, an empty or too long list, a word not in a vocabulary.
#[test]
fn the_request_schema_refuses_what_the_engine_refuses() {
    let request = validator("schema/request.json");
    let good: Value = serde_json::from_str(
        r#"{"id": "reg-1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "account.registration", "categories": ["account.phone"], "subject": {"birth_date": "1990-01-01"}, "evidence": {"contract": true, "consents": [{"by": "subject", "recipients": ["Acme"], "given_at": "2026-01-01T00:00:00Z", "withdrawn_at": null}]}}"#,
    )
    .unwrap();
    assert_valid(&request, &good, "the good request");
    let engine = Engine::builtin();
    let edits: [(&str, Value); 10] = [
        ("/linked_to_acount", Value::Bool(true)),
        ("/at", Value::from("2026-11-28T10:00:00")),
        ("/action", Value::from("sell")),
        ("/categories", serde_json::json!([])),
        ("/subject/birthdate", Value::from("1990-01-01")),
        ("/evidence/consents/0/by", Value::from("parent")),
        ("/evidence/consents/0/given_at", Value::from(5)),
        ("/evidence/contract", Value::from("yes")),
        ("/evidence/consents/0/purposes", Value::Null),
        (
            "/evidence/consents/0/recipients",
            Value::from(vec!["x"; 33]),
        ),
    ];
    for (pointer, value) in edits {
        let mut bad = good.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = bad.pointer_mut(parent).unwrap();
        match target {
            Value::Object(map) => {
                map.insert(key.to_owned(), value);
            }
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
            other => panic!("{pointer}: `{other}` holds no field"),
        }
        assert!(
            !request.is_valid(&bad),
            "{pointer}: the schema accepts {bad}"
        );
        let line = bad.to_string();
        let decided = engine.decide_json(&line);
        assert!(
            decided
                .reasons
                .iter()
                .any(|r| r.is(ReasonCode::InvalidRequest)),
            "{pointer}: the engine reads {line}"
        );
    }
}

/// The schemas name every code the engine has: a new reason, detail,
/// obligation or basis cannot be forgotten in them.
#[test]
fn the_decision_schema_lists_every_code() {
    use lawful::decision::ObligationCode;
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/schema/decision.json")).unwrap(),
    )
    .unwrap();
    let listed = |pointer: &str| -> Vec<String> {
        doc.pointer(pointer)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("no list at {pointer}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let names = |names: &[&str]| -> Vec<String> { names.iter().map(|&n| n.to_owned()).collect() };
    assert_eq!(
        listed("/$defs/reason/properties/code/enum"),
        names(ReasonCode::NAMES)
    );
    assert_eq!(
        listed("/$defs/reason/properties/detail/enum"),
        names(Detail::NAMES)
    );
    assert_eq!(
        listed("/$defs/obligation/properties/code/enum"),
        names(ObligationCode::NAMES)
    );
    assert_eq!(listed("/$defs/basis/enum"), names(lawful::Basis::NAMES));
}

// ------------------------------------------------------------------ serve

/// One request to `server` on its own connection, with `content_type`
/// (none when empty).
fn send(server: &Server, method: &str, path: &str, content_type: &str, body: &str) -> Answer {
    let headers: &[(&str, &str)] = if content_type.is_empty() {
        &[]
    } else {
        &[("Content-Type", content_type)]
    };
    server.call(method, path, headers, body.as_bytes())
}

/// Asserts that `answer` is what docs/openapi.json says `method path`
/// answers with its status and media type.
#[track_caller]
fn assert_documented(method: &str, path: &str, answer: &Answer) {
    let what = format!("{method} {path} answered {}", answer.status);
    if answer.media() == "application/x-ndjson" {
        let lines = response_lines(path, &method.to_ascii_lowercase(), answer.status);
        assert!(!answer.body.is_empty(), "{what}: no lines");
        for line in answer.body.lines() {
            let value: Value = serde_json::from_str(line).unwrap();
            assert_valid(&lines, &value, &what);
        }
        return;
    }
    let schema = response(
        path,
        &method.to_ascii_lowercase(),
        answer.status,
        &answer.media(),
    );
    let value = if answer.media() == "application/json" {
        serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{what}: {e}"))
    } else {
        Value::String(answer.body.clone())
    };
    assert_valid(&schema, &value, &what);
}

#[test]
fn every_answer_of_lawful_serve_is_as_the_openapi_document_says() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schema-serve");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        Engine::builtin_source().replacen("version = \"2026-11-28\"", "version = \"v2\"", 1),
    )
    .unwrap();
    let server = Server::start(
        &dir,
        &[
            "-p",
            "policy.toml",
            "--log",
            "audit.jsonl",
            "--watch-interval",
            "0",
        ],
    );
    let builtin = Server::start(&dir, &[]);

    let registration = r#"{"id": "reg-1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "account.registration", "categories": ["account.phone"], "subject": {"birth_date": "1990-01-01"}, "evidence": {"contract": true}}"#;
    let no_offset = registration.replace("10:00:00+08:00", "10:00:00");
    let unknown = registration.replace("account.registration", "account.registratio");
    let json = "application/json";
    let ndjson = "application/x-ndjson";
    let calls: Vec<(&str, &str, &str, String, u16)> = vec![
        ("POST", "/v1/decide", json, registration.to_owned(), 200),
        ("POST", "/v1/decide", "", registration.replace("contract\": true", "contract\": false"), 200),
        ("POST", "/v1/decide", json, no_offset.clone(), 422),
        ("POST", "/v1/decide", json, unknown.clone(), 422),
        ("POST", "/v1/decide", json, "[1, 2]".to_owned(), 422),
        ("POST", "/v1/decide", json, "{broken".to_owned(), 400),
        ("POST", "/v1/decide", "text/html", registration.to_owned(), 415),
        ("POST", "/v1/decide/batch", ndjson, format!("{registration}\n{{broken\n{no_offset}\n{unknown}\n"), 200),
        ("POST", "/v1/decide/batch", ndjson, format!("[{registration}]"), 400),
        ("POST", "/v1/decide/batch", "application/x-www-form-urlencoded", registration.to_owned(), 415),
        ("POST", "/v1/explain", json, registration.to_owned(), 200),
        ("POST", "/v1/explain", json, no_offset.clone(), 422),
        ("POST", "/v1/retention", json, r#"{"id":"rec-7","at":"2026-11-28T02:00:00+08:00","category":"account.phone","purpose":"account.registration","collected_at":"2025-09-01T10:00:00+08:00","age_group":"adult","deregistered_at":"2026-11-27T20:00:00+08:00"}"#.to_owned(), 200),
        ("POST", "/v1/rights", json, r#"{"id":"dsr-9","kind":"access","received_at":"2025-11-03T09:00:00+08:00","identity_verified":true}"#.to_owned(), 200),
        ("GET", "/v1/policy", "", String::new(), 200),
        ("POST", "/v1/policy/reload", "", String::new(), 200),
        ("GET", "/v1/log/head", "", String::new(), 200),
        ("GET", "/health", "", String::new(), 200),
        ("GET", "/ready", "", String::new(), 200),
        ("GET", "/metrics", "", String::new(), 200),
    ];
    for (method, path, media, body, status) in calls {
        let answer = send(&server, method, path, media, &body);
        assert_eq!(answer.status, status, "{method} {path} {body}: {answer:#?}");
        assert_documented(method, path, &answer);
    }
    // The built-in policy: no file to reload, no log.
    for (method, path, status) in [
        ("POST", "/v1/policy/reload", 409),
        ("GET", "/v1/log/head", 404),
    ] {
        let answer = send(&builtin, method, path, "", "");
        assert_eq!(answer.status, status, "{method} {path}: {answer:#?}");
        assert_documented(method, path, &answer);
    }
    // A policy edit with an error: 422, and the old one keeps serving.
    std::fs::write(dir.join("policy.toml"), "[policy]\nid = 1\n").unwrap();
    let answer = send(&server, "POST", "/v1/policy/reload", "", "");
    assert_eq!(answer.status, 422, "{answer:#?}");
    assert_documented("POST", "/v1/policy/reload", &answer);
}
