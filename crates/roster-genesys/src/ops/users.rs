//! Users: their record (create, `PATCH` with the current version, state, division) and the
//! email → id lookup every user operation starts with.
//!
//! `createUser` on a 409 (the email is taken) looks the user up with `POST /users/search`
//! (any state) and adopts it. A *deleted* record is restored with `PATCH {state: active}`
//! because the operation asks for an active user that the org does not list; an *inactive*
//! one is adopted as is, since reactivation is an explicit decision (`setUserState`).

use std::future::Future;
use std::time::Duration;

use reqwest::Method;
use roster_model::{Email, Kind, UserPatch, UserState};
use serde_json::{Value, json};

use super::{
    ADOPT_READS, CREATE_ATTEMPTS, Exec, Versioned, has_status, is_conflict, is_version_mismatch,
    path,
};
use crate::client::ApiRequest;
use crate::dto;
use crate::error::GenesysError;
use crate::snapshot::endpoint;

impl Exec<'_> {
    /// A user's id: known from the snapshot or a create, else looked up by email.
    pub(super) async fn user_id(&self, email: &Email) -> Result<String, GenesysError> {
        let known = self
            .writer
            .id_table()
            .lock()
            .user(email)
            .map(|u| u.id.clone());
        if let Some(id) = known {
            return Ok(id);
        }
        match self.search_user(email).await? {
            Some(user) => {
                self.remember_user(email, &user.id, user.version);
                Ok(user.id)
            }
            None => Err(self.unknown(Kind::User, email.as_str())),
        }
    }

    fn remember_user(&self, email: &Email, id: &str, version: u64) {
        self.writer
            .id_table()
            .lock()
            .insert_user(email.clone(), id, version, None);
    }

    /// `POST /users/search` for one email, any state.
    async fn search_user(&self, email: &Email) -> Result<Option<dto::User>, GenesysError> {
        let body = json!({
            "pageSize": 25,
            "pageNumber": 1,
            "query": [
                { "type": "EXACT", "fields": ["email"], "values": [email.as_str()] },
                { "type": "EXACT", "fields": ["state"], "values": ["active", "inactive", "deleted"] }
            ]
        });
        let request = ApiRequest::new(
            Method::POST,
            path::USER_SEARCH,
            path::USER_SEARCH,
            Some(body),
        )
        .idempotent();
        let found: dto::UserSearch = self.send_json(request).await?;
        Ok(found.results.into_iter().find(|u| {
            u.email
                .as_deref()
                .and_then(|e| Email::parse(e).ok())
                .is_some_and(|e| &e == email)
        }))
    }

    pub(super) async fn create_user(
        &self,
        email: &Email,
        name: &str,
        division: Option<&str>,
        title: Option<&str>,
        department: Option<&str>,
    ) -> Result<(), GenesysError> {
        if self.writer.id_table().lock().user(email).is_some() {
            tracing::info!(org = %self.org(), user = %email, "adopted an existing user (its id is known)");
            self.trace.adopt();
            return Ok(());
        }
        let division_id = self.division_id(division).await?;
        let mut body = json!({
            "name": name,
            "email": email.as_str(),
            "divisionId": division_id,
            "state": "active",
        });
        if let Some(title) = title.filter(|t| !t.is_empty()) {
            body["title"] = json!(title);
        }
        if let Some(department) = department.filter(|d| !d.is_empty()) {
            body["department"] = json!(department);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = ApiRequest::new(
                Method::POST,
                endpoint::USERS,
                endpoint::USERS,
                Some(body.clone()),
            );
            let error = match self.send_json::<dto::User>(request).await {
                Ok(user) => {
                    self.remember_user(email, &user.id, user.version);
                    return Ok(());
                }
                Err(error) => error,
            };
            let conflict = is_conflict(&error);
            if !conflict && !error.is_ambiguous() {
                return Err(error);
            }
            let reads = if conflict { ADOPT_READS } else { 1 };
            for read in 0..reads {
                if read > 0 {
                    tokio::time::sleep(Duration::from_millis(250 << read.min(4))).await;
                }
                if let Some(user) = self.search_user(email).await? {
                    tracing::info!(org = %self.org(), user = %email, state = ?user.state, "adopted an existing user");
                    self.trace.adopt();
                    self.remember_user(email, &user.id, user.version);
                    if user.state.as_deref() == Some("deleted") {
                        self.patch_user(email, &user.id, json!({ "state": "active" }))
                            .await?;
                    }
                    return Ok(());
                }
            }
            if conflict || attempt >= CREATE_ATTEMPTS {
                return Err(error);
            }
        }
    }

    /// `PATCH`es a user with its current version, re-reading it after a version conflict.
    async fn patch_user(&self, email: &Email, id: &str, fields: Value) -> Result<(), GenesysError> {
        let path = format!("/api/v2/users/{id}");
        let known = self
            .writer
            .id_table()
            .lock()
            .user(email)
            .and_then(|u| u.version);
        let fields = &fields;
        let path_ref = &path;
        self.versioned_patch(email, &path, |retry| async move {
            let version = match known.filter(|_| !retry) {
                Some(version) => version,
                None => self.read_version(path_ref).await?,
            };
            Ok(Some((version, fields.clone())))
        })
        .await
    }

    /// The user's current version; a deleted user is only readable with `state=deleted`.
    async fn read_version(&self, path: &str) -> Result<u64, GenesysError> {
        let read = self
            .send_json::<Versioned>(ApiRequest::get(path::USER, path.to_owned()))
            .await;
        match read {
            Ok(user) => Ok(user.version),
            Err(error) if has_status(&error, &[404]) => Ok(self
                .send_json::<Versioned>(ApiRequest::get(
                    path::USER,
                    format!("{path}?state=deleted"),
                ))
                .await?
                .version),
            Err(error) => Err(error),
        }
    }

    /// The one versioned `PATCH` of a user at `path`: `prepare` gives the version and the
    /// fields to send (`None`: nothing to write), and is asked again after a version conflict
    /// (`true`: the version it knew is stale), a bounded number of times. The new version is
    /// remembered for the next write.
    pub(super) async fn versioned_patch<F, Fut>(
        &self,
        email: &Email,
        path: &str,
        mut prepare: F,
    ) -> Result<(), GenesysError>
    where
        F: FnMut(bool) -> Fut,
        Fut: Future<Output = Result<Option<(u64, Value)>, GenesysError>>,
    {
        let retries = self.writer.session().client().options().version_retries;
        let mut last_correlation = None;
        for attempt in 0..=retries {
            let Some((version, mut body)) = prepare(attempt > 0).await? else {
                return Ok(());
            };
            body["version"] = json!(version);
            let request = ApiRequest::new(Method::PATCH, path::USER, path.to_owned(), Some(body));
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

    pub(super) async fn update_user(
        &self,
        email: &Email,
        patch: &UserPatch,
    ) -> Result<(), GenesysError> {
        if patch.is_empty() {
            return Ok(());
        }
        let id = self.user_id(email).await?;
        let mut fields = serde_json::Map::new();
        if let Some(name) = &patch.name {
            fields.insert("name".into(), json!(name));
        }
        if let Some(title) = &patch.title {
            fields.insert("title".into(), json!(title));
        }
        if let Some(department) = &patch.department {
            fields.insert("department".into(), json!(department));
        }
        if let Some(manager) = &patch.manager {
            fields.insert("manager".into(), json!(self.user_id(manager).await?));
        }
        if let Some(auto_answer) = patch.acd_auto_answer {
            fields.insert("acdAutoAnswer".into(), json!(auto_answer));
        }
        self.patch_user(email, &id, Value::Object(fields)).await
    }

    pub(super) async fn set_state(
        &self,
        email: &Email,
        state: UserState,
    ) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        // A state change is sent alone, as the API requires.
        self.patch_user(email, &id, json!({ "state": state.to_string() }))
            .await
    }

    pub(super) async fn move_user(
        &self,
        email: &Email,
        division: &str,
    ) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        let division_id = self.require(Kind::Division, division)?;
        let request = ApiRequest::new(
            Method::POST,
            path::DIVISION_OBJECTS,
            format!("/api/v2/authorization/divisions/{division_id}/objects/USER"),
            Some(json!([id])),
        )
        .idempotent();
        // The move changes the user's version (the sandbox adds one; on the real API a bump is
        // UNCONFIRMED, and so is its size) and answers with an empty body, so the new version
        // is unknown. Reading it here would cost a `GET` even when no `PATCH` of this user
        // follows; sending the old one would cost a 409 and a `GET`. Instead the next `PATCH`
        // reads it first, one `GET`, and only if there is a next `PATCH`. Guessing `old + 1`
        // would cost nothing when right but relies on the UNCONFIRMED increment, and a wrong
        // guess costs two requests. The version is forgotten before the request is sent, so a
        // move cancelled or failed after the server applied it cannot leave a stale version.
        self.writer.id_table().lock().forget_version(email);
        self.send(request).await?;
        Ok(())
    }
}
