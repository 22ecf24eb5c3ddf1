//! The planner's central property (DESIGN §8): for any desired and live org, applying the
//! plan yields an org that re-plans to zero changes. Orgs are small (≤ 6 skills, ≤ 4 queues,
//! ≤ 8 users) with random assignments, inactive users, unmanaged objects, group-inherited
//! memberships and grants, renames, exclusive queues and every unmanaged policy.

#![allow(
    clippy::option_option,
    clippy::type_complexity,
    reason = "scenario specs mirror the model's own optional fields: absent, unmanaged, or a value"
)]

use std::collections::BTreeSet;

use proptest::prelude::*;
use roster_model::{
    DesiredLanguage, DesiredOrg, DesiredPhone, DesiredWfm, DesiredWrapupCode, GrantOrigin, Kind,
    LiveDidPool, LiveExtensionPool, LiveManagementUnit, LiveNamed, LiveOrg, LivePhone, MediaType,
    MediaUtilization, MemberOrigin, MemberPolicy, NumberChoice, PhoneNumber, ProtectRule,
    RoleGrant, Telephony, UnmanagedPolicy, UserState, Utilization, Wfm,
};
use roster_plan::{Action, PlanOptions, plan, simulate};

use crate::fixtures::*;

const SKILLS: usize = 6;
const QUEUES: usize = 4;
const USERS: usize = 8;
const TEAMS: usize = 2;
const LANGUAGES: usize = 2;
const CODES: usize = 3;
const ROLES: [&str; 3] = ["Employee", "Agent", "Supervisor"];
const DIVISIONS: [&str; 2] = ["Home", "Contact Center"];

fn skill_name(i: usize) -> String {
    format!("S{i}")
}
fn queue_name(i: usize) -> String {
    format!("Q{i}")
}
fn team_name(i: usize) -> String {
    format!("T{i}")
}
fn language_name(i: usize) -> String {
    format!("L{i}")
}
fn code_name(i: usize) -> String {
    format!("C{i}")
}
fn user_email(i: usize) -> String {
    format!("u{i}@acme.example")
}

/// Everything random about one scenario, as plain numbers; [`build`] turns it into orgs.
#[derive(Debug, Clone)]
struct Scenario {
    live_skills: Vec<bool>,
    live_languages: Vec<bool>,
    live_codes: Vec<bool>,
    live_queues: Vec<Option<(usize, Option<u8>, Option<Vec<bool>>)>>,
    live_teams: Vec<Option<usize>>,
    live_users: Vec<Option<LiveSpec>>,
    /// Per queue and user: 0 none, 1 direct, 2 through a named group, 3 through an unnamed one.
    membership: Vec<Vec<u8>>,
    desired_skills: Vec<Option<Option<usize>>>,
    desired_languages: Vec<bool>,
    desired_codes: Vec<bool>,
    desired_queues: Vec<Option<QueueSpec>>,
    desired_teams: Vec<Option<Option<usize>>>,
    desired_users: Vec<Option<DesiredSpec>>,
    unmanaged: Vec<u8>,
    scope: Vec<bool>,
    protect_u0: bool,
    entitlements: Vec<EntitlementSpec>,
}

/// One user's number and management unit, live and declared (DESIGN §2.10). Numbers are
/// chosen so scenarios always resolve: user `i` may hold or declare only its own explicit
/// number and extension, or a number of the pool.
#[derive(Debug, Clone)]
struct EntitlementSpec {
    /// 0 none, 1 its explicit number, 2 the pool's number `i`, 3 its extension only, 4 its
    /// explicit number and extension.
    live_phone: u8,
    live_unit: Option<usize>,
    /// `None` unmanaged; 0 `phone: {}`, 1 its explicit number, 2 from the pool, 3 its
    /// explicit number and extension, 4 from the pool with its extension.
    phone: Option<u8>,
    unit: Option<usize>,
}

const UNITS: [&str; 2] = ["MU0", "MU1"];
const POOL: &str = "P";

fn explicit_number(i: usize) -> String {
    format!("+1317555{:04}", 100 + i)
}
fn pool_number(i: usize) -> String {
    format!("+1317555{:04}", 200 + i)
}
fn extension(i: usize) -> String {
    format!("{}", 4000 + i)
}

