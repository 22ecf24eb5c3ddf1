//! Ending a user's access beyond its state (offboarding): its station (`disassociateStation`)
//! and its OAuth tokens, which ends its sessions (`revokeTokens`).
//!
//! - `DELETE /api/v2/users/{userId}/station/associatedstation`: a 404 means the user has no
//!   station (the sandbox answers so; the real API's answer is UNCONFIRMED): done.
//! - `DELETE /api/v2/tokens/{userId}` ("Delete all auth tokens for the specified user"): the
//!   real API's answer for a user without tokens is UNCONFIRMED. The sandbox answers 404 when
//!   it revoked them already; either way the user holds no tokens afterwards: done. (The
//!   user's id was resolved by this run, so a 404 does not mean the user is gone.)

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
        match self.send(request).await {
            Ok(_) => Ok(()),
            Err(error) if has_status(&error, &[404]) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
