//! Policy test files: requests with the decisions they must get, in TOML, so
//! privacy counsel can test a policy without writing Rust (`lawful test`),
//! and the crate's own data-driven suite uses the same files.
//!
//! ```toml
//! # Optional: the policy under test, relative to this file. Default: the
//! # built-in policy.
//! policy = "../../policies/default.toml"
//!
//! [[case]]
//! name = "an adult registers on a contract"
//! source = "counsel's review, scenario 1"   # optional: where the case comes from
//! request = { at = "2026-11-28T10:00:00+08:00", action = "collect",
//!             purpose = "account.registration", categories = ["account.phone"],
//!             subject = { birth_date = "1990-01-01" }, evidence = { contract = true } }
//! effect = "permit"
//! basis = "contract"                        # or "none"; omitted: not checked
//! rule = "registration"                     # the rule that permits; optional
//! reasons = ["rule_permits"]                # exactly these codes (any order)
//! obligations = ["retain_until"]            # exactly these codes
//! reasons_include = ["..."]                 # at least these; also *_exclude
//! obligation_dates = { retain_until = "until_deregistration" }
//! age = 36                                  # optional checks on the subject
//! child = false
//! ```
//!
//! The request is a JSON wire request ([`RequestDoc`])
//! written as TOML (dates as strings or TOML date-times). A test file cannot
//! lie: a request that is not a valid request document (a misspelled key, a
//! wrong type) is an error of the file, not a deny; so is a request naming a
//! category, purpose or jurisdiction the policy does not declare, unless the
//! case expects exactly that rejection (`reasons = ["unknown_category"]`).
//! A file without cases is an error too. Every problem is reported at once,
//! each with its line, column and carets, as policy diagnostics are.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::basis::Basis;
use crate::decision::{Effect, ObligationCode, ReasonCode};
use crate::engine::Engine;
use crate::error::{Diagnostic, DiagnosticKind, LoadError, Source};
use crate::suggest::did_you_mean;
use crate::wire::decide::{DecisionDoc, RequestDoc};

/// A parsed policy test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    policy: Option<PathBuf>,
    cases: Vec<TestCase>,
    source: Arc<Source>,
}

/// One case: a request and what its decision must be.
#[derive(Clone, Debug)]
pub struct TestCase {
    name: String,
    source: Option<String>,
    request: serde_json::Value,
    /// The request document; `None` for a malformed request whose rejection
    /// the case expects.
    doc: Option<RequestDoc>,
    /// Where the request is written in the file.
    request_span: Range<usize>,
    expect: Expect,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    effect: Option<Effect>,
    basis: Option<String>,
    rule: Option<String>,
    reasons: Option<Vec<ReasonCode>>,
    #[serde(default)]
    reasons_include: Vec<ReasonCode>,
    #[serde(default)]
    reasons_exclude: Vec<ReasonCode>,
    obligations: Option<Vec<ObligationCode>>,
    #[serde(default)]
    obligations_include: Vec<ObligationCode>,
    #[serde(default)]
    obligations_exclude: Vec<ObligationCode>,
    #[serde(default)]
    obligation_dates: BTreeMap<ObligationCode, String>,
    age: Option<u32>,
    child: Option<bool>,
}

/// The keys of an expectation, for unknown-key hints.
const EXPECT_KEYS: &[&str] = &[
    "effect",
    "basis",
    "rule",
    "reasons",
    "reasons_include",
    "reasons_exclude",
    "obligations",
    "obligations_include",
    "obligations_exclude",
    "obligation_dates",
    "age",
    "child",
];

/// The keys of a case that are not expectations.
const CASE_KEYS: &[&str] = &["name", "source", "request"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    policy: Option<String>,
    #[serde(default)]
    case: Vec<toml::Spanned<BTreeMap<String, toml::Spanned<toml::Value>>>>,
}

/// A test file that could not be read, or that has problems: every one of
/// them, each with its line, column and carets (its `Display` renders them
/// as `lawful check` renders a policy's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestFileError {
    kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ErrorKind {
    /// The file could not be read.
    Io(String),
    /// The file's problems.
    Problems(LoadError),
}

