//! The Audit API: every write is recorded with the client that made it; queries must be
//! polled and are paged by cursor; realtime queries page by number; a client without
//! `audits:audit:view` is refused.

use std::collections::BTreeSet;

use reqwest::Method;
use reqwest::Method as M;
use roster_sandbox::Sandbox;
use serde_json::{Value, json};

use crate::common::{Api, id, seeded, setup, user_id};

/// The facts the event tests check (see `data/README.md`).
pub fn facts() -> Value {
    serde_json::from_str(include_str!("data/events-facts.json")).expect("valid facts file")
}

/// An interval of a day either side of the sandbox's now (the latest audit record).
pub fn interval_around(sandbox: &Sandbox) -> String {
    let log = sandbox.audit_log("sandbox").expect("org");
    let last = log.last().expect("at least one audit record");
    let at = time::OffsetDateTime::parse(
        last["eventDate"].as_str().expect("eventDate"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("ISO-8601 eventDate");
    let day = std::time::Duration::from_hours(24);
    let format = time::format_description::well_known::Rfc3339;
    format!(
        "{}/{}",
        (at - day).format(&format).expect("formats"),
        (at + day).format(&format).expect("formats")
    )
}

#[tokio::test]
async fn an_audit_query_is_polled_to_success_and_paged_by_cursor() {
    let facts = facts();
    let (sandbox, api) = setup().await;
    for number in 0..30 {
        api.post(
            "/routing/skills",
            &json!({ "name": format!("Skill {number:02}") }),
        )
        .await
        .expect(200);
    }
    let interval = interval_around(&sandbox);
    let request = json!({ "interval": interval, "serviceName": "Routing", "filters": [{ "property": "EntityType", "value": "RoutingSkill" }] });
    let created = api.post("/audits/query", &request).await;
    let status = created.expect(202).clone();
    assert_eq!(status["state"], "Queued");
    assert_eq!(status["serviceName"], "Routing");
    assert_eq!(status["interval"], interval);
    let transaction = id(&status);
    let results = format!("/audits/query/{transaction}/results");
    api.get(&results).await.expect_error(400, "bad.request");
    // One state per poll: a client has to poll, more than once.
    let polls = [
        api.get(&format!("/audits/query/{transaction}")).await,
        api.get(&format!("/audits/query/{transaction}")).await,
    ];
    let seen: Vec<&Value> = polls
        .iter()
        .map(|poll| &poll.expect(200)["state"])
        .collect();
    assert_eq!(seen, [&json!("Running"), &json!("Succeeded")]);
    for state in ["Queued", "Running", "Succeeded"] {
        assert!(
            facts["audit"]["transactionStates"]
                .as_array()
                .expect("states")
                .contains(&json!(state))
        );
    }
    let max = facts["audit"]["resultsMaxPageSize"].as_u64().expect("max");
    api.get(&format!("{results}?pageSize={}", max + 1))
        .await
        .expect_error(400, "invalid.value");
    let first = api.get(&results).await;
    assert_eq!(
        first.expect(200)["pageSize"],
        facts["audit"]["resultsDefaultPageSize"]
    );
    // Cursor paging to the end: the last page has no cursor.
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => format!("{results}?pageSize=12"),
            Some(cursor) => format!("{results}?pageSize=12&cursor={cursor}"),
        };
        let page = api.get(&path).await;
        let body = page.expect(200);
        pages += 1;
        for entity in body["entities"].as_array().expect("entities") {
            let fields: BTreeSet<&str> = entity
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str)
                .collect();
            let expected: BTreeSet<&str> = facts["audit"]["auditLogMessageFields"]
                .as_array()
                .expect("fields")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(fields, expected, "AuditLogMessage fields");
            assert_eq!(
                (
                    &entity["serviceName"],
                    &entity["entityType"],
                    &entity["action"],
                    &entity["status"]
                ),
                (
                    &json!("Routing"),
                    &json!("RoutingSkill"),
                    &json!("Create"),
                    &json!("SUCCESS")
                )
            );
            assert_eq!(entity["client"]["id"], "sandbox");
            let name = entity["entity"]["name"]
                .as_str()
                .expect("entity name")
                .to_owned();
            let change = entity["propertyChanges"]
                .as_array()
                .expect("changes")
                .iter()
                .find(|change| change["property"] == "name")
                .expect("name change");
            assert_eq!(change["newValues"], json!([name]));
            assert_eq!(change["oldValues"], json!([]));
            names.push(name);
        }
        cursor = body
            .get("cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
        assert!(pages < 10, "runaway paging");
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..30).map(|number| format!("Skill {number:02}")).collect();
    assert_eq!(names, expected, "ascending by time, in write order");
    api.get(&format!("{results}?cursor=bm90LWEtY3Vyc29y"))
        .await
        .expect_error(400, "invalid.value");

    // The sandbox clock moves a query on without polls too.
    let second = api.post("/audits/query", &request).await;
    let second = id(second.expect(202));
    sandbox
        .advance_clock(std::time::Duration::from_secs(5))
        .unwrap();
    let polled = api.get(&format!("/audits/query/{second}")).await;
    assert_eq!(polled.expect(200)["state"], "Succeeded");

    // Realtime: page numbers over the same records.
    let realtime = api
        .post("/audits/query/realtime", &json!({ "interval": interval, "serviceName": "Routing", "pageNumber": 3, "pageSize": 10, "sort": [{ "name": "Timestamp", "sortOrder": "descending" }] }))
        .await;
    let body = realtime.expect(200);
    assert_eq!(
        (&body["total"], &body["pageCount"], &body["pageNumber"]),
        (&json!(30), &json!(3), &json!(3))
    );
    assert_eq!(
        body["entities"][9]["entity"]["name"], "Skill 00",
        "descending"
    );
    // Records older than the realtime window are not there.
    let days = facts["audit"]["realtimeWindowDays"].as_u64().expect("days");
    sandbox
        .advance_clock(std::time::Duration::from_secs(days * 86_400 + 3_600))
        .unwrap();
    // (The token expired meanwhile.)
    let api = Api::login(&sandbox, "sandbox", "sandbox").await;
    let later = api
        .post(
            "/audits/query/realtime",
            &json!({ "interval": interval, "serviceName": "Routing" }),
        )
        .await;
    assert_eq!(later.expect(200)["total"], 0);

    // Refused queries.
    for (bad, code) in [
        (
            json!({ "serviceName": "Routing" }),
            "required.field.missing",
        ),
        (json!({ "interval": interval }), "required.field.missing"),
        (
            json!({ "interval": interval, "serviceName": "Nope" }),
            "invalid.value",
        ),
        (
            json!({ "interval": "2024-01-01T00:00:00Z/2024-03-01T00:00:00Z", "serviceName": "Routing" }),
            "invalid.value",
        ),
        (
            json!({ "interval": interval, "serviceName": "ContactCenter", "filters": [{ "property": "Action", "value": "Create" }] }),
            "bad.request",
        ),
        (
            json!({ "interval": interval, "serviceName": "ContactCenter", "filters": [{ "property": "Color", "value": "x" }] }),
            "invalid.value",
        ),
    ] {
        api.post("/audits/query", &bad)
            .await
            .expect_error(400, code);
    }
    let mapping = api.get("/audits/query/servicemapping").await;
    let services = mapping.expect(200)["services"]
        .as_array()
        .expect("services")
        .clone();
    let contact_center = services
        .iter()
        .find(|service| service["name"] == facts["audit"]["queuesService"])
        .expect("queues' service");
    assert!(
        contact_center["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .any(|entity| entity["name"] == "Queue"
                && entity["actions"]
                    .as_array()
                    .expect("actions")
                    .contains(&json!("MemberAdd")))
    );
}

