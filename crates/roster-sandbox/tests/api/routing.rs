//! Skills, languages, wrap-up codes, user skills and languages, utilization.

use serde_json::{Value, json};

use crate::common::{id, seeded, setup, user_id};

#[tokio::test]
async fn skills_are_unique_soft_deleted_and_division_movable() {
    let (_sandbox, api) = seeded("divisions: [Contact Center]").await;
    let billing = api
        .post("/routing/skills", &json!({ "name": "Billing" }))
        .await;
    let skill = billing.expect(200).clone();
    assert_eq!(skill["state"], "active");
    assert_eq!(skill["version"], "1", "skill versions are strings");
    assert_eq!(skill["division"]["name"], "Home");
    api.post("/routing/skills", &json!({ "name": "billing" }))
        .await
        .expect_error(409, "general.conflict");
    api.post("/routing/skills", &json!({ "name": "Bill Pay" }))
        .await
        .expect(200);
    api.post("/routing/skills", &json!({ "name": "Sales" }))
        .await
        .expect(200);
    let prefix = api.get("/routing/skills?name=bil").await;
    assert_eq!(
        prefix.expect(200)["total"],
        2,
        "name filter is 'starts with'"
    );
    let by_id = api.get(&format!("/routing/skills?id={}", id(&skill))).await;
    assert_eq!(by_id.expect(200)["entities"][0]["name"], "Billing");
    let center = crate::common::named(&api, "/authorization/divisions", "Contact Center").await;
    let moved = api
        .patch(
            &format!("/routing/skills/{}", id(&skill)),
            &json!({ "divisionId": id(&center) }),
        )
        .await;
    assert_eq!(moved.expect(200)["division"]["name"], "Contact Center");
    assert_eq!(moved.body["version"], "2");
    assert_eq!(
        api.delete(&format!("/routing/skills/{}", id(&skill)))
            .await
            .status,
        204
    );
    let gone = api.get(&format!("/routing/skills/{}", id(&skill))).await;
    assert_eq!(
        gone.expect(200)["state"],
        "deleted",
        "GET still answers after a soft delete"
    );
    // Deleted skills stay in the list, marked (the harsher reading, issue #12).
    let listed = api.get("/routing/skills").await;
    let states: Vec<(&str, &str)> = listed.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|skill| Some((skill["name"].as_str()?, skill["state"].as_str()?)))
        .collect();
    assert!(states.contains(&("Billing", "deleted")), "{}", listed.raw);
    assert_eq!(listed.body["total"], 3);
    // Its name is free again: a new Billing is live beside the deleted one.
    let again = api
        .post("/routing/skills", &json!({ "name": "Billing" }))
        .await;
    assert_eq!(again.expect(200)["state"], "active");
    assert_ne!(id(&again.body), id(&skill));
    api.get("/routing/skills/6d9a1a50-0000-4000-8000-000000000000")
        .await
        .expect_error(404, "not.found");
    api.post("/routing/skills", &json!({}))
        .await
        .expect_error(400, "required.field.missing");
    // Case is folded beyond ASCII, as roster's planner assumes.
    api.post("/routing/skills", &json!({ "name": "Équipe" }))
        .await
        .expect(200);
    api.post("/routing/skills", &json!({ "name": "ÉQUIPE" }))
        .await
        .expect_error(409, "general.conflict");
}

#[tokio::test]
async fn languages_create_list_and_soft_delete() {
    let (_sandbox, api) = setup().await;
    let spanish = id(api
        .post("/routing/languages", &json!({ "name": "Spanish" }))
        .await
        .expect(200));
    api.post("/routing/languages", &json!({ "name": "French" }))
        .await
        .expect(200);
    assert_eq!(
        api.get("/routing/languages?name=span*").await.expect(200)["total"],
        1
    );
    assert_eq!(
        api.delete(&format!("/routing/languages/{spanish}"))
            .await
            .status,
        204
    );
    assert_eq!(
        api.get(&format!("/routing/languages/{spanish}"))
            .await
            .expect(200)["state"],
        "deleted"
    );
    let listed = api.get("/routing/languages").await;
    let states: Vec<&str> = listed.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|language| language["state"].as_str())
        .collect();
    assert_eq!(
        states,
        ["active", "deleted"],
        "French, then Spanish (deleted)"
    );
}

