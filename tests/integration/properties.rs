//! Laws of the decision procedure (SPEC.md §5) that hold for every request,
//! checked on generated requests. Requests are built through the public
//! constructors (`Request::new`, `Consent::by_subject`, ...) from the names
//! the built-in policy declares, so the generators cover every category,
//! purpose, action, recipient kind and jurisdiction it knows.
//!
//! A generated request is first a [`Spec`] of indices into those vocabularies,
//! so a law can vary one part of it (permute its categories, add a consent)
//! and decide again.

#![cfg(test)]

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate};
use proptest::prelude::*;

use lawful::{
    Action, Basis, Consent, Decision, Effect, Emergency, EmergencyKind, Engine, Evidence,
    GuardianVerification, ObligationCode, PublicData, PublicSource, ReasonCode, Recipient,
    RecipientKind, RegionCode, Request, Subject, TransferMechanism,
};

// --- generated requests --------------------------------------------------------

/// Recipient names: consents name some of them, requests go to some of them.
const NAMES: &[&str] = &["Acme", "BigCo", "Parent", "CloudCo"];
const REGIONS: &[&str] = &["CN", "SG", "DE", "US"];
/// UTC offsets in seconds: Beijing, UTC, Paris, New York, Tokyo.
const OFFSETS: &[i32] = &[8 * 3600, 0, 3600, -5 * 3600, 9 * 3600];

/// 2026-06-01T10:00:00+08:00, the middle of the generated instants.
fn base() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-06-01T10:00:00+08:00").unwrap()
}

/// An instant within about three years of [`base`], written in one of
/// [`OFFSETS`].
fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (-100_000_000_i64..100_000_000, prop::sample::select(OFFSETS))
        .prop_map(|(secs, offset)| in_offset(base() + Duration::seconds(secs), offset))
}

fn in_offset(at: DateTime<FixedOffset>, offset: i32) -> DateTime<FixedOffset> {
    at.with_timezone(&FixedOffset::east_opt(offset).unwrap())
}

fn date(from_year: i32, to_year: i32) -> impl Strategy<Value = NaiveDate> {
    let start = NaiveDate::from_ymd_opt(from_year, 1, 1).unwrap();
    let days = (NaiveDate::from_ymd_opt(to_year, 12, 31).unwrap() - start).num_days();
    (0..=days).prop_map(move |d| start + Duration::days(d))
}

/// A valid 18-digit resident identity number for `birth` (GB 11643-1999,
/// LEGAL.md §6.3), computed here independently of the crate.
fn resident_id(birth: NaiveDate, sequence: u16) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let first17 = format!(
        "110105{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        sequence % 1000
    );
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = (12 - sum % 11) % 11;
    let check = if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10).unwrap()
    };
    format!("{first17}{check}")
}

#[derive(Clone, Debug)]
struct Spec {
    action: Action,
    purpose: &'static str,
    categories: Vec<&'static str>,
    at: DateTime<FixedOffset>,
    subject: SubjectSpec,
    linked_to_account: bool,
    recipient: Option<RecipientSpec>,
    destination: Option<&'static str>,
    mechanism: Option<TransferMechanism>,
    collected_days_before: Option<u16>,
    evidence: EvidenceSpec,
}

#[derive(Clone, Debug, Default)]
struct SubjectSpec {
    birth_date: Option<NaiveDate>,
    /// A resident id: its birth date, and whether its check digit is spoiled.
    resident_id: Option<(NaiveDate, bool)>,
    /// An index into the policy's jurisdictions.
    jurisdiction: Option<usize>,
}

#[derive(Clone, Debug)]
struct RecipientSpec {
    kind: RecipientKind,
    name: Option<&'static str>,
    accepts_policy: bool,
    security_assessment: bool,
}

#[derive(Clone, Debug)]
enum Grant {
    Subject,
    Guardian(GuardianVerification),
}

