//! The record of processing activities (GDPR art. 30(1); under PIPL, the
//! facts a personal information protection impact assessment, art. 55–56,
//! starts from), generated from the policy that decides requests, so it
//! cannot drift from what is enforced.
//!
//! One [`Activity`] per declared purpose: its rules, the categories of data
//! (leaf by leaf, special and sensitive ones marked), the categories of
//! data subjects, the recipients by name, and the destinations abroad by
//! country with each governing regime's mechanism. What the rules cannot
//! say (the controller, its representative, the DPO, security measures,
//! the clauses' text, review and approval) comes from the policy's
//! `[record]` table ([`RecordInfo`](crate::policy::RecordInfo)).
//!
//! Two things are *decided*, not read: whether a named recipient abroad can
//! actually receive the data (its export classes are decided with its own
//! country and mechanisms), and which transfers abroad the policy permits
//! to recipients the record does not name (every export class with an
//! unnamed recipient is decided).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::class::{Flow, RecipientClass};
use super::space::{Options, Space, Stats};
use super::vocabulary::covers;
use crate::decision::{RecipientKind, TransferMechanism};
use crate::policy::{
    Category, NamedRecipient, Party, Period, PeriodUnit, Retention, RetentionEvent, Rule,
    SubjectScope, is_placeholder,
};
use crate::subject::{Regime, RegionCode};
use crate::{Action, Effect, Engine};

/// A clause a row cites, with the anchor its text is found under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseRef {
    /// The heading, as the policy cites it.
    pub heading: String,
    /// The anchor of its entry in [`Record::clauses`].
    pub anchor: String,
}

/// One leaf category (a category no other category is part of).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Sensitive personal information (PIPL art. 28), as the policy marks it.
    pub sensitive: bool,
    /// A special category of personal data (GDPR art. 9).
    pub special: bool,
    /// Never given to a third party or the public.
    pub never_provided: bool,
    /// The purposes it serves only (empty: any).
    pub only_for: Vec<String>,
    /// Device or log information.
    pub device_or_log: bool,
    /// A unique identifier.
    pub unique_identifier: bool,
    /// Read from or stored on the subject's terminal.
    pub terminal: bool,
    /// The clause describing it.
    pub clause: Option<ClauseRef>,
}

/// The categories a rule covers, leaf by leaf.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Categories {
    /// Whether they are every leaf of the policy (but those withheld).
    pub every: bool,
    /// The leaves, in policy order.
    pub leaves: Vec<Leaf>,
    /// Leaves the rule names but never processes this way, and why
    /// (`account.password`: never given out; `cookie.preference`: only for
    /// the cookie purposes).
    pub withheld: Vec<(String, String)>,
}

impl Categories {
    /// The top-level groups of the leaves (`account`, `identity`...), in
    /// policy order.
    pub fn groups(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for leaf in &self.leaves {
            let group = leaf.name.split('.').next().unwrap_or(&leaf.name).to_owned();
            if !out.contains(&group) {
                out.push(group);
            }
        }
        out
    }
}

/// One rule as a row of the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The rule's id.
    pub rule: String,
    /// The clause it encodes.
    pub clause: ClauseRef,
    /// Its description.
    pub description: Option<String>,
    /// The actions.
    pub actions: Vec<String>,
    /// The purposes it names (deny rules and the rules for every purpose).
    pub purposes: Vec<String>,
    /// Whether it names every purpose.
    pub every_purpose: bool,
    /// The categories, leaf by leaf.
    pub categories: Categories,
    /// The bases, in order of preference (permit rules).
    pub bases: Vec<String>,
    /// Who receives the data: the recipients the record names for the
    /// rule, and the kinds it covers that none of them is; empty when the
    /// data stays with the controller.
    pub recipients: Vec<String>,
    /// Whose data: `anyone`, `children only`, `adults only`.
    pub subjects: String,
    /// How long, in words.
    pub retention: String,
    /// The rule's own obligations.
    pub obligations: Vec<String>,
}

/// The mechanism a transfer abroad rests on under one regime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegimeTransfer {
    /// The regime whose area the destination is outside.
    pub regime: Regime,
    /// The mechanisms the record names for it that this regime recognises.
    pub mechanisms: Vec<TransferMechanism>,
    /// Whether the destination is where the policy stores the data (the
    /// transfer is the storage itself).
    pub storage: bool,
}

/// What deciding the transfers found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decided {
    /// How many classes permit.
    pub classes: u64,
    /// The bases the permits rest on.
    pub bases: BTreeSet<String>,
    /// The rules that permit.
    pub rules: BTreeSet<String>,
    /// The mechanisms the permits carry, by regime.
    pub mechanisms: BTreeMap<Regime, BTreeSet<TransferMechanism>>,
    /// Whether a child's data is among them.
    pub children: bool,
}

/// A country a named recipient receives the data in, outside the area of
/// a regime that governs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The country (region code).
    pub country: String,
    /// The recipients there, by name.
    pub recipients: Vec<String>,
    /// For each governing regime whose area does not cover the country.
    pub regimes: Vec<RegimeTransfer>,
    /// What the policy permits there for this activity: `None` when no
    /// request class is permitted (the record names a transfer the rules
    /// refuse).
    pub decided: Option<Decided>,
}

/// One line of the data-flow picture: categories to a recipient in a
/// country.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowLine {
    /// The category groups (or every category).
    pub groups: Vec<String>,
    /// Whether every category goes.
    pub every_category: bool,
    /// Who receives it (`the controller` when it stays).
    pub recipient: String,
    /// The recipient kind (`None`: the controller).
    pub kind: Option<RecipientKind>,
    /// The country, when known.
    pub country: Option<String>,
    /// The regimes the country is outside the area of (governing ones);
    /// with no country, the regimes whose area the flow leaves for a
    /// country the policy does not name (an export to whoever).
    pub abroad: Vec<Regime>,
    /// Whether the country is the storage region.
    pub storage: bool,
    /// The mechanisms the record names for the recipient, by regime (only
    /// those of the regimes in `abroad`).
    pub mechanisms: Vec<(Regime, Vec<TransferMechanism>)>,
}

/// Transfers abroad the policy permits to recipients the record does not
/// name, found by deciding every export class with an unnamed recipient.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unnamed {
    /// The regimes under which such flows leave the area, with the
    /// mechanisms (of that regime) that carry them.
    pub regimes: BTreeMap<Regime, BTreeSet<TransferMechanism>>,
    /// The bases, the rules, and whether a child's data is among them.
    pub decided: Decided,
}

