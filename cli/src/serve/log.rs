//! The server's group commit: one thread owns the [`AuditLog`]; request
//! tasks hand it their records and wait. The thread takes every record that
//! is waiting (up to 4 MiB), writes them in one write, syncs, and only then
//! tells each task that its records are on disk, so no decision is answered
//! before its record is durable, and records never interleave. A group
//! smaller than the last one waits briefly for the rest (see [`linger`]).
//! After answering a group, the thread adds zeros ahead of the records
//! when few are left ([`AuditLog::reserve`]); on close it cuts the file
//! back to its last record ([`AuditLog::close`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::audit_log::AuditLog;
use crate::files;

/// What the log thread is asked to do.
enum Job {
    /// Write these whole lines, then answer.
    Write {
        lines: Vec<u8>,
        records: u64,
        done: oneshot::Sender<Result<(), String>>,
    },
    /// Everything before this is written; stop.
    Close,
}

/// A handle on the log thread, shared by the request tasks.
#[derive(Debug)]
pub(crate) struct LogHandle {
    jobs: mpsc::Sender<Job>,
    failed: Arc<AtomicBool>,
    written: Arc<AtomicU64>,
}

/// The bytes one group may hold (a single larger batch is its own group).
const GROUP_BYTES: usize = 4 << 20;

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Write { records, .. } => write!(f, "Write({records})"),
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

impl LogHandle {
    /// Starts the log thread.
    pub(crate) fn start(mut log: AuditLog) -> std::io::Result<(LogHandle, JoinHandle<()>)> {
        let (jobs, mut queue) = mpsc::channel::<Job>(4096);
        let failed = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicU64::new(0));
        let (thread_failed, thread_written) = (Arc::clone(&failed), Arc::clone(&written));
        let thread = std::thread::Builder::new()
            .name("lawful-log".into())
            .spawn(move || {
                let mut failure: Option<String> = None;
                let mut group: Vec<u8> = Vec::new();
                let mut waiting = Vec::new();
                let mut closing = false;
                // How many tasks the previous group answered.
                let mut last_group = 0;
                while !closing {
                    let Some(first) = queue.blocking_recv() else {
                        break;
                    };
                    let mut next = Some(first);
                    let mut records = 0;
                    let mut deadline = None;
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
                            Job::Close => {
                                closing = true;
                                break;
                            }
                        }
                        if group.len() < GROUP_BYTES {
                            next = queue.try_recv().ok();
                            if next.is_none() && !closing {
                                next = linger(&mut queue, waiting.len(), last_group, &mut deadline);
                            }
                        }
                    }
                    last_group = waiting.len();
                    let result = match &failure {
                        Some(why) => Err(why.clone()),
                        None => log.append(&group).map_err(|e| {
                            format!(
                                "cannot write the decision log `{}`: {}",
                                log.path().display(),
                                files::io_words(&e)
                            )
                        }),
                    };
                    match &result {
                        Ok(()) => {
                            thread_written.fetch_add(records, Ordering::Relaxed);
                        }
                        Err(why) => {
                            if failure.is_none() {
                                #[expect(clippy::print_stderr, reason = "the server's own log")]
                                {
                                    eprintln!("lawful: {why}; not answering decisions any more");
                                }
                                failure = Some(why.clone());
                            }
                            thread_failed.store(true, Ordering::SeqCst);
                        }
                    }
                    group.clear();
                    for done in waiting.drain(..) {
                        // The task may have given up (a timeout); its record stands.
                        let _ = done.send(result.clone());
                    }
                    if failure.is_none() {
                        // Zeros ahead, once the group is answered. If they
                        // cannot be added, the next group that needs them
                        // tries again and fails (a full disk) as a write.
                        let _ = log.reserve(0);
                    }
                }
                // No padding after a clean stop.
                if let Err(e) = log.close() {
                    #[expect(clippy::print_stderr, reason = "the server's own log")]
                    {
                        eprintln!(
                            "lawful: cannot cut the decision log `{}` to its last record: {}",
                            log.path().display(),
                            files::io_words(&e)
                        );
                    }
                }
            })?;
        Ok((
            LogHandle {
                jobs,
                failed,
                written,
            },
            thread,
        ))
    }

    /// Whether the log has failed (then no decision may be answered).
    pub(crate) fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// How many records are on disk.
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Writes `records` records (whole lines) and waits until they are synced.
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
