//! Purposes of processing (`account.registration`, `support.feedback`...).

use std::fmt;

/// A purpose resolved against an engine's policy, by
/// [`Engine::purpose`](crate::Engine::purpose). `Copy` and cheap to compare.
///
/// An id is only meaningful for the engine that produced it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PurposeId {
    index: u32,
    /// The engine that made it: an id from another engine is never read
    /// as one of this engine's.
    engine: u32,
}

impl PurposeId {
    #[cfg(test)]
    pub(crate) const fn from_index(index: u32) -> PurposeId {
        PurposeId::of_engine(index, 0)
    }

    pub(crate) const fn of_engine(index: u32, engine: u32) -> PurposeId {
        PurposeId { index, engine }
    }

    pub(crate) const fn index(self) -> u32 {
        self.index
    }

    pub(crate) const fn engine(self) -> u32 {
        self.engine
    }
}

impl fmt::Debug for PurposeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PurposeId({})", self.index)
    }
}

/// A purpose of a compiled policy.
#[derive(Clone, Debug)]
pub struct Purpose {
    pub(crate) id: PurposeId,
    pub(crate) name: Box<str>,
    pub(crate) declared: bool,
    pub(crate) clause: Option<Box<str>>,
    pub(crate) description: Option<Box<str>>,
    pub(crate) before_guardian_consent: bool,
    pub(crate) hr: bool,
    pub(crate) protective: bool,
    pub(crate) statutory: bool,
    pub(crate) strictly_necessary: bool,
    pub(crate) records_withdrawal: bool,
    pub(crate) to_subject: bool,
}

impl Purpose {
    /// The purpose's id.
    pub fn id(&self) -> PurposeId {
        self.id
    }

    /// The dotted name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the policy declares it, rather than it being only a prefix.
    pub fn is_declared(&self) -> bool {
        self.declared
    }

    /// The policy clause the purpose comes from.
    pub fn clause(&self) -> Option<&str> {
        self.clause.as_deref()
    }

    /// A description for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether a child may be processed for this purpose, on a non-consent
    /// basis, before any guardian consent exists (age and guardian
    /// verification).
    pub fn is_before_guardian_consent(&self) -> bool {
        self.before_guardian_consent
    }

    /// Whether it protects a person's life, health or property in an
    /// emergency (`protective`): the only purposes an emergency is a basis for.
    pub fn is_protective(&self) -> bool {
        self.protective
    }

    /// Whether it is cross-border human-resources management (`hr`).
    pub fn is_hr(&self) -> bool {
        self.hr
    }

    /// Whether it meets a statutory duty (`statutory`).
    pub fn is_statutory(&self) -> bool {
        self.statutory
    }

    /// Whether it records a withdrawal of consent (`records_withdrawal`):
    /// that needs no basis.
    pub fn records_withdrawal(&self) -> bool {
        self.records_withdrawal
    }

    /// Whether the data subject may receive their own data for it
    /// (`to_subject`: access, a copy, a download): a recipient of kind
    /// `subject` is accepted only for such a purpose.
    pub fn is_to_subject(&self) -> bool {
        self.to_subject
    }

    /// Whether reading from the terminal is strictly necessary for it
    /// (`strictly_necessary`, ePrivacy art. 5(3)).
    pub fn is_strictly_necessary(&self) -> bool {
        self.strictly_necessary
    }
}
