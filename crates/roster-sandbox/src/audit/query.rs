//! Audit queries: the asynchronous kind (`POST /api/v2/audits/query`, poll, cursor-paged
//! results) and the realtime kind (`POST /api/v2/audits/query/realtime`, page numbers).
//!
//! Facts followed (REFERENCE-events-entitlements §1.1–1.4): `interval` (`start/end`, ISO-8601)
//! and `serviceName` are required (JAVA-AUDIT; the realtime one too, as XSOAR always sends
//! it); filters `UserId`, `TrusteeOrganizationId`, `ClientId`, `Action`, `EntityType`,
//! `EntityId` are `AND`ed; sort by `Timestamp` `ascending`/`descending`; a transaction goes
//! `Queued` → `Running` → `Succeeded`; results default to 25 a page, at most 500, with an
//! opaque forward-only `cursor` that is absent on the last page; realtime retrieves 14 days.
//!
//! UNCONFIRMED, modelled the harsher way:
//! - a transaction moves on one state per status poll, or per [`STEP_MS`] of sandbox clock,
//!   whichever is further: a client must poll, and must poll more than once;
//! - results asked for before `Succeeded` answer `400 bad.request`;
//! - `POST /audits/query` answers `202 Accepted` (the facts say 200 or 202);
//! - a `pageSize` above 500 (or below 1) is refused with `400 invalid.value`, not clamped;
//! - an async interval longer than 30 days is refused (GMA quoting the Audit Wiki);
//! - an `Action` filter without an `EntityType` filter is refused (GMA: `IllegalQueryException`);
//!   so are an `EntityType` the service does not audit and an `Action` that entity type
//!   does not have, and a service the service mapping does not list;
//! - realtime silently leaves out records older than 14 days (on the sandbox clock), however
//!   wide the interval: a client gets no sign that it should use `/query`;
//! - the result set is fixed when the query is created (records written later are not in it);
//! - the default sort is ascending; `allowRedirect` never redirects (no result set here is
//!   large enough for a download URL).

use std::sync::Arc;

use axum::http::StatusCode;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{AuditEntry, catalog};
use crate::error::ApiError;
use crate::hub::Hub;

/// Sandbox-clock milliseconds after which a transaction moves on one state without a poll.
pub const STEP_MS: u64 = 1_000;
/// Default results page size ("Default page size is 25 results").
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// Largest results page size ("The maximum page size is 500").
pub const MAX_PAGE_SIZE: usize = 500;
/// Longest async query interval (30 days).
pub const MAX_INTERVAL_MS: i128 = 30 * 24 * 3_600_000;
/// How far back realtime queries see (14 days).
pub const REALTIME_WINDOW_MS: i128 = 14 * 24 * 3_600_000;

/// `AuditQueryFilter`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Filter {
    /// Property filtered.
    pub property: Option<String>,
    /// Value.
    pub value: Option<String>,
}

/// `AuditQuerySort`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    /// `Timestamp`.
    pub name: Option<String>,
    /// `ascending` or `descending`.
    pub sort_order: Option<String>,
}

/// `AuditQueryRequest` and `AuditRealtimeQueryRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest {
    /// `start/end`.
    pub interval: Option<String>,
    /// Service.
    pub service_name: Option<String>,
    /// Filters.
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// Sort.
    #[serde(default)]
    pub sort: Vec<Sort>,
    /// Realtime only.
    pub page_number: Option<i64>,
    /// Realtime only.
    pub page_size: Option<i64>,
}

/// A validated query.
#[derive(Debug, Clone)]
struct Criteria {
    start_ms: i128,
    end_ms: i128,
    service: String,
    filters: Vec<(String, String)>,
    descending: bool,
}

impl Criteria {
    fn matches(&self, entry: &AuditEntry) -> bool {
        entry.event_ms >= self.start_ms
            && entry.event_ms < self.end_ms
            && entry.change.service_name == self.service
            && self.filters.iter().all(|(property, value)| {
                let actual = match property.as_str() {
                    "ClientId" => entry.client_id.as_str(),
                    "Action" => entry.change.action,
                    "EntityType" => entry.change.entity_type,
                    "EntityId" => entry.change.entity_id.as_str(),
                    // Client-credentials writes have no user and no trustee org.
                    _ => "",
                };
                actual == value
            })
    }

    fn select(&self, entries: &[Arc<AuditEntry>]) -> Vec<Arc<AuditEntry>> {
        let mut selected: Vec<_> = entries
            .iter()
            .filter(|entry| self.matches(entry))
            .cloned()
            .collect();
        // Stable: records of one instant keep the order they were written in.
        selected.sort_by_key(|entry| entry.event_ms);
        if self.descending {
            selected.reverse();
        }
        selected
    }
}

/// Unix milliseconds of an ISO-8601 time.
pub fn parse_time(text: &str) -> Option<i128> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .ok()
        .map(|at| at.unix_timestamp_nanos() / 1_000_000)
}

