//! End-to-end benchmark harness (work in progress).
fn main() {}