#[derive(Clone, Debug)]
struct ConsentSpec {
    grantor: Grant,
    separate: bool,
    /// Whether the scope includes the request's own purpose, categories,
    /// action (when it lists actions) and recipient (when it lists
    /// recipients), so that generated consents often matter.
    covers_request: bool,
    purposes: Vec<&'static str>,
    categories: Vec<&'static str>,
    actions: Vec<Action>,
    recipients: Vec<&'static str>,
    /// Seconds from `at` (negative: before).
    given: i64,
    /// Seconds from `given` to the withdrawal, if withdrawn.
    withdrawn_after: Option<i64>,
}

#[derive(Clone, Debug, Default)]
struct EvidenceSpec {
    consents: Vec<ConsentSpec>,
    contract: bool,
    legal_obligation: bool,
    /// An emergency, ongoing or not.
    emergency: Option<bool>,
    /// Public data: (`same_context`, `subject_refused`).
    public_data: Option<(bool, bool)>,
}

/// Any action; collect, use and store, the everyday ones, more often.
fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => prop::sample::select(vec![Action::Collect, Action::Use, Action::Store]),
        2 => prop::sample::select(Action::ALL),
    ]
}

fn subject_spec() -> impl Strategy<Value = SubjectSpec> {
    (
        prop::option::weighted(0.8, date(1950, 2026)),
        prop::option::weighted(0.3, (date(1950, 2026), prop::bool::weighted(0.2))),
        prop::option::weighted(0.3, 0..builtin().jurisdictions().len()),
    )
        .prop_map(|(birth_date, resident_id, jurisdiction)| SubjectSpec {
            birth_date,
            resident_id,
            jurisdiction,
        })
}

fn recipient_spec() -> impl Strategy<Value = RecipientSpec> {
    (
        prop::sample::select(RecipientKind::ALL),
        prop::option::weighted(0.9, prop::sample::select(NAMES)),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(kind, name, accepts_policy, security_assessment)| RecipientSpec {
                kind,
                name,
                accepts_policy,
                security_assessment,
            },
        )
}

fn grant() -> impl Strategy<Value = Grant> {
    prop_oneof![
        5 => Just(Grant::Subject),
        4 => Just(Grant::Guardian(GuardianVerification::Verified)),
        1 => Just(Grant::Guardian(GuardianVerification::Unverified)),
    ]
}

fn consent_spec() -> impl Strategy<Value = ConsentSpec> {
    (
        grant(),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.8),
        prop::collection::vec(purpose(), 0..3),
        prop::collection::vec(category(), 0..3),
        prop::collection::vec(prop::sample::select(Action::ALL), 0..3),
        prop::collection::vec(prop::sample::select(NAMES), 0..2),
        -40_000_000_i64..1_000_000,
        prop::option::weighted(0.3, 0_i64..40_000_000),
    )
        .prop_map(
            |(
                grantor,
                separate,
                covers_request,
                purposes,
                categories,
                actions,
                recipients,
                given,
                withdrawn_after,
            )| ConsentSpec {
                grantor,
                separate,
                covers_request,
                purposes,
                categories,
                actions,
                recipients,
                given,
                withdrawn_after,
            },
        )
}

fn evidence_spec() -> impl Strategy<Value = EvidenceSpec> {
    (
        prop::collection::vec(consent_spec(), 0..3),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.2, any::<bool>()),
        prop::option::weighted(0.2, (any::<bool>(), any::<bool>())),
    )
        .prop_map(
            |(consents, contract, legal_obligation, emergency, public_data)| EvidenceSpec {
                consents,
                contract,
                legal_obligation,
                emergency,
                public_data,
            },
        )
}

