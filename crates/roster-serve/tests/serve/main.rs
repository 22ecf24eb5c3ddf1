//! roster-serve in process: the hook route's answers, and scheduled drift checks against an
//! embedded sandbox org.

mod routes;
mod schedule;
