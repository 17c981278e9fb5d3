//! The integration suite: one test binary, a module per topic.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failed expectation is a test failure"
)]

mod data;
mod docs;
mod face;
mod lifecycle;
mod limits;
mod load_errors;
mod policy;
mod properties;
mod rights;
#[allow(
    dead_code,
    reason = "shared with benches/load.rs, which uses all of it"
)]
mod shapes;
mod trial;
