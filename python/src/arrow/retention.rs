//! A batch of records swept into a batch of retention answers.
//!
//! The answer table has the retention answer's fields as columns, nested as
//! the document nests them (`docs/wire-format.md`, "Retention lines"):
//!
//! | column | type |
//! | --- | --- |
//! | `id` | utf8 |
//! | `plan` | `{rule, denied_by, clause, retention: utf8, end: date32, until, disposal, backup_lag: utf8, backup_purge: date32, obligations}` |
//! | `outcome` | utf8: `keep`, `dispose` or `hold` (with `at`) |
//! | `due` | `{trigger: utf8, since: timestamp, other_triggers: list<utf8>, disposal: utf8, by, backup_purge_by: date32, held_until: timestamp, hold_law: utf8, allowed_actions: list<utf8>, obligations}` |
//! | `termination` | `{terminates_at: timestamp, collection_denied_from, notify_by, dispose_by, backup_purge_by: date32, adult_disposal, child_disposal: utf8, obligations}` |
//! | `error` | `{code, message: utf8}`: a line that could not be answered |
//! | `policy` | `{id, version: utf8}` |
//!
//! `obligations` are lists of `{code: utf8, date: date32, until: utf8}`;
//! instants are `timestamp[us, UTC]`. Asked for ([`TextLayout::Dictionary`]),
//! the texts written by kind, `outcome` and `policy` are
//! `dictionary<int32, utf8>` instead of `utf8`.
//!
//! A record row is planned from the typed plan and deletion due, written as
//! the library's `plan_doc` and `due_doc` write the documents (the tests
//! compare the two on every line of the project's retention cases), so a
//! sweep of millions of records builds no document strings.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow_array::builder::{Date32Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Fields};
use chrono::{DateTime, FixedOffset};
use lawful::decision::{Due, ReasonCode};
use lawful::lifecycle::{
    DeletionDue, DeletionTrigger, RecordOutcome, RecordState, RetentionEnd, RetentionPlan,
    RetentionSource,
};
use lawful::policy::Rule;
use lawful::wire::{ErrorDoc, ObligationDoc, RetentionRequestDoc, TerminationPlanDoc};
use lawful::{Action, Engine};
use serde::Deserialize;

use super::build::{
    Ids, Keys, Numbers, Obligations, PolicyColumn, Sparse, SparseTexts, StructColumn, TextLayout,
    Texts, Validity, Words, days, field, instant_type, keyed_texts,
};
use super::memo::Mix;
use super::row::Column;

/// The columns of a retention table, being written.
#[derive(Debug)]
pub(crate) struct Sweep<'e> {
    id: Ids,
    plan: Plans<'e>,
    outcome: Texts<'static>,
    due: Dues,
    termination: Sparse<Terminations>,
    error: Sparse<Errors>,
    policy: PolicyColumn,
    /// How the columns written by kind (and `outcome`, `policy`) are laid
    /// out.
    layout: TextLayout,
}

