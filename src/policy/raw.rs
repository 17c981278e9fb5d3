//! The first stage of loading: TOML text to plain structs that mirror the
//! file, every value checked in place so its diagnostic points at it.
//!
//! This walks toml's spanned document tree by hand rather than deriving
//! serde: serde stops at the first error, and a policy author must get
//! every problem in one load. Each table checks its keys against the keys it
//! knows (so `categorie` gets `did you mean categories?`), and each value is
//! parsed on its own (a bad duration, an unknown action or basis), with the
//! caret under that value. Cross-references between values (an undeclared
//! category in a rule, duplicate ids) are the next stage's work.

use std::fmt::Display;
use std::ops::Range;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate};
use toml::Spanned as TomlSpanned;
use toml::de::{DeTable, DeValue};

use crate::action::Action;
use crate::basis::Basis;
use crate::decision::TransferMechanism;
use crate::error::{Diagnostic, DiagnosticKind};
use crate::outcome::ObligationCode;
use crate::recipient::RecipientKind;
use crate::retention::{Disposal, Period, Retention};
use crate::subject::age::AgeBoundary;
use crate::subject::civil_time::TimeZone;
use crate::subject::regime::Regime;
use crate::subject::region::RegionCode;
use crate::suggest::did_you_mean;
use crate::vocab::UnknownWord;

use super::SubjectScope;

/// A value with the byte range it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Range<usize>,
}

impl<T> Spanned<T> {
    fn new(value: T, span: Range<usize>) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// A list entry that is either a name or the wildcard `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pattern<T> {
    Any,
    Is(T),
}

#[derive(Debug)]
pub(crate) struct RawPolicy {
    pub(crate) meta: Option<RawMeta>,
    pub(crate) rights: RawRights,
    pub(crate) retention: RawRetentionSettings,
    pub(crate) jurisdictions: Vec<RawJurisdiction>,
    /// Every jurisdiction code written, even in tables with other problems,
    /// so a bad table does not also make its code "undeclared".
    pub(crate) jurisdiction_codes: Vec<RegionCode>,
    pub(crate) categories: Vec<RawCategory>,
    pub(crate) purposes: Vec<RawPurpose>,
    pub(crate) permits: Vec<RawRule>,
    pub(crate) denies: Vec<RawRule>,
    pub(crate) regimes: Vec<RawRegime>,
    pub(crate) minimums: Vec<RawMinimum>,
    /// The policy's own adequacy table (`None`: the engine's).
    pub(crate) adequacy: Option<Vec<RawAdequacy>>,
    /// The `[record]` table (see the section at the end of this file).
    pub(crate) record: RawRecord,
}

/// A `[[minimum_retention]]` table: a period the law keeps some data for.
#[derive(Debug)]
pub(crate) struct RawMinimum {
    pub(crate) regime: Spanned<Regime>,
    pub(crate) categories: Vec<Spanned<Pattern<String>>>,
    pub(crate) purposes: Vec<Spanned<Pattern<String>>>,
    pub(crate) period: Spanned<Period>,
    pub(crate) law: Spanned<String>,
}

/// An `[[adequacy]]` entry: one adequacy decision (GDPR art. 45).
#[derive(Debug)]
pub(crate) struct RawAdequacy {
    pub(crate) region: Spanned<RegionCode>,
    pub(crate) from: Spanned<NaiveDate>,
    pub(crate) until: Option<Spanned<NaiveDate>>,
    pub(crate) scope: Option<Spanned<String>>,
    pub(crate) law: Spanned<String>,
}

/// A `[[regime]]` table: the policy's settings for a data-protection regime.
#[derive(Debug)]
pub(crate) struct RawRegime {
    pub(crate) name: Spanned<Regime>,
    pub(crate) bases: Option<Vec<Spanned<Basis>>>,
    pub(crate) age_boundary: Option<Spanned<AgeBoundary>>,
    pub(crate) children: Option<bool>,
    pub(crate) may_be_non_personal: Option<bool>,
    pub(crate) terminal_consent: Option<bool>,
}

