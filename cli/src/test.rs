//! `lawful test FILE…`: policy test files (the format of `lawful::TestFile`),
//! each failing case with expected against actual, and a closing
//! `N passed, N failed` line.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lawful::{Engine, TestFile};

use crate::files::{self, FOUND_PROBLEMS, Fail, MISUSE};

/// Cases passed and failed so far.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

/// Runs every file; a file that cannot be read or whose policy is invalid
/// is reported and skipped, and the others still run.
///
/// Exit status: 2 if a file or its policy could not be loaded, else 1 if a
/// case failed, else 0.
///
/// # Errors
///
/// Output that cannot be written (see [`files::written`]).
pub(crate) fn run(paths: &[PathBuf]) -> Result<ExitCode, Fail> {
    let mut tally = Tally::default();
    let mut broken = false;
    let mut out = files::stdout();
    let mut result = Ok(());
    for path in paths {
        match run_file(path, &mut tally, &mut out) {
            Ok(Ok(())) => {}
            Ok(Err(fail)) => {
                // Keep stdout and stderr in order for a reader of both.
                result = out.flush();
                fail.report();
                broken = true;
            }
            Err(e) => result = Err(e),
        }
        if result.is_err() {
            break;
        }
    }
    let result = result
        .and_then(|()| writeln!(out, "{} passed, {} failed", tally.passed, tally.failed))
        .and_then(|()| out.flush());
    let status = if broken {
        ExitCode::from(MISUSE)
    } else if tally.failed > 0 {
        ExitCode::from(FOUND_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    };
    files::written(status, result)
}

/// Runs one file: the outer error is a write error, the inner one a file or
/// policy that could not be loaded.
fn run_file(path: &Path, tally: &mut Tally, out: &mut impl Write) -> io::Result<Result<(), Fail>> {
    let text = match files::read_text(path) {
        Ok(text) => text,
        Err(fail) => return Ok(Err(fail)),
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let file = match TestFile::parse(&text, dir) {
        Ok(file) => file,
        Err(e) => return Ok(Err(Fail::new(format!("`{}`: {e}", path.display())))),
    };
    let engine: Cow<'static, Engine> = match files::load_policy(file.policy()) {
        Ok(engine) => engine,
        Err(fail) => return Ok(Err(fail)),
    };
    let outcomes = file.run(&engine);
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let name = path.display();
    if failed == 0 {
        writeln!(out, "ok   {name} ({})", cases(outcomes.len()))?;
    } else {
        writeln!(
            out,
            "FAIL {name} ({failed} of {} failed)",
            cases(outcomes.len())
        )?;
    }
    for (case, outcome) in file.cases().iter().zip(&outcomes) {
        if outcome.passed() {
            continue;
        }
        match case.source() {
            Some(source) => writeln!(out, "  case `{}` ({source})", outcome.name())?,
            None => writeln!(out, "  case `{}`", outcome.name())?,
        }
        for failure in outcome.failures() {
            writeln!(out, "    {failure}")?;
        }
        writeln!(out, "    decision: {}", outcome.decision().to_json())?;
    }
    tally.failed += failed;
    tally.passed += outcomes.len() - failed;
    Ok(Ok(()))
}

fn cases(n: usize) -> String {
    if n == 1 {
        "1 case".into()
    } else {
        format!("{n} cases")
    }
}
