//! The routes of `lawful serve` and their handlers.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as With};
use axum::http::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE,
};
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
use crate::serve::State;
use crate::serve::budget::Reservation;
use crate::serve::metrics::Endpoint;
use crate::serve::policy::{Loaded, ReloadError, Reloaded, Trigger};
use crate::serve::request::{self, Refusal, Status};
use crate::serve::stream::{self, Answering, BodyLines};

type Shared = Arc<State>;

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
        .route("/v1/log/head", get(log_head))
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
    /// The field of the request document that is wrong, as a path
    /// (`evidence.consents[0].given_at`).
    field: Option<String>,
    /// The deny that `lawful decide` prints for the same request.
    decision: Option<Box<DecisionDoc>>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorFields<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a DecisionDoc>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
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
            field: None,
            decision: None,
        }
    }

    /// A server too busy to take the request now (`Retry-After: 1`).
    #[cold]
    fn busy(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!(
                "the server's memory budget (`--max-memory`) is spent on other requests; {what}"
            ),
        )
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
                field: self.field.as_deref(),
                diagnostics: None,
            },
            decision: self.decision.as_deref(),
        };
        let mut response = json(self.status, to_json(&body));
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.code == "busy" {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
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
        state.metrics.answered(StatusCode::UNAUTHORIZED);
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
    state.metrics.answered(response.status());
    response
}

/// Compares the bearer token's hash with the expected one in constant time
/// (hashing first also hides the token's length).
fn authorized(headers: &HeaderMap, expected: &[u8; 32]) -> bool {
    // The scheme is case-insensitive (RFC 9110, 11.1): `bearer` too.
    let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().split_once(' '))
        .and_then(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer").then_some(token))
    else {
        return false;
    };
    let presented: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
    presented.ct_eq(expected).into()
}

/// What a body holds: one document, or JSON lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Document,
    Lines,
}

/// The media type of a body, lowercase, without parameters.
fn essence(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?;
    Some(
        value
            .to_str()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Refuses content types that are not JSON text. curl's `-d` sends
/// `application/x-www-form-urlencoded`, which is read as JSON for one
/// document; for JSON lines it is refused, since `-d` also removes the
/// newlines that separate the lines.
fn check_content_type(headers: &HeaderMap, shape: Shape) -> Result<(), ApiError> {
    let Some(essence) = essence(headers) else {
        return Ok(());
    };
    if essence == "application/x-www-form-urlencoded" && shape == Shape::Lines {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "JSON lines sent as a form (`curl -d`, which also removes the newlines between \
             the lines): send them with `--data-binary @FILE` and \
             `-H 'Content-Type: application/x-ndjson'`",
        ));
    }
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

#[cold]
fn too_large(limit: usize, flag: &str) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the body is larger than {limit} bytes (see `{flag}`)"),
    )
}

/// The length a body declares, if it does.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Reads a body of at most `limit` bytes, within the memory budget; a
/// UTF-8 byte order mark at its start is dropped.
async fn read_body(
    state: &State,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<(Bytes, Reservation), ApiError> {
    check_content_type(headers, Shape::Document)?;
    let declared = declared_length(headers);
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit, "--max-body"));
    }
    // What the body may take: its declared length, or the limit.
    let needed = declared.map_or(limit, |n| usize::try_from(n).unwrap_or(limit));
    let reservation = state
        .budget
        .try_reserve(needed)
        .ok_or_else(|| ApiError::busy("try again in a moment"))?;
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(too_large(limit, "--max-body"));
        }
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                format!("cannot read the body: {e}"),
            ));
        }
    };
    let bytes = if bytes.starts_with(BOM) {
        bytes.slice(BOM.len()..)
    } else {
        bytes
    };
    Ok((bytes, reservation))
}

/// The UTF-8 byte order mark, which some tools put before JSON.
const BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// An HTTP error from a refusal of `request`.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        let status = match refusal.status {
            Status::NotJson => StatusCode::BAD_REQUEST,
            Status::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            code: refusal.code,
            message: refusal.message,
            field: refusal.field,
            decision: refusal.decision,
        }
    }
}

