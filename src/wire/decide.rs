//! The JSON wire format of docs/wire-format.md: requests and decisions as documents
//! with names instead of ids, for the CLI, decision logs and non-Rust hosts.
//!
//! A [`RequestDoc`] becomes a [`Request`] through [`Engine::resolve`], which
//! checks every name against the policy; a [`Decision`] becomes a
//! [`DecisionDoc`] with the rule ids and clauses spelled out. Unknown fields
//! are errors, not ignored: a misspelled `linked_to_acount` must not silently
//! turn a combined request into a non-personal one.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::basis::Basis;
use crate::decision::consent::{Consent, Grantor, GuardianVerification};
use crate::decision::evidence::{Emergency, EmergencyKind, Evidence, PublicData, PublicSource};
use crate::decision::request::{Request, TransferMechanism};
use crate::decision::{Decision, Detail, Due, Effect, Obligation, ObligationCode, ReasonCode};
use crate::engine::Engine;
use crate::error::NameError;
use crate::recipient::{Recipient, RecipientKind};
use crate::retention::RetentionEvent;
use crate::subject::region::RegionCode;
use crate::subject::{AgeSource, Subject, TimeZone};

/// A request as JSON: one object per line (docs/wire-format.md).
///
/// # Example
///
/// ```
/// use lawful::Engine;
/// use lawful::wire::RequestDoc;
///
/// let engine = Engine::builtin();
/// let doc: RequestDoc = serde_json::from_str(r#"{
///     "id": "req-1", "at": "2026-11-28T10:00:00+08:00", "action": "collect",
///     "purpose": "account.registration", "categories": ["account.phone"],
///     "subject": { "birth_date": "1990-01-01" }, "evidence": { "contract": true }
/// }"#)?;
/// let request = engine.resolve(&doc)?;
/// assert!(engine.decide(&request).is_permit());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDoc {
    /// The host's id for the request, echoed in the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When the processing happens (RFC 3339, with an offset).
    #[serde(deserialize_with = "time::at")]
    pub at: DateTime<FixedOffset>,
    /// The action.
    pub action: Action,
    /// The purpose's name.
    pub purpose: String,
    /// The names of the categories touched.
    #[serde(deserialize_with = "crate::limits::wire::categories")]
    pub categories: Vec<String>,
    /// The subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectDoc>,
    /// Whether device or log data is linked to an account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_to_account: Option<bool>,
    /// Who receives the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientDoc>,
    /// Where the data is stored or sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_region: Option<RegionCode>,
    /// The export mechanism; `"none"` is read as none.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "mechanisms_or_none",
        serialize_with = "one_or_many"
    )]
    pub transfer_mechanism: Vec<TransferMechanism>,
    /// When the data was collected.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time::collected_at"
    )]
    pub collected_at: Option<DateTime<FixedOffset>>,
    /// The purpose the record was collected for (default: `purpose`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_for: Option<String>,
    /// Where the subject was when the data was collected (default: the
    /// subject's jurisdiction): with the policy's targets it decides which
    /// laws apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_in: Option<RegionCode>,
    /// A legal hold keeps the data (litigation hold, preservation order,
    /// a restriction the subject asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_hold: Option<bool>,
    /// The evidence for the lawful bases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceDoc>,
}

/// A transfer mechanism, or `"none"` (or `null`) for none.
/// A mechanism, a list of them (a flow abroad under two regimes needs one
/// of each), `"none"` or null.
fn mechanisms_or_none<'de, D>(d: D) -> Result<Vec<TransferMechanism>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<'a> {
        One(#[serde(borrow)] std::borrow::Cow<'a, str>),
        Many(Vec<TransferMechanism>),
    }
    match Option::<OneOrMany<'de>>::deserialize(d)? {
        None => Ok(Vec::new()),
        Some(OneOrMany::One(name)) if name == "none" => Ok(Vec::new()),
        Some(OneOrMany::One(name)) => name
            .parse()
            .map(|m| vec![m])
            .map_err(serde::de::Error::custom),
        Some(OneOrMany::Many(list)) => Ok(list),
    }
}

/// A region code or a list of them.
fn regions_one_or_many<'de, D>(d: D) -> Result<Vec<RegionCode>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(RegionCode),
        Many(Vec<RegionCode>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(code)) => vec![code],
        Some(OneOrMany::Many(list)) => list,
    })
}

