//! Every example in the README and in `docs/` is run: a JSON request is
//! decided, a decision is compared with the decision of the request before
//! it, a policy is loaded, a test file is run, retention and rights lines are
//! answered, an audit record is read back. A fenced JSON or TOML block
//! without one of these tags is an error, so no example escapes.
//!
//! Tags (the fence's info string): ```` ```json request ````, `json decision`,
//! `json retention`, `json rights`, `json audit`, `toml policy`, `toml test`.
//! Each line of a JSON block is one document (a request in the docs is one
//! line, as `lawful decide` reads it).

use std::path::{Path, PathBuf};

use lawful::Engine;
use lawful::decision::ReasonCode;
use lawful::wire::{AuditRecord, DecisionDoc, TestFile};

/// One fenced block: where it is, its info string, its text.
struct Block {
    at: String,
    info: String,
    text: String,
}

fn blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => {
                let info = line.trim_start().trim_start_matches('`').trim().to_owned();
                open = Some((i + 1, info, String::new()));
            }
            (Some(_), true) => {
                let (start, info, body) = open.take().unwrap();
                out.push(Block {
                    at: format!("{}:{start}", path.display()),
                    info,
                    text: body,
                });
            }
            (Some((_, _, body)), false) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, false) => {}
        }
    }
    assert!(open.is_none(), "{}: an unclosed fence", path.display());
    out
}

fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim().is_empty())
}

const REJECTED: [ReasonCode; 3] = [
    ReasonCode::InvalidRequest,
    ReasonCode::UnknownCategory,
    ReasonCode::UnknownPurpose,
];

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one arm per kind of example, side by side"
)]
fn every_json_and_toml_example_in_the_docs_runs() {
    let engine = Engine::builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for path in documents() {
        let mut last_decisions: Vec<DecisionDoc> = Vec::new();
        let mut last_answers: Vec<serde_json::Value> = Vec::new();
        for block in blocks(&path) {
            let mut words = block.info.split_whitespace();
            let (lang, tag) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let at = &block.at;
            match (lang, tag) {
                ("json", "request") => {
                    last_decisions.clear();
                    for line in lines(&block.text) {
                        let value: serde_json::Value =
                            serde_json::from_str(line).unwrap_or_else(|e| {
                                panic!("{at}: a request is one line of JSON: {e}\n{line}")
                            });
                        assert!(value.is_object(), "{at}: {line}");
                        let decision = engine.decide_json(line);
                        for reason in &decision.reasons {
                            assert!(
                                !REJECTED.contains(&reason.code),
                                "{at}: the request is rejected: {}\n{line}",
                                decision.to_json()
                            );
                        }
                        last_decisions.push(decision);
                    }
                }
                ("json", "decision") => {
                    let shown: Vec<DecisionDoc> = lines(&block.text)
                        .map(|l| {
                            serde_json::from_str(l).unwrap_or_else(|e| panic!("{at}: {e}\n{l}"))
                        })
                        .collect();
                    assert_eq!(
                        shown.len(),
                        last_decisions.len(),
                        "{at}: a decision block follows a request block of as many lines"
                    );
                    for (shown, real) in shown.iter().zip(&last_decisions) {
                        let codes = |d: &DecisionDoc| {
                            (
                                d.effect,
                                d.basis,
                                d.reasons
                                    .iter()
                                    .map(|r| (r.code, r.rule.clone(), r.detail))
                                    .collect::<Vec<_>>(),
                                d.obligations.clone(),
                                d.subject,
                            )
                        };
                        assert_eq!(
                            codes(shown),
                            codes(real),
                            "{at}: the decision shown is not the decision made:\n{}",
                            real.to_json()
                        );
                    }
                }
                ("json", "retention" | "rights") => {
                    last_answers.clear();
                    for line in lines(&block.text) {
                        let answer = if tag == "retention" {
                            engine.retention_json(line)
                        } else {
                            engine.rights_json(line)
                        };
                        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
                        assert!(answer.get("error").is_none(), "{at}: {answer}\n{line}");
                        last_answers.push(answer);
                    }
                }
                ("json", "answer") => {
                    let shown: Vec<serde_json::Value> = lines(&block.text)
                        .map(|l| {
                            serde_json::from_str(l).unwrap_or_else(|e| panic!("{at}: {e}\n{l}"))
                        })
                        .collect();
                    assert_eq!(
                        shown, last_answers,
                        "{at}: the answers shown are not the answers given"
                    );
                }
                ("json", "audit") => {
                    for line in lines(&block.text) {
                        let record: AuditRecord = serde_json::from_str(line)
                            .unwrap_or_else(|e| panic!("{at}: not an audit record: {e}\n{line}"));
                        if let Some(request) = &record.request {
                            let again = engine.decide_json(&request.to_string());
                            assert_eq!(again.effect, record.effect, "{at}: {line}");
                        }
                    }
                }
                ("toml", "policy") => {
                    if let Err(e) = Engine::from_named_toml(at, &block.text) {
                        panic!("{at}: the example policy does not load:\n{e}");
                    }
                }
                ("toml", "test") => {
                    let file = TestFile::parse_named(at, &block.text, root)
                        .unwrap_or_else(|e| panic!("{e}"));
                    let engine = match file.policy() {
                        Some(policy) => Engine::from_path(policy).unwrap_or_else(|e| panic!("{e}")),
                        None => Engine::builtin().clone(),
                    };
                    file.check(&engine).unwrap_or_else(|e| panic!("{e}"));
                    for outcome in file.run(&engine) {
                        assert!(
                            outcome.passed(),
                            "{at}: case `{}`: {:?}",
                            outcome.name(),
                            outcome.failures()
                        );
                    }
                }
                ("toml", "laws") => {
                    let laws = lawful::analysis::Law::parse(&block.text)
                        .unwrap_or_else(|e| panic!("{at}: the laws do not parse: {e}"));
                    assert!(!laws.is_empty(), "{at}: no law");
                }
                ("toml", "excerpt") => {
                    // A fragment of a policy (an edit shown in a diff): it must
                    // at least be TOML.
                    let _: toml::Table = toml::from_str(&block.text)
                        .unwrap_or_else(|e| panic!("{at}: not TOML: {e}"));
                }
                ("json" | "toml", _) => {
                    panic!(
                        "{at}: a ```{lang} block needs a tag (request, decision, policy, test...) so a test runs it"
                    );
                }
                _ => continue,
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} examples found");
}

/// The product stands alone: it never points at the project's internal
/// documents, which users do not have.
#[test]
fn the_docs_point_only_at_the_projects_own_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = documents();
    files.push(root.join("DESIGN.md"));
    files.push(root.join("cli/src/main.rs"));
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for word in ["../shared", "SPEC.md", "LEGAL.md"] {
            assert!(!text.contains(word), "{} mentions {word}", path.display());
        }
    }
}
