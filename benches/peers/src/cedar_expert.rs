//! The Cedar peer as a Cedar author would write it ("expert"): the same
//! rules as [`crate::cedar_literal`], with what is static in the entity
//! store, built once, instead of spelled out in every policy:
//!
//! - each permit rule's categories are a group: `Category::"log.crash"` is
//!   `in CategoryScope::"browse"` (a parent), and the category hierarchy does
//!   the rest, so a rule's scope is `resource in CategoryScope::"browse"`,
//!   not a literal set of entities evaluated on every request; likewise each
//!   rule's purposes (`context.purpose in PurposeScope::"browse"`);
//! - what a request touches is Cedar's to work out, not the host's: the
//!   context carries the requested categories as a `Set<Category>`, and
//!   personal and sensitive are `containsAny` of the `Seed::"policy"`
//!   entity's sets (the categories personal on their own, the sensitive
//!   ones), so the host gives Cedar only the subject's age reading.
//!
//! - a schema (entity types, the action groups, the context's shape) against
//!   which the policies are validated (strict mode) and the entities,
//!   contexts and requests checked when they are built;
//! - the policy set is sliced by action once, at start-up: a request is
//!   authorized against the policies whose action scope admits its action
//!   (the others cannot apply), as a host indexing its policies would (each
//!   policy Cedar evaluates costs allocations, even when its scope fails).
//!
//! Cedar still authorizes one resource at a time and has no quantifier (no
//! `all`/`any` over a set, no set union): "every requested category is
//! covered by some rule offering the basis" is a "for all, exists" whose
//! rules may differ from category to category (the mix's
//! `browse-coarse-location` needs two), which one authorization cannot
//! express without listing every category again. So a request is still one
//! authorization per requested category (Cedar's batch model), each with the
//! whole request in its context.

use std::str::FromStr;

use cedar_policy::{
    ActionConstraint, Authorizer, Context, Entities, PolicySet, Request as CedarRequest, Schema,
    ValidationMode, Validator,
};
use lawful::Engine;
use serde_json::{Value, json};

use crate::Case;
use crate::cedar_literal::{
    Style, action_group, context, entity_ref, names_of, policy_text_in, uid,
};

/// A Cedar policy set sliced by action, entity store and authorizer, built
/// once.
pub struct CedarExpert {
    schema: Schema,
    /// The policies that may apply to each action, in `Action::ALL` order.
    slices: Vec<PolicySet>,
    entities: Entities,
    authorizer: Authorizer,
}

/// One request in Cedar's form: its action's slice, an authorization per
/// category.
pub struct Prepared {
    slice: usize,
    requests: Vec<CedarRequest>,
}

