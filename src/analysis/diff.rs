//! What an edit changes: first the edit itself, rule by rule, read from
//! the two policy texts; then the request classes whose decision changed,
//! decided under both policies and grouped by what changed (the effect, the
//! basis, obligations, a date moved by how much, the reasons, the rules
//! cited).
//!
//! # Which classes are decided
//!
//! When the two policies differ only in their rules (and in `[record]`,
//! which no decision reads), only the classes whose purpose a changed rule
//! names (or is a descendant of one it names) are decided: no other class
//! can be decided differently. [`Engine::decide`](crate::Engine::decide)
//! reads the rules only through the index slots of the request's action
//! and purpose (and of the purpose the data was collected for, which
//! defaults to it and which counsel's tools leave so), and a rule sits in
//! the slots of the purposes it names and their descendants only. A rule
//! is *changed* when its table in the policy text differs, when it is added
//! or removed, or when it moved relative to the other rules (rules are
//! tried in order). A test checks the argument on the seed policy: every
//! rule removed or altered in turn, the classes outside its purposes are
//! decided alike.
//!
//! When anything else differs (a category, a purpose, a jurisdiction, a
//! setting), every class is decided. [`Diff::run_everything`] decides every
//! class in any case.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use super::class::{EvidenceClass, RequestClass};
use super::space::{Options, Space, Stats};
use super::vocabulary::covers;
use crate::decision::Due;
use crate::outcome::DATED;
use crate::subject::Regime;
use crate::wire::RequestDoc;
use crate::{Action, Basis, Decision, Effect, Engine};

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

    /// The headline, with a deny's reason codes.
    pub fn words(&self) -> String {
        let mut s = self.headline();
        if self.effect == Some(Effect::Deny) {
            let codes: BTreeSet<&str> = self
                .reasons
                .iter()
                .map(|(code, _, _)| code.as_str())
                .filter(|c| *c != "combined_as_personal_information")
                .collect();
            s.push_str(" (");
            s.push_str(&codes.into_iter().collect::<Vec<_>>().join(", "));
            s.push(')');
        }
        s
    }

    fn due(&self, code: &str) -> Option<&str> {
        self.obligations
            .iter()
            .find(|(c, _)| c == code)
            .and_then(|(_, d)| d.as_deref())
    }

    fn rules(&self) -> BTreeSet<&str> {
        self.reasons
            .iter()
            .filter_map(|(_, r, _)| r.as_deref())
            .collect()
    }
}

// ---------------------------------------------------------------------------
// The edit, read from the two policy texts.
// ---------------------------------------------------------------------------

/// How one rule changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleEdit {
    /// The rule's id.
    pub id: String,
    /// `added`, `removed`, `changed` or `moved`.
    pub change: &'static str,
    /// What changed in it: `bases −contract`, `retention 1y → 3y`.
    pub details: Vec<String>,
}

impl RuleEdit {
    /// In words: ``rule `support`: bases −contract; retention 1y → 3y``.
    pub fn words(&self) -> String {
        match self.change {
            "changed" => format!("rule `{}`: {}", self.id, self.details.join("; ")),
            other if self.details.is_empty() => format!("rule `{}` {other}", self.id),
            other => format!("rule `{}` {other}: {}", self.id, self.details.join("; ")),
        }
    }
}

/// What an edit changed in the policy text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Edit {
    /// The rules added, removed, changed or moved.
    pub rules: Vec<RuleEdit>,
    /// Everything else that changed (categories, purposes, settings...),
    /// in words.
    pub other: Vec<String>,
    /// Whether something outside the rules that decisions read changed
    /// (not only texts: the policy's id, version and title, and the
    /// clauses, descriptions and laws quoted for categories, purposes and
    /// jurisdictions, which no decision reads).
    pub deciding: bool,
    /// Whether the `[record]` table changed (no decision reads it).
    pub record: bool,
}

impl Edit {
    /// Reads the edit from two policy texts (each loaded already, so each
    /// is valid TOML).
    pub fn between(old: &str, new: &str) -> Edit {
        let parse = |text: &str| -> toml::Table {
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
            toml::from_str(text).unwrap_or_default()
        };
        let (old, new) = (parse(old), parse(new));
        let mut edit = Edit {
            rules: rule_edits(&old, &new),
            deciding: deciding(&old) != deciding(&new),
            ..Edit::default()
        };
        let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for key in keys {
            if matches!(key.as_str(), "permit" | "deny") {
                continue;
            }
            let (a, b) = (old.get(key), new.get(key));
            if a == b {
                continue;
            }
            if key == "record" {
                edit.record = true;
                continue;
            }
            edit.other.extend(value_edits(key, a, b));
        }
        edit
    }

    /// Whether only rules changed, as far as decisions go.
    pub fn rules_only(&self) -> bool {
        !self.deciding
    }

    /// The ids of the rules that changed in any way.
    pub fn changed_rules(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.id.as_str())
    }
}

