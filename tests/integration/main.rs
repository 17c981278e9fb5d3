//! The integration suite: one test binary, a module per topic.

mod data;