impl<'e> Sweep<'e> {
    /// The answers of a batch of `rows` whose `id` column is `ids`, the
    /// texts by kind laid out as `layout`.
    pub(crate) fn with_capacity(
        rows: usize,
        ids: Option<&Column>,
        layout: TextLayout,
    ) -> Sweep<'e> {
        Sweep {
            layout,
            id: Ids::new(ids, rows),
            plan: Plans::with_capacity(rows),
            outcome: Texts::with_capacity(rows),
            due: Dues::with_capacity(rows),
            termination: Sparse::new(),
            error: Sparse::new(),
            policy: PolicyColumn::default(),
        }
    }

    /// The schema of a retention table (before the kept columns), its
    /// texts by kind laid out as `layout`.
    pub(crate) fn fields(layout: TextLayout) -> Vec<Field> {
        vec![
            field("id", DataType::Utf8),
            field("plan", DataType::Struct(Plans::fields(layout))),
            field("outcome", layout.data_type()),
            field("due", DataType::Struct(Dues::fields(layout))),
            field("termination", DataType::Struct(Terminations::fields())),
            field("error", DataType::Struct(Errors::fields())),
            field("policy", PolicyColumn::data_type(layout)),
        ]
    }

    /// Answers row `row` of `records` through its wire document (the
    /// generic path), swept at `at` when given.
    pub(crate) fn sweep_row(
        &mut self,
        engine: &'e Engine,
        records: &Column,
        ids: Option<&Column>,
        row: usize,
        at: Option<DateTime<FixedOffset>>,
    ) {
        let mut doc = match RetentionRequestDoc::deserialize(records.row(row)) {
            Ok(doc) => doc,
            Err(error) => {
                // As `lawful retention` echoes the id of a line it cannot read.
                let id = ids.and_then(|ids| String::deserialize(ids.row(row)).ok());
                let error = ErrorDoc {
                    code: ReasonCode::InvalidRequest,
                    message: error.to_string(),
                };
                return self.push_error(id.as_deref(), &error);
            }
        };
        if at.is_some() {
            doc.at = at;
        }
        if doc.terminate_service.is_some() {
            // A termination (or a line that is both): the library's answer.
            return match engine.retention_doc(&doc) {
                Ok(answer) => match &answer.termination {
                    Some(termination) => self.push_termination(answer.id.as_deref(), termination),
                    None => self.push_error(
                        answer.id.as_deref(),
                        &ErrorDoc {
                            code: ReasonCode::InvalidRequest,
                            message: "a `terminate_service` line without its plan".to_owned(),
                        },
                    ),
                },
                Err(error) => self.push_error(doc.id.as_deref(), &error),
            };
        }
        match engine.record_state(&doc) {
            Ok(record) => self.sweep(engine, doc.id.as_deref(), &record, doc.at),
            Err(error) => self.push_error(doc.id.as_deref(), &error),
        }
    }

    /// Answers a record read by the typed reader (or from its document):
    /// its plan and, swept at `at`, what is due.
    pub(crate) fn sweep(
        &mut self,
        engine: &'e Engine,
        id: Option<&str>,
        record: &RecordState,
        at: Option<DateTime<FixedOffset>>,
    ) {
        match at {
            Some(at) => {
                // The plan once, for the answer and for what is due.
                let (plan, due) = engine.record_plan_and_due(record, at);
                let outcome = RecordOutcome::of(due.as_ref());
                self.push_record(engine, id, record, &plan, Some(outcome), due.as_ref());
            }
            None => {
                let plan = engine.record_plan(record);
                self.push_record(engine, id, record, &plan, None, None);
            }
        }
    }

    /// A record's plan and, swept at an instant, its outcome and what is
    /// due then: the library's `retention_doc`, written into columns.
    fn push_record(
        &mut self,
        engine: &'e Engine,
        id: Option<&str>,
        record: &RecordState,
        plan: &RetentionPlan,
        outcome: Option<RecordOutcome>,
        due: Option<&DeletionDue>,
    ) {
        self.id.push(id);
        self.plan.push(engine, PlanInputs::of(record), plan);
        self.outcome.push(outcome.map(RecordOutcome::as_str));
        match due {
            Some(due) => self.due.push(due),
            None => self.due.push_null(),
        }
        self.termination.push_null();
        self.error.push_null();
        self.policy.push();
    }

    fn push_termination(&mut self, id: Option<&str>, termination: &TerminationPlanDoc) {
        self.id.push(id);
        self.plan.push_null();
        self.outcome.push_null();
        self.due.push_null();
        self.termination.value().push(termination);
        self.error.push_null();
        self.policy.push();
    }

    fn push_error(&mut self, id: Option<&str>, error: &ErrorDoc) {
        self.id.push(id);
        self.plan.push_null();
        self.outcome.push_null();
        self.due.push_null();
        self.termination.push_null();
        self.error.value().push(error);
        self.policy.push();
    }

    /// The batch: the answer columns, then `kept`.
    pub(crate) fn finish(
        self,
        engine: &Engine,
        kept: Vec<(Field, ArrayRef)>,
    ) -> Result<RecordBatch, ArrowError> {
        let layout = self.layout;
        let fields = Sweep::fields(layout);
        let columns: Vec<ArrayRef> = vec![
            self.id.finish(),
            self.plan.finish(layout)?,
            self.outcome.finish_in(layout)?,
            self.due.finish(layout)?,
            self.termination.finish()?,
            self.error.finish()?,
            self.policy.finish(engine, layout)?,
        ];
        super::build::answer_batch(fields, columns, kept)
    }
}

/// The `plan` column, written a plan kind at a time.
///
/// A plan's texts (its rule, clause, retention, event, disposal, backup
/// lag, and its obligations' codes and events) follow from its discrete
/// part alone, its [`PlanKind`]: a batch of a million records has a few
/// dozen. Each kind met is written once into `kinds`; a row pushes the
/// index of its kind and its own dates (the end, the backup purge, its
/// obligations'), and the columns are built whole when the batch ends.
#[derive(Debug)]
struct Plans<'e> {
    /// Each row's index into `kinds`; `None` for a row without a plan.
    rows: Vec<Option<u32>>,
    kinds: Vec<KindTexts<'e>>,
    /// Where each kind is in `kinds`.
    seen: Known<PlanKind>,
    /// The kind of each [`PlanInputs`] met: a row whose inputs were met
    /// before finds its kind without making it.
    by_inputs: Known<PlanInputs>,
    /// Whether a kind met again is looked up (always, but in the test that
    /// writes every row as a kind of its own and compares the columns).
    memo: bool,
    end: Numbers<Date32Type>,
    backup_purge: Numbers<Date32Type>,
    /// The dates of each row's obligations, in order.
    obligation_dates: Numbers<Date32Type>,
}

