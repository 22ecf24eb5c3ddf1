//! What a brand-new org has: its id, the home division, the built-in roles and the org-wide
//! utilization defaults. Ids are uuid v5 of `org|kind|key`, so two sandboxes create the
//! same ids for the same org name and dumps are reproducible.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::store::{Division, MediaUtilization, OrgState, Role, Table, UserStore};

/// Namespace of every sandbox uuid v5.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_5a0e_2d4b_4e8f_9a57_3c2e_1b0d_7f11);

/// The deterministic id of an org's object: uuid v5 of `org|kind|key`.
pub fn object_id(org: &str, kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{org}|{kind}|{key}").as_bytes())
}

/// Name of the home division of every org.
pub const HOME_DIVISION: &str = "Home";

/// The built-in roles of a new org: (name, defaultRoleId, description).
///
/// UNCONFIRMED: the real `defaultRoleId` values are not published in the sources we have;
/// these are plausible camel-case keys. "Agent" is deliberately not built in: orgs create it.
pub const BUILT_IN_ROLES: &[(&str, &str, &str)] = &[
    (
        "Master Admin",
        "masterAdmin",
        "Master Admin role with all permissions",
    ),
    (
        "Admin",
        "admin",
        "Admin role with administrative permissions",
    ),
    (
        "Employee",
        "employee",
        "Default role assigned to every user",
    ),
    ("User", "user", "Basic user role"),
    ("Supervisor", "supervisor", "Supervisor role"),
    (
        "Communicate - Admin",
        "communicateAdmin",
        "Communicate administrator",
    ),
    ("Communicate - User", "communicateUser", "Communicate user"),
    (
        "Quality Administrator",
        "qualityAdministrator",
        "Quality administrator",
    ),
    ("Quality Evaluator", "qualityEvaluator", "Quality evaluator"),
    ("Outbound Admin", "outboundAdmin", "Outbound administrator"),
    (
        "Telephony Admin",
        "telephonyAdmin",
        "Telephony administrator",
    ),
    ("Developer", "developer", "Developer role"),
];

/// The role every new user is granted in the home division, as in the real service
/// ("The Employee role ... is assigned to all users").
pub const NEW_USER_ROLE: &str = "Employee";

/// Org-wide utilization defaults of a new org (call 1, callback 1, chat 4, email 1, message 4).
pub fn default_org_utilization() -> BTreeMap<String, MediaUtilization> {
    [
        ("call", 1),
        ("callback", 1),
        ("chat", 4),
        ("email", 1),
        ("message", 4),
    ]
    .into_iter()
    .map(|(media, capacity)| {
        (
            media.to_owned(),
            MediaUtilization {
                maximum_capacity: capacity,
                interruptable_media_types: Vec::new(),
                include_non_acd: false,
            },
        )
    })
    .collect()
}

/// The media types utilization accepts (`workitem` is UNCONFIRMED in the real API, so it is
/// not accepted here).
pub const MEDIA_TYPES: &[&str] = &["call", "callback", "chat", "email", "message"];

/// Highest `maximumCapacity` of a media type (Terraform validates 0..=25).
pub const MAX_CAPACITY: u32 = 25;

/// A new org's state: home division, built-in roles, default utilization.
pub fn new_org_state(org: &str) -> OrgState {
    let mut divisions = Table::default();
    divisions.insert(Division {
        id: object_id(org, "division", HOME_DIVISION),
        name: HOME_DIVISION.to_owned(),
        description: Some("Home Division".to_owned()),
        home: true,
    });
    let mut roles = Table::default();
    for (name, default_role_id, description) in BUILT_IN_ROLES {
        roles.insert(Role {
            id: object_id(org, "role", name),
            name: (*name).to_owned(),
            description: Some((*description).to_owned()),
            default_role_id: Some((*default_role_id).to_owned()),
            permissions: Vec::new(),
        });
    }
    OrgState {
        org_id: object_id(org, "org", org),
        divisions,
        roles,
        skills: Table::default(),
        languages: Table::default(),
        wrapup_codes: Table::default(),
        queues: Table::default(),
        teams: Table::default(),
        groups: Table::default(),
        users: UserStore::default(),
        org_utilization: default_org_utilization(),
        next_seq: 0,
        telephony: crate::store::TelephonyState::default(),
        wfm: crate::store::WfmState::default(),
        licences: crate::store::LicenceState::default(),
        revocations: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_org_specific() {
        assert_eq!(
            object_id("a", "skill", "Billing"),
            object_id("a", "skill", "Billing")
        );
        assert_ne!(
            object_id("a", "skill", "Billing"),
            object_id("b", "skill", "Billing")
        );
        let state = new_org_state("a");
        assert_eq!(state.home_division().name, "Home");
        assert!(state.role_by_name("Employee").is_some());
        assert!(state.role_by_name("Agent").is_none());
    }
}
