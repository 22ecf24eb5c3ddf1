//! roster-serve in process: the hook route's answers, scheduled drift checks against an
//! embedded sandbox org, and notices sent and acknowledged.

mod notify;
mod routes;
mod schedule;
