//! `decide()` makes no heap allocation.
//!
//! Its own test binary: `allocation-counter` installs a counting global
//! allocator, and it counts per thread, so neither the test harness nor any
//! other test can disturb the count. Requests are built and resolved first;
//! only `engine.decide(&request)` runs while counting.

#![cfg(feature = "json")]

use std::hint::black_box;

use lawful::Engine;

/// The benchmarks' request mix (JSON lines of docs/wire-format.md): permits and denies,
/// adults and children, shares, exports, transfers, device-only data,
/// withdrawn consent, retention expiry, an invalid resident id.
const MIX: &str = include_str!("../benches/mix.jsonl");

/// The benchmarks' request classes (age sources, children, consent-heavy,
/// provision abroad, retention, unknown age, GDPR subjects): every class
/// the performance figures are given for.
const CLASSES: &str = include_str!("../benches/classes.jsonl");

/// Requests that exercise the rarer paths of the procedure, and the paths
/// of the legal principles: flows abroad decided twice, unknown ages decided
/// both ways, deletion, holds, withdrawals, emergencies, ePrivacy.
const EXTRA: &str = r#"
{"id":"no-categories","at":"2026-11-28T10:00:00+08:00","action":"use","purpose":"support.feedback","categories":[],"evidence":{"contract":true}}
{"id":"no-rule","at":"2026-11-28T10:00:00+08:00","action":"entrust","purpose":"support.feedback","categories":["support.contact"]}
{"id":"many-uncovered","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"cookies.authentication","categories":["account.phone","account.email","account.id","account.real_name","account.username","account.password","content.upload","location.coarse","location.precise","support.contact","support.records","guardian.name","guardian.contact","guardian.relationship","identity.birth_date","identity.resident_id","network.mac","network.ip"]}
{"id":"consent-out-of-scope","at":"2026-11-28T10:00:00+08:00","action":"share","purpose":"support.feedback","categories":["account.phone"],"subject":{"birth_date":"1990-01-01"},"recipient":{"kind":"third_party","name":"Other"},"evidence":{"consents":[{"by":"subject","separate":true,"purposes":["support"],"categories":["account"],"recipients":["Acme"],"given_at":"2026-01-01T00:00:00+08:00"}]}}
{"id":"consent-not-yet-given","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"cookies.experience","categories":["cookie.preference"],"subject":{"birth_date":"1990-01-01"},"evidence":{"consents":[{"by":"subject","purposes":["cookies"],"categories":["cookie"],"given_at":"2026-12-01T00:00:00+08:00"}]}}
{"id":"unbound-acquirer-named","at":"2026-11-28T10:00:00+08:00","action":"transfer","purpose":"corporate.transaction","categories":["account.username"],"subject":{"birth_date":"1990-01-01"},"recipient":{"kind":"acquirer","name":"NewCo"},"evidence":{"consents":[{"by":"subject","separate":true,"purposes":["corporate"],"categories":["account"],"recipients":["NewCo"],"given_at":"2026-01-01T00:00:00+08:00"}]}}
{"id":"child-retention-expired","at":"2026-11-28T10:00:00+08:00","action":"use","purpose":"cookies.authentication","categories":["cookie.authentication"],"subject":{"birth_date":"2016-05-01"},"collected_at":"2026-01-01T00:00:00+08:00","evidence":{"contract":true,"consents":[{"by":"guardian","guardian_verified":true,"separate":true,"purposes":["cookies"],"categories":["cookie"],"given_at":"2025-12-01T00:00:00+08:00"}]}}
{"id":"public-data-sensitive","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"support.feedback","categories":["location.precise"],"subject":{"birth_date":"1990-01-01"},"evidence":{"public_data":{"source":"self_disclosed","same_context":true,"subject_refused":false}}}
{"id":"emergency-over","at":"2026-11-28T10:00:00+08:00","action":"use","purpose":"support.feedback","categories":["account.phone"],"subject":{"birth_date":"1990-01-01"},"evidence":{"emergency":{"kind":"life_health_property","ongoing":false}}}
{"id":"disclose-eu-child","at":"2026-11-28T10:00:00+08:00","action":"disclose","purpose":"legal.compliance","categories":["content.upload"],"subject":{"birth_date":"2012-01-01","jurisdiction":"DE"},"evidence":{"legal_obligation":"court order"}}
{"id":"unverified-guardian","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"service.upload_download","categories":["content.upload"],"subject":{"birth_date":"2016-05-01"},"evidence":{"consents":[{"by":"guardian","guardian_verified":false,"separate":true,"purposes":["service"],"categories":["content"],"given_at":"2026-01-01T00:00:00+08:00"}]}}
{"id":"abroad-share-permit","at":"2026-06-01T10:00:00+08:00","action":"share","purpose":"support.feedback","categories":["support.records"],"subject":{"birth_date":"1990-01-01"},"recipient":{"kind":"third_party","name":"Acme SG","region":"SG"},"destination_region":"SG","transfer_mechanism":"standard_contract","evidence":{"consents":[{"by":"subject","separate":true,"purposes":["support.feedback"],"categories":["support"],"actions":["share","export"],"recipients":["Acme SG"],"given_at":"2026-01-01T00:00:00+08:00"}]}}
{"id":"abroad-two-regimes","at":"2026-06-01T10:00:00+08:00","action":"export","purpose":"support.feedback","categories":["support.records"],"subject":{"birth_date":"1990-01-01","jurisdiction":"FR"},"recipient":{"kind":"third_party","name":"Acme US","region":"US"},"transfer_mechanism":["exempt_foreign_origin","scc"],"evidence":{"consents":[{"by":"subject","separate":true,"purposes":["support.feedback"],"categories":["support"],"actions":["export"],"recipients":["Acme US"],"given_at":"2026-01-01T00:00:00+08:00"}]}}
{"id":"foreign-authority","at":"2026-06-01T10:00:00+08:00","action":"share","purpose":"legal.compliance","categories":["support.records"],"subject":{"birth_date":"1990-01-01"},"recipient":{"kind":"authority","name":"US Court","region":"US"},"evidence":{"legal_obligation":"Subpoena","legal_obligation_law":"US"}}
{"id":"unknown-age-browse","at":"2026-06-01T10:00:00+08:00","action":"collect","purpose":"service.browse","categories":["location.coarse"],"evidence":{"contract":true}}
{"id":"unknown-age-support","at":"2026-06-01T10:00:00+08:00","action":"collect","purpose":"support.feedback","categories":["support.records"],"evidence":{"contract":true}}
{"id":"delete-permit","at":"2026-06-01T10:00:00+08:00","action":"delete","purpose":"rights.deletion","categories":["support.records"],"subject":{"birth_date":"1990-01-01"}}
{"id":"delete-statutory","at":"2026-06-01T10:00:00+08:00","action":"delete","purpose":"rights.deletion","categories":["log.usage"],"subject":{"birth_date":"1990-01-01"},"collected_at":"2026-05-01T00:00:00+08:00"}
{"id":"delete-held","at":"2026-06-01T10:00:00+08:00","action":"delete","purpose":"rights.deletion","categories":["support.records"],"subject":{"birth_date":"1990-01-01"},"legal_hold":true}
{"id":"store-held-expired","at":"2026-06-01T10:00:00+08:00","action":"store","purpose":"support.feedback","categories":["support.records"],"subject":{"birth_date":"1990-01-01"},"collected_at":"2020-01-01T00:00:00+08:00","legal_hold":true,"evidence":{"contract":true}}
{"id":"record-withdrawal","at":"2026-06-01T10:00:00+08:00","action":"store","purpose":"rights.withdrawal","categories":["account.id"],"subject":{"birth_date":"1990-01-01"}}
{"id":"consent-given-as-child","at":"2026-06-01T10:00:00+08:00","action":"collect","purpose":"account.registration","categories":["account.username"],"subject":{"birth_date":"2012-01-01"},"evidence":{"consents":[{"by":"subject","separate":true,"purposes":["account.registration"],"categories":["account"],"given_at":"2024-06-01T10:00:00+08:00"}]}}
{"id":"emergency-protective","at":"2026-06-01T10:00:00+08:00","action":"collect","purpose":"safety.emergency","categories":["location.precise"],"subject":{"birth_date":"1990-01-01"},"evidence":{"emergency":{"kind":"life_or_health","ongoing":true}}}
{"id":"eprivacy-terminal","at":"2026-06-01T10:00:00+01:00","action":"collect","purpose":"operations.security","categories":["device.model"],"subject":{"birth_date":"1990-01-01","jurisdiction":"FR"},"evidence":{"contract":true}}
{"id":"entrust-underlying","at":"2026-06-01T10:00:00+08:00","action":"entrust","purpose":"support.feedback","categories":["support.records"],"subject":{"birth_date":"1990-01-01"},"recipient":{"kind":"processor","name":"CallCenterCo","region":"CN"},"evidence":{"contract":true}}
{"id":"confidential-statutory","at":"2026-06-01T10:00:00+08:00","action":"share","purpose":"legal.compliance","categories":["support.records"],"subject":{"birth_date":"1990-01-01"},"recipient":{"kind":"authority","name":"PSB","region":"CN"},"evidence":{"confidential":true,"legal_obligation":"Criminal Procedure Law art. 54"}}
"#;

/// Builds the requests (outside the counted section).
#[cfg(test)]
mod build {
    use std::fmt::Write as _;

    use chrono::DateTime;
    use lawful::wire::RequestDoc;
    use lawful::{Action, Engine, Request};

    use super::{CLASSES, EXTRA, MIX};

    pub(super) fn resolved(engine: &Engine) -> Vec<(String, Request)> {
        MIX.lines()
            .chain(CLASSES.lines())
            .chain(EXTRA.lines())
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let doc: RequestDoc = serde_json::from_str(line).unwrap();
                let id = doc.id.clone().unwrap_or_default();
                let request = engine.resolve(&doc).unwrap_or_else(|e| panic!("{id}: {e}"));
                (id, request)
            })
            .collect()
    }

    /// Ids resolved against a larger policy are out of range for the seed's:
    /// the engine must deny them (`invalid_request`) without allocating either.
    pub(super) fn foreign_ids(engine: &Engine) -> Vec<(String, Request)> {
        let mut big = String::from(
            "[policy]\nid = \"big\"\nversion = \"1\"\nhome_jurisdiction = \"CN\"\nstorage_region = \"CN\"\n\n\
             [[jurisdiction]]\ncode = \"CN\"\nchild_age = 14\nutc_offset = \"+08:00\"\n",
        );
        for i in 0..500 {
            writeln!(big, "\n[[category]]\nname = \"c{i}\"").unwrap();
            writeln!(big, "\n[[purpose]]\nname = \"p{i}\"").unwrap();
        }
        let big = Engine::from_toml(&big).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        let phone = engine.category("account.phone").unwrap();
        let browse = engine.purpose("service.browse").unwrap();
        vec![
            (
                "foreign-category".into(),
                Request::new(Action::Collect, browse, at).category(big.category("c499").unwrap()),
            ),
            (
                "foreign-purpose".into(),
                Request::new(Action::Collect, big.purpose("p499").unwrap(), at).category(phone),
            ),
        ]
    }
}

#[test]
fn decide_makes_no_heap_allocation() {
    // The counter is live: a box allocates once.
    let boxed = allocation_counter::measure(|| {
        black_box(Box::new(black_box(7_u64)));
    });
    assert_eq!(
        boxed.count_total, 1,
        "the counting allocator is not installed"
    );

    let engine = Engine::builtin();
    let mut requests = build::resolved(engine);
    requests.extend(build::foreign_ids(engine));
    assert!(requests.len() >= 70);

    let mut permits = 0;
    let mut denies = 0;
    for (id, request) in &requests {
        let mut decision = None;
        let counted = allocation_counter::measure(|| {
            decision = Some(engine.decide(black_box(request)));
        });
        assert_eq!(
            counted.count_total, 0,
            "decide() allocated {} times ({} bytes) on `{id}`",
            counted.count_total, counted.bytes_total
        );
        if decision.is_some_and(|d| d.is_permit()) {
            permits += 1;
        } else {
            denies += 1;
        }
    }
    // The set really is varied: both outcomes, many times over.
    assert!(permits >= 10, "only {permits} permits");
    assert!(denies >= 10, "only {denies} denies");
}

/// `decide_into` allocates nothing either, and writes what `decide`
/// returns, over one decision the host reuses (whatever it held before).
#[test]
fn decide_into_makes_no_heap_allocation_and_answers_as_decide() {
    let engine = Engine::builtin();
    let mut requests = build::resolved(engine);
    requests.extend(build::foreign_ids(engine));
    let mut decision = lawful::Decision::default();
    for (id, request) in &requests {
        let counted = allocation_counter::measure(|| {
            engine.decide_into(black_box(request), &mut decision);
        });
        assert_eq!(
            counted.count_total, 0,
            "decide_into() allocated {} times ({} bytes) on `{id}`",
            counted.count_total, counted.bytes_total
        );
        assert_eq!(decision, engine.decide(request), "on `{id}`");
        assert_eq!(
            decision.explain(engine).to_string(),
            engine.decide(request).explain(engine).to_string(),
            "on `{id}`"
        );
    }
}
