//! The server's group commit: one thread owns the [`AuditLog`]; request
//! tasks hand it their records and wait. The thread takes every record that
//! is waiting (up to 4 MiB), writes them in one write, and only then tells
//! each task that its records are in the file, so no decision is answered
//! before its record is written, and records never interleave.
//!
//! With `--log-sync always` it also syncs the group before answering (no
//! decision is answered before its record is durable), and a group smaller
//! than the last one waits briefly for the rest, to share that sync (see
//! [`linger`]). With `--log-sync <DURATION>` (the default) it answers as
//! soon as the group is written and hands the sync to a [`Syncer`] thread,
//! which syncs within DURATION; a failed sync fails the log as a failed
//! write does (see `super::sync`).
//!
//! After answering a group, the thread adds zeros ahead of the records
//! when few are left ([`AuditLog::reserve`]); on close it has everything
//! pending synced and cuts the file back to its last record
//! ([`AuditLog::close`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::audit_log::{self, AuditLog};
use crate::serve::sync::{Counts, LogSync, Syncer};
use crate::{chain, files};

/// What the log thread is asked to do.
enum Job {
    /// Write these whole lines, then answer.
    Write {
        lines: Vec<u8>,
        records: u64,
        done: oneshot::Sender<Result<(), String>>,
    },
    /// Write a signed checkpoint if records were written since the last
    /// (with `--log-key`; the checkpoint interval's tick).
    Checkpoint,
    /// Everything before this is written; stop.
    Close,
}

/// The chain's head, as `GET /v1/log/head` and `/metrics` show it.
#[derive(Clone, Debug, Default, serde::Serialize)]
#[expect(
    clippy::struct_field_names,
    reason = "`head` is the JSON field's name: the chain's head"
)]
pub(crate) struct Head {
    /// The SHA-256 of the last line written, in hex: what the next line
    /// will link to.
    pub(crate) head: String,
    /// Lines written by this server (records and checkpoints).
    pub(crate) lines: u64,
    /// The log file being written.
    pub(crate) file: String,
    /// The key that signs checkpoints, if any.
    pub(crate) key: Option<String>,
    /// The last checkpoint written: its time and the head it signed.
    pub(crate) checkpoint: Option<CheckpointInfo>,
}

/// A checkpoint, as the head shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct CheckpointInfo {
    pub(crate) at: String,
    pub(crate) head: String,
}

/// A handle on the log thread, shared by the request tasks.
#[derive(Debug)]
pub(crate) struct LogHandle {
    jobs: mpsc::Sender<Job>,
    failed: Arc<AtomicBool>,
    counts: Arc<Counts>,
    head: Arc<Mutex<Head>>,
}

/// What `/metrics` says of the log: records written (and so answered),
/// records synced, and the syncs that synced them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LogCounts {
    pub(crate) written: u64,
    pub(crate) synced: u64,
    pub(crate) syncs: u64,
}

/// The bytes one group may hold (a single larger batch is its own group).
const GROUP_BYTES: usize = 4 << 20;

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Write { records, .. } => write!(f, "Write({records})"),
            Job::Checkpoint => f.write_str("Checkpoint"),
            Job::Close => f.write_str("Close"),
        }
    }
}

/// How long a group may wait for the tasks the previous group answered.
const LINGER: Duration = Duration::from_micros(150);

/// Waits briefly for one more job when the group is smaller than the one
/// before it (a commit delay, like the `commit_delay` of Postgres).
///
/// The tasks a sync answers come back with their next records while the
/// next group is being formed: without waiting, that group starts with the
/// first of them and the rest wait a whole sync behind it, so under steady
/// load a decision waits up to two syncs. Waiting up to [`LINGER`] for as
/// many tasks as the last group had lets them share one sync. A group that
/// is as large as the last one, or a lone client, does not wait at all.
fn linger(
    queue: &mut mpsc::Receiver<Job>,
    have: usize,
    last_group: usize,
    deadline: &mut Option<Instant>,
) -> Option<Job> {
    if have >= last_group {
        return None;
    }
    // One wait per group, however many jobs arrive during it.
    let deadline = *deadline.get_or_insert_with(|| Instant::now() + LINGER);
    loop {
        if let Ok(job) = queue.try_recv() {
            return Some(job);
        }
        if Instant::now() >= deadline {
            return None;
        }
        // Two cores: let the tasks that produce the records run.
        std::thread::yield_now();
    }
}