fn spec_with(evidence: impl Strategy<Value = EvidenceSpec>) -> impl Strategy<Value = Spec> {
    (
        (
            action(),
            purpose(),
            prop_oneof![1 => Just(Vec::new()), 9 => prop::collection::vec(category(), 1..4)],
            instant(),
            subject_spec(),
            prop::bool::weighted(0.2),
        ),
        (
            prop::option::weighted(0.5, recipient_spec()),
            prop::option::weighted(0.3, prop::sample::select(REGIONS)),
            prop::option::weighted(0.5, prop::sample::select(TransferMechanism::ALL)),
            prop::option::weighted(0.3, 0_u16..1500),
            evidence,
        ),
    )
        .prop_map(
            |(
                (action, purpose, categories, at, subject, linked_to_account),
                (recipient, destination, mechanism, collected_days_before, evidence),
            )| Spec {
                action,
                purpose,
                categories,
                at,
                subject,
                linked_to_account,
                recipient,
                destination,
                mechanism,
                collected_days_before,
                evidence,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    spec_with(evidence_spec())
}

// --- building a request ----------------------------------------------------------

/// The built-in policy's vocabularies, by name (so that a spec can be built
/// against another engine with the same names).
fn builtin() -> &'static Engine {
    Engine::builtin()
}

/// Any purpose the built-in policy knows, declared or only a prefix.
fn purpose() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        builtin()
            .purposes()
            .iter()
            .map(lawful::Purpose::name)
            .collect::<Vec<_>>(),
    )
}

/// Any category the built-in policy knows, declared or only a prefix.
fn category() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        builtin()
            .categories()
            .iter()
            .map(lawful::Category::name)
            .collect::<Vec<_>>(),
    )
}

impl Spec {
    /// Builds the request against `engine`, resolving every name.
    fn build(&self, engine: &Engine) -> Request {
        let purpose = engine.purpose(self.purpose).unwrap();
        let categories: Vec<_> = self
            .categories
            .iter()
            .map(|name| engine.category(name).unwrap())
            .collect();
        let mut request = Request::new(self.action, purpose, self.at)
            .categories(categories.iter().copied())
            .linked_to_account(self.linked_to_account)
            .subject(self.subject.build(engine))
            .evidence(self.evidence.build(engine, self));
        if let Some(r) = &self.recipient {
            let mut recipient = Recipient::new(r.kind)
                .accepts_policy(r.accepts_policy)
                .security_assessment(r.security_assessment);
            if let Some(name) = r.name {
                recipient = recipient.name(name);
            }
            request = request.recipient(recipient);
        }
        if let Some(region) = self.destination {
            request = request.destination_region(RegionCode::new(region).unwrap());
        }
        if let Some(mechanism) = self.mechanism {
            request = request.transfer_mechanism(mechanism);
        }
        if let Some(days) = self.collected_days_before {
            request = request.collected_at(self.at - Duration::days(i64::from(days)));
        }
        request
    }
}

impl SubjectSpec {
    fn build(&self, engine: &Engine) -> Subject {
        let mut subject = Subject::new();
        if let Some(birth) = self.birth_date {
            subject = subject.birth_date(birth);
        }
        if let Some((birth, spoiled)) = self.resident_id {
            let mut id = resident_id(birth, 3);
            if spoiled {
                let last = id.pop().unwrap();
                id.push(if last == '0' { '1' } else { '0' });
            }
            subject = subject.resident_id_str(&id);
        }
        if let Some(index) = self.jurisdiction {
            let code = builtin().jurisdictions()[index].code();
            subject = subject.jurisdiction(engine.jurisdiction(code.as_str()).unwrap());
        }
        subject
    }
}

