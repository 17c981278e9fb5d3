//! A batch of requests decided into a batch of decisions.
//!
//! The decision table has the decision document's fields as columns, nested
//! as the document nests them:
//!
//! | column | type |
//! | --- | --- |
//! | `id` | utf8 |
//! | `effect` | utf8: `permit` or `deny` |
//! | `basis` | utf8 |
//! | `obligations` | list of `{code: utf8, date: date32, until: utf8}` |
//! | `reasons` | list of `{code, rule, clause, category, detail, message: utf8}` |
//! | `subject` | `{age: int32, child: bool, age_source: utf8, sources_disagree: bool}` |
//! | `policy` | `{id: utf8, version: utf8}` |
//!
//! A row holds what the row's `lawful decide` line holds: the columns are
//! written from the typed [`Decision`] as [`DecisionDoc::new`] writes the
//! document (the tests compare the two on every request file of the
//! project), without building the document's strings first.
//!
//! [`DecisionDoc::new`]: lawful::wire::DecisionDoc::new

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Fields};
use lawful::decision::ReasonCode;
use lawful::wire::{ObligationDoc, RequestDoc};
use lawful::{Decision, Engine, Request};
use serde::Deserialize;

use super::build::{
    Flags, Ids, Numbers, Obligations, Offsets, PolicyColumn, SparseTexts, TextLayout, Texts,
    Validity, field, list_of,
};
use super::row::Column;

/// The columns of a decision table, being written.
///
/// Every text but the id and a rejection's message is a word of the
/// vocabulary or a text of the engine (a rule's id and clause, a category's
/// name), outliving the batch: a row pushes references to them ([`Texts`]),
/// and each column is copied out whole when the batch is finished.
#[derive(Debug)]
pub(crate) struct Decisions<'e> {
    columns: Columns<'e>,
    /// The decision every row of the batch is decided into
    /// ([`Engine::decide_into`]), rather than one returned by value a row.
    decision: Decision,
}

/// The answer columns of [`Decisions`].
#[derive(Debug)]
struct Columns<'e> {
    id: Ids,
    effect: Texts<'static>,
    basis: Texts<'static>,
    obligations: Obligations,
    reasons: Reasons<'e>,
    subject: Subjects,
    policy: PolicyColumn,
}

impl<'e> Decisions<'e> {
    /// The decisions of a batch of `rows` whose `id` column is `ids`.
    pub(crate) fn with_capacity(rows: usize, ids: Option<&Column>) -> Decisions<'e> {
        Decisions {
            columns: Columns::with_capacity(rows, ids),
            decision: Decision::default(),
        }
    }

    /// The schema of a decision table (before the kept columns).
    pub(crate) fn fields() -> Vec<Field> {
        Columns::fields()
    }

    /// Decides a request read by the typed reader and writes its decision.
    pub(crate) fn decide(&mut self, engine: &'e Engine, request: &Request) {
        engine.decide_into(request, &mut self.decision);
        self.columns
            .push(engine, request.request_id(), &self.decision);
    }

    /// Decides row `row` of `requests` through its wire document (the
    /// generic path) and writes its decision.
    pub(crate) fn decide_row(
        &mut self,
        engine: &'e Engine,
        requests: &Column,
        ids: Option<&Column>,
        row: usize,
    ) {
        self.columns.decide_row(engine, requests, ids, row);
    }

    /// The batch: the decision columns, then `kept`.
    pub(crate) fn finish(
        self,
        engine: &Engine,
        kept: Vec<(Field, ArrayRef)>,
    ) -> Result<RecordBatch, ArrowError> {
        self.columns.finish(engine, kept)
    }
}

