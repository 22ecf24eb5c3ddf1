//! roster-serve against an embedded sandbox org, without HTTP: scheduled drift checks.

mod schedule;
