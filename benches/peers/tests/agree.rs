//! lawful, Cedar and Rego agree on every request of the mix and of
//! `extra.jsonl`: the same effect from lawful, both Cedar policies (literal,
//! expert) and both Rego formulations (strings, indexed), and the same basis
//! from lawful and Rego.

use lawful::Engine;
use lawful_peers::cedar_expert::CedarExpert;
use lawful_peers::cedar_literal::CedarLiteral;
use lawful_peers::rego::{Hierarchy, RegoPeer};
use lawful_peers::{EXTRA, MIX, Outcome, cases_of};

#[test]
fn every_peer_agrees_with_lawful_on_every_request() {
    let engine = Engine::builtin();
    let cedar = CedarLiteral::new(engine);
    let expert = CedarExpert::new(engine);
    let mut rego = RegoPeer::new(engine, Hierarchy::Strings);
    let mut indexed = RegoPeer::new(engine, Hierarchy::Indexed);
    let mut disagreements = Vec::new();
    // The mix (timed by the benchmark) and the extra requests (not timed).
    let mut cases = cases_of(engine, MIX);
    cases.extend(cases_of(engine, EXTRA));
    let mut permits = 0;
    for case in &cases {
        let lawful = Outcome::of(&engine.decide(&case.request));
        let by_cedar = cedar.decide(&CedarLiteral::prepare(case));
        let by_expert = expert.decide(&expert.prepare(case));
        let by_rego = rego.decide(&RegoPeer::input(case));
        let by_indexed = indexed.decide(&RegoPeer::input(case));
        permits += usize::from(lawful.permit);
        if by_cedar != lawful.permit
            || by_expert != lawful.permit
            || by_rego != lawful
            || by_indexed != lawful
        {
            disagreements.push(format!(
                "{}: lawful {lawful:?}, cedar literal permit={by_cedar}, cedar expert \
                 permit={by_expert}, rego {by_rego:?}, rego indexed {by_indexed:?}",
                case.id
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} requests disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    // The mix is varied: both outcomes, many times over.
    assert!(permits >= 10 && cases.len() - permits >= 10);
}
