//! The data-driven suite: every `tests/data/*.toml` file, run as `lawful test`
//! runs it (the same `TestFile` format and runner).

use std::path::Path;

use lawful::Engine;
use lawful::wire::TestFile;

#[test]
fn every_case_in_tests_data_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no test files in {}", dir.display());
    let mut failures = Vec::new();
    let mut total = 0;
    for path in &files {
        let file = TestFile::load(path).unwrap_or_else(|e| panic!("{e}"));
        let engine = match file.policy() {
            Some(policy) => Engine::from_path(policy).unwrap_or_else(|e| panic!("{e}")),
            None => Engine::builtin().clone(),
        };
        // A request the policy cannot decide is an error of the file, not a deny.
        file.check(&engine).unwrap_or_else(|e| panic!("{e}"));
        for outcome in file.run(&engine) {
            total += 1;
            if !outcome.passed() {
                failures.push(format!(
                    "{}: {}\n    {}\n    decision: {}",
                    path.file_name().unwrap().to_string_lossy(),
                    outcome.name(),
                    outcome.failures().join("\n    "),
                    outcome.decision().to_json()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
