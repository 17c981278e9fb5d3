//! The routes of `lawful serve` and their handlers.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as With};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use lawful::Engine;
use lawful::wire::{DecisionDoc, RequestDoc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::audit_log::{self, record_line};
use crate::lines;
use crate::serve::State;
use crate::serve::metrics::Endpoint;
use crate::serve::policy::{Loaded, ReloadError, Reloaded};

type Shared = Arc<State>;

/// Batches larger than this are decided on a blocking thread, so a big
/// batch does not hold up the small requests sharing the worker.
const INLINE_BATCH_BYTES: usize = 64 * 1024;

/// Every route, behind the guard (authentication and the request timeout).
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/decide", post(decide))
        .route("/v1/decide/batch", post(batch))
        .route("/v1/explain", post(explain))
        .route("/v1/retention", post(retention))
        .route("/v1/rights", post(rights))
        .route("/v1/policy", get(policy))
        .route("/v1/policy/reload", post(reload))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

/// An error answer: `{"error": {"code": ..., "message": ...}}` with a status.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorFields<'a>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnostics: Option<&'a str>,
}

impl ApiError {
    #[cold]
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    #[cold]
    fn invalid_json(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorFields {
                code: self.code,
                message: &self.message,
                diagnostics: None,
            },
        };
        let mut response = json(self.status, to_json(&body));
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Plain data to a string cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// A JSON answer.
fn json(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A JSON-lines answer.
fn json_lines(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    response
}

/// Names the policy that answered (its content hash) in a header.
fn stamped(mut response: Response, loaded: &Loaded) -> Response {
    if let Ok(value) = HeaderValue::from_str(&loaded.sha256) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("lawful-policy-sha256"), value);
    }
    response
}

/// Authentication (every endpoint but `/health`), then the request timeout.
async fn guard(With(state): With<Shared>, request: Request, next: Next) -> Response {
    if request.uri().path() != "/health"
        && let Some(expected) = &state.token
        && !authorized(request.headers(), expected)
    {
        state.metrics.rejected.fetch_add(1, Ordering::Relaxed);
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs `Authorization: Bearer <token>`",
        )
        .into_response();
    }
    let response = match tokio::time::timeout(state.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!(
                "the request took longer than {} ms",
                state.timeout.as_millis()
            ),
        )
        .into_response(),
    };
    if response.status().is_client_error() {
        state.metrics.rejected.fetch_add(1, Ordering::Relaxed);
    }
    response
}

/// Compares the bearer token's hash with the expected one in constant time
/// (hashing first also hides the token's length).
fn authorized(headers: &HeaderMap, expected: &[u8; 32]) -> bool {
    let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let presented: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
    presented.ct_eq(expected).into()
}

/// Refuses content types that are not JSON text. curl's `-d` sends
/// `application/x-www-form-urlencoded`, so that is read as JSON too.
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let accepted = matches!(
        essence.as_str(),
        "application/json"
            | "application/x-ndjson"
            | "application/jsonl"
            | "application/json-lines"
            | "text/plain"
            | "application/x-www-form-urlencoded"
    ) || essence.ends_with("+json");
    if accepted {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("the body must be JSON (`application/json`), not `{essence}`"),
        ))
    }
}

/// Reads a body of at most `limit` bytes.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    check_content_type(headers)?;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {limit} bytes"),
        )
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            format!("cannot read the body: {e}"),
        )),
    }
}

/// Refuses to decide when decisions cannot be logged (or the server stops).
fn refuse_unless_ready(state: &State) -> Result<(), ApiError> {
    if state
        .log
        .as_ref()
        .is_some_and(super::log::LogHandle::failed)
    {
        return Err(log_failed("the decision log cannot be written"));
    }
    Ok(())
}

#[cold]
fn log_failed(why: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "log_unavailable",
        format!("{why}; no decision is answered that is not logged"),
    )
}

/// Logs the records of decisions about to be answered (written, and with
/// `--log-sync always` synced, before this returns).
async fn commit(state: &State, records: Vec<u8>, count: u64) -> Result<(), ApiError> {
    let Some(log) = &state.log else {
        return Ok(());
    };
    log.commit(records, count).await.map_err(|why| {
        state.metrics.log_failures.fetch_add(1, Ordering::Relaxed);
        log_failed(&why)
    })
}

/// The text of a body (JSON is UTF-8).
fn text(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|_| ApiError::invalid_json("the body is not UTF-8 text"))
}

/// Decides one request document: as `lawful decide` does for a line,
/// except that a body that is not JSON at all is an error, not a deny.
fn decide_one(engine: &Engine, text: &str) -> Result<DecisionDoc, ApiError> {
    match serde_json::from_str::<RequestDoc>(text) {
        Ok(doc) => Ok(engine.decide_doc(&doc)),
        // Valid JSON that is not a valid request: the same deny as the CLI's.
        Err(e) if e.is_data() => Ok(engine.decide_json(text)),
        Err(e) => Err(ApiError::invalid_json(format!("the body is not JSON: {e}"))),
    }
}

