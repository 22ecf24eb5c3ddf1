//! Paging: page-number envelopes (`EntityListing`), the queue-member variant without totals,
//! cursor envelopes (teams), and relative `*Uri` links that preserve the request's filters.
//!
//! Page-size maximums (UNCONFIRMED in the real API whether excess is clamped or rejected):
//! the sandbox REJECTS `pageSize` above the maximum with `400 bad.request`, so a client that
//! asks for too much finds out in tests rather than silently getting fewer rows.

use std::fmt::Write as _;
use std::ops::Range;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::query::Query;

/// Maximum `pageSize` of the page-number lists (users, skills, queues, wrap-up codes,
/// languages, roles, divisions, user skills/languages/queues).
pub const MAX_PAGE_SIZE: usize = 500;
/// Maximum `pageSize` of `GET /routing/queues/{id}/members` ("Max value is 100").
pub const MAX_QUEUE_MEMBER_PAGE_SIZE: usize = 100;
/// Maximum `pageSize` of the cursor lists: teams and team members (TF uses 100).
pub const MAX_CURSOR_PAGE_SIZE: usize = 100;
/// Maximum `pageSize` of `POST /users/search`.
pub const MAX_SEARCH_PAGE_SIZE: usize = 100;
/// Default `pageSize` everywhere.
pub const DEFAULT_PAGE_SIZE: usize = 25;

/// A requested page: 1-based number and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page.
    pub size: usize,
    /// 1-based page number.
    pub number: usize,
}

impl PageRequest {
    /// Reads `pageSize`/`pageNumber`, rejecting sizes above `max` and values below 1.
    pub fn parse(query: &Query, max: usize) -> Result<Self, ApiError> {
        let size = query
            .int("pageSize")?
            .map_or(DEFAULT_PAGE_SIZE, |size| size as usize);
        let number = query.int("pageNumber")?.map_or(1, |number| number as usize);
        Self::checked(size, number, max)
    }

    /// Validates explicit values.
    pub fn checked(size: usize, number: usize, max: usize) -> Result<Self, ApiError> {
        if size < 1 || size > max {
            return Err(ApiError::bad_request(format!(
                "The pageSize [{size}] is not valid: it must be between 1 and {max}."
            )));
        }
        if number < 1 {
            return Err(ApiError::bad_request(format!(
                "The pageNumber [{number}] is not valid: it must be at least 1."
            )));
        }
        Ok(Self { size, number })
    }

    /// The index range of this page within `total` items (empty past the end).
    pub fn range(&self, total: usize) -> Range<usize> {
        let start = (self.number - 1).saturating_mul(self.size).min(total);
        let end = start.saturating_add(self.size).min(total);
        start..end
    }

    /// Number of pages for `total` items.
    pub fn page_count(&self, total: usize) -> usize {
        total.div_ceil(self.size)
    }
}

/// Which envelope a page-number list uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// The usual `EntityListing`: entities, pageSize, pageNumber, total, pageCount and links.
    Full,
    /// `QueueMemberEntityListing`: no `total`, `pageCount` or `lastUri`.
    QueueMembers,
    /// `UserReferenceEntityListing`: entities, pageSize, pageNumber, total, pageCount only.
    Bare,
}

/// Builds a `*Uri` link: path, paging parameters, then the request's other parameters.
pub fn page_uri(path: &str, query: &Query, size: usize, number: usize) -> String {
    let mut uri = format!("{path}?pageSize={size}&pageNumber={number}");
    append_pairs(&mut uri, query, &["pageSize", "pageNumber"]);
    uri
}

fn append_pairs(uri: &mut String, query: &Query, skip: &[&str]) {
    for (key, value) in query.pairs_without(skip) {
        let encoded =
            serde_urlencoded::to_string([(key.as_str(), value.as_str())]).unwrap_or_default();
        uri.push('&');
        uri.push_str(&encoded);
    }
}

/// Starts a page-number listing: the buffer the caller appends comma-separated entities
/// to, before [`finish_page`]. Writing straight into the response buffer keeps a page of
/// 500 users at one allocation.
pub fn start_page(capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity + 512);
    out.extend_from_slice(b"{\"entities\":[");
    out
}

