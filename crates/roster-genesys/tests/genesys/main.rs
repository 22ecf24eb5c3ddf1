//! Integration tests of the Genesys client against the in-process sandbox (and, for failures
//! of the network and the token endpoint, a tiny listener on 127.0.0.1): snapshot fidelity,
//! exact request budgets, resilience (429 storms, 5xx, token expiry), org isolation, every
//! operation's effect and idempotency, the requests each user write costs, two runs on one org
//! sharing nothing but the transport, audit queries, the notification listener, and the
//! entitlement reads and writes of issue #17 (numbers, stations, WFM units, licences, tokens).

mod audits;
mod entitlements;
mod errors;
mod logging;
mod notifications;
mod operations;
mod refresh;
mod resilience;
mod sessions;
mod snapshot;
mod support;
mod write_costs;
