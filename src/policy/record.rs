//! What the record of processing activities needs beyond the rules: who the
//! controller is and whom to contact, the recipients the rules give data
//! to, by name and country, the categories of data subjects, the security
//! measures, the clauses' own text, and when the record was reviewed and
//! approved (the policy's `[record]` table, docs/policy-reference.md).
//!
//! [`Engine::decide`](crate::Engine::decide) reads none of it: a request
//! names its own recipient, and the record only describes whom the rules
//! are meant for. `lawful report` reads it, next to the rules.

use chrono::NaiveDate;

use crate::decision::{RecipientKind, TransferMechanism};
use crate::policy::RuleId;
use crate::subject::RegionCode;
use crate::{CategoryId, Engine};

/// Whether a value is a placeholder counsel still has to fill in: written
/// whole in square brackets (`"[the controller's address]"`). The report
/// marks every one.
///
/// ```
/// assert!(lawful::policy::is_placeholder("[to be named by counsel]"));
/// assert!(!lawful::policy::is_placeholder("Pulse Fitness GmbH"));
/// ```
pub fn is_placeholder(text: &str) -> bool {
    let text = text.trim();
    text.len() >= 2 && text.starts_with('[') && text.ends_with(']')
}

/// A party of the record: the controller, its representative in the Union
/// (GDPR art. 27), the data protection officer (GDPR art. 37; PIPL art. 52:
/// the person in charge of personal information protection).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    pub(crate) name: Option<Box<str>>,
    pub(crate) address: Option<Box<str>>,
    pub(crate) contact: Option<Box<str>>,
    pub(crate) note: Option<Box<str>>,
}

impl Party {
    /// The name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The postal address.
    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// How to reach them (an email address, a web form, a telephone number).
    pub fn contact(&self) -> Option<&str> {
        self.contact.as_deref()
    }

    /// What the policy says instead, where it names no one (no DPO
    /// appointed, no representative needed).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// A recipient the rules give data to, by name (`[[record.recipient]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedRecipient {
    pub(crate) id: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) description: Option<Box<str>>,
    pub(crate) kind: RecipientKind,
    pub(crate) country: Option<RegionCode>,
    pub(crate) mechanisms: Vec<TransferMechanism>,
    pub(crate) rules: Vec<RuleId>,
}

impl NamedRecipient {
    /// Its id in the policy.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its name (or a category of recipients: "courts and regulators").
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A description for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// What kind of recipient it is.
    pub fn kind(&self) -> RecipientKind {
        self.kind
    }

    /// The country (or region) it receives the data in; `None` when the
    /// policy does not say.
    pub fn country(&self) -> Option<RegionCode> {
        self.country
    }

    /// The transfer mechanisms its transfers abroad rest on (each belongs
    /// to one regime: [`Regime::recognises`](crate::subject::Regime::recognises)).
    pub fn mechanisms(&self) -> &[TransferMechanism] {
        &self.mechanisms
    }

    /// The permit rules that give it data.
    pub fn rules(&self) -> &[RuleId] {
        &self.rules
    }
}

/// A category of data subjects (`[[record.subject]]`): users, children,
/// their guardians... and the data categories that are about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectGroup {
    pub(crate) name: Box<str>,
    pub(crate) description: Option<Box<str>>,
    pub(crate) categories: Vec<CategoryId>,
}

impl SubjectGroup {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A description for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The data categories (with their descendants) about these subjects.
    pub fn categories(&self) -> &[CategoryId] {
        &self.categories
    }
}

/// The text of a clause of the privacy policy (`[[record.clause]]`), under
/// the heading rules, categories and settings cite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseText {
    pub(crate) heading: Box<str>,
    pub(crate) text: Box<str>,
}

impl ClauseText {
    /// The heading, as the policy's `clause` keys cite it.
    pub fn heading(&self) -> &str {
        &self.heading
    }

    /// The clause's text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The policy's `[record]` table: every key optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordInfo {
    pub(crate) updated: Option<NaiveDate>,
    pub(crate) approved_by: Option<Box<str>>,
    pub(crate) approved_on: Option<NaiveDate>,
    pub(crate) security_measures: Vec<Box<str>>,
    pub(crate) controller: Option<Party>,
    pub(crate) representative: Option<Party>,
    pub(crate) dpo: Option<Party>,
    pub(crate) subjects: Vec<SubjectGroup>,
    pub(crate) recipients: Vec<NamedRecipient>,
    pub(crate) clauses: Vec<ClauseText>,
}

impl RecordInfo {
    /// When the record was last reviewed.
    pub fn updated(&self) -> Option<NaiveDate> {
        self.updated
    }

    /// Who approved it.
    pub fn approved_by(&self) -> Option<&str> {
        self.approved_by.as_deref()
    }

    /// When it was approved.
    pub fn approved_on(&self) -> Option<NaiveDate> {
        self.approved_on
    }

    /// The technical and organisational security measures (GDPR art.
    /// 30(1)(g), 32; PIPL art. 51), in the policy's words.
    pub fn security_measures(&self) -> impl Iterator<Item = &str> {
        self.security_measures.iter().map(AsRef::as_ref)
    }

    /// The controller (the personal information handler).
    pub fn controller(&self) -> Option<&Party> {
        self.controller.as_ref()
    }

    /// The controller's representative in the Union (GDPR art. 27).
    pub fn representative(&self) -> Option<&Party> {
        self.representative.as_ref()
    }

    /// The data protection officer (GDPR art. 37) or the person in charge
    /// of personal information protection (PIPL art. 52).
    pub fn dpo(&self) -> Option<&Party> {
        self.dpo.as_ref()
    }

    /// The categories of data subjects.
    pub fn subjects(&self) -> &[SubjectGroup] {
        &self.subjects
    }

    /// The recipients the rules give data to, by name.
    pub fn recipients(&self) -> &[NamedRecipient] {
        &self.recipients
    }

    /// The recipients a rule gives data to, by name.
    pub fn recipients_of(&self, rule: RuleId) -> impl Iterator<Item = &NamedRecipient> {
        self.recipients
            .iter()
            .filter(move |r| r.rules.contains(&rule))
    }

    /// The clauses' text.
    pub fn clauses(&self) -> &[ClauseText] {
        &self.clauses
    }

    /// The text of the clause under `heading`.
    pub fn clause_text(&self, heading: &str) -> Option<&str> {
        self.clauses
            .iter()
            .find(|c| &*c.heading == heading)
            .map(ClauseText::text)
    }
}

impl Engine {
    /// The policy's `[record]` table: what the record of processing
    /// activities needs beyond the rules. `decide()` reads none of it.
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let record = engine.record_info();
    /// assert!(record.controller().is_some());
    /// assert!(record.clause_text("How do we store and protect personal information / Place of storage").is_some());
    /// ```
    pub fn record_info(&self) -> &RecordInfo {
        &self.policy().record
    }
}
