//! Benchmarks (written with the performance issue).
fn main() {}