/// Counts one answered decision in the metrics, with its latency since
/// `start`, and hands back its response; an error is answered uncounted.
fn counted(
    state: &State,
    endpoint: Endpoint,
    start: Instant,
    answer: Result<(Response, DecisionDoc), ApiError>,
) -> Response {
    match answer {
        Ok((response, doc)) => {
            state.metrics.decided(&doc);
            state.metrics.observe(endpoint, start.elapsed());
            response
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /v1/decide`.
async fn decide(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    let answer = decide_inner(&state, &headers, body).await;
    counted(&state, Endpoint::Decide, start, answer)
}

async fn decide_inner(
    state: &State,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Response, DecisionDoc), ApiError> {
    refuse_unless_ready(state)?;
    let bytes = read_body(headers, body, state.max_body_bytes).await?;
    let loaded = state.policies.current();
    let doc = decide_one(&loaded.engine, text(&bytes)?)?;
    if state.log.is_some() {
        let record = record_line(&doc, &bytes, &loaded.sha256, audit_log::now());
        commit(state, record, 1).await?;
    }
    let response = stamped(json(StatusCode::OK, doc.to_json()), &loaded);
    Ok((response, doc))
}

/// `POST /v1/decide/batch`: JSON lines in, one decision per non-blank line
/// out, in order; a bad line is a deny and the others are decided.
async fn batch(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    match batch_inner(&state, &headers, body).await {
        Ok(response) => {
            state.metrics.observe(Endpoint::Batch, start.elapsed());
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn batch_inner(
    state: &Shared,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    refuse_unless_ready(state)?;
    let bytes = read_body(headers, body, state.max_batch_bytes).await?;
    let loaded = state.policies.current();
    let logging = state.log.is_some();
    let big = bytes.len() > INLINE_BATCH_BYTES;
    let work = {
        let loaded = Arc::clone(&loaded);
        let state = Arc::clone(state);
        move || decide_lines(&state, &loaded, &bytes, logging)
    };
    let (answers, records, count) = if big {
        tokio::task::spawn_blocking(work).await.map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("the batch could not be decided: {e}"),
            )
        })?
    } else {
        work()
    };
    commit(state, records, count).await?;
    Ok(stamped(json_lines(answers), &loaded))
}

/// Decides each non-blank line; the answers, the log records and their count.
fn decide_lines(
    state: &State,
    loaded: &Loaded,
    bytes: &[u8],
    logging: bool,
) -> (String, Vec<u8>, u64) {
    let mut answers = String::new();
    let mut records = Vec::new();
    let mut count = 0;
    let decided_at = audit_log::now();
    for raw in bytes.split(|&b| b == b'\n') {
        let doc = match std::str::from_utf8(raw) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => loaded.engine.decide_json(line.trim()),
            Err(_) => lines::not_utf8(&loaded.engine),
        };
        if logging {
            records.extend_from_slice(&record_line(&doc, raw, &loaded.sha256, decided_at));
        }
        state.metrics.decided(&doc);
        answers.push_str(&doc.to_json());
        answers.push('\n');
        count += 1;
    }
    (answers, records, count)
}

/// The request document of `/v1/explain`, resolved, or why not.
fn resolve(engine: &Engine, text: &str) -> Result<(RequestDoc, lawful::Request), ApiError> {
    let doc: RequestDoc = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                format!("not a valid request: {e}"),
            )
        } else {
            ApiError::invalid_json(format!("the body is not JSON: {e}"))
        }
    })?;
    let request = engine.resolve(&doc).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code().as_str(),
            e.message().to_owned(),
        )
    })?;
    Ok((doc, request))
}

#[derive(Serialize)]
struct Explained {
    decision: DecisionDoc,
    /// What `lawful explain` prints.
    explanation: String,
}

/// `POST /v1/explain`: the decision and, in words, why (the clauses quoted
/// from the seed policy's text when the built-in policy serves).
async fn explain(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    let answer = explain_inner(&state, &headers, body).await;
    counted(&state, Endpoint::Explain, start, answer)
}

async fn explain_inner(
    state: &State,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Response, DecisionDoc), ApiError> {
    refuse_unless_ready(state)?;
    let bytes = read_body(headers, body, state.max_body_bytes).await?;
    let loaded = state.policies.current();
    let engine = &loaded.engine;
    let (request_doc, request) = resolve(engine, text(&bytes)?)?;
    let decision = engine.decide(&request);
    let doc = DecisionDoc::new(engine, request_doc.id.clone(), &decision);
    let mut explanation = decision.explain(engine).to_string();
    if state.policies.path().is_none() {
        explanation.push('\n');
        explanation.push_str(&crate::explain::quotes(
            engine,
            &decision,
            crate::seed::SEED,
        ));
    }
    if state.log.is_some() {
        let record = record_line(&doc, &bytes, &loaded.sha256, audit_log::now());
        commit(state, record, 1).await?;
    }
    let body = Explained {
        decision: doc.clone(),
        explanation: explanation.trim_end().to_owned(),
    };
    Ok((stamped(json(StatusCode::OK, to_json(&body)), &loaded), doc))
}

/// Which lifecycle command an endpoint answers as.
#[derive(Clone, Copy)]
enum Lifecycle {
    Retention,
    Rights,
}

/// `POST /v1/retention`.
async fn retention(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    lifecycle(&state, &headers, body, Lifecycle::Retention)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `POST /v1/rights`.
async fn rights(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    lifecycle(&state, &headers, body, Lifecycle::Rights)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// One document (answered as one JSON document) or JSON lines (answered as
/// JSON lines, in order), as `lawful retention` / `lawful rights` read them.
async fn lifecycle(
    state: &State,
    headers: &HeaderMap,
    body: Body,
    which: Lifecycle,
) -> Result<Response, ApiError> {
    let bytes = read_body(headers, body, state.max_batch_bytes).await?;
    let text = text(&bytes)?;
    let loaded = state.policies.current();
    let answer = |line: &str| match which {
        Lifecycle::Retention => loaded.engine.retention_json(line),
        Lifecycle::Rights => loaded.engine.rights_json(line),
    };
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok(stamped(json(StatusCode::OK, answer(text)), &loaded)),
        Err(e) if !text.trim().contains('\n') => {
            Err(ApiError::invalid_json(format!("the body is not JSON: {e}")))
        }
        Err(_) => {
            let mut out = String::new();
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                out.push_str(&answer(line));
                out.push('\n');
            }
            Ok(stamped(json_lines(out), &loaded))
        }
    }
}

/// `GET /v1/policy`.
async fn policy(With(state): With<Shared>) -> Response {
    let loaded = state.policies.current();
    let info = loaded.info(state.policies.path());
    stamped(json(StatusCode::OK, to_json(&info)), &loaded)
}

#[derive(Serialize)]
struct ReloadBody<'a> {
    reloaded: bool,
    policy: crate::serve::policy::PolicyInfo<'a>,
}

/// `POST /v1/policy/reload`: reads the policy file again now.
async fn reload(With(state): With<Shared>) -> Response {
    match state.policies.reload(&state.metrics, true).await {
        Ok(reloaded) => {
            let (swapped, loaded) = match reloaded {
                Reloaded::Swapped(loaded) => (true, loaded),
                Reloaded::Unchanged(loaded) => (false, loaded),
            };
            let body = ReloadBody {
                reloaded: swapped,
                policy: loaded.info(state.policies.path()),
            };
            stamped(json(StatusCode::OK, to_json(&body)), &loaded)
        }
        Err(ReloadError::Builtin) => ApiError::new(
            StatusCode::CONFLICT,
            "builtin_policy",
            "the server runs the built-in policy (no --policy file to reload)",
        )
        .into_response(),
        Err(ReloadError::Invalid {
            message,
            diagnostics,
        }) => {
            let current = state.policies.current();
            let message = format!(
                "{message}; still serving policy `{}` version {}",
                current.engine.policy_id(),
                current.engine.policy_version()
            );
            let body = ErrorBody {
                error: ErrorFields {
                    code: "invalid_policy",
                    message: &message,
                    diagnostics: Some(&diagnostics),
                },
            };
            stamped(
                json(StatusCode::UNPROCESSABLE_ENTITY, to_json(&body)),
                &current,
            )
        }
    }
}

/// `GET /health`: the process answers.
async fn health() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#.to_owned())
}

/// `GET /ready`: decisions are answered (false after a log failure or
/// once shutdown has begun).
async fn ready(With(state): With<Shared>) -> Response {
    if state.ready() {
        json(StatusCode::OK, r#"{"ready":true}"#.to_owned())
    } else {
        let reason = if state.stopping.load(Ordering::SeqCst) {
            "shutting down"
        } else {
            "the decision log cannot be written"
        };
        json(
            StatusCode::SERVICE_UNAVAILABLE,
            to_json(&serde_json::json!({ "ready": false, "reason": reason })),
        )
    }
}

/// `GET /metrics`: Prometheus text.
async fn metrics(With(state): With<Shared>) -> Response {
    let loaded = state.policies.current();
    let text = state.metrics.render(
        (
            loaded.engine.policy_id(),
            loaded.engine.policy_version(),
            &loaded.sha256,
        ),
        state.ready(),
        state
            .log
            .as_ref()
            .map(super::log::LogHandle::counts)
            .unwrap_or_default(),
    );
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
    .into_response()
}
