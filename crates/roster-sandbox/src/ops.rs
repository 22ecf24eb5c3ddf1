//! Org operations shared by the control routes and the in-process [`crate::Sandbox`] API.

use std::time::Duration;

use crate::error::SandboxError;
use crate::faults::{FaultSettings, FaultUpdate};
use crate::hub::Hub;
use crate::seed::{SeedOrg, build_state};
use crate::stats::{RequestRecord, Stats};
use crate::store::OrgState;

/// Counters of an org.
pub fn stats(hub: &Hub, org: &str) -> Result<Stats, SandboxError> {
    Ok(hub.org(org)?.stats.lock().clone())
}

/// Zeroes the counters of an org and clears its request log.
pub fn reset_stats(hub: &Hub, org: &str) -> Result<(), SandboxError> {
    let org = hub.org(org)?;
    *org.stats.lock() = Stats::default();
    org.log.lock().clear();
    Ok(())
}

/// The org's most recent API requests, oldest first.
pub fn requests(hub: &Hub, org: &str) -> Result<Vec<RequestRecord>, SandboxError> {
    Ok(hub.org(org)?.log.lock().records())
}

/// Applies a partial knob update; answers the resulting settings.
pub fn set_faults(
    hub: &Hub,
    org: &str,
    update: &FaultUpdate,
) -> Result<FaultSettings, SandboxError> {
    update.validate().map_err(SandboxError::InvalidKnob)?;
    let org = hub.org(org)?;
    let mut faults = org.faults.lock();
    faults.update(update);
    hub.mark_dirty();
    Ok(faults.settings.clone())
}

/// Moves the sandbox clock forward (bounded, see [`crate::clock::Clock::advance`]); answers
/// the clock's new reading in milliseconds.
pub fn advance_clock(hub: &Hub, by: Duration) -> Result<u64, SandboxError> {
    hub.clock.advance(by)?;
    Ok(hub.clock.now_ms())
}

/// The org's whole state as JSON.
pub fn dump(hub: &Hub, org: &str) -> Result<serde_json::Value, SandboxError> {
    let org = hub.org(org)?;
    let state = org.state.read();
    serde_json::to_value(&*state).map_err(|error| SandboxError::Parse {
        what: "org dump".into(),
        message: error.to_string(),
    })
}

/// Replaces the org's state by a dump. Deliberately not through the domain layer: a dump is
/// restored as it was, even one holding what the API never produces (an assignment of an
/// unknown skill); [`OrgState::finish_load`] checks only what the store's indexes need.
pub fn load(hub: &Hub, org: &str, dump: &serde_json::Value) -> Result<(), SandboxError> {
    let org = hub.org(org)?;
    let mut state = OrgState::deserialize_dump(dump)?;
    state.finish_load()?;
    *org.state.write() = state;
    hub.mark_dirty();
    Ok(())
}

/// Replaces the org's state by a seed.
pub fn seed(hub: &Hub, org: &str, seed: &SeedOrg) -> Result<(), SandboxError> {
    let target = hub.org(org)?;
    let state = build_state(org, seed)?;
    *target.state.write() = state;
    hub.mark_dirty();
    Ok(())
}
