//! Decisions in words, for auditors and privacy counsel: the effect, the
//! basis, each reason with the policy clause it cites, each obligation with
//! its date.

use std::fmt;

use crate::basis::Basis;
use crate::decision::{Decision, Detail, Due, Effect, ObligationCode, ReasonCode, Unbased};
use crate::engine::Engine;

impl Decision {
    /// A readable account of the decision, citing the policy's clauses.
    ///
    /// The result implements `Display`; nothing is formatted until it is
    /// printed.
    ///
    /// # Example: why browsing may not collect a phone number
    ///
    /// ```
    /// use chrono::DateTime;
    /// use lawful::{Action, Engine, Request};
    ///
    /// let engine = Engine::builtin();
    /// let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00")?;
    /// let request = Request::new(Action::Collect, engine.purpose("service.browse")?, at)
    ///     .category(engine.category("account.phone")?);
    /// let text = engine.decide(&request).explain(engine).to_string();
    /// assert!(text.starts_with("Deny."));
    /// assert!(text.contains("Registration and login"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain<'a>(&'a self, engine: &'a Engine) -> Explanation<'a> {
        Explanation {
            decision: self,
            engine,
        }
    }
}

/// A decision with the engine that made it, ready to print.
#[derive(Debug)]
pub struct Explanation<'a> {
    decision: &'a Decision,
    engine: &'a Engine,
}

/// Why a permit needs no lawful basis, in words.
fn unbased_words(why: Option<Unbased>) -> &'static str {
    match why {
        Some(Unbased::NotPersonal) => {
            "Permit, with no lawful basis needed: this is not personal information."
        }
        Some(Unbased::Deletion) => {
            "Permit, with no lawful basis needed: deleting is lawful unless the law keeps the data (PIPL art. 47; GDPR art. 17)."
        }
        Some(Unbased::LegalHold) => {
            "Permit, with no lawful basis needed: a legal hold keeps the data, for storage only (PIPL art. 47; GDPR arts. 17(3), 18(2))."
        }
        Some(Unbased::RecordingWithdrawal) => {
            "Permit, with no lawful basis needed: recording the subject's withdrawal or objection so it is honoured."
        }
        Some(Unbased::AcquirerBound) | None => {
            "Permit, with no fresh lawful basis needed: the acquirer stays bound by the policy (PIPL art. 22)."
        }
    }
}

impl fmt::Display for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.decision;
        match (d.effect(), d.basis()) {
            (Effect::Permit, Some(basis)) => {
                writeln!(f, "Permit, on the basis of {}.", basis_words(basis))?;
            }
            (Effect::Permit, None) => writeln!(f, "{}", unbased_words(d.unbased()))?,
            (Effect::Deny, _) => writeln!(f, "Deny.")?,
        }
        if let Some(age) = d.age() {
            let role = if age.is_child() {
                "a child"
            } else {
                "not a child"
            };
            write!(
                f,
                "The subject is {} years old ({role}), from the {}",
                age.years(),
                age.source().as_str().replace('_', " ")
            )?;
            if age.sources_disagree() {
                write!(
                    f,
                    "; the resident id and the birth date disagree, and the younger age counts"
                )?;
            }
            writeln!(f, ".")?;
        }
        writeln!(f, "Reasons:")?;
        for reason in d.reasons() {
            write!(f, "  - {}: {}", reason.code(), reason_words(reason.code()))?;
            if let Some(category) = reason.category().and_then(|c| self.engine.category_info(c)) {
                write!(f, " (category `{}`)", category.name())?;
            }
            if let Some(detail) = reason.detail() {
                write!(f, " In particular: {}", detail_words(detail))?;
            }
            if let Some(rule) = reason.rule().and_then(|r| self.engine.rule(r)) {
                write!(f, " Rule `{}`, citing \"{}\".", rule.id(), rule.clause())?;
            }
            writeln!(f)?;
        }
        if d.reasons_truncated() {
            writeln!(f, "  - (further reasons were dropped)")?;
        }
        let mut obligations = d.obligations().peekable();
        if obligations.peek().is_some() {
            writeln!(f, "Obligations:")?;
            for obligation in obligations {
                write!(
                    f,
                    "  - {}: {}",
                    obligation.code(),
                    obligation_words(obligation.code())
                )?;
                match obligation.due() {
                    Some(Due::Date(date)) => write!(f, " {date}")?,
                    Some(Due::Event(event)) => write!(f, " {}", event_words(event))?,
                    None => {}
                }
                writeln!(f)?;
            }
        }
        write!(
            f,
            "Policy `{}`, version {}.",
            self.engine.policy_id(),
            self.engine.policy_version()
        )
    }
}

fn basis_words(basis: Basis) -> &'static str {
    match basis {
        Basis::Consent => "consent",
        Basis::Contract => "a contract with the subject (necessary to conclude or perform it)",
        Basis::Emergency => "an ongoing emergency to life, health or property",
        Basis::LegalObligation => "a legal obligation",
        Basis::PublicData => "information made public, used within its context",
        Basis::LegitimateInterests => {
            "legitimate interests, weighed against the subject's in a recorded assessment"
        }
        Basis::PublicTask => "a task in the public interest set by law",
    }
}

