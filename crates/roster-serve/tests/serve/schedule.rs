//! A scheduled drift check reports what the org changed, `remediate: apply` applies the
//! manifests under the policy limits, and a plan over them is reported, never forced.

use roster_manifest::{Remediate, load_workspace};
use roster_serve::App;

const ROSTER: &str = "
orgs:
  demo:
    sandbox: { seed: seed.yaml }
    include: [manifests]
policy:
  unmanaged: { users: report, skills: report, languages: report, wrapupCodes: report, queues: report, teams: report }
  limits: { maxDeletes: 25, maxMembershipsRemoved: 1, maxMembershipsRemovedPercent: 100 }
serve:
  hooks: {}
  drift: { every: 1h, remediate: apply }
";

const SEED: &str = "
skills: [Billing]
queues: [{ name: Sales, members: [ann@acme.example, bob@acme.example] }]
users:
  - { email: ann@acme.example, name: Ann, title: Clerk, skills: { Billing: 2 } }
  - { email: bob@acme.example, name: Bob, title: Agent }
";

fn workspace(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.yaml"), ROSTER).unwrap();
    std::fs::write(dir.path().join("seed.yaml"), SEED).unwrap();
    std::fs::create_dir(dir.path().join("manifests")).unwrap();
    std::fs::write(dir.path().join("manifests/org.yaml"), manifest).unwrap();
    dir
}

fn app(dir: &tempfile::TempDir) -> std::sync::Arc<App> {
    let loaded = load_workspace(dir.path());
    assert_eq!(loaded.error_count(), 0, "{:#?}", loaded.diagnostics);
    App::start(loaded.workspace.unwrap()).unwrap()
}

#[tokio::test]
async fn a_drifted_org_is_reported_then_applied_and_then_clean() {
    let dir = workspace(
        "
skills: [{ name: Billing }]
queues: [{ name: Sales }]
users:
  - { email: ann@acme.example, name: Ann, title: Lead, skills: { Billing: 4 }, queues: [Sales] }
  - { email: bob@acme.example, name: Bob, title: Agent, queues: [Sales] }
",
    );
    let app = app(&dir);
    let spec = &app.workspace.orgs["demo"];

    let reported = roster_serve::schedule::check(&app, spec, Remediate::Report).await;
    assert_eq!(reported.drifted, Some(1), "{reported:?}");
    assert_eq!(reported.outcome, "reported");

    let applied = roster_serve::schedule::check(&app, spec, Remediate::Apply).await;
    assert_eq!(applied.drifted, Some(1), "{applied:?}");
    assert!(applied.outcome.starts_with("applied:"), "{applied:?}");

    let clean = roster_serve::schedule::check(&app, spec, Remediate::Apply).await;
    assert_eq!(clean.drifted, Some(0), "{clean:?}");
    assert_eq!(clean.outcome, "reported");
    let metrics = app.metrics.render();
    assert!(
        metrics.contains("roster_drift_objects{org=\"demo\"} 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_remediation_over_the_policy_limits_is_reported_never_forced() {
    // Both members leave Sales: two memberships removed, over `maxMembershipsRemoved: 1`.
    let dir = workspace(
        "
skills: [{ name: Billing }]
queues: [{ name: Sales }, { name: Other }]
users:
  - { email: ann@acme.example, name: Ann, title: Clerk, skills: { Billing: 2 }, queues: [Other] }
  - { email: bob@acme.example, name: Bob, title: Agent, queues: [Other] }
",
    );
    let app = app(&dir);
    let spec = &app.workspace.orgs["demo"];
    let run = roster_serve::schedule::check(&app, spec, Remediate::Apply).await;
    assert!(run.drifted.unwrap() > 0, "{run:?}");
    assert!(
        run.outcome.starts_with("blocked by policy.limits"),
        "{run:?}"
    );
    let again = roster_serve::schedule::check(&app, spec, Remediate::Report).await;
    assert_eq!(again.drifted, run.drifted, "nothing was applied: {again:?}");
}
