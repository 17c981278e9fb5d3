//! Laws: properties every permit of a policy must have, checked over every
//! request class. The built-in laws state the engine's documented
//! principles; counsel add their own in the same TOML format.
//!
//! ```toml
//! [[law]]
//! id = "identity-exported-only-with-mechanism"
//! description = "Identity data is never exported without a mechanism."
//! when = { actions = ["export"], categories = ["identity.*"] }
//! expect = { requires = ["transfer_mechanism"] }
//! ```
//!
//! `when` selects the classes a law speaks of (every field optional; a list
//! matches any of its entries; all fields must match): `actions`,
//! `purposes` and `categories` (a name covers its dotted descendants;
//! `identity.*` is `identity`), `subjects` (`child`, `adult`, `unknown`,
//! as the engine found the age), `regimes` (the subject's: `pipl`, `gdpr`),
//! `recipients` (kinds, or `none`), `regions` (`abroad`: a recipient or
//! destination outside the area of a regime the data falls under;
//! `domestic`; `unnamed`: no destination and no recipient region; or
//! region codes), `flags` (`sensitive`,
//! `identifying`, `unique_identifier`, `device_or_log`, `never_provided`:
//! some requested category touches it), `evidence` (evidence classes such
//! as `consent_withdrawn`, `contract`), `bases` (the permit's basis),
//! `personal` (false: the engine found the data not personal),
//! `bound_acquirer` (a transfer to an acquirer that accepts the policy),
//! `records_withdrawal` (the purpose records a withdrawal of consent).
//!
//! `expect` says what every *permit* of those classes must have: `effect =
//! "deny"` (no permit at all), `requires` (the request carries at least one
//! of `transfer_mechanism`, `security_assessment`, `separate_consent`,
//! `guardian_consent`, `consent`, `contract`, `legal_obligation`),
//! `obligations_include` (obligation codes), `bases` (the basis is one of
//! these), `basis_not`, `has_basis`.

use serde::Deserialize;

use super::class::{EvidenceClass, RequestClass};
use super::space::{Related, Space};
use super::vocabulary::covers;
use crate::decision::{ObligationCode, ReasonCode, RecipientKind, TransferMechanism};
use crate::subject::Regime;
use crate::wire::RequestDoc;
use crate::{Action, Basis, Decision, Effect, Engine};

/// The built-in laws, as TOML.
pub const BUILTIN: &str = include_str!("builtin_laws.toml");

/// A law: the classes it speaks of, and what their permits must have.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Law {
    /// A short id.
    pub id: String,
    /// The law in words.
    pub description: String,
    /// Where it comes from (a statute, a principle, a clause).
    #[serde(default)]
    pub source: Option<String>,
    /// Which classes it speaks of.
    #[serde(default)]
    pub when: Selector,
    /// What their permits must have.
    pub expect: Expectation,
}

/// Which request classes a law speaks of.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// Actions.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Purposes (with descendants).
    #[serde(default)]
    pub purposes: Vec<String>,
    /// Categories (with descendants).
    #[serde(default)]
    pub categories: Vec<String>,
    /// `child`, `adult`, `unknown`.
    #[serde(default)]
    pub subjects: Vec<AgeSelector>,
    /// The subject's regime.
    #[serde(default)]
    pub regimes: Vec<Regime>,
    /// Recipient kinds, or `none`.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// `abroad`, `domestic`, or region codes.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Category flags.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// Evidence classes.
    #[serde(default)]
    pub evidence: Vec<EvidenceClass>,
    /// The permit's basis.
    #[serde(default)]
    pub bases: Vec<Basis>,
    /// Whether the engine found the data personal.
    #[serde(default)]
    pub personal: Option<bool>,
    /// Whether the class is a transfer to an acquirer that accepts the policy.
    #[serde(default)]
    pub bound_acquirer: Option<bool>,
    /// Whether the class's purpose records a withdrawal of consent (which
    /// needs no basis).
    #[serde(default)]
    pub records_withdrawal: Option<bool>,
}

/// A subject's age as the engine found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeSelector {
    /// A child.
    Child,
    /// Not a child.
    Adult,
    /// Age unknown.
    Unknown,
}