/// The properties a filter may name.
const PROPERTIES: [&str; 6] = [
    "UserId",
    "TrusteeOrganizationId",
    "ClientId",
    "Action",
    "EntityType",
    "EntityId",
];

fn validate(request: &QueryRequest) -> Result<Criteria, ApiError> {
    let interval = request
        .interval
        .as_deref()
        .filter(|interval| !interval.trim().is_empty())
        .ok_or_else(|| ApiError::missing_field("interval"))?;
    let invalid_interval = || {
        ApiError::invalid_value(
            "interval",
            format!("Value [{interval}] is not a valid interval: expected start/end in ISO-8601."),
        )
    };
    let (start, end) = interval.split_once('/').ok_or_else(invalid_interval)?;
    let (start_ms, end_ms) = (
        parse_time(start).ok_or_else(invalid_interval)?,
        parse_time(end).ok_or_else(invalid_interval)?,
    );
    if start_ms >= end_ms {
        return Err(invalid_interval());
    }
    let service = request
        .service_name
        .as_deref()
        .filter(|service| !service.is_empty())
        .ok_or_else(|| ApiError::missing_field("serviceName"))?;
    let entities = catalog::entities_of(service).ok_or_else(|| {
        ApiError::invalid_value(
            "serviceName",
            format!("Value [{service}] is not a valid service name. See /api/v2/audits/query/servicemapping."),
        )
    })?;
    let mut filters = Vec::new();
    for filter in &request.filters {
        let property = filter
            .property
            .clone()
            .ok_or_else(|| ApiError::missing_field("filters.property"))?;
        let value = filter
            .value
            .clone()
            .ok_or_else(|| ApiError::missing_field("filters.value"))?;
        if !PROPERTIES.contains(&property.as_str()) {
            return Err(ApiError::invalid_value(
                "filters.property",
                format!(
                    "Value [{property}] is not valid for field type [AuditQueryFilter.property]. Allowable values are: {}",
                    PROPERTIES.join(", ")
                ),
            ));
        }
        filters.push((property, value));
    }
    let entity_type = filters
        .iter()
        .find(|(property, _)| property == "EntityType")
        .map(|(_, value)| value.as_str());
    if let Some(entity_type) = entity_type
        && !entities.iter().any(|(name, _)| *name == entity_type)
    {
        return Err(illegal_query(&format!(
            "Entity type [{entity_type}] is not audited by service [{service}]."
        )));
    }
    if let Some((_, action)) = filters.iter().find(|(property, _)| property == "Action") {
        let Some(entity_type) = entity_type else {
            return Err(illegal_query(
                "An Action filter requires an EntityType filter.",
            ));
        };
        let actions = entities
            .iter()
            .find(|(name, _)| *name == entity_type)
            .map_or(&[][..], |(_, actions)| *actions);
        if !actions.contains(&action.as_str()) {
            return Err(illegal_query(&format!(
                "Action [{action}] is not valid for entity type [{entity_type}]."
            )));
        }
    }
    let mut descending = false;
    for sort in &request.sort {
        if sort.name.as_deref() != Some("Timestamp") {
            return Err(ApiError::invalid_value(
                "sort.name",
                "Allowable values are: Timestamp",
            ));
        }
        descending = match sort.sort_order.as_deref() {
            Some("ascending") => false,
            Some("descending") => true,
            _ => {
                return Err(ApiError::invalid_value(
                    "sort.sortOrder",
                    "Allowable values are: ascending, descending",
                ));
            }
        };
    }
    Ok(Criteria {
        start_ms,
        end_ms,
        service: service.to_owned(),
        filters,
        descending,
    })
}

fn illegal_query(message: &str) -> ApiError {
    ApiError::bad_request(format!("IllegalQueryException: {message}"))
}

/// A running (or finished) audit query.
#[derive(Debug, Clone)]
pub struct Transaction {
    id: Uuid,
    created_ms: u64,
    polls: u64,
    start_date: String,
    request: Value,
    results: Vec<Arc<AuditEntry>>,
}

impl Transaction {
    fn state(&self, now_ms: u64) -> &'static str {
        match self
            .polls
            .max(now_ms.saturating_sub(self.created_ms) / STEP_MS)
        {
            0 => "Queued",
            1 => "Running",
            _ => "Succeeded",
        }
    }

    fn status(&self, now_ms: u64) -> Value {
        let mut status =
            json!({ "id": self.id, "state": self.state(now_ms), "startDate": self.start_date });
        if let (Some(status), Some(request)) = (status.as_object_mut(), self.request.as_object()) {
            status.extend(request.clone());
        }
        status
    }
}