impl TestFileError {
    #[cold]
    fn io(message: String) -> TestFileError {
        TestFileError {
            kind: ErrorKind::Io(message),
        }
    }

    #[cold]
    fn problems(source: &Arc<Source>, diagnostics: Vec<Diagnostic>) -> TestFileError {
        TestFileError {
            kind: ErrorKind::Problems(LoadError::new(Arc::clone(source), diagnostics)),
        }
    }

    /// Every problem found, in file order (none when the file could not be
    /// read).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match &self.kind {
            ErrorKind::Io(_) => &[],
            ErrorKind::Problems(e) => e.diagnostics(),
        }
    }

    /// The 1-based line and column of a diagnostic's span start.
    pub fn line_column(&self, offset: usize) -> Option<(usize, usize)> {
        match &self.kind {
            ErrorKind::Io(_) => None,
            ErrorKind::Problems(e) => Some(e.line_column(offset)),
        }
    }
}

impl fmt::Display for TestFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io(message) => f.write_str(message),
            ErrorKind::Problems(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TestFileError {}

impl TestFile {
    /// Parses a test file. `dir` is where relative policy paths start.
    ///
    /// # Errors
    ///
    /// Every problem at once: a TOML syntax error, unknown keys, a case
    /// without a name or a request, a request that is not a valid request
    /// document, expectations naming unknown codes, duplicate case names, a
    /// file with no cases.
    pub fn parse(text: &str, dir: &Path) -> Result<TestFile, TestFileError> {
        TestFile::parse_named("<test file>", text, dir)
    }

    /// As [`TestFile::parse`], naming the file (a path) in diagnostics.
    ///
    /// # Errors
    ///
    /// As [`TestFile::parse`].
    pub fn parse_named(name: &str, text: &str, dir: &Path) -> Result<TestFile, TestFileError> {
        let source = Arc::new(Source {
            name: name.into(),
            text: text.into(),
        });
        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let message = e.message().trim().to_owned();
                let kind = if message.starts_with("unknown field") {
                    DiagnosticKind::UnknownKey
                } else {
                    DiagnosticKind::Syntax
                };
                let span = e.span().unwrap_or(0..0);
                return Err(TestFileError::problems(
                    &source,
                    vec![Diagnostic::new(kind, span, message)],
                ));
            }
        };
        let mut diags = Vec::new();
        let mut cases = Vec::with_capacity(raw.case.len());
        let mut names: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for (index, case) in raw.case.into_iter().enumerate() {
            let span = case.span();
            if let Some(case) = read_case(text, index, span, case.into_inner(), &mut diags) {
                if let Some(first) = names.get(&case.name) {
                    diags.push(
                        Diagnostic::new(
                            DiagnosticKind::Duplicate,
                            case.request_span.clone(),
                            format!("two cases are named `{}`", case.name),
                        )
                        .note(first.clone(), "first named here"),
                    );
                } else {
                    names.insert(case.name.clone(), case.request_span.clone());
                }
                cases.push(case);
            }
        }
        if cases.is_empty() && diags.is_empty() {
            diags.push(
                Diagnostic::new(
                    DiagnosticKind::MissingKey,
                    0..0,
                    "the file has no test cases",
                )
                .help("add a `[[case]]` with a `name`, a `request` and what its decision must be"),
            );
        }
        if !diags.is_empty() {
            return Err(TestFileError::problems(&source, diags));
        }
        Ok(TestFile {
            policy: raw.policy.map(|p| dir.join(p)),
            cases,
            source,
        })
    }

    /// Reads and parses a test file.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or as [`TestFile::parse`].
    pub fn load(path: &Path) -> Result<TestFile, TestFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TestFileError::io(format!("cannot read `{}`: {e}", path.display())))?;
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        TestFile::parse_named(&path.display().to_string(), &text, dir)
    }

    /// The policy file the cases run against, if not the built-in one.
    pub fn policy(&self) -> Option<&Path> {
        self.policy.as_deref()
    }

    /// The cases.
    pub fn cases(&self) -> &[TestCase] {
        &self.cases
    }

    /// Checks every case's request against `engine`'s policy: a request
    /// naming a category, purpose or jurisdiction the policy does not
    /// declare is an error of the file, unless the case expects that very
    /// rejection (its `reasons` or `reasons_include` list the code).
    ///
    /// # Errors
    ///
    /// Every such request, with its line and column.
    pub fn check(&self, engine: &Engine) -> Result<(), TestFileError> {
        let mut diags = Vec::new();
        for case in &self.cases {
            let Some(doc) = &case.doc else { continue };
            if let Err(error) = engine.resolve(doc)
                && !case.expect.expects(error.code())
            {
                let span = name_in(&self.source.text, &case.request_span, error.message())
                    .unwrap_or_else(|| case.request_span.clone());
                diags.push(
                    Diagnostic::new(
                        DiagnosticKind::InvalidValue,
                        span,
                        format!(
                            "case `{}`: the request cannot be decided ({}): {}",
                            case.name,
                            error.code(),
                            error.message()
                        ),
                    )
                    .help(format!(
                        "fix the request, or, if the rejection is the point of the case, expect `reasons = [\"{}\"]`",
                        error.code()
                    )),
                );
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(TestFileError::problems(&self.source, diags))
        }
    }

    /// Runs every case against `engine`. A case whose request cannot be
    /// decided fails (unless it expects that rejection); [`TestFile::check`]
    /// says where.
    pub fn run(&self, engine: &Engine) -> Vec<CaseOutcome> {
        self.cases.iter().map(|case| case.run(engine)).collect()
    }
}

