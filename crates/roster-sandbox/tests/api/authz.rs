//! Divisions, roles, grants (direct and inherited), groups, moving objects between divisions.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::common::{id, named, seeded, user_id};

const ORG: &str = "
divisions: [Contact Center]
roles: [Agent]
queues: [{ name: Billing }]
teams: [{ name: Tier 2 }]
groups: [{ name: Supervisors, members: [jane@acme.example], roles: [{ role: Supervisor, division: Contact Center }] }]
users:
  - { email: jane@acme.example, name: Jane, roles: [{ role: Agent }] }
  - { email: bob@acme.example, name: Bob }
";

#[tokio::test]
async fn divisions_list_home_get_and_move_objects() {
    let (_sandbox, api) = seeded(ORG).await;
    let home = api.get("/authorization/divisions/home").await;
    let home = home.expect(200).clone();
    assert_eq!(home["name"], "Home");
    assert_eq!(home["homeDivision"], true);
    let listed = api.get("/authorization/divisions").await;
    assert_eq!(listed.expect(200)["total"], 2);
    let center = named(&api, "/authorization/divisions", "Contact Center").await;
    assert_eq!(center["homeDivision"], false);
    assert_eq!(
        api.get("/authorization/divisions?name=contact center")
            .await
            .body["total"],
        1
    );
    api.get(&format!("/authorization/divisions/{}", id(&center)))
        .await
        .expect(200);
    let jane = user_id(&api, "jane@acme.example").await;
    let queue = id(&named(&api, "/routing/queues", "Billing").await);
    let team = id(&api.walk("/teams").await[0]);
    for (kind, object) in [("USER", &jane), ("QUEUE", &queue), ("TEAM", &team)] {
        let moved = api
            .post(
                &format!("/authorization/divisions/{}/objects/{kind}", id(&center)),
                &json!([object]),
            )
            .await;
        assert_eq!(moved.status, 204, "{kind}: {}", moved.raw);
    }
    let user = api.get(&format!("/users/{jane}")).await;
    assert_eq!(user.body["division"]["name"], "Contact Center");
    assert_eq!(user.body["version"], 2, "moving a user is a write");
    assert_eq!(
        api.get(&format!("/routing/queues/{queue}")).await.body["division"]["name"],
        "Contact Center"
    );
    assert_eq!(
        api.get(&format!("/teams/{team}")).await.body["division"]["id"],
        center["id"]
    );
    api.post(
        &format!("/authorization/divisions/{}/objects/FLOW", id(&center)),
        &json!([queue]),
    )
    .await
    .expect_error(400, "invalid.value");
}

#[tokio::test]
async fn roles_list_filter_and_manage_users() {
    let (_sandbox, api) = seeded(ORG).await;
    let roles = api.walk("/authorization/roles?pageSize=5").await;
    let names: HashSet<&str> = roles
        .iter()
        .filter_map(|role| role["name"].as_str())
        .collect();
    for built_in in [
        "Master Admin",
        "Admin",
        "Employee",
        "User",
        "Supervisor",
        "Communicate - User",
        "Quality Evaluator",
        "Agent",
    ] {
        assert!(names.contains(built_in), "{built_in}");
    }
    let employee = named(&api, "/authorization/roles", "Employee").await;
    assert!(
        employee["defaultRoleId"].is_string(),
        "built-in roles carry defaultRoleId"
    );
    assert_eq!(employee["userCount"], 2);
    let agent = named(&api, "/authorization/roles", "Agent").await;
    assert!(agent.get("defaultRoleId").is_none());
    assert_eq!(
        api.get("/authorization/roles?name=agent").await.expect(200)["total"],
        1
    );
    assert_eq!(
        api.get(&format!(
            "/authorization/roles?id={},{}",
            id(&agent),
            id(&employee)
        ))
        .await
        .body["total"],
        2
    );
    let many: Vec<String> = (0..101).map(|_| id(&agent)).collect();
    api.get(&format!("/authorization/roles?id={}", many.join(",")))
        .await
        .expect_error(400, "max.role.ids");
    let bob = user_id(&api, "bob@acme.example").await;
    let path = format!("/authorization/roles/{}/users", id(&agent));
    let added = api.put(&format!("{path}/add"), &json!([bob])).await;
    assert_eq!(added.expect(200), &json!([bob]));
    let holders = api.get(&path).await;
    let body = holders.expect(200);
    assert_eq!(body["total"], 2);
    assert!(
        body.get("selfUri").is_none(),
        "UserReferenceEntityListing has no links"
    );
    api.put(&format!("{path}/remove"), &json!([bob]))
        .await
        .expect(200);
    assert_eq!(api.get(&path).await.body["total"], 1);
}

