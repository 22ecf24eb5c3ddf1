//! Every operation against the sandbox: its effect shows in the next snapshot, running it
//! twice is harmless, and creates adopt what exists instead of duplicating it.

use std::collections::{BTreeMap, BTreeSet};

use roster_genesys::{IdTable, Snapshot, endpoint};
use roster_model::{
    Kind, MediaType, MediaUtilization, Operation, Proficiency, ReadNeeds, RoleGrant, Selection,
    Tenant, UserPatch, UserSelection, UserState,
};
use roster_sandbox::FaultUpdate;
use roster_sandbox::faults::{FaultEngine, FaultSettings};

use crate::support::{
    ORG, SEED, client, email, full_needs, read_then_write, sandbox, sandbox_counts, snapshot,
};

fn names(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn operations() -> Vec<Operation> {
    use Operation as O;
    let new = email("new.hire@acme.example");
    let jane = email("jane.doe@acme.example");
    vec![
        O::CreateSkill {
            name: "Chat Support".into(),
        },
        O::CreateLanguage {
            name: "German".into(),
        },
        O::CreateWrapupCode {
            name: "Callback Later".into(),
        },
        O::CreateQueue {
            name: "Support".into(),
            division: Some("Contact Center".into()),
            description: Some("Help desk".into()),
        },
        O::UpdateQueue {
            name: "Billing".into(),
            division: Some("Home".into()),
            description: Some("Tier 1 and 2".into()),
        },
        O::AddQueueWrapupCodes {
            queue: "Support".into(),
            codes: names(&["Resolved", "Callback Later"]),
        },
        O::RemoveQueueWrapupCode {
            queue: "Billing".into(),
            code: "Resolved".into(),
        },
        O::CreateTeam {
            name: "Support Team".into(),
            division: None,
            description: None,
        },
        O::UpdateTeam {
            name: "Billing Tier 2".into(),
            division: Some("Home".into()),
            description: Some("Second line".into()),
        },
        O::CreateUser {
            email: new.clone(),
            name: "New Hire".into(),
            division: Some("Contact Center".into()),
            title: Some("Agent".into()),
            department: None,
        },
        O::UpdateUser {
            email: new.clone(),
            patch: UserPatch {
                department: Some("Support".into()),
                manager: Some(email("boss@acme.example")),
                acd_auto_answer: Some(true),
                ..UserPatch::default()
            },
        },
        O::UpdateUser {
            email: jane.clone(),
            patch: UserPatch {
                title: Some(String::new()),
                ..UserPatch::default()
            },
        },
        O::MoveUserDivision {
            email: jane.clone(),
            division: "Home".into(),
        },
        O::SetUserSkills {
            email: new.clone(),
            skills: BTreeMap::from([
                ("Chat Support".to_owned(), Proficiency::whole(4)),
                ("Billing".to_owned(), Proficiency::new(1.5).unwrap()),
            ]),
        },
        O::RemoveUserSkills {
            email: jane.clone(),
            skills: names(&["Spanish Escalations"]),
        },
        O::SetUserLanguages {
            email: new.clone(),
            languages: BTreeMap::from([("German".to_owned(), Proficiency::whole(3))]),
        },
        O::RemoveUserLanguages {
            email: jane.clone(),
            languages: names(&["Spanish"]),
        },
        O::GrantRoles {
            email: new.clone(),
            grants: BTreeSet::from([RoleGrant {
                role: "Billing Agent".into(),
                division: None,
            }]),
        },
        O::RevokeRoles {
            email: jane.clone(),
            grants: BTreeSet::from([RoleGrant {
                role: "Billing Agent".into(),
                division: Some("Contact Center".into()),
            }]),
        },
        O::SetUtilization {
            email: new.clone(),
            utilization: BTreeMap::from([(
                MediaType::Chat,
                MediaUtilization {
                    capacity: 2,
                    interruptible: BTreeSet::from([MediaType::Call]),
                    include_non_acd: true,
                },
            )]),
        },
        O::SetUtilization {
            email: jane.clone(),
            utilization: BTreeMap::new(),
        },
        O::AddQueueMembers {
            queue: "Support".into(),
            users: BTreeSet::from([new.clone(), jane.clone()]),
        },
        O::RemoveQueueMembers {
            queue: "Billing".into(),
            users: BTreeSet::from([email("old@acme.example")]),
        },
        O::AddTeamMembers {
            team: "Support Team".into(),
            users: BTreeSet::from([new.clone()]),
        },
        O::RemoveTeamMembers {
            team: "Billing Tier 2".into(),
            users: BTreeSet::from([jane]),
        },
        O::SetUserState {
            email: email("boss@acme.example"),
            state: UserState::Inactive,
        },
        O::SetUserState {
            email: email("old@acme.example"),
            state: UserState::Active,
        },
        O::DeleteSkill {
            name: "Retired".into(),
        },
        O::DeleteLanguage {
            name: "French".into(),
        },
        O::DeleteWrapupCode {
            name: "Escalated".into(),
        },
        O::DeleteQueue {
            name: "Unmanaged".into(),
        },
        O::DeleteTeam {
            name: "Empty Team".into(),
        },
    ]
}

fn after_needs() -> ReadNeeds {
    ReadNeeds {
        queue_members: Selection::Named(names(&["Billing", "Sales", "Support"])),
        queue_wrapup_codes: Selection::Named(names(&["Billing", "Support"])),
        utilization: UserSelection::Named(BTreeSet::from([
            email("new.hire@acme.example"),
            email("jane.doe@acme.example"),
        ])),
        grants: true,
        ..ReadNeeds::default()
    }
}

#[tokio::test]
async fn every_operation_takes_effect_and_running_it_twice_is_harmless() {
    let sandbox = sandbox(SEED).await;
    let (_, writer) = read_then_write(&sandbox, &full_needs()).await;
    for operation in operations() {
        let first = writer.execute(&operation).await;
        assert!(first.is_ok(), "{operation}: {first:?}");
        let again = writer.execute(&operation).await;
        assert!(again.is_ok(), "{operation} (again): {again:?}");
    }
    let live = snapshot(writer.session(), &after_needs()).await.live;
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        (r#""version": \d+"#, r#""version": "[version]""#),
    ]}, {
        insta::assert_json_snapshot!(live);
    });

    // A fresh writer that only knows what it read converges without error too.
    let (_, fresh) = read_then_write(&sandbox, &after_needs()).await;
    for operation in operations() {
        let outcome = fresh.execute(&operation).await;
        assert!(outcome.is_ok(), "{operation} (fresh writer): {outcome:?}");
    }
    // Re-sent user PATCHes move `version`; nothing else may change.
    let unversioned = |mut org: roster_model::LiveOrg| {
        org.users.values_mut().for_each(|u| u.version = 0);
        org
    };
    let again = snapshot(fresh.session(), &after_needs()).await.live;
    assert_eq!(unversioned(again), unversioned(live));
}

