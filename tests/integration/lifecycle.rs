//! Retention, deletion triggers and service termination: the data-driven cases of
//! `tests/data/lifecycle/retention.toml` through `Engine::retention_json`,
//! the done-when cases through the Rust API, and the laws
//! `retention_end_never_precedes_collection` and
//! `legal_hold_never_permits_use`.
//!
//! The case format (shared with `rights.rs`): each `[[case]]` has a `name`,
//! a `source` (the R-rows it checks), a `line` (the JSON request, as a TOML
//! table; instants are quoted RFC 3339 strings), an `expect` table (a
//! partial answer: every key given must match; arrays match element by
//! element, and an element written as a string `"code@date"`,
//! `"code@until_event"` or `"code:ground"` matches an obligation or reason
//! object compactly), and optionally `absent` (dotted paths the answer must
//! not have).

use std::path::Path;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use proptest::prelude::*;
use serde_json::Value;

use lawful::decision::{Due, ObligationCode};
use lawful::lifecycle::{
    DeletionTrigger, LegalHold, PurposeStatus, RecordOutcome, RecordState, RetentionEnd,
    RetentionSource,
};
use lawful::policy::Disposal;
use lawful::subject::AgeGroup;
use lawful::{Action, Basis, Engine};

// --- the case runner --------------------------------------------------------------

/// Runs every case of `tests/data/lifecycle/{file}` through `answer` and
/// returns the R-rows the cases cite; panics listing every failure.
pub(crate) fn run_cases(file: &str, answer: impl Fn(&Engine, &str) -> String) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lifecycle")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let cases = doc["case"].as_array().unwrap();
    assert!(!cases.is_empty(), "{file} has no cases");
    let engine = Engine::builtin();
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let source = case["source"].as_str().unwrap();
        rows.extend(r_rows(source));
        let line = serde_json::to_string(&case["line"]).unwrap();
        let out = answer(engine, &line);
        let actual: Value = serde_json::from_str(&out).unwrap();
        let mut problems = Vec::new();
        let expected = serde_json::to_value(&case["expect"]).unwrap();
        matches(&expected, &actual, "", &mut problems);
        if let Some(absent) = case.get("absent").and_then(|a| a.as_array()) {
            for path in absent {
                let path = path.as_str().unwrap();
                if !lookup(&actual, path).is_none_or(Value::is_null) {
                    problems.push(format!("`{path}` should be absent"));
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{file}: {name} ({source})\n    in:  {line}\n    out: {out}\n    {}",
                problems.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    rows
}

/// The `R-nn` rows a source string cites (`R-30(2)` counts as `R-30`).
fn r_rows(source: &str) -> Vec<String> {
    source
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("R-") && w.len() > 2)
        .map(str::to_owned)
        .collect()
}

fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// The compact form of an obligation or reason object.
fn compact(value: &Value) -> Option<String> {
    let code = value.get("code")?.as_str()?;
    let mut text = code.to_owned();
    for key in ["date", "until"] {
        if let Some(v) = value.get(key).and_then(Value::as_str) {
            text = format!("{text}@{v}");
        }
    }
    if let Some(ground) = value.get("ground").and_then(Value::as_str) {
        text = format!("{text}:{ground}");
    }
    Some(text)
}

fn matches(expected: &Value, actual: &Value, at: &str, problems: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, want) in want {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match have.get(key) {
                    Some(have) => matches(want, have, &path, problems),
                    None => problems.push(format!("`{path}`: missing, expected {want}")),
                }
            }
        }
        (Value::Array(want), Value::Array(have)) => {
            if want.len() != have.len() {
                let have: Vec<_> = have
                    .iter()
                    .map(|v| compact(v).unwrap_or(v.to_string()))
                    .collect();
                problems.push(format!("`{at}`: expected {want:?}, found {have:?}"));
                return;
            }
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                matches(w, h, &format!("{at}[{i}]"), problems);
            }
        }
        (Value::String(want), have @ Value::Object(_)) => {
            if compact(have).as_deref() != Some(want.as_str()) {
                problems.push(format!("`{at}`: expected `{want}`, found {have}"));
            }
        }
        (want, have) => {
            if want != have {
                problems.push(format!("`{at}`: expected {want}, found {have}"));
            }
        }
    }
}

