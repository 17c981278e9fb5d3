//! The second stage of loading: raw structs to a [`Policy`], with the checks
//! that span several values, and the rule index that `decide()` walks.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::action::{Action, ActionSet};
use crate::basis::{Basis, BasisSet};
use crate::category::{Category, CategoryFlags, CategoryId};
use crate::error::{Diagnostic, DiagnosticKind, Source};
use crate::hierarchy::{Hierarchy, check_name};
use crate::outcome::{Effect, ObligationSet};
use crate::purpose::{Purpose, PurposeId};
use crate::recipient::RecipientKinds;
use crate::retention::Retention;
use crate::retention::{Disposal, Period};
use crate::subject::adequacy::{Adequacy, AdequacyDecision, AdequacyScope};
use crate::subject::age::AgeBoundary;
use crate::subject::regime::{Regime, Regimes};
use crate::subject::region::RegionCode;
use crate::subject::scope::{ChildAge, RegionSet, Scope};
use crate::subject::{Jurisdiction, JurisdictionId};
use crate::suggest::did_you_mean;

use super::raw::{
    Pattern, RawCategory, RawMeta, RawParty, RawPolicy, RawPurpose, RawRecord, RawRule, Spanned,
};
use super::retention::KeepIndex;
use super::{
    ClauseText, CoverIndex, LoadOptions, Minimum, NamedRecipient, Party, Policy, RecordInfo,
    RetentionSettings, RightsSettings, Rule, RuleId, RuleIndex, SubjectGroup, SubjectScope,
};

/// The categories, purposes, permit and deny rules up to their count
/// limits. Past a limit the rest is not compiled: the load fails anyway,
/// and its cost stays bounded.
fn within_limits<'a>(
    raw: &'a RawPolicy,
    options: LoadOptions,
    d: &mut Vec<Diagnostic>,
) -> (
    &'a [RawCategory],
    &'a [RawPurpose],
    &'a [RawRule],
    &'a [RawRule],
) {
    let raw_categories = within(
        &raw.categories,
        options.categories_limit(),
        |c| c.name.span.clone(),
        "categories",
        "max_categories",
        d,
    );
    let raw_purposes = within(
        &raw.purposes,
        options.purposes_limit(),
        |p| p.name.span.clone(),
        "purposes",
        "max_purposes",
        d,
    );
    let rule_count = raw.permits.len() + raw.denies.len();
    let (raw_permits, raw_denies) = if rule_count > options.rules_limit() {
        let over = raw
            .permits
            .iter()
            .chain(&raw.denies)
            .nth(options.rules_limit())
            .map(|r| r.id.span.clone())
            .unwrap_or_default();
        d.push(too_many(over, "rules", options.rules_limit(), "max_rules"));
        let permits = raw
            .permits
            .get(..options.rules_limit())
            .unwrap_or(&raw.permits);
        let rest = options.rules_limit() - permits.len();
        (permits, raw.denies.get(..rest).unwrap_or(&raw.denies))
    } else {
        (raw.permits.as_slice(), raw.denies.as_slice())
    };
    (raw_categories, raw_purposes, raw_permits, raw_denies)
}

/// How many undeclared names get a did-you-mean hint; the rest get the
/// plain hint, so that a policy of many typos costs no more than a few.
const MAX_SUGGESTIONS: usize = 100;

/// Items up to `limit`, with a diagnostic at the first one past it.
fn within<'a, T>(
    items: &'a [T],
    limit: usize,
    span: impl Fn(&T) -> Range<usize>,
    what: &str,
    option: &str,
    d: &mut Vec<Diagnostic>,
) -> &'a [T] {
    match items.get(limit) {
        Some(over) => {
            d.push(too_many(span(over), what, limit, option));
            items.get(..limit).unwrap_or(items)
        }
        None => items,
    }
}

#[cold]
fn too_many(span: Range<usize>, what: &str, limit: usize, option: &str) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::TooLarge,
        span,
        format!("too many {what}: the limit is {limit}"),
    )
    .help(format!(
        "split the policy, or raise the limit (`LoadOptions::{option}`)"
    ))
}

#[cold]
fn index_too_large(span: Range<usize>, options: LoadOptions) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::TooLarge,
        span,
        format!(
            "the rules cover too many combinations of action, purpose and category: the rule index would hold more than {} entries",
            options.index_entries_limit()
        ),
    )
    .help("name fewer purposes and categories per rule (`*` names every one), or raise the limit (`LoadOptions::max_index_entries`)")
}

/// The permit index, the cover index and the deny index, sharing one
/// budget of entries so that none can grow past the limit.
fn build_indexes(
    rules: &[Rule],
    categories: &Hierarchy,
    purposes: &Hierarchy,
    options: LoadOptions,
) -> Option<(RuleIndex, CoverIndex, RuleIndex)> {
    let mut budget = options.index_entries_limit();
    let permits = build_index(rules, Effect::Permit, purposes, &mut budget)?;
    let covering = CoverIndex::build(&permits, rules, categories, budget)?;
    budget = budget.saturating_sub(covering.len());
    let denies = build_index(rules, Effect::Deny, purposes, &mut budget)?;
    Some((permits, covering, denies))
}

/// Defaults for settings a policy leaves out (docs/policy-reference.md).
const DEFAULT_RESPONSE_DAYS: u32 = 15;
const DEFAULT_EU_RESPONSE_MONTHS: u32 = 1;
const DEFAULT_FEE_THRESHOLD: u32 = 3;
const DEFAULT_FEE_WINDOW_DAYS: u32 = 30;
const DEFAULT_BACKUP_LAG_DAYS: u32 = 30;