impl EvidenceSpec {
    fn build(&self, engine: &Engine, spec: &Spec) -> Evidence {
        let mut evidence = Evidence::new();
        for c in &self.consents {
            evidence = evidence.consent(c.build(engine, spec));
        }
        if self.contract {
            evidence = evidence.contract();
        }
        if self.legal_obligation {
            evidence = evidence.legal_obligation("PIPL art. 13(1)(3)");
        }
        if let Some(ongoing) = self.emergency {
            let kind = EmergencyKind::LifeHealthProperty;
            evidence = evidence.emergency(if ongoing {
                Emergency::ongoing(kind)
            } else {
                Emergency::ended(kind)
            });
        }
        if let Some((same_context, refused)) = self.public_data {
            let source = PublicSource::SelfDisclosed;
            let mut public = if same_context {
                PublicData::in_context(source)
            } else {
                PublicData::out_of_context(source)
            };
            if refused {
                public = public.refused_by_subject();
            }
            evidence = evidence.public_data(public);
        }
        evidence
    }
}

impl ConsentSpec {
    fn given_at(&self, at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        at + Duration::seconds(self.given)
    }

    fn build(&self, engine: &Engine, spec: &Spec) -> Consent {
        let given_at = self.given_at(spec.at);
        let mut consent = match self.grantor {
            Grant::Subject => Consent::by_subject(given_at),
            Grant::Guardian(v) => Consent::by_guardian(given_at, v),
        };
        if self.separate {
            consent = consent.separate();
        }
        let mut purposes = self.purposes.clone();
        let mut categories = self.categories.clone();
        let mut actions = self.actions.clone();
        let mut recipients = self.recipients.clone();
        if self.covers_request {
            purposes.push(spec.purpose);
            categories.extend(&spec.categories);
            if !actions.is_empty() {
                actions.push(spec.action);
            }
            if let Some(name) = spec.recipient.as_ref().and_then(|r| r.name) {
                if !recipients.is_empty() {
                    recipients.push(name);
                }
            }
        }
        for name in purposes {
            consent = consent.purpose(engine.purpose(name).unwrap());
        }
        for name in categories {
            consent = consent.category(engine.category(name).unwrap());
        }
        for action in actions {
            consent = consent.action(action);
        }
        for name in recipients {
            consent = consent.recipient(name);
        }
        if let Some(after) = self.withdrawn_after {
            consent = consent.withdrawn_at(given_at + Duration::seconds(after));
        }
        consent
    }
}

/// Makes the subject a CN child born `age_days` before the CN date of `at`
/// (fewer than 14 years when `age_days < 14 * 365 - 5`).
fn make_cn_child(spec: &mut Spec, age_days: i64) {
    let today = spec
        .at
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    spec.subject = SubjectSpec {
        birth_date: Some(today - Duration::days(age_days)),
        ..SubjectSpec::default()
    };
}

fn decide(spec: &Spec) -> Decision {
    builtin().decide(&spec.build(builtin()))
}

