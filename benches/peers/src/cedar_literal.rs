//! The Cedar peer as first written ("literal"): the seed policy in Cedar's
//! language, each rule's categories and purposes spelled out as literal sets
//! of entities, with the category and purpose hierarchies as entities,
//! built once. [`crate::cedar_expert`] is the same translation with the
//! rules' scopes and the categories' flags in the entity store instead.
//!
//! Cedar authorizes one (principal, action, resource) at a time, so a
//! request is decided as Cedar is meant to be used: one authorization per
//! requested category (the resource, a `Category` entity whose ancestors
//! give the hierarchy), permitted when every one is allowed. The request's
//! other facts are in the context: the purpose (a `Purpose` entity), every
//! requested category name (for what the request as a whole touches:
//! personal, sensitive), the instants as `datetime`s, the evidence, and the
//! consent record. Cedar has no quantifier over a set of records, so the
//! context carries one consent; the mix never has more (checked).
//!
//! Each seed permit rule becomes one `permit` whose condition is the rule's
//! scope and, OR-ed, the evidence for each basis it offers (docs/decision-procedure.md
//! step 4); data that is not personal needs no basis (step 2). Each deny rule
//! and each action gate (step 5) becomes a `forbid`. Retention (step 6) is in
//! each permit: Cedar's durations have no calendar months, so a period of
//! months counts as 31 days a month and a year as 366 days (never stricter
//! than lawful; the mix is far from the boundaries).

use std::fmt::Write as _;
use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request as CedarRequest};
use lawful::{Action, Engine};
use lawful::policy::{Retention, Rule, SubjectScope};
use serde_json::{Value, json};

use crate::Case;
use crate::rego::period_parts;

/// A Cedar policy set, entity store and authorizer, built once.
pub struct CedarLiteral {
    policies: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
}

/// One request in Cedar's form: an authorization per category.
pub struct Prepared {
    requests: Vec<CedarRequest>,
}

