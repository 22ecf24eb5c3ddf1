//! Issue #17 against the sandbox: numbers, stations, pools, WFM units and licences are read at
//! the documented cost, and the entitlement writes take effect, keep what they do not manage
//! and are harmless to repeat.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use reqwest::Method;
use roster_genesys::{GenesysError, TOKEN_ENDPOINT, endpoint};
use roster_model::{MediaType, Operation, PhoneNumber, ReadNeeds, RoutePath, Tenant};
use serde_json::json;

use crate::support::{ORG, client, control, email, sandbox, sandbox_counts, snapshot, write};

/// An org with two DID pools (numbers held by users, a phone and an IVR), an extension pool,
/// users with numbers, extensions and stations, a business unit with a planning group and
/// two management units (one full), licences carried by roles, and queues taking some media.
const SEED: &str = r"
roles: [Billing Agent]
queues:
  - { name: Billing, mediaTypes: [call, chat] }
  - { name: Sales }
telephony:
  didPools:
    - { name: Indianapolis, start: '+13175550100', end: '+13175550109' }
    - { name: Austin, start: '+15125550100', end: '+15125550199' }
  extensionPools:
    - { name: Indy extensions, start: '4100', end: '4199' }
  heldNumbers:
    - { number: '+13175550102', ownerType: PHONE, owner: Lobby phone }
    - { number: '+13175550103', ownerType: IVR_CONFIG, owner: Main IVR }
businessUnits:
  - name: North America
    planningGroups:
      - name: Billing
        routePaths:
          - { queue: Billing, mediaType: Voice }
          - { queue: Billing, mediaType: Workitem }
          - { queue: Sales, mediaType: Chat }
    managementUnits:
      - { name: Indy, members: [jane.doe@acme.example] }
      - { name: Small, agentLimit: 1, members: [boss@acme.example] }
licences:
  - { id: cx1, description: Genesys Cloud CX 1, roles: [Billing Agent] }
  - { id: cx3, description: Genesys Cloud CX 3, roles: [Supervisor] }
users:
  - { email: boss@acme.example, name: Big Boss, phone: '+13175550100', station: Boss desk, roles: [{ role: Supervisor }] }
  - { email: jane.doe@acme.example, name: Jane Doe, phone: '+13175550101', extension: '4100', station: Jane desk }
  - { email: ann@acme.example, name: Ann Agent }
  - { email: bob@acme.example, name: Bob Agent }
";

/// Needs of a plan managing numbers (allocating from Indianapolis and a pool the org lacks),
/// WFM units, licences, and `roster check`'s planning groups.
fn needs() -> ReadNeeds {
    ReadNeeds {
        telephony: true,
        pool_numbers: BTreeSet::from(["Indianapolis".to_owned(), "Nowhere".to_owned()]),
        wfm: true,
        planning_groups: true,
        licences: true,
        ..ReadNeeds::default()
    }
}

fn number(raw: &str) -> PhoneNumber {
    PhoneNumber::parse(raw).unwrap()
}

