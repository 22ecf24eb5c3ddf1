//! One test per planning rule of DESIGN §2 and the plan issue.

use std::collections::{BTreeMap, BTreeSet};

use insta::assert_snapshot;
use roster_model::{
    GrantOrigin, Kind, MediaType, MediaUtilization, MemberOrigin, MemberPolicy, ProtectRule,
    RoleGrant, UnlistedUser, UnmanagedPolicy, UserState, Utilization,
};
use roster_plan::{Action, PlanError, PlanOptions, plan, render_text, simulate, stale_objects};

use crate::fixtures::*;

fn text(plan: &roster_plan::Plan) -> String {
    render_text(&roster_plan::PlanSet::new(vec![plan.clone()]), false)
}

#[test]
fn omitted_fields_are_left_alone_and_empty_ones_are_authoritative() {
    let mut live = live_org();
    live_skill(&mut live, "Billing");
    let jane = live_user(&mut live, "jane@acme.example");
    jane.skills.insert("Billing".into(), p(3));
    jane.title = Some("Agent".into());
    let mut desired = desired_org("test");
    skill(&mut desired, "Billing", &[]);
    user(&mut desired, "jane@acme.example");
    // Omitted: nothing to do.
    assert!(plan_ok(&desired, &live).is_empty());

    // Present but empty: every skill is removed; an empty title clears it.
    let jane = user(&mut desired, "jane@acme.example");
    jane.skills = Some(BTreeMap::new());
    jane.title = Some(String::new());
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan), @r#"
    #1 updateUser {"email":"jane@acme.example","patch":{"title":""}}
    #2 removeUserSkills {"email":"jane@acme.example","skills":["Billing"]}
    "#);
}

#[test]
fn unmanaged_members_stay_unless_the_queue_is_exclusive_and_group_members_always_stay() {
    let mut live = live_org();
    live_queue(&mut live, "Billing", "Home");
    for who in ["jane", "bob", "gus", "old"] {
        live_user(&mut live, &format!("{who}@acme.example"));
    }
    member(
        &mut live,
        "Billing",
        "bob@acme.example",
        MemberOrigin::Direct,
    );
    member(
        &mut live,
        "Billing",
        "gus@acme.example",
        MemberOrigin::Group(None),
    );
    member(
        &mut live,
        "Billing",
        "old@acme.example",
        MemberOrigin::Direct,
    );
    let mut desired = desired_org("test");
    queue(&mut desired, "Billing");
    user(&mut desired, "jane@acme.example").queues = Some(BTreeSet::from(["Billing".into()]));
    // A managed user whose queues field no longer lists Billing leaves it.
    user(&mut desired, "old@acme.example").queues = Some(BTreeSet::new());

    let additive = plan_ok(&desired, &live);
    assert_snapshot!("additive_members", steps(&additive));

    queue(&mut desired, "Billing").members = MemberPolicy::Exclusive;
    let exclusive = plan_ok(&desired, &live);
    assert_snapshot!("exclusive_members", steps(&exclusive));
    assert_snapshot!("exclusive_members_text", text(&exclusive));
}

