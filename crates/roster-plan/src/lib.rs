//! roster-plan.