/// Where each kind (or key) met in a batch is among its kinds' texts, so
/// each kind's texts are made once and a row pushes only an index.
#[derive(Debug)]
struct Known<K> {
    index: HashMap<K, u32, BuildHasherDefault<Mix>>,
    /// The key met last: neighbouring rows are often of a kind.
    last: Option<(K, u32)>,
}

impl<K> Default for Known<K> {
    fn default() -> Known<K> {
        Known {
            index: HashMap::default(),
            last: None,
        }
    }
}

impl<K: Copy + Eq + std::hash::Hash> Known<K> {
    /// The index of `key`, if it was met.
    #[inline]
    fn get(&mut self, key: K) -> Option<u32> {
        if let Some((last, index)) = self.last
            && last == key
        {
            return Some(index);
        }
        let index = *self.index.get(&key)?;
        self.last = Some((key, index));
        Some(index)
    }

    /// Remembers `key` at `index`.
    #[inline]
    fn insert(&mut self, key: K, index: u32) {
        self.index.insert(key, index);
        self.last = Some((key, index));
    }

    /// The index of `kind`'s texts in `kinds`, made by `texts` and added
    /// when the kind is new; with `memo` off the row's kind is new whatever
    /// it is (the test that writes every row as a kind of its own).
    #[inline]
    fn index<T>(
        &mut self,
        kinds: &mut Vec<T>,
        kind: K,
        memo: bool,
        texts: impl FnOnce() -> T,
    ) -> u32 {
        if memo && let Some(index) = self.get(kind) {
            return index;
        }
        let index = u32::try_from(kinds.len()).unwrap_or(u32::MAX);
        kinds.push(texts());
        if memo {
            self.insert(kind, index);
        }
        index
    }
}

/// An obligation's code and the event it lasts until, as written.
fn obligation_words(doc: &ObligationDoc) -> (&'static str, Option<&'static str>) {
    (
        doc.code.as_str(),
        doc.until.map(lawful::policy::RetentionEvent::as_str),
    )
}

/// What a record's plan is made from, but for its instants: the plan's
/// kind ([`PlanKind`]) follows from these alone (`Engine::record_plan`
/// reads nothing else of the record but when it was collected, which sets
/// the plan's dates, not its kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PlanInputs {
    category: lawful::CategoryId,
    purpose: lawful::PurposeId,
    age: lawful::subject::AgeGroup,
    basis: Option<lawful::Basis>,
}

impl PlanInputs {
    fn of(record: &RecordState) -> PlanInputs {
        PlanInputs {
            category: record.category(),
            purpose: record.purpose(),
            age: record.age(),
            basis: record.rests_on(),
        }
    }
}

/// What a plan's texts depend on: the rule behind it, the retention it
/// states, the event that ends it (if an event does), its disposal and
/// the backup lag. Its dates depend on when the record was collected too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PlanKind {
    source: RetentionSource,
    retention: Option<lawful::policy::Retention>,
    event: Option<lawful::policy::RetentionEvent>,
    disposal: lawful::policy::Disposal,
    backup_lag: lawful::policy::Period,
}

impl PlanKind {
    fn of(plan: &RetentionPlan) -> PlanKind {
        PlanKind {
            source: plan.source(),
            retention: plan.retention(),
            event: match plan.end() {
                RetentionEnd::At(_) => None,
                RetentionEnd::Event(event) => Some(event),
            },
            disposal: plan.disposal(),
            backup_lag: plan.backup_lag(),
        }
    }
}

/// The texts of a plan kind, as the library's `plan_doc` writes them.
#[derive(Debug)]
struct KindTexts<'e> {
    rule: Option<&'e str>,
    denied_by: Option<&'e str>,
    clause: Option<&'e str>,
    retention: Option<String>,
    until: Option<&'static str>,
    disposal: &'static str,
    backup_lag: String,
    /// Each obligation's code and event.
    obligations: Vec<(&'static str, Option<&'static str>)>,
}

