//! What reading an org will cost, known before the first request, so a run can say it before
//! it starts (issue #13: a 20,000-user plan took an hour with no warning).

use std::time::Duration;

use roster_genesys::ReadEstimate;
use roster_manifest::{OrgSpec, RateLimit};
use roster_model::ReadNeeds;

/// The cost of reading one org as its manifests need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadCost {
    /// The org's name in `roster.yaml`.
    pub org: String,
    /// Requests, split into the per-user reads and the rest.
    pub estimate: ReadEstimate,
    /// The org's rate limit in `roster.yaml`.
    pub rate_limit: RateLimit,
    /// Whether `roster.yaml` leaves the org's utilization unmanaged (`read: { skip:
    /// [utilization] }`), so it has no per-user reads whatever the profiles declare.
    pub utilization_skipped: bool,
}

impl ReadCost {
    /// How long the rate limit makes the read last (network time on top).
    pub fn duration(&self) -> Duration {
        self.estimate
            .duration(self.rate_limit.requests_per_minute, self.rate_limit.tokens)
    }
}

/// What [`crate::read_orgs`] will cost for `spec`: the same [`ReadNeeds`], estimated.
pub fn read_cost(spec: &OrgSpec) -> ReadCost {
    ReadCost {
        org: spec.name.clone(),
        estimate: ReadEstimate::new(&ReadNeeds::for_desired(&spec.desired), &spec.desired),
        rate_limit: spec.rate_limit,
        utilization_skipped: spec.skip_utilization,
    }
}
