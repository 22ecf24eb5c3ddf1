//! Users' skills and languages: set in bulk, removed one by one.

use std::collections::BTreeSet;

use reqwest::Method;
use roster_model::{Email, Kind};
use serde_json::{Value, json};

use super::{Exec, has_status, path};
use crate::client::ApiRequest;
use crate::error::GenesysError;

/// Skills and languages per bulk PATCH.
const ASSIGNMENT_BATCH: usize = 50;

impl Exec<'_> {
    pub(super) async fn set_assignments(
        &self,
        email: &Email,
        kind: Kind,
        items: &[(String, f64)],
    ) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        let resolved = items
            .iter()
            .map(|(name, proficiency)| {
                Ok(json!({ "id": self.require(kind, name)?, "proficiency": proficiency }))
            })
            .collect::<Result<Vec<Value>, GenesysError>>()?;
        let (template, path) = if kind == Kind::Skill {
            (
                path::USER_SKILLS_BULK,
                format!("/api/v2/users/{id}/routingskills/bulk"),
            )
        } else {
            (
                path::USER_LANGUAGES_BULK,
                format!("/api/v2/users/{id}/routinglanguages/bulk"),
            )
        };
        for chunk in resolved.chunks(ASSIGNMENT_BATCH) {
            let request = ApiRequest::new(
                Method::PATCH,
                template,
                path.clone(),
                Some(Value::Array(chunk.to_vec())),
            );
            self.send(request).await?;
        }
        Ok(())
    }

    pub(super) async fn remove_assignments(
        &self,
        email: &Email,
        kind: Kind,
        names: &BTreeSet<String>,
    ) -> Result<(), GenesysError> {
        let Ok(id) = self.user_id(email).await else {
            return Ok(());
        };
        // One DELETE per item, on purpose. The cheaper-looking sequence for skills, `GET
        // …/routingskills` then `PUT …/routingskills/bulk` with the remainder (2 requests
        // instead of n), is a read-modify-write that the API cannot guard: the PUT's body is a
        // bare list of `{id, proficiency}`, with no version and no documented precondition, and
        // a user's skills change without its `version` moving (DESIGN §6), so a skill granted
        // or re-levelled by someone else between the GET and the PUT would be silently undone,
        // and for a user whose skills the manifests do not manage nothing would ever put it
        // back (DESIGN §2.2: roster leaves unmanaged values alone).
        // The window is not one round trip: under the rate limit the PUT can wait in the
        // limiter for seconds, most of all in an offboarding wave, which is when removals are
        // many. The saving is also smaller than it looks: languages have no `PUT …/bulk` at all
        // (only PATCH, which cannot remove), the PUT's size limit is UNCONFIRMED (the Terraform
        // provider sends 50 skills per bulk PATCH; a larger remainder cannot be split, because
        // each PUT replaces the whole set) and whether an empty PUT clears every skill is
        // UNCONFIRMED. Each DELETE touches only what the plan removes, is idempotent (404 is
        // done) and safe to cancel between items.
        for name in names {
            // A skill the org does not have is not assigned.
            let Some(item) = self.id(kind, name) else {
                continue;
            };
            let (template, path) = if kind == Kind::Skill {
                (
                    path::USER_SKILL,
                    format!("/api/v2/users/{id}/routingskills/{item}"),
                )
            } else {
                (
                    path::USER_LANGUAGE,
                    format!("/api/v2/users/{id}/routinglanguages/{item}"),
                )
            };
            match self
                .send(ApiRequest::new(Method::DELETE, template, path, None))
                .await
            {
                Err(error) if !has_status(&error, &[404]) => return Err(error),
                _ => {}
            }
        }
        Ok(())
    }
}
