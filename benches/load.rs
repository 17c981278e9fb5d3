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
}

criterion::criterion_group!(benches, load);
criterion::criterion_main!(benches);