#[test]
fn inherited_grants_are_never_written_and_home_division_is_the_default() {
    let mut live = live_org();
    let jane = live_user(&mut live, "jane@acme.example");
    jane.grants.insert(grant(
        "Employee",
        "Home",
        GrantOrigin::Group("Everyone".into()),
    ));
    jane.grants.insert(grant(
        "Supervisor",
        "Home",
        GrantOrigin::Group("Leads".into()),
    ));
    jane.grants
        .insert(grant("Agent", "Contact Center", GrantOrigin::Direct));
    let mut desired = desired_org("test");
    user(&mut desired, "jane@acme.example").roles = Some(BTreeSet::from([
        // Held through a group: satisfied, not granted directly.
        RoleGrant {
            role: "Employee".into(),
            division: None,
        },
        RoleGrant {
            role: "Agent".into(),
            division: None,
        },
    ]));
    let plan = plan_ok(&desired, &live);
    // Supervisor (inherited, undeclared) is not revoked; Agent moves to the home division.
    assert_snapshot!(steps(&plan), @r#"
    #1 grantRoles {"email":"jane@acme.example","grants":[{"role":"Agent","division":"Home"}]}
    #2 revokeRoles {"email":"jane@acme.example","grants":[{"role":"Agent","division":"Contact Center"}]}
    "#);
    assert_snapshot!("inherited_grants_text", text(&plan));
}

#[test]
fn a_skill_rename_is_one_change_that_moves_every_holder_before_the_delete() {
    let mut live = live_org();
    live_skill(&mut live, "Spanish Esc");
    // Managed skills, same proficiency: moved silently as part of the rename.
    live_user(&mut live, "jane@acme.example")
        .skills
        .insert("Spanish Esc".into(), p(3));
    // Unmanaged skills: moved with the same proficiency.
    live_user(&mut live, "bob@acme.example")
        .skills
        .insert("Spanish Esc".into(), p(4));
    // Not in any manifest: moved too.
    live_user(&mut live, "eve@acme.example")
        .skills
        .insert("Spanish Esc".into(), p(2));
    let mut desired = desired_org("test");
    desired.policy.unmanaged.users = UnmanagedPolicy::Ignore;
    skill(&mut desired, "Spanish Escalations", &["Spanish Esc"]);
    user(&mut desired, "jane@acme.example").skills =
        Some(BTreeMap::from([("Spanish Escalations".into(), p(3))]));
    user(&mut desired, "bob@acme.example");
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan), @r#"
    #1 createSkill {"name":"Spanish Escalations"}
    #2 setUserSkills {"email":"bob@acme.example","skills":{"Spanish Escalations":4}} after #1
    #3 setUserSkills {"email":"eve@acme.example","skills":{"Spanish Escalations":2}} after #1
    #4 setUserSkills {"email":"jane@acme.example","skills":{"Spanish Escalations":3}} after #1
    #5 deleteSkill {"name":"Spanish Esc"} after #1, #2, #3, #4
    "#);
    assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
    assert_eq!(
        plan.changes[0].action,
        Action::Rename {
            from: vec!["Spanish Esc".into()]
        }
    );
    assert_snapshot!("rename_text", text(&plan));
    // Renames do not count toward the delete limits.
    assert!(plan.blocked.is_none());
}

#[test]
fn prune_acts_only_inside_the_scope() {
    let mut live = live_org();
    live_queue(&mut live, "Old CC", "Contact Center");
    live_queue(&mut live, "Old Home", "Home");
    live_skill(&mut live, "Legacy");
    live_user(&mut live, "cc@acme.example").division = "Contact Center".into();
    live_user(&mut live, "home@acme.example");
    let mut desired = desired_org("test");
    desired.policy.unmanaged.queues = UnmanagedPolicy::Prune;
    desired.policy.unmanaged.skills = UnmanagedPolicy::Prune;
    desired.policy.unmanaged.users = UnmanagedPolicy::Prune;
    desired.policy.scope.divisions = vec!["Contact Center".into()];
    desired.policy.limits.max_delete_percent = 100;
    let plan = plan_ok(&desired, &live);
    // Skills have no division: they are in scope only when the home division is.
    assert_snapshot!("prune_scope_cc", text(&plan));

    desired.policy.scope.divisions.push("Home".into());
    let plan = plan_ok(&desired, &live);
    assert_snapshot!("prune_scope_cc_and_home", steps(&plan));
}

