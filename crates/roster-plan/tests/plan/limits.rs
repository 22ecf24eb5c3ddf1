//! `policy.limits` beyond deletions (issue #12): routing loss measured on each user's own
//! result, `perDay` totals with the journal's history, the journal tally, and a digest that
//! covers everything deciding what runs.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    DayLimits, DesiredOrg, Kind, Limits, LiveOrg, MemberOrigin, Operation, UserState,
};
use roster_plan::{
    Blocked, DayMeasure, OverDayLimit, Plan, PlanOptions, RecentChanges, RoutingLoss, tally,
    verdict,
};

use crate::fixtures::{
    desired_org, email, live_org, live_queue, live_skill, live_user, member, p, queue, skill, user,
};

/// Limits that block any loss at all of one measure and nothing else.
fn zero_routing() -> Limits {
    Limits {
        max_deletes: 1_000,
        max_delete_percent: 100,
        max_users_losing_all_queues: 0,
        max_users_losing_all_queues_percent: 100,
        max_users_losing_all_skills: 0,
        max_users_losing_all_skills_percent: 100,
        max_memberships_removed: 0,
        max_memberships_removed_percent: 100,
        per_day: DayLimits::default(),
        licence_increase: None,
    }
}

/// Four agents with skills `Billing` and `Sales` and in the queue `Billing`, all managed.
fn agents() -> (DesiredOrg, LiveOrg) {
    let mut live = live_org();
    live_skill(&mut live, "Billing");
    live_skill(&mut live, "Sales");
    live_queue(&mut live, "Billing", "Home");
    let mut desired = desired_org("test");
    skill(&mut desired, "Billing", &[]);
    skill(&mut desired, "Sales", &[]);
    queue(&mut desired, "Billing");
    for name in ["a", "b", "c", "d"] {
        let address = format!("{name}@acme.example");
        let live_agent = live_user(&mut live, &address);
        live_agent.skills = BTreeMap::from([("Billing".into(), p(3)), ("Sales".into(), p(2))]);
        member(&mut live, "Billing", &address, MemberOrigin::Direct);
        let agent = user(&mut desired, &address);
        agent.routing_profile = Some("Agent".into());
        agent.skills = Some(BTreeMap::from([
            ("Billing".into(), p(3)),
            ("Sales".into(), p(2)),
        ]));
        agent.queues = Some(BTreeSet::from(["Billing".to_owned()]));
    }
    (desired, live)
}

