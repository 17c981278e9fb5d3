//! The Rego peer: regorus with `policy.rego` and the seed policy's rules as
//! data, built once; per request, set the input and evaluate the result rule.

use chrono::DateTime;
use lawful::Engine;
use lawful::policy::{Retention, Rule};
use serde_json::{Map, Value, json};

use crate::{Case, Outcome};

/// The Rego procedure (docs/decision-procedure.md).
pub const POLICY: &str = include_str!("policy.rego");

/// The hierarchy test by string prefixes (the first formulation).
pub const STRINGS: &str = include_str!("hierarchy_strings.rego");

/// The hierarchy test by look-ups in precomputed ancestor sets.
pub const INDEXED: &str = include_str!("hierarchy_indexed.rego");

/// How `policy.rego` tells whether a name covers another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hierarchy {
    /// `startswith(name, concat("", [prefix, "."]))`, per test.
    Strings,
    /// `data.lawful.within.categories[name][prefix]`: each name's ancestors,
    /// built once with the data.
    Indexed,
}

/// The rule evaluated per request.
pub const RESULT: &str = "data.lawful.result";

/// A regorus engine holding the policy and the data.
pub struct RegoPeer {
    engine: regorus::Engine,
}

impl RegoPeer {
    /// Builds the engine once: the procedure, and the seed policy as data.
    ///
    /// # Panics
    ///
    /// When regorus rejects the policy or the data.
    pub fn new(lawful: &Engine, hierarchy: Hierarchy) -> RegoPeer {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("policy.rego".into(), POLICY.into())
            .expect("the Rego policy compiles");
        let (name, text) = match hierarchy {
            Hierarchy::Strings => ("hierarchy_strings.rego", STRINGS),
            Hierarchy::Indexed => ("hierarchy_indexed.rego", INDEXED),
        };
        engine
            .add_policy(name.into(), text.into())
            .expect("the hierarchy test compiles");
        let data = regorus::Value::from_json_str(&data(lawful).to_string()).expect("data");
        engine.add_data(data).expect("the data loads");
        RegoPeer { engine }
    }

    /// The floor: the same data and inputs, with a policy whose result is a
    /// constant, to show what any regorus evaluation costs.
    ///
    /// # Panics
    ///
    /// Never in practice (the policy is fixed).
    pub fn constant(lawful: &Engine) -> RegoPeer {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy(
                "constant.rego".into(),
                "package lawful\n\nresult := {\"effect\": \"permit\", \"basis\": null}\n".into(),
            )
            .expect("the constant policy compiles");
        let data = regorus::Value::from_json_str(&data(lawful).to_string()).expect("data");
        engine.add_data(data).expect("the data loads");
        RegoPeer { engine }
    }

    /// The input of one request (outside the timed loop).
    ///
    /// # Panics
    ///
    /// On a malformed request document.
    pub fn input(case: &Case) -> regorus::Value {
        regorus::Value::from_json_str(&input(case).to_string()).expect("input")
    }

    /// Decides one prepared request.
    ///
    /// # Panics
    ///
    /// When evaluation fails (a broken policy).
    pub fn decide(&mut self, input: &regorus::Value) -> Outcome {
        self.engine.set_input(input.clone());
        let result = self
            .engine
            .eval_rule(RESULT.to_owned())
            .expect("the result evaluates");
        let permit = result["effect"] == regorus::Value::from("permit");
        let basis = match &result["basis"] {
            regorus::Value::String(s) => Some(s.to_string()),
            _ => None,
        };
        Outcome { permit, basis }
    }
}

/// The seed policy as Rego data.
pub fn data(engine: &Engine) -> Value {
    let mut categories = Map::new();
    for c in engine.categories() {
        let t = c.touches();
        categories.insert(
            c.name().to_owned(),
            json!({
                "sensitive": t.is_sensitive(),
                "identifying": t.is_identifying(),
                "unique": t.is_unique_identifier(),
                "non_personal_alone": t.is_device_or_log() && t.may_be_non_personal(),
            }),
        );
    }
    let before = crate::before_guardian_consent(engine);
    let rules = |effect: lawful::Effect| -> Vec<Value> {
        engine
            .rules()
            .iter()
            .filter(|r| r.effect() == effect)
            .map(|r| rule(engine, r))
            .collect()
    };
    // Each name's ancestors, itself included (for Hierarchy::Indexed).
    let within = |names: Vec<&str>| -> Value {
        let mut out = Map::new();
        for name in names {
            let mut up = Map::new();
            let mut at = name;
            loop {
                up.insert(at.to_owned(), Value::Bool(true));
                match at.rfind('.') {
                    Some(dot) => at = &at[..dot],
                    None => break,
                }
            }
            out.insert(name.to_owned(), Value::Object(up));
        }
        Value::Object(out)
    };
    // Each action's rules, in policy order (for Hierarchy::Indexed).
    let mut by_action = Map::new();
    for action in lawful::Action::ALL {
        let of = |effect: lawful::Effect| -> Vec<Value> {
            engine
                .rules()
                .iter()
                .filter(|r| r.effect() == effect && r.actions().any(|a| a == *action))
                .map(|r| rule(engine, r))
                .collect()
        };
        by_action.insert(
            action.as_str().to_owned(),
            json!({"permits": of(lawful::Effect::Permit), "denies": of(lawful::Effect::Deny)}),
        );
    }
    json!({
        "lawful": {
            "by_action": by_action,
            "within": {
                "categories": within(engine.categories().iter().map(|c| c.name()).collect()),
                "purposes": within(engine.purposes().iter().map(|p| p.name()).collect()),
            },
            "storage_region": engine.storage_region().as_str(),
            "categories": categories,
            "before_guardian_consent": before,
            "permits": rules(lawful::Effect::Permit),
            "denies": rules(lawful::Effect::Deny),
        }
    })
}