/// One processing activity: a purpose of the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    /// The purpose's name (`None`: the rules for every purpose).
    pub purpose: Option<String>,
    /// The anchor of its section.
    pub anchor: String,
    /// Its description.
    pub description: Option<String>,
    /// Its clause.
    pub clause: Option<ClauseRef>,
    /// What the policy marks about it, in words.
    pub notes: Vec<String>,
    /// The categories of data subjects whose data it processes.
    pub subjects: Vec<String>,
    /// Whether children's data may be processed (a rule for anyone or for
    /// children).
    pub children: bool,
    /// The rules naming it (not those for every purpose).
    pub rows: Vec<Row>,
    /// The categories of personal data its rules cover.
    pub categories: Categories,
    /// The data-flow lines.
    pub flows: Vec<FlowLine>,
    /// The named recipients' countries outside a governing regime's area.
    pub destinations: Vec<Destination>,
    /// Transfers abroad permitted to recipients the record does not name,
    /// when they are this activity's own (not those of every purpose).
    pub unnamed_abroad: Option<Unnamed>,
}

/// A deny rule: what the policy never does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeverRow {
    /// The rule as a row (its purposes filled in).
    pub row: Row,
}

/// Child ages: one age, the jurisdictions that have it, and their law.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildAge {
    /// A subject younger than this is a child.
    pub age: u8,
    /// The regime of these jurisdictions.
    pub regime: Option<Regime>,
    /// Their codes.
    pub jurisdictions: Vec<String>,
    /// The provisions the ages come from.
    pub laws: Vec<String>,
}

/// A clause of the policy, its text and who cites it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseEntry {
    /// The heading.
    pub heading: String,
    /// Its anchor.
    pub anchor: String,
    /// Its text, when the policy gives it (`[[record.clause]]`).
    pub text: Option<String>,
    /// The rules that encode it.
    pub rules: Vec<String>,
    /// The categories, purposes and settings that cite it.
    pub others: Vec<String>,
}

/// The header: the policy, the parties, the review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The policy's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its title.
    pub title: Option<String>,
    /// When the record was last reviewed.
    pub updated: Option<NaiveDate>,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// When.
    pub approved_on: Option<NaiveDate>,
    /// The controller (personal information handler).
    pub controller: Option<Party>,
    /// The representative in the Union.
    pub representative: Option<Party>,
    /// The DPO or person in charge of personal information protection.
    pub dpo: Option<Party>,
    /// The security measures.
    pub security_measures: Vec<String>,
    /// The categories of data subjects: name and description.
    pub subjects: Vec<(String, Option<String>)>,
}

/// Where the data is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    /// The storage region.
    pub region: String,
    /// Whether the policy commits to keep data there.
    pub localization: bool,
    /// The governing regimes whose area does not cover it.
    pub outside: Vec<Regime>,
}

/// The record of processing activities.
#[derive(Clone, Debug)]
pub struct Record {
    /// The policy, the parties, the review.
    pub header: Header,
    /// The regimes that govern the policy's processing: those of its
    /// jurisdictions and of its storage region.
    pub regimes: Vec<Regime>,
    /// Where data is stored.
    pub storage: Storage,
    /// One per declared purpose, in policy order.
    pub activities: Vec<Activity>,
    /// The rules for every purpose.
    pub general: Activity,
    /// The deny rules.
    pub never: Vec<NeverRow>,
    /// The child ages.
    pub child_ages: Vec<ChildAge>,
    /// The rules for children only.
    pub child_rows: Vec<Row>,
    /// Rights: (the regime, or `None` for all, and the sentence).
    pub rights: Vec<(Option<Regime>, String)>,
    /// The clause the rights settings cite.
    pub rights_clause: Option<ClauseRef>,
    /// Retention settings in words.
    pub retention: Vec<String>,
    /// The clause the retention settings cite.
    pub retention_clause: Option<ClauseRef>,
    /// Every leaf category.
    pub categories: Vec<Leaf>,
    /// Every clause cited, in the order first cited.
    pub clauses: Vec<ClauseEntry>,
    /// Placeholders still to fill in: where, and the text.
    pub placeholders: Vec<(String, String)>,
    /// The export runs' figures (classes decided, time).
    pub stats: Stats,
    /// `Some(n)` when a run's space was past [`Options::max_classes`] and
    /// only one base class in `n` was decided: the transfers found may be
    /// incomplete, and the record must say so.
    pub sampled: Option<u64>,
}

/// A transfer mechanism in words, with its provision.
pub fn mechanism_words(m: TransferMechanism) -> &'static str {
    use TransferMechanism as M;
    match m {
        M::SecurityAssessment => "CAC security assessment (PIPL art. 38(1), 40)",
        M::Certification => "personal information protection certification (PIPL art. 38(2))",
        M::StandardContract => "standard contract, filed (PIPL art. 38(3))",
        M::ExemptContract => {
            "exemption: necessary for a contract with the individual (2024 provisions art. 5(1))"
        }
        M::ExemptHr => {
            "exemption: cross-border human-resources management (2024 provisions art. 5(2))"
        }
        M::ExemptEmergency => {
            "exemption: protecting life, health or property in an emergency (2024 provisions art. 5(3))"
        }
        M::ExemptSmallVolume => {
            "exemption: under 100,000 people's non-sensitive data a year (2024 provisions art. 5(4))"
        }
        M::ExemptForeignOrigin => {
            "exemption: data collected abroad and sent back (2024 provisions art. 4)"
        }
        M::Treaty => {
            "international treaty, with the competent authority's approval (PIPL art. 38(4), 41)"
        }
        M::Adequacy => "adequacy decision (GDPR art. 45)",
        M::Scc => "standard contractual clauses (GDPR art. 46(2)(c))",
        M::Bcr => "binding corporate rules (GDPR art. 47)",
        M::Derogation => "derogation for a specific situation, ground not named (GDPR art. 49)",
        M::DerogationConsent => {
            "derogation: explicit consent after being told the risks (GDPR art. 49(1)(a))"
        }
        M::DerogationContract => {
            "derogation: necessary for a contract, occasional (GDPR art. 49(1)(b))"
        }
        M::DerogationPublicInterest => {
            "derogation: important reasons of public interest in Union or member-state law (GDPR art. 49(1)(d))"
        }
        M::DerogationLegalClaims => "derogation: legal claims, occasional (GDPR art. 49(1)(e))",
        M::DerogationVitalInterests => {
            "derogation: vital interests, the subject unable to consent (GDPR art. 49(1)(f))"
        }
    }
}

