//! [`AuditRecord`]: one audited change, typed and owned, decoded from either of the API's two
//! shapes of it: `AuditLogMessage` (the Audit API's query results) and
//! `AuditTopicAuditLogMessage` (the `eventBody` of a `v2.audits.…` notification), whose field
//! names differ (`eventDate`/`eventTime`, `user`/`userId`, `client`/`clientId`;
//! REFERENCE-events-entitlements §1.2 and §1.5).
//!
//! The API returns empty objects and strings rather than omitting them (`"user": {"id": ""}`
//! for a write made with a client-credentials token, `"client": {"id": ""}` for one made in the
//! admin UI, §1.2): an empty id is read as "none". Fields roster does not use (`remoteIp`,
//! `level`, `message`, `context`, `entityChanges`, …) are not kept; every field but `id`,
//! the event time and the entity is optional.

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One audited change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The audit's id: the key to deduplicate records by.
    pub id: String,
    /// When the change happened.
    pub event_time: OffsetDateTime,
    /// The service that audited it (`Directory`, `ContactCenter`, `Routing`, …).
    pub service_name: String,
    /// The entity type, in `PascalCase` as the API writes it (`User`, `Queue`, `RoutingSkill`).
    pub entity_type: String,
    /// The changed object.
    pub entity: AuditEntity,
    /// What was done (`Create`, `Update`, `MemberAdd`, …).
    pub action: String,
    /// The user who did it; `None` for a write made with a client-credentials token.
    pub user: Option<AuditUser>,
    /// The OAuth client it was done through; `None` for a change made in the admin UI.
    pub client: Option<AuditClient>,
    /// "Name of the application used to perform the audit's action" (query results only; what
    /// it holds for client-credential writes is UNCONFIRMED: the sandbox writes the OAuth
    /// client's name there). `None` when empty.
    pub application: Option<String>,
    /// What changed, property by property (all values are strings in the API).
    pub property_changes: Vec<PropertyChange>,
}

/// The object an audit is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntity {
    /// Its id.
    pub id: String,
    /// Its name, when the record gives one.
    pub name: Option<String>,
}

/// The user who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditUser {
    /// The user's id.
    pub id: String,
    /// The user's name (query results give it with `expand=user`; topic events in `username`
    /// or `userDisplay`).
    pub name: Option<String>,
    /// The user's email, when the record carries one (the models list none: a caller that
    /// needs it looks the user up by id).
    pub email: Option<String>,
}

/// The OAuth client a change was made through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditClient {
    /// The client id.
    pub id: String,
    /// Its name, when the record gives one (the models' `AddressableEntityRef` has none: the
    /// name is `GET /api/v2/oauth/clients/{id}`'s, or the record's `application`).
    pub name: Option<String>,
}

/// One property's change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyChange {
    /// The property (`title`, `queueId:<id>:members`, …).
    pub property: String,
    /// Values before (may be absent in the API: then empty).
    #[serde(default)]
    pub old_values: Vec<String>,
    /// Values after (may be absent in the API: then empty).
    #[serde(default)]
    pub new_values: Vec<String>,
}

impl AuditRecord {
    /// Who made the change, for people: the user's name or id, else the client's name, the
    /// application, or the client's id; `unknown` when the record names nobody.
    pub fn actor(&self) -> String {
        if let Some(user) = &self.user {
            return user.name.clone().unwrap_or_else(|| user.id.clone());
        }
        let client = self.client.as_ref();
        client
            .and_then(|client| client.name.clone())
            .or_else(|| self.application.clone())
            .or_else(|| client.map(|client| client.id.clone()))
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// Decodes the `eventBody` of a `v2.audits.entitytype.{EntityType}.entityid.{id}` event
    /// (`AuditTopicAuditLogMessage`).
    ///
    /// # Errors
    ///
    /// When the body lacks `id`, `eventTime` or `entity`, or has a field of the wrong type.
    pub fn from_topic_event(body: &serde_json::Value) -> Result<Self, serde_json::Error> {
        TopicMessage::deserialize(body).map(Self::from)
    }
}

/// `{id, name}` as the API writes references, empty strings included.
#[derive(Debug, Default, Deserialize)]
struct Reference {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// `Some` of a string that is not empty.
fn present(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.trim().is_empty())
}

impl Reference {
    fn id(&self) -> Option<String> {
        present(self.id.clone())
    }
}

fn entity(reference: Reference) -> AuditEntity {
    AuditEntity {
        id: reference.id.unwrap_or_default(),
        name: present(reference.name),
    }
}

fn time<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
}

/// `AuditLogMessage`, the fields roster keeps.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogMessage {
    id: String,
    #[serde(deserialize_with = "time")]
    event_date: OffsetDateTime,
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    entity_type: Option<String>,
    entity: Reference,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    user: Option<Reference>,
    #[serde(default)]
    client: Option<Reference>,
    #[serde(default)]
    application: Option<String>,
    #[serde(default)]
    property_changes: Option<Vec<PropertyChange>>,
}

