//! Writes: one [`Operation`] → the real endpoints, idempotently.
//!
//! How each operation stays idempotent and safe to repeat:
//! - Creates (skills, languages, wrap-up codes, queues, teams, users) are never blindly
//!   re-sent. If the key is already known, nothing is sent. A conflict (409, or 400
//!   `duplicate.name`) or an ambiguous failure (timeout, 5xx) is followed by a read by natural
//!   key; an object found is adopted, and only an object proven absent is created again.
//! - Deletes treat 404 as done. Removing a member, code, skill or grant that is not there is
//!   done. Adding what is there is done (the API's add endpoints are set additions).
//! - User `PATCH`es send the last known `version`; on a version conflict the user is re-read and
//!   the PATCH retried, a bounded number of times. A write that changes the version without
//!   answering it (a division move, whose response is empty) marks the version unknown, so the
//!   next `PATCH` of that user reads it first: one `GET` instead of a 409 and a `GET`.
//!
//! Choices where the API leaves room:
//! - `updateQueue` reads the queue and PUTs it back whole with the new division/description,
//!   because PUT replaces the queue definition; an empty description removes the field.
//! - `createUser` on a 409 (the email is taken) looks the user up with `POST /users/search`
//!   (any state) and adopts it. A *deleted* record is restored with `PATCH {state: active}`
//!   because the operation asks for an active user that the org does not list; an *inactive*
//!   one is adopted as is, since reactivation is an explicit decision (`setUserState`).

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::Method;
use roster_model::{Email, Kind, Operation, RoleGrant, UserPatch, UserState, Utilization};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{ApiRequest, ApiResponse, OpTrace};
use crate::dto;
use crate::error::GenesysError;
use crate::paging::{Page, cursor};
use crate::writer::Writer;

/// Queue members and queue wrap-up codes per call (documented maximum).
const QUEUE_BATCH: usize = 100;
/// Team members per call (the Terraform provider's batch; the official limit is unknown).
const TEAM_BATCH: usize = 25;
/// Skills and languages per bulk PATCH.
const ASSIGNMENT_BATCH: usize = 50;
/// How many times a create is attempted when each attempt ends ambiguously.
const CREATE_ATTEMPTS: u32 = 3;
/// How many reads look for an object the API says exists but lists do not show yet.
const ADOPT_READS: u32 = 6;

/// Write endpoint templates (read ones are in [`crate::endpoint`]).
mod path {
    pub const SKILL: &str = "/api/v2/routing/skills/{skillId}";
    pub const LANGUAGE: &str = "/api/v2/routing/languages/{languageId}";
    pub const WRAPUP_CODE: &str = "/api/v2/routing/wrapupcodes/{codeId}";
    pub const QUEUE: &str = "/api/v2/routing/queues/{queueId}";
    pub const QUEUE_CODE: &str = "/api/v2/routing/queues/{queueId}/wrapupcodes/{codeId}";
    pub const TEAMS: &str = "/api/v2/teams";
    pub const TEAM: &str = "/api/v2/teams/{teamId}";
    pub const TEAM_MEMBERS: &str = "/api/v2/teams/{teamId}/members";
    pub const USER: &str = "/api/v2/users/{userId}";
    pub const USER_SEARCH: &str = "/api/v2/users/search";
    pub const DIVISION_OBJECTS: &str =
        "/api/v2/authorization/divisions/{divisionId}/objects/{objectType}";
    pub const HOME_DIVISION: &str = "/api/v2/authorization/divisions/home";
    pub const USER_SKILLS_BULK: &str = "/api/v2/users/{userId}/routingskills/bulk";
    pub const USER_SKILL: &str = "/api/v2/users/{userId}/routingskills/{skillId}";
    pub const USER_LANGUAGES_BULK: &str = "/api/v2/users/{userId}/routinglanguages/bulk";
    pub const USER_LANGUAGE: &str = "/api/v2/users/{userId}/routinglanguages/{languageId}";
    pub const BULK_ADD: &str = "/api/v2/authorization/subjects/{subjectId}/bulkadd";
    pub const BULK_REMOVE: &str = "/api/v2/authorization/subjects/{subjectId}/bulkremove";
}