impl<'e> KindTexts<'e> {
    fn of(engine: &'e Engine, plan: &RetentionPlan) -> KindTexts<'e> {
        let (rule, denied_by) = match plan.source() {
            RetentionSource::Rule(id) => (engine.rule(id), None),
            RetentionSource::DeniedBy(id) => (None, engine.rule(id)),
            RetentionSource::NoRule => (None, None),
        };
        KindTexts {
            rule: rule.map(Rule::id),
            denied_by: denied_by.map(Rule::id),
            clause: rule.or(denied_by).map(Rule::clause),
            retention: plan.retention().map(|r| r.to_string()),
            until: match plan.end() {
                RetentionEnd::At(_) => None,
                RetentionEnd::Event(event) => Some(event.as_str()),
            },
            disposal: plan.disposal().as_str(),
            backup_lag: plan.backup_lag().to_string(),
            obligations: plan
                .obligations()
                .map(|o| obligation_words(&ObligationDoc::from(o)))
                .collect(),
        }
    }
}

impl<'e> Plans<'e> {
    fn with_capacity(rows: usize) -> Plans<'e> {
        Plans {
            rows: Vec::with_capacity(rows),
            kinds: Vec::new(),
            seen: Known::default(),
            by_inputs: Known::default(),
            memo: true,
            end: Numbers::with_capacity(rows),
            backup_purge: Numbers::with_capacity(rows),
            obligation_dates: Numbers::with_capacity(rows * 3),
        }
    }

    fn fields(layout: TextLayout) -> Fields {
        let text = layout.data_type();
        Fields::from(vec![
            field("rule", text.clone()),
            field("denied_by", text.clone()),
            field("clause", text.clone()),
            field("retention", text.clone()),
            field("end", DataType::Date32),
            field("until", text.clone()),
            field("disposal", text.clone()),
            field("backup_lag", text),
            field("backup_purge", DataType::Date32),
            field("obligations", Obligations::data_type_in(layout)),
        ])
    }

    /// As the library's `plan_doc`: `plan` is the plan of a record whose
    /// inputs are `inputs`.
    fn push(&mut self, engine: &'e Engine, inputs: PlanInputs, plan: &RetentionPlan) {
        let known = if self.memo {
            self.by_inputs.get(inputs)
        } else {
            None
        };
        let index = known.unwrap_or_else(|| {
            let index = self
                .seen
                .index(&mut self.kinds, PlanKind::of(plan), self.memo, || {
                    KindTexts::of(engine, plan)
                });
            if self.memo {
                self.by_inputs.insert(inputs, index);
            }
            index
        });
        self.rows.push(Some(index));
        match plan.end() {
            RetentionEnd::At(_) => self.end.push(plan.end_due().date().map(days)),
            RetentionEnd::Event(_) => self.end.push_null(),
        }
        self.backup_purge.push(plan.backup_purge().date().map(days));
        for obligation in plan.obligations() {
            self.obligation_dates
                .push(obligation.due().and_then(Due::date).map(days));
        }
    }

    fn push_null(&mut self) {
        self.rows.push(None);
        self.end.push_null();
        self.backup_purge.push_null();
    }

    fn finish(self, layout: TextLayout) -> Result<ArrayRef, ArrowError> {
        let kinds = &self.kinds;
        let rows = Keys::new(&self.rows, kinds.len());
        // The obligations: each row's kind's codes and events, and the
        // row's own dates.
        let obligations = obligations_by_kind(
            &rows,
            kinds.iter().map(|k| k.obligations.as_slice()),
            self.obligation_dates,
            layout,
        )?;
        let valid = Validity::of(self.rows.iter().map(Option::is_some));
        let children: Vec<ArrayRef> = vec![
            by_kind(&rows, kinds, |k| k.rule, layout)?,
            by_kind(&rows, kinds, |k| k.denied_by, layout)?,
            by_kind(&rows, kinds, |k| k.clause, layout)?,
            by_kind(&rows, kinds, |k| k.retention.as_deref(), layout)?,
            Arc::new(self.end.finish()),
            by_kind(&rows, kinds, |k| k.until, layout)?,
            by_kind(&rows, kinds, |k| Some(k.disposal), layout)?,
            by_kind(&rows, kinds, |k| Some(k.backup_lag.as_str()), layout)?,
            Arc::new(self.backup_purge.finish()),
            obligations,
        ];
        valid.finish(Self::fields(layout), children)
    }
}

/// A text column written by kind: each row's kind's `text`.
fn by_kind<'k, K>(
    rows: &Keys,
    kinds: &'k [K],
    text: impl Fn(&'k K) -> Option<&'k str>,
    layout: TextLayout,
) -> Result<ArrayRef, ArrowError> {
    let texts: Vec<Option<&str>> = kinds.iter().map(text).collect();
    keyed_texts(rows, &texts, layout)
}

