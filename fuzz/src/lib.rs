//! The fuzz targets' checks, shared with the stable replay of the corpus
//! (`cli/tests/fuzz_corpus.rs`), which includes `checks.rs` the same way.

#[path = "../../cli/src/reader.rs"]
#[allow(dead_code, unreachable_pub, reason = "the CLI's reader, included whole")]
mod reader;

#[path = "../../cli/src/serve/request.rs"]
#[allow(dead_code, unreachable_pub, reason = "serve's request handling, included whole")]
mod request;

#[path = "../../cli/src/serve/split.rs"]
#[allow(dead_code, unreachable_pub, reason = "serve's line splitter, included whole")]
mod split;

#[path = "../../cli/src/chain.rs"]
#[allow(dead_code, unreachable_pub, reason = "the log's chain, included whole")]
mod chain;

#[allow(clippy::panic, reason = "an oracle's violation is a crash, for the fuzzer to save")]
mod checks;

pub use checks::*;
