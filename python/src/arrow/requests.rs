//! A row of a table of requests read straight into the library's typed
//! [`Request`]: the fast path of `lawful.arrow.decide`.
//!
//! The columns are taken apart once a batch ([`Requests::of`]); a row then
//! costs reading its typed cells, and each distinct name is resolved once
//! ([`Memo`]). No wire document is built and no serde runs.
//!
//! The reader is exact or silent. It fills a row's request with the
//! library's in-place methods (`set_*`, `push_*`, on which the builders
//! [`Engine::resolve`] uses are written), in the order `resolve` follows
//! for the row's document, and it reads a row only when it is sure the
//! document would be valid: any value it does not read plainly (a name the policy
//! lacks, an instant in another spelling, a list past its limit, a column
//! it has no reader for holding a value, anything `resolve` would refuse)
//! makes [`Requests::read`] answer `None`, and that row, alone, goes the
//! generic way (its document through serde, then `resolve`). The generic
//! path words every error, so there is one copy of each message; the tests
//! check both paths give equal requests on random tables.

#![expect(
    clippy::option_option,
    reason = "a cell reads as a value, as null (an absent field: `Some(None)`), or not at all (`None`: the generic path's row), and `?` passes the last on"
)]

use chrono::NaiveDate;
use lawful::decision::{
    Consent, Emergency, EmergencyKind, Evidence, Grantor, GuardianVerification, PublicData,
    PublicSource, RecipientKind, TransferMechanism,
};
use lawful::limits::{
    MAX_CATEGORIES, MAX_CONSENT_ACTIONS, MAX_CONSENT_CATEGORIES, MAX_CONSENT_PURPOSES,
    MAX_CONSENT_RECIPIENTS, MAX_CONSENTS, MAX_LEGAL_OBLIGATION_LAWS,
};
use lawful::subject::{RegionCode, TimeZone};
use lawful::wire::GrantorDoc;
use lawful::{Action, CategoryId, Engine, JurisdictionId, PurposeId, Recipient, Request, Subject};

use super::cells::{all_null, flag, list, memo, split, text, word};
use super::instants;
use super::memo::{Cells, Last, Memo};
use super::row::{Cell, Column};

/// The most transfer mechanisms a row may list and still be read here (the
/// generic path reads longer lists; there are 18 mechanisms).
const MAX_MECHANISMS: usize = 32;

/// The columns of a batch of requests, by field, and what their names
/// resolved to so far.
#[derive(Debug)]
pub(crate) struct Requests<'c> {
    top: Top<'c>,
    subject: Option<SubjectColumns<'c>>,
    recipient: Option<RecipientColumns<'c>>,
    evidence: Option<EvidenceColumns<'c>>,
    memos: Memos,
    /// The request every row is read into (made at the first row).
    request: Option<Request>,
    /// Consent records of earlier rows, to be filled again.
    spare: Vec<Consent>,
}

/// The top-level columns.
#[derive(Debug, Default)]
struct Top<'c> {
    id: Option<&'c Column>,
    at: Option<&'c Column>,
    action: Option<&'c Column>,
    purpose: Option<&'c Column>,
    categories: Option<&'c Column>,
    subject: Option<&'c Column>,
    linked_to_account: Option<&'c Column>,
    recipient: Option<&'c Column>,
    destination_region: Option<&'c Column>,
    transfer_mechanism: Option<&'c Column>,
    collected_at: Option<&'c Column>,
    collected_for: Option<&'c Column>,
    collected_in: Option<&'c Column>,
    legal_hold: Option<&'c Column>,
    evidence: Option<&'c Column>,
    /// Columns no reader here takes: a row with a value in one goes the
    /// generic way.
    others: Vec<&'c Column>,
}

#[derive(Debug, Default)]
struct SubjectColumns<'c> {
    birth_date: Option<&'c Column>,
    resident_id: Option<&'c Column>,
    jurisdiction: Option<&'c Column>,
    time_zone: Option<&'c Column>,
    others: Vec<&'c Column>,
}