/// A list column of words by kind: each row's kind's `words`.
fn words_by_kind<'k>(
    rows: &Keys,
    words: impl ExactSizeIterator<Item = &'k [&'static str]> + Clone,
    layout: TextLayout,
) -> Result<ArrayRef, ArrowError> {
    let counts: Vec<usize> = words.clone().map(<[_]>::len).collect();
    let texts: Vec<Option<&str>> = words.flatten().map(|&w| Some(w)).collect();
    let (offsets, items) = rows.items(&counts);
    offsets.finish(layout.data_type(), keyed_texts(&items, &texts, layout)?)
}

/// The obligations column by kind: each row's kind's codes and events
/// (`obligations`), and the row's own `dates`, one an obligation.
fn obligations_by_kind<'k>(
    rows: &Keys,
    obligations: impl ExactSizeIterator<Item = &'k [(&'static str, Option<&'static str>)]> + Clone,
    dates: Numbers<Date32Type>,
    layout: TextLayout,
) -> Result<ArrayRef, ArrowError> {
    let counts: Vec<usize> = obligations.clone().map(<[_]>::len).collect();
    let (codes, untils): (Vec<Option<&str>>, Vec<Option<&str>>) = obligations
        .flatten()
        .map(|&(code, until)| (Some(code), until))
        .unzip();
    let (offsets, items) = rows.items(&counts);
    Obligations::from_parts(
        offsets,
        keyed_texts(&items, &codes, layout)?,
        Arc::new(dates.finish()),
        keyed_texts(&items, &untils, layout)?,
        layout,
    )
}

/// The `due` column, written a kind of due at a time as [`Plans`] is: what
/// a due's texts say (its triggers, disposal, the actions it allows, its
/// obligations' codes) follows from its triggers, disposal and whether a
/// hold keeps the record. A row pushes its kind's index and its own
/// instants and dates.
#[derive(Debug)]
struct Dues {
    /// Each row's index into `kinds`; `None` for a row without a due.
    rows: Vec<Option<u32>>,
    kinds: Vec<DueTexts>,
    seen: Known<DueKind>,
    /// As [`Plans`]'s.
    memo: bool,
    since: Numbers<TimestampMicrosecondType>,
    by: Numbers<Date32Type>,
    backup_purge_by: Numbers<Date32Type>,
    held_until: Numbers<TimestampMicrosecondType>,
    hold_law: SparseTexts,
    obligation_dates: Numbers<Date32Type>,
}

/// What a due's texts depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DueKind {
    trigger: DeletionTrigger,
    /// The other triggers, in order, four bits each (a trigger's place in
    /// the vocabulary, plus one); `None` past fifteen of them, when the
    /// due is a kind of its own.
    others: Option<u64>,
    disposal: lawful::policy::Disposal,
    held: bool,
}

impl DueKind {
    fn of(due: &DeletionDue) -> DueKind {
        let others = due
            .other_triggers()
            .iter()
            .take(16)
            .try_fold(0_u64, |code, trigger| {
                let place = DeletionTrigger::ALL.iter().position(|t| t == trigger)?;
                let digit = u64::try_from(place).ok()?.checked_add(1)?;
                (digit < 16).then_some(code.checked_mul(16)?.checked_add(digit)?)
            });
        DueKind {
            trigger: due.trigger(),
            others: others.filter(|_| due.other_triggers().len() < 16),
            disposal: due.disposal(),
            held: due.hold().is_some(),
        }
    }
}

/// The texts of a kind of due, as the library's `due_doc` writes them.
#[derive(Debug)]
struct DueTexts {
    trigger: &'static str,
    other_triggers: Vec<&'static str>,
    disposal: &'static str,
    allowed_actions: Vec<&'static str>,
    /// Each obligation's code and event.
    obligations: Vec<(&'static str, Option<&'static str>)>,
}

impl DueTexts {
    fn of(due: &DeletionDue) -> DueTexts {
        DueTexts {
            trigger: due.trigger().as_str(),
            other_triggers: due.other_triggers().iter().map(|t| t.as_str()).collect(),
            disposal: due.disposal().as_str(),
            allowed_actions: Action::ALL
                .iter()
                .filter(|&&action| due.allows(action))
                .map(|action| action.as_str())
                .collect(),
            obligations: due
                .obligations()
                .map(|o| obligation_words(&ObligationDoc::from(o)))
                .collect(),
        }
    }
}

