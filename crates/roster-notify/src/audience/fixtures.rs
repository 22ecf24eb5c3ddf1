//! Small desired and live orgs for the audience tests, and a real plan between them.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    DesiredOrg, DesiredQueue, DesiredSkill, DesiredTeam, DesiredUser, Email, GrantOrigin,
    LiveDivision, LiveGrant, LiveNamed, LiveOrg, LiveQueue, LiveQueueMember, LiveTeam, LiveUser,
    MemberOrigin, MemberPolicy, Proficiency, UserState,
};
use roster_plan::{Plan, PlanOptions};

pub fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

/// An org with one division, four roles, two skills, two queues (members read) and two
/// teams; no users.
pub fn live_org() -> LiveOrg {
    let mut live = LiveOrg::default();
    live.divisions.insert(
        "Home".to_owned(),
        LiveDivision {
            id: "div-home".to_owned(),
            name: "Home".to_owned(),
            home: true,
        },
    );
    for name in ["Employee", "Agent", "Supervisor", "Admin"] {
        live.roles.insert(name.to_owned(), named("role", name));
    }
    for name in ["Billing", "Sales"] {
        live.skills.insert(name.to_owned(), named("skill", name));
        live.queues.insert(
            name.to_owned(),
            LiveQueue {
                id: format!("queue-{name}"),
                name: name.to_owned(),
                division: "Home".to_owned(),
                description: None,
                wrapup_codes: Some(BTreeSet::new()),
                members: Some(BTreeMap::new()),
                media_types: std::collections::BTreeSet::new(),
            },
        );
    }
    for name in ["Billing Tier 2", "Sales Team"] {
        live.teams.insert(
            name.to_owned(),
            LiveTeam {
                id: format!("team-{name}"),
                name: name.to_owned(),
                division: "Home".to_owned(),
                description: None,
            },
        );
    }
    live
}

fn named(kind: &str, name: &str) -> LiveNamed {
    LiveNamed {
        id: format!("{kind}-{name}"),
        name: name.to_owned(),
    }
}

/// Adds an active live user in the home division, named after the address's local part.
pub fn live_user<'a>(live: &'a mut LiveOrg, address: &str) -> &'a mut LiveUser {
    let e = email(address);
    let local = address.split('@').next().unwrap();
    live.users.insert(
        e.clone(),
        LiveUser {
            id: format!("user-{local}"),
            version: 1,
            email: e.clone(),
            name: local.to_owned(),
            title: None,
            department: None,
            division: "Home".to_owned(),
            manager: None,
            state: UserState::Active,
            team: None,
            skills: BTreeMap::new(),
            languages: BTreeMap::new(),
            grants: BTreeSet::new(),
            utilization: None,
            acd_auto_answer: false,
            phone: roster_model::LivePhone::default(),
            station: None,
            management_unit: None,
        },
    );
    live.users.get_mut(&e).unwrap()
}

/// Puts a live user directly in a live queue.
pub fn live_member(live: &mut LiveOrg, queue: &str, address: &str) {
    let id = live.users[&email(address)].id.clone();
    live.queues
        .get_mut(queue)
        .unwrap()
        .members
        .get_or_insert_with(BTreeMap::new)
        .insert(
            email(address),
            LiveQueueMember {
                user_id: id,
                origin: MemberOrigin::Direct,
            },
        );
}

/// Grants a live user a role in the home division.
pub fn grant(user: &mut LiveUser, role: &str) {
    user.grants.insert(LiveGrant {
        role: role.to_owned(),
        division: "Home".to_owned(),
        origin: GrantOrigin::Direct,
    });
}

/// A desired org declaring the live org's skills, queues and teams (queue `Billing`
/// exclusive); no users.
pub fn desired_org() -> DesiredOrg {
    let mut desired = DesiredOrg {
        name: "prod-eu".to_owned(),
        ..DesiredOrg::default()
    };
    for name in ["Billing", "Sales"] {
        desired.skills.insert(
            name.to_owned(),
            DesiredSkill {
                name: name.to_owned(),
                former_names: Vec::new(),
                source: None,
            },
        );
        desired.queues.insert(
            name.to_owned(),
            DesiredQueue {
                name: name.to_owned(),
                division: None,
                description: None,
                wrapup_codes: None,
                members: if name == "Billing" {
                    MemberPolicy::Exclusive
                } else {
                    MemberPolicy::Additive
                },
                source: None,
            },
        );
    }
    for name in ["Billing Tier 2", "Sales Team"] {
        desired.teams.insert(
            name.to_owned(),
            DesiredTeam {
                name: name.to_owned(),
                division: None,
                description: None,
                timezone: None,
                source: None,
            },
        );
    }
    desired
}

/// Declares a user with nothing managed but its name.
pub fn declare<'a>(desired: &'a mut DesiredOrg, address: &str, name: &str) -> &'a mut DesiredUser {
    desired
        .users
        .insert(email(address), DesiredUser::new(email(address), name));
    desired.users.get_mut(&email(address)).unwrap()
}

#[allow(
    clippy::unnecessary_wraps,
    reason = "a desired user's skills are optional"
)]
pub fn skills(pairs: &[(&str, u8)]) -> Option<BTreeMap<String, Proficiency>> {
    Some(
        pairs
            .iter()
            .map(|(name, p)| ((*name).to_owned(), Proficiency::whole(*p)))
            .collect(),
    )
}

/// The planner's plan from `desired` to `live`.
pub fn plan(desired: &DesiredOrg, live: &LiveOrg) -> Plan {
    roster_plan::plan(desired, live, &PlanOptions::default()).unwrap()
}
