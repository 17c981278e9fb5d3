//! One request class: a point of the abstracted request space, and the
//! concrete request (typed, and as a wire document) that stands for it.

use std::fmt;

use chrono::{DateTime, Days, FixedOffset, Months, NaiveDate};

use crate::Action;
use crate::decision::RecipientKind;
use crate::subject::RegionCode;

/// The evidence a request class carries (see the module docs for why these).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceClass {
    /// No evidence at all.
    None,
    /// Necessary for a contract with the subject.
    Contract,
    /// A legal obligation under the governing law.
    LegalObligation,
    /// A legal obligation under a foreign law.
    ForeignLegalObligation,
    /// The competent authority's approval (a foreign authority, a treaty).
    AuthorityApproval,
    /// An emergency, ongoing.
    EmergencyOngoing,
    /// An emergency that is over.
    EmergencyOver,
    /// Data the subject made public, used in its context.
    PublicDataInContext,
    /// Data the subject made public, used out of its context.
    PublicDataOutOfContext,
    /// The subject's separate consent, scoped to the class.
    Consent,
    /// The subject's consent, scoped to the class, bundled (not separate).
    ConsentBundled,
    /// The subject's separate consent, withdrawn before the processing.
    ConsentWithdrawn,
    /// A verified guardian's separate consent.
    GuardianConsent,
    /// A verified guardian's consent, bundled.
    GuardianConsentBundled,
    /// An unverified guardian's separate consent.
    UnverifiedGuardianConsent,
    /// A contract and the subject's separate consent.
    ContractAndConsent,
    /// A contract and a verified guardian's separate consent.
    ContractAndGuardianConsent,
}

impl EvidenceClass {
    /// Every evidence class.
    pub const ALL: [EvidenceClass; 17] = [
        EvidenceClass::None,
        EvidenceClass::Contract,
        EvidenceClass::LegalObligation,
        EvidenceClass::ForeignLegalObligation,
        EvidenceClass::AuthorityApproval,
        EvidenceClass::EmergencyOngoing,
        EvidenceClass::EmergencyOver,
        EvidenceClass::PublicDataInContext,
        EvidenceClass::PublicDataOutOfContext,
        EvidenceClass::Consent,
        EvidenceClass::ConsentBundled,
        EvidenceClass::ConsentWithdrawn,
        EvidenceClass::GuardianConsent,
        EvidenceClass::GuardianConsentBundled,
        EvidenceClass::UnverifiedGuardianConsent,
        EvidenceClass::ContractAndConsent,
        EvidenceClass::ContractAndGuardianConsent,
    ];

    /// The classes decided for every base class; the others are weaker
    /// versions of one of these ([`EvidenceClass::weaker`]).
    pub const COARSE: [EvidenceClass; 11] = [
        EvidenceClass::None,
        EvidenceClass::Contract,
        EvidenceClass::LegalObligation,
        EvidenceClass::ForeignLegalObligation,
        EvidenceClass::AuthorityApproval,
        EvidenceClass::EmergencyOngoing,
        EvidenceClass::PublicDataInContext,
        EvidenceClass::Consent,
        EvidenceClass::GuardianConsent,
        EvidenceClass::ContractAndConsent,
        EvidenceClass::ContractAndGuardianConsent,
    ];

    /// The weaker versions of this evidence: the same, but over, out of
    /// context, bundled, withdrawn or unverified. Decided only where this
    /// one permits (weaker evidence never supports more).
    pub fn weaker(self) -> &'static [EvidenceClass] {
        match self {
            EvidenceClass::EmergencyOngoing => &[EvidenceClass::EmergencyOver],
            EvidenceClass::PublicDataInContext => &[EvidenceClass::PublicDataOutOfContext],
            EvidenceClass::Consent => &[
                EvidenceClass::ConsentBundled,
                EvidenceClass::ConsentWithdrawn,
            ],
            EvidenceClass::GuardianConsent => &[
                EvidenceClass::GuardianConsentBundled,
                EvidenceClass::UnverifiedGuardianConsent,
            ],
            _ => &[],
        }
    }

    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            EvidenceClass::None => "no evidence",
            EvidenceClass::Contract => "a contract",
            EvidenceClass::LegalObligation => "a legal obligation",
            EvidenceClass::ForeignLegalObligation => "a legal obligation under foreign law",
            EvidenceClass::AuthorityApproval => "an authority's approval",
            EvidenceClass::EmergencyOngoing => "an ongoing emergency",
            EvidenceClass::EmergencyOver => "an emergency that is over",
            EvidenceClass::PublicDataInContext => "public data in its context",
            EvidenceClass::PublicDataOutOfContext => "public data out of its context",
            EvidenceClass::Consent => "the subject's separate consent",
            EvidenceClass::ConsentBundled => "the subject's bundled consent",
            EvidenceClass::ConsentWithdrawn => "a withdrawn consent",
            EvidenceClass::GuardianConsent => "a verified guardian's separate consent",
            EvidenceClass::GuardianConsentBundled => "a verified guardian's bundled consent",
            EvidenceClass::UnverifiedGuardianConsent => "an unverified guardian's consent",
            EvidenceClass::ContractAndConsent => "a contract and the subject's separate consent",
            EvidenceClass::ContractAndGuardianConsent => {
                "a contract and a verified guardian's separate consent"
            }
        }
    }

    /// Whether it includes contract evidence.
    pub fn has_contract(self) -> bool {
        matches!(
            self,
            EvidenceClass::Contract
                | EvidenceClass::ContractAndConsent
                | EvidenceClass::ContractAndGuardianConsent
        )
    }

    /// Whether it includes a legal obligation (under any law).
    pub fn has_legal_obligation(self) -> bool {
        matches!(
            self,
            EvidenceClass::LegalObligation | EvidenceClass::ForeignLegalObligation
        )
    }

    /// The consent it carries: (by a guardian, verified, separate, withdrawn).
    pub(crate) fn consent(self) -> Option<ConsentShape> {
        let shape = |guardian, verified, separate, withdrawn| {
            Some(ConsentShape {
                guardian,
                verified,
                separate,
                withdrawn,
            })
        };
        match self {
            EvidenceClass::Consent | EvidenceClass::ContractAndConsent => {
                shape(false, false, true, false)
            }
            EvidenceClass::ConsentBundled => shape(false, false, false, false),
            EvidenceClass::ConsentWithdrawn => shape(false, false, true, true),
            EvidenceClass::GuardianConsent | EvidenceClass::ContractAndGuardianConsent => {
                shape(true, true, true, false)
            }
            EvidenceClass::GuardianConsentBundled => shape(true, true, false, false),
            EvidenceClass::UnverifiedGuardianConsent => shape(true, false, true, false),
            _ => None,
        }
    }

    /// Whether it holds a separate consent in force, by the subject or a
    /// verified guardian.
    pub fn has_separate_consent(self) -> bool {
        self.consent()
            .is_some_and(|c| c.separate && !c.withdrawn && (!c.guardian || c.verified))
    }

    /// Whether it holds a verified guardian's consent in force.
    pub fn has_guardian_consent(self) -> bool {
        self.consent()
            .is_some_and(|c| c.guardian && c.verified && !c.withdrawn)
    }

    /// Whether it holds any consent in force (by anyone).
    pub fn has_consent(self) -> bool {
        self.consent().is_some_and(|c| !c.withdrawn)
    }
}