/// A transfer mechanism's short name, for the picture.
pub fn mechanism_short(m: TransferMechanism) -> &'static str {
    use TransferMechanism as M;
    match m {
        M::SecurityAssessment => "security assessment",
        M::Certification => "certification",
        M::StandardContract => "standard contract",
        M::ExemptContract => "contract exemption",
        M::ExemptHr => "HR exemption",
        M::ExemptEmergency => "emergency exemption",
        M::ExemptSmallVolume => "small-volume exemption",
        M::ExemptForeignOrigin => "foreign-origin exemption",
        M::Treaty => "treaty",
        M::Adequacy => "adequacy",
        M::Scc => "SCC",
        M::Bcr => "BCR",
        M::Derogation => "derogation",
        M::DerogationConsent => "consent derogation",
        M::DerogationContract => "contract derogation",
        M::DerogationPublicInterest => "public-interest derogation",
        M::DerogationLegalClaims => "legal-claims derogation",
        M::DerogationVitalInterests => "vital-interests derogation",
    }
}

/// A regime's name, and the area a transfer leaves.
pub fn regime_words(r: Regime) -> (&'static str, &'static str) {
    match r {
        Regime::Pipl => ("PIPL", "mainland China"),
        Regime::Gdpr => ("GDPR", "the EEA"),
    }
}

/// A period in words: `1 year`, `6 months`, `30 days`.
pub fn period_words(p: Period) -> String {
    let n = p.amount().get();
    let unit = match (p.unit(), n == 1) {
        (PeriodUnit::Days, true) => "day",
        (PeriodUnit::Days, false) => "days",
        (PeriodUnit::Weeks, true) => "week",
        (PeriodUnit::Weeks, false) => "weeks",
        (PeriodUnit::Months, true) => "month",
        (PeriodUnit::Months, false) => "months",
        (PeriodUnit::Years, true) => "year",
        (PeriodUnit::Years, false) => "years",
    };
    format!("{n} {unit}")
}

fn retention_words(r: Option<Retention>) -> String {
    match r {
        Some(Retention::For(p)) => format!("{} from collection", period_words(p)),
        Some(Retention::Until(RetentionEvent::Deregistration)) => {
            "until the account is deregistered".to_owned()
        }
        Some(Retention::Until(RetentionEvent::PurposeAchieved)) => {
            "until the purpose is achieved".to_owned()
        }
        Some(Retention::Until(RetentionEvent::ConsentWithdrawn)) => {
            "until consent is withdrawn".to_owned()
        }
        None => "—".to_owned(),
    }
}

/// A slug for an anchor: lowercase ASCII letters and digits, dashes.
pub fn slug(prefix: &str, text: &str) -> String {
    let mut s = String::from(prefix);
    let mut dash = !s.is_empty() && s.ends_with('-');
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            s.push('-');
            dash = true;
        }
    }
    s.trim_end_matches('-').to_owned()
}

/// The clauses cited, each with a unique anchor, in the order first cited.
#[derive(Default)]
struct Clauses {
    entries: Vec<ClauseEntry>,
}

impl Clauses {
    fn cite(&mut self, engine: &Engine, heading: &str) -> ClauseRef {
        if let Some(e) = self.entries.iter().find(|e| e.heading == heading) {
            return ClauseRef {
                heading: e.heading.clone(),
                anchor: e.anchor.clone(),
            };
        }
        let base = slug("clause-", heading);
        let mut anchor = base.clone();
        let mut n = 2;
        while self.entries.iter().any(|e| e.anchor == anchor) {
            anchor = format!("{base}-{n}");
            n += 1;
        }
        self.entries.push(ClauseEntry {
            heading: heading.to_owned(),
            anchor: anchor.clone(),
            text: engine.record_info().clause_text(heading).map(str::to_owned),
            rules: Vec::new(),
            others: Vec::new(),
        });
        ClauseRef {
            heading: heading.to_owned(),
            anchor,
        }
    }

    fn cited_by_rule(&mut self, engine: &Engine, heading: &str, rule: &str) -> ClauseRef {
        let r = self.cite(engine, heading);
        if let Some(e) = self.entries.iter_mut().find(|e| e.heading == heading)
            && !e.rules.iter().any(|x| x == rule)
        {
            e.rules.push(rule.to_owned());
        }
        r
    }

    fn cited_by(&mut self, engine: &Engine, heading: &str, what: String) -> ClauseRef {
        let r = self.cite(engine, heading);
        if let Some(e) = self.entries.iter_mut().find(|e| e.heading == heading)
            && !e.others.contains(&what)
        {
            e.others.push(what);
        }
        r
    }
}

/// The policy's leaves, with what each is, in policy order.
fn leaves(engine: &Engine, clauses: &mut Clauses) -> Vec<Leaf> {
    let all = engine.categories();
    let mut out = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let parent_of_next = all.get(i + 1).is_some_and(|n| covers(c.name(), n.name()));
        if parent_of_next {
            continue;
        }
        out.push(leaf(engine, c, clauses));
    }
    out
}

fn leaf(engine: &Engine, c: &Category, clauses: &mut Clauses) -> Leaf {
    let f = c.flags();
    // The clause of the nearest category that has one.
    let clause = engine
        .categories()
        .iter()
        .filter(|a| covers(a.name(), c.name()))
        .filter_map(|a| a.clause().map(|cl| (a.name().len(), cl)))
        .max_by_key(|(len, _)| *len)
        .map(|(_, cl)| clauses.cited_by(engine, cl, format!("category `{}`", c.name())));
    Leaf {
        name: c.name().to_owned(),
        description: c.description().map(str::to_owned),
        sensitive: f.is_sensitive(),
        special: f.is_special(),
        never_provided: f.is_never_provided(),
        only_for: c
            .only_for()
            .unwrap_or(&[])
            .iter()
            .filter_map(|p| engine.purpose_info(*p))
            .map(|p| p.name().to_owned())
            .collect(),
        device_or_log: f.is_device_or_log(),
        unique_identifier: f.is_unique_identifier(),
        terminal: f.is_terminal(),
        clause,
    }
}

