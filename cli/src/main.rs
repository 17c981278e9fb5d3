//! The `lawful` command line: check policy files, decide JSON-line requests,
//! explain one decision, run policy test files, plan retention and answer
//! rights requests.
//!
//! Exit status: 0 on success, 1 when `check` finds an error in a policy or
//! `test` has a failing case, 2 on misuse (bad arguments, a file that cannot
//! be read, an invalid policy for a command that needs one, a write error).
//! Misuse is reported as one line on stderr, `lawful: <what went wrong>`.
//!
//! Output goes through `writeln!` on a locked, buffered stdout, and every
//! write error is handled: when the reader goes away (broken pipe, `| head`)
//! the command stops quietly with the status it had so far; any other write
//! error is exit 2.

mod audit_log;
mod chain;
mod keys;
/// Appends one line to a `String` (writing to a string cannot fail); the
/// commands that build their output first print it with `files::emit`.
macro_rules! say {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

mod check;
mod diff;
mod explain;
mod files;
mod lines;
mod reader;
mod replay;
mod report;
mod seed;
mod serve;
mod test;
mod verify;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::audit_log::LogOptions;
use crate::lines::Lifecycle;

/// What the exit codes mean, shown at the end of `--help`.
const EXIT_STATUS: &str = "\
Exit status:
  0  success (a deny is a successful decision too)
  1  `check` found an error in a policy, `test` had a failing case, or
     `replay` found a decision that changed
  2  misuse: bad arguments, a file that cannot be read, an invalid policy
     for a command that needs one, a write error; one line on stderr
  3  `replay`: the log's integrity fails (a broken link or signature)
When the reader of the output goes away (`lawful check p.toml | head -1`),
lawful stops quietly with the status it had so far.";

/// The exit codes of `replay`.
const REPLAY_EXIT_STATUS: &str = "\
Exit status:
  0  the log is whole and every decision is the same
  1  some decision changed
  2  misuse: bad arguments, a file that cannot be read, a line that is not
     an audit record; one line on stderr
  3  the log's integrity fails: a line does not link to the one before it,
     a checkpoint's signature does not verify, or the file was cut inside a
     record (the first such line is named)";

/// The exit codes of `verify` and `diff`.
const COUNSEL_EXIT_STATUS: &str = "\
Exit status:
  0  every law holds (verify); no decision changed (diff): every request
     class was decided
  1  a law is broken (verify); some decision changed (diff)
  2  misuse: bad arguments, a file that cannot be read, an invalid policy
     or laws file, a space larger than --max-classes without --sample; one
     line on stderr
  3  --sample: only a sample was decided and it found nothing; no proof";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "lawful",
    version,
    about = "Decide whether personal information may be processed, on what lawful basis, \
             and with which obligations (PIPL, GDPR)",
    after_help = EXIT_STATUS,
    arg_required_else_help = true
)]
struct Cli {
    /// The largest policy file read (bytes, or with K, M, G; default 4M); a
    /// larger one is refused without reading it whole
    #[arg(long, global = true, value_name = "BYTES", default_value = "4M", value_parser = parse_bytes)]
    max_policy_bytes: u64,
    #[command(subcommand)]
    command: Command,
}

/// How much of the request space `verify` and `diff` may decide.
#[derive(Clone, Copy, Debug, clap::Args)]
pub(crate) struct Bounds {
    /// The most base classes decided; a larger space is refused unless
    /// --sample is given
    #[arg(long, value_name = "N", default_value_t = lawful::analysis::Options::DEFAULT_MAX_CLASSES)]
    pub(crate) max_classes: u64,
    /// Above --max-classes, decide one base class in n instead of refusing:
    /// the first line says so, and finding nothing exits with status 3 (a
    /// sample proves nothing)
    #[arg(long)]
    pub(crate) sample: bool,
}

