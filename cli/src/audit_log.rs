//! The decision log of `lawful decide --log` and `lawful serve --log`: one
//! JSON line per decision, written whole and synced to disk before the
//! decision it records is released.
//!
//! - **Whole lines.** A group of records (whole lines, each ending in a
//!   newline) goes to the file in one `write` on a descriptor opened with
//!   `O_APPEND`. If the write fails part-way (a full disk), the partial tail
//!   is cut off again, so the log never holds a truncated record (unless
//!   another process appended to the same file in between: then the tail is
//!   left alone rather than cut into its lines).
//! - **Synced.** After the write, `fdatasync` (regular files only: devices
//!   and pipes have nothing to sync). Only then are the decisions of the
//!   group answered. This is a group commit: the command line groups the
//!   decisions it answers in one flush of its output; the server groups the
//!   records that arrive while the previous group is being synced.
//! - **Failure stops answering.** An error is returned to the caller, which
//!   must not release the decisions of the group: the command line exits 2
//!   without printing them, the server answers 503.
//! - **No symlinks.** The path is opened with `O_NOFOLLOW` and refused when
//!   it is a symbolic link, unless the caller asks to follow links (a
//!   dangling link would otherwise create a file wherever it points).
//! - **Rotation.** With a size limit, a file that would grow past it is
//!   renamed with a UTC time-stamp suffix (`audit.jsonl.20261128T020000.123456Z`)
//!   and a new file is started; a group is never split across two files.
//!
//! A record is the library's [`AuditRecord`] plus the policy's content hash
//! and the request document as received (compacted onto one line), so a
//! later replay can decide it again and compare.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, SubsecRound, Utc};
use lawful::wire::{AuditRecord, DecisionDoc};
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::files::{self, Fail};

/// How a log is opened.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LogOptions {
    /// Follow a symbolic link at the log's path (refused by default).
    pub(crate) follow_symlinks: bool,
    /// Rotate when the file would grow past this many bytes.
    pub(crate) max_bytes: Option<u64>,
}

/// An open decision log.
#[derive(Debug)]
pub(crate) struct AuditLog {
    path: PathBuf,
    file: File,
    /// Whether the file is a regular file (only those are synced and rotated).
    regular: bool,
    options: LogOptions,
}

impl AuditLog {
    /// Opens (or creates, mode 0600) the log at `path` for appending.
    pub(crate) fn open(path: &Path, options: LogOptions) -> Result<AuditLog, Fail> {
        let (file, regular) = open_file(path, options.follow_symlinks)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file,
            regular,
            options,
        })
    }

    /// The path the log was opened at.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends whole lines (each ending in `\n`) in one write, then syncs.
    ///
    /// On an error nothing of `lines` is left in the file when that can be
    /// ensured (see the module's notes), and the caller must not release
    /// the decisions they record.
    pub(crate) fn append(&mut self, lines: &[u8]) -> io::Result<()> {
        if lines.is_empty() {
            return Ok(());
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
        let (file, regular) = open_file(&self.path, self.options.follow_symlinks)
            .map_err(|fail| io::Error::other(fail.message().to_owned()))?;
        self.file = file;
        self.regular = regular;
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

/// Opens the log file for appending; whether it is a regular file.
fn open_file(path: &Path, follow_symlinks: bool) -> Result<(File, bool), Fail> {
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
    options.create(true).append(true).mode(0o600);
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
    Ok((file, regular))
}

/// The SHA-256 of a policy's text, in hex: which exact policy decided.
pub(crate) fn policy_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
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
    policy_sha256: &str,
    decided_at: DateTime<Utc>,
) -> Vec<u8> {
    let request = match std::str::from_utf8(request) {
        Ok(text) => match RawValue::from_string(compact(text)) {
            Ok(raw) => Request::Json(raw),
            Err(_) => Request::Text(Cow::Borrowed(text.trim())),
        },
        Err(_) => Request::Text(String::from_utf8_lossy(request)),
    };
    let line = Line {
        record: AuditRecord::from_doc(doc, decided_at),
        policy_sha256,
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
        let line = record_line(&doc, request.as_bytes(), "abc", now());
        assert_eq!(line.last(), Some(&b'\n'));
        assert!(!line[..line.len() - 1].contains(&b'\n'));
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["id"], "r1");
        assert_eq!(value["policy_sha256"], "abc");
        assert_eq!(value["request"]["action"], "collect");
        let typed: AuditRecord = serde_json::from_slice(&line).unwrap();
        assert_eq!(typed.id.as_deref(), Some("r1"));

        let line = record_line(&doc, b"{broken", "abc", now());
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["request"], "{broken");
    }

    #[test]
    fn the_policy_hash_is_sha256_hex() {
        assert_eq!(
            policy_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
