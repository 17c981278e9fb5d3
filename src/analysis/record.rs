//! The record of processing activities (GDPR art. 30; the inputs of a PIPL
//! art. 55 impact assessment), generated from a policy: per purpose, what
//! is processed, on which bases, for whom and how long, with the transfers
//! abroad the policy actually permits found by deciding every export class.

use std::collections::{BTreeMap, BTreeSet};

use super::space::{Options, Space, Stats};
use crate::policy::{Retention, Rule, SubjectScope};
use crate::{Action, Effect, Engine};

/// One permit rule as a row of the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The rule's id.
    pub rule: String,
    /// The clause it encodes.
    pub clause: String,
    /// Its description.
    pub description: Option<String>,
    /// The actions.
    pub actions: Vec<String>,
    /// The categories, each with whether it touches sensitive data.
    pub categories: Vec<(String, bool)>,
    /// The bases, in order of preference.
    pub bases: Vec<String>,
    /// The recipient kinds it allows (empty: not restricted).
    pub recipients: Vec<String>,
    /// `child`, `adult` or `any`.
    pub subjects: String,
    /// How long data is kept.
    pub retention: String,
    /// The rule's own obligations.
    pub obligations: Vec<String>,
}

/// A transfer abroad the policy permits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    /// The regions data may go to.
    pub regions: BTreeSet<String>,
    /// The mechanisms that carry it.
    pub mechanisms: BTreeSet<String>,
    /// The bases it rests on.
    pub bases: BTreeSet<String>,
    /// The recipient kinds.
    pub recipients: BTreeSet<String>,
    /// Whether a child's data may go.
    pub children: bool,
    /// How many export classes permit.
    pub classes: u64,
}

/// One purpose of the record.
#[derive(Clone, Debug)]
pub struct PurposeEntry {
    /// The purpose's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its clause.
    pub clause: Option<String>,
    /// Whether a child may be processed for it before the guardian consents.
    pub before_guardian_consent: bool,
    /// The rules that name it (or an ancestor), not those for every purpose.
    pub rows: Vec<Row>,
    /// Exports it permits.
    pub transfer: Transfer,
}

/// The record of processing activities.
#[derive(Clone, Debug)]
pub struct Record {
    /// The policy's id, version and title.
    pub policy: (String, String, Option<String>),
    /// The storage region and whether data must stay there.
    pub storage: (String, bool),
    /// The purposes declared, in policy order.
    pub purposes: Vec<PurposeEntry>,
    /// The rules that apply to every purpose.
    pub general: Vec<Row>,
    /// The deny rules.
    pub denies: Vec<Row>,
    /// Jurisdictions: code, child age, law.
    pub jurisdictions: Vec<(String, u8, Option<String>)>,
    /// The rights settings, in words, and their clause.
    pub rights: (Vec<String>, Option<String>),
    /// The retention settings, in words, and their clause.
    pub retention: (Vec<String>, Option<String>),
    /// Categories: name, sensitive, never provided, clause.
    pub categories: Vec<(String, bool, bool, Option<String>)>,
    /// The export run's figures.
    pub stats: Stats,
}

fn retention_words(r: Option<Retention>) -> String {
    match r {
        Some(Retention::For(p)) => format!("{p} from collection"),
        Some(Retention::Until(e)) => e.as_str().replace('_', " "),
        None => "not stated".to_owned(),
    }
}

fn row(engine: &Engine, rule: &Rule) -> Row {
    Row {
        rule: rule.id().to_owned(),
        clause: rule.clause().to_owned(),
        description: rule.description().map(str::to_owned),
        actions: rule.actions().map(|a| a.as_str().to_owned()).collect(),
        categories: rule
            .categories()
            .iter()
            .filter_map(|c| engine.category_info(*c))
            .map(|c| (c.name().to_owned(), c.touches().is_sensitive()))
            .collect(),
        bases: rule.bases().iter().map(|b| b.as_str().to_owned()).collect(),
        recipients: rule
            .recipient_kinds()
            .map(|k| k.map(|k| k.as_str().to_owned()).collect())
            .unwrap_or_default(),
        subjects: match rule.subjects() {
            SubjectScope::Child => "children",
            SubjectScope::Adult => "adults",
            SubjectScope::Any => "anyone",
        }
        .to_owned(),
        retention: retention_words(rule.retention()),
        obligations: rule.obligations().map(|o| o.as_str().to_owned()).collect(),
    }
}

