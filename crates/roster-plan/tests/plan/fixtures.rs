//! Small builders for desired and live orgs, and a compact listing of steps for snapshots.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use roster_model::{
    DesiredOrg, DesiredQueue, DesiredSkill, DesiredTeam, DesiredUser, Email, GrantOrigin,
    LiveDivision, LiveGrant, LiveNamed, LiveOrg, LiveQueue, LiveQueueMember, LiveTeam, LiveUser,
    MemberOrigin, MemberPolicy, Proficiency, Source, UserState, Utilization,
};
use roster_plan::{Plan, PlanOptions};

pub fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

pub fn p(value: u8) -> Proficiency {
    Proficiency::whole(value)
}

#[allow(
    clippy::unnecessary_wraps,
    reason = "desired objects hold an optional source"
)]
pub fn source(file: &str, line: u32) -> Option<Source> {
    Some(Source {
        file: file.to_owned(),
        line,
        column: 5,
    })
}

/// An org with a home division, a second division and three roles; nothing else.
pub fn live_org() -> LiveOrg {
    let mut live = LiveOrg::default();
    for (id, name, home) in [
        ("div-home", "Home", true),
        ("div-cc", "Contact Center", false),
    ] {
        live.divisions.insert(
            name.to_owned(),
            LiveDivision {
                id: id.to_owned(),
                name: name.to_owned(),
                home,
            },
        );
    }
    for name in ["Employee", "Agent", "Supervisor"] {
        live.roles.insert(
            name.to_owned(),
            LiveNamed {
                id: format!("role-{name}"),
                name: name.to_owned(),
            },
        );
    }
    live
}

pub fn desired_org(name: &str) -> DesiredOrg {
    DesiredOrg {
        name: name.to_owned(),
        ..DesiredOrg::default()
    }
}

pub fn live_skill(live: &mut LiveOrg, name: &str) {
    live.skills.insert(
        name.to_owned(),
        LiveNamed {
            id: format!("skill-{name}"),
            name: name.to_owned(),
        },
    );
}

pub fn live_queue<'a>(live: &'a mut LiveOrg, name: &str, division: &str) -> &'a mut LiveQueue {
    live.queues.insert(
        name.to_owned(),
        LiveQueue {
            id: format!("queue-{name}"),
            name: name.to_owned(),
            division: division.to_owned(),
            description: None,
            wrapup_codes: Some(BTreeSet::new()),
            members: Some(BTreeMap::new()),
            media_types: std::collections::BTreeSet::new(),
        },
    );
    live.queues.get_mut(name).unwrap()
}

pub fn live_team(live: &mut LiveOrg, name: &str, division: &str) {
    live.teams.insert(
        name.to_owned(),
        LiveTeam {
            id: format!("team-{name}"),
            name: name.to_owned(),
            division: division.to_owned(),
            description: None,
        },
    );
}

pub fn live_user<'a>(live: &'a mut LiveOrg, address: &str) -> &'a mut LiveUser {
    let e = email(address);
    let local = address.split('@').next().unwrap();
    live.users.insert(
        e.clone(),
        LiveUser {
            id: format!("user-{local}"),
            version: 3,
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
            utilization: Some(Utilization::new()),
            acd_auto_answer: false,
            phone: roster_model::LivePhone::default(),
            station: None,
            management_unit: None,
        },
    );
    live.users.get_mut(&e).unwrap()
}

pub fn member(live: &mut LiveOrg, queue: &str, address: &str, origin: MemberOrigin) {
    let e = email(address);
    let id = live
        .users
        .get(&e)
        .map_or_else(String::new, |u| u.id.clone());
    live.queues
        .get_mut(queue)
        .unwrap()
        .members
        .get_or_insert_with(BTreeMap::new)
        .insert(
            e,
            LiveQueueMember {
                user_id: id,
                origin,
            },
        );
}

pub fn grant(role: &str, division: &str, origin: GrantOrigin) -> LiveGrant {
    LiveGrant {
        role: role.to_owned(),
        division: division.to_owned(),
        origin,
    }
}

pub fn skill(desired: &mut DesiredOrg, name: &str, former: &[&str]) {
    desired.skills.insert(
        name.to_owned(),
        DesiredSkill {
            name: name.to_owned(),
            former_names: former.iter().map(|f| (*f).to_owned()).collect(),
            source: source("base/routing.yaml", 2),
        },
    );
}

pub fn queue<'a>(desired: &'a mut DesiredOrg, name: &str) -> &'a mut DesiredQueue {
    desired.queues.insert(
        name.to_owned(),
        DesiredQueue {
            name: name.to_owned(),
            division: None,
            description: None,
            wrapup_codes: None,
            members: MemberPolicy::Additive,
            source: source("orgs/test/queues.yaml", 1),
        },
    );
    desired.queues.get_mut(name).unwrap()
}

pub fn team(desired: &mut DesiredOrg, name: &str) {
    desired.teams.insert(
        name.to_owned(),
        DesiredTeam {
            name: name.to_owned(),
            division: None,
            description: None,
            timezone: None,
            source: source("orgs/test/teams.yaml", 1),
        },
    );
}

pub fn user<'a>(desired: &'a mut DesiredOrg, address: &str) -> &'a mut DesiredUser {
    let e = email(address);
    let local = address.split('@').next().unwrap();
    let mut u = DesiredUser::new(e.clone(), local);
    u.source = source("orgs/test/users.yaml", 3);
    desired.users.insert(e.clone(), u);
    desired.users.get_mut(&e).unwrap()
}

pub fn plan_ok(desired: &DesiredOrg, live: &LiveOrg) -> Plan {
    roster_plan::plan(desired, live, &PlanOptions::default()).unwrap()
}

/// One line per step: `#3 setUserSkills {...} after #1, #2`.
pub fn steps(plan: &Plan) -> String {
    let mut out = String::new();
    for step in &plan.steps {
        let mut op = serde_json::to_value(&step.operation).unwrap();
        let verb = op["op"].as_str().unwrap().to_owned();
        op.as_object_mut().unwrap().shift_remove("op");
        let _ = write!(out, "{} {verb} {op}", step.id);
        if !step.depends_on.is_empty() {
            let deps: Vec<String> = step.depends_on.iter().map(ToString::to_string).collect();
            let _ = write!(out, " after {}", deps.join(", "));
        }
        out.push('\n');
    }
    out
}
