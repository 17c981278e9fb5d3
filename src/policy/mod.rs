//! Reading and compiling a policy: its rules, categories, purposes and
//! retention periods, the options that bound loading, and the diagnostics a
//! policy that does not load comes with.
//!
//! A policy is TOML (every key is in `docs/policy-reference.md`). Loading
//! runs in two stages, like Cedar's CST → AST: the first reads the TOML and
//! checks each value where it stands; the second checks what spans several
//! values (undeclared names, duplicates, rules that can never apply) and
//! builds the index `decide()` reads. Every problem is reported at once, as
//! [`Diagnostic`]s with line, column, carets and hints; an engine in hand
//! always holds a valid policy.
//!
//! # Example: a rule and the clause behind it
//!
//! ```
//! use lawful::Engine;
//! use lawful::policy::{Retention, SubjectScope};
//!
//! let engine = Engine::builtin();
//! let rule = engine.rule_named("registration").ok_or("no such rule")?;
//! assert!(rule.clause().ends_with("Registration and login"));
//! assert_eq!(rule.subjects(), SubjectScope::Any);
//! assert!(matches!(rule.retention(), Some(Retention::Until(_))));
//!
//! // A policy that does not load says where and why, all at once.
//! let err = Engine::from_toml("[policy]\nid = 1\n").unwrap_err();
//! assert!(err.diagnostics().len() >= 1);
//! assert!(err.to_string().contains("has no `version`"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compile;
mod options;
pub(crate) mod raw;
mod record;
pub(crate) mod retention;

pub use crate::category::{Category, CategoryFlags};
pub use crate::error::NameKind;
pub use crate::error::{Diagnostic, DiagnosticKind, Warnings};
pub use crate::outcome::RuleId;
pub use crate::purpose::Purpose;
pub use crate::retention::{Disposal, Period, PeriodError, PeriodUnit, Retention, RetentionEvent};
pub use crate::vocab::UnknownWord;

use std::sync::Arc;

use chrono::FixedOffset;

pub use options::LoadOptions;
pub use record::{ClauseText, NamedRecipient, Party, RecordInfo, SubjectGroup, is_placeholder};

use crate::action::{Action, ActionSet};
use crate::basis::{Basis, BasisSet};
use crate::category::CategoryId;
use crate::error::{LoadError, Source};
use crate::hierarchy::Hierarchy;
use crate::outcome::{Effect, ObligationSet};
use crate::purpose::PurposeId;
use crate::recipient::{RecipientKind, RecipientKinds};
use crate::subject::regime::RegimeSet;
use crate::subject::region::RegionCode;
use crate::subject::{Jurisdiction, JurisdictionId};
use crate::vocab::vocabulary;

vocabulary! {
    /// Which subjects a rule is about.
    pub enum SubjectScope as "subjects" {
        /// Anyone (the default).
        Any = "any",
        /// Only subjects known to be adults.
        Adult = "adult",
        /// Only subjects known to be children.
        Child = "child",
    }
}

/// A permit or deny rule: what it matches and, for a permit, on which bases,
/// with which obligations and for how long.
#[derive(Clone, Debug)]
pub struct Rule {
    pub(crate) id: RuleId,
    pub(crate) name: Box<str>,
    pub(crate) effect: Effect,
    pub(crate) clause: Box<str>,
    pub(crate) description: Option<Box<str>>,
    pub(crate) actions: ActionSet,
    pub(crate) purposes: Vec<PurposeId>,
    pub(crate) categories: Vec<CategoryId>,
    /// Each category's id range `[start, end)`, for covering tests.
    pub(crate) category_ranges: Vec<(u32, u32)>,
    /// `None`: the rule does not care who receives the data.
    pub(crate) recipients: Option<RecipientKinds>,
    pub(crate) subjects: SubjectScope,
    pub(crate) requires_known_age: bool,
    pub(crate) unknown_age_adult: bool,
    /// The flows abroad it permits are occasional (`occasional`).
    pub(crate) occasional: bool,
    pub(crate) bases: Vec<Basis>,
    pub(crate) basis_set: BasisSet,
    pub(crate) obligations: ObligationSet,
    pub(crate) retention: Option<Retention>,
    /// Whom it applies to, as [`Rule::applicability`] works it out when
    /// the policy is compiled (read by [`Rule::applies_to`]).
    pub(crate) applies: u16,
}

/// A subject and a recipient as two bits of a [`Rule::applicability`]: one
/// of the first three for a child, an adult, an unknown age; one of the
/// next for no recipient, then each recipient kind. Inlined: a context
/// made asks it of constants.
#[inline]
pub(crate) fn audience(child: Option<bool>, recipient: Option<RecipientKind>) -> u16 {
    let subject = match child {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    };
    let recipient = recipient.map_or(3, |kind| 4 + kind.index());
    (1 << subject) | (1 << recipient)
}

