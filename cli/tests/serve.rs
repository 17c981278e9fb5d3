//! `lawful serve`, started as a user starts it (the built binary on a
//! loopback port chosen by the system) and spoken to over plain HTTP/1.1:
//! every endpoint, hot reload under load, a bad policy edit, auth, body
//! caps, the decision log (whole lines, failures, symlinks, rotation) and
//! graceful shutdown. All traffic goes to 127.0.0.1; every loop is bounded
//! in count and in time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers as well as tests: a failed unwrap is a failed test"
)]

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod support;
use support::{Answer, BIN, PATIENCE, Server, call, dechunk, root, try_call};

const REGISTRATION: &str = r#"{"id": "reg-1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "account.registration", "categories": ["account.phone"], "subject": {"birth_date": "1990-01-01"}, "evidence": {"contract": true}}"#;

const BROWSING: &str = r#"{"id": "browse-1", "at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "service.browse", "categories": ["account.phone"]}"#;

/// Runs `lawful ARGS` in `dir`, which must refuse (exit 2, nothing started):
/// what it printed on stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    stderr
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("`{text}` is not JSON: {e}"))
}

/// The seed policy with another version string.
fn policy_version(version: &str) -> String {
    let text = std::fs::read_to_string(root().join("policies/default.toml")).unwrap();
    let old = "\nversion = \"2026-11-28\"\n";
    assert!(text.contains(old));
    text.replacen(old, &format!("\nversion = \"{version}\"\n"), 1)
}

/// Writes a file whole (a temporary file renamed over it), as editors do.
fn write_atomically(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A running server.
impl Answer {
    fn json(&self) -> serde_json::Value {
        json(&self.body)
    }

    /// Asserts a JSON error with this status; its code.
    fn error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{self:#?}");
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/json")
        );
        self.json()["error"]["code"].as_str().unwrap().to_owned()
    }
}

/// What `lawful decide` prints for these lines.
fn cli_decide(input: &str) -> String {
    let mut child = Command::new(BIN)
        .arg("decide")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The records of a log. A running server's file ends in zero padding (the
/// zeros it writes its records into): only that trailing run is cut, and
/// no NUL may be left before it.
fn log_lines(path: &Path) -> Vec<serde_json::Value> {
    let bytes = std::fs::read(path).unwrap();
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let text = String::from_utf8(bytes[..end].to_vec()).unwrap();
    assert!(!text.contains('\0'), "a NUL before the padding");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "a partial last line"
    );
    text.lines().map(json).collect()
}

/// The records of a log that no server is writing: no padding at all.
fn closed_log_lines(path: &Path) -> Vec<serde_json::Value> {
    let bytes = std::fs::read(path).unwrap();
    assert!(!bytes.contains(&0), "{} holds NUL bytes", path.display());
    log_lines(path)
}

// ---------------------------------------------------------------- endpoints

#[test]
fn decide_answers_what_lawful_decide_prints() {
    let dir = scratch("decide");
    let server = Server::start(&dir, &[]);
    for request in [REGISTRATION, BROWSING] {
        let answer = server.post("/v1/decide", request);
        assert_eq!(answer.status, 200, "{answer:#?}");
        assert_eq!(
            answer.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(answer.body.trim(), cli_decide(request).trim());
        assert_eq!(answer.header("lawful-policy-sha256").unwrap().len(), 64);
    }
    // A pretty-printed request is one request too.
    let pretty = serde_json::to_string_pretty(&json(REGISTRATION)).unwrap();
    let answer = server.post("/v1/decide", &pretty);
    assert_eq!(answer.json()["effect"], "permit", "{answer:#?}");
}

/// A body that is JSON but not a valid request is 422, with the reason
/// code, the field that is wrong and the deny `lawful decide` prints; a
/// body that is not JSON is 400 (issue #28).
#[test]
fn an_invalid_request_is_422_naming_the_field() {
    let dir = scratch("decide-422");
    let server = Server::start(&dir, &[]);
    let no_offset = REGISTRATION.replace("10:00:00+08:00", "10:00:00");
    let consent = r#"{"at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "account.registration", "categories": ["account.phone"], "evidence": {"consents": [{"by": "subject", "given_at": 5}]}}"#;
    let unknown = BROWSING.replace("service.browse", "service.brows");
    for (request, code, field, words) in [
        (
            r#"{"id": "x", "action": "collect"}"#,
            "invalid_request",
            Some("at"),
            "missing field `at`",
        ),
        (
            no_offset.as_str(),
            "invalid_request",
            Some("at"),
            "`at`: `2026-11-28T10:00:00` has no offset from UTC; add one",
        ),
        (
            consent,
            "invalid_request",
            Some("evidence.consents[0].given_at"),
            "invalid type",
        ),
        (
            unknown.as_str(),
            "unknown_purpose",
            Some("purpose"),
            "service.brows",
        ),
        (
            "[1, 2]",
            "invalid_request",
            None,
            "a request is a JSON object",
        ),
    ] {
        let answer = server.post("/v1/decide", request);
        assert_eq!(answer.error(422), code, "{request}: {answer:#?}");
        let body = answer.json();
        assert_eq!(body["error"]["field"].as_str(), field, "{request}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{request}: {message}");
        // The deny, as the command line prints it.
        assert_eq!(
            body["decision"],
            json(cli_decide(request).trim()),
            "{request}"
        );
    }
    assert_eq!(
        server.post("/v1/decide", "{broken").error(400),
        "invalid_json"
    );
}

#[test]
fn batch_answers_each_line_in_order_and_denies_bad_lines() {
    let dir = scratch("batch");
    let server = Server::start(&dir, &[]);
    let input = format!("{REGISTRATION}\n{{broken\n\n{BROWSING}\n");
    let answer = server.call(
        "POST",
        "/v1/decide/batch",
        &[("Content-Type", "application/x-ndjson")],
        input.as_bytes(),
    );
    assert_eq!(answer.status, 200, "{answer:#?}");
    assert_eq!(answer.body, cli_decide(&input));
    let lines: Vec<_> = answer.body.lines().map(json).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["effect"], "permit");
    assert_eq!(lines[1]["reasons"][0]["code"], "invalid_request");
    assert_eq!(lines[2]["id"], "browse-1");
    // Bytes that are not UTF-8 are a bad line, not a crash.
    let answer = server.call("POST", "/v1/decide/batch", &[], b"\xff\xfe\n{\"id\":1}\n");
    assert_eq!(answer.status, 200, "{answer:#?}");
    assert_eq!(answer.body.lines().count(), 2);
}