#[derive(Debug, Default)]
struct RecipientColumns<'c> {
    kind: Option<&'c Column>,
    name: Option<&'c Column>,
    region: Option<&'c Column>,
    accepts_policy: Option<&'c Column>,
    security_assessment: Option<&'c Column>,
    dpf_certified: Option<&'c Column>,
    adequacy_scope: Option<&'c Column>,
    international_organisation: Option<&'c Column>,
    others: Vec<&'c Column>,
}

#[derive(Debug, Default)]
struct EvidenceColumns<'c> {
    consents: Option<&'c Column>,
    /// The fields of the consents' list items.
    consent: Option<ConsentColumns<'c>>,
    contract: Option<&'c Column>,
    legal_obligation: Option<&'c Column>,
    emergency: Option<&'c Column>,
    emergency_kind: Option<&'c Column>,
    emergency_ongoing: Option<&'c Column>,
    emergency_unable_to_consent: Option<&'c Column>,
    public_data: Option<&'c Column>,
    public_source: Option<&'c Column>,
    public_same_context: Option<&'c Column>,
    public_subject_refused: Option<&'c Column>,
    legal_obligation_law: Option<&'c Column>,
    authority_approval: Option<&'c Column>,
    legitimate_interests: Option<&'c Column>,
    public_task: Option<&'c Column>,
    confidential: Option<&'c Column>,
    legal_claims: Option<&'c Column>,
    others: Vec<&'c Column>,
}

#[derive(Debug, Default)]
struct ConsentColumns<'c> {
    by: Option<&'c Column>,
    guardian_verified: Option<&'c Column>,
    separate: Option<&'c Column>,
    purposes: Option<&'c Column>,
    categories: Option<&'c Column>,
    actions: Option<&'c Column>,
    recipients: Option<&'c Column>,
    grantor: Option<&'c Column>,
    transfer_risks_informed: Option<&'c Column>,
    given_at: Option<&'c Column>,
    withdrawn_at: Option<&'c Column>,
    others: Vec<&'c Column>,
}

/// What each column's distinct values read as.
#[derive(Debug, Default)]
struct Memos {
    at: Last,
    collected_at: Last,
    action: Memo<Action>,
    purpose: Memo<PurposeId>,
    categories: Memo<CategoryId>,
    jurisdiction: Memo<JurisdictionId>,
    kind: Memo<RecipientKind>,
    region: Memo<RegionCode>,
    destination_region: Memo<RegionCode>,
    mechanism: Memo<Mechanisms>,
    mechanism_items: Memo<Mechanisms>,
    collected_for: Memo<PurposeId>,
    collected_in: Memo<RegionCode>,
    law: Memo<RegionCode>,
    law_items: Memo<RegionCode>,
    emergency_kind: Memo<EmergencyKind>,
    public_source: Memo<PublicSource>,
    by: Memo<GrantorDoc>,
    consent_purposes: Memo<PurposeId>,
    consent_categories: Memo<CategoryId>,
    consent_actions: Memo<Action>,
    given_at: Last,
    birth_date: Cells<NaiveDate>,
    withdrawn_at: Last,
}

/// A `transfer_mechanism` text: `"none"`, or one mechanism.
#[derive(Clone, Copy, Debug)]
enum Mechanisms {
    None,
    One(TransferMechanism),
}