/// A policy text without its rules and without what no decision reads:
/// `[record]`, the policy's id, version and title, and the clauses,
/// descriptions and laws quoted for categories, purposes and jurisdictions.
fn deciding(t: &toml::Table) -> toml::Table {
    let mut t = t.clone();
    for key in ["permit", "deny", "record"] {
        t.remove(key);
    }
    if let Some(toml::Value::Table(policy)) = t.get_mut("policy") {
        for key in ["id", "version", "title"] {
            policy.remove(key);
        }
    }
    for key in ["category", "purpose", "jurisdiction", "minimum_retention"] {
        if let Some(toml::Value::Array(items)) = t.get_mut(key) {
            for item in items {
                if let Some(table) = item.as_table_mut() {
                    for text in ["clause", "description", "law"] {
                        table.remove(text);
                    }
                }
            }
        }
    }
    t
}

/// A TOML value in a line: strings bare, lists bracketed.
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// The identity of a table in an array of tables: its id, name, code or
/// heading.
fn identity(t: &toml::Table) -> Option<String> {
    ["id", "name", "code", "heading", "regime"]
        .iter()
        .find_map(|k| t.get(*k).map(show))
}

/// What changed between two tables, key by key: lists as `+added −removed`,
/// long texts as `changed`, other values as `old → new`.
fn table_edits(a: &toml::Table, b: &toml::Table) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (x, y) if x == y => {}
            (Some(toml::Value::Array(x)), Some(toml::Value::Array(y)))
                if x.iter().chain(y).all(|v| !v.is_table()) =>
            {
                let mut parts = Vec::new();
                for v in y.iter().filter(|v| !x.contains(v)) {
                    parts.push(format!("+{}", show(v)));
                }
                for v in x.iter().filter(|v| !y.contains(v)) {
                    parts.push(format!("−{}", show(v)));
                }
                if parts.is_empty() {
                    parts.push("reordered".to_owned());
                }
                out.push(format!("{key} {}", parts.join(" ")));
            }
            (Some(x), Some(y)) => {
                let (x, y) = (show(x), show(y));
                if x.len() + y.len() > 60 {
                    out.push(format!("{key} changed"));
                } else {
                    out.push(format!("{key} {x} → {y}"));
                }
            }
            (None, Some(y)) => out.push(format!("{key} {} added", show(y))),
            (Some(x), None) => out.push(format!("{key} {} removed", show(x))),
            (None, None) => {}
        }
    }
    out
}

/// The changes of one top-level key outside the rules.
fn value_edits(key: &str, a: Option<&toml::Value>, b: Option<&toml::Value>) -> Vec<String> {
    let tables = |v: Option<&toml::Value>| -> Option<Vec<(String, toml::Table)>> {
        match v {
            None => Some(Vec::new()),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|i| {
                    let t = i.as_table()?;
                    Some((identity(t)?, t.clone()))
                })
                .collect(),
            Some(_) => None,
        }
    };
    if let (Some(x), Some(y)) = (tables(a), tables(b)) {
        let mut out = Vec::new();
        for (id, t) in &y {
            match x.iter().find(|(i, _)| i == id) {
                None => out.push(format!("{key} `{id}` added")),
                Some((_, old)) if old != t => {
                    out.push(format!("{key} `{id}`: {}", table_edits(old, t).join("; ")));
                }
                Some(_) => {}
            }
        }
        for (id, _) in x.iter().filter(|(i, _)| !y.iter().any(|(j, _)| j == i)) {
            out.push(format!("{key} `{id}` removed"));
        }
        if out.is_empty() {
            out.push(format!("{key}: reordered"));
        }
        return out;
    }
    match (a, b) {
        (Some(toml::Value::Table(x)), Some(toml::Value::Table(y))) => {
            vec![format!("[{key}]: {}", table_edits(x, y).join("; "))]
        }
        (None, Some(_)) => vec![format!("[{key}] added")],
        (Some(_), None) => vec![format!("[{key}] removed")],
        _ => vec![format!("{key} changed")],
    }
}

/// The rules of a policy text: id, effect, table, in order (permits, then
/// denies).
fn rules_of(t: &toml::Table) -> Vec<(String, Effect, toml::Table)> {
    let mut out = Vec::new();
    for (key, effect) in [("permit", Effect::Permit), ("deny", Effect::Deny)] {
        for item in t
            .get(key)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(table) = item.as_table()
                && let Some(id) = table.get("id").and_then(toml::Value::as_str)
            {
                out.push((id.to_owned(), effect, table.clone()));
            }
        }
    }
    out
}