/// A category flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Sensitive.
    Sensitive,
    /// Identifying.
    Identifying,
    /// A unique identifier.
    UniqueIdentifier,
    /// Device or log information.
    DeviceOrLog,
    /// Never provided to others.
    NeverProvided,
}

/// A fact a request may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// A transfer mechanism.
    TransferMechanism,
    /// A security assessment of the recipient.
    SecurityAssessment,
    /// A separate consent in force (the subject's, or a verified guardian's).
    SeparateConsent,
    /// A verified guardian's consent in force.
    GuardianConsent,
    /// Any consent in force.
    Consent,
    /// A contract.
    Contract,
    /// A legal obligation.
    LegalObligation,
}

/// What every permit of the selected classes must have.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// `deny`: no permit at all.
    #[serde(default)]
    pub effect: Option<Effect>,
    /// At least one of these facts.
    #[serde(default)]
    pub requires: Vec<Fact>,
    /// Every one of these obligations.
    #[serde(default)]
    pub obligations_include: Vec<ObligationCode>,
    /// A basis among these.
    #[serde(default)]
    pub bases: Vec<Basis>,
    /// A basis not among these.
    #[serde(default)]
    pub basis_not: Vec<Basis>,
    /// A basis at all (or none).
    #[serde(default)]
    pub has_basis: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LawFile {
    #[serde(default)]
    law: Vec<Law>,
}

/// A laws file that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawError(String);

impl std::fmt::Display for LawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LawError {}

impl Law {
    /// Parses laws written in TOML (`[[law]]` tables).
    ///
    /// # Errors
    ///
    /// When the text is not a laws file, with the line and column.
    pub fn parse(text: &str) -> Result<Vec<Law>, LawError> {
        let file: LawFile = toml::from_str(text).map_err(|e| {
            // One line: where, and what (toml's caret lines dropped).
            let full = e.to_string();
            let lines: Vec<&str> = full
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let where_ = lines
                .first()
                .copied()
                .unwrap_or("")
                .trim_start_matches("TOML parse error ");
            let what = lines.last().copied().unwrap_or("");
            LawError(format!("{where_}: {what}"))
        })?;
        for law in &file.law {
            if law.expect.effect == Some(Effect::Permit) {
                return Err(LawError(format!(
                    "law `{}`: `effect` can only be \"deny\" (a law says what permits must have)",
                    law.id
                )));
            }
        }
        Ok(file.law)
    }

    /// The built-in laws.
    pub fn builtin() -> Vec<Law> {
        Law::parse(BUILTIN).unwrap_or_default()
    }

    /// When `class` is selected and its decision breaks the law, the
    /// request document that reproduces it (names from the selector
    /// substituted for the class's representatives).
    pub fn check(
        &self,
        space: &Space,
        engine: &Engine,
        class: &RequestClass,
        decision: &Decision,
    ) -> Option<RequestDoc> {
        if !decision.is_permit() {
            return None;
        }
        let (purpose, categories) = self.when.select(space, engine, class, decision)?;
        if self.expect.holds(space, class, decision) {
            return None;
        }
        let mut doc = space.request_doc(class);
        doc.purpose.clone_from(&purpose);
        doc.categories.clone_from(&categories);
        if let Some(e) = doc.evidence.as_mut() {
            for c in &mut e.consents {
                c.purposes = vec![purpose.clone()];
                c.categories.clone_from(&categories);
            }
        }
        Some(doc)
    }
}

