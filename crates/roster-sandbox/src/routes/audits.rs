//! The Audit API (REFERENCE-events-entitlements §1.1): async queries with polling and cursor
//! paging, realtime queries, and the service mapping. Every operation needs
//! `audits:audit:view`; a client without it (`PUT /__sandbox/orgs/{name}/clients/{clientId}/permissions`)
//! gets `403 missing.permissions`. The rules live in `crate::audit::query`.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};

use super::{Body, Ctx};
use crate::audit::{catalog, query};
use crate::clients::AUDIT_VIEW;
use crate::error::ApiError;
use crate::paging::json;

fn allowed(ctx: &Ctx) -> Result<(), ApiError> {
    ctx.hub.clients.require(&ctx.token.client_id, AUDIT_VIEW)
}

/// `POST /api/v2/audits/query`.
pub async fn create(ctx: Ctx, Body(body): Body<query::QueryRequest>) -> Result<Response, ApiError> {
    allowed(&ctx)?;
    let (status, answer) = query::create(&ctx.hub, &ctx.org.name, &body)?;
    Ok((status, axum::Json(answer)).into_response())
}

/// `GET /api/v2/audits/query/{transactionId}`.
pub async fn status(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    allowed(&ctx)?;
    Ok(json(&query::status(&ctx.hub, &ctx.org.name, &id)?))
}

/// `GET /api/v2/audits/query/{transactionId}/results`.
pub async fn results(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    allowed(&ctx)?;
    let page = query::ResultsPage {
        cursor: ctx.query.get("cursor").map(str::to_owned),
        page_size: ctx.query.get("pageSize").map(str::to_owned),
    };
    Ok(json(&query::results(&ctx.hub, &ctx.org.name, &id, &page)?))
}

/// `POST /api/v2/audits/query/realtime`.
pub async fn realtime(
    ctx: Ctx,
    Body(body): Body<query::QueryRequest>,
) -> Result<Response, ApiError> {
    allowed(&ctx)?;
    Ok(json(&query::realtime(&ctx.hub, &ctx.org.name, &body)?))
}

/// `GET /api/v2/audits/query/servicemapping` and `…/realtime/servicemapping` (the same
/// services: the sandbox keeps every record realtime can see).
pub async fn service_mapping(ctx: Ctx) -> Result<Response, ApiError> {
    allowed(&ctx)?;
    Ok(json(&catalog::service_mapping()))
}
