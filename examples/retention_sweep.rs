//! A nightly retention sweep over a small synthetic record set, with the
//! built-in seed policy: for each record, delete, anonymize, hold or keep,
//! and why (the retention and deletion rules of docs/decision-procedure.md).
//!
//! Run with `cargo run --example retention_sweep`.
#![allow(clippy::print_stdout, reason = "an example prints its results")]

use chrono::{DateTime, FixedOffset};
use lawful::decision::Due;
use lawful::lifecycle::{
    DeletionDue, LegalHold, PurposeStatus, RecordOutcome, RecordState, RetentionEnd,
    RetentionSource,
};
use lawful::policy::Disposal;
use lawful::subject::AgeGroup;
use lawful::{Basis, Engine};

fn at(text: &str) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text)
}

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let engine = Engine::builtin();
    let sweep = at("2026-11-28T02:00:00+08:00")?;
    println!(
        "Retention sweep at {sweep} with policy `{}` {}.\n",
        engine.policy_id(),
        engine.policy_version()
    );
    let mut tally = [0_usize; 4];
    for (label, record) in &records(engine)? {
        let (plan, verdict, outcome) = describe(engine, record, sweep);
        if let Some(count) = tally.get_mut(outcome) {
            *count += 1;
        }
        println!("{label}\n    {plan}\n    -> {verdict}\n");
    }
    println!(
        "{} to delete, {} to delete or anonymize, {} held, {} kept.",
        tally[0], tally[1], tally[2], tally[3]
    );

    let stop = engine.termination_plan(at("2027-03-01T00:00:00+08:00")?, "30d".parse()?);
    println!(
        "\nIf the service stopped on {}: notify users by {}, no collection from {}, \
         delete or anonymize by {} (children's data: {}), backups purged by {}.",
        stop.terminates_at(),
        stop.notify_by(),
        stop.collection_denied_from(),
        stop.dispose_by(),
        stop.disposal(AgeGroup::Child),
        stop.backup_purge_by()
    );
    Ok(())
}

/// The synthetic record set: what a host knows about each record.
fn records(engine: &Engine) -> Result<Vec<(&'static str, RecordState)>, Error> {
    let record = |category: &str, purpose: &str, collected: &str| -> Result<RecordState, Error> {
        Ok(RecordState::new(
            engine.category(category)?,
            engine.purpose(purpose)?,
            at(collected)?,
        ))
    };
    Ok(vec![
        (
            "rec-01 operations log, two years old",
            record(
                "log.usage",
                "operations.security",
                "2024-11-28T10:00:00+08:00",
            )?
            .age_group(AgeGroup::Adult),
        ),
        (
            "rec-02 operations log, last month",
            record(
                "log.usage",
                "operations.security",
                "2026-10-28T10:00:00+08:00",
            )?
            .age_group(AgeGroup::Adult),
        ),
        (
            "rec-03 child's username, account deregistered yesterday",
            record(
                "account.username",
                "account.registration",
                "2025-09-01T10:00:00+08:00",
            )?
            .age_group(AgeGroup::Child)
            .deregistered_at(at("2026-11-27T20:00:00+08:00")?),
        ),
        (
            "rec-04 adult's phone, account active",
            record(
                "account.phone",
                "account.registration",
                "2023-03-01T10:00:00+08:00",
            )?
            .age_group(AgeGroup::Adult),
        ),
        (
            "rec-05 support call record, under litigation hold",
            record(
                "support.records",
                "support.feedback",
                "2025-06-30T00:00:00+08:00",
            )?
            .age_group(AgeGroup::Adult)
            .legal_hold(
                LegalHold::new(at("2027-06-30T00:00:00+08:00")?)
                    .citation("Civil Procedure Law art. 67"),
            ),
        ),
        (
            "rec-06 search cookie, consent withdrawn",
            record(
                "cookie.preference",
                "cookies.experience",
                "2026-09-01T10:00:00+08:00",
            )?
            .age_group(AgeGroup::Adult)
            .basis(Basis::Consent)
            .consent_withdrawn_at(at("2026-11-20T09:00:00+08:00")?),
        ),
        (
            "rec-07 support contact, ticket closed",
            record(
                "support.contact",
                "support.feedback",
                "2026-11-01T10:00:00+08:00",
            )?
            .age_group(AgeGroup::Adult)
            .purpose_status(PurposeStatus::Achieved, at("2026-11-15T18:00:00+08:00")?),
        ),
        (
            "rec-08 upload of unknown age, found unlawful",
            record(
                "content.upload",
                "service.upload_download",
                "2026-08-01T10:00:00+08:00",
            )?
            .found_unlawful_at(at("2026-11-26T12:00:00+08:00")?),
        ),
        (
            "rec-09 phone number kept for browsing",
            record(
                "account.phone",
                "service.browse",
                "2026-11-01T10:00:00+08:00",
            )?
            .age_group(AgeGroup::Adult),
        ),
    ])
}

