//! Property (issue #13): anything `export` writes, `validate` reads. Random orgs, large ones
//! included, with names YAML or the loader could misread (quotes, colons, unicode, leading
//! spaces, numbers, `yes`/`no`/`null`), are exported with every `--split-users-by` layout,
//! loaded back with the manifest loader without an error, and compile to what the org holds.
//!
//! proptest picks the names and the sizes; a seeded generator fills in the users, so a case
//! of thousands of users costs one strategy value, and a failure replays from its seed.

use std::collections::{BTreeMap, BTreeSet};

use proptest::collection::btree_set;
use proptest::prelude::*;
use roster_model::{
    Email, GrantOrigin, LiveDivision, LiveGrant, LiveNamed, LiveOrg, LiveQueue, LiveQueueMember,
    LiveTeam, LiveUser, MediaType, MediaUtilization, MemberOrigin, Proficiency, UserState,
    Utilization, normalize_name_owned,
};

use super::tests::{assert_compiles_to_live, load, options};
use super::{StateFilter, UserSplit, export};

/// Names a person or an org may hold that YAML would read as something else if written
/// bare, or that need escaping.
const TRICKY: &[&str] = &[
    "yes",
    "No",
    "null",
    "~",
    "true",
    "off",
    "123",
    "0x1F",
    "1e3",
    "-7",
    ".5",
    "2024-01-01",
    "Tier: 2",
    "a:b",
    "#1 Priority",
    "*Star",
    "&anchor",
    "!tag",
    "%pct",
    "@at",
    "`tick`",
    "He said \"hi\"",
    "It's 'quoted'",
    "back\\slash",
    "- dash",
    "? question",
    "[list]",
    "{map}",
    "|pipe",
    ">fold",
    "Café Ünïcode 日本",
    "emoji 🎧",
    "  leading",
    "trailing  ",
    "tab\there",
];

/// One name: a tricky one, or a random one of printable ASCII or any non-control
/// characters; NFC (as the API's answers are decoded).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(TRICKY).prop_map(str::to_owned),
        2 => "[ -~]{1,24}",
        1 => "\\PC{1,12}",
    ]
    .prop_map(normalize_name_owned)
    .prop_filter("a name is not blank", |name| !name.trim().is_empty())
}

fn names(range: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    btree_set(name(), range).prop_map(|set| set.into_iter().collect())
}

/// What one case generates: name pools per kind, a user count and a seed for the rest.
#[derive(Debug, Clone)]
struct Shape {
    divisions: Vec<String>,
    roles: Vec<String>,
    skills: Vec<String>,
    languages: Vec<String>,
    codes: Vec<String>,
    queues: Vec<String>,
    teams: Vec<String>,
    people: Vec<String>,
    users: usize,
    seed: u64,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        (names(1..4), names(1..4), names(0..12), names(0..5)),
        (names(0..8), names(0..8), names(0..6), names(1..10)),
        // Mostly small orgs; one case in four is large.
        prop_oneof![3 => 0..200usize, 1 => 2_000..4_000usize],
        any::<u64>(),
    )
        .prop_map(
            |(
                (divisions, roles, skills, languages),
                (codes, queues, teams, people),
                users,
                seed,
            )| Shape {
                divisions,
                roles,
                skills,
                languages,
                codes,
                queues,
                teams,
                people,
                users,
                seed,
            },
        )
}

/// A small deterministic generator (splitmix64): the users of a case from its seed.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &'a [String]) -> Option<&'a String> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }

    fn some<'a>(&mut self, items: &'a [String], percent: u64) -> Vec<&'a String> {
        items.iter().filter(|_| self.chance(percent)).collect()
    }
}

fn named(kind: &str, names: &[String]) -> BTreeMap<String, LiveNamed> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            (
                name.clone(),
                LiveNamed {
                    id: format!("ID-{kind}-{i}"),
                    name: name.clone(),
                },
            )
        })
        .collect()
}