/// The names a rule gives for its purposes.
fn purpose_names(engine: &Engine, rule: &Rule) -> Vec<String> {
    rule.purposes()
        .iter()
        .filter_map(|p| engine.purpose_info(*p))
        .map(|p| p.name().to_owned())
        .collect()
}

/// Whether a rule names every purpose (its names cover every declared one).
fn every_purpose(engine: &Engine, rule: &Rule) -> bool {
    let names = purpose_names(engine, rule);
    engine
        .purposes()
        .iter()
        .filter(|p| p.is_declared())
        .all(|p| names.iter().any(|n| covers(n, p.name())))
}

/// The leaves a rule covers for `purpose` (`None`: every purpose), with
/// those it never processes this way set aside.
fn rule_categories(
    engine: &Engine,
    rule: &Rule,
    purpose: Option<&str>,
    all: &[Leaf],
) -> Categories {
    let names: Vec<&str> = rule
        .categories()
        .iter()
        .filter_map(|c| engine.category_info(*c))
        .map(Category::name)
        .collect();
    let provision_only = rule.effect() == Effect::Permit
        && rule.actions().next().is_some()
        && rule
            .actions()
            .all(|a| matches!(a, Action::Share | Action::Disclose | Action::Export))
        && !rule
            .recipient_kinds()
            .is_some_and(|mut k| k.all(|k| k == RecipientKind::Processor));
    let mut out = Categories::default();
    let mut covered = 0;
    for leaf in all {
        if !names.iter().any(|n| covers(n, &leaf.name)) {
            continue;
        }
        covered += 1;
        if provision_only && leaf.never_provided {
            out.withheld
                .push((leaf.name.clone(), "never given out".to_owned()));
            continue;
        }
        if let Some(p) = purpose
            && !leaf.only_for.is_empty()
            && !leaf.only_for.iter().any(|o| covers(o, p))
        {
            out.withheld.push((
                leaf.name.clone(),
                format!("only for {}", leaf.only_for.join(", ")),
            ));
            continue;
        }
        out.leaves.push(leaf.clone());
    }
    out.every = covered == all.len() && !out.leaves.is_empty();
    out
}

/// A rule as a row.
fn row(
    engine: &Engine,
    rule: &Rule,
    purpose: Option<&str>,
    all: &[Leaf],
    clauses: &mut Clauses,
) -> Row {
    let named: Vec<&NamedRecipient> = engine.record_info().recipients_of(rule.rule_id()).collect();
    let mut recipients: Vec<String> = named
        .iter()
        .map(|r| format!("{} ({})", r.name(), kind_words(r.kind())))
        .collect();
    if rule.effect() == Effect::Deny {
        // Whom a deny rule refuses: the kinds it lists (none: anyone).
        recipients = rule
            .recipient_kinds()
            .map(|k| k.map(|k| kind_words(k).to_owned()).collect())
            .unwrap_or_default();
    } else {
        for kind in rule_recipient_kinds(rule) {
            if !named.iter().any(|r| r.kind() == kind) {
                recipients.push(format!("{} not named in the record", kind_words(kind)));
            }
        }
    }
    Row {
        rule: rule.id().to_owned(),
        clause: clauses.cited_by_rule(engine, rule.clause(), rule.id()),
        description: rule.description().map(str::to_owned),
        actions: rule.actions().map(|a| a.as_str().to_owned()).collect(),
        purposes: purpose_names(engine, rule),
        every_purpose: every_purpose(engine, rule),
        categories: rule_categories(engine, rule, purpose, all),
        bases: rule.bases().iter().map(|b| b.as_str().to_owned()).collect(),
        recipients,
        subjects: match rule.subjects() {
            SubjectScope::Child => "children only",
            SubjectScope::Adult => "adults only",
            SubjectScope::Any => "anyone",
        }
        .to_owned(),
        retention: if rule.effect() == Effect::Permit {
            retention_words(rule.retention())
        } else {
            String::new()
        },
        obligations: rule.obligations().map(|o| o.as_str().to_owned()).collect(),
    }
}

