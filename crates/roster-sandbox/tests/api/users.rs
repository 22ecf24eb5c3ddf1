//! Users: create, PATCH with version, state rules, soft delete and email blocking, paging,
//! filters, expands and search.

use std::collections::HashSet;

use roster_sandbox::SeedOrg;
use serde_json::json;

use crate::common::{id, seeded, setup, user_id};

#[tokio::test]
async fn create_returns_the_user_and_blocks_duplicate_emails() {
    let (_sandbox, api) = setup().await;
    let created = api
        .post(
            "/users",
            &json!({ "name": "Jane Doe", "email": "Jane@Acme.example", "title": "Agent" }),
        )
        .await;
    let user = created.expect(200).clone();
    assert_eq!(user["version"], 1);
    assert_eq!(user["state"], "active");
    assert_eq!(user["division"]["name"], "Home");
    assert_eq!(user["selfUri"], format!("/api/v2/users/{}", id(&user)));
    assert_eq!(user["title"], "Agent");
    assert!(
        user.get("department").is_none(),
        "absent fields are omitted, not null"
    );
    api.post(
        "/users",
        &json!({ "name": "Again", "email": "jane@acme.EXAMPLE" }),
    )
    .await
    .expect_error(409, "general.conflict");
    api.post("/users", &json!({ "email": "x@acme.example" }))
        .await
        .expect_error(400, "required.field.missing");
    api.post("/users", &json!({ "name": "X", "email": "y@acme.example", "divisionId": "00000000-0000-0000-0000-000000000000" }))
        .await
        .expect_error(400, "invalid.value");
    // New users hold the Employee role in the home division.
    let roles = api.get(&format!("/users/{}/roles", id(&user))).await;
    assert_eq!(roles.expect(200)["roles"][0]["name"], "Employee");
}

#[tokio::test]
async fn patch_needs_the_current_version_and_bumps_it() {
    let (_sandbox, api) = setup().await;
    let boss = id(api
        .post(
            "/users",
            &json!({ "name": "Boss", "email": "boss@acme.example" }),
        )
        .await
        .expect(200));
    let jane = id(api
        .post(
            "/users",
            &json!({ "name": "Jane", "email": "jane@acme.example" }),
        )
        .await
        .expect(200));
    api.patch(&format!("/users/{jane}"), &json!({ "title": "Lead" }))
        .await
        .expect_error(400, "required.field.missing");
    api.patch(
        &format!("/users/{jane}"),
        &json!({ "title": "Lead", "version": 7 }),
    )
    .await
    .expect_error(409, "general.conflict");
    let patched = api
        .patch(
            &format!("/users/{jane}"),
            &json!({ "title": "Lead", "manager": boss, "version": 1 }),
        )
        .await;
    let body = patched.expect(200);
    assert_eq!(body["version"], 2);
    assert_eq!(body["title"], "Lead");
    assert_eq!(
        body["manager"],
        json!({ "id": boss, "selfUri": format!("/api/v2/users/{boss}") })
    );
    // The old version is now stale.
    api.patch(
        &format!("/users/{jane}"),
        &json!({ "title": "X", "version": 1 }),
    )
    .await
    .expect_error(409, "general.conflict");
    let again = api
        .patch(
            &format!("/users/{jane}"),
            &json!({ "department": "Billing", "version": 2 }),
        )
        .await;
    assert_eq!(again.expect(200)["version"], 3);
}

#[tokio::test]
async fn state_changes_come_alone_and_filter_lists() {
    let (_sandbox, api) = setup().await;
    let jane = id(api
        .post(
            "/users",
            &json!({ "name": "Jane", "email": "jane@acme.example" }),
        )
        .await
        .expect(200));
    api.patch(
        &format!("/users/{jane}"),
        &json!({ "state": "inactive", "title": "x", "version": 1 }),
    )
    .await
    .expect_error(400, "bad.request");
    let inactive = api
        .patch(
            &format!("/users/{jane}"),
            &json!({ "state": "inactive", "version": 1 }),
        )
        .await;
    assert_eq!(inactive.expect(200)["state"], "inactive");
    assert_eq!(
        api.get("/users").await.expect(200)["total"],
        0,
        "default list is active only"
    );
    assert_eq!(
        api.get("/users?state=inactive").await.expect(200)["total"],
        1
    );
    assert_eq!(api.get("/users?state=any").await.expect(200)["total"], 1);
    api.get(&format!("/users/{jane}")).await.expect(200);
    api.get("/users?state=bogus")
        .await
        .expect_error(400, "invalid.value");
}