impl Rule {
    /// The rule's handle.
    pub fn rule_id(&self) -> RuleId {
        self.id
    }

    /// The rule's id as written in the policy (`registration`).
    pub fn id(&self) -> &str {
        &self.name
    }

    /// Permit or deny.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The policy clause the rule encodes (`How do we collect and use
    /// personal information / Registration and login`).
    pub fn clause(&self) -> &str {
        &self.clause
    }

    /// A description for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The actions it matches.
    pub fn actions(&self) -> impl Iterator<Item = Action> + '_ {
        self.actions.iter()
    }

    /// The purposes it matches (with their descendants).
    pub fn purposes(&self) -> &[PurposeId] {
        &self.purposes
    }

    /// The categories it covers (with their descendants).
    pub fn categories(&self) -> &[CategoryId] {
        &self.categories
    }

    /// The recipient kinds it allows; `None` when it does not restrict them.
    pub fn recipient_kinds(&self) -> Option<impl Iterator<Item = RecipientKind>> {
        self.recipients.map(RecipientKinds::iter)
    }

    /// Which subjects it is about.
    pub fn subjects(&self) -> SubjectScope {
        self.subjects
    }

    /// Whether it needs the subject's age to be known.
    pub fn requires_known_age(&self) -> bool {
        self.requires_known_age
    }

    /// Whether a subject of unknown age is decided as an adult where this
    /// rule permits (`unknown_age = "adult"`).
    pub fn unknown_age_as_adult(&self) -> bool {
        self.unknown_age_adult
    }

    /// Whether the flows abroad it permits are occasional (`occasional`):
    /// what the GDPR's contract and legal-claims derogations need.
    pub fn is_occasional(&self) -> bool {
        self.occasional
    }

    /// The lawful bases it accepts, in order of preference.
    pub fn bases(&self) -> &[Basis] {
        &self.bases
    }

    /// How long data it permits may be kept.
    pub fn retention(&self) -> Option<Retention> {
        self.retention
    }

    /// The obligations the rule itself adds to a permit (the engine adds
    /// the statutory ones).
    pub fn obligations(&self) -> impl Iterator<Item = crate::outcome::ObligationCode> + '_ {
        self.obligations.iter()
    }

    /// Whether the rule covers the category with id range start `category`.
    pub(crate) fn covers(&self, category: u32) -> bool {
        self.category_ranges
            .iter()
            .any(|&(start, end)| start <= category && category < end)
    }

    /// Whether the rule's categories share a node with the subtree
    /// `[start, end)` (deny rules match on any overlap).
    pub(crate) fn overlaps(&self, start: u32, end: u32) -> bool {
        self.category_ranges
            .iter()
            .any(|&(s, e)| (s <= start && start < e) || (start <= s && s < end))
    }

    /// Whether the rule matches a recipient (or its absence).
    pub(crate) fn allows_recipient(&self, kind: Option<RecipientKind>) -> bool {
        match (self.recipients, kind) {
            (None, _) => true,
            (Some(kinds), Some(kind)) => kinds.contains(kind),
            (Some(_), None) => false,
        }
    }

    /// Every [`audience`] the rule applies to, as bits: those of the
    /// subjects [`Rule::allows_subject`] allows and of the recipients (or
    /// none) [`Rule::allows_recipient`] allows.
    pub(crate) fn applicability(&self) -> u16 {
        let mut bits = 0;
        for child in [Some(true), Some(false), None] {
            if self.allows_subject(child) {
                bits |= audience(child, None) & 0b111;
            }
        }
        let kinds = RecipientKind::ALL.iter().copied().map(Some);
        for kind in std::iter::once(None).chain(kinds) {
            if self.allows_recipient(kind) {
                bits |= audience(Some(true), kind) & !0b111;
            }
        }
        bits
    }

    /// Whether the rule applies to the subject and recipient of `audience`
    /// (both bits set): `allows_subject` and `allows_recipient`, in one test.
    pub(crate) fn applies_to(&self, audience: u16) -> bool {
        self.applies & audience == audience
    }

    /// Whether the rule is about a subject who is a child (`Some(true)`),
    /// an adult (`Some(false)`) or of unknown age (`None`).
    /// Whether the rule applies to a subject who is a child (`Some(true)`),
    /// an adult, or of unknown age (`None`). Fails closed both ways: a
    /// permit rule for children or adults needs the age known, a deny rule
    /// for children or adults binds whoever might be one.
    pub(crate) fn allows_subject(&self, child: Option<bool>) -> bool {
        match (self.subjects, self.effect) {
            (SubjectScope::Any, _) => true,
            (SubjectScope::Adult, Effect::Permit) => child == Some(false),
            (SubjectScope::Child, Effect::Permit) => child == Some(true),
            (SubjectScope::Adult, Effect::Deny) => child != Some(true),
            (SubjectScope::Child, Effect::Deny) => child != Some(false),
        }
    }
}