use crate::snapshot::endpoint;

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Whether an error is an API error with one of these statuses.
fn has_status(error: &GenesysError, statuses: &[u16]) -> bool {
    error.status().is_some_and(|s| statuses.contains(&s))
}

/// Whether an error says the object exists already.
fn is_conflict(error: &GenesysError) -> bool {
    error.status() == Some(409) || error.code() == Some("duplicate.name")
}

/// Whether an error is a user version mismatch (TF's `IsVersionMismatch`).
fn is_version_mismatch(error: &GenesysError) -> bool {
    match error {
        GenesysError::Api(failure) => {
            failure.status == 409
                || failure.status == 408
                || (failure.status == 400
                    && failure
                        .message
                        .contains("does not match the current version"))
        }
        _ => false,
    }
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct Versioned {
    version: u64,
}

/// What a create endpoint needs: the kind, the POST, and how to find the object by key.
struct Create<'a> {
    kind: Kind,
    name: &'a str,
    template: &'static str,
    body: Value,
}

pub(crate) async fn execute(
    writer: &Writer,
    operation: &Operation,
    trace: &OpTrace,
) -> Result<(), GenesysError> {
    use Operation as O;
    let w = Exec { writer, trace };
    match operation {
        O::CreateSkill { name } => w.create_named(Kind::Skill, name).await,
        O::DeleteSkill { name } => w.delete_named(Kind::Skill, name).await,
        O::CreateLanguage { name } => w.create_named(Kind::Language, name).await,
        O::DeleteLanguage { name } => w.delete_named(Kind::Language, name).await,
        O::CreateWrapupCode { name } => w.create_named(Kind::WrapupCode, name).await,
        O::DeleteWrapupCode { name } => w.delete_named(Kind::WrapupCode, name).await,
        O::CreateQueue {
            name,
            division,
            description,
        } => {
            w.create_in_division(
                Kind::Queue,
                endpoint::QUEUES,
                name,
                division.as_deref(),
                description.as_deref(),
            )
            .await
        }
        O::UpdateQueue {
            name,
            division,
            description,
        } => {
            w.update_queue(name, division.as_deref(), description.as_deref())
                .await
        }
        O::DeleteQueue { name } => {
            w.delete(Kind::Queue, name, path::QUEUE, "/api/v2/routing/queues")
                .await
        }
        O::AddQueueWrapupCodes { queue, codes } => w.add_queue_codes(queue, codes).await,
        O::RemoveQueueWrapupCode { queue, code } => w.remove_queue_code(queue, code).await,
        O::AddQueueMembers { queue, users } => w.queue_members(queue, users, false).await,
        O::RemoveQueueMembers { queue, users } => w.queue_members(queue, users, true).await,
        O::CreateTeam {
            name,
            division,
            description,
        } => {
            w.create_in_division(
                Kind::Team,
                path::TEAMS,
                name,
                division.as_deref(),
                description.as_deref(),
            )
            .await
        }
        O::UpdateTeam {
            name,
            division,
            description,
        } => {
            w.update_team(name, division.as_deref(), description.as_deref())
                .await
        }
        O::DeleteTeam { name } => {
            w.delete(Kind::Team, name, path::TEAM, "/api/v2/teams")
                .await
        }
        O::AddTeamMembers { team, users } => w.add_team_members(team, users).await,
        O::RemoveTeamMembers { team, users } => w.remove_team_members(team, users).await,
        O::CreateUser {
            email,
            name,
            division,
            title,
            department,
        } => {
            w.create_user(
                email,
                name,
                division.as_deref(),
                title.as_deref(),
                department.as_deref(),
            )
            .await
        }
        O::UpdateUser { email, patch } => w.update_user(email, patch).await,
        O::MoveUserDivision { email, division } => w.move_user(email, division).await,
        O::SetUserSkills { email, skills } => {
            let items: Vec<(String, f64)> = skills
                .iter()
                .map(|(k, p)| (k.clone(), p.as_f64()))
                .collect();
            w.set_assignments(email, Kind::Skill, &items).await
        }
        O::RemoveUserSkills { email, skills } => {
            w.remove_assignments(email, Kind::Skill, skills).await
        }
        O::SetUserLanguages { email, languages } => {
            let items: Vec<(String, f64)> = languages
                .iter()
                .map(|(k, p)| (k.clone(), p.as_f64()))
                .collect();
            w.set_assignments(email, Kind::Language, &items).await
        }
        O::RemoveUserLanguages { email, languages } => {
            w.remove_assignments(email, Kind::Language, languages).await
        }
        O::GrantRoles { email, grants } => w.grants(email, grants, path::BULK_ADD).await,
        O::RevokeRoles { email, grants } => w.grants(email, grants, path::BULK_REMOVE).await,
        O::SetUtilization { email, utilization } => w.utilization(email, utilization).await,
        O::SetUserState { email, state } => w.set_state(email, *state).await,
    }
}

