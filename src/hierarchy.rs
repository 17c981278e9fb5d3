//! Dotted names (`account.phone`) arranged as a tree, numbered so that every
//! subtree is a contiguous range of ids.
//!
//! Categories and purposes both live in one. Names are sorted segment by
//! segment, which puts a parent just before its descendants (a pre-order
//! walk); each node records where its subtree ends. "`account` covers
//! `account.phone`" is then `start <= id < end`: two integer compares, no
//! string work, whatever the size of the policy.

use std::cmp::Ordering;
use std::collections::HashSet;

/// A tree of dotted names, with every prefix of a declared name present.
#[derive(Clone, Debug, Default)]
pub(crate) struct Hierarchy {
    names: Vec<Box<str>>,
    ends: Vec<u32>,
    parents: Vec<Option<u32>>,
}

impl Hierarchy {
    /// Builds the tree of `names` and all their prefixes. Names must already
    /// be valid ([`check_name`]); duplicates are merged.
    pub(crate) fn build<'a>(names: impl IntoIterator<Item = &'a str>) -> Hierarchy {
        // Each node once, as a slice of a declared name: walking up a
        // name's prefixes stops at the first one already present (its
        // ancestors are then present too), so the work is proportional to
        // the nodes, not to every prefix of every name.
        let mut seen: HashSet<&str> = HashSet::new();
        let mut all: Vec<&str> = Vec::new();
        for name in names {
            let mut node = name;
            loop {
                if !seen.insert(node) {
                    break;
                }
                all.push(node);
                match node.rfind('.') {
                    Some(dot) => node = node.get(..dot).unwrap_or(""),
                    None => break,
                }
            }
        }
        all.sort_unstable_by(|a, b| compare_dotted(a, b));

        let count = all.len();
        let mut ends = vec![0u32; count];
        let mut parents = vec![None; count];
        // The open ancestors of the current node, innermost last.
        let mut stack: Vec<usize> = Vec::new();
        for (i, name) in all.iter().enumerate() {
            while let Some(&top) = stack.last() {
                let ancestor = all.get(top).copied().unwrap_or("");
                if is_dotted_prefix(ancestor, name) {
                    break;
                }
                close(&mut ends, top, i);
                stack.pop();
            }
            if let (Some(&top), Some(slot)) = (stack.last(), parents.get_mut(i)) {
                *slot = u32::try_from(top).ok();
            }
            stack.push(i);
        }
        for open in stack {
            close(&mut ends, open, count);
        }
        Hierarchy {
            names: all.into_iter().map(Box::from).collect(),
            ends,
            parents,
        }
    }

    /// How many nodes (declared names and their prefixes).
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// The id of a name, by binary search in pre-order.
    ///
    /// The search compares bytes, not segments: a declared name holds only
    /// `a-z`, `0-9`, `_` and `.` ([`check_name`]), and `.` sorts below all
    /// of them, so on declared names byte order is the segment order
    /// ([`compare_dotted`]) they are sorted in
    /// (`prop_byte_order_is_segment_order_on_names` checks it). A name that
    /// is not declared equals none of them either way. Splitting both names
    /// into segments at every probe made looking up a request's names cost
    /// several times more than deciding it.
    pub(crate) fn lookup(&self, name: &str) -> Option<u32> {
        self.names
            .binary_search_by(|probe| probe.as_bytes().cmp(name.as_bytes()))
            .ok()
            .and_then(|i| u32::try_from(i).ok())
    }

    /// Every name, in pre-order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// The parent of an id, if it has one.
    pub(crate) fn parent(&self, id: u32) -> Option<u32> {
        self.parents.get(id as usize).copied().flatten()
    }

    /// One past the last id of `id`'s subtree.
    pub(crate) fn end(&self, id: u32) -> u32 {
        self.ends.get(id as usize).copied().unwrap_or(id)
    }

    /// Whether `outer` is `inner` or one of its ancestors.
    pub(crate) fn covers(&self, outer: u32, inner: u32) -> bool {
        outer <= inner && inner < self.end(outer)
    }

    /// Whether `a` and `b` share a subtree: one covers the other.
    pub(crate) fn overlaps(&self, a: u32, b: u32) -> bool {
        self.covers(a, b) || self.covers(b, a)
    }
}

fn close(ends: &mut [u32], node: usize, end: usize) {
    if let Some(slot) = ends.get_mut(node) {
        *slot = u32::try_from(end).unwrap_or(u32::MAX);
    }
}

/// Orders dotted names segment by segment, so a parent sorts right before
/// its children and `account.phone` comes before `accounting`.
pub(crate) fn compare_dotted(a: &str, b: &str) -> Ordering {
    a.split('.').cmp(b.split('.'))
}

