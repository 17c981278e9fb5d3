//! The policy the server runs, and hot reload: a new policy is read and
//! checked off the request path (on a blocking thread), and only one that
//! loads cleanly replaces the running one, in one atomic pointer swap. A
//! request holds the `Arc` it loaded at its start, so it finishes on the
//! engine it started with.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use lawful::Engine;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::audit_log::{self, policy_hash};
use crate::files;
use crate::serve::metrics::Metrics;

/// A loaded policy and what is known about it.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) engine: Engine,
    pub(crate) sha256: String,
    pub(crate) since: DateTime<Utc>,
}

/// What `GET /v1/policy` answers.
#[derive(Debug, Serialize)]
pub(crate) struct PolicyInfo<'a> {
    pub(crate) id: &'a str,
    pub(crate) version: &'a str,
    pub(crate) title: Option<&'a str>,
    pub(crate) sha256: &'a str,
    pub(crate) loaded_at: String,
    /// The file it was loaded from, or `null` for the built-in policy.
    pub(crate) path: Option<String>,
}

impl Loaded {
    pub(crate) fn new(engine: Engine) -> Loaded {
        Loaded {
            sha256: policy_hash(engine.policy_source()),
            engine,
            since: audit_log::now(),
        }
    }

    pub(crate) fn info(&self, path: Option<&Path>) -> PolicyInfo<'_> {
        PolicyInfo {
            id: self.engine.policy_id(),
            version: self.engine.policy_version(),
            title: self.engine.policy_title(),
            sha256: &self.sha256,
            loaded_at: self
                .since
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            path: path.map(|p| p.display().to_string()),
        }
    }
}

/// What the file looked like when last read: a change of any of these is
/// worth reading it again (the hash decides whether it really changed).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

/// The running policy and how to reload it.
#[derive(Debug)]
pub(crate) struct Policies {
    current: ArcSwap<Loaded>,
    path: Option<PathBuf>,
    /// The stamp and hash of the file as last read (good or bad), so a bad
    /// edit is reported once, not at every poll.
    seen: Mutex<(Option<Stamp>, String)>,
}

/// Why a reload did not replace the policy.
#[derive(Debug)]
pub(crate) enum ReloadError {
    /// The server runs the built-in policy.
    Builtin,
    /// The file could not be read or has errors: the message and the diagnostics.
    Invalid {
        message: String,
        diagnostics: String,
    },
}

/// What a reload did.
#[derive(Debug)]
pub(crate) enum Reloaded {
    /// A new policy serves.
    Swapped(Arc<Loaded>),
    /// The file has the text that already serves.
    Unchanged(Arc<Loaded>),
}

impl Policies {
    pub(crate) fn new(loaded: Loaded, path: Option<PathBuf>) -> Policies {
        let stamp = path.as_deref().and_then(stamp);
        let hash = loaded.sha256.clone();
        Policies {
            current: ArcSwap::from_pointee(loaded),
            path,
            seen: Mutex::new((stamp, hash)),
        }
    }

    /// The policy serving now (a request keeps it to its end).
    pub(crate) fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Reads the policy file again and, if it loads cleanly and differs
    /// from the one serving, swaps it in. `force` reloads even when the
    /// file's text is the one last seen (an explicit request: a bad edit is
    /// then reported again).
    pub(crate) async fn reload(
        &self,
        metrics: &Metrics,
        force: bool,
    ) -> Result<Reloaded, ReloadError> {
        let Some(path) = self.path.clone() else {
            return Err(ReloadError::Builtin);
        };
        let mut seen = self.seen.lock().await;
        let read = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                let stamp = stamp(&path);
                files::read_text(&path).map(|text| (stamp, text))
            })
            .await
        };
        let (new_stamp, text) = match read {
            Ok(Ok(read)) => read,
            Ok(Err(fail)) => {
                return Err(self.failed(metrics, fail.message().to_owned(), String::new()));
            }
            Err(e) => {
                return Err(self.failed(metrics, format!("cannot reload: {e}"), String::new()));
            }
        };
        let hash = policy_hash(&text);
        let current = self.current();
        if hash == current.sha256 {
            *seen = (new_stamp, hash);
            return Ok(Reloaded::Unchanged(current));
        }
        // The same bad text seen again (a forced reload racing the file
        // watcher) is reported again but counted once: the metric counts edits.
        let repeated = hash == seen.1;
        if !force && repeated {
            seen.0 = new_stamp;
            return Ok(Reloaded::Unchanged(current));
        }
        *seen = (new_stamp, hash);
        let name = path.display().to_string();
        let loaded = tokio::task::spawn_blocking(move || {
            Engine::from_named_toml(&name, &text).map(Loaded::new)
        })
        .await;
        match loaded {
            Ok(Ok(loaded)) => {
                let loaded = Arc::new(loaded);
                self.current.store(Arc::clone(&loaded));
                metrics.reloads.fetch_add(1, Ordering::Relaxed);
                #[expect(clippy::print_stderr, reason = "the server's own log")]
                {
                    eprintln!(
                        "lawful: reloaded `{}`: policy `{}` version {} (sha256 {})",
                        path.display(),
                        loaded.engine.policy_id(),
                        loaded.engine.policy_version(),
                        loaded.sha256
                    );
                }
                Ok(Reloaded::Swapped(loaded))
            }
            Ok(Err(e)) => {
                let count = e.diagnostics().len();
                let errors = if count == 1 { "error" } else { "errors" };
                if repeated {
                    Err(self.report(
                        format!("policy `{}` has {count} {errors}", path.display()),
                        e.to_string(),
                    ))
                } else {
                    Err(self.failed(
                        metrics,
                        format!("policy `{}` has {count} {errors}", path.display()),
                        e.to_string(),
                    ))
                }
            }
            Err(e) => Err(self.failed(metrics, format!("cannot reload: {e}"), String::new())),
        }
    }

    /// Counts and reports a reload that failed; the running policy stays.
    fn failed(&self, metrics: &Metrics, message: String, diagnostics: String) -> ReloadError {
        metrics.reload_failures.fetch_add(1, Ordering::Relaxed);
        self.report(message, diagnostics)
    }

    /// Reports a reload that failed; the running policy stays.
    fn report(&self, message: String, diagnostics: String) -> ReloadError {
        let current = self.current();
        #[expect(clippy::print_stderr, reason = "the server's own log")]
        {
            eprint!("{diagnostics}");
            if !diagnostics.is_empty() && !diagnostics.ends_with('\n') {
                eprintln!();
            }
            eprintln!(
                "lawful: {message}; still serving policy `{}` version {}",
                current.engine.policy_id(),
                current.engine.policy_version()
            );
        }
        ReloadError::Invalid {
            message,
            diagnostics,
        }
    }

    /// Whether the file looks different from when it was last read.
    pub(crate) async fn file_changed(&self) -> bool {
        let Some(path) = self.path.clone() else {
            return false;
        };
        let now = tokio::task::spawn_blocking(move || stamp(&path))
            .await
            .ok()
            .flatten();
        // A file that is gone for a moment (an editor replacing it) is not a change.
        now.is_some() && self.seen.lock().await.0 != now
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// Polls the policy file every `interval`; a change (modification time or
/// size, then the content hash) reloads it.
pub(crate) async fn watch(policies: Arc<Policies>, metrics: Arc<Metrics>, interval: Duration) {
    if policies.path().is_none() || interval.is_zero() {
        return;
    }
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if policies.file_changed().await {
            // Failures are reported and counted inside.
            let _ = policies.reload(&metrics, false).await;
        }
    }
}