// --- the data-driven cases ------------------------------------------------------------

#[test]
fn every_retention_case_passes_and_each_row_has_one() {
    let rows = run_cases("retention.toml", Engine::retention_json);
    for row in 29..=35 {
        let row = format!("R-{row}");
        assert!(rows.contains(&row), "no retention case cites {row}");
    }
}

// --- the done-when, through the Rust API -----------------------------------------

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn record(category: &str, purpose: &str, collected: &str) -> RecordState {
    let engine = Engine::builtin();
    RecordState::new(
        engine.category(category).unwrap(),
        engine.purpose(purpose).unwrap(),
        at(collected),
    )
}

#[test]
fn a_record_collected_for_operations_two_years_ago_is_deleted_or_anonymized() {
    let engine = Engine::builtin();
    let r = record(
        "log.usage",
        "operations.security",
        "2024-11-28T10:00:00+08:00",
    )
    .age_group(AgeGroup::Adult);
    let due = engine
        .deletion_due(&r, at("2026-11-28T02:00:00+08:00"))
        .unwrap();
    assert_eq!(due.trigger(), DeletionTrigger::RetentionExpired);
    assert_eq!(due.disposal(), Disposal::DeleteOrAnonymize);
    assert_eq!(due.by(), date("2025-11-28"));
    assert_eq!(due.backup_purge_by(), date("2025-12-28"));
    let codes: Vec<_> = due.obligations().map(|o| o.code()).collect();
    assert_eq!(
        codes,
        [
            ObligationCode::DeleteOrAnonymize,
            ObligationCode::BackupPurge,
            ObligationCode::RestrictToStorage
        ]
    );
    assert_eq!(RecordOutcome::of(Some(&due)), RecordOutcome::Dispose);
}

#[test]
fn a_childs_account_deregistered_yesterday_is_deleted() {
    let engine = Engine::builtin();
    let r = record(
        "account.username",
        "account.registration",
        "2025-09-01T10:00:00+08:00",
    )
    .age_group(AgeGroup::Child)
    .deregistered_at(at("2026-11-27T20:00:00+08:00"));
    let due = engine
        .deletion_due(&r, at("2026-11-28T02:00:00+08:00"))
        .unwrap();
    assert_eq!(due.trigger(), DeletionTrigger::Deregistered);
    assert_eq!(due.disposal(), Disposal::Delete);
    assert_eq!(due.by(), date("2026-12-12"));
    assert!(
        due.obligations()
            .any(|o| o.code() == ObligationCode::Delete)
    );
    assert!(
        !due.obligations()
            .any(|o| o.code() == ObligationCode::DeleteOrAnonymize)
    );
}

#[test]
fn the_plan_names_its_rule_and_the_policy_clause() {
    let engine = Engine::builtin();
    let plan = engine.retention_plan(
        engine.category("support.records").unwrap(),
        engine.purpose("support.feedback").unwrap(),
        at("2024-06-30T00:00:00+08:00"),
        AgeGroup::Adult,
    );
    let RetentionSource::Rule(rule) = plan.source() else {
        panic!("{plan:?}");
    };
    assert_eq!(engine.rule(rule).unwrap().id(), "support");
    assert_eq!(plan.end_due(), Due::Date(date("2025-06-30")));
    assert_eq!(
        engine.retention_clause(),
        Some("How do we store and protect personal information / Storage period")
    );
}

#[test]
fn a_hold_is_reported_and_lifts() {
    let engine = Engine::builtin();
    let hold =
        LegalHold::new(at("2026-12-31T00:00:00+08:00")).citation("Civil Procedure Law art. 67");
    let r = record(
        "support.records",
        "support.feedback",
        "2024-06-30T00:00:00+08:00",
    )
    .age_group(AgeGroup::Adult)
    .legal_hold(hold.clone());
    let during = engine
        .deletion_due(&r, at("2025-11-28T10:00:00+08:00"))
        .unwrap();
    assert_eq!(during.hold(), Some(&hold));
    assert_eq!(RecordOutcome::of(Some(&during)), RecordOutcome::Hold);
    assert!(during.allows(Action::Store) && !during.allows(Action::Use));
    let lifted = engine
        .deletion_due(&r, at("2026-12-31T00:00:00+08:00"))
        .unwrap();
    assert_eq!(lifted.hold(), None);
    assert!(lifted.allows(Action::Delete) && !lifted.allows(Action::Store));
}

