//! Integration tests of the Genesys client against the in-process sandbox: snapshot fidelity,
//! exact request budgets, resilience (429 storms, 5xx, token expiry), org isolation, and every
//! operation's effect and idempotency.

mod operations;
mod resilience;
mod snapshot;
mod support;
