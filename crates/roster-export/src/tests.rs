//! Unit tests: an in-memory messy org is exported, the files are loaded back with the
//! manifest loader, and each user's compiled assignments must equal what the org holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use roster_model::{
    DesiredOrg, Email, GrantOrigin, LiveDivision, LiveGrant, LiveNamed, LiveOrg, LiveQueue,
    LiveQueueMember, LiveTeam, LiveUser, MediaType, MediaUtilization, MemberOrigin, Proficiency,
    RoleGrant, UserState, Utilization,
};

use super::*;

/// Names YAML would misread if written bare, or that need escaping.
pub(crate) const ODD_NAMES: [&str; 12] = [
    "Billing",
    "Tier: 2",
    "yes",
    "No",
    "null",
    "~",
    "*Star",
    "Café Ünïcode 日本",
    "He said \"hi\"",
    "It's 'quoted'",
    "123",
    "#1 Priority",
];

fn email(index: usize) -> Email {
    Email::parse(&format!("user{index:04}@example.test")).unwrap()
}

/// A deterministic messy org: odd names for every kind, group memberships and grants,
/// inactive users (one of them a manager), utilization on some users, several divisions.
pub(crate) fn messy_live(users: usize) -> LiveOrg {
    let mut live = LiveOrg::default();
    for (name, home) in [
        ("Home", true),
        ("Contact Center", false),
        ("Back: Office", false),
    ] {
        live.divisions.insert(
            name.into(),
            LiveDivision {
                id: format!("ID-div-{name}"),
                name: name.into(),
                home,
            },
        );
    }
    for name in ["Employee", "Agent", "Supervisor: Lead"] {
        live.roles.insert(
            name.into(),
            LiveNamed {
                id: format!("ID-role-{name}"),
                name: name.into(),
            },
        );
    }
    for name in ODD_NAMES {
        live.skills.insert(
            name.into(),
            LiveNamed {
                id: format!("ID-skill-{name}"),
                name: name.into(),
            },
        );
        live.wrapup_codes.insert(
            name.into(),
            LiveNamed {
                id: format!("ID-code-{name}"),
                name: name.into(),
            },
        );
    }
    for name in ["English", "Español", "true"] {
        live.languages.insert(
            name.into(),
            LiveNamed {
                id: format!("ID-lang-{name}"),
                name: name.into(),
            },
        );
    }
    let divisions = ["Home", "Contact Center", "Back: Office"];
    let queue_names = &ODD_NAMES[..6];
    for (i, name) in queue_names.iter().enumerate() {
        live.queues.insert(
            (*name).into(),
            LiveQueue {
                id: format!("ID-queue-{name}"),
                name: (*name).into(),
                division: divisions[i % 3].into(),
                description: (i % 2 == 0).then(|| format!("Queue: {name} – \"desc\"")),
                wrapup_codes: Some(ODD_NAMES[i..i + 3].iter().map(|s| (*s).into()).collect()),
                members: Some(BTreeMap::new()),
                media_types: std::collections::BTreeSet::new(),
            },
        );
    }
    let team_names = ["Team A", "team-a", "Équipe B", "no team"];
    for (i, name) in team_names.iter().enumerate() {
        live.teams.insert(
            (*name).into(),
            LiveTeam {
                id: format!("ID-team-{name}"),
                name: (*name).into(),
                division: divisions[i % 3].into(),
                description: (i == 0).then(|| "yes".into()),
            },
        );
    }
    live.default_utilization = Utilization::from([(
        MediaType::Call,
        MediaUtilization {
            capacity: 1,
            interruptible: BTreeSet::new(),
            include_non_acd: false,
        },
    )]);
    for index in 0..users {
        // Ten archetypes make groups for profile inference; every 7th user is unique.
        let kind = if index % 7 == 0 {
            100 + index
        } else {
            index % 10
        };
        let mut skills = BTreeMap::new();
        skills.insert(
            ODD_NAMES[kind % ODD_NAMES.len()].to_owned(),
            Proficiency::new(((kind % 5) as f64) + 0.5).unwrap(),
        );
        if kind % 3 == 0 {
            skills.insert("Billing".into(), Proficiency::whole(5));
        }
        let languages = BTreeMap::from([(
            ["English", "Español", "true"][kind % 3].to_owned(),
            Proficiency::whole((kind % 6) as u8),
        )]);
        let mut grants = BTreeSet::from([LiveGrant {
            role: "Employee".into(),
            division: "Home".into(),
            origin: GrantOrigin::Direct,
        }]);
        if kind % 2 == 0 {
            grants.insert(LiveGrant {
                role: "Agent".into(),
                division: "Contact Center".into(),
                origin: GrantOrigin::Direct,
            });
            grants.insert(LiveGrant {
                role: "Agent".into(),
                division: "Home".into(),
                origin: GrantOrigin::Direct,
            });
        }
        if kind % 4 == 1 {
            grants.insert(LiveGrant {
                role: "Supervisor: Lead".into(),
                division: "Back: Office".into(),
                origin: GrantOrigin::Group("Leads".into()),
            });
        }
        let utilization = if kind % 5 == 0 {
            Utilization::from([(
                MediaType::Email,
                MediaUtilization {
                    capacity: 3,
                    interruptible: BTreeSet::from([MediaType::Call, MediaType::Chat]),
                    include_non_acd: true,
                },
            )])
        } else {
            Utilization::new()
        };
        let user_email = email(index);
        live.users.insert(
            user_email.clone(),
            LiveUser {
                id: format!("ID-user-{index}"),
                version: 1,
                email: user_email.clone(),
                name: format!("{} Number {index}", ODD_NAMES[index % ODD_NAMES.len()]),
                title: (index % 3 == 0).then(|| "null".into()),
                department: (index % 4 == 0).then(|| "R&D: \"Core\"".into()),
                division: divisions[index % 3].into(),
                manager: (index >= 5).then(|| email(index % 5)),
                state: if index % 11 == 3 {
                    UserState::Inactive
                } else {
                    UserState::Active
                },
                team: (index % 5 != 4).then(|| team_names[index % 4].into()),
                skills,
                languages,
                grants,
                utilization: Some(utilization),
                acd_auto_answer: index % 6 == 0,
                phone: roster_model::LivePhone::default(),
                station: None,
                management_unit: None,
            },
        );
        for (q, queue) in queue_names.iter().enumerate() {
            if (kind + q) % 3 == 0 {
                let origin = if q == 5 {
                    MemberOrigin::Group(Some("Outbound Team".into()))
                } else {
                    MemberOrigin::Direct
                };
                live.queues
                    .get_mut(*queue)
                    .unwrap()
                    .members
                    .as_mut()
                    .unwrap()
                    .insert(
                        user_email.clone(),
                        LiveQueueMember {
                            user_id: format!("ID-user-{index}"),
                            origin,
                        },
                    );
            }
        }
    }
    live
}

