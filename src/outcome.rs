//! The words a policy rule and a decision share: the effect, the
//! obligation codes (and sets of them), and the ids of rules. Policies are
//! written in them and decisions answer in them, so they belong to neither.

use std::fmt;
use std::num::NonZeroU32;

use crate::vocab::{BitSet, vocabulary};

vocabulary! {
    /// The outcome of a decision.
    pub enum Effect as "effect" {
        /// The processing must not happen.
        Deny = "deny",
        /// The processing may happen, with the decision's obligations.
        Permit = "permit",
    }
}

vocabulary! {
    /// What the host must do when it goes ahead. Some carry a date.
    pub enum ObligationCode as "obligation" {
        /// Encrypt the data at rest.
        EncryptAtRest = "encrypt_at_rest",
        /// Limit access to the minimum: approval, access log, no copying.
        MinimalAccess = "minimal_access",
        /// Tell the subject (export, emergency).
        NotifySubject = "notify_subject",
        /// Tell the child's guardian.
        NotifyGuardian = "notify_guardian",
        /// Tell the subject the recipient's name, contact, purpose and method.
        NotifyRecipientIdentity = "notify_recipient_identity",
        /// Bind the recipient to this privacy policy.
        BindRecipientToPolicy = "bind_recipient_to_policy",
        /// Take industry-standard security measures for the disclosure.
        SecurityMeasures = "security_measures",
        /// Record the disclosure.
        LogDisclosure = "log_disclosure",
        /// De-identify or anonymize the combined data after use.
        DeidentifyAfterUse = "deidentify_after_use",
        /// Carry out a personal information protection impact assessment.
        ImpactAssessment = "impact_assessment",
        /// Keep no longer than this date (or event).
        RetainUntil = "retain_until",
        /// Delete or anonymize by this date.
        DeleteOrAnonymize = "delete_or_anonymize",
        /// Delete by this date.
        Delete = "delete",
        /// Purge backup copies by this date.
        BackupPurge = "backup_purge",
        /// Only store the data and keep it secure; no other processing.
        RestrictToStorage = "restrict_to_storage",
        /// Verify the requester's identity first.
        VerifyIdentity = "verify_identity",
        /// Answer the request by this date.
        RespondBy = "respond_by",
        /// Announce the fee before charging for a repeated request.
        FeeNotice = "fee_notice",
        /// A processing agreement with the processor, and its supervision
        /// (PIPL art. 21, GDPR art. 28).
        ProcessingAgreement = "processing_agreement",
        /// The subject may object to processing on legitimate interests.
        HonourObjection = "honour_objection",
    }
}

/// The obligations that carry a date (or retention event), in the order a
/// decision keeps their dates.
pub(crate) const DATED: [ObligationCode; 5] = [
    ObligationCode::RetainUntil,
    ObligationCode::DeleteOrAnonymize,
    ObligationCode::Delete,
    ObligationCode::BackupPurge,
    ObligationCode::RespondBy,
];

impl ObligationCode {
    /// Whether the obligation carries a date (or retention event) that the
    /// engine computes, rather than one a policy author may list on a rule.
    pub const fn is_dated(self) -> bool {
        matches!(
            self,
            ObligationCode::RetainUntil
                | ObligationCode::DeleteOrAnonymize
                | ObligationCode::Delete
                | ObligationCode::BackupPurge
                | ObligationCode::RespondBy
        )
    }

    /// Where a decision keeps this obligation's date, if it has one.
    pub(crate) fn dated_slot(self) -> Option<usize> {
        DATED.iter().position(|&code| code == self)
    }
}

/// A set of obligation codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct ObligationSet(BitSet);

impl ObligationSet {
    pub(crate) const EMPTY: ObligationSet = ObligationSet(BitSet::EMPTY);

    pub(crate) const fn with(self, code: ObligationCode) -> ObligationSet {
        ObligationSet(self.0.with(code.index()))
    }

    pub(crate) const fn contains(self, code: ObligationCode) -> bool {
        self.0.contains(code.index())
    }

    pub(crate) const fn without(self, code: ObligationCode) -> ObligationSet {
        ObligationSet(self.0.without(code.index()))
    }

    pub(crate) const fn intersection(self, other: ObligationSet) -> ObligationSet {
        ObligationSet(self.0.intersection(other.0))
    }

    pub(crate) const fn union(self, other: ObligationSet) -> ObligationSet {
        ObligationSet(self.0.union(other.0))
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = ObligationCode> {
        ObligationCode::ALL
            .iter()
            .copied()
            .filter(move |c| self.contains(*c))
    }
}

impl FromIterator<ObligationCode> for ObligationSet {
    fn from_iter<I: IntoIterator<Item = ObligationCode>>(iter: I) -> Self {
        iter.into_iter()
            .fold(ObligationSet::EMPTY, ObligationSet::with)
    }
}

/// A rule of a compiled policy, by index; look it up with
/// [`Engine::rule`](crate::Engine::rule).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(NonZeroU32);

impl RuleId {
    /// Stored as `index + 1`, so that `Option<RuleId>` takes no more room
    /// than the id (a decision keeps one in each of its reasons).
    pub(crate) const fn from_index(index: u32) -> RuleId {
        match NonZeroU32::new(index.wrapping_add(1)) {
            Some(id) => RuleId(id),
            // Only `u32::MAX`, which no policy reaches (ids count rules).
            None => RuleId(NonZeroU32::MAX),
        }
    }

    pub(crate) const fn index(self) -> usize {
        (self.0.get() - 1) as usize
    }
}

impl fmt::Debug for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RuleId({})", self.index())
    }
}
