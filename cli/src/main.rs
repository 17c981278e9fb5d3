//! The `lawful` command line (minimal: `decide`; the CLI issue completes it).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command line prints"
)]

use std::io::{BufRead, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("decide") => decide(),
        _ => {
            println!("usage: lawful decide < requests.jsonl");
            ExitCode::SUCCESS
        }
    }
}

fn decide() -> ExitCode {
    let engine = lawful::Engine::builtin();
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let Ok(line) = line else {
            return ExitCode::from(2);
        };
        if line.trim().is_empty() {
            continue;
        }
        let doc = engine.decide_json(&line);
        if writeln!(out, "{}", doc.to_json()).is_err() {
            return ExitCode::from(2);
        }
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}