/// Settings for data-subject rights requests.
/// A period the law keeps some data for (`[[minimum_retention]]`): until
/// it has run, the data is not deleted (only stored, restricted).
#[derive(Clone, Debug)]
pub(crate) struct Minimum {
    pub(crate) regime: crate::subject::regime::Regime,
    pub(crate) category_ranges: Vec<(u32, u32)>,
    pub(crate) purposes: Vec<PurposeId>,
    pub(crate) period: Period,
    pub(crate) law: Box<str>,
}

#[derive(Clone, Debug)]
pub(crate) struct RightsSettings {
    pub(crate) response_days: u32,
    pub(crate) eu_response_months: u32,
    pub(crate) fee_threshold: u32,
    pub(crate) fee_window: Period,
    pub(crate) clause: Option<Box<str>>,
}

/// Settings for what happens when retention ends.
#[derive(Clone, Debug)]
pub(crate) struct RetentionSettings {
    pub(crate) disposal: Disposal,
    pub(crate) backup_lag: Period,
    pub(crate) clause: Option<Box<str>>,
}

/// Rules by (action, purpose): for each pair, the ids of the rules that
/// match it, in policy order. `decide()` looks at these and nothing else, so
/// its cost does not grow with the number of rules that cannot apply.
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleIndex {
    purposes: usize,
    /// `offsets[slot]..offsets[slot + 1]` is the slot's range of `rules`.
    offsets: Vec<u32>,
    rules: Vec<RuleId>,
}

impl RuleIndex {
    pub(crate) fn new(purposes: usize, offsets: Vec<u32>, rules: Vec<RuleId>) -> RuleIndex {
        RuleIndex {
            purposes,
            offsets,
            rules,
        }
    }

    pub(crate) fn get(&self, action: Action, purpose: PurposeId) -> &[RuleId] {
        self.slot(action.index() as usize * self.purposes + purpose.index() as usize)
    }

    fn slot(&self, slot: usize) -> &[RuleId] {
        let start = self.offsets.get(slot).copied().unwrap_or(0) as usize;
        let end = self.offsets.get(slot + 1).copied().unwrap_or(0) as usize;
        self.rules.get(start..end).unwrap_or(&[])
    }
}

/// The permit rules that cover each category, per (action, purpose) slot,
/// so that `decide()` finds a category's rules without scanning the slot.
///
/// Each slot lists the category nodes its rules name, ascending (pre-order),
/// and at each node the slot's rules that cover it (those naming it or one
/// of its ancestors), in policy order. The rules covering a requested
/// category are the list at its deepest listed ancestor-or-self: every
/// covering rule names an ancestor-or-self of the category, hence of that
/// node. That node is found with one binary search (the last listed node at
/// or before the category) and, when that node's subtree does not hold the
/// category, a walk up its listed ancestors (`enclosing`), whatever the
/// number of rules.
#[derive(Clone, Debug, Default)]
pub(crate) struct CoverIndex {
    purposes: usize,
    /// `slots[s]..slots[s + 1]` is slot `s`'s range of entries.
    slots: Vec<u32>,
    /// Each entry's category node; ascending within a slot.
    nodes: Vec<u32>,
    /// One past the last id of each entry's subtree.
    ends: Vec<u32>,
    /// The entry of the nearest listed ancestor in the same slot, if any.
    enclosing: Vec<Option<u32>>,
    /// `lists[e]..lists[e + 1]` is entry `e`'s range of `rules`.
    lists: Vec<u32>,
    rules: Vec<RuleId>,
    /// For a policy small enough ([`DENSE_LIMIT`]): for every slot and
    /// category (`slot * categories + category`), the range of `rules`
    /// covering it (empty for none) and its entry's plan (an index into
    /// `plans`, [`NO_PLAN`] for none); what the binary search, the walk up
    /// and the entry's list would find, found once when compiling.
    /// Empty otherwise.
    dense: Vec<Dense>,
    /// The number of categories (the row length of `dense`).
    categories: usize,
    /// With the dense table only: the plans of the entries whose rules
    /// apply to everyone (see [`Plan`]), at most one per (slot, category)
    /// pair of the table, so at most [`DENSE_LIMIT`].
    plans: Vec<Plan>,
}

/// A cell of the dense table (see `CoverIndex::dense`).
#[derive(Clone, Copy, Debug, Default)]
struct Dense {
    from: u32,
    to: u32,
    plan: u32,
}

/// No plan in a [`Dense`] cell.
const NO_PLAN: u32 = u32::MAX;