/// A hand edit of a plan, and what it edits.
type Edit = (&'static str, fn(&mut Plan));

fn plan_with(desired: &DesiredOrg, live: &LiveOrg, recent: RecentChanges) -> Plan {
    let options = PlanOptions {
        recent,
        ..PlanOptions::default()
    };
    roster_plan::plan(desired, live, &options).unwrap()
}

#[test]
fn routing_loss_is_counted_per_user_on_what_each_is_left_with() {
    let (mut desired, live) = agents();
    desired.policy.limits = zero_routing();
    let set = |desired: &mut DesiredOrg, name: &str, skills: &[&str], queues: &[&str]| {
        let agent = desired
            .users
            .get_mut(&email(&format!("{name}@acme.example")))
            .unwrap();
        agent.skills = Some(skills.iter().map(|s| ((*s).to_owned(), p(3))).collect());
        agent.queues = Some(queues.iter().map(|q| (*q).to_owned()).collect());
    };
    // `a`'s profile is emptied: it loses every skill and its queue.
    set(&mut desired, "a", &[], &[]);
    // `b` keeps one skill, so it does not lose all of them; it loses its only queue.
    set(&mut desired, "b", &["Sales"], &[]);
    // `c` leaves: a deactivation, not also a routing loss.
    desired
        .users
        .get_mut(&email("c@acme.example"))
        .unwrap()
        .state = UserState::Inactive;

    let plan = plan_with(&desired, &live, RecentChanges::default());
    let blocked = plan.blocked.expect("any routing loss is over a limit of 0");
    assert!(
        blocked.kinds.is_empty(),
        "one deactivation is within maxDeletes"
    );
    let losses: Vec<(RoutingLoss, usize, usize, Vec<String>)> = blocked
        .routing
        .iter()
        .map(|over| (over.loss, over.count, over.of, over.names.clone()))
        .collect();
    assert_eq!(
        losses,
        [
            (
                RoutingLoss::UsersLosingAllQueues,
                2,
                3,
                vec!["a@acme.example".to_owned(), "b@acme.example".to_owned()]
            ),
            (
                RoutingLoss::UsersLosingAllSkills,
                1,
                3,
                vec!["a@acme.example".to_owned()]
            ),
            (
                RoutingLoss::MembershipsRemoved,
                2,
                3,
                vec![
                    "a@acme.example: queue Billing".to_owned(),
                    "b@acme.example: queue Billing".to_owned()
                ]
            ),
        ]
    );
    // The verdict is a function of the steps: the same again from the plan's parts.
    let again = verdict(
        &plan.steps,
        &plan.changes,
        &live,
        &desired.policy.limits,
        &RecentChanges::default(),
        None,
    );
    assert_eq!(again.as_ref().map(|b| &b.routing), Some(&blocked.routing));
}

#[test]
fn default_limits_block_a_mass_routing_loss_but_not_one_agent() {
    let (mut desired, mut live) = agents();
    for n in 0..40 {
        let address = format!("agent{n}@acme.example");
        live_user(&mut live, &address).skills = BTreeMap::from([("Billing".into(), p(3))]);
        member(&mut live, "Billing", &address, MemberOrigin::Direct);
        let agent = user(&mut desired, &address);
        agent.skills = Some(BTreeMap::from([("Billing".into(), p(3))]));
        agent.queues = Some(BTreeSet::from(["Billing".to_owned()]));
    }
    let one = {
        let mut desired = desired.clone();
        let agent = desired
            .users
            .get_mut(&email("agent0@acme.example"))
            .unwrap();
        agent.skills = Some(BTreeMap::new());
        agent.queues = Some(BTreeSet::new());
        desired
    };
    assert_eq!(
        plan_with(&one, &live, RecentChanges::default()).blocked,
        None
    );

    for agent in desired.users.values_mut() {
        agent.skills = Some(BTreeMap::new());
        agent.queues = Some(BTreeSet::new());
    }
    let blocked = plan_with(&desired, &live, RecentChanges::default())
        .blocked
        .expect("44 users losing everything is over the defaults");
    let losses: Vec<(RoutingLoss, usize)> =
        blocked.routing.iter().map(|o| (o.loss, o.count)).collect();
    assert_eq!(
        losses,
        [
            (RoutingLoss::UsersLosingAllQueues, 44),
            (RoutingLoss::UsersLosingAllSkills, 44),
        ],
        "44 memberships removed are within the default 100"
    );
}

#[test]
fn a_renamed_skill_loses_nobody_anything() {
    let (mut desired, mut live) = agents();
    desired.policy.limits = Limits {
        max_deletes: 0,
        max_delete_percent: 0,
        ..zero_routing()
    };
    live_skill(&mut live, "Old Sales");
    for agent in live.users.values_mut() {
        agent.skills = BTreeMap::from([("Old Sales".into(), p(2))]);
    }
    desired.skills.remove("Sales");
    skill(&mut desired, "Sales", &["Old Sales"]);
    let plan = plan_with(&desired, &live, RecentChanges::default());
    assert!(
        plan.steps.iter().any(
            |s| matches!(&s.operation, Operation::DeleteSkill { name } if name == "Old Sales")
        ),
        "the old name is deleted"
    );
    assert_eq!(plan.blocked, None);
}

#[test]
fn per_day_limits_add_the_journal_history_to_what_the_plan_adds() {
    let (mut desired, live) = agents();
    desired.policy.limits = Limits {
        max_delete_percent: 100,
        per_day: DayLimits {
            max_deletes: Some(10),
            ..DayLimits::default()
        },
        ..Limits::default()
    };
    let history = |users: usize| RecentChanges {
        deletes: BTreeMap::from([(Kind::User, users)]),
        memberships_removed: 0,
    };

    // Nothing deleted now: the day's deletions alone never block.
    assert_eq!(plan_with(&desired, &live, history(50)).blocked, None);

    desired
        .users
        .get_mut(&email("d@acme.example"))
        .unwrap()
        .state = UserState::Inactive;
    assert_eq!(plan_with(&desired, &live, history(9)).blocked, None);
    let blocked = plan_with(&desired, &live, history(10)).blocked;
    assert_eq!(
        blocked,
        Some(Blocked {
            kinds: vec![],
            max_deletes: 25,
            max_delete_percent: 100,
            routing: vec![],
            licences: None,
            per_day: vec![OverDayLimit {
                measure: DayMeasure::Deletes,
                kind: Some(Kind::User),
                earlier: 10,
                planned: 1,
                of: 14,
                max: Some(10),
                max_percent: None,
            }],
        })
    );
}

#[test]
fn the_tally_counts_deletions_and_memberships_of_users_who_stay() {
    let users = |list: &[&str]| list.iter().map(|u| email(u)).collect::<BTreeSet<_>>();
    let operations = [
        Operation::RemoveQueueMembers {
            queue: "Billing".into(),
            users: users(&["a@acme.example", "gone@acme.example"]),
        },
        Operation::RemoveTeamMembers {
            team: "Tier 2".into(),
            users: users(&["a@acme.example"]),
        },
        Operation::SetUserState {
            email: email("gone@acme.example"),
            state: UserState::Inactive,
        },
        Operation::SetUserState {
            email: email("back@acme.example"),
            state: UserState::Active,
        },
        Operation::DeleteSkill {
            name: "Retired".into(),
        },
        Operation::CreateSkill { name: "New".into() },
        // The same deactivation journaled twice (a retried run) counts once.
        Operation::SetUserState {
            email: email("gone@acme.example"),
            state: UserState::Inactive,
        },
    ];
    assert_eq!(
        tally(&operations),
        RecentChanges {
            deletes: BTreeMap::from([(Kind::Skill, 1), (Kind::User, 1)]),
            memberships_removed: 2,
        }
    );
}

#[test]
fn the_digest_covers_everything_that_decides_what_runs_but_not_the_cost() {
    let (mut desired, live) = agents();
    desired
        .users
        .get_mut(&email("d@acme.example"))
        .unwrap()
        .state = UserState::Inactive;
    let plan = plan_with(&desired, &live, RecentChanges::default());
    assert!(plan.blocked.is_some(), "one of four users is over 10%");
    assert!(plan.digest_is_valid());

    let edits: [Edit; 6] = [
        ("blocked", |plan| plan.blocked = None),
        ("steps", |plan| {
            plan.steps.pop();
        }),
        ("org", |plan| plan.org = "elsewhere".into()),
        ("policy", |plan| plan.policy.limits.max_deletes = 1_000),
        ("fingerprints", |plan| {
            plan.fingerprints[0].hash = "0".repeat(64);
        }),
        ("changes", |plan| {
            plan.changes.pop();
        }),
    ];
    for (what, edit) in edits {
        let mut edited = plan.clone();
        edit(&mut edited);
        assert!(!edited.digest_is_valid(), "an edit of {what} is detected");
    }
    let mut cheaper = plan.clone();
    cheaper.cost.reads += 7;
    assert!(cheaper.digest_is_valid(), "the reads vary from run to run");
}