/// One operation's execution: the writer and the operation's trace.
struct Exec<'a> {
    writer: &'a Writer,
    trace: &'a OpTrace,
}

/// The routes of the kinds that have nothing but a name: `(collection, item template)`.
fn named_routes(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Skill => (endpoint::SKILLS, path::SKILL),
        Kind::Language => (endpoint::LANGUAGES, path::LANGUAGE),
        Kind::WrapupCode => (endpoint::WRAPUP_CODES, path::WRAPUP_CODE),
        other => unreachable!("{other} has more than a name; it has its own operations"),
    }
}

impl Exec<'_> {
    /// Creates a skill, language or wrap-up code (`{"name": ...}`), adopting an existing one.
    async fn create_named(&self, kind: Kind, name: &str) -> Result<(), GenesysError> {
        let (collection, _) = named_routes(kind);
        self.create(Create {
            kind,
            name,
            template: collection,
            body: json!({ "name": name }),
        })
        .await
        .map(drop)
    }

    /// Deletes a skill, language or wrap-up code; already gone is success.
    async fn delete_named(&self, kind: Kind, name: &str) -> Result<(), GenesysError> {
        let (collection, item) = named_routes(kind);
        self.delete(kind, name, item, collection).await
    }

    fn org(&self) -> String {
        self.writer.session().client().org().to_owned()
    }

    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, GenesysError> {
        self.writer
            .session()
            .send_traced(&request, self.trace)
            .await
    }

    async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: ApiRequest,
    ) -> Result<T, GenesysError> {
        Ok(self
            .writer
            .session()
            .send_json_traced(&request, self.trace)
            .await?
            .0)
    }

    fn unknown(&self, kind: Kind, key: &str) -> GenesysError {
        GenesysError::Unknown {
            org: self.org(),
            kind,
            key: key.to_owned(),
        }
    }

    fn id(&self, kind: Kind, key: &str) -> Option<String> {
        self.writer
            .id_table()
            .lock()
            .get(kind, key)
            .map(str::to_owned)
    }

    fn require(&self, kind: Kind, key: &str) -> Result<String, GenesysError> {
        self.id(kind, key).ok_or_else(|| self.unknown(kind, key))
    }

    /// Creates a queue or team: named, in its division (home when `None`), with its
    /// description when there is one.
    async fn create_in_division(
        &self,
        kind: Kind,
        template: &'static str,
        name: &str,
        division: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), GenesysError> {
        let division_id = self.division_id(division).await?;
        let mut body = json!({ "name": name, "division": { "id": division_id } });
        if let Some(text) = description.filter(|d| !d.is_empty()) {
            body["description"] = json!(text);
        }
        self.create(Create {
            kind,
            name,
            template,
            body,
        })
        .await
        .map(drop)
    }

    /// A division's id; `None` is the home division (read once if no snapshot told it).
    async fn division_id(&self, name: Option<&str>) -> Result<String, GenesysError> {
        if let Some(name) = name {
            return self.require(Kind::Division, name);
        }
        let home = self
            .writer
            .id_table()
            .lock()
            .home_division()
            .map(str::to_owned);
        if let Some(id) = home {
            return Ok(id);
        }
        let home: dto::Division = self
            .send_json(ApiRequest::get(path::HOME_DIVISION, path::HOME_DIVISION))
            .await?;
        let mut ids = self.writer.id_table().lock();
        ids.set_home_division(&home.id);
        ids.insert(Kind::Division, &home.name, &home.id);
        Ok(home.id)
    }

    /// A user's id: known from the snapshot or a create, else looked up by email.
    async fn user_id(&self, email: &Email) -> Result<String, GenesysError> {
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
            .insert_user(email.clone(), id, version);
    }

    /// Creates an object, adopting one that exists (see the module docs).
    async fn create(&self, create: Create<'_>) -> Result<String, GenesysError> {
        if let Some(id) = self.id(create.kind, create.name) {
            return Ok(id);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = ApiRequest::new(
                Method::POST,
                create.template,
                create.template,
                Some(create.body.clone()),
            );
            let error = match self.send_json::<Created>(request).await {
                Ok(created) => {
                    self.writer
                        .id_table()
                        .lock()
                        .insert(create.kind, create.name, &created.id);
                    return Ok(created.id);
                }
                Err(error) => error,
            };
            let conflict = is_conflict(&error);
            if !conflict && !error.is_ambiguous() {
                return Err(error);
            }
            // After a conflict the object exists, but lists may not show it yet: look a few
            // times. After an ambiguous failure one look decides whether to create again.
            let reads = if conflict { ADOPT_READS } else { 1 };
            for read in 0..reads {
                if read > 0 {
                    tokio::time::sleep(Duration::from_millis(250 << read.min(4))).await;
                }
                if let Some(id) = self.find(create.kind, create.name).await? {
                    tracing::info!(org = %self.org(), kind = %create.kind, name = create.name, "adopted an existing object");
                    self.writer
                        .id_table()
                        .lock()
                        .insert(create.kind, create.name, &id);
                    return Ok(id);
                }
            }
            if conflict || attempt >= CREATE_ATTEMPTS {
                return Err(error);
            }
        }
    }

    /// Looks an object up by name (exact match, active only).
    async fn find(&self, kind: Kind, name: &str) -> Result<Option<String>, GenesysError> {
        let (template, by_cursor) = match kind {
            Kind::Skill => (endpoint::SKILLS, false),
            Kind::Language => (endpoint::LANGUAGES, false),
            Kind::WrapupCode => (endpoint::WRAPUP_CODES, false),
            Kind::Queue => (endpoint::QUEUES, false),
            Kind::Team => (endpoint::TEAMS, true),
            _ => return Ok(None),
        };
        let entities: Vec<dto::Named> = if by_cursor {
            let path = format!("{template}?pageSize=100&name={}", encode(name));
            cursor(self.writer.session(), template, path, self.trace).await?
        } else {
            let path = format!("{template}?pageSize=100&pageNumber=1&name={}", encode(name));
            let page: Page<dto::Named> = self.send_json(ApiRequest::get(template, path)).await?;
            page.entities
        };
        Ok(entities
            .into_iter()
            .find(|e| e.name == name && e.is_active())
            .map(|e| e.id))
    }

    /// Deletes by key; an unknown key or a 404 means it is gone already.
    async fn delete(
        &self,
        kind: Kind,
        name: &str,
        template: &'static str,
        collection: &str,
    ) -> Result<(), GenesysError> {
        let Some(id) = self.id(kind, name) else {
            return Ok(());
        };
        let request = ApiRequest::new(Method::DELETE, template, format!("{collection}/{id}"), None);
        match self.send(request).await {
            Ok(_) => {}
            Err(error) if has_status(&error, &[404]) => {}
            Err(error) => return Err(error),
        }
        self.writer.id_table().lock().remove(kind, name);
        Ok(())
    }

    async fn update_queue(
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

    async fn add_queue_codes(
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

    async fn remove_queue_code(&self, queue: &str, code: &str) -> Result<(), GenesysError> {
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

    async fn queue_members(
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

    async fn update_team(
        &self,
        name: &str,
        division: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), GenesysError> {
        let id = self.require(Kind::Team, name)?;
        let mut body = json!({ "name": name });
        if let Some(division) = division {
            body["division"] = json!({ "id": self.division_id(Some(division)).await? });
        }
        if let Some(text) = description {
            body["description"] = json!(text);
        }
        let request = ApiRequest::new(
            Method::PATCH,
            path::TEAM,
            format!("/api/v2/teams/{id}"),
            Some(body),
        );
        self.send(request).await.map(drop)
    }

    async fn add_team_members(
        &self,
        team: &str,
        users: &BTreeSet<Email>,
    ) -> Result<(), GenesysError> {
        let id = self.require(Kind::Team, team)?;
        let mut user_ids = Vec::new();
        for email in users {
            user_ids.push(self.user_id(email).await?);
        }
        let path = format!("/api/v2/teams/{id}/members");
        for chunk in user_ids.chunks(TEAM_BATCH) {
            let request = ApiRequest::new(
                Method::POST,
                path::TEAM_MEMBERS,
                path.clone(),
                Some(json!({ "memberIds": chunk })),
            )
            .idempotent();
            let (added, response): (dto::TeamMemberAdd, ApiResponse) = self
                .writer
                .session()
                .send_json_traced(&request, self.trace)
                .await?;
            if added.failures.is_empty() {
                continue;
            }
            // A user is in at most one team: one in another team is moved out and added again.
            let mut moved = Vec::new();
            let mut failures = Vec::new();
            for failure in &added.failures {
                if failure.reason.as_deref() == Some("UserGroupLimitExceeded")
                    && self.leave_current_team(&failure.id, &id).await?
                {
                    moved.push(failure.id.clone());
                } else {
                    failures.push(failure.clone());
                }
            }
            if !moved.is_empty() {
                let retry = ApiRequest::new(
                    Method::POST,
                    path::TEAM_MEMBERS,
                    path.clone(),
                    Some(json!({ "memberIds": moved })),
                )
                .idempotent();
                let (again, _): (dto::TeamMemberAdd, _) = self
                    .writer
                    .session()
                    .send_json_traced(&retry, self.trace)
                    .await?;
                failures.extend(again.failures);
            }
            if !failures.is_empty() {
                let ids = self.writer.id_table().lock();
                let failures = failures
                    .iter()
                    .map(|f| {
                        let who = ids
                            .email_of(&f.id)
                            .map_or(f.id.clone(), ToString::to_string);
                        format!("{who}: {}", f.reason.as_deref().unwrap_or("unknown reason"))
                    })
                    .collect();
                return Err(GenesysError::Partial {
                    org: self.org(),
                    request: Box::new(response.trace),
                    failures,
                    correlation_id: response.correlation_id,
                });
            }
        }
        Ok(())
    }

    /// Takes a user out of its current team (other than `target`); `false` if it has none.
    async fn leave_current_team(&self, user_id: &str, target: &str) -> Result<bool, GenesysError> {
        #[derive(Deserialize)]
        struct WithTeam {
            team: Option<dto::Ref>,
        }
        let user: WithTeam = self
            .send_json(ApiRequest::get(
                path::USER,
                format!("/api/v2/users/{user_id}?expand=team"),
            ))
            .await?;
        let Some(team) = user.team.filter(|t| t.id != target) else {
            return Ok(false);
        };
        let request = ApiRequest::new(
            Method::DELETE,
            path::TEAM_MEMBERS,
            format!("/api/v2/teams/{}/members?id={user_id}", team.id),
            None,
        );
        self.send(request).await?;
        Ok(true)
    }

    async fn remove_team_members(
        &self,
        team: &str,
        users: &BTreeSet<Email>,
    ) -> Result<(), GenesysError> {
        let Some(id) = self.id(Kind::Team, team) else {
            return Ok(());
        };
        let user_ids: Vec<String> = {
            let ids = self.writer.id_table().lock();
            users
                .iter()
                .filter_map(|email| ids.user(email).map(|u| u.id.clone()))
                .collect()
        };
        for chunk in user_ids.chunks(TEAM_BATCH) {
            let request = ApiRequest::new(
                Method::DELETE,
                path::TEAM_MEMBERS,
                format!("/api/v2/teams/{id}/members?id={}", chunk.join(",")),
                None,
            );
            match self.send(request).await {
                Err(error) if !has_status(&error, &[404]) => return Err(error),
                _ => {}
            }
        }
        Ok(())
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

    async fn create_user(
        &self,
        email: &Email,
        name: &str,
        division: Option<&str>,
        title: Option<&str>,
        department: Option<&str>,
    ) -> Result<(), GenesysError> {
        if self.writer.id_table().lock().user(email).is_some() {
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
        let retries = self.writer.session().client().options().version_retries;
        let mut version = self
            .writer
            .id_table()
            .lock()
            .user(email)
            .and_then(|u| u.version);
        let mut last_correlation = None;
        for _ in 0..=retries {
            let current = if let Some(v) = version {
                v
            } else {
                {
                    // A deleted user is only readable with `state=deleted`.
                    let read = self
                        .send_json::<Versioned>(ApiRequest::get(path::USER, path.clone()))
                        .await;
                    match read {
                        Ok(user) => user.version,
                        Err(error) if has_status(&error, &[404]) => {
                            self.send_json::<Versioned>(ApiRequest::get(
                                path::USER,
                                format!("{path}?state=deleted"),
                            ))
                            .await?
                            .version
                        }
                        Err(error) => return Err(error),
                    }
                }
            };
            let mut body = fields.clone();
            body["version"] = json!(current);
            let request = ApiRequest::new(Method::PATCH, path::USER, path.clone(), Some(body));
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
                    version = None;
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

    async fn update_user(&self, email: &Email, patch: &UserPatch) -> Result<(), GenesysError> {
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

    async fn set_state(&self, email: &Email, state: UserState) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        // A state change is sent alone, as the API requires.
        self.patch_user(email, &id, json!({ "state": state.to_string() }))
            .await
    }

    async fn move_user(&self, email: &Email, division: &str) -> Result<(), GenesysError> {
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

    async fn set_assignments(
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

    async fn remove_assignments(
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

    async fn grants(
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

    async fn utilization(
        &self,
        email: &Email,
        utilization: &Utilization,
    ) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        let path = format!("/api/v2/routing/users/{id}/utilization");
        let request = if utilization.is_empty() {
            ApiRequest::new(Method::DELETE, endpoint::UTILIZATION, path, None)
        } else {
            let media: serde_json::Map<String, Value> = utilization
                .iter()
                .map(|(media, settings)| {
                    let interruptible: Vec<&str> =
                        settings.interruptible.iter().map(|m| m.as_str()).collect();
                    (
                        media.as_str().to_owned(),
                        json!({
                            "maximumCapacity": settings.capacity,
                            "interruptableMediaTypes": interruptible,
                            "includeNonAcd": settings.include_non_acd,
                        }),
                    )
                })
                .collect();
            ApiRequest::new(
                Method::PUT,
                endpoint::UTILIZATION,
                path,
                Some(json!({ "utilization": media })),
            )
        };
        match self.send(request).await {
            Err(error) if utilization.is_empty() && has_status(&error, &[404]) => Ok(()),
            other => other.map(drop),
        }
    }
}
