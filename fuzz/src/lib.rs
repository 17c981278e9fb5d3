//! The fuzz targets' checks, shared with the stable replay of the corpus
//! (`cli/tests/fuzz_corpus.rs`), which includes `checks.rs` the same way.

#[path = "../../cli/src/reader.rs"]
#[allow(dead_code, unreachable_pub, reason = "the CLI's reader, included whole")]
mod reader;

#[allow(clippy::panic, reason = "an oracle's violation is a crash, for the fuzzer to save")]
mod checks;

pub use checks::*;