#[derive(Debug)]
pub(crate) struct RawMeta {
    pub(crate) id: Spanned<String>,
    pub(crate) version: Spanned<String>,
    pub(crate) title: Option<Spanned<String>>,
    pub(crate) home_jurisdiction: Spanned<RegionCode>,
    pub(crate) storage_region: Spanned<RegionCode>,
    /// Whether the policy commits to keep the data of subjects within the
    /// storage region there (collect and store); default true.
    pub(crate) localization: Option<bool>,
    /// A critical-information-infrastructure operator: no small-volume
    /// exemption for transfers abroad.
    pub(crate) cii_operator: Option<bool>,
    /// Where the handler is established (default: the home jurisdiction).
    pub(crate) handler_region: Option<Spanned<RegionCode>>,
    /// An establishment in the EEA whose processing this is.
    pub(crate) gdpr_establishment: Option<Spanned<RegionCode>>,
    /// The EEA states whose people the policy targets or monitors.
    pub(crate) gdpr_targets: Option<Vec<Spanned<RegionCode>>>,
    /// Where the people are whom a handler abroad serves under PIPL.
    pub(crate) pipl_targets: Option<Vec<Spanned<RegionCode>>>,
    /// When the policy's `[[adequacy]]` table was last checked.
    pub(crate) adequacy_reviewed: Option<Spanned<NaiveDate>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawRights {
    pub(crate) response_days: Option<Spanned<u32>>,
    pub(crate) eu_response_months: Option<Spanned<u32>>,
    pub(crate) fee_threshold: Option<Spanned<u32>>,
    pub(crate) fee_window: Option<Spanned<Period>>,
    pub(crate) clause: Option<Spanned<String>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawRetentionSettings {
    pub(crate) disposal: Option<Spanned<Disposal>>,
    pub(crate) backup_lag: Option<Spanned<Period>>,
    pub(crate) clause: Option<Spanned<String>>,
}

#[derive(Debug)]
pub(crate) struct RawJurisdiction {
    pub(crate) code: Spanned<RegionCode>,
    pub(crate) child_age: Spanned<u8>,
    /// Where ages are counted: an IANA zone (`time_zone`) or a fixed offset
    /// (`utc_offset`).
    pub(crate) time_zone: Spanned<TimeZone>,
    /// For a jurisdiction with several zones: the one where midnight comes
    /// last; ages are counted there too, and the younger wins.
    pub(crate) latest_time_zone: Option<Spanned<TimeZone>>,
    pub(crate) age_boundary: Option<Spanned<AgeBoundary>>,
    pub(crate) regime: Option<Spanned<Regime>>,
    pub(crate) law: Option<Spanned<String>>,
    pub(crate) clause: Option<Spanned<String>>,
}

#[derive(Debug)]
pub(crate) struct RawCategory {
    pub(crate) name: Spanned<String>,
    pub(crate) clause: Option<Spanned<String>>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) sensitive: Option<bool>,
    pub(crate) identifying: Option<bool>,
    pub(crate) unique_identifier: Option<bool>,
    pub(crate) device_or_log: Option<bool>,
    pub(crate) never_provided: Option<bool>,
    pub(crate) only_for: Option<Vec<Spanned<String>>>,
    pub(crate) special: Option<bool>,
    pub(crate) terminal: Option<bool>,
    pub(crate) may_be_non_personal: Option<bool>,
}

#[derive(Debug)]
pub(crate) struct RawPurpose {
    pub(crate) name: Spanned<String>,
    pub(crate) clause: Option<Spanned<String>>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) before_guardian_consent: bool,
    pub(crate) hr: Option<bool>,
    pub(crate) protective: Option<bool>,
    pub(crate) statutory: Option<bool>,
    pub(crate) strictly_necessary: Option<bool>,
    pub(crate) records_withdrawal: bool,
    pub(crate) to_subject: bool,
}

/// A permit or deny rule as written. Deny rules have no bases, obligations
/// or retention (the key check rejects them).
#[derive(Debug)]
pub(crate) struct RawRule {
    pub(crate) id: Spanned<String>,
    pub(crate) clause: Spanned<String>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) actions: Vec<Spanned<Pattern<Action>>>,
    pub(crate) purposes: Vec<Spanned<Pattern<String>>>,
    pub(crate) categories: Vec<Spanned<Pattern<String>>>,
    pub(crate) recipients: Option<Vec<Spanned<Pattern<RecipientKind>>>>,
    pub(crate) subjects: Option<Spanned<SubjectScope>>,
    pub(crate) requires_known_age: bool,
    /// `unknown_age = "adult"`: a subject of unknown age is decided as an
    /// adult only, where this rule is what permits.
    pub(crate) unknown_age_adult: Option<Spanned<bool>>,
    /// `occasional = true`: the flows it permits abroad are occasional (what
    /// the GDPR art. 49(1)(b) and (e) derogations need).
    pub(crate) occasional: Option<Spanned<bool>>,
    pub(crate) bases: Vec<Spanned<Basis>>,
    /// How many entries `bases` had as written, valid or not.
    pub(crate) bases_written: usize,
    pub(crate) obligations: Vec<Spanned<ObligationCode>>,
    pub(crate) retention: Option<Spanned<Retention>>,
    /// Whether `retention` was written (even if invalid).
    pub(crate) retention_written: bool,
}

