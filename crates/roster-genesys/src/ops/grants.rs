//! Users' role grants: added and removed in bulk, per division.

use std::collections::BTreeSet;

use reqwest::Method;
use roster_model::{Email, Kind, RoleGrant};
use serde_json::json;

use super::{Exec, path};
use crate::client::ApiRequest;
use crate::error::GenesysError;

impl Exec<'_> {
    pub(super) async fn grants(
        &self,
        email: &Email,
        grants: &BTreeSet<RoleGrant>,
        template: &'static str,
    ) -> Result<(), GenesysError> {
        let revoke = template == path::BULK_REMOVE;
        let id = self.user_id(email).await?;
        let mut pairs = Vec::new();
        for grant in grants {
            let role = self.id(Kind::Role, &grant.role);
            let division = match &grant.division {
                Some(name) => self.id(Kind::Division, name),
                None => Some(self.division_id(None).await?),
            };
            match (role, division) {
                (Some(role), Some(division)) => {
                    pairs.push(json!({ "roleId": role, "divisionId": division }));
                }
                // Revoking a grant of a role or division that no longer exists: nothing held.
                _ if revoke => {}
                (None, _) => return Err(self.unknown(Kind::Role, &grant.role)),
                (_, None) => {
                    return Err(
                        self.unknown(Kind::Division, grant.division.as_deref().unwrap_or(""))
                    );
                }
            }
        }
        if pairs.is_empty() {
            return Ok(());
        }
        let verb = if revoke { "bulkremove" } else { "bulkadd" };
        let request = ApiRequest::new(
            Method::POST,
            template,
            format!("/api/v2/authorization/subjects/{id}/{verb}?subjectType=PC_USER"),
            Some(json!({ "grants": pairs })),
        )
        .idempotent();
        self.send(request).await.map(drop)
    }
}
