//! The two ways to ask the Audit API what changed: the asynchronous query (create, poll, page
//! by cursor) and the realtime query (page numbers, last 14 days), plus the service mapping.
//!
//! Facts followed (REFERENCE-events-entitlements §1.1–§1.4): `POST /api/v2/audits/query`
//! `{interval, serviceName, filters?, sort?}` answers 200 or 202 with
//! `{id, state}`; `GET …/query/{transactionId}` until `Succeeded` (`Failed` and `Cancelled`
//! are terminal); `GET …/{transactionId}/results?pageSize=500&expand=user` following the
//! opaque `cursor` until it is absent. `allowRedirect` is never sent, so results always come
//! inline (with it the API may answer a download URL instead). Realtime:
//! `POST /api/v2/audits/query/realtime` with `pageNumber`/`pageSize` in the body and
//! `?expand=user`, answering `{entities, pageNumber, pageCount, total}`.
//!
//! UNCONFIRMED, taken the harsher way:
//! - an async query spans at most 30 days ([`MAX_QUERY_SPAN`]): a longer interval is split
//!   into consecutive queries of at most 30 days, run one after another (one query at a time,
//!   as production collectors do "to avoid 429"); records are deduplicated by id in case the
//!   API counts a boundary in both;
//! - realtime sees only the last 14 days ([`REALTIME_WINDOW`]) and says nothing about what it
//!   leaves out, so a realtime query reaching further back is run as an async query instead;
//! - a query may take a while: polls start [`AuditPolling::first`] apart and back off to
//!   [`AuditPolling::cap`], and give up after [`AuditPolling::limit`];
//! - a state the client does not know is taken as "still running".
//!
//! Every request goes through [`Session::send`] (rate limit, `Retry-After` on 429, retries,
//! counts). Creating a query changes nothing in the org, so it is retried like a read.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use super::record::{AuditRecord, LogMessage};
use crate::client::ApiRequest;
use crate::error::{AuditQueryFailure, GenesysError};
use crate::session::Session;

/// The longest interval one async query may span (30 days, UNCONFIRMED).
pub const MAX_QUERY_SPAN: Duration = Duration::from_hours(30 * 24);
/// How far back realtime queries see (14 days).
pub const REALTIME_WINDOW: Duration = Duration::from_hours(14 * 24);
/// Records per results page: the API's maximum.
pub const AUDIT_PAGE_SIZE: u32 = 500;

const QUERY: &str = "/api/v2/audits/query";
const STATUS: &str = "/api/v2/audits/query/{transactionId}";
const RESULTS: &str = "/api/v2/audits/query/{transactionId}/results";
const REALTIME: &str = "/api/v2/audits/query/realtime";
const SERVICE_MAPPING: &str = "/api/v2/audits/query/servicemapping";

/// What to ask the Audit API: one service's records in `[start, end)`, optionally filtered.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// The service (`Directory`, `ContactCenter`, …; see [`Session::audit_services`]). The
    /// API requires one per query.
    pub service_name: String,
    /// Start of the interval.
    pub start: OffsetDateTime,
    /// End of the interval.
    pub end: OffsetDateTime,
    /// Filters, all of which a record must match. The API refuses an `Action` filter without
    /// an `EntityType` one.
    pub filters: Vec<AuditFilter>,
    /// How an async query is polled.
    pub polling: AuditPolling,
}

impl AuditQuery {
    /// A query of `service_name`'s records in `[start, end)`, without filters.
    pub fn new(
        service_name: impl Into<String>,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Self {
        AuditQuery {
            service_name: service_name.into(),
            start,
            end,
            filters: Vec::new(),
            polling: AuditPolling::default(),
        }
    }

    /// The query with one more filter.
    #[must_use]
    pub fn filter(mut self, filter: AuditFilter) -> Self {
        self.filters.push(filter);
        self
    }
}

/// One `AuditQueryFilter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFilter {
    /// The user who made the change.
    UserId(String),
    /// The OAuth client the change was made through.
    ClientId(String),
    /// The action (`Update`); needs an [`AuditFilter::EntityType`] too.
    Action(String),
    /// The changed object's entity type (`User`).
    EntityType(String),
    /// The changed object's id.
    EntityId(String),
}

impl AuditFilter {
    fn to_json(&self) -> Value {
        let (property, value) = match self {
            AuditFilter::UserId(value) => ("UserId", value),
            AuditFilter::ClientId(value) => ("ClientId", value),
            AuditFilter::Action(value) => ("Action", value),
            AuditFilter::EntityType(value) => ("EntityType", value),
            AuditFilter::EntityId(value) => ("EntityId", value),
        };
        json!({ "property": property, "value": value })
    }
}

/// How an async audit query is polled until it succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditPolling {
    /// The wait before the first poll.
    pub first: Duration,
    /// The longest wait between polls (each wait doubles up to it).
    pub cap: Duration,
    /// How long one query may take before [`GenesysError::AuditQuery`].
    pub limit: Duration,
}