#[test]
fn the_termination_plan_stops_collection_and_schedules_disposal() {
    let engine = Engine::builtin();
    let stop = at("2027-03-01T00:00:00+08:00");
    let plan = engine.termination_plan(stop, "30d".parse().unwrap());
    assert_eq!(plan.collection_denied_from(), date("2027-03-01"));
    assert_eq!(plan.notify_by(), date("2027-01-30"));
    assert_eq!(plan.dispose_by(), date("2027-03-16"));
    assert!(plan.allows(Action::Collect, stop - Duration::seconds(1)));
    assert!(!plan.allows(Action::Collect, stop));
    assert_eq!(plan.disposal(AgeGroup::Adult), Disposal::DeleteOrAnonymize);
    assert_eq!(plan.disposal(AgeGroup::Unknown), Disposal::Delete);
    // A record of the stopped service is due for disposal by the same date.
    let r = record(
        "content.upload",
        "service.upload_download",
        "2026-01-01T00:00:00+08:00",
    )
    .age_group(AgeGroup::Adult)
    .service_terminated_at(stop);
    let due = engine.deletion_due(&r, stop).unwrap();
    assert_eq!(due.trigger(), DeletionTrigger::ServiceTerminated);
    assert_eq!(due.by(), plan.dispose_by());
}

#[test]
fn a_policy_that_deletes_everything_never_anonymizes() {
    let text = Engine::builtin_source().replace(
        "disposal = \"delete_or_anonymize\"",
        "disposal = \"delete\"",
    );
    let engine = Engine::from_toml(&text).unwrap();
    let plan = engine.retention_plan(
        engine.category("log.usage").unwrap(),
        engine.purpose("operations.security").unwrap(),
        at("2024-11-28T10:00:00+08:00"),
        AgeGroup::Adult,
    );
    assert_eq!(plan.disposal(), Disposal::Delete);
}

// --- laws ----------------------------------------------------------------------------

/// Every category and purpose the built-in policy declares, by name.
fn names(kind: &str) -> Vec<String> {
    let engine = Engine::builtin();
    match kind {
        "category" => engine
            .categories()
            .iter()
            .map(|c| c.name().to_owned())
            .collect(),
        _ => engine
            .purposes()
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
    }
}

/// An instant between 2000 and about 2060, in one of a few offsets.
fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (
        0_i64..1_900_000_000,
        prop::sample::select(vec![8 * 3600, 0, 3600, -5 * 3600]),
    )
        .prop_map(|(secs, offset)| {
            (at("2000-01-01T00:00:00Z") + Duration::seconds(secs))
                .with_timezone(&FixedOffset::east_opt(offset).unwrap())
        })
}

fn age_group() -> impl Strategy<Value = AgeGroup> {
    prop::sample::select(AgeGroup::ALL.to_vec())
}

