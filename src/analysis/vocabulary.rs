//! The names the space is built from: the purposes, categories,
//! jurisdictions and regions of one or two policies, grouped into classes
//! of nodes the decision procedure cannot tell apart.

use std::collections::HashMap;

use crate::Engine;
use crate::subject::{Regime, RegionCode};

/// A class of purpose or category nodes: the first stands for all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameClass {
    /// The representative node.
    pub name: String,
    /// Every node of the class, the representative first.
    pub members: Vec<String>,
}

/// Jurisdictions alike in regime and storage: the first stands for all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JurisdictionGroup {
    /// The representative's code.
    pub code: String,
    /// Every member's code.
    pub members: Vec<String>,
    /// The child ages that matter for the representative in the policies
    /// compared: its own, and those of the other regimes its data falls
    /// under.
    pub child_ages: Vec<u8>,
}

/// Whether `outer` is `inner` or a dotted prefix of it (`account` of
/// `account.phone`, not of `accounting`).
pub(crate) fn covers(outer: &str, inner: &str) -> bool {
    inner == outer
        || (inner.len() > outer.len()
            && inner.starts_with(outer)
            && inner.as_bytes().get(outer.len()) == Some(&b'.'))
}

/// The union of the engines' names, in the first engine's order.
fn union(lists: impl Iterator<Item = Vec<String>>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for list in lists {
        for name in list {
            if seen.insert(name.clone()) {
                out.push(name);
            }
        }
    }
    out
}

/// Groups names by signature, keeping first-seen order.
fn group(names: Vec<String>, signature: impl Fn(&str) -> String) -> Vec<NameClass> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut classes: Vec<NameClass> = Vec::new();
    for name in names {
        let sig = signature(&name);
        match index.get(&sig).and_then(|&i| classes.get_mut(i)) {
            Some(class) => class.members.push(name),
            None => {
                index.insert(sig, classes.len());
                classes.push(NameClass {
                    name: name.clone(),
                    members: vec![name],
                });
            }
        }
    }
    classes
}

/// What a category node is to one engine: its touched flags, `only_for`,
/// and for each rule whether the rule covers it and whether it overlaps it.
fn category_signature(engine: &Engine, name: &str, out: &mut String) {
    let Ok(id) = engine.category(name) else {
        out.push_str("missing;");
        return;
    };
    let Some(info) = engine.category_info(id) else {
        out.push_str("missing;");
        return;
    };
    let t = info.touches();
    for flag in [
        t.is_sensitive(),
        t.is_identifying(),
        t.is_unique_identifier(),
        t.is_device_or_log(),
        t.is_never_provided(),
    ] {
        out.push(if flag { '1' } else { '0' });
    }
    out.push('|');
    if let Some(only) = info.only_for() {
        for p in only {
            if let Some(p) = engine.purpose_info(*p) {
                out.push_str(p.name());
                out.push(',');
            }
        }
    }
    out.push('|');
    for rule in engine.rules() {
        let names = rule
            .categories()
            .iter()
            .filter_map(|c| engine.category_info(*c).map(crate::policy::Category::name));
        let (mut cov, mut over) = (false, false);
        for n in names {
            cov |= covers(n, name);
            over |= covers(n, name) || covers(name, n);
        }
        out.push(match (cov, over) {
            (true, _) => 'c',
            (false, true) => 'o',
            _ => '-',
        });
    }
    out.push(';');
}

/// What a purpose node is to one engine: its flags, which rules name it or
/// an ancestor, and which categories' `only_for` lists cover it.
fn purpose_signature(engine: &Engine, name: &str, out: &mut String) {
    let Some(info) = engine
        .purpose(name)
        .ok()
        .and_then(|p| engine.purpose_info(p))
    else {
        out.push_str("missing;");
        return;
    };
    for flag in [
        info.is_before_guardian_consent(),
        info.is_hr(),
        info.is_protective(),
        info.is_statutory(),
    ] {
        out.push(if flag { '1' } else { '0' });
    }
    out.push('|');
    for rule in engine.rules() {
        let named = rule
            .purposes()
            .iter()
            .filter_map(|p| engine.purpose_info(*p))
            .any(|p| covers(p.name(), name));
        out.push(if named { 'r' } else { '-' });
    }
    out.push('|');
    for category in engine.categories() {
        if let Some(only) = category.only_for() {
            let open = only
                .iter()
                .filter_map(|p| engine.purpose_info(*p))
                .any(|p| covers(p.name(), name));
            out.push(if open { 'o' } else { '-' });
        }
    }
    out.push(';');
}

/// The purpose classes of the engines (union of their purpose nodes).
pub(crate) fn purpose_classes(engines: &[&Engine]) -> Vec<NameClass> {
    let names = union(
        engines
            .iter()
            .map(|e| e.purposes().iter().map(|p| p.name().to_owned()).collect()),
    );
    group(names, |name| {
        let mut sig = String::new();
        for engine in engines {
            purpose_signature(engine, name, &mut sig);
        }
        sig
    })
}

/// The category classes of the engines (union of their category nodes).
pub(crate) fn category_classes(engines: &[&Engine]) -> Vec<NameClass> {
    let names = union(
        engines
            .iter()
            .map(|e| e.categories().iter().map(|c| c.name().to_owned()).collect()),
    );
    group(names, |name| {
        let mut sig = String::new();
        for engine in engines {
            category_signature(engine, name, &mut sig);
        }
        sig
    })
}

