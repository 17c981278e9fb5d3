//! The data-protection regimes a decision is made under (PIPL, GDPR), their
//! territorial areas, and the transfer mechanisms each recognises.
//!
//! A regime's area decides whether a flow is *abroad*: under PIPL anything
//! outside mainland China (Hong Kong, Macao and Taiwan are outside), under
//! the GDPR anything outside the European Economic Area (an adequate country
//! too: adequacy is its mechanism, not an exemption from the rules).

use crate::basis::{Basis, BasisSet};
use crate::decision::request::TransferMechanism;
use crate::subject::age::AgeBoundary;
use crate::subject::region::RegionCode;
use crate::vocab::{BitSet, vocabulary};

vocabulary! {
    /// A data-protection regime.
    pub enum Regime as "regime" {
        /// China's Personal Information Protection Law, with CAC-2019's
        /// children's rules and the 2024 cross-border provisions.
        Pipl = "pipl",
        /// The EU General Data Protection Regulation (and ePrivacy).
        Gdpr = "gdpr",
    }
}

/// The member states of the European Economic Area: the EU 27 and Iceland,
/// Liechtenstein and Norway; and the parts of member states with codes of
/// their own that are in the Union (TFEU art. 349, 355): France's outermost
/// regions (Guadeloupe, French Guiana, Martinique, Réunion, Mayotte,
/// Saint-Martin), Finland's Åland, Spain's Canary Islands.
const EEA: [&str; 38] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GP", "GF",
    "MQ", "RE", "YT", "MF", "AX", "IC",
];

/// Region codes that name a group rather than one state.
const EEA_GROUPS: [&str; 2] = ["EU", "EEA"];

/// The key ([`RegionCode::key`]) of an upper-case code of at most eight bytes.
#[allow(
    clippy::indexing_slicing,
    reason = "const fn, bounds checked in the loop"
)]
const fn key(code: &str) -> u64 {
    let text = code.as_bytes();
    let mut bytes = [0u8; 8];
    let mut i = 0;
    while i < text.len() && i < 8 {
        bytes[i] = text[i];
        i += 1;
    }
    u64::from_le_bytes(bytes)
}

const CN: u64 = key("CN");
const EU: u64 = key(EEA_GROUPS[0]);
const EEA_GROUP: u64 = key(EEA_GROUPS[1]);

/// The EEA states as a bit map of two-letter codes: row the first letter,
/// bit the second. Built from [`EEA`], so the list stays the one truth.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: a bad index fails the build"
)]
const EEA_MAP: [u32; 26] = {
    let mut map = [0u32; 26];
    let mut i = 0;
    while i < EEA.len() {
        let code = EEA[i].as_bytes();
        map[(code[0] - b'A') as usize] |= 1 << (code[1] - b'A');
        i += 1;
    }
    map
};

/// Whether the code (by its key) is an EEA state: integer work only
/// (this runs inside `decide()`, several times a decision).
fn eea_state(key: u64) -> bool {
    if key >> 16 != 0 {
        return false;
    }
    let [first, second, ..] = key.to_le_bytes();
    if !first.is_ascii_uppercase() || !second.is_ascii_uppercase() {
        return false;
    }
    EEA_MAP
        .get(usize::from(first - b'A'))
        .is_some_and(|row| row & (1 << (second - b'A')) != 0)
}

/// Whether the code (by its key) is a group code of the EEA (`EU`, `EEA`).
fn eea_group(key: u64) -> bool {
    key == EU || key == EEA_GROUP
}

impl Regime {
    /// The regime of a jurisdiction, by its code: `CN` is PIPL, the EEA
    /// states (and the group codes `EU`, `EEA`) are the GDPR, any other
    /// jurisdiction has no regime the engine knows.
    pub fn of_region(code: RegionCode) -> Option<Regime> {
        let code = code.key();
        if code == CN {
            Some(Regime::Pipl)
        } else if eea_state(code) || eea_group(code) {
            Some(Regime::Gdpr)
        } else {
            None
        }
    }

