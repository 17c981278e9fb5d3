//! Loading generated policies of growing size in each shape that once made
//! loading super-linear (docs/limits.md): `cargo bench --bench load`. Each
//! iteration loads the policy and, when it has errors, renders them, as
//! `lawful check` does. Results are in `benches/PERFORMANCE.md`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use lawful::Engine;

#[path = "../tests/integration/shapes.rs"]
#[allow(dead_code, reason = "shared with the integration tests")]
mod shapes;

use shapes::Shape;

#[allow(
    dead_code,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "the benchmarks' shared module: only its policy generator is used here"
)]
mod common;

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for shape in Shape::ALL {
        for size in [10_000, 100_000, 1_000_000] {
            let text = shape.policy(size);
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new(shape.name(), size), &text, |b, text| {
                b.iter(|| match Engine::from_toml(black_box(text)) {
                    Ok(engine) => engine.rules().len(),
                    Err(e) => e.to_string().len(),
                });
            });
        }
    }
    group.finish();

    // The generated policy of `benches/common` (the shape of a large real
    // one) at 1,000, 10,000 and 100,000 rules: loading should grow with
    // the rules, not faster.
    let mut group = c.benchmark_group("load_generated");
    group.sample_size(10);
    for rules in [1_000, 10_000, 100_000] {
        let text = common::generate(rules, common::BIG_CATEGORIES, common::BIG_REQUESTS).toml;
        let options = common::load_options(rules, text.len());
        group.throughput(Throughput::Elements(rules as u64));
        group.bench_with_input(BenchmarkId::new("rules", rules), &text, |b, text| {
            b.iter(|| match Engine::from_toml_with(black_box(text), options) {
                Ok(engine) => engine.rules().len(),
                Err(e) => e.to_string().len(),
            });
        });
    }
    group.finish();
}

criterion::criterion_group!(benches, load);
criterion::criterion_main!(benches);
