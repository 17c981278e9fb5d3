//! `--log-sync`: when the server's decision log is synced to disk.
//!
//! Either way, the log thread writes each group of records into the file
//! (one `pwrite`, whole lines, see `super::log`) before it answers the
//! group's decisions, so a crash or `kill -9` of the server loses nothing
//! that was answered: the bytes are in the kernel's page cache, and the
//! kernel writes them out.
//!
//! - `always`: the log thread also calls `fdatasync` before answering. A
//!   power loss or kernel crash loses nothing answered; every decision
//!   waits for a sync (shared by the decisions of a group).
//! - `<DURATION>` (the default, `10ms`): a [`Syncer`] thread calls
//!   `fdatasync` on a second handle of the file (a `dup`) at most DURATION
//!   after the first write it has not synced yet. The log thread never
//!   waits for it. A power loss or kernel crash can lose the decisions
//!   answered in the last DURATION (and during the sync in progress). Like
//!   auditd's `flush = INCREMENTAL_ASYNC` and `MySQL`'s
//!   `innodb_flush_log_at_trx_commit = 2`.
//!
//! A sync that fails is not retried (after a failed `fdatasync`, the pages
//! it could not write may be marked clean and a retry would succeed
//! falsely): the log is marked failed, which turns every later decision
//! into a 503, and the failure is printed on stderr, as a failed write is.

use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::files;

/// When the log is synced (`--log-sync`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogSync {
    /// Before the decisions of each group are answered.
    Always,
    /// At most this long after the first write not yet synced, on another
    /// thread; the decisions are answered once their records are written.
    Within(Duration),
}

/// The shortest interval `--log-sync` takes.
const SHORTEST: Duration = Duration::from_millis(1);

/// The longest interval `--log-sync` takes: beyond it, so many answered
/// decisions would be at the mercy of a power loss that `always`, or a
/// shorter interval, is what is wanted.
const LONGEST: Duration = Duration::from_secs(60);

impl LogSync {
    /// Reads `always`, or a duration in milliseconds or seconds (`10ms`,
    /// `0.5s`, `1s`) from 1 ms to 60 s.
    pub(crate) fn parse(text: &str) -> Result<LogSync, String> {
        let text = text.trim();
        if text == "always" {
            return Ok(LogSync::Always);
        }
        let bad = || {
            format!(
                "`{text}` is neither `always` nor a duration from 1ms to 60s (such as 10ms, 1s)"
            )
        };
        let number = text
            .strip_suffix("ms")
            .or_else(|| text.strip_suffix('s'))
            .unwrap_or(text);
        if number.contains('0') && number.chars().all(|c| c == '0' || c == '.') {
            return Err(format!(
                "`{text}` is no interval: give `always` to sync before every answer, \
                 or a duration from 1ms to 60s"
            ));
        }
        let (number, per_second) = if let Some(number) = text.strip_suffix("ms") {
            (number, 1000.0)
        } else if let Some(number) = text.strip_suffix('s') {
            (number, 1.0)
        } else {
            return Err(bad());
        };
        // Digits and at most one point: no sign, exponent, `inf` or `NaN`.
        let digits = number.chars().filter(char::is_ascii_digit).count();
        let points = number.chars().filter(|&c| c == '.').count();
        if digits == 0 || points > 1 || digits + points != number.chars().count() {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        let interval = Duration::try_from_secs_f64(value / per_second).map_err(|_| bad())?;
        if !(SHORTEST..=LONGEST).contains(&interval) {
            return Err(bad());
        }
        Ok(LogSync::Within(interval))
    }
}

/// What the log's threads count, for `/metrics`.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    /// Records written to the file (their decisions are then answered).
    pub(crate) written: AtomicU64,
    /// Records synced to disk (or written to a file that has nothing to
    /// sync, a pipe or a device).
    pub(crate) synced: AtomicU64,
    /// The `fdatasync` calls that synced records.
    pub(crate) syncs: AtomicU64,
}

