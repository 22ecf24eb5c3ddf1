//! Queues: CRUD, uniqueness, members (envelope without totals, bulk add/remove, join),
//! group members and queue wrap-up codes.

use std::collections::HashSet;

use roster_sandbox::SeedOrg;
use serde_json::{Value, json};

use crate::common::{id, named, seeded, setup, user_id};

#[tokio::test]
async fn queues_create_replace_filter_and_delete() {
    let (_sandbox, api) = seeded("divisions: [Contact Center]").await;
    let center = id(&named(&api, "/authorization/divisions", "Contact Center").await);
    let created = api
        .post("/routing/queues", &json!({ "name": "Billing", "description": "Tier 1", "division": { "id": center }, "acwSettings": { "wrapupPrompt": "MANDATORY", "timeoutMs": 30000 } }))
        .await;
    let queue = created.expect(200).clone();
    assert_eq!(queue["division"]["name"], "Contact Center");
    assert_eq!(queue["memberCount"], 0);
    assert_eq!(queue["acwSettings"]["wrapupPrompt"], "MANDATORY");
    api.post("/routing/queues", &json!({ "name": "BILLING" }))
        .await
        .expect_error(400, "duplicate.name");
    api.post("/routing/queues", &json!({ "name": "Sales" }))
        .await
        .expect(200);
    api.post(
        "/routing/queues",
        &json!({ "name": "Bad", "skillEvaluationMethod": "SOME" }),
    )
    .await
    .expect_error(400, "invalid.value");
    assert_eq!(
        api.get("/routing/queues?name=billing").await.expect(200)["total"],
        1,
        "exact name, case-insensitive"
    );
    assert_eq!(
        api.get("/routing/queues?name=*l*").await.expect(200)["total"],
        2
    );
    assert_eq!(
        api.get(&format!("/routing/queues?divisionId={center}"))
            .await
            .expect(200)["total"],
        1
    );
    let queue_id = id(&queue);
    let replaced = api
        .put(
            &format!("/routing/queues/{queue_id}"),
            &json!({ "name": "Billing US" }),
        )
        .await;
    let body = replaced.expect(200);
    assert_eq!(body["name"], "Billing US");
    assert!(
        body.get("description").is_none(),
        "PUT is a full replacement"
    );
    assert_eq!(body["division"]["name"], "Home");
    assert_eq!(body["acwSettings"]["wrapupPrompt"], "OPTIONAL");
    api.put(
        &format!("/routing/queues/{queue_id}"),
        &json!({ "name": "Sales" }),
    )
    .await
    .expect_error(400, "duplicate.name");
    api.put(
        &format!("/routing/queues/{queue_id}"),
        &json!({ "description": "no name" }),
    )
    .await
    .expect_error(400, "required.field.missing");
    assert_eq!(
        api.delete(&format!("/routing/queues/{queue_id}"))
            .await
            .status,
        204
    );
    api.get(&format!("/routing/queues/{queue_id}"))
        .await
        .expect_error(404, "not.found");
}