impl Selector {
    /// Whether the class is selected; if so, a purpose and categories (class
    /// members) that match the selector.
    #[expect(
        clippy::too_many_lines,
        reason = "one test per selector field, in the order the docs list them"
    )]
    fn select(
        &self,
        space: &Space,
        engine: &Engine,
        class: &RequestClass,
        decision: &Decision,
    ) -> Option<(String, Vec<String>)> {
        if !self.actions.is_empty() && !self.actions.contains(&class.action) {
            return None;
        }
        let pick = |members: &[String], wanted: &[String]| -> Option<String> {
            if wanted.is_empty() {
                return members.first().cloned();
            }
            members
                .iter()
                .find(|m| wanted.iter().any(|w| covers(w.trim_end_matches(".*"), m)))
                .cloned()
        };
        let purpose = space
            .purpose_classes()
            .get(class.purpose as usize)
            .and_then(|p| pick(&p.members, &self.purposes))?;
        let set = space.category_sets().get(class.categories as usize)?;
        let classes: Vec<&super::vocabulary::NameClass> = set
            .classes
            .iter()
            .filter_map(|&c| space.category_classes().get(c as usize))
            .collect();
        let mut categories = Vec::new();
        let mut any = self.categories.is_empty();
        for c in &classes {
            match pick(&c.members, &self.categories) {
                Some(m) => {
                    any = true;
                    categories.push(m);
                }
                None => categories.push(c.name.clone()),
            }
        }
        if !any {
            return None;
        }
        let child = decision.age().map(|a| a.is_child());
        if !self.subjects.is_empty() {
            let age = match child {
                Some(true) => AgeSelector::Child,
                Some(false) => AgeSelector::Adult,
                None => AgeSelector::Unknown,
            };
            if !self.subjects.contains(&age) {
                return None;
            }
        }
        if !self.regimes.is_empty() {
            let regime = space
                .subject(class)
                .and_then(|s| engine.jurisdiction(&s.jurisdiction).ok())
                .and_then(|j| engine.jurisdiction_info(j))
                .and_then(crate::subject::Jurisdiction::regime);
            if !regime.is_some_and(|r| self.regimes.contains(&r)) {
                return None;
            }
        }
        let flow = space.flow(class)?;
        if !self.recipients.is_empty() {
            let kind = flow.recipient.as_ref().map_or("none", |r| r.kind.as_str());
            if !self.recipients.iter().any(|r| r == kind) {
                return None;
            }
        }
        if !self.regions.is_empty() {
            let abroad = space.leaves_area(engine, class);
            let at = [
                flow.destination,
                flow.recipient.as_ref().and_then(|r| r.region),
            ];
            let unnamed = at.iter().all(Option::is_none);
            let hit = self.regions.iter().any(|r| match r.as_str() {
                "abroad" => abroad,
                "domestic" => !abroad,
                "unnamed" => unnamed,
                code => at
                    .iter()
                    .flatten()
                    .any(|g| g.as_str().eq_ignore_ascii_case(code)),
            });
            if !hit {
                return None;
            }
        }
        if !self.flags.is_empty() {
            let touched = categories.iter().any(|name| {
                let t = engine
                    .category(name)
                    .ok()
                    .and_then(|c| engine.category_info(c))
                    .map(crate::policy::Category::touches);
                t.is_some_and(|t| {
                    self.flags.iter().any(|f| match f {
                        Flag::Sensitive => t.is_sensitive(),
                        Flag::Identifying => t.is_identifying(),
                        Flag::UniqueIdentifier => t.is_unique_identifier(),
                        Flag::DeviceOrLog => t.is_device_or_log(),
                        Flag::NeverProvided => t.is_never_provided(),
                    })
                })
            });
            if !touched {
                return None;
            }
        }
        if !self.evidence.is_empty() && !self.evidence.contains(&class.evidence) {
            return None;
        }
        if !self.bases.is_empty() && !decision.basis().is_some_and(|b| self.bases.contains(&b)) {
            return None;
        }
        if let Some(personal) = self.personal {
            if decision.has_reason(ReasonCode::NotPersonalInformation) == personal {
                return None;
            }
        }
        if let Some(wanted) = self.records_withdrawal {
            let is = engine
                .purpose(&purpose)
                .ok()
                .and_then(|id| engine.purpose_info(id))
                .is_some_and(crate::policy::Purpose::records_withdrawal);
            if is != wanted {
                return None;
            }
        }
        if let Some(bound) = self.bound_acquirer {
            let is = class.action == Action::Transfer
                && flow
                    .recipient
                    .as_ref()
                    .is_some_and(|r| r.kind == RecipientKind::Acquirer && r.accepts_policy);
            if is != bound {
                return None;
            }
        }
        Some((purpose, categories))
    }
}

