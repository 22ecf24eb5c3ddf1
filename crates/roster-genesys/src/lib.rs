//! roster's Genesys Cloud client: OAuth client credentials, regions, a per-token rate limiter,
//! retries, paging, the live snapshot of an org and the writes of a plan.
//!
//! [`GenesysClient`] is the transport of one org: one per org, one token (or `tokens: N`) per
//! org, never shared between orgs. A run is a [`Session`] of that client, owning what is per
//! run (its request counts): [`Session::snapshot`] reads the org into a [`Snapshot`] (a
//! [`roster_model::LiveOrg`] and the org's ids, data the caller owns) and
//! [`Session::writer`] builds a [`Writer`] from those ids, which implements
//! [`roster_model::Tenant`]: `execute` runs one [`roster_model::Operation`] with the real
//! endpoints. Two sessions on one org share the rate budget and tokens, nothing else.
//!
//! # Read budget
//!
//! A snapshot costs exactly (every list read 500 per page unless noted):
//!
//! ```text
//! requests = 1                                   token (once per client and token slot;
//!                                                counted by the session that fetches it)
//!          + pages(divisions) + pages(roles) + pages(skills) + pages(languages)
//!          + pages(wrap-up codes) + pages(queues)           page-number lists, ≥ 1 each
//!          + (floor(teams / 100) + 1)                       teams, cursor, 100 per page
//!          + pages(active users) + pages(inactive users)    expand=skills,languages,team,groups
//!          + Σ queues selected by needs.queue_members (floor(members / 100) + 1)
//!          + Σ queues selected by needs.queue_wrapup_codes pages₁₀₀(codes)
//!          + (needs.grants ? Σ roles pages(subjects of the role) : 0)
//!          + |live users selected by needs.utilization|     the only per-user reads
//!          + (needs.utilization is not empty ? 1 : 0)       org utilization defaults
//!          + (needs.telephony ? pages₁₀₀(DID pools) + pages₁₀₀(extension pools)
//!               + Σ DID pools named by needs.pool_numbers   pages₁₀₀(unassigned numbers)
//!             : 0)                                          (a named pool the org lacks: 0)
//!          + (needs.wfm or needs.planning_groups ?
//!               2 + |management units|                      business units, management
//!                                                           units, one member listing each
//!               + (needs.planning_groups ? |business units| : 0)   planning groups
//!             : 0)
//!          + (needs.licences ? 1 : 0)                       licence definitions
//! where pages(n) = max(1, ceil(n / 500)), pages₁₀₀(n) = max(1, ceil(n / 100))
//! ```
//!
//! Users' numbers (`addresses`) and stations (`expand=station`) come with the user listings
//! at no cost; management-unit membership costs one listing per unit, never a read per user.
//!
//! The teams term assumes the cursor listing ends with a page without `nextUri` when a page
//! is short (the sandbox's behaviour); queue members have no totals, so a full last page costs
//! one more, empty, page. Retries (429, 5xx, 401) add to the count; [`Session::request_counts`]
//! reports what was really sent, and `tests/genesys/snapshot.rs` checks this formula
//! against the sandbox's counts exactly. For an org of 10,000 users (about 1,000 inactive),
//! 300 skills, 200 managed queues of 150 members and 50 teams, that is
//! 1 + 6 + 1 + 21 + 200 × 2 = 429 requests without grants (the benchmark measured 428 after
//! its token was cached) plus one per role with grants, where the Terraform provider reads
//! each user one by one (about 44,000 requests).
//!
//! A refresh of a kept read ([`Session::refresh`]) costs only what it names, and nothing
//! else (`tests/genesys/refresh.rs` checks it against the sandbox's counts and request log):
//!
//! ```text
//! Refresh::User(id)         1                               GET /api/v2/users/{id}?expand=…
//!                         + (needs select its utilization ? 1 : 0)
//!                         + (needs.grants ? 1 : 0)          GET /api/v2/authorization/subjects/{id}
//!                           a user gone (404, or deleted) costs its first request only;
//!                           its numbers and station come with the first request, its
//!                           management unit stays what the kept read listed
//! Refresh::QueueMembers(id) floor(members / 100) + 1        when needs read that queue's members,
//!                           0                               otherwise
//! ```
//!
//! # Public API
//!
//! - [`GenesysClient::new`]`(`[`OrgConnection`]`) -> Result<GenesysClient, GenesysError>`;
//!   [`OrgConnection::new`]`(org_name, api_base, client_id, client_secret)` then set
//!   `requests_per_minute`, `tokens` and `options` as `roster.yaml` says.
//!   [`GenesysClient::org`], [`GenesysClient::principal`] (`oauth-client:<clientId>`, for the
//!   journal), [`GenesysClient::session`] (a new run, counts at zero).
//! - [`ReadEstimate::new`]`(&ReadNeeds, &DesiredOrg) -> ReadEstimate`: this formula before
//!   reading, with what the manifests tell (a floor for the lists, the per-user reads
//!   exactly); [`ReadEstimate::requests`], [`ReadEstimate::duration`]`(rate, tokens)`.
//! - [`Region::from_name`]`(&str) -> Option<Url>` for the 18 regions; [`login_base`].
//! - [`Session::snapshot`]`(&ReadNeeds, &dyn Fn(`[`ProgressEvent`]`)) -> Result<`[`Snapshot`]`,
//!   GenesysError>`; [`Session::writer`]`(`[`IdTable`]`) -> `[`Writer`];
//!   [`Session::read_kept`]`(&ReadNeeds, progress) -> Result<(`[`Snapshot`]`, `[`KeptRead`]`),
//!   GenesysError>` and [`Session::refresh`]`(&mut KeptRead, &[`[`Refresh`]`]) -> Result<Snapshot,
//!   GenesysError>` (re-read one user or one queue's members, answer the whole org as it now
//!   stands; for `drift --watch`, #14); [`KeptRead::needs`];
//!   [`Session::request_counts`], [`Session::total_requests`]; [`Session::send`] and
//!   [`Session::send_json`] for requests of other callers (rate-limited, retried, counted).
//! - [`Session::infer_licences`]`(&[String]) -> Result<BTreeSet<String>, GenesysError>`: the
//!   licences a set of role ids implies (`POST /api/v2/license/infer`), one counted request.
//! - `impl roster_model::Tenant for Writer`; [`Writer::id_of`], [`Writer::translations`],
//!   [`Writer::ids`], [`Writer::session`]. A receipt's `adopted` says a create found its
//!   object already there.
//! - Audit API: [`Session::audit_query`]`(&`[`AuditQuery`]`)
//!   -> Result<Vec<`[`AuditRecord`]`>, GenesysError>` (async query: polled, cursor-paged,
//!   split into 30-day queries); [`Session::audit_query_realtime`] (short recent windows);
//!   [`Session::audit_services`] (the service mapping); [`AuditRecord::from_topic_event`] for
//!   audit notifications. [`GenesysError::is_forbidden`] tells a 403 (no
//!   `audits:audit:view`) apart.
//! - Notifications: [`Session::listen`]`(Vec<String>, `[`ListenerSettings`]`) -> Result<`[`Listener`]`,
//!   GenesysError>`; [`Listener::next`]`() -> Option<`[`ChannelEvent`]`>` (`Notification`,
//!   `Reconnected`, `TopicRejected`), [`Listener::shutdown`]; topic builders
//!   [`queue_members_topic`] and [`audit_topic`], read back by [`Topic::parse`];
//!   [`QueueMemberEvent::from_event`].
//! - [`throttled::by_org`]: the 429 answers per org since the process started (a server's
//!   metrics).
//! - [`GenesysError`], one variant per kind of failure; messages leave the org out (the caller
//!   names it once: [`GenesysError::org`]) and causes are `source()`s, so a renderer prints
//!   them as `Caused by:` lines. [`ApiFailure`], [`AuthFailure`] (refused credentials) and
//!   [`TokenEndpointFailure`] (a 404 or 5xx of the token endpoint) keep what the server said.
//!
//! # Logging
//!
//! Every HTTP attempt, token fetches included, is one `debug` event of the target
//! `roster_genesys::http` with `org`, `method`, `path` (path and query; the token endpoint's
//! full URL), `status` or `error`, `elapsed_ms` and `attempt`. Retries after 5xx, timeouts and
//! network errors are `info` events there; 429 pauses and token refreshes are `debug`.
//! Adoptions of existing objects are `info`. No event holds a header or a body, so none holds
//! a secret or a token.
//!
//! # Writes
//!
//! See [`Writer`] and the `ops` module for what each operation sends and how it stays
//! idempotent.

