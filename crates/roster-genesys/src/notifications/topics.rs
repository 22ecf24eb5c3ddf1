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

/// What a topic roster subscribes to is about, read back from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic<'a> {
    /// [`queue_members_topic`]: the queue's id.
    QueueMembers(&'a str),
    /// [`audit_topic`]: the entity type and id.
    Audit {
        /// `PascalCase` entity type (`User`).
        entity_type: &'a str,
        /// The entity's id.
        entity_id: &'a str,
    },
}

impl<'a> Topic<'a> {
    /// Reads a topic name built by [`queue_members_topic`] or [`audit_topic`]; `None` for
    /// any other.
    pub fn parse(topic: &'a str) -> Option<Self> {
        if let Some(rest) = topic.strip_prefix("v2.routing.queues.") {
            let id = rest.strip_suffix(".users")?;
            return (!id.is_empty() && !id.contains('.')).then_some(Topic::QueueMembers(id));
        }
        let rest = topic.strip_prefix("v2.audits.entitytype.")?;
        let (entity_type, entity_id) = rest.split_once(".entityid.")?;
        (!entity_type.is_empty() && !entity_id.is_empty()).then_some(Topic::Audit {
            entity_type,
            entity_id,
        })
    }
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
    fn topic_names_read_back_as_what_they_name() {
        assert_eq!(
            Topic::parse(&queue_members_topic("q1")),
            Some(Topic::QueueMembers("q1"))
        );
        assert_eq!(
            Topic::parse(&audit_topic("User", "u-1")),
            Some(Topic::Audit {
                entity_type: "User",
                entity_id: "u-1"
            })
        );
        for other in [
            "v2.routing.queues.q1.conversations",
            "v2.routing.queues..users",
            "v2.users.u1.station",
            "v2.audits.entitytype.User",
            "v2.system.socket_closing",
        ] {
            assert_eq!(Topic::parse(other), None, "{other}");
        }
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
