//! Policy test files: requests with the decisions they must get, in TOML, so
//! privacy counsel can test a policy without writing Rust (`lawful test`),
//! and the crate's own data-driven suite uses the same files.
//!
//! ```toml
//! # Optional: the policy under test, relative to this file. Default: the
//! # built-in seed policy.
//! policy = "../../policies/default.toml"
//!
//! [[case]]
//! name = "an adult registers on a contract"
//! source = "LEGAL.md §9 scenario 1"          # optional: where the case comes from
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
//! The request is the JSON wire request of SPEC.md §4 written as TOML
//! (dates as strings or TOML date-times). A request that is not valid is
//! decided as the CLI would: a deny with `invalid_request`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::basis::Basis;
use crate::decision::{Effect, ObligationCode, ReasonCode};
use crate::engine::Engine;
use crate::wire::DecisionDoc;

/// A parsed policy test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    policy: Option<PathBuf>,
    cases: Vec<TestCase>,
}

/// One case: a request and what its decision must be.
#[derive(Clone, Debug)]
pub struct TestCase {
    name: String,
    source: Option<String>,
    request: serde_json::Value,
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
    obligation_dates: std::collections::BTreeMap<ObligationCode, String>,
    age: Option<u32>,
    child: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    policy: Option<String>,
    #[serde(default)]
    case: Vec<RawCase>,
}

/// A case as written; everything but the name, source and request is an
/// expectation (checked for unknown keys by [`Expect`]).
#[derive(Deserialize)]
struct RawCase {
    name: String,
    source: Option<String>,
    request: toml::Value,
    #[serde(flatten)]
    expect: toml::Table,
}

/// A test file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestFileError {
    message: String,
}

impl TestFileError {
    #[cold]
    fn new(message: impl Into<String>) -> TestFileError {
        TestFileError {
            message: message.into(),
        }
    }
}

impl fmt::Display for TestFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TestFileError {}

impl TestFile {
    /// Parses a test file. `dir` is where relative policy paths start.
    ///
    /// # Errors
    ///
    /// When the file is not valid TOML, has unknown keys, or a case's
    /// expectations name unknown codes.
    pub fn parse(text: &str, dir: &Path) -> Result<TestFile, TestFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| TestFileError::new(e.to_string()))?;
        let mut cases = Vec::with_capacity(raw.case.len());
        for case in raw.case {
            let expect = Expect::deserialize(toml::Value::Table(case.expect)).map_err(|e| {
                TestFileError::new(format!("case `{}`: {}", case.name, e.message()))
            })?;
            cases.push(TestCase {
                name: case.name,
                source: case.source,
                request: to_json(case.request),
                expect,
            });
        }
        Ok(TestFile {
            policy: raw.policy.map(|p| dir.join(p)),
            cases,
        })
    }

    /// Reads and parses a test file.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or as [`TestFile::parse`].
    pub fn load(path: &Path) -> Result<TestFile, TestFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TestFileError::new(format!("cannot read `{}`: {e}", path.display())))?;
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        TestFile::parse(&text, dir)
            .map_err(|e| TestFileError::new(format!("{}: {e}", path.display())))
    }

    /// The policy file the cases run against, if not the built-in one.
    pub fn policy(&self) -> Option<&Path> {
        self.policy.as_deref()
    }

    /// The cases.
    pub fn cases(&self) -> &[TestCase] {
        &self.cases
    }

    /// Runs every case against `engine`.
    pub fn run(&self, engine: &Engine) -> Vec<CaseOutcome> {
        self.cases.iter().map(|case| case.run(engine)).collect()
    }
}

impl TestCase {
    /// The case's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the case comes from (a scenario of LEGAL.md...).
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
        let decision = engine.decide_json(&self.request_json());
        let failures = self.expect.check(&decision);
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
        assert!(err.to_string().contains("unknown field `effekt`"), "{err}");
    }
}