/// Compiles what `raw` could read. Returns `None` when something essential
/// is missing; every problem found is in `d` either way.
pub(super) fn compile(
    raw: &RawPolicy,
    source: Arc<Source>,
    tag: u32,
    options: LoadOptions,
    d: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<Policy> {
    let regimes = compile_regimes(raw, d);
    let (raw_categories, raw_purposes, raw_permits, raw_denies) = within_limits(raw, options, d);
    let jurisdictions = compile_jurisdictions(raw, &regimes, tag, options, d);
    let home = home_jurisdiction(raw, &jurisdictions, d);

    let (category_tree, categories) = compile_categories(raw_categories, tag, options, d);
    let (purpose_tree, purposes) = compile_purposes(raw_purposes, tag, options, d);
    let mut categories = categories;
    compile_only_for(
        raw_categories,
        &mut categories,
        &category_tree,
        &purpose_tree,
        tag,
        d,
    );
    let mut names = Names {
        category_tree: &category_tree,
        purpose_tree: &purpose_tree,
        categories: &categories,
        tag,
        suggestions_left: MAX_SUGGESTIONS,
        entries_left: options.index_entries_limit(),
        over: None,
    };

    let (rules, first_use) = compile_rules(raw_permits, raw_denies, &mut names, d, warnings);
    if let Some(span) = names.over.take() {
        d.push(index_too_large(span, options));
        return None;
    }
    check_shadowed(&first_use, &rules, &category_tree, &purpose_tree, d);
    let minimums = compile_minimums(raw, &rules, &mut names, d);
    let record = compile_record(raw, &rules, &category_tree, tag, d);

    let indexes = build_indexes(&rules, &category_tree, &purpose_tree, options);
    let Some((permits, covering, denies)) = indexes else {
        let span = raw_permits
            .first()
            .or(raw_denies.first())
            .map(|r| r.id.span.clone())
            .unwrap_or_default();
        d.push(index_too_large(span, options));
        return None;
    };

    let meta = raw.meta.as_ref()?;
    let home = home?;
    let (rights, retention) = settings(raw)?;
    let scope = compile_scope(meta, &home, &jurisdictions, &regimes, d);
    let adequacy = compile_adequacy(raw, meta, d);
    review(raw, meta, &rules, &adequacy, warnings);
    let mut policy = Policy {
        source,
        id: meta.id.value.as_str().into(),
        version: meta.version.value.as_str().into(),
        title: meta.title.as_ref().map(|t| t.value.as_str().into()),
        home_offset: home.utc_offset,
        home_jurisdiction: home,
        storage_region: meta.storage_region.value,
        localization: meta.localization.unwrap_or(true),
        scope,
        adequacy,
        #[cfg(test)]
        labels_only: false,
        #[cfg(test)]
        no_shortcuts: false,
        #[cfg(test)]
        merge_every_slot: false,
        tag,
        regimes,
        minimums,
        warnings: Vec::new(),
        cii_operator: meta.cii_operator.unwrap_or(false),
        rights,
        retention,
        jurisdictions,
        regimes_collected_at_home: Vec::new(),
        category_tree,
        categories,
        purpose_tree,
        purposes,
        rules,
        permits,
        covering,
        denies,
        keeping: KeepIndex::default(),
        record,
    };
    policy.keeping = KeepIndex::build(&policy);
    policy.regimes_collected_at_home = policy.regimes_collected_at_home_table();
    Some(policy)
}

/// Compiles the permit rules, then the deny rules, in policy order, each
/// id once; returns them with where each id is first defined.
fn compile_rules<'r>(
    raw_permits: &'r [RawRule],
    raw_denies: &'r [RawRule],
    names: &mut Names<'_>,
    d: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> (Vec<Rule>, HashMap<&'r str, Range<usize>>) {
    let mut rules = Vec::with_capacity(raw_permits.len() + raw_denies.len());
    let mut first_use: HashMap<&str, Range<usize>> = HashMap::new();
    let all = raw_permits
        .iter()
        .map(|r| (Effect::Permit, r))
        .chain(raw_denies.iter().map(|r| (Effect::Deny, r)));
    for (effect, raw_rule) in all {
        let id = &raw_rule.id;
        if let Some(first) = first_use.get(id.value.as_str()) {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    id.span.clone(),
                    format!("duplicate rule id `{}`", id.value),
                )
                .note(first.clone(), "first defined here")
                .help("give each rule its own id"),
            );
            continue;
        }
        first_use.insert(&id.value, id.span.clone());
        let index = u32::try_from(rules.len()).unwrap_or(u32::MAX);
        let rule = compile_rule(raw_rule, effect, RuleId::from_index(index), names, d);
        check_unknown_age(raw_rule, &rule, names, d, warnings);
        rules.push(rule);
    }
    (rules, first_use)
}

/// Which regimes govern the policy's processing (docs/policy-reference.md):
/// the handler's region (default: the home jurisdiction), its EEA
/// establishment (default: the handler's region, when in the EEA), and whom
/// it targets (default: the jurisdictions the policy declares under each
/// regime); the children's thresholds of PIPL (the declared mainland
/// jurisdiction's, else 14) and of the GDPR where no member state's applies
/// (16, art. 8).
fn compile_scope(
    meta: &RawMeta,
    home: &Jurisdiction,
    jurisdictions: &[Jurisdiction],
    regimes: &Regimes,
    d: &mut Vec<Diagnostic>,
) -> Scope {
    let handler_region = meta.handler_region.as_ref().map_or(home.code, |r| r.value);
    let gdpr_establishment = match &meta.gdpr_establishment {
        Some(region) => {
            if !Regime::Gdpr.covers(region.value) {
                d.push(
                    Diagnostic::new(
                        DiagnosticKind::InvalidValue,
                        region.span.clone(),
                        format!("`gdpr_establishment` `{}` is not in the EEA", region.value),
                    )
                    .help("name the EEA state of the establishment, or leave the key out"),
                );
            }
            Some(region.value)
        }
        None => Regime::Gdpr
            .covers(handler_region)
            .then_some(handler_region),
    };
    let declared = |regime: Regime| {
        RegionSet::new(
            jurisdictions
                .iter()
                .filter(|j| j.regime == Some(regime))
                .map(|j| j.code),
        )
    };
    let listed = |list: &Option<Vec<Spanned<RegionCode>>>, regime: Regime| match list {
        Some(list) => RegionSet::new(list.iter().map(|r| r.value)),
        None => declared(regime),
    };
    let pipl = jurisdictions
        .iter()
        .find(|j| j.regime == Some(Regime::Pipl) && Regime::Pipl.covers(j.code));
    Scope {
        handler_region,
        gdpr_establishment,
        gdpr_targets: listed(&meta.gdpr_targets, Regime::Gdpr),
        pipl_targets: listed(&meta.pipl_targets, Regime::Pipl),
        pipl_child: pipl.map_or(
            ChildAge {
                age: 14,
                boundary: regimes.get(Regime::Pipl).age_boundary,
            },
            |j| ChildAge {
                age: j.child_age,
                boundary: j.age_boundary,
            },
        ),
        gdpr_child: ChildAge {
            age: 16,
            boundary: regimes.get(Regime::Gdpr).age_boundary,
        },
    }
}

