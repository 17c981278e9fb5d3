//! The decision log's hash chain and its signed checkpoints.
//!
//! Every line of a log (a record or a checkpoint) begins with the SHA-256
//! of the exact bytes of the line before it, newline included:
//! `{"prev":"<64 hex>",...}`. The first line of a log that starts afresh
//! links to 64 zeros; the first line of a file started by a rotation links
//! to the last line of the file before it. Changing, removing, adding,
//! moving or repeating any line breaks the link of the line after it.
//!
//! A checkpoint is a line
//! `{"prev":H,"checkpoint":{"at":T,"reason":R,"key":ID,"public_key":P},"signature":S}`
//! where `S` is the Ed25519 signature, by the writer's key, of the domain
//! string `lawful decision log checkpoint v1`, a newline, and the bytes of
//! the line up to (not including) `,"signature"`. It vouches for every
//! line before it, through the chain: a log rewritten from some line on
//! needs a new signature on every checkpoint after that line. Checkpoints
//! are written when the log is opened, at an interval, before a rotation
//! and when the log is closed (`reason` `open`, `interval`, `rotation`,
//! `close`).
//!
//! [`Verifier`] checks a log line by line (what `lawful replay` does by
//! default). This file uses only `std`, `sha2`, `ed25519-dalek` and
//! `serde`/`serde_json`, so that the fuzz target can include it.

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// A hash of the chain: the SHA-256 of one line's bytes.
pub(crate) type Hash = [u8; 32];

/// What the first line of a fresh log links to.
pub(crate) const GENESIS: Hash = [0; 32];

/// The link's bytes after the opening brace: `"prev":"` 64 hex `",`.
pub(crate) const LINK_LEN: usize = 8 + 64 + 2;

/// What a checkpoint's signature signs, before the line's bytes.
const CHECKPOINT_DOMAIN: &[u8] = b"lawful decision log checkpoint v1\n";

/// The start of every chained line.
const PREV_PREFIX: &[u8] = b"{\"prev\":\"";

/// The field that ends a checkpoint line.
const SIGNATURE_FIELD: &[u8] = b",\"signature\":\"";

/// The SHA-256 of a line (its bytes, newline included).
pub(crate) fn hash(line: &[u8]) -> Hash {
    Sha256::digest(line).into()
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(
            DIGITS.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
        ));
        out.push(char::from(
            DIGITS.get(usize::from(b & 15)).copied().unwrap_or(b'0'),
        ));
    }
    out
}

/// Bytes from lowercase hex of exactly `N` bytes (only lowercase: one
/// value has one spelling, so changing a digit's case is a change).
pub(crate) fn unhex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != N * 2 {
        return None;
    }
    let mut out = [0_u8; N];
    for (slot, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let digit = |c: u8| {
            if c.is_ascii_uppercase() {
                None
            } else {
                char::from(c).to_digit(16)
            }
        };
        let (hi, lo) = (digit(*pair.first()?)?, digit(*pair.get(1)?)?);
        *slot = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// The head of a chain being written: the hash of its last line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chain {
    head: Hash,
}

impl Chain {
    /// A chain whose next line links to `head`.
    pub(crate) fn new(head: Hash) -> Chain {
        Chain { head }
    }

    /// The hash of the last line.
    pub(crate) fn head(&self) -> Hash {
        self.head
    }

    /// Appends `records` (whole lines, each a JSON object ending in a
    /// newline, without a link) to `out`, each with its link; how many.
    /// A record's first field must not be `checkpoint`, which marks a
    /// checkpoint line (lawful's records begin with `decided_at`).
    pub(crate) fn link(&mut self, records: &[u8], out: &mut Vec<u8>) -> u64 {
        let mut count = 0;
        for line in records.split_inclusive(|&b| b == b'\n') {
            let start = out.len();
            let rest = line.strip_prefix(b"{").unwrap_or(line);
            out.extend_from_slice(PREV_PREFIX);
            out.extend_from_slice(hex(&self.head).as_bytes());
            out.push(b'"');
            if !rest.starts_with(b"}") {
                out.push(b',');
            }
            out.extend_from_slice(rest);
            if !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            self.head = hash(out.get(start..).unwrap_or_default());
            count += 1;
        }
        count
    }