impl<'c> Requests<'c> {
    /// The columns of `batch` (a struct column of every request column).
    pub(crate) fn of(batch: &'c Column) -> Requests<'c> {
        let mut top = Top::default();
        top.others = split(batch, |name, c| {
            let slot = match name {
                "id" => &mut top.id,
                "at" => &mut top.at,
                "action" => &mut top.action,
                "purpose" => &mut top.purpose,
                "categories" => &mut top.categories,
                "subject" => &mut top.subject,
                "linked_to_account" => &mut top.linked_to_account,
                "recipient" => &mut top.recipient,
                "destination_region" => &mut top.destination_region,
                "transfer_mechanism" => &mut top.transfer_mechanism,
                "collected_at" => &mut top.collected_at,
                "collected_for" => &mut top.collected_for,
                "collected_in" => &mut top.collected_in,
                "legal_hold" => &mut top.legal_hold,
                "evidence" => &mut top.evidence,
                _ => return false,
            };
            *slot = Some(c);
            true
        });
        let subject = top.subject.map(|column| {
            let mut s = SubjectColumns::default();
            s.others = split(column, |name, c| {
                let slot = match name {
                    "birth_date" => &mut s.birth_date,
                    "resident_id" => &mut s.resident_id,
                    "jurisdiction" => &mut s.jurisdiction,
                    "time_zone" => &mut s.time_zone,
                    _ => return false,
                };
                *slot = Some(c);
                true
            });
            s
        });
        let recipient = top.recipient.map(|column| {
            let mut r = RecipientColumns::default();
            r.others = split(column, |name, c| {
                let slot = match name {
                    "kind" => &mut r.kind,
                    "name" => &mut r.name,
                    "region" => &mut r.region,
                    "accepts_policy" => &mut r.accepts_policy,
                    "security_assessment" => &mut r.security_assessment,
                    "dpf_certified" => &mut r.dpf_certified,
                    "adequacy_scope" => &mut r.adequacy_scope,
                    "international_organisation" => &mut r.international_organisation,
                    _ => return false,
                };
                *slot = Some(c);
                true
            });
            r
        });
        let evidence = top.evidence.map(EvidenceColumns::of);
        Requests {
            top,
            subject,
            recipient,
            evidence,
            memos: Memos::default(),
            request: None,
            spare: Vec::new(),
        }
    }

    /// Row `row` as the typed request [`Engine::resolve`] makes of its
    /// document, or `None` when the row is the generic path's to read.
    ///
    /// One request serves every row of a batch: it is reset in place
    /// ([`Request::reset`]) and filled with the library's `set_*` and
    /// `push_*` methods, its lists keep their storage, and its consent
    /// records are reused ([`Evidence::drain_consents`]), so a row moves no
    /// request and allocates only for its texts.
    pub(crate) fn read(&mut self, engine: &Engine, row: usize) -> Option<&Request> {
        let top = &self.top;
        let m = &mut self.memos;
        if !all_null(&top.others, row) {
            return None;
        }
        let at = m.at.read(top.at, row, instants::instant)??;
        let action = memo(&mut m.action, top.action, row, word::<Action>)??;
        let purpose = memo(&mut m.purpose, top.purpose, row, |n| engine.purpose(n).ok())??;
        let (values, rows) = list(top.categories, row, MAX_CATEGORIES)??;
        if self.request.is_none() {
            self.request = Some(Request::new(action, purpose, at));
        }
        let request = self.request.as_mut()?;
        self.spare.extend(request.evidence_mut().drain_consents());
        request.reset(action, purpose, at);
        if let Some(id) = text(top.id, row)? {
            request.set_id(id);
        }
        for i in rows {
            request.push_category(
                m.categories
                    .read(values, i, |n| engine.category(n).ok())??,
            );
        }
        if let Some(columns) = &self.subject {
            if let Some(subject) = columns.read(
                engine,
                &mut m.jurisdiction,
                &mut m.birth_date,
                top.subject,
                row,
            )? {
                request.set_subject(subject);
            }
        }
        if flag(top.linked_to_account, row)? == Some(true) {
            request.set_linked_to_account(true);
        }
        if let Some(columns) = &self.recipient {
            if let Some(recipient) = columns.read(&mut m.kind, &mut m.region, top.recipient, row)? {
                request.set_recipient(recipient);
            }
        }
        if let Some(region) = memo(&mut m.destination_region, top.destination_region, row, word)? {
            request.set_destination_region(region);
        }
        if let Some(region) = memo(&mut m.collected_in, top.collected_in, row, word)? {
            request.set_collected_in(region);
        }
        mechanisms(
            &mut m.mechanism,
            &mut m.mechanism_items,
            top.transfer_mechanism,
            row,
            request,
        )?;
        if let Some(at) = m
            .collected_at
            .read(top.collected_at, row, instants::instant)?
        {
            request.set_collected_at(at);
        }
        if let Some(purpose) = memo(&mut m.collected_for, top.collected_for, row, |n| {
            engine.purpose(n).ok()
        })? {
            request.set_collected_for(purpose);
        }
        if flag(top.legal_hold, row)? == Some(true) {
            request.set_legal_hold(true);
        }
        if let Some(columns) = &self.evidence {
            columns.read(
                engine,
                m,
                &mut self.spare,
                top.evidence,
                row,
                request.evidence_mut(),
            )?;
        }
        Some(request)
    }
}

/// The `transfer_mechanism` cell: a mechanism, a list of them, `"none"`.
fn mechanisms(
    memo: &mut Memo<Mechanisms>,
    items: &mut Memo<Mechanisms>,
    column: Option<&Column>,
    row: usize,
    request: &mut Request,
) -> Option<()> {
    let read = |text: &str| {
        if text == "none" {
            return Some(Mechanisms::None);
        }
        // `derogation` names no ground: `resolve` refuses it.
        word::<TransferMechanism>(text)
            .filter(|&m| m != TransferMechanism::Derogation)
            .map(Mechanisms::One)
    };
    let Some(column) = column else {
        return Some(());
    };
    match column.cell(row) {
        Cell::Null => Some(()),
        Cell::Text(_) => {
            match memo.read(column, row, read)?? {
                Mechanisms::None => {}
                Mechanisms::One(m) => request.push_transfer_mechanism(m),
            }
            Some(())
        }
        Cell::List(values, start, end) if end - start <= MAX_MECHANISMS => {
            for i in start..end {
                // In a list each element is a mechanism (`none` is not one).
                match items.read(values, i, read)?? {
                    Mechanisms::None => return None,
                    Mechanisms::One(m) => request.push_transfer_mechanism(m),
                }
            }
            Some(())
        }
        _ => None,
    }
}

impl SubjectColumns<'_> {
    /// The subject at `row` (`Some(None)`: none), as `resolve_subject`.
    fn read(
        &self,
        engine: &Engine,
        jurisdictions: &mut Memo<JurisdictionId>,
        birth_dates: &mut Cells<NaiveDate>,
        column: Option<&Column>,
        row: usize,
    ) -> Option<Option<Subject>> {
        match column.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => return Some(None),
            Some(Cell::Struct) => {}
            Some(_) => return None,
        }
        if !all_null(&self.others, row) {
            return None;
        }
        let mut subject = Subject::new();
        if let Some(date) = birth_dates.read(self.birth_date, row, instants::date)? {
            subject = subject.birth_date(date);
        }
        if let Some(id) = text(self.resident_id, row)? {
            subject = subject.resident_id_str(id);
        }
        if let Some(id) = memo(jurisdictions, self.jurisdiction, row, |c| {
            engine.jurisdiction(c).ok()
        })? {
            subject = subject.jurisdiction(id);
        }
        if let Some(zone) = text(self.time_zone, row)? {
            subject = subject.time_zone(zone.parse::<TimeZone>().ok()?);
        }
        Some(Some(subject))
    }
}

