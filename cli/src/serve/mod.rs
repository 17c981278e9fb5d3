//! `lawful serve`: the engine behind a small HTTP/1.1 JSON API.
//!
//! Endpoints (all JSON; `docs/serve.md` has the reference):
//!
//! - `POST /v1/decide`: one request document, one decision document;
//!   `POST /v1/decide/batch`: JSON lines in, JSON lines out, in order;
//!   `POST /v1/explain`: the decision and its explanation in words;
//!   `POST /v1/retention`, `POST /v1/rights`: as the commands of those names;
//! - `GET /v1/policy`, `POST /v1/policy/reload`;
//! - `GET /health`, `GET /ready`, `GET /metrics` (Prometheus text).
//!
//! Every decision is logged (with `--log`) before it is answered: written
//! into the file, and synced to disk within `--log-sync` (10 ms by
//! default), or before the answer with `--log-sync always`. A log failure
//! (a write or a sync) turns every decision endpoint into a 503 and
//! `/ready` false. Hot reload swaps the policy atomically; a request keeps
//! the engine it started with.

mod budget;
mod http;
mod log;
mod metrics;
mod policy;
mod request;
mod split;
mod stream;
mod sync;

pub(crate) use sync::LogSync;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::Semaphore;

use crate::audit_log::{AuditLog, LogOptions};
use crate::files::{self, Fail};
use crate::keys::{self, PublicKey, SecretKey};
use crate::serve::log::LogHandle;
use crate::serve::metrics::Metrics;
use crate::serve::policy::{Loaded, Policies};

/// The options of `lawful serve`.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) policy: Option<PathBuf>,
    pub(crate) addr: SocketAddr,
    pub(crate) log: Option<PathBuf>,
    pub(crate) log_settings: LogOptions,
    pub(crate) log_sync: LogSync,
    pub(crate) token_file: Option<PathBuf>,
    pub(crate) watch_interval: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_batch_bytes: usize,
    pub(crate) timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    /// The key that signs the log's checkpoints.
    pub(crate) log_key: Option<PathBuf>,
    /// How often a checkpoint is written (when records came since the last).
    pub(crate) checkpoint_interval: Duration,
    /// The keys a policy must be signed with.
    pub(crate) trusted_keys: Vec<PathBuf>,
    /// The memory budget for bodies and batches, in bytes.
    pub(crate) max_memory: usize,
    /// The most connections open at once.
    pub(crate) max_connections: usize,
    /// How long a connection may sit idle or take to send its headers.
    pub(crate) idle_timeout: Duration,
}

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) policies: Arc<Policies>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) log: Option<LogHandle>,
    /// The SHA-256 of the bearer token, when one is required.
    pub(crate) token: Option<[u8; 32]>,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_batch_bytes: usize,
    pub(crate) timeout: Duration,
    pub(crate) stopping: AtomicBool,
    /// The memory budget (`--max-memory`).
    pub(crate) budget: budget::Budget,
}

impl State {
    /// Whether decisions are being answered.
    pub(crate) fn ready(&self) -> bool {
        !self.stopping.load(Ordering::SeqCst) && !self.log.as_ref().is_some_and(LogHandle::failed)
    }
}

/// Runs the server until SIGTERM or SIGINT.
pub(crate) fn run(options: Options) -> Result<ExitCode, Fail> {
    // Everything that can be wrong with the arguments is found before binding.
    let trusted = options
        .trusted_keys
        .iter()
        .map(|path| PublicKey::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let loaded = first_policy(options.policy.as_deref(), &trusted)?;
    let token = options.token_file.as_deref().map(read_token).transpose()?;
    let key = options
        .log_key
        .as_deref()
        .map(SecretKey::read)
        .transpose()?;
    let log = options
        .log
        .as_deref()
        .map(|path| {
            let mut log = AuditLog::open(path, options.log_settings)?;
            if let Some(key) = key.clone() {
                log.sign_with(key).map_err(|e| {
                    Fail::new(format!(
                        "cannot write the first checkpoint to the log `{}`: {}",
                        path.display(),
                        files::io_words(&e)
                    ))
                })?;
            }
            Ok::<_, Fail>(log)
        })
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lawful-serve")
        .build()
        .map_err(|e| Fail::new(format!("cannot start the server: {e}")))?;
    let shutdown = options.shutdown_timeout;
    let result = runtime.block_on(serve(options, loaded, trusted, token, log, key));
    // Work still running on blocking threads (a chunk being decided) gets
    // a moment, not a wait: SIGTERM ends the process within its grace.
    runtime.shutdown_timeout(shutdown.min(Duration::from_secs(1)));
    result
}

/// The policy at start: the file (signed by a trusted key, when keys are
/// given), or the built-in one.
fn first_policy(path: Option<&Path>, trusted: &[PublicKey]) -> Result<Loaded, Fail> {
    let Some(path) = path else {
        if !trusted.is_empty() {
            return Err(Fail::new(
                "--trusted-key needs --policy: the built-in policy carries no signature",
            ));
        }
        return Ok(Loaded::new(lawful::Engine::builtin().clone(), None));
    };
    let text = files::read_policy_bytes(path)?;
    let signature = if trusted.is_empty() {
        None
    } else {
        let sig = keys::signature_path(path);
        let bytes = files::read_regular(&sig, 16 << 10).map_err(|f| {
            Fail::new(format!(
                "policy `{}` is not signed: {} (sign it with `lawful sign`)",
                path.display(),
                f.message()
            ))
        })?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    };
    policy::load(
        &path.display().to_string(),
        &text,
        signature.as_deref(),
        trusted,
    )
    .map_err(|(message, details)| {
        if details.is_empty() {
            Fail::new(message)
        } else {
            Fail::with_details(details, message)
        }
    })
}

/// Reads the bearer token: the file's text, without surrounding whitespace.
fn read_token(path: &Path) -> Result<[u8; 32], Fail> {
    let text = files::read_text(path)?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Fail::new(format!(
            "the token file `{}` is empty",
            path.display()
        )));
    }
    Ok(Sha256::digest(token.as_bytes()).into())
}