impl Expectation {
    fn holds(&self, space: &Space, class: &RequestClass, decision: &Decision) -> bool {
        if self.effect == Some(Effect::Deny) {
            return false;
        }
        let e = class.evidence;
        let has = |fact: &Fact| match fact {
            Fact::TransferMechanism => !space.mechanisms(class).is_empty(),
            Fact::SecurityAssessment => class.security_assessment,
            Fact::SeparateConsent => e.has_separate_consent(),
            Fact::GuardianConsent => e.has_guardian_consent(),
            Fact::Consent => e.has_consent(),
            Fact::Contract => e.has_contract(),
            Fact::LegalObligation => e.has_legal_obligation(),
        };
        if !self.requires.is_empty() && !self.requires.iter().any(has) {
            return false;
        }
        if !self
            .obligations_include
            .iter()
            .all(|&o| decision.has_obligation(o))
        {
            return false;
        }
        let basis = decision.basis();
        if !self.bases.is_empty() && !basis.is_some_and(|b| self.bases.contains(&b)) {
            return false;
        }
        if basis.is_some_and(|b| self.basis_not.contains(&b)) {
            return false;
        }
        if let Some(want) = self.has_basis {
            if basis.is_some() != want {
                return false;
            }
        }
        true
    }
}

/// A law broken by a class: the law, how many classes break it, and the
/// first request that does.
#[derive(Clone, Debug)]
pub struct Violation {
    /// The law's id.
    pub law: String,
    /// How many classes break it.
    pub count: u64,
    /// The request documents of the first few that do.
    pub examples: Vec<RequestDoc>,
}

/// How many examples a violation keeps.
const EXAMPLES: usize = 3;

/// A relation between requests that every policy must satisfy: beside each
/// class that permits, the engine decides the class it relates to (the same
/// facts relabelled, with less, or with more), and the relation says what
/// that one must do. Built in: they prove that no label, missing fact or
/// second law opens anything, anywhere in a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relation {
    /// A short id.
    pub id: &'static str,
    /// The relation in words.
    pub description: &'static str,
    /// Where it comes from.
    pub source: &'static str,
}

/// The built-in relations, in the order `lawful verify` reports them.
pub const RELATIONS: [Relation; 6] = [
    Relation {
        id: "relabelling-never-opens",
        description: "A request naming a recipient, permitted under any label, is permitted under the provision its recipient makes (share, entrust, transfer, disclose).",
        source: "PIPL arts. 21-25; CAC-2019 arts. 16-18; facts over labels",
    },
    Relation {
        id: "naming-a-recipient-never-opens",
        description: "A collection, use or storage naming a recipient is permitted only if it is without one (or fails only for want of what went with the recipient: an identified, assessed party).",
        source: "PIPL art. 23: a recipient makes a provision",
    },
    Relation {
        id: "more-evidence-never-hurts",
        description: "Adding valid evidence (a contract, a consent, a legal obligation, a mechanism, an assessment) never turns a permit into a deny.",
        source: "the basis is the first under which the whole decision passes",
    },
    Relation {
        id: "a-withdrawal-never-opens",
        description: "A request permitted with a withdrawn consent is permitted with no consent at all.",
        source: "PIPL art. 15; GDPR art. 7(3)",
    },
    Relation {
        id: "a-second-regime-only-closes",
        description: "A request permitted under two regimes is permitted under each alone (the subject being who they are: a child under either threshold is a child to the policy's rules).",
        source: "PIPL art. 3; GDPR art. 3: every applicable law applies, any deny wins",
    },
    Relation {
        id: "adequacy-only-where-listed",
        description: "A transfer resting on adequacy reaches only destinations the adequacy table lists, on a date and for a recipient its decision covers.",
        source: "GDPR art. 45",
    },
];

