//! `lawful check POLICY…`: every diagnostic of every policy file, and a
//! one-line summary of each file.

use std::path::PathBuf;
use std::process::ExitCode;

use lawful::{Effect, Engine};

use crate::files::{self, FOUND_PROBLEMS, MISUSE};

/// Checks each file; goes on after a bad one, so one run reports them all.
///
/// Exit status: 2 if a file could not be read, else 1 if a policy has an
/// error, else 0.
pub(crate) fn run(paths: &[PathBuf]) -> ExitCode {
    let mut unreadable = false;
    let mut invalid = false;
    for path in paths {
        let text = match files::read_text(path) {
            Ok(text) => text,
            Err(fail) => {
                eprintln!("lawful: {}", fail.message());
                unreadable = true;
                continue;
            }
        };
        let name = path.display().to_string();
        match Engine::from_named_toml(&name, &text) {
            Ok(engine) => println!("{name}: ok, {}", summary(&engine)),
            Err(e) => {
                invalid = true;
                // Each diagnostic already ends with a newline; a blank line
                // separates them from the file's summary.
                println!("{e}");
                let count = e.diagnostics().len();
                let errors = if count == 1 { "error" } else { "errors" };
                println!("{name}: {count} {errors}");
            }
        }
    }
    if unreadable {
        ExitCode::from(MISUSE)
    } else if invalid {
        ExitCode::from(FOUND_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
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