#[tokio::test]
async fn a_write_is_attributed_to_the_named_client_whose_token_made_it() {
    let (sandbox, admin) = seeded("users: [{ email: jane@acme.example, name: Jane }]").await;
    let added = admin
        .post(
            "/__sandbox/orgs/sandbox/clients",
            &json!({ "name": "Nightly Script", "clientId": "script-1", "clientSecret": "s3cret" }),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.raw);
    let script = Api::login(&sandbox, "script-1", "s3cret").await;
    let me = script.get("/tokens/me").await;
    assert_eq!(
        me.expect(200)["OAuthClient"],
        json!({ "id": "script-1", "name": "Nightly Script", "organization": me.body["organization"] })
    );
    let jane = user_id(&admin, "jane@acme.example").await;
    let queue = script
        .post("/routing/queues", &json!({ "name": "Billing" }))
        .await;
    let queue = id(queue.expect(200));
    script
        .post(
            &format!("/routing/queues/{queue}/members"),
            &json!([{ "id": jane }]),
        )
        .await;
    admin
        .patch(
            &format!("/users/{jane}"),
            &json!({ "title": "Agent", "version": 1 }),
        )
        .await
        .expect(200);

    let log = sandbox.audit_log("sandbox").expect("org");
    let of = |action: &str, entity_type: &str| -> Value {
        log.iter()
            .find(|entry| entry["action"] == action && entry["entityType"] == entity_type)
            .cloned()
            .unwrap_or_else(|| panic!("no {entity_type} {action} in {log:#?}"))
    };
    let created = of("Create", "Queue");
    assert_eq!(
        (&created["client"]["id"], &created["application"]),
        (&json!("script-1"), &json!("Nightly Script"))
    );
    assert_eq!(
        (
            &created["serviceName"],
            &created["entity"]["id"],
            &created["entity"]["name"]
        ),
        (&json!("ContactCenter"), &json!(queue), &json!("Billing"))
    );
    let member = of("MemberAdd", "Queue");
    assert_eq!(member["application"], "Nightly Script");
    assert_eq!(
        member["propertyChanges"],
        json!([{ "property": format!("queueId:{queue}:members"), "oldValues": [], "newValues": [format!("queueMember:{jane}")] }])
    );
    let patched = of("Update", "User");
    assert_eq!(
        (
            &patched["serviceName"],
            &patched["client"]["id"],
            &patched["application"]
        ),
        (&json!("Directory"), &json!("sandbox"), &json!("sandbox"))
    );
    assert_eq!(
        patched["propertyChanges"],
        json!([{ "property": "title", "oldValues": [], "newValues": ["Agent"] }])
    );
    // Tokens are audited too, without their value.
    let token = log
        .iter()
        .find(|entry| entry["entityType"] == "AccessToken" && entry["client"]["id"] == "script-1")
        .expect("the script's token");
    assert!(!token.to_string().contains(&script.token));

    // The API finds the script's writes by client.
    let interval = interval_around(&sandbox);
    let query = admin
        .post("/audits/query/realtime", &json!({ "interval": interval, "serviceName": "ContactCenter", "filters": [{ "property": "ClientId", "value": "script-1" }] }))
        .await;
    let actions: Vec<&Value> = query.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|entry| &entry["action"])
        .collect();
    assert_eq!(actions, [&json!("Create"), &json!("MemberAdd")]);
}