impl<'e> Columns<'e> {
    fn with_capacity(rows: usize, ids: Option<&Column>) -> Columns<'e> {
        Columns {
            id: Ids::new(ids, rows),
            effect: Texts::with_capacity(rows),
            basis: Texts::with_capacity(rows),
            obligations: Obligations::with_capacity(rows),
            reasons: Reasons::with_capacity(rows),
            subject: Subjects::with_capacity(rows),
            policy: PolicyColumn::default(),
        }
    }

    fn fields() -> Vec<Field> {
        vec![
            field("id", DataType::Utf8),
            field("effect", DataType::Utf8),
            field("basis", DataType::Utf8),
            field("obligations", Obligations::data_type()),
            field("reasons", Reasons::data_type()),
            field("subject", Subjects::data_type()),
            field("policy", PolicyColumn::data_type(TextLayout::Plain)),
        ]
    }

    fn decide_row(
        &mut self,
        engine: &'e Engine,
        requests: &Column,
        ids: Option<&Column>,
        row: usize,
    ) {
        match RequestDoc::deserialize(requests.row(row)) {
            Ok(doc) => match engine.resolve(&doc) {
                Ok(request) => self.push(engine, doc.id.as_deref(), &engine.decide(&request)),
                Err(error) => self.push_rejected(doc.id.as_deref(), error.code(), error.message()),
            },
            Err(error) => {
                // As `lawful decide` echoes the id of a line it cannot read.
                let id = ids.and_then(|ids| String::deserialize(ids.row(row)).ok());
                self.push_rejected(
                    id.as_deref(),
                    ReasonCode::InvalidRequest,
                    &error.to_string(),
                );
            }
        }
    }

    /// Writes a decision, as [`lawful::wire::DecisionDoc::new`] would.
    fn push(&mut self, engine: &'e Engine, id: Option<&str>, decision: &Decision) {
        self.id.push(id);
        self.effect.push_value(decision.effect().as_str());
        self.basis.push(decision.basis().map(lawful::Basis::as_str));
        for obligation in decision.obligations() {
            self.obligations.push(&ObligationDoc::from(obligation));
        }
        self.obligations.end_row();
        for reason in decision.reasons() {
            let rule = reason.rule().and_then(|id| engine.rule(id));
            self.reasons.code.push_value(reason.code().as_str());
            self.reasons.rule.push(rule.map(lawful::policy::Rule::id));
            self.reasons
                .clause
                .push(rule.map(lawful::policy::Rule::clause));
            self.reasons.category.push(
                reason
                    .category()
                    .and_then(|c| engine.category_info(c))
                    .map(lawful::policy::Category::name),
            );
            self.reasons
                .detail
                .push(reason.detail().map(lawful::decision::Detail::as_str));
            self.reasons.message.push_null();
            self.reasons.items += 1;
        }
        self.reasons.end_row();
        match decision.age() {
            Some(age) => self.subject.push(
                i32::try_from(age.years()).unwrap_or(i32::MAX),
                age.is_child(),
                age.source().as_str(),
                age.sources_disagree(),
            ),
            None => self.subject.push_null(),
        }
        self.policy.push();
    }

    /// Writes the deny for a request that could not be read or resolved, as
    /// [`lawful::wire::DecisionDoc::rejected`] would.
    fn push_rejected(&mut self, id: Option<&str>, code: ReasonCode, message: &str) {
        self.id.push(id);
        self.effect.push_value("deny");
        self.basis.push_null();
        self.obligations.end_row();
        self.reasons.code.push_value(code.as_str());
        self.reasons.rule.push_null();
        self.reasons.clause.push_null();
        self.reasons.category.push_null();
        self.reasons.detail.push_null();
        self.reasons.message.push_value(message);
        self.reasons.items += 1;
        self.reasons.end_row();
        self.subject.push_null();
        self.policy.push();
    }

    fn finish(
        self,
        engine: &Engine,
        kept: Vec<(Field, ArrayRef)>,
    ) -> Result<RecordBatch, ArrowError> {
        let fields = Columns::fields();
        let columns: Vec<ArrayRef> = vec![
            self.id.finish(),
            self.effect.finish()?,
            self.basis.finish()?,
            self.obligations.finish()?,
            self.reasons.finish()?,
            self.subject.finish()?,
            self.policy.finish(engine, TextLayout::Plain)?,
        ];
        super::build::answer_batch(fields, columns, kept)
    }
}