/// One region as a string (the common case), several as a list.
fn one_region_or_many<S: serde::Serializer>(list: &[RegionCode], s: S) -> Result<S::Ok, S::Error> {
    match list {
        [one] => one.serialize(s),
        many => many.serialize(s),
    }
}

/// One mechanism as a string (the common case), several as a list.
fn one_or_many<S: serde::Serializer>(list: &[TransferMechanism], s: S) -> Result<S::Ok, S::Error> {
    match list {
        [one] => one.serialize(s),
        many => many.serialize(s),
    }
}

/// The times of a request document, read as chrono reads them, with an
/// error that says what to write when one is not a time with an offset
/// (`2026-11-28T10:00:00` is a local time of no known place).
mod time {
    use std::fmt;

    use chrono::{DateTime, FixedOffset, NaiveDateTime};
    use serde::Deserializer;
    use serde::de::Visitor;

    fn parse<E: serde::de::Error>(field: &str, text: &str) -> Result<DateTime<FixedOffset>, E> {
        if let Ok(time) = text.parse::<DateTime<FixedOffset>>() {
            return Ok(time);
        }
        // Quoted only when short: the message must stay readable.
        let shown = if text.len() <= 64 {
            format!("`{text}`")
        } else {
            "the value".to_owned()
        };
        let local = text.parse::<NaiveDateTime>().is_ok()
            || NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").is_ok();
        Err(E::custom(if local {
            format!(
                "`{field}`: {shown} has no offset from UTC; add one, as in \
                 `2026-11-28T10:00:00+08:00` or `2026-11-28T02:00:00Z`"
            )
        } else {
            format!(
                "`{field}`: {shown} is not a time; write it as RFC 3339 with an offset, \
                 as in `2026-11-28T10:00:00+08:00`"
            )
        }))
    }

    /// A time, read from a string without copying it.
    struct Time(&'static str);

    impl Visitor<'_> for Time {
        type Value = DateTime<FixedOffset>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "`{}` as an RFC 3339 time with an offset", self.0)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            parse(self.0, text)
        }
    }

    /// An optional time (`null` or absent: none).
    struct MaybeTime(&'static str);

    impl<'de> Visitor<'de> for MaybeTime {
        type Value = Option<DateTime<FixedOffset>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "`{}` as an RFC 3339 time with an offset, or null",
                self.0
            )
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(Time(self.0)).map(Some)
        }
    }

    fn one<'de, D: Deserializer<'de>>(
        field: &'static str,
        d: D,
    ) -> Result<DateTime<FixedOffset>, D::Error> {
        d.deserialize_str(Time(field))
    }

    fn maybe<'de, D: Deserializer<'de>>(
        field: &'static str,
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        d.deserialize_option(MaybeTime(field))
    }

    pub(super) fn at<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        one("at", d)
    }

    pub(super) fn given_at<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        maybe("given_at", d)
    }

    pub(super) fn collected_at<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        maybe("collected_at", d)
    }

    pub(super) fn withdrawn_at<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        maybe("withdrawn_at", d)
    }
}

/// The subject of a [`RequestDoc`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectDoc {
    /// Declared date of birth (`1990-01-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// The 18-digit resident identity number, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_id: Option<String>,
    /// A jurisdiction code (`CN`, `FR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// The subject's own IANA time zone (`Europe/Berlin`): ages count on
    /// its calendar (else on the jurisdiction's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// The recipient of a [`RequestDoc`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientDoc {
    /// The kind of recipient.
    pub kind: RecipientKind,
    /// Its name, as consents name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionCode>,
    /// Whether it stays bound by the policy (an acquirer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepts_policy: Option<bool>,
    /// Whether a security assessment of it was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_assessment: Option<bool>,
    /// Whether it is certified under the EU-US Data Privacy Framework (the
    /// only US recipients adequacy covers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpf_certified: Option<bool>,
    /// The sector of an adequacy decision with a scope (`private_sector`,
    /// `pipeda`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adequacy_scope: Option<String>,
    /// Whether it is an international organisation (a transfer under the
    /// GDPR wherever it sits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub international_organisation: Option<bool>,
}