#[tokio::test]
async fn deleted_users_are_soft_deleted_and_block_their_email_until_restored() {
    let (_sandbox, api) = setup().await;
    let jane = id(api
        .post(
            "/users",
            &json!({ "name": "Jane", "email": "jane@acme.example" }),
        )
        .await
        .expect(200));
    let deleted = api.delete(&format!("/users/{jane}")).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, json!({}));
    api.get(&format!("/users/{jane}"))
        .await
        .expect_error(404, "not.found");
    let record = api.get(&format!("/users/{jane}?state=deleted")).await;
    assert_eq!(record.expect(200)["state"], "deleted");
    let version = record.body["version"].clone();
    assert_eq!(
        api.get("/users?state=deleted").await.expect(200)["total"],
        1
    );
    api.post(
        "/users",
        &json!({ "name": "Jane 2", "email": "JANE@acme.example" }),
    )
    .await
    .expect_error(409, "general.conflict");
    let searched = api
        .post(
            "/users/search",
            &json!({ "query": [{ "type": "EXACT", "fields": ["state"], "value": "deleted" }] }),
        )
        .await;
    assert_eq!(searched.expect(200)["total"], 1);
    let restored = api
        .patch(
            &format!("/users/{jane}"),
            &json!({ "state": "active", "version": version }),
        )
        .await;
    assert_eq!(restored.expect(200)["state"], "active");
    assert_eq!(api.get("/users").await.expect(200)["total"], 1);
    api.delete(&format!("/users/{jane}")).await;
    api.delete(&format!("/users/{jane}"))
        .await
        .expect_error(404, "not.found");
}

#[tokio::test]
async fn paging_walks_every_user_once_with_the_right_envelope() {
    let (sandbox, api) = setup().await;
    sandbox
        .seed("sandbox", &SeedOrg::generated(237, 5, 0, 0, 0, 1))
        .expect("seeds");
    let any = api.get("/users?state=any&pageSize=25&expand=skills").await;
    let first = any.expect(200);
    assert_eq!(first["total"], 237);
    assert_eq!(first["pageCount"], 10);
    assert_eq!(first["pageNumber"], 1);
    assert_eq!(first["pageSize"], 25);
    assert_eq!(
        first["firstUri"],
        "/api/v2/users?pageSize=25&pageNumber=1&state=any&expand=skills"
    );
    assert_eq!(
        first["selfUri"],
        "/api/v2/users?pageSize=25&pageNumber=1&state=any&expand=skills"
    );
    assert_eq!(
        first["nextUri"],
        "/api/v2/users?pageSize=25&pageNumber=2&state=any&expand=skills"
    );
    assert_eq!(
        first["lastUri"],
        "/api/v2/users?pageSize=25&pageNumber=10&state=any&expand=skills"
    );
    assert!(first.get("previousUri").is_none());
    let all = api.walk("/users?state=any&pageSize=25&expand=skills").await;
    assert_eq!(all.len(), 237);
    let ids: HashSet<String> = all.iter().map(id).collect();
    assert_eq!(ids.len(), 237, "each user exactly once");
    assert!(
        all.iter().all(|user| user["skills"].is_array()),
        "expand kept across pages"
    );
    let last = api.get("/users?state=any&pageSize=25&pageNumber=10").await;
    assert_eq!(last.body["entities"].as_array().map(Vec::len), Some(12));
    assert!(last.body.get("nextUri").is_none());
    assert_eq!(
        last.body["previousUri"],
        "/api/v2/users?pageSize=25&pageNumber=9&state=any"
    );
    let active = api.walk("/users?pageSize=100").await;
    let inactive = api.walk("/users?pageSize=100&state=inactive").await;
    assert_eq!(active.len() + inactive.len(), 237);
    assert!(inactive.iter().all(|user| user["state"] == "inactive"));
    let beyond = api.get("/users?pageSize=25&pageNumber=99").await;
    assert_eq!(beyond.expect(200)["entities"], json!([]));
    api.get("/users?pageSize=501")
        .await
        .expect_error(400, "bad.request");
    api.get("/users?pageSize=0")
        .await
        .expect_error(400, "bad.request");
    let descending = api
        .get("/users?state=any&pageSize=1&sortOrder=descending")
        .await;
    assert_eq!(id(&descending.body["entities"][0]), id(&all[236]));
}

#[tokio::test]
async fn id_filters_accept_both_array_forms_and_cap_at_100() {
    let (sandbox, api) = setup().await;
    sandbox
        .seed("sandbox", &SeedOrg::generated(150, 2, 0, 0, 0, 2))
        .expect("seeds");
    let all = api.walk("/users?state=any&pageSize=500").await;
    let (a, b, c) = (id(&all[0]), id(&all[1]), id(&all[2]));
    let repeated = api.get(&format!("/users?state=any&id={a}&id={b}")).await;
    assert_eq!(repeated.expect(200)["total"], 2);
    let joined = api.get(&format!("/users?state=any&id={a},{b},{c}")).await;
    assert_eq!(joined.expect(200)["total"], 3);
    let many: Vec<String> = all.iter().take(101).map(id).collect();
    api.get(&format!("/users?id={}", many.join(",")))
        .await
        .expect_error(400, "max.user.ids");
}

#[tokio::test]
async fn inactive_listing_stops_at_ten_thousand_results() {
    let (sandbox, api) = setup().await;
    let mut seed = SeedOrg::generated(10_050, 0, 0, 0, 0, 3);
    for user in &mut seed.users {
        user.state = Some(roster_sandbox::SeedUserState::Inactive);
    }
    sandbox.seed("sandbox", &seed).expect("seeds");
    let page20 = api
        .get("/users?state=inactive&pageSize=500&pageNumber=20")
        .await;
    assert_eq!(
        page20.expect(200)["entities"].as_array().map(Vec::len),
        Some(500)
    );
    api.get("/users?state=inactive&pageSize=500&pageNumber=21")
        .await
        .expect_error(400, "bad.request");
    // The cap is about inactive listing only.
    api.get("/users?state=any&pageSize=500&pageNumber=21")
        .await
        .expect(200);
}