/// `POST /api/v2/audits/query`: the new transaction's status (`202`).
pub fn create(
    hub: &Hub,
    org: &str,
    request: &QueryRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let criteria = validate(request)?;
    if criteria.end_ms - criteria.start_ms > MAX_INTERVAL_MS {
        return Err(ApiError::invalid_value(
            "interval",
            "The interval must not exceed 30 days.",
        ));
    }
    let mut echo = json!({
        "interval": request.interval,
        "serviceName": request.service_name,
    });
    if !request.filters.is_empty() {
        echo["filters"] = json!(request.filters);
    }
    if !request.sort.is_empty() {
        echo["sort"] = json!(request.sort);
    }
    let transaction = Transaction {
        id: Uuid::new_v4(),
        created_ms: hub.clock.now_ms(),
        polls: 0,
        start_date: hub.clock.timestamp(),
        request: echo,
        results: criteria.select(&hub.audits.entries(org)),
    };
    let status = transaction.status(transaction.created_ms);
    hub.audits.with_transactions(org, |transactions| {
        transactions.insert(transaction.id, transaction)
    });
    Ok((StatusCode::ACCEPTED, status))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("audit query execution", id)
}

/// `GET /api/v2/audits/query/{transactionId}`: one poll.
pub fn status(hub: &Hub, org: &str, id: &str) -> Result<Value, ApiError> {
    let key = Uuid::parse_str(id).map_err(|_| not_found(id))?;
    let now = hub.clock.now_ms();
    hub.audits.with_transactions(org, |transactions| {
        let transaction = transactions.get_mut(&key).ok_or_else(|| not_found(id))?;
        transaction.polls += 1;
        Ok(transaction.status(now))
    })
}

/// A results page request.
#[derive(Debug, Clone, Default)]
pub struct ResultsPage {
    /// `cursor`.
    pub cursor: Option<String>,
    /// `pageSize` as sent.
    pub page_size: Option<String>,
}

fn page_size(sent: Option<&str>) -> Result<usize, ApiError> {
    let Some(sent) = sent else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    match sent.trim().parse::<i64>() {
        Ok(size) if size >= 1 && size.unsigned_abs() <= MAX_PAGE_SIZE as u64 => Ok(size as usize),
        _ => Err(ApiError::invalid_value(
            "pageSize",
            format!(
                "Value [{sent}] is not valid for field pageSize: it must be between 1 and {MAX_PAGE_SIZE}."
            ),
        )),
    }
}

fn cursor_for(id: Uuid, offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{id}:{offset}"))
}

fn offset_of(id: Uuid, cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (owner, offset) = text.split_once(':')?;
    (owner == id.to_string()).then_some(())?;
    offset.parse().ok()
}

/// `GET /api/v2/audits/query/{transactionId}/results`.
pub fn results(hub: &Hub, org: &str, id: &str, page: &ResultsPage) -> Result<Value, ApiError> {
    let key = Uuid::parse_str(id).map_err(|_| not_found(id))?;
    let size = page_size(page.page_size.as_deref())?;
    let now = hub.clock.now_ms();
    let transaction = hub
        .audits
        .with_transactions(org, |transactions| transactions.get(&key).cloned())
        .ok_or_else(|| not_found(id))?;
    let state = transaction.state(now);
    if state != "Succeeded" {
        return Err(ApiError::bad_request(format!(
            "The audit query execution [{id}] is {state}: results are available once it has Succeeded."
        )));
    }
    let offset = match &page.cursor {
        None => 0,
        Some(cursor) => offset_of(key, cursor)
            .filter(|offset| *offset <= transaction.results.len())
            .ok_or_else(|| {
                ApiError::invalid_value(
                    "cursor",
                    format!("Value [{cursor}] is not a valid cursor for this query."),
                )
            })?,
    };
    let end = (offset + size).min(transaction.results.len());
    let entities: Vec<Value> = transaction.results[offset..end]
        .iter()
        .map(|entry| entry.message())
        .collect();
    let mut body = json!({ "id": transaction.id, "pageSize": size, "entities": entities });
    if end < transaction.results.len() {
        body["cursor"] = json!(cursor_for(key, end));
    }
    Ok(body)
}

/// `POST /api/v2/audits/query/realtime`.
pub fn realtime(hub: &Hub, org: &str, request: &QueryRequest) -> Result<Value, ApiError> {
    let mut criteria = validate(request)?;
    let now = parse_time(&hub.clock.timestamp()).unwrap_or_default();
    criteria.start_ms = criteria.start_ms.max(now - REALTIME_WINDOW_MS);
    let size = match request.page_size {
        None => DEFAULT_PAGE_SIZE,
        Some(size) => page_size(Some(&size.to_string()))?,
    };
    let number = match request.page_number {
        None => 1,
        Some(number) if number >= 1 => number as usize,
        Some(number) => {
            return Err(ApiError::invalid_value(
                "pageNumber",
                format!("Value [{number}] is not valid: pages start at 1."),
            ));
        }
    };
    let selected = criteria.select(&hub.audits.entries(org));
    let total = selected.len();
    let entities: Vec<Value> = selected
        .iter()
        .skip((number - 1).saturating_mul(size))
        .take(size)
        .map(|entry| entry.message())
        .collect();
    Ok(json!({
        "entities": entities,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": total.div_ceil(size),
    }))
}