/// The log thread's own state.
struct Writer {
    failed: Arc<AtomicBool>,
    counts: Arc<Counts>,
    /// The log's rotations when the syncer was last given its file.
    rotations: u64,
    /// With `--log-sync <DURATION>`: the thread that syncs.
    syncer: Option<Syncer>,
    /// Why the log failed: every later group is refused with it.
    failure: Option<String>,
    /// The head, published after each group.
    head: Arc<Mutex<Head>>,
    /// Lines written (records and checkpoints).
    lines: u64,
}

impl Writer {
    /// Takes groups of jobs until `Close` (or every handle is gone), then
    /// syncs and closes the log.
    fn run(mut self, log: &mut AuditLog, mut queue: mpsc::Receiver<Job>) {
        let mut group: Vec<u8> = Vec::new();
        let mut waiting = Vec::new();
        let mut closing = false;
        // How many tasks the previous group answered.
        let mut last_group = 0;
        // Only a sync is worth waiting for the rest of a group.
        let lingers = self.syncer.is_none();
        while !closing {
            let Some(first) = queue.blocking_recv() else {
                break;
            };
            let mut next = Some(first);
            let mut records = 0;
            let mut deadline = None;
            let mut checkpoint_after = false;
            while let Some(job) = next.take() {
                match job {
                    Job::Write {
                        lines,
                        records: n,
                        done,
                    } => {
                        group.extend_from_slice(&lines);
                        records += n;
                        waiting.push(done);
                    }
                    Job::Checkpoint => {
                        if group.is_empty() {
                            self.checkpoint(log, "interval");
                        } else {
                            checkpoint_after = true;
                        }
                    }
                    Job::Close => {
                        closing = true;
                        break;
                    }
                }
                if group.len() < GROUP_BYTES {
                    next = queue.try_recv().ok();
                    if next.is_none() && !closing && lingers {
                        next = linger(&mut queue, waiting.len(), last_group, &mut deadline);
                    }
                }
            }
            last_group = waiting.len();
            let result = if group.is_empty() {
                Ok(())
            } else {
                self.write(log, &group, records)
            };
            group.clear();
            for done in waiting.drain(..) {
                // The task may have given up (a timeout); its record stands.
                let _ = done.send(result.clone());
            }
            if checkpoint_after {
                self.checkpoint(log, "interval");
            }
            self.publish(log);
            if self.failure.is_none() {
                // Zeros ahead, once the group is answered. If they
                // cannot be added, the next group that needs them
                // tries again and fails (a full disk) as a write.
                let _ = log.reserve(0);
                self.hand_over(log, 0);
            }
        }
        self.close(log);
    }

    /// Writes one group (synced, with `--log-sync always`; handed to the
    /// syncer otherwise); the answer for its decisions.
    fn write(&mut self, log: &mut AuditLog, group: &[u8], records: u64) -> Result<(), String> {
        if self.failure.is_none()
            && self.failed.load(Ordering::SeqCst)
            && let Some(syncer) = &self.syncer
        {
            // The syncer failed (and said so on stderr).
            self.failure = syncer.error();
        }
        if let Some(why) = &self.failure {
            return Err(why.clone());
        }
        let result = log
            .append(group)
            .map_err(|e| {
                format!(
                    "cannot write the decision log `{}`: {}",
                    log.path().display(),
                    files::io_words(&e)
                )
            })
            .and_then(|()| self.follow_rotation(log));
        match &result {
            Ok(()) => {
                self.lines += records;
                self.counts.written.fetch_add(records, Ordering::Relaxed);
                if self.syncer.is_none() {
                    self.counts.synced.fetch_add(records, Ordering::Relaxed);
                    if log.is_regular_file() && records > 0 {
                        self.counts.syncs.fetch_add(1, Ordering::Relaxed);
                    }
                } else {
                    self.hand_over(log, records);
                }
            }
            Err(why) => self.fail(why),
        }
        result
    }

