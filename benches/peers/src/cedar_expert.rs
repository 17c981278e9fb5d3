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
//! Cedar still authorizes one resource at a time and has no quantifier (no
//! `all`/`any` over a set, no set union): "every requested category is
//! covered by some rule offering the basis" is a "for all, exists" whose
//! rules may differ from category to category (the mix's
//! `browse-coarse-location` needs two), which one authorization cannot
//! express without listing every category again. So a request is still one
//! authorization per requested category (Cedar's batch model), each with the
//! whole request in its context.

use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Entities, PolicySet, Request as CedarRequest};
use lawful::Engine;
use serde_json::{Value, json};

use crate::Case;
use crate::cedar_literal::{
    Style, action_group, context, entity_ref, names_of, policy_text_in, uid,
};

/// A Cedar policy set, entity store and authorizer, built once.
pub struct CedarExpert {
    policies: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
}

/// One request in Cedar's form: an authorization per category.
pub struct Prepared {
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
        let entities = Entities::from_json_value(entities(engine), None).expect("entities");
        CedarExpert {
            policies,
            entities,
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
        let context = Context::from_json_value(ctx, None).expect("context");
        let action = uid("Action", doc["action"].as_str().unwrap_or_default());
        let requests = names
            .iter()
            .map(|c| {
                CedarRequest::new(
                    uid("Subject", "subject"),
                    action.clone(),
                    uid("Category", c),
                    context.clone(),
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
    // Each action is a member of the groups of the rules that name it.
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for rule in engine.rules() {
        let group = action_group(rule);
        if !groups.iter().any(|(g, _)| *g == group) {
            groups.push((group, rule.actions().map(|a| a.as_str()).collect()));
        }
    }
    for action in lawful::Action::ALL {
        let parents: Vec<Value> = groups
            .iter()
            .filter(|(_, members)| members.contains(&action.as_str()))
            .map(|(g, _)| entity_ref("Action", g))
            .collect();
        all.push(json!({"uid": {"type": "Action", "id": action.as_str()}, "attrs": {}, "parents": parents}));
    }
    for (group, _) in &groups {
        all.push(json!({"uid": {"type": "Action", "id": group}, "attrs": {}, "parents": []}));
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