/// The `reasons` column.
#[derive(Debug)]
struct Reasons<'e> {
    offsets: Offsets,
    code: Texts<'static>,
    rule: Texts<'e>,
    clause: Texts<'e>,
    category: Texts<'e>,
    detail: Texts<'static>,
    message: SparseTexts,
    items: usize,
}

impl<'e> Reasons<'e> {
    fn with_capacity(rows: usize) -> Reasons<'e> {
        // Most decisions give one or two reasons.
        let items = rows * 2;
        Reasons {
            offsets: Offsets::with_capacity(rows),
            code: Texts::with_capacity(items),
            rule: Texts::with_capacity(items),
            clause: Texts::with_capacity(items),
            category: Texts::with_capacity(items),
            detail: Texts::with_capacity(items),
            message: SparseTexts::default(),
            items: 0,
        }
    }

    fn item_fields() -> Fields {
        Fields::from(vec![
            field("code", DataType::Utf8),
            field("rule", DataType::Utf8),
            field("clause", DataType::Utf8),
            field("category", DataType::Utf8),
            field("detail", DataType::Utf8),
            field("message", DataType::Utf8),
        ])
    }

    fn data_type() -> DataType {
        list_of(DataType::Struct(Self::item_fields()))
    }

    fn end_row(&mut self) {
        self.offsets.end_row(self.items);
    }

    fn finish(self) -> Result<ArrayRef, ArrowError> {
        let items = arrow_array::StructArray::try_new(
            Self::item_fields(),
            vec![
                self.code.finish()?,
                self.rule.finish()?,
                self.clause.finish()?,
                self.category.finish()?,
                self.detail.finish()?,
                self.message.finish(),
            ],
            None,
        )?;
        self.offsets
            .finish(DataType::Struct(Self::item_fields()), Arc::new(items))
    }
}

/// The `subject` column: the age found, or null.
#[derive(Debug)]
struct Subjects {
    valid: Validity,
    age: Numbers<Int32Type>,
    child: Flags,
    age_source: Texts<'static>,
    sources_disagree: Flags,
}

impl Subjects {
    fn with_capacity(rows: usize) -> Subjects {
        Subjects {
            valid: Validity::with_capacity(rows),
            age: Numbers::with_capacity(rows),
            child: Flags::with_capacity(rows),
            age_source: Texts::with_capacity(rows),
            sources_disagree: Flags::with_capacity(rows),
        }
    }

    fn fields() -> Fields {
        Fields::from(vec![
            field("age", DataType::Int32),
            field("child", DataType::Boolean),
            field("age_source", DataType::Utf8),
            field("sources_disagree", DataType::Boolean),
        ])
    }

    fn data_type() -> DataType {
        DataType::Struct(Self::fields())
    }

    fn push(&mut self, age: i32, child: bool, source: &'static str, disagree: bool) {
        self.valid.push(true);
        self.age.push_value(age);
        self.child.push_value(child);
        self.age_source.push_value(source);
        self.sources_disagree.push_value(disagree);
    }

    fn push_null(&mut self) {
        self.valid.push(false);
        self.age.push_null();
        self.child.push_null();
        self.age_source.push_null();
        self.sources_disagree.push_null();
    }

    fn finish(self) -> Result<ArrayRef, ArrowError> {
        let children: Vec<ArrayRef> = vec![
            Arc::new(self.age.finish()),
            Arc::new(self.child.finish()),
            self.age_source.finish()?,
            Arc::new(self.sources_disagree.finish()),
        ];
        self.valid.finish(Self::fields(), children)
    }
}
