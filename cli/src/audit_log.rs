//! The decision log of `lawful decide --log` and `lawful serve --log`: one
//! JSON line per decision, written whole before the decision it records is
//! released, and synced to disk before it too (`decide`, and `serve
//! --log-sync always`) or soon after (`serve`'s default, see
//! [`LogOptions::defer_sync`]).
//!
//! - **Whole lines.** A group of records (whole lines, each ending in a
//!   newline) goes to the file in one write. If the write fails part-way (a
//!   full disk), the partial tail is removed again, so the log never holds
//!   a truncated record (for `decide`, unless another process appended to
//!   the same file in between: then the tail is left alone rather than cut
//!   into its lines).
//! - **Synced.** After the write, `fdatasync` (regular files only: devices
//!   and pipes have nothing to sync). Only then are the decisions of the
//!   group answered. This is a group commit: the command line groups the
//!   decisions it answers in one flush of its output; the server groups the
//!   records that arrive while the previous group is being synced.
//! - **Or synced soon after.** With [`LogOptions::defer_sync`] (the
//!   server's `--log-sync <DURATION>`), a group and the zeros ahead of it
//!   are written but not synced: the log only notes that it holds unsynced
//!   bytes ([`AuditLog::take_unsynced`]) and the caller syncs a clone of
//!   the file ([`AuditLog::sync_handle`]) on another thread. Rotation and
//!   close still sync here.
//! - **Preallocated (the server).** `lawful serve` does not append: it
//!   keeps the file extended with zero bytes ahead of its records (a chunk
//!   at a time, written and synced when the chunk is added) and writes each
//!   group in place at the *data end* with `pwrite`. The `fdatasync` of a
//!   group then has no file size or extent to commit through the ext4
//!   journal, only the data, which is what makes it cheaper (see
//!   `docs/serve.md`). So a live file ends in a run of NUL bytes after its
//!   last record; a clean close (and every rotation) truncates it to its
//!   data end, and opening a file that ends in such padding (a crash left
//!   it) finds the data end again (see [`find_data_end`]).
//! - **One writer.** Since the server writes in place, a second writer
//!   would overwrite its records. The server takes an exclusive `flock` on
//!   the file; `lawful decide` (which appends with `O_APPEND`, so several
//!   may share a file) takes a shared one. Either refuses the file when the
//!   other holds it.
//! - **Failure stops answering.** An error is returned to the caller, which
//!   must not release the decisions of the group: the command line exits 2
//!   without printing them, the server answers 503.
//! - **No symlinks.** The path is opened with `O_NOFOLLOW` and refused when
//!   it is a symbolic link, unless the caller asks to follow links (a
//!   dangling link would otherwise create a file wherever it points).
//! - **Rotation.** With a size limit, a file that would grow past it is
//!   renamed with a UTC time-stamp suffix (`audit.jsonl.20261128T020000.123456Z`)
//!   and a new file is started; a group is never split across two files.
//!   The server truncates a file to its data end before renaming it, so a
//!   rotated file holds no padding, and never preallocates past the limit.
//!
//! A record is the library's [`AuditRecord`] plus the policy's content hash
//! and the request document as received (compacted onto one line), so a
//! later replay can decide it again and compare.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, SubsecRound, Utc};
use lawful::wire::{AuditRecord, DecisionDoc};
use rustix::fs::{FlockOperation, flock};
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::chain::{Chain, GENESIS, Hash, LINK_LEN};
use crate::files::{self, Fail};
use crate::keys::SecretKey;

/// How a log is opened.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LogOptions {
    /// Follow a symbolic link at the log's path (refused by default).
    pub(crate) follow_symlinks: bool,
    /// Rotate when the file would grow past this many bytes.
    pub(crate) max_bytes: Option<u64>,
    /// Write in place into a region of zeros extended this many bytes ahead
    /// of the records (the server), instead of appending (the command line).
    pub(crate) preallocate: Option<u64>,
    /// With `preallocate`: do not sync the records and zeros written, only
    /// note them ([`AuditLog::take_unsynced`]); the caller syncs them (the
    /// server's `--log-sync <DURATION>`). A rotation still syncs the file it
    /// renames, and a close the file it cuts.
    pub(crate) defer_sync: bool,
}

/// The zeros `lawful serve` keeps ahead of its records: 4 MiB. Fewer than
/// half left, the missing ones are written (and with `--log-sync always`
/// synced) in the log thread after a group is answered (about 2 ms for
/// 2 MiB on the machine of `docs/serve.md`, with the sync), so a decision
/// waits for that at most once every 2 MiB of records. Larger chunks (etcd
/// keeps 64 MiB) made batches wait 20 ms at a time: their p99 at 64
/// connections went from 42 to 124 ms. The limit of `--log-max-bytes` caps
/// them.
pub(crate) const PREALLOCATE: u64 = 4 << 20;

/// How far back from the padding a crashed file is searched for a hole of
/// zeros inside its last, unsynced writes (see [`find_data_end`]).
const RECOVERY_WINDOW: u64 = 256 << 20;

/// The zeros written at a time when the file is extended.
const ZEROS: usize = 1 << 20;