const TOP_KEYS: &[&str] = &[
    "policy",
    "rights",
    "retention",
    "jurisdiction",
    "category",
    "purpose",
    "permit",
    "deny",
    "regime",
    "minimum_retention",
    "adequacy",
    "record",
];
const MINIMUM_KEYS: &[&str] = &["regime", "categories", "purposes", "period", "law"];
const ADEQUACY_KEYS: &[&str] = &["region", "from", "until", "scope", "law"];
const REGIME_KEYS: &[&str] = &[
    "name",
    "bases",
    "age_boundary",
    "children",
    "may_be_non_personal",
    "terminal_consent",
];
const META_KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "home_jurisdiction",
    "storage_region",
    "localization",
    "cii_operator",
    "handler_region",
    "gdpr_establishment",
    "gdpr_targets",
    "pipl_targets",
    "adequacy_reviewed",
];
const RIGHTS_KEYS: &[&str] = &[
    "response_days",
    "eu_response_months",
    "fee_threshold",
    "fee_window",
    "clause",
];
const RETENTION_KEYS: &[&str] = &["disposal", "backup_lag", "clause"];
const JURISDICTION_KEYS: &[&str] = &[
    "code",
    "child_age",
    "time_zone",
    "latest_time_zone",
    "utc_offset",
    "age_boundary",
    "regime",
    "law",
    "clause",
];
const CATEGORY_KEYS: &[&str] = &[
    "name",
    "clause",
    "description",
    "sensitive",
    "identifying",
    "unique_identifier",
    "device_or_log",
    "never_provided",
    "only_for",
    "special",
    "terminal",
    "may_be_non_personal",
];
const PURPOSE_KEYS: &[&str] = &[
    "name",
    "clause",
    "description",
    "before_guardian_consent",
    "hr",
    "protective",
    "statutory",
    "strictly_necessary",
    "records_withdrawal",
    "to_subject",
];
const PERMIT_KEYS: &[&str] = &[
    "id",
    "clause",
    "description",
    "actions",
    "purposes",
    "categories",
    "recipients",
    "subjects",
    "requires_known_age",
    "unknown_age",
    "occasional",
    "bases",
    "obligations",
    "retention",
];
const DENY_KEYS: &[&str] = &[
    "id",
    "clause",
    "description",
    "actions",
    "purposes",
    "categories",
    "recipients",
    "subjects",
];

