//! Every example in docs/counsel-tools.md is run, as the wire format's are
//! (tests/integration/docs.rs): each command of a ```` ```sh run ```` block
//! runs with the real binary, and each ```` ```text output ```` block (a
//! `$ lawful ...` line, then what it prints) is compared with what the
//! command prints today. In an output, a line `...` stands for any number
//! of lines; times (`in 1.4 s`) are not compared.
//!
//! A `sh run refused` block shows a command refused (exit status 2).
//! Examples marked `slow` decide a whole space (the seed's, in full or
//! sampled, or the EU example's) or report on it: `cargo test` skips them
//! in a debug build, and `.ci/run` runs them in release (`--ignored`); only
//! the refusal, which decides nothing, runs in every build. A ```` ```sh ```` or ```` ```text ```` block without a
//! tag is an error, so no example escapes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_lawful");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One fenced block: where, its language and tags, its lines.
struct Block {
    at: String,
    lang: String,
    tags: Vec<String>,
    lines: Vec<String>,
}

fn blocks() -> Vec<Block> {
    let path = root().join("docs/counsel-tools.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (open.take(), fence) {
            (None, true) => {
                let mut words = line.trim_start().trim_start_matches('`').split_whitespace();
                open = Some(Block {
                    at: format!("docs/counsel-tools.md:{}", i + 1),
                    lang: words.next().unwrap_or("").to_owned(),
                    tags: words.map(str::to_owned).collect(),
                    lines: Vec::new(),
                });
            }
            (Some(block), true) => out.push(block),
            (Some(mut block), false) => {
                block.lines.push(line.to_owned());
                open = Some(block);
            }
            (None, false) => {}
        }
    }
    assert!(open.is_none(), "an unclosed fence");
    out
}

/// A directory to run commands in: the repository's `policies`, `docs` and
/// `cli` reachable under the names the docs use, output files kept apart.
fn workdir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("counsel-docs");
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["policies", "docs", "cli"] {
        let link = dir.join(name);
        if !link.exists() {
            std::os::unix::fs::symlink(root().join(name), &link).unwrap();
        }
    }
    dir
}

/// Runs one documented command line (`lawful ...`); its status, and its
/// output (stdout, then stderr).
fn run(at: &str, line: &str) -> (i32, String) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"lawful"), "{at}: `{line}`");
    assert!(
        !line.contains(['|', '>', '<', '&', ';', '$', '`', '\'', '"']),
        "{at}: one plain command a line: `{line}`"
    );
    let out = Command::new(BIN)
        .args(&words[1..])
        .current_dir(workdir())
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// Times are not compared: `in 1.4 s` reads `in … s`.
fn untimed(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(" in ") {
        let (head, tail) = rest.split_at(i + 4);
        out.push_str(head);
        let number: String = tail
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if !number.is_empty() && tail[number.len()..].starts_with(" s") {
            out.push('…');
            rest = &tail[number.len()..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Whether `actual` shows `expected`: line by line, `...` any lines.
fn shows(expected: &[String], actual: &str) -> Result<(), String> {
    let actual: Vec<String> = actual.lines().map(untimed).collect();
    let segments: Vec<Vec<String>> = expected
        .split(|l| l.trim() == "...")
        .map(|s| s.iter().map(|l| untimed(l)).collect())
        .collect();
    let mut at = 0;
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            continue;
        }
        let found = if i == 0 {
            actual.get(..segment.len()) == Some(segment.as_slice()) && {
                at = segment.len();
                true
            }
        } else {
            let start = (at..=actual.len().saturating_sub(segment.len()))
                .find(|&s| actual.get(s..s + segment.len()) == Some(segment.as_slice()));
            start.is_some_and(|s| {
                at = s + segment.len();
                true
            })
        };
        if !found {
            return Err(format!(
                "not shown in order:\n{}\n--- the output is:\n{}",
                segment.join("\n"),
                actual.join("\n")
            ));
        }
    }
    let last_open = expected.last().is_some_and(|l| l.trim() == "...");
    if !last_open && at != actual.len() {
        return Err(format!(
            "the output goes on after the example ends:\n{}",
            actual[at..].join("\n")
        ));
    }
    Ok(())
}

fn check(slow: bool) -> usize {
    let mut checked = 0;
    for block in blocks() {
        let is_slow = block.tags.iter().any(|t| t == "slow");
        let at = &block.at;
        match (block.lang.as_str(), block.tags.first().map(String::as_str)) {
            ("sh", Some("run")) => {
                if is_slow != slow {
                    continue;
                }
                // `refused`: the example shows a refusal (status 2).
                let refused = block.tags.iter().any(|t| t == "refused");
                for line in block.lines.iter().filter(|l| !l.trim().is_empty()) {
                    let (status, output) = run(at, line);
                    let expected: &[i32] = if refused { &[2] } else { &[0, 1, 3] };
                    assert!(
                        expected.contains(&status),
                        "{at}: `{line}` exited {status}:\n{output}"
                    );
                    if let Some(i) = line.split_whitespace().position(|w| w == "-o") {
                        let file = line.split_whitespace().nth(i + 1).unwrap();
                        let written = std::fs::metadata(workdir().join(file)).unwrap();
                        assert!(written.len() > 1000, "{at}: `{file}` is nearly empty");
                    }
                    checked += 1;
                }
            }
            ("text", Some("output")) => {
                if is_slow != slow {
                    continue;
                }
                let (command, expected) = block.lines.split_first().unwrap();
                let command = command
                    .strip_prefix("$ ")
                    .unwrap_or_else(|| panic!("{at}: an output starts with `$ lawful ...`"));
                let (_, output) = run(at, command);
                if let Err(e) = shows(expected, &output) {
                    panic!("{at}: `{command}`: {e}");
                }
                checked += 1;
            }
            ("sh" | "text", _) => panic!(
                "{at}: a ```{} block needs a tag (`run`, `output`) so a test runs it",
                block.lang
            ),
            _ => {}
        }
    }
    checked
}

#[test]
fn the_counsel_docs_examples_run_and_show_what_they_print() {
    assert!(check(false) >= 2);
}

#[test]
#[ignore = "decides the whole seed space: run in release by .ci/run"]
fn the_counsel_docs_whole_seed_examples_run_and_show_what_they_print() {
    assert!(check(true) >= 14);
}

#[test]
fn elisions_and_times() {
    let expected: Vec<String> = ["a", "...", "c in 9.9 s", "..."]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert!(shows(&expected, "a\nb\nc in 1.2 s\nd\n").is_ok());
    assert!(shows(&expected, "b\nc in 1.2 s\n").is_err());
    let closed: Vec<String> = vec!["a".to_owned()];
    assert!(shows(&closed, "a\nb\n").is_err());
}
