//! Property: any resource file, serialized to YAML and decoded again, is the same file, with
//! no diagnostic. This also keeps the hand-written decoder and the serde names in step.

use std::collections::BTreeMap;

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use roster_manifest::decode_resource_file;
use roster_manifest::manifest::{
    AcknowledgeSpec, AnnouncementSpec, At, AudienceSpec, DeliverSpec, LanguageSpec, MediaSpec,
    MembersMode, PhoneSpec, ProfilePhoneSpec, QueueSpec, ResourceFile, RoleSpec,
    RoutingProfileSpec, SkillSpec, TeamSpec, UserSpec, UtilizationSpec, WfmSpec, WrapupCodeSpec,
};
use roster_model::{Email, MediaType, PhoneNumber, Proficiency, UserState};
use roster_notify::Tier;

fn name() -> impl Strategy<Value = At<String>> {
    // Words people use, including ones YAML would read as other types if left unquoted.
    prop_oneof![
        "[A-Z][a-z]{0,8}( [A-Za-z][a-z0-9]{0,6}){0,2}",
        Just("Null".to_owned()),
        Just("true".to_owned()),
        Just("2024".to_owned()),
        Just("Tier: 2".to_owned()),
        Just("#1 Priority".to_owned()),
    ]
    .prop_map(At::new)
}

fn names() -> impl Strategy<Value = Vec<At<String>>> {
    vec(name(), 0..3)
}

fn email() -> impl Strategy<Value = At<Email>> {
    "[a-z][a-z0-9.]{0,6}[a-z]@[a-z]{1,6}\\.example"
        .prop_map(|raw| At::new(Email::parse(&raw).unwrap()))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ,.'-]{0,20}",
        Just(String::new()),
        Just("yes".to_owned()),
        Just("line\nbreak".to_owned())
    ]
}

fn skill_levels() -> impl Strategy<Value = BTreeMap<At<String>, Proficiency>> {
    btree_map(
        name(),
        (0u16..=500).prop_map(|p| Proficiency::new(f64::from(p) / 100.0).unwrap()),
        0..3,
    )
}

fn language_levels() -> impl Strategy<Value = BTreeMap<At<String>, Proficiency>> {
    btree_map(name(), (0u8..=5).prop_map(Proficiency::whole), 0..3)
}

fn media() -> impl Strategy<Value = MediaType> {
    prop::sample::select(MediaType::ALL.to_vec())
}

fn media_spec() -> impl Strategy<Value = MediaSpec> {
    (0u8..=25, vec(media(), 0..3), option::of(any::<bool>())).prop_map(
        |(capacity, interruptible, include_non_acd)| MediaSpec {
            capacity,
            interruptible,
            include_non_acd,
        },
    )
}

fn utilization() -> impl Strategy<Value = UtilizationSpec> {
    (
        option::of(media_spec()),
        option::of(media_spec()),
        option::of(media_spec()),
        option::of(media_spec()),
        option::of(media_spec()),
    )
        .prop_map(|(call, callback, chat, email, message)| UtilizationSpec {
            call,
            callback,
            chat,
            email,
            message,
        })
}

fn roles() -> impl Strategy<Value = Vec<RoleSpec>> {
    vec(
        (name(), option::of(vec(name(), 1..3)))
            .prop_map(|(role, divisions)| RoleSpec { role, divisions }),
        0..3,
    )
}

/// Time zone names the bundled database knows (the decoder checks them).
fn timezone() -> impl Strategy<Value = Option<At<String>>> {
    option::of(
        prop::sample::select(vec![
            "Europe/Berlin",
            "America/New_York",
            "Asia/Kolkata",
            "UTC",
        ])
        .prop_map(|zone| At::new(zone.to_owned())),
    )
}

/// A user's `phone:`: a number or a pool (never both), an extension (digits YAML would read
/// as a number, leading zeros included), or `{}`.
fn phone() -> impl Strategy<Value = At<PhoneSpec>> {
    let number = "\\+[1-9][0-9]{7,14}".prop_map(|raw| At::new(PhoneNumber::parse(&raw).unwrap()));
    let choice = prop_oneof![
        Just((None, None)),
        number.prop_map(|number| (Some(number), None)),
        name().prop_map(|pool| (None, Some(pool))),
    ];
    (choice, option::of("[0-9]{2,10}".prop_map(At::new))).prop_map(|((number, pool), extension)| {
        At::new(PhoneSpec {
            number,
            pool,
            extension,
        })
    })
}

fn wfm() -> impl Strategy<Value = At<WfmSpec>> {
    name().prop_map(|management_unit| At::new(WfmSpec { management_unit }))
}

/// Channel names, template paths: identifiers and paths written as they are.
fn word() -> impl Strategy<Value = At<String>> {
    "[a-z][a-z0-9-]{0,8}".prop_map(At::new)
}