/// The recipient kinds a rule gives data to: those it lists, or, when it
/// lists none, the kinds its actions give data to.
fn rule_recipient_kinds(rule: &Rule) -> Vec<RecipientKind> {
    if let Some(kinds) = rule.recipient_kinds() {
        return kinds.collect();
    }
    let mut out = Vec::new();
    for action in rule.actions() {
        let kinds: &[RecipientKind] = match action {
            Action::Share => &[RecipientKind::ThirdParty, RecipientKind::Authority],
            Action::Entrust => &[RecipientKind::Processor],
            Action::Transfer => &[RecipientKind::Acquirer],
            Action::Disclose => &[RecipientKind::Public],
            Action::Export => &[RecipientKind::ThirdParty, RecipientKind::Processor],
            _ => &[],
        };
        for &k in kinds {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

/// A recipient kind in words.
pub fn kind_words(kind: RecipientKind) -> &'static str {
    match kind {
        RecipientKind::ThirdParty => "third party",
        RecipientKind::Processor => "processor",
        RecipientKind::Guardian => "guardian",
        RecipientKind::Authority => "authority",
        RecipientKind::Acquirer => "acquirer",
        RecipientKind::Public => "the public",
        RecipientKind::Subject => "the subject",
    }
}

/// The union of rows' categories.
fn union(rows: &[Row], all: &[Leaf]) -> Categories {
    let mut out = Categories::default();
    for leaf in all {
        if rows
            .iter()
            .any(|r| r.categories.leaves.iter().any(|l| l.name == leaf.name))
        {
            out.leaves.push(leaf.clone());
        }
    }
    out.every = !all.is_empty() && out.leaves.len() == all.len();
    out
}

/// The regimes that govern the policy's processing: its jurisdictions'
/// and its storage region's.
fn governing(engine: &Engine) -> Vec<Regime> {
    let mut set: BTreeSet<Regime> = engine
        .jurisdictions()
        .iter()
        .filter_map(crate::subject::Jurisdiction::regime)
        .collect();
    if let Some(r) = Regime::of_region(engine.storage_region()) {
        set.insert(r);
    }
    set.into_iter().collect()
}

/// The regimes whose area does not cover `country`.
fn outside(regimes: &[Regime], country: RegionCode) -> Vec<Regime> {
    regimes
        .iter()
        .copied()
        .filter(|r| !r.covers(country))
        .collect()
}

impl Record {
    /// Builds the record of `engine`'s policy. The transfers abroad are
    /// decided class by class.
    #[expect(
        clippy::too_many_lines,
        reason = "one record, section by section, in the order it is read"
    )]
    pub fn build(engine: &Engine, options: Options) -> Record {
        let mut clauses = Clauses::default();
        let regimes = governing(engine);
        let all = leaves(engine, &mut clauses);
        let info = engine.record_info();
        let storage = Storage {
            region: engine.storage_region().to_string(),
            localization: engine.localization(),
            outside: outside(&regimes, engine.storage_region()),
        };
        let permits: Vec<&Rule> = engine
            .rules()
            .iter()
            .filter(|r| r.effect() == Effect::Permit)
            .collect();
        let (general_rules, own_rules): (Vec<&Rule>, Vec<&Rule>) =
            permits.iter().partition(|r| every_purpose(engine, r));

        let mut stats = Stats::default();
        let mut sampled = None;
        let unnamed = unnamed_transfers(engine, options, &regimes, &mut stats, &mut sampled);
        let every_unnamed = unnamed_for_every_purpose(engine, &unnamed);

        let mut activities = Vec::new();
        for p in engine.purposes().iter().filter(|p| p.is_declared()) {
            let rules: Vec<&Rule> = own_rules
                .iter()
                .copied()
                .filter(|r| purpose_names(engine, r).iter().any(|n| covers(n, p.name())))
                .collect();
            let mut activity = activity(
                engine,
                Some(p.name()),
                &rules,
                &all,
                &regimes,
                options,
                &mut clauses,
                (&mut stats, &mut sampled),
            );
            activity.description = p.description().map(str::to_owned);
            activity.clause = p
                .clause()
                .map(|c| clauses.cited_by(engine, c, format!("purpose `{}`", p.name())));
            activity.notes = purpose_notes(p);
            if every_unnamed.is_none() {
                activity.unnamed_abroad = unnamed.get(p.name()).cloned();
            }
            activities.push(activity);
        }
        let mut general = activity(
            engine,
            None,
            &general_rules,
            &all,
            &regimes,
            options,
            &mut clauses,
            (&mut stats, &mut sampled),
        );
        general.unnamed_abroad = every_unnamed;

        let never = engine
            .rules()
            .iter()
            .filter(|r| r.effect() == Effect::Deny)
            .map(|r| NeverRow {
                row: row(engine, r, None, &all, &mut clauses),
            })
            .collect();
        let child_rows = permits
            .iter()
            .filter(|r| r.subjects() == SubjectScope::Child)
            .map(|r| row(engine, r, None, &all, &mut clauses))
            .collect();
        let rights_clause = engine
            .rights_clause()
            .map(|c| clauses.cited_by(engine, c, "the rights settings".to_owned()));
        let retention_clause = engine
            .retention_clause()
            .map(|c| clauses.cited_by(engine, c, "the retention settings".to_owned()));
        for j in engine.jurisdictions() {
            if let Some(c) = j.clause() {
                clauses.cited_by(engine, c, format!("jurisdiction `{}`", j.code()));
            }
        }
        // The clauses the policy gives text for but nothing cites.
        for c in info.clauses() {
            clauses.cite(engine, c.heading());
        }
        Record {
            header: header(engine),
            storage,
            activities,
            general,
            never,
            child_ages: child_ages(engine),
            child_rows,
            rights: rights(engine, &regimes),
            rights_clause,
            retention: retention(engine, &regimes),
            retention_clause,
            categories: all,
            clauses: clauses.entries,
            placeholders: placeholders(engine),
            stats,
            sampled,
            regimes,
        }
    }
}

fn purpose_notes(p: &crate::policy::Purpose) -> Vec<String> {
    let mut notes = Vec::new();
    if p.is_before_guardian_consent() {
        notes.push("open to a child before the guardian consents (verification)".to_owned());
    }
    if p.is_protective() {
        notes.push("protects a person in an emergency: an emergency can be its basis".to_owned());
    }
    if p.is_statutory() {
        notes.push("fulfils statutory duties: open on a legal obligation".to_owned());
    }
    if p.is_strictly_necessary() {
        notes.push("reading the terminal is strictly necessary for it".to_owned());
    }
    if p.is_hr() {
        notes.push("human-resources management".to_owned());
    }
    if p.records_withdrawal() {
        notes.push("records a withdrawal of consent".to_owned());
    }
    notes
}

#[expect(
    clippy::too_many_arguments,
    reason = "one activity from the policy, the leaves, the regimes and the run's bounds"
)]
fn activity(
    engine: &Engine,
    purpose: Option<&str>,
    rules: &[&Rule],
    all: &[Leaf],
    regimes: &[Regime],
    options: Options,
    clauses: &mut Clauses,
    (stats, sampled): (&mut Stats, &mut Option<u64>),
) -> Activity {
    let rows: Vec<Row> = rules
        .iter()
        .map(|r| row(engine, r, purpose, all, clauses))
        .collect();
    let categories = union(&rows, all);
    let subjects = engine
        .record_info()
        .subjects()
        .iter()
        .filter(|g| {
            g.categories()
                .iter()
                .filter_map(|c| engine.category_info(*c))
                .any(|c| categories.leaves.iter().any(|l| covers(c.name(), &l.name)))
        })
        .map(|g| g.name().to_owned())
        .collect();
    let children = rules.iter().any(|r| r.subjects() != SubjectScope::Adult);
    let flows = flow_lines(engine, rules, &rows, regimes);
    let destinations = destinations(engine, purpose, rules, regimes, options, (stats, sampled));
    Activity {
        anchor: purpose.map_or_else(|| "every-purpose".to_owned(), |p| slug("activity-", p)),
        purpose: purpose.map(str::to_owned),
        description: None,
        clause: None,
        notes: Vec::new(),
        subjects,
        children,
        rows,
        categories,
        flows,
        destinations,
        unnamed_abroad: None,
    }
}