impl RecipientColumns<'_> {
    /// The recipient at `row` (`Some(None)`: none), as `resolve` builds it.
    fn read(
        &self,
        kinds: &mut Memo<RecipientKind>,
        regions: &mut Memo<RegionCode>,
        column: Option<&Column>,
        row: usize,
    ) -> Option<Option<Recipient>> {
        match column.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => return Some(None),
            Some(Cell::Struct) => {}
            Some(_) => return None,
        }
        if !all_null(&self.others, row) {
            return None;
        }
        let kind = memo(kinds, self.kind, row, word::<RecipientKind>)??;
        // The subject as recipient has rules of its own (`resolve` refuses
        // a name, and any action but `use`): the generic path's.
        if kind == RecipientKind::Subject {
            return None;
        }
        let mut recipient = Recipient::new(kind)
            .accepts_policy(flag(self.accepts_policy, row)?.unwrap_or(false))
            .security_assessment(flag(self.security_assessment, row)?.unwrap_or(false))
            .dpf_certified(flag(self.dpf_certified, row)?.unwrap_or(false))
            .international_organisation(
                flag(self.international_organisation, row)?.unwrap_or(false),
            );
        if let Some(scope) = text(self.adequacy_scope, row)? {
            recipient = recipient.adequacy_scope(scope);
        }
        if let Some(name) = text(self.name, row)? {
            recipient = recipient.name(name);
        }
        if let Some(region) = memo(regions, self.region, row, word)? {
            recipient = recipient.region(region);
        }
        Some(Some(recipient))
    }
}