#[tokio::test]
async fn receipts_count_requests_and_keep_the_correlation_id() {
    let sandbox = sandbox(SEED).await;
    let (_, writer) = read_then_write(&sandbox, &ReadNeeds::default()).await;
    let receipt = writer
        .execute(&Operation::CreateSkill {
            name: "Chat Support".into(),
        })
        .await
        .unwrap();
    assert_eq!(receipt.requests, 1);
    assert!(receipt.correlation_id.is_some());
    assert_eq!(writer.principal(), "oauth-client:acme-id");
}

#[tokio::test]
async fn a_create_that_conflicts_adopts_the_existing_object() {
    let sandbox = sandbox(SEED).await;
    let (_, stale) = read_then_write(&sandbox, &ReadNeeds::default()).await;
    let other = client(&sandbox).session().writer(IdTable::default());
    for name in ["Chat Support"] {
        other
            .execute(&Operation::CreateSkill { name: name.into() })
            .await
            .unwrap();
    }
    other
        .execute(&Operation::CreateQueue {
            name: "Support".into(),
            division: None,
            description: None,
        })
        .await
        .unwrap();
    stale
        .execute(&Operation::CreateSkill {
            name: "Chat Support".into(),
        })
        .await
        .unwrap();
    stale
        .execute(&Operation::CreateQueue {
            name: "Support".into(),
            division: None,
            description: None,
        })
        .await
        .unwrap();
    assert_eq!(
        stale.id_of(Kind::Skill, "Chat Support"),
        other.id_of(Kind::Skill, "Chat Support")
    );
    assert_eq!(
        stale.id_of(Kind::Queue, "Support"),
        other.id_of(Kind::Queue, "Support")
    );
    let live = snapshot(stale.session(), &ReadNeeds::default()).await.live;
    assert_eq!(live.skills.len(), 4);
    assert_eq!(live.queues.len(), 4);
}