#[test]
fn protected_objects_are_never_deleted_or_deactivated() {
    let mut live = live_org();
    live_queue(&mut live, "Emergency Line", "Home");
    live_user(&mut live, "breakglass@acme.example");
    let mut desired = desired_org("test");
    desired.policy.unmanaged.queues = UnmanagedPolicy::Prune;
    desired.policy.scope.divisions = vec!["Home".into()];
    desired.policy.protect = vec![
        ProtectRule {
            kind: Kind::Queue,
            pattern: "Emergency*".into(),
        },
        ProtectRule {
            kind: Kind::User,
            pattern: "breakglass@*".into(),
        },
    ];
    user(&mut desired, "breakglass@acme.example").state = UserState::Inactive;
    let plan = plan_ok(&desired, &live);
    assert!(plan.is_empty());
    assert_snapshot!(text(&plan), @r"
    test: no changes; 0 reads

    warning: queue `Emergency Line`: unmanaged and under `prune`, but protected by `policy.protect` (`Emergency*`); kept
    warning: user `breakglass@acme.example`: `state: inactive` in the manifests, but protected by `policy.protect` (`breakglass@*`); not deactivated
    ");
}

#[test]
fn deletes_over_the_limits_block_the_plan_and_name_the_objects() {
    let mut live = live_org();
    for i in 0..5 {
        live_skill(&mut live, &format!("Old {i}"));
    }
    live_skill(&mut live, "Kept");
    let mut desired = desired_org("test");
    skill(&mut desired, "Kept", &[]);
    desired.policy.unmanaged.skills = UnmanagedPolicy::Prune;
    desired.policy.scope.divisions = vec!["Home".into()];
    desired.policy.limits.max_deletes = 3;
    desired.policy.limits.max_delete_percent = 100;
    let plan = plan_ok(&desired, &live);
    let blocked = plan.blocked.as_ref().expect("5 deletes > 3");
    assert_eq!(blocked.kinds[0].kind, Kind::Skill);
    assert_eq!(blocked.kinds[0].count, 5);
    assert_eq!(blocked.kinds[0].live, 6);
    let text = text(&plan).replace(&plan.digest, "<digest>");
    assert_snapshot!(text);

    desired.policy.limits.max_deletes = 5;
    assert!(plan_ok(&desired, &live).blocked.is_none());
    desired.policy.limits.max_delete_percent = 50;
    assert!(
        plan_ok(&desired, &live).blocked.is_some(),
        "5 of 6 is over 50%"
    );
}

#[test]
fn inactive_users_are_reactivated_only_when_allowed() {
    let mut live = live_org();
    live_skill(&mut live, "Billing");
    live_user(&mut live, "jane@acme.example").state = UserState::Inactive;
    let mut desired = desired_org("test");
    skill(&mut desired, "Billing", &[]);
    user(&mut desired, "jane@acme.example").skills =
        Some(BTreeMap::from([("Billing".into(), p(4))]));

    let warned = plan_ok(&desired, &live);
    assert!(warned.is_empty());
    assert_eq!(warned.warnings.len(), 1);
    assert_snapshot!(warned.warnings[0].message, @"inactive in the org but `state: active` in the manifests; left inactive: add `reactivate: true` to the user (or pass `--reactivate` with its email) to reactivate it");

    let options = PlanOptions {
        reactivate: BTreeSet::from([email("jane@acme.example")]),
        ..PlanOptions::default()
    };
    let by_flag = plan(&desired, &live, &options).unwrap();
    user(&mut desired, "jane@acme.example").reactivate = true;
    desired
        .users
        .get_mut(&email("jane@acme.example"))
        .unwrap()
        .skills = Some(BTreeMap::from([("Billing".into(), p(4))]));
    let by_manifest = plan_ok(&desired, &live);
    assert_eq!(steps(&by_flag), steps(&by_manifest));
    assert_snapshot!(steps(&by_manifest), @r#"
    #1 setUserState {"email":"jane@acme.example","state":"active"}
    #2 setUserSkills {"email":"jane@acme.example","skills":{"Billing":4}} after #1
    "#);
}

#[test]
fn offboarding_runs_in_order_each_step_after_the_previous() {
    let mut live = live_org();
    live_skill(&mut live, "Billing");
    live_team(&mut live, "Tier 2", "Home");
    live_queue(&mut live, "Billing", "Home");
    live_queue(&mut live, "Sales", "Home");
    let leaver = live_user(&mut live, "leaver@acme.example");
    leaver.skills.insert("Billing".into(), p(3));
    leaver.languages.insert("Spanish".into(), p(4));
    leaver.team = Some("Tier 2".into());
    leaver
        .grants
        .insert(grant("Agent", "Home", GrantOrigin::Direct));
    leaver
        .grants
        .insert(grant("Employee", "Home", GrantOrigin::Group("All".into())));
    leaver.phone.number = Some("+13175550100".into());
    leaver.phone.extension = Some("4100".into());
    leaver.station = Some("station-1".into());
    leaver.management_unit = Some("Billing MU".into());
    member(
        &mut live,
        "Billing",
        "leaver@acme.example",
        MemberOrigin::Direct,
    );
    member(
        &mut live,
        "Sales",
        "leaver@acme.example",
        MemberOrigin::Direct,
    );
    let mut desired = desired_org("test");
    skill(&mut desired, "Billing", &[]);
    queue(&mut desired, "Billing");
    team(&mut desired, "Tier 2");
    desired.policy.unmanaged.queues = UnmanagedPolicy::Ignore;
    desired.policy.unmanaged.languages = UnmanagedPolicy::Ignore;
    desired.policy.limits.max_delete_percent = 100;
    user(&mut desired, "leaver@acme.example").state = UserState::Inactive;
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan), @r#"
    #1 removeQueueMembers {"queue":"Billing","users":["leaver@acme.example"]}
    #2 removeQueueMembers {"queue":"Sales","users":["leaver@acme.example"]}
    #3 revokeRoles {"email":"leaver@acme.example","grants":[{"role":"Agent","division":"Home"}]} after #1, #2
    #4 removeUserSkills {"email":"leaver@acme.example","skills":["Billing"]} after #3
    #5 removeUserLanguages {"email":"leaver@acme.example","languages":["Spanish"]} after #4
    #6 removeTeamMembers {"team":"Tier 2","users":["leaver@acme.example"]} after #5
    #7 setUserPhone {"email":"leaver@acme.example","number":null,"extension":null} after #6
    #8 disassociateStation {"email":"leaver@acme.example"} after #7
    #9 moveToManagementUnit {"unit":null,"users":["leaver@acme.example"]} after #8
    #10 revokeTokens {"email":"leaver@acme.example"} after #9
    #11 setUserState {"email":"leaver@acme.example","state":"inactive"} after #10
    "#);
    assert_snapshot!("offboarding_text", text(&plan));

    // Already inactive: nothing.
    let mut gone = live.clone();
    gone.users
        .get_mut(&email("leaver@acme.example"))
        .unwrap()
        .state = UserState::Inactive;
    gone.queues.get_mut("Billing").unwrap().members = Some(BTreeMap::new());
    gone.queues.get_mut("Sales").unwrap().members = Some(BTreeMap::new());
    assert!(plan_ok(&desired, &gone).is_empty());
}

#[test]
fn a_manager_is_linked_after_both_users_exist() {
    let live = live_org();
    let mut desired = desired_org("test");
    user(&mut desired, "agent@acme.example").manager = Some(email("boss@acme.example"));
    user(&mut desired, "boss@acme.example").acd_auto_answer = Some(true);
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan), @r#"
    #1 createUser {"email":"agent@acme.example","name":"agent","division":null,"title":null,"department":null}
    #2 createUser {"email":"boss@acme.example","name":"boss","division":null,"title":null,"department":null}
    #3 updateUser {"email":"boss@acme.example","patch":{"acdAutoAnswer":true}} after #2
    #4 updateUser {"email":"agent@acme.example","patch":{"manager":"boss@acme.example"}} after #1, #2
    "#);
}

