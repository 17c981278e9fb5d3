//! `lawful test FILE…`: policy test files (the format of `lawful::TestFile`),
//! each failing case with expected against actual, and a closing
//! `N passed, N failed` line.

use std::borrow::Cow;
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
pub(crate) fn run(paths: &[PathBuf]) -> ExitCode {
    let mut tally = Tally::default();
    let mut broken = false;
    for path in paths {
        if let Err(fail) = run_file(path, &mut tally) {
            fail.report();
            broken = true;
        }
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if broken {
        ExitCode::from(MISUSE)
    } else if tally.failed > 0 {
        ExitCode::from(FOUND_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_file(path: &Path, tally: &mut Tally) -> Result<(), Fail> {
    let text = files::read_text(path)?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let file =
        TestFile::parse(&text, dir).map_err(|e| Fail::new(format!("`{}`: {e}", path.display())))?;
    let engine: Cow<'static, Engine> = files::load_policy(file.policy())?;
    let outcomes = file.run(&engine);
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let name = path.display();
    if failed == 0 {
        println!("ok   {name} ({})", cases(outcomes.len()));
    } else {
        println!("FAIL {name} ({failed} of {} failed)", cases(outcomes.len()));
    }
    for (case, outcome) in file.cases().iter().zip(&outcomes) {
        if outcome.passed() {
            continue;
        }
        match case.source() {
            Some(source) => println!("  case `{}` ({source})", outcome.name()),
            None => println!("  case `{}`", outcome.name()),
        }
        for failure in outcome.failures() {
            println!("    {failure}");
        }
        println!("    decision: {}", outcome.decision().to_json());
    }
    tally.failed += failed;
    tally.passed += outcomes.len() - failed;
    Ok(())
}

fn cases(n: usize) -> String {
    if n == 1 {
        "1 case".into()
    } else {
        format!("{n} cases")
    }
}