#[test]
fn explain_retention_rights_and_policy_answer() {
    let dir = scratch("others");
    let server = Server::start(&dir, &[]);

    let answer = server.post("/v1/explain", REGISTRATION);
    assert_eq!(answer.status, 200, "{answer:#?}");
    let explained = answer.json();
    assert_eq!(explained["decision"]["effect"], "permit");
    let words = explained["explanation"].as_str().unwrap();
    assert!(words.starts_with("Permit"), "{words}");
    assert!(words.contains("Registration and login"), "{words}");
    let unknown = r#"{"at": "2026-11-28T10:00:00+08:00", "action": "collect", "purpose": "nope", "categories": []}"#;
    assert_eq!(
        server.post("/v1/explain", unknown).error(422),
        "unknown_purpose"
    );

    let record = r#"{"id": "rec-1", "at": "2026-11-28T02:00:00+08:00", "category": "log.usage", "purpose": "operations.security", "collected_at": "2024-11-28T10:00:00+08:00", "age_group": "adult"}"#;
    let answer = server.post("/v1/retention", record);
    assert_eq!(answer.status, 200, "{answer:#?}");
    assert_eq!(answer.json()["due"]["trigger"], "retention_expired");
    let rights = r#"{"id": "dsr-1", "kind": "access", "received_at": "2025-11-03T09:00:00+08:00", "identity_verified": true}"#;
    let answer = server.post("/v1/rights", rights);
    assert_eq!(answer.status, 200, "{answer:#?}");
    assert_eq!(answer.json()["id"], "dsr-1");
    // JSON lines in, JSON lines out, an unreadable line answered with an error.
    let lines = format!("{record}\n{{\"id\": \"rec-2\"}}\n");
    let answer = server.post("/v1/retention", &lines);
    assert_eq!(
        answer.header("content-type").as_deref(),
        Some("application/x-ndjson")
    );
    let answers: Vec<_> = answer.body.lines().map(json).collect();
    assert_eq!(answers.len(), 2, "{answer:#?}");
    assert_eq!(answers[1]["error"]["code"], "invalid_request");

    let policy = server.get("/v1/policy").json();
    assert_eq!(policy["id"], "platform-privacy");
    assert_eq!(policy["version"], "2026-11-28");
    assert_eq!(policy["sha256"].as_str().unwrap().len(), 64);
    assert!(chrono::DateTime::parse_from_rfc3339(policy["loaded_at"].as_str().unwrap()).is_ok());
    // The built-in policy never reloads.
    assert_eq!(
        server.post("/v1/policy/reload", "").error(409),
        "builtin_policy"
    );
}

#[test]
fn health_ready_and_metrics() {
    let dir = scratch("health");
    let server = Server::start(&dir, &[]);
    assert_eq!(server.get("/health").json()["status"], "ok");
    assert_eq!(server.get("/ready").json()["ready"], true);
    server.post("/v1/decide", REGISTRATION);
    server.post("/v1/decide", BROWSING);
    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.body;
    for needle in [
        "lawful_decisions_total{effect=\"permit\",reason=\"rule_permits\"} 1",
        "lawful_decisions_total{effect=\"deny\",reason=\"denied_by_rule\"} 1",
        "lawful_request_duration_seconds_count{endpoint=\"decide\"} 2",
        "lawful_request_duration_seconds_bucket{endpoint=\"decide\",le=\"+Inf\"} 2",
        "lawful_policy_reloads_total 0",
        "lawful_policy_reload_failures_total 0",
        "lawful_policy_info{id=\"platform-privacy\",version=\"2026-11-28\",sha256=\"",
        "lawful_ready 1",
    ] {
        assert!(text.contains(needle), "no `{needle}` in\n{text}");
    }
}

// ---------------------------------------------------------------- safety

#[test]
fn bad_input_gets_a_json_error_with_a_status() {
    let dir = scratch("bad-input");
    let mut server = Server::start(&dir, &["--max-body", "1K", "--max-batch-body", "4K"]);
    assert_eq!(
        server.post("/v1/decide", "{broken").error(400),
        "invalid_json"
    );
    assert_eq!(server.post("/v1/decide", "").error(400), "invalid_json");
    assert_eq!(
        server
            .call("POST", "/v1/decide", &[], b"\xff\xfe")
            .error(400),
        "invalid_json"
    );
    assert_eq!(
        server
            .call(
                "POST",
                "/v1/decide",
                &[("Content-Type", "text/html")],
                REGISTRATION.as_bytes()
            )
            .error(415),
        "unsupported_media_type"
    );
    let big = format!("{{\"id\": \"{}\"}}", "x".repeat(2000));
    assert_eq!(server.post("/v1/decide", &big).error(413), "body_too_large");
    let lines = format!("{REGISTRATION}\n").repeat(30);
    assert_eq!(
        server.post("/v1/decide/batch", &lines).error(413),
        "body_too_large"
    );
    assert_eq!(server.get("/v1/decide").error(405), "method_not_allowed");
    assert_eq!(server.get("/nowhere").error(404), "not_found");
    // A body that never comes: the server gives up, and lives on.
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    assert_eq!(server.post("/v1/decide", REGISTRATION).status, 200);
    drop(slow);
    // Curl's -d sends a form content type: read as JSON all the same.
    let answer = server.call(
        "POST",
        "/v1/decide",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        REGISTRATION.as_bytes(),
    );
    assert_eq!(answer.json()["effect"], "permit");
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    assert!(server.stop().success());
}