/// Parses a policy file into raw structs, adding every problem to `diags`.
/// What could be read is returned even when there are problems, so the next
/// stage can find more.
pub(crate) fn parse(text: &str, diags: &mut Vec<Diagnostic>) -> RawPolicy {
    let (document, errors) = DeTable::parse_recoverable(text);
    let syntax_errors = !errors.is_empty();
    for error in errors {
        let span = error.span().unwrap_or(0..0);
        let message = first_line(error.message());
        diags.push(Diagnostic::new(DiagnosticKind::Syntax, span, message));
    }
    // After a syntax error the recovered tree is a guess: checking it would
    // report problems that are only echoes of the syntax error.
    let mut scratch = Vec::new();
    let diags = if syntax_errors { &mut scratch } else { diags };
    let root = Table {
        entries: document.get_ref(),
        span: 0..0,
        what: "the policy file".into(),
    };
    root.check_keys(TOP_KEYS, diags);

    let meta = root.get("policy").and_then(|v| {
        let table = Table::of(v, "the `[policy]` table", META_KEYS, diags)?;
        read_meta(&table, diags)
    });
    let rights = root
        .get("rights")
        .and_then(|v| Table::of(v, "the `[rights]` table", RIGHTS_KEYS, diags))
        .map(|t| read_rights(&t, diags))
        .unwrap_or_default();
    let retention = root
        .get("retention")
        .and_then(|v| Table::of(v, "the `[retention]` table", RETENTION_KEYS, diags))
        .map(|t| read_retention(&t, diags))
        .unwrap_or_default();
    let jurisdictions = each_table(
        &root,
        "jurisdiction",
        JURISDICTION_KEYS,
        diags,
        read_jurisdiction,
    );
    let categories = each_table(&root, "category", CATEGORY_KEYS, diags, read_category);
    let purposes = each_table(&root, "purpose", PURPOSE_KEYS, diags, read_purpose);
    let permits = each_table(&root, "permit", PERMIT_KEYS, diags, read_rule);
    let denies = each_table(&root, "deny", DENY_KEYS, diags, read_rule);
    let regimes = each_table(&root, "regime", REGIME_KEYS, diags, read_regime);
    let minimums = each_table(
        &root,
        "minimum_retention",
        MINIMUM_KEYS,
        diags,
        read_minimum,
    );
    let adequacy = root
        .get("adequacy")
        .map(|_| each_table(&root, "adequacy", ADEQUACY_KEYS, diags, read_adequacy));
    let record = read_record(&root, diags);

    if meta.is_none() && root.get("policy").is_none() {
        diags.push(
            Diagnostic::new(DiagnosticKind::MissingKey, 0..0, "missing `[policy]` table")
                .help("start the file with `[policy]` and its `id`, `version`, `home_jurisdiction` and `storage_region`"),
        );
    }

    let jurisdiction_codes = root
        .get("jurisdiction")
        .and_then(|v| v.get_ref().as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.get_ref().get("code")?.get_ref().as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    RawPolicy {
        meta,
        rights,
        retention,
        jurisdictions,
        jurisdiction_codes,
        categories,
        purposes,
        permits,
        denies,
        regimes,
        minimums,
        adequacy,
        record,
    }
}

/// Reads a file of `[[adequacy]]` entries alone (the engine's own table).
pub(crate) fn parse_adequacy(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<RawAdequacy> {
    let (document, errors) = DeTable::parse_recoverable(text);
    for error in errors {
        let span = error.span().unwrap_or(0..0);
        diags.push(Diagnostic::new(
            DiagnosticKind::Syntax,
            span,
            first_line(error.message()),
        ));
    }
    let root = Table {
        entries: document.get_ref(),
        span: 0..0,
        what: "the adequacy table".into(),
    };
    root.check_keys(&["adequacy"], diags);
    each_table(&root, "adequacy", ADEQUACY_KEYS, diags, read_adequacy)
}

fn read_adequacy(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawAdequacy> {
    let region = t.required_parsed("region", d);
    let from = t.required_parsed("from", d);
    let law = t.required_string("law", d);
    Some(RawAdequacy {
        region: region?,
        from: from?,
        until: t.parsed("until", d),
        scope: t.string("scope", d),
        law: law?,
    })
}

fn read_minimum(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawMinimum> {
    let regime = t.required_parsed("regime", d);
    let categories = t.required_list("categories", d, |s| Ok(name_pattern(s)));
    let purposes = t.required_list("purposes", d, |s| Ok(name_pattern(s)));
    let period = t.required_parsed("period", d);
    let law = t.required_string("law", d);
    Some(RawMinimum {
        regime: regime?,
        categories: categories?,
        purposes: purposes?,
        period: period?,
        law: law?,
    })
}

fn read_regime(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawRegime> {
    let name = t.required_parsed("name", d);
    let bases = t.list("bases", d, |s| {
        s.parse::<Basis>().map_err(|e| word_error(&e))
    });
    Some(RawRegime {
        name: name?,
        bases,
        age_boundary: t.parsed("age_boundary", d),
        children: t.bool("children", d),
        may_be_non_personal: t.bool("may_be_non_personal", d),
        terminal_consent: t.bool("terminal_consent", d),
    })
}

fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    let mut text: String = line.trim_end_matches('.').into();
    if let Some(first) = text.get(..1) {
        let lower = first.to_lowercase();
        text.replace_range(..1, &lower);
    }
    text
}

/// Reads every table of an array of tables such as `[[permit]]`.
fn each_table<T>(
    root: &Table<'_, '_>,
    key: &str,
    known: &[&str],
    diags: &mut Vec<Diagnostic>,
    read: fn(&Table<'_, '_>, &mut Vec<Diagnostic>) -> Option<T>,
) -> Vec<T> {
    let Some(value) = root.get(key) else {
        return Vec::new();
    };
    let what = match key {
        "permit" => "permit rule",
        "deny" => "deny rule",
        "recipient" => "record recipient",
        "subject" => "record subject",
        "clause" => "record clause",
        other => other,
    };
    let DeValue::Array(items) = value.get_ref() else {
        diags.push(
            Diagnostic::new(
                DiagnosticKind::WrongType,
                value.span(),
                format!("`{key}` must be an array of tables"),
            )
            .help(format!("write each one as a `[[{key}]]` table")),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let table = Table::of(item, what, known, diags)?;
            read(&table, diags)
        })
        .collect()
}

fn read_meta(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawMeta> {
    let id = t.required_string("id", d);
    let version = t.required_string("version", d);
    let title = t.string("title", d);
    let home_jurisdiction = t.required_parsed("home_jurisdiction", d);
    let storage_region = t.required_parsed("storage_region", d);
    let localization = t.bool("localization", d);
    let cii_operator = t.bool("cii_operator", d);
    let handler_region = t.parsed("handler_region", d);
    let gdpr_establishment = t.parsed("gdpr_establishment", d);
    let region = |s: &str| s.parse::<RegionCode>().map_err(|e| (e.to_string(), None));
    let gdpr_targets = t.list("gdpr_targets", d, region);
    let pipl_targets = t.list("pipl_targets", d, region);
    let adequacy_reviewed = t.parsed("adequacy_reviewed", d);
    Some(RawMeta {
        id: id?,
        version: version?,
        title,
        home_jurisdiction: home_jurisdiction?,
        storage_region: storage_region?,
        localization,
        cii_operator,
        handler_region,
        gdpr_establishment,
        gdpr_targets,
        pipl_targets,
        adequacy_reviewed,
    })
}

fn read_rights(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> RawRights {
    RawRights {
        response_days: t.count("response_days", 1, 366, d),
        eu_response_months: t.count("eu_response_months", 1, 3, d),
        fee_threshold: t.count("fee_threshold", 1, 1000, d),
        fee_window: t.parsed("fee_window", d),
        clause: t.string("clause", d),
    }
}

fn read_retention(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> RawRetentionSettings {
    RawRetentionSettings {
        disposal: t.parsed_word("disposal", d),
        backup_lag: t.parsed("backup_lag", d),
        clause: t.string("clause", d),
    }
}

fn read_jurisdiction(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawJurisdiction> {
    let code = t.required_parsed("code", d);
    let child_age = t.count("child_age", 1, 25, d).map(|age| Spanned {
        // INVARIANT: `count` checked 1 <= age <= 25.
        value: u8::try_from(age.value).unwrap_or(u8::MAX),
        span: age.span,
    });
    if child_age.is_none() && t.get("child_age").is_none() {
        t.missing(
            "child_age",
            "add `child_age = 14` (a subject younger than this is a child)",
            d,
        );
    }
    let utc_offset = t.string("utc_offset", d).and_then(|s| match parse_utc_offset(&s.value) {
        Some(offset) => Some(Spanned::new(TimeZone::fixed(offset), s.span)),
        None => {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::InvalidValue,
                    s.span,
                    format!("invalid UTC offset `{}`", s.value),
                )
                .help("write it as `+08:00` or `-05:30`, or name the zone: `time_zone = \"Asia/Shanghai\"`"),
            );
            None
        }
    });
    let named = t.parsed::<TimeZone>("time_zone", d);
    if t.get("time_zone").is_some() && t.get("utc_offset").is_some() {
        if let Some(value) = t.get("utc_offset") {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::InvalidValue,
                    value.span(),
                    "a jurisdiction counts ages in `time_zone` or in `utc_offset`, not both",
                )
                .help("keep `time_zone`: it knows daylight saving"),
            );
        }
    } else if t.get("time_zone").is_none() && t.get("utc_offset").is_none() {
        t.missing(
            "time_zone",
            "add `time_zone = \"Asia/Shanghai\"` (an IANA zone: ages count on its calendar)",
            d,
        );
    }
    let time_zone = named.or(utc_offset);
    let latest_time_zone = t.parsed::<TimeZone>("latest_time_zone", d);
    let age_boundary = t.parsed("age_boundary", d);
    let regime = t.parsed_word("regime", d);
    let law = t.string("law", d);
    let clause = t.string("clause", d);
    Some(RawJurisdiction {
        code: code?,
        child_age: child_age?,
        time_zone: time_zone?,
        latest_time_zone,
        age_boundary,
        regime,
        law,
        clause,
    })
}

/// Parses `+08:00`, `-05:30` or `Z`.
pub(crate) fn parse_utc_offset(text: &str) -> Option<FixedOffset> {
    if text == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn read_category(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawCategory> {
    let name = t.required_string("name", d);
    let clause = t.string("clause", d);
    let description = t.string("description", d);
    let sensitive = t.bool("sensitive", d);
    let identifying = t.bool("identifying", d);
    let unique_identifier = t.bool("unique_identifier", d);
    let device_or_log = t.bool("device_or_log", d);
    let never_provided = t.bool("never_provided", d);
    let only_for = t.list("only_for", d, |s| Ok(s.to_owned()));
    let special = t.bool("special", d);
    let terminal = t.bool("terminal", d);
    let may_be_non_personal = t.bool("may_be_non_personal", d);
    Some(RawCategory {
        name: name?,
        clause,
        description,
        sensitive,
        identifying,
        unique_identifier,
        device_or_log,
        never_provided,
        only_for,
        special,
        terminal,
        may_be_non_personal,
    })
}

fn read_purpose(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawPurpose> {
    let name = t.required_string("name", d);
    let clause = t.string("clause", d);
    let description = t.string("description", d);
    let before_guardian_consent = t.bool("before_guardian_consent", d).unwrap_or(false);
    Some(RawPurpose {
        name: name?,
        clause,
        description,
        before_guardian_consent,
        hr: t.bool("hr", d),
        protective: t.bool("protective", d),
        statutory: t.bool("statutory", d),
        strictly_necessary: t.bool("strictly_necessary", d),
        records_withdrawal: t.bool("records_withdrawal", d).unwrap_or(false),
        to_subject: t.bool("to_subject", d).unwrap_or(false),
    })
}

fn read_rule(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawRule> {
    let id = t.required_string("id", d);
    let clause = t.required_string("clause", d);
    let description = t.string("description", d);
    let actions = t.required_list("actions", d, |s| {
        if s == "*" {
            Ok(Pattern::Any)
        } else {
            s.parse::<Action>()
                .map(Pattern::Is)
                .map_err(|e| word_error(&e))
        }
    });
    let purposes = t.required_list("purposes", d, |s| Ok(name_pattern(s)));
    let categories = t.required_list("categories", d, |s| Ok(name_pattern(s)));
    let recipients = t.list("recipients", d, |s| {
        if s == "*" {
            Ok(Pattern::Any)
        } else {
            s.parse::<RecipientKind>()
                .map(Pattern::Is)
                .map_err(|e| word_error(&e))
        }
    });
    let subjects = t.parsed_word("subjects", d);
    let requires_known_age = t.bool("requires_known_age", d).unwrap_or(false);
    let unknown_age_adult = t.string("unknown_age", d).and_then(|s| {
        if s.value == "adult" {
            Some(Spanned::new(true, s.span))
        } else {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::InvalidValue,
                    s.span,
                    format!("unknown `unknown_age` `{}`", s.value),
                )
                .help("the only choice is `unknown_age = \"adult\"`; without it, an unknown age is decided both as a child and as an adult"),
            );
            None
        }
    });
    let bases = t
        .list("bases", d, |s| {
            s.parse::<Basis>().map_err(|e| word_error(&e))
        })
        .unwrap_or_default();
    let obligations = t
        .list("obligations", d, |s| {
            let code = s.parse::<ObligationCode>().map_err(|e| word_error(&e))?;
            if code.is_dated() {
                return Err((
                    format!("obligation `{s}` is computed by the engine and cannot be listed on a rule"),
                    Some("the engine adds dated obligations itself (`retain_until` from `retention`)".into()),
                ));
            }
            Ok(code)
        })
        .unwrap_or_default();
    let retention = t.parsed("retention", d);
    Some(RawRule {
        id: id?,
        clause: clause?,
        description,
        actions: actions?,
        purposes: purposes?,
        categories: categories?,
        recipients,
        subjects,
        requires_known_age,
        unknown_age_adult,
        occasional: t
            .get("occasional")
            .and_then(|v| t.bool("occasional", d).map(|b| Spanned::new(b, v.span()))),
        bases,
        bases_written: t
            .get("bases")
            .and_then(|v| v.get_ref().as_array())
            .map_or(0, |a| a.len()),
        obligations,
        retention,
        retention_written: t.get("retention").is_some(),
    })
}

fn name_pattern(s: &str) -> Pattern<String> {
    if s == "*" {
        Pattern::Any
    } else {
        Pattern::Is(s.to_owned())
    }
}

/// A value error: the message and an optional hint.
type ValueError = (String, Option<String>);

/// Turns an unknown vocabulary word into a message and a did-you-mean hint.
fn word_error(e: &UnknownWord) -> ValueError {
    let help = match did_you_mean(e.found(), e.expected().iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("expected one of {}", backticked(e.expected())),
    };
    (e.to_string(), Some(help))
}

fn backticked(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A TOML table being read, with a description for messages.
struct Table<'a, 'i> {
    entries: &'a DeTable<'i>,
    span: Range<usize>,
    what: String,
}

impl<'a, 'i> Table<'a, 'i> {
    /// The table `value` is, with its keys checked; a diagnostic if it is not a table.
    fn of(
        value: &'a TomlSpanned<DeValue<'i>>,
        what: &str,
        known: &[&str],
        d: &mut Vec<Diagnostic>,
    ) -> Option<Table<'a, 'i>> {
        let DeValue::Table(entries) = value.get_ref() else {
            d.push(Diagnostic::new(
                DiagnosticKind::WrongType,
                value.span(),
                format!("{what} must be a table"),
            ));
            return None;
        };
        // Name rules and categories by their id in messages, when it reads.
        let label = ["id", "name", "code"]
            .iter()
            .find_map(|k| entries.get(*k).and_then(|v| v.get_ref().as_str()))
            .map_or_else(|| what.to_owned(), |id| format!("{what} `{id}`"));
        let table = Table {
            entries,
            span: value.span(),
            what: label,
        };
        table.check_keys(known, d);
        Some(table)
    }

    fn check_keys(&self, known: &[&str], d: &mut Vec<Diagnostic>) {
        for key in self.entries.keys() {
            let name: &str = key.get_ref();
            if known.contains(&name) {
                continue;
            }
            let help = match did_you_mean(name, known.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the keys here are {}", backticked(known)),
            };
            d.push(
                Diagnostic::new(
                    DiagnosticKind::UnknownKey,
                    key.span(),
                    format!("unknown key `{name}` in {}", self.what),
                )
                .help(help),
            );
        }
    }

    fn get(&self, key: &str) -> Option<&'a TomlSpanned<DeValue<'i>>> {
        self.entries.get(key)
    }

    /// Reports a missing key, unless a misspelled key in the table is
    /// plainly meant to be it (its own diagnostic says `did you mean`).
    fn missing(&self, key: &str, help: &str, d: &mut Vec<Diagnostic>) {
        let misspelled = self.entries.keys().any(|k| {
            let name: &str = k.get_ref();
            name != key && did_you_mean(name, [key]).is_some()
        });
        if misspelled {
            return;
        }
        d.push(
            Diagnostic::new(
                DiagnosticKind::MissingKey,
                self.span.clone(),
                format!("{} has no `{key}`", self.what),
            )
            .help(help.to_owned()),
        );
    }

    fn wrong_type(
        &self,
        key: &str,
        value: &TomlSpanned<DeValue<'_>>,
        expected: &str,
        d: &mut Vec<Diagnostic>,
    ) {
        d.push(Diagnostic::new(
            DiagnosticKind::WrongType,
            value.span(),
            format!(
                "`{key}` in {} must be {expected}, found {}",
                self.what,
                type_name(value.get_ref())
            ),
        ));
    }

    fn string(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
        let value = self.get(key)?;
        match value.get_ref().as_str() {
            Some(s) => Some(Spanned::new(s.to_owned(), value.span())),
            None => {
                self.wrong_type(key, value, "a string", d);
                None
            }
        }
    }

    fn required_string(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
        if self.get(key).is_none() {
            self.missing(key, &format!("add `{key} = \"...\"`"), d);
            return None;
        }
        self.string(key, d)
    }

    fn bool(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<bool> {
        let value = self.get(key)?;
        let b = value.get_ref().as_bool();
        if b.is_none() {
            self.wrong_type(key, value, "`true` or `false`", d);
        }
        b
    }

    /// A whole number in `min..=max`.
    fn count(
        &self,
        key: &str,
        min: u32,
        max: u32,
        d: &mut Vec<Diagnostic>,
    ) -> Option<Spanned<u32>> {
        let value = self.get(key)?;
        let Some(int) = value.get_ref().as_integer() else {
            self.wrong_type(key, value, "a whole number", d);
            return None;
        };
        let n = i64::from_str_radix(int.as_str(), int.radix())
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (min..=max).contains(n));
        if n.is_none() {
            d.push(Diagnostic::new(
                DiagnosticKind::InvalidValue,
                value.span(),
                format!("`{key}` must be between {min} and {max}"),
            ));
        }
        n.map(|n| Spanned::new(n, value.span()))
    }

    /// A string value parsed by `FromStr`, the error at the value.
    fn parsed<T>(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Spanned<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        let s = self.string(key, d)?;
        match s.value.parse::<T>() {
            Ok(v) => Some(Spanned::new(v, s.span)),
            Err(e) => {
                d.push(Diagnostic::new(
                    DiagnosticKind::InvalidValue,
                    s.span,
                    e.to_string(),
                ));
                None
            }
        }
    }

    /// A vocabulary word, with a did-you-mean hint when it is unknown.
    fn parsed_word<T>(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Spanned<T>>
    where
        T: FromStr<Err = UnknownWord>,
    {
        let s = self.string(key, d)?;
        match s.value.parse::<T>() {
            Ok(v) => Some(Spanned::new(v, s.span)),
            Err(e) => {
                let (message, help) = word_error(&e);
                d.push(
                    Diagnostic::new(DiagnosticKind::InvalidValue, s.span, message).maybe_help(help),
                );
                None
            }
        }
    }

    fn required_parsed<T>(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Spanned<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        if self.get(key).is_none() {
            self.missing(key, &format!("add `{key} = \"...\"`"), d);
            return None;
        }
        self.parsed(key, d)
    }

    /// A list of strings, each parsed by `parse`; every bad element gets its
    /// own diagnostic. `None` when the key is absent or not a list.
    fn list<T>(
        &self,
        key: &str,
        d: &mut Vec<Diagnostic>,
        parse: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Option<Vec<Spanned<T>>> {
        let value = self.get(key)?;
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(key, value, "a list of strings", d);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let Some(s) = item.get_ref().as_str() else {
                self.wrong_type(key, item, "a list of strings", d);
                continue;
            };
            match parse(s) {
                Ok(v) => out.push(Spanned::new(v, item.span())),
                Err((message, help)) => d.push(
                    Diagnostic::new(DiagnosticKind::InvalidValue, item.span(), message)
                        .maybe_help(help),
                ),
            }
        }
        Some(out)
    }

    fn required_list<T>(
        &self,
        key: &str,
        d: &mut Vec<Diagnostic>,
        parse: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Option<Vec<Spanned<T>>> {
        if self.get(key).is_none() {
            self.missing(
                key,
                &format!("add `{key} = [\"...\"]` (or `[\"*\"]` for any)"),
                d,
            );
            return None;
        }
        let list = self.list(key, d, parse)?;
        let written = self
            .get(key)
            .and_then(|v| v.get_ref().as_array())
            .map_or(0, |a| a.len());
        // Bad entries have their own diagnostics; only a list written empty is empty.
        if written == 0 {
            if let Some(value) = self.get(key) {
                d.push(
                    Diagnostic::new(
                        DiagnosticKind::InvalidValue,
                        value.span(),
                        format!("`{key}` in {} is empty, so it matches nothing", self.what),
                    )
                    .help("list at least one, or `\"*\"` for any"),
                );
            }
        }
        Some(list)
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

// ---------------------------------------------------------------------------
// `[record]`: what the record of processing activities needs beyond the
// rules (controller, representative, DPO, named recipients, categories of
// subjects, security measures, clause texts, review and approval). Nothing
// here is read by decide(); src/policy/record.rs has the compiled types.
// ---------------------------------------------------------------------------

/// The `[record]` table as written.
#[derive(Debug, Default)]
pub(crate) struct RawRecord {
    pub(crate) updated: Option<Spanned<NaiveDate>>,
    pub(crate) approved_by: Option<Spanned<String>>,
    pub(crate) approved_on: Option<Spanned<NaiveDate>>,
    pub(crate) security_measures: Vec<Spanned<String>>,
    pub(crate) controller: Option<RawParty>,
    pub(crate) representative: Option<RawParty>,
    pub(crate) dpo: Option<RawParty>,
    pub(crate) subjects: Vec<RawSubjectGroup>,
    pub(crate) recipients: Vec<RawNamedRecipient>,
    pub(crate) clauses: Vec<RawClauseText>,
}

/// `[record.controller]`, `[record.representative]`, `[record.dpo]`.
#[derive(Debug)]
pub(crate) struct RawParty {
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) address: Option<Spanned<String>>,
    pub(crate) contact: Option<Spanned<String>>,
    pub(crate) note: Option<Spanned<String>>,
}

/// A `[[record.subject]]` table: a category of data subjects.
#[derive(Debug)]
pub(crate) struct RawSubjectGroup {
    pub(crate) name: Spanned<String>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) categories: Option<Vec<Spanned<Pattern<String>>>>,
}

/// A `[[record.recipient]]` table: a recipient the rules give data to.
#[derive(Debug)]
pub(crate) struct RawNamedRecipient {
    pub(crate) id: Spanned<String>,
    pub(crate) name: Spanned<String>,
    pub(crate) description: Option<Spanned<String>>,
    pub(crate) kind: Spanned<RecipientKind>,
    pub(crate) country: Option<Spanned<RegionCode>>,
    pub(crate) mechanisms: Vec<Spanned<TransferMechanism>>,
    pub(crate) rules: Vec<Spanned<String>>,
}

/// A `[[record.clause]]` table: a clause's text under its heading.
#[derive(Debug)]
pub(crate) struct RawClauseText {
    pub(crate) heading: Spanned<String>,
    pub(crate) text: Spanned<String>,
}

const RECORD_KEYS: &[&str] = &[
    "updated",
    "approved_by",
    "approved_on",
    "security_measures",
    "controller",
    "representative",
    "dpo",
    "subject",
    "recipient",
    "clause",
];
const PARTY_KEYS: &[&str] = &["name", "address", "contact", "note"];
const SUBJECT_GROUP_KEYS: &[&str] = &["name", "description", "categories"];
const NAMED_RECIPIENT_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "kind",
    "country",
    "mechanisms",
    "rules",
];
const CLAUSE_TEXT_KEYS: &[&str] = &["heading", "text"];

fn read_record(root: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> RawRecord {
    let Some(value) = root.get("record") else {
        return RawRecord::default();
    };
    let Some(t) = Table::of(value, "the `[record]` table", RECORD_KEYS, d) else {
        return RawRecord::default();
    };
    let party = |key: &str, d: &mut Vec<Diagnostic>| {
        let what = format!("the `[record.{key}]` table");
        let table = Table::of(t.get(key)?, &what, PARTY_KEYS, d)?;
        Some(RawParty {
            name: table.string("name", d),
            address: table.string("address", d),
            contact: table.string("contact", d),
            note: table.string("note", d),
        })
    };
    RawRecord {
        updated: t.date("updated", d),
        approved_by: t.string("approved_by", d),
        approved_on: t.date("approved_on", d),
        security_measures: t
            .list("security_measures", d, |s| Ok(s.to_owned()))
            .unwrap_or_default(),
        controller: party("controller", d),
        representative: party("representative", d),
        dpo: party("dpo", d),
        subjects: each_table(&t, "subject", SUBJECT_GROUP_KEYS, d, read_subject_group),
        recipients: each_table(
            &t,
            "recipient",
            NAMED_RECIPIENT_KEYS,
            d,
            read_named_recipient,
        ),
        clauses: each_table(&t, "clause", CLAUSE_TEXT_KEYS, d, read_clause_text),
    }
}

fn read_subject_group(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawSubjectGroup> {
    let name = t.required_string("name", d);
    let description = t.string("description", d);
    let categories = t.list("categories", d, |s| Ok(name_pattern(s)));
    Some(RawSubjectGroup {
        name: name?,
        description,
        categories,
    })
}

fn read_named_recipient(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawNamedRecipient> {
    let id = t.required_string("id", d);
    let name = t.required_string("name", d);
    let description = t.string("description", d);
    let kind = if t.get("kind").is_none() {
        t.missing(
            "kind",
            "add `kind = \"processor\"` (or `third_party`, `authority`, `acquirer`, `guardian`, `public`)",
            d,
        );
        None
    } else {
        t.parsed_word("kind", d)
    };
    let country = t.parsed("country", d);
    let mechanisms = t
        .list("mechanisms", d, |s| {
            s.parse::<TransferMechanism>().map_err(|e| word_error(&e))
        })
        .unwrap_or_default();
    let rules = t.required_list("rules", d, |s| Ok(s.to_owned()));
    Some(RawNamedRecipient {
        id: id?,
        name: name?,
        description,
        kind: kind?,
        country,
        mechanisms,
        rules: rules?,
    })
}

fn read_clause_text(t: &Table<'_, '_>, d: &mut Vec<Diagnostic>) -> Option<RawClauseText> {
    let heading = t.required_string("heading", d);
    let text = t.required_string("text", d);
    Some(RawClauseText {
        heading: heading?,
        text: text?,
    })
}

impl Table<'_, '_> {
    /// A calendar date: a TOML date (`2026-11-28`) or a string holding one.
    fn date(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Spanned<NaiveDate>> {
        let value = self.get(key)?;
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(t) => t.to_string(),
            _ => {
                self.wrong_type(key, value, "a date (`2026-11-28`)", d);
                return None;
            }
        };
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) => Some(Spanned::new(date, value.span())),
            Err(_) => {
                d.push(
                    Diagnostic::new(
                        DiagnosticKind::InvalidValue,
                        value.span(),
                        format!("`{key}` in {} is not a date: `{text}`", self.what),
                    )
                    .help("write it as `2026-11-28` (year, month, day)"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_parse() {
        assert_eq!(parse_utc_offset("+08:00"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(
            parse_utc_offset("-05:30"),
            FixedOffset::east_opt(-(5 * 3600 + 1800))
        );
        assert_eq!(parse_utc_offset("Z"), FixedOffset::east_opt(0));
        assert_eq!(parse_utc_offset("+8"), None);
        assert_eq!(parse_utc_offset("08:00"), None);
        assert_eq!(parse_utc_offset("+15:00"), None);
    }

    #[test]
    fn syntax_messages_are_one_lowercase_line() {
        assert_eq!(first_line("Invalid key.\nmore"), "invalid key");
    }
}