/// The evidence of a [`RequestDoc`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceDoc {
    /// Consent records.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::limits::wire::consents"
    )]
    pub consents: Vec<ConsentDoc>,
    /// Whether the processing is necessary for a contract with the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<bool>,
    /// The citation of a legal obligation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_obligation: Option<String>,
    /// An emergency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<EmergencyDoc>,
    /// Public data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_data: Option<PublicDataDoc>,
    /// Whose law the legal obligation arises under: a region code, or a
    /// list when several laws impose it (the governing regime's own law when
    /// absent, under one regime only).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "regions_one_or_many",
        serialize_with = "one_region_or_many"
    )]
    pub legal_obligation_law: Vec<RegionCode>,
    /// The competent PRC authority's approval for a foreign authority (PIPL art. 41).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_approval: Option<String>,
    /// A reference to the legitimate-interests balancing assessment (GDPR art. 6(1)(f)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legitimate_interests: Option<String>,
    /// The law that sets the public task (GDPR art. 6(1)(e)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_task: Option<String>,
    /// A law requires secrecy (PIPL art. 18(1)): no notices are owed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidential: Option<bool>,
    /// The legal claim the processing serves (GDPR art. 49(1)(e)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_claims: Option<String>,
}

/// Who gave a consent, on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantorDoc {
    /// The subject.
    Subject,
    /// A guardian.
    Guardian,
}

/// A consent record of an [`EvidenceDoc`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentDoc {
    /// Who gave it.
    pub by: GrantorDoc,
    /// For a guardian: whether the guardianship is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian_verified: Option<bool>,
    /// Whether it was a separate consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separate: Option<bool>,
    /// Purposes covered.
    #[serde(default, deserialize_with = "crate::limits::wire::consent_purposes")]
    pub purposes: Vec<String>,
    /// Categories covered.
    #[serde(default, deserialize_with = "crate::limits::wire::consent_categories")]
    pub categories: Vec<String>,
    /// Actions covered (empty: `collect`, `use` and `store` as a grant;
    /// every action as a withdrawal).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::limits::wire::consent_actions"
    )]
    pub actions: Vec<Action>,
    /// Recipients covered, by name (empty: no one as a grant; everyone as a
    /// withdrawal).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::limits::wire::consent_recipients"
    )]
    pub recipients: Vec<String>,
    /// Who gave it, by name or id: a verified guardian's name is who a
    /// `guardian` recipient must be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grantor: Option<String>,
    /// The grantor was told of the risks of a transfer abroad without
    /// safeguards (what the GDPR art. 49(1)(a) derogation needs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_risks_informed: Option<bool>,
    /// When it was given. A record with only `withdrawn_at` is a withdrawal
    /// and grants nothing.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time::given_at"
    )]
    pub given_at: Option<DateTime<FixedOffset>>,
    /// When it was withdrawn, if it was.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time::withdrawn_at"
    )]
    pub withdrawn_at: Option<DateTime<FixedOffset>>,
}

/// An emergency of an [`EvidenceDoc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyDoc {
    /// The kind (default `life_health_property`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EmergencyKind>,
    /// Whether it is ongoing.
    #[serde(default)]
    pub ongoing: bool,
    /// Whether the subject is unable to consent (GDPR art. 9(2)(c): vital
    /// interests for a special category need it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unable_to_consent: bool,
}

/// Public data of an [`EvidenceDoc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicDataDoc {
    /// How it became public (default `self_disclosed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<PublicSource>,
    /// Whether it is used in the context it was published in.
    #[serde(default)]
    pub same_context: bool,
    /// Whether the subject refused the processing.
    #[serde(default)]
    pub subject_refused: bool,
}

/// Why a [`RequestDoc`] could not become a [`Request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    code: ReasonCode,
    message: Box<str>,
}

impl RequestError {
    #[cold]
    fn new(code: ReasonCode, message: impl Into<Box<str>>) -> RequestError {
        RequestError {
            code,
            message: message.into(),
        }
    }

    #[cold]
    fn name(code: ReasonCode, e: &NameError) -> RequestError {
        RequestError::new(code, e.to_string())
    }

    /// The reason code for the deny: `unknown_category`, `unknown_purpose`
    /// or `invalid_request`.
    pub fn code(&self) -> ReasonCode {
        self.code
    }