#[tokio::test]
async fn a_create_says_whether_it_adopted_an_existing_object() {
    let sandbox = sandbox(SEED).await;
    let create_queue = |name: &str| Operation::CreateQueue {
        name: name.into(),
        division: None,
        description: None,
    };
    let create_user = |who: &str, name: &str| Operation::CreateUser {
        email: email(who),
        name: name.into(),
        division: None,
        title: None,
        department: None,
    };
    // A writer that knows none of the org's ids: each create is sent, and the org's conflict
    // leads to a read that finds the object.
    let blind = client(&sandbox).session().writer(IdTable::default());
    for existing in [
        Operation::CreateSkill {
            name: "Billing".into(),
        },
        create_queue("Sales"),
        create_user("boss@acme.example", "Big Boss"),
    ] {
        let receipt = blind.execute(&existing).await.unwrap();
        assert!(receipt.adopted, "{existing}: {receipt:?}");
    }
    for new in [
        Operation::CreateSkill {
            name: "Chat Support".into(),
        },
        create_queue("Support"),
        create_user("new.hire@acme.example", "New Hire"),
    ] {
        let receipt = blind.execute(&new).await.unwrap();
        assert!(!receipt.adopted, "{new}: {receipt:?}");
        // Run again, the key is known: nothing is sent, and the object is adopted.
        let again = blind.execute(&new).await.unwrap();
        assert!(
            again.adopted && again.requests == 0,
            "{new} (again): {again:?}"
        );
    }
    // A writer whose snapshot listed the object adopts it without a request.
    let (_, informed) = read_then_write(&sandbox, &ReadNeeds::default()).await;
    let receipt = informed
        .execute(&create_user("jane.doe@acme.example", "Jane Doe"))
        .await
        .unwrap();
    assert!(receipt.adopted && receipt.requests == 0, "{receipt:?}");
}

/// A fault seed whose first draw at `rate` is an injected error and the next `clean` are not.
fn seed_failing_first(rate: f64, clean: usize) -> u64 {
    (0..10_000)
        .find(|&seed| {
            let mut engine = FaultEngine::default();
            engine.replace(FaultSettings {
                error_rate: rate,
                seed,
                ..FaultSettings::default()
            });
            let draws: Vec<_> = (0..=clean).map(|_| engine.draw()).collect();
            !matches!(draws[0], roster_sandbox::faults::Fault::None)
                && draws[1..]
                    .iter()
                    .all(|d| matches!(d, roster_sandbox::faults::Fault::None))
        })
        .expect("some seed fails first")
}

#[tokio::test]
async fn an_ambiguous_create_is_re_read_before_it_is_sent_again() {
    let sandbox = sandbox(SEED).await;
    let (_, writer) = read_then_write(&sandbox, &ReadNeeds::default()).await;
    let seed = seed_failing_first(0.5, 4);
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                error_rate: Some(0.5),
                seed: Some(seed),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    sandbox.reset_stats(ORG).unwrap();
    writer
        .execute(&Operation::CreateSkill {
            name: "Chat Support".into(),
        })
        .await
        .unwrap();
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                error_rate: Some(0.0),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    // POST (5xx, not executed) → GET by name (absent) → POST (created): never a blind re-send.
    let counts = sandbox_counts(&sandbox, ORG);
    assert_eq!(counts[&format!("POST {}", endpoint::SKILLS)], 2);
    assert_eq!(counts[&format!("GET {}", endpoint::SKILLS)], 1);
    let live = snapshot(writer.session(), &ReadNeeds::default()).await.live;
    assert_eq!(
        live.skills["Chat Support"].id,
        writer.id_of(Kind::Skill, "Chat Support").unwrap()
    );
}

