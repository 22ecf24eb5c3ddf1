//! Applying through the service: a plan over `policy.limits` is refused by `apply` itself
//! unless its digest is acknowledged, and the users it deactivates have their assignment
//! picture journaled before the first write.

use std::collections::BTreeSet;

use roster_model::{Email, ReadNeeds};
use roster_service::offboard;
use roster_service::{Access, ApplyError, ApplyRun, read_org, silent};

use crate::support::{Copy, journal_lines};

const WORKSPACE: &str = "offboard/workspace";
const ORG: &str = "demo";

#[tokio::test]
async fn a_blocked_plan_is_refused_by_apply_until_its_digest_is_acknowledged() {
    let mut copy = Copy::of(WORKSPACE);
    let config = copy
        .read("roster.yaml")
        .replace("maxDeletePercent: 50", "maxDeletePercent: 20");
    std::fs::write(copy.dir.path().join("roster.yaml"), config).unwrap();
    // With `leaver`, whom the fixture already declares inactive, three of six active users
    // are deactivated: over `maxDeletePercent: 20`. Both are declared in one file, so the
    // edit also proves several users in one file are edited in place.
    let leaving: Vec<Email> = ["jane@off.example", "quitter@off.example"]
        .iter()
        .map(|email| Email::parse(email).unwrap())
        .collect();
    offboard::edit_manifests(&copy.workspace.root, &copy.workspace.orgs[ORG], &leaving).unwrap();
    copy.reload();
    let spec = &copy.workspace.orgs[ORG];
    let needs = ReadNeeds::for_desired(&spec.desired);
    let org = read_org(&copy.workspace, spec, &needs, Access::Read, &silent())
        .await
        .unwrap();
    let plan = org.session.plan(&org.snapshot, &BTreeSet::new()).unwrap();
    assert!(
        plan.blocked.is_some(),
        "the fixture's limits block this plan"
    );

    // The verdict is derived by `apply`, not read from the plan a caller hands it.
    let mut unblocked = plan.clone();
    unblocked.blocked = None;
    let refused = roster_service::apply(&org, &unblocked, &ApplyRun::default(), &silent())
        .await
        .unwrap_err();
    let ApplyError::Blocked(blocked) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(blocked.plans.len(), 1);
    assert_eq!(blocked.plans[0].org, ORG);
    assert_eq!(blocked.plans[0].digest, plan.digest);
    assert!(copy.journal(ORG).is_empty(), "nothing was journaled");

    let run = ApplyRun {
        acknowledged: vec![plan.digest.clone()],
        ..ApplyRun::default()
    };
    let summary = roster_service::apply(&org, &plan, &run, &silent())
        .await
        .unwrap();
    assert!(summary.is_success(), "{summary}");
    let shown = journal_lines(&copy.journal(ORG));
    let pictures: Vec<&String> = shown
        .iter()
        .take_while(|line| line.as_str() != "runStarted")
        .collect();
    assert_eq!(
        pictures,
        [
            "assignmentSnapshot jane@off.example",
            "assignmentSnapshot leaver@off.example",
            "assignmentSnapshot quitter@off.example",
        ],
        "every deactivated user's picture precedes the first write: {shown:#?}"
    );
    assert!(
        shown.contains(&"setUserState user `quitter@off.example`: succeeded".to_owned()),
        "{shown:#?}"
    );
}