impl Bounds {
    /// The analysis options these bounds give.
    pub(crate) fn options(self) -> lawful::analysis::Options {
        lawful::analysis::Options {
            max_classes: self.max_classes,
            ..lawful::analysis::Options::default()
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once per run; `serve` has many options"
)]
enum Command {
    /// Check policy files: every problem with file, line, column, carets and a hint
    ///
    /// Warnings (what loads but deserves a reviewer's eye, such as a rule
    /// deciding an unknown age as an adult) are shown the same way, labelled
    /// `warning:`; they do not fail the check.
    #[command(after_help = EXIT_STATUS)]
    Check {
        /// The policy files (TOML)
        #[arg(value_name = "POLICY", required = true)]
        policies: Vec<PathBuf>,
    },
    /// Decide requests: JSON lines in, one decision per line out, in order
    ///
    /// Each non-blank input line is one request (docs/wire-format.md). A line that is
    /// not a valid request gets a deny with `invalid_request` (or
    /// `unknown_category` / `unknown_purpose`) and a message, and the stream
    /// goes on. Blank lines are skipped. Input is read line by line, so large
    /// inputs stream in constant memory.
    #[command(after_help = EXIT_STATUS)]
    Decide {
        /// The policy file (default: the built-in seed policy)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// Append one audit record per decision to this file, as a JSON line
        /// (when, request id, policy and its hash, effect, basis, reason, rule
        /// and obligation codes, and the request); each record is synced to
        /// disk before its decision is printed, and a log that cannot be
        /// written stops the command (exit 2) before any unlogged decision
        #[arg(long, value_name = "LOG")]
        log: Option<PathBuf>,
        /// Follow a symbolic link at the log's path (refused by default)
        #[arg(long, requires = "log")]
        log_follow_symlinks: bool,
        /// The longest input line accepted, in bytes (newline excluded); a
        /// longer line is skipped unread and answered with `invalid_request`
        #[arg(long, value_name = "BYTES", default_value_t = reader::DEFAULT_MAX_LINE)]
        max_line_bytes: usize,
        /// The requests, one JSON object per line (`-` or none: stdin)
        #[arg(value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Explain the decision on one request, in words, citing the policy's clauses
    ///
    /// Each clause a reason cites is quoted from the privacy policy text:
    /// the seed policy for the built-in policy, or the text given with
    /// `--seed` (`- Heading` lines, each followed by its paragraphs).
    #[command(after_help = EXIT_STATUS)]
    Explain {
        /// The policy file (default: the built-in seed policy)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// The privacy policy text to quote clauses from
        #[arg(long, value_name = "TEXT")]
        seed: Option<PathBuf>,
        /// The request: one JSON object (`-`: stdin)
        #[arg(value_name = "REQUEST.json")]
        request: PathBuf,
    },
    /// Run policy test files: requests with the decisions they must get
    ///
    /// A test file with problems is not run: every problem is printed with
    /// its line, column and carets (a request that is not valid, or names
    /// what the policy does not declare, is a problem, not a deny; so is a
    /// file without cases). The format: docs/wire-format.md, "Test files".
    #[command(after_help = EXIT_STATUS)]
    Test {
        /// After the results, list each policy's rules that no case's
        /// decision cited
        #[arg(long)]
        coverage: bool,
        /// The test files (TOML, `[[case]]` tables)
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Plan retention: JSON lines in (records, sweeps, service termination), one answer per line out
    ///
    /// Each answer says until when a record may be kept, then whether to
    /// delete or anonymize it, and when backups must be purged. A line that
    /// cannot be read gets `{"id": ..., "error": {"code": ..., "message": ...}}`
    /// and the stream goes on. Blank lines are skipped.
    #[command(after_help = EXIT_STATUS)]
    Retention {
        /// The policy file (default: the built-in seed policy)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// The longest input line accepted, in bytes (newline excluded); a
        /// longer line is skipped unread and answered with `invalid_request`
        #[arg(long, value_name = "BYTES", default_value_t = reader::DEFAULT_MAX_LINE)]
        max_line_bytes: usize,
        /// The requests, one JSON object per line (`-` or none: stdin)
        #[arg(value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Answer data-subject rights requests: JSON lines in, one answer per line out
    ///
    /// Each answer gives the date to respond by, identity verification, and
    /// the fee or refusal rules for repeated requests (access, copy,
    /// correction, deletion, withdrawal, deregistration). A line that cannot
    /// be read gets `{"id": ..., "error": {"code": ..., "message": ...}}` and
    /// the stream goes on. Blank lines are skipped.
    #[command(after_help = EXIT_STATUS)]
    Rights {
        /// The policy file (default: the built-in seed policy)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// The longest input line accepted, in bytes (newline excluded); a
        /// longer line is skipped unread and answered with `invalid_request`
        #[arg(long, value_name = "BYTES", default_value_t = reader::DEFAULT_MAX_LINE)]
        max_line_bytes: usize,
        /// The requests, one JSON object per line (`-` or none: stdin)
        #[arg(value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Replay a decision log: decide every logged request again, print the decisions that changed
    ///
    /// The log is what `decide --log` and `serve --log` write. Each record's
    /// request is decided under POLICY (default: the built-in policy) and
    /// compared with the logged decision (effect, basis, reasons, rules,
    /// obligations). Exit status 1 when any decision changed.
    ///
    /// First the log's integrity is checked, line by line: every line must
    /// link to the one before it (the hash chain) and every checkpoint's
    /// signature must verify; the first line that breaks either is named.
    /// Exit status 3 when the log's integrity fails (before 1).
    #[command(after_help = REPLAY_EXIT_STATUS)]
    Replay {
        /// The policy to decide under (default: the built-in policy)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// Checkpoints must be signed by this public key (repeatable; without
        /// it, each checkpoint is checked against the key it names, and that
        /// key's id is printed for you to compare)
        #[arg(long, value_name = "KEY.pub")]
        trusted_key: Vec<PathBuf>,
        /// Do not check the hash chain and the checkpoints (a log written
        /// before they existed, or by a host of its own)
        #[arg(long)]
        no_verify: bool,
        /// The decision log (JSON lines; `-`: stdin)
        #[arg(value_name = "LOG")]
        log: PathBuf,
    },
    /// Make an ed25519 key pair: the secret key in KEY, the public one in KEY.pub
    ///
    /// PEM files, as `openssl genpkey -algorithm ed25519` writes them; KEY is
    /// created with mode 0600 and never written over. The key's id is
    /// printed. Use the secret key with `lawful sign` and `serve --log-key`,
    /// the public one with `serve --trusted-key` and `replay --trusted-key`.
    #[command(after_help = EXIT_STATUS)]
    Keygen {
        /// The secret key file to create
        #[arg(value_name = "KEY")]
        key: PathBuf,
    },
    /// Sign a policy: write a detached signature, POLICY.sig
    ///
    /// `lawful serve --trusted-key KEY.pub` loads and reloads only a policy
    /// whose signature verifies with a trusted key. A policy with errors is
    /// not signed.
    #[command(after_help = EXIT_STATUS)]
    Sign {
        /// The secret key (from `lawful keygen`)
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Write the signature here (default: POLICY.sig)
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The policy file
        #[arg(value_name = "POLICY")]
        policy: PathBuf,
    },
    /// Write the record of processing activities generated from the policy
    ///
    /// Per purpose: the categories (sensitive ones marked), bases,
    /// recipients, retention, the transfers abroad the policy permits and
    /// their mechanisms; the children's layer; the rights settings; each row
    /// linked to its clause. HTML is one self-contained file with a data-flow
    /// picture and a print stylesheet.
    #[command(after_help = EXIT_STATUS)]
    Report {
        /// The policy file (default: the built-in seed policy)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// The output format
        #[arg(long, value_enum, default_value = "html")]
        format: report::Format,
        /// Write to this file (default: standard output)
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check laws over every request class: the built-in ones, and counsel's
    ///
    /// Every request class of the policy (every action, purpose, category,
    /// subject, evidence, recipient, region, mechanism and retention state,
    /// abstracted) is decided; each permit is checked against the built-in
    /// laws (the engine's principles: no flow abroad without a mechanism, a
    /// child's data never leaves without a security assessment...) and the
    /// laws in LAWS.toml (see docs/counsel-tools.md). Each broken law is
    /// printed with request documents that reproduce it.
    #[command(after_help = COUNSEL_EXIT_STATUS)]
    Verify {
        /// The policy file (default: the built-in seed policy)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// Counsel's laws (TOML, `[[law]]` tables)
        #[arg(value_name = "LAWS.toml")]
        laws: Option<PathBuf>,
        #[command(flatten)]
        bounds: Bounds,
    },
    /// Show what an edit changes: the rules edited, then the request classes whose decision differs
    ///
    /// First the edit, rule by rule (`rule `support`: bases −contract;
    /// retention 1y → 3y`). Then the request classes the edit can change are
    /// decided under both policies (when only rules changed, those of the
    /// purposes the changed rules name: no other can change; otherwise every
    /// class), and the classes whose effect, basis, reasons or obligations
    /// changed are printed grouped by what changed (the effect, the basis, a
    /// date moved by how much...), in words, each with one request document
    /// (one JSON line) that shows it.
    #[command(after_help = COUNSEL_EXIT_STATUS)]
    Diff {
        /// The policy before the edit
        #[arg(value_name = "OLD")]
        old: PathBuf,
        /// The policy after the edit
        #[arg(value_name = "NEW")]
        new: PathBuf,
        /// One JSON object instead of words
        #[arg(long)]
        json: bool,
        /// Decide every request class, even those no changed rule can touch
        /// (by default, when only rules changed, only the classes of the
        /// purposes the changed rules name are decided)
        #[arg(long)]
        every_class: bool,
        #[command(flatten)]
        bounds: Bounds,
    },
    /// Serve decisions over HTTP: POST /v1/decide, /v1/decide/batch, /v1/explain, ...
    ///
    /// Endpoints: `POST /v1/decide` (one request document, one decision),
    /// `POST /v1/decide/batch` (JSON lines in and out), `POST /v1/explain`,
    /// `POST /v1/retention`, `POST /v1/rights`, `GET /v1/policy`,
    /// `POST /v1/policy/reload`, `GET /health`, `GET /ready`, `GET /metrics`.
    /// The policy file is reloaded when it changes (and on SIGHUP); an edit
    /// with errors is reported on stderr and the running policy keeps
    /// serving. SIGTERM or SIGINT stops accepting, finishes the requests in
    /// flight and closes the log.
    #[command(after_help = EXIT_STATUS)]
    Serve {
        /// The policy file, reloaded when it changes (default: the built-in
        /// seed policy, never reloaded)
        #[arg(long, short, value_name = "POLICY")]
        policy: Option<PathBuf>,
        /// The address to listen on (loopback unless told otherwise)
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8181")]
        addr: SocketAddr,
        /// Append one audit record per decision to this file (written before
        /// the decision is answered, synced as --log-sync says; if it cannot
        /// be written or synced, decisions get 503 and /ready turns false)
        #[arg(long, value_name = "LOG")]
        log: Option<PathBuf>,
        /// When the log is synced to disk: `always` (before each decision is
        /// answered: a power loss loses nothing answered), or at most
        /// DURATION after a write, on another thread (1ms to 60s: a crash of
        /// the server loses nothing answered, a power loss the decisions of
        /// the last DURATION)
        #[arg(
            long,
            value_name = "always|DURATION",
            default_value = "10ms",
            value_parser = serve::LogSync::parse,
            requires = "log"
        )]
        log_sync: serve::LogSync,
        /// Rotate the log when it would grow past this size (bytes, or with
        /// K, M, G): the file is renamed with a time-stamp suffix
        #[arg(long, value_name = "BYTES", requires = "log", value_parser = parse_bytes)]
        log_max_bytes: Option<u64>,
        /// Follow a symbolic link at the log's path (refused by default)
        #[arg(long, requires = "log")]
        log_follow_symlinks: bool,
        /// Require `Authorization: Bearer <token>` on every endpoint but
        /// /health; the token is this file's text
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// How often to look for a change of the policy file (0 never)
        #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
        watch_interval: Duration,
        /// The largest request body (bytes, or with K, M, G)
        #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_bytes)]
        max_body: u64,
        /// The largest body of a batch, retention or rights request
        #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_bytes)]
        max_batch_body: u64,
        /// How long a client may take to send a request and the server to answer it
        #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
        timeout: Duration,
        /// How long shutdown waits for the requests in flight
        #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
        shutdown_timeout: Duration,
        /// How long a connection may sit idle between requests, or take to
        /// send a request's headers, before it is closed
        #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
        idle_timeout: Duration,
        /// The most connections open at once; past it a new connection is
        /// answered 503 and closed (also kept under the open-file limit)
        #[arg(long, value_name = "N", default_value_t = 1024)]
        max_connections: usize,
        /// The memory all request bodies and streamed batches may hold
        /// together (bytes, or with K, M, G); past it a request is answered
        /// 503 `busy`
        #[arg(long, value_name = "BYTES", default_value = "512M", value_parser = parse_bytes)]
        max_memory: u64,
        /// Sign checkpoints of the decision log with this ed25519 secret key
        /// (from `lawful keygen`): at start, every --checkpoint-interval, at
        /// each rotation and at shutdown
        #[arg(long, value_name = "KEY", requires = "log")]
        log_key: Option<PathBuf>,
        /// How often a signed checkpoint is written, when decisions were
        /// logged since the last (0: only at start, rotation and shutdown)
        #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = parse_duration, requires = "log_key")]
        checkpoint_interval: Duration,
        /// Load and reload only a policy signed (`lawful sign`) by this
        /// ed25519 public key (repeatable); the signature is POLICY.sig
        #[arg(long, value_name = "KEY.pub")]
        trusted_key: Vec<PathBuf>,
    },
}

#[expect(
    clippy::too_many_lines,
    reason = "one arm a subcommand, each handing its options on"
)]
fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    files::set_load_options(
        lawful::policy::LoadOptions::new()
            .max_bytes(usize::try_from(cli.max_policy_bytes).unwrap_or(usize::MAX)),
    );
    let result = match cli.command {
        Command::Check { policies } => check::run(&policies),
        Command::Decide {
            policy,
            log,
            log_follow_symlinks,
            max_line_bytes,
            input,
        } => lines::decide(
            policy.as_deref(),
            log.as_deref(),
            LogOptions {
                follow_symlinks: log_follow_symlinks,
                max_bytes: None,
                // A short-lived appender: nothing to gain.
                preallocate: None,
                // Each flush of decisions is synced before it is printed.
                defer_sync: false,
            },
            input.as_deref(),
            max_line_bytes,
        ),
        Command::Explain {
            policy,
            seed,
            request,
        } => explain::run(policy.as_deref(), seed.as_deref(), &request),
        Command::Test { coverage, files } => test::run(&files, coverage),
        Command::Report {
            policy,
            format,
            output,
        } => report::run(policy.as_deref(), format, output.as_deref()),
        Command::Verify {
            policy,
            laws,
            bounds,
        } => verify::run(policy.as_deref(), laws.as_deref(), bounds),
        Command::Diff {
            old,
            new,
            json,
            every_class,
            bounds,
        } => diff::run(&old, &new, json, every_class, bounds),
        Command::Serve {
            policy,
            addr,
            log,
            log_max_bytes,
            log_sync,
            log_follow_symlinks,
            token_file,
            watch_interval,
            max_body,
            max_batch_body,
            timeout,
            shutdown_timeout,
            idle_timeout,
            max_connections,
            max_memory,
            log_key,
            checkpoint_interval,
            trusted_key,
        } => serve::run(serve::Options {
            policy,
            addr,
            log,
            log_settings: LogOptions {
                follow_symlinks: log_follow_symlinks,
                max_bytes: log_max_bytes,
                preallocate: Some(audit_log::PREALLOCATE),
                defer_sync: matches!(log_sync, serve::LogSync::Within(_)),
            },
            log_sync,
            token_file,
            watch_interval,
            max_body_bytes: usize::try_from(max_body).unwrap_or(usize::MAX),
            max_batch_bytes: usize::try_from(max_batch_body).unwrap_or(usize::MAX),
            timeout,
            shutdown_timeout,
            log_key,
            checkpoint_interval,
            trusted_keys: trusted_key,
            max_memory: usize::try_from(max_memory).unwrap_or(usize::MAX),
            max_connections,
            idle_timeout,
        }),
        Command::Replay {
            policy,
            trusted_key,
            no_verify,
            log,
        } => replay::run(&log, policy.as_deref(), &trusted_key, !no_verify),
        Command::Keygen { key } => keys::keygen(&key),
        Command::Sign {
            key,
            output,
            policy,
        } => keys::sign(&key, &policy, output.as_deref()),
        Command::Retention {
            policy,
            max_line_bytes,
            input,
        } => lines::lifecycle(
            Lifecycle::Retention,
            policy.as_deref(),
            input.as_deref(),
            max_line_bytes,
        ),
        Command::Rights {
            policy,
            max_line_bytes,
            input,
        } => lines::lifecycle(
            Lifecycle::Rights,
            policy.as_deref(),
            input.as_deref(),
            max_line_bytes,
        ),
    };
    match result {
        Ok(code) => code,
        Err(fail) => fail.report(),
    }
}

/// Help and version go to stdout with status 0; every other argument error
/// is one line on stderr with status 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Printing help can only fail if stdout is gone; nothing to add then.
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(files::MISUSE)
        }
        _ => {
            // clap writes the error, its continuation lines (the missing
            // arguments), tips, then usage; keep all but the usage, on one line.
            let text = e.render().to_string();
            let mut message = Vec::new();
            let mut tips = Vec::new();
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if line.starts_with("Usage:") || line.starts_with("For more information") {
                    break;
                }
                match line.strip_prefix("tip: ") {
                    Some(tip) => tips.push(tip),
                    None => message.push(line.strip_prefix("error: ").unwrap_or(line)),
                }
            }
            let mut line = message.join(" ");
            if line.is_empty() {
                line.push_str("invalid arguments");
            }
            for tip in tips {
                line.push_str("; ");
                line.push_str(tip);
            }
            files::to_stderr(&format!("lawful: {line} (see `lawful --help`)\n"));
            ExitCode::from(files::MISUSE)
        }
    }
}

/// A size: bytes, or a number with K, M or G (powers of 1024).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (text.get(..i).unwrap_or(""), text.get(i..).unwrap_or("")),
        None => (text, ""),
    };
    let shift = match unit
        .trim_end_matches(['b', 'B', 'i'])
        .to_ascii_uppercase()
        .as_str()
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size (bytes, or a number with K, M or G)"
            ));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{text}` is not a size (bytes, or a number with K, M or G)"))
}

/// A duration: `500ms`, `2s`, `1m`, or seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("`{text}` is not a duration (such as 500ms, 2s, 1m)");
    let (number, unit) = match text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
    {
        Some((i, _)) => (text.get(..i).unwrap_or(""), text.get(i..).unwrap_or("")),
        None => (text, "s"),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}