/// An open decision log.
#[derive(Debug)]
pub(crate) struct AuditLog {
    path: PathBuf,
    file: File,
    /// Whether the file is a regular file (only those are synced, locked,
    /// preallocated and rotated).
    regular: bool,
    options: LogOptions,
    /// For a preallocated log: where its records end and its zeros begin.
    place: Option<Place>,
    /// Bytes were written and not synced (with `defer_sync` only).
    unsynced: bool,
    /// How many times the file was rotated: a new file, to be synced
    /// through a new [`AuditLog::sync_handle`].
    rotations: u64,
    /// The hash chain: the hash of the last line written (see `chain`).
    chain: Chain,
    /// For an appender: the file's length after its last write, when the
    /// chain's head is known to be the file's last line.
    known_end: Option<u64>,
    /// The key that signs checkpoints (`serve --log-key`).
    signer: Option<SecretKey>,
    /// Records written since the last checkpoint.
    unsigned: u64,
}

/// The room a checkpoint line takes at most (about 330 bytes).
const CHECKPOINT_ROOM: u64 = 512;

/// The block in which the last line is read back to find the chain's
/// head (a line of any length is hashed, a block at a time).
const TAIL_BLOCK: usize = 64 << 10;

/// The two ends of a preallocated log.
#[derive(Clone, Copy, Debug)]
struct Place {
    /// The end of the last record: the next group is written here.
    data_end: u64,
    /// The file's size: zeros from `data_end` to here.
    allocated: u64,
}

impl AuditLog {
    /// Opens (or creates, mode 0600) the log at `path`: for appending, or
    /// with `options.preallocate` for writing in place (exclusively).
    ///
    /// A file that ends in NUL padding (a server stopped without closing
    /// it) is cut back to its data end first.
    pub(crate) fn open(path: &Path, options: LogOptions) -> Result<AuditLog, Fail> {
        let (file, regular) = open_file(path, options)?;
        let mut log = AuditLog {
            path: path.to_path_buf(),
            file,
            regular,
            options,
            place: None,
            unsynced: false,
            rotations: 0,
            chain: Chain::new(GENESIS),
            known_end: None,
            signer: None,
            unsigned: 0,
        };
        if regular {
            let cannot = |e: &io::Error| {
                Fail::new(format!(
                    "cannot open log `{}`: {}",
                    path.display(),
                    files::io_words(e)
                ))
            };
            let reader =
                open_reader(path, &log.file, options.follow_symlinks).map_err(|e| cannot(&e))?;
            log.recover(&reader).map_err(|e| cannot(&e))?;
            let len = log.file.metadata().map_err(|e| cannot(&e))?.len();
            log.chain = Chain::new(last_line_hash(&reader, len).map_err(|e| cannot(&e))?);
            if options.preallocate.is_some() {
                let len = log.file.metadata().map_err(|e| cannot(&e))?.len();
                log.place = Some(Place {
                    data_end: len,
                    allocated: len,
                });
                log.reserve(0).map_err(|e| cannot(&e))?;
            }
        }
        Ok(log)
    }

    /// Signs checkpoints with `key` from now on, and writes the first
    /// (`open`): it vouches for every line before it, through the chain.
    pub(crate) fn sign_with(&mut self, key: SecretKey) -> io::Result<()> {
        self.signer = Some(key);
        self.checkpoint("open")
    }

    /// The hash of the last line written (the chain's head).
    pub(crate) fn head(&self) -> Hash {
        self.chain.head()
    }

    /// Writes a signed checkpoint (with a key; nothing without one).
    /// `reason` is `open`, `interval`, `rotation` or `close`.
    pub(crate) fn checkpoint(&mut self, reason: &str) -> io::Result<()> {
        if self.signer.is_none() {
            return Ok(());
        }
        if reason == "interval" {
            // Within the size limit too: a full file rotates first (and
            // the rotation's checkpoints stand for this one).
            let before = self.rotations;
            self.rotate_if_full(CHECKPOINT_ROOM)?;
            if self.rotations != before {
                return Ok(());
            }
        }
        let Some(key) = &self.signer else {
            return Ok(());
        };
        let before = self.chain;
        let mut line = Vec::with_capacity(512);
        let at = now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        self.chain.checkpoint(
            &at,
            reason,
            key.id(),
            &key.public_hex(),
            |message| key.sign_hex(message),
            &mut line,
        );
        let result = self.write_linked(&line);
        match result {
            Ok(()) => self.unsigned = 0,
            Err(_) => self.chain = before,
        }
        result
    }

    /// Records written since the last checkpoint (with a key).
    pub(crate) fn unsigned(&self) -> u64 {
        if self.signer.is_some() {
            self.unsigned
        } else {
            0
        }
    }

    /// The path the log was opened at.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the log is a regular file (the only kind that is synced).
    pub(crate) fn is_regular_file(&self) -> bool {
        self.regular
    }

    /// Whether bytes were written and not synced since the last call (with
    /// [`LogOptions::defer_sync`]; never otherwise). The caller then owes
    /// the file a sync, through [`AuditLog::sync_handle`].
    pub(crate) fn take_unsynced(&mut self) -> bool {
        std::mem::take(&mut self.unsynced)
    }