fn event_words(event: crate::retention::RetentionEvent) -> &'static str {
    use crate::retention::RetentionEvent;
    match event {
        RetentionEvent::Deregistration => "the account is deregistered",
        RetentionEvent::PurposeAchieved => "the purpose is achieved",
        RetentionEvent::ConsentWithdrawn => "consent is withdrawn",
    }
}

/// What a reason's detail says, as a sentence.
pub(crate) fn detail_words(detail: Detail) -> &'static str {
    match detail {
        Detail::Purpose => "the consent does not cover this purpose.",
        Detail::Category => "the consent does not cover every category requested.",
        Detail::Action => "the consent does not cover this action.",
        Detail::Recipient => "the consent does not name this recipient.",
        Detail::Time => "the consent does not hold at this time (not yet given, or withdrawn).",
        Detail::Grantor => {
            "the consent is not from the person who must give it (the subject, or a child's verified guardian)."
        }
        Detail::Separateness => "the consent was not given separately, on its own.",
        Detail::RecipientMissing => "the request names no recipient.",
        Detail::RecipientName => "the recipient has no name.",
        Detail::RecipientRegion => "the recipient (or the destination) has no region.",
        Detail::MechanismMissing => "no transfer mechanism was named.",
        Detail::ExemptionNotMet => {
            "the mechanism named is an exemption whose condition does not hold."
        }
        Detail::MechanismOfAnotherRegime => "the mechanism named belongs to another regime's law.",
        Detail::ForeignLaw => "the legal obligation arises under a foreign law.",
        Detail::PurposeBound => "the policy binds this data to other purposes only.",
        Detail::UnderlyingProcessing => {
            "no rule permits the processing the processor would do on our behalf."
        }
        Detail::Abroad => {
            "this is the decision on the data as a transfer abroad (every flow abroad is also decided as an export)."
        }
        Detail::BirthDateImplausible => {
            "the declared birth date is in the future or implausibly long ago, so it was not used."
        }
        Detail::SpecialCategory => {
            "a special category (GDPR art. 9) needs explicit consent or another art. 9(2) condition."
        }
        Detail::AbleToConsent => {
            "vital interests cover a special category only when the subject cannot consent."
        }
        Detail::TerminalAccess => {
            "reading from or storing on the subject's terminal needs consent unless strictly necessary."
        }
        Detail::LawUnstated => {
            "under two regimes the legal obligation must say whose law it is (`legal_obligation_law`)."
        }
        Detail::AsChild => {
            "the subject's age is unknown: decided as a child, this is refused (adulthood is never presumed)."
        }
        Detail::Provision => {
            "this is the decision on the data as the provision the recipient makes (a request naming a recipient is also decided as the share, entrustment, transfer or disclosure its kind makes)."
        }
        Detail::ConflictOfLaws => {
            "the legal obligation arises under one governing regime's law only; the other regime knows no such duty."
        }
        Detail::SplitRequest => {
            "no single lawful basis carries every category requested: split the request by basis."
        }
        Detail::ConsentWithdrawn => {
            "the record rests only on a consent that was withdrawn: its retention ended with the withdrawal."
        }
    }
}

