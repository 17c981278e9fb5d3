//! Nothing of its own: the crate exists for its benchmark,
//! `benches/instructions.rs` built outside lawful's workspace.
