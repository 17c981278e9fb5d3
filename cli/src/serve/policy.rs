//! The policy the server runs, and hot reload: a new policy is read and
//! checked off the request path (on a blocking thread), and only one that
//! loads cleanly (and, with `--trusted-key`, carries a valid signature)
//! replaces the running one, in one atomic pointer swap. A request holds
//! the `Arc` it loaded at its start, so it finishes on the engine it
//! started with.
//!
//! A reload reads only a complete file:
//!
//! - The file is read within `--max-policy-bytes` (one byte past it at
//!   most) and only if it is a regular file: a named pipe or a device
//!   (`/dev/zero` behind a symbolic link) is refused without waiting or
//!   reading it.
//! - Changes are found by content: every `--watch-interval` the file (and
//!   its signature file) is read and hashed, so a change that keeps the
//!   size and modification time (a symbolic link swapped to another file)
//!   is seen.
//! - A file written in place is loaded only once two reads, at least one
//!   interval apart, found the same bytes (it has settled); a file renamed
//!   into place (a new inode, the recommended way to publish a policy) is
//!   complete by construction and is loaded at the first read. SIGHUP and
//!   `POST /v1/policy/reload` read the file twice, [`SETTLE`] apart, and
//!   load it only if both reads agree.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use lawful::Engine;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::audit_log::{self, PolicyStamp, policy_hash, policy_hash_bytes};
use crate::files;
use crate::keys::{self, PublicKey};
use crate::serve::metrics::Metrics;

/// How far apart an explicit reload reads the file twice.
pub(crate) const SETTLE: Duration = Duration::from_millis(100);

/// A loaded policy and what is known about it.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) engine: Engine,
    pub(crate) sha256: String,
    pub(crate) since: DateTime<Utc>,
    /// The id of the trusted key whose signature the policy carried.
    pub(crate) key: Option<String>,
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
    /// The key that signed it (with `--trusted-key`), or `null`.
    pub(crate) signed_by: Option<&'a str>,
}

impl Loaded {
    pub(crate) fn new(engine: Engine, key: Option<String>) -> Loaded {
        Loaded {
            sha256: policy_hash(engine.policy_source()),
            engine,
            since: audit_log::now(),
            key,
        }
    }

    /// What the decision log records of the policy.
    pub(crate) fn stamp(&self) -> PolicyStamp<'_> {
        PolicyStamp {
            sha256: &self.sha256,
            key: self.key.as_deref(),
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
            signed_by: self.key.as_deref(),
        }
    }
}

/// One read of the policy file (and its signature).
#[derive(Clone, Debug)]
struct Read {
    text: Vec<u8>,
    signature: Option<String>,
    /// The hash of both: what a change is judged by.
    hash: String,
    /// The file's identity: a new one means it was renamed into place.
    inode: (u64, u64),
}

/// A change read once, waiting to be read again the same.
#[derive(Debug)]
struct Pending {
    hash: String,
}

/// What the watcher remembers between reads.
#[derive(Debug, Default)]
struct Seen {
    /// The hash of the last text that failed (reported once).
    failed: Option<String>,
    /// The identity of the file last read.
    inode: Option<(u64, u64)>,
    pending: Option<Pending>,
}

/// The running policy and how to reload it.
#[derive(Debug)]
pub(crate) struct Policies {
    current: ArcSwap<Loaded>,
    path: Option<PathBuf>,
    /// The keys a policy must be signed with (none: no signature needed).
    trusted: Vec<PublicKey>,
    seen: Mutex<Seen>,
}

/// Why a reload did not replace the policy.
#[derive(Debug)]
pub(crate) enum ReloadError {
    /// The server runs the built-in policy.
    Builtin,
    /// The file changed between two reads: it is being written.
    Unsettled,
    /// The file could not be read, has errors or is not signed: the
    /// message and the diagnostics.
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
    /// The file has the text that already serves (or is still settling).
    Unchanged(Arc<Loaded>),
}

/// How a reload was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The watcher's poll: a change is loaded once it has settled.
    Poll,
    /// SIGHUP or `POST /v1/policy/reload`: now, if two reads agree.
    Now,
}

/// Reads the policy file and its signature (blocking).
fn read(path: &Path, trusted: bool) -> Result<Read, String> {
    use std::os::unix::fs::MetadataExt as _;
    let text = files::read_policy_bytes(path).map_err(|f| f.message().to_owned())?;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read `{}`: {}", path.display(), files::io_words(&e)))?;
    let signature = if trusted {
        let sig = keys::signature_path(path);
        match files::read_regular(&sig, 16 << 10) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(_) => None,
        }
    } else {
        None
    };
    let mut both = text.clone();
    if let Some(signature) = &signature {
        both.push(0);
        both.extend_from_slice(signature.as_bytes());
    }
    Ok(Read {
        hash: policy_hash_bytes(&both),
        text,
        signature,
        inode: (meta.dev(), meta.ino()),
    })
}

/// Loads policy text, checking its signature when keys are trusted.
pub(crate) fn load(
    name: &str,
    text: &[u8],
    signature: Option<&str>,
    trusted: &[PublicKey],
) -> Result<Loaded, (String, String)> {
    let key = if trusted.is_empty() {
        None
    } else {
        let Some(signature) = signature else {
            return Err((
                format!(
                    "policy `{name}` has no signature file `{name}.sig`, and --trusted-key asks for one"
                ),
                String::new(),
            ));
        };
        let key = keys::verify_policy(text, signature, trusted).map_err(|why| {
            (
                format!("policy `{name}` is not signed: {why}"),
                String::new(),
            )
        })?;
        Some(key)
    };
    let source = std::str::from_utf8(text).map_err(|_| {
        (
            format!("cannot read `{name}`: it is not UTF-8 text"),
            String::new(),
        )
    })?;
    match files::load_text(name, source) {
        Ok(engine) => Ok(Loaded::new(engine, key)),
        Err(e) => {
            let count = e.diagnostics().len();
            let errors = if count == 1 { "error" } else { "errors" };
            Err((
                format!("policy `{name}` has {count} {errors}"),
                e.to_string(),
            ))
        }
    }
}