/// The plan in words, the verdict in words, and which tally it counts in
/// (0 delete, 1 delete or anonymize, 2 hold, 3 keep).
fn describe(
    engine: &Engine,
    record: &RecordState,
    sweep: DateTime<FixedOffset>,
) -> (String, String, usize) {
    let plan = engine.retention_plan(
        record.category(),
        record.purpose(),
        record.collected_at(),
        record.age(),
    );
    let kept_by = match plan.source() {
        RetentionSource::Rule(id) => {
            let rule = engine.rule(id).map_or("?", |r| r.id());
            match plan.end() {
                RetentionEnd::At(_) => format!(
                    "rule `{rule}` keeps it {} (until {})",
                    plan.retention().map(|r| r.to_string()).unwrap_or_default(),
                    due_text(plan.end_due())
                ),
                RetentionEnd::Event(event) => {
                    format!(
                        "rule `{rule}` keeps it {}",
                        event.as_str().replace('_', " ")
                    )
                }
            }
        }
        RetentionSource::DeniedBy(id) => format!(
            "deny rule `{}` forbids keeping it",
            engine.rule(id).map_or("?", |r| r.id())
        ),
        RetentionSource::NoRule => "no rule lets the policy keep it".to_owned(),
    };
    let due = engine.deletion_due(record, sweep);
    let outcome = RecordOutcome::of(due.as_ref());
    let verdict = match (&due, outcome) {
        (Some(due), RecordOutcome::Dispose) => {
            let verb = match due.disposal() {
                Disposal::Delete => "DELETE",
                Disposal::DeleteOrAnonymize => "DELETE OR ANONYMIZE",
            };
            format!(
                "{verb} by {} ({}; backups purged by {})",
                due.by(),
                trigger_text(due),
                due.backup_purge_by()
            )
        }
        (Some(due), _) => {
            let hold = due.hold();
            format!(
                "HOLD in restricted storage until {} ({}; {}), then {} by {}",
                hold.map_or_else(String::new, |h| h.until().to_string()),
                trigger_text(due),
                hold.and_then(LegalHold::law)
                    .unwrap_or("a legal duty to keep it"),
                due.disposal(),
                due.by()
            )
        }
        (None, _) => "KEEP (no deletion trigger applies)".to_owned(),
    };
    let tally = match (due.as_ref().map(DeletionDue::disposal), outcome) {
        (Some(Disposal::Delete), RecordOutcome::Dispose) => 0,
        (_, RecordOutcome::Dispose) => 1,
        (_, RecordOutcome::Hold) => 2,
        (_, RecordOutcome::Keep) => 3,
    };
    (kept_by, verdict, tally)
}

fn due_text(due: Due) -> String {
    match due {
        Due::Date(date) => date.to_string(),
        Due::Event(event) => event.to_string(),
    }
}

fn trigger_text(due: &DeletionDue) -> String {
    let text = format!("{} since {}", due.trigger(), due.since());
    if due.other_triggers().is_empty() {
        return text;
    }
    let others: Vec<_> = due
        .other_triggers()
        .iter()
        .map(ToString::to_string)
        .collect();
    format!("{text}; also {}", others.join(", "))
}
