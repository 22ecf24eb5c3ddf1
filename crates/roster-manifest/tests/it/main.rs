//! Integration tests of roster-manifest: the bad-manifest corpus, a valid workspace compiled
//! to desired state, and a round-trip property of the manifest language.

mod corpus;
mod large;
mod roundtrip;
mod valid;

use std::path::{Path, PathBuf};

/// `tests/fixtures/manifests` at the repository root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/manifests")
}