/// The data-flow lines of an activity: for each row, the data the
/// controller keeps, and what each named recipient (or unnamed kind) gets.
fn flow_lines(engine: &Engine, rules: &[&Rule], rows: &[Row], regimes: &[Regime]) -> Vec<FlowLine> {
    let storage = engine.storage_region();
    let controller = engine
        .record_info()
        .controller()
        .and_then(Party::name)
        .filter(|n| !is_placeholder(n))
        .map_or_else(
            || "the controller".to_owned(),
            |n| format!("{n} (controller)"),
        );
    let mut lines: Vec<FlowLine> = Vec::new();
    let mut add = |line: FlowLine, row: &Row| {
        let groups = row.categories.groups();
        match lines.iter_mut().find(|l| {
            l.recipient == line.recipient && l.country == line.country && l.abroad == line.abroad
        }) {
            Some(l) => {
                for g in groups {
                    if !l.groups.contains(&g) {
                        l.groups.push(g);
                    }
                }
                l.every_category |= row.categories.every;
            }
            None => lines.push(FlowLine {
                groups,
                every_category: row.categories.every,
                ..line
            }),
        }
    };
    for (rule, row) in rules.iter().zip(rows) {
        if row.categories.leaves.is_empty() {
            continue;
        }
        let keeps = rule
            .actions()
            .any(|a| matches!(a, Action::Collect | Action::Use | Action::Store));
        if keeps {
            add(
                FlowLine {
                    groups: Vec::new(),
                    every_category: false,
                    recipient: controller.clone(),
                    kind: None,
                    country: Some(storage.to_string()),
                    abroad: outside(regimes, storage),
                    storage: true,
                    mechanisms: Vec::new(),
                },
                row,
            );
        }
        let named: Vec<&NamedRecipient> =
            engine.record_info().recipients_of(rule.rule_id()).collect();
        for r in &named {
            add(named_line(r, regimes, storage), row);
        }
        for kind in rule_recipient_kinds(rule) {
            if named.iter().any(|r| r.kind() == kind) {
                continue;
            }
            let abroad = rule.actions().any(|a| a == Action::Export);
            add(
                FlowLine {
                    groups: Vec::new(),
                    every_category: false,
                    recipient: format!("{} not named", kind_words(kind)),
                    kind: Some(kind),
                    country: None,
                    abroad: if abroad { regimes.to_vec() } else { Vec::new() },
                    storage: false,
                    mechanisms: Vec::new(),
                },
                row,
            );
        }
    }
    lines
}

/// The line to a named recipient: its country, the regimes it is abroad
/// under, and its mechanisms for each.
fn named_line(r: &NamedRecipient, regimes: &[Regime], storage: RegionCode) -> FlowLine {
    let abroad = r.country().map(|c| outside(regimes, c)).unwrap_or_default();
    let mechanisms = abroad
        .iter()
        .map(|&regime| {
            let of_regime = r
                .mechanisms()
                .iter()
                .copied()
                .filter(|m| regime.recognises(*m))
                .collect();
            (regime, of_regime)
        })
        .collect();
    FlowLine {
        groups: Vec::new(),
        every_category: false,
        recipient: r.name().to_owned(),
        kind: Some(r.kind()),
        country: r.country().map(|c| c.to_string()),
        abroad,
        storage: r.country() == Some(storage),
        mechanisms,
    }
}

/// The named recipients of `rules` whose country lies outside a governing
/// regime's area, each with its mechanisms per regime and what deciding
/// its transfers for this activity finds.
fn destinations(
    engine: &Engine,
    purpose: Option<&str>,
    rules: &[&Rule],
    regimes: &[Regime],
    options: Options,
    (stats, sampled): (&mut Stats, &mut Option<u64>),
) -> Vec<Destination> {
    let mut out: Vec<Destination> = Vec::new();
    let storage = engine.storage_region();
    let named: Vec<&NamedRecipient> = engine
        .record_info()
        .recipients()
        .iter()
        .filter(|r| rules.iter().any(|rule| r.rules().contains(&rule.rule_id())))
        .collect();
    for r in named {
        let Some(country) = r.country() else {
            continue;
        };
        let abroad = outside(regimes, country);
        if abroad.is_empty() {
            continue;
        }
        let decided = decide_named(engine, purpose, r, country, options, (stats, sampled));
        let transfers: Vec<RegimeTransfer> = abroad
            .iter()
            .map(|&regime| RegimeTransfer {
                regime,
                mechanisms: r
                    .mechanisms()
                    .iter()
                    .copied()
                    .filter(|m| regime.recognises(*m))
                    .collect(),
                storage: country == storage,
            })
            .collect();
        match out.iter_mut().find(|d| d.country == country.as_str()) {
            Some(d) => {
                d.recipients.push(r.name().to_owned());
                for t in transfers {
                    match d.regimes.iter_mut().find(|x| x.regime == t.regime) {
                        Some(x) => {
                            for m in t.mechanisms {
                                if !x.mechanisms.contains(&m) {
                                    x.mechanisms.push(m);
                                }
                            }
                        }
                        None => d.regimes.push(t),
                    }
                }
                d.decided = merge_decided(d.decided.take(), decided);
            }
            None => out.push(Destination {
                country: country.to_string(),
                recipients: vec![r.name().to_owned()],
                regimes: transfers,
                decided,
            }),
        }
    }
    out
}

fn merge_decided(a: Option<Decided>, b: Option<Decided>) -> Option<Decided> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(mut a), Some(b)) => {
            a.add(b);
            Some(a)
        }
    }
}

impl Decided {
    fn add(&mut self, other: Decided) {
        self.classes += other.classes;
        self.bases.extend(other.bases);
        self.rules.extend(other.rules);
        for (r, ms) in other.mechanisms {
            self.mechanisms.entry(r).or_default().extend(ms);
        }
        self.children |= other.children;
    }
}