impl Dues {
    fn with_capacity(rows: usize) -> Dues {
        Dues {
            rows: Vec::with_capacity(rows),
            kinds: Vec::new(),
            seen: Known::default(),
            memo: true,
            since: Numbers::with_capacity(rows),
            by: Numbers::with_capacity(rows),
            backup_purge_by: Numbers::with_capacity(rows),
            held_until: Numbers::with_capacity(rows),
            hold_law: SparseTexts::default(),
            obligation_dates: Numbers::with_capacity(rows * 3),
        }
    }

    fn fields(layout: TextLayout) -> Fields {
        Fields::from(vec![
            field("trigger", layout.data_type()),
            field("since", instant_type()),
            field("other_triggers", Words::data_type(layout)),
            field("disposal", layout.data_type()),
            field("by", DataType::Date32),
            field("backup_purge_by", DataType::Date32),
            field("held_until", instant_type()),
            field("hold_law", DataType::Utf8),
            field("allowed_actions", Words::data_type(layout)),
            field("obligations", Obligations::data_type_in(layout)),
        ])
    }

    /// As the library's `due_doc`.
    fn push(&mut self, due: &DeletionDue) {
        let kind = DueKind::of(due);
        // A due of more triggers than its kind spells is a kind of its own.
        let memo = self.memo && kind.others.is_some();
        let index = self
            .seen
            .index(&mut self.kinds, kind, memo, || DueTexts::of(due));
        self.rows.push(Some(index));
        self.since.push_value(due.since().timestamp_micros());
        self.by.push_value(days(due.by()));
        self.backup_purge_by.push_value(days(due.backup_purge_by()));
        self.held_until
            .push(due.hold().map(|h| h.until().timestamp_micros()));
        match due.hold().and_then(|h| h.law()) {
            Some(law) => self.hold_law.push_value(law),
            None => self.hold_law.push_null(),
        }
        for obligation in due.obligations() {
            self.obligation_dates
                .push(obligation.due().and_then(Due::date).map(days));
        }
    }

    fn push_null(&mut self) {
        self.rows.push(None);
        self.since.push_null();
        self.by.push_null();
        self.backup_purge_by.push_null();
        self.held_until.push_null();
        self.hold_law.push_null();
    }

    fn finish(self, layout: TextLayout) -> Result<ArrayRef, ArrowError> {
        let kinds = &self.kinds;
        let rows = Keys::new(&self.rows, kinds.len());
        let other_triggers = words_by_kind(
            &rows,
            kinds.iter().map(|k| k.other_triggers.as_slice()),
            layout,
        )?;
        let allowed_actions = words_by_kind(
            &rows,
            kinds.iter().map(|k| k.allowed_actions.as_slice()),
            layout,
        )?;
        let obligations = obligations_by_kind(
            &rows,
            kinds.iter().map(|k| k.obligations.as_slice()),
            self.obligation_dates,
            layout,
        )?;
        let valid = Validity::of(self.rows.iter().map(Option::is_some));
        let children: Vec<ArrayRef> = vec![
            by_kind(&rows, kinds, |k| Some(k.trigger), layout)?,
            Arc::new(self.since.finish().with_timezone("UTC")),
            other_triggers,
            by_kind(&rows, kinds, |k| Some(k.disposal), layout)?,
            Arc::new(self.by.finish()),
            Arc::new(self.backup_purge_by.finish()),
            Arc::new(self.held_until.finish().with_timezone("UTC")),
            self.hold_law.finish(),
            allowed_actions,
            obligations,
        ];
        valid.finish(Self::fields(layout), children)
    }
}

/// The `termination` column.
#[derive(Debug)]
struct Terminations {
    valid: Validity,
    terminates_at: TimestampMicrosecondBuilder,
    collection_denied_from: Date32Builder,
    notify_by: Date32Builder,
    dispose_by: Date32Builder,
    backup_purge_by: Date32Builder,
    adult_disposal: StringBuilder,
    child_disposal: StringBuilder,
    obligations: Obligations,
}

impl StructColumn for Terminations {
    fn fields() -> Fields {
        Terminations::fields()
    }

    fn with_capacity(rows: usize) -> Terminations {
        Terminations::with_capacity(rows)
    }

    fn push_null(&mut self) {
        Terminations::push_null(self);
    }

    fn finish(self) -> Result<ArrayRef, ArrowError> {
        Terminations::finish(self)
    }
}

impl Terminations {
    fn with_capacity(rows: usize) -> Terminations {
        Terminations {
            valid: Validity::with_capacity(rows),
            terminates_at: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            collection_denied_from: Date32Builder::with_capacity(rows),
            notify_by: Date32Builder::with_capacity(rows),
            dispose_by: Date32Builder::with_capacity(rows),
            backup_purge_by: Date32Builder::with_capacity(rows),
            adult_disposal: StringBuilder::new(),
            child_disposal: StringBuilder::new(),
            obligations: Obligations::with_capacity(rows),
        }
    }

