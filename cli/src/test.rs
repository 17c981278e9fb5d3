//! `lawful test [--coverage] FILE…`: policy test files (the format of
//! `lawful::wire::TestFile`), each failing case with expected against actual, and
//! a closing `N passed, N failed` line.
//!
//! A test file with problems (a syntax error, an unknown key, a request that
//! is not valid or names what the policy does not declare, no cases at all)
//! is not run: every problem is printed at once, with its line, column and
//! carets, as `lawful check` prints a policy's.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lawful::wire::{TestFile, TestFileError};
use lawful::{Effect, Engine};

use crate::files::{self, FOUND_PROBLEMS, Fail, MISUSE};

/// Cases passed and failed so far, and the rules each policy's decisions
/// cited.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
    /// Per policy (its path, or none for the built-in one): the engine and
    /// the ids of the rules some decision cited.
    cited: BTreeMap<Option<PathBuf>, (Option<Engine>, BTreeSet<String>)>,
}

/// Runs every file; a file that cannot be read, has problems, or whose
/// policy is invalid is reported and skipped, and the others still run.
/// With `coverage`, ends with the rules of each policy that no case's
/// decision cited.
///
/// Exit status: 2 if a file or its policy could not be loaded, else 1 if a
/// case failed, else 0.
///
/// # Errors
///
/// Output that cannot be written (see [`files::written`]).
pub(crate) fn run(paths: &[PathBuf], coverage: bool) -> Result<ExitCode, Fail> {
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
        .and_then(|()| {
            if coverage {
                write_coverage(&tally, &mut out)
            } else {
                Ok(())
            }
        })
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

/// A test file's problems: the diagnostics, then one line.
fn problems(path: &Path, e: &TestFileError) -> Fail {
    let count = e.diagnostics().len();
    let problems = if count == 1 { "problem" } else { "problems" };
    Fail::with_details(
        e.to_string(),
        format!("test file `{}` has {count} {problems}", path.display()),
    )
}

/// Runs one file: the outer error is a write error, the inner one a file,
/// a test file's problems or a policy that could not be loaded.
fn run_file(path: &Path, tally: &mut Tally, out: &mut impl Write) -> io::Result<Result<(), Fail>> {
    let (file, engine) = match load(path) {
        Ok(loaded) => loaded,
        Err(fail) => return Ok(Err(fail)),
    };
    let name = path.display();
    let outcomes = file.run(&engine);
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
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
    let key = file.policy().map(Path::to_path_buf);
    let entry = tally.cited.entry(key).or_insert_with(|| {
        let owned = match &engine {
            Cow::Owned(engine) => Some(engine.clone()),
            Cow::Borrowed(_) => None,
        };
        (owned, BTreeSet::new())
    });
    for outcome in &outcomes {
        for rule in outcome
            .decision()
            .reasons
            .iter()
            .filter_map(|r| r.rule.as_ref())
        {
            entry.1.insert(rule.clone());
        }
    }
    Ok(Ok(()))
}

/// Reads a test file and its policy, and checks every case against it.
fn load(path: &Path) -> Result<(TestFile, Cow<'static, Engine>), Fail> {
    let text = files::read_text(path)?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path.display().to_string();
    let file = TestFile::parse_named(&name, &text, dir).map_err(|e| problems(path, &e))?;
    let engine: Cow<'static, Engine> = files::load_policy(file.policy())?;
    file.check(&engine).map_err(|e| problems(path, &e))?;
    Ok((file, engine))
}

/// For each policy, the rules no case's decision cited.
fn write_coverage(tally: &Tally, out: &mut impl Write) -> io::Result<()> {
    for (path, (engine, cited)) in &tally.cited {
        let engine = engine.as_ref().unwrap_or_else(|| Engine::builtin());
        let name = path.as_ref().map_or_else(
            || "the built-in policy".to_owned(),
            |p| format!("`{}`", p.display()),
        );
        let rules = engine.rules();
        let missed: Vec<_> = rules.iter().filter(|r| !cited.contains(r.id())).collect();
        writeln!(
            out,
            "coverage of {name}: {} of {} rules exercised",
            rules.len() - missed.len(),
            rules.len()
        )?;
        for rule in missed {
            let kind = if rule.effect() == Effect::Permit {
                "permit"
            } else {
                "deny"
            };
            writeln!(
                out,
                "  never exercised: {kind} rule `{}` ({})",
                rule.id(),
                rule.clause()
            )?;
        }
    }
    Ok(())
}

fn cases(n: usize) -> String {
    if n == 1 {
        "1 case".into()
    } else {
        format!("{n} cases")
    }
}
