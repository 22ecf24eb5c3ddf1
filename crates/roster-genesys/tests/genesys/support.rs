//! Shared fixtures: a sandbox with a seeded org and a client, sessions and writers pointed at
//! it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use roster_genesys::retry::Backoff;
use roster_genesys::{
    ClientOptions, GenesysClient, OrgConnection, ProgressEvent, Session, Snapshot, Writer,
};
use roster_model::{Email, LiveOrg, ReadNeeds, UserSelection};
use roster_sandbox::{FaultUpdate, Sandbox, parse_seed};
use secrecy::SecretString;
use url::Url;

/// The org every test seeds.
pub const ORG: &str = "acme";

/// An org with every kind: divisions, a custom role, skills, languages, codes, queues with
/// direct and group members, a team, a group granting a role, an inactive user, utilization.
pub const SEED: &str = r"
divisions: [Contact Center]
skills: [Billing, Spanish Escalations, Retired]
languages: [Spanish, French]
wrapupCodes: [Resolved, Escalated]
roles: [Billing Agent]
queues:
  - { name: Billing, division: Contact Center, description: Tier 1 billing, wrapupCodes: [Resolved], members: [jane.doe@acme.example, old@acme.example] }
  - { name: Sales, members: [boss@acme.example] }
  - { name: Unmanaged, members: [boss@acme.example] }
teams:
  - { name: Billing Tier 2, division: Contact Center, description: Escalations, members: [jane.doe@acme.example] }
  - { name: Empty Team }
groups:
  - { name: Supervisors, members: [boss@acme.example], roles: [{ role: Supervisor }], queues: [Billing] }
users:
  - email: boss@acme.example
    name: Big Boss
    title: Manager
    skills: { Billing: 2.5 }
  - email: Jane.Doe@acme.example
    name: Jane Doe
    title: Agent
    department: Billing
    division: Contact Center
    manager: boss@acme.example
    skills: { Billing: 5, Spanish Escalations: 3.5 }
    languages: { Spanish: 4 }
    roles: [{ role: Billing Agent, division: Contact Center }]
    utilization: { call: { maximumCapacity: 1 }, chat: { maximumCapacity: 3, interruptableMediaTypes: [call] } }
    acdAutoAnswer: true
  - email: old@acme.example
    name: Old Timer
    state: inactive
";

/// Options that keep tests quick: short timeouts and backoff.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_secs(10),
        deadline: Duration::from_mins(2),
        max_retries: 30,
        backoff: Backoff {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(200),
        },
        move_confirm_wait: Duration::from_secs(2),
        ..ClientOptions::default()
    }
}

/// A connection to `org` of the sandbox.
pub fn connection(sandbox: &Sandbox, org: &str, id: &str, secret: &str, rpm: u32) -> OrgConnection {
    let mut connection = OrgConnection::new(
        org,
        Url::parse(&sandbox.base_url()).unwrap(),
        id,
        SecretString::from(secret.to_owned()),
    );
    connection.requests_per_minute = rpm;
    connection.options = fast_options();
    connection
}

/// A running sandbox with [`ORG`] seeded from `seed`, without rate limit.
pub async fn sandbox(seed: &str) -> Sandbox {
    let sandbox = Sandbox::start().await;
    sandbox.create_org(ORG, "acme-id", "acme-secret").unwrap();
    sandbox.seed(ORG, &parse_seed(seed).unwrap()).unwrap();
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                requests_per_minute: Some(0),
                ..FaultUpdate::default()
            },
        )
        .unwrap();
    sandbox
}

/// A client of [`ORG`] with a fast client limiter: a new transport, with its own token.
pub fn client(sandbox: &Sandbox) -> GenesysClient {
    GenesysClient::new(connection(sandbox, ORG, "acme-id", "acme-secret", 60_000)).unwrap()
}

/// A progress callback for reads whose progress nobody watches.
pub fn quiet(_: ProgressEvent) {}

/// What `session` reads of `needs`.
pub async fn snapshot(session: &Session, needs: &ReadNeeds) -> Snapshot {
    session.snapshot(needs, &quiet).await.unwrap()
}