/// What loads but deserves counsel's review (`lawful check` shows it): an
/// `occasional` rule covering `entrust` (a processor works for us
/// systematically, never occasionally), a minimum retention for every
/// purpose (the law keeps some data for some purposes: network logs kept
/// for security, not an address kept for support), an adequacy table
/// older than the policy (decisions are adopted, renewed, struck down).
fn review(
    raw: &RawPolicy,
    meta: &RawMeta,
    rules: &[Rule],
    adequacy: &Adequacy,
    warnings: &mut Vec<Diagnostic>,
) {
    // Rules by name, for the rules marked occasional only (a search per
    // rule made loading quadratic in the number of rules).
    let mut by_name: Option<std::collections::HashMap<&str, &Rule>> = None;
    for raw_rule in &raw.permits {
        let Some(flag) = raw_rule.occasional.as_ref().filter(|f| f.value) else {
            continue;
        };
        let by_name =
            by_name.get_or_insert_with(|| rules.iter().map(|r| (&*r.name, r)).rev().collect());
        let Some(rule) = by_name.get(&*raw_rule.id.value) else {
            continue;
        };
        if rule.actions.contains(Action::Entrust) {
            warnings.push(
                Diagnostic::new(
                    DiagnosticKind::Review,
                    flag.span.clone(),
                    format!(
                        "rule `{}` marks an entrustment occasional: a processor's work is systematic",
                        rule.name
                    ),
                )
                .help("the GDPR's art. 49 derogations cover occasional transfers only; use a mechanism (scc, bcr) for a processor"),
            );
        }
    }
    for minimum in &raw.minimums {
        if let Some(any) = minimum
            .purposes
            .iter()
            .find(|p| matches!(p.value, Pattern::Any))
        {
            warnings.push(
                Diagnostic::new(
                    DiagnosticKind::Review,
                    any.span.clone(),
                    "a minimum retention for every purpose keeps data the law does not",
                )
                .help("name the purposes the law's minimum is for (network logs: those kept for security)"),
            );
        }
    }
    let version = meta
        .version
        .value
        .get(..10)
        .and_then(|d| d.parse::<NaiveDate>().ok());
    if let (Some(version), Some(reviewed)) = (version, adequacy.reviewed)
        && reviewed < version
    {
        let span = meta
            .adequacy_reviewed
            .as_ref()
            .map_or_else(|| meta.version.span.clone(), |r| r.span.clone());
        warnings.push(
            Diagnostic::new(
                DiagnosticKind::Review,
                span,
                format!(
                    "the adequacy table was reviewed on {reviewed}, before this policy's version {version}"
                ),
            )
            .help("re-check the Commission's adequacy decisions, then update `adequacy_reviewed` (or the engine)"),
        );
    }
}

/// The adequacy table: the policy's own `[[adequacy]]` entries, else the
/// engine's (dated); a decision ending before it starts is an error.
fn compile_adequacy(raw: &RawPolicy, meta: &RawMeta, d: &mut Vec<Diagnostic>) -> Adequacy {
    let decisions = |entries: &[super::raw::RawAdequacy], d: &mut Vec<Diagnostic>| {
        entries
            .iter()
            .filter_map(|e| {
                if let Some(until) = &e.until
                    && until.value < e.from.value
                {
                    d.push(
                        Diagnostic::new(
                            DiagnosticKind::InvalidValue,
                            until.span.clone(),
                            format!(
                                "the adequacy decision for `{}` ends before it starts",
                                e.region.value
                            ),
                        )
                        .help("`until` is the last day the decision covers"),
                    );
                    return None;
                }
                Some(AdequacyDecision {
                    region: e.region.value,
                    from: e.from.value,
                    until: e.until.as_ref().map(|u| u.value),
                    scope: AdequacyScope::of(e.scope.as_ref().map(|s| s.value.as_str())),
                    law: e.law.value.as_str().into(),
                })
            })
            .collect::<Vec<_>>()
    };
    if let Some(entries) = &raw.adequacy {
        return Adequacy {
            decisions: decisions(entries, d),
            reviewed: meta.adequacy_reviewed.as_ref().map(|r| r.value),
            builtin: false,
        };
    }
    // The engine's own table: its problems are the engine's, checked by a
    // test, never a policy author's.
    let mut ignored = Vec::new();
    let entries = super::raw::parse_adequacy(crate::subject::adequacy::BUILTIN, &mut ignored);
    let (y, m, day) = crate::subject::adequacy::BUILTIN_REVIEWED;
    Adequacy {
        decisions: decisions(&entries, &mut ignored),
        reviewed: NaiveDate::from_ymd_opt(y, m, day),
        builtin: true,
    }
}

/// The rights and retention settings, with their defaults (docs/policy-reference.md).
fn settings(raw: &RawPolicy) -> Option<(RightsSettings, RetentionSettings)> {
    let fee_window = raw
        .rights
        .fee_window
        .as_ref()
        .map(|w| w.value)
        .or_else(|| Period::days(DEFAULT_FEE_WINDOW_DAYS))?;
    let backup_lag = raw
        .retention
        .backup_lag
        .as_ref()
        .map(|w| w.value)
        .or_else(|| Period::days(DEFAULT_BACKUP_LAG_DAYS))?;
    let rights = RightsSettings {
        response_days: value_or(raw.rights.response_days.as_ref(), DEFAULT_RESPONSE_DAYS),
        eu_response_months: value_or(
            raw.rights.eu_response_months.as_ref(),
            DEFAULT_EU_RESPONSE_MONTHS,
        ),
        fee_threshold: value_or(raw.rights.fee_threshold.as_ref(), DEFAULT_FEE_THRESHOLD),
        fee_window,
        clause: text(raw.rights.clause.as_ref()),
    };
    let retention = RetentionSettings {
        disposal: raw
            .retention
            .disposal
            .as_ref()
            .map_or(Disposal::DeleteOrAnonymize, |s| s.value),
        backup_lag,
        clause: text(raw.retention.clause.as_ref()),
    };
    Some((rights, retention))
}

fn value_or(value: Option<&Spanned<u32>>, default: u32) -> u32 {
    value.map_or(default, |v| v.value)
}

fn text(value: Option<&Spanned<String>>) -> Option<Box<str>> {
    value.map(|v| v.value.as_str().into())
}

/// `did you mean ...?` when a candidate is close, else the fallback hint.
fn suggestion(input: &str, candidates: &[&str], fallback: &str) -> String {
    match did_you_mean(input, candidates.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => fallback.to_owned(),
    }
}

/// The statutory minimum retentions, and the rules that would keep data
/// less long than one (an error: the policy would delete what the law keeps).
fn compile_minimums(
    raw: &RawPolicy,
    rules: &[Rule],
    names: &mut Names<'_>,
    d: &mut Vec<Diagnostic>,
) -> Vec<Minimum> {
    let mut out = Vec::with_capacity(raw.minimums.len());
    for table in &raw.minimums {
        let categories = resolve_names(
            &table.categories,
            names.category_tree,
            "minimum_retention",
            "category",
            DiagnosticKind::UndeclaredCategory,
            names,
            d,
        );
        let purposes = resolve_names(
            &table.purposes,
            names.purpose_tree,
            "minimum_retention",
            "purpose",
            DiagnosticKind::UndeclaredPurpose,
            names,
            d,
        );
        let minimum = Minimum {
            regime: table.regime.value,
            category_ranges: categories
                .iter()
                .map(|&c| (c, names.category_tree.end(c)))
                .collect(),
            purposes: purposes
                .into_iter()
                .map(|p| PurposeId::of_engine(p, names.tag))
                .collect(),
            period: table.period.value,
            law: table.law.value.as_str().into(),
        };
        for rule in rules.iter().filter(|r| r.effect == Effect::Permit) {
            let keeps =
                rule.actions.contains(Action::Collect) || rule.actions.contains(Action::Store);
            let overlaps = minimum
                .category_ranges
                .iter()
                .any(|&(start, end)| rule.overlaps(start, end));
            let same_purpose = rule.purposes.iter().any(|p| {
                minimum.purposes.iter().any(|m| {
                    names.purpose_tree.covers(p.index(), m.index())
                        || names.purpose_tree.covers(m.index(), p.index())
                })
            });
            if let Some(Retention::For(period)) = rule.retention
                && keeps
                && overlaps
                && same_purpose
                && crate::policy::retention::is_shorter(period, minimum.period)
            {
                d.push(
                    Diagnostic::new(
                        DiagnosticKind::InvalidValue,
                        table.period.span.clone(),
                        format!(
                            "rule `{}` keeps data for {period}, less than the statutory minimum of {} ({})",
                            rule.name, minimum.period, minimum.law
                        ),
                    )
                    .help("lengthen the rule's `retention` to at least the minimum"),
                );
            }
        }
        out.push(minimum);
    }
    out
}

