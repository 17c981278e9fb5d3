//! A row of a table of retention records read straight into the library's
//! typed [`RecordState`]: the fast path of `lawful.arrow.retention`.
//!
//! As [`requests`](super::requests) does for decisions: the columns are
//! taken apart once a batch, names and words are resolved once per distinct
//! value, instants are read from timestamps as integers or from text by the
//! strict RFC 3339 reader, and a row is read only when its record is sure
//! to be what [`Engine::record_state`] makes of its document. Anything else
//! (a `subject` to work the age group out from, a `legal_hold`, a
//! `terminate_service` line, a name the policy lacks, a missing field...)
//! makes [`Records::read`] answer `None`, and that row alone is read the
//! generic way, whose answer words every error.

use chrono::{DateTime, FixedOffset};
use lawful::lifecycle::RecordState;
use lawful::subject::AgeGroup;
use lawful::{Basis, CategoryId, Engine, PurposeId};

use super::cells::{all_null, memo, split, word};
use super::instants;
use super::memo::{Last, Memo};
use super::row::{Cell, Column};

/// The columns of a batch of records, by field, and what their values
/// resolved to so far.
#[derive(Debug, Default)]
pub(crate) struct Records<'c> {
    id: Option<&'c Column>,
    at: Option<&'c Column>,
    category: Option<&'c Column>,
    purpose: Option<&'c Column>,
    collected_at: Option<&'c Column>,
    age_group: Option<&'c Column>,
    basis: Option<&'c Column>,
    consent_withdrawn_at: Option<&'c Column>,
    service_terminated_at: Option<&'c Column>,
    deregistered_at: Option<&'c Column>,
    found_unlawful_at: Option<&'c Column>,
    next_backup_cycle: Option<&'c Column>,
    /// Columns no reader here takes (`subject`, `purpose_status`,
    /// `other_legal_ground`, `legal_hold`, `terminate_service`): a row with
    /// a value in one goes the generic way.
    others: Vec<&'c Column>,
    memos: Memos,
}

#[derive(Debug, Default)]
struct Memos {
    at: Last,
    collected_at: Last,
    category: Memo<CategoryId>,
    purpose: Memo<PurposeId>,
    age_group: Memo<AgeGroup>,
    basis: Memo<Basis>,
    events: [Last; 4],
}

/// A record row read: its id, its sweep instant and its record.
#[derive(Debug)]
pub(crate) struct Record<'c> {
    pub(crate) id: Option<&'c str>,
    pub(crate) at: Option<DateTime<FixedOffset>>,
    pub(crate) state: RecordState,
}