fn entitlement_spec() -> impl Strategy<Value = EntitlementSpec> {
    (
        0u8..5,
        prop::option::of(0..UNITS.len()),
        prop::option::of(0u8..5),
        prop::option::of(0..UNITS.len()),
    )
        .prop_map(|(live_phone, live_unit, phone, unit)| EntitlementSpec {
            live_phone,
            live_unit,
            phone,
            unit,
        })
}

#[derive(Debug, Clone)]
struct LiveSpec {
    active: bool,
    division: usize,
    title: Option<u8>,
    team: Option<usize>,
    skills: Vec<Option<u8>>,
    languages: Vec<Option<u8>>,
    /// Per role and division: 0 none, 1 direct, 2 through a group.
    grants: Vec<u8>,
    utilization: Option<Option<u8>>,
    manager: Option<usize>,
    acd: bool,
}

#[derive(Debug, Clone)]
struct QueueSpec {
    division: Option<usize>,
    description: Option<u8>,
    codes: Option<Vec<bool>>,
    exclusive: bool,
}

#[derive(Debug, Clone)]
struct DesiredSpec {
    active: bool,
    reactivate: bool,
    division: Option<usize>,
    title: Option<u8>,
    manager: Option<usize>,
    team: Option<usize>,
    skills: Option<Vec<Option<u8>>>,
    languages: Option<Vec<Option<u8>>>,
    queues: Option<Vec<bool>>,
    roles: Option<Vec<bool>>,
    utilization: Option<Option<u8>>,
    acd: Option<bool>,
}

fn text_choice() -> impl Strategy<Value = Option<u8>> {
    prop::option::of(0u8..3)
}

fn utilization_choice() -> impl Strategy<Value = Option<Option<u8>>> {
    prop::option::of(prop::option::of(0u8..3))
}

fn live_spec() -> impl Strategy<Value = LiveSpec> {
    (
        (
            any::<bool>(),
            0..DIVISIONS.len(),
            text_choice(),
            prop::option::of(0..TEAMS),
        ),
        (
            prop::collection::vec(prop::option::of(0u8..=5), SKILLS),
            prop::collection::vec(prop::option::of(0u8..=5), LANGUAGES),
            prop::collection::vec(0u8..3, ROLES.len() * DIVISIONS.len()),
        ),
        (
            utilization_choice(),
            prop::option::of(0..USERS),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (active, division, title, team),
                (skills, languages, grants),
                (utilization, manager, acd),
            )| {
                LiveSpec {
                    active,
                    division,
                    title,
                    team,
                    skills,
                    languages,
                    grants,
                    utilization,
                    manager,
                    acd,
                }
            },
        )
}

fn desired_spec() -> impl Strategy<Value = DesiredSpec> {
    (
        (
            prop::bool::weighted(0.8),
            any::<bool>(),
            prop::option::of(0..DIVISIONS.len()),
            text_choice(),
            prop::option::of(0..USERS),
            prop::option::of(0..TEAMS),
        ),
        (
            prop::option::of(prop::collection::vec(prop::option::of(0u8..=5), SKILLS)),
            prop::option::of(prop::collection::vec(prop::option::of(0u8..=5), LANGUAGES)),
            prop::option::of(prop::collection::vec(any::<bool>(), QUEUES)),
            prop::option::of(prop::collection::vec(any::<bool>(), ROLES.len() * 2)),
            utilization_choice(),
            prop::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (active, reactivate, division, title, manager, team),
                (skills, languages, queues, roles, utilization, acd),
            )| {
                DesiredSpec {
                    active,
                    reactivate,
                    division,
                    title,
                    manager,
                    team,
                    skills,
                    languages,
                    queues,
                    roles,
                    utilization,
                    acd,
                }
            },
        )
}