/// The home jurisdiction, which must be declared.
fn home_jurisdiction(
    raw: &RawPolicy,
    jurisdictions: &[Jurisdiction],
    d: &mut Vec<Diagnostic>,
) -> Option<Jurisdiction> {
    let meta = raw.meta.as_ref()?;
    let code = &meta.home_jurisdiction;
    let found = jurisdictions.iter().find(|j| j.code == code.value);
    if found.is_none() && !raw.jurisdiction_codes.contains(&code.value) {
        let known: Vec<&str> = jurisdictions.iter().map(|j| j.code.as_str()).collect();
        d.push(
            Diagnostic::new(
                DiagnosticKind::UndeclaredJurisdiction,
                code.span.clone(),
                format!("home jurisdiction `{}` is not declared", code.value),
            )
            .help(suggestion(
                code.value.as_str(),
                &known,
                "add a `[[jurisdiction]]` table for it",
            )),
        );
    }
    found.cloned()
}

/// The regimes' settings: the law's defaults, with what `[[regime]]` tables change.
fn compile_regimes(raw: &RawPolicy, d: &mut Vec<Diagnostic>) -> Regimes {
    let mut regimes = Regimes::default();
    let mut seen: Vec<(Regime, Range<usize>)> = Vec::new();
    for table in &raw.regimes {
        let regime = table.name.value;
        if let Some((_, first)) = seen.iter().find(|(r, _)| *r == regime) {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    table.name.span.clone(),
                    format!("duplicate regime `{regime}`"),
                )
                .note(first.clone(), "first declared here"),
            );
            continue;
        }
        seen.push((regime, table.name.span.clone()));
        let mut settings = regime.defaults();
        if let Some(bases) = &table.bases {
            settings.bases = bases.iter().map(|b| b.value).collect();
        }
        if let Some(boundary) = &table.age_boundary {
            settings.age_boundary = boundary.value;
        }
        settings.children = table.children.unwrap_or(settings.children);
        settings.may_be_non_personal = table
            .may_be_non_personal
            .unwrap_or(settings.may_be_non_personal);
        settings.terminal_consent = table.terminal_consent.unwrap_or(settings.terminal_consent);
        regimes.set(regime, settings);
    }
    regimes
}

fn compile_jurisdictions(
    raw: &RawPolicy,
    regimes: &Regimes,
    tag: u32,
    options: LoadOptions,
    d: &mut Vec<Diagnostic>,
) -> Vec<Jurisdiction> {
    // Within the limit every jurisdiction has an id of its own: ids are
    // 16-bit, and `jurisdictions_limit` is at most `u16::MAX`, so the ids
    // given (0 to the count less one) never saturate.
    let raw_jurisdictions = within(
        &raw.jurisdictions,
        options.jurisdictions_limit(),
        |j| j.code.span.clone(),
        "jurisdictions",
        "max_jurisdictions",
        d,
    );
    let mut out: Vec<Jurisdiction> = Vec::with_capacity(raw_jurisdictions.len());
    let mut spans: Vec<Range<usize>> = Vec::new();
    for j in raw_jurisdictions {
        if let Some(first) = out.iter().position(|o| o.code == j.code.value) {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    j.code.span.clone(),
                    format!("duplicate jurisdiction `{}`", j.code.value),
                )
                .note(
                    spans.get(first).cloned().unwrap_or_default(),
                    "first declared here",
                ),
            );
            continue;
        }
        let id = JurisdictionId::of_engine(u16::try_from(out.len()).unwrap_or(u16::MAX), tag);
        let regime = j
            .regime
            .as_ref()
            .map(|r| r.value)
            .or_else(|| Regime::of_region(j.code.value));
        out.push(Jurisdiction {
            id,
            code: j.code.value,
            child_age: j.child_age.value,
            utc_offset: j.time_zone.value.standard_offset(),
            time_zone: j.time_zone.value,
            latest_time_zone: j.latest_time_zone.as_ref().map(|z| z.value),
            // The jurisdiction's own rule, else its regime's (GDPR states
            // count the birthday itself, PIPL the day after).
            age_boundary: j.age_boundary.as_ref().map_or_else(
                || regime.map_or(AgeBoundary::DayAfter, |r| regimes.get(r).age_boundary),
                |b| b.value,
            ),
            regime,
            law: text(j.law.as_ref()),
            clause: text(j.clause.as_ref()),
        });
        spans.push(j.code.span.clone());
    }
    out
}

/// Checks names and duplicates; returns the valid, first-declared ones.
fn declared<'a, T>(
    items: &'a [T],
    name: impl Fn(&T) -> &Spanned<String>,
    what: &str,
    options: LoadOptions,
    d: &mut Vec<Diagnostic>,
) -> HashMap<&'a str, &'a T> {
    let mut seen: HashMap<&'a str, &'a T> = HashMap::new();
    for item in items {
        let n = name(item);
        let too_long = n.value.len() > options.name_length_limit();
        if too_long
            || n.value
                .split('.')
                .nth(options.name_segments_limit())
                .is_some()
        {
            let (limit, help) = if too_long {
                (
                    format!("longer than {} bytes", options.name_length_limit()),
                    "use a shorter name, or raise the limit (`LoadOptions::max_name_length`)",
                )
            } else {
                (
                    format!(
                        "more than {} dotted segments",
                        options.name_segments_limit()
                    ),
                    "use fewer levels, or raise the limit (`LoadOptions::max_name_segments`)",
                )
            };
            d.push(
                Diagnostic::new(
                    DiagnosticKind::TooLarge,
                    n.span.clone(),
                    format!("{what} name is {limit}"),
                )
                .help(help),
            );
            continue;
        }
        if let Err(problem) = check_name(&n.value) {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::InvalidValue,
                    n.span.clone(),
                    format!("invalid {what} name `{}`", n.value),
                )
                .help(problem),
            );
            continue;
        }
        if let Some(first) = seen.get(n.value.as_str()) {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    n.span.clone(),
                    format!("duplicate {what} `{}`", n.value),
                )
                .note(name(first).span.clone(), "first declared here"),
            );
            continue;
        }
        seen.insert(n.value.as_str(), item);
    }
    seen
}