/// One sentence per reason code.
pub(crate) fn reason_words(code: ReasonCode) -> &'static str {
    match code {
        ReasonCode::RulePermits => "a policy rule permits this.",
        ReasonCode::NoMatchingRule => {
            "no rule permits this action for this purpose on this category."
        }
        ReasonCode::DeniedByRule => "a policy rule forbids this.",
        ReasonCode::NotPersonalInformation => {
            "device or log information alone cannot identify a person, so it is not personal information."
        }
        ReasonCode::CombinedAsPersonalInformation => {
            "device or log information combined with identifying data is personal information while combined."
        }
        ReasonCode::BasisMissing => "no lawful basis the rule accepts has its evidence.",
        ReasonCode::ConsentMissing => {
            "consent is the only basis, and there is no consent from the subject."
        }
        ReasonCode::ConsentOutOfScope => {
            "the consent given does not cover this purpose, category, action or recipient; ask again."
        }
        ReasonCode::ConsentWithdrawn => {
            "the consent was withdrawn before this time; withdrawal is not retroactive, but holds from then on."
        }
        ReasonCode::ConsentNotYetGiven => "the consent was given after this time.",
        ReasonCode::SeparateConsentRequired => {
            "this needs separate consent, asked for on its own (sensitive data, a child, sharing, disclosure, export)."
        }
        ReasonCode::GuardianConsentRequired => {
            "the subject is a child: this needs the separate consent of a verified guardian."
        }
        ReasonCode::AgeUnknown => {
            "the subject's age is unknown, and consent or the rule needs it; adulthood is never presumed."
        }
        ReasonCode::ResidentIdInvalid => {
            "the resident identity number is invalid and was ignored as an age source."
        }
        ReasonCode::EmergencyNotOngoing => "the emergency is not ongoing.",
        ReasonCode::PublicDataBeyondScope => {
            "public data may only be used in its context, without the subject's refusal, and never when sensitive."
        }
        ReasonCode::LocalizationRequired => {
            "personal information collected in the storage region must be stored there."
        }
        ReasonCode::TransferMechanismRequired => {
            "data going abroad needs a transfer mechanism of the governing regime whose conditions hold."
        }
        ReasonCode::RecipientNotBound => {
            "the acquirer does not accept the policy, and no separate consent names it."
        }
        ReasonCode::SecurityAssessmentRequired => {
            "a child's data may go to anyone but the guardian only after a security assessment."
        }
        ReasonCode::RetentionExpired => "the retention period has run out.",
        ReasonCode::UnknownCategory => "the request names a category the policy does not declare.",
        ReasonCode::UnknownPurpose => "the request names a purpose the policy does not declare.",
        ReasonCode::InvalidRequest => "the request could not be read.",
        ReasonCode::RecipientUnidentified => {
            "data given to others, or going abroad, needs a recipient with a name and a region."
        }
        ReasonCode::ForeignAuthorityNotApproved => {
            "data stored in the PRC goes to a foreign judicial or law-enforcement authority only with the competent PRC authority's approval."
        }
        ReasonCode::PurposeNotProtective => {
            "an emergency is a basis only for a purpose that protects life, health or property."
        }
        ReasonCode::BasisNotAvailable => {
            "this basis does not exist under the governing law (a foreign law's obligation is none)."
        }
        ReasonCode::ConsentGivenAsChild => {
            "the subject gave this consent while still a child, when only a guardian could."
        }
        ReasonCode::LegalHold => "a legal hold keeps the data; only storage is allowed.",
        ReasonCode::NeverProvided => "this category is never given to a third party or the public.",
        ReasonCode::StatutoryRetention => {
            "the law keeps this data for a minimum period that has not run; only storage is allowed."
        }
    }
}

/// What each obligation asks of the host.
pub(crate) fn obligation_words(code: ObligationCode) -> &'static str {
    match code {
        ObligationCode::EncryptAtRest => "encrypt the data at rest",
        ObligationCode::MinimalAccess => {
            "limit access to the minimum, with approval and an access log"
        }
        ObligationCode::NotifySubject => "notify the subject",
        ObligationCode::NotifyGuardian => "notify the guardian",
        ObligationCode::NotifyRecipientIdentity => {
            "tell the subject who the recipient is, its contact, purpose and method"
        }
        ObligationCode::BindRecipientToPolicy => "bind the recipient to this privacy policy",
        ObligationCode::SecurityMeasures => "take industry-standard security measures",
        ObligationCode::LogDisclosure => "record the disclosure",
        ObligationCode::DeidentifyAfterUse => {
            "de-identify or anonymize the combined data after use"
        }
        ObligationCode::ImpactAssessment => {
            "carry out a personal information protection impact assessment"
        }
        ObligationCode::RetainUntil => "keep it no longer than",
        ObligationCode::DeleteOrAnonymize => "delete or anonymize it by",
        ObligationCode::Delete => "delete it by",
        ObligationCode::BackupPurge => "purge backup copies by",
        ObligationCode::RestrictToStorage => "only store it and keep it secure; no other use",
        ObligationCode::VerifyIdentity => "verify the requester's identity first",
        ObligationCode::RespondBy => "respond by",
        ObligationCode::FeeNotice => "announce the fee before charging",
        ObligationCode::ProcessingAgreement => {
            "have a processing agreement with the processor, and supervise it"
        }
        ObligationCode::HonourObjection => {
            "stop when the subject objects, unless compelling grounds override"
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate};

    use crate::action::Action;
    use crate::decision::evidence::Evidence;
    use crate::decision::request::Request;
    use crate::engine::Engine;
    use crate::subject::Subject;

    fn explained(action: Action, purpose: &str, categories: &[&str], evidence: Evidence) -> String {
        let engine = Engine::builtin();
        let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        let mut request = Request::new(action, engine.purpose(purpose).unwrap(), at)
            .subject(Subject::new().birth_date(NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()))
            .evidence(evidence);
        for category in categories {
            request = request.category(engine.category(category).unwrap());
        }
        let decision = engine.decide(&request);
        assert!(decision.is_permit(), "{decision:?}");
        decision.explain(engine).to_string()
    }

    /// A deletion rests on no basis; its explanation said the acquirer of a
    /// merger stayed bound, which had nothing to do with it.
    #[test]
    fn a_deletion_is_explained_as_a_deletion() {
        let text = explained(
            Action::Delete,
            "rights.deregistration",
            &["account", "content.upload"],
            Evidence::new(),
        );
        assert!(
            text.contains("deleting is lawful unless the law keeps the data"),
            "{text}"
        );
        assert!(!text.contains("acquirer"), "{text}");
    }

    #[test]
    fn a_permit_on_a_basis_names_it() {
        let text = explained(
            Action::Collect,
            "account.registration",
            &["account.phone"],
            Evidence::new().contract(),
        );
        assert!(text.starts_with("Permit, on the basis of"), "{text}");
    }
}