/// Decides one request document (see `request::decide_one`).
fn decide_one(engine: &Engine, text: &str) -> Result<DecisionDoc, ApiError> {
    request::decide_one(engine, text).map_err(ApiError::from)
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
    let (bytes, _reservation) = read_body(state, headers, body, state.max_body_bytes).await?;
    let loaded = state.policies.current();
    let decided = decide_one(&loaded.engine, text(&bytes)?);
    // A request that is not valid is answered 422 with its deny, logged
    // as `lawful decide` logs it.
    let (doc, refused) = match decided {
        Ok(doc) => (doc, None),
        Err(error) => match &error.decision {
            Some(doc) => ((**doc).clone(), Some(error)),
            None => return Err(error),
        },
    };
    if state.log.is_some() {
        let record = record_line(&doc, &bytes, &loaded.stamp(), audit_log::now());
        commit(state, record, 1).await?;
    }
    match refused {
        None => {
            let response = stamped(json(StatusCode::OK, doc.to_json()), &loaded);
            Ok((response, doc))
        }
        Some(error) => {
            state.metrics.decided(&doc);
            Err(error)
        }
    }
}

/// `POST /v1/decide/batch`: JSON lines in, one decision per non-blank line
/// out, in order, streamed (see `stream`); a bad line is a deny and the
/// others are decided.
async fn batch(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    let start = Instant::now();
    match lines_endpoint(&state, &headers, body, Answering::Decisions).await {
        Ok(response) => {
            state.metrics.observe(Endpoint::Batch, start.elapsed());
            response
        }
        Err(e) => e.into_response(),
    }
}

/// Starts a streamed JSON-lines answer.
async fn lines_endpoint(
    state: &Shared,
    headers: &HeaderMap,
    body: Body,
    answering: Answering,
) -> Result<Response, ApiError> {
    let deadline = Instant::now() + state.timeout;
    if matches!(answering, Answering::Decisions) {
        refuse_unless_ready(state)?;
    }
    check_content_type(headers, Shape::Lines)?;
    if declared_length(headers).is_some_and(|n| n > state.max_batch_bytes as u64) {
        return Err(too_large(state.max_batch_bytes, "--max-batch-body"));
    }
    let max_line = state.max_body_bytes;
    let reservation = state
        .budget
        .try_reserve(stream::reservation(max_line))
        .ok_or_else(|| ApiError::busy("try again in a moment"))?;
    let mut reader = BodyLines::new(body, max_line, state.max_batch_bytes);
    let first = tokio::time::timeout_at(deadline.into(), reader.first_byte())
        .await
        .map_err(|_| timeout_error(state))?;
    match first {
        Ok(Some(b'[')) if matches!(answering, Answering::Decisions) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_batch",
                "a batch is JSON lines, one request object on each line, not a JSON array \
                 (`jq -c '.[]'` turns one into the other)",
            ));
        }
        Ok(_) => {}
        Err(stream::ReadError::TooLarge(_)) => {
            return Err(too_large(state.max_batch_bytes, "--max-batch-body"));
        }
        Err(stream::ReadError::Broken(why)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                format!("cannot read the body: {why}"),
            ));
        }
    }
    let loaded = state.policies.current();
    // The chunks in flight, and a place kept for an error line.
    let (tx, rx) = tokio::sync::mpsc::channel(stream::IN_FLIGHT + 1);
    tokio::spawn(stream::run(
        Arc::clone(state),
        Arc::clone(&loaded),
        reader,
        answering,
        tx,
        deadline,
    ));
    let body = Body::from_stream(Chunks(rx, reservation));
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(stamped(response, &loaded))
}

/// A receiver as a stream of body chunks; it holds the batch's share of
/// the memory budget until the connection drops it.
struct Chunks(
    tokio::sync::mpsc::Receiver<stream::Item>,
    #[expect(dead_code, reason = "held, not read: dropped with the body")] Reservation,
);