fn compile_categories(
    raw: &[RawCategory],
    tag: u32,
    options: LoadOptions,
    d: &mut Vec<Diagnostic>,
) -> (Hierarchy, Vec<Category>) {
    let declared = declared(raw, |c| &c.name, "category", options, d);
    let tree = Hierarchy::build(declared.keys().copied());
    let mut categories: Vec<Category> = Vec::with_capacity(tree.len());
    for (index, name) in tree.names().enumerate() {
        let id = u32::try_from(index).unwrap_or(u32::MAX);
        let parent_flags = tree
            .parent(id)
            .and_then(|p| categories.get(p as usize))
            .map(|p| p.flags)
            .unwrap_or_default();
        let own = declared.get(name);
        let flags = match own {
            Some(c) => CategoryFlags {
                sensitive: c.sensitive.unwrap_or(parent_flags.sensitive),
                identifying: c.identifying.unwrap_or(parent_flags.identifying),
                unique_identifier: c
                    .unique_identifier
                    .unwrap_or(parent_flags.unique_identifier),
                device_or_log: c.device_or_log.unwrap_or(parent_flags.device_or_log),
                never_provided: c.never_provided.unwrap_or(parent_flags.never_provided),
                special: c.special.unwrap_or(parent_flags.special),
                terminal: c.terminal.unwrap_or(parent_flags.terminal),
                // By default device or log information may be non-personal;
                // a parent's `may_be_non_personal = false` is inherited.
                may_be_non_personal: c.may_be_non_personal.unwrap_or(
                    c.device_or_log.unwrap_or(parent_flags.device_or_log)
                        && (!parent_flags.device_or_log || parent_flags.may_be_non_personal),
                ),
            },
            None => parent_flags,
        };
        categories.push(Category {
            id: CategoryId::of_engine(id, tag),
            name: name.into(),
            declared: own.is_some(),
            clause: own.and_then(|c| text(c.clause.as_ref())),
            description: own.and_then(|c| text(c.description.as_ref())),
            flags,
            // Resolved once the purposes are known.
            only_for: None,
            // Filled in below, leaves first.
            touches: CategoryFlags {
                device_or_log: own.is_none_or(|_| flags.device_or_log),
                may_be_non_personal: own.is_none_or(|_| flags.may_be_non_personal),
                ..flags
            },
        });
    }
    // Reverse pre-order visits every node after all its descendants.
    for index in (0..categories.len()).rev() {
        let id = u32::try_from(index).unwrap_or(u32::MAX);
        let Some(parent) = tree.parent(id) else {
            continue;
        };
        let Some(child) = categories.get(index).map(|c| c.touches) else {
            continue;
        };
        if let Some(p) = categories.get_mut(parent as usize) {
            p.touches.sensitive |= child.sensitive;
            p.touches.identifying |= child.identifying;
            p.touches.unique_identifier |= child.unique_identifier;
            p.touches.device_or_log &= child.device_or_log;
            p.touches.never_provided |= child.never_provided;
            p.touches.special |= child.special;
            p.touches.terminal |= child.terminal;
            p.touches.may_be_non_personal &= child.may_be_non_personal;
        }
    }
    (tree, categories)
}

fn compile_purposes(
    raw: &[RawPurpose],
    tag: u32,
    options: LoadOptions,
    d: &mut Vec<Diagnostic>,
) -> (Hierarchy, Vec<Purpose>) {
    let declared = declared(raw, |p| &p.name, "purpose", options, d);
    let tree = Hierarchy::build(declared.keys().copied());
    let mut purposes: Vec<Purpose> = Vec::with_capacity(tree.len());
    for (index, name) in tree.names().enumerate() {
        let id = u32::try_from(index).unwrap_or(u32::MAX);
        // The parent comes first (pre-order): its flags are already known.
        let parent = tree.parent(id).and_then(|p| purposes.get(p as usize));
        let own = declared.get(name);
        let flag = |own: Option<bool>, inherited: Option<bool>| own.or(inherited).unwrap_or(false);
        purposes.push(Purpose {
            id: PurposeId::of_engine(id, tag),
            name: name.into(),
            declared: own.is_some(),
            clause: own.and_then(|p| text(p.clause.as_ref())),
            description: own.and_then(|p| text(p.description.as_ref())),
            before_guardian_consent: own.is_some_and(|p| p.before_guardian_consent),
            hr: flag(own.and_then(|p| p.hr), parent.map(|p| p.hr)),
            protective: flag(own.and_then(|p| p.protective), parent.map(|p| p.protective)),
            statutory: flag(own.and_then(|p| p.statutory), parent.map(|p| p.statutory)),
            strictly_necessary: flag(
                own.and_then(|p| p.strictly_necessary),
                parent.map(|p| p.strictly_necessary),
            ),
            records_withdrawal: own.is_some_and(|p| p.records_withdrawal),
            to_subject: own.is_some_and(|p| p.to_subject),
        });
    }
    (tree, purposes)
}

/// Resolves each category's `only_for` purposes (inherited by its
/// sub-categories unless they list their own).
fn compile_only_for(
    raw: &[RawCategory],
    categories: &mut [Category],
    category_tree: &Hierarchy,
    purpose_tree: &Hierarchy,
    tag: u32,
    d: &mut Vec<Diagnostic>,
) {
    let mut own: HashMap<u32, Vec<PurposeId>> = HashMap::new();
    for category in raw {
        let (Some(list), Some(id)) = (
            &category.only_for,
            category_tree.lookup(&category.name.value),
        ) else {
            continue;
        };
        let mut purposes = Vec::with_capacity(list.len());
        for name in list {
            match purpose_tree.lookup(&name.value) {
                Some(p) => purposes.push(PurposeId::of_engine(p, tag)),
                None => {
                    let known: Vec<&str> = purpose_tree.names().collect();
                    d.push(
                        Diagnostic::new(
                            DiagnosticKind::UndeclaredPurpose,
                            name.span.clone(),
                            format!(
                                "category `{}` is bound to undeclared purpose `{}`",
                                category.name.value, name.value
                            ),
                        )
                        .help(suggestion(
                            &name.value,
                            &known,
                            "declare it in a `[[purpose]]` table first",
                        )),
                    );
                }
            }
        }
        own.insert(id, purposes);
    }
    if own.is_empty() {
        return;
    }
    // Pre-order: a parent is resolved before its children.
    for index in 0..categories.len() {
        let id = u32::try_from(index).unwrap_or(u32::MAX);
        let inherited = match own.get(&id) {
            Some(list) => Some(list.clone()),
            None => category_tree
                .parent(id)
                .and_then(|p| categories.get(p as usize))
                .and_then(|p| p.only_for.clone()),
        };
        if let Some(category) = categories.get_mut(index) {
            category.only_for = inherited;
        }
    }
}