impl<'c> Records<'c> {
    /// The columns of `batch` (a struct column of every record column).
    pub(crate) fn of(batch: &'c Column) -> Records<'c> {
        let mut r = Records::default();
        r.others = split(batch, |name, c| {
            let slot = match name {
                "id" => &mut r.id,
                "at" => &mut r.at,
                "category" => &mut r.category,
                "purpose" => &mut r.purpose,
                "collected_at" => &mut r.collected_at,
                "age_group" => &mut r.age_group,
                "basis" => &mut r.basis,
                "consent_withdrawn_at" => &mut r.consent_withdrawn_at,
                "service_terminated_at" => &mut r.service_terminated_at,
                "deregistered_at" => &mut r.deregistered_at,
                "found_unlawful_at" => &mut r.found_unlawful_at,
                "next_backup_cycle" => &mut r.next_backup_cycle,
                _ => return false,
            };
            *slot = Some(c);
            true
        });
        r
    }

    /// Row `row` as the record [`Engine::record_state`] makes of its
    /// document, or `None` when the row is the generic path's to read.
    pub(crate) fn read(&mut self, engine: &Engine, row: usize) -> Option<Record<'c>> {
        if !all_null(&self.others, row) {
            return None;
        }
        let m = &mut self.memos;
        let id = match self.id.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => None,
            Some(Cell::Text(id)) => Some(id),
            Some(_) => return None,
        };
        let at = m.at.read(self.at, row, instants::instant)?;
        let category = memo(&mut m.category, self.category, row, |n| {
            engine.category(n).ok()
        })??;
        let purpose = memo(&mut m.purpose, self.purpose, row, |n| {
            engine.purpose(n).ok()
        })??;
        let collected_at = m
            .collected_at
            .read(self.collected_at, row, instants::instant)??;
        let age = memo(&mut m.age_group, self.age_group, row, word)?.unwrap_or(AgeGroup::Unknown);
        let mut record = RecordState::new(category, purpose, collected_at).age_group(age);
        if let Some(basis) = memo(&mut m.basis, self.basis, row, word)? {
            record = record.basis(basis);
        }
        let [withdrawn, terminated, deregistered, unlawful] = &mut m.events;
        if let Some(at) = withdrawn.read(self.consent_withdrawn_at, row, instants::instant)? {
            record = record.consent_withdrawn_at(at);
        }
        if let Some(at) = terminated.read(self.service_terminated_at, row, instants::instant)? {
            record = record.service_terminated_at(at);
        }
        if let Some(at) = deregistered.read(self.deregistered_at, row, instants::instant)? {
            record = record.deregistered_at(at);
        }
        if let Some(at) = unlawful.read(self.found_unlawful_at, row, instants::instant)? {
            record = record.found_unlawful_at(at);
        }
        match self.next_backup_cycle.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => {}
            Some(cell) => record = record.next_backup_cycle(instants::date(cell)?),
        }
        Some(Record {
            id,
            at,
            state: record,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::Arc;

    use lawful::wire::RetentionRequestDoc;
    use serde::Deserialize;

    use super::*;

    /// Every record row the typed reader reads is the record the generic
    /// path makes of the row's document, with its sweep instant.
    #[test]
    fn typed_records_equal_the_generic_path() {
        let engine = Engine::builtin();
        let lines = [
            r#"{"id":"a","category":"log.usage","purpose":"operations.security","collected_at":"2024-11-28T10:00:00+08:00","age_group":"adult"}"#,
            r#"{"id":"b","category":"account.phone","purpose":"account.registration","collected_at":"2025-09-01T10:00:00Z","deregistered_at":"2026-11-27T20:00:00+08:00","at":"2026-11-28T02:00:00+08:00"}"#,
            r#"{"id":"c","category":"log.usag","purpose":"operations.security","collected_at":"2024-11-28T10:00:00+08:00"}"#,
            r#"{"id":"d","category":"log.usage","purpose":"operations.security","collected_at":"2024-11-28 10:00:00+08:00"}"#,
            r#"{"id":"e","category":"log.usage","purpose":"operations.security","collected_at":"2024-11-28T10:00:00+08:00","subject":{"birth_date":"2016-05-01"}}"#,
            r#"{"id":"f","category":"log.usage","purpose":"operations.security","collected_at":"2024-11-28T10:00:00+08:00","basis":"consent","consent_withdrawn_at":"2025-01-01T00:00:00Z","next_backup_cycle":"2026-12-10","age_group":"child"}"#,
            r#"{"id":"g","purpose":"operations.security","collected_at":"2024-11-28T10:00:00+08:00"}"#,
        ];
        let text = lines.join("\n");
        let (schema, _) =
            arrow_json::reader::infer_json_schema(Cursor::new(text.as_bytes()), None).unwrap();
        let batch = arrow_json::ReaderBuilder::new(Arc::new(schema))
            .build(Cursor::new(text.as_bytes()))
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let column = Column::of_batch(&batch, &[]).unwrap();
        let mut typed = Records::of(&column);
        let mut read = Vec::new();
        for row in 0..batch.num_rows() {
            let Some(fast) = typed.read(engine, row) else {
                continue;
            };
            read.push(fast.id.unwrap());
            let doc = RetentionRequestDoc::deserialize(column.row(row)).unwrap();
            assert_eq!(fast.id, doc.id.as_deref());
            assert_eq!(fast.at, doc.at);
            assert_eq!(Ok(fast.state), engine.record_state(&doc), "row {row}");
        }
        // Unknown names, other spellings, a subject, a missing field: generic.
        assert_eq!(read, ["a", "b", "f"]);
    }
}
