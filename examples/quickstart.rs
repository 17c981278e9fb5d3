//! The built-in seed policy deciding the seed's own cases, explained.
//!
//! Run with `cargo run --example quickstart`.
#![allow(clippy::print_stdout, reason = "an example prints its results")]
#![allow(
    clippy::too_many_lines,
    reason = "the cases read top to bottom, like the seed"
)]

use chrono::{DateTime, FixedOffset, NaiveDate};
use lawful::decision::{GuardianVerification, RecipientKind, TransferMechanism};
use lawful::{Action, Consent, Engine, Evidence, Recipient, Request, Subject};

fn at(text: &str) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builtin();
    println!(
        "Policy `{}` {}: {} rules, {} categories, {} purposes, {} jurisdictions.\n",
        engine.policy_id(),
        engine.policy_version(),
        engine.rules().len(),
        engine.categories().len(),
        engine.purposes().len(),
        engine.jurisdictions().len()
    );

    let now = at("2026-11-28T10:00:00+08:00")?;
    let adult = Subject::new().resident_id_str("110105199001010037");
    let child = Subject::new().resident_id_str("110105201605100033");
    let registration = engine.purpose("account.registration")?;
    let feedback = engine.purpose("support.feedback")?;
    let account = engine.category("account")?;
    let phone = engine.category("account.phone")?;
    let email = engine.category("account.email")?;
    let password = engine.category("account.password")?;

    let cases = [
        (
            "An adult registers; the account is a contract with them.",
            Request::new(Action::Collect, registration, now)
                .categories([phone, email, password])
                .subject(adult.clone())
                .evidence(Evidence::new().contract()),
        ),
        (
            "A ten-year-old registers on their own consent.",
            Request::new(Action::Collect, registration, now)
                .category(phone)
                .subject(child.clone())
                .evidence(
                    Evidence::new().consent(
                        Consent::by_subject(at("2026-11-01T00:00:00+08:00")?)
                            .separate()
                            .purpose(registration)
                            .category(account),
                    ),
                ),
        ),
        (
            "The same child, with the verified guardian's separate consent.",
            Request::new(Action::Collect, registration, now)
                .category(phone)
                .subject(child)
                .evidence(
                    Evidence::new().consent(
                        Consent::by_guardian(
                            at("2026-11-01T00:00:00+08:00")?,
                            GuardianVerification::Verified,
                        )
                        .separate()
                        .purpose(registration)
                        .category(account),
                    ),
                ),
        ),
        (
            "Browsing, asking for a phone number.",
            Request::new(Action::Collect, engine.purpose("service.browse")?, now)
                .category(phone)
                .subject(adult.clone()),
        ),
        (
            "Sharing support contacts with Acme on a consent that was not separate.",
            Request::new(Action::Share, feedback, now)
                .categories([phone, email])
                .subject(adult.clone())
                .recipient(
                    Recipient::new(RecipientKind::ThirdParty)
                        .name("Acme")
                        .region("CN".parse()?),
                )
                .evidence(
                    Evidence::new().consent(
                        Consent::by_subject(at("2026-01-01T00:00:00+08:00")?)
                            .purpose(feedback)
                            .category(account)
                            .action(Action::Share)
                            .recipient("Acme"),
                    ),
                ),
        ),
        (
            "The same share, after the subject withdrew a separate consent yesterday.",
            Request::new(Action::Share, feedback, now)
                .categories([phone, email])
                .subject(adult.clone())
                .recipient(
                    Recipient::new(RecipientKind::ThirdParty)
                        .name("Acme")
                        .region("CN".parse()?),
                )
                .evidence(
                    Evidence::new().consent(
                        Consent::by_subject(at("2026-01-01T00:00:00+08:00")?)
                            .separate()
                            .purpose(feedback)
                            .category(account)
                            .action(Action::Share)
                            .recipient("Acme")
                            .withdrawn_at(at("2026-11-27T10:00:00+08:00")?),
                    ),
                ),
        ),
        (
            "Exporting support records to Singapore on separate consent, without a transfer mechanism.",
            Request::new(Action::Export, feedback, now)
                .category(engine.category("support.records")?)
                .subject(adult.clone())
                .destination_region("SG".parse()?)
                .recipient(
                    Recipient::new(RecipientKind::Processor)
                        .name("SG Support")
                        .region("SG".parse()?),
                )
                .evidence(
                    Evidence::new().consent(
                        Consent::by_subject(at("2026-01-01T00:00:00+08:00")?)
                            .separate()
                            .purpose(feedback)
                            .category(engine.category("support")?)
                            .action(Action::Export)
                            .recipient("SG Support"),
                    ),
                ),
        ),
        (
            "The device model and OS version alone, for operations.",
            Request::new(Action::Collect, engine.purpose("operations.security")?, now).categories(
                [
                    engine.category("device.model")?,
                    engine.category("device.os_version")?,
                ],
            ),
        ),
        (
            "A merger: the acquirer stays bound by the policy.",
            Request::new(
                Action::Transfer,
                engine.purpose("corporate.transaction")?,
                now,
            )
            .category(account)
            .subject(adult.clone())
            .recipient(
                Recipient::new(RecipientKind::Acquirer)
                    .name("NewCo")
                    .region("CN".parse()?)
                    .accepts_policy(true),
            ),
        ),
        (
            "A registration of someone whose birth date is 29 February 2012, on 28 February 2026.",
            Request::new(
                Action::Collect,
                registration,
                at("2026-02-28T12:00:00+08:00")?,
            )
            .category(phone)
            .subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(2012, 2, 29).ok_or("date")?))
            .evidence(Evidence::new().contract()),
        ),
    ];

    for (number, (title, request)) in cases.iter().enumerate() {
        let decision = engine.decide(request);
        println!("{}. {title}", number + 1);
        for line in decision.explain(engine).to_string().lines() {
            println!("   {line}");
        }
        println!();
    }

    // The same engine decides export requests only with a mechanism: the
    // typed builder makes the fix a one-liner.
    let fixed = cases.get(6).map(|(_, request)| {
        request
            .clone()
            .transfer_mechanism(TransferMechanism::StandardContract)
    });
    if let Some(request) = fixed {
        println!(
            "With a filed standard contract, the export is: {}",
            engine.decide(&request).effect()
        );
    }
    Ok(())
}
