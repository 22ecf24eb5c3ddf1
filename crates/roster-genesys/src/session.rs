//! [`Session`]: one run against an org, owning what is per run (its request counts), and
//! [`Snapshot`], what a session's read returns.
//!
//! The client ([`GenesysClient`]) is the org's transport, shared by every run; a session is
//! made per run ([`GenesysClient::session`]) and counts what that run sends. A snapshot is
//! data the caller owns; a [`Writer`] is built from the ids it learnt. Nothing a run learns or
//! counts is stored in the client, so a server can read an org while an apply writes to it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use roster_model::{LiveOrg, ReadNeeds};
use serde::de::DeserializeOwned;

use crate::client::{ApiRequest, ApiResponse, GenesysClient, OpTrace, RequestCounts};
use crate::error::GenesysError;
use crate::ids::IdTable;
use crate::progress::ProgressEvent;
use crate::refresh::{self, KeptRead, Refresh};
use crate::writer::Writer;
use crate::{normalize, snapshot};

/// One run against an org: reads, writes and their request counts.
///
/// Cheap to clone; clones share this run's counts (the tasks of one run). Two sessions share
/// nothing mutable except the transport (tokens, rate limiter, in-flight cap), which is per org
/// by nature.
#[derive(Debug, Clone)]
pub struct Session {
    client: GenesysClient,
    counts: Arc<RequestCounts>,
}

/// What a snapshot read: the normalized org and the natural-key → id translation of what it
/// listed. Owned by the caller: plan with `live`, then hand `ids` to [`Session::writer`].
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The org, normalized like desired values.
    pub live: LiveOrg,
    /// The ids of everything the snapshot listed.
    pub ids: IdTable,
}

impl Session {
    pub(crate) fn new(client: GenesysClient) -> Self {
        Session {
            client,
            counts: Arc::new(RequestCounts::default()),
        }
    }

    /// The org's transport.
    pub fn client(&self) -> &GenesysClient {
        &self.client
    }

    /// Reads what `needs` asks for (see the crate's read budget), telling `progress` about each
    /// page, queue, role and user read (it is called from several tasks, so it must be quick).
    ///
    /// # Errors
    ///
    /// The first request that failed after its retries, or a response that could not be read.
    pub async fn snapshot(
        &self,
        needs: &ReadNeeds,
        progress: &(dyn Fn(ProgressEvent) + Send + Sync),
    ) -> Result<Snapshot, GenesysError> {
        let raw = Box::pin(snapshot::read(self, needs, progress)).await?;
        let (live, ids) = normalize::build(&raw);
        Ok(Snapshot { live, ids })
    }

    /// [`Session::snapshot`], keeping what was read so that [`Session::refresh`] can read
    /// parts of it again.
    ///
    /// # Errors
    ///
    /// As [`Session::snapshot`].
    pub async fn read_kept(
        &self,
        needs: &ReadNeeds,
        progress: &(dyn Fn(ProgressEvent) + Send + Sync),
    ) -> Result<(Snapshot, KeptRead), GenesysError> {
        let raw = Box::pin(snapshot::read(self, needs, progress)).await?;
        let kept = KeptRead::new(raw, needs.clone());
        Ok((kept.snapshot(), kept))
    }

    /// Reads again what `what` names (see [`Refresh`] and the crate's read budget), patches
    /// `kept`, and answers the snapshot of the whole org as it now stands: normalized again
    /// from the patched read, without any other request.
    ///
    /// # Errors
    ///
    /// The first request that failed after its retries (a user's 404 is not a failure: the
    /// user is gone); `kept` is then left as it was.
    pub async fn refresh(
        &self,
        kept: &mut KeptRead,
        what: &[Refresh],
    ) -> Result<Snapshot, GenesysError> {
        refresh::refresh(self, kept, what).await?;
        Ok(kept.snapshot())
    }

    /// The licences the org infers from these roles (`POST /api/v2/license/infer`): with
    /// auto-licensing, what users holding exactly these roles are licensed for. One request,
    /// counted like every other; the caller asks once per distinct role set.
    ///
    /// # Errors
    ///
    /// The failure of the request (an unknown role id is a 400), or a body that is not a list
    /// of licence ids.
    pub async fn infer_licences(
        &self,
        role_ids: &[String],
    ) -> Result<BTreeSet<String>, GenesysError> {
        // A query, not a create: repeating it is harmless.
        let request = ApiRequest::new(
            reqwest::Method::POST,
            snapshot::endpoint::LICENCE_INFER,
            snapshot::endpoint::LICENCE_INFER,
            Some(serde_json::json!(role_ids)),
        )
        .idempotent();
        let (licences, _): (Vec<String>, _) = self.send_json(&request).await?;
        Ok(licences.into_iter().collect())
    }

    /// A writer for this run that starts from `ids` (usually a snapshot's) and keeps its own
    /// copy current as it writes; its requests count in this session.
    pub fn writer(&self, ids: IdTable) -> Writer {
        Writer::new(self.clone(), ids)
    }

    /// Requests sent by this session so far, per endpoint template (`GET /api/v2/users`), every
    /// attempt counted, retries included; token fetches under [`crate::TOKEN_ENDPOINT`].
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.counts.get()
    }

    /// All requests sent by this session so far.
    pub fn total_requests(&self) -> u64 {
        self.counts.total()
    }

    /// Sends a request through the org's transport (rate limit, token, retries), counted in
    /// this session.
    ///
    /// # Errors
    ///
    /// The failure of the last attempt, once the retry table gives up.
    pub async fn send(&self, request: &ApiRequest) -> Result<ApiResponse, GenesysError> {
        self.send_traced(request, &OpTrace::default()).await
    }

    /// [`Session::send`], then decodes the JSON body.
    ///
    /// # Errors
    ///
    /// As [`Session::send`], and [`GenesysError::Decode`] when the body is not a `T`.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
    ) -> Result<(T, ApiResponse), GenesysError> {
        self.send_json_traced(request, &OpTrace::default()).await
    }

    /// Sends, also counting in the operation's trace.
    pub(crate) async fn send_traced(
        &self,
        request: &ApiRequest,
        op: &OpTrace,
    ) -> Result<ApiResponse, GenesysError> {
        self.client.send(request, &self.counts, op).await
    }

    /// Sends and decodes, also counting in the operation's trace.
    pub(crate) async fn send_json_traced<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        op: &OpTrace,
    ) -> Result<(T, ApiResponse), GenesysError> {
        let response = self.send_traced(request, op).await?;
        let value =
            serde_json::from_slice(&response.body).map_err(|source| GenesysError::Decode {
                org: self.client.org().to_owned(),
                request: Box::new(response.trace.clone()),
                source,
            })?;
        Ok((value, response))
    }

    /// GETs and decodes.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        template: &'static str,
        path: impl Into<String>,
        op: &OpTrace,
    ) -> Result<T, GenesysError> {
        Ok(self
            .send_json_traced(&ApiRequest::get(template, path), op)
            .await?
            .0)
    }
}
