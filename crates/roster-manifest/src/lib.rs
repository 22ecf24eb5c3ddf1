//! roster-manifest.