impl Policies {
    pub(crate) fn new(loaded: Loaded, path: Option<PathBuf>, trusted: Vec<PublicKey>) -> Policies {
        Policies {
            current: ArcSwap::from_pointee(loaded),
            path,
            trusted,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// The policy serving now (a request keeps it to its end).
    pub(crate) fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Reads the policy file (on a blocking thread).
    async fn read(&self, path: &Path) -> Result<Read, String> {
        let path = path.to_path_buf();
        let trusted = !self.trusted.is_empty();
        tokio::task::spawn_blocking(move || read(&path, trusted))
            .await
            .unwrap_or_else(|e| Err(format!("cannot reload: {e}")))
    }

    /// Reads the policy file and, if it changed, is complete, loads cleanly
    /// (and is signed, with `--trusted-key`), swaps it in.
    pub(crate) async fn reload(
        &self,
        metrics: &Metrics,
        trigger: Trigger,
    ) -> Result<Reloaded, ReloadError> {
        let Some(path) = self.path.clone() else {
            return Err(ReloadError::Builtin);
        };
        let mut seen = self.seen.lock().await;
        let mut read = match self.read(&path).await {
            Ok(read) => read,
            Err(message) => {
                // A file gone for a moment (an editor replacing it) is not
                // worth a report at every poll.
                if trigger == Trigger::Poll
                    && (message.ends_with("no such file")
                        || seen.failed.as_deref() == Some(&message))
                {
                    return Ok(Reloaded::Unchanged(self.current()));
                }
                seen.failed = Some(message.clone());
                return Err(self.failed(metrics, message, String::new()));
            }
        };
        let current = self.current();
        let renamed = seen.inode.is_some_and(|inode| inode != read.inode);
        seen.inode = Some(read.inode);
        if policy_hash_bytes(&read.text) == current.sha256 && !self.signature_changed(&read) {
            seen.pending = None;
            return Ok(Reloaded::Unchanged(current));
        }
        let repeated = seen.failed.as_deref() == Some(read.hash.as_str());
        if trigger == Trigger::Poll {
            if repeated {
                return Ok(Reloaded::Unchanged(current));
            }
            // Written in place: load only what two reads found the same.
            let settled = seen.pending.as_ref().is_some_and(|p| p.hash == read.hash);
            if !renamed && !settled {
                seen.pending = Some(Pending {
                    hash: read.hash.clone(),
                });
                return Ok(Reloaded::Unchanged(current));
            }
        } else if !renamed {
            tokio::time::sleep(SETTLE).await;
            let again = match self.read(&path).await {
                Ok(again) => again,
                Err(message) => return Err(self.failed(metrics, message, String::new())),
            };
            if again.hash != read.hash {
                return Err(ReloadError::Unsettled);
            }
            read = again;
        }
        seen.pending = None;
        let name = path.display().to_string();
        let trusted = self.trusted.clone();
        let hash = read.hash.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            load(&name, &read.text, read.signature.as_deref(), &trusted)
        })
        .await;
        match loaded {
            Ok(Ok(loaded)) => {
                seen.failed = None;
                let loaded = Arc::new(loaded);
                self.current.store(Arc::clone(&loaded));
                metrics.reloads.fetch_add(1, Ordering::Relaxed);
                #[expect(clippy::print_stderr, reason = "the server's own log")]
                {
                    eprintln!(
                        "lawful: reloaded `{}`: policy `{}` version {} (sha256 {}{})",
                        path.display(),
                        loaded.engine.policy_id(),
                        loaded.engine.policy_version(),
                        loaded.sha256,
                        loaded
                            .key
                            .as_deref()
                            .map_or_else(String::new, |k| format!(", signed by {k}"))
                    );
                }
                Ok(Reloaded::Swapped(loaded))
            }
            Ok(Err((message, diagnostics))) => {
                seen.failed = Some(hash);
                if repeated {
                    Err(self.report(message, diagnostics))
                } else {
                    Err(self.failed(metrics, message, diagnostics))
                }
            }
            Err(e) => Err(self.failed(metrics, format!("cannot reload: {e}"), String::new())),
        }
    }

    /// Whether the signature read differs from the one that let the
    /// serving policy in (a policy signed anew by another key).
    fn signature_changed(&self, read: &Read) -> bool {
        let current = self.current();
        if self.trusted.is_empty() {
            return false;
        }
        let Some(signature) = &read.signature else {
            return false;
        };
        keys::verify_policy(&read.text, signature, &self.trusted)
            .is_ok_and(|key| current.key.as_deref() != Some(key.as_str()))
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

    /// Records the file's identity at start, so that a rename is seen.
    pub(crate) async fn remember_start(&self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        if let Ok(read) = self.read(&path).await {
            self.seen.lock().await.inode = Some(read.inode);
        }
    }
}

/// Polls the policy file every `interval`: a change of its content (or its
/// signature's) reloads it, once complete (see the module's notes).
pub(crate) async fn watch(policies: Arc<Policies>, metrics: Arc<Metrics>, interval: Duration) {
    if policies.path().is_none() || interval.is_zero() {
        return;
    }
    policies.remember_start().await;
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Failures are reported and counted inside.
        let _ = policies.reload(&metrics, Trigger::Poll).await;
    }
}