struct Names<'a> {
    category_tree: &'a Hierarchy,
    purpose_tree: &'a Hierarchy,
    categories: &'a [Category],
    /// The engine tag every id made here carries.
    tag: u32,
    /// How many more undeclared names get a did-you-mean hint.
    suggestions_left: usize,
    /// How many more names the rules may store once `*` is expanded (it
    /// shares the index limit: each is at least one index entry).
    entries_left: usize,
    /// Where the rules' names first ran past `entries_left`.
    over: Option<Range<usize>>,
}

/// `unknown_age = "adult"` lets a subject of unknown age pass as an adult:
/// counsel see a warning for each such rule, and it is refused where a
/// child would need more than an adult (sensitive or special categories,
/// giving data to others).
fn check_unknown_age(
    raw: &RawRule,
    rule: &Rule,
    names: &Names<'_>,
    d: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let Some(flag) = &raw.unknown_age_adult else {
        return;
    };
    let name = rule.name.as_ref();
    let sensitive = rule.categories.iter().any(|c| {
        names.categories.get(c.index() as usize).is_some_and(|c| {
            c.touches.sensitive || c.touches.special || c.touches.unique_identifier
        })
    });
    let allowed = ActionSet::EMPTY
        .with(Action::Collect)
        .with(Action::Use)
        .with(Action::Store)
        .with(Action::Entrust);
    if sensitive {
        d.push(
            Diagnostic::new(
                DiagnosticKind::UnknownAgeAsAdult,
                flag.span.clone(),
                format!("rule `{name}` lets an unknown age pass as an adult on sensitive or special categories or unique identifiers"),
            )
            .help("a child's sensitive data needs a guardian: remove `unknown_age`, or split the rule"),
        );
    } else if !rule.actions.is_subset(allowed) {
        d.push(
            Diagnostic::new(
                DiagnosticKind::UnknownAgeAsAdult,
                flag.span.clone(),
                format!("rule `{name}` lets an unknown age pass as an adult for giving data to others"),
            )
            .help("only collect, use, store and a domestic entrust may take an unknown age as an adult"),
        );
    } else {
        warnings.push(
            Diagnostic::new(
                DiagnosticKind::UnknownAgeAsAdult,
                flag.span.clone(),
                format!("rule `{name}` decides a subject of unknown age as an adult"),
            )
            .help("make sure the processing needs no age: a child's data would be processed without a guardian"),
        );
    }
}

/// Resolves a rule's names against a tree: `*` is every root.
fn resolve_names(
    patterns: &[Spanned<Pattern<String>>],
    tree: &Hierarchy,
    rule: &str,
    what: &str,
    kind: DiagnosticKind,
    names: &mut Names<'_>,
    d: &mut Vec<Diagnostic>,
) -> Vec<u32> {
    let suggestions_left = &mut names.suggestions_left;
    let mut ids = Vec::with_capacity(patterns.len());
    for pattern in patterns {
        if names.over.is_some() {
            break;
        }
        match &pattern.value {
            Pattern::Any => {
                // Roots are the nodes whose subtree ends where the next
                // root starts: a walk from root to root.
                let mut id = 0;
                let len = u32::try_from(tree.len()).unwrap_or(u32::MAX);
                while id < len {
                    if names.entries_left == 0 {
                        names.over = Some(pattern.span.clone());
                        break;
                    }
                    names.entries_left -= 1;
                    ids.push(id);
                    id = tree.end(id).max(id + 1);
                }
            }
            Pattern::Is(name) => {
                if let Some(id) = tree.lookup(name) {
                    names.entries_left = names.entries_left.saturating_sub(1);
                    ids.push(id);
                } else {
                    let fallback = format!("declare it in a `[[{what}]]` table first");
                    let help = if *suggestions_left > 0 {
                        *suggestions_left -= 1;
                        let known: Vec<&str> = tree.names().collect();
                        suggestion(name, &known, &fallback)
                    } else {
                        fallback
                    };
                    d.push(
                        Diagnostic::new(
                            kind,
                            pattern.span.clone(),
                            format!("rule `{rule}` uses undeclared {what} `{name}`"),
                        )
                        .help(help),
                    );
                }
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[allow(
    clippy::too_many_lines,
    reason = "one rule's fields in the order the file has them"
)]
fn compile_rule(
    raw: &RawRule,
    effect: Effect,
    id: RuleId,
    names: &mut Names<'_>,
    d: &mut Vec<Diagnostic>,
) -> Rule {
    let rule_name = raw.id.value.as_str();
    let category_tree = names.category_tree;
    let purpose_tree = names.purpose_tree;
    let categories = resolve_names(
        &raw.categories,
        category_tree,
        rule_name,
        "category",
        DiagnosticKind::UndeclaredCategory,
        names,
        d,
    );
    let purposes = resolve_names(
        &raw.purposes,
        purpose_tree,
        rule_name,
        "purpose",
        DiagnosticKind::UndeclaredPurpose,
        names,
        d,
    );
    let actions: ActionSet = if raw.actions.iter().any(|a| a.value == Pattern::Any) {
        ActionSet::all()
    } else {
        raw.actions
            .iter()
            .filter_map(|a| match a.value {
                Pattern::Is(action) => Some(action),
                Pattern::Any => None,
            })
            .collect()
    };
    let recipients = raw.recipients.as_ref().map(|list| {
        if list.iter().any(|r| r.value == Pattern::Any) {
            crate::recipient::RecipientKind::ALL
                .iter()
                .copied()
                .collect()
        } else {
            list.iter()
                .filter_map(|r| match r.value {
                    Pattern::Is(kind) => Some(kind),
                    Pattern::Any => None,
                })
                .collect::<RecipientKinds>()
        }
    });
    let mut bases: Vec<Basis> = Vec::with_capacity(raw.bases.len());
    for basis in &raw.bases {
        if !bases.contains(&basis.value) {
            bases.push(basis.value);
        }
    }
    if effect == Effect::Permit {
        // Bad entries have their own diagnostics; only an absent or empty list is "no basis".
        if bases.is_empty() && raw.bases_written == 0 {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::MissingBasis,
                    raw.id.span.clone(),
                    format!("permit rule `{rule_name}` has no lawful basis"),
                )
                .help("add `bases = [...]` with one or more of `consent`, `contract`, `emergency`, `legal_obligation`, `public_data`"),
            );
        }
        if !raw.retention_written {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::MissingRetention,
                    raw.id.span.clone(),
                    format!("permit rule `{rule_name}` has no retention period"),
                )
                .help("add `retention = \"1y\"` (a period: `d`, `w`, `m`, `y`) or an event such as `until_deregistration`"),
            );
        }
    }
    let category_ranges = categories
        .iter()
        .map(|&c| (c, category_tree.end(c)))
        .collect();
    let mut rule = Rule {
        id,
        name: rule_name.into(),
        effect,
        clause: raw.clause.value.as_str().into(),
        description: text(raw.description.as_ref()),
        actions,
        purposes: purposes
            .into_iter()
            .map(|p| PurposeId::of_engine(p, names.tag))
            .collect(),
        categories: categories
            .into_iter()
            .map(|c| CategoryId::of_engine(c, names.tag))
            .collect(),
        category_ranges,
        recipients,
        subjects: raw.subjects.as_ref().map_or(SubjectScope::Any, |s| s.value),
        requires_known_age: raw.requires_known_age,
        unknown_age_adult: raw.unknown_age_adult.as_ref().is_some_and(|f| f.value),
        occasional: raw.occasional.as_ref().is_some_and(|f| f.value),
        basis_set: bases.iter().copied().collect::<BasisSet>(),
        bases,
        obligations: raw
            .obligations
            .iter()
            .map(|o| o.value)
            .collect::<ObligationSet>(),
        retention: raw.retention.as_ref().map(|r| r.value),
        applies: 0,
    };
    rule.applies = rule.applicability();
    rule
}

