//! Moving users into a WFM management unit, or out of theirs (`moveToManagementUnit`):
//! `POST /api/v2/workforcemanagement/agents` `{userIds, destinationManagementUnitId}` (`null`
//! takes them out of WFM), in calls of at most [`MAX_MOVE`] users.
//!
//! The API answers 200 with one result per user: `MoveSuccessful`, `AlreadyMoved` and
//! `NothingToDo` mean the user is where it should be; any other result (a unit's agent limit,
//! a unit that does not exist, a source unit the client may not touch, …) is that user's
//! failure, and so is a user the response does not mention. The users that moved stay moved;
//! the operation then fails with [`GenesysError::MoveIncomplete`], naming each user left
//! behind with the server's reason. Repeating the operation is harmless: users already in the
//! unit answer `AlreadyMoved`.
//!
//! Whether the call may instead answer 202 and finish later is UNCONFIRMED (its completion
//! has a notification topic; the sandbox's `agentMoveDelayMs` knob answers so). A 202, or an
//! answer without `results`, is confirmed by reading the units' members: the destination's,
//! or every unit's for a move out of WFM, after pauses of a quarter second doubling up to
//! `ClientOptions::move_confirm_wait` (15 s) in all; a user still elsewhere then fails
//! with that reason.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use reqwest::Method;
use roster_model::{Email, Kind, NO_MANAGEMENT_UNIT};
use serde_json::json;

use super::{Exec, path};
use crate::client::ApiRequest;
use crate::dto;
use crate::error::GenesysError;
use crate::snapshot::endpoint;

/// Users per move call: the API's maximum is UNCONFIRMED, 100 is what roster sends.
pub const MAX_MOVE: usize = 100;

/// The first pause before reading whether an accepted move was made; each next one doubles.
const FIRST_CONFIRM_PAUSE: Duration = Duration::from_millis(250);

/// Results that leave the user in the destination.
const MOVED: [&str; 3] = ["MoveSuccessful", "AlreadyMoved", "NothingToDo"];

/// What one move call did to the users it asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct MoveOutcome {
    /// Users now in the destination.
    pub moved: usize,
    /// `(user, reason)` of each user that was not moved: the server's result, or that the
    /// response has no result for it.
    pub failed: Vec<(String, String)>,
}

/// Classifies a move's per-user results. `asked` is `(user id, label)` of each user sent; the
/// label (the email) names a failed user.
pub(crate) fn move_outcome(
    asked: &[(String, String)],
    results: &[dto::MoveAgentResult],
) -> MoveOutcome {
    let by_user: HashMap<&str, &str> = results
        .iter()
        .map(|r| (r.user.id.as_str(), r.result.as_str()))
        .collect();
    let mut outcome = MoveOutcome::default();
    for (id, label) in asked {
        match by_user.get(id.as_str()) {
            Some(result) if MOVED.contains(result) => outcome.moved += 1,
            Some(result) => outcome.failed.push((label.clone(), (*result).to_owned())),
            None => outcome
                .failed
                .push((label.clone(), "no result in the response".to_owned())),
        }
    }
    outcome
}

/// A wait for a message: `15 s`, or `1.5 s`.
fn seconds(wait: Duration) -> String {
    let seconds = wait.as_secs_f64();
    if seconds.fract() == 0.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{seconds:.1} s")
    }
}