/// Reads one `[[case]]` table, adding its problems to `diags`.
#[allow(
    clippy::too_many_lines,
    reason = "one key after another, each with its own diagnostic, reads best in one place"
)]
fn read_case(
    text: &str,
    index: usize,
    span: Range<usize>,
    mut table: BTreeMap<String, toml::Spanned<toml::Value>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<TestCase> {
    let header = span.start..span.start;
    let label = |name: Option<&str>| match name {
        Some(name) => format!("case `{name}`"),
        None => format!("case {}", index + 1),
    };
    let name = match table.remove("name") {
        Some(value) => match value.get_ref() {
            toml::Value::String(s) => Some(s.clone()),
            _ => {
                diags.push(Diagnostic::new(
                    DiagnosticKind::WrongType,
                    value.span(),
                    format!("{}: `name` must be a string", label(None)),
                ));
                None
            }
        },
        None => {
            diags.push(
                Diagnostic::new(
                    DiagnosticKind::MissingKey,
                    header.clone(),
                    format!("{} has no `name`", label(None)),
                )
                .help("name the case: `name = \"...\"`"),
            );
            None
        }
    };
    let what = label(name.as_deref());
    let source = match table.remove("source") {
        Some(value) => match value.into_inner() {
            toml::Value::String(s) => Some(s),
            _ => {
                diags.push(Diagnostic::new(
                    DiagnosticKind::WrongType,
                    header.clone(),
                    format!("{what}: `source` must be a string"),
                ));
                None
            }
        },
        None => None,
    };
    let request = match table.remove("request") {
        Some(value) => {
            let span = value.span();
            let json = to_json(value.into_inner());
            let doc = serde_json::from_value::<RequestDoc>(json.clone());
            Some((json, doc, span))
        }
        None => {
            diags.push(Diagnostic::new(
                DiagnosticKind::MissingKey,
                header.clone(),
                format!("{what} has no `request`"),
            ));
            None
        }
    };
    let mut expectations = toml::Table::new();
    for (key, value) in table {
        let value_span = value.span();
        if !EXPECT_KEYS.contains(&key.as_str()) {
            let key_span = key_before(text, &span, value_span.start, &key).unwrap_or(value_span);
            let candidates = EXPECT_KEYS.iter().chain(CASE_KEYS).copied();
            diags.push(
                Diagnostic::new(
                    DiagnosticKind::UnknownKey,
                    key_span,
                    format!("unknown key `{key}` in {what}"),
                )
                .maybe_help(did_you_mean(&key, candidates).map(|k| format!("did you mean `{k}`?"))),
            );
            continue;
        }
        let mut one = toml::Table::new();
        one.insert(key.clone(), value.into_inner());
        match Expect::deserialize(toml::Value::Table(one.clone())) {
            Ok(_) => expectations.extend(one),
            Err(e) => diags.push(Diagnostic::new(
                DiagnosticKind::InvalidValue,
                value_span,
                format!("{what}: `{key}`: {}", e.message().trim()),
            )),
        }
    }
    let expect = Expect::deserialize(toml::Value::Table(expectations)).unwrap_or_default();
    let (request, doc, request_span) = request?;
    // A malformed request is only denied: a `deny` case would pass for the
    // wrong reason. It is an error unless the rejection is what the case
    // tests.
    let doc = match doc {
        Ok(doc) => Some(doc),
        Err(_) if expect.expects(ReasonCode::InvalidRequest) => None,
        Err(e) => {
            let message = e.to_string();
            let at = name_in(text, &request_span, &message).unwrap_or_else(|| request_span.clone());
            diags.push(
                Diagnostic::new(
                    DiagnosticKind::InvalidValue,
                    at,
                    format!("{what}: the request is not a valid request: {message}"),
                )
                .help("an invalid request is only denied, so a `deny` case would pass for the wrong reason; fix it, or expect `reasons = [\"invalid_request\"]`"),
            );
            return None;
        }
    };
    Some(TestCase {
        name: name?,
        source,
        request,
        doc,
        request_span,
        expect,
    })
}

/// The span of the first name in backticks of `message` inside `span` of
/// `text` (the misspelled key, the undeclared category).
fn name_in(text: &str, span: &Range<usize>, message: &str) -> Option<Range<usize>> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    let name = message.get(start..start + len)?;
    if name.is_empty() {
        return None;
    }
    let within = text.get(span.clone())?;
    let at = span.start + within.find(name)?;
    Some(at..at + name.len())
}