    /// What was wrong, for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RequestError {}

impl Engine {
    /// Turns a wire request into a typed one, resolving every name.
    ///
    /// # Errors
    ///
    /// `unknown_category` or `unknown_purpose` for a name the policy does
    /// not declare (in the request or in a consent), `invalid_request` for an
    /// unknown jurisdiction or a list longer than its limit in
    /// [`crate::limits`].
    pub fn resolve(&self, doc: &RequestDoc) -> Result<Request, RequestError> {
        // The sizes first: a request past a limit is not worth resolving.
        let consents = doc.evidence.as_ref().map_or(&[][..], |e| &e.consents);
        crate::limits::check(
            doc.categories.len(),
            doc.evidence
                .as_ref()
                .map_or(0, |e| e.legal_obligation_law.len()),
            consents.iter().map(|c| crate::limits::ConsentSize {
                categories: c.categories.len(),
                purposes: c.purposes.len(),
                recipients: c.recipients.len(),
                actions: c.actions.len(),
            }),
        )
        .map_err(|e| RequestError::new(ReasonCode::InvalidRequest, e.message()))?;
        let purpose = self
            .purpose(&doc.purpose)
            .map_err(|e| RequestError::name(ReasonCode::UnknownPurpose, &e))?;
        let mut request = Request::new(doc.action, purpose, doc.at);
        if let Some(id) = &doc.id {
            request = request.id(id);
        }
        for name in &doc.categories {
            let category = self
                .category(name)
                .map_err(|e| RequestError::name(ReasonCode::UnknownCategory, &e))?;
            request = request.category(category);
        }
        if let Some(subject) = &doc.subject {
            request = request.subject(self.resolve_subject(subject)?);
        }
        request = request.linked_to_account(doc.linked_to_account.unwrap_or(false));
        if let Some(r) = &doc.recipient {
            let mut recipient = Recipient::new(r.kind)
                .accepts_policy(r.accepts_policy.unwrap_or(false))
                .security_assessment(r.security_assessment.unwrap_or(false))
                .dpf_certified(r.dpf_certified.unwrap_or(false))
                .international_organisation(r.international_organisation.unwrap_or(false));
            if let Some(scope) = &r.adequacy_scope {
                recipient = recipient.adequacy_scope(scope);
            }
            if r.kind == RecipientKind::Subject && r.name.is_some() {
                return Err(RequestError::new(
                    ReasonCode::InvalidRequest,
                    "a recipient of kind `subject` is the data subject and takes no `name`; a handler the subject designates is a `third_party`",
                ));
            }
            if r.kind == RecipientKind::Subject && doc.action != Action::Use {
                return Err(RequestError::new(
                    ReasonCode::InvalidRequest,
                    "a recipient of kind `subject` receives their own data: the action is `use` (access, a copy, a download)",
                ));
            }
            if let Some(name) = &r.name {
                recipient = recipient.name(name);
            }
            if let Some(region) = r.region {
                recipient = recipient.region(region);
            }
            request = request.recipient(recipient);
        }
        if let Some(region) = doc.destination_region {
            request = request.destination_region(region);
        }
        if let Some(region) = doc.collected_in {
            request = request.collected_in(region);
        }
        for &mechanism in &doc.transfer_mechanism {
            if mechanism == TransferMechanism::Derogation {
                return Err(RequestError::new(
                    ReasonCode::InvalidRequest,
                    "`derogation` names no ground: name the art. 49 ground (`derogation_consent`, `derogation_contract`, `derogation_public_interest`, `derogation_legal_claims` or `derogation_vital_interests`)",
                ));
            }
            request = request.transfer_mechanism(mechanism);
        }
        if let Some(at) = doc.collected_at {
            request = request.collected_at(at);
        }
        if let Some(name) = &doc.collected_for {
            let purpose = self
                .purpose(name)
                .map_err(|e| RequestError::name(ReasonCode::UnknownPurpose, &e))?;
            request = request.collected_for(purpose);
        }
        request = request.legal_hold(doc.legal_hold.unwrap_or(false));
        if let Some(evidence) = &doc.evidence {
            request = request.evidence(self.resolve_evidence(evidence)?);
        }
        Ok(request)
    }