impl From<LogMessage> for AuditRecord {
    fn from(message: LogMessage) -> Self {
        let user = message.user.and_then(|user| {
            user.id().map(|id| AuditUser {
                id,
                name: present(user.name),
                email: present(user.email),
            })
        });
        let client = message.client.and_then(|client| {
            client.id().map(|id| AuditClient {
                id,
                name: present(client.name),
            })
        });
        AuditRecord {
            id: message.id,
            event_time: message.event_date,
            service_name: message.service_name.unwrap_or_default(),
            entity_type: message.entity_type.unwrap_or_default(),
            entity: entity(message.entity),
            action: message.action.unwrap_or_default(),
            user,
            client,
            application: present(message.application),
            property_changes: message.property_changes.unwrap_or_default(),
        }
    }
}

/// `AuditTopicAuditLogMessage`, the fields roster keeps.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TopicMessage {
    id: String,
    #[serde(deserialize_with = "time")]
    event_time: OffsetDateTime,
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    entity_type: Option<String>,
    entity: Reference,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    username: Option<Reference>,
    #[serde(default)]
    user_display: Option<String>,
    #[serde(default)]
    client_id: Option<Reference>,
    #[serde(default)]
    property_changes: Option<Vec<PropertyChange>>,
}

impl From<TopicMessage> for AuditRecord {
    fn from(message: TopicMessage) -> Self {
        let username = message.username.unwrap_or_default();
        let user = present(message.user_id)
            .or_else(|| username.id())
            .map(|id| AuditUser {
                id,
                name: present(username.name).or_else(|| present(message.user_display)),
                email: present(username.email),
            });
        let client = message.client_id.and_then(|client| {
            client.id().map(|id| AuditClient {
                id,
                name: present(client.name),
            })
        });
        AuditRecord {
            id: message.id,
            event_time: message.event_time,
            service_name: message.service_name.unwrap_or_default(),
            entity_type: message.entity_type.unwrap_or_default(),
            entity: entity(message.entity),
            action: message.action.unwrap_or_default(),
            user,
            client,
            application: None,
            property_changes: message.property_changes.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_query_result_keeps_what_roster_needs_and_reads_empty_references_as_none() {
        // The community sample of §1.2, with a property change added.
        let message: LogMessage = serde_json::from_value(json!({
            "id": "a1", "userHomeOrgId": "o", "user": { "id": "u1", "name": "Jane Doe", "selfUri": "/api/v2/users/u1" },
            "client": { "id": "" }, "remoteIp": ["10.0.0.1"], "serviceName": "Directory", "level": "USER",
            "eventDate": "2025-04-01T12:34:56Z", "action": "Update", "entity": { "id": "u2" },
            "entityType": "User", "status": "SUCCESS", "application": "", "initiatingAction": {},
            "transactionInitiator": false,
            "propertyChanges": [{ "property": "title", "newValues": ["Agent"] }],
            "context": {}, "entityChanges": []
        }))
        .unwrap();
        let record = AuditRecord::from(message);
        assert_eq!(
            record,
            AuditRecord {
                id: "a1".into(),
                event_time: OffsetDateTime::parse("2025-04-01T12:34:56Z", &Rfc3339).unwrap(),
                service_name: "Directory".into(),
                entity_type: "User".into(),
                entity: AuditEntity {
                    id: "u2".into(),
                    name: None
                },
                action: "Update".into(),
                user: Some(AuditUser {
                    id: "u1".into(),
                    name: Some("Jane Doe".into()),
                    email: None
                }),
                client: None,
                application: None,
                property_changes: vec![PropertyChange {
                    property: "title".into(),
                    old_values: vec![],
                    new_values: vec!["Agent".into()]
                }],
            }
        );
        assert_eq!(record.actor(), "Jane Doe");
    }

    #[test]
    fn a_topic_event_is_read_with_its_own_field_names() {
        // The EventBridge capture of §1.6 (`eventBody`), trimmed.
        let body = json!({
            "id": "a2", "userId": "", "userHomeOrgId": "o", "username": { "id": "" },
            "clientId": { "id": "c1" }, "serviceName": "PeoplePermissions",
            "eventTime": "2021-05-31T09:49:25.000Z", "action": "Delete", "entityType": "OAuthClient",
            "entity": { "id": "e1", "name": "My OAuth Client" },
            "propertyChanges": [{ "property": "scopes", "oldValues": ["users"] }]
        });
        let record = AuditRecord::from_topic_event(&body).unwrap();
        assert_eq!(record.user, None);
        assert_eq!(
            record.client,
            Some(AuditClient {
                id: "c1".into(),
                name: None
            })
        );
        assert_eq!(record.entity.name.as_deref(), Some("My OAuth Client"));
        assert_eq!(record.property_changes[0].old_values, ["users"]);
        assert!(record.property_changes[0].new_values.is_empty());
        assert_eq!(record.actor(), "c1");
        assert!(AuditRecord::from_topic_event(&json!({ "id": "x" })).is_err());
    }
}