    /// How many times the file was rotated; when this changes, the handle
    /// of [`AuditLog::sync_handle`] is the renamed file's (which the
    /// rotation synced), and a new one is needed.
    pub(crate) fn rotations(&self) -> u64 {
        self.rotations
    }

    /// A second handle on the current file (a `dup`), for syncing it on
    /// another thread while this one writes: `fdatasync` syncs the file,
    /// whichever descriptor it is called on.
    pub(crate) fn sync_handle(&self) -> io::Result<File> {
        self.file.try_clone()
    }

    /// Cuts a padded tail (left by a crash) back to the data end.
    fn recover(&mut self, reader: &File) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        let end = find_data_end(reader, len)?;
        if end == len {
            return Ok(());
        }
        // An appender shares its lock: cutting needs it alone.
        let shared = self.options.preallocate.is_none();
        if shared && flock(&self.file, FlockOperation::NonBlockingLockExclusive).is_err() {
            return Err(io::Error::other(
                "it ends in zero padding left by a server that stopped without closing it, \
                 and another process has it open; run again when it is alone",
            ));
        }
        let result = self.file.set_len(end).and_then(|()| self.file.sync_data());
        if shared {
            flock(&self.file, FlockOperation::NonBlockingLockShared)?;
        }
        result
    }

    /// Makes sure the zeros reach `need` bytes past the data end, and
    /// then, if less than a chunk is left, extends them by a chunk (never
    /// past the size limit unless `need` requires it). The zeros are written
    /// and synced here, so that the sync of a group has no size to commit
    /// (with `defer_sync`, written here and synced by the caller's next sync).
    ///
    /// On an error the file is cut back to its size before, best effort.
    pub(crate) fn reserve(&mut self, need: u64) -> io::Result<()> {
        let (Some(place), Some(chunk)) = (self.place, self.options.preallocate) else {
            return Ok(());
        };
        let needed = place.data_end.saturating_add(need);
        let free = place.allocated.saturating_sub(place.data_end);
        if place.allocated >= needed && free >= chunk / 2 {
            return Ok(());
        }
        let mut target = place.data_end.saturating_add(need).saturating_add(chunk);
        if let Some(max) = self.options.max_bytes {
            target = target.min(max.max(needed));
        }
        if target <= place.allocated {
            return Ok(());
        }
        let result = self.zero(place.allocated, target);
        match result {
            Ok(()) => {
                self.place = Some(Place {
                    allocated: target,
                    ..place
                });
                Ok(())
            }
            Err(e) => {
                let _ = self.file.set_len(place.allocated);
                Err(e)
            }
        }
    }

    /// Writes zeros from `from` to `to`, then syncs (or notes that they
    /// are not synced, with `defer_sync`).
    fn zero(&mut self, from: u64, to: u64) -> io::Result<()> {
        let zeros = vec![0_u8; ZEROS];
        let mut at = from;
        while at < to {
            let n = usize::try_from(to - at).unwrap_or(ZEROS).min(ZEROS);
            self.file
                .write_all_at(zeros.get(..n).unwrap_or_default(), at)?;
            at += n as u64;
        }
        self.synced()
    }

    /// Syncs what was written, or with `defer_sync` notes that it is not.
    fn synced(&mut self) -> io::Result<()> {
        if self.options.defer_sync {
            self.unsynced = true;
            Ok(())
        } else {
            self.file.sync_data()
        }
    }

    /// Appends whole lines (each ending in `\n`) in one write, then syncs.
    ///
    /// On an error nothing of `lines` is left in the file when that can be
    /// ensured (see the module's notes), and the caller must not release
    /// the decisions they record.
    pub(crate) fn append(&mut self, records: &[u8]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        // Records are whole lines: each ends in its newline.
        let lines = records.split(|&b| b == b'\n').count().saturating_sub(1);
        let count = lines as u64;
        if self.place.is_some() {
            // A rotation first, if the group would pass the limit: the old
            // file is closed with a checkpoint, the new one opened with one.
            let linked = (records.len() as u64).saturating_add(count * LINK_LEN as u64);
            self.rotate_if_full(linked)?;
        } else if self.regular {
            // Appenders share the file: the chain's head is its last line,
            // read again under an exclusive lock if another wrote since.
            flock(&self.file, FlockOperation::LockExclusive)?;
            let result = self.append_locked(records, lines);
            flock(&self.file, FlockOperation::LockShared)?;
            return result;
        }
        let before = self.chain;
        let mut linked = Vec::with_capacity(records.len() + lines * LINK_LEN);
        self.chain.link(records, &mut linked);
        let result = self.write_linked(&linked);
        match result {
            Ok(()) => self.unsigned += count,
            Err(_) => self.chain = before,
        }
        result
    }

    /// An appender's write, under the exclusive lock.
    fn append_locked(&mut self, records: &[u8], lines: usize) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        if self.known_end != Some(len) {
            let reader = open_reader(&self.path, &self.file, self.options.follow_symlinks)?;
            self.chain = Chain::new(last_line_hash(&reader, len)?);
        }
        let before = self.chain;
        let mut linked = Vec::with_capacity(records.len() + lines * LINK_LEN);
        self.chain.link(records, &mut linked);
        let result = self.write_linked(&linked);
        match &result {
            Ok(()) => self.known_end = self.file.metadata().ok().map(|m| m.len()),
            Err(_) => {
                self.chain = before;
                self.known_end = None;
            }
        }
        result
    }

    /// For a preallocated log with a size limit: rotates when `len` more
    /// bytes (and a closing checkpoint) would pass it.
    fn rotate_if_full(&mut self, len: u64) -> io::Result<()> {
        let (Some(max), Some(place)) = (self.options.max_bytes, self.place) else {
            return Ok(());
        };
        let room = if self.signer.is_some() {
            CHECKPOINT_ROOM
        } else {
            0
        };
        if place.data_end > 0 && place.data_end.saturating_add(len).saturating_add(room) > max {
            self.checkpoint("rotation")?;
            self.rotate()?;
            self.checkpoint("open")?;
        }
        Ok(())
    }

    /// Writes lines that carry their links: in place, or appended.
    fn write_linked(&mut self, lines: &[u8]) -> io::Result<()> {
        if self.place.is_some() {
            return self.write_in_place(lines);
        }
        let start = if self.regular {
            let start = self.file.metadata()?.len();
            if let Some(max) = self.options.max_bytes
                && start > 0
                && start.saturating_add(lines.len() as u64) > max
            {
                self.rotate()?;
                0
            } else {
                start
            }
        } else {
            0
        };
        let mut written = 0;
        while written < lines.len() {
            let rest = lines.get(written..).unwrap_or_default();
            match self.file.write(rest) {
                Ok(0) => {
                    self.cut(start, written);
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the file accepted no more bytes",
                    ));
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.cut(start, written);
                    return Err(e);
                }
            }
        }
        if self.regular {
            self.file.sync_data()?;
        }
        Ok(())
    }

    /// The server's write: at the data end, into zeros, then synced (or
    /// left for the caller to sync, with `defer_sync`).
    fn write_in_place(&mut self, lines: &[u8]) -> io::Result<()> {
        let len = lines.len() as u64;
        let data_end = self.place.map_or(0, |p| p.data_end);
        if data_end.saturating_add(len) > self.place.map_or(0, |p| p.allocated) {
            self.reserve(len)?;
        }
        let Some(place) = self.place else {
            return Err(io::Error::other("the log is closed"));
        };
        if let Err(e) = self.file.write_all_at(lines, place.data_end) {
            // Whatever part of the group reached the file is zeroed again,
            // so no reader sees a partial record (best effort).
            let _ = self
                .file
                .write_all_at(&vec![0_u8; lines.len()], place.data_end);
            self.unsynced |= self.options.defer_sync;
            return Err(e);
        }
        self.place = Some(Place {
            data_end: place.data_end.saturating_add(len),
            ..place
        });
        self.synced()
    }

    /// Truncates a preallocated log to its data end and syncs it: a log
    /// closed this way holds no padding. Writing after this appends
    /// nothing (an error).
    pub(crate) fn close(&mut self) -> io::Result<()> {
        // The closing checkpoint vouches for every line (with a key).
        let signed = if self.place.is_some() && self.signer.is_some() {
            self.checkpoint("close")
        } else {
            Ok(())
        };
        self.signer = None;
        if let Some(place) = self.place.take() {
            self.file.set_len(place.data_end)?;
            self.file.sync_data()?;
            self.unsynced = false;
        }
        signed
    }

    /// Removes the `written` bytes of a failed group that start at `start`,
    /// if nobody else has appended since.
    fn cut(&self, start: u64, written: usize) {
        if !self.regular || written == 0 {
            return;
        }
        if let Ok(meta) = self.file.metadata()
            && meta.len() == start.saturating_add(written as u64)
        {
            // Best effort: if this fails too, the disk is beyond our help.
            let _ = self.file.set_len(start);
        }
    }

    /// Renames the current file with a time-stamp suffix and starts a new one.
    fn rotate(&mut self) -> io::Result<()> {
        // A rotated file holds its records and no padding, and is synced
        // (with `defer_sync` too) before it takes its final name.
        if let Some(place) = self.place {
            self.file.set_len(place.data_end)?;
            self.file.sync_data()?;
            self.unsynced = false;
            self.place = Some(Place {
                allocated: place.data_end,
                ..place
            });
        }
        let now: DateTime<Utc> = SystemTime::now().into();
        let stamp = now.format("%Y%m%dT%H%M%S%.6fZ").to_string();
        let mut name = self.path.as_os_str().to_owned();
        name.push(".");
        name.push(&stamp);
        let mut target = PathBuf::from(&name);
        let mut n = 1;
        while std::fs::symlink_metadata(&target).is_ok() {
            let mut again = name.clone();
            again.push(format!(".{n}"));
            target = PathBuf::from(again);
            n += 1;
        }
        std::fs::rename(&self.path, &target)?;
        let (file, regular) = open_file(&self.path, self.options)
            .map_err(|fail| io::Error::other(fail.message().to_owned()))?;
        let len = file.metadata()?.len();
        self.file = file;
        self.regular = regular;
        self.rotations += 1;
        if self.place.is_some() {
            // Another process may have created the new file in between: it
            // then holds the lock, and open_file refused it.
            self.place = Some(Place {
                data_end: len,
                allocated: len,
            });
        }
        // Make the rename and the new file durable (best effort: some file
        // systems cannot sync a directory).
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for AuditLog {
    /// A log dropped without [`AuditLog::close`] is still cut to its data
    /// end (best effort), so that it holds no padding.
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// Opens the log file (for appending, or for writing in place) and locks
/// it; whether it is a regular file.
fn open_file(path: &Path, log_options: LogOptions) -> Result<(File, bool), Fail> {
    let follow_symlinks = log_options.follow_symlinks;
    let cannot = |why: &str| Fail::new(format!("cannot open log `{}`: {why}", path.display()));
    if !follow_symlinks
        && std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink())
    {
        return Err(cannot(
            "it is a symbolic link (give --log-follow-symlinks to follow it)",
        ));
    }
    if path.is_dir() {
        return Err(cannot("it is a directory"));
    }
    let mut options = OpenOptions::new();
    if log_options.preallocate.is_some() {
        options.create(true).write(true);
    } else {
        options.create(true).append(true);
    }
    options.mode(0o600);
    if !follow_symlinks {
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            cannot("it is a symbolic link (give --log-follow-symlinks to follow it)")
        } else {
            cannot(&files::io_words(&e))
        }
    })?;
    let kind = file
        .metadata()
        .map_err(|e| cannot(&files::io_words(&e)))?
        .file_type();
    let regular = kind.is_file();
    if !(regular || kind.is_char_device() || kind.is_fifo()) {
        return Err(cannot("it is not a regular file"));
    }
    if regular {
        let operation = if log_options.preallocate.is_some() {
            FlockOperation::NonBlockingLockExclusive
        } else {
            FlockOperation::NonBlockingLockShared
        };
        match flock(&file, operation) {
            Ok(()) => {}
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                return Err(cannot(if log_options.preallocate.is_some() {
                    "another process is writing it (a `lawful serve`, or a `lawful decide --log`)"
                } else {
                    "a `lawful serve` is writing it"
                }));
            }
            Err(e) => return Err(cannot(&files::io_words(&io::Error::from(e)))),
        }
    }
    Ok((file, regular))
}