fn queue_spec() -> impl Strategy<Value = QueueSpec> {
    (
        prop::option::of(0..DIVISIONS.len()),
        text_choice(),
        prop::option::of(prop::collection::vec(any::<bool>(), CODES)),
        any::<bool>(),
    )
        .prop_map(|(division, description, codes, exclusive)| QueueSpec {
            division,
            description,
            codes,
            exclusive,
        })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        (
            prop::collection::vec(any::<bool>(), SKILLS),
            prop::collection::vec(any::<bool>(), LANGUAGES),
            prop::collection::vec(any::<bool>(), CODES),
            prop::collection::vec(
                prop::option::of((
                    0..DIVISIONS.len(),
                    text_choice(),
                    prop::option::of(prop::collection::vec(any::<bool>(), CODES)),
                )),
                QUEUES,
            ),
            prop::collection::vec(prop::option::of(0..DIVISIONS.len()), TEAMS),
            prop::collection::vec(prop::option::of(live_spec()), USERS),
            prop::collection::vec(prop::collection::vec(0u8..4, USERS), QUEUES),
        ),
        (
            prop::collection::vec(prop::option::of(prop::option::of(0..SKILLS)), SKILLS),
            prop::collection::vec(any::<bool>(), LANGUAGES),
            prop::collection::vec(any::<bool>(), CODES),
            prop::collection::vec(prop::option::of(queue_spec()), QUEUES),
            prop::collection::vec(
                prop::option::of(prop::option::of(0..DIVISIONS.len())),
                TEAMS,
            ),
            prop::collection::vec(prop::option::of(desired_spec()), USERS),
            prop::collection::vec(0u8..3, 6),
            prop::collection::vec(any::<bool>(), DIVISIONS.len()),
            any::<bool>(),
        ),
        prop::collection::vec(entitlement_spec(), USERS),
    )
        .prop_map(
            |(
                (
                    live_skills,
                    live_languages,
                    live_codes,
                    live_queues,
                    live_teams,
                    live_users,
                    membership,
                ),
                (
                    desired_skills,
                    desired_languages,
                    desired_codes,
                    desired_queues,
                    desired_teams,
                    desired_users,
                    unmanaged,
                    scope,
                    protect_u0,
                ),
                entitlements,
            )| Scenario {
                live_skills,
                live_languages,
                live_codes,
                live_queues,
                live_teams,
                live_users,
                membership,
                desired_skills,
                desired_languages,
                desired_codes,
                desired_queues,
                desired_teams,
                desired_users,
                unmanaged,
                scope,
                protect_u0,
                entitlements,
            },
        )
}

fn text_value(choice: Option<u8>) -> Option<String> {
    choice.map(|c| match c {
        0 => String::new(),
        1 => "One".to_owned(),
        _ => "Two\nlines".to_owned(),
    })
}

fn utilization_value(choice: Option<u8>) -> Utilization {
    match choice {
        None => Utilization::new(),
        Some(capacity) => Utilization::from([(
            MediaType::Chat,
            MediaUtilization {
                capacity,
                interruptible: BTreeSet::new(),
                include_non_acd: capacity == 2,
            },
        )]),
    }
}

fn policy(choice: u8) -> UnmanagedPolicy {
    match choice {
        0 => UnmanagedPolicy::Ignore,
        1 => UnmanagedPolicy::Report,
        _ => UnmanagedPolicy::Prune,
    }
}

