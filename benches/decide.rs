//! `decide()` on the seed policy's request mix and on a generated policy of
//! 10,000 rules, two threads sharing one engine, and loading the seed policy
//!. `cargo bench --bench decide`; the peer comparison is in
//! `benches/peers/`.

#![allow(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark set-up: a broken fixture must stop the run"
)]

mod common;

criterion::criterion_group!(benches, common::lawful_benches);
criterion::criterion_main!(benches);