#[tokio::test]
async fn the_audit_api_refuses_a_client_without_audits_view() {
    let facts = facts();
    let (sandbox, api) = setup().await;
    api.post("/routing/skills", &json!({ "name": "Billing" }))
        .await
        .expect(200);
    let interval = interval_around(&sandbox);
    let permission = facts["audit"]["permission"].as_str().expect("permission");
    let knob = api
        .put(
            "/__sandbox/orgs/sandbox/clients/sandbox/permissions",
            &json!({ "denied": [permission] }),
        )
        .await;
    assert_eq!(knob.status, 200, "{}", knob.raw);
    let query = json!({ "interval": interval, "serviceName": "Routing" });
    let refused = api.post("/audits/query", &query).await;
    refused.expect_error(403, "missing.permissions");
    assert!(
        refused.body["message"]
            .as_str()
            .expect("message")
            .contains(permission)
    );
    api.get("/audits/query/servicemapping")
        .await
        .expect_error(403, "missing.permissions");
    api.post("/audits/query/realtime", &query)
        .await
        .expect_error(403, "missing.permissions");
    api.put(
        "/__sandbox/orgs/sandbox/clients/sandbox/permissions",
        &json!({ "denied": [] }),
    )
    .await
    .expect(200);
    api.post("/audits/query", &query).await.expect(202);
}

/// Every write route registered in `src/routes/mod.rs`, as `METHOD /api/v2/template`.
fn write_routes() -> BTreeSet<String> {
    let source = include_str!("../../src/routes/mod.rs");
    let router = &source[source.find("pub fn router()").expect("router fn")..];
    let mut found = BTreeSet::new();
    for chunk in router.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).expect("a path literal");
        for (method, call) in [
            ("POST", "post("),
            ("PUT", "put("),
            ("PATCH", "patch("),
            ("DELETE", "delete("),
        ] {
            if chunk.contains(call) {
                found.insert(format!("{method} /api/v2{path}"));
            }
        }
    }
    found
}