/// The longest common subsequence of two id lists: the rules that kept
/// their order relative to each other.
fn in_order(before: &[&str], after: &[&str]) -> BTreeSet<String> {
    let rows = before.len();
    let cols = after.len();
    // suffix[r][c]: the length of the longest common subsequence of
    // before[r..] and after[c..].
    let mut suffix = vec![vec![0u32; cols + 1]; rows + 1];
    let at = |table: &Vec<Vec<u32>>, r: usize, c: usize| {
        table
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .unwrap_or(0)
    };
    for r in (0..rows).rev() {
        for c in (0..cols).rev() {
            let value = if before.get(r) == after.get(c) {
                at(&suffix, r + 1, c + 1) + 1
            } else {
                at(&suffix, r + 1, c).max(at(&suffix, r, c + 1))
            };
            if let Some(cell) = suffix.get_mut(r).and_then(|row| row.get_mut(c)) {
                *cell = value;
            }
        }
    }
    let mut kept = BTreeSet::new();
    let (mut r, mut c) = (0, 0);
    while r < rows && c < cols {
        if before.get(r) == after.get(c) {
            if let Some(id) = before.get(r) {
                kept.insert((*id).to_owned());
            }
            r += 1;
            c += 1;
        } else if at(&suffix, r + 1, c) >= at(&suffix, r, c + 1) {
            r += 1;
        } else {
            c += 1;
        }
    }
    kept
}

/// The ids of `list`'s rules of `effect` that `other` has too, in order.
fn common<'a>(
    list: &'a [(String, Effect, toml::Table)],
    other: &[(String, Effect, toml::Table)],
    effect: Effect,
) -> Vec<&'a str> {
    list.iter()
        .filter(|(id, e, _)| *e == effect && other.iter().any(|(j, f, _)| j == id && *f == effect))
        .map(|(id, _, _)| id.as_str())
        .collect()
}