    fn resolve_subject(&self, doc: &SubjectDoc) -> Result<Subject, RequestError> {
        let mut subject = Subject::new();
        if let Some(date) = doc.birth_date {
            subject = subject.birth_date(date);
        }
        if let Some(id) = &doc.resident_id {
            subject = subject.resident_id_str(id);
        }
        if let Some(code) = &doc.jurisdiction {
            let id = self
                .jurisdiction(code)
                .map_err(|e| RequestError::name(ReasonCode::InvalidRequest, &e))?;
            subject = subject.jurisdiction(id);
        }
        if let Some(name) = &doc.time_zone {
            let zone = name
                .parse::<TimeZone>()
                .map_err(|e| RequestError::new(ReasonCode::InvalidRequest, e.to_string()))?;
            subject = subject.time_zone(zone);
        }
        Ok(subject)
    }

    fn resolve_evidence(&self, doc: &EvidenceDoc) -> Result<Evidence, RequestError> {
        let mut evidence = Evidence::new();
        for c in &doc.consents {
            evidence = evidence.consent(self.resolve_consent(c)?);
        }
        if doc.contract == Some(true) {
            evidence = evidence.contract();
        }
        if let Some(citation) = &doc.legal_obligation {
            evidence = evidence.legal_obligation(citation);
        }
        for &law in &doc.legal_obligation_law {
            evidence = evidence.legal_obligation_law(law);
        }
        if let Some(approval) = &doc.authority_approval {
            evidence = evidence.authority_approval(approval);
        }
        if let Some(assessment) = &doc.legitimate_interests {
            evidence = evidence.legitimate_interests(assessment);
        }
        if let Some(citation) = &doc.public_task {
            evidence = evidence.public_task(citation);
        }
        if doc.confidential == Some(true) {
            evidence = evidence.confidential();
        }
        if let Some(claim) = &doc.legal_claims {
            evidence = evidence.legal_claims(claim);
        }
        if let Some(e) = doc.emergency {
            let kind = e.kind.unwrap_or(EmergencyKind::LifeHealthProperty);
            evidence = evidence.emergency(if e.ongoing {
                Emergency::ongoing(kind)
            } else {
                Emergency::ended(kind)
            });
            if e.unable_to_consent {
                evidence = evidence.unable_to_consent();
            }
        }
        if let Some(p) = doc.public_data {
            let source = p.source.unwrap_or(PublicSource::SelfDisclosed);
            let mut public = if p.same_context {
                PublicData::in_context(source)
            } else {
                PublicData::out_of_context(source)
            };
            if p.subject_refused {
                public = public.refused_by_subject();
            }
            evidence = evidence.public_data(public);
        }
        Ok(evidence)
    }

    fn resolve_consent(&self, doc: &ConsentDoc) -> Result<Consent, RequestError> {
        let grantor = match doc.by {
            GrantorDoc::Subject => Grantor::Subject,
            GrantorDoc::Guardian if doc.guardian_verified == Some(true) => {
                Grantor::Guardian(GuardianVerification::Verified)
            }
            GrantorDoc::Guardian => Grantor::Guardian(GuardianVerification::Unverified),
        };
        // A withdrawal alone grants nothing: given when withdrawn.
        let Some(given_at) = doc.given_at.or(doc.withdrawn_at) else {
            return Err(RequestError::new(
                ReasonCode::InvalidRequest,
                "a consent needs `given_at` (or, for a withdrawal alone, `withdrawn_at`)",
            ));
        };
        if doc.withdrawn_at.is_some_and(|w| w < given_at) {
            return Err(RequestError::new(
                ReasonCode::InvalidRequest,
                "a consent's `withdrawn_at` is before its `given_at`",
            ));
        }
        let mut consent = Consent::new(grantor, given_at);
        if let Some(name) = &doc.grantor {
            consent = consent.named_grantor(name);
        }
        if doc.transfer_risks_informed == Some(true) {
            consent = consent.transfer_risks_informed();
        }
        if doc.separate == Some(true) {
            consent = consent.separate();
        }
        for name in &doc.purposes {
            let purpose = self
                .purpose(name)
                .map_err(|e| RequestError::name(ReasonCode::UnknownPurpose, &e))?;
            consent = consent.purpose(purpose);
        }
        for name in &doc.categories {
            let category = self
                .category(name)
                .map_err(|e| RequestError::name(ReasonCode::UnknownCategory, &e))?;
            consent = consent.category(category);
        }
        for &action in &doc.actions {
            consent = consent.action(action);
        }
        for name in &doc.recipients {
            consent = consent.recipient(name);
        }
        if let Some(at) = doc.withdrawn_at {
            consent = consent.withdrawn_at(at);
        }
        Ok(consent)
    }

