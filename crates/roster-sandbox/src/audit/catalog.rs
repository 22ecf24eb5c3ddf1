//! Which service audits which entity type, with which actions: the one table both the audit
//! trail and `GET /api/v2/audits/query/servicemapping` read.
//!
//! Sources (REFERENCE-events-entitlements §1.3): queues are audited under `ContactCenter`
//! (GMA plus a third-party fixture); `User` under `Directory`; `Team` and `DirectoryGroup`
//! under `Groups`; `Role` and `AccessToken` under `PeoplePermissions` (`AccessToken`
//! `Create` with empty `propertyChanges`, GMA). UNCONFIRMED, chosen here:
//! - `RoutingSkill`, `RoutingLanguage`, `WrapupCode` and `AgentRoutingInfo` (a user's skills,
//!   languages and utilization, the facts' "likely content") are audited under `Routing`;
//! - the org-wide utilization is an `Organization` `Update` under `Routing`;
//! - a division has no entity type in any SDK list: a division record change (the sandbox's
//!   API makes none) would be an `AuthOrganization` `Update` under `PeoplePermissions`; an
//!   object moved to another division is a `Move` of that object;
//! - team membership is `MemberAdd` / `MemberRemove` on the `Team` (as on a queue);
//! - a revoked token is an `AccessToken` `Delete`.

/// An entity type and the actions recorded for it.
pub type EntityActions = (&'static str, &'static [&'static str]);

/// Services, their entity types and the actions the sandbox records for each, in the order
/// the service mapping lists them.
pub const SERVICES: &[(&str, &[EntityActions])] = &[
    (
        "ContactCenter",
        &[(
            "Queue",
            &[
                "Create",
                "Update",
                "Delete",
                "Move",
                "MemberAdd",
                "MemberUpdate",
                "MemberRemove",
                "WrapupCodeAdd",
                "WrapupCodeRemove",
            ],
        )],
    ),
    (
        "Directory",
        &[("User", &["Create", "Update", "Delete", "Move"])],
    ),
    (
        "Groups",
        &[
            (
                "Team",
                &[
                    "Create",
                    "Update",
                    "Delete",
                    "Move",
                    "MemberAdd",
                    "MemberRemove",
                ],
            ),
            ("DirectoryGroup", &["Create", "Update", "Delete"]),
        ],
    ),
    (
        "PeoplePermissions",
        &[
            (
                "Role",
                &[
                    "Create",
                    "Update",
                    "Delete",
                    "MemberAdd",
                    "MemberUpdate",
                    "MemberRemove",
                ],
            ),
            ("AuthOrganization", &["Create", "Update", "Delete"]),
            ("AccessToken", &["Create", "Delete"]),
        ],
    ),
    (
        "Routing",
        &[
            ("RoutingSkill", &["Create", "Update", "Delete", "Move"]),
            ("RoutingLanguage", &["Create", "Update", "Delete"]),
            ("WrapupCode", &["Create", "Update", "Delete", "Move"]),
            ("AgentRoutingInfo", &["Update"]),
            ("Organization", &["Update"]),
        ],
    ),
];

/// The service that audits an entity type.
pub fn service_of(entity_type: &str) -> &'static str {
    SERVICES
        .iter()
        .find(|(_, entities)| entities.iter().any(|(name, _)| *name == entity_type))
        .map_or("Unknown", |(service, _)| service)
}

/// The entity types of a service and their actions, if the service is known.
pub fn entities_of(service: &str) -> Option<&'static [EntityActions]> {
    SERVICES
        .iter()
        .find(|(name, _)| *name == service)
        .map(|(_, entities)| *entities)
}

/// `AuditQueryServiceMapping` JSON.
pub fn service_mapping() -> serde_json::Value {
    let services: Vec<_> = SERVICES
        .iter()
        .map(|(service, entities)| {
            let entities: Vec<_> = entities
                .iter()
                .map(|(name, actions)| serde_json::json!({ "name": name, "actions": actions }))
                .collect();
            serde_json::json!({ "name": service, "entities": entities })
        })
        .collect();
    serde_json::json!({ "services": services })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_type_belongs_to_one_service() {
        let mut seen = std::collections::HashSet::new();
        for (_, entities) in SERVICES {
            for (name, actions) in *entities {
                assert!(seen.insert(*name), "{name} is listed twice");
                assert!(!actions.is_empty());
            }
        }
        assert_eq!(service_of("Queue"), "ContactCenter");
        assert_eq!(service_of("User"), "Directory");
    }
}