/// The reason codes of a decision, as a sorted list.
fn codes(decision: &Decision) -> Vec<ReasonCode> {
    let mut codes: Vec<_> = decision
        .reasons()
        .iter()
        .map(lawful::Reason::code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

fn rests_on_consent(decision: &Decision) -> bool {
    decision.is_permit() && decision.basis() == Some(Basis::Consent)
}

/// The built-in policy with every permit rule taken out: only its
/// vocabulary, jurisdictions and deny rules are left.
static NO_PERMITS: LazyLock<Engine> = LazyLock::new(|| {
    let source = Engine::builtin_source();
    let mut kept = String::new();
    for (i, block) in source.split("\n[[").enumerate() {
        if i > 0 && block.starts_with("permit]]") {
            continue;
        }
        if i > 0 {
            kept.push_str("\n[[");
        }
        kept.push_str(block);
    }
    let engine = Engine::from_toml(&kept).unwrap_or_else(|e| panic!("{e}"));
    assert!(engine.rules().iter().all(|r| r.effect() == Effect::Deny));
    engine
});

/// The built-in policy, loaded a second time from its source.
static RELOADED: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_toml(Engine::builtin_source()).unwrap());

// --- the laws ------------------------------------------------------------------

proptest! {
    // 256 cases each; the unrelated-consent law discards the requests that
    // were not permitted to begin with (about 60%), hence the reject budget.
    #![proptest_config(ProptestConfig {
        cases: 256,
        max_global_rejects: 4096,
        ..ProptestConfig::default()
    })]

    /// SPEC.md §2: `decide` is a pure function of policy and request.
    #[test]
    fn decide_is_deterministic(spec in spec()) {
        let request = spec.build(builtin());
        let first = builtin().decide(&request);
        prop_assert_eq!(&first, &builtin().decide(&request));
        prop_assert_eq!(&first, &builtin().decide(&request.clone()));
        prop_assert_eq!(&first, &RELOADED.decide(&spec.build(&RELOADED)));
    }

    /// SPEC.md §5: deny by default. Without permit rules nothing is permitted.
    #[test]
    fn deny_by_default_without_rules(spec in spec()) {
        let decision = NO_PERMITS.decide(&spec.build(&NO_PERMITS));
        prop_assert_eq!(decision.effect(), Effect::Deny);
        prop_assert_eq!(decision.basis(), None);
    }

    /// SPEC.md §5 step 4, LEGAL.md C-03: withdrawal is never retroactive, and
    /// a consent withdrawn at or before `at` supports nothing at `at`.
    #[test]
    fn withdrawn_consent_never_supports_a_permit(
        spec in spec_with(prop::collection::vec(consent_spec(), 1..4).prop_map(|consents| {
            EvidenceSpec { consents, ..EvidenceSpec::default() }
        })),
        before in prop::collection::vec(0_i64..10_000_000, 3),
    ) {
        let mut spec = spec;
        for (consent, before) in spec.evidence.consents.iter_mut().zip(before) {
            // Withdrawn at `at - before`, given some time before that.
            let withdrawn = -before;
            consent.given = consent.given.min(withdrawn);
            consent.withdrawn_after = Some(withdrawn - consent.given);
        }
        let decision = decide(&spec);
        prop_assert!(!rests_on_consent(&decision), "{decision:?}");
    }

    /// SPEC.md §5 step 4, PIPL art. 29: a sensitive category needs separate
    /// consent; a bundled one never carries a consent-based permit.
    #[test]
    fn sensitive_data_never_permitted_on_plain_consent(
        spec in spec(),
        sensitive in prop::sample::select(
            builtin().categories().iter().filter(|c| c.touches().is_sensitive()).map(lawful::Category::name).collect::<Vec<_>>()
        ),
    ) {
        let mut spec = spec;
        spec.categories.push(sensitive);
        for consent in &mut spec.evidence.consents {
            consent.separate = false;
        }
        let decision = decide(&spec);
        prop_assert!(!rests_on_consent(&decision), "{decision:?}");
    }

    /// SPEC.md §5 step 4, PIPL art. 31: a child's consent comes from a
    /// verified guardian, never from the child or an unverified guardian.
    #[test]
    fn child_data_never_permitted_without_verified_guardian_consent(
        spec in spec(),
        age_days in 0_i64..(14 * 365 - 5),
    ) {
        // A request that names no category is invalid before any age is
        // judged (see `missing_information_never_permits`).
        prop_assume!(!spec.categories.is_empty());
        let mut spec = spec;
        make_cn_child(&mut spec, age_days);
        for consent in &mut spec.evidence.consents {
            if matches!(consent.grantor, Grant::Guardian(GuardianVerification::Verified)) {
                consent.grantor = Grant::Guardian(GuardianVerification::Unverified);
            }
        }
        let decision = decide(&spec);
        prop_assert_eq!(decision.age().map(|a| a.is_child()), Some(true));
        prop_assert!(!rests_on_consent(&decision), "{decision:?}");
    }

    /// SPEC.md §5 step 4, LEGAL.md A-4: a child's contract counts only with a
    /// verified guardian's consent, except for the purposes marked
    /// `before_guardian_consent` (age and guardian verification).
    #[test]
    fn a_childs_contract_needs_a_verified_guardian_consent(
        spec in spec(),
        age_days in 0_i64..(14 * 365 - 5),
    ) {
        let mut spec = spec;
        make_cn_child(&mut spec, age_days);
        spec.evidence.contract = true;
        spec.evidence.consents.retain(|c| {
            !matches!(c.grantor, Grant::Guardian(GuardianVerification::Verified))
        });
        let decision = decide(&spec);
        if decision.is_permit() && decision.basis() == Some(Basis::Contract) {
            let purpose = builtin().purpose(spec.purpose).unwrap();
            let purpose = builtin().purpose_info(purpose).unwrap();
            prop_assert!(purpose.is_before_guardian_consent(), "{decision:?}");
        }
    }

    /// SPEC.md §5 step 1: an invalid resident id is reported and ignored as
    /// an age source; the declared birth date alone gives the age.
    #[test]
    fn an_invalid_resident_id_is_reported_and_ignored(
        spec in spec(),
        id_birth in date(1950, 2026),
        declared in prop::option::of(date(1950, 2026)),
    ) {
        prop_assume!(!spec.categories.is_empty());
        let with = |resident_id| {
            let mut s = spec.clone();
            s.subject.resident_id = resident_id;
            s.subject.birth_date = declared;
            decide(&s)
        };
        let spoiled = with(Some((id_birth, true)));
        let without = with(None);
        prop_assert!(spoiled.has_reason(ReasonCode::ResidentIdInvalid), "{spoiled:?}");
        prop_assert_eq!(spoiled.age(), without.age());
        prop_assert_eq!(spoiled.effect(), without.effect());
        prop_assert_eq!(spoiled.basis(), without.basis());
    }

    /// A consent whose purposes do not cover the request's purpose cannot
    /// take anything away: a permit stays a permit, on the same basis.
    #[test]
    fn adding_an_unrelated_consent_never_turns_a_permit_into_a_deny(
        spec in spec(),
        extra in consent_spec(),
        unrelated in purpose(),
    ) {
        // A purpose that does not cover the request's: neither it nor a
        // dotted prefix of it.
        prop_assume!(!covers(unrelated, spec.purpose));
        let before = decide(&spec);
        prop_assume!(before.is_permit());
        let mut extra = extra;
        extra.covers_request = false;
        extra.purposes = vec![unrelated];
        let mut more = spec.clone();
        more.evidence.consents.push(extra);
        let after = decide(&more);
        prop_assert!(after.is_permit(), "before: {before:?}\nafter: {after:?}");
        prop_assert_eq!(after.basis(), before.basis());
    }

    /// SPEC.md §5 step 7 and §8: every permit rule has a retention period,
    /// so every permit says how long the data may be kept; a deny keeps nothing.
    #[test]
    fn a_permit_always_carries_retain_until(spec in spec()) {
        let decision = decide(&spec);
        prop_assert_eq!(
            decision.has_obligation(ObligationCode::RetainUntil),
            decision.is_permit(),
            "{:?}", decision
        );
    }

    /// SPEC.md §3: a deny carries at least one reason that denies, and no
    /// basis; a permit carries the rule that allowed it and no reason that
    /// denies.
    #[test]
    fn a_deny_always_has_a_reason_that_denies(spec in spec()) {
        let decision = decide(&spec);
        let denying = decision.reasons().iter().any(|r| r.code().denies());
        if decision.is_permit() {
            prop_assert!(!denying, "{decision:?}");
            prop_assert!(decision.has_reason(ReasonCode::RulePermits), "{decision:?}");
        } else {
            prop_assert!(denying, "{decision:?}");
            prop_assert_eq!(decision.basis(), None);
        }
    }

    /// SPEC.md §5 step 3: coverage is per category; the order the host lists
    /// them in changes nothing.
    #[test]
    fn the_decision_never_depends_on_the_order_of_categories(
        (spec, shuffled) in spec().prop_flat_map(|spec| {
            let categories = spec.categories.clone();
            (Just(spec), Just(categories).prop_shuffle())
        }),
    ) {
        let mut other = spec.clone();
        other.categories = shuffled;
        let (a, b) = (decide(&spec), decide(&other));
        prop_assert_eq!(a.effect(), b.effect());
        prop_assert_eq!(a.basis(), b.basis());
        prop_assert_eq!(codes(&a), codes(&b));
        let obligations = |d: &Decision| d.obligations().map(|o| (o.code(), o.due())).collect::<Vec<_>>();
        prop_assert_eq!(obligations(&a), obligations(&b));
    }

    /// SPEC.md §5 step 1, LEGAL.md A-2: with a resident id and a declared
    /// birth date, the younger age wins and the disagreement is reported.
    #[test]
    fn the_younger_age_source_always_wins(
        spec in spec(),
        from_id in date(1950, 2026),
        declared in date(1950, 2026),
    ) {
        let with = |resident_id, birth_date| {
            let mut s = spec.clone();
            s.subject = SubjectSpec { birth_date, resident_id, jurisdiction: spec.subject.jurisdiction };
            decide(&s).age()
        };
        let both = with(Some((from_id, false)), Some(declared));
        let id_alone = with(Some((from_id, false)), None);
        let declared_alone = with(None, Some(declared));
        match (id_alone, declared_alone) {
            (Some(a), Some(b)) => {
                let both = both.unwrap();
                prop_assert_eq!(both.years(), a.years().min(b.years()));
                prop_assert_eq!(both.is_child(), a.is_child() || b.is_child());
                prop_assert_eq!(both.sources_disagree(), a.years() != b.years());
            }
            (Some(one), None) | (None, Some(one)) => {
                let both = both.unwrap();
                prop_assert_eq!(both.years(), one.years());
                prop_assert!(!both.sources_disagree());
            }
            (None, None) => prop_assert!(both.is_none()),
        }
    }

    /// SPEC.md §5 step 4, LEGAL.md C-03: a consent holds exactly on
    /// `given_at <= at < withdrawn_at`, whatever offsets the instants are
    /// written in.
    #[test]
    fn a_consent_holds_exactly_from_given_until_withdrawn(
        at in instant(),
        given in -100_i64..100,
        withdrawn in prop::option::of(-100_i64..100),
        offsets in prop::collection::vec(prop::sample::select(OFFSETS), 2),
    ) {
        let engine = builtin();
        let given_at = in_offset(at + Duration::seconds(given), offsets[0]);
        let mut consent = Consent::by_subject(given_at)
            .separate()
            .purpose(engine.purpose("support.feedback").unwrap())
            .category(engine.category("support").unwrap());
        if let Some(w) = withdrawn {
            consent = consent.withdrawn_at(in_offset(at + Duration::seconds(w), offsets[1]));
        }
        let request = Request::new(Action::Use, engine.purpose("support.feedback").unwrap(), at)
            .category(engine.category("support.records").unwrap())
            .subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()))
            .evidence(Evidence::new().consent(consent));
        let decision = engine.decide(&request);
        let holds = given <= 0 && withdrawn.is_none_or(|w| 0 < w);
        prop_assert_eq!(decision.is_permit(), holds, "{:?}", decision);
        if !holds {
            let expected = if given > 0 && withdrawn.is_none_or(|w| w > 0) {
                ReasonCode::ConsentNotYetGiven
            } else {
                ReasonCode::ConsentWithdrawn
            };
            prop_assert!(decision.has_reason(expected), "{:?}", decision);
        }
    }
}

/// Whether purpose `a` covers `b`: equal, or a dotted prefix of it.
fn covers(a: &str, b: &str) -> bool {
    b == a || b.strip_prefix(a).is_some_and(|rest| rest.starts_with('.'))
}