/// Reports permit rules that a single deny rule entirely covers: every
/// action, purpose and category the permit names is denied (for the same
/// subjects and recipients), so the permit can never apply.
///
/// Each deny rule's purposes and categories are reduced once to disjoint,
/// sorted subtrees, so whether it covers a permit's name is a binary search.
fn check_shadowed(
    spans: &HashMap<&str, Range<usize>>,
    rules: &[Rule],
    categories: &Hierarchy,
    purposes: &Hierarchy,
    d: &mut Vec<Diagnostic>,
) {
    let span_of = |rule: &Rule| spans.get(&*rule.name).cloned().unwrap_or_default();
    let denies: Vec<DenyCover<'_>> = rules
        .iter()
        .filter(|r| r.effect == Effect::Deny)
        .map(|deny| {
            let purpose_ids = deny.purposes.iter().map(|p| p.index());
            let category_ids = deny.categories.iter().map(|c| c.index());
            (
                deny,
                subtrees(purpose_ids, purposes),
                subtrees(category_ids, categories),
            )
        })
        .collect();
    for permit in rules.iter().filter(|r| r.effect == Effect::Permit) {
        let shadow = denies
            .iter()
            .find(|(deny, denied_purposes, denied_categories)| {
                permit.actions.is_subset(deny.actions)
                    && (deny.subjects == SubjectScope::Any || deny.subjects == permit.subjects)
                    && match (deny.recipients, permit.recipients) {
                        (None, _) => true,
                        (Some(refused), Some(allowed)) => allowed.is_subset(refused),
                        (Some(_), None) => false,
                    }
                    && permit
                        .purposes
                        .iter()
                        .all(|p| in_subtrees(denied_purposes, p.index()))
                    && permit
                        .categories
                        .iter()
                        .all(|c| in_subtrees(denied_categories, c.index()))
            });
        if let Some((deny, _, _)) = shadow {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::ShadowedRule,
                    span_of(permit),
                    format!(
                        "permit rule `{}` can never apply: deny rule `{}` covers everything it permits",
                        permit.name, deny.name
                    ),
                )
                .note(span_of(deny), "denied by this rule")
                .help("narrow the deny rule, or remove the permit rule"),
            );
        }
    }
}

/// A deny rule with the disjoint subtrees of its purposes and categories.
type DenyCover<'a> = (&'a Rule, Vec<(u32, u32)>, Vec<(u32, u32)>);

/// The subtrees `[id, end)` of ascending `ids`, without those inside an
/// earlier one: disjoint and sorted.
fn subtrees(ids: impl Iterator<Item = u32>, tree: &Hierarchy) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for id in ids {
        if out.last().is_some_and(|&(_, end)| id < end) {
            continue;
        }
        out.push((id, tree.end(id)));
    }
    out
}

/// Whether `id` is in one of the disjoint, sorted subtrees.
fn in_subtrees(subtrees: &[(u32, u32)], id: u32) -> bool {
    let after = subtrees.partition_point(|&(start, _)| start <= id);
    after
        .checked_sub(1)
        .and_then(|i| subtrees.get(i))
        .is_some_and(|&(_, end)| id < end)
}

/// Indexes the rules of one effect by (action, purpose node), taking what
/// it stores from `budget`; `None` when that runs out.
fn build_index(
    rules: &[Rule],
    effect: Effect,
    purposes: &Hierarchy,
    budget: &mut usize,
) -> Option<RuleIndex> {
    let purpose_count = purposes.len();
    let mut slots: Vec<Vec<RuleId>> = vec![Vec::new(); Action::ALL.len() * purpose_count];
    for rule in rules.iter().filter(|r| r.effect == effect) {
        for action in rule.actions.iter() {
            let base = action.index() as usize * purpose_count;
            for purpose in &rule.purposes {
                let start = purpose.index();
                for node in start..purposes.end(start) {
                    if let Some(slot) = slots.get_mut(base + node as usize) {
                        if slot.last() != Some(&rule.id) {
                            *budget = budget.checked_sub(1)?;
                            slot.push(rule.id);
                        }
                    }
                }
            }
        }
    }
    let mut offsets = Vec::with_capacity(slots.len() + 1);
    let mut flat = Vec::with_capacity(slots.iter().map(Vec::len).sum());
    offsets.push(0);
    for slot in slots {
        flat.extend(slot);
        offsets.push(u32::try_from(flat.len()).unwrap_or(u32::MAX));
    }
    Some(RuleIndex::new(purpose_count, offsets, flat))
}

// ---------------------------------------------------------------------------
// `[record]`: the record of processing activities' own facts. Checked here
// (rules and categories it names, duplicates), never read by decide().
// ---------------------------------------------------------------------------

/// The `[record]` table, its names checked against the rules and the
/// categories.
fn compile_record(
    raw: &RawPolicy,
    rules: &[Rule],
    categories: &Hierarchy,
    tag: u32,
    d: &mut Vec<Diagnostic>,
) -> RecordInfo {
    let record: &RawRecord = &raw.record;
    let party = |p: &Option<RawParty>| {
        p.as_ref().map(|p| Party {
            name: text(p.name.as_ref()),
            address: text(p.address.as_ref()),
            contact: text(p.contact.as_ref()),
            note: text(p.note.as_ref()),
        })
    };
    let mut suggestions_left = MAX_SUGGESTIONS;
    let recipients = compile_named_recipients(record, rules, &mut suggestions_left, d);
    let subjects = compile_subject_groups(record, categories, tag, &mut suggestions_left, d);
    let clauses = compile_clause_texts(record, d);
    RecordInfo {
        updated: record.updated.as_ref().map(|s| s.value),
        approved_by: text(record.approved_by.as_ref()),
        approved_on: record.approved_on.as_ref().map(|s| s.value),
        security_measures: record
            .security_measures
            .iter()
            .map(|m| m.value.as_str().into())
            .collect(),
        controller: party(&record.controller),
        representative: party(&record.representative),
        dpo: party(&record.dpo),
        subjects,
        recipients,
        clauses,
    }
}