#[tokio::test]
async fn entitlements_are_read_with_one_listing_each_and_no_request_per_user() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let live = snapshot(&session, &needs()).await.live;

    let jane = &live.users[&email("jane.doe@acme.example")];
    assert_eq!(jane.phone.number.as_deref(), Some("+13175550101"));
    assert_eq!(jane.phone.extension.as_deref(), Some("4100"));
    assert!(jane.station.is_some());
    assert_eq!(jane.management_unit.as_deref(), Some("Indy"));
    let ann = &live.users[&email("ann@acme.example")];
    assert!(ann.phone.is_empty());
    assert_eq!(
        (ann.station.as_ref(), ann.management_unit.as_ref()),
        (None, None)
    );

    let telephony = live.telephony.as_ref().unwrap();
    // Free numbers: neither the users' (their addresses) nor the phone's and the IVR's.
    let free: Vec<&str> = telephony.did_pools["Indianapolis"]
        .unassigned
        .as_ref()
        .unwrap()
        .iter()
        .map(PhoneNumber::as_str)
        .collect();
    assert_eq!(
        free,
        [
            "+13175550104",
            "+13175550105",
            "+13175550106",
            "+13175550107",
            "+13175550108",
            "+13175550109"
        ]
    );
    // A pool nobody allocates from is not listed number by number.
    assert_eq!(telephony.did_pools["Austin"].unassigned, None);
    assert!(telephony.extension_in_pool("4150"));

    let wfm = live.wfm.as_ref().unwrap();
    assert_eq!(wfm.management_units["Small"].business_unit, "North America");
    let groups = wfm.business_units["North America"]
        .planning_groups
        .as_ref()
        .unwrap();
    assert_eq!(
        groups["Billing"],
        BTreeSet::from([
            RoutePath {
                queue: "Billing".into(),
                media_type: MediaType::Call,
            },
            RoutePath {
                queue: "Sales".into(),
                media_type: MediaType::Chat,
            },
        ])
    );
    assert_eq!(
        live.queues["Billing"].media_types,
        BTreeSet::from([MediaType::Call, MediaType::Chat])
    );
    assert_eq!(live.queues["Sales"].media_types.len(), 5);
    let licences: Vec<&str> = live.licences.iter().map(|l| l.id.as_str()).collect();
    assert!(licences.contains(&"cx1") && licences.contains(&"cx3"));

    // The cost: one listing per pool list and per pool allocated from, the two unit lists,
    // one member listing per management unit, one planning-group listing per business unit,
    // the licence definitions; nothing per user.
    let counts = sandbox_counts(&sandbox, ORG);
    let get = |path: &str| counts.get(&format!("GET {path}")).copied().unwrap_or(0);
    let entitlement_reads = BTreeMap::from([
        (endpoint::DID_POOLS, 1),
        (endpoint::EXTENSION_POOLS, 1),
        (endpoint::DID_POOL_NUMBERS, 1),
        (endpoint::BUSINESS_UNITS, 1),
        (endpoint::MANAGEMENT_UNITS, 1),
        (endpoint::MANAGEMENT_UNIT_USERS, 2),
        (endpoint::PLANNING_GROUPS, 1),
        (endpoint::LICENCE_DEFINITIONS, 1),
    ]);
    for (template, expected) in &entitlement_reads {
        assert_eq!(get(template), *expected, "GET {template}");
    }
    assert_eq!(get(endpoint::USER), 0, "no user is read one by one");
    assert_eq!(get(endpoint::USERS), 2, "the active and inactive listings");
    // Everything else is the plain snapshot's: token, seven lists, two user listings.
    let rest: u64 = counts.values().sum::<u64>() - entitlement_reads.values().sum::<u64>();
    assert_eq!(rest, 1 + 6 + 1 + 2, "{counts:#?}");
    assert_eq!(counts.get(TOKEN_ENDPOINT), Some(&1));
    assert_eq!(session.request_counts(), counts);
}

#[tokio::test]
async fn a_number_write_keeps_other_addresses_and_sends_nothing_when_already_set() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let live = snapshot(&session, &ReadNeeds::default()).await.live;
    let jane = &live.users[&email("jane.doe@acme.example")];
    // Jane also has a personal email and a mobile, which roster does not manage.
    let user_json = async || {
        session
            .send_json::<serde_json::Value>(&roster_genesys::ApiRequest::get(
                endpoint::USER,
                format!("/api/v2/users/{}", jane.id),
            ))
            .await
            .unwrap()
            .0
    };
    let current = user_json().await;
    let mut addresses = current["addresses"].as_array().unwrap().clone();
    let personal = [
        json!({ "mediaType": "EMAIL", "type": "HOME", "address": "jane@home.example" }),
        json!({ "mediaType": "PHONE", "type": "MOBILE", "address": "+13175559999" }),
    ];
    addresses.splice(0..0, personal.clone());
    write(
        &session,
        Method::PATCH,
        endpoint::USER,
        &format!("/api/v2/users/{}", jane.id),
        json!({ "version": current["version"], "addresses": addresses }),
    )
    .await;

    let writer = client(&sandbox)
        .session()
        .writer(snapshot(&session, &ReadNeeds::default()).await.ids);
    let set = Operation::SetUserPhone {
        email: email("jane.doe@acme.example"),
        number: Some(number("+13175550104")),
        extension: Some("4101".into()),
    };
    writer.execute(&set).await.unwrap();
    let after = snapshot(&session, &ReadNeeds::default()).await.live;
    let jane_after = &after.users[&email("jane.doe@acme.example")];
    assert_eq!(jane_after.phone.number.as_deref(), Some("+13175550104"));
    assert_eq!(jane_after.phone.extension.as_deref(), Some("4101"));
    let read = user_json().await;
    let kept: Vec<&serde_json::Value> = read["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| personal.contains(entry))
        .collect();
    assert_eq!(kept.len(), 2, "{read:#}");

    // Again: one read of the user, no PATCH.
    let before = writer.session().request_counts();
    writer.execute(&set).await.unwrap();
    let spent = diff(&writer.session().request_counts(), &before);
    assert_eq!(
        spent,
        BTreeMap::from([(format!("GET {}", endpoint::USER), 1)])
    );
}