fn announcement() -> impl Strategy<Value = AnnouncementSpec> {
    let audience = (
        vec(name(), 1..3),
        names(),
        names(),
        vec(email(), 0..2),
        vec(
            prop::sample::select(vec![Tier::Agents, Tier::Supervisors, Tier::Admins]),
            0..3,
        ),
    )
        .prop_map(|(queues, teams, roles, users, tiers)| AudienceSpec {
            queues,
            teams,
            roles,
            users,
            tiers,
            ..AudienceSpec::default()
        });
    let deliver = (
        option::of(prop::sample::select(vec!["2026-12-10", "2027-02-28"])),
        option::of(prop::sample::select(vec!["09:45-11:45", "22:00-06:00"])),
        vec(word(), 1..3),
    )
        .prop_map(|(after, window, channels)| DeliverSpec {
            after: after.map(|a| At::new(a.to_owned())),
            window: window.map(|w| At::new(w.to_owned())),
            channels,
        });
    let acknowledge = option::of(
        (
            prop::sample::select(vec!["72h", "3d", "90m"]),
            option::of(prop::sample::select(vec![Tier::Supervisors, Tier::Admins])),
        )
            .prop_map(|(within, escalate)| AcknowledgeSpec {
                within: At::new(within.to_owned()),
                escalate,
            }),
    );
    (name(), audience, word(), deliver, acknowledge).prop_map(
        |(name, audience, template, deliver, acknowledge)| AnnouncementSpec {
            name,
            audience,
            template: At::new(format!("notices/{}.md", template.value)),
            deliver,
            acknowledge,
        },
    )
}

fn user() -> impl Strategy<Value = UserSpec> {
    let identity = (
        email(),
        text(),
        option::of(text()),
        option::of(text()),
        option::of(name()),
        option::of(email()),
        option::of(name()),
        option::of(name()),
    );
    let routing = (
        option::of(skill_levels()),
        option::of(language_levels()),
        option::of(names()),
        option::of(roles()),
        option::of(utilization()),
        option::of(any::<bool>()),
        option::of(prop_oneof![
            Just(UserState::Active),
            Just(UserState::Inactive)
        ]),
        option::of(any::<bool>()),
    );
    let entitlements = (option::of(phone()), option::of(wfm()));
    (identity, routing, timezone(), entitlements).prop_map(
        |(
            (email, name, title, department, division, manager, team, routing_profile),
            (skills, languages, queues, roles, utilization, acd_auto_answer, state, reactivate),
            timezone,
            (phone, wfm),
        )| UserSpec {
            email,
            name,
            title,
            department,
            division,
            manager,
            team,
            routing_profile,
            skills,
            languages,
            queues,
            roles,
            utilization,
            acd_auto_answer,
            state,
            reactivate,
            timezone,
            phone,
            wfm,
        },
    )
}

fn resource_file() -> impl Strategy<Value = ResourceFile> {
    (
        vec(
            (name(), names()).prop_map(|(name, former_names)| SkillSpec { name, former_names }),
            0..3,
        ),
        vec(name().prop_map(|name| LanguageSpec { name }), 0..2),
        vec(name().prop_map(|name| WrapupCodeSpec { name }), 0..2),
        vec(
            (
                name(),
                option::of(name()),
                option::of(text()),
                option::of(names()),
                option::of(prop_oneof![
                    Just(MembersMode::Additive),
                    Just(MembersMode::Exclusive)
                ]),
            )
                .prop_map(|(name, division, description, wrapup_codes, members)| {
                    QueueSpec {
                        name,
                        division,
                        description,
                        wrapup_codes,
                        members,
                    }
                }),
            0..2,
        ),
        vec(
            (name(), option::of(name()), option::of(text()), timezone()).prop_map(
                |(name, division, description, timezone)| TeamSpec {
                    name,
                    division,
                    description,
                    timezone,
                },
            ),
            0..2,
        ),
        vec(
            (
                name(),
                option::of(skill_levels()),
                option::of(language_levels()),
                option::of(names()),
                option::of(roles()),
                option::of(utilization()),
                (
                    option::of(name().prop_map(|pool| At::new(ProfilePhoneSpec { pool }))),
                    option::of(wfm()),
                    option::of(name()),
                ),
            )
                .prop_map(
                    |(
                        name,
                        skills,
                        languages,
                        queues,
                        roles,
                        utilization,
                        (phone, wfm, licence),
                    )| {
                        RoutingProfileSpec {
                            name,
                            skills,
                            languages,
                            queues,
                            roles,
                            utilization,
                            phone,
                            wfm,
                            licence,
                        }
                    },
                ),
            0..2,
        ),
        vec(user(), 0..4),
        vec(announcement(), 0..2),
    )
        .prop_map(
            |(
                skills,
                languages,
                wrapup_codes,
                queues,
                teams,
                routing_profiles,
                users,
                announcements,
            )| {
                ResourceFile {
                    skills,
                    languages,
                    wrapup_codes,
                    queues,
                    teams,
                    routing_profiles,
                    users,
                    announcements,
                }
            },
        )
}

proptest! {
    // Bounded so the test runs in a few seconds on a shared 2-core machine.
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn resource_files_round_trip_through_yaml(file in resource_file()) {
        let yaml = serde_saphyr::to_string(&file).unwrap();
        let (decoded, diagnostics) = decode_resource_file("file.yaml", &yaml);
        prop_assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{yaml}");
        prop_assert_eq!(decoded, file, "{}", yaml);
    }
}