fn grants(body: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = body["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(|grant| {
            (
                grant["role"]["name"].as_str().expect("role").to_owned(),
                grant["division"]["name"]
                    .as_str()
                    .expect("division")
                    .to_owned(),
                grant["subjectId"].as_str().expect("subject").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn subjects_show_inherited_grants_and_bulk_replace_keeps_them() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let group = id(&api.get("/groups").await.expect(200)["entities"][0]);
    let subject = api.get(&format!("/authorization/subjects/{jane}")).await;
    assert_eq!(
        grants(subject.expect(200)),
        [
            ("Agent".into(), "Home".into(), jane.clone()),
            ("Employee".into(), "Home".into(), jane.clone()),
            ("Supervisor".into(), "Contact Center".into(), group.clone()),
        ]
    );
    let center = id(&named(&api, "/authorization/divisions", "Contact Center").await);
    let supervisor = id(&named(&api, "/authorization/roles", "Supervisor").await);
    let admin = id(&named(&api, "/authorization/roles", "Admin").await);
    let path = format!("/authorization/subjects/{jane}");
    // A direct grant equal to an inherited one: shown once unless includeDuplicates.
    let added = api
        .post(
            &format!("{path}/bulkadd"),
            &json!({ "grants": [{ "roleId": supervisor, "divisionId": center }] }),
        )
        .await;
    assert_eq!(added.status, 204);
    assert_eq!(grants(&api.get(&path).await.body).len(), 3);
    let duplicates = api.get(&format!("{path}?includeDuplicates=true")).await;
    let with_duplicates = grants(&duplicates.body);
    assert_eq!(with_duplicates.len(), 4);
    assert!(with_duplicates.contains(&(
        "Supervisor".into(),
        "Contact Center".into(),
        group.clone()
    )));
    let replaced = api
        .post(
            &format!("{path}/bulkreplace"),
            &json!({ "grants": [{ "roleId": admin, "divisionId": center }] }),
        )
        .await;
    assert_eq!(replaced.status, 204);
    assert_eq!(
        grants(
            &api.get(&format!("{path}?includeDuplicates=true"))
                .await
                .body
        ),
        [
            ("Admin".into(), "Contact Center".into(), jane.clone()),
            ("Supervisor".into(), "Contact Center".into(), group.clone())
        ],
        "bulkreplace leaves inherited grants alone"
    );
    api.post(
        &format!("{path}/bulkremove"),
        &json!({ "grants": [{ "roleId": admin, "divisionId": center }] }),
    )
    .await;
    assert_eq!(grants(&api.get(&path).await.body).len(), 1);
    api.post(&format!("{path}/bulkadd"), &json!({ "grants": [{ "roleId": admin, "divisionId": "9a3d4a50-0000-4000-8000-000000000000" }] }))
        .await
        .expect_error(404, "not.found");
    // Single grant routes.
    let single = format!("{path}/divisions/{center}/roles/{admin}");
    assert_eq!(api.post(&single, &json!(null)).await.status, 204);
    assert_eq!(api.delete(&single).await.status, 204);
    api.delete(&single).await.expect_error(404, "not.found");
    // The group is a subject too.
    let group_subject = api.get(&format!("/authorization/subjects/{group}")).await;
    assert_eq!(grants(group_subject.expect(200)).len(), 1);
}

#[tokio::test]
async fn user_roles_get_and_put() {
    let (_sandbox, api) = seeded(ORG).await;
    let bob = user_id(&api, "bob@acme.example").await;
    let agent = id(&named(&api, "/authorization/roles", "Agent").await);
    let user = id(&named(&api, "/authorization/roles", "User").await);
    let set = api
        .put(&format!("/users/{bob}/roles"), &json!([agent, user]))
        .await;
    let names: HashSet<&str> = set.expect(200)["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|role| role["name"].as_str())
        .collect();
    assert_eq!(names, HashSet::from(["Agent", "User"]));
    let got = api.get(&format!("/users/{bob}/roles")).await;
    assert_eq!(got.expect(200)["roles"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn groups_are_listed() {
    let (_sandbox, api) = seeded(ORG).await;
    let groups = api.get("/groups").await;
    let body = groups.expect(200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["entities"][0]["name"], "Supervisors");
    assert_eq!(body["entities"][0]["memberCount"], 1);
    api.get(&format!("/groups/{}", id(&body["entities"][0])))
        .await
        .expect(200);
}

/// The role names a user's authorization subject lists.
async fn subject_roles(api: &crate::common::Api, user: &str) -> Vec<String> {
    let subject = api.get(&format!("/authorization/subjects/{user}")).await;
    let mut names: Vec<String> = subject.expect(200)["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|grant| grant["role"]["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_inactive_user_holds_no_roles_and_reactivation_brings_back_only_its_groups() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    // Employee is the default role every new user gets.
    assert_eq!(
        subject_roles(&api, &jane).await,
        ["Agent", "Employee", "Supervisor"]
    );
    api.patch(
        &format!("/users/{jane}"),
        &json!({ "state": "inactive", "version": 1 }),
    )
    .await
    .expect(200);
    assert!(subject_roles(&api, &jane).await.is_empty());
    // No route shows the user holding the role it lost, and it cannot be given one back
    // while inactive.
    let agent = id(&named(&api, "/authorization/roles", "Agent").await);
    let holders = api
        .get(&format!("/authorization/roles/{agent}/users"))
        .await;
    assert_eq!(holders.expect(200)["entities"], json!([]));
    let subjects = api
        .get(&format!("/authorization/roles/{agent}/subjectgrants"))
        .await;
    assert!(
        !subjects.expect(200).to_string().contains(jane.as_str()),
        "{}",
        subjects.raw
    );
    let home = api.get("/authorization/divisions/home").await;
    let home = id(home.expect(200));
    api.post(
        &format!("/authorization/subjects/{jane}/bulkadd"),
        &json!({ "grants": [{ "roleId": agent, "divisionId": home }] }),
    )
    .await
    .expect_error(400, "bad.request");
    api.put(&format!("/users/{jane}/roles"), &json!([agent]))
        .await
        .expect_error(400, "bad.request");
    let expanded = api
        .get(&format!("/users/{jane}?expand=authorization"))
        .await;
    assert_eq!(
        expanded.expect(200)["authorization"]["roles"],
        json!([]),
        "{}",
        expanded.raw
    );
    api.patch(
        &format!("/users/{jane}"),
        &json!({ "state": "active", "version": 2 }),
    )
    .await
    .expect(200);
    // Agent and Employee were the user's own: gone. Supervisor comes from its group: back.
    assert_eq!(subject_roles(&api, &jane).await, ["Supervisor"]);
}
