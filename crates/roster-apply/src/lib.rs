//! roster-apply.
