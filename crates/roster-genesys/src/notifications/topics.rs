//! The topic names roster subscribes to, and a typed reading of the queue-membership event.
//!
//! WebSocket topics take no wildcards: every topic names one object by id
//! (REFERENCE-events-entitlements §1.5). The `{entityType}` segment of an audit topic is the
//! `PascalCase` entity type the API writes in records (`User`, `Queue`, `RoutingSkill`), as a
//! real delivered event shows; whether other casings are accepted is UNCONFIRMED, so the
//! builder takes the exact string.

use serde::Deserialize;

/// Topics one channel holds at most (more: `400 notification.subscription.too.many.subscriptions`).
pub const MAX_TOPICS_PER_CHANNEL: usize = 1_000;
/// Channels one user and app (here: OAuth client) hold at most; a 21st evicts the oldest.
pub const MAX_CHANNELS: usize = 20;

/// `v2.routing.queues.{queueId}.users`: members added to, removed from, joining or leaving
/// the queue ([`QueueMemberEvent`]).
pub fn queue_members_topic(queue_id: &str) -> String {
    format!("v2.routing.queues.{queue_id}.users")
}

/// `v2.audits.entitytype.{EntityType}.entityid.{entityId}`: every audited change of one object
/// (decode with [`crate::AuditRecord::from_topic_event`]).
pub fn audit_topic(entity_type: &str, entity_id: &str) -> String {
    format!("v2.audits.entitytype.{entity_type}.entityid.{entity_id}")
}

/// The `eventBody` of a `v2.routing.queues.{id}.users` event (`QueueUserEventTopicQueueMember`).
///
/// UNCONFIRMED: whether a removal is told apart from an unjoin; the sandbox sends both with
/// `joined: false`, so a consumer re-reads the queue's members to know which it was.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueMemberEvent {
    /// The queue.
    pub queue_id: String,
    /// The member.
    pub user: QueueMemberUser,
    /// Whether the member is joined, when the event says.
    #[serde(default)]
    pub joined: Option<bool>,
}

/// The member of a [`QueueMemberEvent`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QueueMemberUser {
    /// The user's id.
    pub id: String,
}

impl QueueMemberEvent {
    /// Decodes an event body.
    ///
    /// # Errors
    ///
    /// When the body lacks `queueId` or `user.id`.
    pub fn from_event(body: &serde_json::Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(body)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn topics_name_one_object_each() {
        assert_eq!(queue_members_topic("q1"), "v2.routing.queues.q1.users");
        assert_eq!(
            audit_topic("RoutingSkill", "s1"),
            "v2.audits.entitytype.RoutingSkill.entityid.s1"
        );
    }

    #[test]
    fn a_queue_member_event_is_read() {
        let body = json!({ "id": "u1", "user": { "id": "u1" }, "queueId": "q1", "joined": true, "additionalProperties": {} });
        assert_eq!(
            QueueMemberEvent::from_event(&body).unwrap(),
            QueueMemberEvent {
                queue_id: "q1".into(),
                user: QueueMemberUser { id: "u1".into() },
                joined: Some(true)
            }
        );
        assert!(QueueMemberEvent::from_event(&json!({ "id": "u1" })).is_err());
    }
}
