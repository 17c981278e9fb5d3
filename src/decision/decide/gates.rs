//! Step 5: the action gates, every failing one reported whatever the
//! basis did: recipients, separate consent, guardians, localization,
//! transfers abroad.

use super::{Context, Failure};
use crate::action::Action;
use crate::basis::Basis;
use crate::decision::{Decision, Detail, ReasonCode};
use crate::recipient::RecipientKind;
use crate::subject::regime::within;

impl Context<'_> {
    /// The action gates of the decision procedure and the legal principles on
    /// data leaving: localization, an identified recipient, foreign
    /// authorities, the export mechanism, the acquirer, a child's data,
    /// categories never provided.
    pub(super) fn gates(&self, basis: Option<Basis>, decision: &mut Decision) {
        let request = self.request;
        let action = self.action;
        // A failing gate cites the first rule used (looked up only then).
        let gate = |decision: &mut Decision, failure: Failure| {
            let first = self.first_used(basis);
            decision.push_reason(failure.reason(first));
        };
        // Localization: a commitment of the policy for the data collected
        // within its storage region. Data is kept where the destination
        // says or, with none named, in the systems of the processor that
        // receives it (its region): a collection, storage or entrustment
        // there is storing it there (engine choice), whatever the label.
        let processor = request
            .recipient
            .as_ref()
            .filter(|r| r.kind == RecipientKind::Processor)
            .and_then(|r| r.region);
        let kept_abroad = request
            .destination_region
            .or(processor)
            .is_some_and(|region| !within(region, self.policy.storage_region));
        if self.personal
            && self.policy.localization
            && self.localized
            && matches!(action, Action::Collect | Action::Store | Action::Entrust)
            && kept_abroad
        {
            gate(decision, Failure::new(ReasonCode::LocalizationRequired));
        }
        if let Some(detail) = self.unidentified_recipient() {
            gate(
                decision,
                Failure::with(ReasonCode::RecipientUnidentified, detail),
            );
        }
        if self.to_foreign_authority() && request.evidence.authority_approval.is_none() {
            gate(
                decision,
                Failure::new(ReasonCode::ForeignAuthorityNotApproved),
            );
        }
        if !self.personal {
            // The rest protects personal information.
            return;
        }
        if action == Action::Export {
            for regime in self.abroad.iter() {
                if let Err(detail) = self.mechanism(regime) {
                    gate(
                        decision,
                        Failure::with(ReasonCode::TransferMechanismRequired, detail),
                    );
                }
            }
        }
        if self.acquirer_unbound() && basis != Some(Basis::Consent) {
            gate(decision, Failure::new(ReasonCode::RecipientNotBound));
        }
        // CAC-2019 arts. 16-17: a child's data goes to a recipient or a
        // processor only after the operator's assessment of it; a PRC
        // authority acting on PRC law is the exception (engine choice).
        let gives_away = action.gives_away() || self.held_at_processor();
        if gives_away
            && self.children_layer()
            && !self.guardian_access
            && !self.to_prc_authority_by_law()
            && !request
                .recipient
                .as_ref()
                .is_some_and(|r| r.security_assessment)
        {
            gate(
                decision,
                Failure::new(ReasonCode::SecurityAssessmentRequired),
            );
        }
        if self.never_provided && self.provides_to_others() {
            gate(decision, Failure::new(ReasonCode::NeverProvided));
        }
    }

    /// What is missing to identify the recipient, when the flow needs one:
    /// share, entrust, transfer, export and every flow abroad. The guardian
    /// needs no region; an authority's region is the state it belongs to.
    pub(super) fn unidentified_recipient(&self) -> Option<Detail> {
        let needs = self.action.gives_away()
            || (!self.abroad.is_empty() && self.action != Action::Disclose);
        let Some(recipient) = self.request.recipient.as_ref() else {
            return needs.then_some(Detail::RecipientMissing);
        };
        // A recipient named at all is named in full, whatever the action:
        // leaving out its name or region must never make a flow look
        // domestic, or harmless.
        // The guardian their own consent names is identified by it; the
        // subject is the request's subject; the public has no name, and
        // where it is published is the destination. Anyone else, labelled
        // guardian or not, is named in full. (A share, entrust, transfer
        // or export to the public is refused before any rule is looked
        // for: see `decide_into`.)
        if recipient.kind == RecipientKind::Public {
            // A publication abroad says where it is published: left out,
            // the flow could be anywhere.
            let placed = self.request.destination_region.is_some();
            return (needs && !placed).then_some(Detail::RecipientRegion);
        }
        if self.guardian_access || recipient.kind == RecipientKind::Subject {
            return None;
        }
        if recipient.name.is_none() {
            return Some(Detail::RecipientName);
        }
        // Its own region: the destination says where the data goes, not
        // where the recipient is (an authority is of the state it belongs to).
        recipient
            .region
            .is_none()
            .then_some(Detail::RecipientRegion)
    }

    /// Whether the action gives the data to someone other than our own
    /// processor, a bound acquirer or a PRC authority acting on PRC law.
    pub(super) fn provides_to_others(&self) -> bool {
        let to = self.recipient;
        match self.action {
            Action::Share | Action::Disclose => !self.to_prc_authority_by_law(),
            Action::Export => {
                to != Some(RecipientKind::Processor) && !self.to_prc_authority_by_law()
            }
            Action::Transfer => !self.request_acquirer_bound(),
            _ => false,
        }
    }
}
