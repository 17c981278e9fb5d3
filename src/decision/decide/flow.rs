//! The passes a request makes, and how they combine: facts over labels.
//!
//! A request is decided
//!
//! 1. as **itself**, under its own action;
//! 2. as the **provision its recipient makes**, when it names one and that
//!    provision is not its own action: a third party or an authority is
//!    given the data (`share`), a processor entrusted with it (`entrust`,
//!    also for a `collect`, `use` or `store` in the processor's systems),
//!    an acquirer handed it (`transfer`), the public shown it
//!    (`disclose`), the verified guardian given access (`share` to the
//!    guardian); a `disclose` to anyone but the public is a `share` to
//!    them. Not provisions: a `delete` (the recipient is told to delete),
//!    a `store` under a legal hold in an existing entrustment, and the
//!    subject receiving their own data;
//! 3. as an **export**, when the flow is abroad: the destination or the
//!    recipient's region (for a `use`, the accessing party's) lies outside
//!    the area of a governing regime. Collecting or storing abroad is a
//!    matter of localisation instead, but a provision made abroad is
//!    decided as an export too.
//!
//! It is permitted only if every pass permits: the obligations are the
//! union, the earlier due dates win, and the basis is the last pass's (the
//! provision's, the export's when abroad). Every pass runs on the same
//! context, its action switched (no copy of the context); it is switched
//! back to the request's own action only if the request is decided again
//! (the child path of an unknown age, the guardian as a third party).

use super::Context;
use crate::action::Action;
use crate::decision::{Decision, Detail, ReasonCode};
use crate::recipient::RecipientKind;
use crate::subject::regime::{Regime, RegimeSet};

/// Decides every pass of the request on `ctx` into `decision`.
pub(super) fn decide_flow(ctx: &mut Context<'_>, decision: &mut Decision) {
    decide_passes(ctx, decision);
    // The verified guardian is a person too: what a third party of that
    // name may receive (on its bases and gates), the guardian may.
    if ctx.guardian_access && !decision.is_permit() {
        ctx.treat_recipient_as(RecipientKind::ThirdParty);
        let mut as_third_party = Decision::new();
        decide_passes(ctx, &mut as_third_party);
        // No rule gives the guardian this access: the answer is the third
        // party's. Both refused otherwise: what the third party lacks is
        // said too.
        if as_third_party.is_permit() || decision.has_reason(ReasonCode::NoMatchingRule) {
            *decision = as_third_party;
        } else {
            decision.add_reasons_of(&as_third_party);
        }
        ctx.treat_recipient_as(RecipientKind::Guardian);
    }
}

/// The passes of [`decide_flow`] on the context as it stands.
fn decide_passes(ctx: &mut Context<'_>, decision: &mut Decision) {
    // The context may be left on the last pass's action by an earlier
    // call (it is switched back only when decided again).
    let own = ctx.request.action;
    if ctx.action != own {
        ctx.switch_to(own);
    }
    super::decide_into(ctx, decision);
    #[cfg(test)]
    let labels_only = ctx.policy.labels_only;
    #[cfg(not(test))]
    let labels_only = false;
    // A later pass combined into a deny adds only its deny reasons and
    // duties, or nothing (a permit): its own permit's obligations are not
    // worked out ([`Context::denied_before`]).
    #[cfg(test)]
    let shortcut = !ctx.policy.no_shortcuts;
    #[cfg(not(test))]
    let shortcut = true;
    if let Some(provision) = ctx.provision().filter(|_| !labels_only) {
        ctx.switch_to(provision);
        ctx.denied_before = shortcut && !decision.is_permit();
        let mut pass = Decision::new();
        super::decide_into(ctx, &mut pass);
        decision.combine_pass(&pass, Detail::Provision);
    }
    if ctx.decided_as_export_too() {
        ctx.switch_to(Action::Export);
        ctx.denied_before = shortcut && !decision.is_permit();
        let mut pass = Decision::new();
        super::decide_into(ctx, &mut pass);
        decision.combine_pass(&pass, Detail::Abroad);
    }
    ctx.denied_before = false;
}

