//! The adequacy table (GDPR art. 45): which destinations the European
//! Commission has found adequate, from when, until when, and for whom.
//! Public law with dates, kept as data: the engine's own table
//! (`adequacy.toml`, dated) unless a policy declares its own
//! `[[adequacy]]` entries. `adequacy` holds only for a destination on the
//! table, on a date its decision covers, for a recipient within its scope.

use chrono::NaiveDate;

use crate::subject::region::RegionCode;

/// The engine's own adequacy table, as TOML (`[[adequacy]]` entries).
pub(crate) const BUILTIN: &str = include_str!("adequacy.toml");

/// The date the engine's own table was last checked against the
/// Commission's list.
pub(crate) const BUILTIN_REVIEWED: (i32, u32, u32) = (2026, 12, 7);

/// Whom an adequacy decision covers in its country.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AdequacyScope {
    /// Every recipient there.
    Whole,
    /// Only recipients certified under the EU-US Data Privacy Framework.
    Dpf,
    /// Only recipients in this sector (`recipient.adequacy_scope`).
    Sector(Box<str>),
}

impl AdequacyScope {
    /// The scope a table entry names: none, `dpf`, or a sector.
    pub(crate) fn of(name: Option<&str>) -> AdequacyScope {
        match name.map(str::trim) {
            None | Some("") => AdequacyScope::Whole,
            Some("dpf") => AdequacyScope::Dpf,
            Some(sector) => AdequacyScope::Sector(sector.into()),
        }
    }
}

/// One adequacy decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AdequacyDecision {
    pub(crate) region: RegionCode,
    pub(crate) from: NaiveDate,
    /// The last day it covers, if it ends.
    pub(crate) until: Option<NaiveDate>,
    pub(crate) scope: AdequacyScope,
    pub(crate) law: Box<str>,
}

/// The adequacy decisions a policy relies on, and when they were reviewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Adequacy {
    pub(crate) decisions: Vec<AdequacyDecision>,
    /// When the table was last checked (the engine's own, or the policy's
    /// `adequacy_reviewed`).
    pub(crate) reviewed: Option<NaiveDate>,
    /// Whether the table is the engine's own.
    pub(crate) builtin: bool,
}

impl Adequacy {
    /// Whether a transfer to `region` on the day `on` may rest on adequacy
    /// for a recipient that is (or not) certified under the Data Privacy
    /// Framework and names the sector `scope`: a decision for the region
    /// covers the day, and the recipient is within its scope. `UK` is `GB`.
    pub(crate) fn holds(
        &self,
        region: RegionCode,
        on: NaiveDate,
        dpf_certified: bool,
        scope: Option<&str>,
    ) -> bool {
        let region = if region.as_str() == "UK" {
            RegionCode::new("GB").unwrap_or(region)
        } else {
            region
        };
        self.decisions.iter().any(|d| {
            d.region == region
                && d.from <= on
                && d.until.is_none_or(|until| on <= until)
                && match &d.scope {
                    AdequacyScope::Whole => true,
                    AdequacyScope::Dpf => dpf_certified,
                    AdequacyScope::Sector(sector) => scope.is_some_and(|s| s.trim() == &**sector),
                }
        })
    }
}