/// What the basis search of a one-category request finds in the
/// category's covering list before it asks any evidence, compiled with
/// the list: the distinct bases its rules offer, in the order the search
/// meets them (the rules in policy order, each rule's bases in its order
/// of preference), each with the first rule that offers it; and all of
/// them. Only for a list whose rules apply to every subject and recipient
/// and take any age (no `subjects`, no `recipients`, no
/// `requires_known_age`): what each rule offers is then the same for
/// every request, so the walk's answer is this one whoever asks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    bases: [Basis; Basis::ALL.len()],
    rules: [RuleId; Basis::ALL.len()],
    len: u8,
    offered: BasisSet,
    /// No rule of the list needs a known age: the plan holds for a subject
    /// of unknown age too (else only for a known age, where such a rule
    /// offers what it offers anyone).
    any_age: bool,
}

impl Plan {
    /// The plan of a covering list: `None` unless every rule of it applies
    /// to everyone and takes any age (see [`Plan`]).
    fn of(list: &[RuleId], rules: &[Rule]) -> Option<Plan> {
        let &first = list.first()?;
        let mut plan = Plan {
            bases: [Basis::Consent; Basis::ALL.len()],
            rules: [first; Basis::ALL.len()],
            len: 0,
            offered: BasisSet::EMPTY,
            any_age: true,
        };
        for &id in list {
            let rule = rules.get(id.index())?;
            if rule.subjects != SubjectScope::Any || rule.recipients.is_some() {
                return None;
            }
            plan.any_age &= !rule.requires_known_age;
            for &basis in &rule.bases {
                if plan.offered.contains(basis) {
                    continue;
                }
                let n = usize::from(plan.len);
                *plan.bases.get_mut(n)? = basis;
                *plan.rules.get_mut(n)? = id;
                plan.len += 1;
                plan.offered = plan.offered.with(basis);
            }
        }
        Some(plan)
    }

    /// The distinct bases offered, in the order the basis search meets
    /// them, each with the first rule offering it.
    pub(crate) fn steps(&self) -> impl Iterator<Item = (Basis, RuleId)> + '_ {
        let len = usize::from(self.len);
        self.bases
            .iter()
            .copied()
            .zip(self.rules.iter().copied())
            .take(len)
    }

    /// Whether the plan holds for a subject of unknown age (no rule of the
    /// list needs a known age).
    pub(crate) fn any_age(&self) -> bool {
        self.any_age
    }

    /// Every basis the list's rules offer.
    pub(crate) fn offered(&self) -> BasisSet {
        self.offered
    }

    /// The first rule of the list offering `basis`, if any.
    pub(crate) fn first_offering(&self, basis: Basis) -> Option<RuleId> {
        self.steps()
            .find(|&(b, _)| b == basis)
            .map(|(_, rule)| rule)
    }
}

/// The most (slot, category) pairs a dense table is built for: 12 bytes
/// each, so at most 1.5 MiB (the seed policy needs 7,866), with at most
/// as many plans of at most 48 bytes (6 MiB; the seed has 810).
pub(crate) const DENSE_LIMIT: usize = 1 << 17;

// The bounds the comment above states.
const _: () = assert!(size_of::<Dense>() <= 12 && size_of::<Plan>() <= 48);

impl CoverIndex {
    /// Indexes the slots of `permits`, in time proportional to what it
    /// stores: a node's list is its nearest listed ancestor's list merged
    /// with the rules naming the node itself. `None` when the index would
    /// hold more than `max_entries` rule ids.
    pub(crate) fn build(
        permits: &RuleIndex,
        rules: &[Rule],
        categories: &Hierarchy,
        max_entries: usize,
    ) -> Option<CoverIndex> {
        let slot_count = permits.offsets.len().saturating_sub(1);
        let mut index = CoverIndex {
            purposes: permits.purposes,
            slots: Vec::with_capacity(slot_count + 1),
            lists: vec![0],
            ..CoverIndex::default()
        };
        index.slots.push(0);
        // (node, rule) for each category each rule of the slot names.
        let mut named: Vec<(u32, RuleId)> = Vec::new();
        // The listed ancestors of the current node, innermost last.
        let mut open: Vec<u32> = Vec::new();
        for slot in 0..slot_count {
            named.clear();
            for rule in permits
                .slot(slot)
                .iter()
                .filter_map(|&id| rules.get(id.index()))
            {
                named.extend(rule.categories.iter().map(|c| (c.index(), rule.id)));
            }
            named.sort_unstable();
            named.dedup();
            open.clear();
            let mut direct = named.as_slice();
            while let Some(&(node, _)) = direct.first() {
                let count = direct.iter().take_while(|&&(n, _)| n == node).count();
                let (own, rest) = direct.split_at(count);
                direct = rest;
                while open
                    .last()
                    .is_some_and(|&e| index.ends.get(e as usize).is_none_or(|&end| node >= end))
                {
                    open.pop();
                }
                let entry = to_u32(index.nodes.len());
                let parent = open.last().copied();
                index.enclosing.push(parent);
                index.nodes.push(node);
                index.ends.push(categories.end(node));
                open.push(entry);
                let (mut i, inherited_end) = match parent {
                    Some(p) => (
                        index.lists.get(p as usize).copied().unwrap_or(0) as usize,
                        index.lists.get(p as usize + 1).copied().unwrap_or(0) as usize,
                    ),
                    None => (0, 0),
                };
                // Merge the inherited list and the node's own rules, both in
                // policy order, without repeats.
                let mut own = own.iter().map(|&(_, rule)| rule).peekable();
                loop {
                    let inherited = (i < inherited_end)
                        .then(|| index.rules.get(i).copied())
                        .flatten();
                    let next = match (inherited, own.peek().copied()) {
                        (Some(a), Some(b)) if a == b => {
                            i += 1;
                            own.next();
                            a
                        }
                        (Some(a), Some(b)) if a < b => {
                            i += 1;
                            a
                        }
                        (_, Some(b)) => {
                            own.next();
                            b
                        }
                        (Some(a), None) => {
                            i += 1;
                            a
                        }
                        (None, None) => break,
                    };
                    index.rules.push(next);
                }
                if index.rules.len() > max_entries {
                    return None;
                }
                index.lists.push(to_u32(index.rules.len()));
            }
            index.slots.push(to_u32(index.nodes.len()));
        }
        index.categories = categories.len();
        index.dense = index.dense_table(slot_count, rules);
        Some(index)
    }

