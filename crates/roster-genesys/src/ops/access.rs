//! Ending a user's access beyond its state (offboarding): its station (`disassociateStation`)
//! and its OAuth tokens, which ends its sessions (`revokeTokens`).
//!
//! - `DELETE /api/v2/users/{userId}/station/associatedstation`: a 404 means the user has no
//!   station (the sandbox answers so; the real API's answer is UNCONFIRMED): done.
//! - `DELETE /api/v2/tokens/{userId}` ("Delete all auth tokens for the specified user"):
//!   deleting all of a user's tokens again deletes nothing more, so repeating it is harmless
//!   (the sandbox answers 204 each time; the real API's answer for a user without tokens is
//!   UNCONFIRMED). A 404 means the user is gone, which the operation does not expect: it
//!   fails.

use reqwest::Method;
use roster_model::Email;

use super::{Exec, has_status, path};
use crate::client::ApiRequest;
use crate::error::GenesysError;

impl Exec<'_> {
    pub(super) async fn disassociate_station(&self, email: &Email) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        let request = ApiRequest::new(
            Method::DELETE,
            path::ASSOCIATED_STATION,
            format!("/api/v2/users/{id}/station/associatedstation"),
            None,
        );
        match self.send(request).await {
            Ok(_) => Ok(()),
            Err(error) if has_status(&error, &[404]) => Ok(()),
            Err(error) => Err(error),
        }
    }

    pub(super) async fn revoke_tokens(&self, email: &Email) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        let request = ApiRequest::new(
            Method::DELETE,
            path::TOKENS,
            format!("/api/v2/tokens/{id}"),
            None,
        );
        self.send(request).await.map(drop)
    }
}
