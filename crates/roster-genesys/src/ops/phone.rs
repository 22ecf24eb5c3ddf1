//! A user's direct number and extension (`setUserPhone`): the versioned user `PATCH` of the
//! whole `addresses` list, rewritten by [`crate::addresses`] so every entry roster does not
//! manage is sent back as it was read.
//!
//! The user is read first (`GET /api/v2/users/{userId}`): the list to rewrite and the version
//! to send come from the same read, so no other entry can be lost to a stale copy. When the
//! rewritten list equals the read one the user already has that number and extension, and
//! nothing is sent. On a version conflict the user is read again and the rewrite redone, a
//! bounded number of times, as for every user `PATCH`.

use roster_model::{Email, PhoneNumber};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Exec, path};
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
        let path_ref = &user_path;
        self.versioned_patch(email, &user_path, |_| async move {
            let current: UserAddresses = self
                .send_json(ApiRequest::get(path::USER, path_ref.clone()))
                .await?;
            self.writer
                .id_table()
                .lock()
                .set_version(email, current.version);
            let wanted = addresses::with_phone(&current.addresses, number, extension);
            Ok((wanted != current.addresses)
                .then(|| (current.version, json!({ "addresses": wanted }))))
        })
        .await
    }
}