pub(crate) fn options() -> ExportOptions {
    let mut options =
        ExportOptions::new("Prod US", Connection::ApiBase("http://127.0.0.1:1".into()));
    options.credentials = Some(CredentialEnv::for_org("Prod US"));
    options
}

pub(crate) fn load(files: &ExportFiles) -> DesiredOrg {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let loaded = roster_manifest::load_workspace(dir.path());
    let rendered: Vec<String> = loaded
        .diagnostics
        .iter()
        // An inactive manager of an inactive user, and a name with spaces around it, are
        // warnings the org itself earns.
        .filter(|d| d.is_error() || !["inactive-manager", "name-spaces"].contains(&d.code))
        .map(|d| d.render(&loaded.sources, false))
        .collect();
    assert!(rendered.is_empty(), "{}", rendered.join("\n"));
    let mut workspace = loaded.workspace.unwrap();
    workspace.orgs.remove("Prod US").unwrap().desired
}

/// What the org holds for `user`, in desired terms (direct assignments only).
fn expected(live: &LiveOrg, user: &LiveUser) -> roster_model::DesiredUser {
    let mut desired = roster_model::DesiredUser::new(user.email.clone(), user.name.clone());
    desired.skills = Some(user.skills.clone());
    desired.languages = Some(user.languages.clone());
    desired.queues = Some(
        live.queues
            .values()
            .filter(|q| {
                q.members
                    .as_ref()
                    .unwrap()
                    .get(&user.email)
                    .is_some_and(|m| m.origin == MemberOrigin::Direct)
            })
            .map(|q| q.name.clone())
            .collect(),
    );
    desired.roles = Some(
        user.grants
            .iter()
            .filter(|g| g.origin == GrantOrigin::Direct)
            .map(|g| RoleGrant {
                role: g.role.clone(),
                division: Some(g.division.clone()),
            })
            .collect(),
    );
    desired.utilization = user.utilization.clone().filter(|u| !u.is_empty());
    desired.team.clone_from(&user.team);
    desired.division = Some(user.division.clone());
    desired.state = user.state;
    desired
}