    /// The dense table of a small policy (see `dense`), from the sparse
    /// look-up, with the plans of its entries; empty past [`DENSE_LIMIT`].
    /// An entry's plan is made the first time a cell reads it, so there
    /// are no more plans than cells (and no more than entries).
    fn dense_table(&mut self, slot_count: usize, rules: &[Rule]) -> Vec<Dense> {
        let Some(size) = slot_count
            .checked_mul(self.categories)
            .filter(|&n| n <= DENSE_LIMIT)
        else {
            return Vec::new();
        };
        let mut dense = Vec::with_capacity(size);
        // Each entry's plan, once made (`NO_PLAN` for none), and whether
        // it was looked at.
        let mut planned: Vec<Option<u32>> = vec![None; self.nodes.len()];
        for slot in 0..slot_count {
            for category in 0..self.categories {
                let Some(e) = self.sparse_entry(slot, to_u32(category)) else {
                    dense.push(Dense {
                        plan: NO_PLAN,
                        ..Dense::default()
                    });
                    continue;
                };
                let (from, to) = self.list(e);
                let plan = match planned.get(e).copied().flatten() {
                    Some(plan) => plan,
                    None => {
                        let list = self.rules.get(from as usize..to as usize).unwrap_or(&[]);
                        // At most `DENSE_LIMIT` plans: the id fits in 32 bits.
                        let plan = match Plan::of(list, rules) {
                            Some(plan) => {
                                self.plans.push(plan);
                                to_u32(self.plans.len() - 1)
                            }
                            None => NO_PLAN,
                        };
                        if let Some(slot) = planned.get_mut(e) {
                            *slot = Some(plan);
                        }
                        plan
                    }
                };
                dense.push(Dense { from, to, plan });
            }
        }
        dense
    }

    /// How many plans it holds.
    #[cfg(test)]
    pub(crate) fn plan_count(&self) -> usize {
        self.plans.len()
    }