#[tokio::test]
async fn members_add_walk_and_remove_with_the_queue_member_envelope() {
    let (sandbox, api) = setup().await;
    sandbox
        .seed("sandbox", &SeedOrg::generated(260, 1, 1, 0, 0, 4))
        .expect("seeds");
    let queue = id(&named(&api, "/routing/queues", "Queue 0000").await);
    let users: Vec<String> = api
        .walk("/users?state=any&pageSize=500")
        .await
        .iter()
        .map(id)
        .collect();
    let path = format!("/routing/queues/{queue}/members");
    let too_many: Vec<Value> = users
        .iter()
        .take(101)
        .map(|user| json!({ "id": user }))
        .collect();
    api.post(&path, &json!(too_many))
        .await
        .expect_error(400, "bad.request");
    for chunk in users[..250].chunks(100) {
        let body: Vec<Value> = chunk.iter().map(|user| json!({ "id": user })).collect();
        assert_eq!(api.post(&path, &json!(body)).await.status, 204);
    }
    // Adding again is harmless.
    assert_eq!(
        api.post(&path, &json!([{ "id": users[0] }])).await.status,
        204
    );
    let detail = api.get(&format!("/routing/queues/{queue}")).await;
    assert_eq!(detail.body["memberCount"], 250);
    assert_eq!(detail.body["userMemberCount"], 250);
    let first = api.get(&format!("{path}?pageSize=100")).await;
    let body = first.expect(200);
    for absent in ["total", "pageCount", "lastUri"] {
        assert!(body.get(absent).is_none(), "queue members have no {absent}");
    }
    assert_eq!(
        body["nextUri"],
        format!("/api/v2/routing/queues/{queue}/members?pageSize=100&pageNumber=2")
    );
    let member = &body["entities"][0];
    assert_eq!(member["memberBy"], "user");
    assert_eq!(member["joined"], true);
    assert_eq!(member["user"]["id"], member["id"]);
    api.get(&format!("{path}?pageSize=101"))
        .await
        .expect_error(400, "bad.request");
    let all = api.walk(&format!("{path}?pageSize=100")).await;
    assert_eq!(all.len(), 250);
    assert_eq!(all.iter().map(id).collect::<HashSet<_>>().len(), 250);
    let names: Vec<&str> = all
        .iter()
        .filter_map(|member| member["name"].as_str())
        .collect();
    assert!(
        names
            .windows(2)
            .all(|pair| pair[0].to_lowercase() <= pair[1].to_lowercase()),
        "sorted by name"
    );
    let removed: Vec<Value> = users[..50]
        .iter()
        .map(|user| json!({ "id": user }))
        .collect();
    assert_eq!(
        api.post(&format!("{path}?delete=true"), &json!(removed))
            .await
            .status,
        204
    );
    assert_eq!(
        api.get(&format!("/routing/queues/{queue}")).await.body["memberCount"],
        200
    );
    // Join/unjoin.
    let unjoin = api
        .patch(
            &path,
            &json!([{ "id": users[60], "joined": false }, { "id": users[0], "joined": false }]),
        )
        .await;
    let unjoined = unjoin.expect(200);
    assert_eq!(
        unjoined["entities"].as_array().map(Vec::len),
        Some(1),
        "non-members are ignored"
    );
    assert_eq!(unjoined["entities"][0]["joined"], false);
    let joined_false = api.walk(&format!("{path}?joined=false&pageSize=100")).await;
    assert_eq!(joined_false.len(), 1);
    assert_eq!(
        api.get(&format!("/routing/queues/{queue}")).await.body["joinedMemberCount"],
        199
    );
    assert_eq!(
        api.patch(
            &format!("{path}/{}", users[60]),
            &json!({ "joined": true, "ringNumber": 2 })
        )
        .await
        .status,
        204
    );
    assert_eq!(
        api.delete(&format!("{path}/{}", users[60])).await.status,
        204
    );
    api.delete(&format!("{path}/{}", users[60]))
        .await
        .expect_error(404, "not.found");
    api.post(
        &path,
        &json!([{ "id": "5d0e2c44-1111-4111-8111-111111111111" }]),
    )
    .await
    .expect_error(400, "invalid.value");
}

const GROUPS: &str = "
queues: [{ name: Billing, members: [jane@acme.example] }]
groups: [{ name: Floor, members: [bob@acme.example, jane@acme.example], queues: [Billing] }]
users:
  - { email: jane@acme.example, name: Jane }
  - { email: bob@acme.example, name: Bob }
";

#[tokio::test]
async fn group_members_show_as_member_by_group() {
    let (_sandbox, api) = seeded(GROUPS).await;
    let queue = named(&api, "/routing/queues", "Billing").await;
    assert_eq!(queue["memberCount"], 2);
    assert_eq!(queue["userMemberCount"], 1);
    assert_eq!(queue["memberGroups"][0]["name"], "Floor");
    assert_eq!(queue["memberGroups"][0]["type"], "GROUP");
    let path = format!("/routing/queues/{}/members", id(&queue));
    let by_group = api.get(&format!("{path}?memberBy=group")).await;
    let entities = by_group.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .clone();
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0]["name"], "Bob");
    assert_eq!(entities[0]["memberBy"], "group");
    assert_eq!(
        api.get(&format!("{path}?memberBy=user")).await.body["entities"][0]["name"],
        "Jane"
    );
    let bob = user_id(&api, "bob@acme.example").await;
    assert_eq!(
        api.get(&format!("/users/{bob}/queues")).await.body["total"],
        1
    );
}

#[tokio::test]
async fn queue_wrapup_codes_add_list_and_remove() {
    let (_sandbox, api) = seeded(
        "wrapupCodes: [Resolved, Escalated]\nqueues: [{ name: Billing, wrapupCodes: [Resolved] }]",
    )
    .await;
    let queue = id(&named(&api, "/routing/queues", "Billing").await);
    let escalated = id(&named(&api, "/routing/wrapupcodes", "Escalated").await);
    let path = format!("/routing/queues/{queue}/wrapupcodes");
    assert_eq!(api.get(&path).await.expect(200)["total"], 1);
    let added = api.post(&path, &json!([{ "id": escalated }])).await;
    assert_eq!(added.expect(200)[0]["name"], "Escalated");
    assert_eq!(api.get(&path).await.body["total"], 2);
    assert_eq!(api.delete(&format!("{path}/{escalated}")).await.status, 204);
    api.delete(&format!("{path}/{escalated}"))
        .await
        .expect_error(404, "not.found");
    assert_eq!(api.get(&path).await.body["entities"][0]["name"], "Resolved");
}