pub(crate) fn assert_compiles_to_live(live: &LiveOrg, desired: &DesiredOrg, state: StateFilter) {
    let home = live.home_division().unwrap().name.clone();
    let exported: Vec<&LiveUser> = live
        .users
        .values()
        .filter(|u| state.admits(u.state))
        .collect();
    assert_eq!(desired.users.len(), exported.len());
    for user in exported {
        let got = &desired.users[&user.email];
        let want = expected(live, user);
        // A grant without a division is one in the home division.
        let roles: Option<BTreeSet<RoleGrant>> = got.roles.as_ref().map(|roles| {
            roles
                .iter()
                .map(|g| RoleGrant {
                    role: g.role.clone(),
                    division: Some(g.division.clone().unwrap_or_else(|| home.clone())),
                })
                .collect()
        });
        assert_eq!(got.skills, want.skills, "{}", user.email);
        assert_eq!(got.languages, want.languages, "{}", user.email);
        assert_eq!(got.queues, want.queues, "{}", user.email);
        assert_eq!(roles, want.roles, "{}", user.email);
        assert_eq!(got.utilization, want.utilization, "{}", user.email);
        assert_eq!(got.team, want.team, "{}", user.email);
        assert_eq!(got.division, want.division, "{}", user.email);
        assert_eq!(got.state, want.state, "{}", user.email);
        assert_eq!(got.name, user.name);
        assert_eq!(got.title, user.title);
        assert_eq!(got.department, user.department);
        assert_eq!(got.acd_auto_answer.unwrap_or(false), user.acd_auto_answer);
        let manager_exported = user
            .manager
            .as_ref()
            .is_some_and(|m| desired.users.contains_key(m));
        assert_eq!(
            got.manager,
            user.manager.clone().filter(|_| manager_exported)
        );
    }
    // Every kind round-trips by name.
    let names = |keys: Vec<&String>| keys.into_iter().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(desired.skills.keys().collect()),
        names(live.skills.keys().collect())
    );
    assert_eq!(
        names(desired.wrapup_codes.keys().collect()),
        names(live.wrapup_codes.keys().collect())
    );
    for queue in live.queues.values() {
        let got = &desired.queues[&queue.name];
        assert_eq!(got.description, queue.description);
        assert_eq!(got.wrapup_codes, queue.wrapup_codes);
        assert_eq!(got.division.as_ref(), Some(&queue.division));
    }
    for team in live.teams.values() {
        let got = &desired.teams[&team.name];
        assert_eq!(got.description, team.description);
        assert_eq!(got.division.as_ref(), Some(&team.division));
    }
}