/// The span of `key` as written between the case's start and its value.
fn key_before(
    text: &str,
    case: &Range<usize>,
    value_start: usize,
    key: &str,
) -> Option<Range<usize>> {
    let before = text.get(case.start..value_start)?;
    let at = case.start + before.rfind(key)?;
    Some(at..at + key.len())
}

impl TestCase {
    /// The case's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the case comes from (a review, a scenario, a ticket...).
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The request as a JSON line.
    pub fn request_json(&self) -> String {
        self.request.to_string()
    }

    /// Decides the case's request and compares the decision with the
    /// expectations.
    pub fn run(&self, engine: &Engine) -> CaseOutcome {
        let Some(doc) = &self.doc else {
            // A malformed request the case expects to be rejected.
            let decision = engine.decide_json(&self.request_json());
            let failures = self.expect.check(&decision);
            return CaseOutcome {
                name: self.name.clone(),
                decision,
                failures,
            };
        };
        let decision = engine.decide_doc(doc);
        let mut failures = self.expect.check(&decision);
        if let Err(error) = engine.resolve(doc)
            && !self.expect.expects(error.code())
        {
            failures.insert(
                0,
                format!(
                    "the request cannot be decided ({}): {}",
                    error.code(),
                    error.message()
                ),
            );
        }
        CaseOutcome {
            name: self.name.clone(),
            decision,
            failures,
        }
    }
}

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseOutcome {
    name: String,
    decision: DecisionDoc,
    failures: Vec<String>,
}

impl CaseOutcome {
    /// The case's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Each expectation that failed, as "expected ..., got ...".
    pub fn failures(&self) -> &[String] {
        &self.failures
    }

    /// The decision the case got.
    pub fn decision(&self) -> &DecisionDoc {
        &self.decision
    }
}

impl Expect {
    /// Whether the case expects a decision with this reason code.
    fn expects(&self, code: ReasonCode) -> bool {
        self.reasons.as_deref().is_some_and(|r| r.contains(&code))
            || self.reasons_include.contains(&code)
    }