/// The relations `class` (decided as `decision`) breaks, deciding the
/// classes it relates to with `related`.
fn broken_relations(
    space: &Space,
    engine: &Engine,
    class: &RequestClass,
    decision: &Decision,
    related: &Related<'_>,
) -> [bool; RELATIONS.len()] {
    let mut broken = [false; RELATIONS.len()];
    if !decision.is_permit() {
        return broken;
    }
    let permits = |c: &RequestClass| related.decide(c).is_none_or(|d| d.is_permit());
    let Some(flow) = space.flow(class) else {
        return broken;
    };
    let kind = flow.recipient.as_ref().map(|r| r.kind);
    // Relabelling: the same facts, as the provision the recipient makes.
    if let Some(provision) = kind.and_then(RecipientKind::provision)
        && provision != class.action
        && class.action != Action::Delete
    {
        broken[0] = !permits(&RequestClass {
            action: provision,
            ..*class
        });
    }
    // Naming: the same without the recipient, at home (abroad, the
    // party reached is information a flow needs, not an opening).
    if kind.is_some()
        && flow.destination.is_none()
        && matches!(class.action, Action::Collect | Action::Use | Action::Store)
    {
        let unnamed = space
            .flows()
            .iter()
            .position(|f| f.recipient.is_none() && f.destination == flow.destination);
        if let Some(index) = unnamed.and_then(|i| u32::try_from(i).ok()) {
            let without = related.decide(&RequestClass {
                flow: index,
                ..*class
            });
            // What goes with the recipient (its name, region, assessment)
            // is missing information, not a refusal.
            broken[1] = without.is_some_and(|d| {
                !d.is_permit()
                    && d.reasons().iter().filter(|r| r.code().denies()).any(|r| {
                        !matches!(
                            r.code(),
                            ReasonCode::RecipientUnidentified
                                | ReasonCode::SecurityAssessmentRequired
                        )
                    })
            });
        }
    }
    // More evidence: each stronger evidence class, an assessment.
    for &evidence in stronger(class.evidence) {
        broken[2] |= !permits(&RequestClass { evidence, ..*class });
    }
    if kind.is_some() && !class.security_assessment {
        broken[2] |= !permits(&RequestClass {
            security_assessment: true,
            ..*class
        });
    }
    // A withdrawal: the same with no consent at all.
    if class.evidence == EvidenceClass::ConsentWithdrawn {
        broken[3] = !permits(&RequestClass {
            evidence: EvidenceClass::None,
            ..*class
        });
    }
    // A second regime: each alone.
    let regimes = space
        .subject(class)
        .and_then(|s| s.jurisdiction.parse().ok())
        .map(|code| engine.regimes_for(code))
        .unwrap_or_default();
    if regimes.len() > 1 {
        broken[4] = regimes.iter().any(|&regime| {
            related
                .decide_under(class, regime)
                .is_some_and(|d| !d.is_permit())
        });
    }
    // Adequacy: a permit under the GDPR whose only GDPR mechanism is
    // adequacy reaches only listed places.
    let mechanisms = space.mechanisms(class);
    let under_gdpr = regimes.contains(&Regime::Gdpr);
    let gdpr_tools: Vec<_> = mechanisms
        .iter()
        .filter(|m| Regime::Gdpr.recognises(**m))
        .collect();
    if under_gdpr && gdpr_tools == [&TransferMechanism::Adequacy] {
        let on = space.at().date_naive();
        let to = flow
            .recipient
            .as_ref()
            .filter(|r| r.kind != RecipientKind::Public)
            .and_then(|r| r.region);
        broken[5] = [to, flow.destination]
            .into_iter()
            .flatten()
            .filter(|&r| !Regime::Gdpr.covers(r))
            .any(|r| !engine.adequacy_holds(r, on, false, None));
    }
    broken
}

/// The evidence classes that hold all of `evidence` and more that is valid.
fn stronger(evidence: EvidenceClass) -> &'static [EvidenceClass] {
    match evidence {
        EvidenceClass::None => &[
            EvidenceClass::Contract,
            EvidenceClass::LegalObligation,
            EvidenceClass::Consent,
        ],
        EvidenceClass::Contract => &[
            EvidenceClass::ContractAndConsent,
            EvidenceClass::ContractAndGuardianConsent,
        ],
        EvidenceClass::Consent => &[EvidenceClass::ContractAndConsent],
        EvidenceClass::GuardianConsent => &[EvidenceClass::ContractAndGuardianConsent],
        _ => &[],
    }
}