impl Exec<'_> {
    pub(super) async fn move_to_unit(
        &self,
        unit: Option<&str>,
        users: &BTreeSet<Email>,
    ) -> Result<(), GenesysError> {
        let destination = unit
            .map(|name| self.require(Kind::ManagementUnit, name))
            .transpose()?;
        let mut asked: Vec<(String, String)> = Vec::with_capacity(users.len());
        for email in users {
            asked.push((self.user_id(email).await?, email.to_string()));
        }
        let mut total = MoveOutcome::default();
        let mut accepted: Vec<(String, String)> = Vec::new();
        for chunk in asked.chunks(MAX_MOVE) {
            let ids: Vec<&str> = chunk.iter().map(|(id, _)| id.as_str()).collect();
            let body = json!({ "userIds": ids, "destinationManagementUnitId": destination });
            // A repeated move answers `AlreadyMoved`: safe to retry.
            let request = ApiRequest::new(
                Method::POST,
                path::MOVE_AGENTS,
                path::MOVE_AGENTS,
                Some(body),
            )
            .idempotent();
            let response = self.send(request).await?;
            let answer: dto::MoveAgents = if response.body.is_empty() {
                dto::MoveAgents::default()
            } else {
                serde_json::from_slice(&response.body).map_err(|source| GenesysError::Decode {
                    org: self.org(),
                    request: Box::new(response.trace.clone()),
                    source,
                })?
            };
            match answer.results.filter(|_| response.status != 202) {
                Some(results) => {
                    let outcome = move_outcome(chunk, &results);
                    total.moved += outcome.moved;
                    total.failed.extend(outcome.failed);
                }
                None => accepted.extend_from_slice(chunk),
            }
        }
        if !accepted.is_empty() {
            let outcome = self.confirm_move(destination.as_deref(), &accepted).await?;
            total.moved += outcome.moved;
            total.failed.extend(outcome.failed);
        }
        if total.failed.is_empty() {
            return Ok(());
        }
        Err(GenesysError::MoveIncomplete {
            org: self.org(),
            unit: unit.unwrap_or(NO_MANAGEMENT_UNIT).to_owned(),
            failed: total.failed,
            moved: total.moved,
        })
    }

    /// Waits for accepted moves to show in the units' members: `asked` users in `destination`
    /// (`None`: in no unit). Reads again after each pause (from [`FIRST_CONFIRM_PAUSE`],
    /// doubling) until every user is there or `move_confirm_wait` has passed; those that
    /// never are fail.
    async fn confirm_move(
        &self,
        destination: Option<&str>,
        asked: &[(String, String)],
    ) -> Result<MoveOutcome, GenesysError> {
        let wait = self.writer.session().client().options().move_confirm_wait;
        let mut waiting: Vec<&(String, String)> = asked.iter().collect();
        let (mut waited, mut pause) = (Duration::ZERO, FIRST_CONFIRM_PAUSE);
        while !waiting.is_empty() && waited < wait {
            let step = pause.min(wait.saturating_sub(waited));
            tokio::time::sleep(step).await;
            waited += step;
            pause *= 2;
            // Users are placed when among the destination's members, or, out of WFM, in
            // no unit's.
            let members = self.members_of(destination).await?;
            waiting.retain(|(id, _)| members.contains(id) != destination.is_some());
        }
        let reason = format!("accepted, but not moved after {}", seconds(wait));
        Ok(MoveOutcome {
            moved: asked.len() - waiting.len(),
            failed: waiting
                .into_iter()
                .map(|(_, label)| (label.clone(), reason.clone()))
                .collect(),
        })
    }

    /// The ids of `unit`'s members, or (`None`) of every unit's: one listing per unit, and
    /// the unit listing first when every unit is read.
    async fn members_of(&self, unit: Option<&str>) -> Result<HashSet<String>, GenesysError> {
        let session = self.writer.session();
        let units = if let Some(unit) = unit {
            vec![unit.to_owned()]
        } else {
            let listing: dto::Entities<dto::ManagementUnit> = session
                .get_json(
                    endpoint::MANAGEMENT_UNITS,
                    endpoint::MANAGEMENT_UNITS,
                    self.trace,
                )
                .await?;
            listing.entities.into_iter().map(|u| u.id).collect()
        };
        let mut members = HashSet::new();
        for unit in units {
            let listed = crate::entitlements::unit_members(session, &unit, self.trace).await?;
            members.extend(listed.into_iter().map(|m| m.id));
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(user: &str, result: &str) -> dto::MoveAgentResult {
        dto::MoveAgentResult {
            user: dto::IdOnly { id: user.into() },
            result: result.into(),
        }
    }

    fn asked(ids: &[&str]) -> Vec<(String, String)> {
        ids.iter()
            .map(|id| ((*id).to_owned(), format!("{id}@acme.example")))
            .collect()
    }

    #[test]
    fn moved_already_moved_and_nothing_to_do_are_success_and_others_fail_their_user() {
        let outcome = move_outcome(
            &asked(&["u1", "u2", "u3", "u4", "u5", "u6"]),
            &[
                result("u1", "MoveSuccessful"),
                result("u2", "AlreadyMoved"),
                result("u3", "NothingToDo"),
                result("u4", "DestinationManagementUnitAgentLimitExceeded"),
                result("u5", "SourceManagementUnitNotAuthorized"),
                // u6 has no result; an unasked user's result is ignored.
                result("u9", "MoveSuccessful"),
            ],
        );
        assert_eq!(
            outcome,
            MoveOutcome {
                moved: 3,
                failed: vec![
                    (
                        "u4@acme.example".into(),
                        "DestinationManagementUnitAgentLimitExceeded".into()
                    ),
                    (
                        "u5@acme.example".into(),
                        "SourceManagementUnitNotAuthorized".into()
                    ),
                    ("u6@acme.example".into(), "no result in the response".into()),
                ],
            }
        );
    }
}
