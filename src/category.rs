//! Data categories (`account.phone`, `device.identifier.imei`...) and the
//! flags that drive the decision: sensitive, identifying, unique identifier,
//! device or log information.

use std::fmt;
use std::num::NonZeroU32;

/// A category resolved against an engine's policy, by
/// [`Engine::category`](crate::Engine::category). `Copy` and cheap to compare.
///
/// An id is only meaningful for the engine that produced it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CategoryId {
    id: NonZeroU32,
    /// The engine that made it (see `Policy::tag`): an id from another
    /// engine is never read as one of this engine's.
    engine: u32,
}

impl CategoryId {
    /// Stored as `index + 1`, so that `Option<CategoryId>` takes no more room
    /// than the id (a decision keeps one in each of its reasons).
    #[cfg(test)]
    pub(crate) const fn from_index(index: u32) -> CategoryId {
        CategoryId::of_engine(index, 0)
    }

    pub(crate) const fn of_engine(index: u32, engine: u32) -> CategoryId {
        let id = match NonZeroU32::new(index.wrapping_add(1)) {
            Some(id) => id,
            // Only `u32::MAX`, which no policy reaches (ids count entries).
            None => NonZeroU32::MAX,
        };
        CategoryId { id, engine }
    }

    pub(crate) const fn index(self) -> u32 {
        self.id.get() - 1
    }

    /// The id as two integers, the first never 0 (see [`CategoryId::from_raw`]).
    pub(crate) const fn to_raw(self) -> (u32, u32) {
        (self.id.get(), self.engine)
    }

    /// The id [`CategoryId::to_raw`] gave; `None` for a first integer of 0.
    pub(crate) const fn from_raw(id: u32, engine: u32) -> Option<CategoryId> {
        match NonZeroU32::new(id) {
            Some(id) => Some(CategoryId { id, engine }),
            None => None,
        }
    }

    pub(crate) const fn engine(self) -> u32 {
        self.engine
    }
}

impl fmt::Debug for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CategoryId({})", self.index())
    }
}

/// The flags of a category (the built-in policy: S, I, U, D).
///
/// In a policy file a category inherits each flag from its nearest declared
/// ancestor unless it sets the flag itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CategoryFlags {
    pub(crate) sensitive: bool,
    pub(crate) identifying: bool,
    pub(crate) unique_identifier: bool,
    pub(crate) device_or_log: bool,
    pub(crate) never_provided: bool,
    pub(crate) special: bool,
    pub(crate) terminal: bool,
    pub(crate) may_be_non_personal: bool,
}

impl CategoryFlags {
    /// Sensitive personal information (PIPL art. 28): separate consent,
    /// encryption and minimal access.
    pub fn is_sensitive(self) -> bool {
        self.sensitive
    }

    /// Identifies a person on its own (a name, a phone number).
    pub fn is_identifying(self) -> bool {
        self.identifying
    }

    /// A persistent unique identifier (IMEI, MAC address): personal
    /// information even on its own.
    pub fn is_unique_identifier(self) -> bool {
        self.unique_identifier
    }

    /// Device or log information: not personal on its own unless it is a
    /// unique identifier or is combined with personal information.
    pub fn is_device_or_log(self) -> bool {
        self.device_or_log
    }

    /// Never given to a third party or the public (the password): only to
    /// our own processor, an acquirer bound by the policy, or a PRC
    /// authority on a PRC legal obligation.
    pub fn is_never_provided(self) -> bool {
        self.never_provided
    }

    /// A special category of personal data (GDPR art. 9: health, biometric,
    /// genetic, religious...): explicit consent or an art. 9(2) condition.
    pub fn is_special(self) -> bool {
        self.special
    }

    /// Read from or stored on the subject's terminal (cookies, device
    /// identifiers, app lists): under ePrivacy art. 5(3), collecting it
    /// needs consent unless strictly necessary for the service asked for.
    pub fn is_terminal(self) -> bool {
        self.terminal
    }

    /// Device or log information that may, alone, identify no one (PIPL
    /// only; never a software or process list or an activity log).
    pub fn may_be_non_personal(self) -> bool {
        self.may_be_non_personal
    }
}

/// A category of a compiled policy: its name, flags and the seed clause it
/// comes from.
#[derive(Clone, Debug)]
pub struct Category {
    pub(crate) id: CategoryId,
    pub(crate) name: Box<str>,
    pub(crate) declared: bool,
    pub(crate) clause: Option<Box<str>>,
    pub(crate) description: Option<Box<str>>,
    /// Its own flags, after inheritance.
    pub(crate) flags: CategoryFlags,
    /// What a request naming this category touches: sensitive, identifying
    /// and unique if any node of the subtree is; device or log only if every
    /// declared node of the subtree is.
    pub(crate) touches: CategoryFlags,
    /// The only purposes this data may serve (`only_for`), if bound.
    pub(crate) only_for: Option<Vec<crate::purpose::PurposeId>>,
}

impl Category {
    /// The category's id.
    pub fn id(&self) -> CategoryId {
        self.id
    }

    /// The dotted name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the policy declares it, rather than it being only the prefix
    /// of declared names (`device` for `device.model`).
    pub fn is_declared(&self) -> bool {
        self.declared
    }

    /// The policy clause the category comes from.
    pub fn clause(&self) -> Option<&str> {
        self.clause.as_deref()
    }

    /// A description for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The category's flags after inheritance.
    pub fn flags(&self) -> CategoryFlags {
        self.flags
    }

    /// The flags of everything a request naming this category touches,
    /// descendants included (a request for `account` includes the password).
    pub fn touches(&self) -> CategoryFlags {
        self.touches
    }

    /// The only purposes this data may serve (`only_for`), with their
    /// descendants; `None` when it is not bound to purposes.
    pub fn only_for(&self) -> Option<&[crate::purpose::PurposeId]> {
        self.only_for.as_deref()
    }
}
