//! Heap allocations per decision on the seed mix, for each engine (the
//! counting allocator counts this thread only).
//!
//! `cargo run --release --manifest-path benches/peers/Cargo.toml --features count-allocations --bin allocs`

use lawful::Engine;
use lawful_peers::cases;
use lawful_peers::cedar_expert::CedarExpert;
use lawful_peers::cedar_literal::CedarLiteral;
use lawful_peers::rego::{Hierarchy, RegoPeer};

fn main() {
    let engine = Engine::builtin();
    let cases = cases(engine);
    let cedar = CedarLiteral::new(engine);
    let cedar_requests: Vec<_> = cases.iter().map(CedarLiteral::prepare).collect();
    let expert = CedarExpert::new(engine);
    let expert_requests: Vec<_> = cases.iter().map(|c| expert.prepare(c)).collect();
    let mut rego = RegoPeer::new(engine, Hierarchy::Strings);
    let mut indexed = RegoPeer::new(engine, Hierarchy::Indexed);
    let rego_inputs: Vec<_> = cases.iter().map(RegoPeer::input).collect();
    let cedar_floor = CedarLiteral::permit_all(engine);
    let mut rego_floor = RegoPeer::constant(engine);
    // Warm up once (lazy statics, caches), then count.
    for (i, case) in cases.iter().enumerate() {
        let _ = engine.decide(&case.request);
        let _ = cedar.decide(&cedar_requests[i]);
        let _ = expert.decide(&expert_requests[i]);
        let _ = rego.decide(&rego_inputs[i]);
        let _ = indexed.decide(&rego_inputs[i]);
        let _ = cedar_floor.decide(&cedar_requests[i]);
        let _ = rego_floor.decide(&rego_inputs[i]);
    }
    let n = cases.len() as f64;
    let mut lawful = allocation_counter::AllocationInfo::default();
    let mut by_cedar = lawful;
    let mut by_expert = lawful;
    let mut by_rego = lawful;
    let mut by_indexed = lawful;
    let mut by_cedar_floor = lawful;
    let mut by_rego_floor = lawful;
    for (i, case) in cases.iter().enumerate() {
        lawful += allocation_counter::measure(|| {
            let _ = std::hint::black_box(engine.decide(&case.request));
        });
        by_cedar += allocation_counter::measure(|| {
            std::hint::black_box(cedar.decide(&cedar_requests[i]));
        });
        by_expert += allocation_counter::measure(|| {
            std::hint::black_box(expert.decide(&expert_requests[i]));
        });
        by_rego += allocation_counter::measure(|| {
            std::hint::black_box(rego.decide(&rego_inputs[i]));
        });
        by_indexed += allocation_counter::measure(|| {
            std::hint::black_box(indexed.decide(&rego_inputs[i]));
        });
        by_cedar_floor += allocation_counter::measure(|| {
            std::hint::black_box(cedar_floor.decide(&cedar_requests[i]));
        });
        by_rego_floor += allocation_counter::measure(|| {
            std::hint::black_box(rego_floor.decide(&rego_inputs[i]));
        });
    }
    println!(
        "heap allocations per decision ({} requests of the seed mix):",
        cases.len()
    );
    let all = [
        ("lawful", lawful),
        ("cedar_literal", by_cedar),
        ("cedar_expert", by_expert),
        ("regorus_strings", by_rego),
        ("regorus_indexed", by_indexed),
        ("cedar_permit_all", by_cedar_floor),
        ("regorus_constant", by_rego_floor),
    ];
    for (name, info) in all {
        println!(
            "  {name:<18} {:>8.1} allocations  {:>9.0} bytes",
            info.count_total as f64 / n,
            info.bytes_total as f64 / n
        );
    }
}