/// The log's file again, for reading its tail (the log itself is opened
/// write-only, as a pipe must be); refused if it is not the same file.
fn open_reader(path: &Path, log: &File, follow_symlinks: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    if !follow_symlinks {
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let reader = options.open(path)?;
    let (a, b) = (reader.metadata()?, log.metadata()?);
    if (a.dev(), a.ino()) != (b.dev(), b.ino()) {
        return Err(io::Error::other("it was replaced while being opened"));
    }
    Ok(reader)
}

/// Where the records of a log end: its length, unless it ends in NUL
/// padding (a preallocated log that was not closed: a live server's, or a
/// crashed one's).
///
/// Then the data end is the byte after the last newline before the first
/// NUL of the tail: the trailing run of NULs, or a hole of zeros inside the
/// writes not yet synced, whose pages were not all on disk when the
/// machine stopped (a power loss: after a crash of the server alone, the
/// kernel writes every page out). With `--log-sync always` that is the
/// last group, never answered; with an interval, also the groups answered
/// in its last interval. Every write before them was synced whole, and
/// records never hold a raw NUL (JSON escapes it), so no synced record is
/// lost. Holes are searched for in the last [`RECOVERY_WINDOW`] bytes
/// before the padding.
fn find_data_end(file: &File, len: u64) -> io::Result<u64> {
    const BLOCK: u64 = 64 << 10;
    let mut buf = vec![0_u8; 64 << 10];
    // Back over the trailing NULs.
    let mut end = len;
    while end > 0 {
        let from = end.saturating_sub(BLOCK);
        let block = read_block(file, &mut buf, from, end)?;
        match block.iter().rposition(|&b| b != 0) {
            Some(i) => {
                end = from + i as u64 + 1;
                break;
            }
            None => end = from,
        }
    }
    if end == len {
        return Ok(len);
    }
    // The first NUL of the window before it (or the padding itself).
    let mut first_nul = end;
    let mut at = end.saturating_sub(RECOVERY_WINDOW);
    while at < end {
        let to = at.saturating_add(BLOCK).min(end);
        let block = read_block(file, &mut buf, at, to)?;
        if let Some(i) = block.iter().position(|&b| b == 0) {
            first_nul = at + i as u64;
            break;
        }
        at = to;
    }
    // Back to the newline before it.
    let mut at = first_nul;
    while at > 0 {
        let from = at.saturating_sub(BLOCK);
        let block = read_block(file, &mut buf, from, at)?;
        if let Some(i) = block.iter().rposition(|&b| b == b'\n') {
            return Ok(from + i as u64 + 1);
        }
        at = from;
    }
    Ok(0)
}

/// The chain's head of a file of `len` bytes: the hash of its last line
/// (the genesis for an empty file). The line is found back from the end
/// and hashed in blocks, however long.
fn last_line_hash(file: &File, len: u64) -> io::Result<Hash> {
    if len == 0 {
        return Ok(GENESIS);
    }
    let mut buf = vec![0_u8; TAIL_BLOCK];
    let block = TAIL_BLOCK as u64;
    // The newline before the last line (the last byte is its own newline).
    let mut start = 0;
    let mut at = len.saturating_sub(1);
    while at > 0 {
        let from = at.saturating_sub(block);
        let block = read_block(file, &mut buf, from, at)?;
        if let Some(i) = block.iter().rposition(|&b| b == b'\n') {
            start = from + i as u64 + 1;
            break;
        }
        at = from;
    }
    let mut hasher = Sha256::new();
    let mut at = start;
    while at < len {
        let to = at.saturating_add(block).min(len);
        hasher.update(read_block(file, &mut buf, at, to)?);
        at = to;
    }
    Ok(hasher.finalize().into())
}

/// Reads the bytes from `from` to `to` (at most the buffer's length).
fn read_block<'b>(file: &File, buf: &'b mut [u8], from: u64, to: u64) -> io::Result<&'b [u8]> {
    let n = usize::try_from(to.saturating_sub(from))
        .unwrap_or(usize::MAX)
        .min(buf.len());
    let block = buf.get_mut(..n).unwrap_or_default();
    file.read_exact_at(block, from)?;
    Ok(block)
}