/// The rule edits between two policy texts.
fn rule_edits(old: &toml::Table, new: &toml::Table) -> Vec<RuleEdit> {
    let (a, b) = (rules_of(old), rules_of(new));
    let mut out = Vec::new();
    for (id, effect, table) in &b {
        match a.iter().find(|(i, _, _)| i == id) {
            None => out.push(RuleEdit {
                id: id.clone(),
                change: "added",
                details: Vec::new(),
            }),
            Some((_, old_effect, old_table)) => {
                let mut details = Vec::new();
                if old_effect != effect {
                    details.push(format!("{old_effect} rule → {effect} rule"));
                }
                if old_table != table {
                    details.extend(table_edits(old_table, table));
                }
                if !details.is_empty() {
                    out.push(RuleEdit {
                        id: id.clone(),
                        change: "changed",
                        details,
                    });
                }
            }
        }
    }
    for (id, _, _) in a
        .iter()
        .filter(|(i, _, _)| !b.iter().any(|(j, _, _)| j == i))
    {
        out.push(RuleEdit {
            id: id.clone(),
            change: "removed",
            details: Vec::new(),
        });
    }
    // Rules are tried in order: one that moved relative to the others is
    // changed too.
    for effect in [Effect::Permit, Effect::Deny] {
        let (x, y) = (common(&a, &b, effect), common(&b, &a, effect));
        let kept = in_order(&x, &y);
        for id in x.iter().filter(|id| !kept.contains(**id)) {
            if !out.iter().any(|e| e.id == *id) {
                out.push(RuleEdit {
                    id: (*id).to_owned(),
                    change: "moved",
                    details: vec!["tried in another order relative to the other rules".to_owned()],
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The decided changes.
// ---------------------------------------------------------------------------

/// How a date moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Moved {
    /// By whole months (a multiple of 12: years).
    Months(i64),
    /// By days.
    Days(i64),
    /// From a date to an event, or back, or between events.
    Other,
}

fn moved(a: Option<Due>, b: Option<Due>) -> Moved {
    match (a, b) {
        (Some(Due::Date(x)), Some(Due::Date(y))) => {
            let months = (i64::from(chrono::Datelike::year(&y))
                - i64::from(chrono::Datelike::year(&x)))
                * 12
                + i64::from(chrono::Datelike::month(&y))
                - i64::from(chrono::Datelike::month(&x));
            let shifted = u32::try_from(months.unsigned_abs()).ok().and_then(|m| {
                if months >= 0 {
                    x.checked_add_months(chrono::Months::new(m))
                } else {
                    x.checked_sub_months(chrono::Months::new(m))
                }
            });
            if months != 0 && shifted == Some(y) {
                Moved::Months(months)
            } else {
                Moved::Days((y - x).num_days())
            }
        }
        _ => Moved::Other,
    }
}

/// What a group's classes have in common: the change, as a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    old_effect: Option<Effect>,
    old_basis: Option<Basis>,
    new_effect: Option<Effect>,
    new_basis: Option<Basis>,
    /// Deny reason codes (as bits), before and after.
    old_reasons: u128,
    new_reasons: u128,
    /// Obligation codes (as bits) added and removed.
    added: u128,
    removed: u128,
    /// For each dated obligation (in `DATED` order), how its date moved.
    dates: [Option<Moved>; DATED.len()],
    /// Whether only the rules cited (or the details) differ.
    cited: bool,
}

fn bit(index: u32) -> u128 {
    1u128.checked_shl(index).unwrap_or(0)
}

impl Key {
    fn of(old: Option<&Decision>, new: Option<&Decision>) -> Key {
        let codes = |d: Option<&Decision>| {
            d.map_or(0, |d| {
                d.reasons()
                    .iter()
                    .filter(|r| d.effect() == Effect::Deny && r.code().denies())
                    .fold(0, |acc, r| acc | bit(r.code().index()))
            })
        };
        let obligations = |d: Option<&Decision>| {
            d.map_or(0, |d| {
                d.obligations()
                    .fold(0, |acc, o| acc | bit(o.code().index()))
            })
        };
        let (oo, no) = (obligations(old), obligations(new));
        let mut dates = [None; DATED.len()];
        if let (Some(a), Some(b)) = (old, new) {
            for (slot, &code) in dates.iter_mut().zip(DATED.iter()) {
                let (x, y) = (a.due(code), b.due(code));
                if a.obligations().any(|o| o.code() == code)
                    && b.obligations().any(|o| o.code() == code)
                    && x != y
                {
                    *slot = Some(moved(x, y));
                }
            }
        }
        let mut key = Key {
            old_effect: old.map(Decision::effect),
            old_basis: old.and_then(Decision::basis),
            new_effect: new.map(Decision::effect),
            new_basis: new.and_then(Decision::basis),
            old_reasons: codes(old),
            new_reasons: codes(new),
            added: no & !oo,
            removed: oo & !no,
            dates,
            cited: false,
        };
        // A change of effect or of basis is the change: the reasons and
        // obligations follow from it (the facets say which). Otherwise the
        // decision stands and what changed is its reasons (one group: the
        // facets list them), its obligations, their dates, the rules cited.
        if key.old_effect != key.new_effect || key.old_basis != key.new_basis {
            key.old_reasons = 0;
            key.new_reasons = 0;
            key.added = 0;
            key.removed = 0;
            key.dates = [None; DATED.len()];
        } else {
            key.cited = key.old_reasons == key.new_reasons
                && key.added == 0
                && key.removed == 0
                && key.dates.iter().all(Option::is_none);
            let reasons_changed = key.old_reasons != key.new_reasons;
            key.old_reasons = u128::from(reasons_changed);
            key.new_reasons = u128::from(reasons_changed);
            key.old_basis = None;
            key.new_basis = None;
        }
        key
    }

    fn flips(&self) -> bool {
        self.old_effect != self.new_effect
    }
}

/// A group of classes whose decision changed the same way.
#[derive(Clone, Debug)]
pub struct Change {
    /// What changed, in words: `permit on contract → deny (basis_missing)`,
    /// `retain_until 2 years later`.
    pub heading: String,
    /// Whether the effect changed (permit to deny or back).
    pub flips: bool,
    /// The decision under the old policy (of the example).
    pub old: Outcome,
    /// The decision under the new policy (of the example).
    pub new: Outcome,
    /// How many classes changed this way.
    pub count: u64,
    /// The first class that did.
    pub example: RequestClass,
    /// Where it happens, in words.
    pub facets: Facets,
}

/// Where a group's changes happen, in words (at most 64 values each).
#[derive(Clone, Debug, Default)]
pub struct Facets {
    /// Actions.
    pub actions: BTreeSet<String>,
    /// Purposes.
    pub purposes: BTreeSet<String>,
    /// Categories.
    pub categories: BTreeSet<String>,
    /// Subjects: `a 13-year-old in CN (a child)`.
    pub subjects: BTreeSet<String>,
    /// Evidence.
    pub evidence: BTreeSet<String>,
    /// Flows: `to a third party in AT, outside mainland China`.
    pub flows: BTreeSet<String>,
    /// The deny reasons, before → after (deny → deny), or of the side that
    /// denies.
    pub reasons: BTreeSet<String>,
}

/// The indices of a group's classes, turned into words once at the end.
#[derive(Clone, Debug, Default)]
struct Seen {
    actions: BTreeSet<Action>,
    purposes: BTreeSet<u32>,
    categories: BTreeSet<u32>,
    subjects: BTreeSet<u32>,
    evidence: BTreeSet<u8>,
    flows: BTreeSet<u32>,
    reasons: BTreeSet<(u128, u128)>,
}

const KEPT: usize = 64;

fn keep<T: Ord>(set: &mut BTreeSet<T>, value: T) {
    if set.len() < KEPT {
        set.insert(value);
    }
}

fn deny_codes(d: Option<&Decision>) -> u128 {
    d.filter(|d| d.effect() == Effect::Deny).map_or(0, |d| {
        d.reasons()
            .iter()
            .filter(|r| r.code().denies())
            .fold(0, |acc, r| acc | bit(r.code().index()))
    })
}

fn code_words(bits: u128) -> String {
    crate::decision::ReasonCode::ALL
        .iter()
        .filter(|c| bits & bit(c.index()) != 0)
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Seen {
    fn add(&mut self, class: &RequestClass, old: Option<&Decision>, new: Option<&Decision>) {
        keep(&mut self.reasons, (deny_codes(old), deny_codes(new)));
        keep(&mut self.actions, class.action);
        keep(&mut self.purposes, class.purpose);
        keep(&mut self.categories, class.categories);
        keep(&mut self.subjects, class.subject);
        keep(
            &mut self.evidence,
            u8::try_from(
                EvidenceClass::ALL
                    .iter()
                    .position(|e| *e == class.evidence)
                    .unwrap_or(0),
            )
            .unwrap_or(0),
        );
        keep(&mut self.flows, class.flow);
    }

    fn merge(&mut self, other: Seen) {
        other
            .actions
            .into_iter()
            .for_each(|v| keep(&mut self.actions, v));
        other
            .purposes
            .into_iter()
            .for_each(|v| keep(&mut self.purposes, v));
        other
            .categories
            .into_iter()
            .for_each(|v| keep(&mut self.categories, v));
        other
            .subjects
            .into_iter()
            .for_each(|v| keep(&mut self.subjects, v));
        other
            .evidence
            .into_iter()
            .for_each(|v| keep(&mut self.evidence, v));
        other
            .flows
            .into_iter()
            .for_each(|v| keep(&mut self.flows, v));
        other
            .reasons
            .into_iter()
            .for_each(|v| keep(&mut self.reasons, v));
    }

    fn words(&self, space: &Space, engine: &Engine) -> Facets {
        let class = |p: u32, c: u32, s: u32, f: u32| RequestClass {
            action: Action::Use,
            purpose: p,
            categories: c,
            subject: s,
            evidence: EvidenceClass::None,
            flow: f,
            mechanisms: 0,
            security_assessment: false,
            retention: super::class::RetentionState::Unstated,
        };
        Facets {
            actions: self.actions.iter().map(|a| a.as_str().to_owned()).collect(),
            purposes: self
                .purposes
                .iter()
                .map(|&p| space.purpose_name(&class(p, 0, 0, 0)).to_owned())
                .collect(),
            categories: self
                .categories
                .iter()
                .map(|&c| space.category_names(&class(0, c, 0, 0)).join(" + "))
                .collect(),
            subjects: self
                .subjects
                .iter()
                .filter_map(|&s| space.subject(&class(0, 0, s, 0)))
                .map(|s| subject_words(engine, s))
                .collect(),
            evidence: self
                .evidence
                .iter()
                .filter_map(|&e| EvidenceClass::ALL.get(usize::from(e)))
                .map(|e| e.describe().to_owned())
                .collect(),
            flows: self
                .flows
                .iter()
                .filter_map(|&f| space.flow(&class(0, 0, 0, f)))
                .map(|f| flow_words(engine, f))
                .collect(),
            reasons: self
                .reasons
                .iter()
                .filter(|(a, b)| *a != 0 || *b != 0)
                .map(|&(a, b)| match (a, b) {
                    (0, b) => code_words(b),
                    (a, 0) => code_words(a),
                    (a, b) if a == b => code_words(a),
                    (a, b) => format!("{} → {}", code_words(a), code_words(b)),
                })
                .collect(),
        }
    }
}

/// A subject class in plain words: `a 13-year-old in CN (a child)`.
fn subject_words(engine: &Engine, s: &super::class::SubjectClass) -> String {
    let child_age = engine
        .jurisdiction(&s.jurisdiction)
        .ok()
        .and_then(|j| engine.jurisdiction_info(j))
        .map(crate::subject::Jurisdiction::child_age);
    match s.age {
        None => format!("someone in {} whose age is unknown", s.jurisdiction),
        Some((age, below)) => {
            let years = if below { age.saturating_sub(1) } else { age };
            let child = child_age.map(|c| {
                if years < c {
                    " (a child)"
                } else {
                    " (not a child)"
                }
            });
            format!(
                "a {years}-year-old in {}{}",
                s.jurisdiction,
                child.unwrap_or_default()
            )
        }
    }
}

/// A flow in plain words: `to a third party in AT, outside mainland
/// China`, `nothing leaves`.
fn flow_words(engine: &Engine, f: &super::class::Flow) -> String {
    let storage = engine.storage_region();
    let outside = |r: crate::subject::RegionCode| -> String {
        let areas: Vec<&str> = Regime::ALL
            .iter()
            .filter(|g| {
                Regime::of_region(storage) == Some(**g) || Regime::of_region(r) == Some(**g)
            })
            .filter(|g| !g.covers(r))
            .map(|g| match g {
                Regime::Pipl => "outside mainland China",
                Regime::Gdpr => "outside the EEA",
            })
            .collect();
        if areas.is_empty() {
            String::new()
        } else {
            format!(", {}", areas.join(" and "))
        }
    };
    let mut s = match &f.recipient {
        None => "no recipient".to_owned(),
        Some(r) => {
            let kind = super::record::kind_words(r.kind);
            let article = if kind.starts_with("the ") {
                ""
            } else if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an "
            } else {
                "a "
            };
            let mut s = format!("to {article}{kind}");
            if r.name.is_none() {
                s.push_str(" not named");
            }
            match r.region {
                Some(region) => {
                    let _ = write!(s, " in {region}{}", outside(region));
                }
                None if r.name.is_some() => s.push_str(" with no country given"),
                None => {}
            }
            if r.accepts_policy {
                s.push_str(", bound by the policy");
            }
            s
        }
    };
    if let Some(d) = f.destination
        && f.recipient.as_ref().and_then(|r| r.region) != Some(d)
    {
        let _ = write!(s, ", kept in {d}{}", outside(d));
    }
    s
}

/// The classes whose decision changed, grouped.
#[derive(Debug)]
pub struct Diff {
    /// What the edit changed in the policy text.
    pub edit: Edit,
    /// The space decided.
    pub space: Space,
    /// The purposes decided, when only those a changed rule names were
    /// (`None`: every purpose).
    pub purposes: Option<Vec<String>>,
    /// How many base classes the whole space has.
    pub whole: u64,
    /// The groups: changes of effect first, then the largest.
    pub changes: Vec<Change>,
    /// The run's figures.
    pub stats: Stats,
}

impl Diff {
    /// Decides, under `old` and `new`, the classes the edit can change:
    /// those of the purposes a changed rule names when only rules changed,
    /// every class otherwise (see the module docs).
    pub fn run(old: &Engine, new: &Engine, options: Options) -> Diff {
        Diff::decide(old, new, options, true)
    }

    /// Decides every class under `old` and `new`, whatever changed.
    pub fn run_everything(old: &Engine, new: &Engine, options: Options) -> Diff {
        Diff::decide(old, new, options, false)
    }

    /// The space [`Diff::run`] decides (to see its size first).
    pub fn plan(
        old: &Engine,
        new: &Engine,
        options: Options,
    ) -> (Edit, Space, Option<Vec<String>>) {
        let edit = Edit::between(old.policy_source(), new.policy_source());
        let space = Space::build(&[old, new], options);
        if !edit.rules_only() {
            return (edit, space, None);
        }
        let mut names: Vec<String> = Vec::new();
        for id in edit.changed_rules() {
            for engine in [old, new] {
                if let Some(rule) = engine.rule_named(id) {
                    for p in rule.purposes() {
                        if let Some(info) = engine.purpose_info(*p) {
                            names.push(info.name().to_owned());
                        }
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        let touched =
            |members: &[String]| members.iter().any(|m| names.iter().any(|n| covers(n, m)));
        let decided: Vec<String> = space
            .purpose_classes()
            .iter()
            .filter(|p| touched(&p.members))
            .flat_map(|p| p.members.iter().cloned())
            .collect();
        let space = space.only_purposes(|p| touched(&p.members));
        (edit, space, Some(decided))
    }

    fn decide(old: &Engine, new: &Engine, options: Options, restrict: bool) -> Diff {
        let whole = Space::build(&[old, new], options).base_count();
        let (edit, space, purposes) = if restrict {
            Diff::plan(old, new, options)
        } else {
            let edit = Edit::between(old.policy_source(), new.policy_source());
            (edit, Space::build(&[old, new], options), None)
        };
        let init = HashMap::<Key, (Change, Seen)>::new;
        let (per_worker, stats) = space.explore(&[old, new], init, |groups, class, decisions| {
            let (Some(a), Some(b)) = (decisions.first(), decisions.get(1)) else {
                return;
            };
            if same(old, new, a.as_ref(), b.as_ref()) {
                return;
            }
            let key = Key::of(a.as_ref(), b.as_ref());
            let (change, seen) = groups.entry(key).or_insert_with(|| {
                let (o, n) = (Outcome::of(old, a.as_ref()), Outcome::of(new, b.as_ref()));
                (
                    Change {
                        heading: heading(&key, &o, &n),
                        flips: key.flips(),
                        old: o,
                        new: n,
                        count: 0,
                        example: *class,
                        facets: Facets::default(),
                    },
                    Seen::default(),
                )
            });
            change.count += 1;
            seen.add(class, a.as_ref(), b.as_ref());
        });
        let mut merged: HashMap<Key, (Change, Seen)> = HashMap::new();
        for state in per_worker {
            for (key, (change, seen)) in state {
                match merged.get_mut(&key) {
                    Some((c, s)) => {
                        c.count += change.count;
                        s.merge(seen);
                    }
                    None => {
                        merged.insert(key, (change, seen));
                    }
                }
            }
        }
        let mut changes: Vec<Change> = merged
            .into_values()
            .map(|(mut c, seen)| {
                c.facets = seen.words(&space, old);
                c
            })
            .collect();
        // Changes of effect first (what an edit opens or closes), then the
        // largest groups.
        changes.sort_by(|a, b| {
            b.flips
                .cmp(&a.flips)
                .then_with(|| b.count.cmp(&a.count))
                .then_with(|| a.heading.cmp(&b.heading))
        });
        Diff {
            edit,
            space,
            purposes,
            whole,
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

/// How far a date moved, in words: `2 years later`, `30 days earlier`.
fn moved_words(m: Moved) -> String {
    let unit = |n: i64, one: &str, many: &str| {
        let word = if n.abs() == 1 { one } else { many };
        let when = if n > 0 { "later" } else { "earlier" };
        format!("{} {word} {when}", n.abs())
    };
    match m {
        Moved::Months(n) if n % 12 == 0 => unit(n / 12, "year", "years"),
        Moved::Months(n) => unit(n, "month", "months"),
        Moved::Days(n) => unit(n, "day", "days"),
        Moved::Other => "due otherwise".to_owned(),
    }
}

/// What a group's change is, in words.
fn heading(key: &Key, old: &Outcome, new: &Outcome) -> String {
    let mut parts: Vec<String> = Vec::new();
    let stands = !key.flips() && key.old_basis == key.new_basis;
    if !stands {
        parts.push(format!("{} → {}", old.headline(), new.headline()));
    } else if key.old_reasons != 0 {
        parts.push("still denied, for other reasons".to_owned());
    }
    let names = |bits: u128| -> Vec<&'static str> {
        crate::outcome::ObligationCode::ALL
            .iter()
            .filter(|c| bits & bit(c.index()) != 0)
            .map(|c| c.as_str())
            .collect()
    };
    let mut obligations: Vec<String> = names(key.added).iter().map(|c| format!("+{c}")).collect();
    obligations.extend(names(key.removed).iter().map(|c| format!("−{c}")));
    if !obligations.is_empty() {
        parts.push(format!("obligations {}", obligations.join(" ")));
    }
    for (slot, code) in key.dates.iter().zip(DATED.iter()) {
        if let Some(m) = slot {
            let code = code.as_str();
            let from_to = match (old.due(code), new.due(code)) {
                (Some(a), Some(b)) => format!(" ({a} → {b})"),
                _ => String::new(),
            };
            parts.push(format!("{code} {}{from_to}", moved_words(*m)));
        }
    }
    if key.cited {
        let (a, b) = (old.rules(), new.rules());
        if a == b {
            parts.push("the same reasons, cited differently".to_owned());
        } else {
            let list = |s: &BTreeSet<&str>| {
                s.iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            parts.push(format!(
                "citing other rules (such as {} instead of {})",
                list(&b),
                list(&a)
            ));
        }
    }
    if parts.is_empty() {
        parts.push("other details".to_owned());
    }
    if stands && key.old_reasons == 0 {
        // What stands, then what changed in it: `permit: retain_until 2
        // years later`.
        let effect = if new.effect == Some(Effect::Deny) {
            "still denied"
        } else {
            "still permitted"
        };
        return format!("{effect}: {}", parts.join("; "));
    }
    parts.join("; ")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A policy text with `edit` applied to its parsed table (comments are
    /// lost: the text is written anew).
    fn edited(text: &str, edit: impl FnOnce(&mut toml::Table)) -> String {
        let mut table: toml::Table = toml::from_str(text).unwrap();
        edit(&mut table);
        toml::to_string(&table).unwrap()
    }

    fn rules_mut<'t>(table: &'t mut toml::Table, key: &str) -> &'t mut Vec<toml::Value> {
        table.get_mut(key).unwrap().as_array_mut().unwrap()
    }

    /// The argument for deciding only the purposes a changed rule names,
    /// checked on the seed: every rule in turn is removed, and classes of
    /// the purposes it does not name (a sample of each space) are decided
    /// alike with and without it.
    #[test]
    fn a_rule_changes_no_decision_outside_the_purposes_it_names() {
        let seed = Engine::builtin_source();
        // Without `[record]`, which names rules (and which no decision reads).
        let base = edited(seed, |t| {
            t.remove("record");
        });
        let old = Engine::from_toml(&base).unwrap();
        let ids: Vec<(String, &str)> = old
            .rules()
            .iter()
            .map(|r| {
                let key = if r.effect() == Effect::Permit {
                    "permit"
                } else {
                    "deny"
                };
                (r.id().to_owned(), key)
            })
            .collect();
        let mut checked = 0u64;
        for (id, key) in &ids {
            let text = edited(&base, |t| {
                rules_mut(t, key).retain(|r| r.get("id").and_then(toml::Value::as_str) != Some(id));
                if rules_mut(t, key).is_empty() {
                    t.remove(*key);
                }
            });
            let new = Engine::from_toml(&text).unwrap();
            let (edit, _, decided) = Diff::plan(&old, &new, Options::default());
            assert!(edit.rules_only(), "{id}: {:?}", edit.other);
            assert_eq!(edit.rules.len(), 1, "{id}: {:?}", edit.rules);
            let decided = decided.unwrap();
            let options = Options {
                max_classes: 3000,
                threads: 2,
            };
            let outside = Space::build(&[&old, &new], options)
                .only_purposes(|p| !p.members.iter().any(|m| decided.contains(m)));
            let (counts, _) = outside.explore(
                &[&old, &new],
                || 0u64,
                |n, class, d| {
                    let (a, b) = (
                        d.first().and_then(Option::as_ref),
                        d.get(1).and_then(Option::as_ref),
                    );
                    assert!(same(&old, &new, a, b), "{id}: {class:?}\n{a:?}\n{b:?}");
                    *n += 1;
                },
            );
            checked += counts.iter().sum::<u64>();
        }
        assert!(checked > 100_000, "only {checked} classes checked");
    }

    /// On the EU example, small enough to decide whole: for several rule
    /// edits, deciding only the purposes the changed rules name finds the
    /// same changes as deciding every class.
    #[test]
    #[ignore = "decides the EU example whole for each edit: run in release by .ci/run"]
    fn deciding_the_touched_purposes_finds_what_deciding_everything_finds() {
        let text = include_str!("../../policies/examples/eu-fitness.toml");
        let old = Engine::from_toml(text).unwrap();
        let set = |id: &'static str, key: &'static str, value: toml::Value| {
            move |t: &mut toml::Table| {
                for r in rules_mut(t, "permit") {
                    if r.get("id").and_then(toml::Value::as_str) == Some(id) {
                        r.as_table_mut()
                            .unwrap()
                            .insert(key.to_owned(), value.clone());
                    }
                }
            }
        };
        let bases = |list: &[&str]| {
            toml::Value::Array(
                list.iter()
                    .map(|b| toml::Value::String((*b).to_owned()))
                    .collect(),
            )
        };
        let edits: Vec<(&str, String)> = vec![
            (
                "bases",
                edited(text, set("analytics", "bases", bases(&["consent"]))),
            ),
            (
                "deny removed",
                edited(text, |t| {
                    t.remove("deny");
                }),
            ),
            (
                "processor export",
                edited(
                    text,
                    set("analytics-processor", "actions", bases(&["entrust"])),
                ),
            ),
        ];
        for (what, edit) in edits {
            let new = Engine::from_toml(&edit).unwrap();
            let options = Options {
                max_classes: u64::MAX,
                threads: 2,
            };
            let some = Diff::run(&old, &new, options);
            let all = Diff::run_everything(&old, &new, options);
            assert!(some.purposes.is_some(), "{what}");
            assert!(
                some.space.base_count() < all.space.base_count(),
                "{what}: nothing saved"
            );
            let groups = |d: &Diff| {
                let mut g: Vec<(String, u64)> = d
                    .changes
                    .iter()
                    .map(|c| (c.heading.clone(), c.count))
                    .collect();
                g.sort();
                g
            };
            assert_eq!(groups(&some), groups(&all), "{what}");
            assert!(all.changed() > 0, "{what}: the edit changed nothing");
        }
    }

    /// A rule that moves relative to the others is a changed rule (rules
    /// are tried in order).
    #[test]
    fn a_moved_rule_is_a_changed_rule() {
        let text = include_str!("../../policies/examples/eu-fitness.toml");
        let moved = edited(text, |t| rules_mut(t, "permit").swap(0, 1));
        let edit = Edit::between(text, &moved);
        let words: Vec<String> = edit.rules.iter().map(RuleEdit::words).collect();
        assert_eq!(
            words,
            ["rule `account` moved: tried in another order relative to the other rules"]
        );
    }

    #[test]
    fn the_edit_reads_as_counsel_wrote_it() {
        let seed = Engine::builtin_source();
        let new = seed
            .replace(
                "bases = [\"contract\", \"consent\"]\nretention = \"1y\"",
                "bases = [\"consent\"]\nretention = \"3y\"",
            )
            .replace("version = \"2026-11-28\"", "version = \"2026-12-01\"");
        let edit = Edit::between(seed, &new);
        // The support rule and the operations rule share those two lines.
        let words: Vec<String> = edit.rules.iter().map(RuleEdit::words).collect();
        assert!(
            words.contains(&"rule `support`: bases −contract; retention 1y → 3y".to_owned()),
            "{words:?}"
        );
        assert_eq!(edit.other, ["[policy]: version 2026-11-28 → 2026-12-01"]);
        assert!(edit.rules_only(), "a version is no decision");
    }

    #[test]
    fn dates_move_by_months_years_or_days() {
        let d = |s: &str| Some(Due::Date(s.parse().unwrap()));
        assert_eq!(moved(d("2027-06-01"), d("2029-06-01")), Moved::Months(24));
        assert_eq!(moved_words(Moved::Months(24)), "2 years later");
        assert_eq!(moved_words(Moved::Months(-6)), "6 months earlier");
        assert_eq!(moved(d("2027-06-01"), d("2027-06-02")), Moved::Days(1));
        assert_eq!(moved_words(Moved::Days(1)), "1 day later");
        // The end of a month: 31 January + 1 month is 28 February.
        assert_eq!(moved(d("2027-01-31"), d("2027-02-28")), Moved::Months(1));
    }
}