impl Default for AuditPolling {
    fn default() -> Self {
        AuditPolling {
            first: Duration::from_millis(200),
            cap: Duration::from_secs(5),
            limit: Duration::from_mins(5),
        }
    }
}

/// A service the Audit API knows, with its entity types and their actions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditService {
    /// The service's name.
    pub name: String,
    /// What it audits.
    #[serde(default)]
    pub entities: Vec<AuditedEntity>,
}

/// An entity type a service audits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditedEntity {
    /// The entity type (`Queue`).
    pub name: String,
    /// Its actions (`MemberAdd`).
    #[serde(default)]
    pub actions: Vec<String>,
}

/// `AuditQueryExecutionStatusResponse`, the fields read.
#[derive(Debug, Deserialize)]
struct ExecutionStatus {
    id: String,
    #[serde(default)]
    state: Option<String>,
}

/// `AuditQueryExecutionResultsResponse`.
#[derive(Debug, Deserialize)]
struct ResultsPage {
    #[serde(default)]
    entities: Vec<LogMessage>,
    #[serde(default)]
    cursor: Option<String>,
}

/// `AuditRealtimeQueryResultsResponse`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RealtimePage {
    #[serde(default)]
    entities: Vec<LogMessage>,
    #[serde(default)]
    page_count: Option<u64>,
}

/// The API's time format: ISO-8601 UTC with milliseconds.
fn iso(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .expect("a UTC time formats with a fixed description")
}

/// `[start, end)` cut into consecutive spans of at most [`MAX_QUERY_SPAN`].
fn spans(start: OffsetDateTime, end: OffsetDateTime) -> Vec<(OffsetDateTime, OffsetDateTime)> {
    let mut spans = Vec::new();
    let mut from = start;
    while from < end {
        let to = (from + MAX_QUERY_SPAN).min(end);
        spans.push((from, to));
        from = to;
    }
    spans
}

fn body(query: &AuditQuery, start: OffsetDateTime, end: OffsetDateTime) -> Value {
    let mut body = json!({
        "interval": format!("{}/{}", iso(start), iso(end)),
        "serviceName": query.service_name,
        "sort": [{ "name": "Timestamp", "sortOrder": "ascending" }],
    });
    if !query.filters.is_empty() {
        body["filters"] = query.filters.iter().map(AuditFilter::to_json).collect();
    }
    body
}

/// Keeps the records whose id was not seen yet, in order.
fn deduplicated(records: Vec<AuditRecord>, seen: &mut HashSet<String>) -> Vec<AuditRecord> {
    records
        .into_iter()
        .filter(|record| seen.insert(record.id.clone()))
        .collect()
}