/// The syncing thread of `--log-sync <DURATION>`, and what the log thread
/// tells it.
#[derive(Debug)]
pub(crate) struct Syncer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the two threads share.
#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Signalled on the first write after a sync, and on stop.
    wake: Condvar,
    interval: Duration,
    /// The log's: set on a failed sync, so that no decision is answered.
    failed: Arc<AtomicBool>,
    counts: Arc<Counts>,
    /// The log's path, for the message of a failure.
    path: String,
}

/// The syncing thread's work, behind the mutex.
#[derive(Debug)]
struct State {
    /// A handle on the file being written (after a rotation, the new one).
    file: Arc<File>,
    /// When the first write not yet synced was handed over (`None`: every
    /// write handed over is synced or being synced).
    dirty_since: Option<Instant>,
    /// The records of those writes.
    pending: u64,
    /// Sync what is pending, then end.
    stop: bool,
    /// The failure, once a sync failed (the thread then ends).
    error: Option<String>,
}

/// Locks the state; a panic elsewhere (there is none) cannot leave it
/// inconsistent, so a poisoned lock is used as it is.
fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Syncer {
    /// Starts the thread that syncs `file` (a handle on the log's file)
    /// `interval` after each first write handed to it.
    pub(crate) fn start(
        file: File,
        path: String,
        interval: Duration,
        failed: Arc<AtomicBool>,
        counts: Arc<Counts>,
    ) -> std::io::Result<Syncer> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                file: Arc::new(file),
                dirty_since: None,
                pending: 0,
                stop: false,
                error: None,
            }),
            wake: Condvar::new(),
            interval,
            failed,
            counts,
            path,
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("lawful-log-sync".into())
            .spawn(move || run(&thread_shared))?;
        Ok(Syncer {
            shared,
            thread: Some(thread),
        })
    }

    /// Hands over a write of `records` records (0: zeros ahead) that is in
    /// the file and not synced: it is synced within the interval.
    pub(crate) fn written(&self, records: u64) {
        let mut state = lock(&self.shared);
        state.pending += records;
        if state.dirty_since.is_none() {
            state.dirty_since = Some(Instant::now());
            drop(state);
            self.shared.wake.notify_one();
        }
    }

    /// The log now writes to another file (a rotation, which synced the
    /// one before): later writes are synced through `file`.
    pub(crate) fn replace(&self, file: File) {
        lock(&self.shared).file = Arc::new(file);
    }

    /// Why syncing failed, if it did.
    pub(crate) fn error(&self) -> Option<String> {
        lock(&self.shared).error.clone()
    }

    /// Syncs what is pending (now, not at the end of the interval) and
    /// ends the thread; after this, the log may be closed.
    pub(crate) fn stop(mut self) {
        lock(&self.shared).stop = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            // The thread does not panic; if it did, there is nothing to add.
            let _ = thread.join();
        }
    }
}

