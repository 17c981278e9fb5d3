//! The fuzz targets' corpus (`fuzz/corpus/<target>/`), replayed on stable
//! through the same check functions the fuzz targets call, so that CI needs
//! no nightly toolchain and a saved crash stays fixed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a failed check is a failed test"
)]

use std::path::Path;

#[path = "../src/reader.rs"]
#[allow(dead_code, reason = "the CLI's reader, included whole")]
mod reader;

#[path = "../src/serve/request.rs"]
#[allow(dead_code, reason = "serve's request handling, included whole")]
mod request;

#[path = "../src/serve/split.rs"]
#[allow(dead_code, reason = "serve's line splitter, included whole")]
mod split;

#[path = "../src/chain.rs"]
#[allow(dead_code, reason = "the log's chain, included whole")]
mod chain;

#[path = "../../fuzz/src/checks.rs"]
#[allow(unreachable_pub, reason = "public in the fuzz crate")]
mod checks;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails its check", path.display());
        count += 1;
    }
    assert!(count > 0, "no corpus in {}", dir.display());
}

#[test]
fn policy_corpus() {
    replay("policy", checks::policy);
}

#[test]
fn request_corpus() {
    replay("request", checks::request);
}

#[test]
fn resident_id_corpus() {
    replay("resident_id", checks::resident_id);
}

#[test]
fn lifecycle_corpus() {
    replay("lifecycle", checks::lifecycle);
}

#[test]
fn lines_corpus() {
    replay("lines", checks::lines);
}

#[test]
fn serve_request_corpus() {
    replay("serve_request", checks::serve_request);
}

#[test]
fn batch_lines_corpus() {
    replay("batch_lines", checks::batch_lines);
}

#[test]
fn log_chain_corpus() {
    replay("log_chain", checks::log_chain);
}
