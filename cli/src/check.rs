//! `lawful check POLICY…`: every diagnostic of every policy file, and a
//! one-line summary of each file.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use lawful::analysis::{Options, Space, reliance};
use lawful::{Effect, Engine};

use crate::files::{self, FOUND_PROBLEMS, Fail, MISUSE};

/// What the files checked so far came to.
#[derive(Debug, Default)]
struct Found {
    unreadable: bool,
    invalid: bool,
}

impl Found {
    fn status(&self) -> ExitCode {
        if self.unreadable {
            ExitCode::from(MISUSE)
        } else if self.invalid {
            ExitCode::from(FOUND_PROBLEMS)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// Checks each file; goes on after a bad one, so one run reports them all.
/// A policy that loads is summarised in one line, after its warnings (each
/// rendered like an error, labelled `warning:`), if any.
///
/// Exit status: 2 if a file could not be read, else 1 if a policy has an
/// error, else 0 (warnings alone do not fail a check).
///
/// # Errors
///
/// Output that cannot be written (see [`files::written`]).
pub(crate) fn run(paths: &[PathBuf]) -> Result<ExitCode, Fail> {
    let mut found = Found::default();
    let mut out = files::terminal();
    let result = check_all(paths, &mut out, &mut found).and_then(|()| out.flush());
    files::written(found.status(), result)
}

/// How many base classes `check` decides to find rules that permit only
/// when a fact is left out (a policy the size of the built-in one is past
/// it: `lawful verify` decides it whole).
const RELIANCE_LIMIT: u64 = 10_000_000;

/// A warning for each permit rule that permits only when the request
/// leaves out where the data goes, for a policy small enough to decide
/// whole here.
fn reliance_warnings(engine: &Engine) -> Vec<String> {
    let space = Space::build(&[engine], Options::default());
    if space.base_count() > RELIANCE_LIMIT {
        return Vec::new();
    }
    reliance::only_without_destination(&space, engine)
        .into_iter()
        .map(|rule| {
            format!(
                "warning: rule `{rule}` permits only when a request leaves out where the data goes\n  = help: once a destination is named, something else (localisation, the export rule) refuses it: fix the rule or that commitment"
            )
        })
        .collect()
}

fn check_all(paths: &[PathBuf], out: &mut impl Write, found: &mut Found) -> io::Result<()> {
    for path in paths {
        let text = match files::read_policy_text(path) {
            Ok(text) => text,
            Err(fail) => {
                // Keep stdout and stderr in order for a reader of both.
                out.flush()?;
                files::to_stderr(&format!("lawful: {}\n", fail.message()));
                found.unreadable = true;
                continue;
            }
        };
        let name = path.display().to_string();
        match files::load_text(&name, &text) {
            Ok(engine) => {
                let warnings = engine.render_warnings();
                let reliance = reliance_warnings(&engine);
                if warnings.is_empty() && reliance.is_empty() {
                    writeln!(out, "{name}: ok, {}", summary(&engine))?;
                } else {
                    // Rendered like errors, labelled `warning:`; a blank
                    // line separates them from the file's summary. Warnings
                    // alone still pass: the exit status stays 0.
                    if !warnings.is_empty() {
                        writeln!(out, "{warnings}")?;
                    }
                    for warning in &reliance {
                        writeln!(out, "{warning}\n")?;
                    }
                    let count = warnings.len() + reliance.len();
                    writeln!(
                        out,
                        "{name}: ok, {}, {count} {}",
                        summary(&engine),
                        plural(count, "warning", "warnings")
                    )?;
                }
            }
            Err(e) => {
                found.invalid = true;
                // Each diagnostic already ends with a newline; a blank line
                // separates them from the file's summary.
                writeln!(out, "{e}")?;
                let count = e.diagnostics().len();
                let errors = if count == 1 { "error" } else { "errors" };
                writeln!(out, "{name}: {count} {errors}")?;
            }
        }
    }
    Ok(())
}

/// `policy `platform-privacy` version 2026-11-28: 48 rules (40 permit, 8
/// deny), 27 categories, 15 purposes`. Categories count those the policy
/// declares, not the prefixes it implies.
fn summary(engine: &Engine) -> String {
    let rules = engine.rules();
    let permits = rules
        .iter()
        .filter(|r| r.effect() == Effect::Permit)
        .count();
    let denies = rules.len() - permits;
    let categories = engine
        .categories()
        .iter()
        .filter(|c| c.is_declared())
        .count();
    format!(
        "policy `{}` version {}: {} {} ({permits} permit, {denies} deny), {categories} {}, {} {}",
        engine.policy_id(),
        engine.policy_version(),
        rules.len(),
        plural(rules.len(), "rule", "rules"),
        plural(categories, "category", "categories"),
        engine.purposes().len(),
        plural(engine.purposes().len(), "purpose", "purposes"),
    )
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}