impl futures_core::Stream for Chunks {
    type Item = stream::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<stream::Item>> {
        self.0.poll_recv(cx)
    }
}

#[cold]
fn timeout_error(state: &State) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "timeout",
        format!(
            "the request took longer than {} ms",
            state.timeout.as_millis()
        ),
    )
}

/// The request document of `/v1/explain`, resolved, or why not.
fn resolve(engine: &Engine, text: &str) -> Result<(RequestDoc, lawful::Request), ApiError> {
    let doc = request::parse_request(text).map_err(ApiError::from)?;
    let request = engine.resolve(&doc).map_err(|e| {
        let mut error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code().as_str(),
            e.message().to_owned(),
        );
        error.field = request::unresolved_field(&doc, e.message());
        error
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
    let (bytes, _reservation) = read_body(state, headers, body, state.max_body_bytes).await?;
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
        let record = record_line(&doc, &bytes, &loaded.stamp(), audit_log::now());
        commit(state, record, 1).await?;
    }
    let body = Explained {
        decision: doc.clone(),
        explanation: explanation.trim_end().to_owned(),
    };
    Ok((stamped(json(StatusCode::OK, to_json(&body)), &loaded), doc))
}

/// `POST /v1/retention`.
async fn retention(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    lifecycle(&state, &headers, body, Answering::Retention)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `POST /v1/rights`.
async fn rights(With(state): With<Shared>, headers: HeaderMap, body: Body) -> Response {
    lifecycle(&state, &headers, body, Answering::Rights)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// One document (answered as one JSON document) or JSON lines (answered as
/// JSON lines, in order, streamed), as `lawful retention` / `lawful
/// rights` read them. A body with one line is one document; a body of
/// several lines is JSON lines, unless it is one document written over
/// several lines (at most `--max-body` long).
async fn lifecycle(
    state: &Shared,
    headers: &HeaderMap,
    body: Body,
    which: Answering,
) -> Result<Response, ApiError> {
    let small = declared_length(headers).is_some_and(|n| n <= state.max_body_bytes as u64);
    if !small {
        return lines_endpoint(state, headers, body, which).await;
    }
    let (bytes, reservation) = read_body(state, headers, body, state.max_body_bytes).await?;
    let loaded = state.policies.current();
    let text = text(&bytes)?;
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => {
            // One document: answered on a blocking thread, as every
            // lifecycle answer is (none holds up a worker).
            let work = {
                let loaded = Arc::clone(&loaded);
                let text = text.to_owned();
                move || match which {
                    Answering::Rights => loaded.engine.rights_json(&text),
                    _ => loaded.engine.retention_json(&text),
                }
            };
            let answer = tokio::task::spawn_blocking(work).await.map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("the request could not be answered: {e}"),
                )
            })?;
            Ok(stamped(json(StatusCode::OK, answer), &loaded))
        }
        Err(e) if !text.trim().contains('\n') => {
            Err(ApiError::invalid_json(format!("the body is not JSON: {e}")))
        }
        Err(_) => {
            drop(reservation);
            lines_endpoint(state, headers, Body::from(bytes), which).await
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
    match state.policies.reload(&state.metrics, Trigger::Now).await {
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
        Err(ReloadError::Unsettled) => ApiError::new(
            StatusCode::CONFLICT,
            "policy_unsettled",
            "the policy file changed while it was read (it is being written); try again once \
             it is written, or publish it by renaming a finished file into place",
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
                    field: None,
                    diagnostics: Some(&diagnostics),
                },
                decision: None,
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
        state.log.as_ref().map(super::log::LogHandle::head).as_ref(),
        (state.budget.in_use(), state.budget.total()),
    );
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `GET /v1/log/head`: the decision log's chain head, for an outside
/// anchor (see `docs/serve.md`); `404 no_log` without `--log`.
async fn log_head(With(state): With<Shared>) -> Response {
    let Some(log) = &state.log else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "no_log",
            "the server keeps no decision log (no --log)",
        )
        .into_response();
    };
    json(StatusCode::OK, to_json(&log.head()))
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