    fn check(&self, d: &DecisionDoc) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(effect) = self.effect
            && effect != d.effect
        {
            out.push(format!("expected effect `{effect}`, got `{}`", d.effect));
        }
        if let Some(basis) = &self.basis {
            let got = d.basis.map_or("none", Basis::as_str);
            if basis != got {
                out.push(format!("expected basis `{basis}`, got `{got}`"));
            }
        }
        if let Some(rule) = &self.rule {
            let permitting: Vec<&str> = d
                .reasons
                .iter()
                .filter(|r| r.code == ReasonCode::RulePermits)
                .filter_map(|r| r.rule.as_deref())
                .collect();
            if !permitting.contains(&rule.as_str()) {
                out.push(format!(
                    "expected rule `{rule}` to permit, got {permitting:?}"
                ));
            }
        }
        let reasons: BTreeSet<ReasonCode> = d.reasons.iter().map(|r| r.code).collect();
        compare(
            "reasons",
            self.reasons.as_deref(),
            &self.reasons_include,
            &self.reasons_exclude,
            &reasons,
            &mut out,
        );
        let obligations: BTreeSet<ObligationCode> = d.obligations.iter().map(|o| o.code).collect();
        compare(
            "obligations",
            self.obligations.as_deref(),
            &self.obligations_include,
            &self.obligations_exclude,
            &obligations,
            &mut out,
        );
        for (code, want) in &self.obligation_dates {
            let got = d.obligations.iter().find(|o| o.code == *code).map(|o| {
                o.date
                    .map(|date| date.to_string())
                    .or_else(|| o.until.map(|e| e.as_str().to_owned()))
                    .unwrap_or_default()
            });
            if got.as_deref() != Some(want.as_str()) {
                out.push(format!("expected `{code}` due `{want}`, got {got:?}"));
            }
        }
        if let Some(age) = self.age {
            let got = d.subject.map(|s| s.age);
            if got != Some(age) {
                out.push(format!("expected age {age}, got {got:?}"));
            }
        }
        if let Some(child) = self.child {
            let got = d.subject.map(|s| s.child);
            if got != Some(child) {
                out.push(format!("expected child {child}, got {got:?}"));
            }
        }
        out
    }
}