    /// How many rule ids it holds.
    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }

    /// The permit rules of slot (`action`, `purpose`) that cover `category`,
    /// in policy order.
    #[inline]
    pub(crate) fn covering(&self, action: Action, purpose: PurposeId, category: u32) -> &[RuleId] {
        self.covering_planned(action, purpose, category).0
    }

    /// [`CoverIndex::covering`], with the list's [`Plan`] when it has one
    /// (a policy with the dense table, a list whose rules apply to
    /// everyone).
    #[inline]
    pub(crate) fn covering_planned(
        &self,
        action: Action,
        purpose: PurposeId,
        category: u32,
    ) -> (&[RuleId], Option<&Plan>) {
        let slot = action.index() as usize * self.purposes + purpose.index() as usize;
        let (from, to, plan) = if self.dense.is_empty() {
            match self.sparse_entry(slot, category) {
                Some(e) => {
                    let (from, to) = self.list(e);
                    (from, to, None)
                }
                None => return (&[], None),
            }
        } else {
            // A category past the row is no category of the policy (and
            // would read the next slot's row).
            let category = category as usize;
            match (category < self.categories)
                .then(|| self.dense.get(slot * self.categories + category))
                .flatten()
            {
                Some(cell) => (cell.from, cell.to, self.plans.get(cell.plan as usize)),
                None => return (&[], None),
            }
        };
        let (from, to) = (from as usize, to as usize);
        (self.rules.get(from..to).unwrap_or(&[]), plan)
    }

    /// Entry `e`'s range of `rules`.
    fn list(&self, e: usize) -> (u32, u32) {
        let from = self.lists.get(e).copied().unwrap_or(0);
        let to = self.lists.get(e + 1).copied().unwrap_or(0);
        (from, to)
    }

    /// The entry of slot `slot` whose list covers `category`: the last
    /// listed node at or before it, or the nearest listed ancestor of that
    /// node whose subtree holds it.
    fn sparse_entry(&self, slot: usize, category: u32) -> Option<usize> {
        let start = self.slots.get(slot).copied().unwrap_or(0) as usize;
        let end = self.slots.get(slot + 1).copied().unwrap_or(0) as usize;
        let nodes = self.nodes.get(start..end).unwrap_or(&[]);
        let before = nodes.partition_point(|&node| node <= category);
        let mut entry = before.checked_sub(1).map(|i| start + i);
        while let Some(e) = entry {
            if self.ends.get(e).is_some_and(|&end| category < end) {
                return Some(e);
            }
            entry = self.enclosing.get(e).copied().flatten().map(|p| p as usize);
        }
        None
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A compiled, valid policy.
#[derive(Clone, Debug)]
pub(crate) struct Policy {
    pub(crate) source: Arc<Source>,
    pub(crate) id: Box<str>,
    pub(crate) version: Box<str>,
    pub(crate) title: Option<Box<str>>,
    /// The home jurisdiction (a copy of its entry in `jurisdictions`).
    pub(crate) home_jurisdiction: Jurisdiction,
    /// The home jurisdiction's UTC offset: obligation dates are on its calendar.
    pub(crate) home_offset: FixedOffset,
    pub(crate) storage_region: RegionCode,
    pub(crate) localization: bool,
    pub(crate) cii_operator: bool,
    /// Which regimes govern its processing, and their children's ages.
    pub(crate) scope: crate::subject::scope::Scope,
    /// The adequacy decisions (GDPR art. 45) it relies on.
    pub(crate) adequacy: crate::subject::adequacy::Adequacy,
    /// Tests of counsel's tools only: decide requests as labelled, with no
    /// pass for the provision a recipient makes (the hole the relation
    /// `relabelling-never-opens` must find).
    #[cfg(test)]
    pub(crate) labels_only: bool,
    /// Tests of `decide()`'s shortcuts only: every calendar date looked up
    /// in its time zone, nothing remembered between passes or regimes
    /// (each grant judged in full under each regime), every slot walked
    /// (the procedure as written, for the equivalence check).
    #[cfg(test)]
    pub(crate) no_shortcuts: bool,
    /// Tests of `decide()`'s shortcuts only: the covering lists merged in
    /// every slot, however short.
    #[cfg(test)]
    pub(crate) merge_every_slot: bool,
    /// A tag no other engine in this process has: every id this policy
    /// hands out carries it, and an id with another is refused.
    pub(crate) tag: u32,
    pub(crate) regimes: crate::subject::regime::Regimes,
    /// Statutory minimum retentions (`[[minimum_retention]]`).
    pub(crate) minimums: Vec<Minimum>,
    /// What loaded but deserves counsel's eye (`lawful check` shows them).
    pub(crate) warnings: Vec<crate::error::Diagnostic>,
    pub(crate) rights: RightsSettings,
    pub(crate) retention: RetentionSettings,
    pub(crate) jurisdictions: Vec<Jurisdiction>,
    /// For each jurisdiction (by index), the regimes governing data
    /// collected there ([`Scope::regimes`](crate::subject::scope::Scope::regimes)
    /// at its code), kept in the storage region and elsewhere: what a
    /// request collected where its subject lives finds without a look at
    /// the regions.
    pub(crate) regimes_collected_at_home: Vec<[RegimeSet; 2]>,
    pub(crate) category_tree: Hierarchy,
    pub(crate) categories: Vec<Category>,
    pub(crate) purpose_tree: Hierarchy,
    pub(crate) purposes: Vec<Purpose>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) permits: RuleIndex,
    /// The permit rules covering each category, by (action, purpose).
    pub(crate) covering: CoverIndex,
    pub(crate) denies: RuleIndex,
    /// What governs keeping each category for each purpose, deny rules
    /// aside (the record's retention), worked out at compile time.
    pub(crate) keeping: retention::KeepIndex,
    /// The `[record]` table: for the record of processing activities;
    /// `decide()` reads none of it.
    pub(crate) record: RecordInfo,
}