mod addresses;
mod audit;
mod auth;
mod client;
mod connection;
mod dto;
mod entitlements;
mod error;
mod estimate;
mod ids;
mod limiter;
mod normalize;
mod notifications;
mod ops;
mod paging;
mod progress;
mod refresh;
mod region;
pub mod retry;
mod session;
mod snapshot;
mod writer;

pub use audit::{
    AUDIT_PAGE_SIZE, AuditClient, AuditEntity, AuditFilter, AuditPolling, AuditQuery, AuditRecord,
    AuditService, AuditUser, AuditedEntity, MAX_QUERY_SPAN, PropertyChange, REALTIME_WINDOW,
};
pub use client::{ApiRequest, ApiResponse, GenesysClient, TOKEN_ENDPOINT, throttled};
pub use connection::{ClientOptions, DEFAULT_REQUESTS_PER_MINUTE, OrgConnection};
pub use error::{
    ApiFailure, AuditQueryFailure, AuthFailure, GenesysError, RequestTrace, TokenEndpointFailure,
};
pub use estimate::ReadEstimate;
pub use ids::IdTable;
pub use limiter::RateLimiter;
pub use notifications::{
    ChannelEvent, Listener, ListenerSettings, MAX_CHANNELS, MAX_TOPICS_PER_CHANNEL,
    QueueMemberEvent, QueueMemberUser, Topic, audit_topic, queue_members_topic,
};
pub use progress::{ProgressEvent, Stage};
pub use refresh::{KeptRead, Refresh};
pub use region::{Region, login_base};
pub use session::{Session, Snapshot};
pub use snapshot::{PAGE_SIZE, QUEUE_MEMBER_PAGE_SIZE, USER_EXPAND, endpoint};
pub use writer::Writer;