impl CedarLiteral {
    /// Translates the seed policy and builds the entity store.
    ///
    /// # Panics
    ///
    /// When Cedar rejects the generated policy (a bug in the translation).
    pub fn new(engine: &Engine) -> CedarLiteral {
        let text = policy_text(engine);
        let policies = PolicySet::from_str(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let entities = Entities::from_json_value(entities(engine), None).expect("entities");
        CedarLiteral {
            policies,
            entities,
            authorizer: Authorizer::new(),
        }
    }

    /// The floor: the same entities and requests against a one-line
    /// permit-all policy, to show what any Cedar decision costs.
    ///
    /// # Panics
    ///
    /// Never in practice (the policy is fixed).
    pub fn permit_all(engine: &Engine) -> CedarLiteral {
        CedarLiteral {
            policies: PolicySet::from_str("permit (principal, action, resource);")
                .expect("permit-all"),
            entities: Entities::from_json_value(entities(engine), None).expect("entities"),
            authorizer: Authorizer::new(),
        }
    }

    /// Builds one request's authorizations (outside the timed loop).
    ///
    /// # Panics
    ///
    /// On a request with more than one consent, or a malformed document.
    pub fn prepare(case: &Case) -> Prepared {
        let doc = &case.doc;
        let consents = doc["evidence"]["consents"].as_array().map_or(0, Vec::len);
        assert!(
            consents <= 1,
            "{}: the Cedar context holds one consent",
            case.id
        );
        let context = context(case);
        let action = uid("Action", doc["action"].as_str().unwrap_or_default());
        let requests = doc["categories"]
            .as_array()
            .expect("categories")
            .iter()
            .map(|c| {
                CedarRequest::new(
                    uid("Subject", "subject"),
                    action.clone(),
                    uid("Category", c.as_str().unwrap_or_default()),
                    Context::from_json_value(context.clone(), None).expect("context"),
                    None,
                )
                .expect("request")
            })
            .collect();
        Prepared { requests }
    }

    /// Decides one prepared request: permit when every category is allowed.
    pub fn decide(&self, prepared: &Prepared) -> bool {
        !prepared.requests.is_empty()
            && prepared.requests.iter().all(|r| {
                self.authorizer
                    .is_authorized(r, &self.policies, &self.entities)
                    .decision()
                    == cedar_policy::Decision::Allow
            })
    }
}

pub(crate) fn uid(kind: &str, id: &str) -> EntityUid {
    EntityUid::from_str(&format!("{kind}::{}", quote(id))).expect("an entity uid")
}

pub(crate) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub(crate) fn entity_ref(kind: &str, id: &str) -> Value {
    json!({"__entity": {"type": kind, "id": id}})
}

/// A Cedar `datetime` from an RFC 3339 instant (`+08:00` becomes `+0800`).
pub(crate) fn datetime(rfc3339: &str) -> Value {
    let (head, offset) = rfc3339.split_at(rfc3339.len().saturating_sub(6));
    let arg = if offset.starts_with('+') || offset.starts_with('-') {
        format!("{head}{}", offset.replace(':', ""))
    } else {
        rfc3339.to_owned()
    };
    json!({"__extn": {"fn": "datetime", "arg": arg}})
}

/// The categories and purposes, each with its parent.
fn entities(engine: &Engine) -> Value {
    let mut all = Vec::new();
    let parent = |name: &str| name.rfind('.').map(|dot| name[..dot].to_owned());
    for c in engine.categories() {
        let parents: Vec<Value> = parent(c.name())
            .map(|p| entity_ref("Category", &p))
            .into_iter()
            .collect();
        all.push(
            json!({"uid": {"type": "Category", "id": c.name()}, "attrs": {}, "parents": parents}),
        );
    }
    for p in engine.purposes() {
        let parents: Vec<Value> = parent(p.name())
            .map(|q| entity_ref("Purpose", &q))
            .into_iter()
            .collect();
        all.push(
            json!({"uid": {"type": "Purpose", "id": p.name()}, "attrs": {}, "parents": parents}),
        );
    }
    Value::Array(all)
}

/// The request's context.
pub(crate) fn context(case: &Case) -> Value {
    let doc = &case.doc;
    let evidence = &doc["evidence"];
    let mut ctx = json!({
        "purpose": entity_ref("Purpose", doc["purpose"].as_str().unwrap_or_default()),
        "subject": case.subject,
        "personal": case.personal,
        "sensitive": case.sensitive,
        "linked_to_account": doc["linked_to_account"].as_bool().unwrap_or(false),
        "at": datetime(doc["at"].as_str().unwrap_or_default()),
        "contract": evidence["contract"].as_bool().unwrap_or(false),
        "legal_hold": doc["legal_hold"].as_bool().unwrap_or(false),
    });
    if let Some(at) = doc["collected_at"].as_str() {
        ctx["collected_at"] = datetime(at);
    }
    if let Some(citation) = evidence["legal_obligation"].as_str()
        && !citation.trim().is_empty()
    {
        ctx["legal_obligation"] = citation.into();
    }
    if let Some(e) = evidence.get("emergency") {
        ctx["emergency"] = json!({"ongoing": e["ongoing"].as_bool().unwrap_or(false)});
    }
    if let Some(p) = evidence.get("public_data") {
        ctx["public_data"] = json!({
            "same_context": p["same_context"].as_bool().unwrap_or(false),
            "subject_refused": p["subject_refused"].as_bool().unwrap_or(false),
        });
    }
    if let Some(r) = doc.get("recipient") {
        let mut recipient = json!({
            "kind": r["kind"].clone(),
            "accepts_policy": r["accepts_policy"].as_bool().unwrap_or(false),
            "security_assessment": r["security_assessment"].as_bool().unwrap_or(false),
        });
        if let Some(name) = r["name"].as_str().map(str::trim)
            && !name.is_empty()
        {
            recipient["name"] = name.into();
        }
        if let Some(region) = r["region"].as_str()
            && !region.is_empty()
        {
            recipient["region"] = region.into();
        }
        ctx["recipient"] = recipient;
    }
    for key in ["destination_region", "transfer_mechanism"] {
        if let Some(v) = doc[key].as_str() {
            ctx[key] = v.into();
        }
    }
    if let Some(c) = evidence["consents"]
        .as_array()
        .and_then(|list| list.first())
    {
        let names = |key: &str, kind: &str| -> Value {
            c[key]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|n| entity_ref(kind, n.as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_else(|| json!([]))
        };
        let mut consent = json!({
            "by": c["by"].as_str().unwrap_or("subject"),
            "guardian_verified": c["guardian_verified"].as_bool().unwrap_or(false),
            "separate": c["separate"].as_bool().unwrap_or(false),
            "purposes": names("purposes", "Purpose"),
            "categories": names("categories", "Category"),
            "actions": names("actions", "Action"),
            "recipients": c["recipients"].as_array().cloned().unwrap_or_default(),
            "given_at": datetime(c["given_at"].as_str().unwrap_or_default()),
        });
        if let Some(at) = c["withdrawn_at"].as_str() {
            consent["withdrawn_at"] = datetime(at);
        }
        ctx["consent"] = consent;
    }
    ctx
}

/// Cedar has no named sub-expressions: these are spliced into each policy.
struct Exprs {
    personal: String,
    sensitive: String,
    holds: String,
    grantor: String,
    guardian_access: String,
    acquirer_bound: String,
    acquirer_unbound: String,
    separate_required: String,
}

fn set_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| quote(n)).collect();
    format!("[{}]", quoted.join(", "))
}

