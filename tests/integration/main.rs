//! The integration suite: one test binary, a module per topic.

mod data;
mod load_errors;
mod policy;
