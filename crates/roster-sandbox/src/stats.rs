//! Request counters per org (`GET /__sandbox/orgs/{name}/stats`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an org has been asked. Every API request of the org counts, including throttled and
/// faulted ones; token requests count under `"POST /oauth/token"`. Requests whose token is
/// unknown cannot be attributed to an org and are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// All requests.
    pub requests: u64,
    /// Requests per `"METHOD /route/{template}"`.
    pub by_route: BTreeMap<String, u64>,
    /// Requests answered 429.
    pub throttled: u64,
    /// Requests answered with an injected error or timeout.
    pub faults_injected: u64,
}

impl Stats {
    /// Counts one request of a route.
    pub fn count(&mut self, route: String) {
        self.requests += 1;
        *self.by_route.entry(route).or_insert(0) += 1;
    }

    /// Requests of one route.
    pub fn route(&self, route: &str) -> u64 {
        self.by_route.get(route).copied().unwrap_or(0)
    }
}

/// One API request as the org saw it, for scenario tests that assert the order and number of
/// requests (`GET /__sandbox/orgs/{name}/requests`, [`crate::Sandbox::requests`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Route template, e.g. `/api/v2/users/{userId}`.
    pub route: String,
    /// Path and query as sent.
    pub path: String,
    /// Status answered.
    pub status: u16,
}

/// The most recent requests of an org, oldest first, at most [`RequestLog::CAPACITY`].
#[derive(Debug, Default)]
pub struct RequestLog {
    records: std::collections::VecDeque<RequestRecord>,
}

impl RequestLog {
    /// How many requests are kept; older ones are dropped.
    pub const CAPACITY: usize = 50_000;

    /// Appends a request.
    pub fn push(&mut self, record: RequestRecord) {
        if self.records.len() == Self::CAPACITY {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    /// The kept requests, oldest first.
    pub fn records(&self) -> Vec<RequestRecord> {
        self.records.iter().cloned().collect()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.records.clear();
    }
}