#[tokio::test]
async fn wrapup_codes_create_update_and_hard_delete() {
    let (_sandbox, api) = setup().await;
    let code = api
        .post(
            "/routing/wrapupcodes",
            &json!({ "name": "Resolved", "description": "Done" }),
        )
        .await;
    let code = code.expect(200).clone();
    assert_eq!(code["division"]["name"], "Home");
    api.post("/routing/wrapupcodes", &json!({ "name": "RESOLVED" }))
        .await
        .expect_error(400, "duplicate.name");
    let other = id(api
        .post("/routing/wrapupcodes", &json!({ "name": "Escalated" }))
        .await
        .expect(200));
    api.put(
        &format!("/routing/wrapupcodes/{other}"),
        &json!({ "name": "Resolved" }),
    )
    .await
    .expect_error(400, "duplicate.name");
    let renamed = api
        .put(
            &format!("/routing/wrapupcodes/{}", id(&code)),
            &json!({ "name": "Fixed" }),
        )
        .await;
    assert_eq!(renamed.expect(200)["name"], "Fixed");
    assert!(
        renamed.body.get("description").is_none(),
        "PUT replaces the whole code"
    );
    let listed = api.get("/routing/wrapupcodes?pageSize=1").await;
    assert_eq!(
        listed.expect(200)["entities"][0]["name"],
        "Escalated",
        "sorted by name"
    );
    assert_eq!(listed.body["pageCount"], 2);
    assert_eq!(
        api.delete(&format!("/routing/wrapupcodes/{other}"))
            .await
            .status,
        204
    );
    api.get(&format!("/routing/wrapupcodes/{other}"))
        .await
        .expect_error(404, "not.found");
}

const ORG: &str = "
skills: [Billing, Sales, Support]
languages: [Spanish, French]
users: [{ email: jane@acme.example, name: Jane, skills: { Billing: 3 } }]
";

fn names(body: &Value) -> Vec<(String, f64)> {
    body["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|entity| {
            (
                entity["name"].as_str().expect("name").to_owned(),
                entity["proficiency"].as_f64().expect("proficiency"),
            )
        })
        .collect()
}

#[tokio::test]
async fn user_skills_bulk_patch_put_and_single_operations() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let skills = api.walk("/routing/skills").await;
    let skill = |name: &str| {
        id(skills
            .iter()
            .find(|skill| skill["name"] == name)
            .expect("skill"))
    };
    let patched = api
        .patch(&format!("/users/{jane}/routingskills/bulk"), &json!([{ "id": skill("Billing"), "proficiency": 5 }, { "id": skill("Sales"), "proficiency": 2.5 }]))
        .await;
    assert_eq!(
        names(patched.expect(200)),
        [("Billing".into(), 5.0), ("Sales".into(), 2.5)]
    );
    let replaced = api
        .put(
            &format!("/users/{jane}/routingskills/bulk"),
            &json!([{ "id": skill("Support"), "proficiency": 1 }]),
        )
        .await;
    assert_eq!(names(replaced.expect(200)), [("Support".into(), 1.0)]);
    let single = api
        .put(
            &format!("/users/{jane}/routingskills/{}", skill("Sales")),
            &json!({ "proficiency": 4 }),
        )
        .await;
    assert_eq!(single.expect(200)["proficiency"], 4.0);
    assert_eq!(
        single.body["selfUri"],
        format!("/api/v2/users/{jane}/routingskills/{}", skill("Sales"))
    );
    let listed = api.get(&format!("/users/{jane}/routingskills")).await;
    assert_eq!(
        names(listed.expect(200)),
        [("Sales".into(), 4.0), ("Support".into(), 1.0)]
    );
    assert_eq!(
        api.delete(&format!("/users/{jane}/routingskills/{}", skill("Support")))
            .await
            .status,
        204
    );
    api.delete(&format!("/users/{jane}/routingskills/{}", skill("Support")))
        .await
        .expect_error(404, "not.found");
    api.patch(
        &format!("/users/{jane}/routingskills/bulk"),
        &json!([{ "id": skill("Billing"), "proficiency": 6 }]),
    )
    .await
    .expect_error(400, "invalid.value");
    let too_many: Vec<Value> = (0..51)
        .map(|_| json!({ "id": skill("Billing"), "proficiency": 1 }))
        .collect();
    api.patch(
        &format!("/users/{jane}/routingskills/bulk"),
        &json!(too_many),
    )
    .await
    .expect_error(400, "bad.request");
    // A deleted skill disappears from users.
    api.delete(&format!("/routing/skills/{}", skill("Sales")))
        .await;
    assert_eq!(
        api.get(&format!("/users/{jane}/routingskills")).await.body["total"],
        0
    );
    // The user's version does not move for skill changes.
    assert_eq!(api.get(&format!("/users/{jane}")).await.body["version"], 1);
}