#[test]
fn slow_clients_time_out() {
    let dir = scratch("timeout");
    let server = Server::start(&dir, &["--timeout", "300ms"]);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    slow.write_all(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Headers that never end: the connection is closed.
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    slow.write_all(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_token_guards_every_endpoint_but_health() {
    let dir = scratch("auth");
    std::fs::write(dir.join("token"), "s3cret-token\n").unwrap();
    let server = Server::start(&dir, &["--token-file", "token"]);
    assert_eq!(server.get("/health").status, 200);
    for (method, path) in [
        ("POST", "/v1/decide"),
        ("POST", "/v1/decide/batch"),
        ("GET", "/v1/policy"),
        ("GET", "/metrics"),
        ("GET", "/ready"),
    ] {
        let answer = server.call(method, path, &[], REGISTRATION.as_bytes());
        assert_eq!(answer.error(401), "unauthorized");
        assert_eq!(answer.header("www-authenticate").as_deref(), Some("Bearer"));
        let wrong = server.call(
            method,
            path,
            &[("Authorization", "Bearer s3cret-tokeN")],
            REGISTRATION.as_bytes(),
        );
        assert_eq!(wrong.error(401), "unauthorized");
    }
    let answer = server.call(
        "POST",
        "/v1/decide",
        &[("Authorization", "Bearer s3cret-token")],
        REGISTRATION.as_bytes(),
    );
    assert_eq!(answer.json()["effect"], "permit");
}

#[test]
fn misuse_of_serve_is_one_line_and_exit_2() {
    let dir = scratch("misuse");
    std::fs::write(dir.join("empty"), "").unwrap();
    std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("audit.jsonl")).unwrap();
    for (args, words) in [
        (vec!["--token-file", "empty"], "is empty"),
        (vec!["--log", "audit.jsonl"], "symbolic link"),
        (vec!["--policy", "missing.toml"], "no such file"),
        (vec!["--addr", "localhost"], "invalid"),
        (vec!["--max-body", "lots"], "not a size"),
    ] {
        let stderr = refused(&dir, &[&["serve"], args.as_slice()].concat());
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    assert!(!dir.join("elsewhere").exists());
}

// ---------------------------------------------------------------- reload

/// The issue's reload test: a policy swapped while 8 clients decide. No
/// error; every decision names one of the two versions; none started after
/// the swap names the old one; every decision is logged, once, whole.
#[test]
fn a_reload_under_load_loses_nothing_and_never_goes_back() {
    let dir = scratch("reload-load");
    std::fs::write(dir.join("policy.toml"), policy_version("v1")).unwrap();
    let server = Server::start(
        &dir,
        &[
            "-p",
            "policy.toml",
            "--log",
            "audit.jsonl",
            "--watch-interval",
            "0",
        ],
    );
    let port = server.port;
    let deadline = Instant::now() + Duration::from_secs(60);
    let results: Vec<_> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..8)
            .map(|client| {
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    for i in 0..150 {
                        if Instant::now() > deadline {
                            break;
                        }
                        let id = format!("c{client}-{i}");
                        let body = REGISTRATION.replace("reg-1", &id);
                        let started = Instant::now();
                        let answer = call(port, "POST", "/v1/decide", &[], body.as_bytes());
                        assert_eq!(answer.status, 200, "{answer:#?}");
                        let doc = answer.json();
                        assert_eq!(doc["id"], id.as_str());
                        assert_eq!(doc["effect"], "permit");
                        seen.push((
                            started,
                            doc["policy"]["version"].as_str().unwrap().to_owned(),
                            id,
                        ));
                    }
                    seen
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        write_atomically(&dir.join("policy.toml"), &policy_version("v2"));
        let answer = call(port, "POST", "/v1/policy/reload", &[], b"");
        let swapped = Instant::now();
        assert_eq!(answer.status, 200, "{answer:#?}");
        assert_eq!(answer.json()["reloaded"], true);
        assert_eq!(answer.json()["policy"]["version"], "v2");
        let mut all: Vec<_> = clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.push((swapped, "swap".into(), String::new()));
        all
    });
    let swapped = results.iter().find(|r| r.1 == "swap").unwrap().0;
    let decisions: Vec<_> = results.iter().filter(|r| r.1 != "swap").collect();
    let mut versions = HashSet::new();
    for (started, version, id) in &decisions {
        assert!(version == "v1" || version == "v2", "{id}: {version}");
        if *started > swapped {
            assert_eq!(version, "v2", "{id} started after the swap");
        }
        versions.insert(version.as_str());
    }
    assert_eq!(versions.len(), 2, "the swap happened mid-run: {versions:?}");

    let records = log_lines(&dir.join("audit.jsonl"));
    assert_eq!(records.len(), decisions.len());
    let mut logged: HashMap<String, String> = HashMap::new();
    for record in &records {
        let id = record["id"].as_str().unwrap().to_owned();
        assert_eq!(record["request"]["id"], id.as_str());
        let version = record["policy"]["version"].as_str().unwrap().to_owned();
        assert!(
            logged.insert(id, version).is_none(),
            "a decision logged twice"
        );
    }
    for (_, version, id) in &decisions {
        assert_eq!(logged.get(id), Some(version), "{id}");
    }
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("lawful_policy_reloads_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("version=\"v2\""), "{metrics}");
}

/// A bad edit is reported with its diagnostics and the good policy keeps
/// serving; a good edit is then picked up by the file watcher.
#[test]
fn a_bad_policy_edit_does_not_replace_the_good_one() {
    let dir = scratch("reload-bad");
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, policy_version("good-1")).unwrap();
    let server = Server::start(&dir, &["-p", "policy.toml", "--watch-interval", "50ms"]);

    let bad = policy_version("bad").replacen("[[permit]]", "[[permit]]\ncategorie = [\"x\"]", 1);
    write_atomically(&policy, &bad);
    let answer = server.post("/v1/policy/reload", "");
    assert_eq!(answer.error(422), "invalid_policy");
    let error = &answer.json()["error"];
    assert!(
        error["diagnostics"].as_str().unwrap().contains("categorie"),
        "{error}"
    );
    assert!(error["message"].as_str().unwrap().contains("still serving"));
    let answer = server.post("/v1/decide", REGISTRATION);
    assert_eq!(answer.json()["policy"]["version"], "good-1");
    assert_eq!(server.get("/v1/policy").json()["version"], "good-1");
    assert_eq!(server.get("/ready").status, 200);
    assert!(
        server.stderr().contains("unknown key `categorie`"),
        "{}",
        server.stderr()
    );

    // The watcher picks up the fixed file (bounded wait).
    write_atomically(&policy, &policy_version("good-2"));
    let deadline = Instant::now() + PATIENCE;
    while server.get("/v1/policy").json()["version"] != "good-2" {
        assert!(Instant::now() < deadline, "the change was not picked up");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        server.post("/v1/decide", REGISTRATION).json()["policy"]["version"],
        "good-2"
    );
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("lawful_policy_reloads_total 1"),
        "{metrics}"
    );
    // The bad edit counted once, however many polls saw it.
    assert!(
        metrics.contains("lawful_policy_reload_failures_total 1"),
        "{metrics}"
    );
}