/// Compares a set of codes with an exact list, an include list and an
/// exclude list.
fn compare<T: Ord + Copy + fmt::Display>(
    what: &str,
    exact: Option<&[T]>,
    include: &[T],
    exclude: &[T],
    got: &BTreeSet<T>,
    out: &mut Vec<String>,
) {
    let show = |set: &BTreeSet<T>| {
        set.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(exact) = exact {
        let want: BTreeSet<T> = exact.iter().copied().collect();
        if &want != got {
            out.push(format!(
                "expected {what} [{}], got [{}]",
                show(&want),
                show(got)
            ));
        }
    }
    for code in include {
        if !got.contains(code) {
            out.push(format!(
                "expected {what} to include `{code}`, got [{}]",
                show(got)
            ));
        }
    }
    for code in exclude {
        if got.contains(code) {
            out.push(format!(
                "expected {what} to exclude `{code}`, got [{}]",
                show(got)
            ));
        }
    }
}

/// TOML to JSON, with TOML date-times as RFC 3339 strings.
fn to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s),
        toml::Value::Integer(i) => serde_json::Value::from(i),
        toml::Value::Float(f) => serde_json::Value::from(f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(to_json).collect())
        }
        toml::Value::Table(table) => {
            serde_json::Value::Object(table.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[case]]
name = "browsing collects no phone number"
request = { at = 2026-11-28T10:00:00+08:00, action = "collect", purpose = "service.browse", categories = ["account.phone"] }
effect = "deny"
basis = "none"
reasons = ["denied_by_rule"]

[[case]]
name = "deliberately wrong"
request = { at = "2026-11-28T10:00:00+08:00", action = "collect", purpose = "service.browse", categories = ["account.phone"] }
effect = "permit"
"#;

    #[test]
    fn cases_run_and_report_failures() {
        let file = TestFile::parse(FILE, Path::new(".")).unwrap();
        let outcomes = file.run(Engine::builtin());
        assert!(outcomes[0].passed(), "{:?}", outcomes[0].failures());
        assert_eq!(
            outcomes[1].failures(),
            ["expected effect `permit`, got `deny`".to_owned()]
        );
    }

    #[test]
    fn unknown_expectations_are_errors() {
        let err = TestFile::parse(
            "[[case]]\nname = \"x\"\nrequest = {}\neffekt = \"deny\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown key `effekt`"), "{err}");
    }

    /// The trial's finding: a `deny` case whose request has a typo used to
    /// pass, since an invalid request is denied. It is an error of the file.
    #[test]
    fn a_request_with_a_typo_is_an_error_not_a_deny() {
        let file = "[[case]]\nname = \"typo\"\nrequest = { at = \"2026-11-28T10:00:00+08:00\", action = \"collect\", purpose = \"service.browse\", categories = [\"account.phone\"], subjet = { birth_date = \"1990-01-01\" } }\neffect = \"deny\"\n";
        let err = TestFile::parse_named("t.toml", file, Path::new(".")).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.diagnostics().len(), 1, "{text}");
        assert!(text.contains("unknown field `subjet`"), "{text}");
        // The caret is under the typo, on line 3.
        let at = err.diagnostics()[0].span().start;
        assert_eq!(&file[at..at + 6], "subjet");
        assert!(text.contains("t.toml:3:"), "{text}");
    }

    #[test]
    fn every_problem_of_a_file_is_reported_at_once() {
        let file = "[[case]]\nname = \"a\"\nrequest = { action = \"collect\" }\neffekt = \"deny\"\n\n[[case]]\nrequest = { at = \"2026-11-28T10:00:00+08:00\", action = \"collect\", purpose = \"x\", categories = [] }\nreasons = [\"no_such_code\"]\n";
        let err = TestFile::parse_named("t.toml", file, Path::new(".")).unwrap_err();
        let text = err.to_string();
        let kinds: Vec<_> = err.diagnostics().iter().map(Diagnostic::kind).collect();
        assert_eq!(
            kinds,
            [
                DiagnosticKind::InvalidValue,
                DiagnosticKind::UnknownKey,
                DiagnosticKind::MissingKey,
                DiagnosticKind::InvalidValue
            ],
            "{text}"
        );
        assert!(text.contains("did you mean `effect`?"), "{text}");
        assert!(text.contains("t.toml:4:1"), "{text}");
        assert!(text.contains("case 2 has no `name`"), "{text}");
    }

    #[test]
    fn a_file_without_cases_is_an_error() {
        for text in ["", "# nothing yet\n", "policy = \"p.toml\"\n"] {
            let err = TestFile::parse(text, Path::new(".")).unwrap_err();
            assert!(err.to_string().contains("no test cases"), "{err}");
        }
    }

    #[test]
    fn an_undeclared_name_is_an_error_unless_the_case_expects_it() {
        let file = "[[case]]\nname = \"typo\"\nrequest = { at = \"2026-11-28T10:00:00+08:00\", action = \"collect\", purpose = \"service.browse\", categories = [\"acount.phone\"] }\neffect = \"deny\"\n\n[[case]]\nname = \"meant\"\nrequest = { at = \"2026-11-28T10:00:00+08:00\", action = \"collect\", purpose = \"service.browse\", categories = [\"acount.phone\"] }\nreasons = [\"unknown_category\"]\n";
        let tests = TestFile::parse_named("t.toml", file, Path::new(".")).unwrap();
        let err = tests.check(Engine::builtin()).unwrap_err();
        assert_eq!(err.diagnostics().len(), 1, "{err}");
        assert!(err.to_string().contains("t.toml:3:"), "{err}");
        assert!(err.to_string().contains("case `typo`"), "{err}");
        let outcomes = tests.run(Engine::builtin());
        assert!(!outcomes[0].passed());
        assert!(outcomes[1].passed(), "{:?}", outcomes[1].failures());
    }

    #[test]
    fn a_syntax_error_is_located() {
        let err =
            TestFile::parse_named("t.toml", "[[case]\nname = \"x\"\n", Path::new(".")).unwrap_err();
        assert_eq!(err.diagnostics().len(), 1, "{err}");
        assert!(err.to_string().contains("t.toml:1:"), "{err}");
    }
}