/// Decides the flows of a named recipient in its country for the purpose
/// (every purpose when `None`): the actions of its rules, its kind, name
/// and country, with its own mechanisms where a mechanism is lacking.
fn decide_named(
    engine: &Engine,
    purpose: Option<&str>,
    recipient: &NamedRecipient,
    country: RegionCode,
    options: Options,
    (stats, sampled): (&mut Stats, &mut Option<u64>),
) -> Option<Decided> {
    let mut actions: Vec<Action> = Vec::new();
    for rule in recipient.rules().iter().filter_map(|id| engine.rule(*id)) {
        for a in rule.actions() {
            if !actions.contains(&a) {
                actions.push(a);
            }
        }
    }
    // The recipient in its country, the data sent there; or the data kept
    // where the policy stores it, the recipient reaching it from there (a
    // processor abroad working in our storage region).
    let flow = |destination: RegionCode| Flow {
        weaker_of: None,
        recipient: Some(RecipientClass {
            kind: recipient.kind(),
            name: Some(recipient.name().to_owned()),
            region: Some(country),
            accepts_policy: false,
        }),
        destination: Some(destination),
    };
    let mut flows = vec![flow(country)];
    if engine.storage_region() != country {
        flows.push(flow(engine.storage_region()));
    }
    let space = Space::build(&[engine], options)
        .only_actions(&actions)
        .only_purposes(|p| purpose.is_none_or(|name| p.members.iter().any(|m| m == name)))
        .with_flows(flows, recipient.mechanisms().to_vec());
    note_sampled(sampled, &space);
    let (per_worker, run) = space.explore(&[engine], Decided::default, |acc, class, decisions| {
        let Some(Some(d)) = decisions.first() else {
            return;
        };
        if !d.is_permit() {
            return;
        }
        acc.classes += 1;
        acc.bases.insert(
            d.basis()
                .map_or("no basis needed", |b| b.as_str())
                .to_owned(),
        );
        for reason in d.reasons() {
            if let Some(rule) = reason.rule().and_then(|id| engine.rule(id)) {
                acc.rules.insert(rule.id().to_owned());
            }
        }
        for &m in space.mechanisms(class) {
            for r in Regime::ALL.iter().copied() {
                if r.recognises(m) {
                    acc.mechanisms.entry(r).or_default().insert(m);
                }
            }
        }
        acc.children |= d.age().is_some_and(|a| a.is_child());
    });
    add_stats(stats, run);
    let mut total = Decided::default();
    for state in per_worker {
        total.add(state);
    }
    (total.classes > 0).then_some(total)
}

/// Keeps the coarsest sampling of the record's runs.
fn note_sampled(sampled: &mut Option<u64>, space: &Space) {
    if let Some(n) = space.sampled() {
        *sampled = Some(sampled.map_or(n, |m| m.max(n)));
    }
}

fn add_stats(into: &mut Stats, run: Stats) {
    into.classes += run.classes;
    into.decisions += run.decisions;
    into.elapsed += run.elapsed;
}

/// Every export class with an unnamed recipient (or none), by purpose: the
/// transfers abroad the policy permits to recipients the record does not
/// name.
fn unnamed_transfers(
    engine: &Engine,
    options: Options,
    regimes: &[Regime],
    stats: &mut Stats,
    sampled: &mut Option<u64>,
) -> BTreeMap<String, Unnamed> {
    let space = Space::build(&[engine], options).only_actions(&[Action::Export]);
    note_sampled(sampled, &space);
    let storage_regime = Regime::of_region(engine.storage_region());
    let (per_worker, run) = space.explore(
        &[engine],
        BTreeMap::<String, Unnamed>::new,
        |acc, class, decisions| {
            let Some(Some(d)) = decisions.first() else {
                return;
            };
            if !d.is_permit() {
                return;
            }
            let Some(flow) = space.flow(class) else {
                return;
            };
            let Some(region) = flow
                .destination
                .or_else(|| flow.recipient.as_ref().and_then(|r| r.region))
            else {
                return;
            };
            let subject_regime = space
                .subject(class)
                .and_then(|s| engine.jurisdiction(&s.jurisdiction).ok())
                .and_then(|j| engine.jurisdiction_info(j))
                .and_then(crate::subject::Jurisdiction::regime);
            let under: Vec<Regime> = [subject_regime, storage_regime]
                .into_iter()
                .flatten()
                .filter(|r| regimes.contains(r) && !r.covers(region))
                .collect();
            if under.is_empty() {
                return;
            }
            let Some(members) = space.purpose_classes().get(class.purpose as usize) else {
                return;
            };
            for purpose in &members.members {
                let u = acc.entry(purpose.clone()).or_default();
                u.decided.classes += 1;
                u.decided.bases.insert(
                    d.basis()
                        .map_or("no basis needed", |b| b.as_str())
                        .to_owned(),
                );
                for reason in d.reasons() {
                    if let Some(rule) = reason.rule().and_then(|id| engine.rule(id)) {
                        u.decided.rules.insert(rule.id().to_owned());
                    }
                }
                u.decided.children |= d.age().is_some_and(|a| a.is_child());
                for &r in &under {
                    let set = u.regimes.entry(r).or_default();
                    set.extend(space.mechanisms(class).iter().filter(|m| r.recognises(**m)));
                }
            }
        },
    );
    add_stats(stats, run);
    let mut out: BTreeMap<String, Unnamed> = BTreeMap::new();
    for state in per_worker {
        for (purpose, u) in state {
            let into = out.entry(purpose).or_default();
            into.decided.add(u.decided);
            for (r, ms) in u.regimes {
                into.regimes.entry(r).or_default().extend(ms);
            }
        }
    }
    out
}

/// The unnamed transfers, when every declared purpose has the same.
fn unnamed_for_every_purpose(
    engine: &Engine,
    unnamed: &BTreeMap<String, Unnamed>,
) -> Option<Unnamed> {
    // The same flows abroad for every purpose (the regimes and their
    // mechanisms, the bases, a child's data): said once, naming every rule
    // that permits one (a purpose's own rule, such as the transfer of a
    // merger, among them).
    let mut declared = engine.purposes().iter().filter(|p| p.is_declared());
    let first = unnamed.get(declared.next()?.name())?;
    let mut merged = first.clone();
    for p in declared {
        let u = unnamed.get(p.name())?;
        let same = u.regimes == first.regimes
            && u.decided.bases == first.decided.bases
            && u.decided.children == first.decided.children;
        if !same {
            return None;
        }
        merged.decided.rules.extend(u.decided.rules.iter().cloned());
        merged.decided.classes += u.decided.classes;
    }
    Some(merged)
}

fn header(engine: &Engine) -> Header {
    let info = engine.record_info();
    Header {
        id: engine.policy_id().to_owned(),
        version: engine.policy_version().to_owned(),
        title: engine.policy_title().map(str::to_owned),
        updated: info.updated(),
        approved_by: info.approved_by().map(str::to_owned),
        approved_on: info.approved_on(),
        controller: info.controller().cloned(),
        representative: info.representative().cloned(),
        dpo: info.dpo().cloned(),
        security_measures: info.security_measures().map(str::to_owned).collect(),
        subjects: info
            .subjects()
            .iter()
            .map(|g| (g.name().to_owned(), g.description().map(str::to_owned)))
            .collect(),
    }
}

