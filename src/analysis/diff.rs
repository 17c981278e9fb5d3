//! What an edit changes: every class decided under two policies, and the
//! classes whose decision changed, grouped by the change.

use std::collections::{BTreeSet, HashMap};

use super::class::RequestClass;
use super::space::{Options, Space, Stats};
use crate::decision::Due;
use crate::wire::RequestDoc;
use crate::{Basis, Decision, Effect, Engine};

/// A decision as the diff compares it: effect, basis, the reasons (code,
/// rule, detail: not the category, which a class stands for) and the
/// obligations with their due dates. `None` fields mean the policy does not
/// declare a name the class uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// Permit or deny; `None` when the policy lacks a name of the class.
    pub effect: Option<Effect>,
    /// The basis.
    pub basis: Option<Basis>,
    /// Reason code, rule id, detail.
    pub reasons: Vec<(String, Option<String>, Option<String>)>,
    /// Obligation code and due.
    pub obligations: Vec<(String, Option<String>)>,
}

impl Outcome {
    /// The outcome of a decision under `engine` (`None`: undeclared).
    pub fn of(engine: &Engine, decision: Option<&Decision>) -> Outcome {
        let Some(d) = decision else {
            return Outcome {
                effect: None,
                basis: None,
                reasons: Vec::new(),
                obligations: Vec::new(),
            };
        };
        let mut reasons: Vec<_> = d
            .reasons()
            .iter()
            .map(|r| {
                (
                    r.code().as_str().to_owned(),
                    r.rule()
                        .and_then(|id| engine.rule(id))
                        .map(|rule| rule.id().to_owned()),
                    r.detail().map(|x| x.as_str().to_owned()),
                )
            })
            .collect();
        reasons.sort();
        reasons.dedup();
        let obligations = d
            .obligations()
            .map(|o| {
                let due = o.due().map(|due| match due {
                    Due::Date(date) => date.to_string(),
                    Due::Event(event) => event.as_str().to_owned(),
                });
                (o.code().as_str().to_owned(), due)
            })
            .collect();
        Outcome {
            effect: Some(d.effect()),
            basis: d.basis(),
            reasons,
            obligations,
        }
    }

    /// In words: `permit on consent`, `deny`, `not declared`.
    pub fn headline(&self) -> String {
        match (self.effect, self.basis) {
            (None, _) => "not declared in this policy".to_owned(),
            (Some(Effect::Permit), Some(b)) => format!("permit on {b}"),
            (Some(Effect::Permit), None) => "permit with no basis needed".to_owned(),
            (Some(Effect::Deny), _) => "deny".to_owned(),
        }
    }
}

/// What groups changes: effect, basis, reason codes and obligation codes
/// (not the rules, details or dates, which the group's example shows).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    effect: Option<Effect>,
    basis: Option<Basis>,
    reasons: BTreeSet<String>,
    obligations: BTreeSet<String>,
}

impl Key {
    fn of(o: &Outcome) -> Key {
        Key {
            effect: o.effect,
            basis: o.basis,
            reasons: o.reasons.iter().map(|(c, _, _)| c.clone()).collect(),
            obligations: o.obligations.iter().map(|(c, _)| c.clone()).collect(),
        }
    }
}

/// A group of classes whose decision changed the same way (effect, basis,
/// reason codes, obligation codes).
#[derive(Clone, Debug)]
pub struct Change {
    /// The decision under the old policy (of the example).
    pub old: Outcome,
    /// The decision under the new policy (of the example).
    pub new: Outcome,
    /// How many classes changed this way.
    pub count: u64,
    /// The first class that did.
    pub example: RequestClass,
    /// The actions, purposes, categories, subjects, evidence and flows of
    /// the classes (representative names).
    pub facets: Facets,
}

/// The distinct values of each axis among a group's classes.
#[derive(Clone, Debug, Default)]
pub struct Facets {
    /// Actions.
    pub actions: BTreeSet<String>,
    /// Purposes.
    pub purposes: BTreeSet<String>,
    /// Categories.
    pub categories: BTreeSet<String>,
    /// Subjects.
    pub subjects: BTreeSet<String>,
    /// Evidence.
    pub evidence: BTreeSet<String>,
    /// Flows.
    pub flows: BTreeSet<String>,
}

/// The classes whose decision changed, grouped.
#[derive(Debug)]
pub struct Diff {
    /// The space both policies were decided over.
    pub space: Space,
    /// The groups: changes of effect first, then the largest.
    pub changes: Vec<Change>,
    /// The run's figures.
    pub stats: Stats,
}