/// The shape of the one consent an evidence class carries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConsentShape {
    pub(crate) guardian: bool,
    pub(crate) verified: bool,
    pub(crate) separate: bool,
    pub(crate) withdrawn: bool,
}

/// A subject: a jurisdiction and an age relative to one of its child ages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubjectClass {
    /// The jurisdiction's code.
    pub jurisdiction: String,
    /// `None`: no age source at all. `Some((age, below))`: turning `age`
    /// in two days (`below`), or turned `age` two days ago.
    pub age: Option<(u8, bool)>,
}

impl SubjectClass {
    /// The declared birth date, relative to the date of `at`.
    pub fn birth_date(&self, at: DateTime<FixedOffset>) -> Option<NaiveDate> {
        let (age, below) = self.age?;
        let born = at
            .date_naive()
            .checked_sub_months(Months::new(12 * u32::from(age)))?;
        if below {
            born.checked_add_days(Days::new(2))
        } else {
            born.checked_sub_days(Days::new(2))
        }
    }
}

impl fmt::Display for SubjectClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.age {
            None => write!(f, "{} subject of unknown age", self.jurisdiction),
            Some((age, true)) => {
                write!(f, "{} subject turning {age} in two days", self.jurisdiction)
            }
            Some((age, false)) => write!(f, "{} subject just turned {age}", self.jurisdiction),
        }
    }
}

/// A recipient: its kind, name, region, and whether it accepts the policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecipientClass {
    /// The kind.
    pub kind: RecipientKind,
    /// Its name, if named.
    pub name: Option<String>,
    /// Its region, if given.
    pub region: Option<RegionCode>,
    /// Whether it accepts the policy (an acquirer).
    pub accepts_policy: bool,
}

/// Where the data goes: a recipient, a destination region, or neither.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    /// For a recipient left unnamed or without a region: the index of the
    /// fully identified flow it weakens (decided only where that permits).
    pub weaker_of: Option<u32>,
    /// Who receives it.
    pub recipient: Option<RecipientClass>,
    /// Where it is stored or sent.
    pub destination: Option<RegionCode>,
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.recipient {
            None => f.write_str("no recipient")?,
            Some(r) => {
                write!(f, "to {}", r.kind)?;
                match (&r.name, r.region) {
                    (None, _) => f.write_str(" unnamed")?,
                    (Some(_), None) => f.write_str(" with no region")?,
                    (Some(_), Some(region)) => write!(f, " in {region}")?,
                }
                if r.accepts_policy {
                    f.write_str(" that accepts the policy")?;
                }
            }
        }
        if let Some(d) = self.destination {
            write!(f, ", destination {d}")?;
        }
        Ok(())
    }
}

/// Whether the data's retention has run out at the time of processing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetentionState {
    /// `collected_at` not stated.
    Unstated,
    /// Collected so long ago that every retention period has ended.
    Expired,
}

/// A point of the request space: indices into the [`Space`](super::Space)'s
/// tables, and the refinable facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestClass {
    /// The action.
    pub action: Action,
    /// Index of the purpose class.
    pub purpose: u32,
    /// Index of the category set.
    pub categories: u32,
    /// Index of the subject class.
    pub subject: u32,
    /// The evidence.
    pub evidence: EvidenceClass,
    /// Index of the flow.
    pub flow: u32,
    /// Index of the mechanism variant (0: none).
    pub mechanisms: u32,
    /// Whether a security assessment of the recipient was done.
    pub security_assessment: bool,
    /// Whether retention has run out.
    pub retention: RetentionState,
}
