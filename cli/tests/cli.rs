//! The `lawful` binary, run as a user runs it: each subcommand, its output
//! and exit status, and every misuse (one line on stderr, exit 2, never a
//! panic).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers as well as tests: a failed unwrap is a failed test"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_lawful");

/// The workspace root (the library's directory).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts the run failed as misuse: exit 2, exactly one line on
    /// stderr, starting `lawful: `; returns that line.
    fn misuse(&self) -> &str {
        assert_eq!(self.code, 2, "{self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "not one line on stderr: {self:#?}");
        assert!(lines[0].starts_with("lawful: "), "{self:#?}");
        lines[0]
    }

    fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

fn lawful_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The binary may exit without reading its input; that is fine.
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let run = Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("backtrace"),
        "{run:#?}"
    );
    run
}

fn lawful(args: &[&str], stdin: &[u8]) -> Run {
    lawful_in(&root(), args, stdin)
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("`{line}` is not JSON: {e}"))
}

/// A registration request of an adult on a contract (the seed's first scenario).
const REGISTRATION: &str = r#"{"id": "reg-1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "account.registration", "categories": ["account.phone"], "subject": {"birth_date": "1990-01-01"}, "evidence": {"contract": true}}"#;

/// Browsing needs no account data: a deny.
const BROWSING: &str = r#"{"id": "browse-1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "service.browse", "categories": ["account.phone"]}"#;

/// A small valid policy, with its own id.
const TINY: &str = r#"[policy]
id = "tiny"
version = "7"
home_jurisdiction = "CN"
storage_region = "CN"

[[jurisdiction]]
code = "CN"
child_age = 14
utc_offset = "+08:00"

[[category]]
name = "account.email"
identifying = true

[[purpose]]
name = "newsletter"

[[permit]]
id = "newsletter"
clause = "Newsletter"
actions = ["collect", "use"]
purposes = ["newsletter"]
categories = ["account.email"]
bases = ["consent"]
retention = "until_consent_withdrawn"
"#;

// ---------------------------------------------------------------- usage