#[test]
fn new_objects_come_before_what_uses_them_with_precise_dependencies() {
    let live = live_org();
    let mut desired = desired_org("test");
    skill(&mut desired, "Billing", &[]);
    skill(&mut desired, "Sales", &[]);
    queue(&mut desired, "Billing").wrapup_codes = Some(BTreeSet::from(["Resolved".into()]));
    desired.wrapup_codes.insert(
        "Resolved".into(),
        roster_model::DesiredWrapupCode {
            name: "Resolved".into(),
            source: None,
        },
    );
    team(&mut desired, "Tier 2");
    let jane = user(&mut desired, "jane@acme.example");
    jane.skills = Some(BTreeMap::from([("Billing".into(), p(5))]));
    jane.queues = Some(BTreeSet::from(["Billing".into()]));
    jane.team = Some("Tier 2".into());
    jane.utilization = Some(Utilization::from([(
        MediaType::Call,
        MediaUtilization {
            capacity: 1,
            interruptible: BTreeSet::new(),
            include_non_acd: false,
        },
    )]));
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan));
}

#[test]
fn unresolved_references_are_all_reported_with_their_source() {
    let live = live_org();
    let mut desired = desired_org("test");
    let jane = user(&mut desired, "jane@acme.example");
    jane.manager = Some(email("ghost@acme.example"));
    jane.division = Some("Nowhere".into());
    jane.skills = Some(BTreeMap::from([("Undeclared".into(), p(1))]));
    jane.roles = Some(BTreeSet::from([RoleGrant {
        role: "Wizard".into(),
        division: None,
    }]));
    queue(&mut desired, "Billing").division = Some("Elsewhere".into());
    let Err(PlanError::Unresolved { problems, .. }) =
        plan(&desired, &live, &PlanOptions::default())
    else {
        panic!("references must not resolve");
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_snapshot!(text.join("\n"));
}

/// A created object must not differ only in case from a live one (Genesys names are taken
/// to be unique regardless of case; a skill "renamed" only in case too, since a skill rename
/// creates the new name first), and a looked-up name in the wrong case says how the org
/// spells it.
#[test]
fn names_that_differ_from_the_org_only_in_case_are_plan_errors() {
    let mut live = live_org();
    live_skill(&mut live, "Billing");
    live_skill(&mut live, "Old Sales");
    live_queue(&mut live, "Support", "Home");
    live_team(&mut live, "Tier 1", "Home");
    let mut desired = desired_org("test");
    skill(&mut desired, "billing", &[]);
    skill(&mut desired, "old sales", &["Old Sales"]);
    queue(&mut desired, "SUPPORT");
    team(&mut desired, "tier 1");
    let jane = user(&mut desired, "jane@acme.example");
    jane.division = Some("contact center".into());
    jane.roles = Some(BTreeSet::from([RoleGrant {
        role: "supervisor".into(),
        division: None,
    }]));
    let Err(PlanError::Unresolved { problems, .. }) =
        plan(&desired, &live, &PlanOptions::default())
    else {
        panic!("names differing only in case must not plan");
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_snapshot!(text.join("\n"));
}

/// A user's PATCH after its division moved costs a version read (the move does not answer
/// the new version); a PATCH planned before the move does not.
#[test]
fn a_patch_after_a_division_move_costs_a_version_read() {
    let mut live = live_org();
    live_user(&mut live, "boss@acme.example");
    live_user(&mut live, "jane@acme.example");
    let mut desired = desired_org("test");
    user(&mut desired, "boss@acme.example");
    let jane = user(&mut desired, "jane@acme.example");
    jane.division = Some("Contact Center".into());
    jane.title = Some("Lead".into());
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan), @r#"
    #1 updateUser {"email":"jane@acme.example","patch":{"title":"Lead"}}
    #2 moveUserDivision {"email":"jane@acme.example","division":"Contact Center"}
    "#);
    assert_eq!(plan.cost.writes, 2);

    let jane = desired.users.get_mut(&email("jane@acme.example")).unwrap();
    jane.manager = Some(email("boss@acme.example"));
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan), @r#"
    #1 moveUserDivision {"email":"jane@acme.example","division":"Contact Center"}
    #2 updateUser {"email":"jane@acme.example","patch":{"title":"Lead","manager":"boss@acme.example"}}
    "#);
    assert_eq!(plan.cost.writes, 3);
}