fn child_ages(engine: &Engine) -> Vec<ChildAge> {
    let mut out: Vec<ChildAge> = Vec::new();
    for j in engine.jurisdictions() {
        let age = j.child_age();
        let regime = j.regime();
        let law = j.law().map(str::to_owned);
        match out.iter_mut().find(|c| c.age == age && c.regime == regime) {
            Some(c) => {
                c.jurisdictions.push(j.code().to_string());
                if let Some(law) = law
                    && !c.laws.contains(&law)
                {
                    c.laws.push(law);
                }
            }
            None => out.push(ChildAge {
                age,
                regime,
                jurisdictions: vec![j.code().to_string()],
                laws: law.into_iter().collect(),
            }),
        }
    }
    out.sort_by_key(|c| (c.regime, c.age));
    out
}

/// The rights settings, in each governing regime's own words and terms.
fn rights(engine: &Engine, regimes: &[Regime]) -> Vec<(Option<Regime>, String)> {
    let days = engine.rights_response_days();
    let months = engine.rights_eu_response_months();
    let month_words = if months == 1 {
        "one month".to_owned()
    } else {
        format!("{months} months")
    };
    let mut out = Vec::new();
    for &r in regimes {
        match r {
            Regime::Pipl => out.push((
                Some(r),
                format!("Requests are answered within {days} days of receipt, as the policy promises (PIPL art. 50)."),
            )),
            Regime::Gdpr => {
                // The earlier of the policy's days and the GDPR's months:
                // a month has at least 28 days and at most 31.
                let when = if days < 28 * months {
                    format!("within {days} days of receipt, as the policy promises (earlier than the {month_words} of GDPR art. 12(3))")
                } else if days >= 31 * months {
                    format!("within {month_words} of receipt (GDPR art. 12(3)), extendable by two further months for complex or numerous requests, the subject told within the first month")
                } else {
                    format!("within {month_words} or {days} days of receipt, whichever is earlier (GDPR art. 12(3))")
                };
                out.push((Some(r), format!("Requests are answered {when}.")));
            }
        }
    }
    let fee = format!(
        "More than {} requests of a kind within {} may be charged a reasonable fee, announced first",
        engine.rights_fee_threshold(),
        period_words(engine.rights_fee_window())
    );
    let fee = if regimes.contains(&Regime::Gdpr) {
        format!(
            "{fee}; under the GDPR only when the requests are manifestly unfounded or excessive (art. 12(5))."
        )
    } else {
        format!("{fee}.")
    };
    out.push((None, fee));
    out
}

fn retention(engine: &Engine, regimes: &[Regime]) -> Vec<String> {
    let children = if regimes.contains(&Regime::Pipl) {
        "children's data is always deleted (CAC-2019 art. 20, 23)"
    } else {
        "children's data is always deleted"
    };
    let disposal = match engine.retention_disposal() {
        crate::policy::Disposal::Delete => "deleted".to_owned(),
        crate::policy::Disposal::DeleteOrAnonymize => "deleted or anonymized".to_owned(),
        #[allow(unreachable_patterns, reason = "disposals the lead may add")]
        other => other.as_str().replace('_', " "),
    };
    vec![
        format!("When its retention ends, data is {disposal}; {children}."),
        format!(
            "Backups are purged within {} of the deletion; until then they are only stored and kept secure.",
            period_words(engine.retention_backup_lag())
        ),
    ]
}

/// Every value of the `[record]` table still a placeholder.
fn placeholders(engine: &Engine) -> Vec<(String, String)> {
    let info = engine.record_info();
    let mut out = Vec::new();
    let mut check = |what: &str, value: Option<&str>| {
        if let Some(v) = value.filter(|v| is_placeholder(v)) {
            out.push((what.to_owned(), v.to_owned()));
        }
    };
    check("approved by", info.approved_by());
    for (what, party) in [
        ("controller", info.controller()),
        ("representative", info.representative()),
        ("data protection officer", info.dpo()),
    ] {
        if let Some(p) = party {
            check(&format!("{what}: name"), p.name());
            check(&format!("{what}: address"), p.address());
            check(&format!("{what}: contact"), p.contact());
            check(&format!("{what}: note"), p.note());
        }
    }
    for m in info.security_measures() {
        check("security measure", Some(m));
    }
    for r in info.recipients() {
        check(&format!("recipient `{}`", r.id()), Some(r.name()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record whose transfers were found in a sample says so.
    #[test]
    fn a_sampled_record_says_so() {
        let text = include_str!("../../policies/examples/eu-fitness.toml");
        let engine = Engine::from_toml(text).unwrap();
        let whole = Record::build(&engine, Options::default());
        assert_eq!(whole.sampled, None);
        let sampled = Record::build(
            &engine,
            Options {
                max_classes: 10,
                threads: 1,
            },
        );
        assert!(sampled.sampled.is_some_and(|n| n > 1));
    }

    /// The EU example's US processor: one destination, its country, the
    /// GDPR's mechanism only, and what deciding it finds.
    #[test]
    fn the_eu_processor_is_a_destination_by_country() {
        let text = include_str!("../../policies/examples/eu-fitness.toml");
        let engine = Engine::from_toml(text).unwrap();
        let record = Record::build(&engine, Options::default());
        assert_eq!(record.regimes, [Regime::Gdpr]);
        let analytics = record
            .activities
            .iter()
            .find(|a| a.purpose.as_deref() == Some("analytics.product"))
            .unwrap();
        let [us] = analytics.destinations.as_slice() else {
            panic!("{:?}", analytics.destinations);
        };
        assert_eq!(us.country, "US");
        assert_eq!(us.regimes.len(), 1);
        assert_eq!(us.regimes[0].regime, Regime::Gdpr);
        assert_eq!(us.regimes[0].mechanisms, [TransferMechanism::Scc]);
        let decided = us.decided.as_ref().unwrap();
        assert!(decided.rules.contains("analytics-processor"));
        let others: usize = record
            .activities
            .iter()
            .filter(|a| a.purpose.as_deref() != Some("analytics.product"))
            .map(|a| a.destinations.len())
            .sum();
        assert_eq!(others, 0);
    }
}
