//! What managed users hold through groups: summarized per group, counted over managed users
//! and managed queues only, never written, and noted on a leaver's deactivation.

use std::collections::BTreeSet;

use insta::{assert_json_snapshot, assert_snapshot};
use roster_model::{GrantOrigin, MemberOrigin, UnmanagedPolicy, UserState};
use roster_plan::{PlanSet, render_text};

use crate::fixtures::*;

#[test]
fn groups_are_summarized_per_group_over_managed_users_and_queues_only() {
    let mut live = live_org();
    live_queue(&mut live, "Spanish Line", "Home");
    // Not declared: its members were read (offboarding reads every queue) but do not count.
    live_queue(&mut live, "Outbound", "Home");
    let managed = ["ana", "ben", "cy", "dee", "eve"];
    for who in managed {
        let address = format!("{who}@acme.example");
        live_user(&mut live, &address).grants.insert(grant(
            "Employee",
            "Home",
            GrantOrigin::Group("Everyone".into()),
        ));
    }
    // Unmanaged: in the same group, not counted.
    live_user(&mut live, "zed@acme.example")
        .grants
        .insert(grant(
            "Employee",
            "Home",
            GrantOrigin::Group("Everyone".into()),
        ));
    live_user(&mut live, "lead@acme.example")
        .grants
        .insert(grant(
            "Supervisor",
            "Contact Center",
            GrantOrigin::Group("Team Leads".into()),
        ));
    // A leaver keeps what groups give it: noted on its deactivation, not counted above.
    let leaver = live_user(&mut live, "leaver@acme.example");
    leaver.grants.insert(grant(
        "Supervisor",
        "Contact Center",
        GrantOrigin::Group("Team Leads".into()),
    ));
    // Ben's group is one the org does not name.
    let spanish = || MemberOrigin::Group(Some("Spanish Speakers".into()));
    for (who, origin) in [
        ("ana", spanish()),
        ("ben", MemberOrigin::Group(None)),
        ("zed", spanish()),
        ("leaver", spanish()),
    ] {
        let address = format!("{who}@acme.example");
        member(&mut live, "Spanish Line", &address, origin.clone());
        member(&mut live, "Outbound", &address, origin);
    }
    // A direct member is not inherited.
    member(
        &mut live,
        "Spanish Line",
        "cy@acme.example",
        MemberOrigin::Direct,
    );

    let mut desired = desired_org("test");
    desired.policy.unmanaged.users = UnmanagedPolicy::Ignore;
    desired.policy.unmanaged.queues = UnmanagedPolicy::Ignore;
    desired.policy.limits.max_delete_percent = 100;
    queue(&mut desired, "Spanish Line");
    for who in managed {
        user(&mut desired, &format!("{who}@acme.example"));
    }
    user(&mut desired, "cy@acme.example").queues = Some(BTreeSet::from(["Spanish Line".into()]));
    user(&mut desired, "lead@acme.example");
    user(&mut desired, "leaver@acme.example").state = UserState::Inactive;

    let plan = plan_ok(&desired, &live);
    assert_snapshot!(render_text(&PlanSet::new(vec![plan.clone()]), false), @r"
    test: 0 to create, 0 to update, 0 to delete, 1 to deactivate; 2 writes, under a minute at 300/min; 0 reads

    - deactivate user `leaver@acme.example` (orgs/test/users.yaml:3:5)
        state: active → inactive
        tokens: any → revoked
        note: role `Supervisor` in `Contact Center` is inherited from group `Team Leads`; not revoked: roster never writes group membership
        note: member of queue `Outbound` through group `Spanish Speakers`; not removed: roster never writes group membership
        note: member of queue `Spanish Line` through group `Spanish Speakers`; not removed: roster never writes group membership

    inherited through groups (never written by roster; managed users only):
        group `Everyone`
            role `Employee in Home`: 5 users (ana@acme.example, ben@acme.example, cy@acme.example and 2 more)
        group `Spanish Speakers`
            queue `Spanish Line`: 1 user (ana@acme.example)
        group `Team Leads`
            role `Supervisor in Contact Center`: 1 user (lead@acme.example)
        a group the org does not name
            queue `Spanish Line`: 1 user (ben@acme.example)
    ");
    assert_json_snapshot!(plan.inherited, @r#"
    [
      {
        "group": "Everyone",
        "roles": [
          {
            "role": "Employee",
            "division": "Home",
            "users": 5,
            "examples": [
              "ana@acme.example",
              "ben@acme.example",
              "cy@acme.example"
            ]
          }
        ]
      },
      {
        "group": "Spanish Speakers",
        "queues": [
          {
            "queue": "Spanish Line",
            "users": 1,
            "examples": [
              "ana@acme.example"
            ]
          }
        ]
      },
      {
        "group": "Team Leads",
        "roles": [
          {
            "role": "Supervisor",
            "division": "Contact Center",
            "users": 1,
            "examples": [
              "lead@acme.example"
            ]
          }
        ]
      },
      {
        "queues": [
          {
            "queue": "Spanish Line",
            "users": 1,
            "examples": [
              "ben@acme.example"
            ]
          }
        ]
      }
    ]
    "#);
    // Nothing inherited is ever written: the leaver's tokens are revoked and it is deactivated.
    assert_snapshot!(steps(&plan), @r#"
    #1 revokeTokens {"email":"leaver@acme.example"}
    #2 setUserState {"email":"leaver@acme.example","state":"inactive"} after #1
    "#);
}

#[test]
fn a_plan_without_changes_still_shows_what_groups_give() {
    let mut live = live_org();
    live_user(&mut live, "ana@acme.example")
        .grants
        .insert(grant(
            "Employee",
            "Home",
            GrantOrigin::Group("Everyone".into()),
        ));
    let mut desired = desired_org("test");
    user(&mut desired, "ana@acme.example");
    let plan = plan_ok(&desired, &live);
    assert!(plan.is_empty());
    assert_snapshot!(render_text(&PlanSet::new(vec![plan]), false), @r"
    test: no changes; 0 reads

    inherited through groups (never written by roster; managed users only):
        group `Everyone`
            role `Employee in Home`: 1 user (ana@acme.example)
    ");
}
