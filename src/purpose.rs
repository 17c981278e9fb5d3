//! Purposes of processing (`account.registration`, `support.feedback`...).

use std::fmt;

/// A purpose resolved against an engine's policy, by
/// [`Engine::purpose`](crate::Engine::purpose). `Copy` and cheap to compare.
///
/// An id is only meaningful for the engine that produced it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PurposeId(u32);

impl PurposeId {
    pub(crate) const fn from_index(index: u32) -> PurposeId {
        PurposeId(index)
    }

    pub(crate) const fn index(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for PurposeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PurposeId({})", self.0)
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

    /// Whether the purpose is cross-border human-resources management
    /// (the `exempt_hr` transfer exemption).
    pub fn is_hr(&self) -> bool {
        self.hr
    }

    /// Whether the purpose protects life, health or property (the
    /// `exempt_emergency` transfer exemption).
    pub fn is_protective(&self) -> bool {
        self.protective
    }

    /// Whether the purpose meets a statutory duty (open, on a legal
    /// obligation, to data bound to other purposes).
    pub fn is_statutory(&self) -> bool {
        self.statutory
    }
}