    /// After a rotation, gives the syncer a handle on the new file (the
    /// rotation synced the old one).
    fn follow_rotation(&mut self, log: &AuditLog) -> Result<(), String> {
        let Some(syncer) = &self.syncer else {
            return Ok(());
        };
        if log.rotations() == self.rotations {
            return Ok(());
        }
        let file = log.sync_handle().map_err(|e| {
            format!(
                "cannot sync the decision log `{}` after its rotation: {}",
                log.path().display(),
                files::io_words(&e)
            )
        })?;
        syncer.replace(file);
        self.rotations = log.rotations();
        Ok(())
    }

    /// Tells the syncer of what was written and not synced, or counts the
    /// records as synced when nothing was left to sync (a pipe).
    fn hand_over(&self, log: &mut AuditLog, records: u64) {
        let Some(syncer) = &self.syncer else {
            return;
        };
        if log.take_unsynced() {
            syncer.written(records);
        } else {
            self.counts.synced.fetch_add(records, Ordering::Relaxed);
        }
    }

    /// Writes a checkpoint when records were written since the last one
    /// (with a key); a failure fails the log as a failed write does.
    fn checkpoint(&mut self, log: &mut AuditLog, reason: &str) {
        if self.failure.is_some() || log.unsigned() == 0 {
            return;
        }
        match log.checkpoint(reason) {
            Ok(()) => {
                self.lines += 1;
                self.hand_over(log, 0);
                let at = audit_log::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                let head = chain::hex(&log.head());
                if let Ok(mut shown) = self.head.lock() {
                    shown.checkpoint = Some(CheckpointInfo { at, head });
                }
            }
            Err(e) => {
                let why = format!(
                    "cannot write a checkpoint to the decision log `{}`: {}",
                    log.path().display(),
                    files::io_words(&e)
                );
                self.fail(&why);
            }
        }
    }

    /// Publishes the chain's head.
    fn publish(&self, log: &AuditLog) {
        if let Ok(mut shown) = self.head.lock() {
            shown.head = chain::hex(&log.head());
            shown.lines = self.lines;
        }
    }

    /// Marks the log failed; says why on stderr the first time.
    fn fail(&mut self, why: &str) {
        if self.failure.is_none() {
            #[expect(clippy::print_stderr, reason = "the server's own log")]
            {
                eprintln!("lawful: {why}; not answering decisions any more");
            }
            self.failure = Some(why.to_owned());
        }
        self.failed.store(true, Ordering::SeqCst);
    }

    /// Has everything written synced, then cuts the log to its last record
    /// (which syncs it again) and closes it: after a clean stop, every
    /// record is on disk and the file holds no padding.
    fn close(mut self, log: &mut AuditLog) {
        if let Some(syncer) = self.syncer.take() {
            syncer.stop();
        }
        match log.close() {
            Ok(()) => {
                // Everything written is synced now (unless a sync failed:
                // then what it could not write may be lost all the same).
                if !self.failed.load(Ordering::SeqCst) {
                    let written = self.counts.written.load(Ordering::Relaxed);
                    self.counts.synced.store(written, Ordering::Relaxed);
                }
            }
            Err(e) => {
                #[expect(clippy::print_stderr, reason = "the server's own log")]
                {
                    eprintln!(
                        "lawful: cannot cut the decision log `{}` to its last record and sync it: {}",
                        log.path().display(),
                        files::io_words(&e)
                    );
                }
                self.failed.store(true, Ordering::SeqCst);
            }
        }
    }
}