#[expect(clippy::print_stderr, reason = "the server's own log")]
async fn serve(
    options: Options,
    loaded: Loaded,
    trusted: Vec<PublicKey>,
    token: Option<[u8; 32]>,
    log: Option<AuditLog>,
    key: Option<SecretKey>,
) -> Result<ExitCode, Fail> {
    let cannot_listen = |e: std::io::Error| {
        Fail::new(format!(
            "cannot listen on {}: {}",
            options.addr,
            files::io_words(&e)
        ))
    };
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(cannot_listen)?;
    let addr = listener.local_addr().map_err(cannot_listen)?;
    let (log, log_thread) = match log {
        Some(log) => {
            let (handle, thread) =
                LogHandle::start(log, options.log_sync, key.as_ref().map(SecretKey::id))
                    .map_err(|e| Fail::new(format!("cannot start the log writer: {e}")))?;
            (Some(handle), Some(thread))
        }
        None => (None, None),
    };
    let metrics = Arc::new(Metrics::default());
    let policies = Arc::new(Policies::new(loaded, options.policy.clone(), trusted));
    let state = Arc::new(State {
        policies: Arc::clone(&policies),
        metrics: Arc::clone(&metrics),
        log,
        token,
        max_body_bytes: options.max_body_bytes,
        max_batch_bytes: options.max_batch_bytes,
        timeout: options.timeout,
        stopping: AtomicBool::new(false),
        budget: budget::Budget::new(options.max_memory),
    });
    let mut signals = Signals::new()?;

    let watcher = tokio::spawn(policy::watch(
        Arc::clone(&policies),
        Arc::clone(&metrics),
        options.watch_interval,
    ));
    let checkpoints = (key.is_some() && !options.checkpoint_interval.is_zero())
        .then(|| tokio::spawn(checkpoints(Arc::clone(&state), options.checkpoint_interval)));
    announce(&state, addr);

    let router = http::router(Arc::clone(&state));
    let graceful = GracefulShutdown::new();
    let limits = Limits {
        // A request's headers must come within --timeout too.
        idle: options.idle_timeout.min(options.timeout),
        connections: Arc::new(Semaphore::new(connection_limit(options.max_connections))),
    };
    let signal_name = accept(
        &listener,
        &router,
        &graceful,
        &mut signals,
        &policies,
        &metrics,
        &limits,
    )
    .await;
    // Stop accepting, let the requests in flight finish, then close the log.
    drop(listener);
    state.stopping.store(true, Ordering::SeqCst);
    watcher.abort();
    if let Some(checkpoints) = checkpoints {
        checkpoints.abort();
    }
    eprintln!("lawful: {signal_name}: finishing the requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(options.shutdown_timeout) => {
            eprintln!(
                "lawful: requests still running after {} s; closing their connections",
                options.shutdown_timeout.as_secs()
            );
        }
    }
    Ok(close_log(&state, log_thread).await)
}

/// The line on stderr that says the server is up (and where).
#[expect(clippy::print_stderr, reason = "the server's own log")]
fn announce(state: &State, addr: SocketAddr) {
    let current = state.policies.current();
    if !addr.ip().is_loopback() && state.token.is_none() {
        eprintln!(
            "lawful: warning: listening on {addr}, beyond this machine, without --token-file"
        );
    }
    eprintln!(
        "lawful: serving policy `{}` version {} on http://{addr}",
        current.engine.policy_id(),
        current.engine.policy_version()
    );
}

