//! A realistic hand-built org: a routing-profile change that touches several users, a skill
//! rename, a queue with a member it should not have, an unmanaged user, a new hire.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    DesiredLanguage, DesiredOrg, DesiredWrapupCode, GrantOrigin, LiveNamed, LiveOrg, MemberOrigin,
    MemberPolicy, RoleGrant,
};

use crate::fixtures::*;

pub fn example() -> (DesiredOrg, LiveOrg) {
    let mut live = live_org();
    for name in ["Billing", "Sales", "Spanish Esc", "Legacy Phones"] {
        live_skill(&mut live, name);
    }
    live.languages.insert(
        "Spanish".into(),
        LiveNamed {
            id: "lang-es".into(),
            name: "Spanish".into(),
        },
    );
    live.wrapup_codes.insert(
        "Resolved".into(),
        LiveNamed {
            id: "code-resolved".into(),
            name: "Resolved".into(),
        },
    );
    let billing = live_queue(&mut live, "Billing", "Contact Center");
    billing.description = Some("Tier 1 billing\nBusiness hours only".into());
    billing.wrapup_codes = Some(BTreeSet::from(["Resolved".into()]));
    live_team(&mut live, "Billing Tier 2", "Contact Center");

    for who in ["jane.doe", "amy", "raj"] {
        let u = live_user(&mut live, &format!("{who}@acme.example"));
        u.skills.insert("Billing".into(), p(3));
        u.division = "Contact Center".into();
        u.grants.insert(grant(
            "Employee",
            "Home",
            GrantOrigin::Group("Everyone".into()),
        ));
        u.grants
            .insert(grant("Agent", "Contact Center", GrantOrigin::Direct));
    }
    live.users
        .get_mut(&email("amy@acme.example"))
        .unwrap()
        .version = 7;
    let jane = live.users.get_mut(&email("jane.doe@acme.example")).unwrap();
    jane.skills.insert("Spanish Esc".into(), p(3));
    jane.title = Some("Agent".into());
    let boss = live_user(&mut live, "boss@acme.example");
    boss.title = Some("Supervisor".into());
    live_user(&mut live, "contractor@acme.example").title = None;
    for who in ["jane.doe", "amy", "contractor"] {
        member(
            &mut live,
            "Billing",
            &format!("{who}@acme.example"),
            MemberOrigin::Direct,
        );
    }
    live_user(&mut live, "gus@acme.example");
    member(
        &mut live,
        "Billing",
        "gus@acme.example",
        MemberOrigin::Group(None),
    );

    let mut desired = desired_org("prod-us");
    for name in ["Billing", "Sales"] {
        skill(&mut desired, name, &[]);
    }
    skill(&mut desired, "Spanish Escalations", &["Spanish Esc"]);
    desired.languages.insert(
        "Spanish".into(),
        DesiredLanguage {
            name: "Spanish".into(),
            source: source("base/routing.yaml", 9),
        },
    );
    desired.wrapup_codes.insert(
        "Resolved".into(),
        DesiredWrapupCode {
            name: "Resolved".into(),
            source: source("base/routing.yaml", 12),
        },
    );
    let q = queue(&mut desired, "Billing");
    q.division = Some("Contact Center".into());
    q.description = Some("Tier 1 billing\nBusiness hours and weekends".into());
    q.wrapup_codes = Some(BTreeSet::from(["Resolved".into()]));
    q.members = MemberPolicy::Exclusive;
    team(&mut desired, "Billing Tier 2");

    // The `Billing Agent` profile now gives Billing 4 (was 3) and Sales 2.
    let profile_skills = BTreeMap::from([("Billing".into(), p(4)), ("Sales".into(), p(2))]);
    for who in ["jane.doe", "amy", "raj", "new.hire"] {
        let u = user(&mut desired, &format!("{who}@acme.example"));
        u.routing_profile = Some("Billing Agent".into());
        u.skills = Some(profile_skills.clone());
        u.queues = Some(BTreeSet::from(["Billing".into()]));
        u.roles = Some(BTreeSet::from([
            RoleGrant {
                role: "Employee".into(),
                division: None,
            },
            RoleGrant {
                role: "Agent".into(),
                division: Some("Contact Center".into()),
            },
        ]));
        u.division = Some("Contact Center".into());
        u.manager = Some(email("boss@acme.example"));
    }
    let jane = desired
        .users
        .get_mut(&email("jane.doe@acme.example"))
        .unwrap();
    jane.name = "Jane Doe".into();
    jane.title = Some("Senior Agent".into());
    jane.team = Some("Billing Tier 2".into());
    jane.skills
        .as_mut()
        .unwrap()
        .insert("Spanish Escalations".into(), p(3));
    jane.languages = Some(BTreeMap::from([("Spanish".into(), p(4))]));
    let boss = user(&mut desired, "boss@acme.example");
    boss.title = Some("Supervisor".into());
    (desired, live)
}
