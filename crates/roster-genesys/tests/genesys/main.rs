//! Integration tests of the Genesys client against the in-process sandbox: snapshot fidelity,
//! exact request budgets, resilience (429 storms, 5xx, token expiry), org isolation, and every
//! operation's effect and idempotency, and the requests each user write costs.

mod operations;
mod resilience;
mod snapshot;
mod support;
mod write_costs;