impl CedarExpert {
    /// Translates the seed policy and builds the entity store.
    ///
    /// # Panics
    ///
    /// When Cedar rejects the generated policy (a bug in the translation).
    pub fn new(engine: &Engine) -> CedarExpert {
        let text = policy_text(engine);
        let policies = PolicySet::from_str(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let schema_text = schema_text(engine);
        let (schema, _) = Schema::from_cedarschema_str(&schema_text)
            .unwrap_or_else(|e| panic!("{e:?}\n{schema_text}"));
        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        assert!(
            validation.validation_passed(),
            "the Cedar policy does not validate against its schema:\n{}",
            validation
                .validation_errors()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        let entities =
            Entities::from_json_value(entities(engine), Some(&schema)).expect("entities");
        let slices = lawful::Action::ALL
            .iter()
            .map(|action| {
                let mut slice = PolicySet::new();
                for policy in policies.policies() {
                    if admits(&policy.action_constraint(), action.as_str()) {
                        slice.add(policy.clone()).expect("a policy id once");
                    }
                }
                slice
            })
            .collect();
        CedarExpert {
            schema,
            slices,
            entities,
            authorizer: Authorizer::new(),
        }
    }

    /// Builds one request's authorizations (outside the timed loop).
    ///
    /// # Panics
    ///
    /// On a request with more than one consent, or a malformed document.
    pub fn prepare(&self, case: &Case) -> Prepared {
        let doc = &case.doc;
        let consents = doc["evidence"]["consents"].as_array().map_or(0, Vec::len);
        assert!(
            consents <= 1,
            "{}: the Cedar context holds one consent",
            case.id
        );
        let names: Vec<&str> = doc["categories"]
            .as_array()
            .expect("categories")
            .iter()
            .map(|c| c.as_str().unwrap_or_default())
            .collect();
        let mut ctx = context(case);
        // The host's flags are left out: Cedar works them out.
        if let Some(map) = ctx.as_object_mut() {
            map.remove("personal");
            map.remove("sensitive");
        }
        ctx["categories"] = names.iter().map(|c| entity_ref("Category", c)).collect();
        let name = doc["action"].as_str().unwrap_or_default();
        let slice = lawful::Action::ALL
            .iter()
            .position(|a| a.as_str() == name)
            .expect("a known action");
        let action = uid("Action", name);
        let context = Context::from_json_value(ctx, Some((&self.schema, &action)))
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.id));
        let requests = names
            .iter()
            .map(|c| {
                CedarRequest::new(
                    uid("Subject", "subject"),
                    action.clone(),
                    uid("Category", c),
                    context.clone(),
                    Some(&self.schema),
                )
                .expect("request")
            })
            .collect();
        Prepared { slice, requests }
    }

    /// Decides one prepared request: permit when every category is allowed.
    pub fn decide(&self, prepared: &Prepared) -> bool {
        let policies = &self.slices[prepared.slice];
        !prepared.requests.is_empty()
            && prepared.requests.iter().all(|r| {
                self.authorizer
                    .is_authorized(r, policies, &self.entities)
                    .decision()
                    == cedar_policy::Decision::Allow
            })
    }
}

/// Whether a policy's action scope admits `action`: any action, the action
/// itself, or an action group (`[collect|use|store]`) naming it.
fn admits(constraint: &ActionConstraint, action: &str) -> bool {
    let names = |uid: &cedar_policy::EntityUid| -> Vec<String> {
        let id = uid.id().unescaped();
        id.trim_start_matches('[')
            .trim_end_matches(']')
            .split('|')
            .map(str::to_owned)
            .collect()
    };
    match constraint {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(uid) => names(uid).iter().any(|n| n == action),
        ActionConstraint::In(uids) => uids
            .iter()
            .any(|uid| names(uid).iter().any(|n| n == action)),
    }
}

/// The seed policy in Cedar, scopes by group membership.
pub fn policy_text(engine: &Engine) -> String {
    policy_text_in(engine, Style::Expert).replace(
        "benches/peers/src/cedar_literal.rs",
        "benches/peers/src/cedar_expert.rs",
    )
}