/// The org `shape` describes.
fn live(shape: &Shape) -> LiveOrg {
    let mut rng = Seeded(shape.seed);
    let mut live = LiveOrg::default();
    for (i, name) in shape.divisions.iter().enumerate() {
        live.divisions.insert(
            name.clone(),
            LiveDivision {
                id: format!("ID-division-{i}"),
                name: name.clone(),
                home: i == 0,
            },
        );
    }
    live.roles = named("role", &shape.roles);
    live.skills = named("skill", &shape.skills);
    live.languages = named("language", &shape.languages);
    live.wrapup_codes = named("code", &shape.codes);
    for (i, name) in shape.queues.iter().enumerate() {
        let codes = rng.some(&shape.codes, 30).into_iter().cloned().collect();
        live.queues.insert(
            name.clone(),
            LiveQueue {
                id: format!("ID-queue-{i}"),
                name: name.clone(),
                division: rng.pick(&shape.divisions).cloned().unwrap_or_default(),
                description: rng.pick(&shape.people).filter(|_| rng.chance(50)).cloned(),
                wrapup_codes: Some(codes),
                members: Some(BTreeMap::new()),
                media_types: std::collections::BTreeSet::new(),
            },
        );
    }
    for (i, name) in shape.teams.iter().enumerate() {
        live.teams.insert(
            name.clone(),
            LiveTeam {
                id: format!("ID-team-{i}"),
                name: name.clone(),
                division: rng.pick(&shape.divisions).cloned().unwrap_or_default(),
                description: rng.pick(&shape.people).filter(|_| rng.chance(30)).cloned(),
            },
        );
    }
    let emails: Vec<Email> = (0..shape.users)
        .map(|i| Email::parse(&format!("user{i}@example.test")).expect("a valid address"))
        .collect();
    for (i, email) in emails.iter().enumerate() {
        let user = user(&mut rng, shape, i, email, &emails);
        for queue in rng.some(&shape.queues, 20) {
            let origin = if rng.chance(10) {
                MemberOrigin::Group(rng.pick(&shape.people).cloned())
            } else {
                MemberOrigin::Direct
            };
            if let Some(members) = live
                .queues
                .get_mut(queue)
                .and_then(|queue| queue.members.as_mut())
            {
                members.insert(
                    email.clone(),
                    LiveQueueMember {
                        user_id: user.id.clone(),
                        origin,
                    },
                );
            }
        }
        live.users.insert(email.clone(), user);
    }
    live
}

fn user(rng: &mut Seeded, shape: &Shape, i: usize, email: &Email, emails: &[Email]) -> LiveUser {
    let proficiency =
        |rng: &mut Seeded| Proficiency::new(rng.below(11) as f64 / 2.0).expect("0 to 5 in halves");
    let skills = rng
        .some(&shape.skills, 25)
        .into_iter()
        .map(|skill| (skill.clone(), proficiency(rng)))
        .collect();
    let languages = rng
        .some(&shape.languages, 30)
        .into_iter()
        .map(|language| {
            (
                language.clone(),
                Proficiency::whole(u8::try_from(rng.below(6)).expect("under 6")),
            )
        })
        .collect();
    let mut grants = BTreeSet::new();
    for role in rng.some(&shape.roles, 40) {
        let division = rng.pick(&shape.divisions).cloned().unwrap_or_default();
        let origin = if rng.chance(15) {
            GrantOrigin::Group(rng.pick(&shape.people).cloned().unwrap_or_default())
        } else {
            GrantOrigin::Direct
        };
        grants.insert(LiveGrant {
            role: role.clone(),
            division,
            origin,
        });
    }
    let utilization = if rng.chance(30) {
        Utilization::from([(
            MediaType::Call,
            MediaUtilization {
                capacity: 1,
                interruptible: BTreeSet::new(),
                include_non_acd: rng.chance(50),
            },
        )])
    } else {
        Utilization::new()
    };
    let text = |rng: &mut Seeded, percent| rng.pick(&shape.people).filter(|_| rng.chance(percent));
    LiveUser {
        id: format!("ID-user-{i}"),
        version: 1,
        email: email.clone(),
        name: format!(
            "{} {i}",
            rng.pick(&shape.people).map_or("User", String::as_str)
        ),
        title: text(rng, 40).cloned(),
        department: text(rng, 40).cloned(),
        division: rng.pick(&shape.divisions).cloned().unwrap_or_default(),
        manager: (i > 0 && rng.chance(60)).then(|| emails[rng.below(i)].clone()),
        state: if rng.chance(10) {
            UserState::Inactive
        } else {
            UserState::Active
        },
        team: rng.pick(&shape.teams).filter(|_| rng.chance(70)).cloned(),
        skills,
        languages,
        grants,
        utilization: Some(utilization),
        acd_auto_answer: rng.chance(20),
        phone: roster_model::LivePhone::default(),
        station: None,
        management_unit: None,
    }
}

/// Exports `live` with every layout, loads each export and checks it compiles to `live`.
fn round_trips(live: &LiveOrg) {
    for split in [UserSplit::Team, UserSplit::Division, UserSplit::None] {
        let mut options = options();
        options.state = StateFilter::Any;
        options.split_users_by = split;
        let desired = load(&export(live, &options).expect("the export serializes"));
        assert_compiles_to_live(live, &desired, StateFilter::Any);
    }
}

proptest! {
    // Each case exports three layouts of up to a few thousand users and loads them back: a
    // few cases keep the debug run well under a minute.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn anything_export_writes_validate_reads(shape in shape()) {
        round_trips(&live(&shape));
    }
}

/// However the random cases fall, one large org with every tricky name round-trips.
#[test]
fn a_large_org_with_every_tricky_name_round_trips() {
    let tricky: Vec<String> = TRICKY.iter().map(|name| (*name).to_owned()).collect();
    let shape = Shape {
        divisions: tricky[..6].to_vec(),
        roles: tricky[6..12].to_vec(),
        skills: tricky.clone(),
        languages: tricky[12..20].to_vec(),
        codes: tricky.clone(),
        queues: tricky.clone(),
        teams: tricky.clone(),
        people: tricky,
        users: 5_000,
        seed: 13,
    };
    let live = live(&shape);
    assert_eq!(live.users.len(), 5_000);
    round_trips(&live);
}