/// The syncing thread: waits for a write, then for the interval since it,
/// then syncs everything written so far in one `fdatasync`. Writes that
/// arrive during a sync start the next interval.
fn run(shared: &Shared) {
    let mut state = lock(shared);
    loop {
        let Some(since) = state.dirty_since else {
            if state.stop {
                return;
            }
            state = shared
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            continue;
        };
        if !state.stop {
            let due = since + shared.interval;
            let now = Instant::now();
            if now < due {
                state = shared
                    .wake
                    .wait_timeout(state, due - now)
                    .map_or_else(|e| e.into_inner().0, |(state, _)| state);
                continue;
            }
        }
        let file = Arc::clone(&state.file);
        let records = std::mem::take(&mut state.pending);
        state.dirty_since = None;
        drop(state);
        let result = file.sync_data();
        drop(file);
        state = lock(shared);
        match result {
            Ok(()) => {
                if records > 0 {
                    shared.counts.synced.fetch_add(records, Ordering::Relaxed);
                    shared.counts.syncs.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(e) => {
                let why = format!(
                    "cannot sync the decision log `{}`: {}",
                    shared.path,
                    files::io_words(&e)
                );
                #[expect(clippy::print_stderr, reason = "the server's own log")]
                {
                    eprintln!("lawful: {why}; not answering decisions any more");
                }
                state.error = Some(why);
                shared.failed.store(true, Ordering::SeqCst);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::panic,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    #[test]
    fn always_and_durations_in_milliseconds_or_seconds() {
        let within = |ms| LogSync::Within(Duration::from_millis(ms));
        for (text, sync) in [
            ("always", LogSync::Always),
            ("10ms", within(10)),
            ("1ms", within(1)),
            (" 250ms ", within(250)),
            ("1s", within(1000)),
            ("0.5s", within(500)),
            ("1.5ms", LogSync::Within(Duration::from_micros(1500))),
            ("60s", within(60_000)),
            ("60000ms", within(60_000)),
        ] {
            assert_eq!(LogSync::parse(text), Ok(sync), "{text}");
        }
    }

    #[test]
    fn zero_nonsense_and_too_long_are_refused_with_words() {
        for text in ["0ms", "0s", "0.0s", "0", "00"] {
            let why = LogSync::parse(text).unwrap_err();
            assert!(
                why.starts_with(&format!(
                    "`{text}` is no interval: give `always` to sync before every answer"
                )),
                "{why}"
            );
        }
        for text in [
            "",
            "10",
            "ms",
            "s",
            "10m",
            "1m",
            "10 ms",
            "-5ms",
            "+5ms",
            "1e3ms",
            "infs",
            "NaNs",
            "1..5s",
            ".s",
            "Always",
            "never",
            "10us",
            "0.5ms",
            "61s",
            "60001ms",
            "1000000000000s",
        ] {
            let why = LogSync::parse(text).unwrap_err();
            assert!(
                why.contains("is neither `always` nor a duration from 1ms to 60s"),
                "{text}: {why}"
            );
        }
    }

    fn syncer(file: File, interval: Duration) -> (Syncer, Arc<AtomicBool>, Arc<Counts>) {
        let failed = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(Counts::default());
        let syncer = Syncer::start(
            file,
            "test.log".into(),
            interval,
            Arc::clone(&failed),
            Arc::clone(&counts),
        )
        .unwrap();
        (syncer, failed, counts)
    }

    /// Waits (bounded) until `done` holds.
    fn eventually(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done() {
            assert!(Instant::now() < deadline, "{what} did not happen");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn scratch(test: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lawful-sync-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Writes handed over close together share one sync, within the
    /// interval; stopping syncs what is pending at once.
    #[test]
    fn writes_are_synced_within_the_interval_and_on_stop() {
        let dir = scratch("interval");
        let file = File::create(dir.join("log")).unwrap();
        let (short, failed, counts) = syncer(file.try_clone().unwrap(), Duration::from_millis(5));
        short.written(3);
        short.written(2);
        eventually("the sync", || counts.synced.load(Ordering::Relaxed) == 5);
        assert!(counts.syncs.load(Ordering::Relaxed) >= 1);
        short.stop();
        assert!(!failed.load(Ordering::SeqCst));

        // A long interval: only the stop syncs, and a new file is the one
        // synced after a rotation.
        let (long, failed, counts) = syncer(file.try_clone().unwrap(), Duration::from_secs(60));
        long.written(7);
        long.replace(File::create(dir.join("rotated")).unwrap());
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(counts.synced.load(Ordering::Relaxed), 0);
        long.stop();
        assert_eq!(counts.synced.load(Ordering::Relaxed), 7);
        assert_eq!(counts.syncs.load(Ordering::Relaxed), 1);
        assert!(!failed.load(Ordering::SeqCst));
    }

    /// A sync that fails marks the log failed and keeps its words for the
    /// log thread. (A FIFO cannot be synced: `fdatasync` says EINVAL.)
    #[test]
    fn a_failed_sync_marks_the_log_failed() {
        let dir = scratch("fails");
        let path = dir.join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        // Read and write: opening a FIFO so does not wait for a reader.
        let fifo = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let (syncer, failed, counts) = syncer(fifo, Duration::from_millis(1));
        assert!(syncer.error().is_none());
        syncer.written(4);
        eventually("the failure", || failed.load(Ordering::SeqCst));
        let why = syncer.error().unwrap();
        assert!(
            why.starts_with("cannot sync the decision log `test.log`: "),
            "{why}"
        );
        assert_eq!(counts.synced.load(Ordering::Relaxed), 0);
        // The thread has ended; handing it more, and stopping, still work.
        syncer.written(1);
        syncer.stop();
    }
}
