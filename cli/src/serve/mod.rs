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

mod http;
mod log;
mod metrics;
mod policy;
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

use crate::audit_log::{AuditLog, LogOptions};
use crate::files::{self, Fail};
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
    let engine = files::load_policy(options.policy.as_deref())?.into_owned();
    let token = options.token_file.as_deref().map(read_token).transpose()?;
    let log = options
        .log
        .as_deref()
        .map(|path| AuditLog::open(path, options.log_settings))
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lawful-serve")
        .build()
        .map_err(|e| Fail::new(format!("cannot start the server: {e}")))?;
    runtime.block_on(serve(options, engine, token, log))
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
    engine: lawful::Engine,
    token: Option<[u8; 32]>,
    log: Option<AuditLog>,
) -> Result<ExitCode, Fail> {
    let listener = TcpListener::bind(options.addr).await.map_err(|e| {
        Fail::new(format!(
            "cannot listen on {}: {}",
            options.addr,
            files::io_words(&e)
        ))
    })?;
    let addr = listener.local_addr().map_err(|e| {
        Fail::new(format!(
            "cannot listen on {}: {}",
            options.addr,
            files::io_words(&e)
        ))
    })?;
    let (log, log_thread) = match log {
        Some(log) => {
            let (handle, thread) = LogHandle::start(log, options.log_sync)
                .map_err(|e| Fail::new(format!("cannot start the log writer: {e}")))?;
            (Some(handle), Some(thread))
        }
        None => (None, None),
    };
    let metrics = Arc::new(Metrics::default());
    let policies = Arc::new(Policies::new(Loaded::new(engine), options.policy.clone()));
    let state = Arc::new(State {
        policies: Arc::clone(&policies),
        metrics: Arc::clone(&metrics),
        log,
        token,
        max_body_bytes: options.max_body_bytes,
        max_batch_bytes: options.max_batch_bytes,
        timeout: options.timeout,
        stopping: AtomicBool::new(false),
    });
    let mut signals = Signals::new()?;

    let watcher = tokio::spawn(policy::watch(
        Arc::clone(&policies),
        Arc::clone(&metrics),
        options.watch_interval,
    ));
    let current = policies.current();
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
    drop(current);

    let router = http::router(Arc::clone(&state));
    let graceful = GracefulShutdown::new();
    let signal_name = accept(
        &listener,
        &router,
        &graceful,
        &mut signals,
        &policies,
        &metrics,
        options.timeout,
    )
    .await;
    // Stop accepting, let the requests in flight finish, then close the log.
    drop(listener);
    state.stopping.store(true, Ordering::SeqCst);
    watcher.abort();
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
    Ok(if failed {
        ExitCode::from(files::MISUSE)
    } else {
        ExitCode::SUCCESS
    })
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
    header_timeout: Duration,
) -> &'static str {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Some(header_timeout))
        .keep_alive(true);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Small JSON answers: do not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(router.clone());
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        // A client that goes away mid-request is its own business.
                        let _ = connection.await;
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
                    let _ = policies.reload(&metrics, true).await;
                });
            }
        }
    }
}
