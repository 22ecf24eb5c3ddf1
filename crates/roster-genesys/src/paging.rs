//! Paging helpers: page-number listings (read in parallel once the page count is known),
//! listings without totals (queue members: until a short or empty page) and cursor listings
//! (teams: follow `nextUri`).

use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::OpTrace;
use crate::error::GenesysError;
use crate::session::Session;

/// A page envelope; the fields a listing lacks are `None`.
#[allow(clippy::struct_field_names, reason = "the API's field names")]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// This page's items.
    #[serde(default = "Vec::new")]
    pub entities: Vec<T>,
    /// Number of pages (page-number listings with totals).
    pub page_count: Option<u64>,
    /// Number of items (page-number listings with totals).
    pub total: Option<u64>,
    /// The next page's relative URI (cursor listings).
    pub next_uri: Option<String>,
}

/// `path` with `pageSize` and `pageNumber` appended.
pub fn page_path(path: &str, size: u32, number: u64) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}pageSize={size}&pageNumber={number}")
}

/// How many pages a page-number listing has, from its first page.
fn page_count<T>(first: &Page<T>, size: u32) -> Option<u64> {
    first
        .page_count
        .or_else(|| first.total.map(|total| total.div_ceil(u64::from(size))))
}

/// Reads every page of a page-number listing. The first page tells the page count; the rest are
/// read `concurrency` at a time. Without a count, pages are read one by one until an empty or
/// short page. `on_page(done, total)` is called after each page.
pub async fn page_numbered<T: DeserializeOwned + Send>(
    session: &Session,
    template: &'static str,
    path: &str,
    size: u32,
    op: &OpTrace,
    on_page: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Vec<T>, GenesysError> {
    let first: Page<T> = session
        .get_json(template, page_path(path, size, 1), op)
        .await?;
    let Some(count) = page_count(&first, size) else {
        on_page(1, 1);
        return until_short_page(session, template, path, size, op, first).await;
    };
    on_page(1, count.max(1));
    let mut items = first.entities;
    let concurrency = session.client().options().read_concurrency.max(1);
    let done = std::sync::atomic::AtomicU64::new(1);
    let rest: Vec<Page<T>> = futures::stream::iter(2..=count)
        .map(|number| {
            let done = &done;
            async move {
                let page: Page<T> = session
                    .get_json(template, page_path(path, size, number), op)
                    .await?;
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                on_page(finished, count);
                Ok::<_, GenesysError>(page)
            }
        })
        .buffered(concurrency)
        .try_collect()
        .await?;
    for page in rest {
        items.extend(page.entities);
    }
    Ok(items)
}

/// Reads a listing without totals (queue members): page after page until one is empty or
/// shorter than `size`, so `n` items cost `floor(n / size) + 1` requests.
pub async fn page_until_short<T: DeserializeOwned + Send>(
    session: &Session,
    template: &'static str,
    path: &str,
    size: u32,
    op: &OpTrace,
) -> Result<Vec<T>, GenesysError> {
    let first: Page<T> = session
        .get_json(template, page_path(path, size, 1), op)
        .await?;
    until_short_page(session, template, path, size, op, first).await
}

async fn until_short_page<T: DeserializeOwned + Send>(
    session: &Session,
    template: &'static str,
    path: &str,
    size: u32,
    op: &OpTrace,
    first: Page<T>,
) -> Result<Vec<T>, GenesysError> {
    let mut full = first.entities.len() >= size as usize;
    let mut items = first.entities;
    let mut number = 1;
    while full {
        number += 1;
        let page: Page<T> = session
            .get_json(template, page_path(path, size, number), op)
            .await?;
        full = page.entities.len() >= size as usize;
        items.extend(page.entities);
    }
    Ok(items)
}

/// Reads a cursor listing by following `nextUri` until it is absent or a page is empty.
pub async fn cursor<T: DeserializeOwned + Send>(
    session: &Session,
    template: &'static str,
    path: String,
    op: &OpTrace,
) -> Result<Vec<T>, GenesysError> {
    let mut items = Vec::new();
    let mut next = Some(path);
    while let Some(path) = next.take() {
        let page: Page<T> = session.get_json(template, path, op).await?;
        let empty = page.entities.is_empty();
        items.extend(page.entities);
        if !empty {
            next = page.next_uri.map(|uri| relative(&uri));
        }
    }
    Ok(items)
}

/// A `nextUri` as a path and query: relative already, or stripped of scheme and host.
fn relative(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(absolute) => match absolute.query() {
            Some(query) => format!("{}?{query}", absolute.path()),
            None => absolute.path().to_owned(),
        },
        Err(_) => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_parameters_are_appended() {
        assert_eq!(
            page_path("/api/v2/users?state=active", 500, 2),
            "/api/v2/users?state=active&pageSize=500&pageNumber=2"
        );
        assert_eq!(
            page_path("/api/v2/routing/skills", 500, 1),
            "/api/v2/routing/skills?pageSize=500&pageNumber=1"
        );
    }

    #[test]
    fn the_page_count_comes_from_page_count_or_total() {
        let page = |page_count, total| Page::<()> {
            entities: Vec::new(),
            page_count,
            total,
            next_uri: None,
        };
        assert_eq!(page_count(&page(Some(3), Some(1001)), 500), Some(3));
        assert_eq!(page_count(&page(None, Some(1001)), 500), Some(3));
        assert_eq!(page_count(&page(None, Some(0)), 500), Some(0));
        assert_eq!(page_count(&page(None, None), 500), None);
    }

    #[test]
    fn next_uris_are_followed_as_paths() {
        assert_eq!(
            relative("/api/v2/teams?pageSize=100&after=abc"),
            "/api/v2/teams?pageSize=100&after=abc"
        );
        assert_eq!(
            relative("https://api.mypurecloud.com/api/v2/teams?after=abc"),
            "/api/v2/teams?after=abc"
        );
    }
}