fn entity_set(kind: &str, names: &[&str]) -> String {
    let uids: Vec<String> = names
        .iter()
        .map(|n| format!("{kind}::{}", quote(n)))
        .collect();
    format!("[{}]", uids.join(", "))
}

fn exprs(style: Style) -> Exprs {
    let (personal, sensitive) = match style {
        Style::Literal => ("context.personal".to_owned(), "context.sensitive".to_owned()),
        Style::Expert => (
            "(context.linked_to_account || Seed::\"policy\".personal.containsAny(context.categories))"
                .to_owned(),
            "Seed::\"policy\".sensitive.containsAny(context.categories)".to_owned(),
        ),
    };
    // The same test; the expert's form is one Cedar's validator can type
    // (it follows `has` through `&&` and `if`, not through `!_ || _`).
    let holds = match style {
        Style::Literal => {
            "(context.at >= context.consent.given_at && (!(context.consent has \
                           withdrawn_at) || context.at < context.consent.withdrawn_at))"
        }
        Style::Expert => {
            "(context.at >= context.consent.given_at && (if context.consent has \
                          withdrawn_at then context.at < context.consent.withdrawn_at else true))"
        }
    }
    .to_owned();
    let grantor = "((context.subject == \"adult\" && context.consent.by == \"subject\") || \
                   (context.subject == \"child\" && context.consent.by == \"guardian\" && \
                   context.consent.guardian_verified))"
        .to_owned();
    let guardian_access = format!(
        "(context.subject == \"child\" && context has recipient && context.recipient.kind == \
         \"guardian\" && context has consent && context.consent.by == \"guardian\" && \
         context.consent.guardian_verified && {holds})"
    );
    let acquirer_bound = "(action == Action::\"transfer\" && context has recipient && \
                          context.recipient.kind == \"acquirer\" && context.recipient.accepts_policy)"
        .to_owned();
    let acquirer_unbound = "(action == Action::\"transfer\" && context has recipient && \
                            context.recipient.kind == \"acquirer\" && !context.recipient.accepts_policy)"
        .to_owned();
    let separate_required = format!(
        "({sensitive} || context.subject == \"child\" || action in [Action::\"disclose\", \
         Action::\"export\"] || (action == Action::\"share\" && !{guardian_access}) || {acquirer_unbound})"
    );
    Exprs {
        personal,
        sensitive,
        holds,
        grantor,
        guardian_access,
        acquirer_bound,
        acquirer_unbound,
        separate_required,
    }
}