    /// Appends a checkpoint line, signed by `sign` (which gets the message
    /// and returns the signature in hex), to `out`.
    pub(crate) fn checkpoint(
        &mut self,
        at: &str,
        reason: &str,
        key: &str,
        public_key: &str,
        sign: impl FnOnce(&[u8]) -> String,
        out: &mut Vec<u8>,
    ) {
        let start = out.len();
        let body = format!(
            "{{\"prev\":\"{}\",\"checkpoint\":{{\"at\":\"{at}\",\"reason\":\"{reason}\",\"key\":\"{key}\",\"public_key\":\"{public_key}\"}}",
            hex(&self.head)
        );
        let mut message = CHECKPOINT_DOMAIN.to_vec();
        message.extend_from_slice(body.as_bytes());
        let signature = sign(&message);
        out.extend_from_slice(body.as_bytes());
        out.extend_from_slice(SIGNATURE_FIELD);
        out.extend_from_slice(signature.as_bytes());
        out.extend_from_slice(b"\"}\n");
        self.head = hash(out.get(start..).unwrap_or_default());
    }
}

/// The link at the start of a line, if it has one.
pub(crate) fn prev_of(line: &[u8]) -> Option<Hash> {
    let rest = line.strip_prefix(PREV_PREFIX)?;
    let (digits, after) = rest.split_at_checked(64)?;
    if !after.starts_with(b"\"") {
        return None;
    }
    unhex::<32>(digits)
}

/// Whether a line (with its link) is a checkpoint.
pub(crate) fn is_checkpoint(line: &[u8]) -> bool {
    line.get(LINK_LEN + 1..)
        .is_some_and(|rest| rest.starts_with(b"\"checkpoint\":"))
}

/// The fields of a checkpoint.
#[derive(Debug, Deserialize)]
struct CheckpointLine {
    #[allow(dead_code, reason = "checked through the raw bytes")]
    prev: String,
    checkpoint: CheckpointFields,
    #[allow(dead_code, reason = "checked through the raw bytes")]
    signature: String,
}

/// What a checkpoint says.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct CheckpointFields {
    /// When it was written (the writer's clock, RFC 3339).
    pub(crate) at: String,
    /// Why: `open`, `interval`, `rotation` or `close`.
    pub(crate) reason: String,
    /// The id of the key that signed it.
    pub(crate) key: String,
    /// That key's public bytes, in hex.
    pub(crate) public_key: String,
}

/// Why a line breaks the log's integrity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Break {
    /// The line has no link (`prev`) at its start.
    NoLink,
    /// Its link is not the hash of the line before it.
    Link,
    /// The line does not end in a newline (the file was cut inside it).
    CutOff,
    /// A checkpoint that cannot be read.
    BadCheckpoint,
    /// A checkpoint whose signature does not verify with the key it names.
    Signature,
    /// A checkpoint signed by a key that is not among the trusted ones.
    Untrusted(String),
}

impl Break {
    /// The problem in words, for the line numbered `number`.
    pub(crate) fn describe(&self, number: u64) -> String {
        match self {
            Break::NoLink => format!(
                "line {number} carries no chain link (`prev`): it was not written by lawful, \
                 or was changed"
            ),
            Break::Link if number <= 1 => format!("line {number} does not start the log"),
            Break::Link => format!(
                "the chain breaks between line {} and line {number}: line {} was changed, or \
                 lines were removed, added, moved or repeated there",
                number - 1,
                number - 1
            ),
            Break::CutOff => format!(
                "line {number} is cut off (no newline at its end): the file was cut inside a record"
            ),
            Break::BadCheckpoint => format!("line {number} is a checkpoint that cannot be read"),
            Break::Signature => format!(
                "line {number} is a checkpoint whose signature does not verify: it, or the \
                 chain before it, was changed"
            ),
            Break::Untrusted(key) => format!(
                "line {number} is a checkpoint signed by key `{key}`, which is not trusted \
                 (see `--trusted-key`)"
            ),
        }
    }
}

/// What the verifier made of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// A record whose link holds.
    Record,
    /// A checkpoint whose link and signature hold.
    Checkpoint(CheckpointFields),
}

/// Checks a log line by line: each link, and each checkpoint's signature
/// (by the key it names, which must be one of `trusted` when any is given).
#[derive(Debug)]
pub(crate) struct Verifier {
    /// The hash of the last line, once one was seen.
    last: Option<Hash>,
    /// Where the first line links to (zeros: a fresh log; else the file
    /// before it, after a rotation).
    start: Option<Hash>,
    trusted: Vec<VerifyingKey>,
}