#[tokio::test]
async fn a_move_fails_only_the_users_the_unit_refused_with_the_servers_reason() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let writer = session.writer(snapshot(&session, &needs()).await.ids);
    // Small holds one agent (the boss, already there): Ann and Bob do not fit.
    let error = writer
        .execute(&Operation::MoveToManagementUnit {
            unit: Some("Small".into()),
            users: BTreeSet::from([
                email("boss@acme.example"),
                email("ann@acme.example"),
                email("bob@acme.example"),
            ]),
        })
        .await
        .unwrap_err();
    let GenesysError::MoveIncomplete { failed, moved, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(*moved, 1, "the boss was there already");
    assert_eq!(
        failed,
        &[
            (
                "ann@acme.example".to_owned(),
                "DestinationManagementUnitAgentLimitExceeded".to_owned()
            ),
            (
                "bob@acme.example".to_owned(),
                "DestinationManagementUnitAgentLimitExceeded".to_owned()
            ),
        ]
    );
    insta::assert_snapshot!(error.to_string(), @"2 users not moved to management unit `Small`: `ann@acme.example` (DestinationManagementUnitAgentLimitExceeded), `bob@acme.example` (DestinationManagementUnitAgentLimitExceeded); 1 moved (those moves stand); apply again once the reasons are fixed");

    // Into Indy and then out of WFM: success, twice over.
    for unit in [Some("Indy"), None, None] {
        writer
            .execute(&Operation::MoveToManagementUnit {
                unit: unit.map(str::to_owned),
                users: BTreeSet::from([email("ann@acme.example"), email("bob@acme.example")]),
            })
            .await
            .unwrap();
    }
    let live = snapshot(&client(&sandbox).session(), &needs()).await.live;
    assert_eq!(live.users[&email("ann@acme.example")].management_unit, None);
    assert_eq!(
        live.users[&email("jane.doe@acme.example")]
            .management_unit
            .as_deref(),
        Some("Indy")
    );
}

