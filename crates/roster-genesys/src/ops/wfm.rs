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

use std::collections::{BTreeSet, HashMap};

use reqwest::Method;
use roster_model::{Email, Kind, NO_MANAGEMENT_UNIT};
use serde_json::json;

use super::{Exec, path};
use crate::client::ApiRequest;
use crate::dto;
use crate::error::GenesysError;

/// Users per move call: the API's maximum is UNCONFIRMED, 100 is what roster sends.
pub const MAX_MOVE: usize = 100;

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
            let response: dto::MoveAgents = self.send_json(request).await?;
            let outcome = move_outcome(chunk, &response.results);
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