#[tokio::test]
async fn an_ambiguous_create_adopts_what_the_lost_attempt_made() {
    let sandbox = sandbox(SEED).await;
    let (_, writer) = read_then_write(&sandbox, &ReadNeeds::default()).await;
    // The "lost" attempt: the object exists, but this writer never saw the response.
    let other = client(&sandbox).session().writer(IdTable::default());
    other
        .execute(&Operation::CreateWrapupCode {
            name: "Callback Later".into(),
        })
        .await
        .unwrap();
    let seed = seed_failing_first(0.5, 4);
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                error_rate: Some(0.5),
                seed: Some(seed),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    sandbox.reset_stats(ORG).unwrap();
    let receipt = writer
        .execute(&Operation::CreateWrapupCode {
            name: "Callback Later".into(),
        })
        .await
        .unwrap();
    assert!(receipt.adopted);
    let counts = sandbox_counts(&sandbox, ORG);
    assert_eq!(counts[&format!("POST {}", endpoint::WRAPUP_CODES)], 1);
    assert_eq!(
        writer.id_of(Kind::WrapupCode, "Callback Later"),
        other.id_of(Kind::WrapupCode, "Callback Later")
    );
}

#[tokio::test]
async fn creating_a_user_whose_email_a_deleted_user_holds_restores_that_user() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let before = snapshot(&session, &ReadNeeds::default()).await.live;
    let old = &before.users[&email("old@acme.example")];
    let token = sandbox.token(ORG).unwrap();
    let deleted = reqwest::Client::new()
        .delete(format!("{}/api/v2/users/{}", sandbox.base_url(), old.id))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let fresh = session.client().session();
    let Snapshot { ids, .. } = snapshot(&fresh, &ReadNeeds::default()).await;
    let fresh = fresh.writer(ids);
    fresh
        .execute(&Operation::CreateUser {
            email: email("old@acme.example"),
            name: "Old Timer".into(),
            division: None,
            title: None,
            department: None,
        })
        .await
        .unwrap();
    let after = snapshot(fresh.session(), &ReadNeeds::default()).await.live;
    let restored = &after.users[&email("old@acme.example")];
    assert_eq!(restored.id, old.id);
    assert_eq!(restored.state, UserState::Active);
}