    /// Whether `region` lies inside the regime's area.
    pub fn covers(self, region: RegionCode) -> bool {
        Regime::of_region(region) == Some(self)
    }

    /// Whether a transfer mechanism belongs to this regime.
    pub fn recognises(self, mechanism: TransferMechanism) -> bool {
        use TransferMechanism as M;
        match self {
            Regime::Pipl => matches!(
                mechanism,
                M::SecurityAssessment
                    | M::Certification
                    | M::StandardContract
                    | M::ExemptContract
                    | M::ExemptHr
                    | M::ExemptEmergency
                    | M::ExemptSmallVolume
                    | M::ExemptForeignOrigin
                    | M::Treaty
            ),
            Regime::Gdpr => matches!(
                mechanism,
                M::Adequacy
                    | M::Scc
                    | M::Bcr
                    | M::Derogation
                    | M::DerogationConsent
                    | M::DerogationContract
                    | M::DerogationPublicInterest
                    | M::DerogationLegalClaims
                    | M::DerogationVitalInterests
            ),
        }
    }
}

/// What a policy sets for a regime (`[[regime]]`), each with the law's
/// default: the bases that exist, how birthdays count, whether the
/// children's layer (CAC-2019) applies, whether device or log data can be
/// non-personal, whether reading a terminal needs consent (ePrivacy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RegimeSettings {
    pub(crate) bases: BasisSet,
    pub(crate) age_boundary: AgeBoundary,
    pub(crate) children: bool,
    pub(crate) may_be_non_personal: bool,
    pub(crate) terminal_consent: bool,
}

impl Regime {
    /// The law's defaults: PIPL art. 13 (no legitimate interests, no public
    /// task), ages from the day after the birthday, CAC-2019's children's
    /// rules, device information that may be non-personal (GB/T 35273);
    /// GDPR art. 6 (no public-data basis), ages on the birthday itself,
    /// online identifiers always personal (recital 30), ePrivacy art. 5(3).
    pub(crate) fn defaults(self) -> RegimeSettings {
        let bases = |list: &[Basis]| list.iter().copied().collect::<BasisSet>();
        match self {
            Regime::Pipl => RegimeSettings {
                bases: bases(&[
                    Basis::Consent,
                    Basis::Contract,
                    Basis::Emergency,
                    Basis::LegalObligation,
                    Basis::PublicData,
                ]),
                age_boundary: AgeBoundary::DayAfter,
                children: true,
                may_be_non_personal: true,
                terminal_consent: false,
            },
            Regime::Gdpr => RegimeSettings {
                bases: bases(&[
                    Basis::Consent,
                    Basis::Contract,
                    Basis::Emergency,
                    Basis::LegalObligation,
                    Basis::LegitimateInterests,
                    Basis::PublicTask,
                ]),
                age_boundary: AgeBoundary::Birthday,
                children: false,
                may_be_non_personal: false,
                terminal_consent: true,
            },
        }
    }
}

/// The settings of every regime, by regime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Regimes([RegimeSettings; 2]);

impl Default for Regimes {
    fn default() -> Regimes {
        Regimes([Regime::Pipl.defaults(), Regime::Gdpr.defaults()])
    }
}

impl Regimes {
    pub(crate) fn get(&self, regime: Regime) -> RegimeSettings {
        match self.0.get(regime.index() as usize) {
            Some(settings) => *settings,
            None => regime.defaults(),
        }
    }

    pub(crate) fn set(&mut self, regime: Regime, settings: RegimeSettings) {
        if let Some(slot) = self.0.get_mut(regime.index() as usize) {
            *slot = settings;
        }
    }
}

/// The EEA states that are not in the European Union.
const EEA_ONLY: [&str; 3] = ["IS", "LI", "NO"];

