//! Queues: their definition, wrap-up codes and members (created through
//! [`Exec::create_in_division`], shared with teams).
//!
//! `updateQueue` reads the queue and PUTs it back whole with the new division/description,
//! because PUT replaces the queue definition; an empty description removes the field.

use std::collections::BTreeSet;

use reqwest::Method;
use roster_model::{Email, Kind};
use serde_json::{Value, json};

use super::{Exec, has_status, path};
use crate::client::ApiRequest;
use crate::error::GenesysError;
use crate::snapshot::endpoint;

/// Queue members and queue wrap-up codes per call (documented maximum).
const QUEUE_BATCH: usize = 100;

impl Exec<'_> {
    pub(super) async fn update_queue(
        &self,
        name: &str,
        division: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), GenesysError> {
        let id = self.require(Kind::Queue, name)?;
        let path = format!("/api/v2/routing/queues/{id}");
        let mut queue: serde_json::Map<String, Value> = self
            .send_json(ApiRequest::get(path::QUEUE, path.clone()))
            .await?;
        if let Some(division) = division {
            let division_id = self.division_id(Some(division)).await?;
            queue.insert("division".into(), json!({ "id": division_id }));
        }
        match description {
            Some("") => {
                queue.remove("description");
            }
            Some(text) => {
                queue.insert("description".into(), json!(text));
            }
            None => {}
        }
        self.send(ApiRequest::new(
            Method::PUT,
            path::QUEUE,
            path,
            Some(Value::Object(queue)),
        ))
        .await
        .map(drop)
    }

    pub(super) async fn add_queue_codes(
        &self,
        queue: &str,
        codes: &BTreeSet<String>,
    ) -> Result<(), GenesysError> {
        let id = self.require(Kind::Queue, queue)?;
        let code_ids = codes
            .iter()
            .map(|code| self.require(Kind::WrapupCode, code))
            .collect::<Result<Vec<_>, _>>()?;
        for chunk in code_ids.chunks(QUEUE_BATCH) {
            let body: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let request = ApiRequest::new(
                Method::POST,
                endpoint::QUEUE_WRAPUP_CODES,
                format!("/api/v2/routing/queues/{id}/wrapupcodes"),
                Some(Value::Array(body)),
            )
            .idempotent();
            self.send(request).await?;
        }
        Ok(())
    }

    pub(super) async fn remove_queue_code(
        &self,
        queue: &str,
        code: &str,
    ) -> Result<(), GenesysError> {
        let (Some(id), Some(code_id)) =
            (self.id(Kind::Queue, queue), self.id(Kind::WrapupCode, code))
        else {
            return Ok(());
        };
        let request = ApiRequest::new(
            Method::DELETE,
            path::QUEUE_CODE,
            format!("/api/v2/routing/queues/{id}/wrapupcodes/{code_id}"),
            None,
        );
        match self.send(request).await {
            Err(error) if !has_status(&error, &[404]) => Err(error),
            _ => Ok(()),
        }
    }

    pub(super) async fn queue_members(
        &self,
        queue: &str,
        users: &BTreeSet<Email>,
        remove: bool,
    ) -> Result<(), GenesysError> {
        let Some(id) = self.id(Kind::Queue, queue) else {
            return if remove {
                Ok(())
            } else {
                Err(self.unknown(Kind::Queue, queue))
            };
        };
        let mut user_ids = Vec::new();
        for email in users {
            match self.user_id(email).await {
                Ok(user_id) => user_ids.push(user_id),
                // A user that does not exist is not a member.
                Err(GenesysError::Unknown { .. }) if remove => {}
                Err(error) => return Err(error),
            }
        }
        let suffix = if remove { "?delete=true" } else { "" };
        for chunk in user_ids.chunks(QUEUE_BATCH) {
            let body: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let request = ApiRequest::new(
                Method::POST,
                endpoint::QUEUE_MEMBERS,
                format!("/api/v2/routing/queues/{id}/members{suffix}"),
                Some(Value::Array(body)),
            )
            .idempotent();
            self.send(request).await?;
        }
        Ok(())
    }
}