/// The SHA-256 of a policy's text, in hex: which exact policy decided.
pub(crate) fn policy_hash(text: &str) -> String {
    policy_hash_bytes(text.as_bytes())
}

/// The SHA-256 of bytes, in hex.
pub(crate) fn policy_hash_bytes(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(
            HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'),
        ));
        hex.push(char::from(
            HEX.get(usize::from(byte & 15)).copied().unwrap_or(b'0'),
        ));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The wall clock, to the microsecond (which orders the records of a fast
/// stream; nanoseconds are noise).
pub(crate) fn now() -> DateTime<Utc> {
    let now: DateTime<Utc> = SystemTime::now().into();
    now.trunc_subsecs(6)
}

/// Which exact policy decided: the SHA-256 of its text and, when it was
/// checked against a signature, the id of the key that signed it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PolicyStamp<'a> {
    pub(crate) sha256: &'a str,
    pub(crate) key: Option<&'a str>,
}

/// One line of the log.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    record: AuditRecord,
    /// The SHA-256 of the policy text that decided.
    policy_sha256: &'a str,
    /// The request as received: its JSON, or its text when it was not JSON.
    request: Request<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Request<'a> {
    Json(Box<RawValue>),
    Text(Cow<'a, str>),
}

/// The log line (with its newline) recording `doc`, the decision on the
/// request `request` (its bytes as received), made by the policy whose text
/// hashes to `policy_sha256`.
pub(crate) fn record_line(
    doc: &DecisionDoc,
    request: &[u8],
    policy: &PolicyStamp<'_>,
    decided_at: DateTime<Utc>,
) -> Vec<u8> {
    let request = match std::str::from_utf8(request) {
        Ok(text) => match RawValue::from_string(compact(text)) {
            Ok(raw) => Request::Json(raw),
            Err(_) => Request::Text(Cow::Borrowed(text.trim())),
        },
        Err(_) => Request::Text(String::from_utf8_lossy(request)),
    };
    let mut record = AuditRecord::from_doc(doc, decided_at);
    record.policy_key = policy.key.map(str::to_owned);
    let line = Line {
        record,
        policy_sha256: policy.sha256,
        request,
    };
    // Serializing plain data (and JSON already checked) cannot fail.
    let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// JSON text without the whitespace between tokens, so a pretty-printed
/// request fits on one line. (Whitespace inside strings is kept; a raw
/// newline inside a string is not JSON and is then caught by the parser.)
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    #[test]
    fn compact_keeps_strings_and_drops_layout() {
        assert_eq!(
            compact("{\n  \"a b\": [1, 2],\n  \"c\": \"x\\\" y\"\n}\n"),
            r#"{"a b":[1,2],"c":"x\" y"}"#
        );
    }

    #[test]
    fn a_line_holds_the_record_the_hash_and_the_request() {
        let engine = lawful::Engine::builtin();
        let request = "{\"id\": \"r1\",\n \"action\": \"collect\"}";
        let doc = engine.decide_json(request);
        let stamp = PolicyStamp {
            sha256: "abc",
            key: Some("ed25519:k"),
        };
        let line = record_line(&doc, request.as_bytes(), &stamp, now());
        assert_eq!(line.last(), Some(&b'\n'));
        assert!(!line[..line.len() - 1].contains(&b'\n'));
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["id"], "r1");
        assert_eq!(value["policy_sha256"], "abc");
        assert_eq!(value["policy_key"], "ed25519:k");
        assert_eq!(value["request"]["action"], "collect");
        let typed: AuditRecord = serde_json::from_slice(&line).unwrap();
        assert_eq!(typed.id.as_deref(), Some("r1"));

        let line = record_line(&doc, b"{broken", &stamp, now());
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["request"], "{broken");
    }

    /// A fresh directory for one test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lawful-audit-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn served(chunk: u64, max_bytes: Option<u64>) -> LogOptions {
        LogOptions {
            follow_symlinks: false,
            max_bytes,
            preallocate: Some(chunk),
            defer_sync: false,
        }
    }

    #[test]
    fn the_data_end_is_after_the_last_whole_line_before_the_zeros() {
        let dir = scratch("data-end");
        let path = dir.join("log");
        let zeros = |n: usize| vec![0_u8; n];
        let cases: Vec<(Vec<u8>, u64)> = vec![
            (Vec::new(), 0),
            (b"a\nb\n".to_vec(), 4),
            (b"a\nb".to_vec(), 3),
            ([b"a\nb\n".to_vec(), zeros(100_000)].concat(), 4),
            ([b"a\nb\nunfinished".to_vec(), zeros(10)].concat(), 4),
            // A hole inside the last (unsynced) group.
            (
                [
                    b"a\nb\nre".to_vec(),
                    zeros(5),
                    b"c3\nrec4\n".to_vec(),
                    zeros(9),
                ]
                .concat(),
                4,
            ),
            ([b"no newline".to_vec(), zeros(3)].concat(), 0),
            (zeros(70_000), 0),
        ];
        for (bytes, end) in cases {
            std::fs::write(&path, &bytes).unwrap();
            let file = File::open(&path).unwrap();
            assert_eq!(
                find_data_end(&file, bytes.len() as u64).unwrap(),
                end,
                "{bytes:?}"
            );
        }
    }

    /// The bytes without the hash chain's links (`"prev":"…",` after each
    /// line's opening brace); every line must carry one.
    fn unlinked(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            assert!(crate::chain::prev_of(line).is_some(), "no link: {line:?}");
            out.push(b'{');
            out.extend_from_slice(&line[1 + LINK_LEN..]);
        }
        out
    }

    /// A line of `n` bytes takes `n + LINK_LEN` in the file.
    const L: u64 = LINK_LEN as u64;

    #[test]
    fn a_served_log_is_preallocated_and_cut_to_its_records_on_close() {
        let dir = scratch("prealloc");
        let path = dir.join("audit.jsonl");
        let mut log = AuditLog::open(&path, served(4096, None)).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
        log.append(b"{\"a\":1}\n").unwrap();
        log.append(b"{\"a\":2}\n{\"a\":3}\n").unwrap();
        let live = std::fs::read(&path).unwrap();
        assert_eq!(live.len(), 4096);
        let data = 24 + 3 * LINK_LEN;
        assert_eq!(
            unlinked(&live[..data]),
            b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"
        );
        assert!(live[data..].iter().all(|&b| b == 0));
        // A group larger than the zeros left extends them first.
        let big = b"{\"a\":4}\n".repeat(1000);
        log.append(&big).unwrap();
        let records = 24 + 8000 + 1003 * L;
        assert!(std::fs::metadata(&path).unwrap().len() >= records + 4096);
        log.close().unwrap();
        drop(log);
        let closed = std::fs::read(&path).unwrap();
        assert_eq!(closed.len() as u64, records);
        assert!(!closed.contains(&0));
        assert!(crate::chain::breaks(&closed, Vec::new()).is_empty());
        // Dropped without close: cut all the same, and the chain goes on.
        let mut log = AuditLog::open(&path, served(4096, None)).unwrap();
        log.append(b"{\"a\":5}\n").unwrap();
        drop(log);
        let reopened = std::fs::read(&path).unwrap();
        assert_eq!(reopened.len() as u64, records + 8 + L);
        assert!(crate::chain::breaks(&reopened, Vec::new()).is_empty());
    }

    /// With a key, the log opens and closes with a signed checkpoint, and
    /// rotates with one at the end of the old file and the start of the
    /// new; each file verifies, and the new one links to the old.
    #[test]
    fn a_signed_log_has_checkpoints_at_open_rotation_and_close() {
        let dir = scratch("signed");
        let path = dir.join("audit.jsonl");
        let key_path = dir.join("key");
        std::fs::write(
            &key_path,
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let key = SecretKey::read(&key_path).unwrap();
        let mut log = AuditLog::open(&path, served(4096, Some(2000))).unwrap();
        log.sign_with(key).unwrap();
        for i in 0..30 {
            log.append(format!("{{\"a\":{i}}}\n").as_bytes()).unwrap();
            // Interval checkpoints keep within the limit too.
            if i % 3 == 0 {
                log.checkpoint("interval").unwrap();
            }
        }
        assert!(log.rotations() > 0);
        log.close().unwrap();
        drop(log);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("audit.jsonl")
            })
            .collect();
        files.sort();
        let mut records = 0;
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            assert!(bytes.len() <= 2000, "{}", bytes.len());
            assert!(crate::chain::breaks(&bytes, Vec::new()).is_empty());
            let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
            assert!(crate::chain::is_checkpoint(lines[0]));
            assert!(crate::chain::is_checkpoint(lines[lines.len() - 1]));
            records += lines
                .iter()
                .filter(|l| !crate::chain::is_checkpoint(l))
                .count();
        }
        assert_eq!(records, 30);
    }

    /// With `defer_sync`, writes (records and zeros) are only noted as
    /// unsynced, for the caller to sync; a rotation and a close sync, and
    /// a rotation is counted so the caller can sync the new file.
    #[test]
    fn a_deferred_log_notes_what_it_did_not_sync() {
        let dir = scratch("deferred");
        let path = dir.join("audit.jsonl");
        let options = LogOptions {
            defer_sync: true,
            ..served(4096, Some(200))
        };
        let mut log = AuditLog::open(&path, options).unwrap();
        // The zeros written on opening.
        assert!(log.take_unsynced());
        assert!(!log.take_unsynced());
        log.append(b"{\"a\":1}\n").unwrap();
        assert!(log.take_unsynced());
        assert_eq!(log.rotations(), 0);
        // In the file (the page cache) before any sync.
        let live = std::fs::read(&path).unwrap();
        assert_eq!(unlinked(&live[..8 + LINK_LEN]), b"{\"a\":1}\n");
        // Past the limit of 200 bytes: a new file.
        let wide = [b"{\"p\":\"".as_slice(), &[b'x'; 90], b"\"}\n"].concat();
        log.append(&wide).unwrap();
        assert_eq!(log.rotations(), 1);
        // The new file's zeros and record.
        assert!(log.take_unsynced());
        let handle = log.sync_handle().unwrap();
        handle.sync_data().unwrap();
        log.close().unwrap();
        assert!(!log.take_unsynced());
        drop(log);
        assert_eq!(unlinked(&std::fs::read(&path).unwrap()), wide);
    }

    #[test]
    fn a_crashed_log_is_resumed_after_its_last_whole_record() {
        let dir = scratch("crashed");
        let path = dir.join("audit.jsonl");
        let mut crashed = b"{\"a\":1}\n{\"a\":2}\n{\"a\":".to_vec();
        crashed.extend(vec![0; 100_000]);
        std::fs::write(&path, &crashed).unwrap();
        let mut log = AuditLog::open(&path, served(4096, None)).unwrap();
        log.append(b"{\"a\":3}\n").unwrap();
        log.close().unwrap();
        drop(log);
        let resumed = std::fs::read(&path).unwrap();
        assert!(resumed.starts_with(b"{\"a\":1}\n{\"a\":2}\n"));
        assert_eq!(unlinked(&resumed[16..]), b"{\"a\":3}\n");
        // The new record links to the last whole one.
        assert_eq!(
            crate::chain::prev_of(&resumed[16..]),
            Some(crate::chain::hash(b"{\"a\":2}\n"))
        );
        // `lawful decide` cuts the padding too before it appends.
        let mut crashed = std::fs::read(&path).unwrap();
        crashed.extend(vec![0; 10]);
        std::fs::write(&path, &crashed).unwrap();
        let mut log = AuditLog::open(&path, LogOptions::default()).unwrap();
        log.append(b"{\"a\":4}\n").unwrap();
        drop(log);
        let appended = std::fs::read(&path).unwrap();
        assert_eq!(unlinked(&appended[16..]), b"{\"a\":3}\n{\"a\":4}\n");
        assert!(crate::chain::breaks(&appended[16..], Vec::new()).is_empty());
    }

    #[test]
    fn a_served_log_has_one_writer() {
        let dir = scratch("lock");
        let path = dir.join("audit.jsonl");
        let log = AuditLog::open(&path, served(4096, None)).unwrap();
        let again = AuditLog::open(&path, served(4096, None)).unwrap_err();
        assert!(
            again.message().contains("another process is writing it"),
            "{}",
            again.message()
        );
        let append = AuditLog::open(&path, LogOptions::default()).unwrap_err();
        assert!(
            append.message().contains("`lawful serve` is writing it"),
            "{}",
            append.message()
        );
        drop(log);
        // Appenders share the file, and keep a server out.
        let first = AuditLog::open(&path, LogOptions::default()).unwrap();
        let second = AuditLog::open(&path, LogOptions::default()).unwrap();
        assert!(AuditLog::open(&path, served(4096, None)).is_err());
        drop((first, second));
        assert!(AuditLog::open(&path, served(4096, None)).is_ok());
    }

    #[test]
    fn a_served_log_rotates_without_padding_and_within_its_limit() {
        let dir = scratch("rotate");
        let path = dir.join("audit.jsonl");
        let mut log = AuditLog::open(&path, served(64 << 20, Some(1000))).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 1000);
        let line = b"{\"padding\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
        for _ in 0..100 {
            log.append(line).unwrap();
            assert!(std::fs::metadata(&path).unwrap().len() <= 1000);
        }
        log.close().unwrap();
        let mut records = 0;
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(!bytes.contains(&0));
            assert!(bytes.len() <= 1000);
            records += bytes.split(|&b| b == b'\n').count() - 1;
            files += 1;
        }
        assert_eq!(records, 100);
        assert!(files > 5, "{files}");
    }

    #[test]
    fn the_policy_hash_is_sha256_hex() {
        assert_eq!(
            policy_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
