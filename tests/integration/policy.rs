//! The built-in seed policy against the seed itself (the built-in policy,
//! policies/seed-policy.txt): every section heading cited, the names hosts
//! rely on present with their flags.

use lawful::policy::Retention;
use lawful::{Effect, Engine};

const SEED: &str = include_str!("../../policies/seed-policy.txt");

/// Headings whose sections neither allow nor forbid processing, or are
/// encoded somewhere other than a rule, with where and why.
const NOT_RULES: &[(&str, &str)] = &[
    (
        "Amendment Notice",
        "governs changes to the policy itself, not processing",
    ),
    (
        "Cookie clearing",
        "the subject clears cookies in their own browser; we process nothing",
    ),
    (
        "How to contact us",
        "a contact channel; its 15-day answer is `[rights] response_days`",
    ),
    (
        "Storage period",
        "encoded as each rule's `retention` and the `[retention]` settings, which cite it",
    ),
    (
        "Responding to Your Above Requests",
        "encoded as the `[rights]` settings, which cite it",
    ),
    (
        "Protection of minors",
        "encoded as the CN jurisdiction's child age, which cites it",
    ),
];

/// The seed's section headings: bullet lines that read as titles (a capital
/// letter, no sentence punctuation at the end), plus the numbered one.
fn seed_headings() -> Vec<&'static str> {
    let mut headings: Vec<&str> = SEED
        .lines()
        .filter_map(|line| line.strip_prefix("- "))
        .map(str::trim)
        .filter(|h| h.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter(|h| !h.ends_with(['.', ';', ':', ',']))
        .filter(|h| h.len() < 130 && !h.contains(". "))
        .collect();
    headings.push("Amendment Notice");
    headings.sort_unstable();
    headings.dedup();
    headings
}

#[test]
fn every_seed_heading_is_cited_by_a_rule() {
    let engine = Engine::builtin();
    // The table of contents spells one heading slightly differently
    // ("Personal information ... transfer, or disclose"): compare headings
    // without case and commas.
    let key = |h: &str| h.to_lowercase().replace(',', "");
    let cited = |heading: &str| {
        engine.rules().iter().any(|rule| {
            rule.clause()
                .split(" / ")
                .any(|part| key(part) == key(heading))
        })
    };
    let headings = seed_headings();
    assert!(
        headings.len() > 40,
        "found only {} headings",
        headings.len()
    );
    let mut uncited = Vec::new();
    for heading in headings {
        if NOT_RULES.iter().any(|(h, _)| *h == heading) {
            continue;
        }
        if !cited(heading) {
            uncited.push(heading);
        }
    }
    assert!(
        uncited.is_empty(),
        "seed headings no rule cites: {uncited:#?}"
    );
}

#[test]
fn headings_encoded_elsewhere_are_cited_there() {
    let engine = Engine::builtin();
    let source = engine.policy_source();
    for heading in [
        "Storage period",
        "Responding to Your Above Requests",
        "Protection of minors",
    ] {
        assert!(
            source.contains(&format!("{heading}\"")),
            "`{heading}` is not cited in the policy"
        );
    }
    assert_eq!(
        engine.home_jurisdiction().clause(),
        Some("Protection of minors")
    );
}

#[test]
fn every_rule_cites_a_real_seed_heading() {
    let headings = seed_headings();
    for rule in Engine::builtin().rules() {
        for part in rule.clause().split(" / ") {
            assert!(
                headings.contains(&part),
                "rule `{}` cites `{part}`, which is not a heading of the seed",
                rule.id()
            );
        }
    }
}

#[test]
fn every_permit_rule_has_a_retention_period() {
    for rule in Engine::builtin().rules() {
        if rule.effect() == Effect::Permit {
            assert!(rule.retention().is_some(), "rule `{}`", rule.id());
        }
    }
}