fn rule(engine: &Engine, rule: &Rule) -> Value {
    let purposes: Vec<&str> = rule
        .purposes()
        .iter()
        .filter_map(|&p| engine.purpose_info(p).map(|p| p.name()))
        .collect();
    let purposes = star_if_all_roots(purposes, engine.purposes().iter().map(|p| p.name()));
    let categories: Vec<&str> = rule
        .categories()
        .iter()
        .filter_map(|&c| engine.category_info(c).map(|c| c.name()))
        .collect();
    let categories = star_if_all_roots(categories, engine.categories().iter().map(|c| c.name()));
    let retention = match rule.retention() {
        Some(Retention::For(period)) => {
            let (amount, unit) = period_parts(&period.to_string());
            let mut p = json!({"years": 0, "months": 0, "days": 0});
            match unit {
                'd' => p["days"] = amount.into(),
                'w' => p["days"] = (amount * 7).into(),
                'm' => p["months"] = amount.into(),
                _ => p["years"] = amount.into(),
            }
            p
        }
        _ => Value::Null,
    };
    json!({
        "id": rule.id(),
        "actions": rule.actions().map(|a| a.as_str()).collect::<Vec<_>>(),
        "purposes": purposes,
        "categories": categories,
        "recipients": rule
            .recipient_kinds()
            .map(|kinds| kinds.map(|k| k.as_str()).collect::<Vec<_>>()),
        "subjects": rule.subjects().as_str(),
        "requires_known_age": rule.requires_known_age(),
        "bases": rule.bases().iter().map(|b| b.as_str()).collect::<Vec<_>>(),
        "retention": retention,
    })
}

/// `["*"]` for a rule that names every root (`"*"` in the policy).
fn star_if_all_roots<'a>(names: Vec<&'a str>, all: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut roots = all.filter(|n| !n.contains('.'));
    if roots.all(|root| names.contains(&root)) {
        vec!["*"]
    } else {
        names
    }
}

/// `6m` as (6, 'm').
pub fn period_parts(text: &str) -> (i64, char) {
    let unit = text.chars().last().unwrap_or('d');
    let amount = text.trim_end_matches(unit).parse().unwrap_or(0);
    (amount, unit)
}

fn nanos(text: &Value) -> Value {
    text.as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .and_then(|t| t.timestamp_nanos_opt())
        .map_or(Value::Null, Value::from)
}

/// The request document with instants in nanoseconds and the subject as the
/// host reads it.
pub fn input(case: &Case) -> Value {
    let doc = &case.doc;
    let mut input = doc.clone();
    input["subject"] = case.subject.into();
    input["at_ns"] = nanos(&doc["at"]);
    if let Some(collected) = doc.get("collected_at") {
        input["collected_at_ns"] = nanos(collected);
    }
    if input.get("evidence").is_none() {
        input["evidence"] = json!({});
    }
    let consents: Vec<Value> = doc["evidence"]["consents"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| {
                    let mut c = c.clone();
                    for key in ["purposes", "categories", "actions", "recipients"] {
                        if c.get(key).is_none() {
                            c[key] = json!([]);
                        }
                    }
                    c["given_ns"] = nanos(&c["given_at"]);
                    if !c["withdrawn_at"].is_null() {
                        c["withdrawn_ns"] = nanos(&c["withdrawn_at"]);
                    }
                    if c.get("by").is_none() {
                        c["by"] = "subject".into();
                    }
                    c
                })
                .collect()
        })
        .unwrap_or_default();
    input["evidence"]["consents"] = consents.into();
    input
}
