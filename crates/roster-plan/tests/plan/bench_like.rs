//! Large generated orgs, shared by the benchmark (`benches/plan.rs` includes this file) and
//! the tests that need size: deterministic, no randomness.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    DesiredOrg, DesiredQueue, DesiredSkill, DesiredUser, Email, GrantOrigin, LiveDivision,
    LiveGrant, LiveNamed, LiveOrg, LiveQueue, LiveQueueMember, LiveUser, MediaType,
    MediaUtilization, MemberOrigin, MemberPolicy, Proficiency, RoleGrant, UserState, Utilization,
};

/// Skills in the generated org.
pub const SKILLS: usize = 300;
/// Queues in the generated org.
pub const QUEUES: usize = 200;

/// An org of `users` users in sync with its manifests, except `changed` users whose
/// manifests moved a skill's proficiency, added a queue and changed the title.
pub fn large(users: usize, changed: usize) -> (DesiredOrg, LiveOrg) {
    let mut live = LiveOrg::default();
    live.divisions.insert(
        "Home".into(),
        LiveDivision {
            id: "div-home".into(),
            name: "Home".into(),
            home: true,
        },
    );
    live.roles.insert(
        "Agent".into(),
        LiveNamed {
            id: "role-agent".into(),
            name: "Agent".into(),
        },
    );
    let mut desired = DesiredOrg {
        name: "large".into(),
        ..DesiredOrg::default()
    };
    for s in 0..SKILLS {
        let name = format!("Skill {s:03}");
        live.skills.insert(
            name.clone(),
            LiveNamed {
                id: format!("skill-{s}"),
                name: name.clone(),
            },
        );
        desired.skills.insert(
            name.clone(),
            DesiredSkill {
                name,
                former_names: Vec::new(),
                source: None,
            },
        );
    }
    for q in 0..QUEUES {
        let name = format!("Queue {q:03}");
        live.queues.insert(
            name.clone(),
            LiveQueue {
                id: format!("queue-{q}"),
                name: name.clone(),
                division: "Home".into(),
                description: Some(format!("Queue number {q}")),
                wrapup_codes: None,
                members: Some(BTreeMap::new()),
                media_types: std::collections::BTreeSet::new(),
            },
        );
        desired.queues.insert(
            name.clone(),
            DesiredQueue {
                name,
                division: Some("Home".into()),
                description: Some(format!("Queue number {q}")),
                wrapup_codes: None,
                members: MemberPolicy::Additive,
                source: None,
            },
        );
    }
    let utilization: Utilization = BTreeMap::from([(
        MediaType::Call,
        MediaUtilization {
            capacity: 1,
            interruptible: BTreeSet::new(),
            include_non_acd: false,
        },
    )]);
    for u in 0..users {
        let email = Email::parse(&format!("agent{u:05}@large.example")).expect("valid");
        let skills: BTreeMap<String, Proficiency> = (0..5)
            .map(|k| {
                (
                    format!("Skill {:03}", (u * 7 + k * 31) % SKILLS),
                    Proficiency::whole(((u + k) % 5) as u8 + 1),
                )
            })
            .collect();
        let queues: BTreeSet<String> = (0..2)
            .map(|k| format!("Queue {:03}", (u * 3 + k * 101) % QUEUES))
            .collect();
        for queue in &queues {
            live.queues
                .get_mut(queue)
                .and_then(|q| q.members.as_mut())
                .expect("generated above")
                .insert(
                    email.clone(),
                    LiveQueueMember {
                        user_id: format!("user-{u}"),
                        origin: MemberOrigin::Direct,
                    },
                );
        }
        live.users.insert(
            email.clone(),
            LiveUser {
                id: format!("user-{u}"),
                version: 1,
                email: email.clone(),
                name: format!("Agent {u}"),
                title: Some("Agent".into()),
                department: None,
                division: "Home".into(),
                manager: None,
                state: UserState::Active,
                team: None,
                skills: skills.clone(),
                languages: BTreeMap::new(),
                grants: BTreeSet::from([LiveGrant {
                    role: "Agent".into(),
                    division: "Home".into(),
                    origin: GrantOrigin::Direct,
                }]),
                utilization: Some(utilization.clone()),
                acd_auto_answer: false,
                phone: roster_model::LivePhone::default(),
                station: None,
                management_unit: None,
            },
        );
        let mut user = DesiredUser::new(email.clone(), format!("Agent {u}"));
        user.title = Some("Agent".into());
        user.skills = Some(skills);
        user.queues = Some(queues);
        user.roles = Some(BTreeSet::from([RoleGrant {
            role: "Agent".into(),
            division: None,
        }]));
        user.utilization = Some(utilization.clone());
        user.routing_profile = Some(format!("Profile {}", u % 10));
        // Spread the changed users over the whole org.
        if changed > 0
            && u % (users / changed).max(1) == 0
            && u / (users / changed).max(1) < changed
        {
            user.title = Some("Senior Agent".into());
            if let Some(skills) = user.skills.as_mut()
                && let Some(p) = skills.values_mut().next()
            {
                *p = Proficiency::whole(5);
            }
            if let Some(queues) = user.queues.as_mut() {
                queues.insert(format!("Queue {:03}", (u + 1) % QUEUES));
            }
        }
        desired.users.insert(email, user);
    }
    (desired, live)
}
