//! The crate's face: a root a newcomer reads in a minute, the rest reached
//! through modules named after concepts, and modules that import each other
//! in no loop (the data flows one way: policy → decision → lifecycle → wire).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file, without comments, strings' contents are kept (they
/// never hold `crate::` paths here) and without its unit tests.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths named after `crate::` in `code`, braces of `use` groups expanded.
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        paths.extend(expand("", rest));
    }
    paths
}

/// Expands the path that starts `text` (`a::b::{c, d::e}`) into full paths.
fn expand(prefix: &str, text: &str) -> Vec<String> {
    let ident_len = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let head = &text[..ident_len];
    let after = &text[ident_len..];
    if (head.is_empty() || head.ends_with("::")) && after.starts_with('{') {
        let mut depth = 0;
        let mut end = 0;
        for (i, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = &after[1..end];
        let mut items = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[start..]);
        let prefix = format!("{prefix}{head}");
        items
            .into_iter()
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .flat_map(|item| expand(&prefix, item))
            .collect()
    } else {
        vec![format!("{prefix}{}", head.trim_end_matches(':'))]
    }
}

/// Every module of the crate (`a::b`), with its file.
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = src();
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|file| {
            let rel = file.strip_prefix(&root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            (parts.join("::"), file)
        })
        .collect()
}

/// Which modules each module imports from (the deepest module a path names).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut graph = BTreeMap::new();
    for (name, file) in &modules {
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let mut edges = BTreeSet::new();
        for path in crate_paths(&code) {
            let parts: Vec<&str> = path.split("::").collect();
            let target = (1..=parts.len())
                .rev()
                .map(|n| parts[..n].join("::"))
                .find(|candidate| modules.contains_key(candidate));
            if let Some(target) = target
                && !target.is_empty()
                && &target != name
            {
                edges.insert(target);
            }
        }
        graph.insert(name.clone(), edges);
    }
    graph
}

/// The modules imported a module into a loop: the "three loops" of the
/// crate face (age group → engine → decide → age group; decision ↔ policy;
/// deletion ↔ retention plan) are gone, and none may come back.
#[test]
fn modules_import_each_other_in_no_loop() {
    let graph = imports();
    assert!(graph.len() > 30, "{} modules found", graph.len());
    // Every module reachable from each; a loop is a module reaching itself.
    let mut loops = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = graph[start].iter().collect();
        while let Some(next) = todo.pop() {
            if seen.insert(next.clone()) {
                todo.extend(graph.get(next).into_iter().flatten());
            }
        }
        if seen.contains(start) {
            loops.push(start.clone());
        }
    }
    assert!(loops.is_empty(), "modules in an import loop: {loops:?}");
}

/// The checker sees a loop when there is one (so the test above is not
/// vacuous).
#[test]
fn the_loop_checker_sees_paths_in_use_groups() {
    let paths = crate_paths("use crate::{a::B, c::{d::E, F}};\nfn x() { crate::g::h(); }");
    assert_eq!(paths, ["a::B", "c::d::E", "c::F", "g::h"]);
}

/// The crate root re-exported about a hundred types in one flat list; it
/// now keeps what every host touches, and names the concept modules.
#[test]
fn the_crate_root_keeps_what_every_host_uses() {
    let lib = code_of(&std::fs::read_to_string(src().join("lib.rs")).unwrap());
    let mut names = BTreeSet::new();
    for statement in lib.split(';') {
        let statement = statement.trim();
        if let Some(path) = statement.strip_prefix("pub use ") {
            for full in expand("", path) {
                names.insert(full.rsplit("::").next().unwrap().to_owned());
            }
        }
    }
    let expected: BTreeSet<String> = [
        "Action",
        "Basis",
        "CategoryId",
        "Consent",
        "Decision",
        "Effect",
        "Engine",
        "Evidence",
        "JurisdictionId",
        "LoadError",
        "NameError",
        "PurposeId",
        "Recipient",
        "Request",
        "Subject",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(names, expected);
    for module in [
        "policy",
        "subject",
        "decision",
        "lifecycle",
        "wire",
        "analysis",
    ] {
        assert!(lib.contains(&format!("pub mod {module};")), "{module}");
    }
}

/// Each concept module opens with an example (run as a doc test).
#[test]
fn each_concept_module_opens_with_an_example() {
    for module in ["policy", "subject", "decision", "lifecycle", "wire"] {
        let text = std::fs::read_to_string(src().join(module).join("mod.rs")).unwrap();
        let doc: String = text
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(doc.contains("//! # Example"), "{module}");
        assert!(doc.contains("//! ```"), "{module}");
    }
}

/// The types moved off the root are reached through their concept.
#[test]
fn types_are_reached_through_their_concept() {
    use lawful::decision::{ObligationCode, ReasonCode};
    use lawful::lifecycle::{RecordState, RightKind};
    use lawful::policy::{Period, Rule};
    use lawful::subject::{AgeGroup, Regime};
    use lawful::wire::{DecisionDoc, RequestDoc};

    let engine = lawful::Engine::builtin();
    let rule: &Rule = &engine.rules()[0];
    assert!(!rule.id().is_empty());
    assert_eq!("6m".parse::<Period>().unwrap().to_string(), "6m");
    assert_eq!(AgeGroup::Child.to_string(), "child");
    assert_eq!(Regime::Gdpr.to_string(), "gdpr");
    assert_eq!(ObligationCode::EncryptAtRest.to_string(), "encrypt_at_rest");
    assert_eq!(ReasonCode::BasisMissing.to_string(), "basis_missing");
    assert_eq!(RightKind::Access.to_string(), "access");
    let _ = (
        std::any::type_name::<RecordState>(),
        std::any::type_name::<RequestDoc>(),
        std::any::type_name::<DecisionDoc>(),
    );
}

/// The README and benches/PERFORMANCE.md give a decision's size: it is the
/// size it is (a decision is copied out of `decide()`, so it is a cost).
#[test]
#[cfg(target_arch = "x86_64")]
fn the_documented_size_of_a_decision_is_its_size() {
    let size = std::mem::size_of::<lawful::Decision>();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["README.md", "benches/PERFORMANCE.md"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let said = format!("a decision ({size} bytes on x86-64");
        assert!(text.contains(&said), "{file} does not say `{said}`");
    }
}