/// The evidence for one basis, as a Cedar condition (the basis step of docs/decision-procedure.md).
fn basis_condition(engine: &Engine, e: &Exprs, basis: lawful::Basis, style: Style) -> String {
    let valid = format!(
        "{} && {} && (context.consent.separate || !{})",
        e.holds, e.grantor, e.separate_required
    );
    match basis {
        lawful::Basis::Consent => format!(
            "(context has consent && context.purpose in context.consent.purposes && resource in \
             context.consent.categories && (context.consent.actions.isEmpty() || action in \
             context.consent.actions) && (!(action in [Action::\"share\", Action::\"transfer\", \
             Action::\"export\"]) || (context has recipient && (context.recipient.kind == \
             \"guardian\" || (context.recipient has name && \
             context.consent.recipients.contains(context.recipient.name))))) && {valid})"
        ),
        lawful::Basis::Contract => {
            let before = match style {
                Style::Literal => entity_set("Purpose", &crate::before_guardian_consent(engine)),
                Style::Expert => "Seed::\"policy\".before_guardian_consent".to_owned(),
            };
            format!(
                "(context.contract && (context.subject != \"child\" || {before}.contains(context.purpose) \
                 || (context has consent && context.purpose in context.consent.purposes && {valid})))"
            )
        }
        lawful::Basis::LegalObligation => "(context has legal_obligation)".to_owned(),
        lawful::Basis::Emergency => {
            "(context has emergency && context.emergency.ongoing)".to_owned()
        }
        lawful::Basis::PublicData => format!(
            "(context has public_data && context.public_data.same_context && \
             !context.public_data.subject_refused && !{} && context.subject != \"child\")",
            e.sensitive
        ),
        // GDPR bases the seed policy never offers: not modelled, never met.
        lawful::Basis::LegitimateInterests | lawful::Basis::PublicTask => "false".to_owned(),
    }
}

fn actions_of(rule: &Rule) -> Vec<Action> {
    rule.actions().collect()
}

fn action_scope(rule: &Rule, style: Style) -> String {
    match style {
        Style::Literal => {
            let actions: Vec<String> = actions_of(rule)
                .iter()
                .map(|a| format!("Action::{}", quote(a.as_str())))
                .collect();
            format!("action in [{}]", actions.join(", "))
        }
        Style::Expert => format!("action in Action::{}", quote(&action_group(rule))),
    }
}

/// The action group of a rule's actions (an action entity whose members
/// are those actions): `[collect|use|store]`.
pub(crate) fn action_group(rule: &Rule) -> String {
    let names: Vec<&str> = rule.actions().map(|a| a.as_str()).collect();
    format!("[{}]", names.join("|"))
}

/// The rule's purposes and categories by name; empty when the rule names
/// every root (`"*"` in the policy): no condition at all.
pub(crate) fn names_of<'a>(engine: &'a Engine, rule: &Rule) -> (Vec<&'a str>, Vec<&'a str>) {
    let purposes = rule
        .purposes()
        .iter()
        .filter_map(|&p| engine.purpose_info(p).map(|p| p.name()))
        .collect();
    let categories = rule
        .categories()
        .iter()
        .filter_map(|&c| engine.category_info(c).map(|c| c.name()))
        .collect();
    (
        any_if_all_roots(purposes, engine.purposes().iter().map(|p| p.name())),
        any_if_all_roots(categories, engine.categories().iter().map(|c| c.name())),
    )
}

fn any_if_all_roots<'a>(names: Vec<&'a str>, all: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut roots = all.filter(|n| !n.contains('.'));
    if roots.all(|root| names.contains(&root)) {
        Vec::new()
    } else {
        names
    }
}

