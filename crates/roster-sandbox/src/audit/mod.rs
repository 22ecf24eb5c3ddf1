//! The audit trail: every write the sandbox's API performs is recorded the way Genesys
//! Cloud's Audit API reports it (REFERENCE-events-entitlements §1), and published on the
//! notification topics that follow from it.
//!
//! # One place
//!
//! Routes change an org only through [`crate::routes::Ctx::write`], which hands out an
//! [`AuditedWrite`]: while it holds the org's write lock every table keeps the before-image of
//! each item a change touches (`store::capture`), and when it is dropped (still under the
//! lock, so writes of concurrent requests never mix) [`derive::changes`] turns what changed
//! into audit records, stamped with the sandbox clock and the OAuth client of the request's
//! token. A write can therefore not escape the trail, whichever operation made it. Tokens,
//! which live outside the org's tables, are recorded by [`record_token`]. Seeds, loads and
//! other control routes are not the org's API and are not audited.
//!
//! Publication to notification channels hangs off the same recording
//! ([`AuditTrails::record`]): `v2.audits.entitytype.{EntityType}.entityid.{id}` for every
//! record and `v2.routing.queues.{id}.users` for every queue membership change.
//!
//! UNCONFIRMED, chosen here: writes made with a client-credentials token have no user, so
//! `user` is `{"id": ""}` (the real service returns empty objects and strings rather than
//! omitting them, §1.2) and the client's name is the record's `application`; every record
//! of one request shares its correlation id as `initiatingAction.transactionId`, and the
//! first is the `transactionInitiator`; records are queryable at once (the real lag is
//! UNCONFIRMED); the trail keeps every record (retention is at least a year).

pub mod catalog;
pub mod derive;
pub mod query;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::{Mutex, RwLockWriteGuard};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::hub::{Hub, Org, TokenEntry};
use crate::store::{MediaUtilization, OrgState};

pub use derive::Change;

/// One recorded audit.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// `id`.
    pub id: Uuid,
    /// `userHomeOrgId`.
    pub org_id: Uuid,
    /// `eventDate` as the API writes it.
    pub event_date: String,
    /// `eventDate` in Unix milliseconds, for intervals.
    pub event_ms: i128,
    /// The OAuth client behind the write.
    pub client_id: String,
    /// That client's name.
    pub client_name: String,
    /// The correlation id of the request that wrote it.
    pub transaction_id: String,
    /// Whether it is the first record of its request.
    pub initiator: bool,
    /// What changed.
    pub change: Change,
}

impl AuditEntry {
    /// `AuditLogMessage` JSON (query results).
    pub fn message(&self) -> Value {
        let change = &self.change;
        json!({
            "id": self.id,
            "userHomeOrgId": self.org_id,
            "user": { "id": "" },
            "client": { "id": self.client_id, "selfUri": format!("/api/v2/oauth/clients/{}", self.client_id) },
            "remoteIp": ["127.0.0.1"],
            "serviceName": change.service_name,
            "level": "USER",
            "eventDate": self.event_date,
            "message": message_info(),
            "action": change.action,
            "entity": { "id": change.entity_id, "name": change.entity_name },
            "entityType": change.entity_type,
            "status": "SUCCESS",
            "application": self.client_name,
            "initiatingAction": { "transactionId": self.transaction_id, "actionContext": "" },
            "transactionInitiator": self.initiator,
            "propertyChanges": change.property_changes,
            "context": {},
            "entityChanges": [],
        })
    }

    /// `AuditTopicAuditLogMessage` JSON (the `v2.audits…` topic's `eventBody`): other names
    /// than the query's (`eventTime`, `clientId`, `userId`).
    pub fn topic_body(&self) -> Value {
        let change = &self.change;
        json!({
            "id": self.id,
            "userId": "",
            "userHomeOrgId": self.org_id,
            "username": { "id": "", "name": "" },
            "userDisplay": "",
            "clientId": { "id": self.client_id },
            "remoteIp": ["127.0.0.1"],
            "serviceName": change.service_name,
            "level": "USER",
            "eventTime": self.event_date,
            "message": message_info(),
            "action": change.action,
            "entityType": change.entity_type,
            "entity": { "id": change.entity_id, "name": change.entity_name },
            "propertyChanges": change.property_changes,
            "context": {},
        })
    }

    /// `v2.audits.entitytype.{entityType}.entityid.{entityId}`.
    pub fn topic(&self) -> String {
        format!(
            "v2.audits.entitytype.{}.entityid.{}",
            self.change.entity_type, self.change.entity_id
        )
    }
}

fn message_info() -> Value {
    json!({ "localizableMessageCode": "", "message": "", "messageWithParams": "", "messageParams": {} })
}

/// One org's trail and its running queries.
#[derive(Debug, Default)]
struct OrgTrail {
    entries: Vec<Arc<AuditEntry>>,
    transactions: HashMap<Uuid, query::Transaction>,
}

/// Every org's audit trail, by org name.
#[derive(Debug, Default)]
pub struct AuditTrails {
    orgs: Mutex<HashMap<String, OrgTrail>>,
}

