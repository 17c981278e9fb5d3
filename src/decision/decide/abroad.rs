//! Data leaving: the regimes a flow falls under, those under which it is
//! abroad, and the transfer mechanisms and exemptions each regime accepts.

use super::Context;
use crate::action::Action;
use crate::decision::Detail;
use crate::decision::request::TransferMechanism;
use crate::recipient::RecipientKind;
use crate::subject::regime::{Regime, RegimeSet};
use crate::subject::region::RegionCode;

impl Context<'_> {
    /// The subject's regime, and PIPL for data the policy keeps in the PRC
    /// (unless this collection or storage happens outside it).
    pub(super) fn governing_regimes(&self) -> RegimeSet {
        let mut regimes = RegimeSet::EMPTY;
        if let Some(regime) = self.subject_regime {
            regimes = regimes.with(regime);
        }
        let kept_elsewhere = matches!(self.action, Action::Collect | Action::Store)
            && self
                .request
                .destination_region
                .is_some_and(|r| !Regime::Pipl.covers(r));
        if Regime::Pipl.covers(self.policy.storage_region) && !kept_elsewhere {
            regimes = regimes.with(Regime::Pipl);
        }
        regimes
    }

    /// The regimes under which the flow reaches a recipient, a place or an
    /// accessing party outside their area. The subject and the guardian are
    /// never abroad; an export with no region named is abroad everywhere
    /// (fail closed); a GDPR controller's own staff using data from abroad
    /// is no transfer (EDPB 05/2021), under PIPL it is.
    pub(super) fn abroad_under(&self) -> RegimeSet {
        let request = self.request;
        // Collecting or storing abroad is a matter of localization; the
        // verified guardian, named in their own consent, is never abroad.
        if matches!(
            self.action,
            Action::Delete | Action::Collect | Action::Store
        ) || self.named_guardian()
        {
            return RegimeSet::EMPTY;
        }
        // A publication is abroad where it is hosted (the destination).
        let to = request
            .recipient
            .as_ref()
            .filter(|r| r.kind != RecipientKind::Public)
            .and_then(|r| r.region);
        let at = request.destination_region;
        let mut abroad = RegimeSet::EMPTY;
        for regime in self.regimes.iter() {
            let outside = |region: Option<RegionCode>| region.is_some_and(|r| !regime.covers(r));
            let own_staff =
                regime == Regime::Gdpr && self.action == Action::Use && request.recipient.is_none();
            if (outside(to) || outside(at)) && !own_staff {
                abroad = abroad.with(regime);
            }
        }
        if self.action == Action::Export && abroad.is_empty() {
            // The host says it leaves: take it at its word.
            abroad = self.regimes;
        }
        abroad
    }

    /// Whether the recipient is a guardian whom a verified guardian's
    /// consent, holding now, names: the guardian, not someone so labelled.
    pub(super) fn named_guardian(&self) -> bool {
        let Some(recipient) = self.request.recipient.as_ref() else {
            return false;
        };
        recipient.kind == RecipientKind::Guardian
            && recipient.name.as_ref().is_some_and(|name| {
                self.request.evidence.consents.iter().any(|c| {
                    c.grantor.is_verified_guardian()
                        && c.holds_at(self.request.at)
                        && c.recipients.iter().any(|r| r.same_as(name))
                })
            })
    }

    /// Whether the evidence holds a legal obligation under PRC law.
    pub(super) fn prc_legal_obligation(&self) -> bool {
        let evidence = &self.request.evidence;
        evidence.legal_obligation.is_some()
            && evidence
                .legal_obligation_law
                .is_none_or(|law| Regime::Pipl.covers(law))
    }

    /// Whether the recipient is an authority of another state or territory
    /// (HK, MO and TW included) and the data falls under PIPL.
    pub(super) fn to_foreign_authority(&self) -> bool {
        self.regimes.contains(Regime::Pipl)
            && self.request.recipient.as_ref().is_some_and(|r| {
                r.kind == RecipientKind::Authority
                    && r.region.is_some_and(|region| !Regime::Pipl.covers(region))
            })
    }

    /// Whether the recipient is a PRC authority acting on a PRC legal
    /// obligation (court orders, regulators).
    pub(super) fn to_prc_authority_by_law(&self) -> bool {
        self.request.recipient.as_ref().is_some_and(|r| {
            r.kind == RecipientKind::Authority && r.region.is_some_and(|g| Regime::Pipl.covers(g))
        }) && self.prc_legal_obligation()
    }

    /// Whether the request names a mechanism of `regime` whose condition
    /// holds; if not, why.
    pub(super) fn mechanism(&self, regime: Regime) -> Result<(), Detail> {
        let mechanisms = self.request.mechanisms;
        if mechanisms.is_empty() {
            return Err(Detail::MechanismMissing);
        }
        let mut unmet = false;
        for mechanism in mechanisms.iter().filter(|&m| regime.recognises(m)) {
            if self.exemption_holds(mechanism) {
                return Ok(());
            }
            unmet = true;
        }
        Err(if unmet {
            Detail::ExemptionNotMet
        } else {
            Detail::MechanismOfAnotherRegime
        })
    }

    /// The conditions of the 2024 CAC exemptions (and a treaty), checked
    /// against the request rather than trusted.
    pub(super) fn exemption_holds(&self, mechanism: TransferMechanism) -> bool {
        use TransferMechanism as M;
        let evidence = &self.request.evidence;
        let purpose = self.purpose_info();
        match mechanism {
            M::ExemptContract => evidence.contract,
            M::ExemptHr => purpose.is_some_and(|p| p.hr),
            M::ExemptEmergency => {
                evidence.emergency.is_some_and(|e| e.ongoing)
                    && purpose.is_some_and(|p| p.protective)
            }
            M::ExemptSmallVolume => {
                !self.sensitive && !self.children_layer() && !self.policy.cii_operator
            }
            M::ExemptForeignOrigin => self.subject_regime != Some(Regime::Pipl),
            M::Treaty => evidence.authority_approval.is_some(),
            M::SecurityAssessment
            | M::Certification
            | M::StandardContract
            | M::Adequacy
            | M::Scc
            | M::Bcr
            | M::Derogation => true,
        }
    }
}
