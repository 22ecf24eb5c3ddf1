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
    }
}

/// The sandbox's request counts of an org, without zero entries.
pub fn sandbox_counts(sandbox: &Sandbox, org: &str) -> BTreeMap<String, u64> {
    sandbox.stats(org).unwrap().by_route
}
