//! Queue and team membership as the plan shows it: who joins and who leaves, and member
//! counts that add the joiners and subtract the leavers.

use std::collections::BTreeSet;

use insta::assert_snapshot;
use roster_model::{Kind, MemberOrigin, UnmanagedPolicy, UserState};
use roster_plan::{Plan, PlanSet, render_text};

use crate::fixtures::*;

fn text(plan: &Plan) -> String {
    render_text(&PlanSet::new(vec![plan.clone()]), false)
}

/// One change as the text plan shows it: its head line (which starts with `head`) and the
/// indented lines under it.
fn change_text(plan: &Plan, head: &str) -> String {
    let text = text(plan);
    let mut lines = text.lines().skip_while(|l| !l.starts_with(head));
    let first = lines.next().expect("the change is in the plan");
    std::iter::once(first)
        .chain(lines.take_while(|l| l.starts_with("    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `members` lines of every team change, `team: old → new`.
fn team_counts(plan: &Plan) -> String {
    plan.changes
        .iter()
        .filter(|c| c.kind == Kind::Team)
        .flat_map(|c| {
            c.fields
                .iter()
                .filter(|f| f.field == "members" && f.item.is_none())
                .map(move |f| {
                    format!(
                        "{}: {} → {}",
                        c.key,
                        f.old.as_deref().unwrap_or("-"),
                        f.new.as_deref().unwrap_or("-")
                    )
                })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn team_member_counts_subtract_the_users_who_leave() {
    let mut live = live_org();
    live_team(&mut live, "Tier 1", "Home");
    live_team(&mut live, "Tier 2", "Home");
    for who in ["stays", "mover", "leaver"] {
        live_user(&mut live, &format!("{who}@acme.example")).team = Some("Tier 1".into());
    }
    let mut desired = desired_org("test");
    team(&mut desired, "Tier 1");
    team(&mut desired, "Tier 2");
    user(&mut desired, "stays@acme.example").team = Some("Tier 1".into());
    // Moves to Tier 2: Tier 1 loses him.
    user(&mut desired, "mover@acme.example").team = Some("Tier 2".into());
    // Offboarded: leaves Tier 1.
    user(&mut desired, "leaver@acme.example").state = UserState::Inactive;
    // Created into Tier 1.
    user(&mut desired, "new@acme.example").team = Some("Tier 1".into());
    desired.policy.limits.max_delete_percent = 100;
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(team_counts(&plan), @r"
    Tier 1: 3 → 2
    Tier 2: 0 → 1
    ");
}

#[test]
fn a_queue_names_who_joins_and_leaves_the_first_few_in_text_and_all_in_json() {
    let mut live = live_org();
    live_queue(&mut live, "Billing", "Home");
    let joiners: Vec<String> = (0..13).map(|i| format!("new{i:02}@acme.example")).collect();
    for address in &joiners {
        live_user(&mut live, address);
    }
    for address in ["moved@acme.example", "leaver@acme.example"] {
        live_user(&mut live, address);
        member(&mut live, "Billing", address, MemberOrigin::Direct);
    }
    let mut desired = desired_org("test");
    queue(&mut desired, "Billing");
    for address in &joiners {
        user(&mut desired, address).queues = Some(BTreeSet::from(["Billing".into()]));
    }
    user(&mut desired, "moved@acme.example").queues = Some(BTreeSet::new());
    user(&mut desired, "leaver@acme.example").state = UserState::Inactive;
    desired.policy.limits.max_delete_percent = 100;
    let plan = plan_ok(&desired, &live);

    assert_snapshot!(change_text(&plan, "~ update queue `Billing`"), @r"
    ~ update queue `Billing` (orgs/test/queues.yaml:1:5)
        members: 2 direct → 13 direct
        + member `new00@acme.example`
        + member `new01@acme.example`
        + member `new02@acme.example`
        + member `new03@acme.example`
        + member `new04@acme.example`
        + member `new05@acme.example`
        + member `new06@acme.example`
        + member `new07@acme.example`
        + member `new08@acme.example`
        + member `new09@acme.example`
        + … and 3 more
        - member `leaver@acme.example` (deactivated)
        - member `moved@acme.example`
    ");

    // The JSON plan names every member.
    let billing = plan.changes.iter().find(|c| c.kind == Kind::Queue).unwrap();
    let json = serde_json::to_value(billing).unwrap();
    let joined: Vec<&str> = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["field"] == "members" && f["new"] == "member")
        .map(|f| f["item"].as_str().unwrap())
        .collect();
    assert_eq!(joined, joiners);
    let left: Vec<(&str, &str)> = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["field"] == "members" && f.get("new").is_some_and(serde_json::Value::is_null))
        .map(|f| (f["item"].as_str().unwrap(), f["old"].as_str().unwrap()))
        .collect();
    assert_eq!(
        left,
        [
            ("leaver@acme.example", "deactivated"),
            ("moved@acme.example", "member")
        ]
    );
}

#[test]
fn a_managed_team_that_only_loses_members_says_who_and_why() {
    let mut live = live_org();
    live_team(&mut live, "Tier 1", "Home");
    live_team(&mut live, "Tier 2", "Home");
    live_team(&mut live, "Night Shift", "Home");
    live_user(&mut live, "mover@acme.example").team = Some("Tier 1".into());
    live_user(&mut live, "stays@acme.example").team = Some("Tier 2".into());
    // An unmanaged team a managed user leaves: the user's change says it, the team is not
    // listed as changing.
    live_user(&mut live, "owl@acme.example").team = Some("Night Shift".into());
    let mut desired = desired_org("test");
    desired.policy.unmanaged.teams = UnmanagedPolicy::Ignore;
    team(&mut desired, "Tier 1");
    team(&mut desired, "Tier 2");
    user(&mut desired, "mover@acme.example").team = Some("Tier 2".into());
    user(&mut desired, "stays@acme.example").team = Some("Tier 2".into());
    user(&mut desired, "owl@acme.example").team = Some("Tier 2".into());
    let plan = plan_ok(&desired, &live);
    assert_snapshot!(text(&plan), @r#"
    test: 0 to create, 4 to update, 0 to delete; 1 write, under a minute at 300/min; 0 reads

    ~ update team `Tier 1` (orgs/test/teams.yaml:1:5)
        members: 1 → 0
        - member `mover@acme.example` (moves to team `Tier 2`)
    ~ update team `Tier 2` (orgs/test/teams.yaml:1:5)
        members: 1 → 3
        + member `mover@acme.example`
        + member `owl@acme.example`
    ~ update user `mover@acme.example` (orgs/test/users.yaml:3:5)
        team: "Tier 1" → "Tier 2"
    ~ update user `owl@acme.example` (orgs/test/users.yaml:3:5)
        team: "Night Shift" → "Tier 2"
    "#);
}
