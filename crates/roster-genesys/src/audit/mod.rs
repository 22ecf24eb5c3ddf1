//! The Audit API, read side: who changed what, when, through which client
//! (REFERENCE-events-entitlements §1.1–§1.4). Drift attribution (issue #14) asks it which
//! records touched an object since a point in time.
//!
//! - [`Session::audit_query`]`(&`[`AuditQuery`]`)`: the asynchronous query, for any interval
//!   (split into 30-day queries), polled and paged for the caller.
//! - [`Session::audit_query_realtime`]`(&`[`AuditQuery`]`)`: the realtime query, for a short
//!   recent window, without polling.
//! - [`Session::audit_services`]: which services, entity types and actions exist.
//! - [`AuditRecord`]: one change, from a query result or from a `v2.audits.…` notification
//!   ([`AuditRecord::from_topic_event`]).
//!
//! Every operation needs `audits:audit:view`; without it the API answers 403, which
//! [`GenesysError::is_forbidden`] tells apart so a caller can report "not permitted" instead
//! of failing.
//!
//! [`Session::audit_query`]: crate::Session::audit_query
//! [`Session::audit_query_realtime`]: crate::Session::audit_query_realtime
//! [`Session::audit_services`]: crate::Session::audit_services
//! [`GenesysError::is_forbidden`]: crate::GenesysError::is_forbidden

mod query;
mod record;

pub use query::{
    AUDIT_PAGE_SIZE, AuditFilter, AuditPolling, AuditQuery, AuditService, AuditedEntity,
    MAX_QUERY_SPAN, REALTIME_WINDOW,
};
pub use record::{AuditClient, AuditEntity, AuditRecord, AuditUser, PropertyChange};