const ORG: &str = "
divisions: [Contact Center]
skills: [Billing, Sales]
languages: [Spanish]
roles: [Agent]
queues: [{ name: Billing Queue, members: [jane@acme.example] }]
teams: [{ name: Tier 2, members: [jane@acme.example] }]
groups: [{ name: Leads, members: [jane@acme.example], roles: [{ role: Supervisor }] }]
users:
  - { email: boss@acme.example, name: Boss }
  - email: jane@acme.example
    name: Jane Doe
    division: Contact Center
    manager: boss@acme.example
    skills: { Billing: 4.5, Sales: 2 }
    languages: { Spanish: 3 }
    roles: [{ role: Agent, division: Contact Center }]
";

#[tokio::test]
async fn expands_add_skills_languages_team_authorization_and_groups() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let plain = api.get(&format!("/users/{jane}")).await;
    for key in ["skills", "languages", "team", "authorization", "groups"] {
        assert!(plain.body.get(key).is_none(), "{key} only with expand");
    }
    let user = api
        .get(&format!(
            "/users/{jane}?expand=skills,languages,team,authorization,groups,locations,presence"
        ))
        .await;
    let user = user.expect(200);
    let skills: Vec<(&str, f64)> = user["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .map(|skill| {
            (
                skill["name"].as_str().expect("name"),
                skill["proficiency"].as_f64().expect("number"),
            )
        })
        .collect();
    assert_eq!(skills, [("Billing", 4.5), ("Sales", 2.0)]);
    assert_eq!(
        user["skills"][0]["skillUri"],
        format!("/api/v2/routing/skills/{}", id(&user["skills"][0]))
    );
    assert_eq!(user["languages"][0]["name"], "Spanish");
    assert_eq!(user["team"]["name"], "Tier 2");
    let roles: HashSet<&str> = user["authorization"]["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|role| role["name"].as_str())
        .collect();
    assert_eq!(roles, HashSet::from(["Employee", "Agent", "Supervisor"]));
    assert_eq!(user["groups"][0]["name"], "Leads");
    assert!(
        user.get("presence").is_none(),
        "unknown expands are ignored"
    );
    let listed = api.get("/users?expand=skills,team&pageSize=10").await;
    let listed_jane = listed.body["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|user| user["email"] == "jane@acme.example")
        .cloned();
    assert_eq!(listed_jane.expect("jane listed")["team"]["name"], "Tier 2");
}

#[tokio::test]
async fn search_supports_exact_email_and_state_and_pages() {
    let (sandbox, api) = setup().await;
    sandbox
        .seed("sandbox", &SeedOrg::generated(60, 1, 0, 0, 0, 5))
        .expect("seeds");
    let hit = api
        .post("/users/search", &json!({ "query": [{ "type": "EXACT", "fields": ["email"], "value": "USER000007@example.test" }], "expand": ["skills"] }))
        .await;
    let body = hit.expect(200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["pageCount"], 1);
    assert_eq!(body["types"], json!(["users"]));
    assert_eq!(body["results"][0]["email"], "user000007@example.test");
    assert!(body["results"][0]["skills"].is_array());
    let everyone = api
        .post("/users/search", &json!({ "query": [{ "type": "EXACT", "fields": ["state"], "values": ["active", "inactive"] }], "pageSize": 25 }))
        .await;
    let body = everyone.expect(200).clone();
    assert_eq!(body["total"], 60);
    assert_eq!(body["pageCount"], 3);
    let next = body["nextPage"].as_str().expect("nextPage token");
    let page2 = api
        .get(&format!("/users/search?q64={}", urlencode(next)))
        .await;
    assert_eq!(page2.expect(200)["pageNumber"], 2);
    api.post(
        "/users/search",
        &json!({ "query": [{ "type": "FANCY", "fields": ["email"], "value": "x" }] }),
    )
    .await
    .expect_error(400, "invalid.value");
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[tokio::test]
async fn user_queues_lists_memberships_with_joined_filter() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let queues = api.get(&format!("/users/{jane}/queues")).await;
    let body = queues.expect(200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["entities"][0]["name"], "Billing Queue");
    assert_eq!(body["entities"][0]["joined"], true);
    let queue = id(&body["entities"][0]);
    let unjoined = api
        .patch(
            &format!("/users/{jane}/queues"),
            &json!([{ "id": queue, "joined": false }]),
        )
        .await;
    assert_eq!(unjoined.expect(200)["entities"][0]["joined"], false);
    assert_eq!(
        api.get(&format!("/users/{jane}/queues")).await.body["total"],
        0
    );
    assert_eq!(
        api.get(&format!("/users/{jane}/queues?joined=false"))
            .await
            .body["total"],
        1
    );
}
