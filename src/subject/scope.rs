//! Which laws govern a request: worked out from facts — where the handler is
//! established, where the data is kept, where the subject was when it was
//! collected, whom the policy targets — never from the subject's
//! nationality or residence.
//!
//! - **PIPL** (art. 3) governs processing by a handler in mainland China,
//!   every flow of data the policy keeps there, and, for a handler abroad,
//!   the data of persons who were in mainland China when it was collected,
//!   processed to serve them or analyse their behaviour (`pipl_targets`).
//! - **The GDPR** (art. 3) governs processing in the context of an
//!   establishment in the EEA (`gdpr_establishment`), whoever the subject;
//!   otherwise the data of persons who were in an EEA state the policy
//!   targets or monitors (`gdpr_targets`) when it was collected.
//!
//! Every layer of every regime that applies is applied; any deny wins.
//!
//! # Example: a French user's data kept by a handler in China
//!
//! ```
//! use lawful::Engine;
//!
//! let engine = Engine::builtin();
//! let fr = engine.jurisdiction("FR")?;
//! // PIPL (the handler is in China) and the GDPR (the policy targets France)
//! // both govern; a French 12-year-old is a child under both.
//! # let _ = fr;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::subject::age::AgeBoundary;
use crate::subject::regime::{Regime, RegimeSet, within};
use crate::subject::region::RegionCode;

/// A short list of region codes. Membership is `within`: a state is in a
/// set that holds its group code (`DE` in a set holding `EEA`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RegionSet {
    codes: Vec<RegionCode>,
}

impl RegionSet {
    pub(crate) fn new(codes: impl IntoIterator<Item = RegionCode>) -> RegionSet {
        RegionSet {
            codes: codes.into_iter().collect(),
        }
    }

    /// Whether `region` lies within one of the set's codes.
    pub(crate) fn contains(&self, region: RegionCode) -> bool {
        self.codes.iter().any(|&area| within(region, area))
    }
}

/// A regime's children's threshold: younger than `age`, in completed years
/// counted with `boundary`, is a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChildAge {
    pub(crate) age: u8,
    pub(crate) boundary: AgeBoundary,
}

/// Under 18: a minor (PIPL art. 31 reads "minors under 14" as children; the
/// Regulations on the Protection of Minors Online protect every minor).
pub(crate) const MINOR_AGE: u32 = 18;

/// What decides which regimes apply (the policy's `[policy]` keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    /// Where the handler (the controller) is established.
    pub(crate) handler_region: RegionCode,
    /// An establishment in the EEA in whose context the processing happens.
    pub(crate) gdpr_establishment: Option<RegionCode>,
    /// The EEA states whose people the policy targets or monitors.
    pub(crate) gdpr_targets: RegionSet,
    /// Where people are whom a handler abroad serves in mainland China.
    pub(crate) pipl_targets: RegionSet,
    /// PIPL's children's threshold (14, from the day after the birthday).
    pub(crate) pipl_child: ChildAge,
    /// The GDPR's art. 8 age where no member state's applies (16).
    pub(crate) gdpr_child: ChildAge,
}

impl Scope {
    /// The regimes that govern data collected in `collected_in`: by the
    /// handler's establishment, the policy's storage (unless this
    /// collection or storage happens elsewhere: `kept_elsewhere`), and the
    /// policy's targets.
    pub(crate) fn regimes(
        &self,
        collected_in: RegionCode,
        storage_region: RegionCode,
        kept_elsewhere: bool,
    ) -> RegimeSet {
        let mut regimes = RegimeSet::EMPTY;
        let pipl = Regime::Pipl.covers(self.handler_region)
            || (Regime::Pipl.covers(storage_region) && !kept_elsewhere)
            || self.pipl_targets.contains(collected_in);
        if pipl {
            regimes = regimes.with(Regime::Pipl);
        }
        let gdpr = self.gdpr_establishment.is_some() || self.gdpr_targets.contains(collected_in);
        if gdpr {
            regimes = regimes.with(Regime::Gdpr);
        }
        regimes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::new(s).unwrap()
    }

    fn seed_like() -> Scope {
        Scope {
            handler_region: code("CN"),
            gdpr_establishment: None,
            gdpr_targets: RegionSet::new([code("EEA")]),
            pipl_targets: RegionSet::new([code("CN")]),
            pipl_child: ChildAge {
                age: 14,
                boundary: AgeBoundary::DayAfter,
            },
            gdpr_child: ChildAge {
                age: 16,
                boundary: AgeBoundary::Birthday,
            },
        }
    }

    /// Where the data was collected decides the GDPR, not the passport; the
    /// handler in China brings PIPL to everyone.
    #[test]
    fn regimes_follow_the_processing() {
        let scope = seed_like();
        let both = RegimeSet::EMPTY.with(Regime::Pipl).with(Regime::Gdpr);
        let pipl = RegimeSet::EMPTY.with(Regime::Pipl);
        assert_eq!(scope.regimes(code("FR"), code("CN"), false), both);
        assert_eq!(scope.regimes(code("CN"), code("CN"), false), pipl);
        assert_eq!(scope.regimes(code("US"), code("CN"), false), pipl);
        assert_eq!(scope.regimes(code("NO"), code("CN"), false), both);
    }

    /// A handler in the EEA: the GDPR for everyone; PIPL only for the data
    /// of people it serves in China.
    #[test]
    fn an_eea_establishment_brings_the_gdpr_to_everyone() {
        let scope = Scope {
            handler_region: code("DE"),
            gdpr_establishment: Some(code("DE")),
            gdpr_targets: RegionSet::default(),
            pipl_targets: RegionSet::default(),
            ..seed_like()
        };
        let gdpr = RegimeSet::EMPTY.with(Regime::Gdpr);
        assert_eq!(scope.regimes(code("CN"), code("EU"), false), gdpr);
        assert_eq!(scope.regimes(code("US"), code("EU"), false), gdpr);
        let targeting = Scope {
            pipl_targets: RegionSet::new([code("CN")]),
            ..scope
        };
        assert!(
            targeting
                .regimes(code("CN"), code("EU"), false)
                .contains(Regime::Pipl)
        );
        assert!(
            !targeting
                .regimes(code("FR"), code("EU"), false)
                .contains(Regime::Pipl)
        );
    }
}
