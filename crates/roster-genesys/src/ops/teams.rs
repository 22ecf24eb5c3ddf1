//! Teams: their definition and members (created through [`Exec::create_in_division`],
//! shared with queues).
//!
//! A user is in at most one team. Whether adding a user who is in another team moves them or
//! fails with `UserGroupLimitExceeded` is UNCONFIRMED, so a user the snapshot saw in another
//! team leaves it first (one `DELETE` per old team and batch), and a user still refused that
//! way (a team joined since the snapshot) is looked up, taken out and added again.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use roster_model::{Email, Kind};
use serde::Deserialize;
use serde_json::json;

use super::{Exec, has_status, path};
use crate::client::{ApiRequest, ApiResponse};
use crate::dto;
use crate::error::GenesysError;

/// A user, by email and by id.
type Member = (Email, String);

/// Team members per call (the Terraform provider's batch; the official limit is unknown).
const TEAM_BATCH: usize = 25;

impl Exec<'_> {
    pub(super) async fn update_team(
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

    pub(super) async fn add_team_members(
        &self,
        team: &str,
        users: &BTreeSet<Email>,
    ) -> Result<(), GenesysError> {
        let id = self.require(Kind::Team, team)?;
        let mut members: Vec<Member> = Vec::new();
        for email in users {
            members.push((email.clone(), self.user_id(email).await?));
        }
        self.leave_other_teams(&members, &id).await?;
        let path = format!("/api/v2/teams/{id}/members");
        for chunk in members.chunks(TEAM_BATCH) {
            let member_ids: Vec<&str> = chunk.iter().map(|(_, user)| user.as_str()).collect();
            let request = ApiRequest::new(
                Method::POST,
                path::TEAM_MEMBERS,
                path.clone(),
                Some(json!({ "memberIds": member_ids })),
            )
            .idempotent();
            let (added, response): (dto::TeamMemberAdd, ApiResponse) = self
                .writer
                .session()
                .send_json_traced(&request, self.trace)
                .await?;
            if added.failures.is_empty() {
                self.writer
                    .id_table()
                    .lock()
                    .set_team(chunk.iter().map(|(email, _)| email), Some(&id));
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
            let joined = chunk
                .iter()
                .filter(|(_, user)| !failures.iter().any(|failure| failure.id == *user))
                .map(|(email, _)| email);
            self.writer.id_table().lock().set_team(joined, Some(&id));
            if !failures.is_empty() {
                let failures = failures
                    .iter()
                    .map(|f| {
                        let who = chunk
                            .iter()
                            .find(|(_, user)| *user == f.id)
                            .map_or(f.id.clone(), |(email, _)| email.to_string());
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

    /// Takes each of `members` the snapshot saw in a team other than `target` out of it.
    async fn leave_other_teams(
        &self,
        members: &[Member],
        target: &str,
    ) -> Result<(), GenesysError> {
        let mut by_team: BTreeMap<String, Vec<Member>> = BTreeMap::new();
        {
            let ids = self.writer.id_table().lock();
            for member in members {
                if let Some(team) = ids.user(&member.0).and_then(|user| user.team.as_deref())
                    && team != target
                {
                    by_team
                        .entry(team.to_owned())
                        .or_default()
                        .push(member.clone());
                }
            }
        }
        for (team, leaving) in by_team {
            self.remove_members(&team, &leaving).await?;
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

    pub(super) async fn remove_team_members(
        &self,
        team: &str,
        users: &BTreeSet<Email>,
    ) -> Result<(), GenesysError> {
        let Some(id) = self.id(Kind::Team, team) else {
            return Ok(());
        };
        // A user known to be in another team (moved there by this run) is not in this one.
        let members: Vec<Member> = {
            let ids = self.writer.id_table().lock();
            users
                .iter()
                .filter_map(|email| ids.user(email).map(|user| (email, user)))
                .filter(|(_, user)| user.team.as_ref().is_none_or(|team| *team == id))
                .map(|(email, user)| (email.clone(), user.id.clone()))
                .collect()
        };
        self.remove_members(&id, &members).await
    }

    /// `DELETE /api/v2/teams/{team}/members?id=…` in batches; a team already gone is fine.
    async fn remove_members(&self, team: &str, members: &[Member]) -> Result<(), GenesysError> {
        for chunk in members.chunks(TEAM_BATCH) {
            let ids: Vec<&str> = chunk.iter().map(|(_, user)| user.as_str()).collect();
            let request = ApiRequest::new(
                Method::DELETE,
                path::TEAM_MEMBERS,
                format!("/api/v2/teams/{team}/members?id={}", ids.join(",")),
                None,
            );
            match self.send(request).await {
                Err(error) if !has_status(&error, &[404]) => return Err(error),
                _ => {}
            }
            self.writer
                .id_table()
                .lock()
                .set_team(chunk.iter().map(|(email, _)| email), None);
        }
        Ok(())
    }
}