impl<'c> EvidenceColumns<'c> {
    fn of(column: &'c Column) -> EvidenceColumns<'c> {
        let mut e = EvidenceColumns::default();
        e.others = split(column, |name, c| {
            let slot = match name {
                "consents" => &mut e.consents,
                "contract" => &mut e.contract,
                "legal_obligation" => &mut e.legal_obligation,
                "emergency" => &mut e.emergency,
                "public_data" => &mut e.public_data,
                "legal_obligation_law" => &mut e.legal_obligation_law,
                "authority_approval" => &mut e.authority_approval,
                "legitimate_interests" => &mut e.legitimate_interests,
                "public_task" => &mut e.public_task,
                "confidential" => &mut e.confidential,
                "legal_claims" => &mut e.legal_claims,
                _ => return false,
            };
            *slot = Some(c);
            true
        });
        if let Some(emergency) = e.emergency {
            let mut others = split(emergency, |name, c| {
                let slot = match name {
                    "kind" => &mut e.emergency_kind,
                    "ongoing" => &mut e.emergency_ongoing,
                    "unable_to_consent" => &mut e.emergency_unable_to_consent,
                    _ => return false,
                };
                *slot = Some(c);
                true
            });
            e.others.append(&mut others);
        }
        if let Some(public) = e.public_data {
            let mut others = split(public, |name, c| {
                let slot = match name {
                    "source" => &mut e.public_source,
                    "same_context" => &mut e.public_same_context,
                    "subject_refused" => &mut e.public_subject_refused,
                    _ => return false,
                };
                *slot = Some(c);
                true
            });
            e.others.append(&mut others);
        }
        e.consent = e.consents.and_then(Column::items).map(ConsentColumns::of);
        e
    }

    /// Fills `evidence` (cleared) with the evidence at `row`, as
    /// `resolve_evidence`; consent records come from `spare` when it has one.
    fn read(
        &self,
        engine: &Engine,
        m: &mut Memos,
        spare: &mut Vec<Consent>,
        column: Option<&Column>,
        row: usize,
        evidence: &mut Evidence,
    ) -> Option<()> {
        match column.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => return Some(()),
            Some(Cell::Struct) => {}
            Some(_) => return None,
        }
        // An emergency or public data of another shape (a struct holding a
        // field no reader here takes) is counted among `others` by row of
        // the evidence: those fields are null where the struct is.
        if !all_null(&self.others, row) {
            return None;
        }
        if let Some((items, rows)) = list(self.consents, row, MAX_CONSENTS)? {
            let columns = self.consent.as_ref()?;
            for i in rows {
                evidence.push_consent(columns.read(engine, m, spare, items, i)?);
            }
        }
        if flag(self.contract, row)? == Some(true) {
            evidence.set_contract(true);
        }
        if let Some(citation) = text(self.legal_obligation, row)? {
            evidence.set_legal_obligation(citation);
        }
        match self.legal_obligation_law.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => {}
            Some(Cell::Text(_)) => {
                let law = memo(&mut m.law, self.legal_obligation_law, row, word)??;
                evidence.push_legal_obligation_law(law);
            }
            Some(Cell::List(values, start, end)) if end - start <= MAX_LEGAL_OBLIGATION_LAWS => {
                for i in start..end {
                    evidence.push_legal_obligation_law(m.law_items.read(values, i, word)??);
                }
            }
            Some(_) => return None,
        }
        if let Some(approval) = text(self.authority_approval, row)? {
            evidence.set_authority_approval(approval);
        }
        if let Some(assessment) = text(self.legitimate_interests, row)? {
            evidence.set_legitimate_interests(assessment);
        }
        if let Some(citation) = text(self.public_task, row)? {
            evidence.set_public_task(citation);
        }
        if flag(self.confidential, row)? == Some(true) {
            evidence.set_confidential(true);
        }
        if let Some(claim) = text(self.legal_claims, row)? {
            evidence.set_legal_claims(claim);
        }
        match self.emergency.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => {}
            Some(Cell::Struct) => {
                let kind = memo(&mut m.emergency_kind, self.emergency_kind, row, word)?
                    .unwrap_or(EmergencyKind::LifeHealthProperty);
                let ongoing = flag(self.emergency_ongoing, row)?.unwrap_or(false);
                evidence.set_emergency(if ongoing {
                    Emergency::ongoing(kind)
                } else {
                    Emergency::ended(kind)
                });
                if flag(self.emergency_unable_to_consent, row)?.unwrap_or(false) {
                    evidence.set_unable_to_consent(true);
                }
            }
            Some(_) => return None,
        }
        match self.public_data.map(|c| c.cell(row)) {
            None | Some(Cell::Null) => {}
            Some(Cell::Struct) => {
                let source = memo(&mut m.public_source, self.public_source, row, word)?
                    .unwrap_or(PublicSource::SelfDisclosed);
                let mut public = if flag(self.public_same_context, row)?.unwrap_or(false) {
                    PublicData::in_context(source)
                } else {
                    PublicData::out_of_context(source)
                };
                if flag(self.public_subject_refused, row)?.unwrap_or(false) {
                    public = public.refused_by_subject();
                }
                evidence.set_public_data(public);
            }
            Some(_) => return None,
        }
        Some(())
    }
}

