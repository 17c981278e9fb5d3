//! The evidence behind the lawful bases: consents, a contract, a legal
//! citation, an emergency, public data.

use crate::decision::consent::Consent;
use crate::subject::region::RegionCode;
use crate::text::visible;
use crate::vocab::vocabulary;

vocabulary! {
    /// The kind of emergency (PIPL art. 13(4), GDPR art. 6(1)(d)).
    pub enum EmergencyKind as "emergency kind" {
        /// The older, combined kind: read as `property` under the GDPR,
        /// whose vital interests protect life and health only.
        LifeHealthProperty = "life_health_property",
        /// A public-health emergency.
        PublicHealth = "public_health",
        /// Protecting a natural person's life or health.
        LifeOrHealth = "life_or_health",
        /// Protecting a natural person's property (PIPL only).
        Property = "property",
    }
}

impl EmergencyKind {
    /// Whether the kind protects property only as far as the GDPR can tell:
    /// vital interests (art. 6(1)(d)) do not cover property.
    pub(crate) const fn property_only(self) -> bool {
        matches!(
            self,
            EmergencyKind::Property | EmergencyKind::LifeHealthProperty
        )
    }
}

/// An emergency claimed as the basis: it holds only while ongoing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Emergency {
    pub(crate) kind: EmergencyKind,
    pub(crate) ongoing: bool,
}

impl Emergency {
    /// An emergency of `kind` that is still going on.
    pub fn ongoing(kind: EmergencyKind) -> Emergency {
        Emergency {
            kind,
            ongoing: true,
        }
    }

    /// An emergency of `kind` that is over.
    pub fn ended(kind: EmergencyKind) -> Emergency {
        Emergency {
            kind,
            ongoing: false,
        }
    }

    /// The kind of emergency.
    pub fn kind(&self) -> EmergencyKind {
        self.kind
    }

    /// Whether it is still going on.
    pub fn is_ongoing(&self) -> bool {
        self.ongoing
    }
}

vocabulary! {
    /// How public data became public (PIPL art. 27).
    pub enum PublicSource as "public data source" {
        /// The subject disclosed it themself.
        SelfDisclosed = "self_disclosed",
        /// It was otherwise lawfully disclosed.
        LawfullyDisclosed = "lawfully_disclosed",
    }
}

/// Information already public, claimed as the basis: it holds within the
/// same context, when the subject has not refused, and never for sensitive
/// categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublicData {
    pub(crate) source: PublicSource,
    pub(crate) same_context: bool,
    pub(crate) subject_refused: bool,
}

impl PublicData {
    /// Public data from `source`, reused in the context it was published in,
    /// with no refusal from the subject.
    pub fn in_context(source: PublicSource) -> PublicData {
        PublicData {
            source,
            same_context: true,
            subject_refused: false,
        }
    }

    /// Public data from `source` used outside the context it was published in
    /// (profiling, marketing, sale:).
    pub fn out_of_context(source: PublicSource) -> PublicData {
        PublicData {
            source,
            same_context: false,
            subject_refused: false,
        }
    }

    /// Records that the subject refused this processing.
    #[must_use]
    pub fn refused_by_subject(mut self) -> PublicData {
        self.subject_refused = true;
        self
    }

    /// How it became public.
    pub fn source(&self) -> PublicSource {
        self.source
    }
}

/// Everything a request offers in support of a lawful basis.
///
/// # Example: a contract and a consent
///
/// ```
/// use chrono::DateTime;
/// use lawful::{Consent, Evidence};
///
/// let given = DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00")?;
/// let evidence = Evidence::new().contract().consent(Consent::by_subject(given));
/// assert!(evidence.has_contract());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    pub(crate) consents: Vec<Consent>,
    pub(crate) contract: bool,
    pub(crate) legal_obligation: Option<Box<str>>,
    pub(crate) emergency: Option<Emergency>,
    pub(crate) public_data: Option<PublicData>,
    /// Whose laws the legal obligation arises under (empty: the governing
    /// regime's own).
    pub(crate) legal_obligation_laws: Vec<RegionCode>,
    pub(crate) authority_approval: Option<Box<str>>,
    pub(crate) legitimate_interests: Option<Box<str>>,
    pub(crate) public_task: Option<Box<str>>,
    pub(crate) unable_to_consent: bool,
    pub(crate) confidential: bool,
    /// A legal claim the processing serves (GDPR art. 49(1)(e)), cited.
    pub(crate) legal_claims: Option<Box<str>>,
}

impl Evidence {
    /// No evidence at all.
    pub fn new() -> Evidence {
        Evidence::default()
    }

    /// Adds a consent record.
    #[must_use]
    pub fn consent(mut self, consent: Consent) -> Evidence {
        self.push_consent(consent);
        self
    }

    /// The processing is necessary for a contract with the subject.
    #[must_use]
    pub fn contract(mut self) -> Evidence {
        self.set_contract(true);
        self
    }

