//! Numbers, extensions and management units (DESIGN §2.10, issue #17): pool allocation,
//! the checks that make a plan an error, moves batched by destination, and re-plans to zero.

#![allow(
    clippy::unnecessary_wraps,
    reason = "the builders return what the model's optional fields hold"
)]

use std::collections::BTreeSet;

use insta::assert_snapshot;
use roster_model::{
    DesiredPhone, DesiredWfm, LiveDidPool, LiveExtensionPool, LiveManagementUnit, LiveOrg,
    NumberChoice, Operation, PhoneNumber, Telephony, UserState, Wfm,
};
use roster_plan::{PlanError, PlanOptions, plan, simulate};

use crate::fixtures::{desired_org, email, live_org, live_user, plan_ok, source, steps, user};

fn number(raw: &str) -> PhoneNumber {
    PhoneNumber::parse(raw).unwrap()
}

/// An org with the DID pool `Indianapolis` (+13175550100–0119, where 0100, 0101 and 0104 are
/// held by phones), the extension pool 4000–4099, and the units `Billing MU` and `Sales MU`.
fn org() -> LiveOrg {
    let mut live = live_org();
    let held = ["+13175550100", "+13175550101", "+13175550104"];
    let unassigned: BTreeSet<PhoneNumber> = (100..120)
        .map(|n| number(&format!("+1317555{n:04}")))
        .filter(|n| !held.contains(&n.as_str()))
        .collect();
    let mut telephony = Telephony::default();
    telephony.did_pools.insert(
        "Indianapolis".into(),
        LiveDidPool {
            id: "pool-indy".into(),
            name: "Indianapolis".into(),
            start: number("+13175550100"),
            end: number("+13175550119"),
            unassigned: Some(unassigned),
        },
    );
    telephony.extension_pools.push(LiveExtensionPool {
        id: "ext".into(),
        start: "4000".into(),
        end: "4099".into(),
    });
    live.telephony = Some(telephony);
    let mut wfm = Wfm::default();
    for name in ["Billing MU", "Sales MU"] {
        wfm.management_units.insert(
            name.into(),
            LiveManagementUnit {
                id: format!("mu-{name}"),
                name: name.into(),
                business_unit: "Contact Center BU".into(),
            },
        );
    }
    live.wfm = Some(wfm);
    live
}

fn phone(number: Option<NumberChoice>, extension: Option<&str>) -> Option<DesiredPhone> {
    Some(DesiredPhone {
        number,
        extension: extension.map(str::to_owned),
        source: source("orgs/test/users.yaml", 7),
    })
}

fn pool(name: &str) -> Option<NumberChoice> {
    Some(NumberChoice::Pool(name.into()))
}

fn explicit(raw: &str) -> Option<NumberChoice> {
    Some(NumberChoice::Number(number(raw)))
}

fn wfm(unit: &str) -> Option<DesiredWfm> {
    Some(DesiredWfm {
        management_unit: unit.into(),
        source: source("orgs/test/users.yaml", 9),
    })
}

fn problems(desired: &roster_model::DesiredOrg, live: &LiveOrg) -> String {
    match plan(desired, live, &PlanOptions::default()) {
        Err(PlanError::Unresolved { problems, .. }) => problems
            .iter()
            .map(|p| format!("{p}\n  hint: {}", p.hint.as_deref().unwrap_or("-")))
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("expected unresolved references, got {other:?}"),
    }
}

#[test]
fn ten_new_users_from_a_pool_get_ten_distinct_numbers_and_replan_to_zero() {
    let live = org();
    let mut desired = desired_org("test");
    for i in 0..10 {
        user(&mut desired, &format!("agent{i:02}@acme.example")).phone =
            phone(pool("Indianapolis"), None);
    }
    let first = plan_ok(&desired, &live);
    let numbers: Vec<String> = first
        .steps
        .iter()
        .filter_map(|s| match &s.operation {
            Operation::SetUserPhone { number, .. } => number.as_ref().map(ToString::to_string),
            _ => None,
        })
        .collect();
    let distinct: BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(numbers.len(), 10, "{}", steps(&first));
    assert_eq!(distinct.len(), 10, "two users got one number: {numbers:?}");
    // The lowest free numbers, in email order, skipping the ones phones hold.
    assert_eq!(numbers[0], "+13175550102");
    assert_eq!(numbers[1], "+13175550103");
    assert_eq!(numbers[2], "+13175550105");
    assert_eq!(numbers[9], "+13175550112");
    // The plan says where each number came from.
    let note = &first.changes[0].notes;
    assert!(
        note.iter()
            .any(|n| n.contains("lowest free number of DID pool `Indianapolis`")),
        "{note:?}"
    );

    let applied = simulate(&live, &first.steps);
    let second = plan_ok(&desired, &applied);
    assert!(second.is_empty(), "{}", steps(&second));
}