#[tokio::test]
async fn deleted_skills_and_languages_in_lists_are_not_live_and_their_names_can_be_reused() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let before = snapshot(&session, &ReadNeeds::default()).await.live;
    let token = sandbox.token(ORG).unwrap();
    let http = reqwest::Client::new();
    for path in [
        format!("routing/skills/{}", before.skills["Retired"].id),
        format!("routing/languages/{}", before.languages["French"].id),
    ] {
        let deleted = http
            .delete(format!("{}/api/v2/{path}", sandbox.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(deleted.status().is_success());
    }
    // The sandbox lists them, as `deleted` (the harsher reading of the API).
    let listed: serde_json::Value = http
        .get(format!("{}/api/v2/routing/skills", sandbox.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|skill| skill["name"] == "Retired" && skill["state"] == "deleted"),
        "{listed}"
    );
    let Snapshot { live, ids } = snapshot(&session, &ReadNeeds::default()).await;
    assert!(
        !live.skills.contains_key("Retired"),
        "{:?}",
        live.skills.keys()
    );
    assert!(!live.languages.contains_key("French"));
    // A writer that read this snapshot creates them anew instead of adopting the dead ones.
    let writer = session.writer(ids);
    for operation in [
        Operation::CreateSkill {
            name: "Retired".into(),
        },
        Operation::CreateLanguage {
            name: "French".into(),
        },
    ] {
        let receipt = writer.execute(&operation).await.unwrap();
        assert!(!receipt.adopted, "{operation}: {receipt:?}");
    }
    let after = snapshot(&session, &ReadNeeds::default()).await.live;
    assert_ne!(after.skills["Retired"].id, before.skills["Retired"].id);
    assert_ne!(after.languages["French"].id, before.languages["French"].id);
    // A writer that knows no ids and finds the name taken looks it up and adopts the live
    // one, never the deleted one.
    let blind = client(&sandbox).session().writer(IdTable::default());
    let receipt = blind
        .execute(&Operation::CreateSkill {
            name: "Retired".into(),
        })
        .await
        .unwrap();
    assert!(receipt.adopted);
    assert_eq!(
        blind.id_of(Kind::Skill, "Retired").unwrap(),
        after.skills["Retired"].id
    );
}

/// Whether the sandbox moves a user added to a second team, or refuses with
/// `UserGroupLimitExceeded` (its default): the client converges either way, leaving the old
/// team first when the org insists.
#[tokio::test]
async fn moving_a_user_between_teams_converges_whether_or_not_the_org_moves_them() {
    for moves in [false, true] {
        let sandbox = sandbox(SEED).await;
        sandbox
            .set_faults(
                ORG,
                &FaultUpdate {
                    move_between_teams: Some(moves),
                    ..FaultUpdate::default()
                },
            )
            .unwrap();
        let (before, writer) = read_then_write(&sandbox, &ReadNeeds::default()).await;
        let jane = email("jane.doe@acme.example");
        assert_eq!(before.users[&jane].team.as_deref(), Some("Billing Tier 2"));
        sandbox.reset_stats(ORG).unwrap();
        // The plan's order: the add to the new team, then the removal from the old one.
        for operation in [
            Operation::AddTeamMembers {
                team: "Empty Team".into(),
                users: BTreeSet::from([jane.clone()]),
            },
            Operation::RemoveTeamMembers {
                team: "Billing Tier 2".into(),
                users: BTreeSet::from([jane.clone()]),
            },
        ] {
            let outcome = writer.execute(&operation).await;
            assert!(outcome.is_ok(), "moves: {moves}: {operation}: {outcome:?}");
        }
        let after = snapshot(writer.session(), &ReadNeeds::default()).await.live;
        assert_eq!(
            after.users[&jane].team.as_deref(),
            Some("Empty Team"),
            "moves: {moves}"
        );
        // Whether or not the org would move her: she leaves the team the snapshot saw her in,
        // joins the new one, and the plan's removal is known done (no request).
        let counts = sandbox_counts(&sandbox, ORG);
        let (adds, reads, removals) = (1, 0, 1);
        assert_eq!(
            counts.get("POST /api/v2/teams/{teamId}/members"),
            Some(&adds)
        );
        assert_eq!(
            counts
                .get("GET /api/v2/users/{userId}")
                .copied()
                .unwrap_or(0),
            reads
        );
        assert_eq!(
            counts.get("DELETE /api/v2/teams/{teamId}/members"),
            Some(&removals),
            "moves: {moves}: {counts:?}"
        );
    }
}

/// The live org as JSON with ids and versions blanked: what two runs that create objects
/// (random ids) can be compared on.
fn without_ids(live: &roster_model::LiveOrg) -> serde_json::Value {
    fn blank(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text) if uuid_like(text) => *text = "[uuid]".into(),
            serde_json::Value::Array(items) => items.iter_mut().for_each(blank),
            serde_json::Value::Object(fields) => {
                for (key, field) in fields.iter_mut() {
                    if key == "version" {
                        *field = serde_json::Value::Null;
                    } else {
                        blank(field);
                    }
                }
            }
            _ => {}
        }
    }
    fn uuid_like(text: &str) -> bool {
        text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
    }
    let mut value = serde_json::to_value(live).unwrap();
    blank(&mut value);
    value
}

/// Void operations answering `204`, `200` without a body or `200 {}`: every operation still
/// takes effect, with the same end state.
#[tokio::test]
async fn every_operation_converges_whatever_void_operations_answer() {
    use roster_sandbox::faults::VoidAnswer;
    let mut ends = Vec::new();
    for answer in [
        VoidAnswer::NoContent,
        VoidAnswer::OkEmpty,
        VoidAnswer::OkBody,
    ] {
        let sandbox = sandbox(SEED).await;
        sandbox
            .set_faults(
                ORG,
                &FaultUpdate {
                    void_answer: Some(answer),
                    ..FaultUpdate::default()
                },
            )
            .unwrap();
        let (_, writer) = read_then_write(&sandbox, &full_needs()).await;
        for operation in operations() {
            let outcome = writer.execute(&operation).await;
            assert!(outcome.is_ok(), "{answer:?}: {operation}: {outcome:?}");
        }
        // The sandbox did answer as told: a void DELETE's status is in its request log.
        let statuses: BTreeSet<u16> = sandbox
            .requests(ORG)
            .unwrap()
            .iter()
            .filter(|r| r.method == "DELETE" && r.route.contains("wrapupcodes"))
            .map(|r| r.status)
            .collect();
        let expected = if answer == VoidAnswer::NoContent {
            204
        } else {
            200
        };
        assert_eq!(statuses, BTreeSet::from([expected]), "{answer:?}");
        let live = snapshot(writer.session(), &after_needs()).await.live;
        ends.push(without_ids(&live));
    }
    assert_eq!(ends[0], ends[1], "200 without a body");
    assert_eq!(ends[0], ends[2], "200 with a body");
}