    /// A statutory duty, with its citation (`Civil Procedure Law art. 67`).
    /// A citation with no visible character (empty, only whitespace, or only
    /// invisible format characters such as U+200B ZERO WIDTH SPACE or U+FEFF)
    /// is no evidence.
    #[must_use]
    pub fn legal_obligation(mut self, citation: &str) -> Evidence {
        self.set_legal_obligation(citation);
        self
    }

    /// An emergency.
    #[must_use]
    pub fn emergency(mut self, emergency: Emergency) -> Evidence {
        self.set_emergency(emergency);
        self
    }

    /// Public data.
    #[must_use]
    pub fn public_data(mut self, public_data: PublicData) -> Evidence {
        self.set_public_data(public_data);
        self
    }

    /// Whose law the legal obligation arises under (a region code; call
    /// once per law when several impose it). A legal obligation counts for
    /// a regime only under that regime's own law: PRC law under PIPL, Union
    /// or member-state law under the GDPR; under two regimes, a duty under
    /// each is needed. Without it, the regime's own law is meant (under one
    /// regime only).
    #[must_use]
    pub fn legal_obligation_law(mut self, law: RegionCode) -> Evidence {
        self.push_legal_obligation_law(law);
        self
    }

    /// The approval of the competent PRC authority for providing data to a
    /// foreign judicial or law-enforcement authority (PIPL art. 41), cited.
    /// A citation with no visible character is no approval.
    #[must_use]
    pub fn authority_approval(mut self, citation: &str) -> Evidence {
        self.set_authority_approval(citation);
        self
    }

    /// A reference to the balancing assessment behind legitimate interests
    /// (GDPR art. 6(1)(f)). A reference with no visible character is none.
    #[must_use]
    pub fn legitimate_interests(mut self, assessment: &str) -> Evidence {
        self.set_legitimate_interests(assessment);
        self
    }

    /// The law that sets the public task (GDPR art. 6(1)(e), 6(3)), cited.
    #[must_use]
    pub fn public_task(mut self, citation: &str) -> Evidence {
        self.set_public_task(citation);
        self
    }

    /// The subject is physically or legally unable to consent (GDPR art.
    /// 9(2)(c): vital interests for a special category need it).
    #[must_use]
    pub fn unable_to_consent(mut self) -> Evidence {
        self.set_unable_to_consent(true);
        self
    }

    /// A law requires secrecy (PIPL art. 18(1)): no notice obligation is
    /// emitted; the disclosure is still logged.
    #[must_use]
    pub fn confidential(mut self) -> Evidence {
        self.set_confidential(true);
        self
    }

    /// The legal claim the processing establishes, exercises or defends
    /// (GDPR art. 49(1)(e): the `derogation_legal_claims` ground), cited. A
    /// citation with no visible character is none.
    #[must_use]
    pub fn legal_claims(mut self, citation: &str) -> Evidence {
        self.set_legal_claims(citation);
        self
    }

    /// Makes this evidence [`Evidence::new`]'s, keeping the storage of its
    /// lists for evidence filled in place (see [`Request::reset`]). The
    /// consent records it held are dropped: [`Evidence::drain_consents`]
    /// takes them out first, to reuse theirs.
    ///
    /// [`Request::reset`]: crate::Request::reset
    pub fn clear(&mut self) {
        self.consents.clear();
        self.contract = false;
        self.legal_obligation = None;
        self.emergency = None;
        self.public_data = None;
        self.legal_obligation_laws.clear();
        self.authority_approval = None;
        self.legitimate_interests = None;
        self.public_task = None;
        self.unable_to_consent = false;
        self.confidential = false;
        self.legal_claims = None;
    }