impl Policy {
    /// Parses and compiles a policy, reporting every problem at once.
    pub(crate) fn load(name: &str, text: &str, options: LoadOptions) -> Result<Policy, LoadError> {
        // An editor's byte order mark is not part of the policy.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text.len() > options.bytes_limit() {
            return Err(LoadError::too_large(name, options.bytes_limit()));
        }
        let source = Arc::new(Source {
            name: name.into(),
            text: text.into(),
        });
        let mut diagnostics = Vec::new();
        let raw = raw::parse(text, &mut diagnostics);
        let mut warnings = Vec::new();
        let compiled = compile::compile(
            &raw,
            Arc::clone(&source),
            next_tag(),
            options,
            &mut diagnostics,
            &mut warnings,
        );
        match compiled {
            Some(mut policy) if diagnostics.is_empty() => {
                policy.warnings = warnings;
                Ok(policy)
            }
            _ => Err(LoadError::new(source, diagnostics)),
        }
    }

    pub(crate) fn jurisdiction(&self, id: JurisdictionId) -> Option<&Jurisdiction> {
        (id.engine() == self.tag)
            .then(|| self.jurisdictions.get(id.index()))
            .flatten()
    }

    pub(crate) fn home_jurisdiction(&self) -> &Jurisdiction {
        &self.home_jurisdiction
    }

    /// The regimes governing data collected in `jurisdiction` (its
    /// code), kept elsewhere than the storage region or not: the table
    /// worked out when compiling, else the scope's answer. Inlined: every
    /// decision asks it once, and the look-up is a few loads.
    #[inline]
    pub(crate) fn regimes_collected_in(
        &self,
        jurisdiction: &Jurisdiction,
        kept_elsewhere: bool,
    ) -> RegimeSet {
        match self
            .regimes_collected_at_home
            .get(jurisdiction.id.index())
            .filter(|_| jurisdiction.id.engine() == self.tag)
        {
            Some(&[kept_here, kept_abroad]) => {
                if kept_elsewhere {
                    kept_abroad
                } else {
                    kept_here
                }
            }
            None => self
                .scope
                .regimes(jurisdiction.code, self.storage_region, kept_elsewhere),
        }
    }

    /// The table of [`Policy::regimes_collected_in`], from the scope.
    pub(crate) fn regimes_collected_at_home_table(&self) -> Vec<[RegimeSet; 2]> {
        self.jurisdictions
            .iter()
            .map(|j| {
                [false, true].map(|kept_elsewhere| {
                    self.scope
                        .regimes(j.code, self.storage_region, kept_elsewhere)
                })
            })
            .collect()
    }

    /// The declared jurisdiction of a region code, if any.
    pub(crate) fn jurisdiction_of(&self, code: RegionCode) -> Option<&Jurisdiction> {
        self.jurisdictions.iter().find(|j| j.code == code)
    }

    pub(crate) fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.rules.get(id.index())
    }

    /// The category of an id this policy made; `None` for another's.
    pub(crate) fn category(&self, id: CategoryId) -> Option<&Category> {
        (id.engine() == self.tag)
            .then(|| self.categories.get(id.index() as usize))
            .flatten()
    }

    /// The purpose of an id this policy made; `None` for another's.
    pub(crate) fn purpose(&self, id: PurposeId) -> Option<&Purpose> {
        (id.engine() == self.tag)
            .then(|| self.purposes.get(id.index() as usize))
            .flatten()
    }
}

