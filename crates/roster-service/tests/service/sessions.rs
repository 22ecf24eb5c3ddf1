//! Sessions own what a run learns: two sessions on one org in one process (a server reading
//! for drift while an apply runs) do not disturb each other.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use roster_model::ReadNeeds;
use roster_service::{ApplyRun, OrgSession, ReadOrg, silent};

use crate::support::Copy;

const WORKSPACE: &str = "workspaces/full";
const ORG: &str = "local";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_running_during_an_apply_does_not_disturb_it() {
    let copy = Copy::of(WORKSPACE);
    let root = copy.workspace.root.as_path();
    let spec = &copy.workspace.orgs[ORG];
    let needs = ReadNeeds::for_desired(&spec.desired);

    let applying = OrgSession::open(root, spec).await.unwrap();
    let snapshot = applying.read(&needs, &silent()).await.unwrap();
    let plan = applying.plan(&snapshot, &BTreeSet::new()).unwrap();
    assert!(
        plan.steps.len() > 20,
        "a plan worth racing: {} steps",
        plan.steps.len()
    );
    let reads = applying.requests();
    let org = ReadOrg {
        session: applying,
        snapshot,
    };

    // Another session on the same connection reads the org over and over while the apply
    // runs: before sessions, each of its snapshots replaced the id table the apply's writes
    // use, and its requests counted into the apply's.
    let watcher = OrgSession::on(root, spec, org.session.connection().clone());
    let applied = AtomicBool::new(false);
    let (summary, reads_during_apply) = tokio::join!(
        async {
            let summary = roster_service::apply(&org, &plan, &ApplyRun::default(), &silent()).await;
            applied.store(true, Ordering::SeqCst);
            summary
        },
        async {
            let mut during = 0;
            for _ in 0..200 {
                if applied.load(Ordering::SeqCst) {
                    break;
                }
                watcher.read(&needs, &silent()).await.unwrap();
                during += 1;
            }
            during
        }
    );
    let summary = summary.unwrap();
    assert!(summary.is_success(), "{summary}");
    assert!(
        reads_during_apply > 0,
        "the watcher read while the apply ran"
    );
    assert_eq!(
        org.session.requests(),
        reads + summary.requests as u64,
        "the applying session counts its own reads and writes, nothing of the watcher's"
    );
    assert!(watcher.requests() > 0);

    let fresh = OrgSession::on(root, spec, org.session.connection().clone());
    let after = fresh.read(&needs, &silent()).await.unwrap();
    let replan = fresh.plan(&after, &BTreeSet::new()).unwrap();
    assert!(replan.steps.is_empty(), "{:?}", replan.steps);
}
