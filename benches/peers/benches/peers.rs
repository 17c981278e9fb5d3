//! One criterion run, side by side: lawful's own benchmarks (the seed mix,
//! the 10,000-rule policy, two threads, loading) and the same seed mix
//! decided by Cedar and by Rego (regorus), then the ratios.
//!
//! `cargo bench --manifest-path benches/peers/Cargo.toml`

#[path = "../../common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use lawful::Engine;
use lawful_peers::cases;
use lawful_peers::cedar_expert::CedarExpert;
use lawful_peers::cedar_literal::CedarLiteral;
use lawful_peers::rego::{Hierarchy, RegoPeer};

/// The three engines on the seed mix, one decision per iteration.
fn peers(c: &mut Criterion) {
    let engine = Engine::builtin();
    let cases = cases(engine);
    let requests: Vec<_> = cases.iter().map(|case| case.request.clone()).collect();
    let cedar = CedarLiteral::new(engine);
    let cedar_requests: Vec<_> = cases.iter().map(CedarLiteral::prepare).collect();
    let expert = CedarExpert::new(engine);
    let expert_requests: Vec<_> = cases.iter().map(|c| expert.prepare(c)).collect();
    let mut rego = RegoPeer::new(engine, Hierarchy::Strings);
    let mut indexed = RegoPeer::new(engine, Hierarchy::Indexed);
    let rego_inputs: Vec<_> = cases.iter().map(RegoPeer::input).collect();

    let mut group = c.benchmark_group("peers");
    group.throughput(Throughput::Elements(1));
    group.bench_function("lawful", |b| b.iter(common::cycle(engine, &requests)));
    group.bench_function("cedar_literal", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % cedar_requests.len();
            cedar.decide(black_box(&cedar_requests[i]))
        });
    });
    group.bench_function("cedar_expert", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % expert_requests.len();
            expert.decide(black_box(&expert_requests[i]))
        });
    });
    group.bench_function("regorus_strings", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % rego_inputs.len();
            rego.decide(black_box(&rego_inputs[i]))
        });
    });
    group.bench_function("regorus_indexed", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % rego_inputs.len();
            indexed.decide(black_box(&rego_inputs[i]))
        });
    });
    // The floors: what any decision costs in each peer, whatever the policy
    // (a permit-all Cedar policy; a Rego result that is a constant).
    let cedar_floor = CedarLiteral::permit_all(engine);
    group.bench_function("cedar_permit_all", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % cedar_requests.len();
            cedar_floor.decide(black_box(&cedar_requests[i]))
        });
    });
    let mut rego_floor = RegoPeer::constant(engine);
    group.bench_function("regorus_constant", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % rego_inputs.len();
            rego_floor.decide(black_box(&rego_inputs[i]))
        });
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
}

criterion::criterion_group! {
    name = benches;
    config = config();
    targets = common::lawful_benches, peers
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}

/// Reads the medians criterion just wrote and prints the ratios.
fn ratios() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion/peers");
    let median = |name: &str| -> Option<f64> {
        let text = std::fs::read_to_string(dir.join(name).join("new/estimates.json")).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    };
    let Some(lawful) = median("lawful") else {
        return;
    };
    println!("\nmedian ns per decision on the seed mix:");
    println!("  {:<18} {lawful:>12.1}", "lawful");
    for name in [
        "cedar_literal",
        "cedar_expert",
        "regorus_strings",
        "regorus_indexed",
        "cedar_permit_all",
        "regorus_constant",
    ] {
        if let Some(ns) = median(name) {
            println!("  {name:<18} {ns:>12.1}   {:>8.1}x lawful", ns / lawful);
        }
    }
}