#[tokio::test]
async fn user_languages_bulk_patch_round_and_remove() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let languages = api.walk("/routing/languages").await;
    let language = |name: &str| {
        id(languages
            .iter()
            .find(|language| language["name"] == name)
            .expect("language"))
    };
    let patched = api
        .patch(
            &format!("/users/{jane}/routinglanguages/bulk"),
            &json!([{ "id": language("Spanish"), "proficiency": 3.6 }]),
        )
        .await;
    assert_eq!(
        names(patched.expect(200)),
        [("Spanish".into(), 4.0)],
        "languages round to whole numbers"
    );
    let one = api
        .patch(
            &format!("/users/{jane}/routinglanguages/{}", language("French")),
            &json!({ "proficiency": 2 }),
        )
        .await;
    assert_eq!(
        one.expect(200)["languageUri"],
        format!("/api/v2/routing/languages/{}", language("French"))
    );
    assert_eq!(
        api.get(&format!("/users/{jane}/routinglanguages"))
            .await
            .body["total"],
        2
    );
    assert_eq!(
        api.delete(&format!(
            "/users/{jane}/routinglanguages/{}",
            language("French")
        ))
        .await
        .status,
        204
    );
    assert_eq!(
        api.get(&format!("/users/{jane}/routinglanguages"))
            .await
            .body["total"],
        1
    );
}

#[tokio::test]
async fn utilization_reads_org_level_until_the_agent_has_own_settings() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let org = api.get("/routing/utilization").await;
    assert_eq!(org.expect(200)["utilization"]["call"]["maximumCapacity"], 1);
    let path = format!("/routing/users/{jane}/utilization");
    let before = api.get(&path).await;
    assert_eq!(before.expect(200)["level"], "Organization");
    assert_eq!(before.body["utilization"], org.body["utilization"]);
    let put = api
        .put(&path, &json!({ "utilization": { "chat": { "maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": true } } }))
        .await;
    let body = put.expect(200);
    assert_eq!(body["level"], "Agent");
    assert_eq!(
        body["utilization"]["chat"],
        json!({ "maximumCapacity": 3, "interruptableMediaTypes": ["call"], "includeNonAcd": true })
    );
    assert_eq!(
        body["utilization"]["call"]["maximumCapacity"], 1,
        "omitted media read as org default"
    );
    api.put(
        &path,
        &json!({ "utilization": { "call": { "maximumCapacity": 26 } } }),
    )
    .await
    .expect_error(400, "invalid.value");
    api.put(
        &path,
        &json!({ "utilization": { "fax": { "maximumCapacity": 1 } } }),
    )
    .await
    .expect_error(400, "invalid.value");
    assert_eq!(api.delete(&path).await.status, 204);
    assert_eq!(api.get(&path).await.body["level"], "Organization");
}
