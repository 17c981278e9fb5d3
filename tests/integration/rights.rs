//! Data-subject rights requests: the data-driven cases of
//! `tests/data/lifecycle/rights.toml` through `Engine::rights_json` (format:
//! see `lifecycle.rs`), the done-when cases through the Rust API,
//! policies with other settings, and the law
//! `respond_by_is_never_later_than_response_days`.

use chrono::{DateTime, Days, Duration, FixedOffset, Months, NaiveDate};
use proptest::prelude::*;

use lawful::decision::{Due, ObligationCode};
use lawful::lifecycle::{
    Authorisation, IdentityStatus, LegalHold, RefusalGround, Requester, RestrictionGround,
    RightKind, RightsReasonCode, RightsRequest,
};
use lawful::subject::AgeGroup;
use lawful::{Basis, Effect, Engine};

use crate::lifecycle::run_cases;

#[test]
fn every_rights_case_passes_and_each_row_has_one() {
    let rows = run_cases("rights.toml", Engine::rights_json);
    for row in 36..=44 {
        let row = format!("R-{row}");
        assert!(rows.contains(&row), "no rights case cites {row}");
    }
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn verified(kind: RightKind, received: &str) -> RightsRequest {
    RightsRequest::new(kind, at(received)).identity(IdentityStatus::Verified)
}

// --- the done-when, through the Rust API -------------------------------------

#[test]
fn an_access_request_received_on_the_3rd_is_due_on_the_18th() {
    let response =
        Engine::builtin().rights_request(&verified(RightKind::Access, "2025-11-03T09:00:00+08:00"));
    assert_eq!(response.effect(), Effect::Permit);
    assert_eq!(response.respond_by(), date("2025-11-18"));
    assert_eq!(
        response.due(ObligationCode::RespondBy),
        Some(Due::Date(date("2025-11-18")))
    );
    assert!(response.has_reason(RightsReasonCode::RequestAccepted));
}

#[test]
fn the_fourth_identical_request_in_the_window_gets_the_fee_notice() {
    let engine = Engine::builtin();
    let mut request = verified(RightKind::Access, "2025-11-20T10:00:00+08:00");
    for (n, earlier) in [
        "2025-10-25T10:00:00+08:00",
        "2025-11-05T10:00:00+08:00",
        "2025-11-12T10:00:00+08:00",
    ]
    .into_iter()
    .enumerate()
    {
        let response = engine.rights_request(&request);
        assert!(response.is_permit());
        assert!(
            !response.has_obligation(ObligationCode::FeeNotice),
            "request {} should be free",
            n + 1
        );
        request = request.earlier_request(RightKind::Access, at(earlier));
    }
    let fourth = engine.rights_request(&request);
    assert!(fourth.is_permit());
    assert_eq!(fourth.requests_in_window(), 4);
    assert!(fourth.has_obligation(ObligationCode::FeeNotice));
    assert!(fourth.has_reason(RightsReasonCode::RepeatedRequest));
}

#[test]
fn a_deletion_request_yields_primary_deletion_and_a_backup_purge_date() {
    let response = Engine::builtin().rights_request(
        &verified(RightKind::Deletion, "2025-11-28T10:00:00+08:00")
            .next_backup_cycle(date("2025-12-10")),
    );
    assert!(response.is_permit());
    assert_eq!(
        response.due(ObligationCode::Delete),
        Some(Due::Date(date("2025-12-13")))
    );
    assert_eq!(
        response.due(ObligationCode::BackupPurge),
        Some(Due::Date(date("2025-12-10")))
    );
    assert!(response.has_obligation(ObligationCode::RestrictToStorage));
    let codes: Vec<_> = response
        .obligations()
        .iter()
        .map(lawful::decision::Obligation::code)
        .collect();
    assert_eq!(
        codes,
        [
            ObligationCode::RespondBy,
            ObligationCode::Delete,
            ObligationCode::BackupPurge,
            ObligationCode::RestrictToStorage
        ]
    );
}

#[test]
fn a_guardian_deregisters_a_childs_account() {
    let response = Engine::builtin().rights_request(
        &verified(RightKind::Deregistration, "2025-11-20T10:00:00+08:00")
            .requester(Requester::Guardian(Authorisation::Verified))
            .age_group(AgeGroup::Child),
    );
    assert!(response.is_permit());
    assert!(response.has_obligation(ObligationCode::Delete));
    assert!(!response.has_obligation(ObligationCode::DeleteOrAnonymize));
}

#[test]
fn a_refusal_is_stated_with_grounds_and_remedies() {
    let engine = Engine::builtin();
    let fr = engine.jurisdiction("FR").unwrap();
    let response = engine.rights_request(
        &verified(RightKind::Access, "2025-11-20T10:00:00+08:00")
            .jurisdiction(fr)
            .refusal_ground(RefusalGround::RisksOthersRights),
    );
    assert_eq!(response.effect(), Effect::Deny);
    assert_eq!(
        response.refusal_grounds().collect::<Vec<_>>(),
        [RefusalGround::RisksOthersRights]
    );
    assert!(
        response
            .remedies()
            .unwrap()
            .contains("supervisory authority")
    );
    assert_eq!(
        RefusalGround::RisksOthersRights.statement(),
        "answering the request would harm the lawful rights and interests of others"
    );
}

#[test]
fn a_deletion_under_a_legal_hold_waits_in_restricted_storage() {
    let response = Engine::builtin().rights_request(
        &verified(RightKind::Deletion, "2025-11-28T10:00:00+08:00")
            .legal_hold(LegalHold::new(at("2026-06-30T00:00:00+08:00"))),
    );
    assert!(response.is_permit());
    assert!(response.has_reason(RightsReasonCode::LegalRetention));
    assert_eq!(
        response.due(ObligationCode::Delete),
        Some(Due::Date(date("2026-06-30")))
    );
    assert!(response.has_obligation(ObligationCode::RestrictToStorage));
    // A hold that ended before the request changes nothing.
    let response = Engine::builtin().rights_request(
        &verified(RightKind::Deletion, "2025-11-28T10:00:00+08:00")
            .legal_hold(LegalHold::new(at("2025-11-01T00:00:00+08:00"))),
    );
    assert!(!response.has_reason(RightsReasonCode::LegalRetention));
    assert_eq!(
        response.due(ObligationCode::Delete),
        Some(Due::Date(date("2025-12-13")))
    );
}

// --- other policy settings ------------------------------------------------------------

fn engine_with(from: &str, to: &str) -> Engine {
    let text = Engine::builtin_source().replace(from, to);
    assert_ne!(
        text,
        Engine::builtin_source(),
        "`{from}` is not in the seed policy"
    );
    Engine::from_toml(&text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_eu_subject_is_answered_within_one_month_when_response_days_is_longer() {
    let engine = engine_with("response_days = 15", "response_days = 45");
    let request = verified(RightKind::Access, "2026-01-31T10:00:00+08:00");
    assert_eq!(
        engine.rights_request(&request).respond_by(),
        date("2026-03-17")
    );
    let fr = engine.jurisdiction("FR").unwrap();
    let eu = engine.rights_request(&request.jurisdiction(fr));
    // One calendar month from 31 January ends on 28 February.
    assert_eq!(eu.respond_by(), date("2026-02-28"));
    assert!(eu.gdpr_applies());
}

#[test]
fn the_first_request_is_free_and_the_threshold_is_the_policys() {
    let engine = engine_with("fee_threshold = 3", "fee_threshold = 1");
    let first = engine.rights_request(&verified(RightKind::Copy, "2025-11-20T10:00:00+08:00"));
    assert!(first.is_permit());
    assert!(!first.has_obligation(ObligationCode::FeeNotice));
    let second = engine.rights_request(
        &verified(RightKind::Copy, "2025-11-20T10:00:00+08:00")
            .earlier_request(RightKind::Copy, at("2025-11-19T10:00:00+08:00")),
    );
    assert!(second.has_obligation(ObligationCode::FeeNotice));
}

#[test]
fn the_fee_window_is_the_policys() {
    let engine = engine_with("fee_window = \"30d\"", "fee_window = \"1w\"");
    let mut request = verified(RightKind::Access, "2025-11-20T10:00:00+08:00");
    for earlier in [
        "2025-11-10T10:00:00+08:00",
        "2025-11-14T10:00:00+08:00",
        "2025-11-15T10:00:00+08:00",
    ] {
        request = request.earlier_request(RightKind::Access, at(earlier));
    }
    // 10 November is outside the week: three in the window, free.
    let response = engine.rights_request(&request);
    assert_eq!(response.requests_in_window(), 3);
    assert!(!response.has_obligation(ObligationCode::FeeNotice));
}

/// A policy that promises nothing faster than the GDPR: 92 days is never
/// earlier than three months.
fn gdpr_paced() -> Engine {
    engine_with("response_days = 15", "response_days = 92")
}

#[test]
fn an_extension_notified_in_the_first_month_adds_two_months() {
    let engine = gdpr_paced();
    let de = engine.jurisdiction("DE").unwrap();
    let request = verified(RightKind::Deletion, "2026-03-02T10:00:00+01:00")
        .jurisdiction(de)
        .next_backup_cycle(date("2026-07-01"));
    let plain = engine.rights_request(&request);
    assert_eq!(plain.respond_by(), date("2026-04-02"));
    assert_eq!(plain.extended_respond_by(), None);
    let extended =
        engine.rights_request(&request.extension_notified(at("2026-03-30T10:00:00+01:00")));
    assert!(extended.is_permit());
    assert_eq!(extended.respond_by(), date("2026-04-02"));
    assert_eq!(extended.extended_respond_by(), Some(date("2026-06-02")));
    assert_eq!(extended.deadline(), date("2026-06-02"));
    assert!(extended.has_reason(RightsReasonCode::DeadlineExtended));
    // The answer, and the deletion it carries out, are due by the extended date.
    assert_eq!(
        extended.due(ObligationCode::RespondBy),
        Some(Due::Date(date("2026-06-02")))
    );
    assert_eq!(
        extended.due(ObligationCode::Delete),
        Some(Due::Date(date("2026-06-02")))
    );
}

#[test]
fn an_extension_notified_after_the_first_month_does_not_hold() {
    let engine = gdpr_paced();
    let de = engine.jurisdiction("DE").unwrap();
    let request = verified(RightKind::Access, "2026-03-02T10:00:00+01:00").jurisdiction(de);
    for late in ["2026-04-03T10:00:00+01:00", "2026-03-01T10:00:00+01:00"] {
        let response = engine.rights_request(&request.clone().extension_notified(at(late)));
        assert_eq!(response.extended_respond_by(), None, "{late}");
        assert_eq!(response.deadline(), date("2026-04-02"));
        assert!(response.has_reason(RightsReasonCode::ExtensionInvalid));
    }
    // A PRC subject of the same policy: no extension in PIPL.
    let cn = engine.jurisdiction("CN").unwrap();
    let response = engine.rights_request(
        &verified(RightKind::Access, "2026-03-02T10:00:00+08:00")
            .jurisdiction(cn)
            .extension_notified(at("2026-03-05T10:00:00+08:00")),
    );
    assert!(!response.gdpr_applies());
    assert_eq!(response.respond_by(), date("2026-06-02"));
    assert!(response.has_reason(RightsReasonCode::ExtensionInvalid));
}

#[test]
fn the_policys_response_days_cap_the_extension() {
    let engine = engine_with("response_days = 15", "response_days = 45");
    let fr = engine.jurisdiction("FR").unwrap();
    let response = engine.rights_request(
        &verified(RightKind::Access, "2026-03-02T10:00:00+01:00")
            .jurisdiction(fr)
            .extension_notified(at("2026-03-10T10:00:00+01:00")),
    );
    assert_eq!(response.respond_by(), date("2026-04-02"));
    assert_eq!(response.extended_respond_by(), Some(date("2026-04-16")));
}

#[test]
fn portability_objection_and_restriction_through_the_api() {
    let engine = Engine::builtin();
    let fr = engine.jurisdiction("FR").unwrap();
    let received = "2026-03-02T10:00:00+01:00";
    let portability = |basis, automated| {
        engine.rights_request(
            &verified(RightKind::Portability, received)
                .jurisdiction(fr)
                .basis(basis)
                .automated(automated),
        )
    };
    assert!(portability(Basis::Consent, true).is_permit());
    assert!(portability(Basis::Contract, true).is_permit());
    for (basis, automated) in [
        (Basis::Consent, false),
        (Basis::LegitimateInterests, true),
        (Basis::LegalObligation, true),
        (Basis::PublicTask, true),
    ] {
        let response = portability(basis, automated);
        assert_eq!(
            response.refusal_grounds().collect::<Vec<_>>(),
            [RefusalGround::PortabilityConditionsNotMet],
            "{basis} {automated}"
        );
    }
    let objection = verified(RightKind::Objection, received).jurisdiction(fr);
    let response = engine.rights_request(&objection.clone().basis(Basis::Contract));
    assert_eq!(
        response.refusal_grounds().collect::<Vec<_>>(),
        [RefusalGround::NoRightToObject]
    );
    let response = engine.rights_request(&objection.basis(Basis::Contract).direct_marketing());
    assert!(response.is_permit());
    assert!(response.has_obligation(ObligationCode::HonourObjection));
    let restriction = engine.rights_request(
        &verified(RightKind::Restriction, received)
            .jurisdiction(fr)
            .restriction_ground(RestrictionGround::UnlawfulProcessing),
    );
    assert!(restriction.is_permit());
    assert!(restriction.has_obligation(ObligationCode::RestrictToStorage));
    assert!(restriction.has_obligation(ObligationCode::NotifySubject));
}

// --- laws ------------------------------------------------------------------------------

fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (
        0_i64..1_900_000_000,
        prop::sample::select(vec![8 * 3600, 0, 3600, -5 * 3600, 9 * 3600]),
    )
        .prop_map(|(secs, offset)| {
            (at("2000-01-01T00:00:00Z") + Duration::seconds(secs))
                .with_timezone(&FixedOffset::east_opt(offset).unwrap())
        })
}

fn any_request() -> impl Strategy<Value = RightsRequest> {
    let engine = Engine::builtin();
    let jurisdictions: Vec<_> = engine
        .jurisdictions()
        .iter()
        .map(|j| Some(j.id()))
        .chain([None])
        .collect();
    let requesters = vec![
        Requester::Subject,
        Requester::Guardian(Authorisation::Verified),
        Requester::Guardian(Authorisation::Missing),
        Requester::Agent(Authorisation::Verified),
        Requester::Agent(Authorisation::Missing),
    ];
    (
        prop::sample::select(RightKind::ALL.to_vec()),
        instant(),
        prop::sample::select(requesters),
        any::<bool>(),
        prop::sample::select(jurisdictions),
        prop::sample::select(AgeGroup::ALL.to_vec()),
        prop::collection::vec(
            (prop::sample::select(RightKind::ALL.to_vec()), 0_i64..60),
            0..8,
        ),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(RefusalGround::ALL.to_vec()), 0..3),
        prop::option::of(-30_i64..400),
        (
            prop::option::of(prop::sample::select(Basis::ALL.to_vec())),
            prop::option::of(any::<bool>()),
            any::<bool>(),
            prop::option::of(prop::sample::select(RestrictionGround::ALL.to_vec())),
            prop::option::of(-5_i64..60),
        ),
    )
        .prop_map(
            |(
                kind,
                received,
                requester,
                verified,
                jurisdiction,
                age,
                earlier,
                excessive,
                grounds,
                hold,
                (basis, automated, direct_marketing, restriction, extension),
            )| {
                let mut r = RightsRequest::new(kind, received)
                    .requester(requester)
                    .age_group(age);
                if verified {
                    r = r.identity(IdentityStatus::Verified);
                }
                if let Some(j) = jurisdiction {
                    r = r.jurisdiction(j);
                }
                for (k, days_before) in earlier {
                    r = r.earlier_request(k, received - Duration::days(days_before));
                }
                if excessive {
                    r = r.manifestly_excessive();
                }
                for g in grounds {
                    r = r.refusal_ground(g);
                }
                if let Some(days) = hold {
                    r = r.legal_hold(LegalHold::new(received + Duration::days(days)));
                }
                if let Some(basis) = basis {
                    r = r.basis(basis);
                }
                if let Some(automated) = automated {
                    r = r.automated(automated);
                }
                if direct_marketing {
                    r = r.direct_marketing();
                }
                if let Some(ground) = restriction {
                    r = r.restriction_ground(ground);
                }
                if let Some(days) = extension {
                    r = r.extension_notified(received + Duration::days(days));
                }
                r
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// whatever the request (kind, requester, verification,
    /// jurisdiction, repeats, refusals, holds), the answer is due no later
    /// than `response_days` (15) calendar days after receipt on the home
    /// calendar, never before receipt, and for EU subjects no later than one
    /// month; the respond-by obligation carries that date.
    #[test]
    fn respond_by_is_never_later_than_response_days(request in any_request()) {
        let engine = Engine::builtin();
        let response = engine.rights_request(&request);
        let received = request
            .received_at()
            .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive();
        let limit = received.checked_add_days(Days::new(15)).unwrap();
        prop_assert!(response.respond_by() <= limit);
        prop_assert!(response.respond_by() >= received);
        if response.gdpr_applies() {
            prop_assert!(response.respond_by() <= received.checked_add_months(Months::new(1)).unwrap());
        }
        // The seed's 15 days are always the earlier: the date is exact, and
        // no extension notified holds against it.
        prop_assert_eq!(response.respond_by(), limit);
        prop_assert_eq!(response.extended_respond_by(), None);
        prop_assert_eq!(response.due(ObligationCode::RespondBy), Some(Due::Date(limit)));
        // Unverified or unauthorised requests are denied, with verify_identity.
        if response.has_reason(RightsReasonCode::IdentityUnverified)
            || response.has_reason(RightsReasonCode::RequesterUnauthorised)
        {
            prop_assert!(!response.is_permit());
            prop_assert!(response.has_obligation(ObligationCode::VerifyIdentity));
        }
        // A deny always says why; a refusal states its remedies.
        if !response.is_permit() {
            prop_assert!(!response.reasons().is_empty());
        }
        prop_assert_eq!(response.remedies().is_some(), response.has_reason(RightsReasonCode::Refused));
        // The first request of a kind in the window is always free.
        if response.requests_in_window() == 1 {
            prop_assert!(!response.has_obligation(ObligationCode::FeeNotice));
        }
        // GDPR art. 20: portability only on consent or contract, automated;
        // PIPL art. 45(3): on consent or contract.
        if response.is_permit() && request.kind() == RightKind::Portability {
            prop_assert!(matches!(request.processing_basis(), Some(Basis::Consent | Basis::Contract)));
        }
    }

    /// GDPR art. 21(2), (3): an authorised, verified objection to direct
    /// marketing is always permitted, never charged, and must be honoured,
    /// whatever the basis, the repeats, the refusal grounds proposed.
    #[test]
    fn an_objection_to_direct_marketing_always_stands(
        received in instant(),
        jurisdiction in prop::sample::select(vec!["CN", "DE", "FR", "BE"]),
        basis in prop::option::of(prop::sample::select(Basis::ALL.to_vec())),
        repeats in 0_i64..8,
        excessive in any::<bool>(),
        grounds in prop::collection::vec(prop::sample::select(RefusalGround::ALL.to_vec()), 0..4),
    ) {
        let engine = Engine::builtin();
        let mut request = RightsRequest::new(RightKind::Objection, received)
            .identity(IdentityStatus::Verified)
            .jurisdiction(engine.jurisdiction(jurisdiction).unwrap())
            .direct_marketing();
        if let Some(basis) = basis {
            request = request.basis(basis);
        }
        for days in 0..repeats {
            request = request.earlier_request(RightKind::Objection, received - Duration::days(days));
        }
        if excessive {
            request = request.manifestly_excessive();
        }
        for g in grounds {
            request = request.refusal_ground(g);
        }
        let response = engine.rights_request(&request);
        prop_assert!(response.is_permit());
        prop_assert!(!response.has_obligation(ObligationCode::FeeNotice));
        prop_assert!(response.has_obligation(ObligationCode::HonourObjection));
    }
}