/// Whether `region` lies within `area`: the same code, or a state inside a
/// group code. `EEA` holds the 30 states (and `EU`); `EU` holds the 27
/// member states of the Union, not Iceland, Liechtenstein or Norway.
/// Inlined: every decision asks it once, of the collection place and the
/// storage region, and the call cost more than the compare.
#[inline]
pub(crate) fn within(region: RegionCode, area: RegionCode) -> bool {
    let (region, area) = (region.key(), area.key());
    if region == area {
        return true;
    }
    if area == EEA_GROUP {
        return eea_state(region) || region == EU;
    }
    area == EU && eea_state(region) && !EEA_ONLY.iter().any(|&c| key(c) == region)
}

/// A set of regimes, inline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct RegimeSet(BitSet);

impl RegimeSet {
    pub(crate) const EMPTY: RegimeSet = RegimeSet(BitSet::EMPTY);

    pub(crate) const fn with(self, regime: Regime) -> RegimeSet {
        RegimeSet(self.0.with(regime.index()))
    }

    pub(crate) const fn contains(self, regime: Regime) -> bool {
        self.0.contains(regime.index())
    }

    pub(crate) const fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Regime> {
        Regime::ALL
            .iter()
            .copied()
            .filter(move |r| self.contains(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::new(s).unwrap()
    }

    #[test]
    fn hong_kong_macao_and_taiwan_are_outside_mainland_china() {
        assert!(Regime::Pipl.covers(code("CN")));
        for outside in ["HK", "MO", "TW", "SG", "US"] {
            assert!(!Regime::Pipl.covers(code(outside)), "{outside}");
        }
    }

    /// The integer reading of codes agrees with the lists, for every code
    /// of one to three letters or digits.
    #[test]
    fn region_keys_agree_with_the_lists() {
        let alphabet: Vec<char> = ('A'..='Z').chain('0'..='9').collect();
        let mut codes: Vec<String> = alphabet.iter().map(char::to_string).collect();
        for &a in &alphabet {
            for &b in &alphabet {
                codes.push(format!("{a}{b}"));
                codes.push(format!("{a}{b}E"));
            }
        }
        codes.push("EEA".into());
        codes.push("EU-X".into());
        for text in &codes {
            let region = code(text);
            let by_list = if text == "CN" {
                Some(Regime::Pipl)
            } else if EEA.contains(&text.as_str()) || EEA_GROUPS.contains(&text.as_str()) {
                Some(Regime::Gdpr)
            } else {
                None
            };
            assert_eq!(Regime::of_region(region), by_list, "{text}");
            for area in ["EU", "EEA", "CN", "DE"] {
                let in_eu = EEA.contains(&text.as_str()) && !EEA_ONLY.contains(&text.as_str());
                let by_list = text == area
                    || (area == "EEA" && (EEA.contains(&text.as_str()) || text == "EU"))
                    || (area == "EU" && in_eu);
                assert_eq!(within(region, code(area)), by_list, "{text} within {area}");
            }
        }
    }

    #[test]
    fn the_eea_is_the_eu_and_iceland_liechtenstein_norway() {
        for inside in ["DE", "FR", "IS", "LI", "NO", "EU"] {
            assert!(Regime::Gdpr.covers(code(inside)), "{inside}");
        }
        for inside in ["RE", "GP", "MQ", "GF", "YT", "MF", "AX", "IC"] {
            assert!(Regime::Gdpr.covers(code(inside)), "{inside}");
            assert!(within(code(inside), code("EU")), "{inside}");
        }
        for outside in ["CH", "GB", "US", "CN", "JP", "PF", "NC", "GL", "FO"] {
            assert!(!Regime::Gdpr.covers(code(outside)), "{outside}");
        }
        assert!(within(code("DE"), code("EU")));
        assert!(within(code("NO"), code("EEA")));
        // Norway is in the EEA, not the Union: a commitment to store in the
        // EU is not kept in Oslo.
        assert!(!within(code("NO"), code("EU")));
        assert!(!within(code("EEA"), code("EU")));
        assert!(!within(code("DE"), code("CN")));
        assert!(within(code("CN"), code("CN")));
    }
}