/// Whether `prefix` is `name` or an ancestor of it on segment boundaries
/// (`account` is one of `account.phone`, not of `accounting`).
pub(crate) fn is_dotted_prefix(prefix: &str, name: &str) -> bool {
    match name.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.'),
        None => false,
    }
}

/// Checks a dotted name: segments of lower-case ASCII letters, digits and
/// `_`, separated by single dots.
pub(crate) fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("a name cannot be empty");
    }
    for segment in name.split('.') {
        if segment.is_empty() {
            return Err("a name cannot have an empty segment (`..`, or a leading or trailing `.`)");
        }
        if !segment
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err("use lower-case letters, digits and `_`, in segments separated by `.`");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Hierarchy {
        Hierarchy::build([
            "account.phone",
            "accounting.ledger",
            "account.email",
            "device.identifier.imei",
            "device.model",
        ])
    }

    #[test]
    fn prefixes_are_added_and_sorted_in_preorder() {
        let t = tree();
        let names: Vec<_> = t.names().collect();
        assert_eq!(
            names,
            vec![
                "account",
                "account.email",
                "account.phone",
                "accounting",
                "accounting.ledger",
                "device",
                "device.identifier",
                "device.identifier.imei",
                "device.model",
            ]
        );
    }

    #[test]
    fn covering_is_on_segment_boundaries() {
        let t = tree();
        let id = |n| t.lookup(n).unwrap();
        assert!(t.covers(id("account"), id("account.phone")));
        assert!(t.covers(id("account"), id("account")));
        assert!(!t.covers(id("account"), id("accounting.ledger")));
        assert!(!t.covers(id("account.phone"), id("account")));
        assert!(t.covers(id("device"), id("device.identifier.imei")));
        assert!(!t.covers(id("device.identifier"), id("device.model")));
        assert_eq!(
            t.parent(id("device.identifier.imei")),
            Some(id("device.identifier"))
        );
        assert_eq!(t.parent(id("device")), None);
        assert_eq!(t.lookup("acount"), None);
    }

    #[test]
    fn every_name_is_found_and_nothing_else() {
        let t = tree();
        for (i, name) in t.names().enumerate() {
            assert_eq!(t.lookup(name), u32::try_from(i).ok(), "{name}");
        }
        // Bytes below `.` (`!`, `-`), above it, case, and partial names.
        for absent in [
            "",
            ".",
            "account!",
            "account-x",
            "account.",
            "account.phone.",
            "Account",
            "accounT",
            "acc",
            "accountin",
            "device.identifier.imeii",
            "zzz",
            "\u{0}",
        ] {
            assert_eq!(t.lookup(absent), None, "{absent:?}");
        }
    }

    proptest::proptest! {
        /// `lookup` searches the names, sorted by `compare_dotted`, in byte
        /// order: the two orders must agree on every pair of valid names.
        #[test]
        fn prop_byte_order_is_segment_order_on_names(
            a in "[a-z0-9_]{1,4}(\\.[a-z0-9_]{1,4}){0,3}",
            b in "[a-z0-9_]{1,4}(\\.[a-z0-9_]{1,4}){0,3}",
        ) {
            proptest::prop_assert_eq!(a.as_bytes().cmp(b.as_bytes()), compare_dotted(&a, &b));
        }

        /// Whatever is looked up, a declared name is found and nothing else is.
        #[test]
        fn prop_lookup_finds_exactly_the_declared_names(
            names in proptest::collection::vec("[a-z_]{1,3}(\\.[a-z_]{1,3}){0,2}", 1..12),
            random in "[ -~]{0,8}",
            pick in proptest::option::of(0..12usize),
        ) {
            let t = Hierarchy::build(names.iter().map(String::as_str));
            // Half the time a declared name (or a prefix of one), else any text.
            let probe = match pick {
                Some(i) => t.names().nth(i % t.len()).unwrap_or_default().to_owned(),
                None => random,
            };
            let found = t.lookup(&probe).and_then(|i| t.names().nth(i as usize));
            let declared = t.names().any(|n| n == probe);
            proptest::prop_assert_eq!(found.is_some(), declared);
            if let Some(name) = found {
                proptest::prop_assert_eq!(name, probe.as_str());
            }
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("account.phone").is_ok());
        assert!(check_name("device.identifier.android_id").is_ok());
        assert!(check_name("Account").is_err());
        assert!(check_name("account..phone").is_err());
        assert!(check_name(".account").is_err());
        assert!(check_name("").is_err());
    }

    #[test]
    fn dotted_prefix_respects_segments() {
        assert!(is_dotted_prefix("account", "account.phone"));
        assert!(is_dotted_prefix("account", "account"));
        assert!(!is_dotted_prefix("account", "accounting"));
    }
}