/// Writes that change no org object and are not audited: searches and queries sent by POST,
/// and notification channel housekeeping (UNCONFIRMED whether the real service audits it).
const NOT_AUDITED: &[&str] = &[
    "POST /api/v2/users/search",
    "POST /api/v2/audits/query",
    "POST /api/v2/audits/query/realtime",
    "POST /api/v2/notifications/channels",
    "POST /api/v2/notifications/channels/{channelId}/subscriptions",
    "PUT /api/v2/notifications/channels/{channelId}/subscriptions",
    "DELETE /api/v2/notifications/channels/{channelId}/subscriptions",
    "POST /api/v2/license/infer",
];

/// Writes the sandbox does not audit yet: the audit derivation covers the tables of
/// `OrgState` it captures, and stations and WFM membership are not among them.
const NOT_AUDITED_BY_THE_SANDBOX: &[&str] = &[
    "DELETE /api/v2/users/{userId}/station/associatedstation",
    "POST /api/v2/workforcemanagement/agents",
];

const ORG: &str = "
divisions: [Contact Center]
skills: [Billing]
languages: [Spanish]
wrapupCodes: [Resolved]
roles: [Agent]
queues: [{ name: Billing, members: [jane@acme.example] }]
teams: [{ name: Tier 2, members: [jane@acme.example] }]
users:
  - { email: jane@acme.example, name: Jane Doe }
  - { email: bob@acme.example, name: Bob }
";

/// An entity of a small list by name.
async fn named(api: &Api, list: &str, name: &str) -> Value {
    let page = api.get(&format!("{list}?pageSize=100")).await;
    page.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|entity| entity["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no `{name}` in {list}"))
}

struct Driver<'a> {
    sandbox: &'a Sandbox,
    api: Api,
    driven: BTreeSet<String>,
}

impl Driver<'_> {
    /// Sends one write and checks it succeeded and left at least one audit record.
    async fn write(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let before = self.sandbox.audit_log("sandbox").expect("org").len();
        let response = self.api.send(method.clone(), path, body.as_ref()).await;
        assert!(
            (200..300).contains(&response.status),
            "{method} {path}: {} {}",
            response.status,
            response.raw
        );
        let after = self.sandbox.audit_log("sandbox").expect("org").len();
        assert!(after > before, "{method} {template} wrote no audit record");
        self.driven.insert(format!("{method} /api/v2{template}"));
        response.body
    }
}