/// `<subject> in [...]`, or nothing for "any"; a single name goes without
/// the set.
fn within(subject: &str, kind: &str, names: &[&str]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{subject} in {kind}::{}", quote(one))),
        _ => Some(format!("{subject} in {}", entity_set(kind, names))),
    }
}

/// The conditions a rule has on the subject and the recipient.
fn audience(rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    match rule.subjects() {
        SubjectScope::Child => out.push("context.subject == \"child\"".to_owned()),
        SubjectScope::Adult => out.push("context.subject == \"adult\"".to_owned()),
        SubjectScope::Any => {}
    }
    if let Some(kinds) = rule.recipient_kinds() {
        let kinds: Vec<&str> = kinds.map(|k| k.as_str()).collect();
        let test = match kinds.as_slice() {
            [one] => format!("context.recipient.kind == {}", quote(one)),
            _ => format!("{}.contains(context.recipient.kind)", set_of(&kinds)),
        };
        out.push(format!("context has recipient && {test}"));
    }
    out
}

/// Days a retention period lasts at most.
fn days(period: &str) -> i64 {
    let (amount, unit) = period_parts(period);
    match unit {
        'd' => amount,
        'w' => amount * 7,
        'm' => amount * 31,
        _ => amount * 366,
    }
}

/// The seed policy in Cedar.
pub fn policy_text(engine: &Engine) -> String {
    policy_text_in(engine, Style::Literal)
}

/// How a rule's scope and the request's flags are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Literal sets of entities in every policy; personal and sensitive
    /// worked out by the host.
    Literal,
    /// `resource in CategoryScope::"rule"`, `context.purpose in
    /// PurposeScope::"rule"` (the entity store holds the scopes); personal
    /// and sensitive from `Seed::"policy"`'s sets of categories.
    Expert,
}

