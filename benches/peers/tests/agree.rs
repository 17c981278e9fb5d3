//! lawful, Cedar and Rego agree on every request of the mix: the same
//! effect from all three, and the same basis from lawful and Rego.

use lawful::Engine;
use lawful_peers::cedar::CedarPeer;
use lawful_peers::rego::RegoPeer;
use lawful_peers::{EXTRA, MIX, Outcome, cases_of};

#[test]
fn the_three_engines_agree_on_every_request() {
    let engine = Engine::builtin();
    let cedar = CedarPeer::new(engine);
    let mut rego = RegoPeer::new(engine);
    let mut disagreements = Vec::new();
    // The mix (timed by the benchmark) and the extra requests (not timed).
    let mut cases = cases_of(engine, MIX);
    cases.extend(cases_of(engine, EXTRA));
    let mut permits = 0;
    for case in &cases {
        let lawful = Outcome::of(&engine.decide(&case.request));
        let by_cedar = cedar.decide(&CedarPeer::prepare(case));
        let by_rego = rego.decide(&RegoPeer::input(case));
        permits += usize::from(lawful.permit);
        if by_cedar != lawful.permit || by_rego != lawful {
            disagreements.push(format!(
                "{}: lawful {lawful:?}, cedar permit={by_cedar}, rego {by_rego:?}",
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