#[test]
fn help_documents_every_subcommand_and_the_exit_codes() {
    let run = lawful(&["--help"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    for word in [
        "check",
        "decide",
        "explain",
        "test",
        "retention",
        "rights",
        "Exit status",
    ] {
        assert!(
            run.stdout.contains(word),
            "`{word}` missing: {}",
            run.stdout
        );
    }
    let decide = lawful(&["decide", "--help"], b"");
    assert_eq!(decide.code, 0);
    assert!(decide.stdout.contains("--log"), "{}", decide.stdout);
    assert!(decide.stdout.contains("Exit status"), "{}", decide.stdout);
}

#[test]
fn no_subcommand_is_misuse() {
    let run = lawful(&[], b"");
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn bad_arguments_are_one_line_and_exit_2() {
    let line = lawful(&["frobnicate"], b"").misuse().to_owned();
    assert!(line.contains("frobnicate"), "{line}");
    let line = lawful(&["decide", "--polcy", "p.toml"], b"")
        .misuse()
        .to_owned();
    assert!(
        line.contains("--polcy") && line.contains("--policy"),
        "{line}"
    );
    let line = lawful(&["check"], b"").misuse().to_owned();
    assert!(line.contains("POLICY"), "{line}");
    let line = lawful(&["explain"], b"").misuse().to_owned();
    assert!(line.contains("REQUEST.json"), "{line}");
    lawful(&["test"], b"").misuse();
    lawful(&["decide", "a.jsonl", "b.jsonl"], b"").misuse();
    lawful(&["decide", "--log"], b"").misuse();
}

// ---------------------------------------------------------------- check

#[test]
fn check_accepts_the_seed_policy_with_a_summary() {
    let run = lawful(&["check", "policies/default.toml"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    let line = *run.stdout_lines().last().unwrap();
    assert!(
        line.starts_with("policies/default.toml: ok, policy `platform-privacy`"),
        "{line}"
    );
    for word in [" rules (", " categories, ", " purposes"] {
        assert!(line.contains(word), "`{word}` missing: {line}");
    }
}

/// The seed's account-less browsing rule takes an unknown age as an adult:
/// `check` shows that warning like an error, labelled `warning:`, counts it
/// in the summary, and still passes.
#[test]
fn check_shows_the_seed_policys_warning_and_passes() {
    let run = lawful(&["check", "policies/default.toml"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stderr, "", "{run:#?}");
    // The line of the rule's `unknown_age`, wherever edits move it.
    let seed = std::fs::read_to_string(root().join("policies/default.toml")).unwrap();
    let line = seed
        .lines()
        .position(|l| l == "unknown_age = \"adult\"")
        .unwrap()
        + 1;
    let pad = " ".repeat(line.to_string().len());
    let expected = format!(
        "warning: rule `browse` decides a subject of unknown age as an adult\n\
         {pad}--> policies/default.toml:{line}:15\n\
         {pad} |\n\
         {line} | unknown_age = \"adult\"\n\
         {pad} |               ^^^^^^^\n\
         {pad} = help: make sure the processing needs no age: a child's data would be processed without a guardian\n\
         \n\
         policies/default.toml: ok, policy `platform-privacy` version "
    );
    assert!(run.stdout.starts_with(&expected), "{}", run.stdout);
    assert!(
        run.stdout.ends_with(" purposes, 1 warning\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("warning:").count(), 1, "{}", run.stdout);
}

/// The EU-only example policy loads cleanly, without warnings.
#[test]
fn check_passes_the_eu_fitness_example() {
    let run = lawful(&["check", "policies/examples/eu-fitness.toml"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.stdout,
        "policies/examples/eu-fitness.toml: ok, policy `eu-fitness` version 2026-12-01: 7 rules (6 permit, 1 deny), 11 categories, 8 purposes\n"
    );
}

#[test]
fn check_counts_rules_categories_and_purposes() {
    let dir = scratch("check-counts");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    let run = lawful_in(&dir, &["check", "tiny.toml"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.stdout,
        "tiny.toml: ok, policy `tiny` version 7: 1 rule (1 permit, 0 deny), 1 category, 1 purpose\n"
    );
}

/// The issue's done-when: a misspelled key and a rule naming an undeclared
/// category, both reported, each naming the bad text with line and caret.
#[test]
fn check_reports_a_misspelled_key_and_an_undeclared_category_together() {
    let dir = scratch("check-bad");
    let bad = TINY
        .replace("identifying = true", "identifyng = true")
        .replace(
            "categories = [\"account.email\"]",
            "categories = [\"account.emial\"]",
        );
    std::fs::write(dir.join("bad.toml"), bad).unwrap();
    let run = lawful_in(&dir, &["check", "bad.toml"], b"");
    assert_eq!(run.code, 1, "{run:#?}");
    let out = &run.stdout;
    // The misspelled key: line 14, column 1, underlined, with a hint.
    assert!(out.contains("unknown key `identifyng`"), "{out}");
    assert!(
        out.contains(
            "  --> bad.toml:14:1\n   |\n14 | identifyng = true\n   | ^^^^^^^^^^\n   = help: did you mean `identifying`?"
        ),
        "{out}"
    );
    // The undeclared category: line 24, column 15, the quoted name underlined.
    assert!(
        out.contains("rule `newsletter` uses undeclared category `account.emial`"),
        "{out}"
    );
    assert!(
        out.contains(
            "  --> bad.toml:24:15\n   |\n24 | categories = [\"account.emial\"]\n   |               ^^^^^^^^^^^^^^^\n   = help: did you mean `account.email`?"
        ),
        "{out}"
    );
    assert!(out.ends_with("bad.toml: 2 errors\n"), "{out}");
}

#[test]
fn check_reports_every_file_and_exit_1_when_one_is_invalid() {
    let dir = scratch("check-several");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    std::fs::write(dir.join("broken.toml"), "[policy\n").unwrap();
    let run = lawful_in(&dir, &["check", "broken.toml", "tiny.toml"], b"");
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.contains("--> broken.toml:1:"), "{run:#?}");
    assert!(run.stdout.contains("broken.toml: 1 error\n"), "{run:#?}");
    assert!(run.stdout.contains("tiny.toml: ok"), "{run:#?}");
}

#[test]
fn check_a_missing_file_is_misuse_but_the_others_are_still_checked() {
    let dir = scratch("check-missing");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    let run = lawful_in(&dir, &["check", "nope.toml", "tiny.toml"], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `nope.toml`: no such file"
    );
    assert!(run.stdout.contains("tiny.toml: ok"), "{run:#?}");
}

#[test]
fn check_a_directory_is_misuse() {
    let run = lawful(&["check", "policies"], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `policies`: it is a directory"
    );
}

#[test]
fn check_a_file_that_is_not_text_is_misuse() {
    let dir = scratch("check-binary");
    std::fs::write(dir.join("p.toml"), b"id = \"\xff\xfe\"\n").unwrap();
    let run = lawful_in(&dir, &["check", "p.toml"], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `p.toml`: it is not UTF-8 text"
    );
}

// ---------------------------------------------------------------- decide

#[test]
fn decide_answers_each_line_in_order_with_the_seed_policy() {
    let input = format!("{REGISTRATION}\n{BROWSING}\n");
    let run = lawful(&["decide"], input.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.stdout_lines();
    assert_eq!(lines.len(), 2, "{run:#?}");
    let first = json(lines[0]);
    assert_eq!(first["id"], "reg-1");
    assert_eq!(first["effect"], "permit");
    assert_eq!(first["basis"], "contract");
    assert_eq!(first["reasons"][0]["code"], "rule_permits");
    assert_eq!(first["policy"]["id"], "platform-privacy");
    let second = json(lines[1]);
    assert_eq!(second["id"], "browse-1");
    assert_eq!(second["effect"], "deny");
}

/// The issue's done-when: a malformed line in the middle of a stream is a
/// deny with a message, and the lines after it are still decided.
#[test]
fn decide_goes_on_after_bad_lines() {
    let unknown_category = REGISTRATION
        .replace("reg-1", "typo-1")
        .replace("account.phone", "acount.phone");
    let unknown_purpose = REGISTRATION
        .replace("reg-1", "typo-2")
        .replace("account.registration", "acount.registration");
    let mut input = Vec::new();
    input.extend_from_slice(format!("{REGISTRATION}\n").as_bytes());
    input.extend_from_slice(b"{\"id\": \"cut\", \"action\": \"collect\"\n");
    input.extend_from_slice(b"\n   \n");
    input.extend_from_slice(b"not json at all\n");
    input.extend_from_slice(b"{\"id\": \"bytes\", \"x\": \"\xff\"}\n");
    input.extend_from_slice(format!("{unknown_category}\n{unknown_purpose}\n").as_bytes());
    input.extend_from_slice(format!("{BROWSING}\n{REGISTRATION}").as_bytes()); // no final newline
    let run = lawful(&["decide", "-"], &input);
    assert_eq!(run.code, 0, "{run:#?}");
    let lines: Vec<_> = run.stdout_lines().into_iter().map(json).collect();
    let summary: Vec<(String, String, String)> = lines
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap_or("-").to_owned(),
                d["effect"].as_str().unwrap().to_owned(),
                d["reasons"][0]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = [
        ("reg-1", "permit", "rule_permits"),
        ("-", "deny", "invalid_request"),
        ("-", "deny", "invalid_request"),
        ("-", "deny", "invalid_request"),
        ("typo-1", "deny", "unknown_category"),
        ("typo-2", "deny", "unknown_purpose"),
        ("browse-1", "deny", "denied_by_rule"),
        ("reg-1", "permit", "rule_permits"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(summary, expected, "{}", run.stdout);
    // Every deny for a bad line says what was wrong.
    for d in &lines[1..6] {
        let message = d["reasons"][0]["message"].as_str().unwrap();
        assert!(!message.is_empty(), "{d}");
    }
    assert!(
        lines[4]["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `account.phone`"),
        "{}",
        lines[4]
    );
    assert_eq!(
        lines[3]["reasons"][0]["message"],
        "the line is not UTF-8 text"
    );
}

#[test]
fn decide_reads_a_file_argument() {
    let dir = scratch("decide-file");
    std::fs::write(dir.join("in.jsonl"), format!("{BROWSING}\n")).unwrap();
    let run = lawful_in(&dir, &["decide", "in.jsonl"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(json(run.stdout.trim())["id"], "browse-1");
}

#[test]
fn decide_uses_the_policy_given() {
    let dir = scratch("decide-policy");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    let request = r#"{"id": "n1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "newsletter", "categories": ["account.email"]}"#;
    let run = lawful_in(
        &dir,
        &["decide", "--policy", "tiny.toml"],
        request.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:#?}");
    let d = json(run.stdout.trim());
    assert_eq!(d["policy"]["id"], "tiny");
    assert_eq!(d["policy"]["version"], "7");
    // The seed's purposes do not exist in the tiny policy.
    let run = lawful_in(
        &dir,
        &["decide", "-p", "tiny.toml"],
        REGISTRATION.as_bytes(),
    );
    assert_eq!(
        json(run.stdout.trim())["reasons"][0]["code"],
        "unknown_purpose"
    );
}

#[test]
fn decide_with_an_invalid_policy_shows_its_diagnostics_and_exits_2() {
    let dir = scratch("decide-bad-policy");
    std::fs::write(
        dir.join("bad.toml"),
        TINY.replace("bases = [\"consent\"]", "basis = [\"consent\"]"),
    )
    .unwrap();
    let run = lawful_in(
        &dir,
        &["decide", "--policy", "bad.toml"],
        BROWSING.as_bytes(),
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stdout.is_empty(), "{run:#?}");
    assert!(run.stderr.contains("--> bad.toml:"), "{run:#?}");
    assert!(
        run.stderr
            .ends_with("\nlawful: policy `bad.toml` has 2 errors\n")
            || run
                .stderr
                .ends_with("\nlawful: policy `bad.toml` has 1 error\n"),
        "{run:#?}"
    );
}

#[test]
fn decide_misuse_is_one_line() {
    let dir = scratch("decide-misuse");
    let run = lawful_in(&dir, &["decide", "nope.jsonl"], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `nope.jsonl`: no such file"
    );
    let run = lawful_in(&dir, &["decide", "--policy", "nope.toml"], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `nope.toml`: no such file"
    );
    let run = lawful_in(&dir, &["decide", "--policy", "."], b"");
    assert_eq!(run.misuse(), "lawful: cannot read `.`: it is a directory");
    let run = lawful_in(&dir, &["decide", "."], b"");
    assert_eq!(run.misuse(), "lawful: cannot read `.`: it is a directory");
    let run = lawful_in(&dir, &["decide", "--log", "."], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot open log `.`: it is a directory"
    );
}

/// Streaming: a host that writes one request and waits gets its answer
/// before it sends the next (nothing waits for the end of the input).
#[test]
fn decide_answers_each_line_before_the_input_ends() {
    let mut child = Command::new(BIN)
        .arg("decide")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for (i, request) in [REGISTRATION, BROWSING, REGISTRATION].iter().enumerate() {
        writeln!(stdin, "{request}").unwrap();
        stdin.flush().unwrap();
        let answer = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("no answer to request {i} while the input is open: {e}"));
        assert!(answer.starts_with('{'), "{answer}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}

#[test]
fn decide_streams_a_large_input() {
    let mut input = String::new();
    for i in 0..20_000 {
        input.push_str(&REGISTRATION.replace("reg-1", &format!("r{i}")));
        input.push('\n');
    }
    let run = lawful(&["decide"], input.as_bytes());
    assert_eq!(run.code, 0);
    let lines = run.stdout_lines();
    assert_eq!(lines.len(), 20_000);
    assert_eq!(json(lines[19_999])["id"], "r19999");
}

// ---------------------------------------------------------------- decision log

#[test]
fn decide_log_appends_one_audit_record_per_decision() {
    let dir = scratch("decide-log");
    let input = format!("{REGISTRATION}\n{{broken\n\n{BROWSING}\n");
    let run = lawful_in(&dir, &["decide", "--log", "audit.jsonl"], input.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");
    let decisions: Vec<_> = run.stdout_lines().into_iter().map(json).collect();
    assert_eq!(decisions.len(), 3);
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let records: Vec<_> = log.lines().map(json).collect();
    assert_eq!(records.len(), 3, "{log}");
    for (record, decision) in records.iter().zip(&decisions) {
        assert_eq!(record["id"], decision["id"]);
        assert_eq!(record["effect"], decision["effect"]);
        assert_eq!(record["basis"], decision["basis"]);
        assert_eq!(record["policy"]["id"], decision["policy"]["id"]);
        assert_eq!(record["policy"]["version"], decision["policy"]["version"]);
        // The record also names the tz database the ages were counted with.
        assert_eq!(record["policy"]["tzdb"], lawful::subject::TZDB_VERSION);
        let codes = |list: &serde_json::Value| -> Vec<serde_json::Value> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|x| x["code"].clone())
                .collect()
        };
        assert_eq!(
            record["reasons"].as_array().unwrap(),
            &codes(&decision["reasons"])
        );
        assert_eq!(
            record["obligations"].as_array().unwrap(),
            &codes(&decision["obligations"])
        );
        let decided_at = record["decided_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(decided_at).is_ok(),
            "{decided_at}"
        );
    }
    assert_eq!(records[0]["rules"], serde_json::json!(["registration"]));
    assert_eq!(
        records[1]["reasons"],
        serde_json::json!(["invalid_request"])
    );
    // The record is the library's AuditRecord.
    let typed: lawful::wire::AuditRecord =
        serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(typed.id.as_deref(), Some("reg-1"));

    // A second run appends.
    let run = lawful_in(
        &dir,
        &["decide", "--log", "audit.jsonl"],
        BROWSING.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:#?}");
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 4, "{log}");
}

#[test]
fn decide_log_records_hold_the_request_and_the_policy_hash() {
    let dir = scratch("decide-log-request");
    let run = lawful_in(
        &dir,
        &["decide", "--log", "audit.jsonl"],
        format!("{REGISTRATION}\n").as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:#?}");
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let record = json(log.lines().next().unwrap());
    assert_eq!(record["request"], json(REGISTRATION));
    assert_eq!(record["policy_sha256"].as_str().unwrap().len(), 64);
}

/// Issue 13: a log that cannot be written stops the command before any
/// decision that was not logged is printed.
#[test]
fn decide_with_an_unwritable_log_exits_2_and_prints_no_decision() {
    let input = format!("{REGISTRATION}\n{BROWSING}\n").repeat(20);
    let run = lawful(&["decide", "--log", "/dev/full"], input.as_bytes());
    assert!(run.stdout.is_empty(), "{run:#?}");
    let line = run.misuse();
    assert!(line.contains("cannot write the decision log"), "{line}");
}

/// Issue 13: a symbolic link at the log's path (dangling or not) is
/// refused unless `--log-follow-symlinks` is given.
#[test]
fn decide_refuses_a_symlinked_log_unless_told_to_follow() {
    let dir = scratch("decide-log-symlink");
    std::os::unix::fs::symlink(dir.join("elsewhere.jsonl"), dir.join("audit.jsonl")).unwrap();
    let run = lawful_in(
        &dir,
        &["decide", "--log", "audit.jsonl"],
        REGISTRATION.as_bytes(),
    );
    assert!(run.stdout.is_empty(), "{run:#?}");
    assert!(run.misuse().contains("symbolic link"), "{run:#?}");
    assert!(
        !dir.join("elsewhere.jsonl").exists(),
        "the dangling link was followed"
    );

    let run = lawful_in(
        &dir,
        &["decide", "--log", "audit.jsonl", "--log-follow-symlinks"],
        REGISTRATION.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:#?}");
    let log = std::fs::read_to_string(dir.join("elsewhere.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
}

// ---------------------------------------------------------------- explain

/// The issue's done-when: explaining a registration request cites the
/// registration clause of the seed.
#[test]
fn explain_cites_the_registration_clause_of_the_seed() {
    let dir = scratch("explain-registration");
    std::fs::write(dir.join("request.json"), REGISTRATION).unwrap();
    let run = lawful_in(&dir, &["explain", "request.json"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    let out = &run.stdout;
    assert!(out.contains("Permit, on the basis of a contract"), "{out}");
    assert!(
        out.contains(
            "Rule `registration`, citing \"How do we collect and use personal information / Registration and login\""
        ),
        "{out}"
    );
    // The seed's own words for that clause are quoted (wrapped: compare
    // without line breaks).
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(
            "The policy says: How do we collect and use personal information / Registration and login: \"In order to facilitate us"
        ),
        "{out}"
    );
    assert!(
        words.contains("we need you to provide basic registration or login information"),
        "{out}"
    );
    assert!(out.contains("Policy `platform-privacy`"), "{out}");
}

/// Each reason's detail is said in words: here, which part of a consent
/// does not fit.
#[test]
fn explain_says_what_exactly_failed() {
    let request = r#"{"id":"x","at":"2026-11-28T10:00:00+08:00","action":"share","purpose":"support.feedback","categories":["account.phone"],"subject":{"birth_date":"1990-01-01"},"recipient":{"kind":"third_party","name":"Acme","region":"CN"},"evidence":{"consents":[{"by":"subject","separate":true,"purposes":["support.feedback"],"categories":["account"],"actions":["share"],"recipients":["Other"],"given_at":"2026-01-01T00:00:00+08:00"}]}}"#;
    let run = lawful(&["explain", "-"], request.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout
            .contains("consent_out_of_scope: the consent given does not cover this purpose, category, action or recipient; ask again. In particular: the consent does not name this recipient."),
        "{run:#?}"
    );
}

#[test]
fn explain_a_deny_cites_the_rule_that_forbids() {
    let run = lawful(&["explain", "-"], BROWSING.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("Deny."), "{run:#?}");
    assert!(run.stdout.contains("denied_by_rule"), "{run:#?}");
    assert!(run.stdout.contains("Registration and login"), "{run:#?}");
    assert!(run.stdout.contains("The policy says:"), "{run:#?}");
}

#[test]
fn explain_quotes_the_text_given_with_seed_and_nothing_for_another_policy() {
    let dir = scratch("explain-seed");
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    let request = r#"{"at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "newsletter", "categories": ["account.email"], "evidence": {"consents": [{"by": "subject", "purposes": ["newsletter"], "given_at": "2026-01-01T00:00:00+08:00"}]}}"#;
    std::fs::write(dir.join("request.json"), request).unwrap();
    let run = lawful_in(&dir, &["explain", "-p", "tiny.toml", "request.json"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("citing \"Newsletter\""), "{run:#?}");
    assert!(!run.stdout.contains("The policy says:"), "{run:#?}");
    std::fs::write(
        dir.join("policy.txt"),
        "- Newsletter\nWe send news to those who ask for it.\n",
    )
    .unwrap();
    let run = lawful_in(
        &dir,
        &[
            "explain",
            "-p",
            "tiny.toml",
            "--seed",
            "policy.txt",
            "request.json",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.ends_with(
            "The policy says:\n  Newsletter:\n    \"We send news to those who ask for it.\"\n"
        ),
        "{run:#?}"
    );
    let run = lawful_in(
        &dir,
        &["explain", "--seed", "nope.txt", "request.json"],
        b"",
    );
    assert_eq!(run.misuse(), "lawful: cannot read `nope.txt`: no such file");
}

#[test]
fn explain_reads_a_pretty_printed_request() {
    let dir = scratch("explain-pretty");
    let value = json(REGISTRATION);
    std::fs::write(
        dir.join("request.json"),
        serde_json::to_string_pretty(&value).unwrap(),
    )
    .unwrap();
    let run = lawful_in(&dir, &["explain", "request.json"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("Permit"), "{run:#?}");
}

#[test]
fn explain_misuse_is_one_line() {
    let dir = scratch("explain-misuse");
    let run = lawful_in(&dir, &["explain", "nope.json"], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `nope.json`: no such file"
    );
    let run = lawful_in(&dir, &["explain", "."], b"");
    assert_eq!(run.misuse(), "lawful: cannot read `.`: it is a directory");
    std::fs::write(
        dir.join("bad.json"),
        "{\"id\": \"x\", \"actoin\": \"collect\"}",
    )
    .unwrap();
    let line = lawful_in(&dir, &["explain", "bad.json"], b"")
        .misuse()
        .to_owned();
    assert!(
        line.starts_with("lawful: `bad.json` is not a valid request: unknown field `actoin`"),
        "{line}"
    );
    let typo = REGISTRATION.replace("account.phone", "acount.phone");
    std::fs::write(dir.join("typo.json"), typo).unwrap();
    let line = lawful_in(&dir, &["explain", "typo.json"], b"")
        .misuse()
        .to_owned();
    assert_eq!(
        line,
        "lawful: `typo.json` is not a valid request (unknown_category): unknown category `acount.phone`: did you mean `account.phone`?"
    );
    let run = lawful_in(
        &dir,
        &["explain", "--policy", "nope.toml", "typo.json"],
        b"",
    );
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `nope.toml`: no such file"
    );
}

// ---------------------------------------------------------------- test

/// The issue's done-when: the project's own test files pass, with the
/// summary line last.
#[test]
fn test_passes_the_projects_own_test_files() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("tests/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| format!("tests/data/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let expected_cases: usize = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(root().join(f))
                .unwrap()
                .lines()
                .filter(|l| l.trim() == "[[case]]")
                .count()
        })
        .sum();
    let args: Vec<&str> = std::iter::once("test")
        .chain(files.iter().map(String::as_str))
        .collect();
    let run = lawful(&args, b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.stdout.lines().last(),
        Some(format!("{expected_cases} passed, 0 failed").as_str()),
        "{run:#?}"
    );
    for file in &files {
        assert!(run.stdout.contains(&format!("ok   {file} (")), "{run:#?}");
    }
}

#[test]
fn test_prints_each_failing_case_with_expected_and_actual() {
    let dir = scratch("test-failing");
    std::fs::write(
        dir.join("cases.toml"),
        format!(
            r#"
[[case]]
name = "registration on a contract"
request = {REGISTRATION_TOML}
effect = "permit"
basis = "contract"

[[case]]
name = "deliberately wrong"
source = "this test"
request = {REGISTRATION_TOML}
effect = "deny"
basis = "consent"
"#
        ),
    )
    .unwrap();
    let run = lawful_in(&dir, &["test", "cases.toml"], b"");
    assert_eq!(run.code, 1, "{run:#?}");
    let out = &run.stdout;
    assert!(
        out.contains("FAIL cases.toml (1 of 2 cases failed)"),
        "{out}"
    );
    assert!(
        out.contains("case `deliberately wrong` (this test)"),
        "{out}"
    );
    assert!(
        out.contains("expected effect `deny`, got `permit`"),
        "{out}"
    );
    assert!(
        out.contains("expected basis `consent`, got `contract`"),
        "{out}"
    );
    assert!(!out.contains("case `registration on a contract`"), "{out}");
    assert_eq!(out.lines().last(), Some("1 passed, 1 failed"), "{out}");
}

/// The request of [`REGISTRATION`] as a TOML inline table.
const REGISTRATION_TOML: &str = r#"{ id = "reg-1", at = "2026-11-28T10:00:00+08:00", action = "collect", purpose = "account.registration", categories = ["account.phone"], subject = { birth_date = "1990-01-01" }, evidence = { contract = true } }"#;

#[test]
fn test_runs_against_the_policy_the_file_names() {
    let dir = scratch("test-policy");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    std::fs::write(dir.join("policies/tiny.toml"), TINY).unwrap();
    std::fs::write(
        dir.join("cases/tiny.toml"),
        r#"
policy = "../policies/tiny.toml"

[[case]]
name = "newsletter without consent"
request = { at = "2026-11-28T10:00:00+08:00", action = "collect", purpose = "newsletter", categories = ["account.email"] }
effect = "deny"
reasons_include = ["consent_missing"]
"#,
    )
    .unwrap();
    let run = lawful_in(&dir, &["test", "cases/tiny.toml"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("1 passed, 0 failed"),
        "{run:#?}"
    );
}

#[test]
fn test_misuse_exits_2_and_still_runs_the_other_files() {
    let dir = scratch("test-misuse");
    std::fs::write(
        dir.join("ok.toml"),
        format!("[[case]]\nname = \"ok\"\nrequest = {REGISTRATION_TOML}\neffect = \"permit\"\n"),
    )
    .unwrap();
    let run = lawful_in(&dir, &["test", "nope.toml", "ok.toml"], b"");
    assert_eq!(
        run.misuse(),
        "lawful: cannot read `nope.toml`: no such file"
    );
    assert_eq!(
        run.stdout.lines().last(),
        Some("1 passed, 0 failed"),
        "{run:#?}"
    );

    std::fs::write(
        dir.join("typo.toml"),
        "[[case]]\nname = \"x\"\nrequest = {}\neffekt = \"deny\"\n",
    )
    .unwrap();
    // Every problem of the file at once, located, then one line.
    let run = lawful_in(&dir, &["test", "typo.toml"], b"");
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("--> typo.toml:4:1"), "{run:#?}");
    assert!(run.stderr.contains("unknown key `effekt`"), "{run:#?}");
    assert!(run.stderr.contains("--> typo.toml:3:"), "{run:#?}");
    assert!(run.stderr.contains("missing field `at`"), "{run:#?}");
    assert_eq!(
        run.stderr.lines().last(),
        Some("lawful: test file `typo.toml` has 2 problems"),
        "{run:#?}"
    );

    std::fs::write(
        dir.join("missing-policy.toml"),
        format!("policy = \"nope.toml\"\n[[case]]\nname = \"ok\"\nrequest = {REGISTRATION_TOML}\neffect = \"permit\"\n"),
    )
    .unwrap();
    let line = lawful_in(&dir, &["test", "missing-policy.toml"], b"")
        .misuse()
        .to_owned();
    assert!(
        line.contains("cannot read") && line.contains("nope.toml"),
        "{line}"
    );
}

/// The trial's finding: a `deny` case whose request had a typo (`subjet`)
/// passed, because an invalid request is denied. Now the file is not run,
/// and the typo is located.
#[test]
fn test_a_case_with_an_invalid_request_is_an_error_not_a_pass() {
    let dir = scratch("test-invalid-request");
    std::fs::write(
        dir.join("typo.toml"),
        "[[case]]\nname = \"a child may not register alone\"\nrequest = { at = \"2026-11-28T10:00:00+08:00\", action = \"collect\", purpose = \"account.registration\", categories = [\"account.phone\"], subjet = { birth_date = \"2016-01-01\" } }\neffect = \"deny\"\n",
    )
    .unwrap();
    let run = lawful_in(&dir, &["test", "typo.toml"], b"");
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("unknown field `subjet`"), "{run:#?}");
    assert!(run.stderr.contains("--> typo.toml:3:"), "{run:#?}");
    assert!(!run.stdout.contains("ok "), "{run:#?}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("0 passed, 0 failed"),
        "{run:#?}"
    );

    // An undeclared category is an error too, unless the case expects it.
    std::fs::write(
        dir.join("undeclared.toml"),
        "[[case]]\nname = \"phone\"\nrequest = { at = \"2026-11-28T10:00:00+08:00\", action = \"collect\", purpose = \"service.browse\", categories = [\"acount.phone\"] }\neffect = \"deny\"\n",
    )
    .unwrap();
    let run = lawful_in(&dir, &["test", "undeclared.toml"], b"");
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("--> undeclared.toml:3:"), "{run:#?}");
    assert!(run.stderr.contains("unknown_category"), "{run:#?}");
}

#[test]
fn test_an_empty_file_is_an_error() {
    let dir = scratch("test-empty");
    std::fs::write(dir.join("empty.toml"), "# cases to come\n").unwrap();
    let run = lawful_in(&dir, &["test", "empty.toml"], b"");
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("no test cases"), "{run:#?}");
    assert!(!run.stdout.contains("ok "), "{run:#?}");
}

#[test]
fn test_coverage_lists_the_rules_no_case_exercised() {
    let dir = scratch("test-coverage");
    let policy = format!(
        "{TINY}\n[[purpose]]\nname = \"analytics\"\n\n[[permit]]\nid = \"analytics\"\nclause = \"Analytics\"\nactions = [\"use\"]\npurposes = [\"analytics\"]\ncategories = [\"account.email\"]\nbases = [\"consent\"]\nretention = \"1y\"\n"
    );
    std::fs::write(dir.join("tiny.toml"), &policy).unwrap();
    std::fs::write(
        dir.join("cases.toml"),
        "policy = \"tiny.toml\"\n[[case]]\nname = \"newsletter without consent\"\nrequest = { at = \"2026-11-28T10:00:00+08:00\", action = \"collect\", purpose = \"newsletter\", categories = [\"account.email\"] }\neffect = \"deny\"\n",
    )
    .unwrap();
    let run = lawful_in(&dir, &["test", "--coverage", "cases.toml"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout
            .contains("coverage of `tiny.toml`: 1 of 2 rules exercised"),
        "{run:#?}"
    );
    assert!(
        run.stdout
            .contains("  never exercised: permit rule `analytics` (Analytics)"),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("rule `newsletter` ("), "{run:#?}");
    assert_eq!(
        run.stdout.lines().last(),
        Some("1 passed, 0 failed"),
        "{run:#?}"
    );
}

// ---------------------------------------------------------------- replay

/// The trial's finding: a logged decision could not be replayed. The log
/// holds the request; `lawful replay` decides each again and prints what
/// changed.
#[test]
fn replay_decides_every_logged_request_again_and_prints_what_changed() {
    let dir = scratch("replay");
    let input = format!("{REGISTRATION}\n{BROWSING}\n");
    let run = lawful_in(&dir, &["decide", "--log", "audit.jsonl"], input.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");

    // The same policy: nothing changed. The log's chain is checked first
    // (`lawful decide --log` links its records too; it signs none).
    let run = lawful_in(&dir, &["replay", "audit.jsonl"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.stdout_lines(),
        [
            "integrity: 2 lines, each linked to the one before it, from the start of a log",
            "integrity: no signed checkpoint (the log was written without --log-key): an edit that rewrites every line from some line to the end, or a cut at a line's end, cannot be found",
            "2 replayed under policy `platform-privacy` version 2026-11-28, 0 changed"
        ],
        "{run:#?}"
    );

    // Registration no longer accepts a contract: the permit becomes a deny.
    let seed = lawful::Engine::builtin_source();
    let edited = seed.replacen(
        "bases = [\"contract\", \"consent\"]\nrequires_known_age = true\nretention = \"until_deregistration\"",
        "bases = [\"consent\"]\nrequires_known_age = true\nretention = \"until_deregistration\"",
        1,
    );
    assert_ne!(edited, seed);
    std::fs::write(dir.join("edited.toml"), edited).unwrap();
    let run = lawful_in(&dir, &["replay", "audit.jsonl", "-p", "edited.toml"], b"");
    assert_eq!(run.code, 1, "{run:#?}");
    let lines = run.stdout_lines();
    assert_eq!(lines.len(), 5, "{run:#?}");
    assert!(
        lines[0].starts_with("line 1 (`reg-1`): was permit on contract (reasons rule_permits;"),
        "{run:#?}"
    );
    assert!(lines[0].contains("; now deny (reasons "), "{run:#?}");
    let decision = json(lines[1].trim().strip_prefix("decision: ").unwrap());
    assert_eq!(decision["effect"], "deny");
    assert_eq!(
        lines[4],
        "2 replayed under policy `platform-privacy` version 2026-11-28, 1 changed"
    );

    // A record without its request cannot be replayed, and says so. (A
    // host's own record has no chain link: --no-verify replays it.)
    std::fs::write(
        dir.join("bare.jsonl"),
        "{\"decided_at\":\"2026-11-28T02:00:00Z\",\"id\":\"a\",\"policy\":{\"id\":\"p\",\"version\":\"1\"},\"effect\":\"deny\",\"basis\":null,\"reasons\":[\"no_matching_rule\"],\"obligations\":[]}\n",
    )
    .unwrap();
    let run = lawful_in(&dir, &["replay", "bare.jsonl"], b"");
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(
        run.stdout.contains("line 1 carries no chain link"),
        "{run:#?}"
    );
    let run = lawful_in(&dir, &["replay", "--no-verify", "bare.jsonl"], b"");
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.contains("line 1 (`a`): no request was logged"),
        "{run:#?}"
    );

    // A line that is not an audit record is misuse.
    std::fs::write(dir.join("junk.jsonl"), "not json\n").unwrap();
    let line = lawful_in(&dir, &["replay", "junk.jsonl"], b"")
        .misuse()
        .to_owned();
    assert!(line.contains("line 1 is not an audit record"), "{line}");
}

// ---------------------------------------------------------------- retention, rights

/// Both lifecycle streams answer each non-blank line with one JSON line, in
/// order, echo ids, and go on after a line they cannot read.
#[test]
fn retention_and_rights_answer_every_line_in_order() {
    for command in ["retention", "rights"] {
        let input = b"{\"id\": \"a\"}\n\nnot json\n{\"id\": \"bad-bytes\", \"x\": \"\xff\"}\n{\"id\": \"c\"}\n";
        let run = lawful(&[command], input);
        assert_eq!(run.code, 0, "{command}: {run:#?}");
        let lines: Vec<_> = run.stdout_lines().into_iter().map(json).collect();
        assert_eq!(lines.len(), 4, "{command}: {run:#?}");
        assert_eq!(lines[0]["id"], "a", "{command}");
        assert_eq!(lines[1]["error"]["code"], "invalid_request", "{command}");
        assert_eq!(lines[2]["error"]["code"], "invalid_request", "{command}");
        assert_eq!(lines[3]["id"], "c", "{command}");
        assert_eq!(
            lines[2]["error"]["message"], "the line is not UTF-8 text",
            "{command}"
        );
        for line in &lines {
            assert_eq!(
                line["policy"]["id"], "platform-privacy",
                "{command}: {line}"
            );
        }
    }
}

/// docs/wire-format.md: a rights request is answered by the date received + the
/// policy's `response_days` (15 in the seed), after verifying identity.
#[test]
fn rights_gives_the_date_to_respond_by() {
    let input = concat!(
        r#"{"id": "dsr-1", "kind": "access", "received_at": "2025-11-03T09:00:00+08:00", "identity_verified": true}"#,
        "\n",
        r#"{"id": "dsr-2", "kind": "erase", "received_at": "2025-11-03T09:00:00+08:00"}"#,
        "\n",
        r#"{"id": "dsr-3", "kind": "deletion", "received_at": "2025-11-20T09:00:00+08:00", "identity_verified": true}"#,
        "\n",
    );
    let run = lawful(&["rights"], input.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");
    let lines: Vec<_> = run.stdout_lines().into_iter().map(json).collect();
    assert_eq!(lines.len(), 3, "{run:#?}");
    assert_eq!(lines[0]["id"], "dsr-1");
    assert_eq!(lines[0]["respond_by"], "2025-11-18");
    assert_eq!(lines[1]["id"], "dsr-2");
    assert_eq!(lines[1]["error"]["code"], "invalid_request");
    assert_eq!(lines[2]["id"], "dsr-3");
    assert_eq!(lines[2]["respond_by"], "2025-12-05");
}

/// docs/wire-format.md: a retention plan says until when, then delete or anonymize,
/// and when backups must be purged.
#[test]
fn retention_plans_a_record_and_says_what_is_due() {
    let input = concat!(
        r#"{"id": "rec-1", "at": "2026-11-28T02:00:00+08:00", "category": "log.usage", "purpose": "operations.security", "collected_at": "2024-11-28T10:00:00+08:00", "age_group": "adult"}"#,
        "\n",
        r#"{"id": "rec-2", "category": "log.usage", "purpose": "operations.secuirty", "collected_at": "2024-11-28T10:00:00+08:00"}"#,
        "\n",
    );
    let run = lawful(&["retention"], input.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");
    let lines: Vec<_> = run.stdout_lines().into_iter().map(json).collect();
    assert_eq!(lines.len(), 2, "{run:#?}");
    assert_eq!(lines[0]["id"], "rec-1");
    assert!(lines[0]["plan"]["end"].is_string(), "{}", lines[0]);
    assert_eq!(
        lines[0]["due"]["trigger"], "retention_expired",
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["id"], "rec-2");
    assert_eq!(lines[1]["error"]["code"], "unknown_purpose", "{}", lines[1]);
}

#[test]
fn retention_and_rights_misuse_is_one_line() {
    for command in ["retention", "rights"] {
        let run = lawful(&[command, "nope.jsonl"], b"");
        assert_eq!(
            run.misuse(),
            "lawful: cannot read `nope.jsonl`: no such file"
        );
        let run = lawful(&[command, "--policy", "nope.toml"], b"");
        assert_eq!(
            run.misuse(),
            "lawful: cannot read `nope.toml`: no such file"
        );
    }
}

// ---------------------------------------------------------------- streams and output

/// Runs `lawful` with `stdout` connected as given (the tests below use
/// /dev/full, and a pipe whose reading end is closed at once).
fn lawful_to(args: &[&str], stdin: &[u8], stdout: Stdio) -> (i32, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code().expect("exited, not killed"), stderr)
}

/// Every command, with input that makes it write something.
fn every_command(dir: &Path) -> Vec<(Vec<String>, Vec<u8>)> {
    let request = dir.join("request.json");
    std::fs::write(&request, REGISTRATION).unwrap();
    let lines = format!("{REGISTRATION}\n").repeat(2000).into_bytes();
    let retention = br#"{"id": "rec-1", "category": "log.usage", "purpose": "service.browse", "collected_at": "2025-01-01T00:00:00+08:00", "at": "2026-01-01T00:00:00+08:00"}
"#
    .repeat(2000);
    let rights = br#"{"id": "dsr-1", "kind": "access", "received_at": "2025-11-03T09:00:00+08:00"}
"#
    .repeat(2000);
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        (s(&["check", "policies/default.toml"]), Vec::new()),
        (s(&["explain", request.to_str().unwrap()]), Vec::new()),
        (s(&["test", "tests/data/smoke.toml"]), Vec::new()),
        (s(&["decide"]), lines),
        (s(&["retention"]), retention),
        (s(&["rights"]), rights),
    ]
}

#[test]
fn every_command_reports_a_full_disk_in_one_line_with_exit_2() {
    let dir = scratch("full-disk");
    for (args, stdin) in every_command(&dir) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let (code, stderr) = lawful_to(&args, &stdin, Stdio::from(full));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(
            lines[0].starts_with("lawful: cannot write to standard output: "),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn every_command_stops_quietly_when_its_reader_goes_away() {
    let dir = scratch("broken-pipe");
    for (args, stdin) in every_command(&dir) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = Command::new(BIN)
            .args(&args)
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before anything is written.
        drop(child.stdout.take());
        let mut input = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        // The status so far: every command here had succeeded.
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

/// Standard output on `/dev/null` opened read and write, as Python's
/// `subprocess.DEVNULL` and daemons give it (and as the Rust runtime puts
/// in place of a closed standard output, which cannot be told apart from
/// it): every command runs and exits 0, as with `> /dev/null`. (Until
/// issue #25 every command exited 2 there.)
#[test]
fn stdout_on_dev_null_read_write_is_not_an_error() {
    let dir = scratch("devnull-rw");
    for (args, stdin) in every_command(&dir) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let null = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
            .unwrap();
        let (code, stderr) = lawful_to(&args, &stdin, Stdio::from(null));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
    for redirect in [">/dev/null", "<>/dev/null", ">&-"] {
        let output = Command::new("sh")
            .args([
                "-c",
                &format!("exec \"$0\" check policies/default.toml {redirect}"),
                BIN,
            ])
            .current_dir(root())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{redirect}: {output:?}");
    }
}

#[test]
fn an_over_long_line_is_denied_with_the_limit_and_the_stream_goes_on() {
    let long = format!("{{\"id\": \"{}\"}}", "x".repeat(5000));
    let input = format!("{REGISTRATION}\n{long}\n{BROWSING}\n");
    let run = lawful(&["decide", "--max-line-bytes", "4096"], input.as_bytes());
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.stdout_lines();
    assert_eq!(lines.len(), 3, "{run:#?}");
    assert_eq!(json(lines[0])["id"], "reg-1");
    let denied = json(lines[1]);
    assert_eq!(denied["effect"], "deny");
    assert_eq!(denied["reasons"][0]["code"], "invalid_request");
    let message = denied["reasons"][0]["message"].as_str().unwrap();
    assert!(message.contains("4096 bytes"), "{message}");
    assert_eq!(json(lines[2])["id"], "browse-1");
    // The lifecycle commands share the reader.
    for command in ["retention", "rights"] {
        let run = lawful(&[command, "--max-line-bytes", "4096"], long.as_bytes());
        assert_eq!(run.code, 0, "{run:#?}");
        let answer = json(run.stdout.trim());
        assert_eq!(answer["error"]["code"], "invalid_request", "{run:#?}");
    }
}

#[test]
fn an_endless_line_costs_the_limit_not_the_input() {
    // 64 MiB without a newline: denied once, without buffering it (the
    // default limit is 1 MiB).
    let input = vec![b'x'; 64 << 20];
    let run = lawful(&["decide"], &input);
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.stdout_lines();
    assert_eq!(lines.len(), 1);
    let message = json(lines[0])["reasons"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("1048576 bytes"), "{message}");
}

#[test]
fn a_bom_at_the_start_of_input_is_skipped() {
    let input = format!("\u{FEFF}{REGISTRATION}\n");
    let run = lawful(&["decide"], input.as_bytes());
    let answer = json(run.stdout.trim());
    assert_eq!(answer["effect"], "permit", "{run:#?}");
    let dir = scratch("bom");
    let policy = dir.join("tiny.toml");
    std::fs::write(&policy, format!("\u{FEFF}{TINY}")).unwrap();
    let run = lawful(&["check", policy.to_str().unwrap()], b"");
    assert_eq!(run.code, 0, "{run:#?}");
}

#[test]
fn a_json_array_is_not_a_request() {
    let array = r#"["reg-1", "2026-11-28T10:00:00+08:00", "collect", "account.registration", ["account.phone"]]"#;
    let run = lawful(&["decide"], format!("{array}\n").as_bytes());
    let answer = json(run.stdout.trim());
    assert_eq!(answer["effect"], "deny");
    assert_eq!(answer["reasons"][0]["code"], "invalid_request");
    assert_eq!(
        answer["reasons"][0]["message"],
        "a request is a JSON object"
    );
    for command in ["retention", "rights"] {
        let run = lawful(&[command], b"[\"x\"]\n");
        let answer = json(run.stdout.trim());
        assert_eq!(
            answer["error"]["message"], "a request is a JSON object",
            "{run:#?}"
        );
    }
}

/// Text from a policy (a clause, a source line under a caret, a file name)
/// reaches the terminal with its control characters shown, not obeyed
/// (issue #25: an escape sequence in a clause cleared the screen).
#[test]
fn terminal_escapes_in_policies_are_shown_not_obeyed() {
    let dir = scratch("escapes");
    let escaped = TINY.replace(
        "clause = \"Newsletter\"",
        "clause = \"News\\u001b[2J\\u009b31mletter\"",
    );
    std::fs::write(dir.join("escaped.toml"), &escaped).unwrap();
    // A raw ESC byte where TOML does not allow it: a load error that shows
    // the source line.
    let raw = TINY.replace(
        "clause = \"Newsletter\"",
        "clause = \"News\u{1b}[2Jletter\"",
    );
    std::fs::write(dir.join("raw.toml"), &raw).unwrap();
    let request = r#"{"id": "n1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "newsletter", "categories": ["account.email"], "subject": {"birth_date": "1990-01-01"}, "evidence": {"consents": [{"by": "subject", "purposes": ["newsletter"], "categories": ["account.email"], "given_at": "2026-01-01T00:00:00+08:00"}]}}"#;
    std::fs::write(dir.join("request.json"), request).unwrap();
    let runs = [
        lawful_in(&dir, &["check", "raw.toml", "escaped.toml"], b""),
        lawful_in(
            &dir,
            &["explain", "-p", "escaped.toml", "request.json"],
            b"",
        ),
        lawful_in(&dir, &["explain", "-p", "raw.toml", "request.json"], b""),
    ];
    for run in &runs {
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains('\u{1b}'), "{run:#?}");
            assert!(!text.contains('\u{9b}'), "{run:#?}");
        }
    }
    assert!(
        runs[1].stdout.contains("News\\u{1b}[2J\\u{9b}31mletter"),
        "{:#?}",
        runs[1]
    );
    assert!(runs[0].stdout.contains("\\u{1b}[2J"), "{:#?}", runs[0]);
}
