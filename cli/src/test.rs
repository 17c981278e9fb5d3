//! `lawful test [--coverage] FILE…`: policy test files (the format of
//! `lawful::TestFile`), each failing case with expected against actual, and
//! a closing `N passed, N failed` line.
//!
//! A test file with problems (a syntax error, an unknown key, a request that
//! is not valid or names what the policy does not declare, no cases at all)
//! is not run: every problem is printed at once, with its line, column and
//! carets, as `lawful check` prints a policy's.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lawful::{Effect, Engine, TestFile, TestFileError};

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
pub(crate) fn run(paths: &[PathBuf], coverage: bool) -> ExitCode {
    let mut tally = Tally::default();
    let mut broken = false;
    for path in paths {
        if let Err(fail) = run_file(path, &mut tally) {
            fail.report();
            broken = true;
        }
    }
    if coverage {
        print_coverage(&tally);
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

/// A test file's problems: the diagnostics, then one line.
fn problems(path: &Path, e: &TestFileError) -> Fail {
    let count = e.diagnostics().len();
    let problems = if count == 1 { "problem" } else { "problems" };
    Fail::with_details(
        e.to_string(),
        format!("test file `{}` has {count} {problems}", path.display()),
    )
}

fn run_file(path: &Path, tally: &mut Tally) -> Result<(), Fail> {
    let text = files::read_text(path)?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path.display().to_string();
    let file = TestFile::parse_named(&name, &text, dir).map_err(|e| problems(path, &e))?;
    let engine: Cow<'static, Engine> = files::load_policy(file.policy())?;
    file.check(&engine).map_err(|e| problems(path, &e))?;
    let outcomes = file.run(&engine);
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
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
    Ok(())
}

/// For each policy, the rules no case's decision cited.
fn print_coverage(tally: &Tally) {
    for (path, (engine, cited)) in &tally.cited {
        let engine = engine.as_ref().unwrap_or_else(|| Engine::builtin());
        let name = path.as_ref().map_or_else(
            || "the built-in policy".to_owned(),
            |p| format!("`{}`", p.display()),
        );
        let rules = engine.rules();
        let missed: Vec<_> = rules.iter().filter(|r| !cited.contains(r.id())).collect();
        println!(
            "coverage of {name}: {} of {} rules exercised",
            rules.len() - missed.len(),
            rules.len()
        );
        for rule in missed {
            let kind = if rule.effect() == Effect::Permit {
                "permit"
            } else {
                "deny"
            };
            println!(
                "  never exercised: {kind} rule `{}` ({})",
                rule.id(),
                rule.clause()
            );
        }
    }
}

fn cases(n: usize) -> String {
    if n == 1 {
        "1 case".into()
    } else {
        format!("{n} cases")
    }
}