#[test]
fn exported_manifests_compile_to_the_live_assignments() {
    let live = messy_live(300);
    for state in [StateFilter::Active, StateFilter::Inactive, StateFilter::Any] {
        for split in [UserSplit::Team, UserSplit::Division, UserSplit::None] {
            let mut options = options();
            options.state = state;
            options.split_users_by = split;
            let desired = load(&export(&live, &options).unwrap());
            assert_compiles_to_live(&live, &desired, state);
        }
    }
}

#[test]
fn inferred_profiles_compile_to_the_live_assignments() {
    let live = messy_live(300);
    let mut options = options();
    options.infer_profiles = true;
    let files = export(&live, &options).unwrap();
    let desired = load(&files);
    assert_compiles_to_live(&live, &desired, StateFilter::Active);
    let with_profile = desired
        .users
        .values()
        .filter(|u| u.routing_profile.is_some())
        .count();
    let profiles: BTreeSet<&String> = desired
        .users
        .values()
        .filter_map(|u| u.routing_profile.as_ref())
        .collect();
    // Ten archetypes of about 25 users each share a profile; the unique users do not.
    assert_eq!(profiles.len(), 10, "{profiles:?}");
    assert!(with_profile > 200, "{with_profile}");
    insta::assert_snapshot!(files[Path::new("orgs/prod-us/profiles.yaml")]);
}

#[test]
fn exports_are_byte_identical() {
    let mut options = options();
    options.infer_profiles = true;
    let first = export(&messy_live(200), &options).unwrap();
    let second = export(&messy_live(200), &options).unwrap();
    assert_eq!(first, second);
}

#[test]
fn the_layout_and_roster_yaml() {
    let live = messy_live(12);
    let files = export(&live, &options()).unwrap();
    let paths: Vec<String> = files.keys().map(|p| layout::display(p)).collect();
    insta::assert_snapshot!(paths.join("\n"), @r"
    base/routing.yaml
    orgs/prod-us/queues.yaml
    orgs/prod-us/teams.yaml
    orgs/prod-us/users/no-team-2.yaml
    orgs/prod-us/users/no-team.yaml
    orgs/prod-us/users/team-a-2.yaml
    orgs/prod-us/users/team-a.yaml
    orgs/prod-us/users/équipe-b.yaml
    roster.yaml
    ");
    insta::assert_snapshot!("roster_yaml", files[Path::new("roster.yaml")]);
    insta::assert_snapshot!("routing_yaml", files[Path::new("base/routing.yaml")]);
    insta::assert_snapshot!(
        "team_a_yaml",
        files[Path::new("orgs/prod-us/users/team-a.yaml")]
    );
}

#[test]
fn no_ids_are_written() {
    let mut options = options();
    options.infer_profiles = true;
    options.state = StateFilter::Any;
    let files = export(&messy_live(100), &options).unwrap();
    for (path, text) in files {
        assert!(!text.contains("ID-"), "{} holds an id", path.display());
    }
}

#[test]
fn leaving_a_kind_out_leaves_the_fields_that_refer_to_it_unmanaged() {
    let live = messy_live(40);
    let mut options = options();
    options.kinds = [
        Kind::Division,
        Kind::Role,
        Kind::Language,
        Kind::Team,
        Kind::User,
    ]
    .into_iter()
    .collect();
    let desired = load(&export(&live, &options).unwrap());
    assert!(desired.skills.is_empty() && desired.queues.is_empty());
    for user in desired.users.values() {
        assert_eq!((user.skills.as_ref(), user.queues.as_ref()), (None, None));
        assert!(user.languages.is_some() && user.roles.is_some());
    }
}

#[test]
fn slugs_are_file_safe() {
    assert_eq!(slug("Team A"), "team-a");
    assert_eq!(slug("  Tier: 2 / \"Gold\" "), "tier-2-gold");
    assert_eq!(slug("Équipe B"), "équipe-b");
    assert_eq!(slug("***"), "unnamed");
    assert_eq!(
        CredentialEnv::for_org("prod-us").client_id,
        "ROSTER_PROD_US_CLIENT_ID"
    );
}