    fn fields() -> Fields {
        Fields::from(vec![
            field("terminates_at", instant_type()),
            field("collection_denied_from", DataType::Date32),
            field("notify_by", DataType::Date32),
            field("dispose_by", DataType::Date32),
            field("backup_purge_by", DataType::Date32),
            field("adult_disposal", DataType::Utf8),
            field("child_disposal", DataType::Utf8),
            field("obligations", Obligations::data_type()),
        ])
    }

    fn push(&mut self, t: &TerminationPlanDoc) {
        self.valid.push(true);
        self.terminates_at
            .append_value(t.terminates_at.timestamp_micros());
        self.collection_denied_from
            .append_value(days(t.collection_denied_from));
        self.notify_by.append_value(days(t.notify_by));
        self.dispose_by.append_value(days(t.dispose_by));
        self.backup_purge_by.append_value(days(t.backup_purge_by));
        self.adult_disposal.append_value(t.adult_disposal.as_str());
        self.child_disposal.append_value(t.child_disposal.as_str());
        for obligation in &t.obligations {
            self.obligations.push(obligation);
        }
        self.obligations.end_row();
    }

    fn push_null(&mut self) {
        self.valid.push(false);
        self.terminates_at.append_null();
        self.collection_denied_from.append_null();
        self.notify_by.append_null();
        self.dispose_by.append_null();
        self.backup_purge_by.append_null();
        self.adult_disposal.append_null();
        self.child_disposal.append_null();
        self.obligations.end_row();
    }

    fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        let children: Vec<ArrayRef> = vec![
            Arc::new(self.terminates_at.finish()),
            Arc::new(self.collection_denied_from.finish()),
            Arc::new(self.notify_by.finish()),
            Arc::new(self.dispose_by.finish()),
            Arc::new(self.backup_purge_by.finish()),
            Arc::new(self.adult_disposal.finish()),
            Arc::new(self.child_disposal.finish()),
            self.obligations.finish()?,
        ];
        self.valid.finish(Self::fields(), children)
    }
}

/// The `error` column.
#[derive(Debug)]
struct Errors {
    valid: Validity,
    code: StringBuilder,
    message: StringBuilder,
}

impl StructColumn for Errors {
    fn fields() -> Fields {
        Errors::fields()
    }

    fn with_capacity(rows: usize) -> Errors {
        Errors::with_capacity(rows)
    }

    fn push_null(&mut self) {
        Errors::push_null(self);
    }

    fn finish(self) -> Result<ArrayRef, ArrowError> {
        Errors::finish(self)
    }
}

impl Errors {
    fn with_capacity(rows: usize) -> Errors {
        Errors {
            valid: Validity::with_capacity(rows),
            code: StringBuilder::new(),
            message: StringBuilder::new(),
        }
    }

    fn fields() -> Fields {
        Fields::from(vec![
            field("code", DataType::Utf8),
            field("message", DataType::Utf8),
        ])
    }

    fn push(&mut self, error: &ErrorDoc) {
        self.valid.push(true);
        self.code.append_value(error.code.as_str());
        self.message.append_value(&error.message);
    }

    fn push_null(&mut self) {
        self.valid.push(false);
        self.code.append_null();
        self.message.append_null();
    }

    fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        let children: Vec<ArrayRef> = vec![
            Arc::new(self.code.finish()),
            Arc::new(self.message.finish()),
        ];
        self.valid.finish(Self::fields(), children)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate};
    use lawful::Basis;
    use lawful::lifecycle::{LegalHold, RecordState};
    use lawful::subject::AgeGroup;

    use super::*;

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[usize::try_from(self.below(items.len() as u64)).unwrap()]
        }
    }

    /// A record of the mix's categories and purposes, collected at a random
    /// instant of eight years in one of four offsets, of a random age group,
    /// maybe on a basis, maybe with an event, a hold or a backup cycle.
    fn random_record(engine: &Engine, rng: &mut Rng) -> RecordState {
        let categories = [
            "account.phone",
            "account.password",
            "account.email",
            "account.id",
            "log.usage",
            "log.crash",
            "device.model",
            "device.identifier.imei",
            "location.coarse",
            "location.precise",
            "network.ip",
            "support.records",
        ];
        let purposes = [
            "account.registration",
            "service.browse",
            "operations.security",
            "operations.quality",
            "support.feedback",
        ];
        let ages = [AgeGroup::Adult, AgeGroup::Child, AgeGroup::Unknown];
        let bases = [
            None,
            Some(Basis::Consent),
            Some(Basis::Contract),
            Some(Basis::LegalObligation),
        ];
        let offsets = ["+08:00", "Z", "-05:00", "+01:00"];
        let start = DateTime::parse_from_rfc3339("2019-01-01T00:00:00Z").unwrap();
        let collected =
            start + Duration::seconds(i64::try_from(rng.below(8 * 365 * 86_400)).unwrap());
        let offset = *rng.pick(&offsets);
        let collected = DateTime::parse_from_rfc3339(&format!(
            "{}{offset}",
            collected.naive_utc().format("%Y-%m-%dT%H:%M:%S")
        ))
        .unwrap();
        let later = |rng: &mut Rng| {
            collected + Duration::seconds(i64::try_from(rng.below(4 * 365 * 86_400)).unwrap())
        };
        let (category, purpose) = (*rng.pick::<&str>(&categories), *rng.pick::<&str>(&purposes));
        let mut record = RecordState::new(
            engine.category(category).unwrap(),
            engine.purpose(purpose).unwrap(),
            collected,
        )
        .age_group(*rng.pick(&ages));
        if let Some(basis) = rng.pick(&bases) {
            record = record.basis(*basis);
        }
        match rng.below(9) {
            0 => record = record.consent_withdrawn_at(later(rng)),
            1 => record = record.deregistered_at(later(rng)),
            2 => record = record.service_terminated_at(later(rng)),
            3 => record = record.found_unlawful_at(later(rng)),
            4 => record = record.legal_hold(LegalHold::new(later(rng)).citation("PIPL art. 47")),
            5 => record = record.other_legal_ground(later(rng), "a court order"),
            _ => {}
        }
        if rng.below(4) == 0 {
            record = record.next_backup_cycle(NaiveDate::from_ymd_opt(2026, 12, 10).unwrap());
        }
        record
    }

    /// Plans and dues written a kind at a time (each kind's texts written
    /// once, a row pushing its kind's index) equal them written with every
    /// row a kind of its own, row for row, over a large random table of
    /// records: the kind holds everything their texts depend on.
    #[test]
    fn prop_plans_and_dues_written_by_kind_equal_them_written_by_row() {
        let engine = Engine::builtin();
        let sweep_at = DateTime::parse_from_rfc3339("2026-11-28T02:00:00+08:00").unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let rows = 30_000;
        let mut by_kind = Sweep::with_capacity(rows, None, TextLayout::Plain);
        let mut by_row = Sweep::with_capacity(rows, None, TextLayout::Plain);
        let mut dictionary = Sweep::with_capacity(rows, None, TextLayout::Dictionary);
        by_row.plan.memo = false;
        by_row.due.memo = false;
        for i in 0..rows {
            let record = random_record(engine, &mut rng);
            let at = (rng.below(10) != 0).then_some(sweep_at);
            let id = format!("r{i}");
            by_kind.sweep(engine, Some(&id), &record, at);
            by_row.sweep(engine, Some(&id), &record, at);
            dictionary.sweep(engine, Some(&id), &record, at);
        }
        // The kinds are shared (a few dozen), and every kind is exercised.
        assert!(
            by_kind.plan.kinds.len() < 200,
            "{}",
            by_kind.plan.kinds.len()
        );
        assert_eq!(by_row.plan.kinds.len(), rows);
        assert!(by_kind.due.kinds.len() < 200, "{}", by_kind.due.kinds.len());
        assert!(
            by_row.due.kinds.len() > rows / 2,
            "{}",
            by_row.due.kinds.len()
        );
        let by_kind = by_kind.finish(engine, Vec::new()).unwrap();
        let by_row = by_row.finish(engine, Vec::new()).unwrap();
        let dictionary = dictionary.finish(engine, Vec::new()).unwrap();
        assert_eq!(by_kind.num_rows(), rows);
        for (field, (a, b)) in Sweep::fields(TextLayout::Plain)
            .iter()
            .zip(by_kind.columns().iter().zip(by_row.columns()))
        {
            assert_eq!(a, b, "column `{}`", field.name());
        }
        // The dictionary layout holds the same texts: cast to the plain
        // types, its columns equal the plain ones.
        assert_eq!(
            dictionary.schema().fields().len(),
            by_kind.schema().fields().len()
        );
        for (field, (plain, dictionary)) in Sweep::fields(TextLayout::Plain)
            .iter()
            .zip(by_kind.columns().iter().zip(dictionary.columns()))
        {
            let cast = arrow_cast::cast(dictionary, field.data_type()).unwrap();
            assert_eq!(&cast, plain, "column `{}`", field.name());
        }
    }
}