/// `[[record.recipient]]`: unique ids, and rules that exist, permit, and
/// cover the recipient's kind.
fn compile_named_recipients(
    record: &RawRecord,
    rules: &[Rule],
    suggestions_left: &mut usize,
    d: &mut Vec<Diagnostic>,
) -> Vec<NamedRecipient> {
    let by_name: HashMap<&str, &Rule> = rules.iter().map(|r| (&*r.name, r)).collect();
    let mut recipients: Vec<NamedRecipient> = Vec::with_capacity(record.recipients.len());
    let mut recipient_ids: HashMap<&str, Range<usize>> = HashMap::new();
    for raw_recipient in &record.recipients {
        let id = &raw_recipient.id;
        if let Some(first) = recipient_ids.get(id.value.as_str()) {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    id.span.clone(),
                    format!("duplicate record recipient id `{}`", id.value),
                )
                .note(first.clone(), "first defined here")
                .help("give each recipient its own id"),
            );
            continue;
        }
        recipient_ids.insert(&id.value, id.span.clone());
        let kind = raw_recipient.kind.value;
        let mut ids = Vec::with_capacity(raw_recipient.rules.len());
        for name in &raw_recipient.rules {
            let Some(rule) = by_name.get(name.value.as_str()) else {
                let fallback = "name a `[[permit]]` rule by its `id`";
                let help = if *suggestions_left > 0 {
                    *suggestions_left -= 1;
                    let known: Vec<&str> = by_name.keys().copied().collect();
                    suggestion(&name.value, &known, fallback)
                } else {
                    fallback.to_owned()
                };
                d.push(
                    Diagnostic::new(
                        DiagnosticKind::UndeclaredRule,
                        name.span.clone(),
                        format!(
                            "record recipient `{}` names undeclared rule `{}`",
                            id.value, name.value
                        ),
                    )
                    .help(help),
                );
                continue;
            };
            if rule.effect == Effect::Deny {
                d.push(
                    Diagnostic::new(
                        DiagnosticKind::InvalidValue,
                        name.span.clone(),
                        format!(
                            "record recipient `{}` names deny rule `{}`, which gives no data to anyone",
                            id.value, name.value
                        ),
                    )
                    .help("name the permit rules that give it data"),
                );
                continue;
            }
            if !rule.allows_recipient(Some(kind)) {
                let allowed: Vec<String> = rule
                    .recipient_kinds()
                    .map(|kinds| kinds.map(|k| format!("`{k}`")).collect())
                    .unwrap_or_default();
                d.push(
                    Diagnostic::new(
                        DiagnosticKind::InvalidValue,
                        name.span.clone(),
                        format!(
                            "record recipient `{}` is a `{kind}`, but rule `{}` covers only {}",
                            id.value,
                            name.value,
                            allowed.join(", ")
                        ),
                    )
                    .help("name a rule that covers this kind of recipient, or correct `kind`"),
                );
                continue;
            }
            if !ids.contains(&rule.id) {
                ids.push(rule.id);
            }
        }
        let mut mechanisms = Vec::with_capacity(raw_recipient.mechanisms.len());
        for m in &raw_recipient.mechanisms {
            if !mechanisms.contains(&m.value) {
                mechanisms.push(m.value);
            }
        }
        recipients.push(NamedRecipient {
            id: id.value.as_str().into(),
            name: raw_recipient.name.value.as_str().into(),
            description: text(raw_recipient.description.as_ref()),
            kind,
            country: raw_recipient.country.as_ref().map(|c| c.value),
            mechanisms,
            rules: ids,
        });
    }
    recipients
}

/// `[[record.subject]]`: the categories each group's data is in.
fn compile_subject_groups(
    record: &RawRecord,
    categories: &Hierarchy,
    tag: u32,
    suggestions_left: &mut usize,
    d: &mut Vec<Diagnostic>,
) -> Vec<SubjectGroup> {
    let mut subjects = Vec::with_capacity(record.subjects.len());
    for group in &record.subjects {
        let mut ids = Vec::new();
        for pattern in group.categories.iter().flatten() {
            match &pattern.value {
                Pattern::Any => ids.extend(
                    (0..u32::try_from(categories.len()).unwrap_or(u32::MAX))
                        .filter(|&c| categories.parent(c).is_none()),
                ),
                Pattern::Is(name) => match categories.lookup(name) {
                    Some(c) => ids.push(c),
                    None => {
                        let fallback = "declare it in a `[[category]]` table first";
                        let help = if *suggestions_left > 0 {
                            *suggestions_left -= 1;
                            let known: Vec<&str> = categories.names().collect();
                            suggestion(name, &known, fallback)
                        } else {
                            fallback.to_owned()
                        };
                        d.push(
                            Diagnostic::new(
                                DiagnosticKind::UndeclaredCategory,
                                pattern.span.clone(),
                                format!(
                                    "record subject `{}` names undeclared category `{name}`",
                                    group.name.value
                                ),
                            )
                            .help(help),
                        );
                    }
                },
            }
        }
        ids.sort_unstable();
        ids.dedup();
        subjects.push(SubjectGroup {
            name: group.name.value.as_str().into(),
            description: text(group.description.as_ref()),
            categories: ids
                .into_iter()
                .map(|c| CategoryId::of_engine(c, tag))
                .collect(),
        });
    }
    subjects
}

/// `[[record.clause]]`: one text per heading.
fn compile_clause_texts(record: &RawRecord, d: &mut Vec<Diagnostic>) -> Vec<ClauseText> {
    let mut clauses: Vec<ClauseText> = Vec::with_capacity(record.clauses.len());
    let mut headings: HashMap<&str, Range<usize>> = HashMap::new();
    for clause in &record.clauses {
        let heading = &clause.heading;
        if let Some(first) = headings.get(heading.value.as_str()) {
            d.push(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    heading.span.clone(),
                    format!("duplicate record clause `{}`", heading.value),
                )
                .note(first.clone(), "first given here")
                .help("give each clause's text once"),
            );
            continue;
        }
        headings.insert(&heading.value, heading.span.clone());
        clauses.push(ClauseText {
            heading: heading.value.as_str().into(),
            text: clause.text.value.trim().into(),
        });
    }

    clauses
}