#[test]
fn a_user_already_holding_a_pool_number_keeps_it() {
    let mut live = org();
    live_user(&mut live, "jane@acme.example").phone.number = Some("+13175550117".into());
    let mut desired = desired_org("test");
    user(&mut desired, "jane@acme.example").phone = phone(pool("Indianapolis"), None);
    assert!(plan_ok(&desired, &live).is_empty());
}

#[test]
fn declared_numbers_and_extensions_are_set_and_replan_to_zero() {
    let mut live = org();
    live_user(&mut live, "jane@acme.example").phone.number = Some("+13175550106".into());
    let mut desired = desired_org("test");
    user(&mut desired, "jane@acme.example").phone = phone(explicit("+13175550107"), Some("4010"));
    user(&mut desired, "new@acme.example").phone = phone(None, Some("4011"));
    let first = plan_ok(&desired, &live);
    assert_snapshot!(steps(&first), @r#"
    #1 createUser {"email":"new@acme.example","name":"new","division":null,"title":null,"department":null}
    #2 setUserPhone {"email":"jane@acme.example","number":"+13175550107","extension":"4010"}
    #3 setUserPhone {"email":"new@acme.example","number":null,"extension":"4011"} after #1
    "#);
    let applied = simulate(&live, &first.steps);
    assert!(plan_ok(&desired, &applied).is_empty());

    // `phone: {}` frees both.
    user(&mut desired, "jane@acme.example").phone = phone(None, None);
    let cleared = plan_ok(&desired, &applied);
    assert!(
        steps(&cleared).contains(
            r#"setUserPhone {"email":"jane@acme.example","number":null,"extension":null}"#
        )
    );
}

#[test]
fn a_number_taken_from_a_user_who_moves_off_it_waits_for_that_move() {
    let mut live = org();
    live_user(&mut live, "old@acme.example").phone.number = Some("+13175550106".into());
    live_user(&mut live, "new@acme.example");
    let mut desired = desired_org("test");
    user(&mut desired, "old@acme.example").phone = phone(explicit("+13175550107"), None);
    user(&mut desired, "new@acme.example").phone = phone(explicit("+13175550106"), None);
    assert_snapshot!(steps(&plan_ok(&desired, &live)), @r#"
    #1 setUserPhone {"email":"old@acme.example","number":"+13175550107","extension":null}
    #2 setUserPhone {"email":"new@acme.example","number":"+13175550106","extension":null} after #1
    "#);

    // From a leaver, it waits for the offboarding step that frees it.
    user(&mut desired, "old@acme.example").phone = None;
    user(&mut desired, "old@acme.example").state = UserState::Inactive;
    let offboarding = steps(&plan_ok(&desired, &live));
    assert!(
        offboarding.contains(
            r#"setUserPhone {"email":"new@acme.example","number":"+13175550106","extension":null} after #1"#
        ) && offboarding.starts_with(
            r#"#1 setUserPhone {"email":"old@acme.example","number":null,"extension":null}"#
        ),
        "{offboarding}"
    );
}

#[test]
fn bad_numbers_pools_and_units_are_errors_at_their_manifest_lines() {
    let mut live = org();
    live_user(&mut live, "holder@acme.example").phone.number = Some("+13175550108".into());
    let mut desired = desired_org("test");
    user(&mut desired, "holder@acme.example");
    user(&mut desired, "a@acme.example").phone = phone(pool("Indianapols"), None);
    user(&mut desired, "b@acme.example").phone = phone(explicit("+13175559999"), Some("5000"));
    user(&mut desired, "c@acme.example").phone = phone(explicit("+13175550108"), None);
    user(&mut desired, "d@acme.example").phone = phone(explicit("+13175550109"), Some("4001"));
    user(&mut desired, "e@acme.example").phone = phone(explicit("+13175550109"), Some("4001"));
    user(&mut desired, "f@acme.example").wfm = wfm("Biling MU");
    assert_snapshot!(problems(&desired, &live), @r"
    orgs/test/users.yaml:7:5: user `a@acme.example`: DID pool `Indianapols` does not exist in the org; did you mean `Indianapolis`?
      hint: create the pool in the org (Telephony > DID Numbers), or fix the name
    orgs/test/users.yaml:7:5: user `b@acme.example`: extension 5000 lies in none of the org's extension pools
      hint: add it to an extension pool in the org (Telephony > Extensions), or pick one inside a pool
    orgs/test/users.yaml:7:5: user `b@acme.example`: number +13175559999 lies in none of the org's DID pools
      hint: pick a number in a pool (`Indianapolis` +13175550100–+13175550119)
    orgs/test/users.yaml:7:5: user `c@acme.example`: number +13175550108 belongs to `holder@acme.example` in the org
      hint: declare another number for `holder@acme.example` (or offboard them) in the same change, or pick a free one
    orgs/test/users.yaml:7:5: user `e@acme.example`: extension 4001 is also declared for `d@acme.example`
      hint: give each user an extension of their own
    orgs/test/users.yaml:7:5: user `e@acme.example`: number +13175550109 is also declared for `d@acme.example`
      hint: give each user a number of their own
    orgs/test/users.yaml:9:5: user `f@acme.example`: management unit `Biling MU` does not exist in the org; did you mean `Billing MU`?
      hint: create it in WFM (Admin > Workforce Management), or fix the name; roster does not create management units
    ");
}

#[test]
fn an_exhausted_pool_says_how_many_numbers_it_lacks() {
    let live = org();
    let mut desired = desired_org("test");
    // 17 free numbers; 20 users.
    for i in 0..20 {
        user(&mut desired, &format!("agent{i:02}@acme.example")).phone =
            phone(pool("Indianapolis"), None);
    }
    assert_snapshot!(problems(&desired, &live), @r"
    orgs/test/users.yaml:7:5: user `agent17@acme.example`: DID pool `Indianapolis` has 17 free numbers for the 20 users that take a number from it: it lacks 3
      hint: extend the pool's range in the org (+13175550100 to +13175550119 today), or take these users' numbers from another pool
    ");
}

#[test]
fn management_unit_moves_are_batched_by_destination_and_replan_to_zero() {
    let mut live = org();
    let mut desired = desired_org("test");
    for i in 0..150 {
        let address = format!("billing{i:03}@acme.example");
        live_user(&mut live, &address).management_unit = Some("Sales MU".into());
        user(&mut desired, &address).wfm = wfm("Billing MU");
    }
    live_user(&mut live, "sales@acme.example").management_unit = Some("Sales MU".into());
    user(&mut desired, "sales@acme.example").wfm = wfm("Sales MU");
    user(&mut desired, "new@acme.example").wfm = wfm("Sales MU");
    let first = plan_ok(&desired, &live);
    let moves: Vec<(Option<String>, usize)> = first
        .steps
        .iter()
        .filter_map(|s| match &s.operation {
            Operation::MoveToManagementUnit { unit, users } => Some((unit.clone(), users.len())),
            _ => None,
        })
        .collect();
    assert_eq!(
        moves,
        [
            (Some("Billing MU".into()), 100),
            (Some("Billing MU".into()), 50),
            (Some("Sales MU".into()), 1)
        ]
    );
    // The new user's move waits for its creation.
    let create = first
        .steps
        .iter()
        .find(|s| matches!(s.operation, Operation::CreateUser { .. }))
        .unwrap();
    let sales = first.steps.last().unwrap();
    assert_eq!(sales.depends_on, [create.id], "{}", steps(&first));
    let applied = simulate(&live, &first.steps);
    assert!(plan_ok(&desired, &applied).is_empty());
    assert_eq!(
        applied.users[&email("billing000@acme.example")]
            .management_unit
            .as_deref(),
        Some("Billing MU")
    );
}

#[test]
fn role_changes_show_their_licence_impact_and_a_limit_blocks_the_plan() {
    use roster_model::{GrantOrigin, LicenceDefinition, RoleGrant};
    use roster_plan::{
        RecentChanges, licence_impact, render_text, role_changes, role_sets_before_and_after,
    };

    use crate::fixtures::grant;

    let mut live = org();
    for who in ["ana", "ben", "cy"] {
        live_user(&mut live, &format!("{who}@acme.example"))
            .grants
            .insert(grant("Agent", "Home", GrantOrigin::Direct));
    }
    live_user(&mut live, "lead@acme.example")
        .grants
        .insert(grant("Supervisor", "Home", GrantOrigin::Direct));
    let mut desired = desired_org("test");
    let roles = |names: &[&str]| {
        Some(
            names
                .iter()
                .map(|r| RoleGrant {
                    role: (*r).to_owned(),
                    division: Some("Home".into()),
                })
                .collect::<BTreeSet<_>>(),
        )
    };
    for who in ["ana", "ben", "cy"] {
        user(&mut desired, &format!("{who}@acme.example")).roles = roles(&["Supervisor"]);
    }
    user(&mut desired, "lead@acme.example").roles = roles(&["Agent"]);
    let plan = plan_ok(&desired, &live);
    let changes = role_changes(&plan.steps, &live);
    assert_eq!(changes.len(), 4, "{changes:?}");
    // What the org's licence inference answers for each role set.
    let agent: BTreeSet<String> = BTreeSet::from(["Agent".to_owned()]);
    let supervisor: BTreeSet<String> = BTreeSet::from(["Supervisor".to_owned()]);
    assert_eq!(
        role_sets_before_and_after(&changes),
        BTreeSet::from([agent.clone(), supervisor.clone()])
    );
    let inferred = std::collections::BTreeMap::from([
        (agent, BTreeSet::from(["cx2".to_owned()])),
        (supervisor, BTreeSet::from(["cx3".to_owned()])),
    ]);
    let definitions = [
        LicenceDefinition {
            id: "cx2".into(),
            description: Some("CX 2".into()),
            comprises: Vec::new(),
        },
        LicenceDefinition {
            id: "cx3".into(),
            description: Some("CX 3".into()),
            comprises: vec!["cx2".into()],
        },
    ];
    let impact = licence_impact(&changes, &inferred, &definitions);
    assert_eq!(
        impact.summary(),
        "adds 1 × CX 2, 3 × CX 3, frees 3 × CX 2, 1 × CX 3"
    );

    // The three upgrades raise cost; the lead's CX 3 → CX 2 does not (CX 3 includes CX 2).
    assert_eq!(impact.increase, 3);

    let unlimited = plan
        .clone()
        .with_licences(impact.clone(), &live, &RecentChanges::default());
    assert!(unlimited.blocked.is_none());
    assert!(unlimited.digest_is_valid());
    // The impact a reviewer saw is part of what the digest binds.
    assert_ne!(unlimited.digest, plan.digest);
    let mut edited = unlimited.clone();
    edited.licences.as_mut().unwrap().increase = 0;
    assert!(!edited.digest_is_valid());

    let mut limited = plan;
    limited.policy.limits.licence_increase = Some(2);
    let limited = limited.with_licences(impact, &live, &RecentChanges::default());
    let over = limited.blocked.as_ref().and_then(|b| b.licences.as_ref());
    assert_eq!(over.map(|o| (o.added, o.max)), Some((3, 2)));
    let text = render_text(&roster_plan::PlanSet::new(vec![limited]), false);
    assert!(
        text.contains(
            "licences: adds 1 × CX 2, 3 × CX 3, frees 3 × CX 2, 1 × CX 3 (licences follow roles; roster assigns none)"
        ) && text.contains("    ana@acme.example: CX 2 → CX 3")
            && text.contains("3 licences would be added (licenceIncrease 2)"),
        "{text}"
    );
}

#[test]
fn two_users_swapping_numbers_is_an_error_that_says_to_apply_in_two_changes() {
    let mut live = org();
    live_user(&mut live, "ann@acme.example").phone.number = Some("+13175550106".into());
    live_user(&mut live, "bob@acme.example").phone.number = Some("+13175550107".into());
    let mut desired = desired_org("test");
    user(&mut desired, "ann@acme.example").phone = phone(explicit("+13175550107"), None);
    user(&mut desired, "bob@acme.example").phone = phone(explicit("+13175550106"), None);
    assert_snapshot!(problems(&desired, &live), @r"
    orgs/test/users.yaml:7:5: user `ann@acme.example`: swaps its number with `bob@acme.example` (+13175550107): one plan cannot give each the other's, since each must be free first
      hint: apply in two changes: first give `bob@acme.example` another number (or none), then the swap
    ");
}

#[test]
fn a_reactivated_user_gets_its_former_pool_number_back_when_it_is_still_free() {
    let mut live = org();
    live_user(&mut live, "back@acme.example").state = UserState::Inactive;
    let mut desired = desired_org("test");
    let back = user(&mut desired, "back@acme.example");
    back.reactivate = true;
    back.phone = phone(pool("Indianapolis"), None);
    user(&mut desired, "aaron@acme.example").phone = phone(pool("Indianapolis"), None);
    let options = PlanOptions {
        former_numbers: [(email("back@acme.example"), number("+13175550110"))].into(),
        ..PlanOptions::default()
    };
    let plan = plan(&desired, &live, &options).unwrap();
    let numbers: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.operation {
            Operation::SetUserPhone { email, number, .. } => {
                Some(format!("{email} {}", number.as_ref().unwrap()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        numbers,
        [
            "aaron@acme.example +13175550102",
            "back@acme.example +13175550110"
        ]
    );

    // Taken in the meantime (no longer unassigned): the lowest free one instead.
    let mut taken = live.clone();
    if let Some(pool) = taken
        .telephony
        .as_mut()
        .and_then(|t| t.did_pools.get_mut("Indianapolis"))
    {
        pool.unassigned
            .as_mut()
            .unwrap()
            .remove(&number("+13175550110"));
    }
    let plan = roster_plan::plan(&desired, &taken, &options).unwrap();
    assert!(
        steps(&plan).contains(r#""email":"back@acme.example","number":"+13175550103""#),
        "{}",
        steps(&plan)
    );
}

#[test]
fn leavers_leave_their_units_in_one_bulk_move_between_their_station_and_their_tokens() {
    let mut live = org();
    let mut desired = desired_org("test");
    for who in ["ann", "bob"] {
        let address = format!("{who}@acme.example");
        live_user(&mut live, &address).management_unit = Some("Billing MU".into());
        user(&mut desired, &address).state = UserState::Inactive;
    }
    live_user(&mut live, "cy@acme.example").station = Some("station-cy".into());
    user(&mut desired, "cy@acme.example").state = UserState::Inactive;
    assert_snapshot!(steps(&plan_ok(&desired, &live)), @r#"
    #1 moveToManagementUnit {"unit":null,"users":["ann@acme.example","bob@acme.example"]}
    #2 revokeTokens {"email":"ann@acme.example"} after #1
    #3 setUserState {"email":"ann@acme.example","state":"inactive"} after #2
    #4 revokeTokens {"email":"bob@acme.example"} after #1
    #5 setUserState {"email":"bob@acme.example","state":"inactive"} after #4
    #6 disassociateStation {"email":"cy@acme.example"}
    #7 revokeTokens {"email":"cy@acme.example"} after #6
    #8 setUserState {"email":"cy@acme.example","state":"inactive"} after #7
    "#);
}

#[test]
fn a_declared_number_a_phone_or_an_ivr_holds_is_an_error_when_planning() {
    let mut live = org();
    live_user(&mut live, "holder@acme.example").phone.number = Some("+13175550106".into());
    let mut desired = desired_org("test");
    user(&mut desired, "ann@acme.example").phone = phone(explicit("+13175550104"), None);
    assert_snapshot!(problems(&desired, &live), @r"
    orgs/test/users.yaml:7:5: user `ann@acme.example`: number +13175550104 is assigned in the org, but to no user's direct number: a phone, an IVR, a group or another of a user's addresses holds it
      hint: pick a free number of the pool, or free this one in the org first
    ");
    // A number a user holds is that user's: the holder rule says so, not this one.
    user(&mut desired, "ann@acme.example").phone = phone(explicit("+13175550106"), None);
    let text = problems(&desired, &live);
    assert!(
        text.contains("belongs to `holder@acme.example`") && !text.contains("to no user"),
        "{text}"
    );
}