impl Context<'_> {
    /// Decides the recipient as `kind` (the verified guardian as the third
    /// party they also are, and back): what depends on it is set again.
    fn treat_recipient_as(&mut self, kind: RecipientKind) {
        self.recipient = Some(kind);
        self.guardian_access = kind == RecipientKind::Guardian;
        self.audience = crate::policy::audience(self.child, self.recipient);
        self.record = std::cell::Cell::new(None);
        self.abroad_facts = self.abroad_under_facts();
        self.abroad = self.abroad_for(self.action);
    }

    /// The provision the recipient makes, when it is a pass of its own: not
    /// the request's own action, and never for a deletion, a storage under
    /// a legal hold with a processor already entrusted, or the subject.
    pub(super) fn provision(&self) -> Option<Action> {
        let request = self.request;
        let provision = self.recipient?.provision()?;
        let own = request.action;
        (provision != own && own != Action::Delete && !self.held_at_processor())
            .then_some(provision)
    }

    /// Whether the flow must also pass as an export: it is abroad, and it
    /// is neither an export already, nor a deletion, nor a collection or
    /// storage of our own (localisation decides those) unless a recipient
    /// makes a provision of it.
    pub(super) fn decided_as_export_too(&self) -> bool {
        let own = self.request.action;
        !self.abroad_facts.is_empty()
            && own != Action::Export
            && own != Action::Delete
            && (!matches!(own, Action::Collect | Action::Store)
                || self.provision().is_some()
                || self.held_at_processor())
    }

    /// Whether this pass keeps data under a legal hold: the request stores
    /// it under one, and this is that storage or the export a processor
    /// abroad keeping it makes. Such a pass needs no basis and has no
    /// retention of its own to run out (the hold keeps the data).
    pub(super) fn held_storage(&self) -> bool {
        self.request.action == Action::Store
            && self.request.legal_hold
            && (self.action == Action::Store
                || (self.action == Action::Export && self.held_at_processor()))
    }

    /// Whether the request stores data under a legal hold at a processor:
    /// no entrustment of its own (the hold keeps the data where it is), but
    /// a processor abroad still reaches it from abroad (an export), and a
    /// child's data there still needs the processor assessed.
    pub(super) fn held_at_processor(&self) -> bool {
        self.request.action == Action::Store
            && self.request.legal_hold
            && self.recipient == Some(RecipientKind::Processor)
    }

    /// Switches the context to deciding `action` on the same facts: its
    /// covering rules and whether it is abroad. The regimes stay: they
    /// depend on the request's own action only.
    pub(super) fn switch_to(&mut self, action: Action) {
        self.action = action;
        (self.covered, self.plan) =
            super::covered_up_front(self.policy, self.request, action, self.age_known);
        self.abroad = self.abroad_for(action);
    }

    /// The regimes under which a pass of `action` is abroad: none for a
    /// collection, a storage or a deletion (localisation decides where
    /// data is kept); an export with no place named is abroad everywhere
    /// (the host says it leaves), but never to the subject or the verified
    /// guardian; with a place named, the facts decide.
    pub(super) fn abroad_for(&self, action: Action) -> RegimeSet {
        match action {
            Action::Collect | Action::Store | Action::Delete => RegimeSet::EMPTY,
            Action::Export if self.no_place_named() && !self.never_abroad() => self.regimes,
            _ => self.abroad_facts,
        }
    }

    /// Whether the request names no place the data goes to: no destination
    /// and no recipient region.
    fn no_place_named(&self) -> bool {
        self.request.destination_region.is_none()
            && self
                .request
                .recipient
                .as_ref()
                .is_none_or(|r| r.kind == RecipientKind::Public || r.region.is_none())
    }

    /// The regimes under whose area the flow's facts lead outside: the
    /// destination or the recipient's region (for a `use`, the accessing
    /// party's), neither overriding the other; a publication, where it is
    /// hosted (the destination). The subject and the verified guardian are never abroad; a
    /// GDPR controller's own staff using data from abroad is no transfer
    /// (EDPB 05/2021), under PIPL it is.
    pub(super) fn abroad_under_facts(&self) -> RegimeSet {
        if self.never_abroad() || self.request.action == Action::Delete {
            return RegimeSet::EMPTY;
        }
        #[cfg(test)]
        if self.policy.no_shortcuts {
            return self.places_abroad();
        }
        self.abroad_places
    }

    /// [`Context::abroad_under_facts`] for a recipient who may be abroad:
    /// where the flow's places lie against the governing regimes.
    pub(super) fn places_abroad(&self) -> RegimeSet {
        let request = self.request;
        if request.action == Action::Delete {
            return RegimeSet::EMPTY;
        }
        // A publication is where it is hosted: its destination (the
        // public has no region; leaving a region out must never help).
        let to = request
            .recipient
            .as_ref()
            .filter(|r| r.kind != RecipientKind::Public)
            .and_then(|r| r.region);
        let at = request.destination_region;
        // An international organisation stands outside the EEA's legal
        // order wherever it sits (GDPR chapter V).
        let organisation = request
            .recipient
            .as_ref()
            .is_some_and(|r| r.international_organisation);
        // No place named and no organisation: abroad under no regime.
        #[cfg(test)]
        let shortcut = !self.policy.no_shortcuts;
        #[cfg(not(test))]
        let shortcut = true;
        if shortcut && to.is_none() && at.is_none() && !organisation {
            return RegimeSet::EMPTY;
        }
        // Each place's regime, looked up once for every governing regime.
        let (to, at) = (to.map(Regime::of_region), at.map(Regime::of_region));
        let mut abroad = RegimeSet::EMPTY;
        for regime in self.regimes.iter() {
            let outside =
                |region: Option<Option<Regime>>| region.is_some_and(|r| r != Some(regime));
            let own_staff = regime == Regime::Gdpr
                && request.action == Action::Use
                && request.recipient.is_none();
            let to_organisation = regime == Regime::Gdpr && organisation;
            if (outside(to) || outside(at) || to_organisation) && !own_staff {
                abroad = abroad.with(regime);
            }
        }
        abroad
    }

    /// The subject receiving their own data, or a child's verified guardian:
    /// never abroad.
    fn never_abroad(&self) -> bool {
        self.guardian_access || self.recipient == Some(RecipientKind::Subject)
    }

    /// The recipient's kind as the facts make it: a `guardian` is the
    /// guardian only when the subject is a child and the recipient is the
    /// named grantor of a verified guardian's consent that holds, given
    /// while the subject was a minor; anyone else so labelled is a third
    /// party (whatever consent names them as a recipient).
    pub(super) fn effective_recipient(&self) -> Option<RecipientKind> {
        let recipient = self.request.recipient.as_ref()?;
        if recipient.kind != RecipientKind::Guardian {
            return Some(recipient.kind);
        }
        // A child under every applicable regime: where one regime takes the
        // subject for an adult, the guardian is a third party to it (and a
        // guardian's access goes through a rights request).
        let child_everywhere =
            self.child == Some(true) && self.regimes.iter().all(|r| self.child_regimes.contains(r));
        let is_guardian = child_everywhere
            && recipient.name.as_ref().is_some_and(|name| {
                self.request.evidence.consents.iter().any(|c| {
                    c.grantor.is_verified_guardian()
                        && c.holds_at(self.request.at)
                        && c.grantor_name.as_ref().is_some_and(|g| g.same_as(name))
                        && self.given_while_minor(c.given_moment)
                })
            });
        Some(if is_guardian {
            RecipientKind::Guardian
        } else {
            RecipientKind::ThirdParty
        })
    }

    /// Whether the subject was a minor (under 18) at `at`; taken as so when
    /// the age is unknown (a child assumed).
    fn given_while_minor(&self, at: crate::moment::Moment) -> bool {
        self.read_age_at(at, |on| {
            self.subject
                .years_on(on, self.jurisdiction.age_boundary)
                .is_none_or(|years| years < crate::subject::scope::MINOR_AGE)
        })
    }
}