/// The categories and purposes with their parents and the rules naming
/// them, the rules' scopes, and the policy's sets of categories.
fn entities(engine: &Engine) -> Value {
    let parent = |name: &str| name.rfind('.').map(|dot| name[..dot].to_owned());
    let mut category_scopes: Vec<(&str, &str)> = Vec::new();
    let mut purpose_scopes: Vec<(&str, &str)> = Vec::new();
    for rule in engine.rules() {
        let (purposes, categories) = names_of(engine, rule);
        if rule.effect() == lawful::Effect::Permit {
            category_scopes.extend(categories.iter().map(|c| (*c, rule.id())));
        }
        purpose_scopes.extend(purposes.iter().map(|p| (*p, rule.id())));
    }
    let mut all = Vec::new();
    let mut personal = Vec::new();
    let mut sensitive = Vec::new();
    for c in engine.categories() {
        let mut parents: Vec<Value> = parent(c.name())
            .map(|p| entity_ref("Category", &p))
            .into_iter()
            .collect();
        parents.extend(
            category_scopes
                .iter()
                .filter(|(name, _)| *name == c.name())
                .map(|(_, rule)| entity_ref("CategoryScope", rule)),
        );
        let t = c.touches();
        if !(t.is_device_or_log() && t.may_be_non_personal())
            || t.is_identifying()
            || t.is_unique_identifier()
            || t.is_sensitive()
        {
            personal.push(entity_ref("Category", c.name()));
        }
        if t.is_sensitive() {
            sensitive.push(entity_ref("Category", c.name()));
        }
        all.push(
            json!({"uid": {"type": "Category", "id": c.name()}, "attrs": {}, "parents": parents}),
        );
    }
    for p in engine.purposes() {
        let mut parents: Vec<Value> = parent(p.name())
            .map(|q| entity_ref("Purpose", &q))
            .into_iter()
            .collect();
        parents.extend(
            purpose_scopes
                .iter()
                .filter(|(name, _)| *name == p.name())
                .map(|(_, rule)| entity_ref("PurposeScope", rule)),
        );
        all.push(
            json!({"uid": {"type": "Purpose", "id": p.name()}, "attrs": {}, "parents": parents}),
        );
    }
    for rule in engine.rules() {
        for kind in ["CategoryScope", "PurposeScope"] {
            all.push(json!({"uid": {"type": kind, "id": rule.id()}, "attrs": {}, "parents": []}));
        }
    }
    let before: Vec<Value> = crate::before_guardian_consent(engine)
        .iter()
        .map(|p| entity_ref("Purpose", p))
        .collect();
    all.push(json!({
        "uid": {"type": "Seed", "id": "policy"},
        "attrs": {
            "personal": personal,
            "sensitive": sensitive,
            "before_guardian_consent": before,
        },
        "parents": [],
    }));
    Value::Array(all)
}

/// The schema: entity types, the actions and their groups, the context.
fn schema_text(engine: &Engine) -> String {
    let mut groups: Vec<String> = Vec::new();
    for rule in engine.rules() {
        let group = action_group(rule);
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    let mut text = String::from(
        "entity Subject;\n\
         entity CategoryScope;\n\
         entity PurposeScope;\n\
         entity Category in [Category, CategoryScope];\n\
         entity Purpose in [Purpose, PurposeScope];\n\
         entity Seed = { personal: Set<Category>, sensitive: Set<Category>, \
         before_guardian_consent: Set<Purpose> };\n\
         type Recipient = { kind: String, accepts_policy: Bool, security_assessment: Bool, \
         name?: String, region?: String };\n\
         type Consent = { by: String, guardian_verified: Bool, separate: Bool, \
         purposes: Set<Purpose>, categories: Set<Category>, actions: Set<Action>, \
         recipients: Set<String>, given_at: datetime, withdrawn_at?: datetime };\n\
         type Ctx = { purpose: Purpose, subject: String, linked_to_account: Bool, \
         at: datetime, contract: Bool, legal_hold: Bool, categories: Set<Category>, \
         collected_at?: datetime, legal_obligation?: String, \
         emergency?: { ongoing: Bool }, \
         public_data?: { same_context: Bool, subject_refused: Bool }, \
         recipient?: Recipient, destination_region?: String, transfer_mechanism?: String, \
         consent?: Consent };\n",
    );
    for group in &groups {
        text.push_str(&format!("action {};\n", crate::cedar_literal::quote(group)));
    }
    for action in lawful::Action::ALL {
        let member_of: Vec<String> = groups
            .iter()
            .filter(|g| {
                g.trim_start_matches('[')
                    .trim_end_matches(']')
                    .split('|')
                    .any(|a| a == action.as_str())
            })
            .map(|g| crate::cedar_literal::quote(g))
            .collect();
        text.push_str(&format!(
            "action {} in [{}] appliesTo {{ principal: Subject, resource: Category, context: Ctx }};\n",
            crate::cedar_literal::quote(action.as_str()),
            member_of.join(", ")
        ));
    }
    text
}