impl AuditTrails {
    /// Records the changes of one request made with `client_id`'s token and publishes them.
    pub fn record(
        &self,
        hub: &Hub,
        org: &str,
        org_id: Uuid,
        client_id: &str,
        changes: Vec<Change>,
    ) {
        if changes.is_empty() {
            return;
        }
        let event_date = hub.clock.timestamp();
        let event_ms = query::parse_time(&event_date).unwrap_or_default();
        let client_name = hub.clients.name_of(client_id);
        let transaction_id = crate::error::correlation_id();
        let entries: Vec<Arc<AuditEntry>> = changes
            .into_iter()
            .enumerate()
            .map(|(index, change)| {
                Arc::new(AuditEntry {
                    id: Uuid::new_v4(),
                    org_id,
                    event_date: event_date.clone(),
                    event_ms,
                    client_id: client_id.to_owned(),
                    client_name: client_name.clone(),
                    transaction_id: transaction_id.clone(),
                    initiator: index == 0,
                    change,
                })
            })
            .collect();
        self.orgs
            .lock()
            .entry(org.to_owned())
            .or_default()
            .entries
            .extend(entries.iter().cloned());
        for entry in &entries {
            let now = hub.clock.now_ms();
            hub.notifications
                .publish(now, org, &entry.topic(), &entry.topic_body());
            if let Some(member) = &entry.change.queue_member {
                let body = json!({
                    "id": member.user_id,
                    "user": { "id": member.user_id },
                    "queueId": member.queue_id,
                    "joined": member.joined,
                    "additionalProperties": {},
                });
                let topic = format!("v2.routing.queues.{}.users", member.queue_id);
                hub.notifications.publish(now, org, &topic, &body);
            }
        }
    }

    /// Every record of an org, oldest first.
    pub fn entries(&self, org: &str) -> Vec<Arc<AuditEntry>> {
        self.orgs
            .lock()
            .get(org)
            .map(|trail| trail.entries.clone())
            .unwrap_or_default()
    }

    /// Runs `f` on an org's transactions.
    fn with_transactions<R>(
        &self,
        org: &str,
        f: impl FnOnce(&mut HashMap<Uuid, query::Transaction>) -> R,
    ) -> R {
        f(&mut self
            .orgs
            .lock()
            .entry(org.to_owned())
            .or_default()
            .transactions)
    }
}

/// Records a token issued (`Create`) or revoked (`Delete`) as an `AccessToken` audit.
pub fn record_token(hub: &Hub, token: &TokenEntry, action: &'static str) {
    let org_id = token.org.state.read().org_id;
    let change = Change {
        service_name: catalog::service_of("AccessToken"),
        entity_type: "AccessToken",
        action,
        entity_id: token.id.to_string(),
        entity_name: String::new(),
        property_changes: Vec::new(),
        queue_member: None,
    };
    hub.audits
        .record(hub, &token.org.name, org_id, &token.client_id, vec![change]);
}

/// Records `DELETE /api/v2/tokens/{userId}` (every token of the user revoked) as an
/// `AccessToken` `Delete` audit whose entity is the user (UNCONFIRMED how the real service
/// records it).
pub fn record_user_tokens_revoked(hub: &Hub, org: &Org, client_id: &str, user_id: Uuid) {
    let org_id = org.state.read().org_id;
    let change = Change {
        service_name: catalog::service_of("AccessToken"),
        entity_type: "AccessToken",
        action: "Delete",
        entity_id: user_id.to_string(),
        entity_name: String::new(),
        property_changes: Vec::new(),
        queue_member: None,
    };
    hub.audits
        .record(hub, &org.name, org_id, client_id, vec![change]);
}

/// The org's write lock, audited: derefs to the [`OrgState`]; when dropped, records what the
/// write changed (see the module docs) before releasing the lock.
pub struct AuditedWrite<'a> {
    state: RwLockWriteGuard<'a, OrgState>,
    org_utilization_before: BTreeMap<String, MediaUtilization>,
    hub: &'a Hub,
    org: &'a Org,
    client_id: &'a str,
}

impl<'a> AuditedWrite<'a> {
    /// Takes the org's write lock for a write made with `client_id`'s token.
    pub fn new(hub: &'a Hub, org: &'a Org, client_id: &'a str) -> Self {
        let mut state = org.state.write();
        state.start_capture();
        let org_utilization_before = state.org_utilization.clone();
        Self {
            state,
            org_utilization_before,
            hub,
            org,
            client_id,
        }
    }
}

impl std::ops::Deref for AuditedWrite<'_> {
    type Target = OrgState;

    fn deref(&self) -> &OrgState {
        &self.state
    }
}

impl std::ops::DerefMut for AuditedWrite<'_> {
    fn deref_mut(&mut self) -> &mut OrgState {
        &mut self.state
    }
}

impl Drop for AuditedWrite<'_> {
    fn drop(&mut self) {
        let captured = self.state.take_capture();
        let changes = derive::changes(&derive::Written {
            state: &self.state,
            captured: &captured,
            org_utilization_before: &self.org_utilization_before,
            org_name: &self.org.name,
        });
        let org_id = self.state.org_id;
        self.hub
            .audits
            .record(self.hub, &self.org.name, org_id, self.client_id, changes);
    }
}