/// Closes the log (its last checkpoint, sync and cut) once every request
/// is done; the exit status (2 when the log failed).
#[expect(clippy::print_stderr, reason = "the server's own log")]
async fn close_log(state: &State, log_thread: Option<std::thread::JoinHandle<()>>) -> ExitCode {
    if let Some(log) = &state.log {
        log.close().await;
    }
    if let Some(thread) = log_thread {
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
    let logged = state.log.as_ref().map(LogHandle::written);
    let failed = state.log.as_ref().is_some_and(LogHandle::failed);
    match logged {
        Some(n) => eprintln!("lawful: stopped; {n} decisions logged"),
        None => eprintln!("lawful: stopped"),
    }
    if failed {
        ExitCode::from(files::MISUSE)
    } else {
        ExitCode::SUCCESS
    }
}

/// Asks the log for a signed checkpoint every `interval` (it writes one
/// when records came since the last).
async fn checkpoints(state: Arc<State>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Some(log) = &state.log {
            log.checkpoint().await;
        }
    }
}

/// The signals the server acts on.
struct Signals {
    terminate: Signal,
    interrupt: Signal,
    hangup: Signal,
}

impl Signals {
    fn new() -> Result<Signals, Fail> {
        let listen = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| Fail::new(format!("cannot handle {name}: {e}")))
        };
        Ok(Signals {
            terminate: listen(SignalKind::terminate(), "SIGTERM")?,
            interrupt: listen(SignalKind::interrupt(), "SIGINT")?,
            hangup: listen(SignalKind::hangup(), "SIGHUP")?,
        })
    }
}

/// The connection limits.
struct Limits {
    /// How long a connection may sit idle or take to send its headers.
    idle: Duration,
    /// One permit a connection.
    connections: Arc<Semaphore>,
}

/// The connection limit: as asked, and within the descriptors the process
/// may open (with some left for the log, the policy and the runtime).
fn connection_limit(asked: usize) -> usize {
    let files = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    asked.min(files.saturating_sub(64)).max(1)
}

/// The answer to a connection past the limit, written before it is closed.
const TOO_MANY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 100\r\n\r\n{\"error\":{\"code\":\"too_many_connections\",\"message\":\"the server has as many connections as it takes\"}}";

/// Accepts connections until SIGTERM or SIGINT (whose name it returns);
/// SIGHUP reloads the policy.
#[expect(clippy::print_stderr, reason = "the server's own log")]
async fn accept(
    listener: &TcpListener,
    router: &axum::Router,
    graceful: &GracefulShutdown,
    signals: &mut Signals,
    policies: &Arc<Policies>,
    metrics: &Arc<Metrics>,
    limits: &Limits,
) -> &'static str {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Also the time a kept-alive connection may wait for its next
        // request: an idle connection is closed after it.
        .header_read_timeout(Some(limits.idle))
        // The read buffer of a connection (the headers must fit).
        .max_buf_size(64 << 10)
        .keep_alive(true);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((mut stream, _)) => {
                    let Ok(permit) = Arc::clone(&limits.connections).try_acquire_owned() else {
                        // Past the limit: a clear answer at once, not a wait.
                        metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                        tokio::spawn(async move {
                            use tokio::io::AsyncWriteExt as _;
                            let _ = tokio::time::timeout(
                                Duration::from_secs(1),
                                stream.write_all(TOO_MANY),
                            )
                            .await;
                        });
                        continue;
                    };
                    // Small JSON answers: do not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(router.clone());
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    let metrics = Arc::clone(metrics);
                    tokio::spawn(async move {
                        metrics.connections.fetch_add(1, Ordering::Relaxed);
                        // A client that goes away mid-request is its own
                        // business; a request hyper refused itself is counted.
                        if let Err(e) = connection.await {
                            count_refusal(&metrics, &e);
                        }
                        metrics.connections.fetch_sub(1, Ordering::Relaxed);
                        drop(permit);
                    });
                }
                Err(e) => {
                    // Out of descriptors, most likely: wait, do not spin.
                    eprintln!("lawful: cannot accept a connection: {}", files::io_words(&e));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = signals.terminate.recv() => return "SIGTERM",
            _ = signals.interrupt.recv() => return "SIGINT",
            _ = signals.hangup.recv() => {
                let policies = Arc::clone(policies);
                let metrics = Arc::clone(metrics);
                tokio::spawn(async move {
                    let _ = policies.reload(&metrics, policy::Trigger::Now).await;
                });
            }
        }
    }
}

/// Counts the answer hyper gave itself to a request it could not parse
/// (400, 414, 431), which no handler saw.
fn count_refusal(metrics: &Metrics, e: &hyper::Error) {
    use axum::http::StatusCode;
    let status = if e.is_parse_too_large() {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    } else if e.is_parse() && e.to_string().contains("uri too long") {
        StatusCode::URI_TOO_LONG
    } else if e.is_parse() && !e.is_parse_status() {
        StatusCode::BAD_REQUEST
    } else {
        return;
    };
    metrics.answered(status);
}