pub(crate) fn policy_text_in(engine: &Engine, style: Style) -> String {
    let e = exprs(style);
    let mut text = String::from(
        "// The seed policy (policies/default.toml) in Cedar, translated by\n\
         // benches/peers/src/cedar_literal.rs. One authorization per requested category.\n",
    );
    for rule in engine.rules() {
        let (purposes, categories) = names_of(engine, rule);
        let mut scope: Vec<String> = Vec::new();
        let id = quote(rule.id());
        match style {
            Style::Literal => {
                if rule.effect() == lawful::Effect::Permit {
                    scope.extend(within("resource", "Category", &categories));
                }
                scope.extend(within("context.purpose", "Purpose", &purposes));
            }
            Style::Expert => {
                if rule.effect() == lawful::Effect::Permit && !categories.is_empty() {
                    scope.push(format!("resource in CategoryScope::{id}"));
                }
                if !purposes.is_empty() {
                    scope.push(format!("context.purpose in PurposeScope::{id}"));
                }
            }
        }
        scope.extend(audience(rule));
        if scope.is_empty() {
            scope.push("true".to_owned());
        }
        let scope = scope.join("\n  && ");
        if rule.effect() == lawful::Effect::Deny {
            let named: Vec<&str> = rule
                .categories()
                .iter()
                .filter_map(|&c| engine.category_info(c).map(|c| c.name()))
                .collect();
            let overlap: Vec<String> = named
                .iter()
                .map(|c| {
                    let c = format!("Category::{}", quote(c));
                    format!("resource in {c} || {c} in resource")
                })
                .collect();
            // Deletion is never denied by a rule of the policy (principle 12).
            let _ = write!(
                text,
                "\n// {clause}\n@id({id})\nforbid (principal, {actions}, resource)\nwhen {{\n  \
                 action != Action::\"delete\"\n  && {scope}\n  && ({overlap})\n}};\n",
                clause = rule.clause(),
                id = quote(rule.id()),
                actions = action_scope(rule, style),
                overlap = overlap.join(" || "),
            );
            continue;
        }
        let actions = actions_of(rule);
        let mut bases: Vec<String> = Vec::new();
        for &basis in rule.bases() {
            let mut condition = basis_condition(engine, &e, basis, style);
            let disclose_ok = matches!(
                basis,
                lawful::Basis::LegalObligation | lawful::Basis::Consent
            );
            if actions.contains(&Action::Disclose) && !disclose_ok {
                condition = format!("(action != Action::\"disclose\" && {condition})");
            }
            if actions.contains(&Action::Transfer) && basis != lawful::Basis::Consent {
                condition = format!("(!{} && {condition})", e.acquirer_unbound);
            }
            bases.push(condition);
        }
        if actions.contains(&Action::Transfer) {
            bases.push(e.acquirer_bound.clone());
        }
        let known_age = if rule.requires_known_age() {
            "\n  && context.subject != \"unknown\""
        } else {
            ""
        };
        let retention = match rule.retention() {
            Some(Retention::For(period)) => format!(
                "\n  && !({personal} && action != Action::\"delete\" && context has collected_at \
                 && context.at >= context.collected_at.offset(duration(\"{}d\")))",
                days(&period.to_string()),
                personal = e.personal
            ),
            _ => String::new(),
        };
        let _ = write!(
            text,
            "\n// {clause}\n@id({id})\npermit (principal, {actions}, resource)\n\
             when {{\n  {scope}{known_age}{retention}\n  \
             && (!{personal}\n      || {bases})\n}};\n",
            clause = rule.clause(),
            id = quote(rule.id()),
            actions = action_scope(rule, style),
            personal = e.personal,
            bases = bases.join("\n      || "),
        );
    }
    let storage = engine.storage_region();
    let _ = write!(
        text,
        "\n// Principle 12: deletion needs no basis and no rule, unless the data is\n\
         // under a legal hold (statutory minimums are not modelled).\n\
         @id(\"deletion-needs-no-basis\")\npermit (principal, action == Action::\"delete\", resource);\n\
         @id(\"legal-hold\")\nforbid (principal, action == Action::\"delete\", resource)\n\
         when {{ context.legal_hold }};\n\
         \n// Principle 2: share, entrust, transfer and export need a recipient; one\n\
         // named at all is named in full (name and region), but for the guardian\n\
         // their own consent names and the public of a disclosure. Personal or not.\n\
         @id(\"gate-recipient-identified\")\nforbid (principal, action, resource)\n\
         when {{ action != Action::\"delete\" && (if context has recipient then \
         !(context.recipient has name && context.recipient has region) && \
         !(context.recipient.kind == \"public\" && action == Action::\"disclose\") && \
         !(context.recipient.kind == \"guardian\" && context.recipient has name && \
         context has consent && context.consent.by == \"guardian\" && \
         context.consent.guardian_verified && {holds} && \
         context.consent.recipients.contains(context.recipient.name)) \
         else action in [Action::\"share\", Action::\"entrust\", Action::\"transfer\", \
         Action::\"export\"]) }};\n\
         \n// Step 5: storing outside the storage region.\n@id(\"gate-localization\")\n\
         forbid (principal, action == Action::\"store\", resource)\nwhen {{ {personal} && \
         context has destination_region && context.destination_region != {region} }};\n\
         \n// Step 5: export needs a transfer mechanism.\n@id(\"gate-transfer-mechanism\")\n\
         forbid (principal, action == Action::\"export\", resource)\nwhen {{ {personal} && \
         !(context has transfer_mechanism) }};\n\
         \n// Step 5: a child's data to anyone but the guardian needs a security assessment.\n\
         @id(\"gate-child-security-assessment\")\nforbid (principal, action in [Action::\"share\", \
         Action::\"entrust\", Action::\"transfer\"], resource)\nwhen {{ {personal} && \
         context.subject == \"child\" && !{guardian} && !(context has recipient && \
         context.recipient.security_assessment) }};\n",
        personal = e.personal,
        region = quote(storage.as_str()),
        guardian = e.guardian_access,
        holds = e.holds,
    );
    text
}