#[tokio::test]
async fn a_move_answered_202_is_confirmed_by_reading_the_units() {
    let sandbox = sandbox(SEED).await;
    // The harsher reading of an UNCONFIRMED answer: 202 without results, the move made later.
    control(
        &sandbox,
        Method::PUT,
        &format!("/__sandbox/orgs/{ORG}/faults"),
        &json!({ "agentMoveDelayMs": 300 }),
    )
    .await;
    let session = client(&sandbox).session();
    let writer = session.writer(snapshot(&session, &needs()).await.ids);
    let pair = BTreeSet::from([email("ann@acme.example"), email("bob@acme.example")]);
    let unit_of = async |who: &str| {
        snapshot(&client(&sandbox).session(), &needs())
            .await
            .live
            .users[&email(who)]
            .management_unit
            .clone()
    };

    let before = writer.session().request_counts();
    writer
        .execute(&Operation::MoveToManagementUnit {
            unit: Some("Indy".into()),
            users: pair.clone(),
        })
        .await
        .unwrap();
    let spent = diff(&writer.session().request_counts(), &before);
    assert_eq!(spent["POST /api/v2/workforcemanagement/agents"], 1);
    assert!(
        spent["GET /api/v2/workforcemanagement/managementunits/{managementUnitId}/users"] >= 1,
        "{spent:?}"
    );
    for who in ["ann@acme.example", "bob@acme.example"] {
        assert_eq!(unit_of(who).await.as_deref(), Some("Indy"), "{who}");
    }

    // Out of WFM: every unit's members are read to confirm it.
    writer
        .execute(&Operation::MoveToManagementUnit {
            unit: None,
            users: pair,
        })
        .await
        .unwrap();
    for who in ["ann@acme.example", "bob@acme.example"] {
        assert_eq!(unit_of(who).await, None, "{who}");
    }

    // A user the unit refuses never arrives: after the wait it fails, saying so.
    let error = writer
        .execute(&Operation::MoveToManagementUnit {
            unit: Some("Small".into()),
            users: BTreeSet::from([email("ann@acme.example")]),
        })
        .await
        .unwrap_err();
    let GenesysError::MoveIncomplete { failed, moved, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(*moved, 0);
    assert_eq!(
        failed,
        &[(
            "ann@acme.example".to_owned(),
            "accepted, but not moved after 2 s".to_owned()
        )]
    );
}

#[tokio::test]
async fn moves_go_in_calls_of_at_most_100_users() {
    let mut seed = String::from(
        "businessUnits:\n  - name: NA\n    managementUnits: [{ name: Big }]\nusers:\n",
    );
    for i in 0..150 {
        writeln!(
            seed,
            "  - {{ email: agent{i}@acme.example, name: Agent {i} }}"
        )
        .unwrap();
    }
    let sandbox = sandbox(&seed).await;
    let session = client(&sandbox).session();
    let live = snapshot(&session, &needs()).await;
    let users: BTreeSet<_> = live.live.users.keys().cloned().collect();
    assert_eq!(users.len(), 150);
    let writer = session.writer(live.ids);
    let before = writer.session().request_counts();
    writer
        .execute(&Operation::MoveToManagementUnit {
            unit: Some("Big".into()),
            users,
        })
        .await
        .unwrap();
    let spent = diff(&writer.session().request_counts(), &before);
    assert_eq!(
        spent,
        BTreeMap::from([("POST /api/v2/workforcemanagement/agents".to_owned(), 2)])
    );
    let live = snapshot(&client(&sandbox).session(), &needs()).await.live;
    assert!(
        live.users
            .values()
            .all(|u| u.management_unit.as_deref() == Some("Big"))
    );
}

#[tokio::test]
async fn stations_and_tokens_are_taken_away_and_doing_it_again_is_harmless() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let snap = snapshot(&session, &ReadNeeds::default()).await;
    let jane_id = snap.live.users[&email("jane.doe@acme.example")].id.clone();
    let writer = session.writer(snap.ids);
    let jane = email("jane.doe@acme.example");
    for _ in 0..2 {
        writer
            .execute(&Operation::DisassociateStation {
                email: jane.clone(),
            })
            .await
            .unwrap();
        writer
            .execute(&Operation::RevokeTokens {
                email: jane.clone(),
            })
            .await
            .unwrap();
    }
    let live = snapshot(&client(&sandbox).session(), &ReadNeeds::default())
        .await
        .live;
    assert_eq!(live.users[&jane].station, None);
    assert!(live.users[&email("boss@acme.example")].station.is_some());
    let revocations = control(
        &sandbox,
        Method::GET,
        &format!("/__sandbox/orgs/{ORG}/revocations"),
        &serde_json::Value::Null,
    )
    .await;
    let revoked: Vec<&str> = revocations["revocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userId"].as_str().unwrap())
        .collect();
    // The second revocation found no tokens (the sandbox answers 404, the harsher reading of
    // an UNCONFIRMED answer) and still succeeded.
    assert_eq!(revoked, [jane_id.as_str()]);
}

#[tokio::test]
async fn licences_are_inferred_from_roles_in_one_counted_request() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let live = snapshot(&session, &ReadNeeds::default()).await.live;
    let roles = vec![
        live.roles["Billing Agent"].id.clone(),
        live.roles["Supervisor"].id.clone(),
    ];
    let before = session.request_counts();
    let licences = session.infer_licences(&roles).await.unwrap();
    assert!(
        licences.contains("cx1") && licences.contains("cx3"),
        "{licences:?}"
    );
    assert_eq!(
        diff(&session.request_counts(), &before),
        BTreeMap::from([(format!("POST {}", endpoint::LICENCE_INFER), 1)])
    );
    let error = session
        .infer_licences(&["no-such-role".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
}

/// What was sent between two readings of a session's counts.
fn diff(after: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(route, count)| {
            (
                route.clone(),
                count - before.get(route).copied().unwrap_or(0),
            )
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}
