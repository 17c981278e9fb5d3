//! Rules that can permit only when a fact is left out.
//!
//! A request may leave out where the data goes (`destination_region`): the
//! host's word that it stays here. A rule that permits only in classes that
//! leave it out — never once a destination is named, whichever — relies on
//! that silence: in practice it opens only for hosts that do not say where
//! the data goes. `lawful check` warns about such rules; counsel decide
//! whether the rule or the policy's commitments (localisation, the export
//! rule) are wrong.
//!
//! # Example: a processor abroad the localisation commitment never lets in
//!
//! ```
//! use lawful::Engine;
//! use lawful::analysis::{Options, Space, reliance};
//!
//! let engine = Engine::from_path("policies/examples/eu-fitness.toml")?;
//! let space = Space::build(&[&engine], Options::default());
//! assert!(reliance::only_without_destination(&space, &engine).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use super::space::Space;
use crate::Engine;
use crate::decision::ReasonCode;

/// The permit rules of `engine` that permit some class of `space`, but
/// only classes that name no destination, by id, in policy order.
pub fn only_without_destination(space: &Space, engine: &Engine) -> Vec<String> {
    // Per rule: (permits with no destination, permits with one).
    let init = BTreeMap::<usize, (bool, bool)>::new;
    let (per_worker, _) = space.explore(&[engine], init, |seen, class, decisions| {
        let Some(Some(decision)) = decisions.first() else {
            return;
        };
        if !decision.is_permit() {
            return;
        }
        let named = space.flow(class).is_some_and(|f| f.destination.is_some());
        for reason in decision.reasons() {
            if reason.code() != ReasonCode::RulePermits {
                continue;
            }
            if let Some(rule) = reason.rule() {
                let entry = seen.entry(rule.index()).or_default();
                if named {
                    entry.1 = true;
                } else {
                    entry.0 = true;
                }
            }
        }
    });
    let mut seen = BTreeMap::<usize, (bool, bool)>::new();
    for worker in per_worker {
        for (rule, (without, with)) in worker {
            let entry = seen.entry(rule).or_default();
            entry.0 |= without;
            entry.1 |= with;
        }
    }
    engine
        .rules()
        .iter()
        .filter(|r| {
            seen.get(&r.rule_id().index())
                .is_some_and(|&(without, with)| without && !with)
        })
        .map(|r| r.id().to_owned())
        .collect()
}