impl Record {
    /// Builds the record of `engine`'s policy; the exports are decided
    /// class by class.
    #[expect(
        clippy::too_many_lines,
        reason = "one record, section by section; splitting it would scatter the layout"
    )]
    pub fn build(engine: &Engine, options: Options) -> Record {
        let roots: BTreeSet<&str> = engine
            .purposes()
            .iter()
            .map(crate::policy::Purpose::name)
            .filter(|n| !n.contains('.'))
            .collect();
        let names = |rule: &Rule| -> BTreeSet<&str> {
            rule.purposes()
                .iter()
                .filter_map(|p| engine.purpose_info(*p))
                .map(crate::policy::Purpose::name)
                .collect()
        };
        let every = |rule: &Rule| names(rule) == roots;
        let permits = || {
            engine
                .rules()
                .iter()
                .filter(|r| r.effect() == Effect::Permit)
        };
        let general = permits()
            .filter(|r| every(r))
            .map(|r| row(engine, r))
            .collect();
        let denies = engine
            .rules()
            .iter()
            .filter(|r| r.effect() == Effect::Deny)
            .map(|r| row(engine, r))
            .collect();

        // Exports, decided: which purposes may go abroad, where, on what.
        let space = Space::build(&[engine], options).only_actions(&[Action::Export]);
        let (per_worker, stats) = space.explore(
            &[engine],
            BTreeMap::<String, Transfer>::new,
            |acc, class, decisions| {
                let Some(Some(d)) = decisions.first() else {
                    return;
                };
                if !d.is_permit() {
                    return;
                }
                let Some(members) = space.purpose_classes().get(class.purpose as usize) else {
                    return;
                };
                for purpose in &members.members {
                    let t = acc.entry(purpose.clone()).or_default();
                    t.classes += 1;
                    if let Some(flow) = space.flow(class) {
                        let region = flow
                            .destination
                            .or_else(|| flow.recipient.as_ref().and_then(|r| r.region));
                        t.regions.insert(
                            region.map_or_else(|| "unstated".to_owned(), |r| r.as_str().to_owned()),
                        );
                        t.recipients.insert(
                            flow.recipient
                                .as_ref()
                                .map_or("none named", |r| r.kind.as_str())
                                .to_owned(),
                        );
                    }
                    for m in space.mechanisms(class) {
                        t.mechanisms.insert(m.as_str().to_owned());
                    }
                    t.bases
                        .insert(d.basis().map_or("none needed", |b| b.as_str()).to_owned());
                    t.children |= d.age().is_some_and(|a| a.is_child());
                }
            },
        );
        let mut transfers: BTreeMap<String, Transfer> = BTreeMap::new();
        for state in per_worker {
            for (purpose, t) in state {
                let into = transfers.entry(purpose).or_default();
                into.classes += t.classes;
                into.regions.extend(t.regions);
                into.mechanisms.extend(t.mechanisms);
                into.bases.extend(t.bases);
                into.recipients.extend(t.recipients);
                into.children |= t.children;
            }
        }

        let purposes = engine
            .purposes()
            .iter()
            .filter(|p| p.is_declared())
            .map(|p| PurposeEntry {
                name: p.name().to_owned(),
                description: p.description().map(str::to_owned),
                clause: p.clause().map(str::to_owned),
                before_guardian_consent: p.is_before_guardian_consent(),
                rows: permits()
                    .filter(|r| !every(r))
                    .filter(|r| {
                        names(r)
                            .iter()
                            .any(|n| super::vocabulary::covers(n, p.name()))
                    })
                    .map(|r| row(engine, r))
                    .collect(),
                transfer: transfers.get(p.name()).cloned().unwrap_or_default(),
            })
            .collect();
        Record {
            policy: (
                engine.policy_id().to_owned(),
                engine.policy_version().to_owned(),
                engine.policy_title().map(str::to_owned),
            ),
            storage: (engine.storage_region().to_string(), engine.localization()),
            purposes,
            general,
            denies,
            jurisdictions: engine
                .jurisdictions()
                .iter()
                .map(|j| {
                    (
                        j.code().to_string(),
                        j.child_age(),
                        j.law().map(str::to_owned),
                    )
                })
                .collect(),
            rights: (
                vec![
                    format!("answered within {} days", engine.rights_response_days()),
                    format!(
                        "for EU subjects, within {} month(s) at the latest",
                        engine.rights_eu_response_months()
                    ),
                    format!(
                        "more than {} requests of a kind within {} may be charged",
                        engine.rights_fee_threshold(),
                        engine.rights_fee_window()
                    ),
                ],
                engine.rights_clause().map(str::to_owned),
            ),
            retention: (
                vec![
                    format!(
                        "when retention ends: {} (children's data: always deleted)",
                        engine.retention_disposal().as_str().replace('_', " ")
                    ),
                    format!("backups purged within {}", engine.retention_backup_lag()),
                ],
                engine.retention_clause().map(str::to_owned),
            ),
            categories: engine
                .categories()
                .iter()
                .filter(|c| c.is_declared())
                .map(|c| {
                    (
                        c.name().to_owned(),
                        c.flags().is_sensitive(),
                        c.flags().is_never_provided(),
                        c.clause().map(str::to_owned),
                    )
                })
                .collect(),
            stats,
        }
    }
}
