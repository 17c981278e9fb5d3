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

/// The field names serde reads for a struct, captured from the
/// `deserialize_struct` call its derived `Deserialize` makes.
mod fields {
    use std::fmt;

    #[derive(Debug)]
    pub(super) struct Captured(pub(super) Vec<&'static str>);

    impl fmt::Display for Captured {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "fields {:?}", self.0)
        }
    }

    impl std::error::Error for Captured {}

    impl serde::de::Error for Captured {
        fn custom<T: fmt::Display>(_: T) -> Self {
            Captured(Vec::new())
        }
    }

    struct Probe;

    impl<'de> serde::Deserializer<'de> for Probe {
        type Error = Captured;

        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
            Err(Captured(Vec::new()))
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Captured> {
            Err(Captured(fields.to_vec()))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    /// The wire names of `T`'s fields.
    pub(super) fn of<T: serde::de::DeserializeOwned>() -> Vec<&'static str> {
        match T::deserialize(Probe) {
            Err(Captured(fields)) => fields,
            Ok(_) => Vec::new(),
        }
    }
}

/// The first cell of each row of the first table after `heading`, without
/// its backticks (`` `evidence.contract` `` is `evidence.contract`).
fn table_keys(text: &str, heading: &str) -> Vec<String> {
    let start = text
        .lines()
        .position(|l| l.trim() == heading)
        .unwrap_or_else(|| panic!("no heading `{heading}`"));
    text.lines()
        .skip(start + 1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cell = row.split('|').nth(1).unwrap().trim();
            assert!(
                cell.starts_with('`') && cell.ends_with('`') && cell.len() > 2,
                "{heading}: a first cell is one name in backticks: {row}"
            );
            cell.trim_matches('`').to_owned()
        })
        .collect()
}

fn assert_same(heading: &str, documented: &[String], code: &[String]) {
    use std::collections::BTreeSet;
    let documented_set: BTreeSet<&str> = documented.iter().map(String::as_str).collect();
    let code_set: BTreeSet<&str> = code.iter().map(String::as_str).collect();
    assert_eq!(
        documented.len(),
        documented_set.len(),
        "{heading}: a name is documented twice"
    );
    let undocumented: Vec<_> = code_set.difference(&documented_set).collect();
    let stale: Vec<_> = documented_set.difference(&code_set).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "docs/wire-format.md, {heading}: in the code but not documented: {undocumented:?}; \
         documented but not in the code: {stale:?}"
    );
}

/// Every field a request line may hold (serde's own names, nested fields by
/// their path), every reason code and every detail code has its row in
/// docs/wire-format.md, and the doc names nothing the code does not have.
#[test]
fn the_wire_format_documents_every_request_field_reason_and_detail() {
    use lawful::decision::Detail;
    use lawful::wire::{
        ConsentDoc, EmergencyDoc, EvidenceDoc, PublicDataDoc, RecipientDoc, RequestDoc, SubjectDoc,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("docs/wire-format.md")).unwrap();

    let prefixed = |prefix: &str, fields: Vec<&'static str>| -> Vec<String> {
        assert!(!fields.is_empty(), "no fields captured for `{prefix}`");
        fields.into_iter().map(|f| format!("{prefix}{f}")).collect()
    };
    let mut request = prefixed("", fields::of::<RequestDoc>());
    request.extend(prefixed("subject.", fields::of::<SubjectDoc>()));
    request.extend(prefixed("recipient.", fields::of::<RecipientDoc>()));
    request.extend(prefixed("evidence.", fields::of::<EvidenceDoc>()));
    request.extend(prefixed("evidence.consents[].", fields::of::<ConsentDoc>()));
    request.extend(prefixed(
        "evidence.emergency.",
        fields::of::<EmergencyDoc>(),
    ));
    request.extend(prefixed(
        "evidence.public_data.",
        fields::of::<PublicDataDoc>(),
    ));
    assert_same(
        "## Decision request",
        &table_keys(&text, "## Decision request"),
        &request,
    );

    let names = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect::<Vec<_>>();
    assert_same(
        "## Reason codes",
        &table_keys(&text, "## Reason codes"),
        &names(ReasonCode::NAMES),
    );
    assert_same(
        "## Detail codes",
        &table_keys(&text, "## Detail codes"),
        &names(Detail::NAMES),
    );
}
