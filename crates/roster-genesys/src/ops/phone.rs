//! A user's direct number and extension (`setUserPhone`): the versioned user `PATCH` of the
//! whole `addresses` list, rewritten by [`crate::addresses`] so every entry roster does not
//! manage is sent back as it was read.
//!
//! The user is read first (`GET /api/v2/users/{userId}`): the list to rewrite and the version
//! to send come from the same read, so no other entry can be lost to a stale copy. When the
//! rewritten list equals the read one the user already has that number and extension, and
//! nothing is sent. On a version conflict the user is read again and the rewrite redone, a
//! bounded number of times, as for every user `PATCH`.

use reqwest::Method;
use roster_model::{Email, PhoneNumber};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Exec, Versioned, is_version_mismatch, path};
use crate::addresses;
use crate::client::ApiRequest;
use crate::error::GenesysError;

/// The part of a user a number write reads.
#[derive(Deserialize)]
struct UserAddresses {
    version: u64,
    #[serde(default)]
    addresses: Vec<Value>,
}

impl Exec<'_> {
    pub(super) async fn set_phone(
        &self,
        email: &Email,
        number: Option<&PhoneNumber>,
        extension: Option<&str>,
    ) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        let user_path = format!("/api/v2/users/{id}");
        let retries = self.writer.session().client().options().version_retries;
        let mut last_correlation = None;
        for _ in 0..=retries {
            let current: UserAddresses = self
                .send_json(ApiRequest::get(path::USER, user_path.clone()))
                .await?;
            self.writer
                .id_table()
                .lock()
                .set_version(email, current.version);
            let wanted = addresses::with_phone(&current.addresses, number, extension);
            if wanted == current.addresses {
                return Ok(());
            }
            let body = json!({ "version": current.version, "addresses": wanted });
            let request = ApiRequest::new(Method::PATCH, path::USER, user_path.clone(), Some(body));
            match self.send_json::<Versioned>(request).await {
                Ok(updated) => {
                    self.writer
                        .id_table()
                        .lock()
                        .set_version(email, updated.version);
                    return Ok(());
                }
                Err(error) if is_version_mismatch(&error) => {
                    last_correlation =
                        roster_model::TenantError::correlation_id(&error).map(str::to_owned);
                }
                Err(error) => return Err(error),
            }
        }
        Err(GenesysError::VersionConflict {
            org: self.org(),
            email: email.to_string(),
            attempts: retries + 1,
            correlation_id: last_correlation,
        })
    }
}