impl Verifier {
    /// A verifier trusting `trusted` (public keys; none: any key a
    /// checkpoint names, whose id is then reported).
    pub(crate) fn new(trusted: Vec<VerifyingKey>) -> Verifier {
        Verifier {
            last: None,
            start: None,
            trusted,
        }
    }

    /// Where the first line links to.
    pub(crate) fn start(&self) -> Option<Hash> {
        self.start
    }

    /// Checks the next line: its exact bytes, newline included (a last
    /// line without one is [`Break::CutOff`]). After a break the chain
    /// goes on from this line, so that one edit is reported once.
    pub(crate) fn feed(&mut self, line: &[u8]) -> Result<Seen, Break> {
        let own = hash(line);
        let expected = self.last.replace(own);
        if !line.ends_with(b"\n") {
            return Err(Break::CutOff);
        }
        let Some(prev) = prev_of(line) else {
            return Err(Break::NoLink);
        };
        match expected {
            None => self.start = Some(prev),
            Some(expected) if expected != prev => return Err(Break::Link),
            Some(_) => {}
        }
        if !is_checkpoint(line) {
            return Ok(Seen::Record);
        }
        self.checkpoint(line).map(Seen::Checkpoint)
    }

    /// Checks a checkpoint's signature.
    fn checkpoint(&self, line: &[u8]) -> Result<CheckpointFields, Break> {
        let parsed: CheckpointLine =
            serde_json::from_slice(line).map_err(|_| Break::BadCheckpoint)?;
        let fields = parsed.checkpoint;
        // The signature: the end of the line, `,"signature":"<128 hex>"}\n`.
        let body_end = line.len().saturating_sub(SIGNATURE_FIELD.len() + 128 + 3);
        let (body, tail) = line
            .split_at_checked(body_end)
            .ok_or(Break::BadCheckpoint)?;
        let signature = tail
            .strip_prefix(SIGNATURE_FIELD)
            .and_then(|t| t.strip_suffix(b"\"}\n"))
            .and_then(unhex::<64>)
            .ok_or(Break::BadCheckpoint)?;
        let public = unhex::<32>(fields.public_key.as_bytes())
            .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
            .ok_or(Break::BadCheckpoint)?;
        let mut message = CHECKPOINT_DOMAIN.to_vec();
        message.extend_from_slice(body);
        public
            .verify(&message, &Signature::from_bytes(&signature))
            .map_err(|_| Break::Signature)?;
        if !self.trusted.is_empty() && !self.trusted.contains(&public) {
            return Err(Break::Untrusted(fields.key.chars().take(80).collect()));
        }
        Ok(fields)
    }
}

