//! What a host is about to do with personal information.

use crate::vocab::{BitSet, vocabulary};

vocabulary! {
    /// A processing operation, one per request.
    ///
    /// `share`, `entrust`, `transfer`, `disclose` and `export` give the data to
    /// someone: they carry a [`Recipient`](crate::Recipient) and pass extra
    /// gates (separate consent, security assessment, transfer mechanism).
    pub enum Action as "action" {
        /// Obtain personal information from the subject or their device.
        Collect = "collect",
        /// Process information already held, for a purpose.
        Use = "use",
        /// Keep information at rest (in the policy's storage region).
        Store = "store",
        /// Provide information to another controller or to an authority.
        Share = "share",
        /// Give information to a processor acting on the controller's behalf.
        Entrust = "entrust",
        /// Hand information over in a merger, acquisition or asset transfer.
        Transfer = "transfer",
        /// Make information public.
        Disclose = "disclose",
        /// Send information outside the storage region, or make it accessible from there.
        Export = "export",
        /// Erase information.
        Delete = "delete",
    }
}

impl Action {
    /// Whether a consent's recipient list must name the recipient: the data
    /// goes to another controller (share), a new holder (transfer) or abroad
    /// (export). the basis step of docs/decision-procedure.md.
    pub(crate) const fn names_recipient_in_consent(self) -> bool {
        matches!(self, Action::Share | Action::Transfer | Action::Export)
    }

    /// Whether the data goes to someone else: another controller (share),
    /// a processor (entrust), a new holder (transfer), or abroad (export).
    pub(crate) const fn gives_away(self) -> bool {
        matches!(
            self,
            Action::Share | Action::Entrust | Action::Transfer | Action::Export
        )
    }
}

/// A set of actions. In a consent scope an empty set is read by the
/// consent: a grant with none covers `collect`, `use` and `store`, a
/// withdrawal with none every action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct ActionSet(BitSet);

impl ActionSet {
    pub(crate) const EMPTY: ActionSet = ActionSet(BitSet::EMPTY);

    pub(crate) fn all() -> ActionSet {
        Action::ALL.iter().copied().collect()
    }

    pub(crate) const fn with(self, action: Action) -> ActionSet {
        ActionSet(self.0.with(action.index()))
    }

    pub(crate) const fn contains(self, action: Action) -> bool {
        self.0.contains(action.index())
    }

    pub(crate) const fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    pub(crate) const fn is_subset(self, other: ActionSet) -> bool {
        self.0.is_subset(other.0)
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Action> {
        Action::ALL
            .iter()
            .copied()
            .filter(move |a| self.contains(*a))
    }
}

impl FromIterator<Action> for ActionSet {
    fn from_iter<I: IntoIterator<Item = Action>>(iter: I) -> Self {
        iter.into_iter().fold(ActionSet::EMPTY, ActionSet::with)
    }
}