#[tokio::test]
async fn every_write_route_leaves_an_audit_record() {
    let (sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let bob = user_id(&api, "bob@acme.example").await;
    let center = id(&named(&api, "/authorization/divisions", "Contact Center").await);
    let home = id(&api.get("/authorization/divisions/home").await.body);
    let agent = id(&named(&api, "/authorization/roles", "Agent").await);
    let billing_skill = id(&named(&api, "/routing/skills", "Billing").await);
    let spanish = id(&named(&api, "/routing/languages", "Spanish").await);
    let queue = id(&named(&api, "/routing/queues", "Billing").await);
    let team = id(&named(&api, "/teams", "Tier 2").await);
    let mut d = Driver {
        sandbox: &sandbox,
        api: api.clone(),
        driven: BTreeSet::new(),
    };

    let skill = d
        .write(
            M::POST,
            "/routing/skills",
            "/routing/skills",
            Some(json!({ "name": "Fresh" })),
        )
        .await;
    let skill = id(&skill);
    d.write(
        M::PATCH,
        "/routing/skills/{skillId}",
        &format!("/routing/skills/{skill}"),
        Some(json!({ "divisionId": center })),
    )
    .await;
    d.write(
        M::DELETE,
        "/routing/skills/{skillId}",
        &format!("/routing/skills/{skill}"),
        None,
    )
    .await;
    let language = id(&d
        .write(
            M::POST,
            "/routing/languages",
            "/routing/languages",
            Some(json!({ "name": "French" })),
        )
        .await);
    d.write(
        M::DELETE,
        "/routing/languages/{languageId}",
        &format!("/routing/languages/{language}"),
        None,
    )
    .await;
    let code = id(&d
        .write(
            M::POST,
            "/routing/wrapupcodes",
            "/routing/wrapupcodes",
            Some(json!({ "name": "Escalated" })),
        )
        .await);
    d.write(
        M::PUT,
        "/routing/wrapupcodes/{codeId}",
        &format!("/routing/wrapupcodes/{code}"),
        Some(json!({ "name": "Escalated 2" })),
    )
    .await;
    d.write(
        M::POST,
        "/routing/queues/{queueId}/wrapupcodes",
        &format!("/routing/queues/{queue}/wrapupcodes"),
        Some(json!([{ "id": code }])),
    )
    .await;
    d.write(
        M::DELETE,
        "/routing/queues/{queueId}/wrapupcodes/{codeId}",
        &format!("/routing/queues/{queue}/wrapupcodes/{code}"),
        None,
    )
    .await;
    d.write(
        M::DELETE,
        "/routing/wrapupcodes/{codeId}",
        &format!("/routing/wrapupcodes/{code}"),
        None,
    )
    .await;
    let sales = id(&d
        .write(
            M::POST,
            "/routing/queues",
            "/routing/queues",
            Some(json!({ "name": "Sales" })),
        )
        .await);
    d.write(
        M::PUT,
        "/routing/queues/{queueId}",
        &format!("/routing/queues/{sales}"),
        Some(json!({ "name": "Sales 2" })),
    )
    .await;
    d.write(
        M::POST,
        "/routing/queues/{queueId}/members",
        &format!("/routing/queues/{sales}/members"),
        Some(json!([{ "id": bob }])),
    )
    .await;
    d.write(
        M::PATCH,
        "/routing/queues/{queueId}/members",
        &format!("/routing/queues/{sales}/members"),
        Some(json!([{ "id": bob, "joined": false }])),
    )
    .await;
    d.write(
        M::PATCH,
        "/routing/queues/{queueId}/members/{memberId}",
        &format!("/routing/queues/{sales}/members/{bob}"),
        Some(json!({ "joined": true })),
    )
    .await;
    d.write(
        M::PATCH,
        "/users/{userId}/queues",
        &format!("/users/{bob}/queues"),
        Some(json!([{ "id": sales, "joined": false }])),
    )
    .await;
    d.write(
        M::DELETE,
        "/routing/queues/{queueId}/members/{memberId}",
        &format!("/routing/queues/{sales}/members/{bob}"),
        None,
    )
    .await;
    d.write(
        M::DELETE,
        "/routing/queues/{queueId}",
        &format!("/routing/queues/{sales}"),
        None,
    )
    .await;
    d.write(
        M::PUT,
        "/routing/utilization",
        "/routing/utilization",
        Some(json!({ "utilization": { "call": { "maximumCapacity": 3 } } })),
    )
    .await;
    d.write(
        M::DELETE,
        "/routing/utilization",
        "/routing/utilization",
        None,
    )
    .await;
    d.write(
        M::PUT,
        "/routing/users/{userId}/utilization",
        &format!("/routing/users/{jane}/utilization"),
        Some(json!({ "utilization": { "email": { "maximumCapacity": 2 } } })),
    )
    .await;
    d.write(
        M::DELETE,
        "/routing/users/{userId}/utilization",
        &format!("/routing/users/{jane}/utilization"),
        None,
    )
    .await;
    let fresh_team = id(&d
        .write(
            M::POST,
            "/teams",
            "/teams",
            Some(json!({ "name": "Fresh Team" })),
        )
        .await);
    d.write(
        M::PATCH,
        "/teams/{teamId}",
        &format!("/teams/{fresh_team}"),
        Some(json!({ "name": "Fresh Team 2" })),
    )
    .await;
    d.write(
        M::POST,
        "/teams/{teamId}/members",
        &format!("/teams/{fresh_team}/members"),
        Some(json!({ "memberIds": [bob] })),
    )
    .await;
    d.write(
        M::DELETE,
        "/teams/{teamId}/members",
        &format!("/teams/{fresh_team}/members?id={bob}"),
        None,
    )
    .await;
    d.write(
        M::DELETE,
        "/teams/{teamId}",
        &format!("/teams/{fresh_team}"),
        None,
    )
    .await;
    d.write(
        M::DELETE,
        "/teams/{teamId}/members",
        &format!("/teams/{team}/members?id={jane}"),
        None,
    )
    .await;
    d.write(
        M::POST,
        "/users/{userId}/routingskills",
        &format!("/users/{jane}/routingskills"),
        Some(json!({ "id": billing_skill, "proficiency": 2 })),
    )
    .await;
    d.write(
        M::PATCH,
        "/users/{userId}/routingskills/bulk",
        &format!("/users/{jane}/routingskills/bulk"),
        Some(json!([{ "id": billing_skill, "proficiency": 3 }])),
    )
    .await;
    d.write(
        M::PUT,
        "/users/{userId}/routingskills/bulk",
        &format!("/users/{jane}/routingskills/bulk"),
        Some(json!([{ "id": billing_skill, "proficiency": 4 }])),
    )
    .await;
    d.write(
        M::PUT,
        "/users/{userId}/routingskills/{skillId}",
        &format!("/users/{jane}/routingskills/{billing_skill}"),
        Some(json!({ "proficiency": 5 })),
    )
    .await;
    d.write(
        M::DELETE,
        "/users/{userId}/routingskills/{skillId}",
        &format!("/users/{jane}/routingskills/{billing_skill}"),
        None,
    )
    .await;
    d.write(
        M::POST,
        "/users/{userId}/routinglanguages",
        &format!("/users/{jane}/routinglanguages"),
        Some(json!({ "id": spanish, "proficiency": 2 })),
    )
    .await;
    d.write(
        M::PATCH,
        "/users/{userId}/routinglanguages/bulk",
        &format!("/users/{jane}/routinglanguages/bulk"),
        Some(json!([{ "id": spanish, "proficiency": 3 }])),
    )
    .await;
    d.write(
        M::PATCH,
        "/users/{userId}/routinglanguages/{languageId}",
        &format!("/users/{jane}/routinglanguages/{spanish}"),
        Some(json!({ "proficiency": 4 })),
    )
    .await;
    d.write(
        M::DELETE,
        "/users/{userId}/routinglanguages/{languageId}",
        &format!("/users/{jane}/routinglanguages/{spanish}"),
        None,
    )
    .await;
    d.write(
        M::PUT,
        "/authorization/roles/{roleId}/users/add",
        &format!("/authorization/roles/{agent}/users/add"),
        Some(json!([bob])),
    )
    .await;
    d.write(
        M::PUT,
        "/authorization/roles/{roleId}/users/remove",
        &format!("/authorization/roles/{agent}/users/remove"),
        Some(json!([bob])),
    )
    .await;
    d.write(
        M::PUT,
        "/users/{userId}/roles",
        &format!("/users/{bob}/roles"),
        Some(json!([agent])),
    )
    .await;
    let subject = format!("/authorization/subjects/{bob}");
    d.write(
        M::POST,
        "/authorization/subjects/{subjectId}/bulkadd",
        &format!("{subject}/bulkadd"),
        Some(json!({ "grants": [{ "roleId": agent, "divisionId": center }] })),
    )
    .await;
    d.write(
        M::POST,
        "/authorization/subjects/{subjectId}/bulkremove",
        &format!("{subject}/bulkremove"),
        Some(json!({ "grants": [{ "roleId": agent, "divisionId": center }] })),
    )
    .await;
    d.write(
        M::POST,
        "/authorization/subjects/{subjectId}/bulkreplace",
        &format!("{subject}/bulkreplace"),
        Some(json!({ "grants": [{ "roleId": agent, "divisionId": center }] })),
    )
    .await;
    let single = "/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}";
    d.write(
        M::POST,
        single,
        &format!("{subject}/divisions/{home}/roles/{agent}"),
        None,
    )
    .await;
    d.write(
        M::DELETE,
        single,
        &format!("{subject}/divisions/{home}/roles/{agent}"),
        None,
    )
    .await;
    d.write(
        M::POST,
        "/authorization/divisions/{divisionId}/objects/{objectType}",
        &format!("/authorization/divisions/{center}/objects/QUEUE"),
        Some(json!([queue])),
    )
    .await;
    let new = id(&d
        .write(
            M::POST,
            "/users",
            "/users",
            Some(json!({ "name": "New", "email": "new@acme.example" })),
        )
        .await);
    d.write(
        M::PATCH,
        "/users/{userId}",
        &format!("/users/{new}"),
        Some(json!({ "title": "Agent", "version": 1 })),
    )
    .await;
    d.write(M::DELETE, "/users/{userId}", &format!("/users/{new}"), None)
        .await;
    d.write(
        M::DELETE,
        "/tokens/{userId}",
        &format!("/tokens/{jane}"),
        None,
    )
    .await;
    d.write(M::DELETE, "/tokens/me", "/tokens/me", None).await;

    let expected: BTreeSet<String> = write_routes()
        .into_iter()
        .filter(|route| !NOT_AUDITED.contains(&route.as_str()))
        .filter(|route| !NOT_AUDITED_BY_THE_SANDBOX.contains(&route.as_str()))
        .collect();
    assert!(expected.len() > 40, "parsed the router: {expected:#?}");
    let missing: Vec<&String> = expected.difference(&d.driven).collect();
    let unknown: Vec<&String> = d.driven.difference(&expected).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "write routes not driven: {missing:#?}; driven but not registered: {unknown:#?}"
    );
}