impl<'c> ConsentColumns<'c> {
    fn of(items: &'c Column) -> ConsentColumns<'c> {
        let mut c = ConsentColumns::default();
        c.others = split(items, |name, column| {
            let slot = match name {
                "by" => &mut c.by,
                "guardian_verified" => &mut c.guardian_verified,
                "separate" => &mut c.separate,
                "purposes" => &mut c.purposes,
                "categories" => &mut c.categories,
                "actions" => &mut c.actions,
                "recipients" => &mut c.recipients,
                "grantor" => &mut c.grantor,
                "transfer_risks_informed" => &mut c.transfer_risks_informed,
                "given_at" => &mut c.given_at,
                "withdrawn_at" => &mut c.withdrawn_at,
                _ => return false,
            };
            *slot = Some(column);
            true
        });
        c
    }

    /// Consent `item` of the consents' items, as `resolve_consent`.
    ///
    /// The record is one of `spare`, reset, when it has one.
    fn read(
        &self,
        engine: &Engine,
        m: &mut Memos,
        spare: &mut Vec<Consent>,
        items: &Column,
        item: usize,
    ) -> Option<Consent> {
        if !matches!(items.cell(item), Cell::Struct) || !all_null(&self.others, item) {
            return None;
        }
        let grantor = match memo(&mut m.by, self.by, item, word)?? {
            GrantorDoc::Subject => Grantor::Subject,
            GrantorDoc::Guardian if flag(self.guardian_verified, item)? == Some(true) => {
                Grantor::Guardian(GuardianVerification::Verified)
            }
            GrantorDoc::Guardian => Grantor::Guardian(GuardianVerification::Unverified),
        };
        let given = m.given_at.read(self.given_at, item, instants::instant)?;
        let withdrawn = m
            .withdrawn_at
            .read(self.withdrawn_at, item, instants::instant)?;
        // No instant, or a withdrawal before the grant: `resolve` refuses.
        let given_at = given.or(withdrawn)?;
        if withdrawn.is_some_and(|w| w < given_at) {
            return None;
        }
        let mut consent = match spare.pop() {
            Some(mut consent) => {
                consent.reset(grantor, given_at);
                consent
            }
            None => Consent::new(grantor, given_at),
        };
        if let Some(name) = text(self.grantor, item)? {
            consent.set_grantor_name(name);
        }
        if flag(self.transfer_risks_informed, item)? == Some(true) {
            consent.set_transfer_risks_informed(true);
        }
        if flag(self.separate, item)? == Some(true) {
            consent.set_separate(true);
        }
        if let Some((values, rows)) = list(self.purposes, item, MAX_CONSENT_PURPOSES)? {
            for i in rows {
                let purpose = m
                    .consent_purposes
                    .read(values, i, |n| engine.purpose(n).ok())??;
                consent.push_purpose(purpose);
            }
        }
        if let Some((values, rows)) = list(self.categories, item, MAX_CONSENT_CATEGORIES)? {
            for i in rows {
                let category = m
                    .consent_categories
                    .read(values, i, |n| engine.category(n).ok())??;
                consent.push_category(category);
            }
        }
        if let Some((values, rows)) = list(self.actions, item, MAX_CONSENT_ACTIONS)? {
            for i in rows {
                consent.push_action(m.consent_actions.read(values, i, word::<Action>)??);
            }
        }
        if let Some((values, rows)) = list(self.recipients, item, MAX_CONSENT_RECIPIENTS)? {
            for i in rows {
                match values.cell(i) {
                    Cell::Text(name) => consent.push_recipient(name),
                    _ => return None,
                }
            }
        }
        if let Some(at) = withdrawn {
            consent.set_withdrawn_at(at);
        }
        Some(consent)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::path::Path;
    use std::sync::Arc;

    use arrow_array::RecordBatch;
    use lawful::wire::RequestDoc;
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;

    /// A table of `lines` (JSON objects), its schema inferred from them all.
    fn table(lines: &[String]) -> RecordBatch {
        let text = lines.join("\n");
        let (schema, _) =
            arrow_json::reader::infer_json_schema(Cursor::new(text.as_bytes()), None).unwrap();
        let mut reader = arrow_json::ReaderBuilder::new(Arc::new(schema))
            .with_batch_size(lines.len().max(1))
            .build(Cursor::new(text.as_bytes()))
            .unwrap();
        reader.next().unwrap().unwrap()
    }

    /// For every row: when the typed reader reads it, the generic path
    /// (the row's document, resolved) gives the same request. Returns how
    /// many rows the typed reader read.
    fn agree(engine: &Engine, batch: &RecordBatch) -> usize {
        let column = Column::of_batch(batch, &[]).unwrap();
        let mut typed = Requests::of(&column);
        let mut read = 0;
        for row in 0..batch.num_rows() {
            let Some(fast) = typed.read(engine, row) else {
                continue;
            };
            read += 1;
            let doc = RequestDoc::deserialize(column.row(row)).unwrap_or_else(|e| {
                panic!("row {row}: the typed reader read a row serde refuses: {e}")
            });
            let generic = engine.resolve(&doc).unwrap_or_else(|e| {
                panic!("row {row}: the typed reader read a row `resolve` refuses: {e}")
            });
            assert_eq!(fast, &generic, "row {row}: {doc:?}");
        }
        read
    }

    fn mix() -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/mix.jsonl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The benchmark's requests are all the typed reader's (else the
    /// benchmark would measure the generic path), and equal the generic.
    #[test]
    fn every_request_of_the_mix_is_read_typed_and_equals_the_generic() {
        let engine = Engine::builtin();
        let lines = mix();
        assert_eq!(agree(engine, &table(&lines)), lines.len());
        for line in &lines {
            assert_eq!(
                agree(engine, &table(std::slice::from_ref(line))),
                1,
                "{line}"
            );
        }
    }

    /// A small deterministic generator (xorshift): the tests need no seed
    /// file and run the same everywhere.
    struct Rng(u64);

    impl Rng {
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            &items[usize::try_from(self.0 % items.len() as u64).unwrap()]
        }
    }

    /// Random tables of the mix's requests, mutated with values the typed
    /// reader takes and values it leaves to the generic path: every row it
    /// reads equals the generic path's request (the others go the generic
    /// way, so their answers are the generic path's by construction).
    #[test]
    fn prop_typed_requests_equal_the_generic_path() {
        let engine = Engine::builtin();
        let mix: Vec<Value> = mix()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let instants = [
            json!("2026-11-28T10:00:00+08:00"),
            json!("2026-11-28T02:00:00.5Z"),
            json!("2026-11-28 10:00:00+08:00"),
            json!("2026-11-28T10:00:00"),
            json!("soon"),
            Value::Null,
        ];
        let names = [
            json!("account.phone"),
            json!("account"),
            json!("account.phon"),
            json!("support.feedback"),
            json!("service.browse"),
            Value::Null,
        ];
        let words = [
            json!("collect"),
            json!("share"),
            json!("third_party"),
            json!("guardian"),
            json!("subject"),
            json!("scc"),
            json!("none"),
            json!("derogation"),
            json!("FR"),
            json!("cn"),
            json!("X Y"),
            Value::Null,
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut rows, mut read) = (0, 0);
        for _ in 0..60 {
            let mut lines = Vec::new();
            for i in 0..40 {
                let mut r = rng.pick(&mix).clone();
                r["id"] = json!(format!("r{i}"));
                for _ in 0..*rng.pick(&[0, 1, 2]) {
                    match *rng.pick(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
                        0 => {
                            r["at"] = rng.pick(&instants).clone();
                        }
                        1 => r["purpose"] = rng.pick(&names).clone(),
                        2 => {
                            r["categories"] = json!([rng.pick(&names), rng.pick(&names)]);
                        }
                        3 => r["action"] = rng.pick(&words).clone(),
                        4 => {
                            r["recipient"] = json!({"kind": rng.pick(&words), "name": rng.pick(&names), "region": rng.pick(&words)});
                        }
                        5 => {
                            r["transfer_mechanism"] = rng.pick(&words).clone();
                        }
                        6 => {
                            r["subject"] = json!({"birth_date": rng.pick(&[json!("1990-01-01"), json!("1990-02-30"), Value::Null]), "jurisdiction": rng.pick(&words)});
                        }
                        7 => {
                            r["evidence"] = json!({"consents": [{"by": rng.pick(&words), "separate": true, "purposes": [rng.pick(&names)], "categories": [rng.pick(&names)], "actions": [rng.pick(&words)], "given_at": rng.pick(&instants), "withdrawn_at": rng.pick(&instants)}], "contract": true});
                        }
                        8 => {
                            r["collected_at"] = rng.pick(&instants).clone();
                        }
                        _ => r["destination_region"] = rng.pick(&words).clone(),
                    }
                }
                lines.push(r.to_string());
            }
            rows += lines.len();
            read += agree(engine, &table(&lines));
        }
        // Both paths are exercised.
        assert!(read > rows / 4 && read < rows, "{read} of {rows}");
    }
}
