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

use arrow_array::builder::{BooleanBuilder, Int32Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Fields};
use lawful::decision::ReasonCode;
use lawful::wire::{ObligationDoc, RequestDoc};
use lawful::{Decision, Engine, Request};
use serde::Deserialize;

use super::build::{Obligations, Offsets, PolicyColumn, Validity, field, list_of};
use super::row::Column;

/// The columns of a decision table, being written.
#[derive(Debug)]
pub(crate) struct Decisions {
    id: StringBuilder,
    effect: StringBuilder,
    basis: StringBuilder,
    obligations: Obligations,
    reasons: Reasons,
    subject: Subjects,
    policy: PolicyColumn,
}

impl Decisions {
    pub(crate) fn with_capacity(rows: usize) -> Decisions {
        Decisions {
            id: StringBuilder::with_capacity(rows, rows * 16),
            effect: StringBuilder::with_capacity(rows, rows * 6),
            basis: StringBuilder::with_capacity(rows, rows * 8),
            obligations: Obligations::with_capacity(rows),
            reasons: Reasons::with_capacity(rows),
            subject: Subjects::with_capacity(rows),
            policy: PolicyColumn::default(),
        }
    }

    /// The schema of a decision table (before the kept columns).
    pub(crate) fn fields() -> Vec<Field> {
        vec![
            field("id", DataType::Utf8),
            field("effect", DataType::Utf8),
            field("basis", DataType::Utf8),
            field("obligations", Obligations::data_type()),
            field("reasons", Reasons::data_type()),
            field("subject", Subjects::data_type()),
            field("policy", PolicyColumn::data_type()),
        ]
    }

    /// Decides a request read by the typed reader and writes its decision.
    pub(crate) fn decide(&mut self, engine: &Engine, request: &Request) {
        self.push(engine, request.request_id(), &engine.decide(request));
    }

    /// Decides row `row` of `requests` through its wire document (the
    /// generic path) and writes its decision.
    pub(crate) fn decide_row(
        &mut self,
        engine: &Engine,
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
    fn push(&mut self, engine: &Engine, id: Option<&str>, decision: &Decision) {
        self.id.append_option(id);
        self.effect.append_value(decision.effect().as_str());
        self.basis
            .append_option(decision.basis().map(lawful::Basis::as_str));
        for obligation in decision.obligations() {
            self.obligations.push(&ObligationDoc::from(obligation));
        }
        self.obligations.end_row();
        for reason in decision.reasons() {
            let rule = reason.rule().and_then(|id| engine.rule(id));
            self.reasons.code.append_value(reason.code().as_str());
            self.reasons
                .rule
                .append_option(rule.map(lawful::policy::Rule::id));
            self.reasons
                .clause
                .append_option(rule.map(lawful::policy::Rule::clause));
            self.reasons.category.append_option(
                reason
                    .category()
                    .and_then(|c| engine.category_info(c))
                    .map(lawful::policy::Category::name),
            );
            self.reasons
                .detail
                .append_option(reason.detail().map(lawful::decision::Detail::as_str));
            self.reasons.message.append_null();
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
        self.id.append_option(id);
        self.effect.append_value("deny");
        self.basis.append_null();
        self.obligations.end_row();
        self.reasons.code.append_value(code.as_str());
        self.reasons.rule.append_null();
        self.reasons.clause.append_null();
        self.reasons.category.append_null();
        self.reasons.detail.append_null();
        self.reasons.message.append_value(message);
        self.reasons.items += 1;
        self.reasons.end_row();
        self.subject.push_null();
        self.policy.push();
    }

    /// The batch: the decision columns, then `kept`.
    pub(crate) fn finish(
        mut self,
        engine: &Engine,
        kept: Vec<(Field, ArrayRef)>,
    ) -> Result<RecordBatch, ArrowError> {
        let fields = Decisions::fields();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.effect.finish()),
            Arc::new(self.basis.finish()),
            self.obligations.finish()?,
            self.reasons.finish()?,
            self.subject.finish()?,
            self.policy.finish(engine)?,
        ];
        super::build::answer_batch(fields, columns, kept)
    }
}

/// The `reasons` column.
#[derive(Debug)]
struct Reasons {
    offsets: Offsets,
    code: StringBuilder,
    rule: StringBuilder,
    clause: StringBuilder,
    category: StringBuilder,
    detail: StringBuilder,
    message: StringBuilder,
    items: usize,
}

impl Reasons {
    fn with_capacity(rows: usize) -> Reasons {
        Reasons {
            offsets: Offsets::with_capacity(rows),
            code: StringBuilder::with_capacity(rows, rows * 16),
            rule: StringBuilder::with_capacity(rows, rows * 16),
            clause: StringBuilder::with_capacity(rows, rows * 80),
            category: StringBuilder::new(),
            detail: StringBuilder::new(),
            message: StringBuilder::new(),
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

    fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        let items = arrow_array::StructArray::try_new(
            Self::item_fields(),
            vec![
                Arc::new(self.code.finish()),
                Arc::new(self.rule.finish()),
                Arc::new(self.clause.finish()),
                Arc::new(self.category.finish()),
                Arc::new(self.detail.finish()),
                Arc::new(self.message.finish()),
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
    age: Int32Builder,
    child: BooleanBuilder,
    age_source: StringBuilder,
    sources_disagree: BooleanBuilder,
}

impl Subjects {
    fn with_capacity(rows: usize) -> Subjects {
        Subjects {
            valid: Validity::with_capacity(rows),
            age: Int32Builder::with_capacity(rows),
            child: BooleanBuilder::with_capacity(rows),
            age_source: StringBuilder::with_capacity(rows, rows * 10),
            sources_disagree: BooleanBuilder::with_capacity(rows),
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

    fn push(&mut self, age: i32, child: bool, source: &str, disagree: bool) {
        self.valid.push(true);
        self.age.append_value(age);
        self.child.append_value(child);
        self.age_source.append_value(source);
        self.sources_disagree.append_value(disagree);
    }

    fn push_null(&mut self) {
        self.valid.push(false);
        self.age.append_null();
        self.child.append_null();
        self.age_source.append_null();
        self.sources_disagree.append_null();
    }

    fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        let children: Vec<ArrayRef> = vec![
            Arc::new(self.age.finish()),
            Arc::new(self.child.finish()),
            Arc::new(self.age_source.finish()),
            Arc::new(self.sources_disagree.finish()),
        ];
        self.valid.finish(Self::fields(), children)
    }
}