#[test]
fn utilization_not_read_is_set() {
    let mut live = live_org();
    live_user(&mut live, "jane@acme.example").utilization = None;
    let mut desired = desired_org("test");
    user(&mut desired, "jane@acme.example").utilization = Some(Utilization::new());
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(steps(&plan), @r#"#1 setUtilization {"email":"jane@acme.example","utilization":{}}"#);
    live.users
        .get_mut(&email("jane@acme.example"))
        .unwrap()
        .utilization = Some(Utilization::new());
    assert!(plan_ok(&desired, &live).is_empty());
}

#[test]
fn utilization_equal_to_the_org_defaults_is_not_a_change() {
    use roster_model::{MediaType, MediaUtilization};
    let media = |capacity: u8| MediaUtilization {
        capacity,
        interruptible: std::collections::BTreeSet::new(),
        include_non_acd: false,
    };
    let mut live = live_org();
    live.default_utilization =
        Utilization::from([(MediaType::Call, media(1)), (MediaType::Email, media(1))]);
    // Genesys reads back only what differs from the defaults: email 2.
    live_user(&mut live, "jane@acme.example").utilization =
        Some(Utilization::from([(MediaType::Email, media(2))]));
    let mut desired = desired_org("test");
    user(&mut desired, "jane@acme.example").utilization = Some(Utilization::from([
        (MediaType::Call, media(1)),
        (MediaType::Email, media(2)),
    ]));
    assert!(plan_ok(&desired, &live).is_empty());
    // A real difference is still a change, and the whole declared map is written.
    user(&mut desired, "jane@acme.example").utilization = Some(Utilization::from([
        (MediaType::Call, media(2)),
        (MediaType::Email, media(2)),
    ]));
    assert_snapshot!(steps(&plan_ok(&desired, &live)), @r#"#1 setUtilization {"email":"jane@acme.example","utilization":{"call":{"capacity":2,"interruptible":[],"includeNonAcd":false},"email":{"capacity":2,"interruptible":[],"includeNonAcd":false}}}"#);
}

#[test]
fn the_same_inputs_give_the_same_plan_and_digest() {
    let (desired, live) = crate::example::example();
    let a = plan_ok(&desired, &live);
    let b = plan_ok(&desired.clone(), &live.clone());
    assert_eq!(
        roster_plan::render_json(&roster_plan::PlanSet::new(vec![a.clone()])),
        roster_plan::render_json(&roster_plan::PlanSet::new(vec![b]))
    );
    assert!(a.digest_is_valid());
    assert_eq!(a.digest.len(), 64);
    // Step ids are 1..=n, every dependency points backwards.
    for (index, step) in a.steps.iter().enumerate() {
        assert_eq!(step.id.0 as usize, index + 1);
        assert!(step.depends_on.iter().all(|d| *d < step.id));
    }
    // Any edit to the steps changes the digest.
    let mut edited = a.clone();
    edited.steps.pop();
    assert!(!edited.digest_is_valid());
    let mut other_org = a.clone();
    other_org.org = "prod-eu".into();
    assert!(!other_org.digest_is_valid());
}

#[test]
fn stale_objects_are_the_touched_ones_that_changed() {
    let (desired, live) = crate::example::example();
    let plan = plan_ok(&desired, &live);
    assert!(stale_objects(&plan, &live).is_empty());
    // Applying the plan changes every touched object.
    assert!(!stale_objects(&plan, &simulate(&live, &plan.steps)).is_empty());

    let mut fresh = live.clone();
    // A touched user's skills changed without its version moving.
    fresh
        .users
        .get_mut(&email("jane.doe@acme.example"))
        .unwrap()
        .skills
        .insert("Sales".into(), p(1));
    // A touched user's version moved.
    fresh
        .users
        .get_mut(&email("amy@acme.example"))
        .unwrap()
        .version += 1;
    // Someone created the skill the plan creates.
    live_skill(&mut fresh, "Spanish Escalations");
    // An untouched user changed: irrelevant.
    fresh
        .users
        .get_mut(&email("contractor@acme.example"))
        .unwrap()
        .title = Some("Contractor".into());
    let stale = stale_objects(&plan, &fresh);
    let text: Vec<String> = stale
        .iter()
        .map(|s| format!("{} `{}`: {}", s.kind, s.key, s.reason))
        .collect();
    assert_snapshot!(text.join("\n"), @r"
    skill `Spanish Escalations`: created since the plan was made
    user `amy@acme.example`: version 7 → 8
    user `jane.doe@acme.example`: changed since the plan was made
    ");
}

#[test]
fn a_protected_old_skill_is_kept_and_the_rename_settles() {
    let mut live = live_org();
    live_skill(&mut live, "Spanish Esc");
    live_user(&mut live, "bob@acme.example")
        .skills
        .insert("Spanish Esc".into(), p(4));
    let mut desired = desired_org("test");
    skill(&mut desired, "Spanish Escalations", &["Spanish Esc"]);
    user(&mut desired, "bob@acme.example");
    desired.policy.protect = vec![ProtectRule {
        kind: Kind::Skill,
        pattern: "Spanish Esc".into(),
    }];
    let first = plan_ok(&desired, &live);
    assert_snapshot!(steps(&first), @r#"
    #1 createSkill {"name":"Spanish Escalations"}
    #2 setUserSkills {"email":"bob@acme.example","skills":{"Spanish Escalations":4}} after #1
    "#);
    assert_eq!(first.warnings.len(), 1);
    let second = plan_ok(&desired, &simulate(&live, &first.steps));
    assert!(second.is_empty());
    assert!(second.changes.is_empty(), "{:?}", second.changes);
}

#[test]
fn live_users_without_a_usable_email_are_warnings_and_never_planned() {
    let mut live = live_org();
    live_user(&mut live, "jane@acme.example");
    // Listed by the org in this order; the plan's order does not depend on it.
    live.unlisted_users = vec![
        UnlistedUser {
            id: "7f3e0c9a-0000-4000-8000-000000000002".into(),
            name: "Printer Kiosk".into(),
            email: None,
        },
        UnlistedUser {
            id: "7f3e0c9a-0000-4000-8000-000000000001".into(),
            name: "Old Import".into(),
            email: Some("old.import@@acme".into()),
        },
    ];
    let mut desired = desired_org("test");
    user(&mut desired, "jane@acme.example");
    // Not even pruning touches them: there is nothing to key an operation by.
    desired.policy.unmanaged.users = UnmanagedPolicy::Prune;
    desired.policy.scope.divisions = vec!["Home".into()];

    let plan = plan_ok(&desired, &live);
    assert!(plan.is_empty(), "{}", steps(&plan));
    let keys: Vec<(Kind, &str)> = plan
        .warnings
        .iter()
        .map(|w| (w.kind, w.key.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (Kind::User, "7f3e0c9a-0000-4000-8000-000000000002"),
            (Kind::User, "old.import@@acme"),
        ]
    );
    let mut reversed = live.clone();
    reversed.unlisted_users.reverse();
    assert_eq!(plan_ok(&desired, &reversed).warnings, plan.warnings);
    assert_snapshot!("unlisted_users_text", text(&plan));
    // The pull-request comment and the JSON plan carry them too.
    let set = roster_plan::PlanSet::new(vec![plan]);
    let markdown = roster_plan::render_markdown(&set);
    assert!(
        markdown.contains("warning: user `old.import@@acme`: the org has a user `Old Import`"),
        "{markdown}"
    );
    let json: serde_json::Value = serde_json::from_str(&roster_plan::render_json(&set)).unwrap();
    assert_eq!(
        json["orgs"][0]["warnings"][1],
        serde_json::json!({
            "kind": "user",
            "key": "old.import@@acme",
            "message": set.orgs[0].warnings[1].message,
        })
    );
}

/// `policy.ownedElsewhere` (issue #15): fields an identity provider owns never become a step;
/// each difference is a warning on the user. Without the policy the same manifests write
/// every one of them, so the test cannot pass by planning nothing.
#[test]
fn fields_owned_elsewhere_are_reported_and_never_written() {
    use roster_model::UserField;
    let mut live = live_org();
    let jane = live_user(&mut live, "jane@acme.example");
    jane.title = Some("Agent".into());
    jane.department = Some("Sales".into());
    let mut desired = desired_org("test");
    let user_jane = user(&mut desired, "jane@acme.example");
    user_jane.name = "Jane Doe".into();
    user_jane.title = Some("Senior Agent".into());
    user_jane.department = Some("Billing".into());
    user_jane.state = UserState::Inactive;
    let unowned = plan_ok(&desired, &live);
    assert!(
        !unowned.steps.is_empty(),
        "without the policy the fields are written"
    );

    desired.policy.owned_elsewhere = UserField::ALL.into_iter().collect();
    let owned = plan_ok(&desired, &live);
    assert!(owned.steps.is_empty(), "{}", steps(&owned));
    let warnings: Vec<(&str, &str)> = owned
        .warnings
        .iter()
        .map(|w| (w.key.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [(
            "jane@acme.example",
            "owned elsewhere (`policy.ownedElsewhere`), so not written: `name` is `jane` in the \
             org, `Jane Doe` in the manifests; `title` is `Agent` in the org, `Senior Agent` in \
             the manifests; `department` is `Sales` in the org, `Billing` in the manifests; \
             `state` is `active` in the org, `inactive` in the manifests"
        )]
    );

    // Only `title` owned, user kept active: the department is written, the title is not.
    desired.policy.owned_elsewhere = [UserField::Title].into_iter().collect();
    desired
        .users
        .get_mut(&email("jane@acme.example"))
        .unwrap()
        .state = UserState::Active;
    let partly = plan_ok(&desired, &live);
    let written = steps(&partly);
    assert!(written.contains("Billing"), "{written}");
    assert!(!written.contains("Senior Agent"), "{written}");
}