/// Every line of `log` through a [`Verifier`]: the number of each line
/// that breaks the log (the fuzz target's check uses it).
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "used by the tests and the fuzz target")
)]
pub(crate) fn breaks(log: &[u8], trusted: Vec<VerifyingKey>) -> Vec<(u64, Break)> {
    let mut verifier = Verifier::new(trusted);
    let mut out = Vec::new();
    for (i, line) in log.split_inclusive(|&b| b == b'\n').enumerate() {
        if let Err(why) = verifier.feed(line) {
            out.push((i as u64 + 1, why));
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

    use ed25519_dalek::{Signer as _, SigningKey};

    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[3; 32])
    }

    /// A log of five records with a checkpoint after the third and one at
    /// the end.
    fn log() -> Vec<u8> {
        let key = key();
        let public = hex(&key.verifying_key().to_bytes());
        let sign = |m: &[u8]| hex(&key.sign(m).to_bytes());
        let mut chain = Chain::new(GENESIS);
        let mut out = Vec::new();
        let records = |from: u32, to: u32| {
            use std::fmt::Write as _;
            let mut text = String::new();
            for i in from..to {
                let _ = writeln!(text, "{{\"id\":\"r{i}\",\"effect\":\"deny\"}}");
            }
            text
        };
        chain.link(records(1, 4).as_bytes(), &mut out);
        chain.checkpoint("t1", "interval", "k", &public, sign, &mut out);
        chain.link(records(4, 6).as_bytes(), &mut out);
        chain.checkpoint("t2", "close", "k", &public, sign, &mut out);
        out
    }

    fn lines(log: &[u8]) -> Vec<Vec<u8>> {
        log.split_inclusive(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect()
    }

    #[test]
    fn a_linked_log_verifies_and_its_lines_are_json() {
        let log = log();
        assert_eq!(breaks(&log, Vec::new()), Vec::new());
        assert_eq!(breaks(&log, vec![key().verifying_key()]), Vec::new());
        for line in lines(&log) {
            let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
            assert_eq!(value["prev"].as_str().unwrap().len(), 64);
        }
        let first = &lines(&log)[0];
        assert_eq!(prev_of(first), Some(GENESIS));
        assert!(is_checkpoint(&lines(&log)[3]));
        assert!(!is_checkpoint(first));
    }

    /// The tamper suite of the issue, on a log of 7 lines.
    #[test]
    fn every_edit_is_found_at_its_line() {
        let original = lines(&log());
        let join = |lines: &[Vec<u8>]| lines.concat();
        let first_break = |lines: Vec<Vec<u8>>| breaks(&join(&lines), Vec::new())[0].clone();

        // A deny turned permit (line 2).
        let mut changed = original.clone();
        changed[1] = String::from_utf8(changed[1].clone())
            .unwrap()
            .replace("deny", "permit")
            .into_bytes();
        assert_eq!(first_break(changed), (3, Break::Link));
        // A forged record, linked to the line before it (after line 2).
        let mut forged = original.clone();
        let mut chain = Chain::new(hash(&original[1]));
        let mut line = Vec::new();
        chain.link(b"{\"id\":\"forged\"}\n", &mut line);
        forged.insert(2, line);
        assert_eq!(first_break(forged), (4, Break::Link));
        // A deleted record (line 2).
        let mut deleted = original.clone();
        deleted.remove(1);
        assert_eq!(first_break(deleted), (2, Break::Link));
        // Two records swapped (lines 2 and 3).
        let mut reordered = original.clone();
        reordered.swap(1, 2);
        assert_eq!(first_break(reordered), (2, Break::Link));
        // A record repeated (line 2 again after itself).
        let mut repeated = original.clone();
        repeated.insert(2, original[1].clone());
        assert_eq!(first_break(repeated), (3, Break::Link));
        // Cut inside the last record.
        let mut cut = join(&original[..5]);
        cut.extend_from_slice(&original[5][..10]);
        assert_eq!(breaks(&cut, Vec::new())[0], (6, Break::CutOff));
        // The last record changed: the closing checkpoint's link breaks.
        let mut last = original.clone();
        last[5] = String::from_utf8(last[5].clone())
            .unwrap()
            .replace("r5", "r6")
            .into_bytes();
        assert_eq!(first_break(last), (7, Break::Link));
        // The chain rewritten after line 2, without the key: the checkpoint
        // after it no longer verifies.
        let mut rewritten = original[..1].to_vec();
        let mut chain = Chain::new(hash(&original[0]));
        let mut out = Vec::new();
        chain.link(b"{\"id\":\"r2\",\"effect\":\"permit\"}\n", &mut out);
        for line in &original[2..3] {
            let body = &line[LINK_LEN + 1..];
            chain.link(&[b"{".as_slice(), body].concat(), &mut out);
        }
        rewritten.extend(lines(&out));
        let mut checkpoint = original[3].clone();
        checkpoint[9..73].copy_from_slice(hex(&chain.head()).as_bytes());
        rewritten.push(checkpoint);
        assert_eq!(first_break(rewritten), (4, Break::Signature));
    }

    #[test]
    fn a_checkpoint_by_another_key_is_untrusted_when_keys_are_given() {
        let stranger = SigningKey::from_bytes(&[4; 32]).verifying_key();
        let found = breaks(&log(), vec![stranger]);
        assert!(matches!(found[0], (4, Break::Untrusted(_))), "{found:?}");
    }

    #[test]
    fn lines_without_links_and_garbage_are_breaks_not_panics() {
        for input in [
            b"{}\n".as_slice(),
            b"{\"prev\":\"00\"}\n",
            b"\n",
            b"no newline",
            b"{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"checkpoint\":1}\n",
        ] {
            assert!(!breaks(input, Vec::new()).is_empty(), "{input:?}");
        }
    }
}