/// The jurisdiction groups of the engines: alike in regime and in whether
/// the jurisdiction is the storage region, in every engine.
pub(crate) fn jurisdiction_groups(engines: &[&Engine]) -> Vec<JurisdictionGroup> {
    let codes = union(engines.iter().map(|e| {
        e.jurisdictions()
            .iter()
            .map(|j| j.code().as_str().to_owned())
            .collect()
    }));
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<JurisdictionGroup> = Vec::new();
    for code in codes {
        // What decides a subject's class: the jurisdiction's regime, whether
        // it lies in the storage region, the regimes its data falls under,
        // and where its own child age lies among those regimes' thresholds
        // (a German of 15 is a child under the GDPR, not PIPL; a Belgian of
        // 13 under PIPL, not the GDPR).
        let mut sig = String::new();
        let mut child_ages: Vec<u8> = Vec::new();
        for engine in engines {
            match engine
                .jurisdiction(&code)
                .ok()
                .and_then(|j| engine.jurisdiction_info(j))
            {
                Some(j) => {
                    sig.push_str(j.regime().map_or("-", Regime::as_str));
                    sig.push(if j.code() == engine.storage_region() {
                        's'
                    } else {
                        '-'
                    });
                    child_ages.push(j.child_age());
                    for regime in engine.regimes_for(j.code()) {
                        sig.push_str(regime.as_str());
                        if Some(regime) == j.regime() {
                            continue;
                        }
                        let theirs = engine.regime_child_age(regime);
                        sig.push(match j.child_age().cmp(&theirs) {
                            std::cmp::Ordering::Less => '<',
                            std::cmp::Ordering::Equal => '=',
                            std::cmp::Ordering::Greater => '>',
                        });
                        child_ages.push(theirs);
                    }
                }
                None => sig.push_str("missing"),
            }
            sig.push(';');
        }
        match index.get(&sig).and_then(|&i| groups.get_mut(i)) {
            Some(group) => group.members.push(code),
            None => {
                child_ages.sort_unstable();
                child_ages.dedup();
                index.insert(sig, groups.len());
                groups.push(JurisdictionGroup {
                    code: code.clone(),
                    members: vec![code],
                    child_ages,
                });
            }
        }
    }
    groups
}

/// The region set: each engine's storage region, one region inside each
/// regime's area that is not a storage region, and one outside every area.
pub(crate) fn regions(engines: &[&Engine]) -> Vec<RegionCode> {
    let mut out: Vec<RegionCode> = Vec::new();
    let push = |r: RegionCode, out: &mut Vec<RegionCode>| {
        if !out.contains(&r) {
            out.push(r);
        }
    };
    for engine in engines {
        push(engine.storage_region(), &mut out);
    }
    let declared: Vec<RegionCode> = engines
        .iter()
        .flat_map(|e| {
            e.jurisdictions()
                .iter()
                .map(crate::subject::Jurisdiction::code)
        })
        .collect();
    let storage: Vec<RegionCode> = engines.iter().map(|e| e.storage_region()).collect();
    for regime in Regime::ALL {
        let inside = declared
            .iter()
            .copied()
            .find(|r| regime.covers(*r) && !storage.contains(r))
            .or_else(|| {
                ["CN", "DE"]
                    .iter()
                    .filter_map(|c| RegionCode::new(c).ok())
                    .find(|r| regime.covers(*r) && !storage.contains(r))
            });
        if let Some(r) = inside {
            push(r, &mut out);
        }
    }
    let outside = declared
        .iter()
        .copied()
        .find(|r| Regime::of_region(*r).is_none())
        .or_else(|| RegionCode::new("US").ok());
    if let Some(r) = outside {
        push(r, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_prefixes_stop_at_segment_boundaries() {
        assert!(covers("account", "account.phone"));
        assert!(covers("account", "account"));
        assert!(!covers("account", "accounting"));
        assert!(!covers("account.phone", "account"));
    }

    #[test]
    fn the_seed_groups_alike_nodes() {
        let engine = Engine::builtin();
        let categories = category_classes(&[engine]);
        let imei = categories
            .iter()
            .find(|c| c.members.iter().any(|m| m == "device.identifier.imei"));
        let Some(imei) = imei else {
            panic!("imei has a class");
        };
        assert!(imei.members.iter().any(|m| m == "device.identifier.oaid"));
        let password = categories
            .iter()
            .find(|c| c.members.iter().any(|m| m == "account.password"));
        assert_eq!(password.map(|c| c.members.len()), Some(1));
        assert!(categories.len() < engine.categories().len());
        // The mainland, and the EEA states whose art. 8 age is below, at
        // and above PIPL's 14 (which governs them too, the handler being in
        // China): a German of 15 is a child under one law only.
        let groups = jurisdiction_groups(&[engine]);
        assert_eq!(groups.len(), 4, "{groups:?}");
        let ages: Vec<&[u8]> = groups.iter().map(|g| g.child_ages.as_slice()).collect();
        assert_eq!(ages, [&[14][..], &[14], &[13, 14], &[14, 16]], "{groups:?}");
        let regions = regions(&[engine]);
        let codes: Vec<&str> = regions.iter().map(RegionCode::as_str).collect();
        assert_eq!(codes.first(), Some(&"CN"));
        assert_eq!(codes.len(), 3, "{codes:?}");
    }
}