#[test]
fn sighup_reloads_the_policy() {
    let dir = scratch("sighup");
    std::fs::write(dir.join("policy.toml"), policy_version("h1")).unwrap();
    let mut server = Server::start(&dir, &["-p", "policy.toml", "--watch-interval", "0"]);
    write_atomically(&dir.join("policy.toml"), &policy_version("h2"));
    server.signal("HUP");
    let deadline = Instant::now() + PATIENCE;
    while server.get("/v1/policy").json()["version"] != "h2" {
        assert!(Instant::now() < deadline, "SIGHUP did not reload");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------- the log

#[test]
fn a_log_that_fails_stops_the_answers_and_readiness() {
    let dir = scratch("log-full");
    let server = Server::start(&dir, &["--log", "/dev/full"]);
    assert_eq!(server.get("/ready").status, 200);
    let answer = server.post("/v1/decide", REGISTRATION);
    assert_eq!(answer.error(503), "log_unavailable");
    assert!(!answer.body.contains("permit"));
    let ready = server.get("/ready");
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["ready"], false);
    assert_eq!(
        server.post("/v1/decide/batch", REGISTRATION).error(503),
        "log_unavailable"
    );
    assert!(server.get("/metrics").body.contains("lawful_ready 0"));
    assert_eq!(server.get("/health").status, 200);
}

#[test]
fn the_log_rotates_by_size_and_keeps_every_record() {
    let dir = scratch("log-rotate");
    let server = Server::start(&dir, &["--log", "audit.jsonl", "--log-max-bytes", "2K"]);
    for i in 0..20 {
        let body = REGISTRATION.replace("reg-1", &format!("r{i}"));
        assert_eq!(server.post("/v1/decide", &body).status, 200);
    }
    // Records written after a rotation are synced too (the syncing thread
    // is given each new file).
    let deadline = Instant::now() + PATIENCE;
    while metric(&server, "lawful_log_synced_records_total") < 20 {
        assert!(Instant::now() < deadline, "the records were not synced");
        std::thread::sleep(Duration::from_millis(5));
    }
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
    assert!(files.len() > 2, "{files:?}");
    let mut ids = HashSet::new();
    for file in &files {
        let size = std::fs::metadata(file).unwrap().len();
        assert!(size <= 2048, "{file:?}: {size} bytes");
        // A rotated file was cut to its records; the live one is padded.
        let live = file.file_name().unwrap() == "audit.jsonl";
        let records = if live {
            log_lines(file)
        } else {
            closed_log_lines(file)
        };
        for record in records {
            assert!(ids.insert(record["id"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(ids.len(), 20);
}

/// A server that is killed leaves its zero padding; the next one finds the
/// last whole record, cuts an unfinished one, and goes on there. Replay
/// reads the padded file, and the stopped one, without error.
#[test]
fn a_killed_servers_log_is_resumed_after_its_last_whole_record() {
    let dir = scratch("log-killed");
    let log = dir.join("audit.jsonl");
    let decide = |server: &Server, from: usize| {
        for i in from..from + 5 {
            let body = REGISTRATION.replace("reg-1", &format!("r{i}"));
            assert_eq!(server.post("/v1/decide", &body).status, 200);
        }
    };
    let mut server = Server::start(&dir, &["--log", "audit.jsonl"]);
    decide(&server, 0);
    server.signal("KILL");
    server.wait();
    let mut bytes = std::fs::read(&log).unwrap();
    let end = bytes.iter().rposition(|&b| b != 0).unwrap() + 1;
    assert!(bytes.len() > end, "no padding after a kill");
    assert_eq!(log_lines(&log).len(), 5);
    // As if the crash had cut a group short: part of a record, then zeros.
    bytes[end..end + 16].copy_from_slice(br#"{"decided_at":"2"#);
    std::fs::write(&log, &bytes).unwrap();

    let replay = Command::new(BIN).arg("replay").arg(&log).output().unwrap();
    let stdout = String::from_utf8(replay.stdout).unwrap();
    let stderr = String::from_utf8(replay.stderr).unwrap();
    assert!(replay.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("5 replayed"), "{stdout}");
    assert!(
        stderr.contains("line 6 is an unfinished record"),
        "{stderr}"
    );

    let mut server = Server::start(&dir, &["--log", "audit.jsonl"]);
    decide(&server, 5);
    assert!(server.stop().success(), "{}", server.stderr());
    let records = closed_log_lines(&log);
    let ids: Vec<_> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<_> = (0..10).map(|i| format!("r{i}")).collect();
    assert_eq!(ids, expected);

    let replay = Command::new(BIN).arg("replay").arg(&log).output().unwrap();
    let stdout = String::from_utf8(replay.stdout).unwrap();
    assert!(replay.status.success(), "{stdout}");
    assert!(stdout.contains("10 replayed"), "{stdout}");
    assert!(replay.stderr.is_empty());
}

/// The server writes in place, so it must be the log's only writer: a
/// second server, or `lawful decide --log`, is refused while it runs.
#[test]
fn a_servers_log_has_no_second_writer() {
    let dir = scratch("log-lock");
    let mut server = Server::start(&dir, &["--log", "audit.jsonl"]);
    assert_eq!(server.post("/v1/decide", REGISTRATION).status, 200);
    let stderr = refused(
        &dir,
        &["serve", "--addr", "127.0.0.1:0", "--log", "audit.jsonl"],
    );
    assert!(stderr.contains("another process is writing it"), "{stderr}");
    let mut decide = Command::new(BIN)
        .args(["decide", "--log", "audit.jsonl"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    decide
        .stdin
        .take()
        .unwrap()
        .write_all(REGISTRATION.as_bytes())
        .unwrap();
    let out = decide.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("a `lawful serve` is writing it"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(server.stop().success());
    assert_eq!(closed_log_lines(&dir.join("audit.jsonl")).len(), 1);
}

// ---------------------------------------------------------------- --log-sync

/// `clients` clients at once, each deciding `each` requests on its own
/// connections; the ids answered (all of them: each must be a permit).
fn decide_concurrently(port: u16, tag: &str, clients: usize, each: usize) -> Vec<String> {
    std::thread::scope(|scope| {
        let clients: Vec<_> = (0..clients)
            .map(|client| {
                scope.spawn(move || {
                    (0..each)
                        .map(|i| {
                            let id = format!("{tag}{client}-{i}");
                            let body = REGISTRATION.replace("reg-1", &id);
                            let answer = call(port, "POST", "/v1/decide", &[], body.as_bytes());
                            assert_eq!(answer.status, 200, "{answer:#?}");
                            assert_eq!(answer.json()["id"], id.as_str());
                            id
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    })
}

/// A counter's value in the `/metrics` text.
fn metric(server: &Server, name: &str) -> u64 {
    let text = server.get("/metrics").body;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no `{name}` in\n{text}"))
}

/// The ids of a log's records, each once (a record logged twice fails).
fn logged_ids(records: &[serde_json::Value]) -> HashSet<String> {
    let ids: HashSet<_> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), records.len(), "a record logged twice");
    ids
}

/// The default (`--log-sync 10ms`) and `always`: N decisions from several
/// clients, then SIGTERM; the log holds exactly N whole lines, no padding.
/// By default the records are counted written at once and synced soon
/// after; with `always`, synced as they are written.
#[test]
fn every_answered_decision_is_logged_once_in_either_sync_mode() {
    for (mode, args) in [
        ("default", vec!["--log", "audit.jsonl"]),
        (
            "always",
            vec!["--log", "audit.jsonl", "--log-sync", "always"],
        ),
        (
            "interval",
            vec!["--log", "audit.jsonl", "--log-sync", "1ms"],
        ),
    ] {
        let dir = scratch(&format!("log-sync-{mode}"));
        let mut server = Server::start(&dir, &args);
        let answered = decide_concurrently(server.port, "c", 4, 25);
        assert_eq!(answered.len(), 100);
        assert_eq!(metric(&server, "lawful_log_records_total"), 100, "{mode}");
        if mode == "always" {
            assert_eq!(metric(&server, "lawful_log_synced_records_total"), 100);
        } else {
            let deadline = Instant::now() + PATIENCE;
            while metric(&server, "lawful_log_synced_records_total") < 100 {
                assert!(
                    Instant::now() < deadline,
                    "{mode}: the records were not synced"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let syncs = metric(&server, "lawful_log_syncs_total");
        assert!((1..=100).contains(&syncs), "{mode}: {syncs} syncs");
        assert!(server.stop().success(), "{mode}: {}", server.stderr());
        let records = closed_log_lines(&dir.join("audit.jsonl"));
        assert_eq!(records.len(), 100, "{mode}");
        let ids = logged_ids(&records);
        for id in &answered {
            assert!(ids.contains(id), "{mode}: {id} was answered but not logged");
        }
        assert!(
            server.stderr().contains("stopped; 100 decisions logged"),
            "{mode}: {}",
            server.stderr()
        );
    }
}

/// `kill -9` of a server whose log is synced only every minute, after its
/// answers were received: nothing has been synced, yet every answered
/// decision is in the file (the kernel has the bytes), before the padding
/// and after the next server's recovery alike.
#[test]
fn a_killed_server_loses_no_answered_decision_before_its_sync() {
    let dir = scratch("log-sync-killed");
    let log = dir.join("audit.jsonl");
    let mut server = Server::start(&dir, &["--log", "audit.jsonl", "--log-sync", "60s"]);
    let answered = decide_concurrently(server.port, "k", 4, 20);
    assert_eq!(metric(&server, "lawful_log_records_total"), 80);
    assert_eq!(metric(&server, "lawful_log_synced_records_total"), 0);
    assert_eq!(metric(&server, "lawful_log_syncs_total"), 0);
    server.signal("KILL");
    server.wait();
    let records = log_lines(&log);
    assert_eq!(records.len(), 80);
    let ids = logged_ids(&records);
    for id in &answered {
        assert!(ids.contains(id), "{id} was answered but not in the file");
    }

    // The next server finds the end of those records and goes on there.
    let mut server = Server::start(&dir, &["--log", "audit.jsonl"]);
    let more = decide_concurrently(server.port, "m", 2, 5);
    assert!(server.stop().success(), "{}", server.stderr());
    let records = closed_log_lines(&log);
    assert_eq!(records.len(), 90);
    let ids = logged_ids(&records);
    for id in answered.iter().chain(&more) {
        assert!(ids.contains(id), "{id} was answered but not logged");
    }
}

/// `--log-sync` takes `always` or a duration from 1ms to 60s, with a log.
#[test]
fn bad_log_sync_values_are_refused_with_a_message() {
    let dir = scratch("log-sync-misuse");
    for (value, words) in [
        ("0", "`0` is no interval: give `always`"),
        ("0ms", "`0ms` is no interval: give `always`"),
        (
            "10",
            "`10` is neither `always` nor a duration from 1ms to 60s",
        ),
        (
            "61s",
            "`61s` is neither `always` nor a duration from 1ms to 60s",
        ),
        (
            "soon",
            "`soon` is neither `always` nor a duration from 1ms to 60s",
        ),
        ("1e3ms", "`1e3ms` is neither"),
    ] {
        let stderr = refused(
            &dir,
            &[
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--log",
                "audit.jsonl",
                "--log-sync",
                value,
            ],
        );
        assert_eq!(stderr.lines().count(), 1, "{value}: {stderr}");
        assert!(stderr.starts_with("lawful: "), "{value}: {stderr}");
        assert!(stderr.contains("--log-sync"), "{value}: {stderr}");
        assert!(stderr.contains(words), "{value}: {stderr}");
    }
    let stderr = refused(
        &dir,
        &["serve", "--addr", "127.0.0.1:0", "--log-sync", "always"],
    );
    assert!(stderr.contains("--log <LOG>"), "{stderr}");
    assert!(!dir.join("audit.jsonl").exists());
}

/// SIGTERM while 8 clients decide: it stops accepting, finishes what is in
/// flight, exits 0, and every decision answered is in the log, once, whole.
#[test]
fn shutdown_finishes_in_flight_requests_and_loses_no_record() {
    let dir = scratch("shutdown");
    let mut server = Server::start(&dir, &["--log", "audit.jsonl"]);
    let port = server.port;
    let answered = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(60);
    std::thread::scope(|scope| {
        for client in 0..8 {
            let answered = Arc::clone(&answered);
            scope.spawn(move || {
                for i in 0..2000 {
                    if Instant::now() > deadline {
                        break;
                    }
                    let id = format!("c{client}-{i}");
                    let body = REGISTRATION.replace("reg-1", &id);
                    match try_call(port, "POST", "/v1/decide", &[], body.as_bytes()) {
                        Ok(answer) if answer.status == 200 => {
                            assert_eq!(answer.json()["id"], id.as_str());
                            answered.lock().unwrap().push(id);
                        }
                        // Refused or cut off once shutdown begins: never answered.
                        Ok(_) | Err(_) => break,
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(500));
        server.signal("TERM");
    });
    let status = server.wait();
    assert!(status.success(), "{status:?}: {}", server.stderr());
    let answered = answered.lock().unwrap();
    assert!(!answered.is_empty());
    // Closed cleanly: cut to its records, no padding.
    let records = closed_log_lines(&dir.join("audit.jsonl"));
    let logged: HashSet<_> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(logged.len(), records.len(), "a record logged twice");
    for id in answered.iter() {
        assert!(logged.contains(id), "{id} was answered but not logged");
    }
    let stderr = server.stderr();
    assert!(stderr.contains("SIGTERM"), "{stderr}");
    assert!(
        stderr.contains(&format!("stopped; {} decisions logged", records.len())),
        "{stderr}"
    );
}

// ---------------------------------------------------------------- README

/// The first fenced block of `kind` in the README that contains `needle`.
fn readme_block(kind: &str, needle: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let fence = format!("```{kind}\n");
    readme
        .split(&fence)
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block))
        .find(|block| block.contains(needle))
        .unwrap_or_else(|| panic!("no ```{kind} block with `{needle}` in the README"))
        .to_owned()
}

/// The README's curl line, run against a real server: the issue's
/// done-when, the same decision as `lawful decide`.
#[test]
fn the_readme_curl_example_answers_what_lawful_decide_prints() {
    let dir = scratch("readme-curl");
    std::fs::write(dir.join("request.json"), REGISTRATION).unwrap();
    let server = Server::start(&dir, &[]);
    let block = readme_block("sh", "curl -s localhost:8181/v1/decide");
    let line = block.lines().find(|l| l.starts_with("curl ")).unwrap();
    let line = line.replace("localhost:8181", &format!("127.0.0.1:{}", server.port));
    let out = Command::new("sh")
        .args(["-c", &line])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let answer = String::from_utf8(out.stdout).unwrap();
    assert_eq!(answer.trim(), cli_decide(REGISTRATION).trim());
}

/// The README's Python example, run as written (but for the port). It is
/// skipped, saying so, only where Python's `requests` is not installed.
#[test]
fn the_readme_python_example_runs() {
    let has_requests = Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !has_requests {
        eprintln!("SKIPPED: python3 with `requests` is not installed (pip install requests)");
        return;
    }
    let dir = scratch("readme-python");
    let server = Server::start(&dir, &[]);
    let script = readme_block("python", "import requests")
        .replace("localhost:8181", &format!("127.0.0.1:{}", server.port));
    let out = Command::new("python3")
        .args(["-c", &script])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "contract 2026-11-28"
    );
}

// ---------------------------------------------------------------- issue 25: hostile clients

/// Runs `lawful ARGS` in `dir`: its exit code, stdout and stderr.
fn run_lawful(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The server's peak resident memory (`VmHWM`), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// The CPU time the process has used (user and system), in 10 ms ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn a_batch_as_a_json_array_or_a_form_is_refused_with_what_to_do() {
    let dir = scratch("batch-shapes");
    let server = Server::start(&dir, &[]);
    let array = format!("[{REGISTRATION}, {BROWSING}]");
    let answer = server.post("/v1/decide/batch", &array);
    assert_eq!(answer.error(400), "invalid_batch");
    assert!(answer.body.contains("jq -c"), "{answer:#?}");
    // A pretty-printed array too.
    let answer = server.post("/v1/decide/batch", &format!("\n  [\n{REGISTRATION}\n]\n"));
    assert_eq!(answer.error(400), "invalid_batch");
    // curl -d: a form, and the newlines gone.
    let answer = server.call(
        "POST",
        "/v1/decide/batch",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("{REGISTRATION}{BROWSING}").as_bytes(),
    );
    assert_eq!(answer.error(415), "unsupported_media_type");
    assert!(answer.body.contains("--data-binary"), "{answer:#?}");
    // A byte order mark before the body is not a bad line.
    let answer = server.call(
        "POST",
        "/v1/decide/batch",
        &[],
        format!("\u{feff}{REGISTRATION}\n{BROWSING}\n").as_bytes(),
    );
    assert_eq!(answer.status, 200, "{answer:#?}");
    let lines: Vec<_> = answer.body.lines().map(json).collect();
    assert_eq!(lines[0]["effect"], "permit", "{answer:#?}");
    assert_eq!(lines.len(), 2);
    let answer = server.call(
        "POST",
        "/v1/decide",
        &[],
        format!("\u{feff}{REGISTRATION}").as_bytes(),
    );
    assert_eq!(answer.json()["effect"], "permit", "{answer:#?}");
}

#[test]
fn a_lowercase_bearer_scheme_is_accepted() {
    let dir = scratch("bearer");
    std::fs::write(dir.join("token"), "t0ken\n").unwrap();
    let server = Server::start(&dir, &["--token-file", "token"]);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let answer = server.call(
            "POST",
            "/v1/decide",
            &[("Authorization", &format!("{scheme} t0ken"))],
            REGISTRATION.as_bytes(),
        );
        assert_eq!(answer.status, 200, "{scheme}: {answer:#?}");
    }
}

#[test]
fn max_policy_bytes_takes_k_m_and_g() {
    let dir = scratch("policy-bytes");
    let (code, _, stderr) = run_lawful(
        &dir,
        &[
            "--max-policy-bytes",
            "4K",
            "check",
            &root().join("policies/default.toml").display().to_string(),
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("larger than the limit of 4096 bytes"),
        "{stderr}"
    );
    let (code, _, stderr) = run_lawful(
        &dir,
        &[
            "--max-policy-bytes",
            "8M",
            "check",
            &root().join("policies/default.toml").display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
}

/// Answers hyper gives itself (a request it cannot parse) are counted, and
/// the decisions of a batch answered 503 are not.
#[test]
fn metrics_count_what_was_answered() {
    let dir = scratch("metrics-count");
    let server = Server::start(&dir, &[]);
    let mut raw = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    raw.set_read_timeout(Some(PATIENCE)).unwrap();
    raw.write_all(b"NOT A REQUEST\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = raw.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let _ = server.post("/v1/decide/batch", "[1]");
    // hyper's answer is counted when its connection ends: wait for it.
    let deadline = Instant::now() + PATIENCE;
    let mut text = server.get("/metrics").body;
    while !text.contains("lawful_http_responses_total{code=\"400\"} 2") && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
        text = server.get("/metrics").body;
    }
    assert!(
        text.contains("lawful_http_responses_total{code=\"400\"} 2"),
        "{text}"
    );
    assert!(text.contains("lawful_rejected_requests_total 2"), "{text}");
    assert!(!text.contains("lawful_decisions_total{"), "{text}");
}

/// Past `--max-connections`, a new connection is answered 503 at once;
/// an idle connection is closed after `--idle-timeout`.
#[test]
fn connections_are_limited_and_idle_ones_closed() {
    let dir = scratch("connections");
    let server = Server::start(&dir, &["--max-connections", "2", "--idle-timeout", "500ms"]);
    let idle: Vec<_> = (0..2)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let mut third = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    third.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut answer = String::new();
    let _ = third.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("too_many_connections"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The idle ones are closed by the server, and the slots come back.
    for mut conn in idle {
        conn.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut rest = Vec::new();
        let started = Instant::now();
        let _ = conn.read_to_end(&mut rest);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.post("/v1/decide", REGISTRATION).status, 200);
    let text = server.get("/metrics").body;
    assert!(
        text.contains("lawful_connections_refused_total 1"),
        "{text}"
    );
}

/// A batch whose client stops reading (or leaves) stops being decided, and
/// logs nothing it did not answer: every logged record's id was answered.
#[test]
fn an_abandoned_batch_logs_nothing_it_did_not_answer() {
    let dir = scratch("abandoned");
    let mut server = Server::start(&dir, &["--log", "audit.jsonl", "--timeout", "2s"]);
    let lines: String = (0..200_000)
        .map(|i| REGISTRATION.replace("reg-1", &format!("b{i}")) + "\n")
        .collect();
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    conn.set_read_timeout(Some(PATIENCE)).unwrap();
    conn.set_write_timeout(Some(PATIENCE)).unwrap();
    let head = format!(
        "POST /v1/decide/batch HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        lines.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    // Send it all from another thread; read only the first bytes, then stop
    // reading: the server must stop at its deadline.
    let mut writer = conn.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(lines.as_bytes());
    });
    let mut first = vec![0; 4096];
    let n = conn.read(&mut first).unwrap();
    assert!(n > 0);
    std::thread::sleep(Duration::from_secs(4));
    // Now read what was answered, to the end.
    let mut rest = Vec::new();
    let _ = conn.read_to_end(&mut rest);
    drop(conn);
    let _ = sender.join();
    let mut answered = first[..n].to_vec();
    answered.extend_from_slice(&rest);
    let text = String::from_utf8_lossy(&answered).into_owned();
    let body = dechunk(text.split_once("\r\n\r\n").unwrap().1);
    let answered_ids: HashSet<String> = body
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        body.contains("\"code\":\"timeout\""),
        "{}",
        &body[body.len().saturating_sub(300)..]
    );
    assert!(server.stop().success());
    let logged: Vec<String> = closed_log_lines(&dir.join("audit.jsonl"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!logged.is_empty());
    assert!(logged.len() < 200_000, "the whole batch was decided");
    for id in &logged {
        assert!(
            answered_ids.contains(id),
            "{id} was logged and not answered"
        );
    }
    assert_eq!(logged.len(), answered_ids.len());
}

/// A 64 MiB batch of the smallest lines is answered (or cut at its
/// deadline) with the server's peak memory far under the documented bound
/// of 1 GiB; the old server built the whole answer in memory (97 times the
/// body). Bounded: one batch, a deadline of 5 s, loopback.
#[test]
fn a_64_mib_batch_of_the_smallest_lines_stays_within_the_memory_bound() {
    let dir = scratch("big-batch");
    let server = Server::start(&dir, &["--timeout", "5s"]);
    let body = b"{}\n".repeat((64 << 20) / 3);
    let pid = server.child.id();
    let before = peak_rss(pid);
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    conn.set_read_timeout(Some(PATIENCE)).unwrap();
    conn.set_write_timeout(Some(PATIENCE)).unwrap();
    let head = format!(
        "POST /v1/decide/batch HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    let mut reader = conn.try_clone().unwrap();
    let counter = std::thread::spawn(move || {
        // Read (and count) the answer as it comes.
        let mut buf = vec![0; 1 << 16];
        let mut total = 0_u64;
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        total
    });
    let _ = conn.write_all(&body);
    let answered = counter.join().unwrap();
    assert!(answered > 1 << 20, "{answered}");
    let peak = peak_rss(pid);
    eprintln!(
        "64 MiB batch: {answered} bytes answered; server peak RSS {} MiB (before: {} MiB)",
        peak >> 20,
        before >> 20
    );
    assert!(peak < 256 << 20, "peak RSS {} MiB", peak >> 20);
    assert_eq!(server.get("/health").status, 200);
}

/// A request line of 1 MB (past the limits: 75,000 categories) is refused
/// at once, reading no list past its limit: under 50 ms of the server's
/// CPU each over 20 of them, in this unoptimized test build (the release
/// build's figure is in docs/limits.md); the old server decided it in
/// seconds.
#[test]
fn a_one_megabyte_request_costs_little_cpu() {
    let dir = scratch("big-line");
    let server = Server::start(&dir, &["--max-body", "2M"]);
    let categories = vec!["\"account.phone\""; 25_000].join(",");
    let consent = format!(
        r#"{{"by":"subject","purposes":["account.registration"],"categories":[{categories}],"given_at":"2026-01-01T00:00:00+08:00"}}"#
    );
    let request = format!(
        r#"{{"id":"big","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"account.registration","categories":[{categories}],"evidence":{{"consents":[{consent},{consent}]}}}}"#
    );
    assert!(request.len() > 1 << 20, "{}", request.len());
    let pid = server.child.id();
    let before = cpu_ticks(pid);
    for _ in 0..20 {
        let answer = server.post("/v1/decide", &request);
        assert_eq!(answer.error(422), "invalid_request");
        assert!(
            answer.body.contains("more entries than the limit of 64"),
            "{}",
            &answer.body[..300]
        );
    }
    let ticks = cpu_ticks(pid) - before;
    eprintln!(
        "20 requests of {} bytes: {} ms of server CPU",
        request.len(),
        ticks * 10
    );
    assert!(ticks * 10 < 20 * 50, "{} ms for 20 requests", ticks * 10);
}

/// SIGTERM ends the process within its grace period, even while a batch
/// is being decided.
#[test]
fn sigterm_ends_the_server_within_its_grace_while_a_batch_runs() {
    let dir = scratch("sigterm");
    let mut server = Server::start(&dir, &["--shutdown-timeout", "1s", "--log", "audit.jsonl"]);
    let port = server.port;
    let body: String = (0..300_000)
        .map(|i| REGISTRATION.replace("reg-1", &format!("s{i}")) + "\n")
        .collect();
    let client = std::thread::spawn(move || {
        let _ = try_call(port, "POST", "/v1/decide/batch", &[], body.as_bytes());
    });
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    server.signal("TERM");
    let status = server.wait();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(status.success(), "{}", server.stderr());
    let _ = client.join();
    // Whatever was logged is whole and chained.
    let log = std::fs::read(dir.join("audit.jsonl")).unwrap();
    let (code, stdout, stderr) = run_lawful(&dir, &["replay", "audit.jsonl"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!log.contains(&0));
}

/// Reload reads only regular files within the size limit, finds a change
/// by content (a symbolic link swapped to a file of the same size and
/// time), and does not load a file written in place until it has settled.
#[test]
fn reload_reads_only_whole_regular_files_and_sees_every_change() {
    let dir = scratch("reload-safe");
    let v1 = policy_version("v1");
    let v2 = policy_version("v2");
    std::fs::write(dir.join("a.toml"), &v1).unwrap();
    std::fs::write(dir.join("b.toml"), &v2).unwrap();
    // Same size and modification time.
    let time = std::fs::metadata(dir.join("a.toml"))
        .unwrap()
        .modified()
        .unwrap();
    std::fs::File::options()
        .write(true)
        .open(dir.join("b.toml"))
        .unwrap()
        .set_modified(time)
        .unwrap();
    std::os::unix::fs::symlink("a.toml", dir.join("policy.toml")).unwrap();
    let server = Server::start(
        &dir,
        &[
            "-p",
            "policy.toml",
            "--watch-interval",
            "200ms",
            "--max-policy-bytes",
            "1M",
        ],
    );
    let version = || {
        server.get("/v1/policy").json()["version"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(version(), "v1");
    std::fs::remove_file(dir.join("policy.toml")).unwrap();
    std::os::unix::fs::symlink("b.toml", dir.join("policy.toml")).unwrap();
    let deadline = Instant::now() + PATIENCE;
    while version() != "v2" {
        assert!(
            Instant::now() < deadline,
            "the swapped link was never loaded"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // A named pipe: refused at once, the server keeps serving v2.
    std::fs::remove_file(dir.join("policy.toml")).unwrap();
    rustix_mkfifo(&dir.join("policy.toml"));
    let started = Instant::now();
    let answer = server.post("/v1/policy/reload", "");
    assert_eq!(answer.error(422), "invalid_policy");
    assert!(answer.body.contains("not a regular file"), "{answer:#?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // /dev/zero behind a link: refused, not read.
    std::fs::remove_file(dir.join("policy.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("policy.toml")).unwrap();
    let answer = server.post("/v1/policy/reload", "");
    assert_eq!(answer.error(422), "invalid_policy");
    // Past the size limit: refused.
    std::fs::remove_file(dir.join("policy.toml")).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        format!("{v1}\n{}", "#".repeat(2 << 20)),
    )
    .unwrap();
    let answer = server.post("/v1/policy/reload", "");
    assert_eq!(answer.error(422), "invalid_policy");
    assert!(answer.body.contains("larger than the limit"), "{answer:#?}");
    assert_eq!(version(), "v2");
}

/// A policy written in place, in two parts a moment apart: the first part
/// alone (which loads cleanly) is never served; the finished file is.
#[test]
fn a_policy_written_in_place_is_served_only_once_settled() {
    let dir = scratch("reload-settle");
    let v2 = policy_version("v2");
    std::fs::write(dir.join("policy.toml"), &v2).unwrap();
    let server = Server::start(&dir, &["-p", "policy.toml", "--watch-interval", "200ms"]);
    let version = || {
        server.get("/v1/policy").json()["version"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(version(), "v2");
    let v3 = policy_version("v3");
    let cut = v3.find("[[deny]]").unwrap_or(v3.len() / 2);
    let cut = v3[..cut].rfind("\n[[").map_or(cut, |i| i + 1);
    std::thread::sleep(Duration::from_millis(300));
    let mut file = std::fs::File::options()
        .write(true)
        .truncate(true)
        .open(dir.join("policy.toml"))
        .unwrap();
    file.write_all(&v3.as_bytes()[..cut]).unwrap();
    file.sync_all().unwrap();
    std::thread::sleep(Duration::from_millis(80));
    file.write_all(&v3.as_bytes()[cut..]).unwrap();
    file.sync_all().unwrap();
    drop(file);
    let full = server.get("/v1/policy").json();
    let deadline = Instant::now() + PATIENCE;
    let mut seen = vec![full["sha256"].as_str().unwrap().to_owned()];
    while version() != "v3" {
        assert!(
            Instant::now() < deadline,
            "the finished file was never loaded"
        );
        seen.push(
            server.get("/v1/policy").json()["sha256"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let prefix_hash = {
        use sha2_free::hex_sha256;
        hex_sha256(&v3.as_bytes()[..cut])
    };
    assert!(
        !seen.contains(&prefix_hash),
        "the half-written file was served"
    );
}

/// Makes a named pipe.
fn rustix_mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// SHA-256 through the `sha256sum` tool (the tests have no hash crate).
mod sha2_free {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    pub(super) fn hex_sha256(bytes: &[u8]) -> String {
        let mut child = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap()[..64].to_owned()
    }
}

// ---------------------------------------------------------------- signed policies, signed log

/// `lawful keygen` and `lawful sign`; `serve --trusted-key` serves only a
/// signed policy, reloads only a signed edit, and each record names the
/// key.
#[test]
fn a_trusted_key_lets_in_only_signed_policies() {
    let dir = scratch("signed-policy");
    let (code, stdout, stderr) = run_lawful(&dir, &["keygen", "policy-key"]);
    assert_eq!(code, 0, "{stderr}");
    let id = stdout.lines().next().unwrap().to_owned();
    assert!(id.starts_with("ed25519:"), "{stdout}");
    let mode = std::fs::metadata(dir.join("policy-key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Never over an existing key.
    assert_eq!(run_lawful(&dir, &["keygen", "policy-key"]).0, 2);
    std::fs::write(dir.join("policy.toml"), policy_version("v1")).unwrap();
    // Unsigned: refused at start.
    let stderr = refused(
        &dir,
        &[
            "serve",
            "-p",
            "policy.toml",
            "--trusted-key",
            "policy-key.pub",
            "--addr",
            "127.0.0.1:0",
        ],
    );
    assert!(stderr.contains("is not signed"), "{stderr}");
    // A secret key given as the trusted one is refused with words.
    let stderr = refused(
        &dir,
        &[
            "serve",
            "-p",
            "policy.toml",
            "--trusted-key",
            "policy-key",
            "--addr",
            "127.0.0.1:0",
        ],
    );
    assert!(stderr.contains("is a secret key"), "{stderr}");
    let (code, _, stderr) = run_lawful(&dir, &["sign", "--key", "policy-key", "policy.toml"]);
    assert_eq!(code, 0, "{stderr}");
    let mut server = Server::start(
        &dir,
        &[
            "-p",
            "policy.toml",
            "--trusted-key",
            "policy-key.pub",
            "--log",
            "audit.jsonl",
            "--watch-interval",
            "0",
        ],
    );
    assert_eq!(server.get("/v1/policy").json()["signed_by"], id.as_str());
    assert_eq!(server.post("/v1/decide", REGISTRATION).status, 200);
    // An edit without a new signature: refused, v1 keeps serving.
    write_atomically(&dir.join("policy.toml"), &policy_version("v2"));
    let answer = server.post("/v1/policy/reload", "");
    assert_eq!(answer.error(422), "invalid_policy");
    assert!(
        answer.body.contains("signature is for another text"),
        "{answer:#?}"
    );
    // Signed by a key that is not trusted: refused too.
    assert_eq!(run_lawful(&dir, &["keygen", "other-key"]).0, 0);
    assert_eq!(
        run_lawful(&dir, &["sign", "--key", "other-key", "policy.toml"]).0,
        0
    );
    let answer = server.post("/v1/policy/reload", "");
    assert_eq!(answer.error(422), "invalid_policy");
    assert!(answer.body.contains("not trusted"), "{answer:#?}");
    // Signed by the trusted key: loaded.
    assert_eq!(
        run_lawful(&dir, &["sign", "--key", "policy-key", "policy.toml"]).0,
        0
    );
    let answer = server.post("/v1/policy/reload", "");
    assert_eq!(answer.status, 200, "{answer:#?}");
    assert_eq!(answer.json()["policy"]["version"], "v2");
    assert_eq!(server.post("/v1/decide", REGISTRATION).status, 200);
    assert!(server.stop().success());
    let records = closed_log_lines(&dir.join("audit.jsonl"));
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record["policy_key"], id.as_str());
    }
}

/// The tamper suite: a signed log, edited as an insider would; `lawful
/// replay` finds every edit and names the first broken line.
#[test]
fn replay_finds_every_edit_of_a_signed_log() {
    let dir = scratch("tamper");
    assert_eq!(run_lawful(&dir, &["keygen", "log-key"]).0, 0);
    let mut server = Server::start(&dir, &["--log", "audit.jsonl", "--log-key", "log-key"]);
    for i in 0..6 {
        let request = if i % 2 == 0 { REGISTRATION } else { BROWSING };
        let answer = server.post("/v1/decide", &request.replace("-1\"", &format!("-{i}\"")));
        assert_eq!(answer.status, 200);
    }
    // The head the server publishes is the hash of the file's last line.
    let head = server.get("/v1/log/head").json();
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(&format!(
            "lawful_log_head{{sha256=\"{}\"}}",
            head["head"].as_str().unwrap()
        )),
        "{metrics}"
    );
    assert!(server.stop().success());
    let original = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let lines: Vec<String> = original.lines().map(|l| format!("{l}\n")).collect();
    // Line 1 opens, lines 2 to 7 are records, line 8 closes.
    assert_eq!(lines.len(), 8, "{original}");
    let last_record_hash = sha2_free::hex_sha256(lines[6].as_bytes());
    assert_eq!(head["head"], last_record_hash.as_str());
    let replay = |text: &str| {
        std::fs::write(dir.join("edited.jsonl"), text).unwrap();
        run_lawful(
            &dir,
            &["replay", "edited.jsonl", "--trusted-key", "log-key.pub"],
        )
    };
    let (code, stdout, stderr) = replay(&original);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("ends with the server's closing checkpoint"),
        "{stdout}"
    );
    let permit_line = lines.iter().position(|l| l.contains("\"permit\"")).unwrap();
    let deny_line = lines
        .iter()
        .position(|l| l.contains("\"effect\":\"deny\""))
        .unwrap();
    let mut edits: Vec<(&str, String, &str)> = Vec::new();
    // A deny turned permit.
    let mut changed = lines.clone();
    changed[deny_line] = changed[deny_line].replace("\"effect\":\"deny\"", "\"effect\":\"permit\"");
    let broken_after_deny = format!("between line {} and line {}", deny_line + 1, deny_line + 2);
    edits.push(("change", changed.concat(), broken_after_deny.as_str()));
    // A forged record, linked to the line before it.
    let mut forged = lines.clone();
    let prev = sha2_free::hex_sha256(lines[2].as_bytes());
    let body = &lines[permit_line][lines[permit_line].find("\"decided_at\"").unwrap()..];
    forged.insert(
        3,
        format!("{{\"prev\":\"{prev}\",{}", body.replace("reg-0", "forged")),
    );
    edits.push(("forge", forged.concat(), "between line 4 and line 5"));
    // A deleted record.
    let mut deleted = lines.clone();
    deleted.remove(3);
    edits.push(("delete", deleted.concat(), "between line 3 and line 4"));
    // Two records swapped.
    let mut reordered = lines.clone();
    reordered.swap(3, 4);
    edits.push(("reorder", reordered.concat(), "between line 3 and line 4"));
    // A record repeated.
    let mut repeated = lines.clone();
    repeated.insert(4, lines[3].clone());
    edits.push(("duplicate", repeated.concat(), "between line 4 and line 5"));
    // Cut inside a record.
    let cut = &original[..original.len() - lines[7].len() - 20];
    edits.push(("truncate mid-record", cut.to_owned(), "line 7 is cut off"));
    for (name, text, words) in &edits {
        let (code, stdout, stderr) = replay(text);
        assert_eq!(code, 3, "{name}: {stdout}{stderr}");
        assert!(stdout.contains(words), "{name}: {stdout}");
        assert!(stdout.contains("integrity: BROKEN"), "{name}: {stdout}");
    }
    // Cut at a line's end (the closing checkpoint removed): not a break,
    // and said.
    let (code, stdout, _) = replay(&lines[..7].concat());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("vouched for by no signature"), "{stdout}");
    // A key that is not the log's: every checkpoint is untrusted.
    assert_eq!(run_lawful(&dir, &["keygen", "stranger"]).0, 0);
    std::fs::write(dir.join("edited.jsonl"), &original).unwrap();
    let (code, stdout, _) = run_lawful(
        &dir,
        &["replay", "edited.jsonl", "--trusted-key", "stranger.pub"],
    );
    assert_eq!(code, 3, "{stdout}");
    assert!(
        stdout.contains("line 1 is a checkpoint signed by key"),
        "{stdout}"
    );
    // --no-verify replays without looking.
    let (code, _, _) = run_lawful(&dir, &["replay", "--no-verify", "edited.jsonl"]);
    assert_eq!(code, 0);
}