/// A run on a new client of [`ORG`]: what it reads of `needs` and a writer knowing its ids.
pub async fn read_then_write(sandbox: &Sandbox, needs: &ReadNeeds) -> (LiveOrg, Writer) {
    let session = client(sandbox).session();
    let Snapshot { live, ids } = snapshot(&session, needs).await;
    (live, session.writer(ids))
}

/// An email.
pub fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

/// Read needs of a plan managing the Billing and Sales queues, Jane's utilization, grants.
pub fn full_needs() -> ReadNeeds {
    ReadNeeds {
        queue_members: ["Billing".to_owned(), "Sales".to_owned()]
            .into_iter()
            .collect(),
        queue_wrapup_codes: ["Billing".to_owned()].into_iter().collect(),
        utilization: UserSelection::Named(BTreeSet::from([
            email("jane.doe@acme.example"),
            email("boss@acme.example"),
        ])),
        grants: true,
        ..ReadNeeds::default()
    }
}

/// The sandbox's request counts of an org, without zero entries.
pub fn sandbox_counts(sandbox: &Sandbox, org: &str) -> BTreeMap<String, u64> {
    sandbox.stats(org).unwrap().by_route
}

/// The second OAuth client [`other_client`] adds: an admin's script, as the audit trail names it.
pub const SCRIPT: (&str, &str) = ("script-1", "Nightly Script");

/// A client of [`ORG`] through a second named OAuth client ([`SCRIPT`]), added on first use:
/// its writes are out-of-band changes that roster did not make.
pub fn other_client(sandbox: &Sandbox) -> GenesysClient {
    sandbox
        .add_client(ORG, SCRIPT.1, SCRIPT.0, "script-secret")
        .unwrap();
    GenesysClient::new(connection(sandbox, ORG, SCRIPT.0, "script-secret", 60_000)).unwrap()
}

/// Calls a control route of the sandbox (`/__sandbox/…`) and answers its JSON body; panics
/// unless it answers 2xx.
pub async fn control(
    sandbox: &Sandbox,
    method: reqwest::Method,
    path: &str,
    body: &serde_json::Value,
) -> serde_json::Value {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", sandbox.base_url()))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{path} answered {status}: {text}");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// Takes `audits:audit:view` from an OAuth client of [`ORG`], as an org that did not grant it.
pub async fn deny_audit_view(sandbox: &Sandbox, client_id: &str) {
    control(
        sandbox,
        reqwest::Method::PUT,
        &format!("/__sandbox/orgs/{ORG}/clients/{client_id}/permissions"),
        &serde_json::json!({ "denied": ["audits:audit:view"] }),
    )
    .await;
}

/// Sends a write through `session` and answers its JSON body (`Null` when empty).
pub async fn write(
    session: &Session,
    method: reqwest::Method,
    template: &'static str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let request = roster_genesys::ApiRequest::new(method, template, path, Some(body));
    let response = session.send(&request).await.unwrap();
    serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null)
}

/// The id of the object named `name` in a page-number listing (`/api/v2/routing/queues`).
pub async fn id_named(session: &Session, template: &'static str, name: &str) -> String {
    let path = format!("{template}?pageSize=500");
    let response = session
        .send(&roster_genesys::ApiRequest::get(template, path))
        .await
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    page["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entity| entity["name"] == name)
        .unwrap_or_else(|| panic!("no `{name}` in {template}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The id of the active user with this email.
pub async fn user_id(session: &Session, email: &str) -> String {
    let response = session
        .send(&roster_genesys::ApiRequest::get(
            "/api/v2/users",
            "/api/v2/users?pageSize=500",
        ))
        .await
        .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    page["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| {
            user["email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .unwrap_or_else(|| panic!("no user `{email}`"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Changes a user's title (reading the user's version first, as a PATCH needs).
pub async fn set_title(session: &Session, user: &str, title: &str) {
    let path = format!("/api/v2/users/{user}");
    let response = session
        .send(&roster_genesys::ApiRequest::get(
            "/api/v2/users/{userId}",
            path.clone(),
        ))
        .await
        .unwrap();
    let current: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    write(
        session,
        reqwest::Method::PATCH,
        "/api/v2/users/{userId}",
        &path,
        serde_json::json!({ "title": title, "version": current["version"] }),
    )
    .await;
}