/// Checks `laws` and the built-in [`RELATIONS`] over every class of `space`
/// under `engine`; the laws broken (by id), in the order given, then the
/// relations, with the run's figures.
pub fn verify(space: &Space, engine: &Engine, laws: &[Law]) -> (Vec<Violation>, super::Stats) {
    let slots = laws.len() + RELATIONS.len();
    let init = || -> Vec<(u64, Vec<RequestDoc>)> { vec![(0, Vec::new()); slots] };
    let (per_worker, stats) =
        space.explore_related(&[engine], init, |state, class, decisions, related| {
            let Some(Some(decision)) = decisions.first() else {
                return;
            };
            if !decision.is_permit() {
                return;
            }
            let (law_slots, relation_slots) = state.split_at_mut(laws.len());
            for (law, slot) in laws.iter().zip(law_slots.iter_mut()) {
                if slot.1.len() >= EXAMPLES {
                    // Count without building the document again.
                    if law.check(space, engine, class, decision).is_some() {
                        slot.0 += 1;
                    }
                    continue;
                }
                if let Some(doc) = law.check(space, engine, class, decision) {
                    slot.0 += 1;
                    slot.1.push(doc);
                }
            }
            let broken = broken_relations(space, engine, class, decision, related);
            for (slot, _) in relation_slots
                .iter_mut()
                .zip(broken)
                .filter(|(_, broken)| *broken)
            {
                slot.0 += 1;
                if slot.1.len() < EXAMPLES {
                    slot.1.push(space.request_doc(class));
                }
            }
        });
    let mut violations: Vec<Violation> = laws
        .iter()
        .map(|l| l.id.clone())
        .chain(RELATIONS.iter().map(|r| r.id.to_owned()))
        .map(|law| Violation {
            law,
            count: 0,
            examples: Vec::new(),
        })
        .collect();
    for state in per_worker {
        for (v, (count, examples)) in violations.iter_mut().zip(state) {
            v.count += count;
            for e in examples {
                if v.examples.len() < EXAMPLES {
                    v.examples.push(e);
                }
            }
        }
    }
    violations.retain(|v| v.count > 0);
    (violations, stats)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;
    use crate::analysis::Options;

    /// A policy whose `use` rule lets a third party receive account data on
    /// a contract, while sharing needs consent: a label hole, were the
    /// engine to decide requests as labelled.
    const USE_OPENS_A_SHARE: &str = r#"
[policy]
id = "label-hole"
version = "1"
home_jurisdiction = "CN"
storage_region = "CN"

[[jurisdiction]]
code = "CN"
child_age = 14
time_zone = "Asia/Shanghai"

[[category]]
name = "account.phone"
identifying = true

[[purpose]]
name = "support"

[[permit]]
id = "use"
clause = "Use"
actions = ["use"]
purposes = ["support"]
categories = ["account"]
recipients = ["third_party"]
bases = ["contract"]
retention = "1y"

[[permit]]
id = "share"
clause = "Share"
actions = ["share"]
purposes = ["support"]
categories = ["account"]
recipients = ["third_party"]
bases = ["consent"]
retention = "1y"
"#;

    fn broken(engine: &Engine) -> Vec<String> {
        let space = Space::build(&[engine], Options::default());
        let (violations, _) = verify(&space, engine, &[]);
        violations.into_iter().map(|v| v.law).collect()
    }

    /// The relation finds a `use` rule that would open a provision, and
    /// the engine's provision pass closes it.
    #[test]
    fn relabelling_never_opens_catches_a_use_rule_that_would_open_a_share() {
        let engine = Engine::from_toml(USE_OPENS_A_SHARE).unwrap();
        assert!(
            broken(&engine.clone().labels_only()).contains(&"relabelling-never-opens".to_owned())
        );
        assert!(!broken(&engine).contains(&"relabelling-never-opens".to_owned()));
    }
}
