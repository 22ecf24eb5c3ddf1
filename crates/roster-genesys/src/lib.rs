//! roster's Genesys Cloud client: OAuth client credentials, regions, a per-token rate limiter,
//! retries, paging, the live snapshot of an org and the writes of a plan.
//!
//! [`GenesysTenant`] implements [`roster_model::Tenant`]: `snapshot` reads an org into a
//! [`roster_model::LiveOrg`] and `execute` runs one [`roster_model::Operation`] with the real
//! endpoints. [`GenesysClient`] underneath is the transport: one per org, one token (or
//! `tokens: N`) per org, never shared between orgs.
//!
//! # Read budget
//!
//! A snapshot costs exactly (every list read 500 per page unless noted):
//!
//! ```text
//! requests = 1                                   token (once per client and token slot)
//!          + pages(divisions) + pages(roles) + pages(skills) + pages(languages)
//!          + pages(wrap-up codes) + pages(queues)           page-number lists, ≥ 1 each
//!          + (floor(teams / 100) + 1)                       teams, cursor, 100 per page
//!          + pages(active users) + pages(inactive users)    expand=skills,languages,team,groups
//!          + Σ queues selected by needs.queue_members (floor(members / 100) + 1)
//!          + Σ queues selected by needs.queue_wrapup_codes pages₁₀₀(codes)
//!          + (needs.grants ? Σ roles pages(subjects of the role) : 0)
//!          + |live users selected by needs.utilization|     the only per-user reads
//!          + (needs.utilization is not empty ? 1 : 0)       org utilization defaults
//! where pages(n) = max(1, ceil(n / 500)), pages₁₀₀(n) = max(1, ceil(n / 100))
//! ```
//!
//! The teams term assumes the cursor listing ends with a page without `nextUri` when a page
//! is short (the sandbox's behaviour); queue members have no totals, so a full last page costs
//! one more, empty, page. Retries (429, 5xx, 401) add to the count; [`GenesysClient::request_counts`]
//! reports what was really sent, and `tests/genesys/snapshot.rs` checks this formula
//! against the sandbox's counts exactly. For an org of 10,000 users (about 1,000 inactive),
//! 300 skills, 200 managed queues of 150 members and 50 teams, that is
//! 1 + 6 + 1 + 21 + 200 × 2 = 429 requests without grants (the benchmark measured 428 after
//! its token was cached) plus one per role with grants, where the Terraform provider reads
//! each user one by one (about 44,000 requests).
//!
//! # Public API
//!
//! - [`GenesysTenant::new`]`(`[`OrgConnection`]`) -> Result<GenesysTenant, GenesysError>`;
//!   [`OrgConnection::new`]`(org_name, api_base, client_id, client_secret)` then set
//!   `requests_per_minute`, `tokens` and `options` as `roster.yaml` says.
//! - [`Region::from_name`]`(&str) -> Option<Url>` for the 18 regions; [`login_base`].
//! - `impl roster_model::Tenant for GenesysTenant`; [`GenesysTenant::request_counts`],
//!   [`GenesysTenant::total_requests`], [`GenesysTenant::set_progress`] (a
//!   [`ProgressFn`] receiving [`ProgressEvent`]s), [`GenesysTenant::id_of`],
//!   [`GenesysTenant::translations`].
//!
//! # Writes
//!
//! See [`GenesysTenant`] for what each operation sends and how it stays idempotent.

mod auth;
mod client;
mod connection;
mod dto;
mod error;
mod ids;
mod limiter;
mod normalize;
mod ops;
mod paging;
mod progress;
mod region;
pub mod retry;
mod snapshot;
mod tenant;

pub use client::{GenesysClient, TOKEN_ENDPOINT};
pub use connection::{ClientOptions, DEFAULT_REQUESTS_PER_MINUTE, OrgConnection};
pub use error::{ApiFailure, AuthFailure, GenesysError, RequestTrace};
pub use limiter::RateLimiter;
pub use progress::{ProgressEvent, ProgressFn, Stage};
pub use region::{Region, login_base};
pub use snapshot::{PAGE_SIZE, QUEUE_MEMBER_PAGE_SIZE, USER_EXPAND, endpoint};
pub use tenant::GenesysTenant;
