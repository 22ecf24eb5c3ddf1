//! Who changed a drifted object: the org's audit records in the window that touched it, made
//! by anyone but roster's own OAuth client.
//!
//! One audit query per service that audits what roster manages (the service mapping says
//! which), over the whole window; records are matched to objects by id afterwards, so the
//! cost does not grow with the number of drifted objects. A record touches an object when it
//! is about the object (`entity.id`), or names the object's id in a property (a queue's
//! `MemberAdd` names the user, a role's `MemberAdd` the grantee). The audit log only says who
//! and when: the state reported is always the one read from the org.

use std::collections::BTreeSet;

use roster_genesys::{AuditFilter, AuditQuery, AuditRecord, GenesysError};

use super::report::timestamp;
use super::report::{Actor, AuditAccess, AuditChange, DriftedObject, PropertyValues, Window};
use crate::session::OrgSession;

/// The permission an OAuth client needs to read audits.
pub const AUDIT_PERMISSION: &str = "audits:audit:view";

/// The audited entity types of what roster manages (REFERENCE-events-entitlements §1.3):
/// users and their routing data, queues, teams, skills, languages, wrap-up codes, and roles
/// (whose members are the grants).
pub const MANAGED_ENTITY_TYPES: [&str; 8] = [
    "User",
    "AgentRoutingInfo",
    "Queue",
    "Team",
    "RoutingSkill",
    "RoutingLanguage",
    "WrapupCode",
    "Role",
];

/// Attributes every object of `drift` from the org's audits over `window`; returns whether
/// the Audit API could be read. Never fails: a refusal or failure is the answer.
pub async fn attribute(
    session: &OrgSession<'_>,
    window: &Window,
    drift: &mut [DriftedObject],
) -> AuditAccess {
    let access = match read(session, window).await {
        Ok(records) => {
            let own = session.client_id();
            let count = records.len();
            attach(&records, &own, window, drift);
            return AuditAccess::Read { records: count };
        }
        Err(error) if error.is_forbidden() => AuditAccess::NotPermitted {
            permission: AUDIT_PERMISSION.to_owned(),
        },
        Err(error) => AuditAccess::Failed {
            reason: roster_apply::error_chain(&error),
        },
    };
    let reason = match &access {
        AuditAccess::NotPermitted { permission } => {
            format!("not permitted: the OAuth client may not read audits (grant `{permission}`)")
        }
        _ => "the audit query failed".to_owned(),
    };
    for object in drift {
        object.unattributed = Some(reason.clone());
    }
    access
}

/// How far back [`complete`] looks for the records of an object an event named.
const RECENT: time::Duration = time::Duration::minutes(15);

/// Completes attribution taken from audit events, whose records name an OAuth client by id
/// only (`AuditTopicAuditLogMessage` has `clientId`, no name): the Audit API's own records of
/// each object over the last minutes carry the client's name (`application`). One realtime
/// query per object and service; what the events said stays when a query fails.
pub async fn complete(session: &OrgSession<'_>, drift: &mut [DriftedObject]) {
    let until = time::OffsetDateTime::now_utc();
    let own = session.client_id();
    for object in drift.iter_mut() {
        let Some(id) = object.id.clone() else {
            continue;
        };
        let services: BTreeSet<String> = object
            .changes
            .iter()
            .filter(|change| change.by.client.is_none() && change.by.client_id.is_some())
            .map(|change| change.service.clone())
            .collect();
        let mut records = Vec::new();
        for service in services {
            let query = AuditQuery::new(service, until - RECENT, until)
                .filter(AuditFilter::EntityId(id.clone()));
            match session.genesys().audit_query_realtime(&query).await {
                Ok(found) => records.extend(found),
                Err(error) => {
                    tracing::debug!(error = %error, "cannot name the client of an audit event");
                    records.clear();
                    break;
                }
            }
        }
        let named = records
            .iter()
            .filter(|record| record.client.as_ref().is_none_or(|client| client.id != own))
            .map(change)
            .collect::<Vec<_>>();
        if !named.is_empty() {
            object.changes = named;
        }
    }
}

/// Every audit record of the window in the services that audit [`MANAGED_ENTITY_TYPES`].
async fn read(session: &OrgSession<'_>, window: &Window) -> Result<Vec<AuditRecord>, GenesysError> {
    let (since, until) = window.bounds();
    let services = session.genesys().audit_services().await?;
    let mut records = Vec::new();
    for service in services.iter().filter(|service| {
        service
            .entities
            .iter()
            .any(|entity| MANAGED_ENTITY_TYPES.contains(&entity.name.as_str()))
    }) {
        // One query at a time: the Audit API's own limits are unknown, and parallel queries
        // are what others saw answered with 429s.
        let query = AuditQuery::new(service.name.clone(), since, until);
        records.extend(session.genesys().audit_query(&query).await?);
    }
    records.sort_by(|a, b| a.event_time.cmp(&b.event_time).then(a.id.cmp(&b.id)));
    Ok(records)
}

/// Puts on each object of `drift` the records of `records` (oldest first) that touched it
/// and were not made through the client `own`; an object none touched says why.
pub fn attach(records: &[AuditRecord], own: &str, window: &Window, drift: &mut [DriftedObject]) {
    let others: Vec<&AuditRecord> = records
        .iter()
        .filter(|record| record.client.as_ref().is_none_or(|client| client.id != own))
        .collect();
    for object in drift {
        object.changes = others
            .iter()
            .filter(|record| touches(record, object))
            .map(|record| change(record))
            .collect();
        object.unattributed = object.changes.is_empty().then(|| {
            format!(
                "no audit record of another actor since {}: changed before then, or in a way \
                 the Audit API does not record",
                window.since
            )
        });
    }
}

/// Whether `record` is about `object`, or names its id in a property.
fn touches(record: &AuditRecord, object: &DriftedObject) -> bool {
    let Some(id) = object.id.as_deref() else {
        // Gone from the org: only its deletion can be about it, by name.
        return record.action == "Delete"
            && record
                .entity
                .name
                .as_deref()
                .is_some_and(|name| name.eq_ignore_ascii_case(&object.key));
    };
    record.entity.id == id
        || record.property_changes.iter().any(|change| {
            change.property.contains(id)
                || change.old_values.iter().any(|value| value.contains(id))
                || change.new_values.iter().any(|value| value.contains(id))
        })
}

fn change(record: &AuditRecord) -> AuditChange {
    AuditChange {
        time: timestamp(record.event_time),
        by: Actor {
            user: record.user.as_ref().and_then(|user| user.name.clone()),
            email: record.user.as_ref().and_then(|user| user.email.clone()),
            client: record
                .client
                .as_ref()
                .and_then(|client| client.name.clone())
                .or_else(|| record.application.clone()),
            client_id: record.client.as_ref().map(|client| client.id.clone()),
        },
        service: record.service_name.clone(),
        entity_type: record.entity_type.clone(),
        action: record.action.clone(),
        properties: record
            .property_changes
            .iter()
            .map(|change| PropertyValues {
                property: change.property.clone(),
                old: change.old_values.clone(),
                new: change.new_values.clone(),
            })
            .collect(),
    }
}