impl Diff {
    /// Decides every class under `old` and `new`.
    pub fn run(old: &Engine, new: &Engine, options: Options) -> Diff {
        let space = Space::build(&[old, new], options);
        let init = HashMap::<(Key, Key), Change>::new;
        let (per_worker, stats) = space.explore(&[old, new], init, |groups, class, decisions| {
            let (Some(a), Some(b)) = (decisions.first(), decisions.get(1)) else {
                return;
            };
            if same(old, new, a.as_ref(), b.as_ref()) {
                return;
            }
            let (o, n) = (Outcome::of(old, a.as_ref()), Outcome::of(new, b.as_ref()));
            let key = (Key::of(&o), Key::of(&n));
            let change = groups.entry(key).or_insert_with(|| Change {
                old: o,
                new: n,
                count: 0,
                example: *class,
                facets: Facets::default(),
            });
            change.count += 1;
            change.facets.add(&space, class);
        });
        let mut merged: HashMap<(Key, Key), Change> = HashMap::new();
        for state in per_worker {
            for (key, change) in state {
                match merged.get_mut(&key) {
                    Some(c) => {
                        c.count += change.count;
                        c.facets.merge(change.facets);
                    }
                    None => {
                        merged.insert(key, change);
                    }
                }
            }
        }
        let mut changes: Vec<Change> = merged.into_values().collect();
        // Changes of effect first (what a change opens or closes), then
        // the largest groups.
        changes.sort_by(|a, b| {
            let flips = |c: &Change| c.old.effect != c.new.effect;
            flips(b)
                .cmp(&flips(a))
                .then_with(|| b.count.cmp(&a.count))
                .then_with(|| a.old.headline().cmp(&b.old.headline()))
                .then_with(|| format!("{:?}", a.new).cmp(&format!("{:?}", b.new)))
        });
        Diff {
            space,
            changes,
            stats,
        }
    }

    /// The request document of a group's example.
    pub fn example(&self, change: &Change) -> RequestDoc {
        self.space.request_doc(&change.example)
    }

    /// How many classes changed.
    pub fn changed(&self) -> u64 {
        self.changes.iter().map(|c| c.count).sum()
    }
}

/// Whether two decisions are the same as a diff compares them, without
/// building outcomes (the common case: nothing changed).
fn same(old: &Engine, new: &Engine, a: Option<&Decision>, b: Option<&Decision>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a.effect() == b.effect()
                && a.basis() == b.basis()
                && a.reasons().len() == b.reasons().len()
                && a.reasons().iter().zip(b.reasons()).all(|(x, y)| {
                    x.code() == y.code() && x.detail() == y.detail() && same_rule(old, new, x, y)
                })
                && a.obligations().eq(b.obligations())
        }
        (None, None) => true,
        _ => false,
    }
}

/// Rules are compared by the id written in the policy, so inserting a rule
/// does not change the decisions that cite the others.
fn same_rule(
    old: &Engine,
    new: &Engine,
    x: &crate::decision::Reason,
    y: &crate::decision::Reason,
) -> bool {
    let a = x
        .rule()
        .and_then(|id| old.rule(id))
        .map(crate::policy::Rule::id);
    let b = y
        .rule()
        .and_then(|id| new.rule(id))
        .map(crate::policy::Rule::id);
    a == b
}

impl Facets {
    fn add(&mut self, space: &Space, class: &RequestClass) {
        let cap = |set: &mut BTreeSet<String>, value: String| {
            if set.len() < 64 {
                set.insert(value);
            }
        };
        cap(&mut self.actions, class.action.as_str().to_owned());
        cap(&mut self.purposes, space.purpose_name(class).to_owned());
        cap(
            &mut self.categories,
            space.category_names(class).join(" + "),
        );
        if let Some(s) = space.subject(class) {
            cap(&mut self.subjects, s.to_string());
        }
        cap(&mut self.evidence, class.evidence.describe().to_owned());
        if let Some(f) = space.flow(class) {
            cap(&mut self.flows, f.to_string());
        }
    }

    fn merge(&mut self, other: Facets) {
        for (mine, theirs) in [
            (&mut self.actions, other.actions),
            (&mut self.purposes, other.purposes),
            (&mut self.categories, other.categories),
            (&mut self.subjects, other.subjects),
            (&mut self.evidence, other.evidence),
            (&mut self.flows, other.flows),
        ] {
            for v in theirs {
                if mine.len() < 64 {
                    mine.insert(v);
                }
            }
        }
    }
}
