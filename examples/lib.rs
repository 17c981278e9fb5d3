//! The examples of **lawful**, as their own package so that running one
//! builds only the library's dependencies: `cargo run --example quickstart`,
//! `cargo run --example retention_sweep`, `cargo run --example hot_reload`
//! (from the repository root).