fn build_live(s: &Scenario) -> LiveOrg {
    let mut live = live_org();
    for (i, present) in s.live_skills.iter().enumerate() {
        if *present {
            live_skill(&mut live, &skill_name(i));
        }
    }
    for (i, present) in s.live_languages.iter().enumerate() {
        if *present {
            let name = language_name(i);
            live.languages.insert(
                name.clone(),
                LiveNamed {
                    id: format!("lang-{i}"),
                    name,
                },
            );
        }
    }
    for (i, present) in s.live_codes.iter().enumerate() {
        if *present {
            let name = code_name(i);
            live.wrapup_codes.insert(
                name.clone(),
                LiveNamed {
                    id: format!("code-{i}"),
                    name,
                },
            );
        }
    }
    for (i, team) in s.live_teams.iter().enumerate() {
        if let Some(division) = team {
            live_team(&mut live, &team_name(i), DIVISIONS[*division]);
        }
    }
    let live_codes: Vec<String> = live.wrapup_codes.keys().cloned().collect();
    let live_teams: Vec<String> = live.teams.keys().cloned().collect();
    let live_skills: BTreeSet<String> = live.skills.keys().cloned().collect();
    for (i, spec) in s.live_users.iter().enumerate() {
        let Some(spec) = spec else { continue };
        let user = live_user(&mut live, &user_email(i));
        user.state = if spec.active {
            UserState::Active
        } else {
            UserState::Inactive
        };
        DIVISIONS[spec.division].clone_into(&mut user.division);
        user.title = text_value(spec.title).filter(|t| !t.is_empty());
        user.team = spec
            .team
            .and_then(|t| live_teams.iter().find(|n| **n == team_name(t)).cloned());
        for (k, p_) in spec.skills.iter().enumerate() {
            if let Some(value) = p_
                && live_skills.contains(&skill_name(k))
            {
                user.skills.insert(skill_name(k), p(*value));
            }
        }
        for (k, p_) in spec.languages.iter().enumerate() {
            if let Some(value) = p_ {
                user.languages.insert(language_name(k), p(*value));
            }
        }
        for (g, origin) in spec.grants.iter().enumerate() {
            let role = ROLES[g % ROLES.len()];
            let division = DIVISIONS[g / ROLES.len()];
            match origin {
                1 => {
                    user.grants
                        .insert(grant(role, division, GrantOrigin::Direct));
                }
                2 => {
                    user.grants.insert(grant(
                        role,
                        division,
                        GrantOrigin::Group("Everyone".into()),
                    ));
                }
                _ => {}
            }
        }
        user.utilization = spec.utilization.map(utilization_value);
        user.acd_auto_answer = spec.acd;
        user.manager = spec.manager.map(|m| email(&user_email(m)));
    }
    // Live languages a user holds must exist.
    for user in live.users.values_mut() {
        let languages = &live.languages;
        user.languages
            .retain(|name, _| languages.contains_key(name));
    }
    for (i, queue) in s.live_queues.iter().enumerate() {
        let Some((division, description, codes)) = queue else {
            continue;
        };
        let name = queue_name(i);
        let q = live_queue(&mut live, &name, DIVISIONS[*division]);
        q.description = text_value(*description).filter(|d| !d.is_empty());
        q.wrapup_codes = codes.as_ref().map(|bits| {
            bits.iter()
                .enumerate()
                .filter(|(c, on)| **on && live_codes.contains(&code_name(*c)))
                .map(|(c, _)| code_name(c))
                .collect()
        });
        for (u, kind) in s.membership[i].iter().enumerate() {
            let address = user_email(u);
            if *kind == 0 || !live.users.contains_key(&email(&address)) {
                continue;
            }
            let origin = match kind {
                1 => MemberOrigin::Direct,
                2 => MemberOrigin::Group(Some("Group".into())),
                _ => MemberOrigin::Group(None),
            };
            member(&mut live, &name, &address, origin);
        }
    }
    add_live_entitlements(s, &mut live);
    live
}

/// The org's pools (explicit numbers, the pool `P`, extensions) and units, and what each
/// live user holds.
fn add_live_entitlements(s: &Scenario, live: &mut LiveOrg) {
    let number = |n: &str| PhoneNumber::parse(n).expect("valid");
    let mut telephony = Telephony::default();
    telephony.did_pools.insert(
        "Explicit".into(),
        LiveDidPool {
            id: "pool-explicit".into(),
            name: "Explicit".into(),
            start: number(&explicit_number(0)),
            end: number(&explicit_number(USERS - 1)),
            unassigned: None,
        },
    );
    let mut held = BTreeSet::new();
    let mut wfm = Wfm::default();
    for (unit, id) in UNITS.iter().zip(["mu-0", "mu-1"]) {
        wfm.management_units.insert(
            (*unit).to_owned(),
            LiveManagementUnit {
                id: id.into(),
                name: (*unit).to_owned(),
                business_unit: "BU".into(),
            },
        );
    }
    for (i, spec) in s.entitlements.iter().enumerate() {
        let Some(user) = live.users.get_mut(&email(&user_email(i))) else {
            continue;
        };
        user.phone = match spec.live_phone {
            0 => LivePhone::default(),
            1 => LivePhone {
                number: Some(explicit_number(i)),
                extension: None,
            },
            2 => LivePhone {
                number: Some(pool_number(i)),
                extension: None,
            },
            3 => LivePhone {
                number: None,
                extension: Some(extension(i)),
            },
            _ => LivePhone {
                number: Some(explicit_number(i)),
                extension: Some(extension(i)),
            },
        };
        if spec.live_phone == 2 {
            held.insert(number(&pool_number(i)));
        }
        user.management_unit = spec.live_unit.map(|u| UNITS[u].to_owned());
    }
    telephony.did_pools.insert(
        POOL.into(),
        LiveDidPool {
            id: "pool-p".into(),
            name: POOL.into(),
            start: number(&pool_number(0)),
            end: number(&pool_number(2 * USERS - 1)),
            unassigned: Some(
                (0..2 * USERS)
                    .map(|i| number(&pool_number(i)))
                    .filter(|n| !held.contains(n))
                    .collect(),
            ),
        },
    );
    telephony.extension_pools.push(LiveExtensionPool {
        id: "extensions".into(),
        start: extension(0),
        end: format!("{}", 4000 + USERS - 1),
    });
    live.telephony = Some(telephony);
    live.wfm = Some(wfm);
}

