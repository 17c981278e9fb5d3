//! Data leaving: foreign authorities, legal obligations under PRC law, and
//! the transfer mechanisms and exemptions each regime accepts (which passes
//! a flow abroad makes is `flow.rs`'s).

use super::Context;
use crate::decision::Detail;
use crate::decision::request::TransferMechanism;
use crate::recipient::RecipientKind;
use crate::subject::regime::Regime;

impl Context<'_> {
    /// Whether the evidence holds a legal obligation under PRC law.
    pub(super) fn prc_legal_obligation(&self) -> bool {
        let evidence = &self.request.evidence;
        evidence.legal_obligation.is_some()
            && (evidence.legal_obligation_laws.is_empty()
                || evidence
                    .legal_obligation_laws
                    .iter()
                    .any(|&law| Regime::Pipl.covers(law)))
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
    /// holds; if not, why. (Out of line: asked only of a flow abroad, and
    /// inlined it costs every other pass's gates a dozen instructions.)
    #[inline(never)]
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

    /// Whether an adequacy decision covers every place outside the EEA the
    /// flow reaches (the recipient's region, the destination), on the day
    /// of `at`, for the recipient; never an international organisation.
    fn adequate(&self) -> bool {
        let request = self.request;
        let recipient = request.recipient.as_ref();
        if recipient.is_some_and(|r| r.international_organisation) {
            return false;
        }
        // The day of the instant, as the Commission's decisions count it
        // (in UTC: never moved by the offset the host wrote `at` in).
        let on = request.at.naive_utc().date();
        let to = recipient
            .filter(|r| r.kind != RecipientKind::Public)
            .and_then(|r| r.region);
        let places = [to, request.destination_region];
        let mut outside = places
            .iter()
            .flatten()
            .filter(|&&r| !Regime::Gdpr.covers(r))
            .peekable();
        // A decision with a scope covers organisations in it (certified
        // under the Data Privacy Framework, a sector): never an authority,
        // whose requests art. 48 governs.
        let organisation = recipient.filter(|r| r.kind != RecipientKind::Authority);
        let dpf = organisation.is_some_and(|r| r.dpf_certified);
        let scope = organisation.and_then(|r| r.adequacy_scope.as_deref());
        outside.peek().is_some() && outside.all(|&r| self.policy.adequacy.holds(r, on, dpf, scope))
    }

    /// GDPR art. 49(1)(a): a separate consent of the subject (a child's:
    /// the verified guardian's) that holds, lists `export`, names the
    /// recipient, covers the purpose and every category, and was given
    /// after being told of the risks.
    fn derogation_consent(&self) -> bool {
        let request = self.request;
        let name = request.recipient.as_ref().and_then(|r| r.name.as_ref());
        let tree = &self.policy.category_tree;
        let purposes = &self.policy.purpose_tree;
        request.evidence.consents.iter().any(|c| {
            let grantor_fits = match self.child {
                Some(true) => c.grantor.is_verified_guardian(),
                Some(false) => c.grantor == crate::decision::consent::Grantor::Subject,
                None => false,
            };
            grantor_fits
                && c.separate
                && c.transfer_risks_informed
                && c.holds_at(request.at)
                && c.actions.contains(crate::action::Action::Export)
                && name.is_some_and(|n| c.recipients.iter().any(|r| r.same_as(n)))
                && c.purposes
                    .iter()
                    .any(|p| purposes.covers(p.index(), request.purpose.index()))
                && request.categories.iter().all(|k| {
                    c.categories
                        .iter()
                        .any(|g| tree.covers(g.index(), k.index()))
                })
        })
    }

    /// Whether every requested category is covered, in this pass, by a
    /// rule the policy marks `occasional`.
    fn occasional(&self) -> bool {
        self.request
            .categories
            .iter()
            .enumerate()
            .all(|(nth, &c)| self.covering(nth, c).any(|r| r.occasional))
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
            // Collected outside mainland China, processed here, sent back.
            M::ExemptForeignOrigin => !Regime::Pipl.covers(self.collected_in),
            M::Treaty => evidence.authority_approval.is_some(),
            M::Adequacy => self.adequate(),
            M::Derogation => false,
            M::DerogationConsent => self.derogation_consent(),
            M::DerogationContract => {
                evidence.contract
                    && self
                        .request
                        .recipient
                        .as_ref()
                        .is_some_and(|r| r.kind != RecipientKind::Processor)
                    && self.occasional()
            }
            M::DerogationPublicInterest => {
                evidence.public_task.is_some()
                    || (evidence.legal_obligation.is_some()
                        && evidence
                            .legal_obligation_laws
                            .iter()
                            .any(|&law| Regime::Gdpr.covers(law)))
            }
            M::DerogationLegalClaims => evidence.legal_claims.is_some() && self.occasional(),
            M::DerogationVitalInterests => {
                evidence.emergency.is_some_and(|e| {
                    e.ongoing && e.kind == crate::decision::EmergencyKind::LifeOrHealth
                }) && evidence.unable_to_consent
            }
            M::SecurityAssessment | M::Certification | M::StandardContract | M::Scc | M::Bcr => {
                true
            }
        }
    }
}
