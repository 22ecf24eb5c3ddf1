//! Writes: one [`Operation`] → the real endpoints, idempotently. [`execute`] dispatches to one
//! module per resource (`named`: skills, languages and wrap-up codes; `queues`; `teams`;
//! `users`; `assignments`: users' skills and languages; `grants`; `utilization`; `phone`:
//! users' numbers; `wfm`: management-unit moves; `access`: stations and tokens); this module
//! keeps what they share: the create-or-adopt and delete sequences, key → id lookups and the
//! home division.
//!
//! How each operation stays idempotent and safe to repeat:
//! - Creates (skills, languages, wrap-up codes, queues, teams, users) are never blindly
//!   re-sent. If the key is already known, nothing is sent. A conflict (409, or 400
//!   `duplicate.name`) or an ambiguous failure (timeout, 5xx) is followed by a read by natural
//!   key; an object found is adopted, and only an object proven absent is created again. A
//!   create that adopts (a known key included) says so in its receipt (`adopted`).
//! - Deletes treat 404 as done. Removing a member, code, skill or grant that is not there is
//!   done. Adding what is there is done (the API's add endpoints are set additions).
//! - User `PATCH`es send the last known `version`; on a version conflict the user is re-read and
//!   the PATCH retried, a bounded number of times. A write that changes the version without
//!   answering it (a division move, whose response is empty) marks the version unknown, so the
//!   next `PATCH` of that user reads it first: one `GET` instead of a 409 and a `GET`.
//! - A number write reads the user first and sends nothing when it already has that number
//!   and extension. A management-unit move repeated answers `AlreadyMoved` (success). A
//!   station already gone (404) is done; revoking tokens again is a 204.
//!
mod access;
mod assignments;
mod grants;
mod named;
mod phone;
mod queues;
mod teams;
mod users;
mod utilization;
mod wfm;

use std::time::Duration;

use reqwest::Method;
use roster_model::{Kind, Operation};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{ApiRequest, ApiResponse, OpTrace};
use crate::dto;
use crate::error::GenesysError;
use crate::paging::{Page, cursor};
use crate::snapshot::endpoint;
use crate::writer::Writer;

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
    pub const MOVE_AGENTS: &str = "/api/v2/workforcemanagement/agents";
    pub const ASSOCIATED_STATION: &str = "/api/v2/users/{userId}/station/associatedstation";
    pub const TOKENS: &str = "/api/v2/tokens/{userId}";
}

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
        O::SetUserPhone {
            email,
            number,
            extension,
        } => {
            w.set_phone(email, number.as_ref(), extension.as_deref())
                .await
        }
        O::MoveToManagementUnit { unit, users } => w.move_to_unit(unit.as_deref(), users).await,
        O::DisassociateStation { email } => w.disassociate_station(email).await,
        O::RevokeTokens { email } => w.revoke_tokens(email).await,
    }
}

/// One operation's execution: the writer and the operation's trace.
struct Exec<'a> {
    writer: &'a Writer,
    trace: &'a OpTrace,
}
impl Exec<'_> {
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

    /// Creates an object, adopting one that exists (see the module docs).
    ///
    /// The operation's trace says `adopted` whenever the object was there before it: its key
    /// was already known (read by the snapshot the writer started from, or created by an
    /// earlier operation), or a read after a conflict or an ambiguous failure found it.
    async fn create(&self, create: Create<'_>) -> Result<String, GenesysError> {
        if let Some(id) = self.id(create.kind, create.name) {
            tracing::info!(org = %self.org(), kind = %create.kind, name = create.name, "adopted an existing object (its id is known)");
            self.trace.adopt();
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
                    self.trace.adopt();
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
}