    /// Decides one JSON line: parse, resolve, decide. Never fails: a line
    /// that is not a valid request is a deny with `invalid_request` (or
    /// `unknown_category` / `unknown_purpose`) and a message.
    ///
    /// # Example: a malformed line
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let doc = engine.decide_json(r#"{"id": "x1", "action": "collect"}"#);
    /// assert_eq!(doc.id.as_deref(), Some("x1"));
    /// assert_eq!(doc.reasons[0].code, lawful::decision::ReasonCode::InvalidRequest);
    /// ```
    pub fn decide_json(&self, line: &str) -> DecisionDoc {
        self.decide_json_typed(line).0
    }

    /// Decides one JSON line as [`Engine::decide_json`] does, and also
    /// returns the typed [`Decision`] behind the document, for
    /// [`Decision::explain`]; `None` when the line is not a request this
    /// policy can resolve (the document is then the deny that says why).
    /// Bindings for other languages use it to offer both at once.
    ///
    /// # Example: the document and its explanation
    ///
    /// ```
    /// let engine = lawful::Engine::builtin();
    /// let line = r#"{"id":"r1","at":"2026-11-28T10:00:00+08:00","action":"collect","purpose":"account.registration","categories":["account.phone"],"subject":{"birth_date":"1990-01-01"},"evidence":{"contract":true}}"#;
    /// let (doc, decision) = engine.decide_json_typed(line);
    /// assert_eq!(doc, engine.decide_json(line));
    /// let decision = decision.ok_or("a valid request has a typed decision")?;
    /// assert!(decision.explain(engine).to_string().starts_with("Permit"));
    ///
    /// let (doc, decision) = engine.decide_json_typed(r#"{"id": "x1"}"#);
    /// assert!(!doc.is_permit());
    /// assert!(decision.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_json_typed(&self, line: &str) -> (DecisionDoc, Option<Decision>) {
        match json_object::<RequestDoc>(line) {
            Ok(doc) => self.decide_doc_typed(&doc),
            Err(message) => {
                let id = request_id_of(line);
                let error = RequestError::new(ReasonCode::InvalidRequest, message);
                (DecisionDoc::rejected(self, id, &error), None)
            }
        }
    }

    /// Decides a parsed wire request.
    pub fn decide_doc(&self, doc: &RequestDoc) -> DecisionDoc {
        self.decide_doc_typed(doc).0
    }

    /// Decides a parsed wire request as [`Engine::decide_doc`] does, and
    /// also returns the typed [`Decision`] (`None` when a name does not
    /// resolve); see [`Engine::decide_json_typed`].
    pub fn decide_doc_typed(&self, doc: &RequestDoc) -> (DecisionDoc, Option<Decision>) {
        match self.resolve(doc) {
            Ok(request) => {
                let decision = self.decide(&request);
                (
                    DecisionDoc::new(self, doc.id.clone(), &decision),
                    Some(decision),
                )
            }
            Err(error) => (DecisionDoc::rejected(self, doc.id.clone(), &error), None),
        }
    }
}

/// The `id` of a line that is not a valid request, if it has one.
pub(crate) fn request_id_of(line: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct JustId {
        id: Option<String>,
    }
    serde_json::from_str::<JustId>(line).ok().and_then(|j| j.id)
}

/// Parses a request line, which must be a JSON object: serde would also
/// read a JSON array as a struct, its elements taken as the fields in order.
/// The error is `serde_json`'s message, which ends "at line 1 column 9".
pub(crate) fn json_object<T: serde::de::DeserializeOwned>(line: &str) -> Result<T, String> {
    if !line
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        return Err("a request is a JSON object".into());
    }
    serde_json::from_str(line).map_err(|e| e.to_string())
}

/// A decision as JSON (docs/wire-format.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionDoc {
    /// The request's id.
    #[serde(default)]
    pub id: Option<String>,
    /// Permit or deny.
    pub effect: Effect,
    /// The basis of a permit.
    #[serde(default)]
    pub basis: Option<Basis>,
    /// The obligations.
    #[serde(default)]
    pub obligations: Vec<ObligationDoc>,
    /// The reasons.
    pub reasons: Vec<ReasonDoc>,
    /// What the engine found about the subject's age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<AgeDoc>,
    /// The policy that decided.
    pub policy: PolicyRef,
}