#[test]
fn operations_logs_are_kept_between_six_months_and_three_years() {
    let engine = Engine::builtin();
    let rule = engine.rule_named("operations").unwrap();
    let Some(Retention::For(period)) = rule.retention() else {
        panic!("operations keeps logs for a fixed period");
    };
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00").unwrap();
    let end = period.after(start).unwrap();
    assert!(end >= chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00+08:00").unwrap());
    assert!(end <= chrono::DateTime::parse_from_rfc3339("2029-01-01T00:00:00+08:00").unwrap());
}

/// the built-in policy: the names hosts and tests use, with their flags.
#[test]
fn the_names_of_spec_section_8_exist_with_their_flags() {
    let engine = Engine::builtin();
    // (name, sensitive, identifying, unique identifier, device or log)
    let categories: &[(&str, bool, bool, bool, bool)] = &[
        ("account.real_name", false, true, false, false),
        ("account.phone", false, true, false, false),
        ("account.email", false, true, false, false),
        ("account.username", false, true, false, false),
        ("account.password", true, false, false, false),
        ("identity.birth_date", false, false, false, false),
        ("identity.resident_id", true, true, false, false),
        ("content.upload", false, false, false, false),
        ("location.coarse", false, false, false, false),
        ("location.precise", true, false, false, false),
        ("log.usage", false, false, false, true),
        ("log.crash", false, false, false, true),
        ("log.performance", false, false, false, true),
        ("log.app_source", false, false, false, true),
        ("device.model", false, false, false, true),
        ("device.os_version", false, false, false, true),
        ("device.software_version", false, false, false, true),
        ("device.network", false, false, false, true),
        ("device.installed_apps", false, false, false, true),
        ("device.processes", false, false, false, true),
        ("device.identifier.imei", false, false, true, true),
        ("device.identifier.android_id", false, false, true, true),
        ("device.identifier.oaid", false, false, true, true),
        ("device.identifier.imsi", false, false, true, true),
        ("device.identifier.iccid", false, false, true, true),
        ("device.identifier.meid", false, false, true, true),
        ("device.identifier.idfv", false, false, true, true),
        ("network.mac", false, false, true, true),
        ("network.ip", false, false, true, true),
        ("network.ssid", false, false, true, true),
        ("network.bssid", false, false, true, true),
        ("network.bluetooth", false, false, false, true),
        ("network.base_station", false, false, false, true),
        ("support.contact", false, true, false, false),
        ("support.records", false, false, false, false),
        ("cookie.authentication", false, false, true, true),
        ("cookie.preference", false, false, true, true),
        ("guardian.name", false, true, false, false),
        ("guardian.contact", false, true, false, false),
        ("guardian.relationship", false, false, false, false),
    ];
    for &(name, s, i, u, d) in categories {
        let id = engine.category(name).unwrap_or_else(|e| panic!("{e}"));
        let flags = engine.category_info(id).unwrap().flags();
        assert_eq!(
            (
                flags.is_sensitive(),
                flags.is_identifying(),
                flags.is_unique_identifier(),
                flags.is_device_or_log()
            ),
            (s, i, u, d),
            "flags of `{name}`"
        );
    }
    for name in [
        "account.registration",
        "service.browse",
        "service.upload_download",
        "support.feedback",
        "operations.security",
        "operations.quality",
        "cookies.authentication",
        "cookies.experience",
        "children.age_verification",
        "children.guardian_verification",
        "legal.compliance",
        "corporate.transaction",
    ] {
        let id = engine.purpose(name).unwrap_or_else(|e| panic!("{e}"));
        let before = engine
            .purpose_info(id)
            .unwrap()
            .is_before_guardian_consent();
        assert_eq!(
            before,
            name.starts_with("children."),
            "before_guardian_consent of `{name}`"
        );
    }
    assert!(
        engine
            .rule_named("registration")
            .unwrap()
            .requires_known_age()
    );
}

/// The GDPR art. 8 ages by member state.
#[test]
fn eu_member_states_carry_their_gdpr_article_8_ages() {
    let engine = Engine::builtin();
    let table: &[(u8, &[&str])] = &[
        (
            13,
            &["BE", "DK", "FI", "SE", "EE", "LV", "MT", "PT", "NO", "IS"],
        ),
        (14, &["AT", "IT", "ES", "BG", "CY", "LT"]),
        (15, &["CZ", "FR", "GR", "SI"]),
        (
            16,
            &["IE", "NL", "SK", "DE", "HU", "PL", "HR", "LU", "RO", "LI"],
        ),
    ];
    for &(age, codes) in table {
        for code in codes {
            let id = engine.jurisdiction(code).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                engine.jurisdiction_info(id).unwrap().child_age(),
                age,
                "{code}"
            );
        }
    }
    let cn = engine.jurisdiction("CN").unwrap();
    assert_eq!(engine.jurisdiction_info(cn).unwrap().child_age(), 14);
    // 27 member states, Norway, Iceland, Liechtenstein, and China.
    assert_eq!(engine.jurisdictions().len(), 31);
}

/// Ids carry their engine: a host that caches `account.password`'s id and
/// reloads a policy with one category added must not have the old id read
/// as another category (it would lose the password's protections): the
/// request is invalid until the host resolves its names again.
#[test]
fn a_cached_id_is_refused_by_a_reloaded_engine() {
    use lawful::{Action, Evidence, Request, Subject};
    let old = Engine::builtin();
    let password = old.category("account.password").unwrap();
    let source = Engine::builtin_source().replacen(
        "[[category]]\nname = \"account.real_name\"",
        "[[category]]\nname = \"account.avatar\"\n\n[[category]]\nname = \"account.real_name\"",
        1,
    );
    let reloaded = Engine::from_toml(&source).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00+08:00").unwrap();
    let request = Request::new(
        Action::Collect,
        reloaded.purpose("account.registration").unwrap(),
        at,
    )
    .category(password)
    .subject(Subject::new().birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()))
    .evidence(Evidence::new().contract());
    let decision = reloaded.decide(&request);
    assert!(!decision.is_permit());
    assert!(
        decision.has_reason(lawful::decision::ReasonCode::InvalidRequest),
        "{decision:?}"
    );
    // Resolved again by name, the same request is decided as the password.
    let fresh = Request::new(
        Action::Collect,
        reloaded.purpose("account.registration").unwrap(),
        at,
    )
    .category(reloaded.category("account.password").unwrap())
    .subject(Subject::new().birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()))
    .evidence(Evidence::new().contract());
    let decision = reloaded.decide(&fresh);
    assert!(decision.is_permit());
    assert!(decision.has_obligation(lawful::decision::ObligationCode::EncryptAtRest));
}

/// A permit rule marked `occasional` is reviewed when it covers `entrust`
/// (a processor's work is systematic), and only then: the rule is found by
/// its name whatever its place in the policy.
#[test]
fn an_occasional_entrustment_is_reviewed() {
    use lawful::Engine;
    let seed = Engine::builtin_source();
    let marked = seed
        .replacen(
            "actions = [\"entrust\"]\n",
            "actions = [\"entrust\"]\noccasional = true\n",
            1,
        )
        .replacen(
            "id = \"browse\"\n",
            "id = \"browse\"\noccasional = true\n",
            1,
        );
    let engine = Engine::from_toml(&marked).unwrap();
    let occasional: Vec<_> = engine
        .warnings()
        .iter()
        .filter(|w| w.message().contains("occasional"))
        .map(|w| w.message().to_owned())
        .collect();
    assert_eq!(
        occasional,
        ["rule `entrust` marks an entrustment occasional: a processor's work is systematic"]
    );
}
