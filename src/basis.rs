//! The lawful bases a permit can rest on (PIPL art. 13, GDPR art. 6).

use crate::vocab::{BitSet, vocabulary};

vocabulary! {
    /// A lawful basis for processing, as the seed's "Exceptions to
    /// Authorization and Consents" lists them.
    ///
    /// A permit names the one basis it rested on; a rule lists the bases it
    /// accepts in order of preference.
    pub enum Basis as "basis" {
        /// The subject's (or, for a child, the verified guardian's) consent.
        Consent = "consent",
        /// Necessary to conclude or perform a contract with the subject.
        Contract = "contract",
        /// A public-health emergency, or protecting life, health or property in one.
        Emergency = "emergency",
        /// A statutory duty or obligation, with a citation.
        LegalObligation = "legal_obligation",
        /// Information the subject made public, or lawfully disclosed, used within its context.
        PublicData = "public_data",
        /// GDPR art. 6(1)(f): the controller's or a third party's legitimate
        /// interests, weighed against the subject's (no PIPL counterpart).
        LegitimateInterests = "legitimate_interests",
        /// GDPR art. 6(1)(e): a task in the public interest or in the
        /// exercise of official authority (no PIPL counterpart).
        PublicTask = "public_task",
    }
}

/// A set of bases, in a fixed bit order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct BasisSet(BitSet);

impl BasisSet {
    pub(crate) const EMPTY: BasisSet = BasisSet(BitSet::EMPTY);

    pub(crate) const fn with(self, basis: Basis) -> BasisSet {
        BasisSet(self.0.with(basis.index()))
    }

    pub(crate) const fn contains(self, basis: Basis) -> bool {
        self.0.contains(basis.index())
    }

    pub(crate) const fn union(self, other: BasisSet) -> BasisSet {
        BasisSet(self.0.union(other.0))
    }

    pub(crate) const fn intersection(self, other: BasisSet) -> BasisSet {
        BasisSet(self.0.intersection(other.0))
    }

    pub(crate) const fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    pub(crate) const fn is_subset(self, other: BasisSet) -> bool {
        self.0.is_subset(other.0)
    }
}

impl FromIterator<Basis> for BasisSet {
    fn from_iter<I: IntoIterator<Item = Basis>>(iter: I) -> Self {
        iter.into_iter().fold(BasisSet::EMPTY, BasisSet::with)
    }
}
