//! Benchmark: exporting an org of 10,000 users built in memory (no network), with and without
//! inferred routing profiles. Prints the median of a few runs and the size of the output.
//!
//! `cargo bench -p roster-export --bench export`

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use roster_export::{Connection, ExportOptions, export};
use roster_model::{
    Email, GrantOrigin, LiveDivision, LiveGrant, LiveNamed, LiveOrg, LiveQueue, LiveQueueMember,
    LiveTeam, LiveUser, MediaType, MediaUtilization, MemberOrigin, Proficiency, UserState,
    Utilization,
};

const USERS: usize = 10_000;
const SKILLS: usize = 200;
const QUEUES: usize = 100;
const TEAMS: usize = 50;

/// A deterministic org: 40 assignment archetypes plus one unique user in 10, so profile
/// inference has real groups and a real remainder.
fn org() -> LiveOrg {
    let mut live = LiveOrg::default();
    live.divisions.insert(
        "Home".into(),
        LiveDivision {
            id: "d0".into(),
            name: "Home".into(),
            home: true,
        },
    );
    for name in ["Employee", "Agent"] {
        live.roles.insert(
            name.into(),
            LiveNamed {
                id: name.into(),
                name: name.into(),
            },
        );
    }
    for i in 0..SKILLS {
        let name = format!("Skill {i:03}");
        live.skills.insert(
            name.clone(),
            LiveNamed {
                id: format!("s{i}"),
                name,
            },
        );
    }
    for name in ["English", "Spanish", "French"] {
        live.languages.insert(
            name.into(),
            LiveNamed {
                id: name.into(),
                name: name.into(),
            },
        );
    }
    for name in ["Resolved", "Escalated"] {
        live.wrapup_codes.insert(
            name.into(),
            LiveNamed {
                id: name.into(),
                name: name.into(),
            },
        );
    }
    for i in 0..QUEUES {
        let name = format!("Queue {i:03}");
        live.queues.insert(
            name.clone(),
            LiveQueue {
                id: format!("q{i}"),
                name,
                division: "Home".into(),
                description: None,
                wrapup_codes: Some(BTreeSet::from(["Resolved".into()])),
                members: Some(BTreeMap::new()),
                media_types: std::collections::BTreeSet::new(),
            },
        );
    }
    for i in 0..TEAMS {
        let name = format!("Team {i:02}");
        live.teams.insert(
            name.clone(),
            LiveTeam {
                id: format!("t{i}"),
                name,
                division: "Home".into(),
                description: None,
            },
        );
    }
    for index in 0..USERS {
        let kind = if index % 10 == 0 {
            1000 + index
        } else {
            index % 40
        };
        let email = Email::parse(&format!("user{index:05}@example.test")).expect("valid");
        let skills = (0..3)
            .map(|k| {
                (
                    format!("Skill {:03}", (kind * 7 + k) % SKILLS),
                    Proficiency::whole(((kind + k) % 5) as u8 + 1),
                )
            })
            .collect();
        for q in 0..2 {
            let queue = format!("Queue {:03}", (kind * 3 + q) % QUEUES);
            live.queues
                .get_mut(&queue)
                .and_then(|q| q.members.as_mut())
                .expect("queue exists")
                .insert(
                    email.clone(),
                    LiveQueueMember {
                        user_id: format!("u{index}"),
                        origin: MemberOrigin::Direct,
                    },
                );
        }
        let utilization = if kind % 4 == 0 {
            Utilization::from([(
                MediaType::Chat,
                MediaUtilization {
                    capacity: 3,
                    interruptible: BTreeSet::from([MediaType::Call]),
                    include_non_acd: false,
                },
            )])
        } else {
            Utilization::new()
        };
        live.users.insert(
            email.clone(),
            LiveUser {
                id: format!("u{index}"),
                version: 1,
                email,
                name: format!("User {index}"),
                title: Some("Agent".into()),
                department: None,
                division: "Home".into(),
                manager: None,
                state: UserState::Active,
                team: Some(format!("Team {:02}", index % TEAMS)),
                skills,
                languages: BTreeMap::from([("English".into(), Proficiency::whole(5))]),
                grants: BTreeSet::from([LiveGrant {
                    role: "Agent".into(),
                    division: "Home".into(),
                    origin: GrantOrigin::Direct,
                }]),
                utilization: Some(utilization),
                acd_auto_answer: false,
                phone: roster_model::LivePhone::default(),
                station: None,
                management_unit: None,
            },
        );
    }
    live
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let live = org();
    for infer in [false, true] {
        let mut options = ExportOptions::new("bench", Connection::Region("us-east-1".into()));
        options.infer_profiles = infer;
        let mut runs = Vec::new();
        let mut bytes = 0;
        let mut files = 0;
        for _ in 0..5 {
            let start = Instant::now();
            let exported = export(&live, &options).expect("export succeeds");
            runs.push(start.elapsed());
            bytes = exported.values().map(String::len).sum::<usize>();
            files = exported.len();
        }
        println!(
            "export {USERS} users{}: {:.1} ms (median of 5), {files} files, {:.1} MB",
            if infer { " with --infer-profiles" } else { "" },
            median(runs).as_secs_f64() * 1000.0,
            bytes as f64 / 1_000_000.0
        );
    }
}
