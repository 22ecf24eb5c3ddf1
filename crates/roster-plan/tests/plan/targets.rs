//! `plan --target`: a plan limited to some objects keeps their steps and every step they
//! depend on, nothing else; it says so in every rendering and its digest covers the targets.

use std::collections::BTreeSet;

use insta::assert_snapshot;
use roster_model::Kind;
use roster_plan::{
    ObjectRef, Plan, PlanOptions, PlanSet, render_dot, render_json, render_markdown, render_text,
};

use crate::fixtures::*;

/// Two new users: ana joins a new queue and a new skill; bo gets another new skill.
fn org() -> (roster_model::DesiredOrg, roster_model::LiveOrg) {
    let live = live_org();
    let mut desired = desired_org("test");
    skill(&mut desired, "Billing", &[]);
    skill(&mut desired, "Sales", &[]);
    queue(&mut desired, "Support");
    let ana = user(&mut desired, "ana@acme.example");
    ana.skills = Some([("Billing".to_owned(), p(3))].into_iter().collect());
    ana.queues = Some(BTreeSet::from(["Support".to_owned()]));
    let bo = user(&mut desired, "bo@acme.example");
    bo.skills = Some([("Sales".to_owned(), p(2))].into_iter().collect());
    (desired, live)
}

fn targeted(targets: &[ObjectRef]) -> Plan {
    let (desired, live) = org();
    let options = PlanOptions {
        targets: targets.iter().cloned().collect(),
        ..PlanOptions::default()
    };
    roster_plan::plan(&desired, &live, &options).unwrap()
}

#[test]
fn a_targeted_user_brings_what_it_depends_on_and_nothing_else() {
    let (desired, live) = org();
    let whole = plan_ok(&desired, &live);
    let ana = targeted(&[ObjectRef::new(Kind::User, "ana@acme.example")]);
    assert!(ana.steps.len() < whole.steps.len());
    assert_snapshot!(steps(&ana), @r#"
    #1 createSkill {"name":"Billing"}
    #2 createQueue {"name":"Support","division":null,"description":null}
    #3 createUser {"email":"ana@acme.example","name":"ana","division":null,"title":null,"department":null}
    #4 addQueueMembers {"queue":"Support","users":["ana@acme.example"]} after #2, #3
    #5 setUserSkills {"email":"ana@acme.example","skills":{"Billing":3}} after #1, #3
    "#);
    // Every step's dependencies are in the plan, numbered before it.
    for step in &ana.steps {
        assert!(step.depends_on.iter().all(|dep| dep < &step.id), "{step:?}");
    }
    let keys: BTreeSet<&str> = ana.changes.iter().map(|c| c.key.as_str()).collect();
    assert!(
        !keys.contains("bo@acme.example") && !keys.contains("Sales"),
        "{keys:?}"
    );
    assert_eq!(
        ana.targets,
        [ObjectRef::new(Kind::User, "ana@acme.example")]
    );
    assert!(whole.targets.is_empty());
}

#[test]
fn a_targeted_plan_says_so_in_every_rendering_and_its_digest_covers_the_targets() {
    let skill = targeted(&[ObjectRef::new(Kind::Skill, "Sales")]);
    let set = PlanSet::new(vec![skill.clone()]);
    assert_snapshot!(render_text(&set, false), @r"
    test: 1 to create, 0 to update, 0 to delete; 1 write, under a minute at 300/min; 0 reads
    targeted: partial plan, limited to skill `Sales` and their dependencies; the rest of the manifests is not planned

    + create skill `Sales` (base/routing.yaml:2:5)
    ");
    assert!(render_markdown(&set).contains("targeted: partial plan"));
    assert!(render_dot(&set).contains("targeted: partial plan"));
    let json: serde_json::Value = serde_json::from_str(&render_json(&set)).unwrap();
    assert_eq!(
        json["orgs"][0]["targets"],
        serde_json::json!([{ "kind": "skill", "key": "Sales" }])
    );

    // The same steps without the targets would be another digest: a saved targeted plan
    // cannot pass for a whole one.
    let mut untargeted = skill.clone();
    untargeted.targets.clear();
    assert!(skill.digest_is_valid());
    assert!(!untargeted.digest_is_valid());
}

#[test]
fn a_target_without_changes_plans_nothing() {
    let plan = targeted(&[ObjectRef::new(Kind::Queue, "Nowhere")]);
    assert!(plan.is_empty() && plan.changes.is_empty());
    assert!(plan.is_targeted());
}