/// What each declared user says of its number and unit.
fn add_desired_entitlements(s: &Scenario, desired: &mut DesiredOrg) {
    for (i, spec) in s.entitlements.iter().enumerate() {
        let Some(user) = desired.users.get_mut(&email(&user_email(i))) else {
            continue;
        };
        let explicit = || {
            Some(NumberChoice::Number(
                PhoneNumber::parse(&explicit_number(i)).expect("valid"),
            ))
        };
        let pool = || Some(NumberChoice::Pool(POOL.into()));
        user.phone = spec.phone.map(|choice| {
            let (number, extension) = match choice {
                0 => (None, None),
                1 => (explicit(), None),
                2 => (pool(), None),
                3 => (explicit(), Some(extension(i))),
                _ => (pool(), Some(extension(i))),
            };
            DesiredPhone {
                number,
                extension,
                source: None,
            }
        });
        user.wfm = spec.unit.map(|u| DesiredWfm {
            management_unit: UNITS[u].to_owned(),
            source: None,
        });
    }
}

fn build_desired(s: &Scenario, live: &LiveOrg) -> DesiredOrg {
    let mut desired = desired_org("prop");
    for (i, spec) in s.desired_skills.iter().enumerate() {
        if let Some(former) = spec {
            let former: Vec<String> = former.iter().map(|f| skill_name(*f)).collect();
            let former: Vec<&str> = former.iter().map(String::as_str).collect();
            skill(&mut desired, &skill_name(i), &former);
        }
    }
    for (i, on) in s.desired_languages.iter().enumerate() {
        if *on {
            let name = language_name(i);
            desired
                .languages
                .insert(name.clone(), DesiredLanguage { name, source: None });
        }
    }
    for (i, on) in s.desired_codes.iter().enumerate() {
        if *on {
            let name = code_name(i);
            desired
                .wrapup_codes
                .insert(name.clone(), DesiredWrapupCode { name, source: None });
        }
    }
    for (i, spec) in s.desired_queues.iter().enumerate() {
        let Some(spec) = spec else { continue };
        let codes: BTreeSet<String> = desired.wrapup_codes.keys().cloned().collect();
        let q = queue(&mut desired, &queue_name(i));
        q.division = spec.division.map(|d| DIVISIONS[d].to_owned());
        q.description = text_value(spec.description);
        q.wrapup_codes = spec.codes.as_ref().map(|bits| {
            bits.iter()
                .enumerate()
                .filter(|(c, on)| **on && codes.contains(&code_name(*c)))
                .map(|(c, _)| code_name(c))
                .collect()
        });
        q.members = if spec.exclusive {
            MemberPolicy::Exclusive
        } else {
            MemberPolicy::Additive
        };
    }
    for (i, spec) in s.desired_teams.iter().enumerate() {
        if let Some(division) = spec {
            team(&mut desired, &team_name(i));
            desired.teams.get_mut(&team_name(i)).unwrap().division =
                division.map(|d| DIVISIONS[d].to_owned());
        }
    }
    let declared_users: BTreeSet<usize> = s
        .desired_users
        .iter()
        .enumerate()
        .filter(|(_, spec)| spec.is_some())
        .map(|(i, _)| i)
        .collect();
    let skills: BTreeSet<String> = desired.skills.keys().cloned().collect();
    let languages: BTreeSet<String> = desired.languages.keys().cloned().collect();
    let queues: BTreeSet<String> = desired.queues.keys().cloned().collect();
    let teams: BTreeSet<String> = desired.teams.keys().cloned().collect();
    for (i, spec) in s.desired_users.iter().enumerate() {
        let Some(spec) = spec else { continue };
        let u = user(&mut desired, &user_email(i));
        u.state = if spec.active {
            UserState::Active
        } else {
            UserState::Inactive
        };
        u.reactivate = spec.reactivate;
        u.division = spec.division.map(|d| DIVISIONS[d].to_owned());
        u.title = text_value(spec.title);
        u.manager = spec
            .manager
            .filter(|m| {
                declared_users.contains(m) || live.users.contains_key(&email(&user_email(*m)))
            })
            .map(|m| email(&user_email(m)));
        u.team = spec.team.map(team_name).filter(|t| teams.contains(t));
        u.skills = spec.skills.as_ref().map(|values| {
            values
                .iter()
                .enumerate()
                .filter_map(|(k, v)| v.map(|v| (skill_name(k), p(v))))
                .filter(|(name, _)| skills.contains(name))
                .collect()
        });
        u.languages = spec.languages.as_ref().map(|values| {
            values
                .iter()
                .enumerate()
                .filter_map(|(k, v)| v.map(|v| (language_name(k), p(v))))
                .filter(|(name, _)| languages.contains(name))
                .collect()
        });
        u.queues = spec.queues.as_ref().map(|bits| {
            bits.iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(q, _)| queue_name(q))
                .filter(|q| queues.contains(q))
                .collect()
        });
        u.roles = spec.roles.as_ref().map(|bits| {
            bits.iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(g, _)| RoleGrant {
                    role: ROLES[g % ROLES.len()].to_owned(),
                    // Half the grants name no division: the home division.
                    division: (g >= ROLES.len()).then(|| "Contact Center".to_owned()),
                })
                .collect()
        });
        u.utilization = spec.utilization.map(utilization_value);
        u.acd_auto_answer = spec.acd;
    }
    desired.policy.unmanaged.users = policy(s.unmanaged[0]);
    desired.policy.unmanaged.skills = policy(s.unmanaged[1]);
    desired.policy.unmanaged.languages = policy(s.unmanaged[2]);
    desired.policy.unmanaged.wrapup_codes = policy(s.unmanaged[3]);
    desired.policy.unmanaged.queues = policy(s.unmanaged[4]);
    desired.policy.unmanaged.teams = policy(s.unmanaged[5]);
    desired.policy.scope.divisions = DIVISIONS
        .iter()
        .zip(&s.scope)
        .filter(|(_, on)| **on)
        .map(|(d, _)| (*d).to_owned())
        .collect();
    if s.protect_u0 {
        desired.policy.protect.push(ProtectRule {
            kind: Kind::User,
            pattern: "u0@*".into(),
        });
        desired.policy.protect.push(ProtectRule {
            kind: Kind::Skill,
            pattern: "S0".into(),
        });
        desired.policy.protect.push(ProtectRule {
            kind: Kind::Queue,
            pattern: "Q*".into(),
        });
    }
    add_desired_entitlements(s, &mut desired);
    desired
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_clean_apply_always_replans_to_zero(s in scenario()) {
        let live = build_live(&s);
        let desired = build_desired(&s, &live);
        let options = PlanOptions::default();
        let first = plan(&desired, &live, &options).expect("generated references resolve");
        let applied = simulate(&live, &first.steps);
        let second = plan(&desired, &applied, &options).expect("still resolves");
        let leftover: Vec<String> = second
            .changes
            .iter()
            .filter(|c| c.action != Action::Unmanaged)
            .map(|c| format!("{} {} {}: {:?}", c.action.word(), c.kind, c.key, c.fields))
            .collect();
        prop_assert!(
            second.steps.is_empty() && leftover.is_empty(),
            "re-plan not empty:\n{}\n{}\nfirst plan:\n{}",
            steps(&second),
            leftover.join("\n"),
            steps(&first)
        );
        // Determinism: planning again gives the same bytes.
        let again = plan(&desired, &live, &options).expect("resolves");
        prop_assert_eq!(&again, &first);
    }
}

#[test]
fn an_apply_that_stops_halfway_still_converges() {
    // A fixed, busy scenario: apply half the steps, re-plan, apply the rest of the new plan.
    let (desired, live) = crate::example::example();
    let first = plan(&desired, &live, &PlanOptions::default()).unwrap();
    let half = simulate(&live, &first.steps[..first.steps.len() / 2]);
    let second = plan(&desired, &half, &PlanOptions::default()).unwrap();
    assert!(!second.is_empty());
    let done = simulate(&half, &second.steps);
    assert!(
        plan(&desired, &done, &PlanOptions::default())
            .unwrap()
            .is_empty()
    );
}
