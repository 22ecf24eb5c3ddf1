//! The hook route when the database cannot take the event: 503, so the HR system delivers
//! again, and nothing half-stored.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use roster_manifest::load_workspace;
use roster_serve::App;
use tower::ServiceExt as _;

const ROSTER: &str = "
orgs:
  demo:
    sandbox: {}
serve:
  hooks:
    hr:
      org: demo
      verify: bearer
      secret: { file: hook-token }
      event: { id: /id, kind: /type, email: /email }
      kinds: { user.terminated: terminate }
";

fn delivery(id: &str) -> Request<Body> {
    Request::post("/hooks/hr")
        .header("authorization", "Bearer s3cret-token")
        .header("content-type", "application/json")
        .body(Body::from(format!(
            r#"{{"id":"{id}","type":"user.terminated","email":"ann@acme.example"}}"#
        )))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_cannot_be_written_answers_503_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.yaml"), ROSTER).unwrap();
    std::fs::write(dir.path().join("hook-token"), "s3cret-token\n").unwrap();
    let loaded = load_workspace(dir.path());
    assert_eq!(loaded.error_count(), 0, "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.unwrap();
    let database = workspace.serve.as_ref().unwrap().database.clone();
    let app = App::start(workspace).unwrap();
    let router = roster_serve::routes::router(app.clone());

    // Only the router runs here, no worker: stored events stay pending.
    let stored = router.clone().oneshot(delivery("evt-1")).await.unwrap();
    assert_eq!(stored.status(), StatusCode::ACCEPTED);

    // Another process holds the database's write lock past the busy timeout.
    let blocker = rusqlite::Connection::open(&database).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let refused = router.clone().oneshot(delivery("evt-2")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    blocker.execute_batch("ROLLBACK").unwrap();
    drop(blocker);

    assert_eq!(app.queue.depth().unwrap(), 1, "nothing of evt-2 was stored");
    let again = router.oneshot(delivery("evt-2")).await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::ACCEPTED,
        "the redelivery is taken"
    );
    assert_eq!(app.queue.depth().unwrap(), 2);
}