    /// Takes the consent records out, leaving none (and the list's storage
    /// in place): a host filling one request a row reuses them, each
    /// [`Consent::reset`] and filled again, rather than build new ones.
    ///
    /// # Example: a consent record reused for the next row
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::{Consent, Evidence};
    /// use lawful::decision::Grantor;
    ///
    /// let given = DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00")?;
    /// let mut evidence = Evidence::new().consent(Consent::by_subject(given).separate());
    /// let mut spare: Vec<Consent> = evidence.drain_consents().collect();
    /// assert!(evidence.consents().is_empty());
    /// let mut consent = spare.pop().ok_or("no consent")?;
    /// consent.reset(Grantor::Subject, given);
    /// evidence.push_consent(consent);
    /// assert_eq!(evidence, Evidence::new().consent(Consent::by_subject(given)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn drain_consents(&mut self) -> impl Iterator<Item = Consent> + '_ {
        self.consents.drain(..)
    }

    /// In place, as [`Evidence::consent`].
    pub fn push_consent(&mut self, consent: Consent) {
        self.consents.push(consent);
    }

    /// In place, as [`Evidence::contract`] (`false`: no contract claimed).
    pub fn set_contract(&mut self, contract: bool) {
        self.contract = contract;
    }

    /// In place, as [`Evidence::legal_obligation`].
    pub fn set_legal_obligation(&mut self, citation: &str) {
        let citation = citation.trim();
        self.legal_obligation = visible(citation).then(|| citation.into());
    }

    /// In place, as [`Evidence::emergency`].
    pub fn set_emergency(&mut self, emergency: Emergency) {
        self.emergency = Some(emergency);
    }

    /// In place, as [`Evidence::public_data`].
    pub fn set_public_data(&mut self, public_data: PublicData) {
        self.public_data = Some(public_data);
    }

    /// In place, as [`Evidence::legal_obligation_law`].
    pub fn push_legal_obligation_law(&mut self, law: RegionCode) {
        self.legal_obligation_laws.push(law);
    }

    /// In place, as [`Evidence::authority_approval`].
    pub fn set_authority_approval(&mut self, citation: &str) {
        self.authority_approval = visible(citation).then(|| citation.trim().into());
    }

    /// In place, as [`Evidence::legitimate_interests`].
    pub fn set_legitimate_interests(&mut self, assessment: &str) {
        self.legitimate_interests = visible(assessment).then(|| assessment.trim().into());
    }

    /// In place, as [`Evidence::public_task`].
    pub fn set_public_task(&mut self, citation: &str) {
        self.public_task = visible(citation).then(|| citation.trim().into());
    }

    /// In place, as [`Evidence::unable_to_consent`] (`false`: able).
    pub fn set_unable_to_consent(&mut self, unable: bool) {
        self.unable_to_consent = unable;
    }

    /// In place, as [`Evidence::confidential`] (`false`: no secrecy).
    pub fn set_confidential(&mut self, confidential: bool) {
        self.confidential = confidential;
    }

    /// In place, as [`Evidence::legal_claims`].
    pub fn set_legal_claims(&mut self, citation: &str) {
        let citation = citation.trim();
        self.legal_claims = visible(citation).then(|| citation.into());
    }

    /// The consent records.
    pub fn consents(&self) -> &[Consent] {
        &self.consents
    }

    /// Whether a contract was claimed.
    pub fn has_contract(&self) -> bool {
        self.contract
    }

    /// The legal citation, if any.
    pub fn citation(&self) -> Option<&str> {
        self.legal_obligation.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_citation_with_no_visible_character_is_absent() {
        for blank in [
            "",
            "  ",
            "\u{200B}",
            " \u{FEFF}\u{200B} ",
            "\u{2060}\u{00AD}",
            "\u{3000}",
        ] {
            assert_eq!(
                Evidence::new().legal_obligation(blank).citation(),
                None,
                "{blank:?}"
            );
        }
        assert_eq!(
            Evidence::new()
                .legal_obligation(" \u{200B}Civil Procedure Law art. 67 ")
                .citation(),
            Some("\u{200B}Civil Procedure Law art. 67")
        );
    }

    #[test]
    fn evidence_filled_in_place_equals_the_built_and_clear_keeps_the_storage() {
        let given = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00").unwrap();
        let law: RegionCode = "CN".parse().unwrap();
        let built = Evidence::new()
            .consent(Consent::by_subject(given))
            .contract()
            .legal_obligation(" Civil Procedure Law art. 67 ")
            .emergency(Emergency::ongoing(EmergencyKind::LifeOrHealth))
            .public_data(PublicData::in_context(PublicSource::SelfDisclosed).refused_by_subject())
            .legal_obligation_law(law)
            .authority_approval(" approval 1 ")
            .legitimate_interests("LIA-7")
            .public_task("\u{200B}")
            .unable_to_consent()
            .confidential()
            .legal_claims(" claim ");
        let mut filled = built.clone();
        let consents: Vec<Consent> = filled.drain_consents().collect();
        assert_eq!(consents.len(), 1);
        let laws = filled.legal_obligation_laws.capacity();
        filled.clear();
        assert_eq!(filled, Evidence::new());
        assert_eq!(filled.legal_obligation_laws.capacity(), laws);
        filled.push_consent(Consent::by_subject(given));
        filled.set_contract(true);
        filled.set_legal_obligation(" Civil Procedure Law art. 67 ");
        filled.set_emergency(Emergency::ongoing(EmergencyKind::LifeOrHealth));
        filled.set_public_data(
            PublicData::in_context(PublicSource::SelfDisclosed).refused_by_subject(),
        );
        filled.push_legal_obligation_law(law);
        filled.set_authority_approval(" approval 1 ");
        filled.set_legitimate_interests("LIA-7");
        filled.set_public_task("\u{200B}");
        filled.set_unable_to_consent(true);
        filled.set_confidential(true);
        filled.set_legal_claims(" claim ");
        assert_eq!(filled, built);
    }
}
