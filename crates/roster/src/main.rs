//! The `roster` command-line tool.
fn main() {}