impl Session {
    /// Every record of `query`, oldest first: one async query per 30 days of the interval,
    /// each created, polled until `Succeeded` and read 500 records a page by cursor.
    ///
    /// # Errors
    ///
    /// The first failed request (a 403, [`GenesysError::is_forbidden`], means the client
    /// lacks `audits:audit:view`); [`GenesysError::AuditQuery`] when a query ends
    /// `Failed` or `Cancelled`, or does not succeed within the polling limit.
    pub async fn audit_query(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, GenesysError> {
        let mut seen = HashSet::new();
        let mut records = Vec::new();
        for (start, end) in spans(query.start, query.end) {
            let span = self.audit_query_span(query, start, end).await?;
            records.extend(deduplicated(span, &mut seen));
        }
        Ok(records)
    }

    async fn audit_query_span(
        &self,
        query: &AuditQuery,
        start: OffsetDateTime,
        end: OffsetDateTime,
    ) -> Result<Vec<AuditRecord>, GenesysError> {
        let create =
            ApiRequest::new(Method::POST, QUERY, QUERY, Some(body(query, start, end))).idempotent();
        let (status, _): (ExecutionStatus, _) = self.send_json(&create).await?;
        let transaction = status.id;
        self.await_audit_query(query, &transaction, status.state)
            .await?;
        let first = format!(
            "/api/v2/audits/query/{transaction}/results?pageSize={AUDIT_PAGE_SIZE}&expand=user"
        );
        let mut records = Vec::new();
        let mut path = first.clone();
        loop {
            let (page, _): (ResultsPage, _) =
                self.send_json(&ApiRequest::get(RESULTS, path)).await?;
            let empty = page.entities.is_empty();
            records.extend(page.entities.into_iter().map(AuditRecord::from));
            match page.cursor.filter(|cursor| !cursor.is_empty()) {
                // An empty page with a cursor would never end: stop there.
                Some(cursor) if !empty => {
                    let cursor: String =
                        url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
                    path = format!("{first}&cursor={cursor}");
                }
                _ => return Ok(records),
            }
        }
    }

    /// Polls a transaction until it succeeds, with growing waits and an overall bound.
    async fn await_audit_query(
        &self,
        query: &AuditQuery,
        transaction: &str,
        mut state: Option<String>,
    ) -> Result<(), GenesysError> {
        let polling = query.polling;
        let started = tokio::time::Instant::now();
        let mut wait = polling.first;
        loop {
            match state.as_deref() {
                Some("Succeeded") => return Ok(()),
                Some(ended @ ("Failed" | "Cancelled")) => {
                    return Err(GenesysError::AuditQuery(Box::new(AuditQueryFailure {
                        org: self.client().org().to_owned(),
                        transaction_id: transaction.to_owned(),
                        service_name: query.service_name.clone(),
                        state: ended.to_owned(),
                        waited: None,
                    })));
                }
                _ => {}
            }
            if started.elapsed() + wait > polling.limit {
                return Err(GenesysError::AuditQuery(Box::new(AuditQueryFailure {
                    org: self.client().org().to_owned(),
                    transaction_id: transaction.to_owned(),
                    service_name: query.service_name.clone(),
                    state: state.unwrap_or_else(|| "unknown".to_owned()),
                    waited: Some(started.elapsed()),
                })));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(polling.cap);
            let path = format!("/api/v2/audits/query/{transaction}");
            let (status, _): (ExecutionStatus, _) =
                self.send_json(&ApiRequest::get(STATUS, path)).await?;
            state = status.state;
        }
    }

    /// Every record of `query`, oldest first, from the realtime query: no polling, for short
    /// recent windows (the watch looking up what an event named). A window that starts more
    /// than 14 days ago is run with [`Session::audit_query`] instead, because realtime
    /// silently leaves older records out. `query.polling` is unused otherwise.
    ///
    /// # Errors
    ///
    /// As [`Session::audit_query`].
    pub async fn audit_query_realtime(
        &self,
        query: &AuditQuery,
    ) -> Result<Vec<AuditRecord>, GenesysError> {
        if query.start < OffsetDateTime::now_utc() - REALTIME_WINDOW {
            return self.audit_query(query).await;
        }
        let path = format!("{REALTIME}?expand=user");
        let mut records = Vec::new();
        let mut number = 1u64;
        loop {
            let mut page_body = body(query, query.start, query.end);
            page_body["pageNumber"] = json!(number);
            page_body["pageSize"] = json!(AUDIT_PAGE_SIZE);
            let request =
                ApiRequest::new(Method::POST, REALTIME, path.clone(), Some(page_body)).idempotent();
            let (page, _): (RealtimePage, _) = self.send_json(&request).await?;
            let short = page.entities.len() < AUDIT_PAGE_SIZE as usize;
            records.extend(page.entities.into_iter().map(AuditRecord::from));
            let last = match page.page_count {
                Some(count) => number >= count,
                None => short,
            };
            if last {
                return Ok(records);
            }
            number += 1;
        }
    }

    /// The services the Audit API knows, with their entity types and actions
    /// (`GET /api/v2/audits/query/servicemapping`).
    ///
    /// # Errors
    ///
    /// The failed request (403 without `audits:audit:view`) or an unreadable answer.
    pub async fn audit_services(&self) -> Result<Vec<AuditService>, GenesysError> {
        #[derive(Deserialize)]
        struct Mapping {
            #[serde(default)]
            services: Vec<AuditService>,
        }
        let (mapping, _): (Mapping, _) = self
            .send_json(&ApiRequest::get(SERVICE_MAPPING, SERVICE_MAPPING))
            .await?;
        Ok(mapping.services)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn intervals_longer_than_thirty_days_are_split_into_consecutive_spans() {
        let start = datetime!(2025-01-01 00:00 UTC);
        assert_eq!(spans(start, start), []);
        assert_eq!(
            spans(start, datetime!(2025-01-31 00:00 UTC)),
            [(start, datetime!(2025-01-31 00:00 UTC))]
        );
        assert_eq!(
            spans(start, datetime!(2025-03-05 12:00 UTC)),
            [
                (start, datetime!(2025-01-31 00:00 UTC)),
                (
                    datetime!(2025-01-31 00:00 UTC),
                    datetime!(2025-03-02 00:00 UTC)
                ),
                (
                    datetime!(2025-03-02 00:00 UTC),
                    datetime!(2025-03-05 12:00 UTC)
                ),
            ]
        );
    }

    #[test]
    fn the_request_body_names_the_interval_service_filters_and_ascending_order() {
        let query = AuditQuery::new(
            "Directory",
            datetime!(2025-01-01 00:00 UTC),
            datetime!(2025-01-02 00:00:00.5 +01:00),
        )
        .filter(AuditFilter::EntityType("User".into()))
        .filter(AuditFilter::Action("Update".into()));
        assert_eq!(
            body(&query, query.start, query.end),
            json!({
                "interval": "2025-01-01T00:00:00.000Z/2025-01-01T23:00:00.500Z",
                "serviceName": "Directory",
                "sort": [{ "name": "Timestamp", "sortOrder": "ascending" }],
                "filters": [
                    { "property": "EntityType", "value": "User" },
                    { "property": "Action", "value": "Update" }
                ]
            })
        );
    }
}