impl LogHandle {
    /// Starts the log thread (and with `--log-sync <DURATION>`, the
    /// syncing thread).
    pub(crate) fn start(
        mut log: AuditLog,
        sync: LogSync,
        key: Option<&str>,
    ) -> std::io::Result<(LogHandle, JoinHandle<()>)> {
        let (jobs, queue) = mpsc::channel::<Job>(4096);
        let failed = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(Counts::default());
        let syncer = match sync {
            LogSync::Always => None,
            LogSync::Within(interval) => {
                let syncer = Syncer::start(
                    log.sync_handle()?,
                    log.path().display().to_string(),
                    interval,
                    Arc::clone(&failed),
                    Arc::clone(&counts),
                )?;
                // The zeros written when the log was opened.
                if log.take_unsynced() {
                    syncer.written(0);
                }
                Some(syncer)
            }
        };
        let head = Arc::new(Mutex::new(Head {
            head: chain::hex(&log.head()),
            lines: 0,
            file: log.path().display().to_string(),
            key: key.map(str::to_owned),
            checkpoint: None,
        }));
        let writer = Writer {
            failed: Arc::clone(&failed),
            counts: Arc::clone(&counts),
            rotations: log.rotations(),
            syncer,
            failure: None,
            head: Arc::clone(&head),
            lines: 0,
        };
        let thread = std::thread::Builder::new()
            .name("lawful-log".into())
            .spawn(move || writer.run(&mut log, queue))?;
        Ok((
            LogHandle {
                jobs,
                failed,
                counts,
                head,
            },
            thread,
        ))
    }

    /// Whether the log has failed (then no decision may be answered).
    pub(crate) fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// How many records were written (and their decisions answered).
    pub(crate) fn written(&self) -> u64 {
        self.counts.written.load(Ordering::Relaxed)
    }

    /// The counts `/metrics` shows.
    pub(crate) fn counts(&self) -> LogCounts {
        LogCounts {
            written: self.counts.written.load(Ordering::Relaxed),
            synced: self.counts.synced.load(Ordering::Relaxed),
            syncs: self.counts.syncs.load(Ordering::Relaxed),
        }
    }

    /// Writes `records` records (whole lines) and waits until they are in
    /// the file (and synced, with `--log-sync always`).
    pub(crate) async fn commit(&self, lines: Vec<u8>, records: u64) -> Result<(), String> {
        if self.failed() {
            return Err("the decision log has failed".into());
        }
        let (done, wait) = oneshot::channel();
        self.jobs
            .send(Job::Write {
                lines,
                records,
                done,
            })
            .await
            .map_err(|_| "the decision log is closed".to_owned())?;
        wait.await
            .unwrap_or_else(|_| Err("the decision log is closed".into()))
    }

    /// The chain's head now.
    pub(crate) fn head(&self) -> Head {
        self.head.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// Asks for a checkpoint (written if records came since the last).
    pub(crate) async fn checkpoint(&self) {
        let _ = self.jobs.send(Job::Checkpoint).await;
    }

    /// Asks the thread to stop once everything queued is written.
    pub(crate) async fn close(&self) {
        let _ = self.jobs.send(Job::Close).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group as large as the last one, or a lone client's, never waits.
    #[test]
    fn a_full_group_does_not_linger() {
        let (_jobs, mut queue) = mpsc::channel::<Job>(4);
        let mut deadline = None;
        let start = Instant::now();
        assert!(linger(&mut queue, 1, 1, &mut deadline).is_none());
        assert!(linger(&mut queue, 3, 0, &mut deadline).is_none());
        assert!(deadline.is_none());
        assert!(start.elapsed() < LINGER);
    }

    /// A smaller group waits for a job that is coming, and no longer than
    /// its one deadline for one that is not.
    #[test]
    fn a_small_group_waits_once_for_the_rest() {
        let (jobs, mut queue) = mpsc::channel::<Job>(4);
        jobs.try_send(Job::Close).unwrap();
        let mut deadline = None;
        assert!(matches!(
            linger(&mut queue, 1, 8, &mut deadline),
            Some(Job::Close)
        ));
        let first = deadline.unwrap();
        assert!(linger(&mut queue, 2, 8, &mut deadline).is_none());
        assert!(Instant::now() >= first);
        // The deadline is the group's: a later call does not start another.
        let again = Instant::now();
        assert!(linger(&mut queue, 2, 8, &mut deadline).is_none());
        assert!(again.elapsed() < LINGER);
        assert_eq!(deadline, Some(first));
    }
}
