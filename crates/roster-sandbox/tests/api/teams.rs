//! Teams: cursor paging, CRUD, members with partial success, moves between teams (refused
//! by default, made with the `moveBetweenTeams` knob).

use std::collections::HashSet;

use roster_sandbox::SeedOrg;
use serde_json::{Value, json};

use crate::common::{id, setup};

#[tokio::test]
async fn teams_page_by_cursor_and_support_crud() {
    let (_sandbox, api) = setup().await;
    let mut ids = Vec::new();
    for index in 0..7 {
        let created = api
            .post(
                "/teams",
                &json!({ "name": format!("Team {index}"), "description": "x" }),
            )
            .await;
        let team = created.expect(200);
        assert_eq!(team["memberCount"], 0);
        ids.push(id(team));
    }
    api.post("/teams", &json!({ "name": "team 0" }))
        .await
        .expect_error(409, "general.conflict");
    let first = api.get("/teams?pageSize=3").await;
    let body = first.expect(200);
    assert_eq!(body["entities"].as_array().map(Vec::len), Some(3));
    for absent in ["total", "pageCount", "pageNumber"] {
        assert!(body.get(absent).is_none(), "cursor listing has no {absent}");
    }
    let next = body["nextUri"].as_str().expect("nextUri");
    assert!(
        next.starts_with("/api/v2/teams?pageSize=3&after="),
        "{next}"
    );
    let all = api.walk("/teams?pageSize=3").await;
    assert_eq!(all.iter().map(id).collect::<Vec<_>>(), ids);
    let second = api.get(next).await;
    let previous = second.body["previousUri"]
        .as_str()
        .expect("previousUri")
        .to_owned();
    assert_eq!(api.get(&previous).await.body["entities"], body["entities"]);
    assert_eq!(
        api.get("/teams?name=team 1").await.body["entities"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    api.get("/teams?pageSize=101")
        .await
        .expect_error(400, "bad.request");
    let patched = api
        .patch(&format!("/teams/{}", ids[0]), &json!({ "name": "Renamed" }))
        .await;
    assert_eq!(patched.expect(200)["name"], "Renamed");
    assert_eq!(api.delete(&format!("/teams/{}", ids[0])).await.status, 204);
    api.get(&format!("/teams/{}", ids[0]))
        .await
        .expect_error(404, "not.found");
}

#[tokio::test]
async fn team_members_add_with_failures_move_and_remove() {
    let (sandbox, api) = setup().await;
    sandbox
        .seed("sandbox", &SeedOrg::generated(30, 0, 0, 0, 0, 6))
        .expect("seeds");
    let users: Vec<String> = api
        .walk("/users?state=any&pageSize=100")
        .await
        .iter()
        .map(id)
        .collect();
    let a = id(api
        .post("/teams", &json!({ "name": "A" }))
        .await
        .expect(200));
    let b = id(api
        .post("/teams", &json!({ "name": "B" }))
        .await
        .expect(200));
    let mut member_ids: Vec<Value> = users[..25].iter().map(|user| json!(user)).collect();
    member_ids.push(json!("not-a-user"));
    let added = api
        .post(
            &format!("/teams/{a}/members"),
            &json!({ "memberIds": member_ids }),
        )
        .await;
    let body = added.expect(200);
    assert_eq!(body["entities"].as_array().map(Vec::len), Some(25));
    assert_eq!(
        body["failures"],
        json!([{ "id": "not-a-user", "reason": "UserNotFound" }])
    );
    let walked = api.walk(&format!("/teams/{a}/members?pageSize=10")).await;
    assert_eq!(walked.len(), 25);
    assert_eq!(walked.iter().map(id).collect::<HashSet<_>>().len(), 25);
    assert!(
        walked[0].get("name").is_none(),
        "names only with expand=entities"
    );
    let named = api
        .get(&format!("/teams/{a}/members?expand=entities"))
        .await;
    assert!(named.body["entities"][0]["name"].is_string());
    // A user is in one team at most. By default, adding them to B fails for them with
    // `UserGroupLimitExceeded`, and they stay in A.
    let refused = api
        .post(
            &format!("/teams/{b}/members"),
            &json!({ "memberIds": [users[0], users[26]] }),
        )
        .await;
    assert_eq!(
        refused.expect(200)["failures"],
        json!([{ "id": users[0], "reason": "UserGroupLimitExceeded" }])
    );
    assert_eq!(
        refused.body["entities"],
        json!([{ "id": users[26], "selfUri": format!("/api/v2/users/{}", users[26]) }])
    );
    assert_eq!(
        api.get(&format!("/teams/{a}")).await.body["memberCount"],
        25
    );
    let user = api.get(&format!("/users/{}?expand=team", users[0])).await;
    assert_eq!(user.body["team"]["name"], "A");
    // With the `moveBetweenTeams` knob, the add moves them out of A.
    api.put(
        "/__sandbox/orgs/sandbox/faults",
        &json!({ "moveBetweenTeams": true }),
    )
    .await
    .expect(200);
    let moved = api
        .post(
            &format!("/teams/{b}/members"),
            &json!({ "memberIds": [users[0]] }),
        )
        .await;
    assert_eq!(moved.expect(200)["failures"], json!([]));
    assert_eq!(
        api.get(&format!("/teams/{a}")).await.body["memberCount"],
        24
    );
    let user = api.get(&format!("/users/{}?expand=team", users[0])).await;
    assert_eq!(user.body["team"]["name"], "B");
    let removed = api
        .delete(&format!("/teams/{a}/members?id={},{}", users[1], users[2]))
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(
        api.get(&format!("/teams/{a}")).await.body["memberCount"],
        22
    );
}