/// A tag for a newly loaded policy: distinct from every other policy loaded
/// in this process (the same file loaded twice too), so that an id cached
/// from one engine is never read by another. 0 is never handed out.
fn next_tag() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    loop {
        let tag = NEXT.fetch_add(1, Ordering::Relaxed);
        if tag != 0 {
            return tag;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed policy, compiled.
    pub(crate) fn seed() -> Policy {
        Policy::load("seed", crate::Engine::builtin_source(), LoadOptions::new()).unwrap()
    }

    /// The metadata and the one jurisdiction a generated test policy starts with.
    pub(crate) const GENERATED_HEADER: &str = "[policy]\nid = \"g\"\nversion = \"1\"\nhome_jurisdiction = \"CN\"\nstorage_region = \"CN\"\n\n[[jurisdiction]]\ncode = \"CN\"\nchild_age = 14\nutc_offset = \"+08:00\"\n";

    /// How many (action, purpose, category) triples have covering rules,
    /// after asserting the cover index answers exactly what scanning the
    /// slot would for every one, with its dense table and without.
    fn check_cover_index(policy: &Policy) -> usize {
        assert!(!policy.covering.dense.is_empty());
        let mut sparse = policy.clone();
        sparse.covering.dense = Vec::new();
        assert_eq!(
            check_cover_index_as_built(&sparse),
            check_cover_index_as_built(policy)
        );
        check_cover_index_as_built(policy)
    }

    fn check_cover_index_as_built(policy: &Policy) -> usize {
        let mut checked = 0;
        for &action in Action::ALL {
            for purpose in 0..policy.purposes.len() {
                let purpose = PurposeId::from_index(u32::try_from(purpose).unwrap());
                // Policy order is id order: decide() walks a slot and the
                // covering lists side by side (`Touches`).
                let slot = policy.permits.get(action, purpose);
                assert!(slot.windows(2).all(|w| w[0] < w[1]), "{slot:?}");
                for category in 0..=u32::try_from(policy.categories.len()).unwrap() {
                    let scanned: Vec<RuleId> = policy
                        .permits
                        .get(action, purpose)
                        .iter()
                        .copied()
                        .filter(|&id| policy.rule(id).unwrap().covers(category))
                        .collect();
                    let indexed = policy.covering.covering(action, purpose, category);
                    assert_eq!(
                        indexed,
                        scanned.as_slice(),
                        "{action:?} {purpose:?} {category}"
                    );
                    checked += usize::from(!scanned.is_empty());
                }
            }
        }
        checked
    }

    /// A rule's precomputed applicability says what `allows_subject` and
    /// `allows_recipient` say, for every rule of the seed and every subject
    /// and recipient.
    #[test]
    fn applicability_agrees_with_the_rule() {
        let policy = seed();
        let kinds = RecipientKind::ALL.iter().copied().map(Some);
        let recipients: Vec<Option<RecipientKind>> = std::iter::once(None).chain(kinds).collect();
        let scopes: std::collections::HashSet<(SubjectScope, Effect, bool)> = policy
            .rules
            .iter()
            .map(|r| (r.subjects, r.effect, r.recipients.is_some()))
            .collect();
        assert!(scopes.len() >= 4, "{scopes:?}");
        for rule in &policy.rules {
            assert_eq!(rule.applies, rule.applicability());
            for child in [Some(true), Some(false), None] {
                for &recipient in &recipients {
                    assert_eq!(
                        rule.applies_to(audience(child, recipient)),
                        rule.allows_subject(child) && rule.allows_recipient(recipient),
                        "{} {child:?} {recipient:?}",
                        rule.name
                    );
                }
            }
        }
    }

    /// The cover index answers exactly what scanning the slot would, for
    /// every action, purpose and category of the seed policy.
    #[test]
    fn cover_index_agrees_with_scanning_the_slot() {
        let policy = seed();
        let checked = check_cover_index(&policy);
        assert!(checked > 1000, "only {checked} covered triples");
    }

    /// The same on generated policies: nested categories named at several
    /// depths by rules in an interleaved order, and `*` rules.
    #[test]
    #[allow(clippy::format_push_string, reason = "a test fixture")]
    fn cover_index_agrees_with_scanning_on_generated_policies() {
        let mut text = String::from(GENERATED_HEADER);
        let names = ["a", "a.b", "a.b.c", "a.d", "e", "e.f.g", "h"];
        for name in names {
            text.push_str(&format!("\n[[category]]\nname = \"{name}\"\n"));
        }
        for purpose in ["p", "p.q", "r"] {
            text.push_str(&format!("\n[[purpose]]\nname = \"{purpose}\"\n"));
        }
        for i in 0..12 {
            let categories: Vec<String> = names
                .iter()
                .enumerate()
                .filter(|(j, _)| (i + j) % 3 == 0)
                .map(|(_, n)| format!("\"{n}\""))
                .collect();
            let categories = if i % 5 == 4 {
                "\"*\"".to_owned()
            } else {
                categories.join(", ")
            };
            let purpose = ["\"p\"", "\"p.q\"", "\"r\"", "\"*\""][i % 4];
            let actions = ["\"use\"", "\"*\"", "\"collect\", \"use\""][i % 3];
            text.push_str(&format!(
                "\n[[permit]]\nid = \"r{i}\"\nclause = \"c\"\nactions = [{actions}]\npurposes = [{purpose}]\ncategories = [{categories}]\nbases = [\"consent\"]\nretention = \"1y\"\n"
            ));
        }
        let policy = Policy::load("generated", &text, LoadOptions::new()).unwrap();
        let checked = check_cover_index(&policy);
        assert!(checked > 100, "only {checked} covered triples");
    }

    /// The regimes of data collected where each jurisdiction is, as the
    /// compiled table gives them, are the scope's, kept in the storage
    /// region or elsewhere (the seed's and the EU example's jurisdictions,
    /// and a policy whose handler is in the EEA).
    #[test]
    fn regimes_collected_at_home_are_the_scopes() {
        let eea = GENERATED_HEADER
            .replace("home_jurisdiction = \"CN\"", "home_jurisdiction = \"DE\"")
            .replace("storage_region = \"CN\"", "storage_region = \"DE\"")
            .replace("code = \"CN\"", "code = \"DE\"")
            + "\n[[category]]\nname = \"a\"\n\n[[purpose]]\nname = \"p\"\n";
        let policies = [
            seed(),
            Policy::load("eea", &eea, LoadOptions::new()).unwrap(),
        ];
        let mut checked = 0;
        for policy in &policies {
            assert_eq!(
                policy.regimes_collected_at_home.len(),
                policy.jurisdictions.len()
            );
            for jurisdiction in &policy.jurisdictions {
                for kept_elsewhere in [false, true] {
                    assert_eq!(
                        policy.regimes_collected_in(jurisdiction, kept_elsewhere),
                        policy.scope.regimes(
                            jurisdiction.code,
                            policy.storage_region,
                            kept_elsewhere
                        ),
                        "{} {kept_elsewhere}",
                        jurisdiction.code
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10, "{checked}");
    }
}