/// A record of the built-in policy with any mix of events around `collected`.
fn any_record() -> impl Strategy<Value = (RecordState, DateTime<FixedOffset>)> {
    let event = prop::option::of(-400_i64..800);
    (
        prop::sample::select(names("category")),
        prop::sample::select(names("purpose")),
        instant(),
        age_group(),
        prop::option::of(prop::sample::select(Basis::ALL.to_vec())),
        (
            event.clone(),
            prop::sample::select(PurposeStatus::ALL.to_vec()),
        ),
        (
            event.clone(),
            event.clone(),
            event.clone(),
            event.clone(),
            event.clone(),
        ),
        (event.clone(), prop::option::of(0_i64..2000)),
        0_i64..1500,
    )
        .prop_map(
            |(
                category,
                purpose,
                collected,
                age,
                basis,
                (purpose_end, status),
                events,
                (hold_from, hold_days),
                sweep,
            )| {
                let engine = Engine::builtin();
                let day = |d: i64| collected + Duration::days(d);
                let mut r = RecordState::new(
                    engine.category(&category).unwrap(),
                    engine.purpose(&purpose).unwrap(),
                    collected,
                )
                .age_group(age);
                if let Some(basis) = basis {
                    r = r.basis(basis);
                }
                if let Some(d) = purpose_end {
                    r = r.purpose_status(status, day(d));
                }
                let (withdrawn, terminated, deregistered, unlawful, other) = events;
                if let Some(d) = withdrawn {
                    r = r.consent_withdrawn_at(day(d));
                }
                if let Some(d) = terminated {
                    r = r.service_terminated_at(day(d));
                }
                if let Some(d) = deregistered {
                    r = r.deregistered_at(day(d));
                }
                if let Some(d) = unlawful {
                    r = r.found_unlawful_at(day(d));
                }
                if let Some(d) = other {
                    r = r.other_legal_ground(day(d), "a law");
                }
                if let (Some(from), Some(days)) = (hold_from, hold_days) {
                    r = r.legal_hold(LegalHold::new(day(from + days)));
                }
                (r, day(sweep))
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// a retention period never ends before the data was collected,
    /// and neither does the backup purge.
    #[test]
    fn retention_end_never_precedes_collection(
        category in prop::sample::select(names("category")),
        purpose in prop::sample::select(names("purpose")),
        collected in instant(),
        age in age_group(),
    ) {
        let engine = Engine::builtin();
        let plan = engine.retention_plan(
            engine.category(&category).unwrap(),
            engine.purpose(&purpose).unwrap(),
            collected,
            age,
        );
        let collected_on = collected.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).date_naive();
        match plan.end() {
            RetentionEnd::At(end) => {
                prop_assert!(end >= collected);
                let Due::Date(end_date) = plan.end_due() else { panic!("{plan:?}") };
                prop_assert!(end_date >= collected_on);
                let Due::Date(purge) = plan.backup_purge() else { panic!("{plan:?}") };
                prop_assert!(purge >= end_date);
                prop_assert_eq!(plan.is_expired(collected), end == collected);
            }
            RetentionEnd::Event(event) => {
                prop_assert_eq!(plan.end_due(), Due::Event(event));
                prop_assert!(!plan.is_expired(collected));
            }
        }
        // Children's data, and data of unknown age, is never anonymized.
        if age != AgeGroup::Adult {
            prop_assert_eq!(plan.disposal(), Disposal::Delete);
        }
    }

    /// while a legal hold is in force, the only action it allows is
    /// storage; a record due for deletion under a hold allows nothing else
    /// (no use, no sharing, not even deletion), and carries
    /// `restrict_to_storage`.
    #[test]
    fn legal_hold_never_permits_use(
        (record, sweep) in any_record(),
        action in prop::sample::select(Action::ALL.to_vec()),
    ) {
        let engine = Engine::builtin();
        if let Some(hold) = record.hold() {
            if hold.is_active(sweep) {
                prop_assert_eq!(hold.allows(action, sweep), action == Action::Store);
            } else {
                prop_assert!(hold.allows(action, sweep));
            }
        }
        let due = engine.deletion_due(&record, sweep);
        if let Some(due) = &due {
            match due.hold() {
                Some(hold) => {
                    prop_assert!(hold.is_active(sweep));
                    prop_assert_eq!(due.allows(action), action == Action::Store);
                    // Not disposed of before the hold ends.
                    let hold_end = hold.until().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).date_naive();
                    prop_assert!(due.by() >= hold_end);
                }
                None => prop_assert_eq!(due.allows(action), action == Action::Delete),
            }
            prop_assert!(due.obligations().any(|o| o.code() == ObligationCode::RestrictToStorage));
            prop_assert!(due.since() <= sweep);
            if record.age() != AgeGroup::Adult {
                prop_assert_eq!(due.disposal(), Disposal::Delete);
            }
            // No backup cycle given: the purge is backup_lag (30 days) after the disposal.
            prop_assert_eq!(Some(due.backup_purge_by()), due.by().checked_add_days(chrono::Days::new(30)));
        }
    }
}