/// An obligation of a [`DecisionDoc`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationDoc {
    /// What must be done.
    pub code: ObligationCode,
    /// By when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Until which event (retention that ends with an event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<RetentionEvent>,
}

impl From<Obligation> for ObligationDoc {
    fn from(o: Obligation) -> ObligationDoc {
        ObligationDoc {
            code: o.code(),
            date: o.due().and_then(Due::date),
            until: match o.due() {
                Some(Due::Event(event)) => Some(event),
                Some(Due::Date(_)) | None => None,
            },
        }
    }
}

/// A reason of a [`DecisionDoc`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonDoc {
    /// The reason code.
    pub code: ReasonCode,
    /// The rule's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The policy clause the rule cites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// The category concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// What exactly failed (for a consent: which of purpose, category,
    /// action, recipient, time, grantor, separateness).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
    /// A message, for requests that could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The subject's age, as a decision reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeDoc {
    /// Completed years.
    pub age: u32,
    /// Whether a child in their jurisdiction.
    pub child: bool,
    /// Which source the age came from.
    pub age_source: AgeSource,
    /// Whether the resident id and the birth date disagree (the younger age counts).
    #[serde(default)]
    pub sources_disagree: bool,
}

/// Which policy decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    /// The policy id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The IANA time zone database the engine counted civil time with (in
    /// audit records, where it is part of what made the decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tzdb: Option<String>,
}

impl DecisionDoc {
    /// The wire form of a decision made by `engine`.
    pub fn new(engine: &Engine, id: Option<String>, decision: &Decision) -> DecisionDoc {
        let obligations = decision.obligations().map(ObligationDoc::from).collect();
        let reasons = decision
            .reasons()
            .iter()
            .map(|r| {
                let rule = r.rule().and_then(|id| engine.rule(id));
                ReasonDoc {
                    code: r.code(),
                    rule: rule.map(|rule| rule.id().to_owned()),
                    clause: rule.map(|rule| rule.clause().to_owned()),
                    category: r
                        .category()
                        .and_then(|c| engine.category_info(c))
                        .map(|c| c.name().to_owned()),
                    detail: r.detail(),
                    message: None,
                }
            })
            .collect();
        DecisionDoc {
            id,
            effect: decision.effect(),
            basis: decision.basis(),
            obligations,
            reasons,
            subject: decision.age().map(|a| AgeDoc {
                age: a.years(),
                child: a.is_child(),
                age_source: a.source(),
                sources_disagree: a.sources_disagree(),
            }),
            policy: PolicyRef::of(engine),
        }
    }

    /// The deny for a request that could not be read or resolved.
    pub fn rejected(engine: &Engine, id: Option<String>, error: &RequestError) -> DecisionDoc {
        DecisionDoc::refusal(engine, id, error.code(), error.message().to_owned())
    }

    /// The deny for input that is not a request at all (a line that is not
    /// UTF-8, too long, not JSON), with `invalid_request` and `message`:
    /// what `lawful decide` and the bindings answer for it.
    pub fn unreadable(engine: &Engine, id: Option<String>, message: String) -> DecisionDoc {
        DecisionDoc::refusal(engine, id, ReasonCode::InvalidRequest, message)
    }

    fn refusal(
        engine: &Engine,
        id: Option<String>,
        code: ReasonCode,
        message: String,
    ) -> DecisionDoc {
        DecisionDoc {
            id,
            effect: Effect::Deny,
            basis: None,
            obligations: Vec::new(),
            reasons: vec![ReasonDoc {
                code,
                rule: None,
                clause: None,
                category: None,
                detail: None,
                message: Some(message),
            }],
            subject: None,
            policy: PolicyRef::of(engine),
        }
    }

    /// Whether it is a permit.
    pub fn is_permit(&self) -> bool {
        self.effect == Effect::Permit
    }

    /// The JSON line.
    pub fn to_json(&self) -> String {
        // Serializing plain data to a string cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl PolicyRef {
    /// The policy `engine` decides under, by id and version.
    pub fn of(engine: &Engine) -> PolicyRef {
        PolicyRef {
            id: engine.policy_id().to_owned(),
            version: engine.policy_version().to_owned(),
            tzdb: None,
        }
    }
}

impl ReasonDoc {
    /// Whether the code matches.
    pub fn is(&self, code: ReasonCode) -> bool {
        self.code == code
    }
}