/// Closes a listing begun with [`start_page`]: paging fields and links.
pub fn finish_page(
    mut out: Vec<u8>,
    path: &str,
    query: &Query,
    page: PageRequest,
    total: usize,
    envelope: Envelope,
) -> Response {
    let mut tail = String::with_capacity(512);
    tail.push(']');
    let page_count = page.page_count(total);
    // Writing to a String cannot fail.
    let _ = write!(
        tail,
        ",\"pageSize\":{},\"pageNumber\":{}",
        page.size, page.number
    );
    if envelope != Envelope::QueueMembers {
        let _ = write!(tail, ",\"total\":{total},\"pageCount\":{page_count}");
    }
    if envelope != Envelope::Bare {
        push_link(&mut tail, "firstUri", &page_uri(path, query, page.size, 1));
        push_link(
            &mut tail,
            "selfUri",
            &page_uri(path, query, page.size, page.number),
        );
        if page.number < page_count {
            push_link(
                &mut tail,
                "nextUri",
                &page_uri(path, query, page.size, page.number + 1),
            );
        }
        if page.number > 1 {
            push_link(
                &mut tail,
                "previousUri",
                &page_uri(path, query, page.size, page.number - 1),
            );
        }
        if envelope == Envelope::Full {
            push_link(
                &mut tail,
                "lastUri",
                &page_uri(path, query, page.size, page_count.max(1)),
            );
        }
    }
    tail.push('}');
    out.extend_from_slice(tail.as_bytes());
    json_bytes(StatusCode::OK, out)
}

/// Renders a page-number listing around already-serialized entities.
pub fn render_page(
    path: &str,
    query: &Query,
    page: PageRequest,
    total: usize,
    envelope: Envelope,
    entities: &[String],
) -> Response {
    let mut out = start_page(entities.iter().map(String::len).sum::<usize>() + entities.len());
    for (index, entity) in entities.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(entity.as_bytes());
    }
    finish_page(out, path, query, page, total, envelope)
}

/// Renders a cursor listing (`{entities, nextUri?, selfUri, previousUri?}`).
pub fn render_cursor_page(
    path: &str,
    query: &Query,
    page_size: usize,
    entities: &[String],
    next: Option<&str>,
    previous: Option<&str>,
) -> Response {
    let cursor_uri = |key: &str, cursor: Option<&str>| {
        let mut uri = format!("{path}?pageSize={page_size}");
        if let Some(cursor) = cursor {
            let _ = write!(uri, "&{key}={cursor}");
        }
        append_pairs(&mut uri, query, &["pageSize", "after", "before"]);
        uri
    };
    let mut out = String::from("{\"entities\":[");
    push_joined(&mut out, entities);
    out.push(']');
    if let Some(next) = next {
        push_link(&mut out, "nextUri", &cursor_uri("after", Some(next)));
    }
    let self_uri = match (query.get("after"), query.get("before")) {
        (Some(after), _) => cursor_uri("after", Some(after)),
        (None, Some(before)) => cursor_uri("before", Some(before)),
        (None, None) => cursor_uri("", None),
    };
    push_link(&mut out, "selfUri", &self_uri);
    if let Some(previous) = previous {
        push_link(
            &mut out,
            "previousUri",
            &cursor_uri("before", Some(previous)),
        );
    }
    out.push('}');
    json_text(StatusCode::OK, out)
}

fn push_joined(out: &mut String, entities: &[String]) {
    for (index, entity) in entities.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(entity);
    }
}

fn push_link(out: &mut String, key: &str, uri: &str) {
    let _ = write!(out, ",\"{key}\":");
    out.push_str(&serde_json::Value::from(uri).to_string());
}

/// A JSON response from bytes that are already valid JSON.
pub fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON response from text that is already valid JSON.
pub fn json_text(status: StatusCode, text: String) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON response from a serializable value.
pub fn json<T: serde::Serialize>(value: &T) -> Response {
    json_text(
        StatusCode::OK,
        serde_json::to_string(value).unwrap_or_else(|_| "{}".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_counts() {
        let page = PageRequest {
            size: 10,
            number: 3,
        };
        assert_eq!(page.range(25), 20..25);
        assert_eq!(page.range(15), 15..15);
        assert_eq!(page.page_count(25), 3);
        assert_eq!(page.page_count(0), 0);
    }

    #[test]
    fn oversized_pages_are_rejected() {
        let query = Query::parse(Some("pageSize=501")).expect("parses");
        let error = PageRequest::parse(&query, MAX_PAGE_SIZE).expect_err("too big");
        assert_eq!(error.code, "bad.request");
        let query = Query::parse(Some("pageSize=500&pageNumber=0")).expect("parses");
        assert!(PageRequest::parse(&query, MAX_PAGE_SIZE).is_err());
    }

    #[test]
    fn links_keep_filters() {
        let query =
            Query::parse(Some("pageSize=2&state=inactive&id=a,b&pageNumber=4")).expect("parses");
        assert_eq!(
            page_uri("/api/v2/users", &query, 2, 5),
            "/api/v2/users?pageSize=2&pageNumber=5&state=inactive&id=a%2Cb"
        );
    }
}
